/* Optional speedup of replay's placing kernel: `place` of place.py (the reference, with the interface written
 * out) in C, with the same answers (tests compare the two on random blocks, whole timelines and halves).
 *
 * place(records, codes, code_of, open, closed, remembered, counts, depth, call, span_start, span_end, unresolved)
 *     -> (seq, kind, type_code, component_code, name_code, status_code, depth, span, call, duration,
 *         span_parent, span_start, span_end)
 *
 * It reads its arguments through the interfaces of their types only: a record's fields by name (as `getattr`
 * does), the arrays through the buffer protocol (an array of another item type is a TypeError), the codes as
 * tuples, the dicts, the OrderedDict and the set through their mapping and set calls (`closed.popitem(False)`
 * drops its oldest), `code_of` by calling it. It keeps nothing between calls. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { INSTANT = 0, START = 1, END = 2 };
#define NO_SPAN (-1)
#define MAX_DEPTH 0xFFFFFFFFu

static PyObject *array_type, *S_POPITEM, *S_STARTED;
/* The fields read of a record */
enum { F_EVENT_TYPE, F_COMPONENT, F_NAME, F_STATUS, F_SEQ, F_DURATION, F_SPAN_ID, F_PARENT_ID, N_FIELDS };
static const char *FIELD_NAMES[N_FIELDS] = {"event_type", "component", "name", "status", "seq", "duration_ms",
                                            "span_id", "parent_id"};
static PyObject *S_FIELDS[N_FIELDS];

/* A buffer of `format` items ('I' or 'i', 4 bytes each) */
static int take(PyObject *values, Py_buffer *view, char format, int writable, const char *what)
{
    if (PyObject_GetBuffer(values, view, PyBUF_FORMAT | PyBUF_ND | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != 4 || view->format == NULL || view->format[0] != format || view->format[1] != '\0') {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "place(): %s must be an array('%c')", what, format);
        return -1;
    }
    return 0;
}

/* Growable items of one new span column */
typedef struct {
    int32_t *items;
    Py_ssize_t count, room;
} Column;

static int push(Column *column, int32_t value)
{
    if (column->count == column->room) {
        Py_ssize_t room = column->room ? column->room * 2 : 64;
        int32_t *items = PyMem_Realloc(column->items, (size_t)room * sizeof(int32_t));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        column->items = items;
        column->room = room;
    }
    column->items[column->count++] = value;
    return 0;
}

/* array(typecode) of `size` bytes at `items` */
static PyObject *made(const char *typecode, const void *items, Py_ssize_t size)
{
    return PyObject_CallFunction(array_type, "sy#", typecode, (const char *)(size ? items : ""), size);
}

/* The span number a dict maps `key` to: 0 with *found set (or not, when absent), -1 on error */
static int number_of(PyObject *dict, PyObject *key, Py_ssize_t *number, int *found)
{
    PyObject *value = PyDict_GetItemWithError(dict, key);
    *found = value != NULL;
    if (value == NULL)
        return PyErr_Occurred() ? -1 : 0;
    *number = PyLong_AsSsize_t(value);
    return *number == -1 && PyErr_Occurred() ? -1 : 0;
}

typedef struct {
    Py_buffer depth, call, span_start, span_end;
    int held;
    PyObject *records;          /* PySequence_Fast */
    PyTypeObject *type;         /* the first record's type, and its data descriptors of the fields read */
    PyObject *descriptors[N_FIELDS];
    PyObject *codes, *code_of;  /* borrowed */
    uint8_t *kinds;
    uint32_t *depths, *calls, *coded[4];
    int32_t *numbers;
    long long *seqs;
    double *durations;
    Column parent, start, end;
} Work;

static void let_go(Work *w)
{
    Py_buffer *views[4] = {&w->depth, &w->call, &w->span_start, &w->span_end};
    for (int k = 0; k < w->held; k++)
        PyBuffer_Release(views[k]);
    Py_XDECREF(w->records);
    for (int f = 0; f < N_FIELDS; f++)
        Py_XDECREF(w->descriptors[f]);
    for (int k = 0; k < 4; k++)
        PyMem_Free(w->coded[k]);
    PyMem_Free(w->seqs);
    PyMem_Free(w->durations);
    PyMem_Free(w->kinds);
    PyMem_Free(w->depths);
    PyMem_Free(w->calls);
    PyMem_Free(w->numbers);
    PyMem_Free(w->parent.items);
    PyMem_Free(w->start.items);
    PyMem_Free(w->end.items);
}

/* The start position of span `number` (old, or new in this block) */
static inline int32_t start_of(Work *w, Py_ssize_t spans, Py_ssize_t number)
{
    return number < spans ? ((int32_t *)w->span_start.buf)[number] : w->start.items[number - spans];
}

static inline uint32_t depth_at(Work *w, Py_ssize_t first, Py_ssize_t position)
{
    return position < first ? ((uint32_t *)w->depth.buf)[position] : w->depths[position - first];
}

static inline uint32_t call_at(Work *w, Py_ssize_t first, Py_ssize_t position)
{
    return position < first ? ((uint32_t *)w->call.buf)[position] : w->calls[position - first];
}

/* A record's field, a new reference: NULL with an error. What `getattr` gives: for a record of the first one's
 * type, straight from the type's data descriptor of the field (which `getattr` would find first too). */
static inline PyObject *field(Work *w, Py_ssize_t index, int f)
{
    PyObject *record = PySequence_Fast_GET_ITEM(w->records, index);
    PyObject *descriptor = w->descriptors[f];
    if (descriptor != NULL && Py_TYPE(record) == w->type)
        return Py_TYPE(descriptor)->tp_descr_get(descriptor, record, (PyObject *)w->type);
    return PyObject_GetAttr(record, S_FIELDS[f]);
}

/* The first record's type's data descriptors of the fields read, where it has them (else getattr is used) */
static void describe(Work *w)
{
    if (PySequence_Fast_GET_SIZE(w->records) == 0)
        return;
    w->type = Py_TYPE(PySequence_Fast_GET_ITEM(w->records, 0));
    for (int f = 0; f < N_FIELDS; f++) {
        PyObject *descriptor = PyObject_GetAttr((PyObject *)w->type, S_FIELDS[f]);  /* a member's: itself */
        if (descriptor == NULL)
            PyErr_Clear();
        else if (Py_TYPE(descriptor)->tp_descr_get != NULL && Py_TYPE(descriptor)->tp_descr_set != NULL)
            w->descriptors[f] = descriptor;
        else
            Py_DECREF(descriptor);
    }
}

/* Event `index` (its span id `span_id`) ends an open span: 1 when it did (its columns set), 0 when no span of its
 * id is open, -1 on error */
static int ended(Work *w, Py_ssize_t index, PyObject *span_id, Py_ssize_t first, Py_ssize_t spans, PyObject *open,
                 PyObject *closed, Py_ssize_t remembered)
{
    PyObject *value = PyDict_GetItemWithError(open, span_id);
    if (value == NULL)
        return PyErr_Occurred() ? -1 : 0;
    Py_INCREF(value);
    Py_ssize_t own = PyLong_AsSsize_t(value);
    int failed = (own == -1 && PyErr_Occurred()) || PyDict_DelItem(open, span_id) < 0
        || PyObject_SetItem(closed, span_id, value) < 0;
    Py_DECREF(value);
    if (failed)
        return -1;
    Py_ssize_t size = PyObject_Size(closed);
    if (size < 0)
        return -1;
    if (size > remembered) {
        PyObject *oldest = PyObject_CallMethodOneArg(closed, S_POPITEM, Py_False);
        if (oldest == NULL)
            return -1;
        Py_DECREF(oldest);
    }
    if (own < 0 || own >= spans + w->start.count) {
        PyErr_SetString(PyExc_ValueError, "place(): an open span's number is not a span's");
        return -1;
    }
    int32_t start = start_of(w, spans, own);
    if (own < spans)
        ((int32_t *)w->span_end.buf)[own] = (int32_t)(first + index);
    else
        w->end.items[own - spans] = (int32_t)(first + index);
    w->kinds[index] = END;
    w->numbers[index] = (int32_t)own;
    w->depths[index] = depth_at(w, first, start);
    w->calls[index] = call_at(w, first, start);
    return 1;
}

/* The span event `index` is placed under (NO_SPAN: a root, or a parent id that names no span): -2 on error */
static Py_ssize_t parent_of(Work *w, Py_ssize_t index, PyObject *open, PyObject *closed, PyObject *unresolved)
{
    PyObject *parent_id = field(w, index, F_PARENT_ID);
    if (parent_id == NULL)
        return -2;
    Py_ssize_t number = NO_SPAN;
    int found = 0, failed = 0;
    if (parent_id != Py_None) {
        failed = number_of(open, parent_id, &number, &found) < 0
            || (!found && number_of(closed, parent_id, &number, &found) < 0)
            || (!found && unresolved != Py_None && PySet_Add(unresolved, parent_id) < 0);
    }
    Py_DECREF(parent_id);
    if (failed)
        return -2;
    return found ? number : NO_SPAN;
}

/* Event `index` counted among its operation's calls: its number, 0 on error */
static uint32_t counted(PyObject *operation, PyObject *counts)
{
    PyObject *was = PyDict_GetItemWithError(counts, operation);
    if (was == NULL && PyErr_Occurred())
        return 0;
    Py_ssize_t count = was == NULL ? 0 : PyLong_AsSsize_t(was);
    if (count < 0)
        return 0;
    if ((size_t)count + 1 > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "place(): a call number past an array('I') item");
        return 0;
    }
    PyObject *now = PyLong_FromSsize_t(count + 1);
    if (now == NULL)
        return 0;
    int failed = PyDict_SetItem(counts, operation, now);
    Py_DECREF(now);
    return failed ? 0 : (uint32_t)(count + 1);
}

/* Event `index`'s codes, a new reference (NULL with an error): found in `codes` by its four texts, or made by
 * `code_of` (a four that is not there, or one that cannot be a key: a list where a text belongs) */
static PyObject *codes_of(Work *w, Py_ssize_t index, int *opens)
{
    PyObject *texts[4];
    int got = 0;
    while (got < 4 && (texts[got] = field(w, index, F_EVENT_TYPE + got)) != NULL)
        got++;
    PyObject *key = got == 4 ? PyTuple_Pack(4, texts[0], texts[1], texts[2], texts[3]) : NULL;
    for (int k = 0; k < got; k++)
        Py_DECREF(texts[k]);
    if (key == NULL)
        return NULL;
    PyObject *status = PyTuple_GET_ITEM(key, 3);
    *opens = PyUnicode_CheckExact(status) && PyUnicode_Compare(status, S_STARTED) == 0;
    PyObject *found = PyDict_GetItemWithError(w->codes, key);
    if (found != NULL)
        Py_INCREF(found);
    else if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        found = PyObject_Call(w->code_of, key, NULL);
    }
    Py_DECREF(key);
    return found;
}

/* Event `index`'s codes into the coded columns; its tuple's operation (borrowed from `codes`), or NULL */
static PyObject *coded(Work *w, Py_ssize_t index, PyObject *codes)
{
    if (!PyTuple_Check(codes) || PyTuple_GET_SIZE(codes) != 5) {
        PyErr_SetString(PyExc_TypeError, "place(): an event's codes must be a tuple of five");
        return NULL;
    }
    for (int k = 0; k < 4; k++) {
        unsigned long code = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(codes, k));
        if (code == (unsigned long)-1 && PyErr_Occurred())
            return NULL;
        if (code > UINT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "place(): a code past an array('I') item");
            return NULL;
        }
        w->coded[k][index] = (uint32_t)code;
    }
    return PyTuple_GET_ITEM(codes, 4);
}

/* Event `index`'s seq and duration into their columns: 0, or -1 with an error */
static int timed(Work *w, Py_ssize_t index)
{
    PyObject *seq = field(w, index, F_SEQ);
    if (seq == NULL)
        return -1;
    w->seqs[index] = PyLong_AsLongLong(seq);
    Py_DECREF(seq);
    if (w->seqs[index] == -1 && PyErr_Occurred())
        return -1;
    PyObject *duration = field(w, index, F_DURATION);
    if (duration == NULL)
        return -1;
    w->durations[index] = duration == Py_None ? Py_NAN : PyFloat_AsDouble(duration);
    Py_DECREF(duration);
    return w->durations[index] == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* Event `index` with its codes: placed, its columns set; 0, or -1 with an error */
static int place_coded(Work *w, Py_ssize_t index, PyObject *codes, int opens, Py_ssize_t first, Py_ssize_t spans,
                       PyObject *open, PyObject *closed, Py_ssize_t remembered, PyObject *counts,
                       PyObject *unresolved)
{
    PyObject *operation = coded(w, index, codes);
    PyObject *span_id = operation == NULL || timed(w, index) < 0 ? NULL : field(w, index, F_SPAN_ID);
    if (span_id == NULL)
        return -1;
    int done = opens ? 0 : ended(w, index, span_id, first, spans, open, closed, remembered);
    if (done != 0) {
        Py_DECREF(span_id);
        return done < 0 ? -1 : 0;
    }
    Py_ssize_t parent = parent_of(w, index, open, closed, unresolved);
    int failed = parent == -2;
    if (!failed && parent != NO_SPAN) {
        if (parent < 0 || parent >= spans + w->start.count) {
            PyErr_SetString(PyExc_ValueError, "place(): a parent's number is not a span's");
            failed = 1;
        } else {
            uint32_t depth = depth_at(w, first, start_of(w, spans, parent));
            w->depths[index] = depth < MAX_DEPTH ? depth + 1 : MAX_DEPTH;
        }
    }
    if (!failed)
        failed = (w->calls[index] = counted(operation, counts)) == 0;
    if (!failed && opens) {
        Py_ssize_t number = spans + w->start.count;
        PyObject *value = PyLong_FromSsize_t(number);
        failed = value == NULL || PyDict_SetItem(open, span_id, value) < 0 || push(&w->parent, (int32_t)parent) < 0
            || push(&w->start, (int32_t)(first + index)) < 0 || push(&w->end, -1) < 0;
        Py_XDECREF(value);
        w->kinds[index] = START;
        w->numbers[index] = (int32_t)number;
    } else if (!failed) {  /* an instant: one deeper than its parent span, which it is placed in */
        w->kinds[index] = INSTANT;
        w->numbers[index] = (int32_t)parent;
    }
    Py_DECREF(span_id);
    return failed ? -1 : 0;
}

static int place_one(Work *w, Py_ssize_t index, Py_ssize_t first, Py_ssize_t spans, PyObject *open,
                     PyObject *closed, Py_ssize_t remembered, PyObject *counts, PyObject *unresolved)
{
    int opens = 0;
    PyObject *codes = codes_of(w, index, &opens);
    if (codes == NULL)
        return -1;
    int done = place_coded(w, index, codes, opens, first, spans, open, closed, remembered, counts, unresolved);
    Py_DECREF(codes);
    return done;
}

static int prepare(Work *w, PyObject *const *args, Py_ssize_t *size)
{
    Py_buffer *views[4] = {&w->depth, &w->call, &w->span_start, &w->span_end};
    const char formats[4] = {'I', 'I', 'i', 'i'};
    const char *names[4] = {"depth", "call", "span_start", "span_end"};
    for (w->held = 0; w->held < 4; w->held++)
        if (take(args[7 + w->held], views[w->held], formats[w->held], w->held == 3, names[w->held]) < 0)
            return -1;
    if (!PyDict_CheckExact(args[3]) || !PyDict_Check(args[4]) || !PyDict_CheckExact(args[6])
        || (args[11] != Py_None && !PySet_Check(args[11]))) {
        PyErr_SetString(PyExc_TypeError, "place(): open and counts must be dicts, closed an OrderedDict, "
                                         "unresolved a set or None");
        return -1;
    }
    if (w->depth.len != w->call.len || w->span_start.len != w->span_end.len) {
        PyErr_SetString(PyExc_ValueError, "place(): the event columns, or the span columns, differ in length");
        return -1;
    }
    if (!PyDict_Check(args[1]) || !PyCallable_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "place(): codes must be a dict, code_of a callable");
        return -1;
    }
    w->codes = args[1];
    w->code_of = args[2];
    w->records = PySequence_Fast(args[0], "place(): records must be a sequence");
    if (w->records == NULL)
        return -1;
    *size = PySequence_Fast_GET_SIZE(w->records);
    describe(w);
    size_t items = (size_t)(*size ? *size : 1);
    w->kinds = PyMem_Calloc(items, 1);
    w->depths = PyMem_Calloc(items, sizeof(uint32_t));
    w->calls = PyMem_Calloc(items, sizeof(uint32_t));
    w->numbers = PyMem_Calloc(items, sizeof(int32_t));
    w->seqs = PyMem_Calloc(items, sizeof(long long));
    w->durations = PyMem_Calloc(items, sizeof(double));
    int missing = w->kinds == NULL || w->depths == NULL || w->calls == NULL || w->numbers == NULL || w->seqs == NULL
        || w->durations == NULL;
    for (int k = 0; k < 4; k++)
        missing |= (w->coded[k] = PyMem_Calloc(items, sizeof(uint32_t))) == NULL;
    if (missing) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *result_of(Work *w, Py_ssize_t size)
{
    return Py_BuildValue("(NNNNNNNNNNNNN)", made("q", w->seqs, size * 8), made("B", w->kinds, size),
                         made("I", w->coded[0], size * 4), made("I", w->coded[1], size * 4),
                         made("I", w->coded[2], size * 4), made("I", w->coded[3], size * 4),
                         made("I", w->depths, size * 4), made("i", w->numbers, size * 4),
                         made("I", w->calls, size * 4), made("d", w->durations, size * 8),
                         made("i", w->parent.items, w->parent.count * 4), made("i", w->start.items, w->start.count * 4),
                         made("i", w->end.items, w->end.count * 4));
}

static PyObject *place(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 12) {
        PyErr_SetString(PyExc_TypeError, "place() takes 12 arguments");
        return NULL;
    }
    Py_ssize_t remembered = PyLong_AsSsize_t(args[5]);
    if (remembered == -1 && PyErr_Occurred())
        return NULL;
    Work w;
    memset(&w, 0, sizeof w);
    Py_ssize_t size = 0;
    PyObject *result = NULL;
    if (prepare(&w, args, &size) == 0) {
        Py_ssize_t first = w.depth.len / 4, spans = w.span_start.len / 4, index = 0;
        while (index < size && place_one(&w, index, first, spans, args[3], args[4], remembered, args[6],
                                         args[11]) == 0)
            index++;
        if (index == size)
            result = result_of(&w, size);
    }
    let_go(&w);
    return result;
}

static PyMethodDef methods[] = {
    {"place", (PyCFunction)(void (*)(void))place, METH_FASTCALL, "place.py's kernel, in C"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_place", NULL, -1, methods};

PyMODINIT_FUNC PyInit__place(void)
{
    PyObject *arrays = PyImport_ImportModule("array");
    if (arrays == NULL)
        return NULL;
    array_type = PyObject_GetAttrString(arrays, "array");
    Py_DECREF(arrays);
    S_POPITEM = PyUnicode_InternFromString("popitem");
    S_STARTED = PyUnicode_InternFromString("started");
    for (int f = 0; f < N_FIELDS; f++)
        if ((S_FIELDS[f] = PyUnicode_InternFromString(FIELD_NAMES[f])) == NULL)
            return NULL;
    if (S_STARTED == NULL || array_type == NULL || S_POPITEM == NULL)
        return NULL;
    return PyModule_Create(&module);
}

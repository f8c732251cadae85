/* Optional speedup for replay's timeline builder: `TimelineBuilder.add_records` (builder.py, the reference)
 * in C, on the same state, with the same answers (tests build timelines of random runs both ways and
 * compare them array by array).
 *
 * add_records(builder, records, runs) -> the positions kept, None (all were), or NotImplemented (a record
 * or an array of a kind this code does not know: the caller uses the reference).
 *
 * Why it is faster: a record's fields are read at their offsets in the typed record (no attribute lookup),
 * an event's codes and call count come from a memo keyed by its texts' bytes (`_builder_memo.h`), its new array
 * items are collected in C and added to each array at once at the end of the block, and the items of
 * earlier events it reads (a span's start, depth and call number) are read through the arrays' buffers.
 * The dicts (open and recently closed spans, codes, call counts) are the builder's own, up to date when a
 * block is done, so the reference and this code can take turns on one timeline. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

#include "_members.h"
#include "_builder_memo.h"

#define NO_SPAN (-1)
#define MAX_DEPTH 0xFFFFFFFFu
enum { INSTANT = 0, START = 1, END = 2 };

/* The record type bound by `bind`, and the offsets of the fields read. */
enum { F_RUN_ID, F_SEQ, F_EVENT_TYPE, F_COMPONENT, F_NAME, F_SPAN_ID, F_PARENT_ID, F_STATUS, F_DURATION, N_FIELDS };
static const char *FIELD_NAMES[N_FIELDS] = {"run_id", "seq", "event_type", "component", "name", "span_id",
                                            "parent_id", "status", "duration_ms"};
static PyTypeObject *record_type = NULL;
static Py_ssize_t field_offset[N_FIELDS];

/* The timeline's arrays: the event arrays, then the span arrays, with the item each must hold. */
enum { A_SEQ, A_KIND, A_TYPE, A_COMPONENT, A_NAME, A_STATUS, A_DEPTH, A_SPAN, A_CALL, A_DURATION,
       A_SPAN_PARENT, A_SPAN_START, A_SPAN_END, N_ARRAYS };
static const char *ARRAY_NAMES[N_ARRAYS] = {"seq", "kind", "type_code", "component_code", "name_code", "status_code",
                                            "depth", "span", "call", "duration", "span_parent", "span_start",
                                            "span_end"};
static const char ARRAY_FORMATS[N_ARRAYS] = {'q', 'B', 'I', 'I', 'I', 'I', 'I', 'i', 'I', 'd', 'i', 'i', 'i'};
static const Py_ssize_t ARRAY_ITEMS[N_ARRAYS] = {8, 1, 4, 4, 4, 4, 4, 4, 4, 8, 4, 4, 4};
#define N_EVENT_ARRAYS A_SPAN_PARENT

static PyObject *STARTED, *S_TIMELINE, *S_SPANS, *S_OPEN, *S_CLOSED, *S_REMEMBERED, *S_CODES, *S_CODE,
    *S_UNRESOLVED, *S_SORTED, *S_CALLS, *S_WANTED, *S_KEEPS, *S_POPITEM, *S_FROMBYTES, *LAST_KEYWORD,
    *ARRAY_STRINGS[N_ARRAYS];

/* One block's work: the arrays' items before it (read through their buffers), the items it adds. */
typedef struct {
    PyObject *arrays[N_ARRAYS];
    Py_buffer old_depth, old_call, old_span_start, old_span_end;
    int held;                      /* how many of the four buffers are held */
    Py_ssize_t events, spans;      /* items before the block */
    char *added[N_ARRAYS];         /* items added, per array */
    Py_ssize_t added_events, added_spans;
} Block;

static inline uint32_t depth_at(Block *b, Py_ssize_t i)
{
    return i < b->events ? ((uint32_t *)b->old_depth.buf)[i] : ((uint32_t *)b->added[A_DEPTH])[i - b->events];
}

static inline uint32_t call_at(Block *b, Py_ssize_t i)
{
    return i < b->events ? ((uint32_t *)b->old_call.buf)[i] : ((uint32_t *)b->added[A_CALL])[i - b->events];
}

static inline int32_t span_start_at(Block *b, Py_ssize_t n)
{
    return n < b->spans ? ((int32_t *)b->old_span_start.buf)[n] : ((int32_t *)b->added[A_SPAN_START])[n - b->spans];
}

static inline void set_span_end(Block *b, Py_ssize_t n, int32_t position)
{
    if (n < b->spans)
        ((int32_t *)b->old_span_end.buf)[n] = position;
    else
        ((int32_t *)b->added[A_SPAN_END])[n - b->spans] = position;
}

#define ADD(b, which, type, value) (((type *)(b)->added[which])[(b)->added_events] = (type)(value))

/* bind(record_type): the typed record whose fields `add_records` reads (each a member of the record). */
static PyObject *bind(PyObject *module, PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "bind() takes the record type");
        return NULL;
    }
    if (member_offsets(type, FIELD_NAMES, field_offset, N_FIELDS) < 0)
        return NULL;
    Py_XSETREF(record_type, (PyTypeObject *)Py_NewRef(type));
    Py_RETURN_NONE;
}

static inline PyObject *field(PyObject *record, int f)
{
    PyObject *value = *(PyObject **)((char *)record + field_offset[f]);
    if (value == NULL)
        PyErr_Format(PyExc_AttributeError, "a record has no %s", FIELD_NAMES[f]);
    return value;
}

/* The timeline's arrays, each of the item it must hold, the event arrays as long as each other and the span
 * arrays too; 0, or 1 when one is not (NotImplemented), -1 on error. */
static int take_arrays(Block *b, PyObject *timeline)
{
    Py_ssize_t items[N_ARRAYS];
    for (int a = 0; a < N_ARRAYS; a++) {
        b->arrays[a] = PyObject_GetAttr(timeline, ARRAY_STRINGS[a]);
        if (b->arrays[a] == NULL)
            return -1;
        Py_buffer view;
        if (PyObject_GetBuffer(b->arrays[a], &view, PyBUF_FORMAT | PyBUF_ND) < 0) {
            PyErr_Clear();
            return 1;
        }
        int fits = view.itemsize == ARRAY_ITEMS[a] && view.format != NULL && view.format[0] == ARRAY_FORMATS[a]
            && view.format[1] == '\0';
        items[a] = fits ? view.len / view.itemsize : -1;
        PyBuffer_Release(&view);
        if (!fits)
            return 1;
    }
    b->events = items[A_SEQ];
    b->spans = items[A_SPAN_START];
    for (int a = 0; a < N_ARRAYS; a++) {
        if (items[a] != (a < N_EVENT_ARRAYS ? b->events : b->spans))
            return 1;
    }
    return 0;
}

static int hold_buffers(Block *b)
{
    Py_buffer *views[4] = {&b->old_depth, &b->old_call, &b->old_span_start, &b->old_span_end};
    int arrays[4] = {A_DEPTH, A_CALL, A_SPAN_START, A_SPAN_END};
    for (b->held = 0; b->held < 4; b->held++) {
        int flags = arrays[b->held] == A_SPAN_END ? PyBUF_WRITABLE : PyBUF_SIMPLE;
        if (PyObject_GetBuffer(b->arrays[arrays[b->held]], views[b->held], flags) < 0)
            return -1;
    }
    return 0;
}

static void release_buffers(Block *b)
{
    Py_buffer *views[4] = {&b->old_depth, &b->old_call, &b->old_span_start, &b->old_span_end};
    for (int i = 0; i < b->held; i++)
        PyBuffer_Release(views[i]);
    b->held = 0;
}

/* Each array gets the items the block added to it; 0, or -1 on error. */
static int flush(Block *b)
{
    int failed = 0;
    for (int a = 0; a < N_ARRAYS; a++) {
        Py_ssize_t items = a < N_EVENT_ARRAYS ? b->added_events : b->added_spans;
        if (items == 0 || b->added[a] == NULL)
            continue;
        PyObject *view = PyMemoryView_FromMemory(b->added[a], items * ARRAY_ITEMS[a], PyBUF_READ);
        PyObject *done = view != NULL ? PyObject_CallMethodOneArg(b->arrays[a], S_FROMBYTES, view) : NULL;
        Py_XDECREF(view);
        if (done == NULL)
            failed = 1;
        Py_XDECREF(done);
    }
    return failed ? -1 : 0;
}

static void clear_block(Block *b)
{
    release_buffers(b);
    for (int a = 0; a < N_ARRAYS; a++) {
        Py_CLEAR(b->arrays[a]);
        PyMem_Free(b->added[a]);
        b->added[a] = NULL;
    }
}

/* open.pop(span_id) moved to closed (the oldest closed let go past `remembered`): the span's number, or -1
 * when no such span is open; -2 on error. */
static Py_ssize_t end_span(PyObject *open, PyObject *closed, Py_ssize_t remembered, PyObject *span_id)
{
    PyObject *found = PyDict_GetItemWithError(open, span_id);
    if (found == NULL)
        return PyErr_Occurred() ? -2 : -1;
    Py_INCREF(found);
    Py_ssize_t number = PyLong_AsSsize_t(found);
    int failed = (number == -1 && PyErr_Occurred()) || PyDict_DelItem(open, span_id) < 0
        || PyObject_SetItem(closed, span_id, found) < 0;
    Py_DECREF(found);
    if (failed)
        return -2;
    Py_ssize_t size = PyObject_Length(closed);
    if (size < 0)
        return -2;
    if (size > remembered) {  /* closed.popitem(last=False) */
        PyObject *args[2] = {closed, Py_False};
        PyObject *popped = PyObject_VectorcallMethod(S_POPITEM, args, 1, LAST_KEYWORD);
        if (popped == NULL)
            return -2;
        Py_DECREF(popped);
    }
    return number;
}

/* The number of the span `parent_id` names (open, else recently closed), NO_SPAN for none (noted in
 * `unresolved` when there is one); -2 on error. */
static Py_ssize_t parent_of(PyObject *open, PyObject *closed, PyObject *unresolved, PyObject *parent_id)
{
    if (parent_id == Py_None)
        return NO_SPAN;
    PyObject *found = PyDict_GetItemWithError(open, parent_id);
    if (found == NULL && !PyErr_Occurred())
        found = PyDict_GetItemWithError(closed, parent_id);
    if (found == NULL) {
        if (PyErr_Occurred())
            return -2;
        if (unresolved != Py_None && PySet_Add(unresolved, parent_id) < 0)
            return -2;
        return NO_SPAN;
    }
    Py_ssize_t number = PyLong_AsSsize_t(found);
    return number == -1 && PyErr_Occurred() ? -2 : number;
}

/* The state the loop reads and changes, taken from the builder and the run choice. */
typedef struct {
    PyObject *timeline, *spans, *open, *closed, *codes, *make, *unresolved, *counts, *keeps, *wanted, *sorted;
    Py_ssize_t remembered;
} State;

static int too_many(Py_ssize_t value)
{
    if (value > INT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "signed integer is greater than maximum");
        return -1;
    }
    return 0;
}

static void clear_state(State *s)
{
    Py_CLEAR(s->timeline);
    Py_CLEAR(s->spans);
    Py_CLEAR(s->open);
    Py_CLEAR(s->closed);
    Py_CLEAR(s->codes);
    Py_CLEAR(s->make);
    Py_CLEAR(s->unresolved);
    Py_CLEAR(s->counts);
    Py_CLEAR(s->keeps);
    Py_CLEAR(s->wanted);
    Py_CLEAR(s->sorted);
}

static int take_state(State *s, PyObject *builder, PyObject *runs)
{
    PyObject *remembered = NULL;
    int ok = (s->timeline = PyObject_GetAttr(builder, S_TIMELINE)) && (s->spans = PyObject_GetAttr(builder, S_SPANS))
        && (s->open = PyObject_GetAttr(s->spans, S_OPEN)) && (s->closed = PyObject_GetAttr(s->spans, S_CLOSED))
        && (remembered = PyObject_GetAttr(s->spans, S_REMEMBERED))
        && (s->codes = PyObject_GetAttr(builder, S_CODES)) && (s->make = PyObject_GetAttr(builder, S_CODE))
        && (s->unresolved = PyObject_GetAttr(builder, S_UNRESOLVED))
        && (s->counts = PyObject_GetAttr(s->timeline, S_CALLS)) && (s->keeps = PyObject_GetAttr(runs, S_KEEPS))
        && (s->wanted = PyObject_GetAttr(runs, S_WANTED)) && (s->sorted = PyObject_GetAttr(s->timeline, S_SORTED));
    if (ok) {
        s->remembered = PyLong_AsSsize_t(remembered);
        ok = !(s->remembered == -1 && PyErr_Occurred());
    }
    Py_XDECREF(remembered);
    if (!ok)
        return -1;
    /* the dicts must be dicts (an OrderedDict is one), for the dict calls below */
    return PyDict_Check(s->open) && PyDict_Check(s->closed) && PyDict_Check(s->codes) && PyDict_Check(s->counts)
        && (s->unresolved == Py_None || PySet_Check(s->unresolved)) ? 0 : 1;
}

/* One record of the kept run, added to the block; 0, or -1 on error. */
static int add_one(State *s, Memo *m, Block *b, PyObject *record, int64_t *last, int *has_last, int *in_order)
{
    PyObject *seq_value = field(record, F_SEQ), *duration_value = field(record, F_DURATION);
    PyObject *span_id = field(record, F_SPAN_ID);
    if (!seq_value || !duration_value || !span_id)
        return -1;
    long long seq = PyLong_AsLongLong(seq_value);
    if (seq == -1 && PyErr_Occurred())
        return -1;
    if (*in_order && *has_last && seq < *last)
        *in_order = 0;
    *last = seq;
    *has_last = 1;
    PyObject *texts[4] = {field(record, F_EVENT_TYPE), field(record, F_COMPONENT), field(record, F_NAME),
                          field(record, F_STATUS)};
    if (!texts[0] || !texts[1] || !texts[2] || !texts[3])
        return -1;
    Codes *codes = codes_of(m, texts);
    if (codes == NULL)
        return -1;
    double duration = NAN;
    if (duration_value != Py_None) {
        duration = PyFloat_AsDouble(duration_value);
        if (duration == -1.0 && PyErr_Occurred())
            return -1;
    }
    Py_ssize_t position = b->events + b->added_events;
    if (too_many(position) < 0)
        return -1;
    ADD(b, A_SEQ, int64_t, seq);
    ADD(b, A_TYPE, uint32_t, codes->code[0]);
    ADD(b, A_COMPONENT, uint32_t, codes->code[1]);
    ADD(b, A_NAME, uint32_t, codes->code[2]);
    ADD(b, A_STATUS, uint32_t, codes->code[3]);
    ADD(b, A_DURATION, double, duration);
    int started = codes->started;
    if (!started) {
        Py_ssize_t number = end_span(s->open, s->closed, s->remembered, span_id);
        if (number == -2)
            return -1;
        if (number >= 0) {  /* the end of a span: at its start's depth, with its call number */
            set_span_end(b, number, (int32_t)position);
            int32_t start = span_start_at(b, number);
            ADD(b, A_KIND, uint8_t, END);
            ADD(b, A_DEPTH, uint32_t, depth_at(b, start));
            ADD(b, A_SPAN, int32_t, number);
            ADD(b, A_CALL, uint32_t, call_at(b, start));
            b->added_events++;
            return 0;
        }
    }
    PyObject *parent_id = field(record, F_PARENT_ID);
    Py_ssize_t parent = parent_id != NULL ? parent_of(s->open, s->closed, s->unresolved, parent_id) : -2;
    Py_ssize_t count = parent != -2 ? count_call(m, codes) : -1;
    if (count < 0)
        return -1;
    if ((size_t)count > 0xFFFFFFFFu) {
        PyErr_SetString(PyExc_OverflowError, "unsigned int is greater than maximum");
        return -1;
    }
    uint32_t depth = 0;
    if (parent != NO_SPAN) {
        uint32_t above = depth_at(b, span_start_at(b, parent));
        depth = above >= MAX_DEPTH ? MAX_DEPTH : above + 1;
    }
    ADD(b, A_DEPTH, uint32_t, depth);
    ADD(b, A_CALL, uint32_t, count);
    if (!started) {  /* an instant: one deeper than its parent span, which it is placed in */
        ADD(b, A_KIND, uint8_t, INSTANT);
        ADD(b, A_SPAN, int32_t, parent);
        b->added_events++;
        return 0;
    }
    Py_ssize_t number = b->spans + b->added_spans;
    PyObject *value = too_many(number) < 0 ? NULL : PyLong_FromSsize_t(number);
    if (value == NULL || PyDict_SetItem(s->open, span_id, value) < 0) {
        Py_XDECREF(value);
        return -1;
    }
    Py_DECREF(value);
    ((int32_t *)b->added[A_SPAN_PARENT])[b->added_spans] = (int32_t)parent;
    ((int32_t *)b->added[A_SPAN_START])[b->added_spans] = (int32_t)position;
    ((int32_t *)b->added[A_SPAN_END])[b->added_spans] = -1;
    b->added_spans++;
    ADD(b, A_KIND, uint8_t, START);
    ADD(b, A_SPAN, int32_t, number);
    b->added_events++;
    return 0;
}

/* Whether `run_id` is the kept run's: 1; 2 when `runs.keeps` said so (the kept run may have just been
 * chosen: `runs.wanted` is read again); 0; or -1 on error. */
static int kept_run(State *s, PyObject *run_id)
{
    if (run_id == s->wanted)
        return 1;
    if (s->wanted != Py_None) {
        int same = PyObject_RichCompareBool(run_id, s->wanted, Py_EQ);
        if (same != 0)
            return same;
    }
    PyObject *answer = PyObject_CallOneArg(s->keeps, run_id);
    if (answer == NULL)
        return -1;
    int keeps = PyObject_IsTrue(answer);
    Py_DECREF(answer);
    return keeps > 0 ? 2 : keeps;
}

static PyObject *add_records(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "add_records(builder, records, runs)");
        return NULL;
    }
    PyObject *builder = args[0], *records = args[1], *runs = args[2];
    if (record_type == NULL || !PyList_Check(records))
        Py_RETURN_NOTIMPLEMENTED;
    Py_ssize_t n = PyList_GET_SIZE(records);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (Py_TYPE(PyList_GET_ITEM(records, i)) != record_type)
            Py_RETURN_NOTIMPLEMENTED;
    }
    State s = {0};
    Block b = {0};
    Memo memo = {0};
    PyObject *kept = NULL, *result = NULL;
    int in_order = 1, has_last = 0, failed = 0;
    int64_t last = 0;
    int taken = take_state(&s, builder, runs);
    if (taken == 0)
        taken = take_arrays(&b, s.timeline);
    if (taken != 0) {
        clear_block(&b);
        clear_state(&s);
        if (taken < 0)
            return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    memo.builder_codes = s.codes, memo.make = s.make, memo.counts = s.counts, memo.started = STARTED;
    in_order = PyObject_IsTrue(s.sorted);
    if (in_order < 0) {
        failed = 1;
        goto done;
    }
    for (int a = 0; a < N_ARRAYS && !failed; a++) {
        b.added[a] = PyMem_Malloc(n ? n * ARRAY_ITEMS[a] : 1);
        failed = b.added[a] == NULL;
    }
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    has_last = b.events > 0;
    if (hold_buffers(&b) < 0) {
        failed = 1;
        goto done;
    }
    if (has_last) {  /* the last seq before the block */
        Py_buffer seqs;
        if (PyObject_GetBuffer(b.arrays[A_SEQ], &seqs, PyBUF_SIMPLE) < 0) {
            failed = 1;
            goto done;
        }
        last = ((int64_t *)seqs.buf)[b.events - 1];
        PyBuffer_Release(&seqs);
    }
    for (Py_ssize_t i = 0; i < n && !failed; i++) {
        PyObject *record = PyList_GET_ITEM(records, i);
        PyObject *run_id = field(record, F_RUN_ID);
        int keeps = run_id != NULL ? kept_run(&s, run_id) : -1;
        if (keeps == 2) {
            PyObject *wanted = PyObject_GetAttr(runs, S_WANTED);
            if (wanted == NULL)
                keeps = -1;
            else
                Py_SETREF(s.wanted, wanted);
        }
        if (keeps < 0) {
            failed = 1;
            break;
        }
        if (!keeps) {
            if (kept == NULL) {
                kept = PyList_New(0);
                for (Py_ssize_t j = 0; kept != NULL && j < i; j++) {
                    PyObject *index = PyLong_FromSsize_t(j);
                    if (index == NULL || PyList_Append(kept, index) < 0)
                        Py_CLEAR(kept);
                    Py_XDECREF(index);
                }
                failed = kept == NULL;
            }
            continue;
        }
        if (kept != NULL) {
            PyObject *index = PyLong_FromSsize_t(i);
            failed = index == NULL || PyList_Append(kept, index) < 0;
            Py_XDECREF(index);
            if (failed)
                break;
        }
        failed = add_one(&s, &memo, &b, record, &last, &has_last, &in_order) < 0;
    }
done:
    /* what was added so far goes into the arrays even on an error: the timeline stays whole up to there */
    release_buffers(&b);
    if (b.arrays[0] != NULL && in_order >= 0) {
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        int flushed = flush(&b) == 0 && write_counts(&memo) == 0
            && PyObject_SetAttr(s.timeline, S_SORTED, in_order > 0 ? Py_True : Py_False) == 0;
        if (type != NULL)
            PyErr_Restore(type, value, traceback);
        failed = failed || !flushed;
    }
    if (!failed)
        result = kept != NULL ? Py_NewRef(kept) : Py_NewRef(Py_None);
    Py_XDECREF(kept);
    clear_memo(&memo);
    clear_block(&b);
    clear_state(&s);
    return result;
}

static PyMethodDef METHODS[] = {
    {"bind", bind, METH_O, "bind(record_type): the typed record add_records reads."},
    {"add_records", (PyCFunction)(void (*)(void))add_records, METH_FASTCALL,
     "add_records(builder, records, runs): TimelineBuilder.add_records, in C (NotImplemented: use it)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_builder", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__builder(void)
{
    STARTED = PyUnicode_InternFromString("started");
    S_TIMELINE = PyUnicode_InternFromString("timeline");
    S_SPANS = PyUnicode_InternFromString("spans");
    S_OPEN = PyUnicode_InternFromString("open");
    S_CLOSED = PyUnicode_InternFromString("closed");
    S_REMEMBERED = PyUnicode_InternFromString("remembered");
    S_CODES = PyUnicode_InternFromString("_codes");
    S_CODE = PyUnicode_InternFromString("_code");
    S_UNRESOLVED = PyUnicode_InternFromString("unresolved");
    S_SORTED = PyUnicode_InternFromString("_sorted");
    S_CALLS = PyUnicode_InternFromString("calls");
    S_WANTED = PyUnicode_InternFromString("wanted");
    S_KEEPS = PyUnicode_InternFromString("keeps");
    S_POPITEM = PyUnicode_InternFromString("popitem");
    S_FROMBYTES = PyUnicode_InternFromString("frombytes");
    LAST_KEYWORD = Py_BuildValue("(s)", "last");
    for (int a = 0; a < N_ARRAYS; a++) {
        ARRAY_STRINGS[a] = PyUnicode_InternFromString(ARRAY_NAMES[a]);
        if (ARRAY_STRINGS[a] == NULL)
            return NULL;
    }
    if (!STARTED || !S_TIMELINE || !S_SPANS || !S_OPEN || !S_CLOSED || !S_REMEMBERED || !S_CODES || !S_CODE
        || !S_UNRESOLVED || !S_SORTED || !S_CALLS || !S_WANTED || !S_KEEPS || !S_POPITEM || !S_FROMBYTES
        || !LAST_KEYWORD)
        return NULL;
    return PyModule_Create(&MODULE);
}

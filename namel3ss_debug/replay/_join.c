/* Optional speedup for joining a timeline's two halves (joined.py): the loops over every event of the second
 * half that renumber its columns, in C. joined.py holds the reference of each (`remap_py`, `shifted_py`,
 * `calls_py`), and tests check that both give the same arrays on random columns shaped as a timeline's.
 *
 * remap(values, table, typecode)          array(typecode): table[v] for each v of values[1:], a negative v
 *                                         counted from the table's end (as a list's index is)
 * shifted(values, by, typecode)           array(typecode): v + by for each v of values[1:], but -1 stays -1
 * calls(call, component, name, span_start, span_end, shift, root_call)
 *                                         array("I"): each second-half event's call number after the first
 *                                         half's calls (`shift((component, name))` gives how many of its
 *                                         operation the first half made), an end with its start's number
 *
 * An item that does not fit the new array raises OverflowError, an index out of the table IndexError, as
 * the reference's `array(typecode, ...)` and `table[v]` do. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* An array's items as 64-bit integers: its buffer, with its item type ('i', 'I' or 'q': what a timeline's
 * columns and the join's tables hold). */
typedef struct {
    Py_buffer view;
    char format;
    Py_ssize_t length;
} Column;

static int take(PyObject *values, Column *column)
{
    if (PyObject_GetBuffer(values, &column->view, PyBUF_FORMAT | PyBUF_ND) < 0)
        return -1;
    const char *format = column->view.format ? column->view.format : "B";
    column->format = format[0];
    if (format[1] != '\0' || strchr("iIq", column->format) == NULL) {
        PyBuffer_Release(&column->view);
        PyErr_Format(PyExc_TypeError, "an array of 'i', 'I' or 'q' is needed, not of '%s'", format);
        return -1;
    }
    column->length = column->view.len / column->view.itemsize;
    return 0;
}

static inline long long item(const Column *column, Py_ssize_t i)
{
    const char *at = (const char *)column->view.buf + i * column->view.itemsize;
    switch (column->format) {
    case 'i': return *(const int *)at;
    case 'I': return *(const unsigned int *)at;
    default: return *(const long long *)at;
    }
}

/* The new array's items, 32-bit: 'i' or 'I' only (what a timeline's renumbered columns hold). */
typedef struct {
    char typecode;
    Py_ssize_t length;
    char *items;
} Made;

static int start_made(Made *made, const char *typecode, Py_ssize_t length)
{
    if ((typecode[0] != 'i' && typecode[0] != 'I') || typecode[1] != '\0') {
        PyErr_SetString(PyExc_ValueError, "typecode must be 'i' or 'I'");
        return -1;
    }
    made->typecode = typecode[0];
    made->length = length > 0 ? length : 0;
    made->items = PyMem_Malloc(made->length ? (size_t)made->length * 4 : 1);
    if (made->items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static inline int put(Made *made, Py_ssize_t i, long long value)
{
    if (made->typecode == 'i' ? (value < INT32_MIN || value > INT32_MAX) : (value < 0 || value > UINT32_MAX)) {
        PyErr_SetString(PyExc_OverflowError, value < 0 && made->typecode == 'I'
                        ? "unsigned int is less than minimum" : "integer is out of the array's range");
        return -1;
    }
    if (made->typecode == 'i')
        ((int32_t *)made->items)[i] = (int32_t)value;
    else
        ((uint32_t *)made->items)[i] = (uint32_t)value;
    return 0;
}

/* The array the items make (their memory let go either way); NULL on error. */
static PyObject *finish_made(Made *made)
{
    PyObject *array_module = PyImport_ImportModule("array");
    PyObject *made_array = array_module ? PyObject_CallMethod(array_module, "array", "C", made->typecode) : NULL;
    Py_XDECREF(array_module);
    if (made_array != NULL && made->length) {
        PyObject *view = PyMemoryView_FromMemory(made->items, made->length * 4, PyBUF_READ);
        PyObject *done = view ? PyObject_CallMethod(made_array, "frombytes", "O", view) : NULL;
        Py_XDECREF(view);
        if (done == NULL)
            Py_CLEAR(made_array);
        Py_XDECREF(done);
    }
    PyMem_Free(made->items);
    made->items = NULL;
    return made_array;
}

static PyObject *remap(PyObject *module, PyObject *args)
{
    PyObject *values_object, *table_object;
    const char *typecode;
    if (!PyArg_ParseTuple(args, "OOs:remap", &values_object, &table_object, &typecode))
        return NULL;
    Column values, table;
    if (take(values_object, &values) < 0)
        return NULL;
    if (take(table_object, &table) < 0) {
        PyBuffer_Release(&values.view);
        return NULL;
    }
    Made made = {0};
    int failed = start_made(&made, typecode, values.length - 1) < 0;
    for (Py_ssize_t i = 1; !failed && i < values.length; i++) {
        long long at = item(&values, i);
        if (at < 0)
            at += table.length;
        if (at < 0 || at >= table.length) {
            PyErr_SetString(PyExc_IndexError, "array index out of range");
            failed = 1;
        } else {
            failed = put(&made, i - 1, item(&table, at)) < 0;
        }
    }
    PyBuffer_Release(&values.view);
    PyBuffer_Release(&table.view);
    if (failed) {
        PyMem_Free(made.items);
        return NULL;
    }
    return finish_made(&made);
}

static PyObject *shifted(PyObject *module, PyObject *args)
{
    PyObject *values_object;
    long long by;
    const char *typecode;
    if (!PyArg_ParseTuple(args, "OLs:shifted", &values_object, &by, &typecode))
        return NULL;
    Column values;
    if (take(values_object, &values) < 0)
        return NULL;
    Made made = {0};
    int failed = start_made(&made, typecode, values.length - 1) < 0;
    for (Py_ssize_t i = 1; !failed && i < values.length; i++) {
        long long value = item(&values, i);
        failed = put(&made, i - 1, value == -1 ? -1 : value + by) < 0;
    }
    PyBuffer_Release(&values.view);
    if (failed) {
        PyMem_Free(made.items);
        return NULL;
    }
    return finish_made(&made);
}

/* shift((component, name)) for each operation met, remembered: (component << 32 | name) -> shift. */
typedef struct {
    unsigned long long *keys;
    long long *shifts;
    Py_ssize_t mask, used;
} Shifts;

static int shift_of(Shifts *known, PyObject *shift, long long component, long long name, long long *out)
{
    unsigned long long key = ((unsigned long long)component << 32 | (unsigned long long)(name & 0xFFFFFFFF)) + 1;
    Py_ssize_t at = (Py_ssize_t)((key * 0x9E3779B97F4A7C15ull) >> 40) & known->mask;
    for (; known->keys[at]; at = (at + 1) & known->mask) {
        if (known->keys[at] == key) {
            *out = known->shifts[at];
            return 0;
        }
    }
    PyObject *answer = PyObject_CallFunction(shift, "((LL))", component, name);
    if (answer == NULL)
        return -1;
    long long value = PyLong_AsLongLong(answer);
    Py_DECREF(answer);
    if (value == -1 && PyErr_Occurred())
        return -1;
    if (known->used * 2 >= known->mask) {  /* full enough: answer without remembering */
        *out = value;
        return 0;
    }
    known->keys[at] = key;
    known->shifts[at] = value;
    known->used++;
    *out = value;
    return 0;
}

static PyObject *calls(PyObject *module, PyObject *args)
{
    PyObject *objects[5], *shift;
    long long root_call;
    if (!PyArg_ParseTuple(args, "OOOOOOL:calls", &objects[0], &objects[1], &objects[2], &objects[3], &objects[4],
                          &shift, &root_call))
        return NULL;
    Column columns[5];  /* call, component, name, span_start, span_end */
    int taken = 0;
    for (; taken < 5; taken++) {
        if (take(objects[taken], &columns[taken]) < 0)
            break;
    }
    Made made = {0};
    Shifts known = {0};
    int failed = taken < 5;
    if (!failed && (columns[1].length != columns[0].length || columns[2].length != columns[0].length
                    || columns[4].length != columns[3].length)) {
        PyErr_SetString(PyExc_ValueError, "the columns are not of one length");
        failed = 1;
    }
    if (!failed) {
        known.mask = 4095;
        known.keys = PyMem_Calloc(4096, sizeof(unsigned long long));
        known.shifts = PyMem_Calloc(4096, sizeof(long long));
        failed = known.keys == NULL || known.shifts == NULL;
        if (failed)
            PyErr_NoMemory();
    }
    failed = failed || start_made(&made, "I", columns[0].length - 1) < 0;
    for (Py_ssize_t i = 1; !failed && i < columns[0].length; i++) {
        long long by;
        failed = shift_of(&known, shift, item(&columns[1], i), item(&columns[2], i), &by) < 0
            || put(&made, i - 1, item(&columns[0], i) + by) < 0;
    }
    uint32_t *made_calls = (uint32_t *)made.items;
    /* an end has its start's call number, even when it names another operation (a broken writer) */
    for (Py_ssize_t k = 1; !failed && k < columns[3].length; k++) {
        long long start = item(&columns[3], k), end = item(&columns[4], k);
        if (end < 0)
            continue;
        if (start < 1 || end < 1 || start > made.length || end > made.length) {
            PyErr_SetString(PyExc_IndexError, "array index out of range");
            failed = 1;
        } else {
            made_calls[end - 1] = made_calls[start - 1];
        }
    }
    if (!failed && columns[4].length && item(&columns[4], 0) >= 0) {  /* the root's end: the root's call */
        long long end = item(&columns[4], 0);
        if (end < 1 || end > made.length) {
            PyErr_SetString(PyExc_IndexError, "array index out of range");
            failed = 1;
        } else {
            failed = put(&made, end - 1, root_call) < 0;
        }
    }
    for (int c = 0; c < taken; c++)
        PyBuffer_Release(&columns[c].view);
    PyMem_Free(known.keys);
    PyMem_Free(known.shifts);
    if (failed) {
        PyMem_Free(made.items);
        return NULL;
    }
    return finish_made(&made);
}

static PyMethodDef METHODS[] = {
    {"remap", remap, METH_VARARGS, "remap(values, table, typecode): table[v] for each v of values[1:]."},
    {"shifted", shifted, METH_VARARGS, "shifted(values, by, typecode): v + by for each v of values[1:], -1 kept."},
    {"calls", calls, METH_VARARGS,
     "calls(call, component, name, span_start, span_end, shift, root_call): the second half's call numbers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_join", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__join(void)
{
    return PyModule_Create(&MODULE);
}

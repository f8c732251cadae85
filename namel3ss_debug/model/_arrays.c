/* Optional speedup of `model/arrays.py`: checks over arrays of integers read through the buffer protocol, without
 * making a Python int of each item (a 1 GiB run's kept timeline has some 20 million, a diff side 700,000 calls).
 * arrays.py holds the interface and each kernel's reference; tests hold the two to the same answers.
 *
 * bounds(values) -> (least, greatest), None for an empty array; TypeError for a buffer that is not one-dimensional
 *     integers of a native item type ('b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q').
 * parents_before(parents) -> whether each item of an array of 'i' is less than its index (a tree given by each
 *     node's parent, an earlier node or -1); TypeError for another buffer.
 * tree_ordered(parents) -> whether such an array lists its nodes in tree order: the node before each one is its
 *     parent or under it (a root may follow any node). Climbs from the node before up to the parent; in tree
 *     order each node is climbed past at most once. False for a parent that is not an earlier node.
 *
 * Each keeps nothing between calls. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define BOUNDS(type, convert)                                   \
    do {                                                        \
        const type *items = (const type *)view.buf;             \
        type least = items[0], greatest = items[0];             \
        for (Py_ssize_t k = 1; k < count; k++) {                \
            if (items[k] < least)                               \
                least = items[k];                               \
            if (items[k] > greatest)                            \
                greatest = items[k];                            \
        }                                                       \
        PyObject *low = convert(least), *high = convert(greatest); \
        result = low == NULL || high == NULL ? NULL : PyTuple_Pack(2, low, high); \
        Py_XDECREF(low);                                        \
        Py_XDECREF(high);                                       \
    } while (0)

static PyObject *bounds(PyObject *module, PyObject *values)
{
    Py_buffer view;
    if (PyObject_GetBuffer(values, &view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    PyObject *result = NULL;
    const char *format = view.format == NULL ? "B" : view.format;
    Py_ssize_t count = view.itemsize > 0 ? view.len / view.itemsize : 0;
    if (view.ndim != 1 || format[0] == '\0' || format[1] != '\0') {
        PyErr_SetString(PyExc_TypeError, "bounds() takes a one-dimensional array of integers");
    } else if (count == 0) {
        result = Py_NewRef(Py_None);
    } else {
        switch (format[0]) {
        case 'b': BOUNDS(signed char, PyLong_FromLong); break;
        case 'B': BOUNDS(unsigned char, PyLong_FromUnsignedLong); break;
        case 'h': BOUNDS(short, PyLong_FromLong); break;
        case 'H': BOUNDS(unsigned short, PyLong_FromUnsignedLong); break;
        case 'i': BOUNDS(int, PyLong_FromLong); break;
        case 'I': BOUNDS(unsigned int, PyLong_FromUnsignedLong); break;
        case 'l': BOUNDS(long, PyLong_FromLong); break;
        case 'L': BOUNDS(unsigned long, PyLong_FromUnsignedLong); break;
        case 'q': BOUNDS(long long, PyLong_FromLongLong); break;
        case 'Q': BOUNDS(unsigned long long, PyLong_FromUnsignedLongLong); break;
        default: PyErr_SetString(PyExc_TypeError, "bounds() takes a one-dimensional array of integers");
        }
    }
    PyBuffer_Release(&view);
    return result;
}

/* An array of parents ('i') as a view; -1 with TypeError for another buffer. */
static int parents_view(PyObject *parents, Py_buffer *view)
{
    if (PyObject_GetBuffer(parents, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (view->ndim != 1 || view->format == NULL || strcmp(view->format, "i") != 0 || view->itemsize != sizeof(int)) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_TypeError, "an array of parents is a one-dimensional array of type 'i'");
        return -1;
    }
    return 0;
}

static PyObject *parents_before(PyObject *module, PyObject *parents)
{
    Py_buffer view;
    if (parents_view(parents, &view) < 0)
        return NULL;
    Py_ssize_t count = view.len / view.itemsize, i = 0;
    const int *items = view.buf;
    while (i < count && items[i] < i)
        i++;
    PyBuffer_Release(&view);
    return PyBool_FromLong(i == count);
}

static PyObject *tree_ordered(PyObject *module, PyObject *parents)
{
    Py_buffer view;
    if (parents_view(parents, &view) < 0)
        return NULL;
    Py_ssize_t count = view.len / view.itemsize;
    const int *items = view.buf;
    int ordered = 1;
    for (Py_ssize_t i = 0; ordered && i < count; i++) {
        Py_ssize_t above = i - 1, parent = items[i];
        while (above > parent && above >= 0) {
            Py_ssize_t up = items[above];
            if (up >= above) {
                ordered = 0;
                break;
            }
            above = up;
        }
        ordered = ordered && above == parent;
    }
    PyBuffer_Release(&view);
    return PyBool_FromLong(ordered);
}

static PyMethodDef methods[] = {
    {"bounds", bounds, METH_O, "(least, greatest) of an array of integers, or None when it is empty."},
    {"parents_before", parents_before, METH_O, "Whether each item of an array of 'i' is less than its index."},
    {"tree_ordered", tree_ordered, METH_O, "Whether nodes given by their parents (an array of 'i') are in tree order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_arrays", NULL, -1, methods};

PyMODINIT_FUNC PyInit__arrays(void)
{
    return PyModule_Create(&module);
}

/* Optional speedup of `model/arrays.py`: `largest(values)`, the largest item of an array of integers, read through
 * the buffer protocol without making a Python int of each item. arrays.py holds the interface and the reference
 * (`max(values, default=None)`); tests hold the two to the same answers on random arrays of every item type.
 *
 * largest(values) -> int, None for an empty array; TypeError for a buffer that is not one-dimensional integers of a
 * native item type ('b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q'). It keeps nothing between calls. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define LARGEST(type, convert)                                  \
    do {                                                        \
        const type *items = (const type *)view.buf;             \
        type best = items[0];                                   \
        for (Py_ssize_t k = 1; k < count; k++)                  \
            if (items[k] > best)                                \
                best = items[k];                                \
        result = convert(best);                                 \
    } while (0)

static PyObject *largest(PyObject *module, PyObject *values)
{
    Py_buffer view;
    if (PyObject_GetBuffer(values, &view, PyBUF_FORMAT | PyBUF_ND) < 0)
        return NULL;
    PyObject *result = NULL;
    const char *format = view.format == NULL ? "B" : view.format;
    Py_ssize_t count = view.itemsize > 0 ? view.len / view.itemsize : 0;
    if (view.ndim != 1 || format[0] == '\0' || format[1] != '\0') {
        PyErr_SetString(PyExc_TypeError, "largest() takes a one-dimensional array of integers");
    } else if (count == 0) {
        result = Py_NewRef(Py_None);
    } else {
        switch (format[0]) {
        case 'b': LARGEST(signed char, PyLong_FromLong); break;
        case 'B': LARGEST(unsigned char, PyLong_FromUnsignedLong); break;
        case 'h': LARGEST(short, PyLong_FromLong); break;
        case 'H': LARGEST(unsigned short, PyLong_FromUnsignedLong); break;
        case 'i': LARGEST(int, PyLong_FromLong); break;
        case 'I': LARGEST(unsigned int, PyLong_FromUnsignedLong); break;
        case 'l': LARGEST(long, PyLong_FromLong); break;
        case 'L': LARGEST(unsigned long, PyLong_FromUnsignedLong); break;
        case 'q': LARGEST(long long, PyLong_FromLongLong); break;
        case 'Q': LARGEST(unsigned long long, PyLong_FromUnsignedLongLong); break;
        default: PyErr_SetString(PyExc_TypeError, "largest() takes a one-dimensional array of integers");
        }
    }
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"largest", largest, METH_O, "The largest item of an array of integers, or None when it is empty."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_arrays", NULL, -1, methods};

PyMODINIT_FUNC PyInit__arrays(void)
{
    return PyModule_Create(&module);
}

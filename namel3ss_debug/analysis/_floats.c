/* Optional speedup for a report's figures from a tally's arrays of floats (array('d'): each operation's
 * durations, each model's costs): sorted in place and summed exactly, with no Python float made for each.
 * floats.py holds the reference (sorted and math.fsum), and tests compare the two on random and hand-made values.
 *
 * sort(values) -> bool: sorts an array('d') in place, True; False, the array untouched, when a value has its sign
 *   bit set (a negative number or -0.0) or is not a number. The bits of a non-negative double, read as an
 *   unsigned integer, order as its value does, so they are sorted as integers: by insertion when few, else by
 *   a radix sort a byte at a time (a byte on which every value agrees is skipped: durations share their top
 *   bytes). Equal values have equal bits, so the order is the reference's.
 * fsum(values) -> float: the sum of an array('d'), correctly rounded as math.fsum's is (Shewchuk's partials,
 *   then the last rounding made half-even), so the same float; None when a value is not finite. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define FEW 48
#define SIGN 0x8000000000000000ULL
#define EXPONENT 0x7FF0000000000000ULL

/* The array's doubles, as a buffer of 8-byte items (writable if `flags` ask); -1 with TypeError for anything
 * else. */
static int doubles(PyObject *values, Py_buffer *view, int flags)
{
    if (PyObject_GetBuffer(values, view, flags | PyBUF_FORMAT) < 0)
        return -1;
    if (view->itemsize != 8 || view->format == NULL || strcmp(view->format, "d") != 0) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_TypeError, "expected an array of doubles (array('d'))");
        return -1;
    }
    return 0;
}

static void insertion_sort(uint64_t *keys, Py_ssize_t count)
{
    for (Py_ssize_t i = 1; i < count; i++) {
        uint64_t key = keys[i];
        Py_ssize_t j = i;
        for (; j > 0 && keys[j - 1] > key; j--)
            keys[j] = keys[j - 1];
        keys[j] = key;
    }
}

/* A least-significant-byte-first radix sort of `keys`, through `spare` (as long); the result in `keys`. */
static void radix_sort(uint64_t *keys, uint64_t *spare, Py_ssize_t count)
{
    Py_ssize_t counts[8][256] = {{0}};
    for (Py_ssize_t i = 0; i < count; i++)
        for (int byte = 0; byte < 8; byte++)
            counts[byte][(keys[i] >> (8 * byte)) & 0xFF]++;
    uint64_t *from = keys, *to = spare;
    for (int byte = 0; byte < 8; byte++) {
        Py_ssize_t *bucket = counts[byte];
        if (bucket[(keys[0] >> (8 * byte)) & 0xFF] == count)
            continue;  /* every key has this byte */
        Py_ssize_t at = 0;
        for (int digit = 0; digit < 256; digit++) {
            Py_ssize_t here = bucket[digit];
            bucket[digit] = at;
            at += here;
        }
        for (Py_ssize_t i = 0; i < count; i++)
            to[bucket[(from[i] >> (8 * byte)) & 0xFF]++] = from[i];
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != keys)
        memcpy(keys, from, (size_t)count * sizeof *keys);
}

static PyObject *sort(PyObject *module, PyObject *values)
{
    Py_buffer view;
    if (doubles(values, &view, PyBUF_WRITABLE) < 0)
        return NULL;
    uint64_t *keys = view.buf;  /* the doubles' bits, in place (memcpy-free: array('d') is aligned) */
    Py_ssize_t count = view.len / 8;
    for (Py_ssize_t i = 0; i < count; i++)
        if ((keys[i] & SIGN) || (keys[i] & ~SIGN) > EXPONENT) {  /* negative or -0.0, or not a number */
            PyBuffer_Release(&view);
            Py_RETURN_FALSE;
        }
    if (count <= FEW)
        insertion_sort(keys, count);
    else {
        uint64_t *spare = PyMem_Malloc((size_t)count * sizeof *spare);
        if (spare == NULL) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
        Py_BEGIN_ALLOW_THREADS
        radix_sort(keys, spare, count);
        Py_END_ALLOW_THREADS
        PyMem_Free(spare);
    }
    PyBuffer_Release(&view);
    Py_RETURN_TRUE;
}

/* The exact sum of `values` as non-overlapping partials, smallest first: each value is added to each partial
 * with an error-free sum (the rounded sum and what rounding lost), the losses kept (a zero is not a partial).
 * 0, or -1 out of memory. */
static int add_all(const double *values, Py_ssize_t count, double **partials, Py_ssize_t *used, Py_ssize_t *room)
{
    for (Py_ssize_t k = 0; k < count; k++) {
        double x = values[k];
        Py_ssize_t kept = 0;
        for (Py_ssize_t j = 0; j < *used; j++) {
            double y = (*partials)[j];
            if (fabs(x) < fabs(y)) {
                double swap = x;
                x = y;
                y = swap;
            }
            double high = x + y, low = y - (high - x);
            if (low != 0.0)
                (*partials)[kept++] = low;
            x = high;
        }
        if (x != 0.0) {
            if (kept == *room) {
                double *grown = PyMem_Realloc(*partials, (size_t)(*room * 2) * sizeof **partials);
                if (grown == NULL)
                    return -1;
                *partials = grown;
                *room *= 2;
            }
            (*partials)[kept++] = x;
        }
        *used = kept;
    }
    return 0;
}

/* The partials' sum, rounded once: from the largest down while nothing is lost, then, when what was lost is
 * exactly half a unit and the partials below push the same way, rounded up rather than to even. */
static double rounded(const double *partials, Py_ssize_t used)
{
    if (used == 0)
        return 0.0;
    double high = partials[--used], low = 0.0;
    while (used > 0) {
        double x = high, y = partials[--used];
        high = x + y;
        low = y - (high - x);
        if (low != 0.0)
            break;
    }
    if (used > 0 && ((low < 0.0 && partials[used - 1] < 0.0) || (low > 0.0 && partials[used - 1] > 0.0))) {
        double twice = low * 2.0, x = high + twice;
        if (twice == x - high)
            high = x;
    }
    return high;
}

static PyObject *fsum(PyObject *module, PyObject *values)
{
    Py_buffer view;
    if (doubles(values, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const double *items = view.buf;
    Py_ssize_t count = view.len / 8, used = 0, room = 32;
    for (Py_ssize_t i = 0; i < count; i++)
        if (!isfinite(items[i])) {
            PyBuffer_Release(&view);
            Py_RETURN_NONE;
        }
    double *partials = PyMem_Malloc((size_t)room * sizeof *partials);
    if (partials == NULL || add_all(items, count, &partials, &used, &room) < 0) {
        PyMem_Free(partials);
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    double total = rounded(partials, used);
    PyMem_Free(partials);
    PyBuffer_Release(&view);
    if (!isfinite(total))  /* the sum overflowed: math.fsum says so its way */
        Py_RETURN_NONE;
    return PyFloat_FromDouble(total);
}

static PyMethodDef methods[] = {
    {"sort", sort, METH_O, "Sort an array('d') of non-negative numbers in place: True, or False (untouched)."},
    {"fsum", fsum, METH_O, "math.fsum of an array('d') of finite numbers, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_floats", NULL, -1, methods};

PyMODINIT_FUNC PyInit__floats(void)
{
    return PyModule_Create(&module_def);
}

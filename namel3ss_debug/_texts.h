/* Shared by the compiled loops (`analysis/_tally.c`, `diffing/_calls.c`): whether two str objects hold the same
 * text, without a call. */
#include <string.h>

static inline int same_text(PyObject *a, PyObject *b)
{
    if (a == b)
        return 1;
    Py_ssize_t length = PyUnicode_GET_LENGTH(a);
    if (length != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b))
        return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), length * PyUnicode_KIND(a)) == 0;
}

static inline int is_text(PyObject *value, PyObject *text)
{
    return PyUnicode_Check(value) && same_text(value, text);
}

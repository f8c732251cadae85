/* Shared by the compiled loops that read typed objects' fields at their offsets (`analysis/_tally.c`,
 * `checks/_see.c`): where a type keeps a field, found once through its member descriptor;
 * and a count kept in an attribute, added to. */
#include <structmember.h>

/* The offset of `type.<name>`, an object member (a msgspec Struct's field, a `__slots__` entry): 0, or -1 with
 * TypeError when it is not one (or another error when the type has no such attribute). */
static int member_offset(PyObject *type, const char *name, Py_ssize_t *offset)
{
    PyObject *descriptor = PyObject_GetAttrString(type, name);
    if (descriptor == NULL)
        return -1;
    int member = Py_IS_TYPE(descriptor, &PyMemberDescr_Type)
        && ((PyMemberDescrObject *)descriptor)->d_member->type == T_OBJECT_EX;
    if (member)
        *offset = ((PyMemberDescrObject *)descriptor)->d_member->offset;
    Py_DECREF(descriptor);
    if (!member) {
        PyErr_Format(PyExc_TypeError, "field %s is not an object member", name);
        return -1;
    }
    return 0;
}

/* The offsets of `count` members of `type`, by name, into `offsets`: 0, or -1 with an error (as member_offset) */
static inline int member_offsets(PyObject *type, const char *const *names, Py_ssize_t *offsets, int count)
{
    for (int f = 0; f < count; f++)
        if (member_offset(type, names[f], &offsets[f]) < 0)
            return -1;
    return 0;
}

/* `object.<name> += count` */
static inline int add_to(PyObject *object, PyObject *name, Py_ssize_t count)
{
    PyObject *was = PyObject_GetAttr(object, name);
    if (was == NULL)
        return -1;
    PyObject *more = PyLong_FromSsize_t(count);
    PyObject *total = more == NULL ? NULL : PyNumber_Add(was, more);
    Py_DECREF(was);
    Py_XDECREF(more);
    if (total == NULL)
        return -1;
    int failed = PyObject_SetAttr(object, name, total);
    Py_DECREF(total);
    return failed ? -1 : 0;
}

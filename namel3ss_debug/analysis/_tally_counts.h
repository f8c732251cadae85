/* CallCounts: `Tally.repeats` where the pass is compiled, how many calls each call identity has had. A call
 * identity is a hash of 64 bits (tally.py), and a big run meets tens of thousands of them: in a dict each
 * count of a call was a look-up that missed the cache three or four times (the table, the entry, the key's int
 * object, the count's), a new int and a second look-up to store it, some 300 ns a call. Here it is one slot
 * of two numbers in a table of its own, found and added to in place.
 *
 * To Python it is a mapping of int to int, in the order its keys came (as a dict is), for the reference's
 * methods (findings.py) and the join of a big run's halves (call_columns.py): get, [], []=, in, len, iteration,
 * keys, items. It holds counts of 1 or more, and never forgets a key. Included once. */

typedef struct { long long key, count; } CountSlot;  /* count 0: an empty slot */

typedef struct {
    PyObject_HEAD
    CountSlot *slots;
    Py_ssize_t mask, used;  /* slots - 1 (a power of two, minus one); keys held */
    long long *order;       /* the keys, in the order they came */
    Py_ssize_t room;        /* of order */
} CallCounts;

static PyTypeObject CallCountsType;

#define COUNTS_FIRST_SLOTS 1024

static inline size_t count_place(long long key, Py_ssize_t mask)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & (size_t)mask;
}

/* the slot of `key`, or the empty one where it would go */
static inline CountSlot *count_slot(CallCounts *self, long long key)
{
    for (size_t at = count_place(key, self->mask);; at = (at + 1) & (size_t)self->mask) {
        CountSlot *slot = &self->slots[at];
        if (slot->count == 0 || slot->key == key)
            return slot;
    }
}

static int counts_grow(CallCounts *self)
{
    Py_ssize_t size = self->slots == NULL ? COUNTS_FIRST_SLOTS : 2 * (self->mask + 1);
    CountSlot *old = self->slots, *fresh = PyMem_Calloc((size_t)size, sizeof *fresh);
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t old_size = old == NULL ? 0 : self->mask + 1;
    self->slots = fresh;
    self->mask = size - 1;
    for (Py_ssize_t at = 0; at < old_size; at++)
        if (old[at].count != 0)
            *count_slot(self, old[at].key) = old[at];
    PyMem_Free(old);
    return 0;
}

/* the count of `key`, 0 if it has none */
static inline long long counts_get(CallCounts *self, long long key)
{
    return self->slots == NULL ? 0 : count_slot(self, key)->count;
}

/* the slot of `key`, made if it has none (its count then 0, for the caller to set): NULL on error */
static CountSlot *counts_claim(CallCounts *self, long long key)
{
    if ((self->used + 1) * 2 > (self->slots == NULL ? 0 : self->mask + 1) && counts_grow(self) < 0)
        return NULL;
    CountSlot *slot = count_slot(self, key);
    if (slot->count != 0)
        return slot;
    if (self->used == self->room) {
        Py_ssize_t room = self->room > 0 ? 2 * self->room : COUNTS_FIRST_SLOTS;
        long long *order = PyMem_Realloc(self->order, (size_t)room * sizeof *order);
        if (order == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        self->order = order;
        self->room = room;
    }
    self->order[self->used++] = key;
    slot->key = key;
    return slot;
}

/* `counts[key] += 1` from nothing: the new count, or -1 on error */
static inline long long counts_add_one(CallCounts *self, long long key)
{
    CountSlot *slot = counts_claim(self, key);
    return slot == NULL ? -1 : ++slot->count;
}

/* `counts[key] = count` (1 or more): 0, or -1 on error */
static int counts_set(CallCounts *self, long long key, long long count)
{
    CountSlot *slot = counts_claim(self, key);
    if (slot == NULL)
        return -1;
    slot->count = count;
    return 0;
}

/* -- to Python ------------------------------------------------------------------------------------------ */
/* a key as the table holds it: 0 with it in *key, or -1 with an error */
static int count_key(PyObject *object, long long *key)
{
    if (!PyLong_Check(object)) {
        PyErr_SetString(PyExc_TypeError, "a call identity is an int");
        return -1;
    }
    *key = PyLong_AsLongLong(object);
    return *key == -1 && PyErr_Occurred() ? -1 : 0;
}

static PyObject *counts_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (PyTuple_GET_SIZE(args) != 0 || (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0)) {
        PyErr_SetString(PyExc_TypeError, "CallCounts() takes no arguments");
        return NULL;
    }
    CallCounts *self = (CallCounts *)type->tp_alloc(type, 0);
    if (self != NULL) {
        self->slots = NULL;
        self->order = NULL;
        self->mask = self->used = self->room = 0;
    }
    return (PyObject *)self;
}

static void counts_dealloc(CallCounts *self)
{
    PyMem_Free(self->slots);
    PyMem_Free(self->order);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Py_ssize_t counts_length(CallCounts *self)
{
    return self->used;
}

static PyObject *counts_subscript(CallCounts *self, PyObject *object)
{
    long long key;
    if (count_key(object, &key) < 0)
        return NULL;
    long long count = counts_get(self, key);
    if (count == 0) {
        PyErr_SetObject(PyExc_KeyError, object);
        return NULL;
    }
    return PyLong_FromLongLong(count);
}

static int counts_assign(CallCounts *self, PyObject *object, PyObject *value)
{
    long long key, count;
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "a call identity's count is never removed");
        return -1;
    }
    if (count_key(object, &key) < 0 || count_key(value, &count) < 0)
        return -1;
    if (count < 1) {
        PyErr_SetString(PyExc_ValueError, "a call identity's count is 1 or more");
        return -1;
    }
    return counts_set(self, key, count);
}

static int counts_contains(CallCounts *self, PyObject *object)
{
    long long key;
    if (!PyLong_Check(object))
        return 0;
    if (count_key(object, &key) < 0) {  /* too big for a key: not one */
        PyErr_Clear();
        return 0;
    }
    return counts_get(self, key) != 0;
}

/* get(key, default=None) */
static PyObject *counts_get_method(CallCounts *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get(key, default=None)");
        return NULL;
    }
    long long count = counts_contains(self, args[0]) ? counts_get(self, PyLong_AsLongLong(args[0])) : 0;
    if (count != 0)
        return PyLong_FromLongLong(count);
    return Py_NewRef(nargs == 2 ? args[1] : Py_None);
}

/* the keys, or (key, count) pairs, in the order they came, as a list */
static PyObject *counts_list(CallCounts *self, int pairs)
{
    PyObject *list = PyList_New(self->used);
    for (Py_ssize_t at = 0; list != NULL && at < self->used; at++) {
        long long key = self->order[at];
        PyObject *item = pairs ? Py_BuildValue("(LL)", key, counts_get(self, key)) : PyLong_FromLongLong(key);
        if (item == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, at, item);
    }
    return list;
}

static PyObject *counts_keys(CallCounts *self, PyObject *unused)
{
    return counts_list(self, 0);
}

static PyObject *counts_items(CallCounts *self, PyObject *unused)
{
    return counts_list(self, 1);
}

static PyObject *counts_iter(CallCounts *self)
{
    PyObject *keys = counts_list(self, 0);
    PyObject *iterator = keys == NULL ? NULL : PyObject_GetIter(keys);
    Py_XDECREF(keys);
    return iterator;
}

static PySequenceMethods counts_sequence = {
    .sq_contains = (objobjproc)counts_contains,
};

static PyMappingMethods counts_mapping = {
    .mp_length = (lenfunc)counts_length,
    .mp_subscript = (binaryfunc)counts_subscript,
    .mp_ass_subscript = (objobjargproc)counts_assign,
};

static PyMethodDef counts_methods[] = {
    {"get", (PyCFunction)(void (*)(void))counts_get_method, METH_FASTCALL, "get(key, default=None)"},
    {"keys", (PyCFunction)counts_keys, METH_NOARGS, "The call identities, in the order they came, as a list."},
    {"items", (PyCFunction)counts_items, METH_NOARGS, "(identity, calls) pairs, in the order they came."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CallCountsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "namel3ss_debug.analysis._tally.CallCounts",
    .tp_basicsize = sizeof(CallCounts),
    .tp_dealloc = (destructor)counts_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Tally.repeats in a table of its own: calls by call identity (an int of 64 bits), in order.",
    .tp_new = counts_new,
    .tp_iter = (getiterfunc)counts_iter,
    .tp_as_sequence = &counts_sequence,
    .tp_as_mapping = &counts_mapping,
    .tp_methods = counts_methods,
};

/* merge.merge_repeats_py in C: the second half's call counts joined to the first's. A big run's halves each
 * hold tens of thousands of call identities, most of them in both; the loop of the reference spends a microsecond
 * a key on dict look-ups that miss the cache, and it runs while the other core waits. Same dicts, same order,
 * same values: tests join random halves both ways. Included once. */

/* a new entry of `repeated` and where it goes: the ref of its first repeat, then its key */
typedef struct { long long ref, key; PyObject *key_object, *entry; } Joined;

static int by_first_repeat(const void *a, const void *b)
{
    const Joined *x = a, *y = b;
    if (x->ref != y->ref)
        return x->ref < y->ref ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

/* 0 if `entry` is a list of `size` items or more, else -1 with TypeError */
static int entry_shape(PyObject *entry, Py_ssize_t size)
{
    if (PyList_Check(entry) && PyList_GET_SIZE(entry) >= size)
        return 0;
    PyErr_SetString(PyExc_TypeError, "an entry of repeated calls must be a list");
    return -1;
}

/* item `at` of a list entry as a long long (-1 with an error set if it is not one) */
static long long entry_number(PyObject *entry, Py_ssize_t at, Py_ssize_t size)
{
    return entry_shape(entry, size) < 0 ? -1 : PyLong_AsLongLong(PyList_GET_ITEM(entry, at));
}

static int add_joined(Joined *joined, Py_ssize_t *n, long long ref, PyObject *key, PyObject *entry)
{
    long long number = PyLong_AsLongLong(key);
    if ((ref == -1 || number == -1) && PyErr_Occurred()) {
        Py_DECREF(entry);
        return -1;
    }
    joined[*n] = (Joined){ref, number, Py_NewRef(key), entry};
    (*n)++;
    return 0;
}

/* One key both halves called: its count, and its entry of repeated (updated, or made and added to `joined`). */
static int join_call(PyObject *mine, PyObject *key, PyObject *total, PyObject *repeated, PyObject *their_repeated,
                     PyObject *first_seen, Joined *joined, Py_ssize_t *n)
{
    PyObject *seen = PyObject_GetItem(first_seen, key);  /* [ref, span id, component, name, ms] */
    if (seen == NULL)
        return -1;
    int result = -1;
    PyObject *ms = NULL;
    long long ref = entry_number(seen, 0, 5);
    if (ref == -1 && PyErr_Occurred())
        goto done;
    PyObject *theirs = PyDict_GetItemWithError(their_repeated, key);
    if (theirs == NULL && PyErr_Occurred())
        goto done;
    if (theirs != NULL && entry_shape(theirs, 6) < 0)
        goto done;
    ms = theirs != NULL ? PyNumber_Add(PyList_GET_ITEM(seen, 4), PyList_GET_ITEM(theirs, 3))
        : Py_NewRef(PyList_GET_ITEM(seen, 4));
    if (ms == NULL)
        goto done;
    PyObject *entry = PyDict_GetItemWithError(repeated, key);
    if (entry != NULL) {
        if (entry_shape(entry, 6) < 0)
            goto done;
        PyList_SetItem(entry, 2, Py_NewRef(total));
        result = add_at(entry, 3, ms);
        goto done;
    }
    if (PyErr_Occurred())
        goto done;
    PyObject *zero = PyFloat_FromDouble(0.0);
    PyObject *first = zero == NULL ? NULL : PyNumber_Add(zero, ms);
    Py_XDECREF(zero);
    PyObject *fresh = first == NULL ? NULL : Py_BuildValue("[OOONOO]", PyList_GET_ITEM(seen, 2),
                                                            PyList_GET_ITEM(seen, 3), total, first,
                                                            PyList_GET_ITEM(seen, 0), PyList_GET_ITEM(seen, 1));
    result = fresh == NULL ? -1 : add_joined(joined, n, ref, key, fresh);
done:
    Py_XDECREF(ms);
    Py_DECREF(seen);
    return result;
}

/* merge_repeats(repeats, their_repeats, repeated, their_repeated, first_seen) -> None */
static PyObject *merge_repeats(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyDict_Check(args[0]) || !PyDict_Check(args[1]) || !PyDict_Check(args[2])
        || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "merge_repeats(repeats, their_repeats, repeated, their_repeated, first_seen)");
        return NULL;
    }
    PyObject *mine = args[0], *theirs = args[1], *repeated = args[2], *their_repeated = args[3];
    PyObject *first_seen = args[4], *key, *value;
    Py_ssize_t room = PyDict_GET_SIZE(theirs) + PyDict_GET_SIZE(their_repeated), n = 0, at = 0;
    Joined *joined = PyMem_Malloc((size_t)(room > 0 ? room : 1) * sizeof *joined);
    if (joined == NULL)
        return PyErr_NoMemory();
    int failed = 0;
    /* the second half's own repeats, of calls the first half never made */
    while (!failed && PyDict_Next(their_repeated, &at, &key, &value)) {
        int known = PyDict_Contains(mine, key);
        long long ref = known ? 0 : entry_number(value, 4, 6);
        failed = known < 0 || (!known && add_joined(joined, &n, ref, key, Py_NewRef(value)) < 0);
    }
    /* the counts, and the calls both halves made */
    at = 0;
    while (!failed && PyDict_Next(theirs, &at, &key, &value)) {
        PyObject *before = PyDict_GetItemWithError(mine, key);
        if (before == NULL) {
            failed = PyErr_Occurred() || PyDict_SetItem(mine, key, value) < 0;
            continue;
        }
        PyObject *total = PyNumber_Add(before, value);
        failed = total == NULL || PyDict_SetItem(mine, key, total) < 0
            || join_call(mine, key, total, repeated, their_repeated, first_seen, joined, &n) < 0;
        Py_XDECREF(total);
    }
    /* the new entries, in the order of their first repeat (as one pass adds them) */
    if (!failed)
        qsort(joined, (size_t)n, sizeof *joined, by_first_repeat);
    for (Py_ssize_t i = 0; i < n; i++) {
        failed = failed || PyDict_SetItem(repeated, joined[i].key_object, joined[i].entry) < 0;
        Py_DECREF(joined[i].key_object);
        Py_DECREF(joined[i].entry);
    }
    PyMem_Free(joined);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

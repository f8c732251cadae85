/* call_columns.pack_py and join_py in C: a big run's second half's call identities put in columns, and joined
 * to the first half's. A big run's halves each hold tens of thousands of identities, most of them in both; the
 * join runs while the other core waits. Same columns, same dicts, same order, same values: tests pack and join
 * random halves both ways. Included once. */

/* the columns of call_columns.CallColumns, in its order */
enum { KEYS, COUNTS, FIRST_REFS, FIRST_MS, FIRST_SPANS, FIRST_COMPONENTS, FIRST_NAMES, REPEAT_ROWS, REPEAT_CALLS,
       REPEAT_MS, REPEAT_REFS, REPEAT_SPANS, REPEAT_COMPONENTS, REPEAT_NAMES, COLUMNS };

/* The columns' numbers, held while they are read or written, and their lists (borrowed) */
typedef struct {
    Py_buffer views[COLUMNS];
    int held[COLUMNS];
    long long *keys, *counts, *first_refs, *repeat_rows, *repeat_calls, *repeat_refs;
    double *first_ms, *repeat_ms;
    PyObject *first_spans, *first_components, *first_names, *repeat_spans, *repeat_components, *repeat_names;
    Py_ssize_t rows, repeats;
} Columns;

static void close_columns(Columns *c)
{
    for (int at = 0; at < COLUMNS; at++)
        if (c->held[at])
            PyBuffer_Release(&c->views[at]);
}

/* column `at` as `rows` numbers of `format` ("q" or "d", 8 bytes each) */
static void *numbers(Columns *c, PyObject *columns, int at, char format, Py_ssize_t rows)
{
    if (PyObject_GetBuffer(PyTuple_GET_ITEM(columns, at), &c->views[at], PyBUF_WRITABLE | PyBUF_FORMAT) < 0)
        return NULL;
    c->held[at] = 1;
    const char *kind = c->views[at].format;
    if (kind == NULL || kind[0] != format || kind[1] != '\0' || c->views[at].itemsize != 8
        || c->views[at].len != rows * 8) {
        PyErr_Format(PyExc_TypeError, "call column %d must be an array('%c') of %zd", at, format, rows);
        return NULL;
    }
    return c->views[at].buf;
}

/* column `at` as a list of `rows` */
static PyObject *listed(PyObject *columns, int at, Py_ssize_t rows)
{
    PyObject *list = PyTuple_GET_ITEM(columns, at);
    if (PyList_CheckExact(list) && PyList_GET_SIZE(list) == rows)
        return list;
    PyErr_Format(PyExc_TypeError, "call column %d must be a list of %zd", at, rows);
    return NULL;
}

/* 0 with `c` holding the columns (their sizes from the keys and the repeat rows), else -1; close_columns
 * either way */
static int open_columns(Columns *c, PyObject *columns)
{
    memset(c, 0, sizeof *c);
    if (!PyTuple_Check(columns) || PyTuple_GET_SIZE(columns) != COLUMNS) {
        PyErr_SetString(PyExc_TypeError, "the call columns must be a CallColumns");
        return -1;
    }
    Py_ssize_t rows = PyObject_Length(PyTuple_GET_ITEM(columns, KEYS));
    Py_ssize_t repeats = PyObject_Length(PyTuple_GET_ITEM(columns, REPEAT_ROWS));
    if (rows < 0 || repeats < 0)
        return -1;
    c->rows = rows;
    c->repeats = repeats;
    c->keys = numbers(c, columns, KEYS, 'q', rows);
    c->counts = c->keys ? numbers(c, columns, COUNTS, 'q', rows) : NULL;
    c->first_refs = c->counts ? numbers(c, columns, FIRST_REFS, 'q', rows) : NULL;
    c->first_ms = c->first_refs ? numbers(c, columns, FIRST_MS, 'd', rows) : NULL;
    c->repeat_rows = c->first_ms ? numbers(c, columns, REPEAT_ROWS, 'q', repeats) : NULL;
    c->repeat_calls = c->repeat_rows ? numbers(c, columns, REPEAT_CALLS, 'q', repeats) : NULL;
    c->repeat_ms = c->repeat_calls ? numbers(c, columns, REPEAT_MS, 'd', repeats) : NULL;
    c->repeat_refs = c->repeat_ms ? numbers(c, columns, REPEAT_REFS, 'q', repeats) : NULL;
    if (c->repeat_refs == NULL)
        return -1;
    c->first_spans = listed(columns, FIRST_SPANS, rows);
    c->first_components = c->first_spans ? listed(columns, FIRST_COMPONENTS, rows) : NULL;
    c->first_names = c->first_components ? listed(columns, FIRST_NAMES, rows) : NULL;
    c->repeat_spans = c->first_names ? listed(columns, REPEAT_SPANS, repeats) : NULL;
    c->repeat_components = c->repeat_spans ? listed(columns, REPEAT_COMPONENTS, repeats) : NULL;
    c->repeat_names = c->repeat_components ? listed(columns, REPEAT_NAMES, repeats) : NULL;
    return c->repeat_names == NULL ? -1 : 0;
}

/* a list of `size` items or more (borrowed), else NULL with TypeError */
static PyObject *entry_of(PyObject *entry, Py_ssize_t size)
{
    if (PyList_Check(entry) && PyList_GET_SIZE(entry) >= size)
        return entry;
    PyErr_SetString(PyExc_TypeError, "an entry of the calls met must be a list");
    return NULL;
}

/* `list[at] = item` */
static void put(PyObject *list, Py_ssize_t at, PyObject *item)
{
    PyList_SetItem(list, at, Py_NewRef(item));
}

static int number_error(void)
{
    return PyErr_Occurred() ? -1 : 0;
}

/* row `row` of the first calls, from its keys and first_seen entry: 0, or -1 on error */
static int pack_first(Columns *c, Py_ssize_t row, PyObject *key, PyObject *count, PyObject *seen)
{
    if (entry_of(seen, 5) == NULL)
        return -1;
    c->keys[row] = PyLong_AsLongLong(key);
    c->counts[row] = PyLong_AsLongLong(count);
    c->first_refs[row] = PyLong_AsLongLong(PyList_GET_ITEM(seen, 0));
    c->first_ms[row] = PyFloat_AsDouble(PyList_GET_ITEM(seen, 4));
    if (number_error() < 0)
        return -1;
    put(c->first_spans, row, PyList_GET_ITEM(seen, 1));
    put(c->first_components, row, PyList_GET_ITEM(seen, 2));
    put(c->first_names, row, PyList_GET_ITEM(seen, 3));
    return 0;
}

/* repeat `at`, of row `row`, from its entry of repeated: 0, or -1 on error */
static int pack_repeat(Columns *c, Py_ssize_t at, Py_ssize_t row, PyObject *entry)
{
    if (entry_of(entry, 6) == NULL)
        return -1;
    c->repeat_rows[at] = row;
    c->repeat_calls[at] = PyLong_AsLongLong(PyList_GET_ITEM(entry, 2));
    c->repeat_ms[at] = PyFloat_AsDouble(PyList_GET_ITEM(entry, 3));
    c->repeat_refs[at] = PyLong_AsLongLong(PyList_GET_ITEM(entry, 4));
    if (number_error() < 0)
        return -1;
    put(c->repeat_components, at, PyList_GET_ITEM(entry, 0));
    put(c->repeat_names, at, PyList_GET_ITEM(entry, 1));
    put(c->repeat_spans, at, PyList_GET_ITEM(entry, 5));
    return 0;
}

/* the counts of calls, a dict or a CallCounts: how many keys they hold */
static Py_ssize_t counts_size(PyObject *counts)
{
    return Py_IS_TYPE(counts, &CallCountsType) ? ((CallCounts *)counts)->used : PyDict_GET_SIZE(counts);
}

/* the counts' next key and count (new references) after *at, as PyDict_Next: 1, or 0 at the end (or on error) */
static int next_count(PyObject *counts, Py_ssize_t *at, PyObject **key, PyObject **count)
{
    if (!Py_IS_TYPE(counts, &CallCountsType)) {
        int more = PyDict_Next(counts, at, key, count);
        if (more) {
            Py_INCREF(*key);
            Py_INCREF(*count);
        }
        return more;
    }
    CallCounts *table = (CallCounts *)counts;
    if (*at >= table->used)
        return 0;
    long long identity = table->order[(*at)++];
    *key = PyLong_FromLongLong(identity);
    *count = *key == NULL ? NULL : PyLong_FromLongLong(counts_get(table, identity));
    if (*count == NULL)
        Py_CLEAR(*key);
    return *key != NULL;
}

/* one row of the columns from the counts' key and count and the dicts' entries: 1, 0 when the dicts disagree
 * (their key is not the counts'), -1 on error */
static int pack_row(Columns *c, Py_ssize_t row, Py_ssize_t *at, PyObject *key, PyObject *count, PyObject *seen_key,
                    PyObject *seen, PyObject *repeated)
{
    int same = key == seen_key ? 1 : PyObject_RichCompareBool(key, seen_key, Py_EQ);
    if (same <= 0)
        return same;
    if (pack_first(c, row, key, count, seen) < 0)
        return -1;
    PyObject *entry = PyDict_GetItemWithError(repeated, key);
    if (entry == NULL)
        return PyErr_Occurred() ? -1 : 1;
    if (*at == c->repeats)
        return 0;
    return pack_repeat(c, (*at)++, row, entry) < 0 ? -1 : 1;
}

/* 1 when filled, 0 when the dicts do not hold the same identities in the same order, -1 on error */
static int pack_rows(Columns *c, PyObject *repeats, PyObject *repeated, PyObject *first_seen)
{
    if (PyDict_GET_SIZE(first_seen) != c->rows || counts_size(repeats) != c->rows
        || PyDict_GET_SIZE(repeated) != c->repeats)
        return 0;
    Py_ssize_t i = 0, j = 0, row = 0, at = 0;
    PyObject *key, *count, *seen_key, *seen;
    while (next_count(repeats, &i, &key, &count)) {
        int packed = PyDict_Next(first_seen, &j, &seen_key, &seen)
            ? pack_row(c, row++, &at, key, count, seen_key, seen, repeated) : 0;
        Py_DECREF(key);
        Py_DECREF(count);
        if (packed <= 0)
            return packed;
    }
    if (PyErr_Occurred())
        return -1;
    return at == c->repeats;
}

/* pack_calls(repeats, repeated, first_seen, columns) -> bool */
static PyObject *pack_calls(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !(PyDict_Check(args[0]) || Py_IS_TYPE(args[0], &CallCountsType)) || !PyDict_Check(args[1])
        || !PyDict_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "pack_calls(repeats, repeated, first_seen, columns)");
        return NULL;
    }
    Columns c;
    int result = open_columns(&c, args[3]) < 0 ? -1 : pack_rows(&c, args[0], args[1], args[2]);
    close_columns(&c);
    return result < 0 ? NULL : PyBool_FromLong(result);
}

/* a new entry of `repeated` and where it goes: the ref of its first repeat, then its key */
typedef struct { long long ref, key; PyObject *key_object, *entry; } Joined;

static int by_first_repeat(const void *a, const void *b)
{
    const Joined *x = a, *y = b;
    if (x->ref != y->ref)
        return x->ref < y->ref ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

/* `fresh` (a new reference, or NULL on error) added to `joined` */
static int add_joined(Joined *joined, Py_ssize_t *n, long long ref, long long key, PyObject *key_object,
                      PyObject *fresh)
{
    if (fresh == NULL)
        return -1;
    joined[(*n)++] = (Joined){ref, key, Py_NewRef(key_object), fresh};
    return 0;
}

/* counts[key] (a dict or a CallCounts) as a number in *count, 0 if it has none: 0, or -1 on error */
static int count_of(PyObject *counts, PyObject *key_object, long long key, long long *count)
{
    if (Py_IS_TYPE(counts, &CallCountsType)) {
        *count = counts_get((CallCounts *)counts, key);
        return 0;
    }
    PyObject *found = PyDict_GetItemWithError(counts, key_object);
    *count = found == NULL ? 0 : PyLong_AsLongLong(found);
    return PyErr_Occurred() ? -1 : 0;
}

/* `counts[key] = count` */
static int store_count(PyObject *counts, PyObject *key_object, long long key, long long count)
{
    if (Py_IS_TYPE(counts, &CallCountsType))
        return counts_set((CallCounts *)counts, key, count);
    PyObject *number = PyLong_FromLongLong(count);
    int result = number == NULL ? -1 : PyDict_SetItem(counts, key_object, number);
    Py_XDECREF(number);
    return result;
}

/* Row `row`, an identity the first half never called: its count, and its entry of repeated if it has one */
static int join_new(Columns *c, Py_ssize_t row, Py_ssize_t at, PyObject *mine, PyObject *key, Joined *joined,
                    Py_ssize_t *n)
{
    if (store_count(mine, key, c->keys[row], c->counts[row]) < 0)
        return -1;
    if (at < 0)
        return 0;
    PyObject *fresh = Py_BuildValue("[OOLdLO]", PyList_GET_ITEM(c->repeat_components, at),
                                    PyList_GET_ITEM(c->repeat_names, at), c->repeat_calls[at], c->repeat_ms[at],
                                    c->repeat_refs[at], PyList_GET_ITEM(c->repeat_spans, at));
    return add_joined(joined, n, c->repeat_refs[at], c->keys[row], key, fresh);
}

/* Row `row`, an identity both halves called (`before` times in the first): its count, and its entry of
 * repeated, updated or made */
static int join_both(Columns *c, Py_ssize_t row, Py_ssize_t at, PyObject *mine, PyObject *repeated, PyObject *key,
                     long long before, Joined *joined, Py_ssize_t *n)
{
    long long calls = before + c->counts[row];
    PyObject *total = store_count(mine, key, c->keys[row], calls) < 0 ? NULL : PyLong_FromLongLong(calls);
    if (total == NULL)
        return -1;
    int result = -1;
    double ms = at >= 0 ? c->first_ms[row] + c->repeat_ms[at] : c->first_ms[row];
    PyObject *entry = PyDict_GetItemWithError(repeated, key);
    if (entry != NULL) {
        if (entry_of(entry, 6) != NULL) {
            put(entry, 2, total);
            result = add_float_at(entry, 3, ms);
        }
        goto done;
    }
    if (PyErr_Occurred())
        goto done;
    PyObject *fresh = Py_BuildValue("[OOOdLO]", PyList_GET_ITEM(c->first_components, row),
                                    PyList_GET_ITEM(c->first_names, row), total, 0.0 + ms, c->first_refs[row],
                                    PyList_GET_ITEM(c->first_spans, row));
    result = add_joined(joined, n, c->first_refs[row], c->keys[row], key, fresh);
done:
    Py_DECREF(total);
    return result;
}

/* The rows joined in turn, the new entries of repeated collected in `joined` */
static int join_rows(Columns *c, PyObject *mine, PyObject *repeated, Joined *joined, Py_ssize_t *n)
{
    Py_ssize_t at = 0;
    for (Py_ssize_t row = 0; row < c->rows; row++) {
        Py_ssize_t again = at < c->repeats && c->repeat_rows[at] == row ? at++ : -1;
        PyObject *key = PyLong_FromLongLong(c->keys[row]);
        long long before;
        int failed = key == NULL || count_of(mine, key, c->keys[row], &before) < 0;
        if (!failed)
            failed = before == 0 ? join_new(c, row, again, mine, key, joined, n) < 0
                : join_both(c, row, again, mine, repeated, key, before, joined, n) < 0;
        Py_XDECREF(key);
        if (failed)
            return -1;
    }
    return 0;
}

/* join_calls(repeats, repeated, columns) -> None */
static PyObject *join_calls(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !(PyDict_Check(args[0]) || Py_IS_TYPE(args[0], &CallCountsType)) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "join_calls(repeats, repeated, columns)");
        return NULL;
    }
    Columns c;
    if (open_columns(&c, args[2]) < 0) {
        close_columns(&c);
        return NULL;
    }
    Joined *joined = PyMem_Malloc((size_t)(c.rows > 0 ? c.rows : 1) * sizeof *joined);
    Py_ssize_t n = 0;
    int failed = joined == NULL ? (PyErr_NoMemory(), 1) : join_rows(&c, args[0], args[1], joined, &n) < 0;
    close_columns(&c);
    /* the new entries, in the order of their first repeat (as one pass adds them) */
    if (!failed)
        qsort(joined, (size_t)n, sizeof *joined, by_first_repeat);
    for (Py_ssize_t i = 0; i < n; i++) {
        failed = failed || PyDict_SetItem(args[1], joined[i].key_object, joined[i].entry) < 0;
        Py_DECREF(joined[i].key_object);
        Py_DECREF(joined[i].entry);
    }
    PyMem_Free(joined);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

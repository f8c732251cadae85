/* Shared by `analysis/_tally.c` and `diffing/_calls.c`: the fields of one JSON line as `_tally_scan.h` reads them
 * in place, and the capsule through which `_calls.c` reads the lines of a block `_tally.lines` made (the object
 * `_tally.LINES`, handed over by `calls.py`), so that `diff` scans each line once for its figures and its calls. */
#include <stdint.h>

typedef struct { const char *at; Py_ssize_t size; } Text;  /* at == NULL: absent, or null */
typedef struct {
    long long seq;
    Text run_id, ts, event_type, component, name, span_id, status;  /* required strings */
    Text parent_id, model;                                          /* string or null (or, model, absent) */
    int has_duration, has_cost, has_memory;                         /* 0: absent or null */
    double duration_ms, cost_usd, memory_mb;
    int has_usage;                                                  /* usage object present and not null */
    long long input_tokens, output_tokens, total_tokens;            /* -1: absent or null inside usage */
    Text inputs, outputs, attrs;                                    /* raw JSON value, as msgspec.Raw keeps it */
} Scanned;

#define LINES_CAPSULE "namel3ss_debug.analysis._tally.LINES"

/* A block of lines (`_tally.Lines`) read from another extension. The lines point into the block's buffer, which
 * the reader overwrites two blocks later: read them, do not keep them. */
typedef struct {
    PyTypeObject *type;                                       /* _tally.Lines */
    Py_ssize_t (*count)(PyObject *lines);
    const Scanned *(*fields)(PyObject *lines, Py_ssize_t k);  /* NULL: line k was not scanned (it has a record) */
    PyObject *(*record)(PyObject *lines, Py_ssize_t k);       /* msgspec's record of line k, made once: borrowed,
                                                                 NULL with an error */
    PyObject *(*text)(Text text);  /* a str of a text that repeats (a type, a name, a status), borrowed from a
                                      table that may drop it at the next call: NULL with an error */
    PyObject *(*id)(Text text);    /* the same, for span ids (None for at == NULL) */
} LinesApi;

/* `bind`'s last argument, `_tally.LINES` or None: the api it points to into *api (NULL for None), and the capsule
 * held in *held while it is used. 0, or -1 with an error for anything else. */
static inline int take_lines_api(PyObject *capsule, PyObject **held, const LinesApi **api)
{
    const LinesApi *found = NULL;
    if (capsule != Py_None && (found = PyCapsule_GetPointer(capsule, LINES_CAPSULE)) == NULL)
        return -1;
    Py_XSETREF(*held, Py_XNewRef(found == NULL ? NULL : capsule));
    *api = found;
    return 0;
}

/* How many records `records` holds, a list of `type` or a block of `_tally.Lines` (`api`: NULL where `_tally` was
 * not built) whose lines the scan was not sure of are records of `type`: -1 for anything else. */
static inline Py_ssize_t known_records(PyObject *records, PyTypeObject *type, const LinesApi *api)
{
    if (PyList_CheckExact(records)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(records); i++)
            if (Py_TYPE(PyList_GET_ITEM(records, i)) != type)
                return -1;
        return PyList_GET_SIZE(records);
    }
    if (api == NULL || !Py_IS_TYPE(records, api->type))
        return -1;
    Py_ssize_t count = api->count(records);
    for (Py_ssize_t i = 0; i < count; i++)
        if (api->fields(records, i) == NULL && Py_TYPE(api->record(records, i)) != type)
            return -1;
    return count;
}

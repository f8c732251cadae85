/* The names `_tally.c` uses, and the fields it reads at their offsets: a record's (store/records.py), its usage's,
 * an open span's (run_state.OpenSpan) and a loop watch's (loops.LoopWatch), bound once by `bind`. */

/* attribute and method names */
#define NAMES(X) X(ends) X(add) X(open) X(seen) X(watches) X(index) X(_kinds) X(type_counts) \
    X(_prefixes) X(durations) X(slowest) X(untimed) X(instants) X(slow) X(slow_by_op) X(models) X(repeats) \
    X(repeated) X(retries) X(_windows) X(boundary) X(options) X(counted) X(top) X(_ids) X(_patterns) X(_paths) \
    X(_anomalies) X(_slow_ms) X(_block_ms) X(next_seq) X(events) X(run_id) X(run) X(analyzed) X(_kind) X(_switch) \
    X(_seq_jump) X(_start) X(_end) X(_end_without_start) X(_duplicate) X(_orphan) X(_repeated) X(_retry) \
    X(_failed) X(_blocking) X(_agent_ended) X(_context) X(_memory) X(_error_event) X(see) X(append) \
    X(first_seen) X(first_open) X(first_root_call) X(last_ts) X(seconds) X(bucket_chars) X(chain) X(last_error) X(_slow) X(d) X(decode) \
    X(event_type)
#define DECLARE(name) static PyObject *S_##name;
NAMES(DECLARE)

/* texts compared with */
#define TEXTS(X) X(run_start, "run_start") X(run_end, "run_end") X(agent_start, "agent_execution_start") \
    X(segment_start, "segment_start") X(error_occurred, "error_occurred") X(failed, "failed") X(llm, "llm") \
    X(tool, "tool") X(no_model, "(no model)") X(app_load_end, "app_load_end")
#define DECLARE_TEXT(name, text) static PyObject *T_##name;
TEXTS(DECLARE_TEXT)

static int make_strings(void)
{
#define MAKE(name) if ((S_##name = PyUnicode_InternFromString(#name)) == NULL) return -1;
    NAMES(MAKE)
#define MAKE_TEXT(name, text) if ((T_##name = PyUnicode_InternFromString(text)) == NULL) return -1;
    TEXTS(MAKE_TEXT)
    return 0;
}

/* fields: name, the type they belong to (0 record, 1 usage, 2 open span, 3 loop watch) */
#define FIELDS(X) X(R_RUN_ID, "run_id", 0) X(R_SEQ, "seq", 0) X(R_TS, "ts", 0) X(R_EVENT_TYPE, "event_type", 0) \
    X(R_COMPONENT, "component", 0) X(R_NAME, "name", 0) X(R_SPAN_ID, "span_id", 0) \
    X(R_PARENT_ID, "parent_id", 0) X(R_STATUS, "status", 0) X(R_DURATION, "duration_ms", 0) \
    X(R_USAGE, "usage", 0) X(R_MODEL, "model", 0) X(R_COST, "cost_usd", 0) X(R_MEMORY, "memory_mb", 0) \
    X(R_INPUTS, "inputs", 0) \
    X(U_IN, "input_tokens", 1) X(U_OUT, "output_tokens", 1) X(U_TOTAL, "total_tokens", 1) \
    X(O_NAME, "name", 2) X(O_START_SEQ, "start_seq", 2) X(O_KEY, "key", 2) X(O_AGENT, "agent", 2) X(O_RETRY, "retry", 2) \
    X(O_MODEL, "model", 2) X(O_CHILD_MS, "child_ms", 2) X(O_OPEN_KIDS, "open_kids", 2) X(O_LAST, "last", 2) \
    X(O_FAILED_ERROR, "failed_error", 2) X(O_CHAIN, "chain", 2) X(O_CHAIN_END, "chain_end", 2) \
    X(O_CHAIN_DIRECT, "chain_direct", 2) X(O_KIDS, "kids", 2) \
    X(W_RECENT, "recent", 3) X(W_KEYS, "keys", 3) X(W_RUNS, "runs", 3) X(W_STARTS, "starts", 3) \
    X(W_FOUND, "found", 3)
#define FIELD_ENUM(id, name, owner) id,
enum { FIELDS(FIELD_ENUM) N_FIELDS };
#define FIELD_NAME(id, name, owner) name,
static const char *FIELD_NAMES[N_FIELDS] = {FIELDS(FIELD_NAME)};
#define FIELD_OWNER(id, name, owner) owner,
static const int FIELD_OWNERS[N_FIELDS] = {FIELDS(FIELD_OWNER)};

static Py_ssize_t field_offset[N_FIELDS];
static PyTypeObject *record_type = NULL, *usage_type = NULL, *open_span_type = NULL, *loop_watch_type = NULL;

/* A field, borrowed: every field of these types is set when an instance is made (msgspec, __init__). */
#define FIELD(object, f) (*(PyObject **)((char *)(object) + field_offset[f]))

/* `object.<f> = value`, as msgspec's own setattr does it: an instance untracked by the collector is tracked
 * once it holds something that may be part of a cycle. */
static inline void set_field(PyObject *object, int f, PyObject *value)
{
    PyObject **slot = (PyObject **)((char *)object + field_offset[f]);
    PyObject *old = *slot;
    *slot = Py_NewRef(value);
    if (PyObject_IS_GC(value) && PyObject_IS_GC(object) && !PyObject_GC_IsTracked(object))
        PyObject_GC_Track(object);
    Py_XDECREF(old);
}

/* `set_field` with a new reference, which it takes; -1 if `value` is NULL (an error is set) */
static inline int set_new(PyObject *object, int f, PyObject *value)
{
    if (value == NULL)
        return -1;
    set_field(object, f, value);
    Py_DECREF(value);
    return 0;
}

static int bind_fields(PyObject *record, PyObject *usage, PyObject *open_span, PyObject *loop_watch)
{
    PyObject *owners[] = {record, usage, open_span, loop_watch};
    for (int i = 0; i < 4; i++)
        if (!PyType_Check(owners[i])) {
            PyErr_SetString(PyExc_TypeError, "bind() takes the record, usage, open span and loop watch types");
            return -1;
        }
    for (int f = 0; f < N_FIELDS; f++)
        if (member_offset(owners[FIELD_OWNERS[f]], FIELD_NAMES[f], &field_offset[f]) < 0)
            return -1;
    Py_XSETREF(record_type, (PyTypeObject *)Py_NewRef(record));
    Py_XSETREF(usage_type, (PyTypeObject *)Py_NewRef(usage));
    Py_XSETREF(open_span_type, (PyTypeObject *)Py_NewRef(open_span));
    Py_XSETREF(loop_watch_type, (PyTypeObject *)Py_NewRef(loop_watch));
    return 0;
}

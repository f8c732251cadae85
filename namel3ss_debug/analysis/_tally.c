/* Optional speedup for analyze's one pass: `Tally.feed` (tally.py, whose `feed_py` is the reference) in C, on
 * the same state, with the same answers (tests tally random runs both ways, whole and in halves, and compare
 * every figure).
 *
 * feed(tally, records) -> None, or NotImplemented (not a list of the bound record type: the caller uses the
 * reference).
 *
 * What it does itself is what every event costs: the loop, seq order, counts by type, the open spans, their
 * parents' time and critical path while children run one after another, durations and slow spans, time
 * buckets, LLM usage, call identities, repeated calls and the agents' loop watches while nothing repeats, and
 * the span ids while they come in order. For the rest it calls the Tally's own methods (tally.py, findings.py)
 * with the arguments the reference passes them: a run's start and end, a seq jump, a duplicate, an orphan, a
 * failure, an error event, a retry, a blocking span, a call near its context window, a loop, memory,
 * overlapping children (critical.attach_overlapping), and a new run. So the two share one state and one
 * meaning, and either may take any block.
 *
 * Within a block it keeps a little beside that state (`Pass`): the block's counts of event types, added to
 * `type_counts` in the order met when the block ends (`flush_types`: nothing reads them meanwhile); one tuple
 * per operation, with its parents' last-child pairs and its slowest entry (`Op`); the run's last time, written
 * to it when the block ends, when the run changes and before a method of the reference runs (`write_ts`); and
 * the last time bucket, dropped whenever a method of the reference has run since (`called`), as one may
 * coarsen the buckets.
 *
 * pack_calls(...), join_calls(...): call_columns.pack_py and join_py in C, for the join of a big run's halves
 * (`_tally_merge.h`).
 *
 * LINES: a capsule (`_scanned.h`) through which `diffing/_calls.c` reads a block of `Lines`, so that `diff`
 * scans each line once, for its figures and its calls. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_hash64.h"
#include "_members.h"
#include "_texts.h"
#include "_tally_fields.h"
#include "_tally_scan.h"

enum { START = 0, END = 1, INSTANT = 2 };
#define MAX_BUCKETS 4096
#define CONTEXT_SHARE 0.9
#define SEQ_BITS 44
#define MAX_PERIOD 3
#define TYPE_SLOTS 48
#define TYPE_TABLE 64
#define OP_TABLE 128

static PyObject *attach_overlapping, *coarsen, *heappush, *heapreplace, *array_type, *array_append, *ONE;
/* the record and usage the fields of a scanned line are put in for the loop (`fill`) */
static PyObject *scratch, *scratch_usage;

/* -- what one call of `feed` works with ------------------------------------------------------------------ */
/* An operation met in a block: its tuple, made once; what a parent's `last` becomes when a span of it ends,
 * (op, False) and (op, True), each made once; and its entry of tally.slowest, once looked up (neither the
 * loop nor a method of the reference replaces an entry once made). */
typedef struct {
    PyObject *op, *last[2], *slowest;
} Op;

typedef struct {
    PyObject *tally;
    /* the tally's dicts and lists (never replaced while a block is fed) */
    PyObject *kinds, *types, *prefixes, *counted, *durations, *slowest, *untimed, *instants, *slow, *slow_by_op,
        *models, *repeats, *repeated, *retries, *windows, *boundary;
    int ids, patterns, paths, anomalies;
    double slow_ms, block_ms;
    Py_ssize_t top;
    /* the current run */
    PyObject *run, *open, *seen, *watches, *index;
    long long index_value;
    PyObject *ends;  /* seen.ends, once a start has needed it */
    /* the event types met in this block, in the order met: their kind, and how many are not yet in the tally's
     * type_counts (`flush_types`) */
    struct { PyObject *text, *prefix; long kind; Py_ssize_t count; } types_met[TYPE_SLOTS];
    PyObject *prefix;  /* the current event's span kind (tally._prefixes[event_type]), borrowed; NULL if none */
    Op ops[OP_TABLE];  /* the (component, name, prefix) operations made in this block, by their hash */
    int ops_n;
    signed char type_at[TYPE_TABLE];  /* index in types_met by hash of the text, -1 for none */
    int types_n;
    /* the time bucket of the last ended span: run.seconds[second], while no method has been called since
     * (a method may coarsen the buckets) */
    PyObject *second, *bucket;
    unsigned long called, bucket_called;
    /* feeding a block of lines (`_tally_lines.h`): the block, and the line whose fields are in the scratch */
    struct Lines *lines;
    struct Line *line;
    /* run.last_ts, not yet written (`keep_ts`): the last ended span's or instant's time, as its line's bytes or as
     * a record's str. Written before a method of the reference runs, when the run changes and when the block
     * ends: nothing else reads it. */
    int ts_kept;
    Text ts_text;
    PyObject *ts_object;
} Pass;

static int write_ts(Pass *p);

/* -- small things ---------------------------------------------------------------------------------------- */
/* `d[key] = d.get(key, 0) + 1` */
static int count_in(PyObject *dict, PyObject *key)
{
    PyObject *old = PyDict_GetItemWithError(dict, key);
    if (old == NULL && PyErr_Occurred())
        return -1;
    PyObject *value = old == NULL ? Py_NewRef(ONE) : PyNumber_Add(old, ONE);
    if (value == NULL)
        return -1;
    int result = PyDict_SetItem(dict, key, value);
    Py_DECREF(value);
    return result;
}

/* `values.append(value)`: an array's own method called without looking it up */
static int append_to(PyObject *values, PyObject *value)
{
    PyObject *added = Py_IS_TYPE(values, (PyTypeObject *)array_type)
        ? PyObject_Vectorcall(array_append, (PyObject *[]){values, value}, 2, NULL)
        : PyObject_CallMethodOneArg(values, S_append, value);
    Py_XDECREF(added);
    return added == NULL ? -1 : 0;
}

/* `items[at] += amount` for a list of numbers */
static int add_at(PyObject *list, Py_ssize_t at, PyObject *amount)
{
    PyObject *sum = PyNumber_Add(PyList_GET_ITEM(list, at), amount);
    if (sum == NULL)
        return -1;
    PyList_SetItem(list, at, sum);
    return 0;
}

static int add_long_at(PyObject *list, Py_ssize_t at, long amount)
{
    PyObject *number = PyLong_FromLong(amount);
    if (number == NULL)
        return -1;
    int result = add_at(list, at, number);
    Py_DECREF(number);
    return result;
}

static int add_float_at(PyObject *list, Py_ssize_t at, double amount)
{
    PyObject *number = PyFloat_FromDouble(amount);
    if (number == NULL)
        return -1;
    int result = add_at(list, at, number);
    Py_DECREF(number);
    return result;
}

/* `tally.<name>(args...)`, its result dropped */
static int call_method(PyObject *object, PyObject *name, PyObject *const *args, size_t count)
{
    PyObject *stack[8];
    stack[0] = object;
    for (size_t i = 0; i < count; i++)
        if ((stack[i + 1] = args[i]) == NULL)
            return -1;  /* an argument that could not be made (`record_of`): its error is set */
    PyObject *result = PyObject_VectorcallMethod(name, stack, count + 1, NULL);
    if (result == NULL)
        return -1;
    Py_DECREF(result);
    return 0;
}

/* `CALL(p, object, name, args...)`: a method of the reference, which may change any of the state */
#define CALL(p, object, name, ...) (write_ts(p) < 0 ? -1 : ((p)->called++, \
    call_method((object), (name), (PyObject *[]){__VA_ARGS__}, sizeof((PyObject *[]){__VA_ARGS__}) / sizeof(PyObject *))))

static PyObject *reference(Pass *p, PyObject *seq)
{
    return PyLong_FromLongLong(p->index_value << SEQ_BITS | PyLong_AsLongLong(seq));
}

/* The event's operation, (component, name, tally._prefixes[event_type]): a new reference, and its place in the
 * block's table in *slot (NULL when the table has no room). The same tuple for each event of an operation in a
 * block (so the dicts keyed by it find it by identity), while the table has room. */
static PyObject *op_of(Pass *p, PyObject *event, PyObject *event_type, Op **slot)
{
    *slot = NULL;
    PyObject *prefix = p->prefix != NULL ? p->prefix : PyDict_GetItemWithError(p->prefixes, event_type);
    if (prefix == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetObject(PyExc_KeyError, event_type);
        return NULL;
    }
    PyObject *component = FIELD(event, R_COMPONENT), *name = FIELD(event, R_NAME);
    uint64_t hash = texts_hash((PyObject *[]){component, name}, 2) ^ (uintptr_t)prefix;
    for (size_t at = (size_t)hash & (OP_TABLE - 1);; at = (at + 1) & (OP_TABLE - 1)) {
        PyObject *op = p->ops[at].op;
        if (op == NULL) {
            op = PyTuple_Pack(3, component, name, prefix);
            if (op != NULL && p->ops_n < OP_TABLE * 3 / 4) {
                p->ops[at].op = Py_NewRef(op);
                p->ops_n++;
                *slot = &p->ops[at];
            }
            return op;
        }
        if (PyTuple_GET_ITEM(op, 2) == prefix && same_text(PyTuple_GET_ITEM(op, 0), component)
            && same_text(PyTuple_GET_ITEM(op, 1), name)) {
            *slot = &p->ops[at];
            return Py_NewRef(op);
        }
    }
}

/* (op, failed): what a parent's `last` becomes when a span of `op` ends (a new reference) */
static PyObject *last_of(Op *slot, PyObject *op, int failed)
{
    if (slot == NULL)
        return PyTuple_Pack(2, op, failed ? Py_True : Py_False);
    if (slot->last[failed] == NULL)
        slot->last[failed] = PyTuple_Pack(2, op, failed ? Py_True : Py_False);
    return Py_XNewRef(slot->last[failed]);
}

/* A span id, as SpanIds.add keeps it: the next of a run of the tracer's hex ids here, any other through the
 * method. 1 if new, 0 if seen before, -1 on error. */
static int seen_add(Pass *p, PyObject *span_id)
{
    if (PyUnicode_GET_LENGTH(span_id) == 16 && PyUnicode_IS_ASCII(span_id)) {
        const unsigned char *text = PyUnicode_1BYTE_DATA(span_id);
        uint64_t number = 0;
        int hex = 1;
        for (int i = 0; i < 16 && hex; i++) {
            unsigned char c = text[i];
            unsigned digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
            hex = digit < 16;
            number = number << 4 | digit;
        }
        if (hex) {
            if (p->ends == NULL && (p->ends = PyObject_GetAttr(p->seen, S_ends)) == NULL)
                return -1;  /* kept for the run: SpanIds changes its lists in place */
            PyObject *ends = p->ends;
            Py_ssize_t size = PyList_Check(ends) ? PyList_GET_SIZE(ends) : 0;
            if (size > 0) {
                unsigned long long last = PyLong_AsUnsignedLongLong(PyList_GET_ITEM(ends, size - 1));
                if (last == (unsigned long long)-1 && PyErr_Occurred())
                    PyErr_Clear();
                else if (last != UINT64_MAX && number == last + 1) {
                    PyObject *value = PyLong_FromUnsignedLongLong(number);
                    if (value == NULL)
                        return -1;
                    PyList_SetItem(ends, size - 1, value);
                    return 1;
                }
            }
        }
    }
    p->called++;
    PyObject *added = PyObject_CallMethodOneArg(p->seen, S_add, span_id);
    if (added == NULL)
        return -1;
    int result = PyObject_IsTrue(added);
    Py_DECREF(added);
    return result;
}

/* The run's state in `p`; the caller has written back the one it leaves. */
static int take_run(Pass *p, PyObject *run)
{
    Py_CLEAR(p->ends);
    Py_CLEAR(p->second);
    Py_CLEAR(p->bucket);
    Py_CLEAR(p->open);
    Py_CLEAR(p->seen);
    Py_CLEAR(p->watches);
    Py_CLEAR(p->index);
    Py_XSETREF(p->run, Py_NewRef(run));
    if ((p->open = PyObject_GetAttr(run, S_open)) == NULL || (p->seen = PyObject_GetAttr(run, S_seen)) == NULL
        || (p->watches = PyObject_GetAttr(run, S_watches)) == NULL
        || (p->index = PyObject_GetAttr(run, S_index)) == NULL)
        return -1;
    if (!PyDict_CheckExact(p->open) || !PyDict_Check(p->watches)) {
        PyErr_SetString(PyExc_TypeError, "a run's open spans, watches and agent names must be dicts");
        return -1;
    }
    p->index_value = PyLong_AsLongLong(p->index);
    return p->index_value == -1 && PyErr_Occurred() ? -1 : 0;
}

/* The 64-bit hash (`_hash64.h`) of a call's inputs as written: its identity hashes this in place of the text, so
 * the text is neither copied nor run through SipHash (`digest`, for the reference) */
static PyObject *digest_of(const Py_buffer *view)
{
    return PyLong_FromUnsignedLongLong(hash64(view->buf, (size_t)view->len));
}

#include "_tally_texts.h"
#include "_tally_counts.h"
#include "_tally_lines.h"
#include "_tally_record.h"

/* The event's time as run.last_ts will be: kept, and written by `write_ts` */
static void keep_ts(Pass *p, PyObject *event)
{
    if (event == scratch) {
        p->ts_text = p->line->fields.ts;
        Py_CLEAR(p->ts_object);
    }
    else
        Py_XSETREF(p->ts_object, Py_NewRef(FIELD(event, R_TS)));
    p->ts_kept = 1;
}

/* run.last_ts = the time `keep_ts` kept, if any */
static int write_ts(Pass *p)
{
    if (!p->ts_kept)
        return 0;
    p->ts_kept = 0;
    PyObject *ts = p->ts_object != NULL ? p->ts_object : ts_of(p->ts_text);
    int failed = ts == NULL || PyObject_SetAttr(p->run, S_last_ts, ts) < 0;
    Py_CLEAR(p->ts_object);
    return failed ? -1 : 0;
}
#include "_tally_spans.h"
#include "_tally_merge.h"

/* -- the loop -------------------------------------------------------------------------------------------- */
static int take_tally(Pass *p, PyObject *tally)
{
    static PyObject **const names[] = {&S__kinds, &S_type_counts, &S__prefixes, &S_durations, &S_slowest,
                                       &S_untimed, &S_instants, &S_slow, &S_slow_by_op, &S_models, &S_repeats,
                                       &S_repeated, &S_retries, &S__windows, &S_boundary};
    PyObject **const slots[] = {&p->kinds, &p->types, &p->prefixes, &p->durations, &p->slowest, &p->untimed,
                                &p->instants, &p->slow, &p->slow_by_op, &p->models, &p->repeats, &p->repeated,
                                &p->retries, &p->windows, &p->boundary};
    p->tally = tally;
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
        if ((*slots[i] = PyObject_GetAttr(tally, *names[i])) == NULL)
            return -1;
    if (p->boundary == Py_None)
        Py_CLEAR(p->boundary);
    PyObject *options = PyObject_GetAttr(tally, S_options);
    if (options == NULL)
        return -1;
    p->counted = PyObject_GetAttr(options, S_counted);
    PyObject *top = PyObject_GetAttr(options, S_top);
    Py_DECREF(options);
    if (p->counted == NULL || top == NULL) {
        Py_XDECREF(top);
        return -1;
    }
    if (p->counted == Py_None)
        Py_CLEAR(p->counted);
    p->top = PyLong_AsSsize_t(top);
    Py_DECREF(top);
    if (p->top == -1 && PyErr_Occurred())
        return -1;
    static PyObject **const flag_names[] = {&S__ids, &S__patterns, &S__paths, &S__anomalies};
    int *const flags[] = {&p->ids, &p->patterns, &p->paths, &p->anomalies};
    for (int i = 0; i < 4; i++) {
        PyObject *flag = PyObject_GetAttr(tally, *flag_names[i]);
        if (flag == NULL)
            return -1;
        *flags[i] = PyObject_IsTrue(flag);
        Py_DECREF(flag);
        if (*flags[i] < 0)
            return -1;
    }
    static PyObject **const limit_names[] = {&S__slow_ms, &S__block_ms};
    double *const limits[] = {&p->slow_ms, &p->block_ms};
    for (int i = 0; i < 2; i++) {
        PyObject *limit = PyObject_GetAttr(tally, *limit_names[i]);
        if (limit == NULL)
            return -1;
        *limits[i] = PyFloat_AsDouble(limit);
        Py_DECREF(limit);
        if (*limits[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    PyObject *checks[] = {p->kinds, p->types, p->prefixes, p->durations, p->slowest, p->untimed, p->instants,
                          p->slow_by_op, p->models, p->repeated, p->retries, p->windows};
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        if (!PyDict_Check(checks[i]) || !(PyDict_Check(p->repeats) || Py_IS_TYPE(p->repeats, &CallCountsType))) {
            PyErr_SetString(PyExc_TypeError, "the tally's counts must be dicts (or CallCounts)");
            return -1;
        }
    if (!PyList_Check(p->slow)) {
        PyErr_SetString(PyExc_TypeError, "the tally's slow spans must be a list");
        return -1;
    }
    return 0;
}

static void release(Pass *p)
{
    for (int at = 0; at < OP_TABLE; at++) {
        Py_CLEAR(p->ops[at].op);
        Py_CLEAR(p->ops[at].last[0]);
        Py_CLEAR(p->ops[at].last[1]);
        Py_CLEAR(p->ops[at].slowest);
    }
    Py_CLEAR(p->ts_object);
    PyObject **all[] = {&p->kinds, &p->types, &p->prefixes, &p->counted, &p->durations, &p->slowest, &p->untimed,
                        &p->instants, &p->slow, &p->slow_by_op, &p->models, &p->repeats, &p->repeated, &p->retries,
                        &p->windows, &p->boundary, &p->run, &p->open, &p->seen, &p->watches,
                        &p->index, &p->ends, &p->second, &p->bucket};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        Py_CLEAR(*all[i]);
}

/* run.next_seq, run.events and run.last_ts as the loop leaves them */
static int write_back(Pass *p, int has_expected, long long expected, Py_ssize_t count)
{
    if (write_ts(p) < 0)
        return -1;
    PyObject *next = has_expected ? PyLong_FromLongLong(expected) : Py_NewRef(Py_None);
    if (next == NULL)
        return -1;
    int failed = PyObject_SetAttr(p->run, S_next_seq, next);
    Py_DECREF(next);
    if (failed)
        return -1;
    return add_to(p->run, S_events, count);
}

/* `expected` from run.next_seq: 0 when it is None */
static int read_expected(Pass *p, long long *expected)
{
    PyObject *next = PyObject_GetAttr(p->run, S_next_seq);
    if (next == NULL)
        return -1;
    int has = next != Py_None;
    if (has)
        *expected = PyLong_AsLongLong(next);
    Py_DECREF(next);
    if (has && *expected == -1 && PyErr_Occurred())
        return -1;
    return has;
}

/* -- event types: counted in the block's table, added to the tally's counts when the block ends ---------- */
/* where a type goes in the table: its length and three of its bytes (not `texts_hash`, which would read every
 * byte of every event's type) */
static int type_place(PyObject *text)
{
    const unsigned char *data = PyUnicode_DATA(text);
    size_t size = (size_t)PyUnicode_GET_LENGTH(text) * PyUnicode_KIND(text);
    unsigned hash = (unsigned)size * 31u;
    if (size > 0)
        hash += data[0] * 7u + data[size - 1] * 3u + data[size / 2];
    return (int)(hash & (TYPE_TABLE - 1));
}

/* tally._kinds[event_type], or Tally._kind(event_type) for a type not met before */
static long kind_of(Pass *p, PyObject *event_type)
{
    PyObject *kind = PyDict_GetItemWithError(p->kinds, event_type);
    if (kind == NULL) {
        if (PyErr_Occurred())
            return -1;
        p->called++;
        kind = PyObject_CallMethodOneArg(p->tally, S__kind, event_type);
        if (kind == NULL)
            return -1;
    }
    else
        Py_INCREF(kind);
    long which = PyLong_AsLong(kind);
    Py_DECREF(kind);
    return which;
}

/* the table's counts added to the tally's, in the order the types were met (a type's first event places it) */
static int flush_types(Pass *p)
{
    int result = 0;
    for (int slot = 0; slot < p->types_n; slot++) {
        PyObject *text = p->types_met[slot].text;
        if (result == 0) {
            PyObject *old = PyDict_GetItemWithError(p->types, text), *count;
            count = old == NULL && PyErr_Occurred() ? NULL : PyLong_FromSsize_t(p->types_met[slot].count);
            PyObject *total = count == NULL ? NULL : old == NULL ? Py_NewRef(count) : PyNumber_Add(old, count);
            result = total == NULL || PyDict_SetItem(p->types, text, total) < 0 ? -1 : 0;
            Py_XDECREF(count);
            Py_XDECREF(total);
        }
        Py_DECREF(text);
        Py_XDECREF(p->types_met[slot].prefix);
    }
    p->types_n = 0;
    p->prefix = NULL;
    memset(p->type_at, -1, sizeof p->type_at);
    return result;
}

/* `types[event_type] += 1`, in the table, and the type's kind: -1 on error */
static long count_type(Pass *p, PyObject *event_type)
{
    int at = type_place(event_type);
    for (int slot; (slot = p->type_at[at]) >= 0; at = (at + 1) & (TYPE_TABLE - 1))
        if (same_text(p->types_met[slot].text, event_type)) {
            p->types_met[slot].count++;
            p->prefix = p->types_met[slot].prefix;
            return p->types_met[slot].kind;
        }
    long kind = kind_of(p, event_type);
    if (kind == -1 && PyErr_Occurred())
        return -1;
    if (p->types_n == TYPE_SLOTS) {  /* no room: the counts so far go to the tally (in order), and room is made */
        if (flush_types(p) < 0)
            return -1;
        at = type_place(event_type);
    }
    PyObject *prefix = PyDict_GetItemWithError(p->prefixes, event_type);
    if (prefix == NULL && PyErr_Occurred())
        return -1;
    int slot = p->types_n++;
    p->types_met[slot].text = Py_NewRef(event_type);
    p->types_met[slot].prefix = p->prefix = Py_XNewRef(prefix);
    p->types_met[slot].kind = kind;
    p->types_met[slot].count = 1;
    p->type_at[at] = (signed char)slot;
    return kind;
}

static int one_event(Pass *p, PyObject *event, Py_ssize_t *used)
{
    long which = count_type(p, FIELD(event, R_EVENT_TYPE));
    if (which == -1)
        return -1;
    int use = 1;
    if (p->counted != NULL) {
        p->called++;
        PyObject *record = record_of(p, event);
        PyObject *verdict = record == NULL ? NULL : PyObject_CallOneArg(p->counted, record);
        if (verdict == NULL)
            return -1;
        use = PyObject_IsTrue(verdict);
        Py_DECREF(verdict);
        if (use < 0)
            return -1;
    }
    *used += use;
    if (which == END && same_text(FIELD(event, R_EVENT_TYPE), T_app_load_end))  /* a start-up's, maybe: one a run */
        return CALL(p, p->tally, S__end, p->run, record_of(p, event), USE(use));
    if (which == END)
        return on_end(p, event, use);
    if (which == START)
        return on_start(p, event, use);
    return on_instant(p, event, use);
}

/* event `i` of a list of records, or of a block of lines (its record, or the scratch holding its fields): new */
static PyObject *event_at(Pass *p, PyObject *records, Py_ssize_t i)
{
    if (p->lines == NULL)
        return Py_NewRef(PyList_GET_ITEM(records, i));
    Line *line = &p->lines->lines[i];
    p->line = line;
    return Py_XNewRef(line->record != NULL ? line->record : fill(p, line));
}

static int feed_records(Pass *p, PyObject *records)
{
    PyObject *run_id = NULL;
    long long expected = 0;
    Py_ssize_t count = 0, used = 0;
    int has_expected = read_expected(p, &expected);
    if (has_expected < 0 || (run_id = PyObject_GetAttr(p->run, S_run_id)) == NULL)
        return -1;
    Py_ssize_t events = p->lines != NULL ? p->lines->count : PyList_GET_SIZE(records);
    for (Py_ssize_t i = 0; i < events; i++) {
        PyObject *event = event_at(p, records, i);  /* a reference: a method called below could change the list */
        if (event == NULL) {
            Py_DECREF(run_id);
            return -1;
        }
        PyObject *event_run = FIELD(event, R_RUN_ID);
        if (!PyUnicode_Check(run_id) || !same_text(event_run, run_id)) {
            PyObject *switched = NULL;
            if (write_back(p, has_expected, expected, count) < 0
                || (p->called++, switched = PyObject_CallMethodOneArg(p->tally, S__switch, event_run)) == NULL
                || take_run(p, switched) < 0 || (has_expected = read_expected(p, &expected)) < 0) {
                Py_XDECREF(switched);
                goto error;
            }
            Py_DECREF(switched);
            count = 0;
            Py_SETREF(run_id, PyObject_GetAttr(p->run, S_run_id));
            if (run_id == NULL)
                goto error;
        }
        PyObject *seq = FIELD(event, R_SEQ);
        long long seq_value = PyLong_AsLongLong(seq);
        if (seq_value == -1 && PyErr_Occurred())
            goto error;
        if (!has_expected || seq_value != expected) {
            PyObject *was = has_expected ? PyLong_FromLongLong(expected) : Py_NewRef(Py_None);
            int failed = was == NULL || CALL(p, p->tally, S__seq_jump, p->run, record_of(p, event), was) < 0;
            Py_XDECREF(was);
            if (failed)
                goto error;
        }
        expected = seq_value + 1;
        has_expected = 1;
        count++;
        if (one_event(p, event, &used) < 0)
            goto error;
        Py_DECREF(event);
        continue;
    error:
        Py_DECREF(event);
        Py_XDECREF(run_id);
        return -1;
    }
    Py_DECREF(run_id);
    if (write_back(p, has_expected, expected, count) < 0 || PyObject_SetAttr(p->tally, S_run, p->run) < 0)
        return -1;
    return add_to(p->tally, S_analyzed, used);
}

static PyObject *feed(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "feed(tally, records)");
        return NULL;
    }
    PyObject *tally = args[0], *records = args[1];
    int lines = Py_IS_TYPE(records, &LinesType);
    if (record_type == NULL || (!lines && !PyList_CheckExact(records)))
        Py_RETURN_NOTIMPLEMENTED;
    for (Py_ssize_t i = 0; !lines && i < PyList_GET_SIZE(records); i++)
        if (Py_TYPE(PyList_GET_ITEM(records, i)) != record_type)
            Py_RETURN_NOTIMPLEMENTED;
    for (Py_ssize_t i = 0; lines && i < ((Lines *)records)->count; i++)
        if (((Lines *)records)->lines[i].record != NULL && Py_TYPE(((Lines *)records)->lines[i].record) != record_type)
            Py_RETURN_NOTIMPLEMENTED;
    PyObject *run = PyObject_GetAttr(tally, S_run);
    if (run == NULL)
        return NULL;
    if (run == Py_None) {
        Py_DECREF(run);
        Py_RETURN_NOTIMPLEMENTED;
    }
    Pass p = {0};
    memset(p.type_at, -1, sizeof p.type_at);
    p.lines = lines ? (Lines *)records : NULL;
    int failed = take_tally(&p, tally) < 0 || take_run(&p, run) < 0 || feed_records(&p, records) < 0;
    if (p.types != NULL) {  /* what was counted, whatever happened */
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        failed |= flush_types(&p) < 0;
        if (type != NULL)
            PyErr_Restore(type, value, traceback);
    }
    Py_DECREF(run);
    release(&p);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

/* digest(inputs) -> int: `digest_of`, for Tally.feed_py */
static PyObject *digest(PyObject *module, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *result = digest_of(&view);
    PyBuffer_Release(&view);
    return result;
}

/* bind(record, usage, open span, loop watch, attach_overlapping, coarsen): the types whose fields are read at
 * their offsets, and the functions of the reference called for the general cases. */
static PyObject *bind(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "bind(record, usage, open_span, loop_watch, attach_overlapping, coarsen)");
        return NULL;
    }
    if (bind_fields(args[0], args[1], args[2], args[3]) < 0)
        return NULL;
    Py_XSETREF(attach_overlapping, Py_NewRef(args[4]));
    Py_XSETREF(coarsen, Py_NewRef(args[5]));
    PyObject *empty = PyUnicode_New(0, 0), *zero = PyLong_FromLong(0);
    PyObject *fields[] = {ONE, empty, zero, empty, empty, empty, empty, empty, Py_None, empty};
    PyObject *record = empty == NULL || zero == NULL ? NULL : PyObject_Vectorcall(args[0], fields, 10, NULL);
    Py_XDECREF(empty);
    Py_XDECREF(zero);
    if (record == NULL)
        return NULL;
    Py_XSETREF(scratch, record);
    Py_XSETREF(scratch_usage, PyObject_CallNoArgs(args[1]));
    if (scratch_usage == NULL)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"feed", (PyCFunction)(void (*)(void))feed, METH_FASTCALL, "Tally.feed in C: None, or NotImplemented."},
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL, "The types and functions feed works with."},
    {"digest", digest, METH_O, "The 64-bit hash of a call's inputs, as an int."},
    {"lines", (PyCFunction)(void (*)(void))lines_new, METH_FASTCALL,
     "lines(decoder, data): a block of lines for feed, a sequence of the records decoder makes of them."},
    {"pack_calls", (PyCFunction)(void (*)(void))pack_calls, METH_FASTCALL,
     "call_columns.pack_py in C: a boundary pass's call identities put in columns."},
    {"join_calls", (PyCFunction)(void (*)(void))join_calls, METH_FASTCALL,
     "call_columns.join_py in C: the second half's call identities joined to the first's."},
    {"scan", scan_line, METH_O, "scan(line) -> the fields the pass reads of one line, or None: not sure of it."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_tally", NULL, -1, methods};

PyMODINIT_FUNC PyInit__tally(void)
{
    if (make_strings() < 0)
        return NULL;
    PyObject *heapq = PyImport_ImportModule("heapq");
    if (heapq == NULL)
        return NULL;
    heappush = PyObject_GetAttrString(heapq, "heappush");
    heapreplace = PyObject_GetAttrString(heapq, "heapreplace");
    Py_DECREF(heapq);
    PyObject *array = PyImport_ImportModule("array");
    if (array == NULL)
        return NULL;
    array_type = PyObject_GetAttrString(array, "array");
    Py_DECREF(array);
    array_append = array_type == NULL ? NULL : PyObject_GetAttrString(array_type, "append");
    ONE = PyLong_FromLong(1);
    if (heappush == NULL || heapreplace == NULL || array_type == NULL || array_append == NULL || ONE == NULL
        || PyType_Ready(&LinesType) < 0 || PyType_Ready(&CallCountsType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    PyObject *capsule = module == NULL ? NULL : PyCapsule_New(&lines_api, LINES_CAPSULE, NULL);
    if (capsule == NULL || PyModule_AddObjectRef(module, "Lines", (PyObject *)&LinesType) < 0
        || PyModule_AddObjectRef(module, "CallCounts", (PyObject *)&CallCountsType) < 0
        || PyModule_AddObjectRef(module, "LINES", capsule) < 0)
        Py_CLEAR(module);
    Py_XDECREF(capsule);
    return module;
}

/* Optional speedup for `check`'s hot loop: `EventScan._see_all` (checks/scan.py, the reference) in C, for a block
 * read whole (line k of the block being record k): a list of records, or the lines analyze's scan reads in place
 * (`_tally.Lines`, what `check` reads: `_see_event.h` reads an event from either, and makes a line's record only
 * for a method of the scan).
 *
 * see_all(scan, records, path, first_line) -> None
 *
 * What it does itself is what most events cost: finding the event's plan, and the events a rule only counts
 * (a spec or a call limit whose examples are all kept, an order the event cannot advance, a span end under every
 * latency limit, an LLM call smaller than the biggest kept). Whatever else an event asks (a failure, the first
 * occurrence of an operation, an example to keep, the run's end) goes to the scan's own method, with the same
 * arguments the reference passes. So the two keep one state, and tests compare them on random runs and rules.
 *
 * bind(record type, max events, `_tally.LINES` or None) once: the record's fields are read at their offsets, and
 * a block of lines through the capsule. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "_members.h"
#include "_texts.h"
#include "_scanned.h"
#include "_see_event.h"

#define PLAN_TABLE 256

static Py_ssize_t max_events;
static PyObject *lines_capsule;

static PyObject *S_count, *S_events, *S_start, *S_matched, *S_labelled, *S_busy, *S_occurrence, *S_end, *S_run_end,
    *S_specs, *S_orders, *S_latency, *S_calls, *S_llm, *S__plans, *S__plan, *S__failure, *S__occurrence,
    *S__span_end, *S__run_end, *S__last, *S_biggest_llm_calls, *ONE, *BILLION, *ZERO_FLOAT;

/* A plan met in this block: the scan's `_Plan` (borrowed: the scan's dict holds it) and what the loop reads of
 * it. `labelled` and `busy` change only in the scan's `_occurrence`, after which they are read again. */
typedef struct {
    PyObject *event_type, *component, *name, *plan;
    PyObject *specs, *orders, *latency, *calls;
    int occurrence, end, run_end, llm, labelled, busy;
} Plan;

typedef struct {
    PyObject *scan, *plans, *biggest, *path;
    Plan table[PLAN_TABLE];
    Plan spare;  /* a plan met when the table has no room: looked up again each time */
    int used;
} See;

static int flag(PyObject *object, PyObject *name, int *value)
{
    PyObject *found = PyObject_GetAttr(object, name);
    if (found == NULL)
        return -1;
    *value = PyObject_IsTrue(found);
    Py_DECREF(found);
    return *value < 0 ? -1 : 0;
}

/* `labelled` and `busy`, read again */
static int refresh(Plan *plan)
{
    return flag(plan->plan, S_labelled, &plan->labelled) < 0 || flag(plan->plan, S_busy, &plan->busy) < 0 ? -1 : 0;
}

static void clear_plan(Plan *slot)
{
    PyObject **refs[] = {&slot->event_type, &slot->component, &slot->name, &slot->specs, &slot->orders,
                         &slot->latency, &slot->calls};
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
        Py_CLEAR(*refs[i]);
    slot->plan = NULL;
}

static int fill_plan(Plan *slot, PyObject *plan)
{
    slot->plan = plan;
    PyObject **const lists[] = {&slot->specs, &slot->orders, &slot->latency, &slot->calls};
    PyObject *const names[] = {S_specs, S_orders, S_latency, S_calls};
    for (int i = 0; i < 4; i++) {
        PyObject *value = PyObject_GetAttr(plan, names[i]);
        if (value == NULL)
            return -1;
        *lists[i] = value;  /* the plan keeps it too: dropped again by `release` */
    }
    if (!PyList_Check(slot->specs) || !PyList_Check(slot->orders) || !PyList_Check(slot->latency)) {
        PyErr_SetString(PyExc_TypeError, "a plan's specs, orders and latency must be lists");
        return -1;
    }
    int *const flags[] = {&slot->occurrence, &slot->end, &slot->run_end, &slot->llm};
    PyObject *const flag_names[] = {S_occurrence, S_end, S_run_end, S_llm};
    for (int i = 0; i < 4; i++)
        if (flag(plan, flag_names[i], flags[i]) < 0)
            return -1;
    return refresh(slot);
}

/* the event's plan: from the block's table, else the scan's `_plans` (made by `_plan` when new); NULL on error */
static Plan *plan_of(See *s, Event *e)
{
    Text raw[3];
    uint64_t raw_hash;
    if (event_raw_texts(e, raw, &raw_hash))  /* found by the line's bytes: no str made */
        for (size_t at = (size_t)raw_hash & (PLAN_TABLE - 1); s->table[at].plan != NULL;
             at = (at + 1) & (PLAN_TABLE - 1)) {
            Plan *slot = &s->table[at];
            if (holds_ascii(slot->event_type, raw[0]) && holds_ascii(slot->component, raw[1])
                && holds_ascii(slot->name, raw[2]))
                return slot;
        }
    PyObject *const *texts = event_texts(e);
    if (texts == NULL)
        return NULL;
    for (int i = 0; i < 3; i++)
        if (!PyUnicode_Check(texts[i])) {
            PyErr_SetString(PyExc_TypeError, "an event's type, component and name must be str");
            return NULL;
        }
    size_t at = (size_t)texts_hash(texts, 3) & (PLAN_TABLE - 1);
    for (;; at = (at + 1) & (PLAN_TABLE - 1)) {
        Plan *slot = &s->table[at];
        if (slot->plan == NULL)
            break;
        if (same_text(slot->event_type, texts[0]) && same_text(slot->component, texts[1])
            && same_text(slot->name, texts[2]))
            return slot;
    }
    PyObject *key = PyTuple_Pack(3, texts[0], texts[1], texts[2]);
    if (key == NULL)
        return NULL;
    PyObject *plan = PyDict_GetItemWithError(s->plans, key);
    Py_DECREF(key);
    if (plan == NULL) {
        if (PyErr_Occurred())
            return NULL;
        PyObject *made = PyObject_CallMethodObjArgs(s->scan, S__plan, texts[0], texts[1], texts[2], NULL);
        if (made == NULL)
            return NULL;
        Py_DECREF(made);  /* `_plan` keeps it in `_plans` */
        key = PyTuple_Pack(3, texts[0], texts[1], texts[2]);
        plan = key == NULL ? NULL : PyDict_GetItemWithError(s->plans, key);
        Py_XDECREF(key);
        if (plan == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_KeyError, "a plan the scan made is not in its plans");
            return NULL;
        }
    }
    Plan *slot = s->used < PLAN_TABLE * 3 / 4 ? &s->table[at] : &s->spare;
    if (slot == &s->spare)
        clear_plan(slot);
    else {
        s->used++;
        slot->event_type = Py_NewRef(texts[0]);
        slot->component = Py_NewRef(texts[1]);
        slot->name = Py_NewRef(texts[2]);
    }
    if (fill_plan(slot, plan) < 0)
        return NULL;
    return slot;
}

/* `len(found.events) >= max_events`: its examples all kept, an event only counts; -1 on error */
static int full(PyObject *found)
{
    PyObject *events = PyObject_GetAttr(found, S_events);
    if (events == NULL)
        return -1;
    Py_ssize_t size = PyObject_Length(events);
    Py_DECREF(events);
    return size < 0 ? -1 : size >= max_events;
}

/* Whether an occurrence of a busy, labelled plan only counts (1), or asks for more (0): each spec's examples
 * all kept, no order it can advance, its call limit not passed or its examples all kept; -1 on error */
static int only_counts(Plan *plan)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(plan->specs); i++) {
        int done = full(PyList_GET_ITEM(plan->specs, i));
        if (done <= 0)
            return done;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(plan->orders); i++) {
        PyObject *pair = PyList_GET_ITEM(plan->orders, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 || !PyList_Check(PyTuple_GET_ITEM(pair, 1)))
            return 0;
        PyObject *order = PyTuple_GET_ITEM(pair, 0), *covered = PyTuple_GET_ITEM(pair, 1);
        PyObject *start = PyObject_GetAttr(order, S_start), *matched = PyObject_GetAttr(order, S_matched);
        Py_ssize_t size = matched == NULL ? -1 : PyObject_Length(matched);
        Py_ssize_t first = start == NULL ? -1 : PyLong_AsSsize_t(start);
        Py_XDECREF(start);
        Py_XDECREF(matched);
        if (size < 0 || (first == -1 && PyErr_Occurred()))
            return -1;
        Py_ssize_t at = first + size;
        if (at >= 0 && at < PyList_GET_SIZE(covered)) {
            int covers = PyObject_IsTrue(PyList_GET_ITEM(covered, at));
            if (covers != 0)
                return covers < 0 ? -1 : 0;
        }
    }
    if (plan->calls != Py_None) {
        if (!PyTuple_Check(plan->calls) || PyTuple_GET_SIZE(plan->calls) != 2)
            return 0;
        PyObject *limit = PyTuple_GET_ITEM(plan->calls, 0), *found = PyTuple_GET_ITEM(plan->calls, 1);
        PyObject *count = PyObject_GetAttr(found, S_count);
        PyObject *next = count == NULL ? NULL : PyNumber_Add(count, ONE);
        Py_XDECREF(count);
        int over = next == NULL ? -1 : PyObject_RichCompareBool(next, limit, Py_GT);
        Py_XDECREF(next);
        if (over < 0)
            return -1;
        if (over) {
            int done = full(found);
            if (done <= 0)
                return done;
        }
    }
    return 1;
}

/* what `_occurrence` does when it only counts */
static int count_occurrence(Plan *plan)
{
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(plan->specs); i++)
        if (add_to(PyList_GET_ITEM(plan->specs, i), S_count, 1) < 0)
            return -1;
    return plan->calls != Py_None ? add_to(PyTuple_GET_ITEM(plan->calls, 1), S_count, 1) : 0;
}

/* What a span's end asks: nothing (NOTHING), or only to be counted among the LLM calls (COUNTED: an LLM call
 * with a size or a cost, smaller than the biggest kept), or more (HAND_OVER: over a latency limit, or among the
 * biggest LLM calls); -1 on error */
enum { HAND_OVER, NOTHING, COUNTED };

/* Whether the span's duration is over one of the plan's latency limits: 1, 0, or -1 on error */
static int over_latency(Plan *plan, Event *e)
{
    if (PyList_GET_SIZE(plan->latency) == 0)
        return 0;
    PyObject *duration = event_duration(e);
    if (duration == NULL)
        return -1;
    int over = 0;
    for (Py_ssize_t i = 0; duration != Py_None && over == 0 && i < PyList_GET_SIZE(plan->latency); i++) {
        PyObject *pair = PyList_GET_ITEM(plan->latency, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2)
            over = 1;  /* not a limit this code knows: the scan's method decides */
        else
            over = PyObject_RichCompareBool(duration, PyTuple_GET_ITEM(pair, 0), Py_GT);
    }
    Py_DECREF(duration);
    return over;
}

static int end_asks(See *s, Plan *plan, Event *e)
{
    int over = over_latency(plan, e);
    if (over != 0)
        return over < 0 ? -1 : HAND_OVER;
    if (!plan->llm)
        return NOTHING;
    /* size = usage.total if usage is not None else 0; cost = cost_usd or 0.0 */
    PyObject *size = event_size(e), *cost = event_cost(e);
    int has_cost = cost == NULL ? -1 : PyObject_IsTrue(cost);
    int has_size = size == NULL ? -1 : PyObject_IsTrue(size);
    PyObject *scaled = has_cost < 0 || has_size < 0 || (!has_size && !has_cost) ? NULL
        : PyNumber_Multiply(has_cost ? cost : ZERO_FLOAT, BILLION);
    PyObject *key = scaled == NULL ? NULL : PyNumber_Add(scaled, size);
    Py_XDECREF(scaled);
    Py_XDECREF(size);
    Py_XDECREF(cost);
    if (key == NULL)
        return PyErr_Occurred() ? -1 : NOTHING;
    /* add_largest keeps it while the heap has room, or when key >= the smallest kept */
    PyObject *events = PyObject_GetAttr(s->biggest, S_events);
    int result = events == NULL ? -1 : HAND_OVER;
    if (events != NULL && PyList_Check(events) && PyList_GET_SIZE(events) >= max_events) {
        PyObject *least = PyList_GET_ITEM(events, 0);
        if (PyTuple_Check(least) && PyTuple_GET_SIZE(least) > 0) {
            int kept = PyObject_RichCompareBool(key, PyTuple_GET_ITEM(least, 0), Py_GE);
            result = kept < 0 ? -1 : kept ? HAND_OVER : COUNTED;
        }
    }
    Py_XDECREF(events);
    Py_DECREF(key);
    return result;
}

static PyObject *place_of(See *s, PyObject *record, long long line)
{
    PyObject *number = PyLong_FromLongLong(line);
    PyObject *place = number == NULL ? NULL : PyTuple_Pack(3, record, s->path, number);
    Py_XDECREF(number);
    return place;
}

/* `scan.<method>(record, (record, path, line), plan)` */
static int hand_over(See *s, PyObject *method, Event *e, long long line, Plan *plan)
{
    PyObject *record = event_record(e);
    PyObject *place = record == NULL ? NULL : place_of(s, record, line);
    if (place == NULL)
        return -1;
    PyObject *done = PyObject_CallMethodObjArgs(s->scan, method, record, place, plan->plan, NULL);
    Py_DECREF(place);
    Py_XDECREF(done);
    return done == NULL ? -1 : 0;
}

static int one_event(See *s, Event *e, long long line)
{
    Plan *plan = plan_of(s, e);
    if (plan == NULL)
        return -1;
    if (event_failed(e) && hand_over(s, S__failure, e, line, plan) < 0)
        return -1;
    if (plan->occurrence) {
        if (!plan->busy)
            return 0;
        int counts = plan->labelled ? only_counts(plan) : 0;
        if (counts < 0)
            return -1;
        if (counts)
            return count_occurrence(plan);
        return hand_over(s, S__occurrence, e, line, plan) < 0 || refresh(plan) < 0 ? -1 : 0;
    }
    if (plan->end) {
        if (PyList_GET_SIZE(plan->latency) == 0 && !plan->llm)
            return 0;
        int asks = end_asks(s, plan, e);
        if (asks < 0)
            return -1;
        if (asks == HAND_OVER)
            return hand_over(s, S__span_end, e, line, plan);
        return asks == COUNTED ? add_to(s->biggest, S_count, 1) : 0;
    }
    if (plan->run_end) {
        PyObject *seen = PyObject_GetAttr(s->scan, S__run_end);
        if (seen == NULL)
            return -1;
        int unset = seen == Py_None;
        Py_DECREF(seen);
        if (unset) {
            PyObject *record = event_record(e);
            PyObject *place = record == NULL ? NULL : place_of(s, record, line);
            int result = place == NULL ? -1 : PyObject_SetAttr(s->scan, S__run_end, place);
            Py_XDECREF(place);
            return result;
        }
    }
    return 0;
}

static void release(See *s)
{
    for (int at = 0; at < PLAN_TABLE; at++)
        clear_plan(&s->table[at]);
    clear_plan(&s->spare);
    Py_CLEAR(s->plans);
    Py_CLEAR(s->biggest);
}

/* scan.events += count, and scan._last = (the last record, path, its line) */
static int finish(See *s, PyObject *records, Py_ssize_t count, long long first_line)
{
    if (add_to(s->scan, S_events, count) < 0)
        return -1;
    if (count == 0)
        return 0;
    Event last;
    event_at(&last, records, count - 1);
    PyObject *record = event_record(&last);
    PyObject *place = record == NULL ? NULL : place_of(s, record, first_line + count - 1);
    int failed = place == NULL || PyObject_SetAttr(s->scan, S__last, place) < 0;
    Py_XDECREF(place);
    event_done(&last);
    return failed ? -1 : 0;
}

static PyObject *see_all(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "see_all(scan, records, path, first_line)");
        return NULL;
    }
    if (record_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "bind() first");
        return NULL;
    }
    PyObject *records = args[1];
    long long first_line = PyLong_AsLongLong(args[3]);
    if (first_line == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t count = known_records(records, record_type, lines_api);
    if (count < 0) {
        PyErr_SetString(PyExc_TypeError, "see_all() takes a list of records or a block of _tally.Lines");
        return NULL;
    }
    See *s = PyMem_Calloc(1, sizeof(See));
    if (s == NULL)
        return PyErr_NoMemory();
    s->scan = args[0];
    s->path = args[2];
    int failed = (s->plans = PyObject_GetAttr(s->scan, S__plans)) == NULL
        || (s->biggest = PyObject_GetAttr(s->scan, S_biggest_llm_calls)) == NULL;
    if (!failed && !PyDict_Check(s->plans)) {
        PyErr_SetString(PyExc_TypeError, "a scan's plans must be a dict");
        failed = 1;
    }
    for (Py_ssize_t i = 0; !failed && i < known_count(records, count); i++) {
        Event e;
        event_at(&e, records, i);
        failed = one_event(s, &e, first_line + i) < 0;
        event_done(&e);
    }
    failed = failed || finish(s, records, known_count(records, count), first_line) < 0;
    release(s);
    PyMem_Free(s);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

/* bind(record type, max events, `_tally.LINES` or None) */
static PyObject *bind(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyType_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "bind(record_type, max_events, _tally.LINES or None)");
        return NULL;
    }
    if (take_lines_api(args[2], &lines_capsule, &lines_api) < 0)
        return NULL;
    if (member_offsets(args[0], FIELD_NAMES, field_offset, N_FIELDS) < 0)
        return NULL;
    max_events = PyLong_AsSsize_t(args[1]);
    if (max_events == -1 && PyErr_Occurred())
        return NULL;
    Py_XSETREF(record_type, (PyTypeObject *)Py_NewRef(args[0]));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"see_all", (PyCFunction)(void (*)(void))see_all, METH_FASTCALL,
     "EventScan._see_all in C, for a list of records read whole: see_all(scan, records, path, first_line)."},
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL, "The record type and how many examples a rule keeps."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_see", NULL, -1, methods};

PyMODINIT_FUNC PyInit__see(void)
{
#define NAME(variable, text) if ((variable = PyUnicode_InternFromString(text)) == NULL) return NULL;
    NAME(S_count, "count") NAME(S_events, "events") NAME(S_start, "start") NAME(S_matched, "matched")
    NAME(S_labelled, "labelled") NAME(S_busy, "busy") NAME(S_occurrence, "occurrence") NAME(S_end, "end")
    NAME(S_run_end, "run_end") NAME(S_specs, "specs") NAME(S_orders, "orders") NAME(S_latency, "latency")
    NAME(S_calls, "calls") NAME(S_llm, "llm") NAME(S__plans, "_plans") NAME(S__plan, "_plan")
    NAME(S__failure, "_failure") NAME(S__occurrence, "_occurrence") NAME(S__span_end, "_span_end")
    NAME(S__run_end, "_run_end") NAME(S__last, "_last") NAME(S_biggest_llm_calls, "biggest_llm_calls")
    NAME(S_total, "total") NAME(T_failed, "failed")
    if ((ONE = PyLong_FromLong(1)) == NULL || (BILLION = PyFloat_FromDouble(1e9)) == NULL
        || (ZERO_FLOAT = PyFloat_FromDouble(0.0)) == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}

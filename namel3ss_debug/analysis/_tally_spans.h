/* `_tally.c`'s starts, ends and instants: Tally._start, _end, _ended, _instant and findings' _call_started,
 * _slow and _usage, step for step, each general case handed to the reference's method. Included once. */

#define USE(use) ((use) ? Py_True : Py_False)

/* run.open[key] as an open span (borrowed), NULL if none; -1 in *error on error */
static PyObject *open_span(Pass *p, PyObject *key, int *error)
{
    PyObject *own = PyDict_GetItemWithError(p->open, key);
    if (own == NULL) {
        *error = PyErr_Occurred() != NULL;
        return NULL;
    }
    if (Py_TYPE(own) != open_span_type) {
        PyErr_SetString(PyExc_TypeError, "a run's open spans must be OpenSpan");
        *error = 1;
        return NULL;
    }
    return own;
}

/* run.open.get(parent_id) for an event, and the orphan check when it has a parent that is not open:
 * the parent (borrowed) or NULL; -1 in *error on error */
static PyObject *parent_of(Pass *p, PyObject *event, int *error)
{
    PyObject *parent_id = FIELD(event, R_PARENT_ID);
    *error = 0;
    if (parent_id == Py_None)
        return NULL;
    PyObject *parent = open_span(p, parent_id, error);
    if (parent != NULL || *error || !p->ids)
        return parent;
    int known = PySequence_Contains(p->seen, parent_id);
    if (known < 0 || (!known && CALL(p, p->tally, S__orphan, p->run, record_of(p, event)) < 0))
        *error = 1;
    return NULL;
}

static int new_id(Pass *p, PyObject *event)
{
    PyObject *span_id = FIELD(event, R_SPAN_ID);
    int added = seen_add(p, span_id);
    if (added < 0)
        return -1;
    return added ? 0 : CALL(p, p->tally, S__duplicate, p->run, span_id, FIELD(event, R_SEQ));
}

/* `LoopWatch()`, its lists made here as its __init__ makes them (an agent's first call with inputs makes one: a
 * Python __init__ took a third of a microsecond, tens of thousands of times in a big run). Tests compare every
 * watch with the reference's after every block. */
static PyObject *new_watch(void)
{
    static PyObject *no_start;  /* ((), 0): where a cycle of that length started, before one did */
    if (no_start == NULL && (no_start = Py_BuildValue("(()i)", 0)) == NULL)
        return NULL;
    PyObject *watch = loop_watch_type->tp_alloc(loop_watch_type, 0);
    if (watch == NULL)
        return NULL;
    PyObject *runs = PyList_New(MAX_PERIOD + 1), *starts = PyList_New(MAX_PERIOD + 1);
    if (runs == NULL || starts == NULL) {
        Py_XDECREF(runs);
        Py_XDECREF(starts);
        Py_DECREF(watch);
        return NULL;
    }
    for (Py_ssize_t period = 0; period <= MAX_PERIOD; period++) {
        PyList_SET_ITEM(runs, period, PyLong_FromLong(0));  /* a small int: made once, never fails */
        PyList_SET_ITEM(starts, period, Py_NewRef(no_start));
    }
    set_new(watch, W_RUNS, runs);
    set_new(watch, W_STARTS, starts);
    if (set_new(watch, W_RECENT, PyList_New(0)) < 0 || set_new(watch, W_KEYS, PyList_New(0)) < 0
        || set_new(watch, W_FOUND, PyList_New(0)) < 0) {
        Py_DECREF(watch);
        return NULL;
    }
    return watch;
}

/* LoopWatch.see while nothing repeats (the common case), else the method */
static int watch_see(Pass *p, PyObject *watch, PyObject *key, PyObject *seq, PyObject *op)
{
    if (Py_TYPE(watch) != loop_watch_type)
        return CALL(p, watch, S_see, key, seq, op);
    PyObject *recent = FIELD(watch, W_RECENT), *keys = FIELD(watch, W_KEYS), *runs = FIELD(watch, W_RUNS);
    int quiet = recent != NULL && keys != NULL && runs != NULL && PyList_CheckExact(recent)
        && PyList_CheckExact(keys) && PyList_CheckExact(runs) && PyList_GET_SIZE(runs) == MAX_PERIOD + 1;
    for (int period = 1; quiet && period <= MAX_PERIOD; period++) {
        int running = PyObject_IsTrue(PyList_GET_ITEM(runs, period));
        if (running < 0)
            return -1;
        quiet = !running;
    }
    if (quiet) {
        int known = PySequence_Contains(keys, key);
        if (known < 0)
            return -1;
        quiet = !known;
    }
    if (!quiet)
        return CALL(p, watch, S_see, key, seq, op);
    PyObject *entry = PyTuple_Pack(2, op, seq);
    if (entry == NULL)
        return -1;
    int failed = PyList_Append(recent, entry) < 0 || PyList_Append(keys, key) < 0;
    Py_DECREF(entry);
    if (failed)
        return -1;
    if (PyList_GET_SIZE(recent) > MAX_PERIOD + 1)
        return PySequence_DelItem(recent, 0) < 0 || PySequence_DelItem(keys, 0) < 0 ? -1 : 0;
    return 0;
}

/* `intern(text)`, a new reference */
static PyObject *interned(PyObject *text)
{
    Py_INCREF(text);
    PyUnicode_InternInPlace(&text);
    return text;
}

/* Findings._repeated: a call's first repeat keeps [component, name, calls, 0.0, ref, span id], a later one
 * updates the count of calls */
static int note_repeat(Pass *p, PyObject *event, PyObject *key, PyObject *calls)
{
    PyObject *entry = PyDict_GetItemWithError(p->repeated, key);
    if (entry != NULL) {
        if (!PyList_CheckExact(entry) || PyList_GET_SIZE(entry) < 3)
            return CALL(p, p->tally, S__repeated, p->run, record_of(p, event), key, calls);
        PyList_SetItem(entry, 2, Py_NewRef(calls));
        return 0;
    }
    if (PyErr_Occurred())
        return -1;
    PyObject *ref = reference(p, FIELD(event, R_SEQ));
    if (ref == NULL)
        return -1;
    PyObject *fresh = Py_BuildValue("[OOOdOO]", FIELD(event, R_COMPONENT), FIELD(event, R_NAME), calls, 0.0, ref,
                                    FIELD(event, R_SPAN_ID));
    Py_DECREF(ref);
    int result = fresh == NULL || PyDict_SetItem(p->repeated, key, fresh) < 0 ? -1 : 0;
    Py_XDECREF(fresh);
    return result;
}

/* `repeats[key] = repeats.get(key, 0) + 1`: the calls of the key so far, or -1 on error */
static long count_call(Pass *p, PyObject *key)
{
    if (Py_IS_TYPE(p->repeats, &CallCountsType)) {
        long long identity = PyLong_AsLongLong(key);
        if (identity == -1 && PyErr_Occurred())
            return -1;
        long long calls = counts_add_one((CallCounts *)p->repeats, identity);
        return calls > LONG_MAX ? LONG_MAX : (long)calls;
    }
    PyObject *calls = PyObject_GetItem(p->repeats, key);
    if (calls == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_KeyError))
            return -1;
        PyErr_Clear();
    }
    PyObject *more = calls == NULL ? PyLong_FromLong(1) : PyNumber_Add(calls, ONE);
    Py_XDECREF(calls);
    long number = more == NULL ? -1 : PyLong_AsLong(more);
    int failed = number == -1 || PyObject_SetItem(p->repeats, key, more) < 0;
    Py_XDECREF(more);
    return failed ? -1 : number;
}

/* Findings._call_started: 1 if the call is a retry, 0 if not, -1 on error; the calls of its key so far in
 * *calls_made (0 without a key) */
static int call_started(Pass *p, PyObject *event, PyObject *key, PyObject *parent, PyObject *agent, long *calls_made)
{
    Op *slot;
    PyObject *op = op_of(p, event, FIELD(event, R_EVENT_TYPE), &slot), *seq = FIELD(event, R_SEQ);
    *calls_made = 0;
    if (op == NULL)
        return -1;
    int result = -1;
    if (key != Py_None) {
        long number = count_call(p, key);
        *calls_made = number;
        if (number < 0)
            goto done;
        if (number > 1) {
            PyObject *calls = PyLong_FromLong(number);
            int failed = calls == NULL || note_repeat(p, event, key, calls) < 0;
            Py_XDECREF(calls);
            if (failed)
                goto done;
        }
        if (number == 1 && p->boundary != NULL) {  /* a first call here may repeat one of the other half */
            PyObject *first_seen = PyObject_GetAttr(p->boundary, S_first_seen);
            PyObject *first_open = PyObject_GetAttr(p->boundary, S_first_open);
            PyObject *ref = reference(p, seq);
            PyObject *component = interned(PyTuple_GET_ITEM(op, 0)), *name = interned(PyTuple_GET_ITEM(op, 1));
            PyObject *zero = PyFloat_FromDouble(0.0);
            PyObject *entry = first_seen && first_open && ref && zero
                ? PyList_New(5) : NULL;
            if (entry != NULL) {
                PyList_SET_ITEM(entry, 0, Py_NewRef(ref));
                PyList_SET_ITEM(entry, 1, Py_NewRef(FIELD(event, R_SPAN_ID)));
                PyList_SET_ITEM(entry, 2, Py_NewRef(component));
                PyList_SET_ITEM(entry, 3, Py_NewRef(name));
                PyList_SET_ITEM(entry, 4, Py_NewRef(zero));
            }
            int failed = entry == NULL || PyObject_SetItem(first_seen, key, entry) < 0
                || PyObject_SetItem(first_open, FIELD(event, R_SPAN_ID), key) < 0;
            Py_XDECREF(entry);
            Py_XDECREF(first_seen);
            Py_XDECREF(first_open);
            Py_XDECREF(ref);
            Py_DECREF(component);
            Py_DECREF(name);
            Py_XDECREF(zero);
            if (failed)
                goto done;
        }
    }
    if (p->boundary != NULL && parent != NULL && PyLong_AsLongLong(FIELD(parent, O_START_SEQ)) < 0
        && FIELD(parent, O_LAST) == Py_None) {
        PyObject *first = PyObject_GetAttr(p->boundary, S_first_root_call);
        if (first == NULL)
            goto done;
        int unset = first == Py_None;
        Py_DECREF(first);
        if (unset && PyObject_SetAttr(p->boundary, S_first_root_call, op) < 0)
            goto done;  /* a retry of the other half's last call, perhaps */
    }
    if (agent != Py_None && key != Py_None) {
        PyObject *watch = PyDict_GetItemWithError(p->watches, agent);
        if (watch == NULL) {
            if (PyErr_Occurred() || (watch = new_watch()) == NULL)
                goto done;
            int failed = PyDict_SetItem(p->watches, agent, watch);
            Py_DECREF(watch);
            if (failed)
                goto done;
        }
        if (watch_see(p, watch, key, seq, op) < 0)
            goto done;
    }
    result = 0;
    PyObject *last = parent != NULL ? FIELD(parent, O_LAST) : Py_None;
    if (last != Py_None) {  /* parent.last == (op, True): a retry */
        PyObject *retried = PyTuple_Pack(2, op, Py_True);
        int same = retried == NULL ? -1 : PyObject_RichCompareBool(last, retried, Py_EQ);
        Py_XDECREF(retried);
        if (same < 0 || (same && CALL(p, p->tally, S__retry, p->run, record_of(p, event), op) < 0))
            result = -1;
        else
            result = same;
    }
done:
    Py_DECREF(op);
    return result;
}

/* Tally._start */
static int on_start(Pass *p, PyObject *event, int use)
{
    PyObject *event_type = FIELD(event, R_EVENT_TYPE), *span_id = FIELD(event, R_SPAN_ID);
    if (same_text(event_type, T_run_start))
        return CALL(p, p->tally, S__start, p->run, record_of(p, event), USE(use));
    if (p->ids && new_id(p, event) < 0)
        return -1;
    int error;
    PyObject *parent = parent_of(p, event, &error);
    if (error)
        return -1;
    Py_XINCREF(parent);  /* a method called below could end it */
    PyObject *component = FIELD(event, R_COMPONENT), *key = Py_NewRef(Py_None), *retry = Py_None;
    PyObject *agent = Py_NewRef(parent != NULL ? FIELD(parent, O_AGENT) : Py_None);
    int result = -1;
    if (same_text(event_type, T_agent_start))
        Py_SETREF(agent, Py_NewRef(span_id));
    if ((same_text(component, T_llm) || same_text(component, T_tool)) && use && p->patterns) {
        Py_buffer view;
        if (inputs_of(p, event, &view) < 0)
            goto done;
        if (view.len > 0) {  /* no inputs, no identity */
            PyObject *digest = digest_of(&view);
            PyObject *identity = digest == NULL ? NULL
                : PyTuple_Pack(4, p->index, component, FIELD(event, R_NAME), digest);
            Py_hash_t hash = identity == NULL ? -1 : PyObject_Hash(identity);
            Py_XDECREF(digest);
            Py_XDECREF(identity);
            PyObject *number = hash == -1 ? NULL : PyLong_FromSsize_t(hash);
            if (number == NULL) {
                PyBuffer_Release(&view);
                goto done;
            }
            Py_SETREF(key, number);
        }
        PyBuffer_Release(&view);
        long calls;  /* repeats[key]: no method called by call_started changes it */
        int retried = call_started(p, event, key, parent, agent, &calls);
        if (retried < 0)
            goto done;
        retry = retried ? Py_True : Py_False;
        if (key != Py_None && calls == 1)
            Py_SETREF(key, Py_NewRef(Py_None));
    }
    if (parent != NULL) {
        PyObject *kids = PyNumber_Add(FIELD(parent, O_OPEN_KIDS), ONE);
        if (set_new(parent, O_OPEN_KIDS, kids) < 0)
            goto done;
    }
    PyObject *args[] = {component, FIELD(event, R_NAME), FIELD(event, R_PARENT_ID), FIELD(event, R_SEQ), key,
                        agent, retry, FIELD(event, R_MODEL)};
    PyObject *own = PyObject_Vectorcall((PyObject *)open_span_type, args, 8, NULL);
    if (own == NULL)
        goto done;
    result = PyDict_SetItem(p->open, span_id, own);
    Py_DECREF(own);
done:
    Py_XDECREF(parent);
    Py_DECREF(key);
    Py_DECREF(agent);
    return result;
}

/* findings._slow */
static int slow_span(Pass *p, PyObject *event, PyObject *op, PyObject *duration)
{
    if (count_in(p->slow_by_op, op) < 0)
        return -1;
    Py_ssize_t size = PyList_GET_SIZE(p->slow);
    int push = size < p->top;
    if (!push) {
        if (size == 0)  /* no room at all: as the reference fails */
            return CALL(p, p->tally, S__slow, p->run, record_of(p, event), op, duration);
        PyObject *least = PyList_GET_ITEM(p->slow, 0);
        double smallest = PyTuple_Check(least) && PyTuple_GET_SIZE(least) > 0 && PyFloat_Check(PyTuple_GET_ITEM(least, 0))
            ? PyFloat_AS_DOUBLE(PyTuple_GET_ITEM(least, 0)) : -1.0;
        if (PyFloat_AS_DOUBLE(duration) < smallest)
            return 0;  /* item < slow[0] whatever the rest */
    }
    PyObject *ref = reference(p, FIELD(event, R_SEQ));
    if (ref == NULL)
        return -1;
    PyObject *item = PyTuple_Pack(5, duration, ref, FIELD(event, R_SPAN_ID), op, FIELD(event, R_STATUS));
    Py_DECREF(ref);
    if (item == NULL)
        return -1;
    int result = -1;
    if (!push) {
        Py_INCREF(PyList_GET_ITEM(p->slow, 0));
        PyObject *least = PyList_GET_ITEM(p->slow, 0);
        int greater = PyObject_RichCompareBool(item, least, Py_GT);
        Py_DECREF(least);
        if (greater <= 0) {
            Py_DECREF(item);
            return greater;
        }
    }
    PyObject *done = PyObject_CallFunctionObjArgs(push ? heappush : heapreplace, p->slow, item, NULL);
    if (done != NULL) {
        Py_DECREF(done);
        result = 0;
    }
    Py_DECREF(item);
    return result;
}

/* an int field of a usage, `or 0` */
static PyObject *tokens(PyObject *usage, int f)
{
    if (usage == Py_None || FIELD(usage, f) == Py_None)
        return PyLong_FromLong(0);
    return Py_NewRef(FIELD(usage, f));
}

/* findings._usage and, when the model's window is known and far, its _context */
static int llm_usage(Pass *p, PyObject *event, PyObject *start_model)
{
    PyObject *model = FIELD(event, R_MODEL);
    if (model == Py_None || PyObject_IsTrue(model) != 1)
        model = start_model != Py_None && PyObject_IsTrue(start_model) == 1 ? start_model : T_no_model;
    PyObject *usage = FIELD(event, R_USAGE);
    if (usage != Py_None && Py_TYPE(usage) != usage_type) {
        PyErr_SetString(PyExc_TypeError, "a record's usage must be Usage");
        return -1;
    }
    PyObject *entry = PyDict_GetItemWithError(p->models, model);
    if (entry == NULL) {
        if (PyErr_Occurred() || (entry = PyList_New(11)) == NULL)
            return -1;
        for (int i = 0; i < 11; i++)
            PyList_SET_ITEM(entry, i, i == 4 ? PyObject_CallOneArg(array_type, S_d) : PyLong_FromLong(0));
        for (int i = 0; i < 11; i++)
            if (PyList_GET_ITEM(entry, i) == NULL) {
                Py_DECREF(entry);
                return -1;
            }
        int failed = PyDict_SetItem(p->models, model, entry);
        Py_DECREF(entry);
        if (failed)
            return -1;
    }
    Py_INCREF(entry);
    Py_INCREF(model);
    PyObject *in = tokens(usage, U_IN), *out = tokens(usage, U_OUT), *total = NULL;
    int result = -1;
    if (in == NULL || out == NULL)
        goto done;
    total = usage == Py_None ? PyLong_FromLong(0)
        : FIELD(usage, U_TOTAL) != Py_None ? Py_NewRef(FIELD(usage, U_TOTAL)) : PyNumber_Add(in, out);
    if (total == NULL || add_long_at(entry, 0, 1) < 0 || add_at(entry, 1, in) < 0 || add_at(entry, 2, out) < 0
        || add_at(entry, 3, total) < 0)
        goto done;
    PyObject *cost = FIELD(event, R_COST);
    if (cost != Py_None) {
        if (append_to(PyList_GET_ITEM(entry, 4), cost) < 0)
            goto done;
        if (add_long_at(entry, 5, 1) < 0)
            goto done;
    }
    else if (usage == Py_None || (FIELD(usage, U_IN) == Py_None && FIELD(usage, U_OUT) == Py_None)) {
        if (add_long_at(entry, 10, 1) < 0)  /* no usage: its cost is unknown, not 0 */
            goto done;
    }
    else if (add_at(entry, 6, in) < 0 || add_at(entry, 7, out) < 0 || add_long_at(entry, 8, 1) < 0)
        goto done;
    int more = PyObject_RichCompareBool(in, PyList_GET_ITEM(entry, 9), Py_GT);
    if (more < 0)
        goto done;
    if (more)
        PyList_SetItem(entry, 9, Py_NewRef(in));
    int some = PyObject_IsTrue(in);
    if (some && p->anomalies) {
        PyObject *window = PyDict_GetItemWithError(p->windows, model);
        if (window == NULL && PyErr_Occurred())
            goto done;
        int far = 0;
        if (window != NULL && window != Py_None && PyLong_Check(window)) {
            double limit = CONTEXT_SHARE * PyLong_AsDouble(window), used = PyLong_AsDouble(in);
            if ((limit == -1.0 || used == -1.0) && PyErr_Occurred())
                goto done;
            far = PyObject_IsTrue(window) == 0 || used < limit;
        }
        else if (window == Py_None)
            far = 1;
        if (!far) {  /* not known yet, or near: the reference decides */
            PyObject *ref = reference(p, FIELD(event, R_SEQ));
            int failed = ref == NULL || CALL(p, p->tally, S__context, record_of(p, event), model, in, ref) < 0;
            Py_XDECREF(ref);
            if (failed)
                goto done;
        }
    }
    result = 0;
done:
    Py_DECREF(entry);
    Py_DECREF(model);
    Py_XDECREF(in);
    Py_XDECREF(out);
    Py_XDECREF(total);
    return result;
}

/* run.seconds[ts[:run.bucket_chars]], made if new (the buckets coarsened first if there are too many): a new
 * reference to the bucket, and the second in *second */
static PyObject *bucket_of(Pass *p, PyObject *ts, PyObject **second)
{
    PyObject *seconds = PyObject_GetAttr(p->run, S_seconds), *chars = PyObject_GetAttr(p->run, S_bucket_chars);
    *second = seconds && chars ? PyUnicode_Substring(ts, 0, PyLong_AsSsize_t(chars)) : NULL;
    PyObject *bucket = *second ? PyDict_GetItemWithError(seconds, *second) : NULL;
    int result = *second == NULL || (bucket == NULL && PyErr_Occurred()) ? -1 : 0;
    if (result == 0 && bucket == NULL && PyDict_GET_SIZE(seconds) >= MAX_BUCKETS) {
        p->called++;
        PyObject *done = PyObject_CallOneArg(coarsen, p->run);
        Py_XDECREF(done);
        Py_CLEAR(*second);
        Py_XSETREF(seconds, done ? PyObject_GetAttr(p->run, S_seconds) : NULL);
        Py_XSETREF(chars, seconds ? PyObject_GetAttr(p->run, S_bucket_chars) : NULL);
        *second = chars ? PyUnicode_Substring(ts, 0, PyLong_AsSsize_t(chars)) : NULL;
        result = *second == NULL ? -1 : 0;
    }
    if (result == 0 && bucket == NULL) {
        PyObject *fresh = Py_BuildValue("[ii]", 0, 0);
        bucket = fresh == NULL ? NULL : PyDict_SetDefault(seconds, *second, fresh);
        Py_XDECREF(fresh);
    }
    Py_XINCREF(bucket);
    Py_XDECREF(seconds);
    Py_XDECREF(chars);
    if (bucket == NULL)
        Py_CLEAR(*second);
    return bucket;
}

/* The ended and failed spans of a time bucket, for error bursts: the last bucket is kept, and a span that ends in
 * the same second (its ts begins with the same `bucket_chars` characters) counts there without a look-up, as
 * long as no method of the reference has been called since (one may coarsen the buckets) */
static int count_bucket(Pass *p, PyObject *event, int failed)
{
    PyObject *second = p->second, *bucket = p->bucket, *unkept = NULL, *ts = NULL;
    Text text = {NULL, 0};  /* the time's bytes: the line's, or an ASCII str's */
    if (event == scratch)
        text = p->line->fields.ts;
    else if (PyUnicode_IS_COMPACT_ASCII(ts = FIELD(event, R_TS)))
        text = (Text){(const char *)PyUnicode_1BYTE_DATA(ts), PyUnicode_GET_LENGTH(ts)};
    /* an ASCII second that the time's bytes begin with, and more: the time's characters begin with it too */
    int same = bucket != NULL && p->bucket_called == p->called && text.at != NULL
        && PyUnicode_IS_COMPACT_ASCII(second) && text.size > PyUnicode_GET_LENGTH(second)
        && memcmp(text.at, PyUnicode_1BYTE_DATA(second), (size_t)PyUnicode_GET_LENGTH(second)) == 0;
    if (!same) {
        if ((ts = ts != NULL ? ts : ts_of(text)) == NULL)
            return -1;
        Py_CLEAR(p->second);
        Py_CLEAR(p->bucket);
        Py_ssize_t length = PyUnicode_GET_LENGTH(ts);
        Py_INCREF(ts);  /* the table's may be replaced meanwhile */
        bucket = bucket_of(p, ts, &second);
        Py_DECREF(ts);
        if (bucket == NULL)
            return -1;
        /* kept only when the second is a whole prefix: a shorter ts is its own bucket */
        if (PyUnicode_GET_LENGTH(second) < length) {
            p->second = second;
            p->bucket = bucket;
            p->bucket_called = p->called;
        }
        else {
            Py_DECREF(second);
            unkept = bucket;
        }
    }
    int result = add_long_at(bucket, 0, 1) < 0 || (failed && add_long_at(bucket, 1, 1) < 0) ? -1 : 0;
    Py_XDECREF(unkept);
    return result;
}

/* Tally._ended: the statistics of an ended span */
static int ended(Pass *p, PyObject *event, PyObject *op, Op *slot, PyObject *duration, int failed, PyObject *own)
{
    if (duration != Py_None) {
        PyObject *slowest = slot != NULL && slot->slowest != NULL ? slot->slowest
            : PyDict_GetItemWithError(p->slowest, op);
        if (slowest == NULL) {
            if (PyErr_Occurred())
                return -1;
            PyObject *values = PyObject_CallOneArg(array_type, S_d);
            if (values == NULL || PyDict_SetItem(p->durations, op, values) < 0) {
                Py_XDECREF(values);
                return -1;
            }
            slowest = Py_BuildValue("[dis N]", -1.0, 0, "", values);
            if (slowest == NULL || PyDict_SetItem(p->slowest, op, slowest) < 0) {
                Py_XDECREF(slowest);
                return -1;
            }
            Py_DECREF(slowest);
        }
        if (slot != NULL && slot->slowest == NULL)
            slot->slowest = Py_NewRef(slowest);
        if (append_to(PyList_GET_ITEM(slowest, 3), duration) < 0)
            return -1;
        double ms = PyFloat_AS_DOUBLE(duration);
        int longer = PyObject_RichCompareBool(duration, PyList_GET_ITEM(slowest, 0), Py_GT);
        if (longer < 0)
            return -1;
        if (longer) {
            PyObject *ref = reference(p, FIELD(event, R_SEQ));
            if (ref == NULL)
                return -1;
            PyList_SetItem(slowest, 0, Py_NewRef(duration));
            PyList_SetItem(slowest, 1, ref);
            PyList_SetItem(slowest, 2, Py_NewRef(FIELD(event, R_SPAN_ID)));
        }
        if (ms >= p->slow_ms && slow_span(p, event, op, duration) < 0)
            return -1;
    }
    else if (count_in(p->untimed, op) < 0)
        return -1;
    if (p->anomalies && count_bucket(p, event, failed) < 0)
        return -1;
    if (failed && CALL(p, p->tally, S__failed, p->run, record_of(p, event), op, own != NULL ? own : Py_None) < 0)
        return -1;
    if (same_text(PyTuple_GET_ITEM(op, 0), T_llm)
        && llm_usage(p, event, own != NULL ? FIELD(own, O_MODEL) : Py_None) < 0)
        return -1;
    if (p->boundary != NULL) {
        PyObject *first_open = PyObject_GetAttr(p->boundary, S_first_open);
        int result = first_open == NULL ? -1 : 0;
        if (result == 0 && PyDict_Check(first_open) && PyDict_GET_SIZE(first_open) > 0) {
            PyObject *key = PyDict_GetItemWithError(first_open, FIELD(event, R_SPAN_ID));
            if (key == NULL)
                result = PyErr_Occurred() ? -1 : 0;
            else {  /* first_open.pop(span_id); first_seen[key][4] = duration or 0.0 */
                Py_INCREF(key);
                result = PyDict_DelItem(first_open, FIELD(event, R_SPAN_ID));
                if (result == 0 && key != Py_None) {
                    PyObject *first_seen = PyObject_GetAttr(p->boundary, S_first_seen);
                    PyObject *entry = first_seen ? PyObject_GetItem(first_seen, key) : NULL;
                    PyObject *ms = duration != Py_None && PyFloat_AS_DOUBLE(duration) != 0.0 ? Py_NewRef(duration)
                        : PyFloat_FromDouble(0.0);
                    PyObject *four = PyLong_FromLong(4);
                    if (entry == NULL || ms == NULL || four == NULL || PyObject_SetItem(entry, four, ms) < 0)
                        result = -1;
                    Py_XDECREF(first_seen);
                    Py_XDECREF(entry);
                    Py_XDECREF(ms);
                    Py_XDECREF(four);
                }
                Py_DECREF(key);
            }
        }
        Py_XDECREF(first_open);
        if (result < 0)
            return -1;
    }
    if (own == NULL)
        return 0;
    double ms = duration != Py_None ? PyFloat_AS_DOUBLE(duration) : 0.0;
    PyObject *key = FIELD(own, O_KEY);
    if (key != Py_None) {  /* set only on a repeat: the first call of its kind is not one */
        PyObject *entry = PyDict_GetItemWithError(p->repeated, key);
        if (entry == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, key);
            return -1;
        }
        if (add_float_at(entry, 3, ms) < 0)
            return -1;
    }
    int retry = PyObject_IsTrue(FIELD(own, O_RETRY));
    if (retry < 0)
        return -1;
    if (retry && !failed) {  /* no entry for an end that names another component than its start: passed over */
        PyObject *entry = PyDict_GetItemWithError(p->retries, op);
        if (entry == NULL)
            return PyErr_Occurred() ? -1 : 0;
        if (add_long_at(entry, 1, 1) < 0)
            return -1;
    }
    return 0;
}

/* {op: [ms, 1]} */
static PyObject *lone_chain(PyObject *op, double ms)
{
    return Py_BuildValue("{O:[di]}", op, ms, 1);
}

/* critical.merge */
static int merge_chain(PyObject *into, PyObject *chain)
{
    PyObject *op, *value;
    Py_ssize_t at = 0;
    while (PyDict_Next(chain, &at, &op, &value)) {
        PyObject *entry = PyDict_GetItemWithError(into, op);
        if (entry == NULL) {
            PyObject *copy = PyErr_Occurred() ? NULL : PyList_GetSlice(value, 0, 2);
            if (copy == NULL || PyDict_SetItem(into, op, copy) < 0) {
                Py_XDECREF(copy);
                return -1;
            }
            Py_DECREF(copy);
        }
        else if (add_at(entry, 0, PyList_GET_ITEM(value, 0)) < 0 || add_at(entry, 1, PyList_GET_ITEM(value, 1)) < 0)
            return -1;
    }
    return 0;
}

/* critical.own_chain: a closing span's critical path (a new reference) */
static PyObject *own_chain(PyObject *own, PyObject *op, double duration)
{
    PyObject *kids = FIELD(own, O_KIDS), *chain, *direct;
    int some = kids != Py_None && PyObject_IsTrue(kids);
    if (some) {
        PyObject *best = PyList_GET_ITEM(kids, PyList_GET_SIZE(kids) - 1);
        chain = PyList_GET_ITEM(best, 2);
        direct = PyList_GET_ITEM(best, 3);
    }
    else {
        chain = FIELD(own, O_CHAIN);
        direct = FIELD(own, O_CHAIN_DIRECT);
    }
    if (chain == Py_None)
        return lone_chain(op, duration);
    Py_INCREF(chain);
    double own_ms = duration - PyFloat_AsDouble(direct);
    PyObject *entry = PyDict_GetItemWithError(chain, op);
    int failed;
    if (entry == NULL)
    {
        PyObject *fresh = PyErr_Occurred() ? NULL : Py_BuildValue("[di]", own_ms > 0 ? own_ms : 0.0, 1);
        failed = fresh == NULL || PyDict_SetItem(chain, op, fresh) < 0;
        Py_XDECREF(fresh);
    }
    else
        failed = add_float_at(entry, 0, own_ms > 0 ? own_ms : 0.0) < 0 || add_long_at(entry, 1, 1) < 0;
    if (failed)
        Py_CLEAR(chain);
    return chain;
}

/* the span's critical path, and what its parent's path learns of it (Tally._end's last part) */
static int path_of(Pass *p, PyObject *event, PyObject *own, PyObject *parent, PyObject *op, double duration)
{
    PyObject *chain = FIELD(own, O_CHAIN) == Py_None && FIELD(own, O_KIDS) == Py_None ? NULL
        : own_chain(own, op, duration);
    if (chain == NULL && PyErr_Occurred())
        return -1;
    int result = -1;
    if (parent == NULL) {
        PyObject *run_chain = PyObject_GetAttr(p->run, S_chain);
        if (run_chain == NULL)
            goto done;
        int unset = run_chain == Py_None;
        Py_DECREF(run_chain);
        if (unset) {
            PyObject *value = chain != NULL ? Py_NewRef(chain) : lone_chain(op, duration);
            result = value == NULL ? -1 : PyObject_SetAttr(p->run, S_chain, value);
            Py_XDECREF(value);
        }
        else
            result = 0;
        goto done;
    }
    long long start_seq = PyLong_AsLongLong(FIELD(own, O_START_SEQ));
    long long chain_end = PyLong_AsLongLong(FIELD(parent, O_CHAIN_END));
    if (FIELD(parent, O_KIDS) == Py_None && PyLong_AsLong(FIELD(parent, O_OPEN_KIDS)) == 0 && start_seq > chain_end) {
        /* one child after another, the common case: the parent's path grows by this child's */
        PyObject *mine = FIELD(parent, O_CHAIN);
        if (chain != NULL) {
            if (mine == Py_None)
                set_field(parent, O_CHAIN, chain);
            else if (merge_chain(mine, chain) < 0)
                goto done;
        }
        else if (mine == Py_None) {
            if (set_new(parent, O_CHAIN, lone_chain(op, duration)) < 0)
                goto done;
        }
        else {
            PyObject *entry = PyDict_GetItemWithError(mine, op);
            if (entry == NULL) {
                PyObject *fresh = PyErr_Occurred() ? NULL : Py_BuildValue("[di]", duration, 1);
                int failed = fresh == NULL || PyDict_SetItem(mine, op, fresh) < 0;
                Py_XDECREF(fresh);
                if (failed)
                    goto done;
            }
            else if (add_float_at(entry, 0, duration) < 0 || add_long_at(entry, 1, 1) < 0)
                goto done;
        }
        if (PyErr_Occurred())
            goto done;
        set_field(parent, O_CHAIN_END, FIELD(event, R_SEQ));
        if (set_new(parent, O_CHAIN_DIRECT,
                    PyFloat_FromDouble(PyFloat_AsDouble(FIELD(parent, O_CHAIN_DIRECT)) + duration)) < 0)
            goto done;
        result = 0;
    }
    else {
        PyObject *given = chain != NULL ? Py_NewRef(chain) : lone_chain(op, duration);
        PyObject *ms = PyFloat_FromDouble(duration);
        p->called++;
        PyObject *done = given && ms ? PyObject_CallFunctionObjArgs(attach_overlapping, parent, given,
                                                                     FIELD(own, O_START_SEQ), FIELD(event, R_SEQ),
                                                                     ms, NULL) : NULL;
        Py_XDECREF(given);
        Py_XDECREF(ms);
        Py_XDECREF(done);
        result = done == NULL ? -1 : 0;
    }
done:
    Py_XDECREF(chain);
    return result;
}

/* Tally._agent_ended, when the agent's watch found nothing and watches nothing: dropped, else the method */
static int agent_ended(Pass *p, PyObject *span_id, PyObject *own)
{
    PyObject *watch = PyDict_GetItemWithError(p->watches, span_id);
    if (watch == NULL)
        return PyErr_Occurred() ? -1 : 0;
    PyObject *runs = Py_TYPE(watch) == loop_watch_type ? FIELD(watch, W_RUNS) : NULL;
    PyObject *found = Py_TYPE(watch) == loop_watch_type ? FIELD(watch, W_FOUND) : NULL;
    int quiet = runs != NULL && found != NULL && PyList_CheckExact(runs) && PyList_GET_SIZE(runs) == MAX_PERIOD + 1
        && PyList_CheckExact(found) && PyList_GET_SIZE(found) == 0;
    for (int period = 1; quiet && period <= MAX_PERIOD; period++) {
        int running = PyObject_IsTrue(PyList_GET_ITEM(runs, period));
        if (running < 0)
            return -1;
        quiet = !running;
    }
    if (quiet)
        return PyDict_DelItem(p->watches, span_id);
    return CALL(p, p->tally, S__agent_ended, p->run, span_id, FIELD(own, O_START_SEQ), FIELD(own, O_NAME));
}

/* Tally._end */
static int on_end(Pass *p, PyObject *event, int use)
{
    PyObject *event_type = FIELD(event, R_EVENT_TYPE), *span_id = FIELD(event, R_SPAN_ID);
    int error = 0;
    PyObject *own = open_span(p, span_id, &error);
    if (error)
        return -1;
    if (same_text(event_type, T_run_end) || (own != NULL && PyLong_AsLongLong(FIELD(own, O_START_SEQ)) < 0))
        return CALL(p, p->tally, S__end, p->run, record_of(p, event), USE(use));  /* the run's end; the other half's root */
    if (own != NULL) {
        Py_INCREF(own);
        if (PyDict_DelItem(p->open, span_id) < 0) {
            Py_DECREF(own);
            return -1;
        }
    }
    else if (CALL(p, p->tally, S__end_without_start, p->run, record_of(p, event)) < 0)
        return -1;
    Op *slot;
    PyObject *op = op_of(p, event, event_type, &slot), *parent = NULL;
    if (op == NULL) {
        Py_XDECREF(own);
        return -1;
    }
    PyObject *duration = FIELD(event, R_DURATION);
    int failed = same_text(FIELD(event, R_STATUS), T_failed), result = -1;
    if (use && ended(p, event, op, slot, duration, failed, own) < 0)
        goto done;
    if (FIELD(event, R_MEMORY) != Py_None && CALL(p, p->tally, S__memory, p->run, record_of(p, event)) < 0)
        goto done;
    keep_ts(p, event);
    if (own == NULL) {
        result = 0;
        goto done;
    }
    double ms = duration != Py_None ? PyFloat_AS_DOUBLE(duration) : 0.0;
    double own_ms = ms - PyFloat_AsDouble(FIELD(own, O_CHILD_MS));
    if (own_ms > p->block_ms) {
        PyObject *blocked = PyFloat_FromDouble(own_ms);
        int failed_call = blocked == NULL || CALL(p, p->tally, S__blocking, p->run, record_of(p, event), op, blocked) < 0;
        Py_XDECREF(blocked);
        if (failed_call)
            goto done;
    }
    PyObject *agent = FIELD(own, O_AGENT);
    if (agent != Py_None && is_text(agent, span_id) && agent_ended(p, span_id, own) < 0)
        goto done;
    PyObject *parent_id = FIELD(event, R_PARENT_ID);
    parent = parent_id != Py_None ? open_span(p, parent_id, &error) : NULL;  /* no orphan check at an end */
    if (error)
        goto done;
    Py_XINCREF(parent);
    if (parent != NULL) {
        PyObject *last = last_of(slot, op, failed);
        if (set_new(parent, O_CHILD_MS, PyFloat_FromDouble(PyFloat_AsDouble(FIELD(parent, O_CHILD_MS)) + ms)) < 0
            || set_new(parent, O_OPEN_KIDS, PyNumber_Subtract(FIELD(parent, O_OPEN_KIDS), ONE)) < 0
            || set_new(parent, O_LAST, last) < 0)
            goto done;
        if (failed) {
            PyObject *error_seen = PyObject_GetAttr(p->run, S_last_error);
            if (set_new(parent, O_FAILED_ERROR, error_seen) < 0)
                goto done;
        }
    }
    result = p->paths ? path_of(p, event, own, parent, op, ms) : 0;
done:
    Py_XDECREF(own);
    Py_XDECREF(parent);
    Py_DECREF(op);
    return result;
}

/* Tally._instant */
static int on_instant(Pass *p, PyObject *event, int use)
{
    PyObject *event_type = FIELD(event, R_EVENT_TYPE);
    if (same_text(event_type, T_segment_start))
        return 0;
    if (p->ids && new_id(p, event) < 0)
        return -1;
    int error;
    PyObject *parent = parent_of(p, event, &error);
    if (error)
        return -1;
    Py_XINCREF(parent);
    int result = -1;
    if (FIELD(event, R_MEMORY) != Py_None && CALL(p, p->tally, S__memory, p->run, record_of(p, event)) < 0)
        goto done;
    keep_ts(p, event);
    result = 0;
    if (!use)
        goto done;
    if (count_in(p->instants, FIELD(event, R_COMPONENT)) < 0
        || (same_text(event_type, T_error_occurred)
            && CALL(p, p->tally, S__error_event, p->run, record_of(p, event), parent != NULL ? parent : Py_None) < 0))
        result = -1;
done:
    Py_XDECREF(parent);
    return result;
}

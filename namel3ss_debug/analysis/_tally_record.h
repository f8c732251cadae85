/* A scanned line's fields put in the scratch record, so that the loop reads them where it reads a record's
 * (`FIELD(event, ...)`): texts from the tables of `_tally_texts.h`, numbers made as msgspec makes them. Only the
 * fields the loop reads are set; `inputs` and `ts` it takes from the line (`inputs_of`, `keep_ts`,
 * `count_bucket`), and a method of the reference gets the line's own record (`record_of`). */

static int set_text(PyObject *object, int f, PyObject *text)
{
    if (text == NULL)
        return -1;
    set_field(object, f, text);
    return 0;
}

/* the field's text, from the tables, unless the scratch holds it already (the run id always, often the rest) */
static int set_kept(int f, Text text)
{
    return holds(FIELD(scratch, f), text.at, text.size) ? 0 : set_text(scratch, f, text_of(text));
}

static int set_amount(int f, int has, double value)
{
    if (!has) {
        set_field(scratch, f, Py_None);
        return 0;
    }
    return set_new(scratch, f, PyFloat_FromDouble(value));
}

static int set_count(int f, long long value)
{
    if (value < 0) {
        set_field(scratch_usage, f, Py_None);
        return 0;
    }
    return set_new(scratch_usage, f, PyLong_FromLongLong(value));
}

/* the scratch record holding `line`'s fields (borrowed), or NULL on error */
static PyObject *fill(Pass *p, Line *line)
{
    const Scanned *s = &line->fields;
    p->line = line;
    if (set_kept(R_RUN_ID, s->run_id) < 0 || set_new(scratch, R_SEQ, PyLong_FromLongLong(s->seq)) < 0
        || set_kept(R_EVENT_TYPE, s->event_type) < 0
        || set_kept(R_COMPONENT, s->component) < 0 || set_kept(R_NAME, s->name) < 0
        || set_text(scratch, R_SPAN_ID, id_of(s->span_id)) < 0 || set_text(scratch, R_PARENT_ID, id_of(s->parent_id)) < 0
        || set_kept(R_STATUS, s->status) < 0
        || set_text(scratch, R_MODEL, s->model.at == NULL ? Py_None : text_of(s->model)) < 0
        || set_amount(R_DURATION, s->has_duration, s->duration_ms) < 0
        || set_amount(R_COST, s->has_cost, s->cost_usd) < 0 || set_amount(R_MEMORY, s->has_memory, s->memory_mb) < 0)
        return NULL;
    if (!s->has_usage) {
        set_field(scratch, R_USAGE, Py_None);
        return scratch;
    }
    if (set_count(U_IN, s->input_tokens) < 0 || set_count(U_OUT, s->output_tokens) < 0
        || set_count(U_TOTAL, s->total_tokens) < 0)
        return NULL;
    set_field(scratch, R_USAGE, scratch_usage);
    return scratch;
}

/* the event as a record of its own, for a method of the reference (borrowed; NULL on error) */
static PyObject *record_of(Pass *p, PyObject *event)
{
    return event == scratch ? line_record(p->lines, p->line) : event;
}

/* the bytes of the event's `inputs` as written, in `view` (released with PyBuffer_Release) */
static int inputs_of(Pass *p, PyObject *event, Py_buffer *view)
{
    if (event != scratch)
        return PyObject_GetBuffer(FIELD(event, R_INPUTS), view, PyBUF_SIMPLE);
    memset(view, 0, sizeof *view);
    view->buf = (void *)p->line->fields.inputs.at;
    view->len = p->line->fields.inputs.size;
    return 0;
}

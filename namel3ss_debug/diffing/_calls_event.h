/* One event as `_calls.c`'s loop reads it: a record's fields (read at their offsets in the bound record type), or
 * a scanned line's (`_scanned.h`: a block `_tally.lines` made, read through `_tally.LINES`), so that the loop is
 * the same for both. A text is made (or taken from the record) when first asked for, and held until the event is
 * done (`event_done`): a scanned line's texts come from tables that may drop them at the next call. Included
 * once, by `_calls.c`, after <Python.h>. */

enum { R_RUN_ID, R_SEQ, R_EVENT_TYPE, R_COMPONENT, R_NAME, R_SPAN_ID, R_PARENT_ID, R_STATUS, R_DURATION, R_ERROR,
       R_INPUTS, R_OUTPUTS, N_FIELDS };
static const char *const FIELD_NAMES[N_FIELDS] = {
    "run_id", "seq", "event_type", "component", "name", "span_id", "parent_id", "status", "duration_ms", "error",
    "inputs", "outputs",
};
static Py_ssize_t field_offset[N_FIELDS];
#define FIELD(record, f) (*(PyObject **)((char *)(record) + field_offset[f]))

static PyTypeObject *record_type;
static const LinesApi *lines_api;  /* NULL: `_tally` was not built, so no block is of its lines */
static PyObject *T_failed;

typedef struct {
    PyObject *record;       /* the record, or NULL: a scanned line's, made only if asked for (`event_record`) */
    const Scanned *fields;  /* the scanned line's fields, or NULL */
    PyObject *lines;        /* the block of lines the event is `position` of */
    Py_ssize_t position;
    PyObject *texts[N_FIELDS];  /* the texts asked for so far (new references) */
    Py_buffer raw[2];           /* a record's inputs and outputs, while they are read */
    int raw_held;               /* bit 0: raw[0] is held; bit 1: raw[1] */
} Event;

/* Event k of `lines` (a block of `_tally.Lines`, or a list of records) */
static void event_at(Event *e, PyObject *lines, Py_ssize_t k)
{
    *e = (Event){.lines = lines, .position = k};
    if (PyList_CheckExact(lines))
        e->record = PyList_GET_ITEM(lines, k);
    else if ((e->fields = lines_api->fields(lines, k)) == NULL)
        e->record = lines_api->record(lines, k);  /* made when the block was: not NULL */
}

static void event_done(Event *e)
{
    for (int f = 0; f < N_FIELDS; f++)
        Py_CLEAR(e->texts[f]);
    for (int i = 0; i < 2; i++)
        if (e->raw_held & (1 << i))
            PyBuffer_Release(&e->raw[i]);
    e->raw_held = 0;
}

/* The event's record, made for a scanned line when first asked for: borrowed, NULL with an error. */
static PyObject *event_record(Event *e)
{
    if (e->record == NULL)
        e->record = lines_api->record(e->lines, e->position);
    return e->record;
}

static Text scanned_text(const Scanned *s, int f)
{
    switch (f) {
    case R_RUN_ID: return s->run_id;
    case R_EVENT_TYPE: return s->event_type;
    case R_COMPONENT: return s->component;
    case R_NAME: return s->name;
    case R_SPAN_ID: return s->span_id;
    case R_PARENT_ID: return s->parent_id;
    default: return s->status;
    }
}

/* A text field (run_id, event_type, component, name, span_id, parent_id, status): borrowed from the event, NULL
 * with an error. A span id or parent id may be None. */
static PyObject *event_text(Event *e, int f)
{
    if (e->texts[f] != NULL)
        return e->texts[f];
    PyObject *text;
    if (e->fields == NULL)
        text = FIELD(e->record, f);
    else if (f == R_SPAN_ID || f == R_PARENT_ID)
        text = lines_api->id(scanned_text(e->fields, f));
    else
        text = lines_api->text(scanned_text(e->fields, f));
    return e->texts[f] = Py_XNewRef(text);
}

/* Whether the event's status is `word` (an ASCII str) */
static int event_status_is(Event *e, PyObject *word)
{
    if (e->fields == NULL)
        return same_text(FIELD(e->record, R_STATUS), word);
    Text status = e->fields->status;
    return status.size == PyUnicode_GET_LENGTH(word)
        && memcmp(status.at, PyUnicode_1BYTE_DATA(word), (size_t)status.size) == 0;
}

/* 0 with the seq in *seq, -1 with an error */
static int event_seq(Event *e, long long *seq)
{
    if (e->fields != NULL) {
        *seq = e->fields->seq;
        return 0;
    }
    *seq = PyLong_AsLongLong(FIELD(e->record, R_SEQ));
    return *seq == -1 && PyErr_Occurred() ? -1 : 0;
}

/* The duration in ms, NAN for none; -1 with an error (`PyErr_Occurred`) */
static double event_duration(Event *e)
{
    if (e->fields != NULL)
        return e->fields->has_duration ? e->fields->duration_ms : NAN;
    PyObject *duration = FIELD(e->record, R_DURATION);
    return duration == Py_None ? NAN : PyFloat_AsDouble(duration);
}

/* Whether the event is a failure with an error (a scanned line's error is null: the scan refuses any other) */
static int event_failed(Event *e)
{
    return e->fields == NULL && FIELD(e->record, R_ERROR) != Py_None && same_text(FIELD(e->record, R_STATUS), T_failed);
}

/* The raw JSON of `inputs` or `outputs` (size 0: absent) into *raw: 0, or -1 with an error */
static int event_raw(Event *e, int f, Text *raw)
{
    if (e->fields != NULL) {
        *raw = f == R_INPUTS ? e->fields->inputs : e->fields->outputs;
        return 0;
    }
    int i = f == R_INPUTS ? 0 : 1;
    if (!(e->raw_held & (1 << i))) {
        if (PyObject_GetBuffer(FIELD(e->record, f), &e->raw[i], PyBUF_SIMPLE) < 0)
            return -1;
        e->raw_held |= 1 << i;
    }
    *raw = (Text){e->raw[i].buf, e->raw[i].len};
    return 0;
}

/* `inputs` or `outputs` as an object for the reference (the record's raw value, or the line's bytes): new */
static PyObject *event_raw_object(Event *e, int f)
{
    if (e->fields == NULL)
        return Py_NewRef(FIELD(e->record, f));
    Text raw = f == R_INPUTS ? e->fields->inputs : e->fields->outputs;
    return PyBytes_FromStringAndSize(raw.at == NULL ? "" : raw.at, raw.size);
}

/* One event as `_see.c`'s loop reads it: a record's fields (read at their offsets in the bound record type), or a
 * scanned line's (`_scanned.h`: a block `_tally.lines` made, read through `_tally.LINES`), so that the loop is the
 * same for both. A scanned line's texts are made only when its plan is not found by their bytes (`event_texts`),
 * and its record only for a method of the scan that is given it (`event_record`). Included once, by `_see.c`,
 * after <Python.h>. */

enum { R_EVENT_TYPE, R_COMPONENT, R_NAME, R_STATUS, R_DURATION, R_USAGE, R_COST, R_ERROR, N_FIELDS };
static const char *FIELD_NAMES[N_FIELDS] = {"event_type", "component", "name", "status", "duration_ms", "usage",
                                            "cost_usd", "error"};
static Py_ssize_t field_offset[N_FIELDS];
static PyTypeObject *record_type;
#define FIELD(object, f) (*(PyObject **)((char *)(object) + field_offset[f]))

static const LinesApi *lines_api;  /* NULL: `_tally` was not built, so no block is of its lines */
static PyObject *S_total, *T_failed;

typedef struct {
    PyObject *record;       /* a new reference (a method called could change the list), or NULL: a scanned line's,
                               made only if asked for */
    const Scanned *fields;  /* the scanned line's fields, or NULL */
    PyObject *lines;        /* the block the event is `position` of */
    Py_ssize_t position;
    PyObject *texts[3];     /* its type, component and name (new references; a scanned line's once asked for) */
} Event;

/* How many events `records` holds now: a method the loop calls could change a list (not a block of lines) */
static Py_ssize_t known_count(PyObject *records, Py_ssize_t count)
{
    return PyList_CheckExact(records) ? PyList_GET_SIZE(records) : count;
}

static void event_done(Event *e)
{
    Py_CLEAR(e->record);
    for (int i = 0; i < 3; i++)
        Py_CLEAR(e->texts[i]);
}

/* Event k of `records` (checked by `known_records`) */
static void event_at(Event *e, PyObject *records, Py_ssize_t k)
{
    *e = (Event){.lines = records, .position = k};
    if (PyList_CheckExact(records))
        e->record = Py_NewRef(PyList_GET_ITEM(records, k));
    else if ((e->fields = lines_api->fields(records, k)) == NULL)
        e->record = Py_NewRef(lines_api->record(records, k));  /* made when the block was */
    if (e->fields == NULL)
        for (int i = 0; i < 3; i++)
            e->texts[i] = Py_NewRef(FIELD(e->record, R_EVENT_TYPE + i));
}

/* The event's type, component and name as strs, a scanned line's made when first asked for: NULL with an error */
static PyObject *const *event_texts(Event *e)
{
    if (e->texts[0] != NULL)
        return e->texts;
    Text texts[] = {e->fields->event_type, e->fields->component, e->fields->name};
    for (int i = 0; i < 3; i++)  /* each held at once: the table may drop it at the next call */
        if ((e->texts[i] = Py_XNewRef(lines_api->text(texts[i]))) == NULL)
            return NULL;
    return e->texts;
}

/* A scanned line's type, component and name in `texts`, and `texts_hash` of them into *hash: 1, or 0 for a record,
 * or texts not all ASCII (whose strs hold other bytes than the line) */
static int event_raw_texts(Event *e, Text *texts, uint64_t *hash)
{
    if (e->fields == NULL)
        return 0;
    texts[0] = e->fields->event_type;
    texts[1] = e->fields->component;
    texts[2] = e->fields->name;
    uint64_t found = TEXTS_HASH_START;
    unsigned char high = 0;
    for (int i = 0; i < 3; i++) {
        const unsigned char *at = (const unsigned char *)texts[i].at;
        for (Py_ssize_t k = 0; k < texts[i].size; k++)
            high |= at[k];
        found = texts_hash_add(found, at, (size_t)texts[i].size);
    }
    *hash = texts_hash_end(found);
    return high < 0x80;
}

/* Whether the str `text` holds the ASCII bytes `raw` */
static int holds_ascii(PyObject *text, Text raw)
{
    return PyUnicode_IS_COMPACT_ASCII(text) && PyUnicode_GET_LENGTH(text) == raw.size
        && memcmp(PyUnicode_1BYTE_DATA(text), raw.at, (size_t)raw.size) == 0;
}

/* The event's record, made for a scanned line when first asked for: borrowed, NULL with an error */
static PyObject *event_record(Event *e)
{
    if (e->record == NULL)
        e->record = Py_XNewRef(lines_api->record(e->lines, e->position));
    return e->record;
}

/* `record.error is not None or record.status == "failed"` (a scanned line's error is null: the scan refuses any
 * other) */
static int event_failed(Event *e)
{
    if (e->fields == NULL)
        return FIELD(e->record, R_ERROR) != Py_None || same_text(FIELD(e->record, R_STATUS), T_failed);
    Text status = e->fields->status;
    return status.size == 6 && memcmp(status.at, "failed", 6) == 0;
}

/* `record.duration_ms`: new, NULL with an error */
static PyObject *event_duration(Event *e)
{
    if (e->fields == NULL)
        return Py_NewRef(FIELD(e->record, R_DURATION));
    return e->fields->has_duration ? PyFloat_FromDouble(e->fields->duration_ms) : Py_NewRef(Py_None);
}

/* `record.cost_usd`: new, NULL with an error */
static PyObject *event_cost(Event *e)
{
    if (e->fields == NULL)
        return Py_NewRef(FIELD(e->record, R_COST));
    return e->fields->has_cost ? PyFloat_FromDouble(e->fields->cost_usd) : Py_NewRef(Py_None);
}

/* `record.usage.total if record.usage is not None else 0` (`Usage.total`: the total, else input + output): new */
static PyObject *event_size(Event *e)
{
    if (e->fields == NULL) {
        PyObject *usage = FIELD(e->record, R_USAGE);
        return usage != Py_None ? PyObject_GetAttr(usage, S_total) : PyLong_FromLong(0);
    }
    const Scanned *s = e->fields;
    if (!s->has_usage)
        return PyLong_FromLong(0);
    if (s->total_tokens >= 0)
        return PyLong_FromLongLong(s->total_tokens);
    long long input = s->input_tokens > 0 ? s->input_tokens : 0, output = s->output_tokens > 0 ? s->output_tokens : 0;
    return PyLong_FromLongLong(input + output);
}

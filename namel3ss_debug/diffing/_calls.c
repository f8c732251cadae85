/* Optional speedup for diff's reading of a run (calls.py keeps the reference):
 *
 * record(recorder, records, path, offsets) -> the events counted, or NotImplemented: `CallRecorder.add_block`
 *     (whose `add_block_py` is the reference) on the same state: the recorder's dicts, its table's arrays
 *     (`_calls_table.h`). The records are a list of the bound record type, or a block of `_tally.Lines` whose
 *     lines it reads as the scan left them (`_calls_event.h`: diff scans a line once, for its figures and its
 *     calls). NotImplemented before `bind`, or for other records, or a table of other arrays. What is rare it
 *     leaves to the recorder's own methods, with the arguments the reference passes them: a run other than the
 *     one kept (`RunChoice.keeps`), an event type or an operation not met before (`_kind_of`, `_codes`), inputs
 *     whose text the canonical writer leaves aside (`raw_fingerprint_py`), and an end whose outputs must be
 *     decoded (a failure's error, a text left aside, a preview to keep: `_end_value`, given the line's record).
 *     Given a path and offsets (a run read again), a start keeps where its line is rather than its inputs'
 *     fingerprint. Within a block it counts call numbers in a table of its own, written back to `numbers` when
 *     the block ends (nothing reads them meanwhile), and looks up each start's operation codes once. Its
 *     fingerprints are `_fingerprint.c`'s (the same canonical writer and hash, `_fingerprint_canonical.h`).
 *
 * Tests (tests/unit/diffing/test_recorder_compiled.py) compare the recorder's whole state after every block of
 * random runs with the reference's. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

#include "_members.h"
#include "_texts.h"
#include "_fingerprint_canonical.h"
#include "_calls_table.h"
#include "_scanned.h"
#include "_calls_event.h"

/* -- fingerprints ---------------------------------------------------------------------------------------- */
/* The hash of the canonical JSON of the text `raw` */
static int text_digest(Text raw, uint64_t *hash)
{
    return canonical_digest((const unsigned char *)raw.at, (size_t)raw.size, hash);
}

/* 8 bytes (as `fingerprint_bytes` writes them) as the hash again; -1 with TypeError if they are not 8 bytes. */
static int bytes_hash(PyObject *bytes, unsigned long long *hash)
{
    if (!PyBytes_Check(bytes) || PyBytes_GET_SIZE(bytes) != 8) {
        PyErr_SetString(PyExc_TypeError, "a fingerprint is 8 bytes");
        return -1;
    }
    const unsigned char *at = (const unsigned char *)PyBytes_AS_STRING(bytes);
    *hash = 0;
    for (int i = 7; i >= 0; i--)
        *hash = *hash << 8 | at[i];
    return 0;
}

/* -- the recorder's loop --------------------------------------------------------------------------------- */
static PyObject *lines_capsule, *raw_fingerprint_py, *T_started, *T_llm, *T_tool, *T_unclosed, *T_app, *T_startup,
    *T_app_load_start, *S_keeps, *S_wanted,
    *S_kind_of, *S_codes, *S_end_value, *S_code, *S_popitem, *LAST_KW;

#define COUNTED 128  /* (component, name) pairs counted in a block's own table, at most */
#define STARTED 128  /* (event type, component, name) of the starts met in a block, at most */

/* What one call of `record` works with: the recorder's state (its dicts are never replaced while it reads). */
typedef struct {
    PyObject *recorder, *runs, *wanted, *kinds, *operations, *numbers, *open, *closed, *texts, *codes, *names,
        *files, *previews, *places, *path, *offsets;
    Py_ssize_t remembered;
    long unclosed;   /* the code of "unclosed" in `texts`: a started call's status until its end */
    long file_code;  /* the block's file in `files`, -1 until a place is kept */
    Table table;
    /* numbers[(component, name)] of the pairs met in this block, in the order met: written back to `numbers`
     * when the block ends (or the table is full) */
    struct { PyObject *key; long number; } counted[COUNTED];
    short counted_at[2 * COUNTED];  /* index in counted by hash of the pair's texts, -1 for none */
    int counted_n;
    /* the starts met in this block, by (event type, component, name): their operation's codes */
    struct { PyObject *type, *component, *name; long codes[3]; } started[STARTED];
    short started_at[2 * STARTED];
    int started_n;
} Block;

static long as_code(PyObject *value)
{
    return value == NULL ? -1 : PyLong_AsLong(value);
}

/* The block's counts written back to `numbers` (in the order their pairs were met), and the table emptied. */
static int flush_counts(Block *b)
{
    int result = 0;
    for (int i = 0; i < b->counted_n; i++) {
        if (result == 0) {
            PyObject *number = PyLong_FromLong(b->counted[i].number);
            result = number == NULL || PyDict_SetItem(b->numbers, b->counted[i].key, number) < 0 ? -1 : 0;
            Py_XDECREF(number);
        }
        Py_DECREF(b->counted[i].key);
    }
    b->counted_n = 0;
    memset(b->counted_at, -1, sizeof b->counted_at);
    return result;
}

/* The place in the block's table of `numbers[(component, name)]`, taken from `numbers` (or 0) when first met:
 * -1 with an error. */
static int counted_place(Block *b, PyObject *component, PyObject *name)
{
    PyObject *texts[] = {component, name};
    size_t at = (size_t)texts_hash(texts, 2) % (2 * COUNTED);
    for (int i; (i = b->counted_at[at]) >= 0; at = (at + 1) % (2 * COUNTED)) {
        PyObject *key = b->counted[i].key;
        if (same_text(PyTuple_GET_ITEM(key, 0), component) && same_text(PyTuple_GET_ITEM(key, 1), name))
            return i;
    }
    if (b->counted_n == COUNTED) {  /* no room: what was counted goes back to `numbers` first */
        if (flush_counts(b) < 0)
            return -1;
        at = (size_t)texts_hash(texts, 2) % (2 * COUNTED);
    }
    PyObject *key = PyTuple_Pack(2, component, name);
    if (key == NULL)
        return -1;
    PyObject *old = PyDict_GetItemWithError(b->numbers, key);
    long was = old != NULL ? PyLong_AsLong(old) : 0;
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    int i = b->counted_n++;
    b->counted[i].key = key;
    b->counted[i].number = was;
    b->counted_at[at] = (short)i;
    return i;
}

/* `numbers[(component, name)] += 1` (from 0): the new number, or -1 with an error. */
static long count_call(Block *b, PyObject *component, PyObject *name)
{
    int i = counted_place(b, component, name);
    return i < 0 ? -1 : ++b->counted[i].number;
}

/* A text's code in the table's `texts` (added there by `Names.code` when new), or -1 with an error. */
static long text_code(Block *b, PyObject *text)
{
    PyObject *code = PyDict_GetItemWithError(b->codes, text);
    if (code != NULL)
        return PyLong_AsLong(code);
    if (PyErr_Occurred())
        return -1;
    PyObject *made = PyObject_CallMethodOneArg(b->texts, S_code, text);
    long value = as_code(made);
    Py_XDECREF(made);
    return value;
}

/* The span `parent_id` names, open or just closed: its call's index, -1 for none, -2 with an error. */
static Py_ssize_t parent_of(Block *b, PyObject *parent_id)
{
    if (parent_id == Py_None)
        return -1;
    PyObject *index = PyDict_GetItemWithError(b->open, parent_id);
    if (index == NULL && !PyErr_Occurred())
        index = PyDict_GetItemWithError(b->closed, parent_id);
    if (index == NULL)
        return PyErr_Occurred() ? -2 : -1;
    Py_ssize_t value = PyLong_AsSsize_t(index);
    return value == -1 && PyErr_Occurred() ? -2 : value;
}

static int place_of(Block *b, Py_ssize_t position, long long *offset);
static long file_code(Block *b);

/* The codes of a start's operation (component, name and the kind its type names), as `operations` keeps them
 * (made by `_kind_of` and `_codes` when new): into codes_of, 0, or -1 with an error. */
static int operation_codes(Block *b, PyObject *event_type, PyObject *component, PyObject *name, long *codes_of)
{
    PyObject *made_kind = NULL, *made_codes = NULL, *key = NULL;
    int result = -1;
    PyObject *kind = PyDict_GetItemWithError(b->kinds, event_type);
    if (kind == NULL && (PyErr_Occurred() || (kind = made_kind = PyObject_CallMethodOneArg(
                                                  b->recorder, S_kind_of, event_type)) == NULL))
        goto done;
    if ((key = PyTuple_Pack(3, component, name, kind)) == NULL)
        goto done;
    PyObject *codes = PyDict_GetItemWithError(b->operations, key);
    if (codes == NULL) {
        PyObject *args[] = {b->recorder, component, name, kind};
        if (PyErr_Occurred() || (codes = made_codes = PyObject_VectorcallMethod(
                                     S_codes, args, 4 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL)) == NULL)
            goto done;
    }
    if (!PyTuple_Check(codes) || PyTuple_GET_SIZE(codes) != 3) {
        PyErr_SetString(PyExc_TypeError, "an operation's codes are a tuple of three");
        goto done;
    }
    for (int i = 0; i < 3; i++)
        codes_of[i] = as_code(PyTuple_GET_ITEM(codes, i));
    result = PyErr_Occurred() ? -1 : 0;
done:
    Py_XDECREF(made_kind);
    Py_XDECREF(made_codes);
    Py_XDECREF(key);
    return result;
}

/* `operation_codes` kept for the block: the starts of an operation after its first look up nothing */
static int started_codes(Block *b, PyObject *event_type, PyObject *component, PyObject *name, long *codes_of)
{
    PyObject *texts[] = {event_type, component, name};
    size_t at = (size_t)texts_hash(texts, 3) % (2 * STARTED);
    for (int i; (i = b->started_at[at]) >= 0; at = (at + 1) % (2 * STARTED))
        if (same_text(b->started[i].type, event_type) && same_text(b->started[i].component, component)
            && same_text(b->started[i].name, name)) {
            memcpy(codes_of, b->started[i].codes, sizeof b->started[i].codes);
            return 0;
        }
    if (operation_codes(b, event_type, component, name, codes_of) < 0)
        return -1;
    if (b->started_n < STARTED) {  /* else looked up each time */
        int i = b->started_n++;
        b->started[i].type = Py_NewRef(event_type);
        b->started[i].component = Py_NewRef(component);
        b->started[i].name = Py_NewRef(name);
        memcpy(b->started[i].codes, codes_of, sizeof b->started[i].codes);
        b->started_at[at] = (short)i;
    }
    return 0;
}

/* The fingerprint of a start's inputs (`raw_fingerprint`): 0, or -1 with an error */
static int inputs_hash(Event *e, Text inputs, unsigned long long *value)
{
    uint64_t hash;
    int found = text_digest(inputs, &hash);
    if (found == FAILED)
        return -1;
    if (found == OK) {
        *value = hash;
        return 0;
    }
    PyObject *raw = event_raw_object(e, R_INPUTS);
    PyObject *made = raw == NULL ? NULL : PyObject_CallOneArg(raw_fingerprint_py, raw);
    int bad = made == NULL || bytes_hash(made, value) < 0;
    Py_XDECREF(raw);
    Py_XDECREF(made);
    return bad ? -1 : 0;
}

/* A start: the call's row. 0, or -1 with an error. */
static int start(Block *b, Event *e)
{
    PyObject *component = event_text(e, R_COMPONENT), *name = event_text(e, R_NAME);
    PyObject *event_type = event_text(e, R_EVENT_TYPE), *parent_id = event_text(e, R_PARENT_ID);
    long codes_of[3];
    if (component == NULL || name == NULL || event_type == NULL || parent_id == NULL)
        return -1;
    if (same_text(name, T_startup) && same_text(event_type, T_app_load_start) && same_text(component, T_app))
        return 0;  /* the run's start-up (model/events.py is_startup) is no call; its end counts as an instant's */
    if (started_codes(b, event_type, component, name, codes_of) < 0)
        return -1;
    Py_ssize_t parent = parent_of(b, parent_id);
    long number = parent < -1 ? -1 : count_call(b, component, name);
    if (number < 0)
        return -1;
    unsigned long long inputs_value = 0;  /* the `inputs` column's: a fingerprint or an offset */
    int has_inputs = NO_INPUTS, start_file = -1;
    Text inputs;
    if (event_raw(e, R_INPUTS, &inputs) < 0)
        return -1;
    if (inputs.size > 0 && b->path != Py_None && b->offsets != Py_None) {  /* read again when asked for */
        long long offset;
        long file;
        if (place_of(b, e->position, &offset) < 0 || (file = file_code(b)) < 0)
            return -1;
        inputs_value = (unsigned long long)offset;
        start_file = (int)file;
        has_inputs = INPUTS_AT_START;
    }
    else if (inputs.size > 0) {
        if (inputs_hash(e, inputs, &inputs_value) < 0)
            return -1;
        has_inputs = INPUTS_HASHED;
    }
    unsigned int depth = 0;
    if (parent >= 0) {
        unsigned int *above = FIELD_AT(&b->table, parent, C_DEPTH, unsigned int, depth);
        if (above == NULL)
            return -1;
        depth = *above + 1;
    }
    long long seq;
    PyObject *span_id = event_text(e, R_SPAN_ID);
    if (event_seq(e, &seq) < 0 || span_id == NULL)
        return -1;
    Py_ssize_t index = b->table.flushed + b->table.count;
    Row *row = table_add(&b->table);
    if (row == NULL)
        return -1;
    *row = (Row){.seq = seq, .number = (unsigned int)number, .depth = depth, .component = (unsigned int)codes_of[0],
                 .name = (unsigned int)codes_of[1], .operation = (unsigned int)codes_of[2],
                 .status = (unsigned int)b->unclosed, .parent = (int)parent, .place_file = -1, .duration = NAN,
                 .inputs = inputs_value, .has_inputs = (unsigned char)has_inputs, .start_file = start_file};
    PyObject *at = PyLong_FromSsize_t(index);
    int result = at == NULL || PyDict_SetItem(b->open, span_id, at) < 0 ? -1 : 0;
    Py_XDECREF(at);
    return result;
}

/* `closed[span_id] = index`, the oldest forgotten past `remembered`. */
static int remember(Block *b, PyObject *span_id, PyObject *index)
{
    if (PyObject_SetItem(b->closed, span_id, index) < 0)
        return -1;
    if (PyObject_Length(b->closed) <= b->remembered)
        return 0;
    PyObject *args[] = {b->closed, Py_False};
    PyObject *gone = PyObject_VectorcallMethod(S_popitem, args, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, LAST_KW);
    Py_XDECREF(gone);
    return gone == NULL ? -1 : 0;
}

/* Where record `position`'s line is in the block's file (`offsets()` called once a block). */
static int place_of(Block *b, Py_ssize_t position, long long *offset)
{
    if (b->places == NULL && (b->places = PyObject_CallNoArgs(b->offsets)) == NULL)
        return -1;
    PyObject *value = PySequence_GetItem(b->places, position);
    if (value == NULL)
        return -1;
    *offset = PyLong_AsLongLong(value);
    Py_DECREF(value);
    return *offset == -1 && PyErr_Occurred() ? -1 : 0;
}

/* The block's file's code in `files` (added there when a call first keeps a place in it). */
static long file_code(Block *b)
{
    if (b->file_code < 0) {
        PyObject *code = PyObject_CallMethodOneArg(b->files, S_code, b->path);
        b->file_code = as_code(code);
        Py_XDECREF(code);
    }
    return b->file_code;
}

/* An end of the open call `index` (its entry already taken out of `open`): how the call ended. */
static int end(Block *b, Event *e, Py_ssize_t index)
{
    Table *t = &b->table;
    PyObject *status = event_text(e, R_STATUS);
    long status_code = status == NULL ? -1 : text_code(b, status);
    double seconds = status_code < 0 ? NAN : event_duration(e);
    if (status_code < 0 || PyErr_Occurred())
        return -1;
    unsigned int *status_at = FIELD_AT(t, index, C_STATUS, unsigned int, status);
    double *duration_at = FIELD_AT(t, index, C_DURATION, double, duration);
    if (status_at == NULL || duration_at == NULL)
        return -1;
    *status_at = (unsigned int)status_code;
    *duration_at = seconds;
    int failed = event_failed(e);
    Text outputs = {NULL, 0};
    if (!failed && event_raw(e, R_OUTPUTS, &outputs) < 0)
        return -1;
    if (!failed && outputs.size == 0)
        return 0;  /* no outputs: status and duration only */
    uint64_t hash = 0;
    int found = failed ? ASIDE : text_digest(outputs, &hash);
    if (found == FAILED)
        return -1;
    unsigned int *component = FIELD_AT(t, index, C_COMPONENT, unsigned int, component);
    if (component == NULL)
        return -1;
    if (*component >= (size_t)PyList_GET_SIZE(b->names)) {
        PyErr_SetString(PyExc_IndexError, "a component's code past the table's texts");
        return -1;
    }
    PyObject *text = PyList_GET_ITEM(b->names, *component);  /* codes are positions in `names` */
    int shown = same_text(text, T_llm) || same_text(text, T_tool), placed = 0;
    long long offset = 0;
    if (shown && b->path != Py_None && b->offsets != Py_None) {
        if (place_of(b, e->position, &offset) < 0)
            return -1;
        placed = 1;
    }
    unsigned long long outputs_hash = hash;
    if (found == ASIDE || (shown && !placed)) {
        PyObject *record = event_record(e);
        PyObject *known = record == NULL ? NULL : found == OK ? fingerprint_bytes(hash) : Py_NewRef(Py_None);
        if (known == NULL)
            return -1;
        PyObject *args[] = {b->recorder, record, known, shown && !placed ? Py_True : Py_False};
        PyObject *value = PyObject_VectorcallMethod(S_end_value, args, 4 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(known);
        if (value == NULL)
            return -1;
        if (value == Py_None) {  /* the outputs were null: none */
            Py_DECREF(value);
            return 0;
        }
        int bad = !PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 2
            || bytes_hash(PyTuple_GET_ITEM(value, 0), &outputs_hash) < 0;
        PyObject *preview = bad ? Py_None : PyTuple_GET_ITEM(value, 1);
        if (!bad && preview != Py_None) {
            PyObject *at = PyLong_FromSsize_t(index);
            bad = at == NULL || PyDict_SetItem(b->previews, at, preview) < 0;
            Py_XDECREF(at);
        }
        if (bad && !PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "_end_value gives None or (fingerprint, preview)");
        Py_DECREF(value);
        if (bad)
            return -1;
    }
    unsigned long long *outputs_at = FIELD_AT(t, index, C_OUTPUTS, unsigned long long, outputs);
    unsigned char *has_outputs = FIELD_AT(t, index, C_HAS_OUTPUTS, unsigned char, has_outputs);
    if (outputs_at == NULL || has_outputs == NULL)
        return -1;
    *outputs_at = outputs_hash;
    *has_outputs = 1;
    if (placed) {
        int *file_at = FIELD_AT(t, index, C_PLACE_FILE, int, place_file);
        long long *offset_at = FIELD_AT(t, index, C_PLACE_OFFSET, long long, place_offset);
        long file = file_code(b);
        if (file_at == NULL || offset_at == NULL || file < 0)
            return -1;
        *file_at = (int)file;
        *offset_at = offset;
    }
    return 0;
}

/* An event that is not a start: the end of its span's call, or (no such span open) one more of its name. */
static int finish(Block *b, Event *e)
{
    PyObject *span_id = event_text(e, R_SPAN_ID);
    PyObject *index = span_id == NULL ? NULL : PyDict_GetItemWithError(b->open, span_id);
    if (index == NULL) {
        if (PyErr_Occurred())
            return -1;
        PyObject *component = event_text(e, R_COMPONENT), *name = event_text(e, R_NAME);
        return component == NULL || name == NULL || count_call(b, component, name) < 0 ? -1 : 0;
    }
    Py_INCREF(index);
    Py_ssize_t value = PyLong_AsSsize_t(index);
    int result = -1;
    if (!(value == -1 && PyErr_Occurred()) && PyDict_DelItem(b->open, span_id) == 0
        && remember(b, span_id, index) == 0)
        result = end(b, e, value);
    Py_DECREF(index);
    return result;
}

static PyObject *attribute(PyObject *owner, const char *name, PyObject **into)
{
    return *into = owner == NULL ? NULL : PyObject_GetAttrString(owner, name);
}

/* The recorder's state for one block. 0, -1 with an error, 1 for a table this code does not know. */
static int block_open(Block *b, PyObject *recorder)
{
    PyObject *spans = NULL, *table = NULL, *remembered = NULL;
    b->recorder = recorder;
    int result = -1;
    if (attribute(recorder, "_runs", &b->runs) == NULL || attribute(b->runs, "wanted", &b->wanted) == NULL
        || attribute(recorder, "_kinds", &b->kinds) == NULL
        || attribute(recorder, "_operations", &b->operations) == NULL
        || attribute(recorder, "_numbers", &b->numbers) == NULL || attribute(recorder, "_spans", &spans) == NULL
        || attribute(spans, "open", &b->open) == NULL || attribute(spans, "closed", &b->closed) == NULL
        || attribute(spans, "remembered", &remembered) == NULL || attribute(recorder, "_table", &table) == NULL
        || attribute(table, "texts", &b->texts) == NULL || attribute(b->texts, "codes", &b->codes) == NULL
        || attribute(b->texts, "texts", &b->names) == NULL || attribute(table, "files", &b->files) == NULL
        || attribute(table, "previews", &b->previews) == NULL)
        goto done;
    if (!PyDict_CheckExact(b->kinds) || !PyDict_CheckExact(b->operations) || !PyDict_CheckExact(b->numbers)
        || !PyDict_CheckExact(b->open) || !PyDict_Check(b->closed) || !PyDict_CheckExact(b->codes)
        || !PyList_CheckExact(b->names) || !PyDict_CheckExact(b->previews)) {
        result = 1;
        goto done;
    }
    if ((b->remembered = PyLong_AsSsize_t(remembered)) == -1 && PyErr_Occurred())
        goto done;
    if ((b->unclosed = text_code(b, T_unclosed)) < 0)
        goto done;
    result = table_open(&b->table, table);
done:
    Py_XDECREF(spans);
    Py_XDECREF(table);
    Py_XDECREF(remembered);
    return result;
}

static int block_close(Block *b)
{
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);  /* what was counted goes back whatever happened */
    int result = flush_counts(b);
    if (type != NULL)
        PyErr_Restore(type, value, traceback);
    for (int i = 0; i < b->started_n; i++) {
        Py_DECREF(b->started[i].type);
        Py_DECREF(b->started[i].component);
        Py_DECREF(b->started[i].name);
    }
    b->started_n = 0;
    result = table_close(&b->table) < 0 || result < 0 ? -1 : 0;
    PyObject **held[] = {&b->runs, &b->wanted, &b->kinds, &b->operations, &b->numbers, &b->open, &b->closed,
                         &b->texts, &b->codes, &b->names, &b->files, &b->previews, &b->places};
    for (size_t i = 0; i < sizeof held / sizeof held[0]; i++)
        Py_CLEAR(*held[i]);
    return result;
}

/* Whether the record is of the run kept (`RunChoice.keeps` decides when it is not the one kept so far). */
static int kept(Block *b, Event *e)
{
    PyObject *run_id = event_text(e, R_RUN_ID);
    if (run_id == NULL)
        return -1;
    if (PyUnicode_Check(b->wanted) && same_text(run_id, b->wanted))
        return 1;
    PyObject *answer = PyObject_CallMethodOneArg(b->runs, S_keeps, run_id);
    int keeps = answer == NULL ? -1 : PyObject_IsTrue(answer);
    Py_XDECREF(answer);
    if (keeps == 1)
        Py_XSETREF(b->wanted, PyObject_GetAttr(b->runs, S_wanted));
    return keeps == 1 && b->wanted == NULL ? -1 : keeps;
}

static PyObject *record(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "record(recorder, records, path, offsets)");
        return NULL;
    }
    PyObject *records = args[1];
    Py_ssize_t count = record_type == NULL ? -1 : known_records(records, record_type, lines_api);
    if (count < 0)
        Py_RETURN_NOTIMPLEMENTED;
    Block b = {.path = args[2], .offsets = args[3], .file_code = -1};
    memset(b.counted_at, -1, sizeof b.counted_at);
    memset(b.started_at, -1, sizeof b.started_at);
    int opened = block_open(&b, args[0]);
    long long events = 0;
    int failed = opened < 0;
    for (Py_ssize_t position = 0; position < count && opened == 0 && !failed; position++) {
        Event e;
        event_at(&e, records, position);
        int keeps = kept(&b, &e);
        if (keeps > 0) {
            events++;
            failed = (event_status_is(&e, T_started) ? start(&b, &e) : finish(&b, &e)) < 0;
        }
        else
            failed = keeps < 0;
        event_done(&e);
    }
    failed = block_close(&b) < 0 || failed;
    if (failed)
        return NULL;
    if (opened == 1)
        Py_RETURN_NOTIMPLEMENTED;
    return PyLong_FromLongLong(events);
}

/* bind(record type, raw_fingerprint_py, lines): the type whose fields `record` reads at their offsets, the
 * reference for inputs the canonical writer leaves aside, and `_tally.LINES` (None where `_tally` was not built),
 * through which it reads a block of `_tally.Lines`. */
static PyObject *bind(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyType_Check(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "bind(record type, raw_fingerprint_py, _tally.LINES or None)");
        return NULL;
    }
    if (take_lines_api(args[2], &lines_capsule, &lines_api) < 0)
        return NULL;
    if (member_offsets(args[0], FIELD_NAMES, field_offset, N_FIELDS) < 0)
        return NULL;
    Py_XSETREF(record_type, (PyTypeObject *)Py_NewRef(args[0]));
    Py_XSETREF(raw_fingerprint_py, Py_NewRef(args[1]));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"record", (PyCFunction)(void (*)(void))record, METH_FASTCALL,
     "CallRecorder.add_block in C: the events counted, or NotImplemented."},
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL, "The record type and reference record works with."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "_calls", NULL, -1, methods};

PyMODINIT_FUNC PyInit__calls(void)
{
    if (canonical_init() < 0)
        return NULL;
    PyObject **texts[] = {&T_started, &T_failed, &T_llm, &T_tool, &T_unclosed, &T_app, &T_startup, &T_app_load_start,
                          &S_keeps, &S_wanted, &S_kind_of, &S_codes, &S_end_value, &S_code, &S_popitem, &S_frombytes};
    const char *words[] = {"started", "failed", "llm", "tool", "unclosed", "app", "start-up", "app_load_start", "keeps",
                           "wanted", "_kind_of", "_codes", "_end_value", "code", "popitem", "frombytes"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if ((*texts[i] = PyUnicode_InternFromString(words[i])) == NULL)
            return NULL;
    LAST_KW = Py_BuildValue("(s)", "last");
    if (LAST_KW == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}

/* A block of lines read for the pass, `lines(decoder, data)`: each line's fields as `_tally_scan.h` reads them
 * in place, or, for a line it is not sure of, the record msgspec's `decoder` makes of it. A line msgspec refuses
 * too raises its error, as `decoder.decode_lines` would: the reader then reads the block line by line.
 *
 * To Python it is a sequence of records, each one made by msgspec only when asked for (the reader's index wants a
 * few seqs a block, `types` the event types): `feed` reads the fields themselves, and fills one scratch record
 * with them for the loop (`fill`). A method of the reference is given the line's own record (`record_of`), so
 * none ever sees the scratch. The lines point into the block's buffer, which the reader overwrites two blocks
 * later: like msgspec's records, they are to be fed, not kept. */

typedef struct Line {
    const char *at;    /* the line, without its newline */
    Py_ssize_t size;
    PyObject *record;  /* msgspec's record: a line the scan was not sure of, or one asked for since */
    int scanned;       /* `fields` holds the line's fields */
    Scanned fields;
} Line;

typedef struct Lines {
    PyObject_HEAD
    Py_buffer view;    /* held while the lines point into it */
    PyObject *decoder;
    Py_ssize_t count, room;
    Py_ssize_t newlines;  /* the block's newlines, blank lines' too: the reader numbers the next block's lines by them */
    Line *lines;
} Lines;

static PyTypeObject LinesType;

/* The array of the block fed last, kept for the next: a fresh one would be fresh pages of memory each block. */
static Line *spare;
static Py_ssize_t spare_room;

static int blank(const char *at, const char *end)
{
    for (; at < end; at++)
        if (*at != ' ' && *at != '\t' && *at != '\r')
            return 0;
    return 1;
}

/* msgspec's record of the line, made once */
static PyObject *line_record(Lines *lines, Line *line)
{
    if (line->record == NULL) {
        PyObject *text = PyBytes_FromStringAndSize(line->at, line->size);
        if (text == NULL)
            return NULL;
        line->record = PyObject_CallMethodOneArg(lines->decoder, S_decode, text);
        Py_DECREF(text);
    }
    return line->record;
}

static void lines_dealloc(Lines *self)
{
    for (Py_ssize_t k = 0; k < self->count; k++)
        Py_XDECREF(self->lines[k].record);
    if (self->lines != NULL && spare == NULL) {
        spare = self->lines;
        spare_room = self->room;
    }
    else
        PyMem_Free(self->lines);
    if (self->view.obj != NULL)
        PyBuffer_Release(&self->view);
    Py_XDECREF(self->decoder);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* twice the room for lines (a block of 1 MB has some 1,700) */
static int more_room(Lines *self)
{
    Py_ssize_t room = self->room > 0 ? 2 * self->room : 1024;
    Line *grown = PyMem_Realloc(self->lines, (size_t)room * sizeof(Line));
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->lines = grown;
    self->room = room;
    return 0;
}

/* lines(decoder, data) -> Lines */
static PyObject *lines_new(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "lines(decoder, data)");
        return NULL;
    }
    Lines *self = PyObject_New(Lines, &LinesType);
    if (self == NULL)
        return NULL;
    self->view.obj = NULL;
    self->decoder = Py_NewRef(args[0]);
    self->count = self->room = self->newlines = 0;
    self->lines = NULL;
    if (PyObject_GetBuffer(args[1], &self->view, PyBUF_SIMPLE) < 0)
        goto error;
    const char *at = self->view.buf, *end = at + self->view.len;
    if (spare != NULL) {
        self->lines = spare;
        self->room = spare_room;
        spare = NULL;
    }
    while (at < end) {
        const char *newline = memchr(at, '\n', (size_t)(end - at));
        const char *stop = newline == NULL ? end : newline;
        self->newlines += newline != NULL;
        if (!blank(at, stop)) {
            if (self->count == self->room && more_room(self) < 0)
                goto error;
            Line *line = &self->lines[self->count++];
            line->record = NULL;
            line->at = at;
            line->size = stop - at;
            line->scanned = scan_event(at, stop, &line->fields);
            if (!line->scanned && line_record(self, line) == NULL)
                goto error;
        }
        at = stop + 1;
    }
    return (PyObject *)self;
error:
    Py_DECREF(self);
    return NULL;
}

static Py_ssize_t lines_length(Lines *self)
{
    return self->count;
}

static PyObject *lines_item(Lines *self, Py_ssize_t k)
{
    if (k < 0 || k >= self->count) {
        PyErr_SetString(PyExc_IndexError, "line out of range");
        return NULL;
    }
    return Py_XNewRef(line_record(self, &self->lines[k]));
}

/* types() -> set of the block's event types, without a record made for each line */
static PyObject *lines_types(Lines *self, PyObject *unused)
{
    PyObject *types = PySet_New(NULL);
    for (Py_ssize_t k = 0; types != NULL && k < self->count; k++) {
        Line *line = &self->lines[k];
        PyObject *type = line->scanned ? Py_XNewRef(text_of(line->fields.event_type))
            : PyObject_GetAttr(line->record, S_event_type);
        if (type == NULL || PySet_Add(types, type) < 0)
            Py_CLEAR(types);
        Py_XDECREF(type);
    }
    return types;
}

/* offsets(base) -> array('q'): base plus where each line starts in the block (a blank line, which has no record,
 * has no offset either), read off the lines rather than found again by a pass over the bytes */
static PyObject *lines_offsets(Lines *self, PyObject *base_object)
{
    long long base = PyLong_AsLongLong(base_object);
    if (base == -1 && PyErr_Occurred())
        return NULL;
    PyObject *data = PyBytes_FromStringAndSize(NULL, self->count * (Py_ssize_t)sizeof(long long));
    if (data == NULL)
        return NULL;
    long long *at = (long long *)PyBytes_AS_STRING(data);
    for (Py_ssize_t k = 0; k < self->count; k++)
        at[k] = base + (long long)(self->lines[k].at - (const char *)self->view.buf);
    PyObject *offsets = PyObject_CallFunction(array_type, "sO", "q", data);
    Py_DECREF(data);
    return offsets;
}

static PyMemberDef lines_members[] = {
    {"newlines", T_PYSSIZET, offsetof(Lines, newlines), READONLY, "The block's newlines, blank lines' included."},
    {NULL, 0, 0, 0, NULL},
};

static PySequenceMethods lines_sequence = {
    .sq_length = (lenfunc)lines_length,
    .sq_item = (ssizeargfunc)lines_item,
};

static PyMethodDef lines_methods[] = {
    {"types", (PyCFunction)lines_types, METH_NOARGS, "The event types of the block's lines, as a set."},
    {"offsets", (PyCFunction)lines_offsets, METH_O,
     "offsets(base): array('q') of base plus where each line starts in the block."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LinesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "namel3ss_debug.analysis._tally.Lines",
    .tp_basicsize = sizeof(Lines),
    .tp_dealloc = (destructor)lines_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A block of lines for the pass: a sequence of records, each made when asked for.",
    .tp_as_sequence = &lines_sequence,
    .tp_methods = lines_methods,
    .tp_members = lines_members,
};

/* -- for another extension (`_scanned.h`: `diffing/_calls.c` records a diff's calls from the same lines) ---- */
static Py_ssize_t api_count(PyObject *lines)
{
    return ((Lines *)lines)->count;
}

static const Scanned *api_fields(PyObject *lines, Py_ssize_t k)
{
    Line *line = &((Lines *)lines)->lines[k];
    return line->scanned ? &line->fields : NULL;
}

static PyObject *api_record(PyObject *lines, Py_ssize_t k)
{
    return line_record((Lines *)lines, &((Lines *)lines)->lines[k]);
}

static LinesApi lines_api = {&LinesType, api_count, api_fields, api_record, text_of, id_of};

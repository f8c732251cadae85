/* The texts of scanned lines as str objects, each made once while it keeps coming back: for the scratch record
 * (`_tally_record.h`) and a block's event types (`_tally_lines.h`). */

/* Two direct-mapped tables from a text's bytes to a str of them: the texts that repeat on every line (run id,
 * event type, component, name, status, model) and span ids (an end's is its start's, a parent's a span's
 * before it). A text that loses its place is made again when it comes back: the tables only save work. */
#define TEXT_SLOTS 512
#define ID_SLOTS 4096
static PyObject *texts[TEXT_SLOTS], *ids[ID_SLOTS];

static PyObject *made_text(const char *at, Py_ssize_t size)
{
    for (Py_ssize_t i = 0; i < size; i++)
        if ((unsigned char)at[i] >= 0x80)
            return PyUnicode_DecodeUTF8(at, size, NULL);
    PyObject *text = PyUnicode_New(size, 127);
    if (text != NULL)
        memcpy(PyUnicode_1BYTE_DATA(text), at, (size_t)size);
    return text;
}

static int holds(PyObject *text, const char *at, Py_ssize_t size)
{
    if (PyUnicode_IS_COMPACT_ASCII(text))
        return PyUnicode_GET_LENGTH(text) == size && memcmp(PyUnicode_1BYTE_DATA(text), at, (size_t)size) == 0;
    Py_ssize_t length;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &length);
    if (utf8 == NULL) {  /* no memory for its UTF-8: not known to hold it, so it is made again */
        PyErr_Clear();
        return 0;
    }
    return length == size && memcmp(utf8, at, (size_t)size) == 0;
}

/* Where a text goes in a table: its first and last eight bytes (four, or three, when it is shorter) folded with
 * its size. Not `hash64`, whose padding of a short text's tail costs two calls: a text that shares its place
 * with another only loses it now and then, and is made again. */
static inline size_t place_of(Text text, size_t slots)
{
    const unsigned char *at = (const unsigned char *)text.at;
    size_t size = (size_t)text.size;
    uint64_t first, last;
    if (size >= 8) {
        first = word(at);
        last = word(at + size - 8);
    }
    else if (size >= 4) {
        uint32_t head, tail;
        memcpy(&head, at, 4);
        memcpy(&tail, at + size - 4, 4);
        first = head;
        last = tail;
    }
    else {
        first = size == 0 ? 0 : (uint64_t)at[0] | (uint64_t)at[size / 2] << 8 | (uint64_t)at[size - 1] << 16;
        last = 0;
    }
    return (size_t)fold(first ^ MASK_B ^ size, last ^ MASK_C) & (slots - 1);
}

/* a str of the text, borrowed from `table` (NULL on error) */
static PyObject *kept_text(PyObject **table, size_t slots, Text text)
{
    PyObject **slot = &table[place_of(text, slots)];
    if (*slot == NULL || !holds(*slot, text.at, text.size)) {
        PyObject *made = made_text(text.at, text.size);
        if (made == NULL)
            return NULL;
        Py_XSETREF(*slot, made);
    }
    return *slot;
}

static PyObject *text_of(Text text)
{
    return kept_text(texts, TEXT_SLOTS, text);
}

static PyObject *id_of(Text text)
{
    return text.at == NULL ? Py_None : kept_text(ids, ID_SLOTS, text);
}

/* the last timestamp made: the last one written to run.last_ts (`write_ts`), or a bucket's (`count_bucket`) */
static PyObject *last_ts;

static PyObject *ts_of(Text text)
{
    if (last_ts == NULL || !holds(last_ts, text.at, text.size)) {
        PyObject *made = made_text(text.at, text.size);
        if (made == NULL)
            return NULL;
        Py_XSETREF(last_ts, made);
    }
    return last_ts;
}

/* A `CallTable` (call_table.py) as the compiled loop writes it during one block: the calls the block starts are
 * rows here, added to the table's arrays in one `frombytes` a column when the block is done; a call started
 * in an earlier block is written in its array's own memory (a buffer held until then). */

#include <stddef.h>

enum {
    C_SEQ, C_PLACE_OFFSET, C_NUMBER, C_DEPTH, C_COMPONENT, C_NAME, C_OPERATION, C_STATUS, C_PARENT, C_PLACE_FILE,
    C_DURATION, C_INPUTS, C_OUTPUTS, C_HAS_INPUTS, C_HAS_OUTPUTS, C_START_FILE, N_COLUMNS
};

/* call_table._COLUMNS, each of its array's type: q, q, I, I, I, I, I, I, i, i, d, Q, Q, B, B, i */
static const char *const COLUMN_NAMES[N_COLUMNS] = {
    "seq", "place_offset", "number", "depth", "component", "name", "operation", "status", "parent", "place_file",
    "duration", "inputs", "outputs", "has_inputs", "has_outputs", "start_file",
};
static const char COLUMN_TYPES[N_COLUMNS] = "qqIIIIIIiidQQBBi";

/* has_inputs (call_table.py's): none; `inputs` is their fingerprint; `inputs` is the start line's byte offset in
 * the file of code `start_file`, where they are read again when asked for */
enum { NO_INPUTS = 0, INPUTS_HASHED = 1, INPUTS_AT_START = 2 };

typedef struct {
    long long seq, place_offset;
    unsigned int number, depth, component, name, operation, status;
    int parent, place_file;
    double duration;
    unsigned long long inputs, outputs;
    unsigned char has_inputs, has_outputs;
    int start_file;
} Row;

/* Where each column's field is in a Row, and its size (the item size of the array's type). */
static const size_t COLUMN_OFFSETS[N_COLUMNS] = {
    offsetof(Row, seq), offsetof(Row, place_offset), offsetof(Row, number), offsetof(Row, depth),
    offsetof(Row, component), offsetof(Row, name), offsetof(Row, operation), offsetof(Row, status),
    offsetof(Row, parent), offsetof(Row, place_file), offsetof(Row, duration), offsetof(Row, inputs),
    offsetof(Row, outputs), offsetof(Row, has_inputs), offsetof(Row, has_outputs), offsetof(Row, start_file),
};
static const size_t COLUMN_SIZES[N_COLUMNS] = {
    sizeof(long long), sizeof(long long), sizeof(unsigned int), sizeof(unsigned int), sizeof(unsigned int),
    sizeof(unsigned int), sizeof(unsigned int), sizeof(unsigned int), sizeof(int), sizeof(int), sizeof(double),
    sizeof(unsigned long long), sizeof(unsigned long long), 1, 1, sizeof(int),
};

typedef struct {
    PyObject *columns[N_COLUMNS];
    Py_buffer views[N_COLUMNS];
    int viewed[N_COLUMNS];
    Py_ssize_t flushed;  /* the calls in the arrays: a call's index below it is in its array, else a row */
    Row *rows;
    Py_ssize_t count, room;
} Table;

static PyObject *S_frombytes;

/* The table's arrays, each checked to be of its type. 0, or -1 with an error (or 1: not a table this code
 * knows, for the reference). */
static int table_open(Table *table, PyObject *owner)
{
    memset(table, 0, sizeof *table);
    for (int c = 0; c < N_COLUMNS; c++) {
        PyObject *column = table->columns[c] = PyObject_GetAttrString(owner, COLUMN_NAMES[c]);
        if (column == NULL)
            return -1;
        PyObject *typecode = PyObject_GetAttrString(column, "typecode");
        if (typecode == NULL)
            return -1;
        int known = PyUnicode_Check(typecode) && PyUnicode_GET_LENGTH(typecode) == 1
            && PyUnicode_READ_CHAR(typecode, 0) == (Py_UCS4)COLUMN_TYPES[c];
        Py_DECREF(typecode);
        if (!known)
            return 1;
    }
    table->flushed = PyObject_Length(table->columns[C_SEQ]);
    return table->flushed < 0 ? -1 : 0;
}

/* Column c's memory in its array (held until table_close). */
static void *column_memory(Table *table, int c)
{
    if (!table->viewed[c]) {
        if (PyObject_GetBuffer(table->columns[c], &table->views[c], PyBUF_WRITABLE) < 0)
            return NULL;
        table->viewed[c] = 1;
    }
    return table->views[c].buf;
}

/* A new row (its index is flushed + its position), or NULL with MemoryError. */
static Row *table_add(Table *table)
{
    if (table->count == table->room) {
        Py_ssize_t room = table->room ? 2 * table->room : 256;
        Row *rows = PyMem_Realloc(table->rows, (size_t)room * sizeof(Row));
        if (rows == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        table->rows = rows;
        table->room = room;
    }
    Row *row = &table->rows[table->count++];
    memset(row, 0, sizeof *row);
    return row;
}

/* Where call `index`'s field of column c is: in its row, or in its array. NULL with an error. */
#define FIELD_AT(table, index, c, type, member)                                                       \
    ((index) >= (table)->flushed ? &(table)->rows[(index) - (table)->flushed].member                  \
     : column_memory((table), (c)) == NULL ? NULL : &((type *)(table)->views[(c)].buf)[(index)])

/* The rows added to the arrays, the buffers let go, the references dropped: always, even after an error (the
 * table stays whole). -1 if this adds an error of its own. */
static int table_close(Table *table)
{
    PyObject *pending_type, *pending_value, *pending_trace;
    PyErr_Fetch(&pending_type, &pending_value, &pending_trace);
    int failed = 0;
    for (int c = 0; c < N_COLUMNS; c++)
        if (table->viewed[c]) {
            PyBuffer_Release(&table->views[c]);
            table->viewed[c] = 0;
        }
    for (int c = 0; c < N_COLUMNS && table->count && !failed; c++) {
        PyObject *data = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(COLUMN_SIZES[c] * (size_t)table->count));
        if (data == NULL) {
            failed = 1;
            break;
        }
        char *at = PyBytes_AS_STRING(data);
        for (Py_ssize_t i = 0; i < table->count; i++, at += COLUMN_SIZES[c])
            memcpy(at, (const char *)&table->rows[i] + COLUMN_OFFSETS[c], COLUMN_SIZES[c]);
        PyObject *done = PyObject_CallMethodOneArg(table->columns[c], S_frombytes, data);
        Py_DECREF(data);
        failed = done == NULL;
        Py_XDECREF(done);
    }
    for (int c = 0; c < N_COLUMNS; c++)
        Py_CLEAR(table->columns[c]);
    PyMem_Free(table->rows);
    table->rows = NULL;
    table->count = table->room = 0;
    if (pending_type != NULL) {  /* the first error is the one told */
        if (failed)
            PyErr_Clear();
        PyErr_Restore(pending_type, pending_value, pending_trace);
        return -1;
    }
    return failed ? -1 : 0;
}

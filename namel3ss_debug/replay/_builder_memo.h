/* Part of `_builder.c` (included there, one compilation unit): a block's memo of an event's codes and of
 * each operation's call count. */
#ifndef NAMEL3SS_BUILDER_MEMO_H
#define NAMEL3SS_BUILDER_MEMO_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

/* A block's memo of the codes of each four texts (type, component, name, status) it met, and of the call
 * count of each (component, name) it counted: an event's texts are fresh objects, so a dict keyed by them
 * hashes four texts and makes a tuple each time, where this hashes their bytes. The codes are the builder's
 * (`_codes`, made by `_code` the first time); the counts are read from `timeline.calls` when first met and
 * written back, in the order first met, when the block ends. */
typedef struct {
    Py_ssize_t count;
    PyObject *key;  /* (component code, name code), owned */
    int changed;
} Counter;

typedef struct {
    uint64_t hash;
    PyObject *texts[4];  /* owned */
    PyObject *codes;     /* the builder's tuple of four codes, owned */
    uint32_t code[4];
    Py_ssize_t counter;  /* in `counters`, or -1 before the first count */
    int started;         /* the status is `started` */
} Codes;

typedef struct {
    PyObject *builder_codes, *make, *counts, *started;  /* the builder's `_codes` and `_code`, `timeline.calls`,
                                                           the text "started": borrowed */
    Codes *codes;
    Py_ssize_t n_codes, codes_room;
    Py_ssize_t *code_slots;   /* open addressing: index + 1 in `codes`, 0 for empty */
    Py_ssize_t code_mask;
    Counter *counters;
    Py_ssize_t n_counters, counters_room;
} Memo;

static void clear_memo(Memo *m)
{
    for (Py_ssize_t i = 0; i < m->n_codes; i++) {
        for (int t = 0; t < 4; t++)
            Py_XDECREF(m->codes[i].texts[t]);
        Py_XDECREF(m->codes[i].codes);
    }
    for (Py_ssize_t i = 0; i < m->n_counters; i++)
        Py_XDECREF(m->counters[i].key);
    PyMem_Free(m->codes);
    PyMem_Free(m->code_slots);
    PyMem_Free(m->counters);
    m->codes = NULL, m->code_slots = NULL, m->counters = NULL;
    m->n_codes = m->codes_room = m->code_mask = m->n_counters = m->counters_room = 0;
}

/* A text's characters as bytes (with their width); -1 when it is not a str. */
static inline int text_bytes(PyObject *text, const char **data, Py_ssize_t *size, int *kind)
{
    if (!PyUnicode_Check(text))
        return -1;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)
        return -1;
#endif
    *kind = PyUnicode_KIND(text);
    *data = PyUnicode_DATA(text);
    *size = PyUnicode_GET_LENGTH(text) * *kind;
    return 0;
}

/* FNV-1a over the four texts' bytes, widths and lengths; 0 when one is not a str (then the memo is not used). */
static uint64_t hash_texts(PyObject *const texts[4])
{
    uint64_t hash = 1469598103934665603ull;
    for (int t = 0; t < 4; t++) {
        const char *data;
        Py_ssize_t size;
        int kind;
        if (text_bytes(texts[t], &data, &size, &kind) < 0) {
            PyErr_Clear();
            return 0;
        }
        hash = (hash ^ (uint64_t)(size * 8 + kind)) * 1099511628211ull;
        for (Py_ssize_t i = 0; i < size; i++)
            hash = (hash ^ (unsigned char)data[i]) * 1099511628211ull;
    }
    return hash | 1;  /* never 0 */
}

static int same_text(PyObject *one, PyObject *other)
{
    const char *a, *b;
    Py_ssize_t size_a, size_b;
    int kind_a, kind_b;
    if (one == other)
        return 1;
    if (text_bytes(one, &a, &size_a, &kind_a) < 0 || text_bytes(other, &b, &size_b, &kind_b) < 0) {
        PyErr_Clear();
        return 0;
    }
    return kind_a == kind_b && size_a == size_b && memcmp(a, b, (size_t)size_a) == 0;
}

static int grow_code_slots(Memo *m)
{
    Py_ssize_t size = m->code_mask ? (m->code_mask + 1) * 2 : 256;
    Py_ssize_t *slots = PyMem_Calloc((size_t)size, sizeof(Py_ssize_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m->n_codes; i++) {
        Py_ssize_t at = (Py_ssize_t)(m->codes[i].hash & (uint64_t)(size - 1));
        while (slots[at])
            at = (at + 1) & (size - 1);
        slots[at] = i + 1;
    }
    PyMem_Free(m->code_slots);
    m->code_slots = slots;
    m->code_mask = size - 1;
    return 0;
}

/* The builder's codes of four texts, as a tuple (a new reference) from its `_codes`, or made by `_code`. */
static PyObject *builder_codes(Memo *m, PyObject *const texts[4])
{
    PyObject *key = PyTuple_Pack(4, texts[0], texts[1], texts[2], texts[3]);
    if (key == NULL)
        return NULL;
    PyObject *found = PyDict_GetItemWithError(m->builder_codes, key);
    Py_DECREF(key);
    if (found != NULL)
        return Py_NewRef(found);
    if (PyErr_Occurred())
        return NULL;
    PyObject *made = PyObject_Vectorcall(m->make, texts, 4, NULL);
    if (made != NULL && !(PyTuple_Check(made) && PyTuple_GET_SIZE(made) == 4)) {
        PyErr_SetString(PyExc_TypeError, "_code() must give four codes");
        Py_CLEAR(made);
    }
    return made;
}

static int to_u32(PyObject *value, uint32_t *out)
{
    unsigned long number = PyLong_AsUnsignedLong(value);
    if (number == (unsigned long)-1 && PyErr_Occurred())
        return -1;
    if (number > 0xFFFFFFFFul) {
        PyErr_SetString(PyExc_OverflowError, "unsigned int is greater than maximum");
        return -1;
    }
    *out = (uint32_t)number;
    return 0;
}

/* The memo's entry for an event's four texts (found, or made from the builder's codes); NULL on error. */
static Codes *codes_of(Memo *m, PyObject *const texts[4])
{
    uint64_t hash = hash_texts(texts);
    if (hash == 0) {
        PyErr_SetString(PyExc_TypeError, "an event's texts must be str");
        return NULL;
    }
    if (m->code_mask == 0 && grow_code_slots(m) < 0)
        return NULL;
    Py_ssize_t at = (Py_ssize_t)(hash & (uint64_t)m->code_mask);
    for (; m->code_slots[at]; at = (at + 1) & m->code_mask) {
        Codes *known = &m->codes[m->code_slots[at] - 1];
        if (known->hash == hash && same_text(known->texts[0], texts[0]) && same_text(known->texts[1], texts[1])
            && same_text(known->texts[2], texts[2]) && same_text(known->texts[3], texts[3]))
            return known;
    }
    if (m->n_codes == m->codes_room) {
        Py_ssize_t room = m->codes_room ? m->codes_room * 2 : 64;
        Codes *more = PyMem_Realloc(m->codes, (size_t)room * sizeof(Codes));
        if (more == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        m->codes = more;
        m->codes_room = room;
    }
    PyObject *codes = builder_codes(m, texts);
    if (codes == NULL)
        return NULL;
    Codes *entry = &m->codes[m->n_codes];
    entry->hash = hash;
    entry->codes = codes;
    entry->counter = -1;
    entry->started = PyUnicode_Compare(texts[3], m->started) == 0;
    for (int t = 0; t < 4; t++) {
        entry->texts[t] = Py_NewRef(texts[t]);
        if (to_u32(PyTuple_GET_ITEM(codes, t), &entry->code[t]) < 0) {
            for (int u = 0; u <= t; u++)
                Py_DECREF(entry->texts[u]);
            Py_DECREF(codes);
            return NULL;
        }
    }
    m->n_codes++;
    m->code_slots[at] = m->n_codes;
    if (m->n_codes * 2 > m->code_mask && grow_code_slots(m) < 0)
        return NULL;  /* the entry is kept: only the next lookup would need the bigger table */
    return entry;
}

/* The call count of the operation of `entry`, one more (from 1, or from `timeline.calls`); -1 on error. */
static Py_ssize_t count_call(Memo *m, Codes *entry)
{
    if (entry->counter < 0) {
        PyObject *component = PyTuple_GET_ITEM(entry->codes, 1), *name = PyTuple_GET_ITEM(entry->codes, 2);
        for (Py_ssize_t i = 0; i < m->n_codes; i++) {  /* another four of the same operation met it first */
            Codes *other = &m->codes[i];
            if (other->counter >= 0 && other->code[1] == entry->code[1] && other->code[2] == entry->code[2]) {
                entry->counter = other->counter;
                break;
            }
        }
        if (entry->counter < 0) {
            if (m->n_counters == m->counters_room) {
                Py_ssize_t room = m->counters_room ? m->counters_room * 2 : 64;
                Counter *more = PyMem_Realloc(m->counters, (size_t)room * sizeof(Counter));
                if (more == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                m->counters = more;
                m->counters_room = room;
            }
            PyObject *key = PyTuple_Pack(2, component, name);
            if (key == NULL)
                return -1;
            PyObject *found = PyDict_GetItemWithError(m->counts, key);
            Py_ssize_t count = 0;
            if (found != NULL)
                count = PyLong_AsSsize_t(found);
            if ((found == NULL && PyErr_Occurred()) || (count == -1 && PyErr_Occurred())) {
                Py_DECREF(key);
                return -1;
            }
            m->counters[m->n_counters] = (Counter){count, key, 0};
            entry->counter = m->n_counters++;
        }
    }
    Counter *counter = &m->counters[entry->counter];
    counter->changed = 1;
    return ++counter->count;
}

/* The counts changed in the block, into `timeline.calls` (new operations in the order they were met). */
static int write_counts(Memo *m)
{
    for (Py_ssize_t i = 0; i < m->n_counters; i++) {
        Counter *counter = &m->counters[i];
        if (!counter->changed)
            continue;
        PyObject *value = PyLong_FromSsize_t(counter->count);
        int failed = value == NULL || PyDict_SetItem(m->counts, counter->key, value) < 0;
        Py_XDECREF(value);
        if (failed)
            return -1;
    }
    return 0;
}

#endif

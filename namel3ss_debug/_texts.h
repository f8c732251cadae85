/* Shared by the compiled loops (`analysis/_tally.c`, `diffing/_calls.c`): whether two str objects hold the same
 * text, without a call; and a cheap hash of some texts' bytes, to place them in a table of a block's own. */
#include <stdint.h>
#include <string.h>

static inline int same_text(PyObject *a, PyObject *b)
{
    if (a == b)
        return 1;
    Py_ssize_t length = PyUnicode_GET_LENGTH(a);
    if (length != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b))
        return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), length * PyUnicode_KIND(a)) == 0;
}

static inline int is_text(PyObject *value, PyObject *text)
{
    return PyUnicode_Check(value) && same_text(value, text);
}

#define TEXTS_HASH_START 0xCBF29CE484222325ULL

/* one text's bytes into `texts_hash`, and the separator after it */
static inline uint64_t texts_hash_add(uint64_t hash, const unsigned char *data, size_t size)
{
    for (size_t at = 0; at < size; at++)
        hash = (hash ^ data[at]) * 0x100000001B3ULL;
    return (hash ^ 0xFF) * 0x100000001B3ULL;
}

static inline uint64_t texts_hash_end(uint64_t hash)
{
    return hash ^ (hash >> 29);
}

/* FNV-1a over each text's bytes, a separator after each, the high bits folded into the low (for ASCII texts, the
 * hash of their UTF-8 bytes: `texts_hash_add` of those gives the same) */
static inline uint64_t texts_hash(PyObject *const *texts, int count)
{
    uint64_t hash = TEXTS_HASH_START;
    for (int i = 0; i < count; i++)
        hash = texts_hash_add(hash, PyUnicode_DATA(texts[i]),
                              (size_t)PyUnicode_GET_LENGTH(texts[i]) * PyUnicode_KIND(texts[i]));
    return texts_hash_end(hash);
}

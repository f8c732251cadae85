/* The canonical JSON of a JSON text, written as the text is read, without making the value: what orjson writes
 * with OPT_SORT_KEYS for the value the text holds (`calls._canonical(orjson.loads(text))`, the reference).
 *
 * canonical(text, size, out) -> OK with the canonical text in `out`, or ASIDE where this code does not answer and
 * the reference must: a top-level null (no outputs, to the caller), a key with an escape in it (its order would be
 * the unescaped text's), a key twice, a string escape orjson would not write as it is (\u00e9, \/), bytes that
 * are not UTF-8, nesting past MAX_DEPTH, or text that is not JSON; FAILED with a Python error set. Numbers: an
 * integer of up to 18 digits is written as it is; any other number goes through orjson (loads, then dumps), as
 * the reference's value would, and a number orjson refuses is ASIDE.
 *
 * canonical_digest(text, size, hash) is a text's fingerprint (its canonical form hashed, `_hash64.h`),
 * fingerprint_bytes(hash) its 8 bytes as Python sees them, and canonical_init() loads orjson once, from the init
 * of each module that includes this (`_fingerprint.c`, and `_calls.c`'s recorder until it moves to Python). */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "_hash64.h"

#define MAX_DEPTH 128
enum { OK = 0, ASIDE = 1, FAILED = -1 };  /* ASIDE: not answered here */

static PyObject *orjson_loads, *orjson_dumps;  /* set by `canonical_init`, from the module's init */

#define OUT_INLINE 4096

typedef struct {
    char *data;  /* `inline_data` until it outgrows it, then PyMem */
    size_t size, room;
    char inline_data[OUT_INLINE];
} Out;

static void out_init(Out *out)
{
    out->data = out->inline_data;
    out->size = 0;
    out->room = OUT_INLINE;
}

static void out_free(Out *out)
{
    if (out->data != out->inline_data)
        PyMem_Free(out->data);
}

typedef struct {
    const unsigned char *at, *end;
    int depth;
} In;

static int put(Out *out, const void *bytes, size_t count)
{
    if (out->size + count > out->room) {
        size_t room = out->room ? out->room : 1024;
        while (room < out->size + count)
            room *= 2;
        char *data = out->data == out->inline_data ? PyMem_Malloc(room) : PyMem_Realloc(out->data, room);
        if (data == NULL) {
            PyErr_NoMemory();
            return FAILED;
        }
        if (out->data == out->inline_data)
            memcpy(data, out->inline_data, out->size);
        out->data = data;
        out->room = room;
    }
    memcpy(out->data + out->size, bytes, count);
    out->size += count;
    return OK;
}

static void skip_space(In *in)
{
    while (in->at < in->end && (*in->at == ' ' || *in->at == '\n' || *in->at == '\r' || *in->at == '\t'))
        in->at++;
}

static int hex_digit(unsigned char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;  /* orjson's: lowercase */
}

/* Past the bytes that need no look (ASCII, not a quote, a backslash or a control), to the first that does: 16 at a
 * time with SSE2, then 8 at a time; 1 at the end. A word's flags may also mark a byte after a flagged one (the
 * zero-byte test's borrow), never one before it, so the lowest flag is the first byte to look at. */
static inline int plain_run(const unsigned char **at, const unsigned char *end)
{
#if defined(__SSE2__)
    const __m128i quotes = _mm_set1_epi8('"'), slashes = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - *at >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)*at);
        /* '"', '\\', or under 0x20 as a signed byte: a control, or any byte >= 0x80 (negative) */
        __m128i look = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quotes), _mm_cmpeq_epi8(v, slashes)),
                                    _mm_cmplt_epi8(v, space));
        unsigned int mask = (unsigned int)_mm_movemask_epi8(look);
        if (mask) {
            *at += __builtin_ctz(mask);
            return 0;
        }
        *at += 16;
    }
#endif
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (end - *at >= 8) {
        uint64_t v, quote, slash;
        memcpy(&v, *at, 8);
        quote = v ^ (ones * '"');
        slash = v ^ (ones * '\\');
        uint64_t flags = (v & highs) | ((v - ones * 0x20) & ~v & highs) | ((quote - ones) & ~quote & highs)
            | ((slash - ones) & ~slash & highs);
        if (flags) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            *at += __builtin_ctzll(flags) >> 3;  /* the first byte in memory is the lowest */
#endif
            return 0;
        }
        *at += 8;
    }
    return *at >= end;
}

/* A string at `in->at` (its opening quote) that orjson would write byte for byte as it is: its bytes without the
 * quotes in *start and *count. With `plain`, no escape at all (a key). */
static int string(In *in, const unsigned char **start, size_t *count, int plain)
{
    const unsigned char *at = in->at + 1, *end = in->end;
    *start = at;
    while (at < end) {
        if (plain_run(&at, end))
            break;
        unsigned char c = *at;
        if (c == '"') {
            *count = (size_t)(at - *start);
            in->at = at + 1;
            return OK;
        }
        if (c < 0x20)
            return ASIDE;
        if (c == '\\') {
            if (plain || at + 1 >= end)
                return ASIDE;
            unsigned char e = at[1];
            if (e == '"' || e == '\\' || e == 'b' || e == 't' || e == 'n' || e == 'f' || e == 'r') {
                at += 2;
                continue;
            }
            if (e != 'u' || at + 6 > end || at[2] != '0' || at[3] != '0')
                return ASIDE;
            int high = hex_digit(at[4]), low = hex_digit(at[5]);
            int code = high < 0 || low < 0 ? 0x100 : high << 4 | low;
            if (code >= 0x20 || code == 0x08 || code == 0x09 || code == 0x0a || code == 0x0c || code == 0x0d)
                return ASIDE;  /* orjson writes these otherwise: \b \t \n \f \r, or the character itself */
            at += 6;
            continue;
        }
        if (c < 0x80) {
            at++;
            continue;
        }
        /* UTF-8 as orjson takes it: no overlong forms, no surrogates, nothing past U+10FFFF */
        int more;
        unsigned char low = 0x80, high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            more = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            low = c == 0xE0 ? 0xA0 : 0x80;
            high = c == 0xED ? 0x9F : 0xBF;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            low = c == 0xF0 ? 0x90 : 0x80;
            high = c == 0xF4 ? 0x8F : 0xBF;
        }
        else
            return ASIDE;
        if (at + more >= end || at[1] < low || at[1] > high)
            return ASIDE;
        for (int i = 2; i <= more; i++)
            if (at[i] < 0x80 || at[i] > 0xBF)
                return ASIDE;
        at += more + 1;
    }
    return ASIDE;
}

/* A number: an integer of up to 18 digits (not -0) as it is, any other as orjson would write its value. */
static int number(In *in, Out *out)
{
    const unsigned char *start = in->at, *at = in->at, *end = in->end;
    int integer = 1;
    if (at < end && *at == '-')
        at++;
    const unsigned char *digits = at;
    if (at < end && *at == '0')
        at++;
    else if (at < end && *at >= '1' && *at <= '9')
        while (at < end && *at >= '0' && *at <= '9')
            at++;
    else
        return ASIDE;
    size_t whole = (size_t)(at - digits);
    if (at < end && *at == '.') {
        integer = 0;
        if (++at >= end || *at < '0' || *at > '9')
            return ASIDE;
        while (at < end && *at >= '0' && *at <= '9')
            at++;
    }
    if (at < end && (*at == 'e' || *at == 'E')) {
        integer = 0;
        if (++at < end && (*at == '+' || *at == '-'))
            at++;
        if (at >= end || *at < '0' || *at > '9')
            return ASIDE;
        while (at < end && *at >= '0' && *at <= '9')
            at++;
    }
    in->at = at;
    size_t count = (size_t)(at - start);
    if (integer && whole <= 18 && !(count == 2 && start[0] == '-' && start[1] == '0'))
        return put(out, start, count);
    PyObject *text = PyBytes_FromStringAndSize((const char *)start, (Py_ssize_t)count);
    PyObject *value = text == NULL ? NULL : PyObject_CallOneArg(orjson_loads, text);
    Py_XDECREF(text);
    if (value == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError))
            return FAILED;
        PyErr_Clear();
        return ASIDE;  /* past a double (1e400): the reference decides */
    }
    PyObject *written = PyObject_CallOneArg(orjson_dumps, value);
    Py_DECREF(value);
    if (written == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError))
            return FAILED;
        PyErr_Clear();
        return ASIDE;
    }
    int result = put(out, PyBytes_AS_STRING(written), (size_t)PyBytes_GET_SIZE(written));
    Py_DECREF(written);
    return result;
}

static int value(In *in, Out *out);

typedef struct {
    const unsigned char *key;
    size_t key_size, at, size;  /* the member's value: out->data[at:at + size] */
} Member;

static int by_key(const void *a, const void *b)
{
    const Member *x = a, *y = b;
    size_t common = x->key_size < y->key_size ? x->key_size : y->key_size;
    int order = memcmp(x->key, y->key, common);
    if (order)
        return order;
    return x->key_size < y->key_size ? -1 : x->key_size > y->key_size ? 1 : 0;
}

#define INLINE_MEMBERS 16
#define INLINE_VALUES 512

/* An object: its members' values written after `base` as they are read, then the object, keys sorted, in their
 * place (the values moved through `scratch`). */
static int object(In *in, Out *out)
{
    size_t base = out->size, count = 0, room = INLINE_MEMBERS;
    Member inline_members[INLINE_MEMBERS], *members = inline_members;
    char inline_values[INLINE_VALUES], *scratch = inline_values;
    int result = ASIDE;
    in->at++;
    skip_space(in);
    if (in->at < in->end && *in->at == '}') {
        in->at++;
        return put(out, "{}", 2);
    }
    while (1) {
        if (in->at >= in->end || *in->at != '"')
            goto done;
        Member member;
        int found = string(in, &member.key, &member.key_size, 1);
        if (found != OK) {
            result = found;
            goto done;
        }
        skip_space(in);
        if (in->at >= in->end || *in->at != ':')
            goto done;
        in->at++;
        skip_space(in);
        member.at = out->size;
        int inner = value(in, out);
        if (inner != OK) {
            result = inner;
            goto done;
        }
        member.size = out->size - member.at;
        if (count == room) {
            Member *more = PyMem_Malloc(2 * room * sizeof(Member));
            if (more == NULL) {
                PyErr_NoMemory();
                result = FAILED;
                goto done;
            }
            memcpy(more, members, count * sizeof(Member));
            if (members != inline_members)
                PyMem_Free(members);
            members = more;
            room *= 2;
        }
        members[count++] = member;
        skip_space(in);
        if (in->at < in->end && *in->at == ',') {
            in->at++;
            skip_space(in);
            continue;
        }
        if (in->at < in->end && *in->at == '}') {
            in->at++;
            break;
        }
        goto done;
    }
    qsort(members, count, sizeof(Member), by_key);
    for (size_t i = 1; i < count; i++)
        if (by_key(&members[i - 1], &members[i]) == 0)
            goto done;  /* a key twice: the value orjson keeps is the last one */
    size_t values = out->size - base;
    if (values > INLINE_VALUES && (scratch = PyMem_Malloc(values)) == NULL) {
        scratch = inline_values;
        PyErr_NoMemory();
        result = FAILED;
        goto done;
    }
    memcpy(scratch, out->data + base, values);
    out->size = base;
    int failed = put(out, "{", 1);
    for (size_t i = 0; i < count && !failed; i++)
        failed = (i && put(out, ",", 1)) || put(out, "\"", 1) || put(out, members[i].key, members[i].key_size)
            || put(out, "\":", 2) || put(out, scratch + (members[i].at - base), members[i].size);
    failed = failed || put(out, "}", 1);
    result = failed ? FAILED : OK;
done:
    if (members != inline_members)
        PyMem_Free(members);
    if (scratch != inline_values)
        PyMem_Free(scratch);
    return result;
}

static int array(In *in, Out *out)
{
    in->at++;
    skip_space(in);
    if (put(out, "[", 1))
        return FAILED;
    if (in->at < in->end && *in->at == ']') {
        in->at++;
        return put(out, "]", 1);
    }
    while (1) {
        int inner = value(in, out);
        if (inner != OK)
            return inner;
        skip_space(in);
        if (in->at < in->end && *in->at == ',') {
            in->at++;
            skip_space(in);
            if (put(out, ",", 1))
                return FAILED;
            continue;
        }
        if (in->at < in->end && *in->at == ']') {
            in->at++;
            return put(out, "]", 1);
        }
        return ASIDE;
    }
}

static int literal(In *in, Out *out, const char *word)
{
    size_t size = strlen(word);
    if ((size_t)(in->end - in->at) < size || memcmp(in->at, word, size) != 0)
        return ASIDE;
    in->at += size;
    return put(out, word, size);
}

static int value(In *in, Out *out)
{
    if (in->at >= in->end)
        return ASIDE;
    unsigned char c = *in->at;
    int result;
    if (c == '{' || c == '[') {
        if (++in->depth > MAX_DEPTH)
            return ASIDE;
        result = c == '{' ? object(in, out) : array(in, out);
        in->depth--;
        return result;
    }
    if (c == '"') {
        const unsigned char *start = in->at;
        const unsigned char *text;
        size_t count;
        result = string(in, &text, &count, 0);
        return result != OK ? result : put(out, start, (size_t)(in->at - start));
    }
    if (c == 't')
        return literal(in, out, "true");
    if (c == 'f')
        return literal(in, out, "false");
    if (c == 'n')
        return literal(in, out, "null");
    return number(in, out);
}

/* The canonical JSON of text[0:size] in `out` (initialised here; the caller frees it with out_free). */
static int canonical(const unsigned char *text, size_t size, Out *out)
{
    In in = {text, text + size, 0};
    out_init(out);
    skip_space(&in);
    int result = in.at < in.end && *in.at == 'n' ? ASIDE : value(&in, out);  /* null: no value, to the caller */
    skip_space(&in);
    return result == OK && in.at != in.end ? ASIDE : result;
}

/* The fingerprint of a JSON text: the hash (`_hash64.h`) of its canonical form; OK, ASIDE or FAILED as `canonical`. */
static int canonical_digest(const unsigned char *text, size_t size, uint64_t *hash)
{
    Out out;
    int result = canonical(text, size, &out);
    if (result == OK)
        *hash = hash64((const unsigned char *)out.data, out.size);
    out_free(&out);
    return result;
}

/* A fingerprint as Python sees it: the hash's 8 bytes, least significant first. */
static PyObject *fingerprint_bytes(uint64_t hash)
{
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(hash >> (8 * i));
    return PyBytes_FromStringAndSize((const char *)bytes, 8);
}

/* orjson's `loads` and `dumps`, for the numbers the writer leaves to them: 0, or -1 with an error. Once, from the
 * module's init. */
static int canonical_init(void)
{
    PyObject *orjson = PyImport_ImportModule("orjson");
    if (orjson == NULL)
        return -1;
    orjson_loads = PyObject_GetAttrString(orjson, "loads");
    orjson_dumps = PyObject_GetAttrString(orjson, "dumps");
    Py_DECREF(orjson);
    return orjson_loads == NULL || orjson_dumps == NULL ? -1 : 0;
}

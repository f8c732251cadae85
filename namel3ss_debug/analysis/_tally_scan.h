/* `_tally.c`'s reader of one JSON line: the fields of an event (store/records.py's EventRecord) read in place,
 * making no Python objects, so the pass can tally a line without decoding it.
 *
 * The one rule: when `scan_event` accepts a line, `BLOCK_DECODER.decode(line)` succeeds and gives exactly these
 * values. It refuses what it is not sure of, and the caller decodes that line with msgspec. So it is stricter
 * than msgspec wherever being exact would cost code (a text with an escape, a key read twice or with an escape,
 * a sign before a number read, a float off the exact path, a number token past 18 characters, a `\u` escape of
 * a surrogate, nesting past 64, a non-null `error`), and as strict as msgspec on the JSON grammar everywhere,
 * skipped and raw values included, where msgspec checks the grammar but not the UTF-8.
 * Included once, by `_tally.c`, after <Python.h>. */
#include <ctype.h>
#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "_scanned.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SCAN_DEPTH 64   /* msgspec raises RecursionError hundreds deep; we refuse long before */
#define SCAN_NUMBER 18  /* the longest number token read, so its digits always fit in 64 bits */
#define SCAN_EXACT (1ULL << 53)  /* a float read has digits below 2^53 and a power of ten within 22: both are */
#define SCAN_POWER 22             /* exact doubles, so one multiplication or division rounds it correctly */
#define SCAN_MAX_SEQ ((1ULL << 43) - 1)
#define SCAN_MAX_COUNT (1ULL << 53)
#define SCAN_MAX_AMOUNT 1e12


/* A line being read: its end, and the 64 bytes of it last looked at with a bit for each place in them where a
 * string's plain run stops (`"`, `\`, a control character). Most of a line is strings, many of them short:
 * finding each one's end by a shift of these bits costs half what a vector test per string does. */
typedef struct {
    const char *end, *block;
    uint64_t stops;
} Cursor;

/* -- strings ------------------------------------------------------------------------------------------------ */
#ifdef __SSE2__
static inline uint64_t stops_in16(const char *p)
{
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), last_control = _mm_set1_epi8(0x1F);
    __m128i bytes = _mm_loadu_si128((const __m128i *)p);
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, last_control), bytes);  /* unsigned bytes <= 0x1F */
    __m128i quote_or_backslash = _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash));
    return (uint32_t)_mm_movemask_epi8(_mm_or_si128(quote_or_backslash, control));
}

static inline uint64_t stops_in64(const char *p)
{
    return stops_in16(p) | stops_in16(p + 16) << 16 | stops_in16(p + 32) << 32 | stops_in16(p + 48) << 48;
}
#else
static inline uint64_t stops_in64(const char *p)
{
    uint64_t stops = 0;
    for (int i = 0; i < 64; i++)
        stops |= (uint64_t)(p[i] == '"' || p[i] == '\\' || (unsigned char)p[i] < 0x20) << i;
    return stops;
}
#endif

/* the first `"`, `\` or control character at or after p, or the end. The block is 64 bytes from where the
 * last one ran out, or the line's last 64 (scan_event refuses a line shorter than that: no event is). */
static inline const char *string_stop(Cursor *c, const char *p)
{
    for (;;) {
        size_t at = (size_t)(p - c->block);
        if (at < 64) {
            uint64_t later = c->stops >> at;
            if (later != 0)
                return p + __builtin_ctzll(later);
            p = c->block + 64;
        }
        if (p >= c->end)
            return c->end;
        c->block = c->end - p >= 64 ? p : c->end - 64;
        c->stops = stops_in64(c->block);
    }
}

static inline const char *skip_space(const Cursor *c, const char *p)
{
    while (p < c->end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* past the escape whose backslash is just before p, or NULL. A `\u` escape of a surrogate (D800-DFFF) is
 * refused: msgspec wants it paired, and says "truncated" when it is not, which is more than a skip is worth. */
static const char *skip_escape(const Cursor *c, const char *p)
{
    if (p == c->end)
        return NULL;
    if (*p != 'u')
        return *p != '\0' && strchr("\"\\/bfnrt", *p) != NULL ? p + 1 : NULL;
    if (c->end - p < 5)
        return NULL;
    for (int i = 1; i <= 4; i++)
        if (!isxdigit((unsigned char)p[i]))
            return NULL;
    int surrogate = (p[1] | 0x20) == 'd' && p[2] >= '8';  /* d, then 8-f: the hex digits from '8' up */
    return surrogate ? NULL : p + 5;
}

/* past the closing quote of the string whose contents start at p, or NULL: escapes checked, UTF-8 not (msgspec
 * does not check it in values it skips or keeps raw) */
static const char *skip_string(Cursor *c, const char *p)
{
    for (;;) {
        p = string_stop(c, p);
        if (p == c->end || (unsigned char)*p < 0x20)
            return NULL;
        if (*p == '"')
            return p + 1;
        if ((p = skip_escape(c, p + 1)) == NULL)
            return NULL;
    }
}

/* a string at p with no escape in it: its contents in *text, and past its closing quote; NULL otherwise */
static inline const char *read_plain(Cursor *c, const char *p, Text *text)
{
    if (p == c->end || *p != '"')
        return NULL;
    const char *stop = string_stop(c, p + 1);
    if (stop == c->end || *stop != '"')
        return NULL;
    *text = (Text){p + 1, stop - p - 1};
    return stop + 1;
}

/* what Python's UTF-8 decoder takes: no overlong forms, no surrogates, nothing past U+10FFFF */
static int valid_utf8(const unsigned char *s, const unsigned char *end)
{
    for (uint64_t word; end - s >= 8; s += 8) {  /* most texts are all ASCII: 8 bytes a step while they are */
        memcpy(&word, s, 8);
        if (word & 0x8080808080808080ULL)
            break;
    }
    while (s < end) {
        unsigned lead = *s++;
        int follow = lead < 0x80 ? 0 : lead < 0xC2 ? -1 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : lead < 0xF5 ? 3 : -1;
        unsigned low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
        unsigned high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
        if (follow == 0)
            continue;
        if (follow < 0 || end - s < follow || s[0] < low || s[0] > high)
            return 0;
        for (int i = 1; i < follow; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        s += follow;
    }
    return 1;
}

/* a text field: a plain string whose bytes are its text */
static const char *read_text(Cursor *c, const char *p, Text *text)
{
    p = read_plain(c, p, text);
    if (p == NULL || !valid_utf8((const unsigned char *)text->at, (const unsigned char *)text->at + text->size))
        return NULL;
    return p;
}

/* -- numbers ------------------------------------------------------------------------------------------------ */
typedef struct {
    unsigned long long digits;  /* all the digits as an integer: the value is digits * 10^exponent */
    long long exponent;
    int whole;                  /* an int token: no fraction, no exponent */
    int negative;
} NumberToken;

static const char *add_digits(const char *p, const char *end, NumberToken *number, int fraction)
{
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        number->digits = number->digits * 10 + (unsigned)(*p - '0');
        number->exponent -= fraction;
    }
    return p;
}

/* past a JSON number token at p, or NULL (not the grammar, or longer than SCAN_NUMBER). Reading no further than
 * that keeps every sum in range; a longer token is cut short there, and refused. */
static const char *read_number(const Cursor *c, const char *p, NumberToken *number)
{
    const char *start = p, *end = c->end - p > SCAN_NUMBER ? p + SCAN_NUMBER + 1 : c->end;
    *number = (NumberToken){0, 0, 1, 0};
    if (p < end && *p == '-')
        number->negative = 1, p++;
    if (p == end || *p < '0' || *p > '9')
        return NULL;
    p = *p == '0' ? p + 1 : add_digits(p, end, number, 0);  /* a leading 0 is the whole int part */
    if (p < end && *p == '.') {
        const char *fraction = ++p;
        number->whole = 0;
        if ((p = add_digits(p, end, number, 1)) == fraction)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        int minus = 0;
        long long power = 0;
        number->whole = 0;
        if (++p < end && (*p == '+' || *p == '-'))
            minus = *p++ == '-';
        const char *digits = p;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            power = power * 10 + (*p - '0');
        if (p == digits)
            return NULL;
        number->exponent += minus ? -power : power;
    }
    return p - start > SCAN_NUMBER ? NULL : p;
}

static inline const char *skip_word(const Cursor *c, const char *p, const char *word, Py_ssize_t size)
{
    return c->end - p >= size && memcmp(p, word, (size_t)size) == 0 ? p + size : NULL;
}

/* an int token in 0..most. `-0`, which msgspec takes as 0, is refused with the other signs. */
static const char *read_count(const Cursor *c, const char *p, unsigned long long most, long long *value)
{
    NumberToken number;
    p = read_number(c, p, &number);
    if (p == NULL || !number.whole || number.negative || number.digits > most)
        return NULL;
    *value = (long long)number.digits;
    return p;
}

/* duration_ms, cost_usd or memory_mb: a number in 0..1e12 on Clinger's fast path. msgspec takes the same path
 * (atof.h, reconstruct_double), and any correctly rounding parser gives the same double. */
static const char *read_amount(const Cursor *c, const char *p, int *has, double *value)
{
    static const double powers[SCAN_POWER + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    NumberToken number;
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
    return NULL;  /* arithmetic in extra precision (x87) would round twice */
#endif
    p = read_number(c, p, &number);
    if (p == NULL || number.negative || number.digits >= SCAN_EXACT || number.exponent > SCAN_POWER
        || number.exponent < -SCAN_POWER)
        return NULL;
    double digits = (double)number.digits;
    *value = number.exponent >= 0 ? digits * powers[number.exponent] : digits / powers[-number.exponent];
    *has = 1;
    return *value <= SCAN_MAX_AMOUNT ? p : NULL;
}

/* -- values skipped, or kept raw ---------------------------------------------------------------------------- */
static const char *skip_value(Cursor *c, const char *p, int depth);

/* past `:` and the space around it, after a key */
static inline const char *after_colon(const Cursor *c, const char *p)
{
    p = skip_space(c, p);
    return p < c->end && *p == ':' ? skip_space(c, p + 1) : NULL;
}

/* after an object's member or an array's item: 1 at `,` (*p moved past it and the space after), 0 at the closing
 * bracket (*p moved past it), -1 at anything else */
static inline int next_item(const Cursor *c, const char **p, char close)
{
    const char *at = skip_space(c, *p);
    if (at == c->end || (*at != ',' && *at != close))
        return -1;
    *p = *at == ',' ? skip_space(c, at + 1) : at + 1;
    return *at == ',';
}

/* p at `{`; depth counts it */
static const char *skip_object(Cursor *c, const char *p, int depth)
{
    p = skip_space(c, p + 1);
    if (p < c->end && *p == '}')
        return p + 1;
    for (int more = 1; more > 0;) {
        if (p == c->end || *p != '"' || (p = skip_string(c, p + 1)) == NULL || (p = after_colon(c, p)) == NULL
            || (p = skip_value(c, p, depth)) == NULL || (more = next_item(c, &p, '}')) < 0)
            return NULL;
    }
    return p;
}

static const char *skip_array(Cursor *c, const char *p, int depth)
{
    p = skip_space(c, p + 1);
    if (p < c->end && *p == ']')
        return p + 1;
    for (int more = 1; more > 0;)
        if ((p = skip_value(c, p, depth)) == NULL || (more = next_item(c, &p, ']')) < 0)
            return NULL;
    return p;
}

/* past the value at p (no space before it), checked as msgspec checks it; depth: the objects and arrays around it */
static const char *skip_value(Cursor *c, const char *p, int depth)
{
    NumberToken number;
    if (p == c->end)
        return NULL;
    switch (*p) {
    case '"': return skip_string(c, p + 1);
    case '{': return depth < SCAN_DEPTH ? skip_object(c, p, depth + 1) : NULL;
    case '[': return depth < SCAN_DEPTH ? skip_array(c, p, depth + 1) : NULL;
    case 't': return skip_word(c, p, "true", 4);
    case 'f': return skip_word(c, p, "false", 5);
    case 'n': return skip_word(c, p, "null", 4);
    default: return read_number(c, p, &number);
    }
}

/* inputs, outputs, attrs: the value's own bytes, as msgspec.Raw keeps them */
static const char *read_raw(Cursor *c, const char *p, Text *raw)
{
    const char *start = p;
    if ((p = skip_value(c, p, 1)) != NULL)
        *raw = (Text){start, p - start};
    return p;
}

/* -- the record ------------------------------------------------------------------------------------------------ */
/* the record's fields; the first ten, the envelope, are required */
enum { F_V, F_RUN_ID, F_SEQ, F_TS, F_EVENT_TYPE, F_COMPONENT, F_NAME, F_SPAN_ID, F_PARENT_ID, F_STATUS,
       F_DURATION, F_USAGE, F_MODEL, F_COST, F_ERROR, F_MEMORY, F_INPUTS, F_OUTPUTS, F_ATTRS };
#define SCAN_REQUIRED ((1u << (F_STATUS + 1)) - 1)
#define SCAN_NULLABLE (1u << F_PARENT_ID | 1u << F_DURATION | 1u << F_USAGE | 1u << F_MODEL | 1u << F_COST \
                       | 1u << F_ERROR | 1u << F_MEMORY)
#define KEY_IS(key, text) ((key).size == sizeof(text) - 1 && memcmp((key).at, text, sizeof(text) - 1) == 0)

/* `"key":` and the space after it, with no escape in the key (it might spell a field) */
static inline const char *read_key(Cursor *c, const char *p, Text *key)
{
    p = read_plain(c, p, key);
    return p == NULL ? NULL : after_colon(c, p);
}

/* marks a field read: 0 if it was already (msgspec keeps the last of a repeated key; refusing is simpler) */
static inline int first_time(unsigned *seen, int field)
{
    int first = !(*seen & (1u << field));
    *seen |= 1u << field;
    return first;
}

static const char *read_count_or_null(const Cursor *c, const char *p, long long *value)
{
    return p < c->end && *p == 'n' ? skip_word(c, p, "null", 4) : read_count(c, p, SCAN_MAX_COUNT, value);
}

/* the usage object, its unknown keys skipped */
static const char *read_usage(Cursor *c, const char *p, Scanned *out)
{
    long long *counts[3] = {&out->input_tokens, &out->output_tokens, &out->total_tokens};
    unsigned seen = 0;
    if (p == c->end || *p != '{')
        return NULL;
    out->has_usage = 1;
    p = skip_space(c, p + 1);
    if (p < c->end && *p == '}')
        return p + 1;
    for (int more = 1; more > 0;) {
        Text key;
        if ((p = read_key(c, p, &key)) == NULL)
            return NULL;
        int which = KEY_IS(key, "input_tokens") ? 0 : KEY_IS(key, "output_tokens") ? 1
            : KEY_IS(key, "total_tokens") ? 2 : -1;
        if (which < 0)
            p = skip_value(c, p, 2);
        else
            p = first_time(&seen, which) ? read_count_or_null(c, p, counts[which]) : NULL;
        if (p == NULL || (more = next_item(c, &p, '}')) < 0)
            return NULL;
    }
    return p;
}

/* the field a top-level key names, or -1: by length, then bytes */
static int field_of(Text key)
{
#define IS(text, field) if (memcmp(key.at, text, sizeof(text) - 1) == 0) return field
    switch (key.size) {
    case 1: IS("v", F_V); break;
    case 2: IS("ts", F_TS); break;
    case 3: IS("seq", F_SEQ); break;
    case 4: IS("name", F_NAME); break;
    case 5: IS("model", F_MODEL); IS("usage", F_USAGE); IS("attrs", F_ATTRS); IS("error", F_ERROR); break;
    case 6: IS("run_id", F_RUN_ID); IS("status", F_STATUS); IS("inputs", F_INPUTS); break;
    case 7: IS("span_id", F_SPAN_ID); IS("outputs", F_OUTPUTS); break;
    case 8: IS("cost_usd", F_COST); break;
    case 9: IS("component", F_COMPONENT); IS("parent_id", F_PARENT_ID); IS("memory_mb", F_MEMORY); break;
    case 10: IS("event_type", F_EVENT_TYPE); break;
    case 11: IS("duration_ms", F_DURATION); break;
    }
    return -1;
#undef IS
}

/* a field's value; null, where it may be, is left as scan_event set it (absent) */
static const char *read_field(Cursor *c, const char *p, int field, Scanned *out)
{
    if ((SCAN_NULLABLE & (1u << field)) && p < c->end && *p == 'n')
        return skip_word(c, p, "null", 4);
    switch (field) {
    case F_V: return p < c->end && *p == '1' ? p + 1 : NULL;  /* `1.0`, `10`: the caller finds no `,` after 1 */
    case F_SEQ: return read_count(c, p, SCAN_MAX_SEQ, &out->seq);
    case F_RUN_ID: return read_text(c, p, &out->run_id);
    case F_TS: return read_text(c, p, &out->ts);
    case F_EVENT_TYPE: return read_text(c, p, &out->event_type);
    case F_COMPONENT: return read_text(c, p, &out->component);
    case F_NAME: return read_text(c, p, &out->name);
    case F_SPAN_ID: return read_text(c, p, &out->span_id);
    case F_STATUS: return read_text(c, p, &out->status);
    case F_PARENT_ID: return read_text(c, p, &out->parent_id);
    case F_MODEL: return read_text(c, p, &out->model);
    case F_DURATION: return read_amount(c, p, &out->has_duration, &out->duration_ms);
    case F_COST: return read_amount(c, p, &out->has_cost, &out->cost_usd);
    case F_MEMORY: return read_amount(c, p, &out->has_memory, &out->memory_mb);
    case F_USAGE: return read_usage(c, p, out);
    case F_ERROR: return NULL;  /* an error (not null) is rare: msgspec reads it */
    case F_INPUTS: return read_raw(c, p, &out->inputs);
    case F_OUTPUTS: return read_raw(c, p, &out->outputs);
    default: return read_raw(c, p, &out->attrs);
    }
}

/* 1: the line is an event msgspec would decode into exactly these values; 0: not sure (decode it with msgspec) */
static int scan_event(const char *line, const char *end, Scanned *out)
{
    Cursor cursor = {end, line, 0}, *c = &cursor;
    unsigned seen = 0;
    /* the fields that may be left unread (not a memset: here that costs more than it saves) */
    out->parent_id = out->model = out->inputs = out->outputs = out->attrs = (Text){NULL, 0};
    out->has_duration = out->has_cost = out->has_memory = out->has_usage = 0;
    out->duration_ms = out->cost_usd = out->memory_mb = 0.0;
    out->input_tokens = out->output_tokens = out->total_tokens = -1;
    if (end - line < 64)
        return 0;
    cursor.stops = stops_in64(line);
    const char *p = skip_space(c, line);
    if (p == end || *p != '{')
        return 0;
    p = skip_space(c, p + 1);
    for (int more = 1; more > 0;) {
        Text key;
        if ((p = read_key(c, p, &key)) == NULL)
            return 0;
        int field = field_of(key);
        if (field < 0)
            p = skip_value(c, p, 1);
        else
            p = first_time(&seen, field) ? read_field(c, p, field, out) : NULL;
        if (p == NULL || (more = next_item(c, &p, '}')) < 0)
            return 0;
    }
    return skip_space(c, p) == end && (seen & SCAN_REQUIRED) == SCAN_REQUIRED;
}

/* -- for tests ------------------------------------------------------------------------------------------------- */
static PyObject *text_or_none(Text text)
{
    return text.at == NULL ? Py_NewRef(Py_None) : PyUnicode_DecodeUTF8(text.at, text.size, NULL);
}

static PyObject *raw_bytes(Text raw)
{
    return PyBytes_FromStringAndSize(raw.at == NULL ? "" : raw.at, raw.size);
}

static PyObject *amount_or_none(int has, double value)
{
    return has ? PyFloat_FromDouble(value) : Py_NewRef(Py_None);
}

static PyObject *count_or_none(long long value)
{
    return value < 0 ? Py_NewRef(Py_None) : PyLong_FromLongLong(value);
}

static PyObject *usage_or_none(const Scanned *s)
{
    if (!s->has_usage)
        return Py_NewRef(Py_None);
    return Py_BuildValue("{s:N,s:N,s:N}", "input_tokens", count_or_none(s->input_tokens),
                         "output_tokens", count_or_none(s->output_tokens),
                         "total_tokens", count_or_none(s->total_tokens));
}

/* scan(line: bytes) -> dict of the fields it read, or None: what the pass reads of one line */
static PyObject *scan_line(PyObject *module, PyObject *line)
{
    Scanned s;
    if (!PyBytes_Check(line)) {
        PyErr_SetString(PyExc_TypeError, "scan() takes bytes");
        return NULL;
    }
    if (!scan_event(PyBytes_AS_STRING(line), PyBytes_AS_STRING(line) + PyBytes_GET_SIZE(line), &s))
        Py_RETURN_NONE;
    /* `N` hands each new value over; on an error Py_BuildValue releases them all */
    return Py_BuildValue("{s:L,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}",
                         "seq", s.seq, "run_id", text_or_none(s.run_id), "ts", text_or_none(s.ts),
                         "event_type", text_or_none(s.event_type), "component", text_or_none(s.component),
                         "name", text_or_none(s.name), "span_id", text_or_none(s.span_id),
                         "status", text_or_none(s.status), "parent_id", text_or_none(s.parent_id),
                         "model", text_or_none(s.model), "duration_ms", amount_or_none(s.has_duration, s.duration_ms),
                         "cost_usd", amount_or_none(s.has_cost, s.cost_usd),
                         "memory_mb", amount_or_none(s.has_memory, s.memory_mb), "usage", usage_or_none(&s),
                         "inputs", raw_bytes(s.inputs), "outputs", raw_bytes(s.outputs), "attrs", raw_bytes(s.attrs));
}

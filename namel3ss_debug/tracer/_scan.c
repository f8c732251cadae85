/* Optional speedup for redaction's pre-scan; the pure-Python reference is in scan.py, and a test checks
 * that both give the same answers on generated lines.
 *
 * Scanner(min_run, suffixes, markers).may_hold_secret(line): True when a serialized event holds a JSON key
 * (text before `":`) whose lower-cased end is one of `suffixes` (lower-case bytes), or both a run of
 * `min_run` ASCII letters and digits and one of `markers` (a marker that starts with a letter or digit
 * must not continue a longer word: `sk-` counts in ` sk-...`, not in `risk-`). Suffixes are bucketed by
 * their last byte, so a key is compared only with the few suffixes that end like it.
 * has_run(data, min_run): the run test alone. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static unsigned char ALNUM[256];
static unsigned char LOWER[256];

typedef struct {
    PyObject_HEAD
    Py_ssize_t min_run;
    PyObject *suffixes;            /* tuple of bytes, kept alive for the pointers below */
    PyObject *markers;             /* tuple of bytes */
    unsigned char starts[256];     /* bytes a marker starts with */
    Py_ssize_t marker_bucket[256]; /* first marker starting with that byte, or -1 */
    Py_ssize_t *marker_next;       /* next marker with the same first byte, or -1 */
    unsigned char distinct[16];    /* the same bytes, listed (for the SIMD filter) */
    int n_distinct;                /* -1 when there are more than 16 */
    unsigned char seconds[16];     /* the bytes markers have second (for the SIMD filter) */
    int n_seconds;                 /* -1 when more than 16, or a marker has a single byte */
    int all_need_boundary;         /* every marker starts with a letter or digit */
    int ready;                     /* __init__ has succeeded at least once */
    Py_ssize_t count;
    const unsigned char **text;    /* suffix i's bytes */
    Py_ssize_t *length;            /* suffix i's length */
    Py_ssize_t *next;              /* next suffix in the same bucket, or -1 */
    Py_ssize_t bucket[256];        /* first suffix ending with that byte, or -1 */
} Scanner;

static void Scanner_dealloc(Scanner *self)
{
    PyMem_Free(self->text);
    PyMem_Free(self->length);
    PyMem_Free(self->next);
    PyMem_Free(self->marker_next);
    Py_XDECREF(self->suffixes);
    Py_XDECREF(self->markers);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int all_nonempty_bytes(PyObject *tuple, const char *what)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (!PyBytes_Check(item) || PyBytes_GET_SIZE(item) == 0) {
            PyErr_Format(PyExc_TypeError, "%s must be a tuple of non-empty bytes", what);
            return 0;
        }
    }
    return 1;
}

static void index_markers(Scanner *self)
{
    PyObject *markers = self->markers;
    Py_ssize_t n = PyTuple_GET_SIZE(markers);
    memset(self->starts, 0, sizeof(self->starts));
    for (int c = 0; c < 256; c++)
        self->marker_bucket[c] = -1;
    self->n_distinct = 0;
    self->n_seconds = 0;
    self->all_need_boundary = 1;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        unsigned char c = (unsigned char)PyBytes_AS_STRING(PyTuple_GET_ITEM(markers, i))[0];
        self->marker_next[i] = self->marker_bucket[c];
        self->marker_bucket[c] = i;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(markers, i);
        const unsigned char *marker = (const unsigned char *)PyBytes_AS_STRING(item);
        unsigned char c = marker[0];
        self->all_need_boundary &= ALNUM[c];
        if (!self->starts[c]) {
            self->starts[c] = 1;
            if (self->n_distinct >= 0 && self->n_distinct < 16)
                self->distinct[self->n_distinct++] = c;
            else
                self->n_distinct = -1;
        }
        if (self->n_seconds < 0)
            continue;
        if (PyBytes_GET_SIZE(item) < 2) {
            self->n_seconds = -1;  /* a one-byte marker has no second byte to filter on */
            continue;
        }
        int known = 0;
        for (int d = 0; d < self->n_seconds && !known; d++)
            known = self->seconds[d] == marker[1];
        if (!known)
            self->n_seconds < 16 ? (void)(self->seconds[self->n_seconds++] = marker[1]) : (void)(self->n_seconds = -1);
    }
}

static void index_suffixes(Scanner *self)
{
    for (int c = 0; c < 256; c++)
        self->bucket[c] = -1;
    for (Py_ssize_t i = self->count - 1; i >= 0; i--) {
        PyObject *item = PyTuple_GET_ITEM(self->suffixes, i);
        self->text[i] = (const unsigned char *)PyBytes_AS_STRING(item);
        self->length[i] = PyBytes_GET_SIZE(item);
        unsigned char last = self->text[i][self->length[i] - 1];
        self->next[i] = self->bucket[last];
        self->bucket[last] = i;
    }
}

/* Validate everything and allocate the new tables first; only then replace the old state, so a failed
 * (re-)initialisation leaves the object as it was. */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwds)
{
    Py_ssize_t min_run;
    PyObject *suffixes, *markers = NULL;
    if (!PyArg_ParseTuple(args, "nO!|O!", &min_run, &PyTuple_Type, &suffixes, &PyTuple_Type, &markers))
        return -1;
    markers = markers != NULL ? Py_NewRef(markers) : PyTuple_New(0);
    if (markers == NULL)
        return -1;
    if (!all_nonempty_bytes(suffixes, "suffixes") || !all_nonempty_bytes(markers, "markers")) {
        Py_DECREF(markers);
        return -1;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(suffixes);
    const unsigned char **text = PyMem_Calloc(count + 1, sizeof(*text));
    Py_ssize_t *length = PyMem_Calloc(count + 1, sizeof(*length));
    Py_ssize_t *next = PyMem_Calloc(count + 1, sizeof(*next));
    Py_ssize_t *marker_next = PyMem_Calloc(PyTuple_GET_SIZE(markers) + 1, sizeof(*marker_next));
    if (!text || !length || !next || !marker_next) {
        PyMem_Free(text);
        PyMem_Free(length);
        PyMem_Free(next);
        PyMem_Free(marker_next);
        Py_DECREF(markers);
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->text);
    PyMem_Free(self->length);
    PyMem_Free(self->next);
    PyMem_Free(self->marker_next);
    self->text = text;
    self->length = length;
    self->next = next;
    self->marker_next = marker_next;
    Py_XSETREF(self->suffixes, Py_NewRef(suffixes));
    Py_XSETREF(self->markers, markers);
    self->min_run = min_run;
    self->count = count;
    index_suffixes(self);
    index_markers(self);
    self->ready = 1;
    return 0;
}

/* Does data[0:end] end, lower-cased, with one of the suffixes? */
static int key_matches(const Scanner *self, const unsigned char *data, Py_ssize_t end)
{
    if (end == 0)
        return 0;
    for (Py_ssize_t i = self->bucket[LOWER[data[end - 1]]]; i >= 0; i = self->next[i]) {
        Py_ssize_t n = self->length[i];
        if (n > end)
            continue;
        const unsigned char *suffix = self->text[i], *tail = data + end - n;
        Py_ssize_t k = n - 1;
        while (k > 0 && LOWER[tail[k - 1]] == suffix[k - 1])
            k--;
        if (k == 0)
            return 1;
    }
    return 0;
}

/* A run of k letters/digits? Probe the last byte of each candidate run and scan backwards: a byte that
 * is not a letter or digit rules out every run through it, so on prose most bytes are never read. */
static int has_run_scalar(const unsigned char *data, Py_ssize_t size, Py_ssize_t k)
{
    if (k <= 0)
        return 1;
    Py_ssize_t start = 0;
    while (start + k <= size) {
        Py_ssize_t j = start + k - 1;
        while (j >= start && ALNUM[data[j]])
            j--;
        if (j < start)
            return 1;
        start = j + 1;
    }
    return 0;
}

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>

/* Bit i set when data[i] is an ASCII letter or digit, for 16 bytes at once. */
static inline unsigned alnum_bits16(const unsigned char *data)
{
    __m128i v = _mm_loadu_si128((const __m128i *)data);
    __m128i digit = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i letter = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i is_digit = _mm_cmpeq_epi8(_mm_subs_epu8(digit, _mm_set1_epi8(9)), _mm_setzero_si128());
    __m128i is_letter = _mm_cmpeq_epi8(_mm_subs_epu8(letter, _mm_set1_epi8(25)), _mm_setzero_si128());
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(is_digit, is_letter));
}

/* The same test 64 bytes at a time: a bit mask per block, runs found with shifts, and the run that
 * ends a block carried into the next. Only for 1 <= k <= 64; the rest is left to the scalar loop. */
static int has_run_of(const unsigned char *data, Py_ssize_t size, Py_ssize_t k)
{
    if (k < 1 || k > 64)
        return has_run_scalar(data, size, k);
    Py_ssize_t i = 0, carry = 0;  /* carry: letters/digits ending the previous block */
    for (; i + 64 <= size; i += 64) {
        unsigned long long m = (unsigned long long)alnum_bits16(data + i)
            | (unsigned long long)alnum_bits16(data + i + 16) << 16
            | (unsigned long long)alnum_bits16(data + i + 32) << 32
            | (unsigned long long)alnum_bits16(data + i + 48) << 48;
        if (m == ~0ULL) {
            carry += 64;
            if (carry >= k)
                return 1;
            continue;
        }
        Py_ssize_t leading = __builtin_ctzll(~m);  /* letters/digits at the start of the block */
        if (carry + leading >= k)
            return 1;
        unsigned long long r = m;  /* bit j stays set while bits j .. j+n-1 are all set */
        Py_ssize_t n = 1;
        while (n < k) {
            Py_ssize_t shift = n < k - n ? n : k - n;
            r &= r >> shift;
            n += shift;
        }
        if (r)
            return 1;
        carry = __builtin_clzll(~m);  /* letters/digits at the end of the block */
    }
    /* The tail: continue the scalar way from the carried run. */
    Py_ssize_t run = carry;
    for (; i < size; i++) {
        run = ALNUM[data[i]] ? run + 1 : 0;
        if (run >= k)
            return 1;
    }
    return 0;
}
#else
#define has_run_of has_run_scalar
#endif

/* A key (`"` then `:`) whose text ends with a sensitive suffix? Colons are few in JSON: memchr finds them. */
static int has_sensitive_key(const Scanner *self, const unsigned char *data, Py_ssize_t size)
{
    const unsigned char *p = data, *end = data + size;
    while (p < end && (p = memchr(p, ':', (size_t)(end - p))) != NULL) {
        Py_ssize_t at = p - data;
        if (at >= 1 && data[at - 1] == '"' && key_matches(self, data, at - 1))
            return 1;
        p++;
    }
    return 0;
}

/* Does data[at] start a word? True after a byte that is not a letter or digit, and after a JSON escape
 * (`\n`, `\u001b`), which stands for such a byte in the text. */
static int at_boundary(const unsigned char *data, Py_ssize_t at)
{
    if (at == 0 || !ALNUM[data[at - 1]])
        return 1;
    if (at >= 2 && data[at - 2] == '\\')
        return 1;
    return at >= 6 && data[at - 6] == '\\' && data[at - 5] == 'u';
}

/* Does a marker start at data[at], at a word boundary when it starts with a letter or digit? */
static int marker_at(const Scanner *self, const unsigned char *data, Py_ssize_t size, Py_ssize_t at)
{
    for (Py_ssize_t m = self->marker_bucket[data[at]]; m >= 0; m = self->marker_next[m]) {
        PyObject *item = PyTuple_GET_ITEM(self->markers, m);
        const unsigned char *marker = (const unsigned char *)PyBytes_AS_STRING(item);
        Py_ssize_t n = PyBytes_GET_SIZE(item);
        if (at + n <= size && memcmp(data + at, marker, (size_t)n) == 0 && (!ALNUM[marker[0]] || at_boundary(data, at)))
            return 1;
    }
    return 0;
}

static int has_marker(const Scanner *self, const unsigned char *data, Py_ssize_t size)
{
    Py_ssize_t i = 0;
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
    /* 64 bytes at a time: positions holding a marker's first byte, kept only where a word may start
     * (after a byte that is not a letter or digit, after a backslash two or six bytes back, or in the
     * block's first six bytes); each candidate is then checked exactly by marker_at. */
    if (self->n_distinct > 0) {
        for (; i + 64 <= size; i += 64) {
            unsigned long long first = 0, alnum = 0, backslash = 0;
            for (int k = 0; k < 4; k++) {
                __m128i v = _mm_loadu_si128((const __m128i *)(data + i + 16 * k));
                __m128i hit = _mm_setzero_si128();
                for (int d = 0; d < self->n_distinct; d++)
                    hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)self->distinct[d])));
                first |= (unsigned long long)(unsigned)_mm_movemask_epi8(hit) << (16 * k);
                alnum |= (unsigned long long)alnum_bits16(data + i + 16 * k) << (16 * k);
                backslash |= (unsigned long long)(unsigned)_mm_movemask_epi8(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))) << (16 * k);
            }
            unsigned long long candidates = first;
            if (self->all_need_boundary)
                candidates &= ~(alnum << 1) | (backslash << 2) | (backslash << 6) | 0x3FULL;
            while (candidates) {
                if (marker_at(self, data, size, i + __builtin_ctzll(candidates)))
                    return 1;
                candidates &= candidates - 1;
            }
        }
    }
#endif
    for (; i < size; i++)
        if (self->starts[data[i]] && marker_at(self, data, size, i))
            return 1;
    return 0;
}

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
static inline unsigned long long bytes_equal64(const unsigned char *data, char c)
{
    __m128i needle = _mm_set1_epi8(c);
    unsigned long long mask = 0;
    for (int k = 0; k < 4; k++)
        mask |= (unsigned long long)(unsigned)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * k)), needle)) << (16 * k);
    return mask;
}

/* The three tests of may_hold_secret in one pass, 64 bytes at a time: keys (`":` after a sensitive
 * suffix), a run of min_run letters/digits, and a marker at a word start. Same answers as
 * has_sensitive_key(...) || (has_run_of(...) && has_marker(...)); used when every marker starts with a
 * letter or digit and min_run is at most 64. */
static int scan_fused(const Scanner *self, const unsigned char *data, Py_ssize_t size)
{
    const Py_ssize_t k = self->min_run;
    int run_found = 0, marker_found = 0;
    Py_ssize_t i = 0, carry = 0;
    for (; i + 64 <= size; i += 64) {
        const unsigned char *block = data + i;
        unsigned long long alnum = 0, first = 0;
        for (int q = 0; q < 4; q++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(block + 16 * q));
            __m128i hit = _mm_setzero_si128();
            for (int d = 0; d < self->n_distinct; d++)
                hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)self->distinct[d])));
            first |= (unsigned long long)(unsigned)_mm_movemask_epi8(hit) << (16 * q);
            alnum |= (unsigned long long)alnum_bits16(block + 16 * q) << (16 * q);
        }
        unsigned long long colon = bytes_equal64(block, ':');
        if (colon) {
            unsigned long long quote_before = bytes_equal64(block, '"') << 1 | (i > 0 && data[i - 1] == '"');
            for (unsigned long long keys = colon & quote_before; keys; keys &= keys - 1)
                if (key_matches(self, data, i + __builtin_ctzll(keys) - 1))
                    return 1;
        }
        if (!run_found) {
            if (alnum == ~0ULL) {
                carry += 64;
                run_found = carry >= k;
            } else {
                unsigned long long r = alnum;
                for (Py_ssize_t n = 1; n < k;) {
                    Py_ssize_t shift = n < k - n ? n : k - n;
                    r &= r >> shift;
                    n += shift;
                }
                run_found = carry + __builtin_ctzll(~alnum) >= k || r != 0;
                carry = __builtin_clzll(~alnum);
            }
        }
        if (!marker_found && first && self->n_seconds > 0) {
            /* keep first bytes followed by a possible second byte (bit 63: the next block decides) */
            unsigned long long second = 0;
            for (int d = 0; d < self->n_seconds; d++)
                second |= bytes_equal64(block, (char)self->seconds[d]);
            first &= (second >> 1) | (1ULL << 63);
        }
        if (!marker_found && first) {
            unsigned long long backslash = bytes_equal64(block, '\\');
            unsigned long long candidates = first & (~(alnum << 1) | (backslash << 2) | (backslash << 6) | 0x3FULL);
            for (; candidates; candidates &= candidates - 1)
                if (marker_at(self, data, size, i + __builtin_ctzll(candidates))) {
                    marker_found = 1;
                    break;
                }
        }
    }
    Py_ssize_t run = run_found ? k : carry;
    for (; i < size; i++) {
        unsigned char c = data[i];
        if (c == ':' && i > 0 && data[i - 1] == '"' && key_matches(self, data, i - 1))
            return 1;
        run = ALNUM[c] ? run + 1 : 0;
        run_found |= run >= k;
        if (!marker_found && self->starts[c] && marker_at(self, data, size, i))
            marker_found = 1;
    }
    return run_found && marker_found;
}
#endif

static PyObject *Scanner_may_hold_secret(Scanner *self, PyObject *line)
{
    if (!self->ready) {
        PyErr_SetString(PyExc_ValueError, "Scanner.__init__ has not run");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(line, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const unsigned char *data = view.buf;
    int found;
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
    if (self->min_run >= 1 && self->min_run <= 64 && self->n_distinct > 0 && self->all_need_boundary)
        found = scan_fused(self, data, view.len);
    else
#endif
        found = has_sensitive_key(self, data, view.len)
            || (has_run_of(data, view.len, self->min_run) && has_marker(self, data, view.len));
    PyBuffer_Release(&view);
    return PyBool_FromLong(found);
}

static PyObject *has_run(PyObject *module, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t min_run;
    if (!PyArg_ParseTuple(args, "y*n", &view, &min_run))
        return NULL;
    int found = has_run_of(view.buf, view.len, min_run);
    PyBuffer_Release(&view);
    return PyBool_FromLong(found);
}

static PyMethodDef SCANNER_METHODS[] = {
    {"may_hold_secret", (PyCFunction)Scanner_may_hold_secret, METH_O,
     "may_hold_secret(line) -> bool: a long letter/digit run, or a key ending with a sensitive suffix."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "namel3ss_debug.tracer._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scanner(min_run, suffixes): redaction's pre-scan of serialized events.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = SCANNER_METHODS,
};

static PyMethodDef METHODS[] = {
    {"has_run", has_run, METH_VARARGS, "has_run(data, min_run) -> bool: a run of min_run ASCII letters and digits."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, METHODS};

PyMODINIT_FUNC PyInit__scan(void)
{
    for (int c = 0; c < 256; c++) {
        ALNUM[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        LOWER[c] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : (unsigned char)c;
    }
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&MODULE);
    if (module == NULL)
        return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(module, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

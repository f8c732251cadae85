/* Optional speedup for redaction's pre-scan; the rules and the pure-Python reference are in scan.py, and
 * tests check that both give the same answers on generated lines.
 *
 * Scanner(suffixes, markers).may_hold_secret(line): a sensitive name before `:`/`=`, a marker (text,
 * boundary, min_body) where its rule holds, or `//user:pass@`.
 *
 * Why it is fast: the line is read 64 bytes at a time into bit masks (one bit per byte) of the few byte
 * classes the rules start from: letters and digits (for word starts), the first bytes of markers, the
 * rare bytes `:`, `=`, `@`, and backslashes (JSON escapes start words). On ordinary LLM traffic a block
 * leaves a few dozen candidates; each is then filtered by a 65536-bit table of the markers' first three
 * bytes, hashed (or of the suffixes' last two), and only what passes is compared exactly. The masks come
 * from AVX2 or SSSE3 nibble lookups (a byte is in a set when the table of its low nibble has the bit of
 * its high nibble), chosen at run time, or from a portable byte loop. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define NAME_REACH 8    /* quotes and spaces stepped over between a name and its separator */
#define URL_REACH 256   /* bytes between `//` and `@` */
#define PAIR_BUCKETS 1024

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Byte classes, filled once by the module. */
static unsigned char ALNUM[256], TOKEN[256], LOWER[256], NAME_SKIP[256], URL_STOP[256];

static void fill_byte_classes(void)
{
    for (int c = 0; c < 256; c++) {
        ALNUM[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        TOKEN[c] = ALNUM[c] || (c != 0 && strchr("_-+/=.~", c) != NULL);
        LOWER[c] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : (unsigned char)c;
        NAME_SKIP[c] = c != 0 && strchr("\"' \\", c) != NULL;
        URL_STOP[c] = c != 0 && strchr(" \t\r\n\"'<>\\/@", c) != NULL;
    }
}

typedef struct {
    const unsigned char *text;
    Py_ssize_t length, min_body;
    int boundary;
    Py_ssize_t next;  /* next marker in the same bucket, or -1 */
} Marker;

typedef struct {
    const unsigned char *text;
    Py_ssize_t length;
    Py_ssize_t next;  /* next suffix ending with the same byte, or -1 */
} Suffix;

/* The byte sets the block masks are built from. Markers fall in three tiers by what must follow their
 * first byte: a word start and a long token run (`sk-` + 20: most of them), a word start and a short
 * run (`Bearer ` has a space after 6 bytes, `aws` needs nothing more), or only a run (markers that need
 * not start a word). Prose has few long runs, so the run test leaves very few candidates of the first tier;
 * for the second, where common words pass (`and`, `said`), the byte after the first must be a second byte
 * of that tier's markers too (SET_SHORT_NEXT). */
enum { SET_ALNUM, SET_TOKEN, SET_LONG, SET_SHORT, SET_LOOSE, SET_SHORT_NEXT, N_SETS };
#define LONG_RUN 12  /* markers needing a token run at least this long form the first tier */

/* In a nibble table, bit h of entry lo is set when the byte (h << 4 | lo) is in the set, for h < 8.
 * Bytes from 0x80 up are not in the tables: `high` says the set holds one (a marker starting with a
 * UTF-8 byte), and then every such byte counts as in it (a superset: the exact check decides). */
typedef struct {
    unsigned char table[N_SETS][16];
    int high[N_SETS];
    unsigned char member[256];  /* the same sets, a bit each (1 << SET_*), for the portable builder */
} Classes;

/* One bit per byte of a 64-byte block. */
typedef struct {
    uint64_t set[N_SETS];
    uint64_t rare;       /* `:`, `=`, `@` */
    uint64_t backslash;
} Masks;

/* The shifts that test for a token run of a given length (see runs_from). */
#define RUN_STEPS 6  /* doubling from 1 reaches 64 in 6 steps */
typedef struct {
    uint64_t all;                /* ~0 when no run is needed */
    unsigned char shift[RUN_STEPS];
    uint64_t fill[RUN_STEPS];    /* the bits shifted in from past the block: all set */
} RunTest;

/* What find records: each marker whose rule holds somewhere (a byte per marker), a sensitive name before a
 * separator, URL credentials. The scan for may_hold_secret passes none and stops at the first rule that holds. */
typedef struct {
    unsigned char *marker;
    int name, url;
} Hits;

typedef void (*MaskBuilder)(const Classes *, const unsigned char *, Masks *);
struct Scanner;
typedef int (*LineScan)(const struct Scanner *, const unsigned char *, Py_ssize_t, Hits *);

typedef struct Scanner {
    PyObject_HEAD
    PyObject *suffix_items, *marker_items;  /* the tuples, kept alive for the pointers below */
    Suffix *suffixes;
    Marker *markers;
    Py_ssize_t suffix_head[256];            /* by last byte */
    Py_ssize_t pair_head[PAIR_BUCKETS];     /* markers of 2+ bytes, by a hash of their first two */
    Py_ssize_t single_head[256];            /* one-byte markers, by their byte */
    uint64_t suffix_pairs[65536 / 64];      /* last two bytes of a suffix (all, for a one-byte suffix) */
    uint64_t marker_starts[65536 / 64];     /* hashed first three bytes of a marker (see start_hash) */
    Classes classes;
    RunTest runs[N_SETS];                   /* the token run each marker tier needs (see Classes) */
    LineScan scan;                          /* the kernel: scan_avx2, scan_ssse3 or scan_portable */
    int ready;                              /* __init__ has succeeded at least once */
} Scanner;

static inline int bit_test(const uint64_t *bits, unsigned i) { return (int)(bits[i >> 6] >> (i & 63) & 1); }
static inline void bit_set(uint64_t *bits, unsigned i) { bits[i >> 6] |= 1ULL << (i & 63); }
static inline unsigned pair_bucket(unsigned pair) { return (pair * 2654435761u) >> 22; }  /* 10 bits */
/* 16 bits from three bytes: short context words (`aws`, `dd_`) and common words (`and`, `day`) share
 * first bytes and often second ones, rarely all three. */
static inline unsigned start_hash(unsigned b0, unsigned b1, unsigned b2)
{
    return ((b0 << 16 | b1 << 8 | b2) * 2654435761u) >> 16;
}

/* ---------------------------------------------------------------------------------- the exact rules */

/* Does data[at] start a word? After a byte that is not a letter or digit, and after a JSON escape
 * (`\n`, `\u001b`), which stands for such a byte in the text. */
static int at_word_start(const unsigned char *data, Py_ssize_t at)
{
    if (at == 0 || !ALNUM[data[at - 1]])
        return 1;
    if (at >= 2 && data[at - 2] == '\\')
        return 1;
    return at >= 6 && data[at - 6] == '\\' && data[at - 5] == 'u';
}

static int marker_matches(const Marker *m, const unsigned char *data, Py_ssize_t size, Py_ssize_t at)
{
    if (m->length > size - at || m->min_body > size - at - m->length
        || memcmp(data + at, m->text, (size_t)m->length) != 0)
        return 0;
    if (m->boundary && !at_word_start(data, at))
        return 0;
    if (m->boundary == 2 && at > 0 && (data[at - 1] == '_' || data[at - 1] == '-'))
        return 0;
    const unsigned char *body = data + at + m->length;
    for (Py_ssize_t k = 0; k < m->min_body; k++)
        if (!TOKEN[body[k]])
            return 0;
    return 1;
}

/* The markers whose rule holds at data[at]: with `hit` NULL, whether one does; else each one's byte set in
 * `hit` (every one, not only the first). The table of starts rules out nearly every candidate first (bytes
 * past the end read as 0: markers shorter than three bytes set every third byte, 0 included). */
static int markers_here(const Scanner *self, const unsigned char *data, Py_ssize_t size, Py_ssize_t at,
                        unsigned char *hit)
{
    unsigned first = data[at], second = at + 1 < size ? data[at + 1] : 0, third = at + 2 < size ? data[at + 2] : 0;
    if (!bit_test(self->marker_starts, start_hash(first, second, third)))
        return 0;
    Py_ssize_t heads[2] = {self->single_head[first], self->pair_head[pair_bucket(first << 8 | second)]};
    for (int h = 0; h < 2; h++)
        for (Py_ssize_t m = heads[h]; m >= 0; m = self->markers[m].next)
            if (marker_matches(&self->markers[m], data, size, at)) {
                if (hit == NULL)
                    return 1;
                hit[m] = 1;
            }
    return 0;
}

/* Does the name before the separator data[sep] end, lower-cased, with a suffix? */
static int sensitive_name_before(const Scanner *self, const unsigned char *data, Py_ssize_t sep)
{
    Py_ssize_t end = sep;
    for (int k = 0; k < NAME_REACH && end > 0 && NAME_SKIP[data[end - 1]]; k++)
        end--;
    if (end == 0)
        return 0;
    unsigned last = LOWER[data[end - 1]], before = end >= 2 ? LOWER[data[end - 2]] : 0;
    if (!bit_test(self->suffix_pairs, before << 8 | last))
        return 0;
    for (Py_ssize_t i = self->suffix_head[last]; i >= 0; i = self->suffixes[i].next) {
        const Suffix *s = &self->suffixes[i];
        if (s->length > end)
            continue;
        const unsigned char *tail = data + end - s->length;
        Py_ssize_t k = s->length - 1;  /* the last byte is known to match */
        while (k > 0 && LOWER[tail[k - 1]] == s->text[k - 1])
            k--;
        if (k == 0)
            return 1;
    }
    return 0;
}

/* Is the `@` at data[at] the end of `//user:pass`? Back over at most URL_REACH bytes of a URL's
 * authority, passing a colon, to a slash that follows another. */
static int url_credentials_before(const unsigned char *data, Py_ssize_t at)
{
    Py_ssize_t k = at - 1;
    int colon = 0;
    while (k >= 0 && k >= at - URL_REACH && !URL_STOP[data[k]]) {
        colon |= data[k] == ':';
        k--;
    }
    return colon && k >= 1 && data[k] == '/' && data[k - 1] == '/';
}

/* ---------------------------------------------------------------------------------- the scan */

/* Positions in `token` (a block's token bytes) that start a run of the tier's length; bytes past the
 * block count as token bytes (a superset: the exact check decides). The shifts double the run each step
 * and were planned by plan_run_test; a fixed number of steps, so no branch to mispredict. */
static ALWAYS_INLINE uint64_t runs_from(uint64_t token, const RunTest *test)
{
    uint64_t runs = token | test->all;  /* bit p: token[p .. p+n-1] all set, n growing to the length */
    for (int i = 0; i < RUN_STEPS; i++)
        runs &= runs >> test->shift[i] | test->fill[i];
    return runs;
}

/* The positions of a block where a marker may start: its first byte, a word start for the first two
 * tiers, and a long enough token run. `before` holds the previous block's masks: the bytes just before
 * this block decide the word starts at its edge. */
static ALWAYS_INLINE uint64_t marker_candidates(const Scanner *self, const Masks *m, const Masks *before)
{
    uint64_t after_word = m->set[SET_ALNUM] << 1 | before->set[SET_ALNUM] >> 63;
    /* A backslash two or six bytes back may end a JSON escape: a superset of at_word_start's test. */
    uint64_t after_escape = m->backslash << 2 | before->backslash >> 62 | m->backslash << 6 | before->backslash >> 58;
    uint64_t word_start = ~after_word | after_escape, token = m->set[SET_TOKEN];
    uint64_t candidates = m->set[SET_LONG] & word_start & runs_from(token, &self->runs[SET_LONG]);
    uint64_t short_next = m->set[SET_SHORT_NEXT] >> 1 | 1ULL << 63;  /* the last byte's next: the next block */
    candidates |= m->set[SET_SHORT] & short_next & word_start & runs_from(token, &self->runs[SET_SHORT]);
    if (m->set[SET_LOOSE])  /* a rare byte in the real table (`Q`) */
        candidates |= m->set[SET_LOOSE] & runs_from(token, &self->runs[SET_LOOSE]);
    return candidates;
}

/* The candidates of one block (starting at data[at]), checked exactly: with `hits` NULL, whether a rule
 * holds; else every rule that holds recorded there (a name or URL credentials once found are not tested again). */
static int block_holds_secret(const Scanner *self, const unsigned char *data, Py_ssize_t size, Py_ssize_t at,
                              const Masks *m, const Masks *before, Hits *hits)
{
    for (uint64_t c = marker_candidates(self, m, before); c; c &= c - 1)
        if (markers_here(self, data, size, at + __builtin_ctzll(c), hits != NULL ? hits->marker : NULL))
            return 1;
    for (uint64_t rare = m->rare; rare; rare &= rare - 1) {
        Py_ssize_t i = at + __builtin_ctzll(rare);
        int *known = hits == NULL ? NULL : data[i] == '@' ? &hits->url : &hits->name;
        if (known != NULL && *known)
            continue;
        if (data[i] == '@' ? url_credentials_before(data, i) : sensitive_name_before(self, data, i)) {
            if (known == NULL)
                return 1;
            *known = 1;
        }
    }
    return 0;
}

/* The last, partial block goes through the same builder from a zero-padded copy; bits past the end are
 * dropped from the marker sets (the padding is no letter, digit, token or rare byte, but a marker might
 * start with a zero byte). */
static ALWAYS_INLINE void tail_masks(const Scanner *self, const unsigned char *data, Py_ssize_t n, Masks *m,
                                     MaskBuilder build)
{
    unsigned char block[64] = {0};
    memcpy(block, data, (size_t)n);
    build(&self->classes, block, m);
    uint64_t inside = (1ULL << n) - 1;
    for (int k = SET_LONG; k <= SET_LOOSE; k++)
        m->set[k] &= inside;
}

/* The scan loop, compiled once per mask builder (scan_avx2, scan_ssse3, scan_portable below): with the
 * builder inlined, a block's masks stay in registers. */
static ALWAYS_INLINE int scan_with(const Scanner *self, const unsigned char *data, Py_ssize_t size,
                                   MaskBuilder build, Hits *hits)
{
    Masks before = {{0}, 0, 0}, m;
    for (Py_ssize_t at = 0; at < size; at += 64) {
        if (size - at >= 64)
            build(&self->classes, data + at, &m);
        else
            tail_masks(self, data + at, size - at, &m, build);
        if (block_holds_secret(self, data, size, at, &m, &before, hits))
            return 1;
        before = m;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------- block masks */

static ALWAYS_INLINE void masks_portable(const Classes *c, const unsigned char *block, Masks *out)
{
    Masks m = {{0}, 0, 0};
    for (int i = 0; i < 64; i++) {
        unsigned member = c->member[block[i]];
        for (int k = 0; k < N_SETS; k++)
            m.set[k] |= (uint64_t)(member >> k & 1) << i;
        m.rare |= (uint64_t)(block[i] == ':' || block[i] == '=' || block[i] == '@') << i;
        m.backslash |= (uint64_t)(block[i] == '\\') << i;
    }
    *out = m;
}

static int scan_portable(const Scanner *self, const unsigned char *data, Py_ssize_t size, Hits *hits)
{
    return scan_with(self, data, size, masks_portable, hits);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_KERNELS 1
#include <immintrin.h>

/* 16 bytes: bit i set when byte i is in the set of `table`, given the bytes' low nibbles and the bit of
 * their high nibbles (0 from 0x80 up). */
__attribute__((target("ssse3")))
static ALWAYS_INLINE unsigned in_set16(__m128i table, __m128i low, __m128i high_bit)
{
    __m128i hit = _mm_and_si128(_mm_shuffle_epi8(table, low), high_bit);
    return ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(hit, _mm_setzero_si128())) & 0xFFFF;
}

__attribute__((target("ssse3")))
static ALWAYS_INLINE unsigned equal16(__m128i v, char c)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

__attribute__((target("ssse3")))
static ALWAYS_INLINE void masks_ssse3(const Classes *c, const unsigned char *block, Masks *out)
{
    const __m128i nibble = _mm_set1_epi8(0x0F);
    const __m128i bit_of = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
    Masks m = {{0}, 0, 0};
    for (int q = 0; q < 4; q++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(block + 16 * q));
        __m128i low = _mm_and_si128(v, nibble);
        __m128i high_bit = _mm_shuffle_epi8(bit_of, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
        unsigned high = (unsigned)_mm_movemask_epi8(v);  /* bytes from 0x80 up */
        for (int k = 0; k < N_SETS; k++) {
            unsigned hits = in_set16(_mm_loadu_si128((const __m128i *)c->table[k]), low, high_bit);
            m.set[k] |= (uint64_t)(hits | (c->high[k] ? high : 0)) << (16 * q);
        }
        m.rare |= (uint64_t)(equal16(v, ':') | equal16(v, '=') | equal16(v, '@')) << (16 * q);
        m.backslash |= (uint64_t)equal16(v, '\\') << (16 * q);
    }
    *out = m;
}

__attribute__((target("ssse3")))
static int scan_ssse3(const Scanner *self, const unsigned char *data, Py_ssize_t size, Hits *hits)
{
    return scan_with(self, data, size, masks_ssse3, hits);
}

/* The same with 32 bytes per vector. The shuffle looks up within each 16-byte lane, so every table is
 * repeated in both lanes. */
__attribute__((target("avx2")))
static ALWAYS_INLINE uint64_t in_set32(__m256i table, __m256i low, __m256i high_bit)
{
    __m256i hit = _mm256_and_si256(_mm256_shuffle_epi8(table, low), high_bit);
    return ~(uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256())) & 0xFFFFFFFFULL;
}

__attribute__((target("avx2")))
static ALWAYS_INLINE uint64_t equal32(__m256i v, char c)
{
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c)));
}

__attribute__((target("avx2")))
static ALWAYS_INLINE void masks_avx2(const Classes *c, const unsigned char *block, Masks *out)
{
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i bit_of = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,
                                            1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
    Masks m = {{0}, 0, 0};
    for (int h = 0; h < 2; h++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(block + 32 * h));
        __m256i low = _mm256_and_si256(v, nibble);
        __m256i high_bit = _mm256_shuffle_epi8(bit_of, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
        uint64_t high = (uint32_t)_mm256_movemask_epi8(v);
        for (int k = 0; k < N_SETS; k++) {
            __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)c->table[k]));
            m.set[k] |= (in_set32(table, low, high_bit) | (c->high[k] ? high : 0)) << (32 * h);
        }
        m.rare |= (equal32(v, ':') | equal32(v, '=') | equal32(v, '@')) << (32 * h);
        m.backslash |= equal32(v, '\\') << (32 * h);
    }
    *out = m;
}

__attribute__((target("avx2")))
static int scan_avx2(const Scanner *self, const unsigned char *data, Py_ssize_t size, Hits *hits)
{
    return scan_with(self, data, size, masks_avx2, hits);
}
#endif

/* The builders this CPU can run, best first. */
static const struct { const char *name; LineScan scan; } KERNELS[] = {
#ifdef HAVE_X86_KERNELS
    {"avx2", scan_avx2},
    {"ssse3", scan_ssse3},
#endif
    {"portable", scan_portable},
};
#define N_KERNELS ((int)(sizeof(KERNELS) / sizeof(KERNELS[0])))

static int kernel_runs_here(int i)
{
#ifdef HAVE_X86_KERNELS
    __builtin_cpu_init();
    if (KERNELS[i].scan == scan_avx2)
        return __builtin_cpu_supports("avx2");
    if (KERNELS[i].scan == scan_ssse3)
        return __builtin_cpu_supports("ssse3");
#endif
    (void)i;
    return 1;
}

/* ---------------------------------------------------------------------------------- setting up */

/* How long a token run a marker needs from its first byte: its own bytes and min_body more if all of them
 * are token bytes, else its bytes up to the first that is not (`Bearer ` needs 6). */
static Py_ssize_t run_needed(const Marker *m)
{
    Py_ssize_t k = 0;
    while (k < m->length && TOKEN[m->text[k]])
        k++;
    return k == m->length ? m->length + m->min_body : k;
}

/* Steps of 1, 2, 4... (the last one shorter) until the run is `length` long; then steps of 0. */
static void plan_run_test(RunTest *test, int length)
{
    test->all = length <= 0 ? ~0ULL : 0;
    for (int i = 0, n = 1; i < RUN_STEPS; i++) {
        int step = n >= length ? 0 : n < length - n ? n : length - n;
        test->shift[i] = (unsigned char)step;
        test->fill[i] = step ? ~0ULL << (64 - step) : 0;
        n += step;
    }
}

static void add_to_set(Classes *c, int set, unsigned char byte)
{
    c->member[byte] |= (unsigned char)(1 << set);
    if (byte < 0x80)
        c->table[set][byte & 15] |= (unsigned char)(1 << (byte >> 4));
    else
        c->high[set] = 1;
}

/* Each marker's first byte goes in its tier's set; a tier's run length is the shortest its markers need. */
static void index_classes(Scanner *self, Py_ssize_t n_markers)
{
    Classes *c = &self->classes;
    memset(c, 0, sizeof(*c));
    for (int b = 0; b < 256; b++) {
        if (ALNUM[b])
            add_to_set(c, SET_ALNUM, (unsigned char)b);
        if (TOKEN[b])
            add_to_set(c, SET_TOKEN, (unsigned char)b);
    }
    Py_ssize_t need[N_SETS];
    for (int k = 0; k < N_SETS; k++)
        need[k] = 64;  /* a run test longer than a block is not needed: 64 is a superset */
    for (Py_ssize_t i = 0; i < n_markers; i++) {
        const Marker *m = &self->markers[i];
        Py_ssize_t run = run_needed(m);
        int set = !m->boundary ? SET_LOOSE : run >= LONG_RUN ? SET_LONG : SET_SHORT;
        add_to_set(c, set, m->text[0]);
        for (int b = 0; set == SET_SHORT && b < 256; b++)  /* a one-byte marker may have any byte next */
            if (m->length == 1 || b == m->text[1])
                add_to_set(c, SET_SHORT_NEXT, (unsigned char)b);
        if (run < need[set])
            need[set] = run;
    }
    for (int k = 0; k < N_SETS; k++)
        plan_run_test(&self->runs[k], (int)need[k]);
}

/* A marker's starts: its first three bytes, or with any bytes after a shorter one. */
static void add_start(Scanner *self, const Marker *m)
{
    unsigned b0 = m->text[0];
    for (unsigned b1 = 0; b1 < 256; b1++) {
        if (m->length >= 2 && b1 != m->text[1])
            continue;
        for (unsigned b2 = 0; b2 < 256; b2++)
            if (m->length < 3 || b2 == m->text[2])
                bit_set(self->marker_starts, start_hash(b0, b1, b2));
    }
}

static void index_markers(Scanner *self, Py_ssize_t n)
{
    memset(self->marker_starts, 0, sizeof(self->marker_starts));
    for (int i = 0; i < 256; i++)
        self->single_head[i] = -1;
    for (int i = 0; i < PAIR_BUCKETS; i++)
        self->pair_head[i] = -1;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {  /* backwards, so each bucket keeps the given order */
        Marker *m = &self->markers[i];
        unsigned first = m->text[0];
        add_start(self, m);
        if (m->length == 1) {
            m->next = self->single_head[first];
            self->single_head[first] = i;
        } else {
            unsigned pair = first << 8 | m->text[1];
            m->next = self->pair_head[pair_bucket(pair)];
            self->pair_head[pair_bucket(pair)] = i;
        }
    }
}

static void index_suffixes(Scanner *self, Py_ssize_t n)
{
    memset(self->suffix_pairs, 0, sizeof(self->suffix_pairs));
    for (int i = 0; i < 256; i++)
        self->suffix_head[i] = -1;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        Suffix *s = &self->suffixes[i];
        unsigned last = s->text[s->length - 1];
        if (s->length == 1)
            for (unsigned before = 0; before < 256; before++)
                bit_set(self->suffix_pairs, before << 8 | last);
        else
            bit_set(self->suffix_pairs, (unsigned)s->text[s->length - 2] << 8 | last);
        s->next = self->suffix_head[last];
        self->suffix_head[last] = i;
    }
}

/* The same checks and errors as scan.check_arguments. */
static Suffix *read_suffixes(PyObject *items)
{
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    Suffix *suffixes = PyMem_Calloc((size_t)n + 1, sizeof(*suffixes));
    if (suffixes == NULL)
        return (Suffix *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(items, i);
        if (!PyBytes_Check(item) || PyBytes_GET_SIZE(item) == 0) {
            PyErr_SetString(PyExc_TypeError, "suffixes must be a tuple of non-empty bytes");
            goto fail;
        }
        suffixes[i].text = (const unsigned char *)PyBytes_AS_STRING(item);
        suffixes[i].length = PyBytes_GET_SIZE(item);
        if (NAME_SKIP[suffixes[i].text[suffixes[i].length - 1]]) {
            PyErr_SetString(PyExc_ValueError, "a suffix must not end with a quote, space or backslash");
            goto fail;
        }
    }
    return suffixes;
fail:
    PyMem_Free(suffixes);
    return NULL;
}

static int read_marker(PyObject *item, Marker *m)
{
    PyObject *text, *boundary, *min_body;
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3) {
        PyErr_SetString(PyExc_TypeError, "markers must be a tuple of (text, boundary, min_body) tuples");
        return 0;
    }
    text = PyTuple_GET_ITEM(item, 0), boundary = PyTuple_GET_ITEM(item, 1), min_body = PyTuple_GET_ITEM(item, 2);
    /* 0: anywhere, 1: at a word start, 2: at a token start too (not after `_` or `-`); True is 1. */
    Py_ssize_t truth = PyNumber_AsSsize_t(boundary, PyExc_OverflowError);
    Py_ssize_t body = PyNumber_AsSsize_t(min_body, PyExc_OverflowError);
    if ((truth == -1 || body == -1) && PyErr_Occurred())
        return 0;
    if (truth < 0 || truth > 2) {
        PyErr_SetString(PyExc_ValueError, "a marker's boundary must be 0, 1 or 2");
        return 0;
    }
    if (!PyBytes_Check(text) || PyBytes_GET_SIZE(text) == 0) {
        PyErr_SetString(PyExc_TypeError, "a marker's text must be non-empty bytes");
        return 0;
    }
    if (body < 0) {
        PyErr_SetString(PyExc_ValueError, "a marker's min_body must be >= 0");
        return 0;
    }
    *m = (Marker){(const unsigned char *)PyBytes_AS_STRING(text), PyBytes_GET_SIZE(text), body, (int)truth, -1};
    return 1;
}

static Marker *read_markers(PyObject *items)
{
    Py_ssize_t n = PyTuple_GET_SIZE(items);
    Marker *markers = PyMem_Calloc((size_t)n + 1, sizeof(*markers));
    if (markers == NULL)
        return (Marker *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++)
        if (!read_marker(PyTuple_GET_ITEM(items, i), &markers[i])) {
            PyMem_Free(markers);
            return NULL;
        }
    return markers;
}

static LineScan find_kernel(const char *name)
{
    for (int i = 0; i < N_KERNELS; i++)
        if ((name == NULL || strcmp(name, KERNELS[i].name) == 0) && kernel_runs_here(i))
            return KERNELS[i].scan;
    PyErr_Format(PyExc_ValueError, "kernel %s does not run on this machine", name);
    return NULL;
}

/* Everything is read and checked first; only then is the old state replaced, so a failed
 * (re-)initialisation leaves the object as it was. `kernel` (tests only) picks the mask builder. */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"suffixes", "markers", "kernel", NULL};
    PyObject *suffix_items, *marker_items;
    const char *kernel = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!|z", keywords, &PyTuple_Type, &suffix_items,
                                     &PyTuple_Type, &marker_items, &kernel))
        return -1;
    LineScan scan = find_kernel(kernel);
    if (scan == NULL)
        return -1;
    Suffix *suffixes = read_suffixes(suffix_items);
    Marker *markers = suffixes != NULL ? read_markers(marker_items) : NULL;
    if (markers == NULL) {
        PyMem_Free(suffixes);
        return -1;
    }
    PyMem_Free(self->suffixes);
    PyMem_Free(self->markers);
    self->suffixes = suffixes;
    self->markers = markers;
    Py_XSETREF(self->suffix_items, Py_NewRef(suffix_items));
    Py_XSETREF(self->marker_items, Py_NewRef(marker_items));
    index_suffixes(self, PyTuple_GET_SIZE(suffix_items));
    index_markers(self, PyTuple_GET_SIZE(marker_items));
    index_classes(self, PyTuple_GET_SIZE(marker_items));
    self->scan = scan;
    self->ready = 1;
    return 0;
}

static void Scanner_dealloc(Scanner *self)
{
    PyMem_Free(self->suffixes);
    PyMem_Free(self->markers);
    Py_XDECREF(self->suffix_items);
    Py_XDECREF(self->marker_items);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Scanner_may_hold_secret(Scanner *self, PyObject *line)
{
    if (!self->ready) {
        PyErr_SetString(PyExc_ValueError, "Scanner.__init__ has not run");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(line, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    int found = self->scan(self, view.buf, view.len, NULL);
    PyBuffer_Release(&view);
    return PyBool_FromLong(found);
}

static int append_index(PyObject *list, Py_ssize_t index)
{
    PyObject *number = PyLong_FromSsize_t(index);
    int failed = number == NULL || PyList_Append(list, number) < 0;
    Py_XDECREF(number);
    return failed ? -1 : 0;
}

/* find(text): which rules hold where may_hold_secret says one does, for redaction to run only the searches
 * they call for: the indices of the markers found, in order, then -1 for a sensitive name before a
 * separator and -2 for URL credentials. The same scan, recording every rule that holds. */
static PyObject *Scanner_find(Scanner *self, PyObject *text)
{
    if (!self->ready) {
        PyErr_SetString(PyExc_ValueError, "Scanner.__init__ has not run");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(self->marker_items);
    Hits hits = {PyMem_Calloc((size_t)n + 1, 1), 0, 0};
    Py_buffer view;
    if (hits.marker == NULL || PyObject_GetBuffer(text, &view, PyBUF_SIMPLE) < 0) {
        PyMem_Free(hits.marker);
        return hits.marker == NULL ? PyErr_NoMemory() : NULL;
    }
    self->scan(self, view.buf, view.len, &hits);
    PyBuffer_Release(&view);
    PyObject *found = PyList_New(0);
    for (Py_ssize_t m = 0; found != NULL && m < n; m++)
        if (hits.marker[m] && append_index(found, m) < 0)
            Py_CLEAR(found);
    PyMem_Free(hits.marker);
    if (found != NULL && ((hits.name && append_index(found, -1) < 0) || (hits.url && append_index(found, -2) < 0)))
        Py_CLEAR(found);
    PyObject *result = found != NULL ? PyList_AsTuple(found) : NULL;
    Py_XDECREF(found);
    return result;
}

static PyMethodDef SCANNER_METHODS[] = {
    {"may_hold_secret", (PyCFunction)Scanner_may_hold_secret, METH_O,
     "may_hold_secret(line) -> bool: a sensitive name before : or =, a marker, or URL credentials."},
    {"find", (PyCFunction)Scanner_find, METH_O,
     "find(text) -> tuple: the indices of the markers found, then -1 for a sensitive name, -2 for URL credentials."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "namel3ss_debug.redaction._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scanner(suffixes, markers, kernel=None): redaction's pre-scan of serialized events.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = SCANNER_METHODS,
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, NULL};

/* KERNELS: the mask builders this machine runs, best (the default) first. */
static PyObject *available_kernels(void)
{
    PyObject *names = PyTuple_New(0);
    for (int i = 0; names != NULL && i < N_KERNELS; i++) {
        if (!kernel_runs_here(i))
            continue;
        PyObject *name = Py_BuildValue("(s)", KERNELS[i].name);
        PyObject *longer = name != NULL ? PySequence_Concat(names, name) : NULL;
        Py_XDECREF(name);
        Py_SETREF(names, longer);
    }
    return names;
}

PyMODINIT_FUNC PyInit__scan(void)
{
    fill_byte_classes();
    if (PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&MODULE);
    if (module == NULL)
        return NULL;
    PyObject *kernels = available_kernels();
    int failed = kernels == NULL || PyModule_AddObjectRef(module, "KERNELS", kernels) < 0
        || PyModule_AddObjectRef(module, "Scanner", (PyObject *)&ScannerType) < 0;
    Py_XDECREF(kernels);
    if (failed) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

/* A 64-bit hash of bytes: two 8-byte words at a time, each pair mixed into the state by a folded multiply (the
 * 128-bit product's halves XORed). `diff` hashes a call's canonical JSON with it (`_fingerprint.c`), `analyze` a
 * call's inputs as written (`_tally.digest`, the call identity). tests/unit/diffing/test_calls_compiled.py holds
 * a Python model of it, word for word.
 *
 * Every byte of MASK_A is at least 0xF8, a byte UTF-8 never holds, so a word of JSON text (UTF-8, padded with
 * zeros at the end) XOR MASK_A is never zero: a multiply never forgets what came before. */
#include <stdint.h>
#include <string.h>

#define MASK_A 0xF9FBFDFFFAFCFEF8ULL
#define MASK_B 0x9E3779B97F4A7C15ULL
#define MASK_C 0xC2B2AE3D27D4EB4FULL

static inline uint64_t fold(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    __uint128_t product = (__uint128_t)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
#else  /* the same product from 32-bit halves */
    uint64_t a_lo = (uint32_t)a, a_hi = a >> 32, b_lo = (uint32_t)b, b_hi = b >> 32;
    uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    uint64_t cross = (lo_lo >> 32) + (uint32_t)hi_lo + lo_hi;
    uint64_t low = (cross << 32) | (uint32_t)lo_lo;
    uint64_t high = (hi_lo >> 32) + (cross >> 32) + hi_hi;
    return low ^ high;
#endif
}

/* Eight bytes as a little-endian word: the same hash on every machine. */
static inline uint64_t word(const unsigned char *at)
{
    uint64_t value;
    memcpy(&value, at, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

/* Four bytes as a little-endian number (one load where the machine is little-endian) */
static inline uint64_t word4(const unsigned char *at)
{
    return (uint64_t)at[0] | (uint64_t)at[1] << 8 | (uint64_t)at[2] << 16 | (uint64_t)at[3] << 24;
}

/* The last `size` (0-7) bytes as a word padded with zeros: what `word` reads of them copied into zeros, without
 * the copy (two overlapping loads of four, or three bytes, which between them hold every byte) */
static inline uint64_t short_word(const unsigned char *at, size_t size)
{
    if (size >= 4)
        return word4(at) | word4(at + size - 4) << (8 * (size - 4));
    if (size == 0)
        return 0;
    return (uint64_t)at[0] | (uint64_t)at[size / 2] << (8 * (size / 2)) | (uint64_t)at[size - 1] << (8 * (size - 1));
}

static uint64_t hash64(const unsigned char *data, size_t size)
{
    uint64_t state = fold((uint64_t)size ^ MASK_B, MASK_C);
    while (size > 16) {
        state = fold(word(data) ^ MASK_A, word(data + 8) ^ state ^ MASK_B);
        data += 16;
        size -= 16;
    }
    /* the last 1-16 bytes (or none), padded with zeros */
    uint64_t low = size >= 8 ? word(data) : short_word(data, size);
    uint64_t high = size >= 8 ? (size == 16 ? word(data + 8) : short_word(data + 8, size - 8)) : 0;
    state = fold(low ^ MASK_A, high ^ state ^ MASK_B);
    return fold(state ^ MASK_C, MASK_A);
}

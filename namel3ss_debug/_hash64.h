/* A 64-bit hash of bytes: two 8-byte words at a time, each pair mixed into the state by a folded multiply (the
 * 128-bit product's halves XORed). `diff` hashes a call's canonical JSON with it (`calls.digest`), `analyze` a
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

static uint64_t hash64(const unsigned char *data, size_t size)
{
    uint64_t state = fold((uint64_t)size ^ MASK_B, MASK_C);
    unsigned char tail[16];
    while (1) {
        const unsigned char *at = data;
        if (size < 16) {  /* the last 0-15 bytes, padded with zeros */
            memset(tail, 0, sizeof tail);
            memcpy(tail, data, size);
            at = tail;
        }
        state = fold(word(at) ^ MASK_A, word(at + 8) ^ state ^ MASK_B);
        if (size <= 16)
            break;
        data += 16;
        size -= 16;
    }
    return fold(state ^ MASK_C, MASK_A);
}

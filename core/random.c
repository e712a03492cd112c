/* numpy's legacy RandomState stream: MT19937, random_sample, the polar
 * Gaussian and masked-rejection randint, reproduced so that seeded
 * sequences (fromrandom and friends) equal numpy's bit for bit. */
#include "thunder/random.h"

#include <math.h>

#define MT_N 624
#define MT_M 397

/* np.random.seed(int) uses the reference init_genrand recurrence directly
 * (numpy only falls back to init_by_array for array seeds); checked
 * against np.random.get_state() for seeds 0, 42 and 2**32-1. */
void td_rng_seed(td_rng *r, uint32_t seed)
{
    r->key[0] = seed;
    for (int i = 1; i < MT_N; i++) {
        uint32_t prev = r->key[i - 1];
        r->key[i] = 1812433253u * (prev ^ (prev >> 30)) + (uint32_t)i;
    }
    r->pos = MT_N;
    r->has_gauss = 0;
    r->gauss = 0.0;
}

static uint32_t twist_word(uint32_t upper, uint32_t lower, uint32_t far)
{
    uint32_t y = (upper & 0x80000000u) | (lower & 0x7fffffffu);
    return far ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
}

static void regenerate(td_rng *r)
{
    uint32_t *k = r->key;
    int i = 0;
    for (; i < MT_N - MT_M; i++)
        k[i] = twist_word(k[i], k[i + 1], k[i + MT_M]);
    for (; i < MT_N - 1; i++)
        k[i] = twist_word(k[i], k[i + 1], k[i + MT_M - MT_N]);
    k[MT_N - 1] = twist_word(k[MT_N - 1], k[0], k[MT_M - 1]);
    r->pos = 0;
}

uint32_t td_rng_u32(td_rng *r)
{
    if (r->pos >= MT_N || r->pos < 0)
        regenerate(r);
    uint32_t y = r->key[r->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* Two draws, high word first, as numpy's mt19937_next64 (verified through
 * randint with bounds above 2**32). */
static uint64_t rng_u64(td_rng *r)
{
    uint64_t hi = td_rng_u32(r);
    uint64_t lo = td_rng_u32(r);
    return hi << 32 | lo;
}

double td_rng_double(td_rng *r)
{
    uint32_t a = td_rng_u32(r) >> 5, b = td_rng_u32(r) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double td_rng_gauss(td_rng *r)
{
    if (r->has_gauss) {
        r->has_gauss = 0;
        double v = r->gauss;
        r->gauss = 0.0;
        return v;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * td_rng_double(r) - 1.0;
        x2 = 2.0 * td_rng_double(r) - 1.0;
        /* The volatile keeps the compiler from fusing this into an FMA,
         * which would round differently from numpy's build. */
        volatile double sq1 = x1 * x1;
        r2 = sq1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    r->gauss = f * x1;
    r->has_gauss = 1;
    return f * x2;
}

/* The smallest all-ones mask covering max. */
static uint64_t cover_mask(uint64_t max)
{
    uint64_t m = max;
    m |= m >> 1;
    m |= m >> 2;
    m |= m >> 4;
    m |= m >> 8;
    m |= m >> 16;
    m |= m >> 32;
    return m;
}

int64_t td_rng_below(td_rng *r, int64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t max = (uint64_t)n - 1;
    uint64_t mask = cover_mask(max);
    uint64_t v;
    /* numpy draws 32-bit words while the range fits in them and 64-bit
     * ones beyond; an all-ones 32-bit range is taken without masking,
     * which masking would reproduce anyway. */
    if (max <= 0xffffffffu) {
        do
            v = td_rng_u32(r) & mask;
        while (v > max);
    } else {
        do
            v = rng_u64(r) & mask;
        while (v > max);
    }
    return (int64_t)v;
}

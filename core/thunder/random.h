/* numpy's legacy random generator (np.random.seed / np.random.randn):
 * MT19937 seeded as numpy seeds it, and the legacy polar Gaussian with its
 * cached second value, so sequences match numpy bit for bit. */
#ifndef THUNDER_RANDOM_H
#define THUNDER_RANDOM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct td_rng {
    uint32_t key[624];
    int pos;
    int has_gauss;
    double gauss;
} td_rng;

/* np.random.seed(seed) for 0 <= seed < 2**32. */
void td_rng_seed(td_rng *r, uint32_t seed);
uint32_t td_rng_u32(td_rng *r);
/* np.random.random_sample(): 53-bit double in [0, 1). */
double td_rng_double(td_rng *r);
/* np.random.randn() one value at a time (legacy gauss). */
double td_rng_gauss(td_rng *r);
/* np.random.randint(0, n) for n >= 1 (legacy: masked rejection). */
int64_t td_rng_below(td_rng *r, int64_t n);

#ifdef __cplusplus
}
#endif
#endif

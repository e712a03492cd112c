/* Helpers shared by the nd_*.c files; not part of the public API. */
#ifndef THUNDER_ND_INTERNAL_H
#define THUNDER_ND_INTERNAL_H

#include "thunder/nd.h"

/* Element pointer for flat index i. */
static inline void *nd_ptr(const nd_array *a, int64_t i)
{
    return (char *)a->data + i * (int64_t)td_dtype_size(a->dtype);
}

/* Hot loops also get an AVX2 version, picked when the library loads. AVX2
 * without FMA rounds exactly as SSE2 does, so results do not change. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ND_HOT __attribute__((target_clones("avx2", "default")))
#else
#define ND_HOT
#endif

/* numpy's pairwise summation of a contiguous run (8 accumulators, blocks
 * of 128), which numpy applies to each block of its ufunc buffer. */
float nd_pairwise_f32(const float *a, int64_t n);
double nd_pairwise_f64(const double *a, int64_t n);

#endif

/* Helpers shared by the ser_*.c files; not part of the public API. */
#ifndef THUNDER_SER_INTERNAL_H
#define THUNDER_SER_INTERNAL_H

#include "thunder/mem.h"
#include "thunder/par.h"
#include "thunder/serops.h"

#include "nd_internal.h"

#define SER_HOT ND_HOT

/* numpy reduces a contiguous lane in blocks of its ufunc buffer size. */
#define SER_BLOCK 8192

/* numpy's add.reduce of a contiguous lane: 0 plus the pairwise sums of
 * consecutive blocks of SER_BLOCK values, added in order. */
float ser_sum_f32(const float *a, int64_t n);
double ser_sum_f64(const double *a, int64_t n);

/* sum a[i] * b[i] with independent partial sums, so the loop pipelines
 * and vectorises (BLAS-style dot products have no fixed order either). */
double ser_dot(const double *a, const double *b, int64_t n);

/* Outputs at least this large are written with streaming stores, which
 * skip reading the destination into the cache first: they are far larger
 * than the cache and will not be read back soon. */
#define SER_STREAM_BYTES ((size_t)64 << 20)

/* memcpy with streaming stores where the CPU has them; call
 * ser_stream_fence() before the kernel returns. */
void ser_stream_copy(void *dst, const void *src, size_t n);
void ser_stream_fence(void);

/* The dtype numpy computes mean, var and std in, and in which x - mean(x)
 * and friends come out: float32 for float32 values, float64 otherwise. */
static inline td_dtype ser_ct(td_dtype t)
{
    return t == TD_FLOAT32 ? TD_FLOAT32 : TD_FLOAT64;
}

/* Record i's values as dtype ct: a pointer into d when d already has that
 * dtype, else converted into buf (room for the record length). */
const void *ser_record_as(const td_series *d, int64_t i, td_dtype ct, void *buf);

/* Float products in BLAS calls of at most about macs multiply-adds each
 * (SER_MAT_CALL_MACS: about 50 ms on two cores; a quarter of that cost
 * the gramian 5-10% in call overheads), with a look at the cancel
 * flag before each call; small products are one call. Row-major, float32
 * or float64, dimensions below 2^31. ser_mat_syrk: the upper triangle of
 * C (n x n) = A^T A for A (k x n), plus C when accumulate. ser_mat_gemm:
 * C (m x n) = A (m x k) B (k x n). */
#define SER_MAT_CALL_MACS ((int64_t)1 << 29)
int ser_mat_syrk(td_dtype t, int64_t n, int64_t k, const void *a, void *c, bool accumulate, int64_t macs,
                 td_err *err);
int ser_mat_gemm(td_dtype t, int64_t m, int64_t n, int64_t k, const void *a, const void *b, void *c,
                 int64_t macs, td_err *err);

/* Values of shape (*base, len) and dtype t, uninitialised. */
nd_array *ser_values_new(const td_series *d, td_dtype t, int64_t len, td_err *err);

/* The result of a per-record operation on d: values with d's labels and an
 * index (NULL: arange), of strings when names is not NULL. Retains its
 * arguments. */
td_series *ser_result(const td_series *d, nd_array *values, nd_array *index, td_strtab *names, td_err *err);
/* Same, with an index of n literal strings. */
td_series *ser_result_strs(const td_series *d, nd_array *values, int n, const char *const *strs, td_err *err);
/* Same, with d's index (numbers or strings) carried over. */
td_series *ser_result_same_index(const td_series *d, nd_array *values, td_err *err);

/* Number of index levels: 1 for a 1-D (or absent) index, else shape[1]. */
int64_t ser_nlevels(const td_series *d);
/* Index value at (position p, level l) as a double (codes for strings). */
double ser_index_at(const td_series *d, const nd_array *index, int64_t p, int64_t l);

/* Python's comparison of the index value at (p, l) with a key: -1, 0, 1,
 * or 2 when unordered (NaN). Mixing str and numbers is "unordered" for ==
 * and an error (TypeError, op names the operator) for ordering; *mixed
 * tells which happened. */
int ser_key_cmp(const td_series *d, const nd_array *index, int64_t p, int64_t l, const ser_key *k,
                bool *mixed);

#endif

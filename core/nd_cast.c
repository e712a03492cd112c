/* Conversions between dtypes with numpy's 'unsafe' casting (astype).
 *
 * One typed loop per (source, target) pair, picked from a table, since
 * conversions sit on hot paths (loading, arithmetic on mixed dtypes).
 *
 * Floats to integers: numpy leaves NaN, infinities and out-of-range values
 * to the machine's conversion instructions, which C calls undefined. Here
 * each target has explicit range checks reproducing what numpy 1.24 gives
 * on x86-64 (the table is in docs/dtypes.md):
 *  - int32 and int64 give their minimum (the "integer indefinite" value);
 *  - int8, uint8, int16, uint16 truncate to int32 first (with the rule
 *    above) and keep the low bits, so out-of-range values give 0;
 *  - uint64 handles [2^63, 2^64) apart and otherwise wraps the int64 rule,
 *    so NaN gives 2^63;
 *  - uint32 follows numpy's vectorised loop, which handles [2^31, 2^32)
 *    apart and otherwise wraps the int32 rule: NaN and values below -2^31
 *    give 2^31. (numpy's scalar tail, the last len % 4 elements and 0-d
 *    arrays, gives 0 or the value modulo 2^32 there instead; thunder uses
 *    the rule numpy applies to the bulk of an array.)
 * Double to float relies on IEEE 754 (C11 Annex F): round to nearest,
 * overflow to infinity. */
#include "thunder/nd.h"
#include "thunder/par.h"

#include <string.h>

_Static_assert(TD_NDTYPES == 11, "the source list below must match TD_FOR_EACH_DTYPE");

/* ---- double to each target -------------------------------------------------- */

/* cvttsd2si with a 32-bit result: truncation, or INT32_MIN when it does not fit. */
static inline int32_t trunc_i32(double x)
{
    /* & rather than &&, and selects rather than branches, so loops vectorise. */
    bool ok = (x > -2147483649.0) & (x < 2147483648.0);
    int32_t r = (int32_t)(ok ? x : 0.0);
    return ok ? r : INT32_MIN;
}

/* cvttsd2si with a 64-bit result. */
static inline int64_t trunc_i64(double x)
{
    bool ok = (x >= -9223372036854775808.0) & (x < 9223372036854775808.0);
    int64_t r = (int64_t)(ok ? x : 0.0);
    return ok ? r : INT64_MIN;
}

/* Narrowing keeps the low bits (two's complement; GCC defines it so). */
static inline uint8_t from_f64_TD_BOOL(double x)
{
    return (uint8_t)(x != 0); /* NaN too */
}
static inline int8_t from_f64_TD_INT8(double x)
{
    return (int8_t)trunc_i32(x);
}
static inline uint8_t from_f64_TD_UINT8(double x)
{
    return (uint8_t)trunc_i32(x);
}
static inline int16_t from_f64_TD_INT16(double x)
{
    return (int16_t)trunc_i32(x);
}
static inline uint16_t from_f64_TD_UINT16(double x)
{
    return (uint16_t)trunc_i32(x);
}
static inline int32_t from_f64_TD_INT32(double x)
{
    return trunc_i32(x);
}
/* The upper half of the range is shifted down by 2^31 (exactly, by
 * Sterbenz's lemma) and back after the conversion; beyond it the int32
 * rule gives 2^31, which the shift back turns into 0. Both halves are
 * computed and one picked, a form GCC vectorises. */
static inline uint32_t from_f64_TD_UINT32(double x)
{
    uint32_t lo = (uint32_t)trunc_i32(x);
    uint32_t hi = (uint32_t)trunc_i32(x - 2147483648.0) + UINT32_C(0x80000000);
    return x >= 2147483648.0 ? hi : lo;
}
static inline int64_t from_f64_TD_INT64(double x)
{
    return trunc_i64(x);
}
/* The same shift; without packed double-to-int64 instructions (before
 * AVX-512) this loop stays scalar, where a branch is cheaper. */
static inline uint64_t from_f64_TD_UINT64(double x)
{
    if (x >= 9223372036854775808.0)
        return (uint64_t)trunc_i64(x - 9223372036854775808.0) + UINT64_C(0x8000000000000000);
    return (uint64_t)trunc_i64(x);
}
static inline float from_f64_TD_FLOAT32(double x)
{
    return (float)x;
}
static inline double from_f64_TD_FLOAT64(double x)
{
    return x;
}

/* ---- one loop per pair ----------------------------------------------------- */

#define IS_FLOAT_DT(e) ((e) == TD_FLOAT32 || (e) == TD_FLOAT64)

/* Sources are read as values; each branch is decided at compile time.
 * Integers to integers or floats convert as C does (wrapping, round to
 * nearest); anything to bool is != 0; bool is read as 0 or 1. */
#define CONVERT_ONE(SE, DE, DT, v)                                                                           \
    (IS_FLOAT_DT(SE)                        ? (DT)from_f64_##DE((double)(v))                                 \
     : ((DE) == TD_BOOL || (SE) == TD_BOOL) ? (DT)(uint8_t)((v) != 0)                                        \
                                            : (DT)(v))

/* An inner loop of fixed length is what GCC's -O2 vectoriser (the "very
 * cheap" cost model) accepts; over an unknown trip count it leaves the
 * range-checked float loops scalar, at about half the speed. */
#define CAST_BLOCK 16

#define DEFINE_PAIR(SE, ST, DE, DT)                                                                          \
    static void cast_##SE##_to_##DE(void *restrict dst, const void *restrict src, int64_t n)                 \
    {                                                                                                        \
        const ST *s = src;                                                                                   \
        DT *d = dst;                                                                                         \
        int64_t blocked = n & ~(int64_t)(CAST_BLOCK - 1), i = 0;                                             \
        for (; i < blocked; i += CAST_BLOCK)                                                                 \
            for (int j = 0; j < CAST_BLOCK; j++)                                                             \
                d[i + j] = CONVERT_ONE(SE, DE, DT, s[i + j]);                                                \
        for (; i < n; i++)                                                                                   \
            d[i] = CONVERT_ONE(SE, DE, DT, s[i]);                                                            \
    }

/* TD_FOR_EACH_DTYPE cannot expand inside its own expansion, so the sources
 * have their own copy of the list. Functions are named after the enums,
 * since `bool` from the list is a macro (_Bool) once passed on as an argument. */
#define CAST_SOURCES(X, DE, DT)                                                                              \
    X(TD_BOOL, uint8_t, DE, DT)                                                                              \
    X(TD_INT8, int8_t, DE, DT)                                                                               \
    X(TD_UINT8, uint8_t, DE, DT)                                                                             \
    X(TD_INT16, int16_t, DE, DT)                                                                             \
    X(TD_UINT16, uint16_t, DE, DT)                                                                           \
    X(TD_INT32, int32_t, DE, DT)                                                                             \
    X(TD_UINT32, uint32_t, DE, DT)                                                                           \
    X(TD_INT64, int64_t, DE, DT)                                                                             \
    X(TD_UINT64, uint64_t, DE, DT)                                                                           \
    X(TD_FLOAT32, float, DE, DT)                                                                             \
    X(TD_FLOAT64, double, DE, DT)

#define DEFINE_TARGET(DE, DT, DN) CAST_SOURCES(DEFINE_PAIR, DE, DT)
TD_FOR_EACH_DTYPE(DEFINE_TARGET)

typedef void (*cast_fn)(void *restrict dst, const void *restrict src, int64_t n);

#define TABLE_ENTRY(SE, ST, DE, DT) [DE][SE] = cast_##SE##_to_##DE,
#define TABLE_ROW(DE, DT, DN)       CAST_SOURCES(TABLE_ENTRY, DE, DT)
static const cast_fn casts[TD_NDTYPES][TD_NDTYPES] = {TD_FOR_EACH_DTYPE(TABLE_ROW)};

/* The buffers may overlap only when the dtypes match; the typed loops
 * take restrict pointers. */
void nd_convert(void *dst, td_dtype dt, const void *src, td_dtype st, int64_t n)
{
    if (n <= 0 || (unsigned)dt >= TD_NDTYPES || (unsigned)st >= TD_NDTYPES)
        return;
    if (dt == st) {
        memmove(dst, src, (size_t)n * td_dtype_size(dt));
        return;
    }
    casts[dt][st](dst, src, n);
}

/* ---- astype ---------------------------------------------------------------- */

/* Elements per chunk: large enough that scheduling costs nothing, small
 * enough to balance threads and notice cancellation. */
#define ASTYPE_GRAIN ((int64_t)1 << 16)

typedef struct astype_ctx {
    char *dst;
    const char *src;
    td_dtype dt, st;
} astype_ctx;

static int astype_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const astype_ctx *c = ctx;
    (void)thread;
    (void)err;
    casts[c->dt][c->st](c->dst + begin * (int64_t)td_dtype_size(c->dt),
                        c->src + begin * (int64_t)td_dtype_size(c->st), end - begin);
    return 0;
}

nd_array *nd_astype(const nd_array *a, td_dtype dtype, td_err *err)
{
    if ((unsigned)dtype >= TD_NDTYPES) {
        td_err_set(err, TD_ETYPE, "data type not understood");
        return NULL;
    }
    if (a->dtype == dtype)
        return nd_retain((nd_array *)a);
    nd_array *r = nd_new(dtype, a->ndim, a->shape, err);
    if (!r)
        return NULL;
    if (a->size <= ASTYPE_GRAIN) {
        nd_convert(r->data, dtype, a->data, a->dtype, a->size);
        return r;
    }
    astype_ctx ctx = {r->data, a->data, dtype, a->dtype};
    if (td_par_for(a->size, ASTYPE_GRAIN, astype_kernel, &ctx, err) < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

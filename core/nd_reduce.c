/* Reductions over one axis or the whole array, with numpy 1.24's result
 * dtypes and its order of floating-point operations.
 *
 * The array is seen as (outer, len, inner) with len the reduced extent.
 * numpy's add.reduce visits the data in one of two ways, which decide the
 * rounding of every sum, and both are reproduced here:
 *  - inner == 1 (the last axis, or everything): each output is 0 plus the
 *    pairwise sums of consecutive blocks of 8192 elements (the size of
 *    numpy's iterator buffer), added in order. "Lane" mode below.
 *  - inner > 1: each output accumulates row after row, out += x[o, i, :].
 *    "Tile" mode below, parallel over tiles of the inner extent, so an
 *    axis-0 mean of a (200, 512, 512) stack never transposes.
 * var is numpy's two passes: mean, then mean of squared deviations. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "nd_internal.h"
#include "thunder/par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RED_CHUNK   8192 /* numpy's ufunc buffer size, in elements */
#define RED_TILE    1024 /* inner elements per tile in tile mode */
#define RED_BLOCK   1024 /* elements converted at once */
#define RED_PAR_MIN 65536
#define RED_LOCAL   1024 /* elements of a lane's conversion buffer kept on the stack */
#define RED_PARTS   16   /* partial results kept on the stack */
/* Elements a median visits between looks at the cancel flag (a few ms at most). */
#define MED_CHECK ((int64_t)1 << 20)

/* ---- per-dtype helpers --------------------------------------------------- */

static inline bool f_isnan(float x)
{
    return isnan(x);
}
static inline bool d_isnan(double x)
{
    return isnan(x);
}
static inline bool i_isnan(int64_t x)
{
    (void)x;
    return false;
}
#define RISNAN(x) _Generic((x), float : f_isnan, double : d_isnan, default : i_isnan)(x)

/* hi - lo in T (integers wrap, as numpy's subtract does) as a double. */
#define TDIFF(T, hi, lo)                                                                                     \
    _Generic((T)0, float                                                                                     \
             : (double)(float)((hi) - (lo)), double                                                          \
             : (double)((hi) - (lo)), default                                                                \
             : (double)(T)((uint64_t)(hi) - (uint64_t)(lo)))

typedef struct red_type_ops {
    /* Index of the first maximum / minimum of n > 0 elements at stride s;
     * a NaN is the extreme (the first one wins), as in numpy. */
    int64_t (*argext)(const void *x, int64_t n, int64_t s, bool want_max);
    /* Row-by-row extreme over len rows of w elements, rowbytes apart. */
    void (*ext_tile)(const char *base, int64_t len, int64_t rowbytes, int64_t w, bool want_max, void *best,
                     int64_t *idx);
    bool (*has_nan)(const void *x, int64_t n);
    /* Moves the elements of ranks k and k + 1 (k + 1 < n) into lo / hi;
     * reorders v. With k + 1 == n, hi is left alone. False when Ctrl-C
     * stopped it (checked every MED_CHECK elements visited). */
    bool (*ranks)(void *v, int64_t n, int64_t k, void *lo, void *hi);
    double (*diff)(const void *hi, const void *lo);
} red_type_ops;

#define DEF_RED_TYPE(E, T, NAME)                                                                             \
    static int64_t NAME##_argext(const void *px, int64_t n, int64_t s, bool want_max)                        \
    {                                                                                                        \
        const T *x = px;                                                                                     \
        T best = x[0];                                                                                       \
        int64_t bi = 0;                                                                                      \
        if (RISNAN(best))                                                                                    \
            return 0;                                                                                        \
        for (int64_t i = 1; i < n; i++) {                                                                    \
            T v = x[i * s];                                                                                  \
            if (want_max ? v > best : v < best) {                                                            \
                best = v;                                                                                    \
                bi = i;                                                                                      \
            } else if (RISNAN(v)) {                                                                          \
                return i;                                                                                    \
            }                                                                                                \
        }                                                                                                    \
        return bi;                                                                                           \
    }                                                                                                        \
    static void NAME##_ext_tile(const char *base, int64_t len, int64_t rowbytes, int64_t w, bool want_max,   \
                                void *pbest, int64_t *idx)                                                   \
    {                                                                                                        \
        T *best = pbest;                                                                                     \
        memcpy(best, base, (size_t)w * sizeof(T));                                                           \
        for (int64_t j = 0; j < w; j++)                                                                      \
            idx[j] = 0;                                                                                      \
        for (int64_t i = 1; i < len; i++) {                                                                  \
            const T *r = (const T *)(base + i * rowbytes);                                                   \
            for (int64_t j = 0; j < w; j++) {                                                                \
                T v = r[j], b = best[j];                                                                     \
                if (!RISNAN(b) && (RISNAN(v) || (want_max ? v > b : v < b))) {                               \
                    best[j] = v;                                                                             \
                    idx[j] = i;                                                                              \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    }                                                                                                        \
    static bool NAME##_has_nan(const void *px, int64_t n)                                                    \
    {                                                                                                        \
        const T *x = px;                                                                                     \
        bool any = false;                                                                                    \
        for (int64_t i = 0; i < n; i++)                                                                      \
            any |= RISNAN(x[i]);                                                                             \
        return any;                                                                                          \
    }                                                                                                        \
    /* Quickselect with three-way partitions, so runs of equal values (zeros                                 \
     * in images) cost nothing. Each step of a partition shrinks [i, gt] by                                  \
     * one, so counting steps in runs of MED_CHECK bounds the time between                                   \
     * looks at the cancel flag without touching the inner loop. */                                          \
    static bool NAME##_ranks(void *pv, int64_t n, int64_t k, void *lo, void *hi)                             \
    {                                                                                                        \
        T *v = pv;                                                                                           \
        int64_t l = 0, h = n - 1;                                                                            \
        while (h > l) {                                                                                      \
            T a = v[l], b = v[l + (h - l) / 2], c = v[h];                                                    \
            T p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));                     \
            int64_t lt = l, i = l, gt = h;                                                                   \
            while (i <= gt) {                                                                                \
                int64_t steps = gt - i + 1;                                                                  \
                if (steps > MED_CHECK) {                                                                     \
                    if (td_cancelled())                                                                      \
                        return false;                                                                        \
                    steps = MED_CHECK;                                                                       \
                }                                                                                            \
                for (; steps > 0; steps--) {                                                                 \
                    T x = v[i];                                                                              \
                    if (x < p) {                                                                             \
                        v[i++] = v[lt];                                                                      \
                        v[lt++] = x;                                                                         \
                    } else if (x > p) {                                                                      \
                        v[i] = v[gt];                                                                        \
                        v[gt--] = x;                                                                         \
                    } else {                                                                                 \
                        i++;                                                                                 \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
            if (k < lt)                                                                                      \
                h = lt - 1;                                                                                  \
            else if (k > gt)                                                                                 \
                l = gt + 1;                                                                                  \
            else                                                                                             \
                break;                                                                                       \
        }                                                                                                    \
        *(T *)lo = v[k];                                                                                     \
        if (k + 1 < n) {                                                                                     \
            T m = v[k + 1];                                                                                  \
            for (int64_t i0 = k + 2; i0 < n; i0 += MED_CHECK) {                                              \
                if (n - i0 > MED_CHECK && td_cancelled())                                                    \
                    return false;                                                                            \
                int64_t i1 = n - i0 > MED_CHECK ? i0 + MED_CHECK : n;                                        \
                for (int64_t i = i0; i < i1; i++)                                                            \
                    if (v[i] < m)                                                                            \
                        m = v[i];                                                                            \
            }                                                                                                \
            *(T *)hi = m;                                                                                    \
        }                                                                                                    \
        return true;                                                                                         \
    }                                                                                                        \
    static double NAME##_diff(const void *phi, const void *plo)                                              \
    {                                                                                                        \
        T hi, lo;                                                                                            \
        memcpy(&hi, phi, sizeof hi);                                                                         \
        memcpy(&lo, plo, sizeof lo);                                                                         \
        return TDIFF(T, hi, lo);                                                                             \
    }

TD_FOR_EACH_DTYPE(DEF_RED_TYPE)

#define RED_TYPE_ENTRY(E, T, NAME)                                                                           \
    [E] = {NAME##_argext, NAME##_ext_tile, NAME##_has_nan, NAME##_ranks, NAME##_diff},
static const red_type_ops type_ops[TD_NDTYPES] = {TD_FOR_EACH_DTYPE(RED_TYPE_ENTRY)};

/* numpy's pairwise summation (8 accumulators, blocks of 128); shared with the Series statistics. */
#define DEF_PAIRWISE(NAME, T)                                                                                \
    ND_HOT T NAME(const T *a, int64_t n)                                                                     \
    {                                                                                                        \
        if (n < 8) {                                                                                         \
            T res = 0;                                                                                       \
            for (int64_t i = 0; i < n; i++)                                                                  \
                res += a[i];                                                                                 \
            return res;                                                                                      \
        }                                                                                                    \
        if (n <= 128) {                                                                                      \
            T r[8];                                                                                          \
            for (int k = 0; k < 8; k++)                                                                      \
                r[k] = a[k];                                                                                 \
            int64_t i;                                                                                       \
            for (i = 8; i < n - (n % 8); i += 8)                                                             \
                for (int k = 0; k < 8; k++)                                                                  \
                    r[k] += a[i + k];                                                                        \
            T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));                       \
            for (; i < n; i++)                                                                               \
                res += a[i];                                                                                 \
            return res;                                                                                      \
        }                                                                                                    \
        int64_t n2 = n / 2;                                                                                  \
        n2 -= n2 % 8;                                                                                        \
        return NAME(a, n2) + NAME(a + n2, n - n2);                                                           \
    }

DEF_PAIRWISE(nd_pairwise_f32, float)
DEF_PAIRWISE(nd_pairwise_f64, double)

/* ---- the reduction context ------------------------------------------------ */

/* Classes of ops by how they accumulate. */
typedef enum { K_SUM, K_PROD, K_EXT, K_ANYALL } red_kind;

typedef struct red_ctx {
    nd_redop op;
    red_kind kind;
    const char *x;
    td_dtype t; /* input dtype */
    size_t ts;
    td_dtype at; /* accumulator dtype (sum, prod, mean, var) */
    int64_t outer, len, inner;
    int ddof;
    /* lane mode */
    int64_t chunk, nchunks;
    unsigned char *part; /* 8 bytes per unit */
    int64_t *part_idx;   /* per unit, for extremes */
    const void *mean;    /* per output, in at: pass 2 of var */
    bool squares;        /* lane pass 2: sum (x - mean)^2 */
    /* tile mode */
    int64_t ntiles;
    void *out;
    td_dtype ot;
} red_ctx;

static bool want_max(nd_redop op)
{
    return op == ND_RMAX || op == ND_RARGMAX;
}

/* ---- lane mode: inner == 1 ------------------------------------------------ */

/* Sums of integers of 32 bits or less, without converting each element:
 * every partial sum of a chunk (at most RED_CHUNK values) is an integer
 * below 2^45, exact in a double, so numpy's pairwise float64 sum of the
 * converted values is exactly the integer sum. 8- and 16-bit values add up
 * in 32-bit lanes (below 2^31 for a chunk), which vectorise best. */
static bool int_summable(const red_ctx *c)
{
    switch (c->t) {
    case TD_BOOL:
    case TD_UINT8:
    case TD_INT8:
    case TD_UINT16:
    case TD_INT16:
    case TD_UINT32:
    case TD_INT32: return c->kind == K_SUM && !c->squares && c->at != TD_FLOAT32 && c->chunk <= RED_CHUNK;
    default: return false;
    }
}

ND_HOT static bool lane_int_sum(td_dtype t, const char *p, int64_t m, int64_t *out)
{
#define INT_SUM(T, ACC)                                                                                      \
    {                                                                                                        \
        const T *x = (const T *)(const void *)p;                                                             \
        ACC s = 0;                                                                                           \
        for (int64_t k = 0; k < m; k++)                                                                      \
            s += x[k];                                                                                       \
        *out = s;                                                                                            \
        return true;                                                                                         \
    }
    switch (t) {
    case TD_BOOL:
    case TD_UINT8: INT_SUM(uint8_t, uint32_t)
    case TD_INT8: INT_SUM(int8_t, int32_t)
    case TD_UINT16: INT_SUM(uint16_t, uint32_t)
    case TD_INT16: INT_SUM(int16_t, int32_t)
    case TD_UINT32: INT_SUM(uint32_t, int64_t)
    case TD_INT32: INT_SUM(int32_t, int64_t)
    default: return false;
    }
#undef INT_SUM
}

/* Sum of m values of dtype at (converted from t when needed), optionally
 * of squared deviations from mu; buf holds RED_CHUNK accumulator values. */
static void lane_sum(const red_ctx *c, const char *p, int64_t m, double mu, void *buf, unsigned char *part)
{
    int64_t isum;
    if (int_summable(c) && lane_int_sum(c->t, p, m, &isum)) {
        if (c->at == TD_FLOAT64) {
            double d = (double)isum;
            memcpy(part, &d, sizeof d);
        } else {
            uint64_t u = (uint64_t)isum; /* int64 and uint64 sums wrap alike */
            memcpy(part, &u, sizeof u);
        }
        return;
    }
    const void *v = p;
    if (c->t != c->at || c->squares) {
        nd_convert(buf, c->at, p, c->t, m);
        v = buf;
    }
    if (c->at == TD_FLOAT64) {
        double *d = buf;
        if (c->squares)
            for (int64_t i = 0; i < m; i++) {
                double e = d[i] - mu;
                d[i] = e * e;
            }
        double s = nd_pairwise_f64(v, m);
        memcpy(part, &s, sizeof s);
    } else if (c->at == TD_FLOAT32) {
        float *f = buf, fmu = (float)mu;
        if (c->squares)
            for (int64_t i = 0; i < m; i++) {
                float e = f[i] - fmu;
                f[i] = e * e;
            }
        float s = nd_pairwise_f32(v, m);
        memcpy(part, &s, sizeof s);
    } else {
        /* int64 / uint64: wrapping sum in uint64 */
        const uint64_t *u = v;
        uint64_t s = 0;
        for (int64_t i = 0; i < m; i++)
            s += u[i];
        memcpy(part, &s, sizeof s);
    }
}

/* Sequential product of a whole lane, converted block by block. */
static void lane_prod(const red_ctx *c, const char *p, int64_t m, void *buf, unsigned char *part)
{
    double pd = 1;
    float pf = 1;
    uint64_t pu = 1;
    for (int64_t off = 0; off < m; off += RED_BLOCK) {
        int64_t b = m - off < RED_BLOCK ? m - off : RED_BLOCK;
        const void *v = p + off * (int64_t)c->ts;
        if (c->t != c->at) {
            nd_convert(buf, c->at, v, c->t, b);
            v = buf;
        }
        if (c->at == TD_FLOAT64) {
            const double *d = v;
            for (int64_t i = 0; i < b; i++)
                pd *= d[i];
        } else if (c->at == TD_FLOAT32) {
            const float *f = v;
            for (int64_t i = 0; i < b; i++)
                pf *= f[i];
        } else {
            const uint64_t *u = v;
            for (int64_t i = 0; i < b; i++)
                pu *= u[i];
        }
    }
    if (c->at == TD_FLOAT64)
        memcpy(part, &pd, sizeof pd);
    else if (c->at == TD_FLOAT32)
        memcpy(part, &pf, sizeof pf);
    else
        memcpy(part, &pu, sizeof pu);
}

static void lane_anyall(const red_ctx *c, const char *p, int64_t m, unsigned char *buf, unsigned char *part)
{
    bool any = c->op == ND_RANY;
    unsigned char r = any ? 0 : 1;
    for (int64_t off = 0; off < m && r == (any ? 0 : 1); off += RED_BLOCK) {
        int64_t b = m - off < RED_BLOCK ? m - off : RED_BLOCK;
        nd_convert(buf, TD_BOOL, p + off * (int64_t)c->ts, c->t, b);
        for (int64_t i = 0; i < b; i++)
            r = any ? (r | buf[i]) : (r & buf[i]);
    }
    part[0] = r;
}

static int lane_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const red_ctx *c = ctx;
    void *buf = NULL;
    /* Room for the longest run converted at once: a sum converts a whole
     * chunk, products and any/all go by RED_BLOCK. Short lanes (a record's
     * mean in a lambda mapped over a million records) use the stack. */
    double local[RED_LOCAL];
    if (c->kind != K_EXT && !int_summable(c)) {
        int64_t run = c->kind == K_SUM ? c->chunk : RED_BLOCK;
        int64_t n = c->len < run ? c->len : run;
        buf = n <= RED_LOCAL ? local : td_scratch_alloc((size_t)n * 8, err);
        if (!buf)
            return -1;
    }
    for (int64_t u = begin; u < end; u++) {
        int64_t o = u / c->nchunks, ch = u % c->nchunks;
        int64_t first = ch * c->chunk;
        int64_t m = c->len - first < c->chunk ? c->len - first : c->chunk;
        const char *p = c->x + (o * c->len + first) * (int64_t)c->ts;
        unsigned char *part = c->part + u * 8;
        switch (c->kind) {
        case K_SUM: {
            double mu = 0;
            if (c->squares) {
                if (c->at == TD_FLOAT32)
                    mu = ((const float *)c->mean)[o];
                else
                    mu = ((const double *)c->mean)[o];
            }
            lane_sum(c, p, m, mu, buf, part);
            break;
        }
        case K_PROD: lane_prod(c, p, m, buf, part); break;
        case K_ANYALL: lane_anyall(c, p, m, buf, part); break;
        case K_EXT: {
            int64_t k = type_ops[c->t].argext(p, m, 1, want_max(c->op));
            memcpy(part, p + k * (int64_t)c->ts, c->ts);
            c->part_idx[u] = first + k;
            break;
        }
        }
    }
    if (buf != local)
        td_scratch_free(buf);
    return 0;
}

static int run_units(int64_t units, int64_t work_per_unit, td_kernel k, void *ctx, td_err *err)
{
    if (units <= 0)
        return 0;
    if (work_per_unit < 1)
        work_per_unit = 1;
    if (units * work_per_unit <= RED_PAR_MIN || units == 1)
        return k(ctx, 0, units, 0, err);
    int64_t grain = RED_PAR_MIN / 2 / work_per_unit;
    if (grain < 1)
        grain = 1;
    return td_par_for(units, grain, k, ctx, err);
}

/* Runs lane mode and combines the chunk partials of each output into
 * res (outer values of at, or of t for extremes / int64 for arg ops). */
static int lane_reduce(red_ctx *c, void *res, td_err *err)
{
    c->chunk = c->kind == K_PROD ? (c->len > 0 ? c->len : 1) : RED_CHUNK;
    c->nchunks = c->len > 0 ? (c->len + c->chunk - 1) / c->chunk : 1;
    int64_t units = c->outer * c->nchunks;
    /* A few partials (one short lane) live on the stack. */
    int64_t part_local[RED_PARTS], idx_local[RED_PARTS];
    bool local = units <= RED_PARTS;
    c->part = local ? (unsigned char *)part_local : td_scratch_alloc((size_t)units * 8, err);
    if (!c->part)
        return -1;
    c->part_idx = NULL;
    if (c->kind == K_EXT) {
        c->part_idx = local ? idx_local : td_scratch_alloc((size_t)units * sizeof(int64_t), err);
        if (!c->part_idx) {
            td_scratch_free(c->part);
            return -1;
        }
    }
    int rc = 0;
    if (c->len == 0) {
        /* Empty lanes: the identity (only sums, products, any/all get here). */
        for (int64_t o = 0; o < c->outer; o++) {
            unsigned char *part = c->part + o * 8;
            double dz = c->kind == K_PROD ? 1 : 0;
            float fz = (float)dz;
            uint64_t uz = c->kind == K_PROD ? 1 : 0;
            if (c->kind == K_ANYALL)
                part[0] = c->op == ND_RALL;
            else if (c->at == TD_FLOAT64)
                memcpy(part, &dz, 8);
            else if (c->at == TD_FLOAT32)
                memcpy(part, &fz, 4);
            else
                memcpy(part, &uz, 8);
        }
    } else {
        int64_t w = c->len < c->chunk ? c->len : c->chunk;
        rc = run_units(units, w, lane_kernel, c, err);
    }
    if (rc == 0) {
        for (int64_t o = 0; o < c->outer; o++) {
            const unsigned char *part = c->part + o * c->nchunks * 8;
            switch (c->kind) {
            case K_SUM:
            case K_PROD:
                if (c->at == TD_FLOAT64) {
                    double s = c->kind == K_PROD ? 1 : 0, v;
                    for (int64_t k = 0; k < c->nchunks; k++) {
                        memcpy(&v, part + k * 8, 8);
                        s = c->kind == K_PROD ? s * v : s + v;
                    }
                    ((double *)res)[o] = s;
                } else if (c->at == TD_FLOAT32) {
                    float s = c->kind == K_PROD ? 1 : 0, v;
                    for (int64_t k = 0; k < c->nchunks; k++) {
                        memcpy(&v, part + k * 8, 4);
                        s = c->kind == K_PROD ? s * v : s + v;
                    }
                    ((float *)res)[o] = s;
                } else {
                    uint64_t s = c->kind == K_PROD ? 1 : 0, v;
                    for (int64_t k = 0; k < c->nchunks; k++) {
                        memcpy(&v, part + k * 8, 8);
                        s = c->kind == K_PROD ? s * v : s + v;
                    }
                    ((uint64_t *)res)[o] = s;
                }
                break;
            case K_ANYALL: {
                unsigned char r = c->op == ND_RALL;
                for (int64_t k = 0; k < c->nchunks; k++)
                    r = c->op == ND_RANY ? (r | part[k * 8]) : (r & part[k * 8]);
                ((unsigned char *)res)[o] = r;
                break;
            }
            case K_EXT: {
                /* The winning chunk, by the same rule, over the chunks' extremes. */
                unsigned char vals[8 * 64];
                int64_t best = 0;
                for (int64_t k0 = 0; k0 < c->nchunks; k0 += 63) {
                    int64_t nk = c->nchunks - k0 < 63 ? c->nchunks - k0 : 63;
                    memcpy(vals, part + best * 8, c->ts);
                    for (int64_t k = 0; k < nk; k++)
                        memcpy(vals + (k + 1) * c->ts, part + (k0 + k) * 8, c->ts);
                    int64_t w = type_ops[c->t].argext(vals, nk + 1, 1, want_max(c->op));
                    if (w > 0)
                        best = k0 + w - 1;
                }
                int64_t u = o * c->nchunks + best;
                if (c->op == ND_RARGMAX || c->op == ND_RARGMIN)
                    ((int64_t *)res)[o] = c->part_idx[u];
                else
                    memcpy((char *)res + o * (int64_t)c->ts, part + best * 8, c->ts);
                break;
            }
            }
        }
    }
    if (!local) {
        td_scratch_free(c->part_idx);
        td_scratch_free(c->part);
    }
    c->part = NULL;
    c->part_idx = NULL;
    return rc;
}

/* ---- tile mode: inner > 1 --------------------------------------------------- */

typedef union red_tilebuf {
    double d[RED_TILE];
    float f[RED_TILE];
    uint64_t u[RED_TILE];
    unsigned char b[RED_TILE * 8];
} red_tilebuf;

/* acc (op)= row, w elements of the accumulator dtype. */
static void tile_accumulate(td_dtype at, bool prod, void *acc, const void *row, int64_t w)
{
    if (at == TD_FLOAT64) {
        double *restrict a = acc;
        const double *restrict r = row;
        if (prod)
            for (int64_t j = 0; j < w; j++)
                a[j] *= r[j];
        else
            for (int64_t j = 0; j < w; j++)
                a[j] += r[j];
    } else if (at == TD_FLOAT32) {
        float *restrict a = acc;
        const float *restrict r = row;
        if (prod)
            for (int64_t j = 0; j < w; j++)
                a[j] *= r[j];
        else
            for (int64_t j = 0; j < w; j++)
                a[j] += r[j];
    } else {
        uint64_t *restrict a = acc;
        const uint64_t *restrict r = row;
        if (prod)
            for (int64_t j = 0; j < w; j++)
                a[j] *= r[j];
        else
            for (int64_t j = 0; j < w; j++)
                a[j] += r[j];
    }
}

static void tile_squares(td_dtype at, void *acc, const void *row, const void *mean, int64_t w)
{
    if (at == TD_FLOAT64) {
        double *restrict a = acc;
        const double *restrict r = row, *restrict m = mean;
        for (int64_t j = 0; j < w; j++) {
            double e = r[j] - m[j];
            a[j] += e * e;
        }
    } else {
        float *restrict a = acc;
        const float *restrict r = row, *restrict m = mean;
        for (int64_t j = 0; j < w; j++) {
            float e = r[j] - m[j];
            a[j] += e * e;
        }
    }
}

/* acc[j] / n in the accumulator's float dtype (numpy's true_divide by a count). */
static void tile_divide(td_dtype at, void *acc, int64_t n, int64_t w)
{
    if (at == TD_FLOAT64) {
        double *a = acc, dn = (double)n;
        for (int64_t j = 0; j < w; j++)
            a[j] /= dn;
    } else {
        float *a = acc, fn = (float)n;
        for (int64_t j = 0; j < w; j++)
            a[j] /= fn;
    }
}

/* Sums of 8- and 16-bit integers down a tile, in int32 lanes the compiler
 * vectorises. Every partial sum is an integer below 2^31, so it is exactly
 * what numpy's float64 or int64 accumulation gives; only the conversion
 * differs, and it is done once per output instead of once per element. */
static bool tile_small_int_sum(const red_ctx *c, const char *base, int64_t rowbytes, int64_t w, int32_t *acc)
{
    if (c->len >= 32768 || !(c->op == ND_RSUM || c->op == ND_RMEAN))
        return false;
    memset(acc, 0, (size_t)w * sizeof *acc);
#define SMALL_SUM_ROWS(T)                                                                                    \
    for (int64_t i = 0; i < c->len; i++) {                                                                   \
        const T *restrict r = (const T *)(base + i * rowbytes);                                              \
        for (int64_t j = 0; j < w; j++)                                                                      \
            acc[j] += r[j];                                                                                  \
    }
    switch (c->t) {
    case TD_BOOL:
    case TD_UINT8: SMALL_SUM_ROWS(uint8_t); break;
    case TD_INT8: SMALL_SUM_ROWS(int8_t); break;
    case TD_UINT16: SMALL_SUM_ROWS(uint16_t); break;
    case TD_INT16: SMALL_SUM_ROWS(int16_t); break;
    default: return false;
    }
#undef SMALL_SUM_ROWS
    return true;
}

static int tile_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const red_ctx *c = ctx;
    size_t as = td_dtype_size(c->at), os = td_dtype_size(c->ot);
    int64_t rowbytes = c->inner * (int64_t)c->ts;
    red_tilebuf acc, tmp, mean;
    int64_t idx[RED_TILE];
    for (int64_t u = begin; u < end; u++) {
        int64_t o = u / c->ntiles, j0 = (u % c->ntiles) * RED_TILE;
        int64_t w = c->inner - j0 < RED_TILE ? c->inner - j0 : RED_TILE;
        const char *base = c->x + (o * c->len * c->inner + j0) * (int64_t)c->ts;
        char *out = (char *)c->out + (o * c->inner + j0) * (int64_t)os;
        switch (c->kind) {
        case K_SUM:
        case K_PROD: {
            bool prod = c->kind == K_PROD;
            int32_t isum[RED_TILE];
            if (!prod && (c->at == TD_FLOAT64 || c->at == TD_INT64 || c->at == TD_UINT64) &&
                tile_small_int_sum(c, base, rowbytes, w, isum)) {
                for (int64_t j = 0; j < w; j++) {
                    if (c->at == TD_FLOAT64)
                        acc.d[j] = (double)isum[j];
                    else
                        acc.u[j] = (uint64_t)(int64_t)isum[j];
                }
                if (c->op == ND_RMEAN)
                    tile_divide(c->at, acc.b, c->len, w);
                memcpy(out, acc.b, (size_t)w * os);
                break;
            }
            double one = prod ? 1 : 0;
            nd_convert(acc.b, c->at, &one, TD_FLOAT64, 1);
            for (int64_t j = 1; j < w; j++)
                memcpy(acc.b + j * (int64_t)as, acc.b, as);
            for (int64_t i = 0; i < c->len; i++) {
                const void *row = base + i * rowbytes;
                if (c->t != c->at) {
                    nd_convert(tmp.b, c->at, row, c->t, w);
                    row = tmp.b;
                }
                tile_accumulate(c->at, prod, acc.b, row, w);
            }
            if (c->op == ND_RVAR || c->op == ND_RSTD) {
                tile_divide(c->at, acc.b, c->len, w);
                memcpy(mean.b, acc.b, (size_t)w * as);
                memset(acc.b, 0, (size_t)w * as);
                for (int64_t i = 0; i < c->len; i++) {
                    const void *row = base + i * rowbytes;
                    if (c->t != c->at) {
                        nd_convert(tmp.b, c->at, row, c->t, w);
                        row = tmp.b;
                    }
                    tile_squares(c->at, acc.b, row, mean.b, w);
                }
                int64_t dof = c->len - c->ddof;
                tile_divide(c->at, acc.b, dof > 0 ? dof : 0, w);
                if (c->op == ND_RSTD) {
                    for (int64_t j = 0; j < w; j++) {
                        if (c->at == TD_FLOAT64)
                            acc.d[j] = sqrt(acc.d[j]);
                        else
                            acc.f[j] = sqrtf(acc.f[j]);
                    }
                }
            } else if (c->op == ND_RMEAN) {
                tile_divide(c->at, acc.b, c->len, w);
            }
            memcpy(out, acc.b, (size_t)w * os);
            break;
        }
        case K_ANYALL: {
            bool any = c->op == ND_RANY;
            memset(acc.b, any ? 0 : 1, (size_t)w);
            for (int64_t i = 0; i < c->len; i++) {
                nd_convert(tmp.b, TD_BOOL, base + i * rowbytes, c->t, w);
                for (int64_t j = 0; j < w; j++)
                    acc.b[j] = any ? (acc.b[j] | tmp.b[j]) : (acc.b[j] & tmp.b[j]);
            }
            memcpy(out, acc.b, (size_t)w);
            break;
        }
        case K_EXT:
            type_ops[c->t].ext_tile(base, c->len, rowbytes, w, want_max(c->op), acc.b, idx);
            if (c->op == ND_RARGMAX || c->op == ND_RARGMIN)
                memcpy(out, idx, (size_t)w * sizeof(int64_t));
            else
                memcpy(out, acc.b, (size_t)w * c->ts);
            break;
        }
    }
    return 0;
}

/* ---- axis handling ------------------------------------------------------- */

typedef struct red_shape {
    int64_t outer, len, inner;
    int ndim; /* of the result */
    int64_t shape[ND_MAXDIM];
} red_shape;

static int red_plan(const nd_array *a, int axis, bool keepdims, red_shape *s, td_err *err)
{
    if (axis == ND_ALL) {
        s->outer = 1;
        s->len = a->size;
        s->inner = 1;
        s->ndim = keepdims ? a->ndim : 0;
        for (int k = 0; k < s->ndim; k++)
            s->shape[k] = 1;
        return 0;
    }
    int ax = axis < 0 ? axis + a->ndim : axis;
    if (ax < 0 || ax >= a->ndim)
        return td_err_set(err, TD_EVALUE, "axis %d is out of bounds for array of dimension %d", axis,
                          a->ndim);
    s->outer = 1;
    s->inner = 1;
    for (int k = 0; k < ax; k++)
        s->outer *= a->shape[k];
    for (int k = ax + 1; k < a->ndim; k++)
        s->inner *= a->shape[k];
    s->len = a->shape[ax];
    s->ndim = 0;
    for (int k = 0; k < a->ndim; k++) {
        if (k != ax)
            s->shape[s->ndim++] = a->shape[k];
        else if (keepdims)
            s->shape[s->ndim++] = 1;
    }
    return 0;
}

static const char *ufunc_name(nd_redop op)
{
    return op == ND_RMAX ? "maximum" : "minimum";
}

static nd_array *reduce_median(const nd_array *a, const red_shape *s, bool percentile, double q, td_err *err);

nd_array *nd_reduce(nd_redop op, const nd_array *a, int axis, bool keepdims, int ddof, td_err *err)
{
    red_shape s;
    if (red_plan(a, axis, keepdims, &s, err) < 0)
        return NULL;
    if (op == ND_RMEDIAN)
        return reduce_median(a, &s, false, 0, err);

    red_ctx c = {.op = op, .x = a->data, .t = a->dtype, .ts = td_dtype_size(a->dtype), .ddof = ddof};
    c.outer = s.outer;
    c.len = s.len;
    c.inner = s.inner;
    switch (op) {
    case ND_RSUM:
    case ND_RPROD:
        c.kind = op == ND_RSUM ? K_SUM : K_PROD;
        c.at = c.ot = td_sum_dtype(a->dtype);
        break;
    case ND_RMEAN:
    case ND_RVAR:
    case ND_RSTD:
        c.kind = K_SUM;
        c.at = c.ot = td_mean_dtype(a->dtype);
        break;
    case ND_RMAX:
    case ND_RMIN:
        c.kind = K_EXT;
        c.ot = a->dtype;
        if (s.len == 0) {
            td_err_set(err, TD_EVALUE, "zero-size array to reduction operation %s which has no identity",
                       ufunc_name(op));
            return NULL;
        }
        break;
    case ND_RARGMAX:
    case ND_RARGMIN:
        c.kind = K_EXT;
        c.ot = TD_INT64;
        if (s.len == 0) {
            td_err_set(err, TD_EVALUE, "attempt to get %s of an empty sequence",
                       op == ND_RARGMAX ? "argmax" : "argmin");
            return NULL;
        }
        break;
    case ND_RANY:
    case ND_RALL:
        c.kind = K_ANYALL;
        c.ot = TD_BOOL;
        break;
    default: td_err_set(err, TD_EVALUE, "unknown reduction"); return NULL;
    }
    if (c.kind == K_EXT || c.kind == K_ANYALL)
        c.at = a->dtype;

    nd_array *r = nd_new(c.ot, s.ndim, s.shape, err);
    if (!r)
        return NULL;
    c.out = r->data;
    if (r->size == 0)
        return r;

    int rc;
    if (s.inner > 1) {
        c.ntiles = (s.inner + RED_TILE - 1) / RED_TILE;
        int64_t w = s.inner < RED_TILE ? s.inner : RED_TILE;
        rc = run_units(s.outer * c.ntiles, w * (s.len > 0 ? s.len : 1), tile_kernel, &c, err);
    } else if (op == ND_RVAR || op == ND_RSTD) {
        /* Pass 1: means into r itself; pass 2: squared deviations. */
        rc = lane_reduce(&c, r->data, err);
        if (rc == 0) {
            tile_divide(c.at, r->data, s.len, s.outer);
            void *mean = td_scratch_alloc((size_t)s.outer * td_dtype_size(c.at), err);
            if (!mean) {
                rc = -1;
            } else {
                memcpy(mean, r->data, (size_t)s.outer * td_dtype_size(c.at));
                c.mean = mean;
                c.squares = true;
                rc = lane_reduce(&c, r->data, err);
                td_scratch_free(mean);
            }
        }
        if (rc == 0) {
            int64_t dof = s.len - ddof;
            tile_divide(c.at, r->data, dof > 0 ? dof : 0, s.outer);
            if (op == ND_RSTD)
                for (int64_t o = 0; o < s.outer; o++) {
                    if (c.at == TD_FLOAT64)
                        ((double *)r->data)[o] = sqrt(((double *)r->data)[o]);
                    else
                        ((float *)r->data)[o] = sqrtf(((float *)r->data)[o]);
                }
        }
    } else {
        rc = lane_reduce(&c, r->data, err);
        if (rc == 0 && op == ND_RMEAN)
            tile_divide(c.at, r->data, s.len, s.outer);
    }
    if (rc < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

/* ---- median and percentile -------------------------------------------------- */

typedef struct med_ctx {
    const nd_array *a;
    const red_shape *s;
    bool percentile;
    double q;        /* already divided by 100 */
    int64_t width;   /* lanes gathered per unit in tile mode */
    int64_t ngroups; /* per outer index */
    void *out;
    td_dtype ot;
} med_ctx;

static int med_cancelled(td_err *err)
{
    return td_err_set(err, TD_ECANCEL, "cancelled");
}

/* Whether n values of dtype t hold a NaN, scanned in runs of MED_CHECK
 * with a look at the cancel flag between them: 1, 0, or -1 cancelled. */
static int med_nan_scan(td_dtype t, const char *v, int64_t n)
{
    int64_t ts = (int64_t)td_dtype_size(t);
    for (int64_t i = 0; i < n; i += MED_CHECK) {
        if (n - i > MED_CHECK && td_cancelled())
            return -1;
        if (type_ops[t].has_nan(v + i * ts, n - i < MED_CHECK ? n - i : MED_CHECK))
            return 1;
    }
    return 0;
}

/* The statistic of one lane of n values of dtype t (reordered in place);
 * -1 when Ctrl-C stopped it. */
static int med_lane(const med_ctx *c, void *v, int64_t n, void *out, td_err *err)
{
    td_dtype t = c->a->dtype;
    const red_type_ops *ops = &type_ops[t];
    unsigned char lo[8] = {0}, hi[8] = {0};
    int nan = med_nan_scan(t, v, n);
    if (nan < 0)
        return med_cancelled(err);
    if (c->percentile) {
        double res;
        if (nan) {
            res = NAN;
        } else {
            /* numpy: virtual index (n - 1) * q; at or past the last rank both
             * neighbours are the last element and gamma is index + 1. */
            double vi = (double)(n - 1) * c->q;
            double g;
            if (vi >= (double)(n - 1)) {
                if (!ops->ranks(v, n, n - 1, lo, hi))
                    return med_cancelled(err);
                memcpy(hi, lo, sizeof lo);
                g = vi + 1;
            } else {
                double prev = floor(vi);
                if (!ops->ranks(v, n, (int64_t)prev, lo, hi))
                    return med_cancelled(err);
                g = vi - prev;
            }
            double d = ops->diff(hi, lo), l, h;
            nd_convert(&l, TD_FLOAT64, lo, t, 1);
            nd_convert(&h, TD_FLOAT64, hi, t, 1);
            res = l + d * g;
            if (g >= 0.5)
                res = h - d * (1 - g);
        }
        memcpy(out, &res, sizeof res);
        return 0;
    }
    /* median: the mean of the middle one or two values, in the mean dtype */
    if (n == 0 || nan) {
        double nanv = NAN;
        nd_convert(out, c->ot, &nanv, TD_FLOAT64, 1);
        return 0;
    }
    int64_t k = n % 2 ? (n - 1) / 2 : n / 2 - 1;
    if (!ops->ranks(v, n, k, lo, hi))
        return med_cancelled(err);
    if (c->ot == TD_FLOAT32) {
        float x, y, s = 0;
        nd_convert(&x, TD_FLOAT32, lo, t, 1);
        nd_convert(&y, TD_FLOAT32, hi, t, 1);
        s += x;
        if (n % 2 == 0)
            s += y;
        s = s / (float)(n % 2 ? 1 : 2);
        memcpy(out, &s, sizeof s);
    } else {
        double x, y, s = 0;
        nd_convert(&x, TD_FLOAT64, lo, t, 1);
        nd_convert(&y, TD_FLOAT64, hi, t, 1);
        s += x;
        if (n % 2 == 0)
            s += y;
        s = s / (double)(n % 2 ? 1 : 2);
        memcpy(out, &s, sizeof s);
    }
    return 0;
}

/* Gathers w lanes of len values starting at base into buf, lane after
 * lane, reading whole rows of the tile; -1 when Ctrl-C stopped it. */
static int med_gather(const med_ctx *c, const char *base, int64_t w, char *buf, td_err *err)
{
    int64_t len = c->s->len, ts = (int64_t)td_dtype_size(c->a->dtype);
    if (c->s->inner == 1) {
        for (int64_t i = 0; i < len; i += MED_CHECK) {
            if (len - i > MED_CHECK && td_cancelled())
                return med_cancelled(err);
            memcpy(buf + i * ts, base + i * ts, (size_t)((len - i < MED_CHECK ? len - i : MED_CHECK) * ts));
        }
        return 0;
    }
    int64_t rows_per_check = MED_CHECK / w;
    for (int64_t i = 0; i < len; i++) {
        if (i % rows_per_check == rows_per_check - 1 && td_cancelled())
            return med_cancelled(err);
        const char *row = base + i * c->s->inner * ts;
        for (int64_t j = 0; j < w; j++)
            memcpy(buf + (j * len + i) * ts, row + j * ts, (size_t)ts);
    }
    return 0;
}

static int med_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const med_ctx *c = ctx;
    const red_shape *s = c->s;
    size_t ts = td_dtype_size(c->a->dtype), os = td_dtype_size(c->ot);
    int64_t len = s->len;
    char *buf = td_scratch_alloc((size_t)(len > 0 ? len : 1) * (size_t)c->width * ts, err);
    if (!buf)
        return -1;
    int rc = 0;
    for (int64_t u = begin; u < end && rc == 0; u++) {
        int64_t o = u / c->ngroups, j0 = (u % c->ngroups) * c->width;
        int64_t w = s->inner - j0 < c->width ? s->inner - j0 : c->width;
        const char *base = (const char *)c->a->data + (o * len * s->inner + j0) * (int64_t)ts;
        rc = med_gather(c, base, w, buf, err);
        for (int64_t j = 0; j < w && rc == 0; j++)
            rc = med_lane(c, buf + j * len * (int64_t)ts, len,
                          (char *)c->out + (o * s->inner + j0 + j) * (int64_t)os, err);
    }
    td_scratch_free(buf);
    return rc;
}

static nd_array *reduce_median(const nd_array *a, const red_shape *s, bool percentile, double q, td_err *err)
{
    td_dtype ot = percentile ? TD_FLOAT64 : td_mean_dtype(a->dtype);
    nd_array *r = nd_new(ot, s->ndim, s->shape, err);
    if (!r)
        return NULL;
    if (percentile && s->len == 0 && r->size > 0) {
        nd_release(r);
        td_err_set(err, TD_EINDEX, "cannot do a non-empty take from an empty axes.");
        return NULL;
    }
    if (percentile && a->dtype == TD_BOOL) {
        /* numpy interpolates with b - a, which bool refuses */
        nd_release(r);
        td_err_set(err, TD_ETYPE,
                   "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the "
                   "`^` operator, or the logical_xor function instead.");
        return NULL;
    }
    if (r->size == 0)
        return r;
    med_ctx c = {.a = a, .s = s, .percentile = percentile, .q = q, .out = r->data, .ot = ot};
    /* Lanes per unit in tile mode: enough to read rows in runs, within
     * about 1 MiB of gathered values. */
    int64_t per_lane = (s->len > 0 ? s->len : 1) * (int64_t)td_dtype_size(a->dtype);
    c.width = 1;
    if (s->inner > 1) {
        c.width = ((int64_t)1 << 20) / per_lane;
        if (c.width > 64)
            c.width = 64;
        if (c.width > s->inner)
            c.width = s->inner;
        if (c.width < 1)
            c.width = 1;
    }
    c.ngroups = (s->inner + c.width - 1) / c.width;
    if (run_units(s->outer * c.ngroups, c.width * (s->len > 0 ? s->len : 1) * 4, med_kernel, &c, err) < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

nd_array *nd_percentile(const nd_array *a, double q, int axis, bool keepdims, td_err *err)
{
    if (!(q >= 0 && q <= 100)) {
        td_err_set(err, TD_EVALUE, "Percentiles must be in the range [0, 100]");
        return NULL;
    }
    red_shape s;
    if (red_plan(a, axis, keepdims, &s, err) < 0)
        return NULL;
    return reduce_median(a, &s, true, q / 100.0, err);
}

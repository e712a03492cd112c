/* gaussian_filter, uniform_filter and median_filter over Images, with
 * scipy.ndimage 1.10's numerics (see img_internal.h for the separable
 * engine; the median is a rank selection over the window).
 *
 * scipy's order of floating-point operations is reproduced exactly: the
 * correlation starts from the centre tap and adds the symmetric pairs from
 * the outermost in; the box filter keeps a running sum (first window summed
 * from its left end, then + new - old) and divides it by the size for each
 * output. Integer images get the truncation scipy's C casts give. */
#if defined(__GNUC__) && !defined(__clang__)
/* The ordinary vectoriser cost model, and never a fused multiply-add: scipy
 * rounds every product and sum. */
#pragma GCC optimize("vect-cost-model=dynamic", "fp-contract=off")
#endif

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img_internal.h"
#include "thunder/imgops.h"
#include "thunder/mem.h"
#include "thunder/par.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define IMG_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define IMG_CLONES
#endif

/* Columns per tile of a correlation down rows. */
#define CORR_TILE 128

/* Lines up to this long along the last axis are filtered many at a time. */
#define SHORT_LINE 64

/* Bytes of double data a band aims for: small enough for L2. */
#define BAND_BYTES (192 * 1024)
/* Elements converted at once between double and the dtype. */
#define QCHUNK 512
/* The largest derivative order accepted. */
#define MAX_ORDER 16

/* scipy's 'reflect' (half-sample symmetric) extension: d c b a | a b c d | d c b a,
 * repeated for offsets beyond one length. */
static inline int64_t reflect(int64_t i, int64_t n)
{
    if (i >= 0 && i < n)
        return i;
    int64_t p = 2 * n;
    int64_t j = i % p;
    if (j < 0)
        j += p;
    return j < n ? j : p - 1 - j;
}

/* The dtype scipy's output array really holds: bool images are written as
 * bytes by a cast to unsigned char, so 0.5 becomes 0 and 2.3 becomes 2. */
static td_dtype storage_dtype(td_dtype t)
{
    return t == TD_BOOL ? TD_UINT8 : t;
}

/* ---- plans ------------------------------------------------------------------ */

/* numpy's pairwise sum of n doubles (the order np.sum uses), through nd_reduce. */
static int numpy_sum(const double *x, int64_t n, double *out, td_err *err)
{
    nd_array *a = nd_from_buffer(TD_FLOAT64, 1, &n, x, err);
    if (!a)
        return -1;
    nd_array *s = nd_reduce(ND_RSUM, a, ND_ALL, false, 0, err);
    nd_release(a);
    if (!s)
        return -1;
    *out = nd_get_f64(s, 0);
    nd_release(s);
    return 0;
}

/* scipy's _gaussian_kernel1d(sigma, order, radius)[::-1] into w (2r + 1). */
static int gauss_weights(double sigma, int64_t order, int64_t r, double *w, td_err *err)
{
    int64_t n = 2 * r + 1;
    double sigma2 = sigma * sigma;
    double c = -0.5 / sigma2;
    double *phi = malloc((size_t)n * sizeof *phi);
    if (!phi)
        return td_err_set(err, TD_EMEMORY, "out of memory");
    for (int64_t k = 0; k < n; k++) {
        double x = (double)(k - r);
        phi[k] = exp(c * (x * x));
    }
    double sum;
    if (numpy_sum(phi, n, &sum, err) < 0) {
        free(phi);
        return -1;
    }
    for (int64_t k = 0; k < n; k++)
        phi[k] = phi[k] / sum;
    if (order > 0) {
        /* q holds the polynomial with f^(order)(x) = q(x) phi(x), built by
         * applying q -> q' + q p' (p' = -x / sigma^2) order times. */
        double q[MAX_ORDER + 1] = {1.0}, nq[MAX_ORDER + 1];
        double p = 1.0 / -sigma2;
        for (int64_t it = 0; it < order; it++) {
            for (int64_t i = 0; i <= order; i++) {
                double v = 0.0;
                if (i > 0)
                    v += p * q[i - 1];
                if (i < order)
                    v += (double)(i + 1) * q[i + 1];
                nq[i] = v;
            }
            memcpy(q, nq, sizeof(double) * (size_t)(order + 1));
        }
        for (int64_t k = 0; k < n; k++) {
            double x = (double)(k - r), xp = 1.0, v = 0.0;
            for (int64_t j = 0; j <= order; j++) {
                v += xp * q[j];
                xp *= x;
            }
            phi[k] = v * phi[k];
        }
    }
    for (int64_t k = 0; k < n; k++)
        w[k] = phi[n - 1 - k];
    free(phi);
    return 0;
}

/* scipy's symmetry test on an odd-length kernel. */
static int kernel_symmetry(const double *w, int64_t s1)
{
    int sym = 1;
    for (int64_t i = 1; i <= s1; i++)
        if (fabs(w[s1 + i] - w[s1 - i]) > DBL_EPSILON) {
            sym = 0;
            break;
        }
    if (sym)
        return 1;
    for (int64_t i = 1; i <= s1; i++)
        if (fabs(w[s1 + i] + w[s1 - i]) > DBL_EPSILON)
            return 0;
    return -1;
}

static void plan_geometry(img_sep *s, td_dtype dtype, int nd, const int64_t *dim)
{
    memset(s, 0, sizeof *s);
    s->dtype = dtype;
    s->nd = nd;
    s->inner = 1;
    for (int k = 0; k < nd; k++) {
        s->dim[k] = dim[k];
        if (k > 0)
            s->inner *= dim[k];
    }
    s->restartable = td_dtype_is_bool(dtype) || (td_dtype_is_int(dtype) && td_dtype_size(dtype) <= 4);
}

/* Band height and scratch size, once the passes are known. */
static int plan_finish(img_sep *s, td_err *err)
{
    int64_t inner = s->inner > 0 ? s->inner : 1;
    int64_t band = BAND_BYTES / (8 * inner);
    if (band < 1)
        band = 1;
    if (band > s->dim[0])
        band = s->dim[0] > 0 ? s->dim[0] : 1;
    s->band = band;
    /* rows staged for axis 0: the band plus the window, plus one for the running sum */
    int64_t halo = 0, maxline = 1;
    for (int p = 0; p < s->npass; p++) {
        const img_pass *ps = &s->pass[p];
        if (ps->axis == 0)
            halo = ps->s1 + ps->s2 + 1;
        int64_t ext = s->dim[ps->axis] + ps->s1 + ps->s2 + 1;
        if (ext > maxline)
            maxline = ext;
    }
    if (s->dim[0] + halo > maxline)
        maxline = s->dim[0] + halo;
    int64_t staged = band + halo;
    size_t total = 0, part;
    int64_t wide = inner > 8 * SHORT_LINE ? inner : 8 * SHORT_LINE; /* col, tmp, tbuf */
    int64_t counts[7] = {band * inner, staged * inner, wide, 8 * maxline, inner, wide, wide};
    for (int i = 0; i < 7; i++) {
        if (td_mul_overflows((size_t)counts[i], sizeof(double), &part) ||
            __builtin_add_overflow(total, part + 64, &total))
            return td_err_set(err, TD_EMEMORY, "filter scratch too large");
    }
    /* row pointers (staged rows, or a middle axis' length plus its window) and the conversion buffer */
    if (td_mul_overflows((size_t)maxline + (size_t)staged, sizeof(double *), &part) ||
        __builtin_add_overflow(total, part + 64 + QCHUNK * 8 + 64, &total))
        return td_err_set(err, TD_EMEMORY, "filter scratch too large");
    s->scratch_bytes = total;
    return 0;
}

int img_sep_gauss(img_sep *s, td_dtype dtype, int nd, const int64_t *dim, const double *sigma,
                  const int64_t *order, td_err *err)
{
    plan_geometry(s, dtype, nd, dim);
    int64_t total = 0;
    int64_t radius[ND_MAXDIM];
    for (int k = 0; k < nd; k++) {
        radius[k] = -1;
        if (!(sigma[k] > 1e-15))
            continue;
        if (order[k] < 0)
            return td_err_set(err, TD_EVALUE, "order must be non-negative");
        if (order[k] > MAX_ORDER)
            return td_err_set(err, TD_EVALUE, "order %lld is too large (at most %d)", (long long)order[k],
                              MAX_ORDER);
        double lw = 4.0 * sigma[k] + 0.5;
        if (!(lw < 1e8))
            return td_err_set(err, TD_EMEMORY, "gaussian_filter: sigma %g gives too large a kernel",
                              sigma[k]);
        radius[k] = (int64_t)lw;
        total += 2 * radius[k] + 1;
    }
    s->weights = malloc(sizeof(double) * (size_t)(total > 0 ? total : 1));
    if (!s->weights)
        return td_err_set(err, TD_EMEMORY, "out of memory");
    double *w = s->weights;
    for (int k = 0; k < nd; k++) {
        if (radius[k] < 0)
            continue;
        if (gauss_weights(sigma[k], order[k], radius[k], w, err) < 0) {
            img_sep_free(s);
            return -1;
        }
        img_pass *p = &s->pass[s->npass++];
        p->axis = k;
        p->uniform = false;
        p->s1 = p->s2 = radius[k];
        p->w = w;
        p->sym = kernel_symmetry(w, radius[k]);
        w += 2 * radius[k] + 1;
    }
    if (plan_finish(s, err) < 0) {
        img_sep_free(s);
        return -1;
    }
    return 0;
}

int img_sep_uniform(img_sep *s, td_dtype dtype, int nd, const int64_t *dim, const int64_t *size, td_err *err)
{
    plan_geometry(s, dtype, nd, dim);
    for (int k = 0; k < nd; k++) {
        if (size[k] <= 1)
            continue;
        img_pass *p = &s->pass[s->npass++];
        p->axis = k;
        p->uniform = true;
        p->s1 = size[k] / 2;
        p->s2 = size[k] - p->s1 - 1;
    }
    /* Sums of 32-bit integers stay exact in double only for windows below 2^21. */
    bool small = true;
    for (int p = 0; p < s->npass; p++)
        if (s->pass[p].s1 + s->pass[p].s2 + 1 >= ((int64_t)1 << 20))
            s->restartable = small = false;
    /* integers of up to 16 bits: quotients of exact sums, already in the dtype */
    s->int_box = small && (td_dtype_is_bool(dtype) || (td_dtype_is_int(dtype) && td_dtype_size(dtype) <= 2));
    return plan_finish(s, err);
}

void img_sep_free(img_sep *s)
{
    free(s->weights);
    s->weights = NULL;
}

int img_sep_work_init(const img_sep *s, img_sep_work *w, td_err *err)
{
    memset(w, 0, sizeof *w);
    char *b = td_scratch_alloc(s->scratch_bytes, err);
    if (!b)
        return -1;
    w->block = b;
    int64_t inner = s->inner > 0 ? s->inner : 1;
    int64_t halo = 0, maxline = 1;
    for (int p = 0; p < s->npass; p++) {
        const img_pass *ps = &s->pass[p];
        if (ps->axis == 0)
            halo = ps->s1 + ps->s2 + 1;
        int64_t ext = s->dim[ps->axis] + ps->s1 + ps->s2 + 1;
        if (ext > maxline)
            maxline = ext;
    }
    if (s->dim[0] + halo > maxline)
        maxline = s->dim[0] + halo;
    int64_t staged = s->band + halo;
/* 64-byte aligned pieces */
#define CARVE(ptr, type, count)                                                                              \
    do {                                                                                                     \
        ptr = (type *)(void *)b;                                                                             \
        b += (((size_t)(count) * sizeof(type)) + 63) / 64 * 64;                                              \
    } while (0)
    int64_t wide = inner > 8 * SHORT_LINE ? inner : 8 * SHORT_LINE;
    int64_t nwork = s->band * inner, nstage = staged * inner;
    CARVE(w->work, double, nwork);
    CARVE(w->stage, double, nstage);
    CARVE(w->col, double, wide);
    CARVE(w->ext, double, 8 * maxline);
    CARVE(w->carry, double, inner);
    CARVE(w->tmp, double, wide);
    CARVE(w->tbuf, double, wide);
    CARVE(w->rows, const double *, maxline + staged);
    CARVE(w->qbuf, char, QCHUNK * 8);
#undef CARVE
    return 0;
}

void img_sep_work_free(img_sep_work *w)
{
    td_scratch_free(w->block);
    w->block = NULL;
}

/* ---- 1-D kernels -------------------------------------------------------------- */

/* Eight doubles as one GCC vector: each operation is the same IEEE operation
 * on every lane, so vector and scalar code give the same bits. The kernels
 * exist in baseline, AVX2 and AVX-512 versions picked when the library loads
 * (none enables FMA, and contraction is off for this file). */
typedef double v8d __attribute__((vector_size(64)));
#define LD8(v, p) memcpy(&(v), (p), sizeof(v8d))
#define ST8(p, v) memcpy((p), &(v), sizeof(v8d))

/* The pairs c[-k], c[k] share a weight: added for a symmetric kernel, subtracted
 * for an antisymmetric one (odd derivative orders). OP is + or -. */
#define CORR_PAIRS(OP)                                                                                       \
    do {                                                                                                     \
        double w0 = w[s1];                                                                                   \
        /* four vectors of outputs at once: four independent chains of adds */                               \
        for (; j + 32 <= ncol; j += 32) {                                                                    \
            v8d a0, a1, a2, a3, t0, t1, t2, t3, u0, u1, u2, u3;                                              \
            LD8(a0, c[0] + j);                                                                               \
            LD8(a1, c[0] + j + 8);                                                                           \
            LD8(a2, c[0] + j + 16);                                                                          \
            LD8(a3, c[0] + j + 24);                                                                          \
            a0 = a0 * w0;                                                                                    \
            a1 = a1 * w0;                                                                                    \
            a2 = a2 * w0;                                                                                    \
            a3 = a3 * w0;                                                                                    \
            for (int64_t jj = -s1; jj < 0; jj++) {                                                           \
                double wj = w[s1 + jj];                                                                      \
                const double *lo = c[jj] + j, *hi = c[-jj] + j;                                              \
                LD8(t0, lo);                                                                                 \
                LD8(t1, lo + 8);                                                                             \
                LD8(t2, lo + 16);                                                                            \
                LD8(t3, lo + 24);                                                                            \
                LD8(u0, hi);                                                                                 \
                LD8(u1, hi + 8);                                                                             \
                LD8(u2, hi + 16);                                                                            \
                LD8(u3, hi + 24);                                                                            \
                a0 += (t0 OP u0)*wj;                                                                         \
                a1 += (t1 OP u1)*wj;                                                                         \
                a2 += (t2 OP u2)*wj;                                                                         \
                a3 += (t3 OP u3)*wj;                                                                         \
            }                                                                                                \
            ST8(o + j, a0);                                                                                  \
            ST8(o + j + 8, a1);                                                                              \
            ST8(o + j + 16, a2);                                                                             \
            ST8(o + j + 24, a3);                                                                             \
        }                                                                                                    \
        for (; j + 16 <= ncol; j += 16) {                                                                    \
            v8d a0, a1, t0, t1, u0, u1;                                                                      \
            LD8(a0, c[0] + j);                                                                               \
            LD8(a1, c[0] + j + 8);                                                                           \
            a0 = a0 * w0;                                                                                    \
            a1 = a1 * w0;                                                                                    \
            for (int64_t jj = -s1; jj < 0; jj++) {                                                           \
                double wj = w[s1 + jj];                                                                      \
                LD8(t0, c[jj] + j);                                                                          \
                LD8(t1, c[jj] + j + 8);                                                                      \
                LD8(u0, c[-jj] + j);                                                                         \
                LD8(u1, c[-jj] + j + 8);                                                                     \
                a0 += (t0 OP u0)*wj;                                                                         \
                a1 += (t1 OP u1)*wj;                                                                         \
            }                                                                                                \
            ST8(o + j, a0);                                                                                  \
            ST8(o + j + 8, a1);                                                                              \
        }                                                                                                    \
        for (; j < ncol; j++) {                                                                              \
            double a = c[0][j] * w0;                                                                         \
            for (int64_t jj = -s1; jj < 0; jj++)                                                             \
                a += (c[jj][j] OP c[-jj][j]) * w[s1 + jj];                                                   \
            o[j] = a;                                                                                        \
        }                                                                                                    \
    } while (0)

/* o[j] = the correlation at j of the sources c[k] (c[0] at offset 0, c[k]
 * at offset k, k in [-s1, s2]): the centre tap times its weight, then the
 * symmetric pairs from the outermost in, as scipy's NI_Correlate1D. */
IMG_CLONES static void corr_kernel(double *restrict o, const double *const *c, int64_t j0, int64_t ncol,
                                   int64_t s1, int64_t s2, const double *w, int sym)
{
    int64_t j = j0;
    if (sym > 0) {
        CORR_PAIRS(+);
    } else if (sym < 0) {
        CORR_PAIRS(-);
    } else {
        double wl = w[s1 + s2];
        for (; j + 16 <= ncol; j += 16) {
            v8d a0, a1, t0, t1;
            LD8(a0, c[s2] + j);
            LD8(a1, c[s2] + j + 8);
            a0 = a0 * wl;
            a1 = a1 * wl;
            for (int64_t jj = -s1; jj < s2; jj++) {
                double wj = w[s1 + jj];
                LD8(t0, c[jj] + j);
                LD8(t1, c[jj] + j + 8);
                a0 += t0 * wj;
                a1 += t1 * wj;
            }
            ST8(o + j, a0);
            ST8(o + j + 8, a1);
        }
        for (; j < ncol; j++) {
            double a = c[s2][j] * wl;
            for (int64_t jj = -s1; jj < s2; jj++)
                a += c[jj][j] * w[s1 + jj];
            o[j] = a;
        }
    }
}

/* The first window's sum (0.0, then each source in order) and its mean. */
IMG_CLONES static void box_start(double *restrict tmp, double *restrict o, const double *const *c,
                                 int64_t size, int64_t ncol, double fs)
{
    for (int64_t j = 0; j < ncol; j++)
        tmp[j] = 0.0;
    for (int64_t k = 0; k < size; k++) {
        const double *restrict x = c[k];
        for (int64_t j = 0; j < ncol; j++)
            tmp[j] += x[j];
    }
    for (int64_t j = 0; j < ncol; j++)
        o[j] = tmp[j] / fs;
}

/* One step of the running sum: + (new - old), then the mean. */
IMG_CLONES static void box_step(double *restrict tmp, double *restrict o, const double *restrict nw,
                                const double *restrict old, int64_t ncol, double fs)
{
    for (int64_t j = 0; j < ncol; j++) {
        tmp[j] += nw[j] - old[j];
        o[j] = tmp[j] / fs;
    }
}

/* Only the sums, for starting in the middle of an image. */
IMG_CLONES static void box_advance(double *restrict tmp, const double *restrict nw,
                                   const double *restrict old, int64_t ncol)
{
    for (int64_t j = 0; j < ncol; j++)
        tmp[j] += nw[j] - old[j];
}

/* Integer images (up to 16 bits) have exact integer window sums v, and
 * scipy's correctly rounded v / n truncated is exactly the integer quotient.
 * It is trunc(v * m) with m = (1 + 2^-40) / n rounded: the bias lifts every
 * product above v / n (past the rounding errors, about 2^-52 relative) and
 * stays below the next integer, at least 1/n away, for |v| < 2^39 (window
 * sums of 16-bit values over fewer than 2^20 pixels). */
IMG_CLONES static void int_quot(double *restrict o, const double *restrict t, int64_t n, double m)
{
    for (int64_t i = 0; i < n; i++)
        o[i] = (double)(int32_t)(t[i] * m);
}

static double int_quot_factor(double fs)
{
    return (1.0 + 0x1p-40) / fs;
}

IMG_CLONES static void int_box_step(double *restrict tmp, double *restrict o, const double *restrict nw,
                                    const double *restrict old, int64_t ncol, double m)
{
    for (int64_t j = 0; j < ncol; j++) {
        tmp[j] += nw[j] - old[j];
        o[j] = (double)(int32_t)(tmp[j] * m);
    }
}

/* Window sums along line x (ext: its extension, for the ends), into t,
 * then their quotients back into x. The middle reads x directly. */
IMG_CLONES static void int_box_line(double *restrict x, const double *restrict ext, double *restrict t,
                                    int64_t n, int64_t s1, int64_t s2, double m)
{
    int64_t size = s1 + s2 + 1, lo = s1, hi = n - s2; /* [lo, hi): windows inside the line */
    if (hi - lo < 16) {
        lo = hi = n;
    }
    for (int64_t i = 0; i < n; i++) {
        if (i == lo) {
            i = hi - 1;
            continue;
        }
        double v = ext[i];
        for (int64_t k = 1; k < size; k++)
            v += ext[i + k];
        t[i] = v;
    }
    if (hi > lo) {
        double *restrict tm = t + lo;
        const double *restrict xm = x + lo - s1;
        int64_t w = hi - lo;
        memcpy(tm, xm, sizeof(double) * (size_t)w);
        for (int64_t k = 1; k < size; k++) {
            const double *restrict e = xm + k;
            for (int64_t i = 0; i < w; i++)
                tm[i] += e[i];
        }
    }
    int_quot(x, t, n, m);
}

/* Eight lines of length n (line l at x + l * stride) along their length at
 * once: their extended values interleaved in e, lane l for line l. */
IMG_CLONES static void box_lines8(double *x, int64_t stride, int64_t n, int64_t s1, int64_t s2,
                                  double *restrict e)
{
    int64_t size = s1 + s2 + 1, ne = n + s1 + s2;
    double fs = (double)size;
    for (int64_t k = 0; k < ne; k++) {
        int64_t src = reflect(k - s1, n);
        for (int l = 0; l < 8; l++)
            e[k * 8 + l] = x[l * stride + src];
    }
    v8d t = {0, 0, 0, 0, 0, 0, 0, 0}, a, b, m;
    for (int64_t k = 0; k < size; k++) {
        LD8(a, e + k * 8);
        t += a;
    }
    for (int64_t i = 0; i < n; i++) {
        if (i > 0) {
            LD8(a, e + (i - 1 + size) * 8);
            LD8(b, e + (i - 1) * 8);
            t += a - b;
        }
        m = t / fs;
        for (int l = 0; l < 8; l++)
            x[l * stride + i] = m[l];
    }
}

/* One line along its length (ext has room for n + s1 + s2). */
static void extend_line(double *restrict ext, const double *restrict x, int64_t n, int64_t s1, int64_t s2)
{
    if (n >= s1 && n >= s2) {
        for (int64_t i = 0; i < s1; i++)
            ext[i] = x[s1 - 1 - i];
        memcpy(ext + s1, x, sizeof(double) * (size_t)n);
        for (int64_t i = 0; i < s2; i++)
            ext[s1 + n + i] = x[n - 1 - i];
    } else {
        for (int64_t k = 0; k < n + s1 + s2; k++)
            ext[k] = x[reflect(k - s1, n)];
    }
}

static void filter_line(const img_pass *p, bool ints, double *x, int64_t n, double *ext, const double **ptr)
{
    int64_t s1 = p->s1, s2 = p->s2;
    if (p->uniform && ints) {
        /* only the ends need the extension */
        if (n >= 2 * (s1 + s2) + 16) {
            for (int64_t i = 0; i < s1; i++)
                ext[i] = x[s1 - 1 - i];
            for (int64_t i = 0; i < 2 * s1 + s2; i++)
                ext[s1 + i] = x[i];
            for (int64_t i = n - s1 - s2; i < n; i++)
                ext[s1 + i] = x[i];
            for (int64_t i = 0; i < s2; i++)
                ext[s1 + n + i] = x[n - 1 - i];
        } else {
            extend_line(ext, x, n, s1, s2);
        }
        int_box_line(x, ext, ext + n + s1 + s2, n, s1, s2, int_quot_factor((double)(s1 + s2 + 1)));
        return;
    }
    extend_line(ext, x, n, s1, s2);
    if (p->uniform) {
        int64_t size = s1 + s2 + 1;
        double fs = (double)size, tmp = 0.0;
        for (int64_t k = 0; k < size; k++)
            tmp += ext[k];
        x[0] = tmp / fs;
        for (int64_t l = 1; l < n; l++) {
            tmp += ext[l - 1 + size] - ext[l - 1];
            x[l] = tmp / fs;
        }
        return;
    }
    for (int64_t k = 0; k <= s1 + s2; k++)
        ptr[k] = ext + k;
    corr_kernel(x, ptr + s1, 0, n, s1, s2, p->w, p->sym);
}

/* Rows of a (nrows x ncol) result from source rows rp[k] (rp[r + s1 + j] is
 * the row at offset j of output row r). For a box filter *valid says that
 * tmp already holds the sums of row -1, whose window starts at rp[-1]. */
static void filter_rows(const img_pass *p, bool ints, double *dst, int64_t nrows, int64_t ncol,
                        const double *const *rp, double *tmp, bool *valid)
{
    if (!p->uniform) {
        /* columns in tiles, so the window of source rows stays in L1 from one output row to the next */
        for (int64_t j0 = 0; j0 < ncol; j0 += CORR_TILE) {
            int64_t j1 = ncol - j0 > CORR_TILE ? j0 + CORR_TILE : ncol;
            for (int64_t r = 0; r < nrows; r++)
                corr_kernel(dst + r * ncol, rp + r + p->s1, j0, j1, p->s1, p->s2, p->w, p->sym);
        }
        return;
    }
    int64_t size = p->s1 + p->s2 + 1, r = 0;
    double fs = (double)size;
    if (nrows <= 0)
        return;
    if (!*valid) {
        box_start(tmp, dst, rp, size, ncol, fs);
        if (ints)
            int_quot(dst, tmp, ncol, int_quot_factor(fs));
        r = 1;
        *valid = true;
    }
    if (ints)
        for (; r < nrows; r++)
            int_box_step(tmp, dst + r * ncol, rp[r - 1 + size], rp[r - 1], ncol, int_quot_factor(fs));
    for (; r < nrows; r++)
        box_step(tmp, dst + r * ncol, rp[r - 1 + size], rp[r - 1], ncol, fs);
}

/* A pass along axis k >= 1 over rows [0, nrows) of the band in work. */
static void band_pass(const img_sep *s, img_sep_work *w, const img_pass *p, double *work, int64_t nrows)
{
    int k = p->axis;
    int64_t n = s->dim[k], in = 1;
    for (int i = k + 1; i < s->nd; i++)
        in *= s->dim[i];
    int64_t total = nrows * s->inner;
    if (in == 1 && n <= SHORT_LINE && total / n >= 8) {
        /* short lines: many at a time, transposed so the pass runs down columns */
        int64_t nlines = total / n, per = s->inner / n > 8 ? s->inner / n : 8;
        int64_t nr = n + p->s1 + p->s2 + 1;
        for (int64_t c0 = 0; c0 < nlines; c0 += per) {
            int64_t lc = nlines - c0 < per ? nlines - c0 : per;
            double *x = work + c0 * n;
            for (int64_t l = 0; l < lc; l++)
                for (int64_t i = 0; i < n; i++)
                    w->col[i * lc + l] = x[l * n + i];
            for (int64_t e = 0; e < nr; e++)
                w->rows[e] = w->col + reflect(e - p->s1, n) * lc;
            bool valid = false;
            filter_rows(p, s->int_box, w->tbuf, n, lc, w->rows, w->tmp, &valid);
            for (int64_t l = 0; l < lc; l++)
                for (int64_t i = 0; i < n; i++)
                    x[l * n + i] = w->tbuf[i * lc + l];
        }
        return;
    }
    if (in == 1) {
        /* the last axis: lines one after another */
        int64_t nlines = total / n, l = 0;
        if (p->uniform && !s->int_box)
            for (; l + 8 <= nlines; l += 8)
                box_lines8(work + l * n, n, n, p->s1, p->s2, w->ext);
        for (; l < nlines; l++)
            filter_line(p, s->int_box, work + l * n, n, w->ext, w->rows);
        return;
    }
    /* a middle axis: each (n x in) matrix is filtered down its rows, all columns at once */
    int64_t nmat = total / (n * in), nr = n + p->s1 + p->s2 + 1;
    const double **rp = w->rows;
    for (int64_t o = 0; o < nmat; o++) {
        double *m = work + o * n * in;
        memcpy(w->col, m, sizeof(double) * (size_t)(n * in));
        for (int64_t e = 0; e < nr; e++)
            rp[e] = w->col + reflect(e - p->s1, n) * in;
        bool valid = false;
        filter_rows(p, s->int_box, m, n, in, rp, w->tmp, &valid);
    }
}

/* ---- conversions between the dtype and double ---------------------------------- */

#define DEF_LOAD(NAME, T)                                                                                    \
    IMG_CLONES static void NAME(double *restrict d, const T *restrict x, int64_t n)                          \
    {                                                                                                        \
        for (int64_t i = 0; i < n; i++)                                                                      \
            d[i] = (double)x[i];                                                                             \
    }
DEF_LOAD(load_u8, uint8_t)
DEF_LOAD(load_i8, int8_t)
DEF_LOAD(load_u16, uint16_t)
DEF_LOAD(load_i16, int16_t)
DEF_LOAD(load_i32, int32_t)
DEF_LOAD(load_f32, float)

/* n values of dtype t (bool as its bytes) as doubles. */
static void load_row(double *d, const void *x, td_dtype t, int64_t n)
{
    switch (t) {
    case TD_BOOL:
    case TD_UINT8: load_u8(d, x, n); break;
    case TD_INT8: load_i8(d, x, n); break;
    case TD_UINT16: load_u16(d, x, n); break;
    case TD_INT16: load_i16(d, x, n); break;
    case TD_INT32: load_i32(d, x, n); break;
    case TD_FLOAT32: load_f32(d, x, n); break;
    case TD_FLOAT64: memcpy(d, x, sizeof(double) * (size_t)n); break;
    default: nd_convert(d, TD_FLOAT64, x, t, n); break;
    }
}

/* Whether every value truncates into (lo, hi) exclusive: then the C cast
 * is a plain truncation and the fast paths below apply. */
IMG_CLONES static bool all_within(const double *restrict x, int64_t n, double lo, double hi)
{
    int ok = 1;
    for (int64_t i = 0; i < n; i++)
        ok &= (x[i] > lo) & (x[i] < hi);
    return ok != 0;
}

IMG_CLONES static void trunc_i32(double *restrict x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = (double)(int32_t)x[i];
}

IMG_CLONES static void round_f32(double *restrict x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = (double)(float)x[i];
}

#define DEF_STORE(NAME, T)                                                                                   \
    IMG_CLONES static void NAME(T *restrict d, const double *restrict x, int64_t n)                          \
    {                                                                                                        \
        for (int64_t i = 0; i < n; i++)                                                                      \
            d[i] = (T)(int32_t)x[i];                                                                         \
    }
DEF_STORE(store_u8, uint8_t)
DEF_STORE(store_i8, int8_t)
DEF_STORE(store_u16, uint16_t)
DEF_STORE(store_i16, int16_t)
DEF_STORE(store_i32, int32_t)

/* The open interval of doubles that truncate into a small integer dtype. */
static bool small_int_range(td_dtype t, double *lo, double *hi)
{
    switch (t) {
    case TD_BOOL:
    case TD_UINT8: *lo = -1.0, *hi = 256.0; return true;
    case TD_INT8: *lo = -129.0, *hi = 128.0; return true;
    case TD_UINT16: *lo = -1.0, *hi = 65536.0; return true;
    case TD_INT16: *lo = -32769.0, *hi = 32768.0; return true;
    case TD_INT32: *lo = -2147483649.0, *hi = 2147483648.0; return true;
    default: return false;
    }
}

/* Stores x into the dtype and reads it back, in place. */
static void quantise(double *x, int64_t n, td_dtype t, void *qbuf)
{
    double lo, hi;
    if (t == TD_FLOAT64)
        return;
    if (t == TD_FLOAT32) {
        round_f32(x, n);
        return;
    }
    if (small_int_range(t, &lo, &hi) && all_within(x, n, lo, hi)) {
        trunc_i32(x, n);
        return;
    }
    t = storage_dtype(t);
    for (int64_t i = 0; i < n; i += QCHUNK) {
        int64_t m = n - i < QCHUNK ? n - i : QCHUNK;
        nd_convert(qbuf, t, x + i, TD_FLOAT64, m);
        nd_convert(x + i, TD_FLOAT64, qbuf, t, m);
    }
}

/* Writes n doubles into the image dtype (bool as scipy's byte, then 0/1). */
static void store_out(void *dst, td_dtype t, const double *x, int64_t n, bool in_range)
{
    double lo, hi;
    bool fast = small_int_range(t, &lo, &hi) && t != TD_BOOL && (in_range || all_within(x, n, lo, hi));
    if (fast) {
        switch (t) {
        case TD_UINT8: store_u8(dst, x, n); return;
        case TD_INT8: store_i8(dst, x, n); return;
        case TD_UINT16: store_u16(dst, x, n); return;
        case TD_INT16: store_i16(dst, x, n); return;
        case TD_INT32: store_i32(dst, x, n); return;
        default: break;
        }
    }
    nd_convert(dst, storage_dtype(t), x, TD_FLOAT64, n);
    if (t == TD_BOOL) {
        uint8_t *b = dst;
        for (int64_t i = 0; i < n; i++)
            b[i] = b[i] != 0;
    }
}

/* Row pointers for axis-0 rows e0 .. e1 - 1 of the extended axis (ext row e
 * is image row reflect(e - s1)): into the image for float64, else converted
 * into the stage. rows[i] is ext row e0 + i. */
static void stage_rows(const img_sep *s, img_sep_work *w, const void *src, int64_t s1, int64_t e0, int64_t e1)
{
    size_t isz = td_dtype_size(s->dtype);
    for (int64_t e = e0; e < e1; e++) {
        int64_t row = reflect(e - s1, s->dim[0]);
        const char *x = (const char *)src + (size_t)(row * s->inner) * isz;
        if (s->dtype == TD_FLOAT64) {
            w->rows[e - e0] = (const double *)(const void *)x;
        } else {
            double *d = w->stage + (e - e0) * s->inner;
            load_row(d, x, s->dtype, s->inner);
            w->rows[e - e0] = d;
        }
    }
}

void img_sep_band(const img_sep *s, img_sep_work *w, const void *src, int64_t a, int64_t b, double *carry,
                  bool *carry_valid, bool quant_last)
{
    int64_t inner = s->inner, nrows = b - a;
    double *work = w->work;
    int first = 0;
    if (!carry)
        carry = w->carry;
    if (s->npass > 0 && s->pass[0].axis == 0) {
        const img_pass *p = &s->pass[0];
        int64_t size = p->s1 + p->s2 + 1;
        if (p->uniform) {
            bool cont = *carry_valid && a > 0;
            int64_t e0 = cont ? a - 1 : a;
            stage_rows(s, w, src, p->s1, e0, b - 1 + size);
            /* rp[k] is ext row a + k, so an output row r reads rp[r .. r + size - 1] */
            const double *const *rp = w->rows + (cont ? 1 : 0);
            bool valid = cont;
            filter_rows(p, s->int_box, work, nrows, inner, rp, carry, &valid);
            *carry_valid = true;
        } else {
            stage_rows(s, w, src, p->s1, a, b - 1 + size);
            filter_rows(p, false, work, nrows, inner, w->rows, NULL, NULL);
        }
        first = 1;
        if ((s->npass > 1 || quant_last) && !s->int_box)
            quantise(work, nrows * inner, s->dtype, w->qbuf);
    } else {
        size_t isz = td_dtype_size(s->dtype);
        load_row(work, (const char *)src + (size_t)(a * inner) * isz, s->dtype, nrows * inner);
    }
    for (int pi = first; pi < s->npass; pi++) {
        band_pass(s, w, &s->pass[pi], work, nrows);
        if ((pi + 1 < s->npass || quant_last) && !s->int_box)
            quantise(work, nrows * inner, s->dtype, w->qbuf);
    }
}

void img_sep_warm(const img_sep *s, img_sep_work *w, const void *src, int64_t b, double *carry)
{
    const img_pass *p = &s->pass[0];
    int64_t size = p->s1 + p->s2 + 1, inner = s->inner;
    if (b <= 0)
        return;
    size_t isz = td_dtype_size(s->dtype);
    double *sa = w->stage, *sb = w->stage + inner;
#define ROW(e) ((const char *)src + (size_t)(reflect((e)-p->s1, s->dim[0]) * inner) * isz)
    for (int64_t j = 0; j < inner; j++)
        carry[j] = 0.0;
    for (int64_t e = 0; e < size; e++) {
        load_row(sa, ROW(e), s->dtype, inner);
        for (int64_t j = 0; j < inner; j++)
            carry[j] += sa[j];
    }
    for (int64_t r = 1; r < b; r++) {
        load_row(sa, ROW(r - 1 + size), s->dtype, inner);
        load_row(sb, ROW(r - 1), s->dtype, inner);
        box_advance(carry, sa, sb, inner);
    }
#undef ROW
}

/* ---- Thunder's parameter rules -------------------------------------------------- */

int img_filter_sizes(int nd, int nsize, const int64_t *size, int64_t *out, bool *planes, td_err *err)
{
    *planes = false;
    if (nsize < 1)
        return td_err_set(err, TD_EVALUE, "size must be an integer or a sequence of integers");
    if (nd == 3) {
        int64_t s3[3];
        for (int k = 0; k < 3; k++)
            s3[k] = nsize == 1 ? size[0] : (k < nsize ? size[k] : 0);
        if (nsize != 1 && nsize < 3)
            return td_err_set(err, TD_EINDEX, "tuple index out of range");
        if (s3[2] == 0) {
            /* Thunder filters each z plane with size[:2] */
            *planes = true;
            out[0] = s3[0];
            out[1] = s3[1];
            out[2] = 1;
            return 0;
        }
        if (nsize != 1 && nsize != 3)
            return td_err_set(err, TD_ERUNTIME, "sequence argument must have length equal to input rank");
        memcpy(out, s3, sizeof s3);
        return 0;
    }
    if (nsize != 1 && nsize != nd)
        return td_err_set(err, TD_ERUNTIME, "sequence argument must have length equal to input rank");
    for (int k = 0; k < nd; k++)
        out[k] = nsize == 1 ? size[0] : size[k];
    return 0;
}

/* ---- running the separable filters over Images ------------------------------------ */

struct sep_run {
    const img_sep *plan;
    const nd_array *in;
    nd_array *out;
    int64_t groups; /* bands of one image are split into this many items */
    int64_t nbands;
    img_sep_work *work; /* per thread */
};

static int sep_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct sep_run *c = p;
    const img_sep *s = c->plan;
    img_sep_work *w = &c->work[thread];
    int64_t imgsize = s->dim[0] * s->inner;
    size_t isz = td_dtype_size(s->dtype);
    for (int64_t it = begin; it < end; it++) {
        int64_t img = it / c->groups, g = it % c->groups;
        int64_t b0 = g * c->nbands / c->groups, b1 = (g + 1) * c->nbands / c->groups;
        const char *src = (const char *)c->in->data + (size_t)(img * imgsize) * isz;
        char *dst = (char *)c->out->data + (size_t)(img * imgsize) * isz;
        bool valid = false;
        for (int64_t bi = b0; bi < b1; bi++) {
            int64_t a = bi * s->band, b = a + s->band < s->dim[0] ? a + s->band : s->dim[0];
            img_sep_band(s, w, src, a, b, NULL, &valid, false);
            /* box filters of small integers give means of the dtype's values */
            store_out(dst + (size_t)(a * s->inner) * isz, s->dtype, w->work, (b - a) * s->inner, s->int_box);
        }
    }
    return 0;
}

/* Splits into groups of bands only when there are few images and the bands
 * can start anywhere with scipy's bits. */
static int64_t choose_groups(const img_sep *s, int64_t nimages, int64_t nbands)
{
    int threads = td_par_threads();
    bool axis0_uniform = s->npass > 0 && s->pass[0].axis == 0 && s->pass[0].uniform;
    if (nimages >= 2 * (int64_t)threads || (axis0_uniform && !s->restartable))
        return 1;
    int64_t g = (2 * (int64_t)threads + nimages - 1) / nimages;
    return g < nbands ? g : nbands;
}

static td_images *run_sep(const td_images *d, const img_sep *s, td_err *err)
{
    const nd_array *v = d->values;
    int64_t n = v->shape[0];
    nd_array *out = NULL;
    if (s->npass == 0) {
        /* scipy copies the input when no axis is filtered */
        return data_with_values(d, d->values, err);
    }
    out = nd_new(v->dtype, v->ndim, v->shape, err);
    if (!out)
        return NULL;
    int threads = td_par_threads();
    img_sep_work *work = calloc((size_t)threads, sizeof *work);
    td_images *r = NULL;
    if (!work) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    for (int t = 0; t < threads; t++)
        if (img_sep_work_init(s, &work[t], err) < 0)
            goto done;
    struct sep_run c = {s, v, out, 1, 0, work};
    c.nbands = s->dim[0] > 0 ? (s->dim[0] + s->band - 1) / s->band : 0;
    c.groups = choose_groups(s, n, c.nbands);
    if (c.nbands > 0 && s->inner > 0 && td_par_for(n * c.groups, 1, sep_kernel, &c, err) < 0)
        goto done;
    r = data_with_values(d, out, err);
done:
    if (work)
        for (int t = 0; t < threads; t++)
            img_sep_work_free(&work[t]);
    free(work);
    nd_release(out);
    return r;
}

static int image_geometry(const td_images *d, int *nd, int64_t *dim)
{
    const nd_array *v = d->values;
    *nd = v->ndim - 1;
    for (int k = 0; k < *nd; k++)
        dim[k] = v->shape[k + 1];
    return 0;
}

td_images *img_gaussian_filter(const td_images *d, int nsigma, const double *sigma, int norder,
                               const int64_t *order, td_err *err)
{
    int nd;
    int64_t dim[ND_MAXDIM], ord[ND_MAXDIM];
    double sig[ND_MAXDIM];
    image_geometry(d, &nd, dim);
    if ((nsigma != 1 && nsigma != nd) || (norder != 1 && norder != nd)) {
        td_err_set(err, TD_ERUNTIME, "sequence argument must have length equal to input rank");
        return NULL;
    }
    for (int k = 0; k < nd; k++) {
        sig[k] = sigma[nsigma == 1 ? 0 : k];
        ord[k] = order[norder == 1 ? 0 : k];
    }
    img_sep s;
    if (img_sep_gauss(&s, d->values->dtype, nd, dim, sig, ord, err) < 0)
        return NULL;
    td_images *r = run_sep(d, &s, err);
    img_sep_free(&s);
    return r;
}

td_images *img_uniform_filter(const td_images *d, int nsize, const int64_t *size, td_err *err)
{
    int nd;
    int64_t dim[ND_MAXDIM], sz[ND_MAXDIM];
    bool planes;
    image_geometry(d, &nd, dim);
    if (img_filter_sizes(nd, nsize, size, sz, &planes, err) < 0)
        return NULL;
    img_sep s;
    if (img_sep_uniform(&s, d->values->dtype, nd, dim, sz, err) < 0)
        return NULL;
    td_images *r = run_sep(d, &s, err);
    img_sep_free(&s);
    return r;
}

/* ---- median ------------------------------------------------------------------------- */

/* Lanes processed together by the selection networks, in bytes. */
#define MED_VBYTES 128
/* Windows up to this many elements use a selection network. */
#define MED_NET_MAX 64
#define MED_NET_CAP 600

typedef struct med_plan {
    td_dtype dtype;
    int nd;
    int64_t dim[ND_MAXDIM];
    int64_t k[ND_MAXDIM], h[ND_MAXDIM]; /* window length and offset of its centre */
    int64_t n, rank;
    int64_t band;
    int64_t pdim[ND_MAXDIM];    /* padded band: band + k0 - 1 rows, dim + k - 1 elsewhere */
    int64_t pstride[ND_MAXDIM]; /* element strides of the padded band */
    int64_t psize;              /* elements of the padded band, plus slack for whole lane groups */
    int64_t *off;               /* window offsets in the padded band */
    int nce;
    uint8_t (*ce)[2]; /* the selection network, or NULL: quickselect */
    int lanes;
} med_plan;

/* Batcher's odd-even merge sort on the next power of two, keeping the
 * comparators among the first n wires (the rest hold +inf and never swap),
 * then only those the output wire `rank` depends on. */
static int build_network(int n, int rank, uint8_t (*ce)[2], int cap)
{
    int p2 = 1;
    while (p2 < n)
        p2 <<= 1;
    static const int MAXC = 2048;
    uint8_t(*all)[2] = malloc(sizeof(*all) * (size_t)MAXC);
    if (!all)
        return -1;
    int m = 0;
    for (int p = 1; p < p2; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j + k < p2; j += 2 * k)
                for (int i = 0; i < k && i + j + k < p2; i++)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
                        int lo = i + j, hi = i + j + k;
                        if (hi < n && m < MAXC) {
                            all[m][0] = (uint8_t)lo;
                            all[m][1] = (uint8_t)hi;
                            m++;
                        }
                    }
    bool need[MED_NET_MAX] = {false};
    bool keep[2048] = {false};
    need[rank] = true;
    int kept = 0;
    for (int c = m - 1; c >= 0; c--)
        if (need[all[c][0]] || need[all[c][1]]) {
            need[all[c][0]] = need[all[c][1]] = true;
            keep[c] = true;
            kept++;
        }
    if (kept > cap) {
        free(all);
        return -1;
    }
    int o = 0;
    for (int c = 0; c < m; c++)
        if (keep[c]) {
            ce[o][0] = all[c][0];
            ce[o][1] = all[c][1];
            o++;
        }
    free(all);
    return o;
}

/* One network application per type: v holds n rows of L lanes. */
#define DEF_NET(NAME, T)                                                                                     \
    static inline void NAME##_ce(T *restrict a, T *restrict b)                                               \
    {                                                                                                        \
        for (int l = 0; l < (int)(MED_VBYTES / sizeof(T)); l++) {                                            \
            T x = a[l], y = b[l];                                                                            \
            a[l] = y < x ? y : x;                                                                            \
            b[l] = y < x ? x : y;                                                                            \
        }                                                                                                    \
    }                                                                                                        \
    IMG_CLONES static void NAME(void *vp, const uint8_t(*ce)[2], int nce)                                    \
    {                                                                                                        \
        T *v = vp;                                                                                           \
        const int L = (int)(MED_VBYTES / sizeof(T));                                                         \
        for (int c = 0; c < nce; c++)                                                                        \
            NAME##_ce(v + ce[c][0] * L, v + ce[c][1] * L);                                                   \
    }
DEF_NET(net_u8, uint8_t)
DEF_NET(net_i8, int8_t)
DEF_NET(net_u16, uint16_t)
DEF_NET(net_i16, int16_t)
DEF_NET(net_u32, uint32_t)
DEF_NET(net_i32, int32_t)
DEF_NET(net_f32, float)
DEF_NET(net_f64, double)

typedef void (*net_fn)(void *, const uint8_t (*)[2], int);

static net_fn network_for(td_dtype t)
{
    switch (t) {
    case TD_BOOL:
    case TD_UINT8: return net_u8;
    case TD_INT8: return net_i8;
    case TD_UINT16: return net_u16;
    case TD_INT16: return net_i16;
    case TD_UINT32: return net_u32;
    case TD_INT32: return net_i32;
    case TD_FLOAT32: return net_f32;
    case TD_FLOAT64: return net_f64;
    default: return NULL; /* 64-bit integers: scipy selects in double, so quickselect does too */
    }
}

/* scipy's selection: Hoare partitions around the first element. */
static double select_rank(double *b, int64_t lo, int64_t hi, int64_t rank)
{
    for (;;) {
        if (lo == hi)
            return b[lo];
        double x = b[lo];
        int64_t i = lo - 1, j = hi + 1;
        for (;;) {
            do
                j--;
            while (b[j] > x);
            do
                i++;
            while (b[i] < x);
            if (i < j) {
                double t = b[i];
                b[i] = b[j];
                b[j] = t;
            } else {
                break;
            }
        }
        int64_t cnt = j - lo + 1;
        if (rank < cnt) {
            hi = j;
        } else {
            rank -= cnt;
            lo = j + 1;
        }
    }
}

struct med_run {
    const med_plan *m;
    const nd_array *in;
    nd_array *out;
    int64_t groups, nbands;
    void **scratch; /* per thread: padded band, lanes, select buffer */
};

/* Fills the padded band for output rows [a, b). */
static void med_pad(const med_plan *m, const char *src, int64_t a, int64_t b, char *pad)
{
    size_t isz = td_dtype_size(m->dtype);
    int nd = m->nd, last = nd - 1;
    int64_t rows = b - a + m->k[0] - 1;
    /* iterate over every padded line (all axes but the last) */
    int64_t idx[ND_MAXDIM] = {0};
    int64_t nlines = rows;
    for (int i = 1; i < last; i++)
        nlines *= m->pdim[i];
    int64_t sstride[ND_MAXDIM];
    sstride[nd - 1] = 1;
    for (int i = nd - 2; i >= 0; i--)
        sstride[i] = sstride[i + 1] * m->dim[i + 1];
    int64_t plen = m->pdim[last], n = m->dim[last], hl = m->h[last];
    for (int64_t li = 0; li < nlines; li++) {
        int64_t soff = reflect(a + idx[0] - m->h[0], m->dim[0]) * sstride[0];
        int64_t poff = idx[0] * m->pstride[0];
        for (int i = 1; i < last; i++) {
            soff += reflect(idx[i] - m->h[i], m->dim[i]) * sstride[i];
            poff += idx[i] * m->pstride[i];
        }
        const char *s = src + (size_t)soff * isz;
        char *p = pad + (size_t)poff * isz;
        if (n >= hl && n >= plen - n - hl) {
            for (int64_t q = 0; q < hl; q++)
                memcpy(p + (size_t)q * isz, s + (size_t)(hl - 1 - q) * isz, isz);
            memcpy(p + (size_t)hl * isz, s, (size_t)n * isz);
            for (int64_t q = hl + n; q < plen; q++)
                memcpy(p + (size_t)q * isz, s + (size_t)(2 * n - 1 - (q - hl)) * isz, isz);
        } else {
            for (int64_t q = 0; q < plen; q++)
                memcpy(p + (size_t)q * isz, s + (size_t)reflect(q - hl, n) * isz, isz);
        }
        /* next line index */
        for (int i = last - 1; i >= 0; i--) {
            int64_t lim = i == 0 ? rows : m->pdim[i];
            if (++idx[i] < lim)
                break;
            idx[i] = 0;
        }
    }
}

/* The networks over a padded band: every window origin of the band in
 * order, a lane group at a time, across line ends (so short lines, such
 * as a volume's 16 planes, fill whole groups); origins in the padding
 * compute values nobody stores. dst is the band's first output row. */
static void med_net_band(const med_plan *m, net_fn net, const char *pad, char *lanes, char *dst, int64_t rows)
{
    size_t isz = td_dtype_size(m->dtype);
    int last = m->nd - 1, L = m->lanes;
    int64_t plen = m->pdim[last], xlen = m->dim[last];
    int64_t per_row = m->pstride[0] / plen;          /* padded lines in one padded row of axis 0 */
    int64_t end = (rows - 1) * m->pstride[0] + xlen; /* one past the last origin */
    for (int i = 1; i < last; i++)
        end += (m->dim[i] - 1) * m->pstride[i];
    for (int64_t P = 0; P < end; P += L) {
        for (int64_t wi = 0; wi < m->n; wi++)
            memcpy(lanes + (size_t)wi * MED_VBYTES, pad + (size_t)(P + m->off[wi]) * isz, MED_VBYTES);
        net(lanes, (const uint8_t(*)[2])m->ce, m->nce);
        const char *res = lanes + (size_t)m->rank * MED_VBYTES;
        for (int64_t pl = P / plen; pl * plen < P + L && pl * plen < end; pl++) {
            int64_t ls = pl * plen;
            int64_t lo = P > ls ? P : ls, hi = P + L < ls + xlen ? P + L : ls + xlen;
            if (lo >= hi)
                continue;
            /* which output line: the padded line's coordinates must all be inside the image */
            int64_t rem = pl % per_row, oline = 0, scale = 1;
            bool inside = true;
            for (int i = last - 1; i >= 1; i--) {
                int64_t c = rem % m->pdim[i];
                rem /= m->pdim[i];
                inside = inside && c < m->dim[i];
                oline += c * scale;
                scale *= m->dim[i];
            }
            if (!inside)
                continue;
            oline += (pl / per_row) * scale;
            memcpy(dst + (size_t)(oline * xlen + (lo - ls)) * isz, res + (size_t)(lo - P) * isz,
                   (size_t)(hi - lo) * isz);
        }
    }
}

static int med_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct med_run *c = p;
    const med_plan *m = c->m;
    size_t isz = td_dtype_size(m->dtype);
    int nd = m->nd, last = nd - 1;
    int64_t inner = 1;
    for (int i = 1; i < nd; i++)
        inner *= m->dim[i];
    int64_t imgsize = m->dim[0] * inner;
    char *pad = c->scratch[thread];
    char *lanes = pad + (((size_t)m->psize * isz + 63) / 64 * 64);
    double *sel = (double *)(void *)(lanes + (size_t)MED_NET_MAX * MED_VBYTES);
    net_fn net = m->ce ? network_for(m->dtype) : NULL;
    td_dtype st = storage_dtype(m->dtype);
    int64_t xlen = m->dim[last];
    for (int64_t it = begin; it < end; it++) {
        int64_t img = it / c->groups, g = it % c->groups;
        int64_t b0 = g * c->nbands / c->groups, b1 = (g + 1) * c->nbands / c->groups;
        const char *src = (const char *)c->in->data + (size_t)(img * imgsize) * isz;
        char *dst = (char *)c->out->data + (size_t)(img * imgsize) * isz;
        for (int64_t bi = b0; bi < b1; bi++) {
            int64_t a = bi * m->band, b = a + m->band < m->dim[0] ? a + m->band : m->dim[0];
            med_pad(m, src, a, b, pad);
            if (net) {
                med_net_band(m, net, pad, lanes, dst + (size_t)(a * inner) * isz, b - a);
                continue;
            }
            /* every output line of the band, in C order, so consecutive in dst */
            int64_t nlines = xlen > 0 ? (b - a) * (inner / xlen) : 0;
            int64_t idx[ND_MAXDIM] = {0};
            for (int64_t li = 0; li < nlines; li++) {
                int64_t base = 0;
                for (int i = 0; i < last; i++)
                    base += idx[i] * m->pstride[i];
                int64_t orow = a * inner + li * xlen;
                int64_t count = xlen;
                for (int64_t x = 0; x < count; x++) {
                    const char *q = pad + (size_t)(base + x) * isz;
                    for (int64_t wi = 0; wi < m->n; wi++)
                        nd_convert(sel + wi, TD_FLOAT64, q + (size_t)m->off[wi] * isz, st, 1);
                    double v = select_rank(sel, 0, m->n - 1, m->rank);
                    nd_convert(dst + (size_t)(orow + x) * isz, st, &v, TD_FLOAT64, 1);
                }
                for (int i = last - 1; i >= 0; i--) {
                    int64_t lim = i == 0 ? b - a : m->dim[i];
                    if (++idx[i] < lim)
                        break;
                    idx[i] = 0;
                }
            }
        }
    }
    (void)err;
    return 0;
}

td_images *img_median_filter(const td_images *d, int nsize, const int64_t *size, td_err *err)
{
    const nd_array *v = d->values;
    med_plan m;
    memset(&m, 0, sizeof m);
    bool planes;
    image_geometry(d, &m.nd, m.dim);
    m.dtype = v->dtype;
    if (img_filter_sizes(m.nd, nsize, size, m.k, &planes, err) < 0)
        return NULL;
    /* numpy.ones(sizes) refuses negative sizes; scipy then any empty axis */
    for (int i = 0; i < m.nd; i++)
        if (m.k[i] < 0) {
            td_err_set(err, TD_EVALUE, "negative dimensions are not allowed");
            return NULL;
        }
    for (int i = 0; i < m.nd; i++)
        if (m.k[i] == 0) {
            td_err_set(err, TD_ERUNTIME, "filter footprint array has incorrect shape.");
            return NULL;
        }
    m.n = 1;
    for (int i = 0; i < m.nd; i++) {
        m.h[i] = m.k[i] / 2;
        if (__builtin_mul_overflow(m.n, m.k[i], &m.n) || m.n > ((int64_t)1 << 24)) {
            td_err_set(err, TD_EMEMORY, "median_filter: the window is too large");
            return NULL;
        }
    }
    m.rank = m.n / 2;
    if (m.n == 1)
        return data_with_values(d, d->values, err);
    if (m.nd == 1) {
        /* one image axis: seen as (1, length), so there is always a line axis and a row axis */
        m.nd = 2;
        m.dim[1] = m.dim[0];
        m.k[1] = m.k[0];
        m.h[1] = m.h[0];
        m.dim[0] = 1;
        m.k[0] = 1;
        m.h[0] = 0;
    }
    int64_t n0 = m.dim[0] > 0 ? m.dim[0] : 1;
    int64_t rowel = 1;
    for (int i = 1; i < m.nd; i++)
        rowel *= m.dim[i] + m.k[i] - 1;
    size_t isz = td_dtype_size(m.dtype);
    int64_t band = (int64_t)(BAND_BYTES / (isz * (size_t)(rowel > 0 ? rowel : 1)));
    if (band < 1)
        band = 1;
    if (band > n0)
        band = n0;
    m.band = band;
    m.pdim[0] = band + m.k[0] - 1;
    for (int i = 1; i < m.nd; i++)
        m.pdim[i] = m.dim[i] + m.k[i] - 1;
    m.pstride[m.nd - 1] = 1;
    for (int i = m.nd - 2; i >= 0; i--)
        m.pstride[i] = m.pstride[i + 1] * m.pdim[i + 1];
    m.lanes = (int)(MED_VBYTES / isz);
    m.psize = m.pstride[0] * m.pdim[0] + m.lanes;
    /* window offsets in the padded band, in C order of the window */
    m.off = malloc(sizeof(int64_t) * (size_t)m.n);
    uint8_t(*ce)[2] = malloc(sizeof(*ce) * MED_NET_CAP);
    void **scratch = NULL;
    nd_array *out = NULL;
    td_images *r = NULL;
    int threads = td_par_threads();
    if (!m.off || !ce) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    for (int64_t wi = 0; wi < m.n; wi++) {
        int64_t rem = wi, o = 0;
        for (int i = m.nd - 1; i >= 0; i--) {
            o += (rem % m.k[i]) * m.pstride[i];
            rem /= m.k[i];
        }
        m.off[wi] = o;
    }
    if (network_for(m.dtype) && m.n <= MED_NET_MAX) {
        int nce = build_network((int)m.n, (int)m.rank, ce, MED_NET_CAP);
        if (nce >= 0) {
            m.ce = ce;
            m.nce = nce;
        }
    }
    out = nd_new(v->dtype, v->ndim, v->shape, err);
    scratch = calloc((size_t)threads, sizeof *scratch);
    if (!out || !scratch) {
        if (out)
            td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    size_t bytes;
    if (td_mul_overflows((size_t)m.psize, isz, &bytes) ||
        __builtin_add_overflow(bytes, (size_t)MED_NET_MAX * MED_VBYTES + 128 + sizeof(double) * (size_t)m.n,
                               &bytes)) {
        td_err_set(err, TD_EMEMORY, "median_filter scratch too large");
        goto done;
    }
    for (int t = 0; t < threads; t++) {
        if (!(scratch[t] = td_scratch_alloc(bytes, err)))
            goto done;
        /* lanes past a line's end read the slack: keep it initialised */
        memset(scratch[t], 0, bytes);
    }
    struct med_run c = {&m, v, out, 1, 0, scratch};
    c.nbands = m.dim[0] > 0 ? (m.dim[0] + band - 1) / band : 0;
    int64_t nimg = v->shape[0];
    if (nimg < 2 * (int64_t)threads && c.nbands > 1) {
        int64_t g = (2 * (int64_t)threads + nimg - 1) / nimg;
        c.groups = g < c.nbands ? g : c.nbands;
    }
    if (v->size > 0 && td_par_for(nimg * c.groups, 1, med_kernel, &c, err) < 0)
        goto done;
    r = data_with_values(d, out, err);
done:
    if (scratch)
        for (int t = 0; t < threads; t++)
            td_scratch_free(scratch[t]);
    free(scratch);
    free(ce);
    free(m.off);
    nd_release(out);
    return r;
}

/* Series: statistics within records (center, standardize, zscore, the
 * seed's series_* statistics), squelch, correlate, mean_by_panel, and the
 * helpers every ser_*.c file shares.
 *
 * Thunder computes these by mapping numpy over each record, so the
 * arithmetic here follows numpy's for one 1-D record: float32 records are
 * computed in float32 (pairwise sums, then float32 subtraction and
 * division), everything else in float64. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "ser_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- sums as numpy adds them --------------------------------------------------- */

float ser_sum_f32(const float *a, int64_t n)
{
    float s = 0;
    for (int64_t i = 0; i < n; i += SER_BLOCK)
        s += nd_pairwise_f32(a + i, n - i < SER_BLOCK ? n - i : SER_BLOCK);
    return s;
}

double ser_sum_f64(const double *a, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i += SER_BLOCK)
        s += nd_pairwise_f64(a + i, n - i < SER_BLOCK ? n - i : SER_BLOCK);
    return s;
}

/* ---- shared helpers ------------------------------------------------------------- */

void ser_stream_copy(void *dst, const void *src, size_t n)
{
#ifdef __SSE2__
    char *d = dst;
    const char *s = src;
    size_t head = (16 - ((uintptr_t)d & 15)) & 15;
    if (head > n)
        head = n;
    memcpy(d, s, head);
    d += head;
    s += head;
    n -= head;
    for (; n >= 16; n -= 16, d += 16, s += 16)
        _mm_stream_si128((__m128i *)(void *)d, _mm_loadu_si128((const __m128i *)(const void *)s));
    memcpy(d, s, n);
#else
    memcpy(dst, src, n);
#endif
}

void ser_stream_fence(void)
{
#ifdef __SSE2__
    _mm_sfence();
#endif
}

SER_HOT double ser_dot(const double *a, const double *b, int64_t n)
{
    double s[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            s[k] += a[i + k] * b[i + k];
    double r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++)
        r += a[i] * b[i];
    return r;
}

const void *ser_record_as(const td_series *d, int64_t i, td_dtype ct, void *buf)
{
    const void *p = data_record(d, i);
    if (data_dtype(d) == ct)
        return p;
    nd_convert(buf, ct, p, data_dtype(d), ser_length(d));
    return buf;
}

nd_array *ser_values_new(const td_series *d, td_dtype t, int64_t len, td_err *err)
{
    int64_t shape[ND_MAXDIM];
    int nd = data_ndim(d);
    memcpy(shape, data_shape(d), sizeof(int64_t) * (size_t)nd);
    shape[nd - 1] = len;
    return nd_new(t, nd, shape, err);
}

td_series *ser_result(const td_series *d, nd_array *values, nd_array *index, td_strtab *names, td_err *err)
{
    td_series *r = ser_fromarray(values, index, err);
    if (!r)
        return NULL;
    if (names)
        r->index_names = td_strtab_retain(names);
    if (d->labels) {
        td_series *wl = data_with_labels(r, d->labels, err);
        data_release(r);
        r = wl;
    }
    return r;
}

td_series *ser_result_strs(const td_series *d, nd_array *values, int n, const char *const *strs, td_err *err)
{
    int64_t codes[16];
    if (n > 16) {
        td_err_set(err, TD_EVALUE, "too many index strings");
        return NULL;
    }
    td_strtab *t = td_strtab_new(n, strs, codes, err);
    if (!t)
        return NULL;
    int64_t len = n;
    nd_array *idx = nd_from_buffer(TD_INT64, 1, &len, codes, err);
    td_series *r = idx ? ser_result(d, values, idx, t, err) : NULL;
    nd_release(idx);
    td_strtab_release(t);
    return r;
}

td_series *ser_result_same_index(const td_series *d, nd_array *values, td_err *err)
{
    return ser_result(d, values, d->index, d->index_names, err);
}

/* ---- flatten --------------------------------------------------------------------- */

td_series *ser_flatten(const td_series *d, td_err *err)
{
    int64_t shape[2] = {data_nrecords(d), ser_length(d)};
    return data_reshape(d, 2, shape, err);
}

/* ---- center, standardize, zscore ---------------------------------------------------- */

enum { SCALE_CENTER, SCALE_STANDARDIZE, SCALE_ZSCORE };

/* numpy's mean and var of one record in T, then the scaled record in T.
 * tmp holds n values (the squared deviations, as numpy materialises them). */
#define DEF_SCALE(SUF, T, SUM, SQRT)                                                                         \
    static T mean_##SUF(const T *x, int64_t n)                                                               \
    {                                                                                                        \
        return (T)(SUM(x, n) / (T)n);                                                                        \
    }                                                                                                        \
    SER_HOT static T std_##SUF(const T *x, int64_t n, T m, T *tmp)                                           \
    {                                                                                                        \
        for (int64_t i = 0; i < n; i++) {                                                                    \
            T e = x[i] - m;                                                                                  \
            tmp[i] = e * e;                                                                                  \
        }                                                                                                    \
        return SQRT((T)(SUM(tmp, n) / (T)n));                                                                \
    }                                                                                                        \
    SER_HOT static void scale_##SUF(const T *x, T *y, int64_t n, int mode, T m, T s)                         \
    {                                                                                                        \
        if (mode == SCALE_CENTER) {                                                                          \
            for (int64_t i = 0; i < n; i++)                                                                  \
                y[i] = x[i] - m;                                                                             \
        } else if (mode == SCALE_STANDARDIZE) {                                                              \
            for (int64_t i = 0; i < n; i++)                                                                  \
                y[i] = x[i] / s;                                                                             \
        } else {                                                                                             \
            for (int64_t i = 0; i < n; i++)                                                                  \
                y[i] = (x[i] - m) / s;                                                                       \
        }                                                                                                    \
    }

DEF_SCALE(f32, float, ser_sum_f32, sqrtf)
DEF_SCALE(f64, double, ser_sum_f64, sqrt)

#ifdef __SSE2__
/* The same arithmetic (IEEE, one operation at a time, so the same bits),
 * written with streaming stores once y is 16-byte aligned. */
#define DEF_SCALE_STREAM(SUF, T, VEC, SET1, LOADU, SUB, DIV, STREAM)                                         \
    static void scale_stream_##SUF(const T *x, T *y, int64_t n, int mode, T m, T s)                          \
    {                                                                                                        \
        const int64_t w = 16 / (int64_t)sizeof(T);                                                           \
        int64_t k = (int64_t)(((16 - ((uintptr_t)y & 15)) & 15) / sizeof(T));                                \
        if (k > n)                                                                                           \
            k = n;                                                                                           \
        scale_##SUF(x, y, k, mode, m, s);                                                                    \
        VEC vm = SET1(m), vs = SET1(s);                                                                      \
        if (mode == SCALE_CENTER)                                                                            \
            for (; k + w <= n; k += w)                                                                       \
                STREAM(y + k, SUB(LOADU(x + k), vm));                                                        \
        else if (mode == SCALE_STANDARDIZE)                                                                  \
            for (; k + w <= n; k += w)                                                                       \
                STREAM(y + k, DIV(LOADU(x + k), vs));                                                        \
        else                                                                                                 \
            for (; k + w <= n; k += w)                                                                       \
                STREAM(y + k, DIV(SUB(LOADU(x + k), vm), vs));                                               \
        scale_##SUF(x + k, y + k, n - k, mode, m, s);                                                        \
    }

DEF_SCALE_STREAM(f32, float, __m128, _mm_set1_ps, _mm_loadu_ps, _mm_sub_ps, _mm_div_ps, _mm_stream_ps)
DEF_SCALE_STREAM(f64, double, __m128d, _mm_set1_pd, _mm_loadu_pd, _mm_sub_pd, _mm_div_pd, _mm_stream_pd)
#endif

typedef struct scale_ctx {
    const td_series *d;
    nd_array *out;
    int mode;
    bool stream;
} scale_ctx;

static int scale_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const scale_ctx *c = p;
    int64_t n = ser_length(c->d);
    td_dtype ct = c->out->dtype;
    size_t cs = td_dtype_size(ct), rb = (size_t)n * cs;
    /* buf: the record converted; tmp: squared deviations */
    char *buf = td_scratch_alloc(2 * (rb > 0 ? rb : 1), err);
    if (!buf)
        return -1;
    char *tmp = buf + rb;
    for (int64_t i = begin; i < end; i++) {
        const void *x = ser_record_as(c->d, i, ct, buf);
        char *y = (char *)c->out->data + (size_t)i * rb;
        if (ct == TD_FLOAT32) {
            float m = mean_f32(x, n), s = c->mode == SCALE_CENTER ? 1 : std_f32(x, n, m, (float *)tmp);
#ifdef __SSE2__
            if (c->stream) {
                scale_stream_f32(x, (float *)y, n, c->mode, m, s);
                continue;
            }
#endif
            scale_f32(x, (float *)y, n, c->mode, m, s);
        } else {
            double m = mean_f64(x, n), s = c->mode == SCALE_CENTER ? 1 : std_f64(x, n, m, (double *)tmp);
#ifdef __SSE2__
            if (c->stream) {
                scale_stream_f64(x, (double *)y, n, c->mode, m, s);
                continue;
            }
#endif
            scale_f64(x, (double *)y, n, c->mode, m, s);
        }
    }
    if (c->stream)
        ser_stream_fence();
    td_scratch_free(buf);
    return 0;
}

td_series *ser_scale_across(const td_series *d, const nd_array *mean, const nd_array *std, td_err *err)
{
    /* toarray() squeezes the (1, length) statistics; broadcasting is the same */
    nd_array *num = mean ? nd_binary(ND_SUB, d->values, mean, err) : nd_retain(d->values);
    nd_array *res = num && std ? nd_binary(ND_TRUEDIV, num, std, err) : nd_retain(num);
    td_series *r = res ? ser_result_same_index(d, res, err) : NULL;
    nd_release(num);
    nd_release(res);
    return r;
}

/* Across records: x - mean, x / std or (x - mean) / std with Series.mean()
 * and .std() of shape (1, length). */
static td_series *scale_across(const td_series *d, int mode, td_err *err)
{
    td_series *ms = mode != SCALE_STANDARDIZE ? data_reduce(d, ND_RMEAN, err) : NULL;
    if (mode != SCALE_STANDARDIZE && !ms)
        return NULL;
    td_series *ss = mode != SCALE_CENTER ? data_reduce(d, ND_RSTD, err) : NULL;
    td_series *r = NULL;
    if (mode == SCALE_CENTER || ss)
        r = ser_scale_across(d, ms ? ms->values : NULL, ss ? ss->values : NULL, err);
    data_release(ms);
    data_release(ss);
    return r;
}

static td_series *scale(const td_series *d, int mode, int axis, td_err *err)
{
    if (axis == 0)
        return scale_across(d, mode, err);
    if (axis != 1) {
        td_err_set(err, TD_EVALUE, "Axis must be 0 or 1");
        return NULL;
    }
    nd_array *out = ser_values_new(d, ser_ct(data_dtype(d)), ser_length(d), err);
    if (!out)
        return NULL;
    scale_ctx c = {d, out, mode, nd_nbytes(out) >= SER_STREAM_BYTES};
    td_series *r = NULL;
    if (td_par_for(data_nrecords(d), 0, scale_kernel, &c, err) == 0)
        r = ser_result_same_index(d, out, err);
    nd_release(out);
    return r;
}

td_series *ser_center(const td_series *d, int axis, td_err *err)
{
    return scale(d, SCALE_CENTER, axis, err);
}

td_series *ser_standardize(const td_series *d, int axis, td_err *err)
{
    return scale(d, SCALE_STANDARDIZE, axis, err);
}

td_series *ser_zscore(const td_series *d, int axis, td_err *err)
{
    return scale(d, SCALE_ZSCORE, axis, err);
}

/* ---- squelch ---------------------------------------------------------------------- */

typedef struct squelch_ctx {
    const td_series *d;
    double threshold;
    uint8_t *zero; /* per record */
    nd_array *out; /* pass 2 */
} squelch_ctx;

/* Python's max() over the values: the first value unless a later one is
 * greater, so a NaN is kept only when it comes first. Converting to
 * float64 keeps the order, so the comparison is made there. */
static int squelch_flag_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const squelch_ctx *c = p;
    int64_t n = ser_length(c->d);
    double *buf = td_scratch_alloc((size_t)(n > 0 ? n : 1) * sizeof(double), err);
    if (!buf)
        return -1;
    for (int64_t i = begin; i < end; i++) {
        const double *x = ser_record_as(c->d, i, TD_FLOAT64, buf);
        double m = n > 0 ? x[0] : NAN;
        for (int64_t k = 1; k < n; k++)
            if (x[k] > m)
                m = x[k];
        c->zero[i] = n > 0 && m < c->threshold;
    }
    td_scratch_free(buf);
    return 0;
}

static int squelch_out_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const squelch_ctx *c = p;
    int64_t n = ser_length(c->d);
    double *out = c->out->data;
    for (int64_t i = begin; i < end; i++) {
        if (c->zero[i])
            memset(out + i * n, 0, (size_t)n * sizeof(double));
        else
            nd_convert(out + i * n, TD_FLOAT64, data_record(c->d, i), data_dtype(c->d), n);
    }
    return 0;
}

td_series *ser_squelch(const td_series *d, double threshold, td_err *err)
{
    int64_t nrec = data_nrecords(d);
    uint8_t *zero = td_scratch_alloc((size_t)nrec + 1, err);
    if (!zero)
        return NULL;
    squelch_ctx c = {d, threshold, zero, NULL};
    td_series *r = NULL;
    if (td_par_for(nrec, 0, squelch_flag_kernel, &c, err) < 0)
        goto done;
    bool any = false;
    for (int64_t i = 0; i < nrec && !any; i++)
        any = zero[i];
    if (!any) {
        /* numpy keeps the records as they are: same values, same dtype. */
        r = data_retain((td_series *)d);
        goto done;
    }
    /* np.zeros is float64, and asarray of the records promotes to it. */
    c.out = ser_values_new(d, TD_FLOAT64, ser_length(d), err);
    if (!c.out)
        goto done;
    if (td_par_for(nrec, 0, squelch_out_kernel, &c, err) == 0)
        r = ser_result_same_index(d, c.out, err);
    nd_release(c.out);
done:
    td_scratch_free(zero);
    return r;
}

/* ---- correlate ------------------------------------------------------------------------ */

typedef struct corr_ctx {
    const td_series *d;
    int64_t k;         /* signals */
    const double *sig; /* k centred signals of length n */
    const double *syy; /* their sums of squares */
    double *out;       /* nrecords x k */
} corr_ctx;

/* numpy's corrcoef(x, s)[0, 1]: covariances with the factor 1 / (n - 1),
 * divided by each standard deviation in turn, clipped to [-1, 1]. */
static double corr_value(double sxy, double sxx, double syy, int64_t n)
{
    double f = 1.0 / (double)(n - 1);
    double r = sxy * f / sqrt(sxx * f) / sqrt(syy * f);
    if (r > 1)
        r = 1;
    else if (r < -1)
        r = -1;
    return r;
}

/* float32 records: the float64 sums straight from the float32 values, two
 * passes over a record that stays in cache, no converted copy. */
SER_HOT static void corr_f32(const corr_ctx *c, const float *x, int64_t n, double *out)
{
    double s8[8] = {0};
    int64_t t = 0;
    for (; t + 8 <= n; t += 8)
        for (int k = 0; k < 8; k++)
            s8[k] += (double)x[t + k];
    double sum = ((s8[0] + s8[1]) + (s8[2] + s8[3])) + ((s8[4] + s8[5]) + (s8[6] + s8[7]));
    for (; t < n; t++)
        sum += (double)x[t];
    double m = sum / (double)n;
    for (int64_t j = 0; j < c->k; j++) {
        const double *sg = c->sig + j * n;
        double xx[4] = {0}, xy[4] = {0};
        for (t = 0; t + 4 <= n; t += 4)
            for (int k = 0; k < 4; k++) {
                double e = (double)x[t + k] - m;
                xx[k] += e * e;
                xy[k] += e * sg[t + k];
            }
        double sxx = (xx[0] + xx[1]) + (xx[2] + xx[3]), sxy = (xy[0] + xy[1]) + (xy[2] + xy[3]);
        for (; t < n; t++) {
            double e = (double)x[t] - m;
            sxx += e * e;
            sxy += e * sg[t];
        }
        out[j] = corr_value(sxy, sxx, c->syy[j], n);
    }
}

static int corr_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const corr_ctx *c = p;
    int64_t n = ser_length(c->d);
    if (data_dtype(c->d) == TD_FLOAT32) {
        for (int64_t i = begin; i < end; i++)
            corr_f32(c, data_record(c->d, i), n, c->out + i * c->k);
        return 0;
    }
    double *buf = td_scratch_alloc(2 * (size_t)(n > 0 ? n : 1) * sizeof(double), err);
    if (!buf)
        return -1;
    double *xc = buf + n;
    for (int64_t i = begin; i < end; i++) {
        const double *x = ser_record_as(c->d, i, TD_FLOAT64, buf);
        double m = ser_sum_f64(x, n) / (double)n;
        for (int64_t t = 0; t < n; t++)
            xc[t] = x[t] - m;
        double sxx = ser_dot(xc, xc, n);
        for (int64_t j = 0; j < c->k; j++)
            c->out[i * c->k + j] = corr_value(ser_dot(xc, c->sig + j * n, n), sxx, c->syy[j], n);
    }
    td_scratch_free(buf);
    return 0;
}

td_series *ser_correlate(const td_series *d, const nd_array *signal, td_err *err)
{
    int64_t n = ser_length(d);
    if (signal->ndim != 1 && signal->ndim != 2) {
        td_err_set(err, TD_EVALUE, "Signal to correlate with must have 1 or 2 dimensions");
        return NULL;
    }
    int64_t slen = signal->shape[signal->ndim - 1];
    if (slen != n) {
        td_err_set(err, TD_EVALUE, "Length of signal '%lld' does not match record length '%lld'",
                   (long long)slen, (long long)n);
        return NULL;
    }
    int64_t k = signal->ndim == 1 ? 1 : signal->shape[0];
    size_t bytes;
    if (td_mul_overflows((size_t)k, (size_t)n + 1, &bytes) ||
        td_mul_overflows(bytes, sizeof(double), &bytes)) {
        td_err_set(err, TD_EMEMORY, "signal too large");
        return NULL;
    }
    double *sig = td_scratch_alloc(bytes + sizeof(double), err);
    if (!sig)
        return NULL;
    double *syy = sig + k * n;
    nd_convert(sig, TD_FLOAT64, signal->data, signal->dtype, k * n);
    for (int64_t j = 0; j < k; j++) {
        double *s = sig + j * n;
        double m = ser_sum_f64(s, n) / (double)n;
        for (int64_t t = 0; t < n; t++)
            s[t] -= m;
        syy[j] = ser_dot(s, s, n);
    }
    td_series *r = NULL;
    nd_array *out = ser_values_new(d, TD_FLOAT64, k, err);
    if (out) {
        corr_ctx c = {d, k, sig, syy, out->data};
        if (td_par_for(data_nrecords(d), 0, corr_kernel, &c, err) == 0) {
            nd_array *idx =
                signal->ndim == 1 ? nd_full_f64(TD_INT64, 1, &k, 1, err) : nd_arange(TD_INT64, k, err);
            if (idx)
                r = ser_result(d, out, idx, NULL, err);
            nd_release(idx);
        }
        nd_release(out);
    }
    td_scratch_free(sig);
    return r;
}

/* ---- mean_by_panel ------------------------------------------------------------------------ */

typedef struct panel_ctx {
    const td_series *d;
    nd_array *out;
    int64_t length;
} panel_ctx;

/* v.reshape(-1, L).mean(axis=0): the panels added row after row in the
 * mean's dtype, then divided by their number. */
#define DEF_PANEL(SUF, T)                                                                                    \
    static void panel_##SUF(const T *x, T *y, int64_t n, int64_t len)                                        \
    {                                                                                                        \
        int64_t np_ = n / len;                                                                               \
        for (int64_t j = 0; j < len; j++)                                                                    \
            y[j] = 0;                                                                                        \
        for (int64_t p = 0; p < np_; p++)                                                                    \
            for (int64_t j = 0; j < len; j++)                                                                \
                y[j] += x[p * len + j];                                                                      \
        for (int64_t j = 0; j < len; j++)                                                                    \
            y[j] = (T)(y[j] / (T)np_);                                                                       \
    }

DEF_PANEL(f32, float)
DEF_PANEL(f64, double)

static int panel_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const panel_ctx *c = p;
    int64_t n = ser_length(c->d);
    td_dtype ct = c->out->dtype;
    size_t cs = td_dtype_size(ct);
    void *buf = td_scratch_alloc((size_t)n * cs, err);
    if (!buf)
        return -1;
    for (int64_t i = begin; i < end; i++) {
        const void *x = ser_record_as(c->d, i, ct, buf);
        void *y = (char *)c->out->data + (size_t)(i * c->length) * cs;
        if (ct == TD_FLOAT32)
            panel_f32(x, y, n, c->length);
        else
            panel_f64(x, y, n, c->length);
    }
    td_scratch_free(buf);
    return 0;
}

td_series *ser_mean_by_panel(const td_series *d, int64_t length, td_err *err)
{
    int64_t n = ser_length(d);
    if (length == 0) {
        td_err_set(err, TD_EZERODIV, "integer division or modulo by zero");
        return NULL;
    }
    if (length < 0 || n % length != 0) {
        td_err_set(err, TD_EVALUE, "Panel length '%lld' must evenly divide length of series '%lld'",
                   (long long)length, (long long)n);
        return NULL;
    }
    if (n == length) {
        td_err_set(err, TD_EVALUE, "Panel length '%lld' cannot be length of series '%lld'", (long long)length,
                   (long long)n);
        return NULL;
    }
    nd_array *out = ser_values_new(d, ser_ct(data_dtype(d)), length, err);
    if (!out)
        return NULL;
    panel_ctx c = {d, out, length};
    td_series *r = NULL;
    if (td_par_for(data_nrecords(d), 0, panel_kernel, &c, err) == 0)
        r = ser_result(d, out, NULL, NULL, err); /* index arange(length) */
    nd_release(out);
    return r;
}

/* ---- the seed's per-record statistics -------------------------------------------------------- */

int ser_stat_parse(const char *name, ser_stat *out, td_err *err)
{
    static const char *const names[] = {"sum", "mean", "median", "stdev", "max", "min", "count"};
    for (int k = 0; k < 7; k++)
        if (!strcasecmp(name, names[k])) {
            *out = (ser_stat)k;
            return 0;
        }
    char low[64];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof low; i++)
        low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    low[i] = 0;
    return td_err_set(err, TD_EKEY, "'%s' (the statistics are sum, mean, median, stdev, max, min, count)",
                      low);
}

/* The statistic of every record along the last axis, keeping it: (*base, 1). */
static nd_array *stat_values(const nd_array *v, ser_stat stat, td_err *err)
{
    static const nd_redop ops[] = {[SER_SUM] = ND_RSUM, [SER_MEAN] = ND_RMEAN, [SER_MEDIAN] = ND_RMEDIAN,
                                   [SER_STD] = ND_RSTD, [SER_MAX] = ND_RMAX,   [SER_MIN] = ND_RMIN};
    if (stat == SER_COUNT) {
        int64_t shape[ND_MAXDIM];
        memcpy(shape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
        shape[v->ndim - 1] = 1;
        return nd_full_f64(TD_INT64, v->ndim, shape, (double)v->shape[v->ndim - 1], err);
    }
    return nd_reduce(ops[stat], v, -1, true, 0, err);
}

td_series *ser_series_stat(const td_series *d, ser_stat stat, const char *label, td_err *err)
{
    nd_array *out = stat_values(d->values, stat, err);
    if (!out)
        return NULL;
    td_series *r = ser_result_strs(d, out, 1, &label, err);
    nd_release(out);
    return r;
}

td_series *ser_series_percentile(const td_series *d, const nd_array *qs, td_err *err)
{
    if (qs->ndim > 1 || qs->size < 1) {
        td_err_set(err, TD_EVALUE, "q must be a number or a 1-D list of numbers");
        return NULL;
    }
    int64_t nq = qs->size;
    nd_array **cols = calloc((size_t)nq, sizeof *cols);
    if (!cols) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    td_series *r = NULL;
    nd_array *out = NULL, *idx = NULL;
    int64_t k = 0;
    for (; k < nq; k++)
        if (!(cols[k] = nd_percentile(d->values, nd_get_f64(qs, k), -1, true, err)))
            goto done;
    if (nq > 0x7fffffff) {
        td_err_set(err, TD_EVALUE, "too many percentiles");
        goto done;
    }
    out = nq == 1 ? nd_retain(cols[0]) : nd_concatenate((int)nq, cols, -1, err);
    if (!out)
        goto done;
    idx = nd_reshape(qs, 1, &nq, err);
    if (idx)
        r = ser_result(d, out, idx, NULL, err);
done:
    for (int64_t j = 0; j < k && j < nq; j++)
        nd_release(cols[j]);
    free(cols);
    nd_release(out);
    nd_release(idx);
    return r;
}

/* ---- series_stats: count, mean, std, max, min in one pass over memory ---------------------------- */

typedef struct stats_ctx {
    const td_series *d;
    double *out; /* nrecords x 5 */
} stats_ctx;

/* max and min of n > 0 values in lanes of 8, which compile to packed
 * max/min instructions; NaN is looked for only when the mean says so. */
#define DEF_STATS(SUF, T)                                                                                    \
    SER_HOT static void minmax_##SUF(const T *x, int64_t n, T *hi_out, T *lo_out)                            \
    {                                                                                                        \
        T hi[8], lo[8];                                                                                      \
        for (int k = 0; k < 8; k++)                                                                          \
            hi[k] = lo[k] = x[0];                                                                            \
        int64_t i = 0;                                                                                       \
        for (; i + 8 <= n; i += 8)                                                                           \
            for (int k = 0; k < 8; k++) {                                                                    \
                hi[k] = x[i + k] > hi[k] ? x[i + k] : hi[k];                                                 \
                lo[k] = x[i + k] < lo[k] ? x[i + k] : lo[k];                                                 \
            }                                                                                                \
        for (; i < n; i++) {                                                                                 \
            hi[0] = x[i] > hi[0] ? x[i] : hi[0];                                                             \
            lo[0] = x[i] < lo[0] ? x[i] : lo[0];                                                             \
        }                                                                                                    \
        for (int k = 1; k < 8; k++) {                                                                        \
            hi[0] = hi[k] > hi[0] ? hi[k] : hi[0];                                                           \
            lo[0] = lo[k] < lo[0] ? lo[k] : lo[0];                                                           \
        }                                                                                                    \
        *hi_out = hi[0];                                                                                     \
        *lo_out = lo[0];                                                                                     \
    }                                                                                                        \
    static void stats_##SUF(const T *x, int64_t n, T *tmp, double *o)                                        \
    {                                                                                                        \
        T m = mean_##SUF(x, n);                                                                              \
        T s = std_##SUF(x, n, m, tmp);                                                                       \
        T hi, lo;                                                                                            \
        minmax_##SUF(x, n, &hi, &lo);                                                                        \
        if (m != m) /* a NaN among the values (or inf - inf): numpy's max and min give NaN then */           \
            for (int64_t i = 0; i < n; i++)                                                                  \
                if (x[i] != x[i]) {                                                                          \
                    hi = lo = x[i];                                                                          \
                    break;                                                                                   \
                }                                                                                            \
        o[0] = (double)n;                                                                                    \
        o[1] = m;                                                                                            \
        o[2] = s;                                                                                            \
        o[3] = hi;                                                                                           \
        o[4] = lo;                                                                                           \
    }

DEF_STATS(f32, float)
DEF_STATS(f64, double)

static int stats_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const stats_ctx *c = p;
    int64_t n = ser_length(c->d);
    td_dtype ct = ser_ct(data_dtype(c->d));
    size_t cs = td_dtype_size(ct);
    char *buf = td_scratch_alloc(2 * (size_t)(n > 0 ? n : 1) * cs, err);
    if (!buf)
        return -1;
    char *tmp = buf + (size_t)n * cs;
    for (int64_t i = begin; i < end; i++) {
        /* max and min on converted values equal the converted max and min:
         * the conversion to float64 keeps the order. */
        const void *x = ser_record_as(c->d, i, ct, buf);
        if (ct == TD_FLOAT32)
            stats_f32(x, n, (float *)tmp, c->out + i * 5);
        else
            stats_f64(x, n, (double *)tmp, c->out + i * 5);
    }
    td_scratch_free(buf);
    return 0;
}

td_series *ser_series_stats(const td_series *d, td_err *err)
{
    if (ser_length(d) == 0) {
        td_err_set(err, TD_EVALUE, "zero-size array to reduction operation maximum which has no identity");
        return NULL;
    }
    nd_array *out = ser_values_new(d, TD_FLOAT64, 5, err);
    if (!out)
        return NULL;
    stats_ctx c = {d, out->data};
    td_series *r = NULL;
    if (td_par_for(data_nrecords(d), 0, stats_kernel, &c, err) == 0) {
        static const char *const names[] = {"count", "mean", "std", "max", "min"};
        r = ser_result_strs(d, out, 5, names, err);
    }
    nd_release(out);
    return r;
}

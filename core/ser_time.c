/* Series: Thunder 1.4.2's time-series methods (fourier, convolve,
 * crosscorr, detrend, normalize, mean_by_window, downsample), each a
 * kernel over records with per-chunk scratch. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include "ser_internal.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- fourier --------------------------------------------------------------------------- */

/* FFTW's planner is not thread-safe; executing a plan is. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct fourier_ctx {
    const td_series *d;
    fftw_plan plan;
    int64_t freq; /* in [0, n // 2) */
    double *out;  /* nrecords x 2 */
} fourier_ctx;

static int fourier_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const fourier_ctx *c = p;
    int64_t n = ser_length(c->d), half = n / 2;
    td_dtype ct = ser_ct(data_dtype(c->d));
    /* buf: the record in ct; in: y - mean(y) as float64; ft: n / 2 + 1 bins. */
    /* in and ft 64-byte aligned, as the arrays the plan was made with */
    size_t nb = ((size_t)n * sizeof(double) + 63) / 64 * 64;
    char *mem = td_scratch_alloc(2 * nb + (size_t)(half + 1) * sizeof(fftw_complex), err);
    if (!mem)
        return -1;
    double *buf = (double *)mem, *in = (double *)(mem + nb);
    fftw_complex *ft = (fftw_complex *)(mem + 2 * nb);
    for (int64_t i = begin; i < end; i++) {
        const void *x = ser_record_as(c->d, i, ct, buf);
        if (ct == TD_FLOAT32) {
            /* y - mean(y) in float32, as numpy does for a float32 record */
            const float *xf = x;
            float m = (float)(ser_sum_f32(xf, n) / (float)n);
            for (int64_t t = 0; t < n; t++)
                in[t] = (double)(xf[t] - m);
        } else {
            const double *xd = x;
            double m = ser_sum_f64(xd, n) / (double)n;
            for (int64_t t = 0; t < n; t++)
                in[t] = xd[t] - m;
        }
        fftw_execute_dft_r2c(c->plan, in, ft);
        /* the sum of the squared amplitudes (2 |ft| / n)^2 over bins [0, n // 2) */
        double total = 0;
        for (int64_t k = 0; k < half; k++)
            total += ft[k][0] * ft[k][0] + ft[k][1] * ft[k][1];
        total *= 4 / ((double)n * (double)n);
        double amp = 2 * hypot(ft[c->freq][0], ft[c->freq][1]) / (double)n;
        double ph = -(M_PI / 2) - atan2(ft[c->freq][1], ft[c->freq][0]);
        if (ph < 0)
            ph += M_PI * 2;
        c->out[2 * i] = amp / sqrt(total);
        c->out[2 * i + 1] = ph;
    }
    td_scratch_free(mem);
    return 0;
}

td_series *ser_fourier(const td_series *d, int64_t freq, td_err *err)
{
    int64_t n = ser_length(d), half = n / 2;
    if (freq >= half) {
        td_err_set(err, TD_EVALUE,
                   "Requested frequency, %lld, is too high, must be less than half the series duration",
                   (long long)freq);
        return NULL;
    }
    if (freq < -half) {
        td_err_set(err, TD_EINDEX, "index %lld is out of bounds for axis 0 with size %lld", (long long)freq,
                   (long long)half);
        return NULL;
    }
    if (n > 0x7fffffff) {
        td_err_set(err, TD_EVALUE, "records too long for a Fourier transform");
        return NULL;
    }
    nd_array *out = ser_values_new(d, TD_FLOAT64, 2, err);
    if (!out)
        return NULL;
    /* Plan on buffers aligned as the kernels' scratch will be. */
    double *pin = td_scratch_alloc((size_t)n * sizeof(double), err);
    fftw_complex *pout = pin ? td_scratch_alloc((size_t)(half + 1) * sizeof(fftw_complex), err) : NULL;
    td_series *r = NULL;
    if (!pout) {
        td_scratch_free(pin);
        nd_release(out);
        return NULL;
    }
    pthread_mutex_lock(&planner_lock);
    fftw_plan plan = fftw_plan_dft_r2c_1d((int)n, pin, pout, FFTW_ESTIMATE);
    pthread_mutex_unlock(&planner_lock);
    td_scratch_free(pin);
    td_scratch_free(pout);
    if (!plan) {
        nd_release(out);
        td_err_set(err, TD_EVALUE, "FFTW could not plan a transform of length %lld", (long long)n);
        return NULL;
    }
    fourier_ctx c = {d, plan, freq < 0 ? freq + half : freq, out->data};
    if (td_par_for(data_nrecords(d), 0, fourier_kernel, &c, err) == 0) {
        static const char *const names[] = {"coherence", "phase"};
        r = ser_result_strs(d, out, 2, names, err);
    }
    pthread_mutex_lock(&planner_lock);
    fftw_destroy_plan(plan);
    pthread_mutex_unlock(&planner_lock);
    nd_release(out);
    return r;
}

/* ---- convolve ---------------------------------------------------------------------------------- */

typedef struct conv_ctx {
    const td_series *d;
    const void *sig; /* m values of the result dtype */
    int64_t m;
    int64_t skip, outlen; /* which part of the full convolution */
    nd_array *out;
} conv_ctx;

/* Full convolution positions [skip, skip + outlen) of a (n) and v (m) in
 * T, accumulated in A (wrapping unsigned for integers). */
#define DEF_CONV(SUF, T, A)                                                                                  \
    static void conv_##SUF(const T *a, int64_t n, const T *v, int64_t m, int64_t skip, int64_t len, T *y)    \
    {                                                                                                        \
        for (int64_t o = 0; o < len; o++) {                                                                  \
            int64_t k = skip + o;                                                                            \
            int64_t j0 = k - (m - 1) > 0 ? k - (m - 1) : 0, j1 = k < n - 1 ? k : n - 1;                      \
            A s = 0;                                                                                         \
            for (int64_t j = j0; j <= j1; j++)                                                               \
                s += (A)a[j] * (A)v[k - j];                                                                  \
            y[o] = (T)s;                                                                                     \
        }                                                                                                    \
    }

DEF_CONV(f32, float, float)
DEF_CONV(f64, double, double)
DEF_CONV(u64, uint64_t, uint64_t)

static int conv_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const conv_ctx *c = p;
    int64_t n = ser_length(c->d), m = c->m;
    td_dtype rt = c->out->dtype;
    bool flt = td_dtype_is_float(rt);
    td_dtype wt = flt ? rt : TD_UINT64; /* integers and bool: exact wrapping arithmetic */
    size_t ws = td_dtype_size(wt);
    /* record, signal and output in the working type */
    char *mem = td_scratch_alloc((size_t)(n + m + c->outlen + 3) * ws, err);
    if (!mem)
        return -1;
    char *a = mem, *v = mem + (size_t)n * ws, *y = v + (size_t)m * ws;
    nd_convert(v, wt, c->sig, rt, m);
    for (int64_t i = begin; i < end; i++) {
        nd_convert(a, wt, data_record(c->d, i), data_dtype(c->d), n);
        /* numpy convolves the longer with the shorter */
        const char *big = a, *small = v;
        int64_t nb = n, ns = m;
        if (m > n) {
            big = v;
            small = a;
            nb = m;
            ns = n;
        }
        if (wt == TD_FLOAT32)
            conv_f32((const float *)big, nb, (const float *)small, ns, c->skip, c->outlen, (float *)y);
        else if (wt == TD_FLOAT64)
            conv_f64((const double *)big, nb, (const double *)small, ns, c->skip, c->outlen, (double *)y);
        else
            conv_u64((const uint64_t *)big, nb, (const uint64_t *)small, ns, c->skip, c->outlen,
                     (uint64_t *)y);
        char *dst = (char *)c->out->data + (size_t)(i * c->outlen) * td_dtype_size(rt);
        if (rt == TD_BOOL) {
            const uint64_t *u = (const uint64_t *)y;
            for (int64_t o = 0; o < c->outlen; o++)
                dst[o] = u[o] != 0;
        } else if (flt) {
            memcpy(dst, y, (size_t)c->outlen * ws);
        } else {
            /* wrapping to the result's width, as numpy's integer arithmetic does */
            const uint64_t *u = (const uint64_t *)y;
            size_t rs = td_dtype_size(rt);
            for (int64_t o = 0; o < c->outlen; o++)
                memcpy(dst + (size_t)o * rs, &u[o], rs); /* little-endian: the low bytes */
        }
    }
    td_scratch_free(mem);
    return 0;
}

td_series *ser_convolve(const td_series *d, const nd_array *signal, const char *mode, td_err *err)
{
    if (signal->ndim > 1) {
        td_err_set(err, TD_EVALUE, "object too deep for desired array");
        return NULL;
    }
    int64_t n = ser_length(d), m = signal->size;
    if (m == 0) {
        td_err_set(err, TD_EVALUE, "v cannot be empty");
        return NULL;
    }
    if (n == 0) {
        td_err_set(err, TD_EVALUE, "a cannot be empty");
        return NULL;
    }
    char mc = mode[0] >= 'A' && mode[0] <= 'Z' ? (char)(mode[0] - 'A' + 'a') : mode[0];
    int64_t big = n > m ? n : m, small = n > m ? m : n, skip, outlen;
    if (mc == 'f') {
        skip = 0;
        outlen = n + m - 1;
    } else if (mc == 's') {
        skip = (small - 1) / 2;
        outlen = big;
    } else if (mc == 'v') {
        skip = small - 1;
        outlen = big - small + 1;
    } else {
        td_err_set(err, TD_EVALUE, "mode must be one of 'full', 'same' or 'valid', got '%s'", mode);
        return NULL;
    }
    td_dtype rt = td_promote(data_dtype(d), signal->dtype);
    nd_array *sig = nd_astype(signal, rt, err);
    if (!sig)
        return NULL;
    nd_array *out = ser_values_new(d, rt, outlen, err);
    td_series *r = NULL;
    if (out) {
        conv_ctx c = {d, sig->data, m, skip, outlen, out};
        if (td_par_for(data_nrecords(d), 0, conv_kernel, &c, err) == 0)
            r = ser_result(d, out, NULL, NULL, err); /* index arange(outlen) */
        nd_release(out);
    }
    nd_release(sig);
    return r;
}

/* ---- crosscorr ------------------------------------------------------------------------------------ */

typedef struct xcorr_ctx {
    const td_series *d;
    const double *s; /* centred, normalised signal */
    int64_t lag;
    double *out; /* nrecords x (2 lag + 1) */
} xcorr_ctx;

static int xcorr_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const xcorr_ctx *c = p;
    int64_t n = ser_length(c->d), nl = 2 * c->lag + 1;
    td_dtype ct = ser_ct(data_dtype(c->d));
    double *mem = td_scratch_alloc(2 * (size_t)(n > 0 ? n : 1) * sizeof(double), err);
    if (!mem)
        return -1;
    double *buf = mem, *y = mem + n;
    for (int64_t i = begin; i < end; i++) {
        const void *x = ser_record_as(c->d, i, ct, buf);
        double nrm;
        if (ct == TD_FLOAT32) {
            /* y - mean(y) and y / norm(y) in float32, as numpy and scipy do */
            const float *xf = x;
            float m = (float)(ser_sum_f32(xf, n) / (float)n);
            double ss = 0;
            for (int64_t t = 0; t < n; t++) {
                float e = xf[t] - m;
                ss += (double)e * e;
            }
            float fn = (float)sqrt(ss);
            for (int64_t t = 0; t < n; t++)
                y[t] = fn != 0 ? (double)((xf[t] - m) / fn) : 0;
            nrm = fn;
        } else {
            const double *xd = x;
            double m = ser_sum_f64(xd, n) / (double)n, ss = 0;
            for (int64_t t = 0; t < n; t++) {
                y[t] = xd[t] - m;
                ss += y[t] * y[t];
            }
            nrm = sqrt(ss);
            for (int64_t t = 0; t < n; t++)
                y[t] = nrm != 0 ? y[t] / nrm : 0;
        }
        double *o = c->out + i * nl;
        for (int64_t l = 0; l < nl; l++) {
            /* the signal rolled by `shift`, zeros where it wrapped */
            int64_t shift = l - c->lag;
            int64_t t0 = shift > 0 ? shift : 0, t1 = shift < 0 ? n + shift : n;
            o[l] = nrm == 0 ? 0 : ser_dot(c->s + t0 - shift, y + t0, t1 - t0);
        }
    }
    td_scratch_free(mem);
    return 0;
}

td_series *ser_crosscorr(const td_series *d, const nd_array *signal, int64_t lag, td_err *err)
{
    int64_t n = ser_length(d);
    if (signal->ndim > 1) {
        td_err_set(err, TD_EVALUE, "the signal to cross correlate with must be 1-D");
        return NULL;
    }
    if (signal->size != n) {
        td_err_set(err, TD_EVALUE,
                   "Size of signal to cross correlate with, %lld, does not match size of series",
                   (long long)signal->size);
        return NULL;
    }
    if (lag < 0 || lag > n) {
        td_err_set(err, TD_EVALUE, "lag must be between 0 and the record length %lld, got %lld", (long long)n,
                   (long long)lag);
        return NULL;
    }
    double *s = td_scratch_alloc((size_t)(n > 0 ? n : 1) * sizeof(double), err);
    if (!s)
        return NULL;
    nd_convert(s, TD_FLOAT64, signal->data, signal->dtype, n);
    double m = ser_sum_f64(s, n) / (double)n;
    for (int64_t t = 0; t < n; t++)
        s[t] -= m;
    double nrm = sqrt(ser_dot(s, s, n)); /* a constant signal gives NaN, as 0 / 0 does in numpy */
    for (int64_t t = 0; t < n; t++)
        s[t] /= nrm;
    int64_t nl = 2 * lag + 1;
    nd_array *out = ser_values_new(d, TD_FLOAT64, nl, err);
    td_series *r = NULL;
    if (out) {
        xcorr_ctx c = {d, s, lag, out->data};
        if (td_par_for(data_nrecords(d), 0, xcorr_kernel, &c, err) == 0) {
            nd_array *idx = nd_new(TD_INT64, 1, &nl, err);
            if (idx) {
                for (int64_t l = 0; l < nl; l++)
                    ((int64_t *)idx->data)[l] = l - lag;
                r = ser_result(d, out, idx, NULL, err);
            }
            nd_release(idx);
        }
        nd_release(out);
    }
    td_scratch_free(s);
    return r;
}

/* ---- detrend ------------------------------------------------------------------------------------------ */

/* An orthonormal basis of the polynomials of degree <= order on the points
 * 0..n-1 (Gram-Schmidt on monomials of the centred, scaled points, twice
 * for accuracy), so that the least-squares fit is a projection. Columns
 * that vanish (order >= n) are dropped. Returns the number of columns;
 * q holds (order + 1) columns of n. */
static int64_t poly_basis(int64_t n, int64_t order, double *q)
{
    double c = (double)(n - 1) / 2, h = c > 1 ? c : 1;
    int64_t k = 0;
    for (int64_t j = 0; j <= order; j++) {
        double *col = q + k * n;
        for (int64_t t = 0; t < n; t++)
            col[t] = pow(((double)t - c) / h, (double)j);
        double before = 0;
        for (int64_t t = 0; t < n; t++)
            before += col[t] * col[t];
        for (int pass = 0; pass < 2; pass++)
            for (int64_t i = 0; i < k; i++) {
                const double *b = q + i * n;
                double dot = 0;
                for (int64_t t = 0; t < n; t++)
                    dot += b[t] * col[t];
                for (int64_t t = 0; t < n; t++)
                    col[t] -= dot * b[t];
            }
        double nn = 0;
        for (int64_t t = 0; t < n; t++)
            nn += col[t] * col[t];
        if (!(nn > before * 1e-24) || nn == 0)
            continue; /* dependent on the previous ones at these points */
        double inv = 1 / sqrt(nn);
        for (int64_t t = 0; t < n; t++)
            col[t] *= inv;
        k++;
    }
    return k;
}

typedef struct detrend_ctx {
    const td_series *d;
    const double *q; /* k orthonormal columns */
    const double *r; /* the same minus their value at 0 */
    int64_t k;
    double *out;
    bool stream;
} detrend_ctx;

static int detrend_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const detrend_ctx *c = p;
    int64_t n = ser_length(c->d);
    size_t rb = (size_t)(n > 0 ? n : 1) * sizeof(double);
    double *buf = td_scratch_alloc(2 * rb, err);
    if (!buf)
        return -1;
    double *row = buf + (n > 0 ? n : 1);
    for (int64_t i = begin; i < end; i++) {
        const double *y = ser_record_as(c->d, i, TD_FLOAT64, buf);
        double *o = c->stream ? row : c->out + i * n;
        memcpy(o, y, (size_t)n * sizeof(double));
        /* y - (fit - fit(0)): the polynomial without its constant term. The
         * first column is constant, so its part cancels: start at 1. */
        for (int64_t j = 1; j < c->k; j++) {
            const double *rj = c->r + j * n;
            double coef = ser_dot(c->q + j * n, y, n);
            for (int64_t t = 0; t < n; t++)
                o[t] -= coef * rj[t];
        }
        if (c->stream)
            ser_stream_copy(c->out + i * n, row, (size_t)n * sizeof(double));
    }
    if (c->stream)
        ser_stream_fence();
    td_scratch_free(buf);
    return 0;
}

td_series *ser_detrend(const td_series *d, const char *method, int64_t order, td_err *err)
{
    if (!strcmp(method, "linear")) {
        order = 1;
    } else if (strcmp(method, "nonlinear") != 0) {
        td_err_set(err, TD_EVALUE, "Option must be one of 'linear', 'nonlinear', got '%s'", method);
        return NULL;
    }
    if (order < 0) {
        td_err_set(err, TD_EVALUE, "expected deg >= 0");
        return NULL;
    }
    int64_t n = ser_length(d);
    if (n == 0) {
        td_err_set(err, TD_ETYPE, "expected non-empty vector for x");
        return NULL;
    }
    if (order > 1000) {
        td_err_set(err, TD_EVALUE, "polynomial order %lld is too high", (long long)order);
        return NULL;
    }
    size_t cols = (size_t)order + 1, bytes;
    if (td_mul_overflows(cols * 2, (size_t)n, &bytes) || td_mul_overflows(bytes, sizeof(double), &bytes)) {
        td_err_set(err, TD_EMEMORY, "detrend basis too large");
        return NULL;
    }
    double *q = td_scratch_alloc(bytes, err);
    if (!q)
        return NULL;
    double *rr = q + cols * (size_t)n;
    int64_t k = poly_basis(n, order, q);
    for (int64_t j = 0; j < k; j++)
        for (int64_t t = 0; t < n; t++)
            rr[j * n + t] = q[j * n + t] - q[j * n];
    nd_array *out = ser_values_new(d, TD_FLOAT64, n, err);
    td_series *r = NULL;
    if (out) {
        detrend_ctx c = {d, q, rr, k, out->data, nd_nbytes(out) >= SER_STREAM_BYTES};
        if (td_par_for(data_nrecords(d), 0, detrend_kernel, &c, err) == 0)
            r = ser_result_same_index(d, out, err);
        nd_release(out);
    }
    td_scratch_free(q);
    return r;
}

/* ---- normalize ------------------------------------------------------------------------------------------
 */

enum { NORM_MEAN, NORM_PERCENTILE, NORM_WINDOW, NORM_WINDOW_EXACT };

typedef struct norm_ctx {
    const td_series *d;
    int method;
    int64_t window;
    double perc, offset;
    const double *base; /* per-record percentile (NORM_PERCENTILE) */
    nd_array *out;
} norm_ctx;

/* NaN sorts last, as in numpy. */
static inline bool before_(double a, double b)
{
    return a < b || (b != b && a == a);
}

/* Insertion of v into the sorted w[0..k). */
static void sorted_insert(double *w, int64_t k, double v)
{
    int64_t lo = 0, hi = k;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (before_(w[mid], v))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(w + lo + 1, w + lo, (size_t)(k - lo) * sizeof(double));
    w[lo] = v;
}

static void sorted_remove(double *w, int64_t k, double v)
{
    int64_t lo = 0, hi = k;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (before_(w[mid], v))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= k || !(w[lo] == v || (w[lo] != w[lo] && v != v)))
        for (lo = 0; lo < k && !(w[lo] == v || (w[lo] != w[lo] && v != v)); lo++)
            ;
    if (lo < k)
        memmove(w + lo, w + lo + 1, (size_t)(k - lo - 1) * sizeof(double));
}

/* scipy's percentile_filter(y, perc, size, mode='nearest') of one line:
 * the value of rank int(size * perc / 100) within each window. */
static void running_rank(const double *y, int64_t n, int64_t size, double perc, double *b, double *w)
{
    if (perc < 0)
        perc += 100;
    int64_t rank = perc == 100 ? size - 1 : (int64_t)((double)size * perc / 100.0);
    int64_t lo = -(size / 2);
    int64_t k = 0;
    for (int64_t o = 0; o < size; o++) {
        int64_t t = lo + o;
        sorted_insert(w, k++, y[t < 0 ? 0 : t >= n ? n - 1 : t]);
    }
    for (int64_t i = 0; i < n; i++) {
        b[i] = w[rank];
        if (i + 1 < n) {
            int64_t out_t = i + lo, in_t = i + 1 + lo + size - 1;
            sorted_remove(w, k, y[out_t < 0 ? 0 : out_t >= n ? n - 1 : out_t]);
            sorted_insert(w, k - 1, y[in_t < 0 ? 0 : in_t >= n ? n - 1 : in_t]);
        }
    }
}

/* numpy's percentile (linear) of v[0..k), sorting v. */
static double percentile_of(double *v, int64_t k, double perc)
{
    for (int64_t i = 1; i < k; i++) {
        double x = v[i];
        int64_t j = i;
        for (; j > 0 && before_(x, v[j - 1]); j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    if (v[k - 1] != v[k - 1])
        return NAN;
    double vi = (double)(k - 1) * perc / 100.0;
    double prev = floor(vi), g = vi - prev;
    int64_t i0 = (int64_t)prev;
    if (i0 >= k - 1)
        return v[k - 1];
    double a = v[i0], bb = v[i0 + 1], diff = bb - a;
    return g >= 0.5 ? bb - diff * (1 - g) : a + diff * g;
}

static int norm_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const norm_ctx *c = p;
    int64_t n = ser_length(c->d), w = c->window;
    td_dtype ct = c->out->dtype;
    size_t cs = td_dtype_size(ct);
    int64_t extra = w + 8 > n + 8 ? w + 8 : n + 8;
    char *mem = td_scratch_alloc((size_t)(n + 1) * cs + (size_t)(2 * n + extra + 4) * sizeof(double), err);
    if (!mem)
        return -1;
    double *y64 = (double *)mem, *b = y64 + n + 1, *win = b + n + 1;
    void *buf = win + extra + 2;
    for (int64_t i = begin; i < end; i++) {
        char *dst = (char *)c->out->data + (size_t)(i * n) * cs;
        if (c->method == NORM_MEAN || c->method == NORM_PERCENTILE) {
            const void *x = ser_record_as(c->d, i, ct, buf);
            if (ct == TD_FLOAT32) {
                /* float32 array with float64 scalars: numpy casts the scalars to float32 */
                const float *xf = x;
                double bd =
                    c->method == NORM_MEAN ? (double)(float)(ser_sum_f32(xf, n) / (float)n) : c->base[i];
                float bf = (float)bd, den = (float)(bd + c->offset);
                float *o = (float *)dst;
                for (int64_t t = 0; t < n; t++)
                    o[t] = (xf[t] - bf) / den;
            } else {
                const double *xd = x;
                double bd = c->method == NORM_MEAN ? ser_sum_f64(xd, n) / (double)n : c->base[i];
                double den = bd + c->offset;
                double *o = (double *)dst;
                for (int64_t t = 0; t < n; t++)
                    o[t] = (xd[t] - bd) / den;
            }
            continue;
        }
        nd_convert(y64, TD_FLOAT64, data_record(c->d, i), data_dtype(c->d), n);
        if (c->method == NORM_WINDOW) {
            running_rank(y64, n, w, c->perc, b, win);
        } else {
            /* Thunder's window-exact: x[max(t - left, 0):min(t + right + 1, n)] */
            int64_t left = w % 2 ? (w + 1) / 2 : w / 2, right = w % 2 ? (w + 1) / 2 + 1 : w / 2;
            for (int64_t t = 0; t < n; t++) {
                int64_t a = t - left > 0 ? t - left : 0, e = t + right + 1 < n ? t + right + 1 : n;
                memcpy(win, y64 + a, (size_t)(e - a) * sizeof(double));
                b[t] = percentile_of(win, e - a, c->perc);
            }
        }
        double *o = (double *)dst;
        for (int64_t t = 0; t < n; t++)
            o[t] = (y64[t] - b[t]) / (b[t] + c->offset);
    }
    td_scratch_free(mem);
    return 0;
}

td_series *ser_normalize(const td_series *d, const char *method, int64_t window, double perc, double offset,
                         td_err *err)
{
    static const char *const names[] = {"mean", "percentile", "window", "window-exact"};
    int m = -1;
    for (int k = 0; k < 4; k++)
        if (!strcmp(method, names[k]))
            m = k;
    if (m < 0) {
        td_err_set(err, TD_EVALUE,
                   "Option must be one of 'mean', 'percentile', 'window', 'window-exact', got '%s'", method);
        return NULL;
    }
    int64_t n = ser_length(d);
    if (n == 0) {
        td_err_set(err, TD_EVALUE, "cannot normalize records of length 0");
        return NULL;
    }
    if (m >= NORM_WINDOW && window < 1) {
        /* scipy's messages for size=None and size=0 */
        td_err_set(err, TD_ERUNTIME, "%s",
                   window < 0 ? "no footprint or filter size provided"
                              : "filter footprint array has incorrect shape.");
        return NULL;
    }
    if (m == NORM_WINDOW && (perc < -100 || perc > 100)) {
        td_err_set(err, TD_ERUNTIME, "invalid percentile");
        return NULL;
    }
    if (m == NORM_PERCENTILE && !(perc >= 0 && perc <= 100)) {
        td_err_set(err, TD_EVALUE, "Percentiles must be in the range [0, 100]");
        return NULL;
    }
    if (m == NORM_WINDOW_EXACT && !(perc >= 0 && perc <= 100)) {
        td_err_set(err, TD_EVALUE, "Percentiles must be in the range [0, 100]");
        return NULL;
    }
    /* numpy's dtypes: the mean or a float64 percentile keep float32 data
     * float32; the window baselines are float64 arrays. */
    td_dtype ot = m <= NORM_PERCENTILE ? ser_ct(data_dtype(d)) : TD_FLOAT64;
    nd_array *base = NULL;
    if (m == NORM_PERCENTILE && !(base = nd_percentile(d->values, perc, -1, false, err)))
        return NULL;
    nd_array *out = ser_values_new(d, ot, n, err);
    td_series *r = NULL;
    if (out) {
        norm_ctx c = {d, m, window, perc, offset, base ? base->data : NULL, out};
        if (td_par_for(data_nrecords(d), 0, norm_kernel, &c, err) == 0)
            r = ser_result_same_index(d, out, err);
        nd_release(out);
    }
    nd_release(base);
    return r;
}

/* ---- mean_by_window, downsample
 * ------------------------------------------------------------------------------ */

typedef struct window_ctx {
    const td_series *d;
    const int64_t *pos; /* nwin x window positions */
    int64_t nwin, window;
    nd_array *out;
} window_ctx;

/* mean([x[m] for m in masks], axis=0): the windows added one after another. */
#define DEF_WINMEAN(SUF, T)                                                                                  \
    static void winmean_##SUF(const T *x, const int64_t *pos, int64_t nwin, int64_t w, T *y)                 \
    {                                                                                                        \
        for (int64_t j = 0; j < w; j++)                                                                      \
            y[j] = 0;                                                                                        \
        for (int64_t k = 0; k < nwin; k++)                                                                   \
            for (int64_t j = 0; j < w; j++)                                                                  \
                y[j] += x[pos[k * w + j]];                                                                   \
        for (int64_t j = 0; j < w; j++)                                                                      \
            y[j] = (T)(y[j] / (T)nwin);                                                                      \
    }

DEF_WINMEAN(f32, float)
DEF_WINMEAN(f64, double)

static int window_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const window_ctx *c = p;
    int64_t n = ser_length(c->d);
    td_dtype ct = c->out->dtype;
    size_t cs = td_dtype_size(ct);
    void *buf = td_scratch_alloc((size_t)(n > 0 ? n : 1) * cs, err);
    if (!buf)
        return -1;
    for (int64_t i = begin; i < end; i++) {
        const void *x = ser_record_as(c->d, i, ct, buf);
        void *y = (char *)c->out->data + (size_t)(i * c->window) * cs;
        if (ct == TD_FLOAT32)
            winmean_f32(x, c->pos, c->nwin, c->window, y);
        else
            winmean_f64(x, c->pos, c->nwin, c->window, y);
    }
    td_scratch_free(buf);
    return 0;
}

static void key_str(const ser_key *k, char *buf, size_t len)
{
    if (k->kind == SER_KEY_STR)
        snprintf(buf, len, "%s", k->s);
    else if (k->kind == SER_KEY_INT)
        snprintf(buf, len, "%lld", (long long)k->i);
    else
        snprintf(buf, len, "%g", k->f);
}

/* The first position whose index value equals k, or -1. */
static int64_t key_position(const td_series *d, const nd_array *index, const ser_key *k)
{
    for (int64_t p = 0; p < ser_length(d); p++) {
        bool mixed;
        if (ser_key_cmp(d, index, p, 0, k, &mixed) == 0)
            return p;
    }
    return -1;
}

/* Python's max/min of the keys (numbers with numbers, str with str). */
static int key_order(const ser_key *a, const ser_key *b, td_err *err)
{
    if ((a->kind == SER_KEY_STR) != (b->kind == SER_KEY_STR))
        return td_err_set(err, TD_ETYPE, "'>' not supported between instances of '%s' and '%s'",
                          a->kind == SER_KEY_STR ? "str" : "int", b->kind == SER_KEY_STR ? "str" : "int") *
               2;
    if (a->kind == SER_KEY_STR) {
        int c = strcmp(a->s, b->s);
        return c < 0 ? -1 : c > 0;
    }
    if (a->kind == SER_KEY_INT && b->kind == SER_KEY_INT)
        return a->i < b->i ? -1 : a->i > b->i;
    double x = a->kind == SER_KEY_INT ? (double)a->i : a->f, y = b->kind == SER_KEY_INT ? (double)b->i : b->f;
    return x < y ? -1 : x > y;
}

td_series *ser_mean_by_window(const td_series *d, int64_t nkeys, const ser_key *keys, int64_t window,
                              td_err *err)
{
    if (nkeys < 1) {
        td_err_set(err, TD_EVALUE, "max() arg is an empty sequence");
        return NULL;
    }
    if (window < 1) {
        td_err_set(err, TD_EVALUE, "window must be a positive number of samples, got %lld",
                   (long long)window);
        return NULL;
    }
    if (ser_nlevels(d) > 1) {
        td_err_set(err, TD_EVALUE, "mean_by_window needs a single-level index");
        return NULL;
    }
    int64_t n = ser_length(d), before = window / 2, after = window / 2 + window % 2;
    nd_array *index = ser_index(d, err);
    if (!index)
        return NULL;
    td_series *r = NULL;
    nd_array *out = NULL;
    int64_t *pos = NULL;
    const ser_key *kmax = &keys[0], *kmin = &keys[0];
    for (int64_t k = 1; k < nkeys; k++) {
        int c = key_order(&keys[k], kmax, err);
        if (c < -1)
            goto done;
        if (c > 0)
            kmax = &keys[k];
        if ((c = key_order(&keys[k], kmin, err)) < -1)
            goto done;
        if (c < 0)
            kmin = &keys[k];
    }
    char ks[64];
    int64_t pmax = key_position(d, index, kmax), pmin = key_position(d, index, kmin);
    if (pmax < 0 || pmin < 0) {
        td_err_set(err, TD_EINDEX, "index 0 is out of bounds for axis 0 with size 0");
        goto done;
    }
    if (pmax + after > n) {
        key_str(kmax, ks, sizeof ks);
        td_err_set(err, TD_EVALUE, "Maximum requested index %s, with window %lld, exceeds length %lld", ks,
                   (long long)window, (long long)n);
        goto done;
    }
    if (pmin - before < 0) {
        key_str(kmin, ks, sizeof ks);
        td_err_set(err, TD_EVALUE, "Minimum requested index %s, with window %lld, is less than 0", ks,
                   (long long)window);
        goto done;
    }
    size_t npos;
    if (td_mul_overflows((size_t)nkeys, (size_t)window, &npos) || npos > ((size_t)1 << 40)) {
        td_err_set(err, TD_EMEMORY, "too many window positions");
        goto done;
    }
    pos = td_scratch_alloc(npos * sizeof(int64_t), err);
    if (!pos)
        goto done;
    for (int64_t k = 0; k < nkeys; k++) {
        int64_t p = key_position(d, index, &keys[k]);
        if (p < 0) {
            td_err_set(err, TD_EINDEX, "index 0 is out of bounds for axis 0 with size 0");
            goto done;
        }
        for (int64_t j = 0; j < window; j++) {
            /* numpy fancy indexing: negative positions count from the end */
            int64_t q = p - before + j;
            if (q < -n || q >= n) {
                td_err_set(err, TD_EINDEX, "index %lld is out of bounds for axis 0 with size %lld",
                           (long long)q, (long long)n);
                goto done;
            }
            pos[k * window + j] = q < 0 ? q + n : q;
        }
    }
    out = ser_values_new(d, ser_ct(data_dtype(d)), window, err);
    if (!out)
        goto done;
    window_ctx c = {d, pos, nkeys, window, out};
    if (td_par_for(data_nrecords(d), 0, window_kernel, &c, err) == 0)
        r = ser_result(d, out, NULL, NULL, err); /* index arange(window) */
done:
    td_scratch_free(pos);
    nd_release(out);
    nd_release(index);
    return r;
}

typedef struct down_ctx {
    const td_series *d;
    int64_t factor, newlen;
    nd_array *out;
} down_ctx;

static int down_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const down_ctx *c = p;
    int64_t n = ser_length(c->d), f = c->factor;
    td_dtype ct = c->out->dtype;
    size_t cs = td_dtype_size(ct);
    void *buf = td_scratch_alloc((size_t)(n > 0 ? n : 1) * cs, err);
    if (!buf)
        return -1;
    for (int64_t i = begin; i < end; i++) {
        const void *x = ser_record_as(c->d, i, ct, buf);
        void *y = (char *)c->out->data + (size_t)(i * c->newlen) * cs;
        /* reshape(-1, f).mean(axis=1): each block summed as numpy sums a lane */
        for (int64_t k = 0; k < c->newlen; k++) {
            if (ct == TD_FLOAT32)
                ((float *)y)[k] = (float)(ser_sum_f32((const float *)x + k * f, f) / (float)f);
            else
                ((double *)y)[k] = ser_sum_f64((const double *)x + k * f, f) / (double)f;
        }
    }
    td_scratch_free(buf);
    return 0;
}

td_series *ser_downsample(const td_series *d, int64_t factor, td_err *err)
{
    if (factor < 0) {
        td_err_set(err, TD_EVALUE, "Factor for subsampling must be postive, got %lld", (long long)factor);
        return NULL;
    }
    if (factor == 0) {
        td_err_set(err, TD_EZERODIV, "division by zero");
        return NULL;
    }
    int64_t newlen = ser_length(d) / factor;
    nd_array *out = ser_values_new(d, ser_ct(data_dtype(d)), newlen, err);
    if (!out)
        return NULL;
    down_ctx c = {d, factor, newlen, out};
    td_series *r = NULL;
    if (td_par_for(data_nrecords(d), 0, down_kernel, &c, err) == 0) {
        /* arange(floor(length / factor)): a float64 index */
        nd_array *idx = nd_arange(TD_FLOAT64, newlen, err);
        if (idx)
            r = ser_result(d, out, idx, NULL, err);
        nd_release(idx);
    }
    nd_release(out);
    return r;
}

/* Series as a matrix with one row per record: gramian, cov and times.
 *
 * Floats go through CBLAS (OpenBLAS, with its own threads), in blocks of
 * rows so that a long product can be cancelled between blocks. Integer
 * and bool products are exact in the result dtype, wrapping as numpy's
 * dot does, parallel over records. */
#include "ser_internal.h"

#include <cblas.h>
#include <string.h>

/* Rows per BLAS call: large enough to run at BLAS speed, small enough to
 * notice a cancellation within a fraction of a second. */
#define MAT_ROWS 16384

static void blas_threads(void)
{
    openblas_set_num_threads(td_par_threads());
}

static int check_cancel(td_err *err)
{
    if (td_cancelled())
        return td_err_set(err, TD_ECANCEL, "cancelled");
    return 0;
}

/* The records as a (nrecords, length) matrix in dtype t (a view when the
 * dtype matches). */
static nd_array *as_matrix(const td_series *d, td_dtype t, td_err *err)
{
    int64_t shape[2] = {data_nrecords(d), ser_length(d)};
    nd_array *m = nd_reshape(d->values, 2, shape, err);
    if (!m || m->dtype == t)
        return m;
    nd_array *c = nd_astype(m, t, err);
    nd_release(m);
    return c;
}

/* ---- gramian ---------------------------------------------------------------------------------- */

typedef struct igram_ctx {
    const nd_array *x; /* (nrec, n) */
    uint64_t *acc;     /* n x n, rows [a0, a1) filled by each chunk */
} igram_ctx;

static int igram_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const igram_ctx *c = p;
    int64_t nrec = c->x->shape[0], n = c->x->shape[1];
    uint64_t *row = td_scratch_alloc((size_t)(n > 0 ? n : 1) * sizeof(uint64_t), err);
    if (!row)
        return -1;
    for (int64_t a = begin; a < end; a++)
        memset(c->acc + a * n, 0, (size_t)n * sizeof(uint64_t));
    size_t rb = (size_t)n * nd_itemsize(c->x);
    for (int64_t r = 0; r < nrec; r++) {
        nd_convert(row, TD_UINT64, (const char *)c->x->data + (size_t)r * rb, c->x->dtype, n);
        for (int64_t a = begin; a < end; a++) {
            uint64_t xa = row[a], *g = c->acc + a * n;
            for (int64_t b = 0; b < n; b++)
                g[b] += xa * row[b];
        }
    }
    td_scratch_free(row);
    return 0;
}

/* Wrapping uint64 results into dtype t (bool: nonzero). */
static void store_wrapped(nd_array *out, const uint64_t *acc)
{
    size_t is = nd_itemsize(out);
    for (int64_t i = 0; i < out->size; i++) {
        if (out->dtype == TD_BOOL)
            ((uint8_t *)out->data)[i] = acc[i] != 0;
        else
            memcpy((char *)out->data + (size_t)i * is, &acc[i], is); /* the low bytes (little-endian) */
    }
}

/* X^T X for a float matrix, accumulated over blocks of rows. */
static int float_gram(const nd_array *x, nd_array *out, td_err *err)
{
    int64_t nrec = x->shape[0], n = x->shape[1];
    blas_threads();
    if (nrec == 0)
        memset(out->data, 0, nd_nbytes(out));
    for (int64_t r0 = 0; r0 < nrec; r0 += MAT_ROWS) {
        if (check_cancel(err) < 0)
            return -1;
        int64_t rows = nrec - r0 < MAT_ROWS ? nrec - r0 : MAT_ROWS;
        if (x->dtype == TD_FLOAT32)
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)rows, 1.0f,
                        (const float *)x->data + r0 * n, (blasint)n, r0 ? 1.0f : 0.0f, out->data, (blasint)n);
        else
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)rows, 1.0,
                        (const double *)x->data + r0 * n, (blasint)n, r0 ? 1.0 : 0.0, out->data, (blasint)n);
    }
    /* syrk fills the upper triangle: mirror it */
    size_t is = nd_itemsize(out);
    for (int64_t a = 0; a < n; a++)
        for (int64_t b = 0; b < a; b++)
            memcpy((char *)out->data + (size_t)(a * n + b) * is, (char *)out->data + (size_t)(b * n + a) * is,
                   is);
    return 0;
}

static int too_big_for_blas(int64_t a, int64_t b, td_err *err)
{
    if (a > 0x7fffffff || b > 0x7fffffff)
        return td_err_set(err, TD_EVALUE, "matrix too large for BLAS (%lld x %lld)", (long long)a,
                          (long long)b);
    return 0;
}

td_series *ser_gramian(const td_series *d, td_err *err)
{
    td_dtype t = data_dtype(d);
    int64_t n = ser_length(d), nrec = data_nrecords(d);
    if (too_big_for_blas(nrec, n, err) < 0)
        return NULL;
    nd_array *x = as_matrix(d, t, err);
    if (!x)
        return NULL;
    int64_t shape[2] = {n, n};
    nd_array *out = nd_new(t, 2, shape, err);
    td_series *r = NULL;
    if (!out)
        goto done;
    if (td_dtype_is_float(t)) {
        if (float_gram(x, out, err) < 0)
            goto done;
    } else {
        size_t bytes;
        if (td_mul_overflows((size_t)n * (size_t)n, sizeof(uint64_t), &bytes)) {
            td_err_set(err, TD_EMEMORY, "gramian too large");
            goto done;
        }
        uint64_t *acc = td_scratch_alloc(bytes + 8, err);
        if (!acc)
            goto done;
        igram_ctx c = {x, acc};
        int rc = td_par_for(n, 0, igram_kernel, &c, err);
        if (rc == 0)
            store_wrapped(out, acc);
        td_scratch_free(acc);
        if (rc < 0)
            goto done;
    }
    /* Thunder: a new Series of the product, indexed by the original index. */
    r = ser_fromarray_like(out, d, err);
done:
    nd_release(x);
    nd_release(out);
    return r;
}

/* ---- times ------------------------------------------------------------------------------------------ */

typedef struct itimes_ctx {
    const nd_array *x; /* (nrec, n) */
    const uint64_t *o; /* (n, k) */
    int64_t k;
    nd_array *out; /* (nrec, k) */
} itimes_ctx;

static int itimes_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const itimes_ctx *c = p;
    int64_t n = c->x->shape[1], k = c->k;
    uint64_t *mem = td_scratch_alloc((size_t)(n + k + 2) * sizeof(uint64_t), err);
    if (!mem)
        return -1;
    uint64_t *row = mem, *acc = mem + n + 1;
    size_t rb = (size_t)n * nd_itemsize(c->x), is = nd_itemsize(c->out);
    for (int64_t r = begin; r < end; r++) {
        nd_convert(row, TD_UINT64, (const char *)c->x->data + (size_t)r * rb, c->x->dtype, n);
        memset(acc, 0, (size_t)k * sizeof(uint64_t));
        for (int64_t t = 0; t < n; t++)
            for (int64_t j = 0; j < k; j++)
                acc[j] += row[t] * c->o[t * k + j];
        char *dst = (char *)c->out->data + (size_t)(r * k) * is;
        for (int64_t j = 0; j < k; j++) {
            if (c->out->dtype == TD_BOOL)
                ((uint8_t *)dst)[j] = acc[j] != 0;
            else
                memcpy(dst + (size_t)j * is, &acc[j], is);
        }
    }
    td_scratch_free(mem);
    return 0;
}

/* dot(x, o) of (nrec, n) and (n, k) matrices in dtype t. */
static nd_array *matmul(const nd_array *x, const nd_array *o, td_dtype t, td_err *err)
{
    int64_t nrec = x->shape[0], n = x->shape[1], k = o->shape[1];
    if (too_big_for_blas(nrec, n, err) < 0 || too_big_for_blas(k, 1, err) < 0)
        return NULL;
    int64_t shape[2] = {nrec, k};
    nd_array *out = nd_new(t, 2, shape, err);
    if (!out)
        return NULL;
    if (td_dtype_is_float(t)) {
        blas_threads();
        if (n == 0)
            memset(out->data, 0, nd_nbytes(out));
        for (int64_t r0 = 0; r0 < nrec && n > 0; r0 += MAT_ROWS) {
            if (check_cancel(err) < 0) {
                nd_release(out);
                return NULL;
            }
            int64_t rows = nrec - r0 < MAT_ROWS ? nrec - r0 : MAT_ROWS;
            if (t == TD_FLOAT32)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)rows, (blasint)k, (blasint)n,
                            1.0f, (const float *)x->data + r0 * n, (blasint)n, o->data, (blasint)k, 0.0f,
                            (float *)out->data + r0 * k, (blasint)k);
            else
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)rows, (blasint)k, (blasint)n,
                            1.0, (const double *)x->data + r0 * n, (blasint)n, o->data, (blasint)k, 0.0,
                            (double *)out->data + r0 * k, (blasint)k);
        }
        return out;
    }
    size_t bytes;
    if (td_mul_overflows((size_t)n * (size_t)k + 1, sizeof(uint64_t), &bytes)) {
        nd_release(out);
        td_err_set(err, TD_EMEMORY, "operand too large");
        return NULL;
    }
    uint64_t *ou = td_scratch_alloc(bytes, err);
    if (!ou) {
        nd_release(out);
        return NULL;
    }
    nd_convert(ou, TD_UINT64, o->data, o->dtype, n * k);
    itimes_ctx c = {x, ou, k, out};
    int rc = td_par_for(nrec, 0, itimes_kernel, &c, err);
    td_scratch_free(ou);
    if (rc < 0) {
        nd_release(out);
        return NULL;
    }
    return out;
}

td_series *ser_times(const td_series *d, const nd_array *other, td_err *err)
{
    int64_t n = ser_length(d);
    if (other->ndim == 0)
        return ser_times_scalar(d, td_dtype_is_float(other->dtype), nd_get_i64(other, 0),
                                nd_get_f64(other, 0), err);
    if (other->ndim > 2 || other->shape[0] != n) {
        char a[128], b[128];
        td_err_set(err, TD_EVALUE, "shapes %s and %s are not aligned",
                   nd_shape_str(data_ndim(d), data_shape(d), a, sizeof a),
                   nd_shape_str(other->ndim, other->shape, b, sizeof b));
        return NULL;
    }
    int64_t k = other->ndim == 1 ? 1 : other->shape[1];
    td_dtype t = td_promote(data_dtype(d), other->dtype);
    int64_t oshape[2] = {n, k};
    nd_array *o1 = nd_reshape(other, 2, oshape, err);
    nd_array *o = o1 ? nd_astype(o1, t, err) : NULL;
    nd_array *x = o ? as_matrix(d, t, err) : NULL;
    nd_array *prod = x ? matmul(x, o, t, err) : NULL;
    td_series *r = NULL;
    if (prod) {
        /* (*base, k) */
        int64_t shape[ND_MAXDIM];
        memcpy(shape, data_shape(d), sizeof(int64_t) * (size_t)data_ndim(d));
        shape[data_ndim(d) - 1] = k;
        nd_array *v = nd_reshape(prod, data_ndim(d), shape, err);
        nd_array *idx = v ? nd_arange(TD_INT64, k, err) : NULL;
        if (idx)
            r = ser_fromarray(v, idx, err);
        nd_release(v);
        nd_release(idx);
    }
    nd_release(o1);
    nd_release(o);
    nd_release(x);
    nd_release(prod);
    return r;
}

td_series *ser_times_scalar(const td_series *d, bool is_float, int64_t ival, double fval, td_err *err)
{
    /* dot with a 0-d array promotes as arrays do: to int64 or float64 at least. */
    td_dtype t = td_promote(data_dtype(d), is_float ? TD_FLOAT64 : TD_INT64);
    nd_array *x = nd_astype(d->values, t, err);
    if (!x)
        return NULL;
    nd_array *s = is_float ? nd_scalar_f64(t, fval, err) : nd_scalar_i64(t, ival, err);
    nd_array *v = s ? nd_binary(ND_MUL, x, s, err) : NULL;
    td_series *r = v ? ser_fromarray_like(v, d, err) : NULL;
    nd_release(x);
    nd_release(s);
    nd_release(v);
    return r;
}

/* ---- cov ------------------------------------------------------------------------------------------------
 */

typedef struct center_ctx {
    const td_series *d;
    const void *mean; /* length values of ct */
    int64_t r0;       /* first record of the block */
    void *block;      /* rows x length of ct */
    td_dtype ct;
} center_ctx;

/* x - mean of each record of the block, in ct as numpy's subtraction does. */
static int center_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const center_ctx *c = p;
    int64_t n = ser_length(c->d);
    for (int64_t i = begin; i < end; i++) {
        void *row = (char *)c->block + (size_t)(i * n) * td_dtype_size(c->ct);
        nd_convert(row, c->ct, data_record(c->d, c->r0 + i), data_dtype(c->d), n);
        if (c->ct == TD_FLOAT32) {
            float *y = row;
            const float *m = c->mean;
            for (int64_t t = 0; t < n; t++)
                y[t] -= m[t];
        } else {
            double *y = row;
            const double *m = c->mean;
            for (int64_t t = 0; t < n; t++)
                y[t] -= m[t];
        }
    }
    return 0;
}

/* Thunder's center(axis=0).gramian().times(1 / (n - 1)), the centring done
 * block by block into scratch, each block added to the product as it is
 * ready, so no centred copy of the whole data is made. */
td_series *ser_cov(const td_series *d, td_err *err)
{
    int64_t rows = data_shape(d)[0], nrec = data_nrecords(d), n = ser_length(d);
    if (rows == 1) {
        td_err_set(err, TD_EZERODIV, "float division by zero");
        return NULL;
    }
    if (too_big_for_blas(nrec, n, err) < 0)
        return NULL;
    td_series *ms = data_reduce(d, ND_RMEAN, err);
    if (!ms)
        return NULL;
    /* x - mean: float32 data stay float32, everything else is float64 */
    td_dtype ct = td_promote(data_dtype(d), ms->values->dtype);
    int64_t shape[2] = {n, n};
    nd_array *gram = nd_new(ct, 2, shape, err), *out = NULL;
    int64_t brows = nrec < MAT_ROWS ? nrec : MAT_ROWS;
    size_t bytes;
    void *block = NULL;
    td_series *r = NULL;
    if (!gram)
        goto done;
    if (td_mul_overflows((size_t)(brows > 0 ? brows : 1) * (size_t)n, td_dtype_size(ct), &bytes)) {
        td_err_set(err, TD_EMEMORY, "covariance block too large");
        goto done;
    }
    if (!(block = td_scratch_alloc(bytes, err)))
        goto done;
    blas_threads();
    if (nrec == 0)
        memset(gram->data, 0, nd_nbytes(gram));
    for (int64_t r0 = 0; r0 < nrec; r0 += MAT_ROWS) {
        int64_t nb = nrec - r0 < MAT_ROWS ? nrec - r0 : MAT_ROWS;
        center_ctx c = {d, ms->values->data, r0, block, ct};
        if (td_par_for(nb, 0, center_kernel, &c, err) < 0)
            goto done;
        if (ct == TD_FLOAT32)
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)nb, 1.0f, block,
                        (blasint)n, r0 ? 1.0f : 0.0f, gram->data, (blasint)n);
        else
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)nb, 1.0, block,
                        (blasint)n, r0 ? 1.0 : 0.0, gram->data, (blasint)n);
    }
    /* times(1 / (n - 1)): float64, as numpy's dot with a 0-d float64 */
    out = nd_new(TD_FLOAT64, 2, shape, err);
    if (!out)
        goto done;
    double f = 1.0 / (double)(rows - 1);
    double *o = out->data;
    for (int64_t a = 0; a < n; a++)
        for (int64_t b = 0; b < n; b++) {
            /* syrk filled the upper triangle */
            int64_t k = b >= a ? a * n + b : b * n + a;
            o[a * n + b] = (ct == TD_FLOAT32 ? (double)((const float *)gram->data)[k]
                                             : ((const double *)gram->data)[k]) *
                           f;
        }
    r = ser_fromarray_like(out, d, err);
done:
    td_scratch_free(block);
    nd_release(gram);
    nd_release(out);
    data_release(ms);
    return r;
}

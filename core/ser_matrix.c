/* Series as a matrix with one row per record: gramian, cov and times.
 *
 * Floats go through CBLAS (OpenBLAS, with its own threads). A single BLAS
 * call cannot be interrupted, so large products are cut into calls of at
 * most SER_MAT_CALL_MACS multiply-adds each, with a look at the cancel flag
 * between them. Integer and bool products are exact in the result dtype,
 * wrapping as numpy's dot does, parallel over records. */
#include "ser_internal.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Records centred at once by cov: a multiple of MAT_KSTEP, so the blocks
 * sum as one call would. */
#define MAT_ROWS 16384

/* Splits of the inner (summed) dimension fall on multiples of this, and
 * the last call takes the last k % MAT_KSTEP rows together with the
 * MAT_KSTEP before them. Split so, OpenBLAS 0.3.21 gave results bitwise
 * equal to one call (syrk and gemm, single and double precision, on the
 * shapes tried); other split points move the last bits. Its kernels seem
 * to add partial sums into C in pieces of this size, the last two pieces
 * shared out differently. */
#define MAT_KSTEP 256
/* Output tiles are multiples of this many rows and columns. */
#define MAT_TILE 64
/* float32 triangles are tiled from this many times the budget (see ser_mat_syrk). */
#define MAT_F32_TILE_AT 4

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

/* element offset -> pointer, for float32 or float64 */
static void *mat_at(td_dtype t, const void *p, int64_t off)
{
    return (char *)p + off * (int64_t)td_dtype_size(t);
}

/* One BLAS call each, row-major: C = op(A) B + beta C with op(A) = A^T
 * when trans_a, and C (upper) = A^T A + beta C. */
static void blas_gemm(td_dtype t, bool trans_a, int64_t m, int64_t n, int64_t k, const void *a, int64_t lda,
                      const void *b, int64_t ldb, double beta, void *c, int64_t ldc)
{
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    if (t == TD_FLOAT32)
        cblas_sgemm(CblasRowMajor, ta, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0f, a,
                    (blasint)lda, b, (blasint)ldb, (float)beta, c, (blasint)ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, 1.0, a, (blasint)lda,
                    b, (blasint)ldb, beta, c, (blasint)ldc);
}

static void blas_syrk(td_dtype t, int64_t n, int64_t k, const void *a, int64_t lda, double beta, void *c,
                      int64_t ldc)
{
    if (t == TD_FLOAT32)
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)k, 1.0f, a, (blasint)lda,
                    (float)beta, c, (blasint)ldc);
    else
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)n, (blasint)k, 1.0, a, (blasint)lda, beta,
                    c, (blasint)ldc);
}

/* x rounded down to a multiple of step, at least step. */
static int64_t mat_round(int64_t x, int64_t step)
{
    return x < step ? step : x - x % step;
}

/* a * b, saturating (macs may be INT64_MAX: one call) */
static int64_t mat_sat(int64_t a, int64_t b)
{
    return a > INT64_MAX / b ? INT64_MAX : a * b;
}

/* The budget in multiply-adds of dtype t: single precision runs about
 * twice as many per second as double. */
static int64_t mat_work(td_dtype t, int64_t macs)
{
    return t == TD_FLOAT32 ? mat_sat(macs, 2) : macs;
}

/* Rows of the inner dimension per call when each row costs per_row
 * multiply-adds: all k when that fits, else a multiple of MAT_KSTEP. */
static int64_t mat_kchunk(int64_t k, int64_t per_row, int64_t macs)
{
    if (per_row <= 0 || k <= macs / per_row)
        return k > 0 ? k : 1;
    int64_t kc = mat_round(macs / per_row, MAT_KSTEP);
    return kc < k ? kc : k;
}

/* The length of the call from k0 of k, in pieces of kc (see MAT_KSTEP). */
static int64_t mat_kpiece(int64_t k0, int64_t k, int64_t kc)
{
    int64_t rest = k - k0;
    if (rest <= kc || (k % MAT_KSTEP && rest - kc <= MAT_KSTEP))
        return rest;
    return kc;
}

int ser_mat_syrk(td_dtype t, int64_t n, int64_t k, const void *a, void *c, bool accumulate, int64_t macs,
                 td_err *err)
{
    blas_threads();
    if (k == 0 && !accumulate) {
        for (int64_t i = 0; i < n; i++)
            memset(mat_at(t, c, i * n + i), 0, (size_t)(n - i) * td_dtype_size(t));
        return 0;
    }
    int64_t tri = n * (n + 1) / 2;
    macs = mat_work(t, macs);
    int64_t kc = mat_kchunk(k, tri, macs);
    for (int64_t k0 = 0, kw; k0 < k; k0 += kw) {
        kw = mat_kpiece(k0, k, kc);
        double beta = k0 > 0 || accumulate ? 1.0 : 0.0;
        const void *ak = mat_at(t, a, k0 * n);
        /* When even MAT_KSTEP rows of the whole triangle are too much, the
         * triangle is cut into square tiles: syrk on the diagonal, gemm
         * off it. In double precision that was bitwise the same as one
         * syrk on the shapes tried; in single precision sgemm's own
         * threading moves the last bit of some results (a few ulp), so
         * float32 tiles only triangles that would take several times
         * longer than the others. */
        int64_t side = n;
        if (kw * tri > (t == TD_FLOAT32 ? mat_sat(macs, MAT_F32_TILE_AT) : macs)) {
            side = mat_round((int64_t)sqrt((double)(macs / kw)), MAT_TILE);
            if (side > n)
                side = n;
        }
        for (int64_t j0 = 0; j0 < n; j0 += side) {
            int64_t jw = n - j0 < side ? n - j0 : side;
            for (int64_t i0 = 0; i0 < j0; i0 += side) {
                if (check_cancel(err) < 0)
                    return -1;
                blas_gemm(t, true, side, jw, kw, mat_at(t, ak, i0), n, mat_at(t, ak, j0), n, beta,
                          mat_at(t, c, i0 * n + j0), n);
            }
            if (check_cancel(err) < 0)
                return -1;
            blas_syrk(t, jw, kw, mat_at(t, ak, j0), n, beta, mat_at(t, c, j0 * n + j0), n);
        }
    }
    return 0;
}

int ser_mat_gemm(td_dtype t, int64_t m, int64_t n, int64_t k, const void *a, const void *b, void *c,
                 int64_t macs, td_err *err)
{
    blas_threads();
    if (m == 0 || n == 0)
        return 0;
    if (k == 0) {
        memset(c, 0, (size_t)(m * n) * td_dtype_size(t));
        return 0;
    }
    /* Blocks of rows, each as wide as fits: whole rows usually. The inner
     * dimension is cut only when a tile of MAT_TILE x MAT_TILE outputs
     * would be too much, then the columns. */
    macs = mat_work(t, macs);
    int64_t kc = mat_kchunk(k, MAT_TILE * MAT_TILE, macs);
    for (int64_t k0 = 0, kw; k0 < k; k0 += kw) {
        kw = mat_kpiece(k0, k, kc);
        int64_t nc = n;
        if (nc * kw > macs / MAT_TILE)
            nc = mat_round(macs / MAT_TILE / kw, MAT_TILE);
        int64_t mc = macs / (nc * kw);
        mc = mc >= m ? m : mat_round(mc, mc < MAT_TILE ? 1 : MAT_TILE);
        for (int64_t j0 = 0; j0 < n; j0 += nc) {
            int64_t jw = n - j0 < nc ? n - j0 : nc;
            for (int64_t i0 = 0; i0 < m; i0 += mc) {
                int64_t iw = m - i0 < mc ? m - i0 : mc;
                if (check_cancel(err) < 0)
                    return -1;
                blas_gemm(t, false, iw, jw, kw, mat_at(t, a, i0 * k + k0), k, mat_at(t, b, k0 * n + j0), n,
                          k0 > 0 ? 1.0 : 0.0, mat_at(t, c, i0 * n + j0), n);
            }
        }
    }
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

/* X^T X for a float matrix. */
static int float_gram(const nd_array *x, nd_array *out, td_err *err)
{
    int64_t n = x->shape[1];
    if (ser_mat_syrk(x->dtype, n, x->shape[0], x->data, out->data, false, SER_MAT_CALL_MACS, err) < 0)
        return -1;
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
        if (ser_mat_gemm(t, nrec, k, n, x->data, o->data, out->data, SER_MAT_CALL_MACS, err) < 0) {
            nd_release(out);
            return NULL;
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
        if (v)
            r = ser_fromarray(v, NULL, err); /* index arange(k) */
        nd_release(v);
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

/* The centring is done block by block into scratch, each block added to the
 * product as it is ready, so no centred copy of the whole data is made. */
nd_array *ser_cov_gram(const td_series *d, const nd_array *mean, td_err *err)
{
    int64_t nrec = data_nrecords(d), n = ser_length(d);
    if (mean->size != n) {
        td_err_set(err, TD_EVALUE, "cov: a mean of %lld values for records of length %lld",
                   (long long)mean->size, (long long)n);
        return NULL;
    }
    if (too_big_for_blas(nrec, n, err) < 0)
        return NULL;
    /* x - mean: float32 data stay float32, everything else is float64 */
    td_dtype ct = td_promote(data_dtype(d), mean->dtype);
    nd_array *m = nd_astype(mean, ct, err);
    int64_t shape[2] = {n, n};
    /* zeros below the diagonal, which syrk leaves alone: parts' grams add up whole */
    nd_array *gram = m ? nd_zeros(ct, 2, shape, err) : NULL;
    int64_t brows = nrec < MAT_ROWS ? nrec : MAT_ROWS;
    size_t bytes;
    void *block = NULL;
    if (!gram)
        goto fail;
    if (td_mul_overflows((size_t)(brows > 0 ? brows : 1) * (size_t)n, td_dtype_size(ct), &bytes)) {
        td_err_set(err, TD_EMEMORY, "covariance block too large");
        goto fail;
    }
    if (!(block = td_scratch_alloc(bytes, err)))
        goto fail;
    if (nrec == 0 && ser_mat_syrk(ct, n, 0, block, gram->data, false, SER_MAT_CALL_MACS, err) < 0)
        goto fail;
    for (int64_t r0 = 0; r0 < nrec; r0 += MAT_ROWS) {
        int64_t nb = nrec - r0 < MAT_ROWS ? nrec - r0 : MAT_ROWS;
        center_ctx c = {d, m->data, r0, block, ct};
        if (td_par_for(nb, 0, center_kernel, &c, err) < 0 ||
            ser_mat_syrk(ct, n, nb, block, gram->data, r0 > 0, SER_MAT_CALL_MACS, err) < 0)
            goto fail;
    }
    td_scratch_free(block);
    nd_release(m);
    return gram;
fail:
    td_scratch_free(block);
    nd_release(m);
    nd_release(gram);
    return NULL;
}

td_series *ser_cov_finish(const td_series *d, const nd_array *gram, int64_t rows, td_err *err)
{
    int64_t n = gram->shape[0], shape[2] = {n, n};
    /* times(1 / (n - 1)): float64, as numpy's dot with a 0-d float64 */
    nd_array *out = nd_new(TD_FLOAT64, 2, shape, err);
    if (!out)
        return NULL;
    double f = 1.0 / (double)(rows - 1);
    double *o = out->data;
    for (int64_t a = 0; a < n; a++)
        for (int64_t b = 0; b < n; b++) {
            /* syrk filled the upper triangle */
            int64_t k = b >= a ? a * n + b : b * n + a;
            o[a * n + b] = (gram->dtype == TD_FLOAT32 ? (double)((const float *)gram->data)[k]
                                                      : ((const double *)gram->data)[k]) *
                           f;
        }
    td_series *r = ser_fromarray_like(out, d, err);
    nd_release(out);
    return r;
}

/* Thunder's center(axis=0).gramian().times(1 / (n - 1)). */
td_series *ser_cov(const td_series *d, td_err *err)
{
    int64_t rows = data_shape(d)[0];
    if (rows == 1) {
        td_err_set(err, TD_EZERODIV, "float division by zero");
        return NULL;
    }
    if (too_big_for_blas(data_nrecords(d), ser_length(d), err) < 0)
        return NULL;
    td_series *ms = data_reduce(d, ND_RMEAN, err);
    nd_array *gram = ms ? ser_cov_gram(d, ms->values, err) : NULL;
    td_series *r = gram ? ser_cov_finish(d, gram, rows, err) : NULL;
    nd_release(gram);
    data_release(ms);
    return r;
}

/* Long single computations that Ctrl-C must stop mid-call: a median or
 * percentile over one huge lane (the selection looks at the cancel flag
 * every few million elements) and BLAS products (cut into calls of a
 * bounded size). Their results must not change for it. Expected medians
 * and percentiles are numpy 1.24's. */
#include <math.h>

#include "testutil.h"

#include "ser_internal.h"

/* More elements than MED_CHECK (2^20) per lane, so every chunked loop of
 * the selection runs several chunks: 8800002 distinct values
 * ((i * 7919 + 13) % 10000019) / 4, the same as in numpy with
 *   i = np.arange(8800002); x = ((i * 7919 + 13) % 10000019) / 4.0 */
#define BIG_N 8800002

static nd_array *big_values(td_dtype t)
{
    td_err err;
    int64_t n = BIG_N;
    nd_array *a = nd_new(t, 1, &n, &err);
    CHECK_OK(a, &err);
    for (int64_t i = 0; i < n; i++) {
        int64_t v = (i * 7919 + 13) % 10000019;
        if (t == TD_FLOAT64)
            ((double *)a->data)[i] = (double)v / 4.0;
        else if (t == TD_FLOAT32)
            ((float *)a->data)[i] = (float)v / 4.0f; /* exact: v < 2^24 */
        else
            ((int64_t *)a->data)[i] = v;
    }
    return a;
}

static nd_array *reshaped(const nd_array *a, int64_t d0, int64_t d1)
{
    td_err err;
    nd_array *r = nd_reshape(a, 2, (int64_t[]){d0, d1}, &err);
    CHECK_OK(r, &err);
    return r;
}

/* r holds exactly want (NaN matches NaN); releases r. */
static void expect_exact(nd_array *r, td_err *err, td_dtype t, const double *want, int64_t n)
{
    CHECK_OK(r, err);
    assert_int_equal(r->dtype, t);
    assert_array_close(r, want, n, 0, 0);
    nd_release(r);
}

static void test_median_huge_lane(void **state)
{
    (void)state;
    td_err err;
    nd_array *x = big_values(TD_FLOAT64);
    /* an even count: the mean of 1249949.75 and 1249950.0 */
    expect_exact(nd_reduce(ND_RMEDIAN, x, ND_ALL, false, 0, &err), &err, TD_FLOAT64, (double[]){1249949.875},
                 1);
    expect_exact(nd_percentile(x, 30, ND_ALL, false, &err), &err, TD_FLOAT64, (double[]){749970.075}, 1);
    expect_exact(nd_percentile(x, 62.5, ND_ALL, false, &err), &err, TD_FLOAT64, (double[]){1562436.90625}, 1);
    expect_exact(nd_percentile(x, 100, ND_ALL, false, &err), &err, TD_FLOAT64, (double[]){2500004.5}, 1);
    expect_exact(nd_percentile(x, 0, ND_ALL, false, &err), &err, TD_FLOAT64, (double[]){0}, 1);
    /* two lanes of 4400001 (odd) along the last axis */
    nd_array *rows = reshaped(x, 2, BIG_N / 2);
    expect_exact(nd_reduce(ND_RMEDIAN, rows, 1, false, 0, &err), &err, TD_FLOAT64,
                 (double[]){1249872.25, 1250024.25}, 2);
    /* the same lengths along axis 0, gathered from strided rows */
    nd_array *cols = reshaped(x, BIG_N / 2, 2);
    expect_exact(nd_reduce(ND_RMEDIAN, cols, 0, false, 0, &err), &err, TD_FLOAT64,
                 (double[]){1249950.0, 1249946.5}, 2);

    /* a NaN past the first chunks makes its lanes NaN */
    ((double *)x->data)[8000000] = NAN;
    expect_exact(nd_reduce(ND_RMEDIAN, x, ND_ALL, false, 0, &err), &err, TD_FLOAT64, (double[]){NAN}, 1);
    expect_exact(nd_percentile(x, 30, ND_ALL, false, &err), &err, TD_FLOAT64, (double[]){NAN}, 1);
    expect_exact(nd_reduce(ND_RMEDIAN, rows, 1, false, 0, &err), &err, TD_FLOAT64,
                 (double[]){1249872.25, NAN}, 2);
    expect_exact(nd_reduce(ND_RMEDIAN, cols, 0, false, 0, &err), &err, TD_FLOAT64, (double[]){NAN, 1249946.5},
                 2);
    nd_release(rows);
    nd_release(cols);
    nd_release(x);

    x = big_values(TD_FLOAT32);
    expect_exact(nd_reduce(ND_RMEDIAN, x, ND_ALL, false, 0, &err), &err, TD_FLOAT32, (double[]){1249949.875},
                 1);
    nd_release(x);
    x = big_values(TD_INT64);
    expect_exact(nd_reduce(ND_RMEDIAN, x, ND_ALL, false, 0, &err), &err, TD_FLOAT64, (double[]){4999799.5},
                 1);
    expect_exact(nd_percentile(x, 30, ND_ALL, false, &err), &err, TD_FLOAT64, (double[]){2999880.3}, 1);
    nd_release(x);
}

/* With the flag up, each path of the selection stops with a
 * KeyboardInterrupt and leaves nothing allocated. */
static void test_median_cancelled(void **state)
{
    (void)state;
    td_err err;
    nd_array *x = big_values(TD_FLOAT64);
    nd_array *rows = reshaped(x, 2, BIG_N / 2), *cols = reshaped(x, BIG_N / 2, 2);
    size_t before = td_mem_in_use();
    td_cancel();
    td_err_clear(&err);
    assert_null(nd_reduce(ND_RMEDIAN, x, ND_ALL, false, 0, &err));
    assert_int_equal(err.kind, TD_ECANCEL);
    td_err_clear(&err);
    assert_null(nd_percentile(x, 30, ND_ALL, false, &err));
    assert_int_equal(err.kind, TD_ECANCEL);
    td_err_clear(&err);
    assert_null(nd_reduce(ND_RMEDIAN, rows, 1, false, 0, &err));
    assert_int_equal(err.kind, TD_ECANCEL);
    td_err_clear(&err);
    assert_null(nd_reduce(ND_RMEDIAN, cols, 0, false, 0, &err));
    assert_int_equal(err.kind, TD_ECANCEL);
    td_cancel_clear();
    assert_int_equal(td_mem_in_use(), before);
    /* and the data were not touched: the median is still there */
    expect_exact(nd_reduce(ND_RMEDIAN, x, ND_ALL, false, 0, &err), &err, TD_FLOAT64, (double[]){1249949.875},
                 1);
    nd_release(rows);
    nd_release(cols);
    nd_release(x);
}

/* ---- products in pieces ---- */

/* A budget that forces pieces on small shapes: 256 inner rows of a
 * 64 x 64 tile. */
#define SMALL_MACS ((int64_t)256 * 64 * 64)

/* Positive values, so every product element is well away from zero and a
 * relative comparison is meaningful. */
static void *fill(td_dtype t, int64_t n, int64_t seed)
{
    void *p = malloc((size_t)(n + 1) * td_dtype_size(t));
    assert_non_null(p);
    for (int64_t i = 0; i < n; i++) {
        double v = 0.5 + (double)((i * 37 + seed) % 101) / 101.0;
        if (t == TD_FLOAT32)
            ((float *)p)[i] = (float)v;
        else
            ((double *)p)[i] = v;
    }
    return p;
}

static double at(td_dtype t, const void *p, int64_t i)
{
    return t == TD_FLOAT32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

/* |got - want| <= rtol * |want| */
static void close_rel(double got, double want, double rtol, const char *what, int64_t i, int64_t j)
{
    if (!(fabs(got - want) <= rtol * fabs(want)))
        fail_msg("%s (%lld, %lld): got %.17g, want %.17g", what, (long long)i, (long long)j, got, want);
}

/* Tolerances: against the single call, a few ulp at most (the splits are
 * chosen to be bitwise equal with OpenBLAS 0.3.21, but no BLAS promises
 * it); against a plain sum in long double, the rounding of k terms. */
static double same_tol(td_dtype t)
{
    return t == TD_FLOAT32 ? 1e-6 : 1e-12;
}
static double ref_tol(td_dtype t)
{
    return t == TD_FLOAT32 ? 1e-4 : 1e-12;
}

static void check_syrk(td_dtype t, int64_t n, int64_t k)
{
    td_err err;
    size_t ts = td_dtype_size(t);
    void *a = fill(t, n * k, n), *one = malloc((size_t)(n * n) * ts), *cut = malloc((size_t)(n * n) * ts);
    assert_true(one && cut);
    /* the lower triangle is not syrk's to write */
    memset(cut, 0x7f, (size_t)(n * n) * ts);
    CHECK_OK(ser_mat_syrk(t, n, k, a, one, false, INT64_MAX, &err) == 0, &err);
    CHECK_OK(ser_mat_syrk(t, n, k, a, cut, false, SMALL_MACS, &err) == 0, &err);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            if (j < i) {
                unsigned char want[8];
                memset(want, 0x7f, sizeof want);
                assert_memory_equal((char *)cut + (size_t)(i * n + j) * ts, want, ts);
                continue;
            }
            long double s = 0;
            for (int64_t r = 0; r < k; r++)
                s += (long double)at(t, a, r * n + i) * at(t, a, r * n + j);
            close_rel(at(t, cut, i * n + j), at(t, one, i * n + j), same_tol(t), "syrk vs one call", i, j);
            close_rel(at(t, cut, i * n + j), (double)s, ref_tol(t), "syrk vs sum", i, j);
        }
    /* accumulate: a second block of rows added to the first, as cov does
     * (split off the MAT_KSTEP grid, so not bitwise) */
    int64_t k1 = k / 2 + 3;
    if (k1 < k) {
        CHECK_OK(ser_mat_syrk(t, n, k1, a, cut, false, SMALL_MACS, &err) == 0, &err);
        CHECK_OK(ser_mat_syrk(t, n, k - k1, (char *)a + (size_t)(k1 * n) * ts, cut, true, SMALL_MACS, &err) ==
                     0,
                 &err);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = i; j < n; j++)
                close_rel(at(t, cut, i * n + j), at(t, one, i * n + j), t == TD_FLOAT32 ? 1e-5 : 1e-12,
                          "two blocks vs one call", i, j);
    }
    free(a);
    free(one);
    free(cut);
}

static void test_syrk_pieces(void **state)
{
    (void)state;
    /* 150 columns: tiles of 64, 64 and 22; 700 rows: calls of 256 and 444 */
    check_syrk(TD_FLOAT64, 150, 700);
    check_syrk(TD_FLOAT64, 64, 1024); /* whole tiles, whole inner pieces */
    check_syrk(TD_FLOAT64, 7, 300);   /* small: one call */
    check_syrk(TD_FLOAT32, 150, 700); /* single precision: inner pieces only */
    check_syrk(TD_FLOAT32, 401, 600); /* large enough to be tiled in single precision too */
    check_syrk(TD_FLOAT64, 130, 0);   /* no rows: zeros */
}

static void check_gemm(td_dtype t, int64_t m, int64_t n, int64_t k, int64_t macs)
{
    td_err err;
    size_t ts = td_dtype_size(t);
    void *a = fill(t, m * k, 1), *b = fill(t, k * n, 2);
    void *one = malloc((size_t)(m * n) * ts + 1), *cut = malloc((size_t)(m * n) * ts + 1);
    assert_true(one && cut);
    CHECK_OK(ser_mat_gemm(t, m, n, k, a, b, one, INT64_MAX, &err) == 0, &err);
    CHECK_OK(ser_mat_gemm(t, m, n, k, a, b, cut, macs, &err) == 0, &err);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            long double s = 0;
            for (int64_t r = 0; r < k; r++)
                s += (long double)at(t, a, i * k + r) * at(t, b, r * n + j);
            close_rel(at(t, cut, i * n + j), at(t, one, i * n + j), same_tol(t), "gemm vs one call", i, j);
            if (k > 0)
                close_rel(at(t, cut, i * n + j), (double)s, ref_tol(t), "gemm vs sum", i, j);
            else
                assert_true(at(t, cut, i * n + j) == 0);
        }
    free(a);
    free(b);
    free(one);
    free(cut);
}

static void test_gemm_pieces(void **state)
{
    (void)state;
    /* inner 1000: pieces of 256, 256 and 488; columns 64, 64, 2; rows 64 x 4 + 44 */
    check_gemm(TD_FLOAT64, 300, 130, 1000, SMALL_MACS);
    check_gemm(TD_FLOAT32, 300, 130, 1000, SMALL_MACS);
    /* a budget below one row: one output row per call, inner dimension whole */
    check_gemm(TD_FLOAT64, 100, 7, 50, 1000);
    /* blocks of whole rows: 8704, 8704 and 2592 */
    check_gemm(TD_FLOAT64, 20000, 3, 40, SMALL_MACS);
    check_gemm(TD_FLOAT64, 5, 4, 0, SMALL_MACS);
}

static void test_products_cancelled(void **state)
{
    (void)state;
    td_err err;
    double a[6] = {1, 2, 3, 4, 5, 6}, c[9] = {0};
    td_cancel();
    td_err_clear(&err);
    assert_int_equal(ser_mat_syrk(TD_FLOAT64, 3, 2, a, c, false, INT64_MAX, &err), -1);
    assert_int_equal(err.kind, TD_ECANCEL);
    td_err_clear(&err);
    assert_int_equal(ser_mat_gemm(TD_FLOAT64, 2, 2, 3, a, a, c, INT64_MAX, &err), -1);
    assert_int_equal(err.kind, TD_ECANCEL);
    td_cancel_clear();
    assert_int_equal(ser_mat_gemm(TD_FLOAT64, 2, 2, 3, a, a, c, INT64_MAX, &err), 0);
    /* [[1,2,3],[4,5,6]] @ [[1,2],[3,4],[5,6]] */
    assert_true(c[0] == 22 && c[1] == 28 && c[2] == 49 && c[3] == 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_huge_lane),   cmocka_unit_test(test_median_cancelled),
        cmocka_unit_test(test_syrk_pieces),        cmocka_unit_test(test_gemm_pieces),
        cmocka_unit_test(test_products_cancelled),
    };
    return cmocka_run_group_tests_name("interrupt", tests, NULL, NULL);
}

/* Reductions, median and percentile. Expected values were computed with
 * numpy 1.24 and are compared exactly where numpy's order of additions is
 * reproduced (pairwise blocks along the last axis, rows otherwise). */
#include <math.h>

#include "testutil.h"

static nd_array *from(td_dtype t, int ndim, const int64_t *shape, const void *data)
{
    td_err err;
    nd_array *a = nd_from_buffer(t, ndim, shape, data, &err);
    CHECK_OK(a, &err);
    return a;
}

/* ((i * 7919) % 1009) / 97.0 - 5.0, as numpy evaluates it for int64 i */
static nd_array *gen_f64(int ndim, const int64_t *shape)
{
    td_err err;
    nd_array *a = nd_new(TD_FLOAT64, ndim, shape, &err);
    CHECK_OK(a, &err);
    double *d = a->data;
    for (int64_t i = 0; i < a->size; i++)
        d[i] = (double)((i * 7919) % 1009) / 97.0 - 5.0;
    return a;
}

/* (((i * 7919) % 1009) - 485).astype(int16) */
static nd_array *gen_i16(int ndim, const int64_t *shape)
{
    td_err err;
    nd_array *a = nd_new(TD_INT16, ndim, shape, &err);
    CHECK_OK(a, &err);
    int16_t *d = a->data;
    for (int64_t i = 0; i < a->size; i++)
        d[i] = (int16_t)((i * 7919) % 1009 - 485);
    return a;
}

static nd_array *red(nd_redop op, const nd_array *a, int axis, bool keepdims, int ddof)
{
    td_err err;
    nd_array *r = nd_reduce(op, a, axis, keepdims, ddof, &err);
    CHECK_OK(r, &err);
    return r;
}

static void expect(nd_array *got, td_dtype t, const double *want, int64_t n)
{
    assert_non_null(got);
    if (got->dtype != t)
        fail_msg("dtype %s, want %s", td_dtype_name(got->dtype), td_dtype_name(t));
    assert_array_close(got, want, n, 0, 0);
    nd_release(got);
}

/* Element i of got equals want to the last bit. */
static void expect_at(const nd_array *got, int64_t i, double want)
{
    double g = nd_get_f64(got, i);
    if (!(g == want || (isnan(g) && isnan(want))))
        fail_msg("element %lld: got %.17g, want %.17g", (long long)i, g, want);
}

static void expect_err(const nd_array *r, const td_err *err, td_errkind kind, const char *msg)
{
    assert_null(r);
    if (err->kind != kind)
        fail_msg("error %s (%s), want %s", td_errkind_name(err->kind), err->msg, td_errkind_name(kind));
    if (msg && strcmp(err->msg, msg) != 0)
        fail_msg("message \"%s\", want \"%s\"", err->msg, msg);
}

static const double Y[12] = {1, 2, 4, 8, 3, -1, 0.5, 2, 0, 7, -3, 1};
static const int64_t YS[2] = {3, 4};

static void test_axes_and_keepdims(void **state)
{
    (void)state;
    nd_array *y = from(TD_FLOAT64, 2, YS, Y);

    expect(red(ND_RSUM, y, ND_ALL, false, 0), TD_FLOAT64, (double[]){24.5}, 1);
    expect(red(ND_RMEAN, y, ND_ALL, false, 0), TD_FLOAT64, (double[]){2.0416666666666665}, 1);
    expect(red(ND_RVAR, y, ND_ALL, false, 0), TD_FLOAT64, (double[]){9.019097222222223}, 1);
    expect(red(ND_RSTD, y, ND_ALL, false, 1), TD_FLOAT64, (double[]){3.1367204452286073}, 1);
    expect(red(ND_RPROD, y, ND_ALL, false, 0), TD_FLOAT64, (double[]){0}, 1);
    expect(red(ND_RMAX, y, ND_ALL, false, 0), TD_FLOAT64, (double[]){8}, 1);
    expect(red(ND_RARGMIN, y, ND_ALL, false, 0), TD_INT64, (double[]){10}, 1);

    expect(red(ND_RSUM, y, 0, false, 0), TD_FLOAT64, (double[]){4, 8, 1.5, 11}, 4);
    expect(red(ND_RMEAN, y, 0, false, 0), TD_FLOAT64,
           (double[]){1.3333333333333333, 2.6666666666666665, 0.5, 3.6666666666666665}, 4);
    expect(red(ND_RVAR, y, 0, false, 0), TD_FLOAT64,
           (double[]){1.5555555555555556, 10.888888888888891, 8.166666666666666, 9.555555555555557}, 4);
    expect(red(ND_RSTD, y, 0, false, 1), TD_FLOAT64,
           (double[]){1.5275252316519468, 4.041451884327381, 3.5, 3.785938897200183}, 4);
    expect(red(ND_RPROD, y, 0, false, 0), TD_FLOAT64, (double[]){0, -14, -6, 16}, 4);
    expect(red(ND_RMAX, y, 0, false, 0), TD_FLOAT64, (double[]){3, 7, 4, 8}, 4);
    expect(red(ND_RARGMIN, y, 0, false, 0), TD_INT64, (double[]){2, 1, 2, 2}, 4);

    expect(red(ND_RSUM, y, -1, false, 0), TD_FLOAT64, (double[]){15, 4.5, 5}, 3);
    expect(red(ND_RMEAN, y, 1, false, 0), TD_FLOAT64, (double[]){3.75, 1.125, 1.25}, 3);
    expect(red(ND_RVAR, y, 1, false, 0), TD_FLOAT64, (double[]){7.1875, 2.296875, 13.1875}, 3);
    expect(red(ND_RSTD, y, 1, false, 1), TD_FLOAT64, (double[]){3.095695936834452, 1.75, 4.193248541803041},
           3);
    expect(red(ND_RPROD, y, 1, false, 0), TD_FLOAT64, (double[]){64, -3, -0.0}, 3);
    expect(red(ND_RMAX, y, 1, false, 0), TD_FLOAT64, (double[]){8, 3, 7}, 3);
    expect(red(ND_RARGMIN, y, 1, false, 0), TD_INT64, (double[]){0, 1, 2}, 3);

    nd_array *r = red(ND_RMEAN, y, 0, true, 0);
    assert_shape(r, 2, (int64_t[]){1, 4});
    nd_release(r);
    r = red(ND_RMIN, y, -1, true, 0);
    assert_shape(r, 2, (int64_t[]){3, 1});
    expect(r, TD_FLOAT64, (double[]){1, -1, -3}, 3);
    r = red(ND_RSUM, y, ND_ALL, true, 0);
    assert_shape(r, 2, (int64_t[]){1, 1});
    nd_release(r);
    r = red(ND_RSUM, y, ND_ALL, false, 0);
    assert_int_equal(r->ndim, 0);
    nd_release(r);

    td_err err;
    expect_err(nd_reduce(ND_RSUM, y, 2, false, 0, &err), &err, TD_EVALUE,
               "axis 2 is out of bounds for array of dimension 2");
    expect_err(nd_reduce(ND_RMEAN, y, -3, false, 0, &err), &err, TD_EVALUE,
               "axis -3 is out of bounds for array of dimension 2");
    nd_release(y);
}

static void test_integer_dtypes(void **state)
{
    (void)state;
    static const int16_t yi[12] = {1, 2, 4, 8, 3, -1, 5, 2, 0, 7, -3, 1};
    nd_array *a = from(TD_INT16, 2, YS, yi);
    expect(red(ND_RMEAN, a, 0, false, 0), TD_FLOAT64,
           (double[]){1.3333333333333333, 2.6666666666666665, 2, 3.6666666666666665}, 4);
    expect(red(ND_RVAR, a, 1, false, 0), TD_FLOAT64, (double[]){7.1875, 4.6875, 13.1875}, 3);
    expect(red(ND_RSUM, a, 1, false, 0), TD_INT64, (double[]){15, 9, 5}, 3);
    expect(red(ND_RMAX, a, ND_ALL, false, 0), TD_INT16, (double[]){8}, 1);
    expect(red(ND_RMEDIAN, a, 1, false, 0), TD_FLOAT64, (double[]){3, 2.5, 0.5}, 3);
    expect(red(ND_RMEDIAN, a, 0, false, 0), TD_FLOAT64, (double[]){1, 2, 4, 2}, 4);
    nd_release(a);

    int64_t s10[1] = {10};
    int8_t hundreds[10];
    memset(hundreds, 100, sizeof hundreds);
    a = from(TD_INT8, 1, s10, hundreds);
    /* 100**10 wraps in int64 */
    nd_array *r = red(ND_RPROD, a, ND_ALL, false, 0);
    assert_int_equal(r->dtype, TD_INT64);
    assert_true(((int64_t *)r->data)[0] == 7766279631452241920LL);
    nd_release(r);
    expect(red(ND_RSUM, a, ND_ALL, false, 0), TD_INT64, (double[]){1000}, 1);
    nd_release(a);

    int64_t s2[1] = {2};
    a = from(TD_UINT8, 1, s2, (uint8_t[]){200, 200});
    expect(red(ND_RSUM, a, ND_ALL, false, 0), TD_UINT64, (double[]){400}, 1);
    nd_release(a);

    int64_t s4[1] = {4};
    a = from(TD_BOOL, 1, s4, (uint8_t[]){1, 1, 0, 1});
    expect(red(ND_RSUM, a, ND_ALL, false, 0), TD_INT64, (double[]){3}, 1);
    expect(red(ND_RPROD, a, ND_ALL, false, 0), TD_INT64, (double[]){0}, 1);
    expect(red(ND_RMAX, a, ND_ALL, false, 0), TD_BOOL, (double[]){1}, 1);
    expect(red(ND_RMEAN, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){0.75}, 1);
    expect(red(ND_RANY, a, ND_ALL, false, 0), TD_BOOL, (double[]){1}, 1);
    expect(red(ND_RALL, a, ND_ALL, false, 0), TD_BOOL, (double[]){0}, 1);
    nd_release(a);
}

/* numpy sums float32 in float32 with pairwise blocks; a running sum gives
 * 30997.781 instead. */
static void test_pairwise_float32(void **state)
{
    (void)state;
    td_err err;
    int64_t n[1] = {100000};
    nd_array *a = nd_new(TD_FLOAT32, 1, n, &err);
    CHECK_OK(a, &err);
    float *f = a->data;
    for (int64_t i = 0; i < n[0]; i++)
        f[i] = (float)((double)(i % 7) * (double)0.1f + (double)0.01f);
    nd_array *r = red(ND_RSUM, a, ND_ALL, false, 0);
    assert_int_equal(r->dtype, TD_FLOAT32);
    assert_true(((float *)r->data)[0] == 30999.5f);
    nd_release(r);
    r = red(ND_RMEAN, a, ND_ALL, false, 0);
    assert_int_equal(r->dtype, TD_FLOAT32);
    assert_true(((float *)r->data)[0] == 0.309995f);
    nd_release(r);
    nd_release(a);
}

/* float64: 1/1 + ... + 1/20000 in numpy's order (blocks of 8192), which a
 * running sum misses by two units in the last place. */
static void test_pairwise_float64(void **state)
{
    (void)state;
    td_err err;
    int64_t n[1] = {20000};
    nd_array *a = nd_new(TD_FLOAT64, 1, n, &err);
    CHECK_OK(a, &err);
    for (int64_t i = 0; i < n[0]; i++)
        ((double *)a->data)[i] = 1.0 / (double)(i + 1);
    nd_array *r = red(ND_RSUM, a, ND_ALL, false, 0);
    expect_at(r, 0, 10.480728217229329);
    nd_release(r);
    r = red(ND_RMEAN, a, 0, false, 0);
    expect_at(r, 0, 0.0005240364108614665);
    nd_release(r);
    nd_release(a);

    /* a million values, reduced in parallel chunks and combined in order */
    int64_t m[1] = {1000003};
    a = gen_f64(1, m);
    r = red(ND_RSUM, a, ND_ALL, false, 0);
    expect_at(r, 0, 195881.46391752578);
    nd_release(r);
    r = red(ND_RMEAN, a, ND_ALL, false, 0);
    expect_at(r, 0, 0.19588087627489695);
    nd_release(r);
    r = red(ND_RVAR, a, ND_ALL, false, 0);
    expect_at(r, 0, 9.016899753297126);
    nd_release(r);
    r = red(ND_RSTD, a, -1, false, 0);
    expect_at(r, 0, 3.0028153045595607);
    nd_release(r);
    expect(red(ND_RMAX, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){5.391752577319588}, 1);
    expect(red(ND_RARGMAX, a, ND_ALL, false, 0), TD_INT64, (double[]){765}, 1);
    expect(red(ND_RARGMIN, a, ND_ALL, false, 0), TD_INT64, (double[]){0}, 1);
    expect(red(ND_RMEDIAN, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){0.195876288659794}, 1);
    td_err e2;
    r = nd_percentile(a, 37.5, ND_ALL, false, &e2);
    CHECK_OK(r, &e2);
    expect(r, TD_FLOAT64, (double[]){-1.1030927835051547}, 1);
    nd_release(a);
}

/* Middle and leading axes accumulate row by row, in tiles. */
static void test_leading_axis(void **state)
{
    (void)state;
    int64_t s[3] = {5, 64, 33};
    nd_array *g = gen_f64(3, s);
    nd_array *r = red(ND_RMEAN, g, 0, false, 0);
    assert_shape(r, 2, (int64_t[]){64, 33});
    expect_at(r, 0, 0.12371134020618531);
    expect_at(r, 63 * 33 + 32, 1.1422680412371133);
    nd_release(r);
    r = red(ND_RVAR, g, 0, false, 0);
    expect_at(r, 10 * 33 + 7, 9.280663194813476);
    nd_release(r);
    r = red(ND_RSTD, g, 1, false, 0);
    expect_at(r, 2 * 33 + 5, 0.7617712660581925);
    nd_release(r);
    r = red(ND_RSUM, g, 2, false, 0);
    expect_at(r, 4 * 64 + 63, 3.556701030927834);
    nd_release(r);

    td_err err;
    nd_array *g32 = nd_astype(g, TD_FLOAT32, &err);
    CHECK_OK(g32, &err);
    r = red(ND_RMEAN, g32, 0, false, 0);
    assert_int_equal(r->dtype, TD_FLOAT32);
    expect_at(r, 0, (double)0.1237113f);
    expect_at(r, 63 * 33 + 32, (double)1.142268f);
    nd_release(r);
    r = red(ND_RVAR, g32, 0, false, 0);
    assert_int_equal(r->dtype, TD_FLOAT32);
    expect_at(r, 10 * 33 + 7, (double)9.280663f);
    nd_release(r);
    r = red(ND_RMEAN, g32, ND_ALL, false, 0);
    expect_at(r, 0, (double)0.19563028f);
    nd_release(r);
    r = red(ND_RVAR, g32, ND_ALL, false, 0);
    expect_at(r, 0, (double)9.018817f);
    nd_release(r);
    nd_release(g32);
    nd_release(g);

    /* big enough for threads: (40, 130, 140) */
    int64_t b[3] = {40, 130, 140};
    g = gen_f64(3, b);
    r = red(ND_RMEAN, g, 0, false, 0);
    expect_at(r, 0, 0.07886597938144359);
    expect_at(r, 77 * 140 + 91, 0.31649484536082495);
    expect_at(r, 129 * 140 + 139, -0.0304123711340206);
    nd_release(r);
    r = red(ND_RVAR, g, 0, false, 0);
    expect_at(r, 0, 9.317549952173453);
    expect_at(r, 77 * 140 + 91, 8.946775427781912);
    expect_at(r, 129 * 140 + 139, 8.645169252843022);
    nd_release(r);
    r = red(ND_RMAX, g, 0, false, 0);
    expect_at(r, 77 * 140 + 91, 5.350515463917526);
    nd_release(r);
    r = red(ND_RARGMAX, g, 0, false, 0);
    expect_at(r, 77 * 140 + 91, 27);
    nd_release(r);
    r = red(ND_RARGMIN, g, 1, false, 0);
    expect_at(r, 5 * 140 + 17, 90);
    nd_release(r);
    r = red(ND_RMEDIAN, g, 0, false, 0);
    expect_at(r, 77 * 140 + 91, 0.427835051546392);
    nd_release(r);
    r = nd_percentile(g, 90, 0, false, &err);
    CHECK_OK(r, &err);
    expect_at(r, 129 * 140 + 139, 3.9536082474226806);
    nd_release(r);
    g32 = nd_astype(g, TD_FLOAT32, &err);
    r = red(ND_RMEAN, g32, 0, false, 0);
    expect_at(r, 77 * 140 + 91, (double)0.31649482f);
    nd_release(r);
    r = red(ND_RMEAN, g32, 1, false, 0);
    expect_at(r, 7 * 140 + 100, (double)0.16383821f);
    nd_release(r);
    r = red(ND_RMEAN, g32, 2, false, 0);
    expect_at(r, 39 * 130 + 129, (double)0.17518409f);
    nd_release(r);
    r = red(ND_RMEDIAN, g32, 2, false, 0);
    assert_int_equal(r->dtype, TD_FLOAT32);
    expect_at(r, 5 * 130 + 5, (double)0.0927835f);
    nd_release(r);
    nd_release(g32);
    nd_release(g);

    nd_array *gi = gen_i16(3, b);
    r = red(ND_RMEAN, gi, 0, false, 0);
    assert_int_equal(r->dtype, TD_FLOAT64);
    expect_at(r, 77 * 140 + 91, 30.7);
    nd_release(r);
    r = red(ND_RSTD, gi, 0, false, 0);
    expect_at(r, 129 * 140 + 139, 285.2058861594551);
    nd_release(r);
    r = red(ND_RSUM, gi, 0, false, 0);
    assert_int_equal(r->dtype, TD_INT64);
    expect_at(r, 3 * 140 + 3, 1649);
    nd_release(r);
    r = red(ND_RMEDIAN, gi, 0, false, 0);
    expect_at(r, 1 * 140 + 2, 28.5);
    nd_release(r);
    r = red(ND_RVAR, gi, 2, false, 1);
    expect_at(r, 9 * 130 + 9, 86630.07661870503);
    nd_release(r);
    r = red(ND_RMEAN, gi, ND_ALL, false, 0);
    expect_at(r, 0, 18.999885989010988);
    nd_release(r);
    r = red(ND_RVAR, gi, ND_ALL, false, 0);
    expect_at(r, 0, 84840.1861579541);
    nd_release(r);
    nd_release(gi);
}

static void test_nan_and_extremes(void **state)
{
    (void)state;
    int64_t s4[1] = {4};
    nd_array *a = from(TD_FLOAT64, 1, s4, (double[]){1, NAN, 5, NAN});
    expect(red(ND_RMAX, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RMIN, a, 0, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RARGMAX, a, ND_ALL, false, 0), TD_INT64, (double[]){1}, 1);
    expect(red(ND_RARGMIN, a, ND_ALL, false, 0), TD_INT64, (double[]){1}, 1);
    expect(red(ND_RSUM, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RMEDIAN, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RANY, a, ND_ALL, false, 0), TD_BOOL, (double[]){1}, 1);
    nd_release(a);

    a = from(TD_FLOAT64, 1, s4, (double[]){0, NAN, 0, 0});
    expect(red(ND_RANY, a, ND_ALL, false, 0), TD_BOOL, (double[]){1}, 1); /* NaN is true */
    expect(red(ND_RALL, a, ND_ALL, false, 0), TD_BOOL, (double[]){0}, 1);
    nd_release(a);

    a = from(TD_INT32, 1, s4, (int32_t[]){3, 1, 1, 5});
    expect(red(ND_RARGMIN, a, ND_ALL, false, 0), TD_INT64, (double[]){1}, 1);
    nd_release(a);

    int64_t s23[2] = {2, 3};
    a = from(TD_INT64, 2, s23, (int64_t[]){1, 9, 9, 9, 2, 9});
    expect(red(ND_RARGMAX, a, 1, false, 0), TD_INT64, (double[]){1, 0}, 2);
    expect(red(ND_RARGMAX, a, 0, false, 0), TD_INT64, (double[]){1, 0, 0}, 3);
    nd_release(a);

    /* a NaN in the middle of a column, reduced row by row */
    a = from(TD_FLOAT32, 2, s23, (float[]){1, NAN, 2, 3, 4, NAN});
    expect(red(ND_RMAX, a, 0, false, 0), TD_FLOAT32, (double[]){3, NAN, NAN}, 3);
    expect(red(ND_RARGMIN, a, 0, false, 0), TD_INT64, (double[]){0, 0, 1}, 3);
    expect(red(ND_RMEAN, a, 0, false, 0), TD_FLOAT32, (double[]){2, NAN, NAN}, 3);
    nd_release(a);
}

static void test_empty(void **state)
{
    (void)state;
    td_err err;
    int64_t s0[1] = {0}, s03[2] = {0, 3}, s30[2] = {3, 0};
    nd_array *e = nd_zeros(TD_FLOAT64, 1, s0, &err);
    expect_err(nd_reduce(ND_RMAX, e, ND_ALL, false, 0, &err), &err, TD_EVALUE,
               "zero-size array to reduction operation maximum which has no identity");
    expect_err(nd_reduce(ND_RMIN, e, 0, false, 0, &err), &err, TD_EVALUE,
               "zero-size array to reduction operation minimum which has no identity");
    expect_err(nd_reduce(ND_RARGMAX, e, ND_ALL, false, 0, &err), &err, TD_EVALUE,
               "attempt to get argmax of an empty sequence");
    expect(red(ND_RSUM, e, ND_ALL, false, 0), TD_FLOAT64, (double[]){0}, 1);
    expect(red(ND_RPROD, e, ND_ALL, false, 0), TD_FLOAT64, (double[]){1}, 1);
    expect(red(ND_RMEAN, e, ND_ALL, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RVAR, e, ND_ALL, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RMEDIAN, e, ND_ALL, false, 0), TD_FLOAT64, (double[]){NAN}, 1);
    expect(red(ND_RANY, e, ND_ALL, false, 0), TD_BOOL, (double[]){0}, 1);
    expect(red(ND_RALL, e, ND_ALL, false, 0), TD_BOOL, (double[]){1}, 1);
    expect_err(nd_percentile(e, 50, ND_ALL, false, &err), &err, TD_EINDEX,
               "cannot do a non-empty take from an empty axes.");
    nd_release(e);

    e = nd_zeros(TD_INT16, 2, s03, &err);
    expect(red(ND_RMEAN, e, 0, false, 0), TD_FLOAT64, (double[]){NAN, NAN, NAN}, 3);
    expect(red(ND_RSUM, e, 0, false, 0), TD_INT64, (double[]){0, 0, 0}, 3);
    expect_err(nd_reduce(ND_RMAX, e, 0, false, 0, &err), &err, TD_EVALUE, NULL);
    nd_array *r = red(ND_RARGMIN, e, 1, false, 0); /* nothing to reduce into */
    assert_int_equal(r->size, 0);
    nd_release(r);
    nd_release(e);
    e = nd_zeros(TD_INT16, 2, s30, &err);
    r = red(ND_RMAX, e, 0, false, 0);
    assert_shape(r, 1, s0);
    nd_release(r);
    nd_release(e);
}

static void test_var_ddof(void **state)
{
    (void)state;
    int64_t s3[1] = {3};
    nd_array *a = from(TD_INT32, 1, s3, (int32_t[]){1, 2, 3});
    expect(red(ND_RVAR, a, ND_ALL, false, 3), TD_FLOAT64, (double[]){INFINITY}, 1);
    expect(red(ND_RSTD, a, ND_ALL, false, 5), TD_FLOAT64, (double[]){INFINITY}, 1);
    nd_release(a);
    a = from(TD_INT32, 1, s3, (int32_t[]){1, 1, 1});
    expect(red(ND_RVAR, a, ND_ALL, false, 3), TD_FLOAT64, (double[]){NAN}, 1);
    nd_release(a);
    a = from(TD_FLOAT64, 1, s3, (double[]){1, 2, 4});
    expect(red(ND_RVAR, a, 0, false, 1), TD_FLOAT64, (double[]){2.333333333333333}, 1);
    nd_release(a);
}

static void test_median(void **state)
{
    (void)state;
    int64_t s4[1] = {4}, s3[1] = {3};
    nd_array *a = from(TD_INT64, 1, s4, (int64_t[]){1, 3, 2, 4});
    expect(red(ND_RMEDIAN, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){2.5}, 1);
    nd_release(a);
    a = from(TD_FLOAT32, 1, s4, (float[]){1, 3, 2, 4});
    expect(red(ND_RMEDIAN, a, ND_ALL, false, 0), TD_FLOAT32, (double[]){2.5}, 1);
    nd_release(a);
    a = from(TD_UINT8, 1, s3, (uint8_t[]){5, 1, 3});
    expect(red(ND_RMEDIAN, a, 0, true, 0), TD_FLOAT64, (double[]){3}, 1);
    nd_release(a);
    /* many equal values */
    int64_t s9[1] = {9};
    a = from(TD_INT16, 1, s9, (int16_t[]){0, 0, 7, 0, 0, 7, 0, 7, 7});
    expect(red(ND_RMEDIAN, a, ND_ALL, false, 0), TD_FLOAT64, (double[]){0}, 1);
    nd_release(a);
}

static void test_percentile(void **state)
{
    (void)state;
    td_err err;
    int64_t s8[1] = {8};
    nd_array *a = from(TD_INT32, 1, s8, (int32_t[]){3, 1, 4, 1, 5, 9, 2, 6});
    const double q[5] = {0, 25, 50, 73.3, 100}, want[5] = {1, 1.75, 3.5, 5.131, 9};
    for (int k = 0; k < 5; k++) {
        nd_array *r = nd_percentile(a, q[k], ND_ALL, false, &err);
        CHECK_OK(r, &err);
        expect(r, TD_FLOAT64, &want[k], 1);
    }
    expect_err(nd_percentile(a, 100.5, ND_ALL, false, &err), &err, TD_EVALUE,
               "Percentiles must be in the range [0, 100]");
    expect_err(nd_percentile(a, NAN, ND_ALL, false, &err), &err, TD_EVALUE, NULL);
    nd_release(a);

    /* numpy interpolates with b - a in the array's dtype, which wraps */
    int64_t s2[1] = {2};
    a = from(TD_INT8, 1, s2, (int8_t[]){-100, 100});
    nd_array *r = nd_percentile(a, 50, ND_ALL, false, &err);
    expect(r, TD_FLOAT64, (double[]){128}, 1);
    r = nd_percentile(a, 25, ND_ALL, false, &err);
    expect(r, TD_FLOAT64, (double[]){-114}, 1);
    nd_release(a);
    /* and inf - inf at the top gives nan, as in numpy */
    a = from(TD_FLOAT64, 1, s2, (double[]){1, INFINITY});
    r = nd_percentile(a, 100, ND_ALL, false, &err);
    expect(r, TD_FLOAT64, (double[]){NAN}, 1);
    r = nd_percentile(a, 40, ND_ALL, false, &err);
    expect(r, TD_FLOAT64, (double[]){INFINITY}, 1);
    nd_release(a);

    nd_array *y = from(TD_FLOAT64, 2, YS, Y);
    r = nd_percentile(y, 30, 0, false, &err);
    expect(r, TD_FLOAT64, (double[]){0.6, 0.7999999999999998, -0.9000000000000001, 1.6}, 4);
    r = nd_percentile(y, 30, 1, true, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){3, 1});
    nd_release(r);
    nd_release(y);

    a = from(TD_FLOAT32, 1, s2, (float[]){1, NAN});
    r = nd_percentile(a, 10, ND_ALL, false, &err);
    expect(r, TD_FLOAT64, (double[]){NAN}, 1);
    nd_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axes_and_keepdims),
        cmocka_unit_test(test_integer_dtypes),
        cmocka_unit_test(test_pairwise_float32),
        cmocka_unit_test(test_pairwise_float64),
        cmocka_unit_test(test_leading_axis),
        cmocka_unit_test(test_nan_and_extremes),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_var_ddof),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_percentile),
    };
    return cmocka_run_group_tests_name("reduce", tests, NULL, NULL);
}

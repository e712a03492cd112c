/* Images and Series: construction, shape rules, reductions, random data. */
#include "testutil.h"

static nd_array *arange_shaped(td_dtype t, int ndim, const int64_t *shape)
{
    td_err err;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    nd_array *a = nd_arange(t, n, &err);
    CHECK_OK(a, &err);
    nd_array *r = nd_reshape(a, ndim, shape, &err);
    CHECK_OK(r, &err);
    nd_release(a);
    return r;
}

static void test_images_fromarray_shapes(void **state)
{
    (void)state;
    td_err err;
    int64_t s3[3] = {2, 3, 4};
    nd_array *a = arange_shaped(TD_INT64, 3, s3);
    td_images *im = img_fromarray(a, &err);
    CHECK_OK(im, &err);
    assert_int_equal(data_count(im), 2);
    assert_int_equal(data_record_size(im), 12);
    assert_int_equal(data_nlead(im), 1);
    nd_array *first = data_first(im, &err);
    CHECK_OK(first, &err);
    int64_t fs[2] = {3, 4};
    assert_shape(first, 2, fs);
    assert_int_equal(nd_get_i64(first, 11), 11);
    nd_release(first);
    /* a 2-D array is one image */
    int64_t s2[2] = {3, 4};
    nd_array *b = arange_shaped(TD_UINT8, 2, s2);
    td_images *one = img_fromarray(b, &err);
    CHECK_OK(one, &err);
    int64_t want[3] = {1, 3, 4};
    assert_int_equal(data_ndim(one), 3);
    assert_memory_equal(data_shape(one), want, sizeof want);
    /* a 1-D array is refused */
    nd_array *c = nd_arange(TD_INT64, 5, &err);
    assert_null(img_fromarray(c, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg, "Array for images must have at least 2 dimensions, got 1");
    nd_release(c);
    data_release(one);
    nd_release(b);
    data_release(im);
    nd_release(a);
}

static void test_series_fromarray_and_index(void **state)
{
    (void)state;
    td_err err;
    int64_t s[3] = {2, 3, 4};
    nd_array *a = arange_shaped(TD_INT64, 3, s);
    td_series *ser = ser_fromarray(a, NULL, &err);
    CHECK_OK(ser, &err);
    assert_int_equal(data_count(ser), 6);
    assert_int_equal(ser_length(ser), 4);
    nd_array *idx = ser_index(ser, &err);
    CHECK_OK(idx, &err);
    assert_int_equal(idx->size, 4);
    assert_int_equal(nd_get_i64(idx, 3), 3);
    nd_release(idx);
    nd_array *first = data_first(ser, &err);
    CHECK_OK(first, &err);
    assert_int_equal(first->ndim, 1);
    assert_int_equal(nd_get_i64(first, 0), 0);
    assert_int_equal(nd_get_i64(first, 3), 3);
    nd_release(first);
    /* a record at position (1, 2) is elements 20..23 */
    const int64_t *r = data_record(ser, 5);
    assert_int_equal(r[0], 20);
    /* wrong index length */
    nd_array *bad = nd_arange(TD_INT64, 3, &err);
    assert_null(ser_fromarray(a, bad, &err));
    assert_string_equal(err.msg, "Index length 3 not equal to record length 4");
    nd_release(bad);
    /* a 1-D array is one record */
    nd_array *v = nd_arange(TD_FLOAT64, 5, &err);
    td_series *one = ser_fromarray(v, NULL, &err);
    CHECK_OK(one, &err);
    assert_int_equal(data_count(one), 1);
    assert_int_equal(ser_length(one), 5);
    data_release(one);
    nd_release(v);
    data_release(ser);
    nd_release(a);
}

static void test_reductions_and_dtypes(void **state)
{
    (void)state;
    td_err err;
    int64_t s[3] = {3, 2, 2};
    nd_array *a0 = arange_shaped(TD_INT64, 3, s);
    nd_array *a = nd_astype(a0, TD_INT16, &err);
    CHECK_OK(a, &err);
    td_images *im = img_fromarray(a, &err);
    CHECK_OK(im, &err);
    /* values: image k holds 4k..4k+3 */
    td_images *sum = data_reduce(im, ND_RSUM, &err);
    CHECK_OK(sum, &err);
    assert_int_equal(data_dtype(sum), TD_INT64);
    int64_t want_shape[3] = {1, 2, 2};
    assert_memory_equal(data_shape(sum), want_shape, sizeof want_shape);
    double want_sum[4] = {12, 15, 18, 21};
    assert_array_close(sum->values, want_sum, 4, 0, 0);
    td_images *mean = data_reduce(im, ND_RMEAN, &err);
    CHECK_OK(mean, &err);
    assert_int_equal(data_dtype(mean), TD_FLOAT64);
    double want_mean[4] = {4, 5, 6, 7};
    assert_array_close(mean->values, want_mean, 4, 0, 0);
    td_images *var = data_reduce(im, ND_RVAR, &err);
    CHECK_OK(var, &err);
    double want_var[4] = {32.0 / 3, 32.0 / 3, 32.0 / 3, 32.0 / 3};
    assert_array_close(var->values, want_var, 4, 1e-15, 0);
    td_images *mx = data_reduce(im, ND_RMAX, &err);
    CHECK_OK(mx, &err);
    assert_int_equal(data_dtype(mx), TD_INT16);
    double want_max[4] = {8, 9, 10, 11};
    assert_array_close(mx->values, want_max, 4, 0, 0);
    data_release(mx);
    data_release(var);
    data_release(mean);
    data_release(sum);
    data_release(im);
    nd_release(a);
    nd_release(a0);
}

static void test_series_reduce_over_all_base_axes(void **state)
{
    (void)state;
    td_err err;
    int64_t s[3] = {2, 2, 3};
    nd_array *a = arange_shaped(TD_FLOAT64, 3, s);
    td_series *ser = ser_fromarray(a, NULL, &err);
    CHECK_OK(ser, &err);
    td_series *m = data_reduce(ser, ND_RSTD, &err);
    CHECK_OK(m, &err);
    int64_t want_shape[2] = {1, 3};
    assert_memory_equal(data_shape(m), want_shape, sizeof want_shape);
    /* each column holds c, c+3, c+6, c+9: std = sqrt(11.25) */
    double want[3] = {3.3541019662496847, 3.3541019662496847, 3.3541019662496847};
    assert_array_close(m->values, want, 3, 1e-15, 0);
    data_release(m);
    data_release(ser);
    nd_release(a);
}

static void test_fromrandom_matches_numpy(void **state)
{
    (void)state;
    td_err err;
    int64_t s[3] = {10, 50, 50};
    td_images *im = img_fromrandom(3, s, 42, &err);
    CHECK_OK(im, &err);
    /* np.random.seed(42); np.random.randn(50, 50)[0, :3] */
    const double *r0 = data_record(im, 0);
    assert_true(r0[0] == 0.4967141530112327);
    assert_true(r0[1] == -0.13826430117118466);
    assert_true(r0[2] == 0.6476885381006925);
    /* record 1 starts from seed 43: np.random.seed(43); np.random.randn(2) */
    const double *r1 = data_record(im, 1);
    assert_true(r1[0] == 0.25739992534469336);
    assert_true(r1[1] == -0.9084814327806611);
    int64_t ss[2] = {3, 4};
    td_series *ser = ser_fromrandom(2, ss, 0, &err);
    CHECK_OK(ser, &err);
    const double *q = data_record(ser, 0); /* np.random.seed(0); np.random.randn(4) */
    assert_true(q[0] == 1.764052345967664 && q[3] == 2.240893199201458);
    assert_null(img_fromrandom(3, s, -1, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    data_release(ser);
    data_release(im);
}

static void test_astype_squeeze_reshape_labels(void **state)
{
    (void)state;
    td_err err;
    int64_t s[4] = {2, 1, 3, 4};
    nd_array *a = arange_shaped(TD_INT64, 4, s);
    td_images *im = img_fromarray(a, &err);
    CHECK_OK(im, &err);
    td_images *sq = data_squeeze(im, &err);
    CHECK_OK(sq, &err);
    int64_t want_sq[3] = {2, 3, 4};
    assert_int_equal(data_ndim(sq), 3);
    assert_memory_equal(data_shape(sq), want_sq, sizeof want_sq);
    int64_t ns[4] = {2, 4, 3, 1};
    td_images *rs = data_reshape(im, 4, ns, &err);
    CHECK_OK(rs, &err);
    int64_t bad[3] = {3, 2, 4};
    assert_null(data_reshape(im, 3, bad, &err));
    assert_string_equal(err.msg, "Reshaping cannot change the number of images");
    int64_t bad2[3] = {2, 5, 7};
    assert_null(data_reshape(im, 3, bad2, &err));
    assert_string_equal(err.msg, "Reshaping must leave the number of elements unchanged");
    td_images *f = data_astype(im, TD_FLOAT32, &err);
    CHECK_OK(f, &err);
    assert_int_equal(data_dtype(f), TD_FLOAT32);
    nd_array *labels = nd_arange(TD_INT64, 2, &err);
    td_images *lab = data_with_labels(im, labels, &err);
    CHECK_OK(lab, &err);
    nd_array *three = nd_arange(TD_INT64, 3, &err);
    assert_null(data_with_labels(im, three, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    nd_array *arr = data_toarray(im, &err);
    CHECK_OK(arr, &err);
    assert_shape(arr, 3, want_sq);
    nd_release(arr);
    nd_release(three);
    nd_release(labels);
    data_release(lab);
    data_release(f);
    data_release(rs);
    data_release(sq);
    data_release(im);
    nd_release(a);
}

static void test_series_reshape_labels_follow(void **state)
{
    (void)state;
    td_err err;
    int64_t s[3] = {6, 6, 2};
    nd_array *a = arange_shaped(TD_INT64, 3, s);
    td_series *ser = ser_fromarray(a, NULL, &err);
    CHECK_OK(ser, &err);
    nd_array *labels = nd_arange(TD_INT64, 36, &err);
    td_series *lab = data_with_labels(ser, labels, &err);
    CHECK_OK(lab, &err);
    int64_t ns[3] = {4, 9, 2};
    td_series *r = data_reshape(lab, 3, ns, &err);
    CHECK_OK(r, &err);
    int64_t ls[2] = {4, 9};
    assert_shape(r->labels, 2, ls);
    int64_t bad[3] = {6, 4, 3};
    assert_null(data_reshape(lab, 3, bad, &err));
    assert_string_equal(err.msg,
                        "Reshaping cannot change the size of the constituent series (last dimension)");
    data_release(r);
    data_release(lab);
    nd_release(labels);
    data_release(ser);
    nd_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images_fromarray_shapes),
        cmocka_unit_test(test_series_fromarray_and_index),
        cmocka_unit_test(test_reductions_and_dtypes),
        cmocka_unit_test(test_series_reduce_over_all_base_axes),
        cmocka_unit_test(test_fromrandom_matches_numpy),
        cmocka_unit_test(test_astype_squeeze_reshape_labels),
        cmocka_unit_test(test_series_reshape_labels_follow),
    };
    return cmocka_run_group_tests_name("data", tests, NULL, NULL);
}

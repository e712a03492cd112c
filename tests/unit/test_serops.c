/* Series operations (thunder/serops.h) against values computed with numpy
 * 1.24 / scipy 1.10 (pasted as literals) or by hand. */
#include <math.h>

#include "testutil.h"

/* ---- data ------------------------------------------------------------------------------------ */

static const double X_in[] = {1, 4, 2, 8, 5, 7, 3, 3, 3, 3, 3, 3, -2.5, 0, 1.5, 10, 4, -1};
static const double S_sig[] = {0, 1, 0, 2, 1, 3};

static const double want_center[] = {-3.5, -0.5, -2.5, 3.5,  0.5,  2.5,  0.0, 0.0, 0.0,
                                     0.0,  0.0,  0.0,  -4.5, -2.0, -0.5, 8.0, 2.0, -3.0};
static const double want_standardize[] = {0.4,
                                          1.6,
                                          0.8,
                                          3.2,
                                          2.0,
                                          2.8,
                                          INFINITY,
                                          INFINITY,
                                          INFINITY,
                                          INFINITY,
                                          INFINITY,
                                          INFINITY,
                                          -0.6078306738548308,
                                          0.0,
                                          0.3646984043128985,
                                          2.431322695419323,
                                          0.9725290781677294,
                                          -0.24313226954193234};
static const double want_zscore[] = {-1.4,
                                     -0.2,
                                     -1.0,
                                     1.4,
                                     0.2,
                                     1.0,
                                     NAN,
                                     NAN,
                                     NAN,
                                     NAN,
                                     NAN,
                                     NAN,
                                     -1.0940952129386956,
                                     -0.4862645390838647,
                                     -0.12156613477096617,
                                     1.9450581563354588,
                                     0.4862645390838647,
                                     -0.729396808625797};
static const double want_zscore0[] = {0.21997067253202995,
                                      0.98058067569092,
                                      -0.2672612419124242,
                                      0.3396831102433787,
                                      1.224744871391589,
                                      1.224744871391589,
                                      1.0998533626601497,
                                      0.392232270276368,
                                      1.3363062095621223,
                                      -1.3587324409735149,
                                      -1.224744871391589,
                                      0.0,
                                      -1.3198240351921797,
                                      -1.3728129459672882,
                                      -1.0690449676496974,
                                      1.0190493307301363,
                                      0.0,
                                      -1.224744871391589};
static const double want_corr[] = {0.9058078189539152, NAN, 0.2657961681961468};
static const double want_corr2[] = {0.9058078189539152, -0.9682773237093576, NAN, NAN,
                                    0.2657961681961468, -0.5505777769777328};
/* numpy float32 arithmetic: (x - mean(x)) / std(x) for float32 x */
static const double want_zscore32_row0[] = {-1.399999976158142, -0.20000000298023224, -1.0,
                                            1.399999976158142,  0.20000000298023224,  1.0};

static const double B_in[] = {3, -7, 12, 0, 5, 5, -1, 30000, 100, 200, -300, 32767, 1, 2, 3, 4};
static const double want_b_sum[] = {30017.0, 32777.0};
static const double want_b_mean[] = {3752.125, 4097.125};
static const double want_b_median[] = {4.0, 3.5};
static const double want_b_std[] = {9920.765575769594, 10837.00173522986};
static const double want_b_max[] = {30000.0, 32767.0};
static const double want_b_min[] = {-7.0, -300.0};
static const double want_b_p[] = {-2.8, 5.0, -89.29999999999998, 40.0};
static const double want_b_stats[] = {8.0, 3752.125, 9920.765575769594, 30000.0, -7.0,
                                      8.0, 4097.125, 10837.00173522986, 32767.0, -300.0};
static const double want_b_panel[] = {4.0, -1.0, 5.5, 15000.0, 50.5, 101.0, -148.5, 16385.5};

/* ---- helpers ---------------------------------------------------------------------------------------- */

static nd_array *array_of(td_dtype t, int ndim, const int64_t *shape, const double *v)
{
    td_err err;
    nd_array *a = nd_new(t, ndim, shape, &err);
    CHECK_OK(a, &err);
    for (int64_t i = 0; i < a->size; i++)
        nd_set_f64(a, i, v[i]);
    return a;
}

static td_series *series_of(td_dtype t, int64_t rows, int64_t len, const double *v)
{
    td_err err;
    int64_t shape[2] = {rows, len};
    nd_array *a = array_of(t, 2, shape, v);
    td_series *s = ser_fromarray(a, NULL, &err);
    CHECK_OK(s, &err);
    nd_release(a);
    return s;
}

static void check_values(const td_series *s, td_dtype t, int64_t rows, int64_t len, const double *want,
                         double rtol)
{
    assert_int_equal(data_dtype(s), t);
    int64_t shape[2] = {rows, len};
    assert_shape(s->values, 2, shape);
    assert_array_close(s->values, want, rows * len, rtol, 1e-12);
}

/* The index's strings in order, joined with commas. */
static void check_str_index(const td_series *s, const char *want)
{
    const td_strtab *t = ser_index_names(s);
    assert_non_null(t);
    char buf[512] = "";
    for (int64_t i = 0; i < s->index->size; i++) {
        if (i)
            strcat(buf, ",");
        strcat(buf, td_strtab_get(t, nd_get_i64(s->index, i)));
    }
    assert_string_equal(buf, want);
}

static void check_index(const td_series *s, int64_t n, const double *want)
{
    td_err err;
    assert_null(ser_index_names(s));
    nd_array *idx = ser_index(s, &err);
    CHECK_OK(idx, &err);
    assert_array_close(idx, want, n, 0, 0);
    nd_release(idx);
}

/* ---- center, standardize, zscore -------------------------------------------------------------------- */

static void test_scale_within(void **state)
{
    (void)state;
    td_err err;
    td_series *x = series_of(TD_FLOAT64, 3, 6, X_in);
    nd_array *lab = nd_arange(TD_INT64, 3, &err);
    td_series *xl = data_with_labels(x, lab, &err);
    CHECK_OK(xl, &err);
    td_series *c = ser_center(xl, 1, &err), *s = ser_standardize(xl, 1, &err), *z = ser_zscore(xl, 1, &err);
    CHECK_OK(c && s && z, &err);
    check_values(c, TD_FLOAT64, 3, 6, want_center, 1e-15);
    check_values(s, TD_FLOAT64, 3, 6, want_standardize, 1e-15);
    /* a constant record: 0 / 0 */
    check_values(z, TD_FLOAT64, 3, 6, want_zscore, 1e-15);
    assert_true(isnan(nd_get_f64(z->values, 6)));
    /* labels and the index carry over */
    assert_non_null(z->labels);
    assert_int_equal(nd_get_i64(z->labels, 2), 2);
    double idx[6] = {0, 1, 2, 3, 4, 5};
    check_index(z, 6, idx);
    data_release(c);
    data_release(s);
    data_release(z);
    data_release(xl);
    nd_release(lab);
    data_release(x);
}

static void test_scale_dtypes(void **state)
{
    (void)state;
    td_err err;
    /* float32 stays float32, computed as numpy does in float32 */
    td_series *x32 = series_of(TD_FLOAT32, 3, 6, X_in);
    td_series *z = ser_zscore(x32, 1, &err);
    CHECK_OK(z, &err);
    assert_int_equal(data_dtype(z), TD_FLOAT32);
    for (int i = 0; i < 6; i++)
        assert_true(nd_get_f64(z->values, i) == want_zscore32_row0[i]);
    data_release(z);
    data_release(x32);
    /* integers become float64 */
    td_series *b = series_of(TD_INT16, 2, 8, B_in);
    td_series *c = ser_center(b, 1, &err);
    CHECK_OK(c, &err);
    assert_int_equal(data_dtype(c), TD_FLOAT64);
    assert_true(nd_get_f64(c->values, 7) == 30000 - 3752.125);
    data_release(c);
    data_release(b);
}

static void test_scale_across(void **state)
{
    (void)state;
    td_err err;
    td_series *x = series_of(TD_FLOAT64, 3, 6, X_in);
    td_series *z = ser_zscore(x, 0, &err);
    CHECK_OK(z, &err);
    check_values(z, TD_FLOAT64, 3, 6, want_zscore0, 1e-14);
    data_release(z);
    assert_null(ser_center(x, 2, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg, "Axis must be 0 or 1");
    data_release(x);
}

/* ---- squelch, correlate, mean_by_panel --------------------------------------------------------------------
 */

static void test_squelch(void **state)
{
    (void)state;
    td_err err;
    td_series *x = series_of(TD_FLOAT64, 3, 6, X_in);
    td_series *q = ser_squelch(x, 5, &err); /* record 1 (max 3) goes */
    CHECK_OK(q, &err);
    double want[18];
    memcpy(want, X_in, sizeof want);
    for (int i = 6; i < 12; i++)
        want[i] = 0;
    check_values(q, TD_FLOAT64, 3, 6, want, 0);
    data_release(q);
    data_release(x);
    /* int16: nothing squelched keeps the dtype; zeros make it float64 */
    td_series *b = series_of(TD_INT16, 2, 8, B_in);
    td_series *same = ser_squelch(b, 0, &err);
    CHECK_OK(same, &err);
    assert_int_equal(data_dtype(same), TD_INT16);
    assert_int_equal(nd_get_i64(same->values, 7), 30000);
    td_series *z = ser_squelch(b, 31000.5, &err);
    CHECK_OK(z, &err);
    assert_int_equal(data_dtype(z), TD_FLOAT64);
    assert_true(nd_get_f64(z->values, 7) == 0 && nd_get_f64(z->values, 11) == 32767);
    data_release(z);
    data_release(same);
    data_release(b);
}

static void test_correlate(void **state)
{
    (void)state;
    td_err err;
    td_series *x = series_of(TD_FLOAT64, 3, 6, X_in);
    int64_t n6 = 6, s2[2] = {2, 6};
    nd_array *s = array_of(TD_FLOAT64, 1, &n6, S_sig);
    td_series *r = ser_correlate(x, s, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 3, 1, want_corr, 1e-13);
    double one[1] = {1};
    check_index(r, 1, one); /* Thunder indexes a single correlation [1] */
    data_release(r);
    /* float32 records (their own kernel) give the same correlations */
    td_series *x32 = series_of(TD_FLOAT32, 3, 6, X_in);
    r = ser_correlate(x32, s, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 3, 1, want_corr, 1e-13);
    data_release(r);
    data_release(x32);
    /* two signals: s and 2 s[::-1] + 1 */
    double two[12];
    for (int i = 0; i < 6; i++) {
        two[i] = S_sig[i];
        two[6 + i] = 2 * S_sig[5 - i] + 1;
    }
    nd_array *s2a = array_of(TD_INT64, 2, s2, two);
    r = ser_correlate(x, s2a, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 3, 2, want_corr2, 1e-13);
    double idx[2] = {0, 1};
    check_index(r, 2, idx);
    data_release(r);
    /* errors */
    int64_t n7 = 7;
    nd_array *bad = nd_zeros(TD_FLOAT64, 1, &n7, &err);
    assert_null(ser_correlate(x, bad, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg, "Length of signal '7' does not match record length '6'");
    int64_t s3[3] = {1, 1, 6};
    nd_array *deep = nd_zeros(TD_FLOAT64, 3, s3, &err);
    assert_null(ser_correlate(x, deep, &err));
    assert_string_equal(err.msg, "Signal to correlate with must have 1 or 2 dimensions");
    nd_release(deep);
    nd_release(bad);
    nd_release(s2a);
    nd_release(s);
    data_release(x);
}

static void test_mean_by_panel(void **state)
{
    (void)state;
    td_err err;
    td_series *b = series_of(TD_INT16, 2, 8, B_in);
    td_series *p = ser_mean_by_panel(b, 4, &err);
    CHECK_OK(p, &err);
    check_values(p, TD_FLOAT64, 2, 4, want_b_panel, 0);
    double idx[4] = {0, 1, 2, 3};
    check_index(p, 4, idx);
    data_release(p);
    assert_null(ser_mean_by_panel(b, 3, &err));
    assert_string_equal(err.msg, "Panel length '3' must evenly divide length of series '8'");
    assert_null(ser_mean_by_panel(b, 8, &err));
    assert_string_equal(err.msg, "Panel length '8' cannot be length of series '8'");
    assert_null(ser_mean_by_panel(b, 0, &err));
    assert_int_equal(err.kind, TD_EZERODIV);
    data_release(b);
}

/* ---- the seed's statistics --------------------------------------------------------------------------------
 */

static void test_series_stat(void **state)
{
    (void)state;
    td_err err;
    td_series *b = series_of(TD_INT16, 2, 8, B_in);
    struct {
        ser_stat st;
        const char *label;
        td_dtype t;
        const double *want;
    } cases[] = {{SER_SUM, "sum", TD_INT64, want_b_sum},
                 {SER_MEAN, "mean", TD_FLOAT64, want_b_mean},
                 {SER_MEDIAN, "median", TD_FLOAT64, want_b_median},
                 {SER_STD, "stdev", TD_FLOAT64, want_b_std},
                 {SER_MAX, "max", TD_INT16, want_b_max},
                 {SER_MIN, "min", TD_INT16, want_b_min}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        td_series *r = ser_series_stat(b, cases[k].st, cases[k].label, &err);
        CHECK_OK(r, &err);
        check_values(r, cases[k].t, 2, 1, cases[k].want, 1e-15);
        check_str_index(r, cases[k].label);
        data_release(r);
    }
    td_series *c = ser_series_stat(b, SER_COUNT, "count", &err);
    CHECK_OK(c, &err);
    assert_int_equal(data_dtype(c), TD_INT64);
    assert_int_equal(nd_get_i64(c->values, 1), 8);
    data_release(c);
    ser_stat st;
    assert_int_equal(ser_stat_parse("StDev", &st, &err), 0);
    assert_int_equal(st, SER_STD);
    assert_int_equal(ser_stat_parse("variance", &st, &err), -1);
    assert_int_equal(err.kind, TD_EKEY);
    data_release(b);
}

static void test_series_percentile_stats(void **state)
{
    (void)state;
    td_err err;
    td_series *b = series_of(TD_INT16, 2, 8, B_in);
    int64_t nq = 2;
    double qv[2] = {10, 62.5};
    nd_array *q = array_of(TD_FLOAT64, 1, &nq, qv);
    td_series *p = ser_series_percentile(b, q, &err);
    CHECK_OK(p, &err);
    check_values(p, TD_FLOAT64, 2, 2, want_b_p, 1e-13);
    check_index(p, 2, qv);
    data_release(p);
    nd_release(q);
    td_series *s = ser_series_stats(b, &err);
    CHECK_OK(s, &err);
    check_values(s, TD_FLOAT64, 2, 5, want_b_stats, 1e-15);
    check_str_index(s, "count,mean,std,max,min");
    data_release(s);
    data_release(b);
    /* float32: mean and std in float32, converted */
    double v[4] = {0.1, 0.2, 0.3, 0.4};
    td_series *f = series_of(TD_FLOAT32, 1, 4, v);
    s = ser_series_stats(f, &err);
    CHECK_OK(s, &err);
    assert_true(nd_get_f64(s->values, 1) == (double)(float)(((0.1f + 0.2f) + 0.3f + 0.4f) / 4.0f));
    assert_true(nd_get_f64(s->values, 3) == (double)0.4f);
    data_release(s);
    data_release(f);
}

/* ---- index
 * --------------------------------------------------------------------------------------------------- */

static void test_strtab(void **state)
{
    (void)state;
    td_err err;
    const char *s[] = {"pear", "apple", "pear", "fig", "Zed"};
    int64_t codes[5];
    td_strtab *t = td_strtab_new(5, s, codes, &err);
    CHECK_OK(t, &err);
    assert_int_equal(td_strtab_size(t), 4);
    /* byte order: upper case first, as Python sorts str */
    assert_string_equal(td_strtab_get(t, 0), "Zed");
    assert_string_equal(td_strtab_get(t, 3), "pear");
    int64_t want[5] = {3, 1, 3, 2, 0};
    assert_memory_equal(codes, want, sizeof want);
    assert_int_equal(td_strtab_find(t, "fig"), 2);
    assert_int_equal(td_strtab_find(t, "kiwi"), -1);
    assert_int_equal(td_strtab_lower_bound(t, "b"), 2);
    assert_int_equal(td_strtab_lower_bound(t, "zz"), 4);
    td_strtab_release(t);
}

static void test_select_between(void **state)
{
    (void)state;
    td_err err;
    double v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    td_series *x = series_of(TD_INT64, 2, 4, v);
    int64_t n4 = 4;
    double iv[4] = {10, 20, 30, 40};
    nd_array *ix = array_of(TD_INT64, 1, &n4, iv);
    td_series *d = ser_with_index(x, ix, &err);
    CHECK_OK(d, &err);
    ser_key l = {.kind = SER_KEY_INT, .i = 15}, r = {.kind = SER_KEY_FLOAT, .f = 35};
    td_series *b = ser_between(d, l, r, &err);
    CHECK_OK(b, &err);
    double wb[4] = {1, 2, 5, 6}, wbi[2] = {20, 30};
    check_values(b, TD_INT64, 2, 2, wb, 0);
    check_index(b, 2, wbi);
    data_release(b);
    /* a list: 1 == 1.0 as in Python */
    ser_key keys[2] = {{.kind = SER_KEY_INT, .i = 40}, {.kind = SER_KEY_FLOAT, .f = 10.0}};
    td_series *s = ser_select_keys(d, 2, keys, &err);
    CHECK_OK(s, &err);
    double ws[4] = {0, 3, 4, 7}, wsi[2] = {10, 40};
    check_values(s, TD_INT64, 2, 2, ws, 0);
    check_index(s, 2, wsi);
    data_release(s);
    /* no match is an error; everything matching is the Series itself */
    ser_key none = {.kind = SER_KEY_INT, .i = 42};
    assert_null(ser_select_keys(d, 1, &none, &err));
    assert_string_equal(err.msg, "No indices found matching criterion");
    ser_key lo = {.kind = SER_KEY_INT, .i = 0}, hi = {.kind = SER_KEY_INT, .i = 100};
    td_series *all = ser_between(d, lo, hi, &err);
    assert_ptr_equal(all, d);
    data_release(all);
    /* strings against numbers cannot be ordered */
    ser_key str = {.kind = SER_KEY_STR, .s = "a"};
    assert_null(ser_between(d, str, hi, &err));
    assert_int_equal(err.kind, TD_ETYPE);
    data_release(d);
    nd_release(ix);
    /* an index of strings */
    const char *names[4] = {"a", "b", "c", "d"};
    td_series *sd = ser_with_str_list(x, 4, 0, names, &err);
    CHECK_OK(sd, &err);
    ser_key c = {.kind = SER_KEY_STR, .s = "c"};
    td_series *one = ser_select_keys(sd, 1, &c, &err);
    CHECK_OK(one, &err);
    double w1[2] = {2, 6};
    check_values(one, TD_INT64, 2, 1, w1, 0);
    check_str_index(one, "c");
    data_release(one);
    ser_key sb = {.kind = SER_KEY_STR, .s = "b"}, se = {.kind = SER_KEY_STR, .s = "cz"};
    td_series *bs = ser_between(sd, sb, se, &err);
    CHECK_OK(bs, &err);
    check_str_index(bs, "b,c");
    /* filter and map-style results keep the strings */
    td_series *again = ser_fromarray_like(bs->values, bs, &err);
    CHECK_OK(again, &err);
    check_str_index(again, "b,c");
    data_release(again);
    data_release(bs);
    data_release(sd);
    data_release(x);
}

/* The multi-index of the conformance cases: 12 positions, 3 levels. */
static td_series *multi_series(void)
{
    td_err err;
    static const double lv[36] = {0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 2, 0, 1, 3,
                                  1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 2, 1, 1, 3};
    double v[24];
    for (int i = 0; i < 24; i++)
        v[i] = i * i;
    td_series *x = series_of(TD_INT64, 2, 12, v);
    int64_t s[2] = {12, 3};
    nd_array *ix = array_of(TD_INT64, 2, s, lv);
    td_series *d = ser_with_index(x, ix, &err);
    CHECK_OK(d, &err);
    nd_release(ix);
    data_release(x);
    return d;
}

static void test_select_by_index(void **state)
{
    (void)state;
    td_err err;
    td_series *d = multi_series();
    /* level 0 == 1 and level 2 in {0, 1}: positions 6, 7, 8, 9 */
    ser_key one = {.kind = SER_KEY_INT, .i = 1},
            k01[2] = {{.kind = SER_KEY_INT, .i = 0}, {.kind = SER_KEY_INT, .i = 1}};
    ser_keyset sets[2] = {{1, &one}, {2, k01}};
    int64_t levels[2] = {0, 2};
    nd_array *mask = NULL;
    td_series *r = ser_select_by_index(d, 2, levels, sets, false, false, &mask, &err);
    CHECK_OK(r, &err);
    double want[8] = {36, 49, 64, 81, 324, 361, 400, 441};
    check_values(r, TD_INT64, 2, 4, want, 0);
    int64_t ishape[2] = {4, 3};
    assert_shape(r->index, 2, ishape);
    double wm[12] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0};
    assert_int_equal(mask->dtype, TD_BOOL);
    assert_array_close(mask, wm, 12, 0, 0);
    nd_release(mask);
    data_release(r);
    /* squeeze drops level 0 (one value); levels 1 and 2 stay */
    r = ser_select_by_index(d, 2, levels, sets, true, false, NULL, &err);
    CHECK_OK(r, &err);
    int64_t sq[2] = {4, 2};
    assert_shape(r->index, 2, sq);
    double wi[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    assert_array_close(r->index, wi, 8, 0, 0);
    data_release(r);
    /* filter keeps the other eight; a negative level counts from the end */
    int64_t neg[2] = {0, -1};
    r = ser_select_by_index(d, 2, neg, sets, false, true, NULL, &err);
    CHECK_OK(r, &err);
    assert_int_equal(ser_length(r), 8);
    data_release(r);
    /* one level with squeeze drops that level only */
    int64_t l1 = 1;
    ser_keyset s1 = {1, &one};
    r = ser_select_by_index(d, 1, &l1, &s1, true, false, NULL, &err);
    CHECK_OK(r, &err);
    int64_t s82[2] = {8, 2};
    assert_shape(r->index, 2, s82);
    /* levels 0 and 2 of positions 2..5 and 8..11 */
    double w82[16] = {0, 0, 0, 1, 0, 2, 0, 3, 1, 0, 1, 1, 1, 2, 1, 3};
    assert_array_close(r->index, w82, 16, 0, 0);
    data_release(r);
    /* on a 1-D index, squeezing its only level leaves arange */
    nd_array *flat = nd_arange(TD_INT64, 12, &err);
    td_series *d1 = ser_with_index(d, flat, &err);
    CHECK_OK(d1, &err);
    ser_key k5 = {.kind = SER_KEY_INT, .i = 5}, k9 = {.kind = SER_KEY_INT, .i = 9};
    ser_key k59[2] = {k5, k9};
    ser_keyset s59 = {2, k59};
    int64_t l0 = 0;
    r = ser_select_by_index(d1, 1, &l0, &s59, true, false, NULL, &err);
    CHECK_OK(r, &err);
    double ar[2] = {0, 1}, w59[4] = {25, 81, 289, 441};
    check_values(r, TD_INT64, 2, 2, w59, 0);
    check_index(r, 2, ar);
    data_release(r);
    data_release(d1);
    nd_release(flat);
    int64_t bad = 3;
    assert_null(ser_select_by_index(d, 1, &bad, &s1, false, false, NULL, &err));
    assert_string_equal(err.msg, "Levels must be indices into individual elements of the index");
    data_release(d);
}

static void test_stat_by_index(void **state)
{
    (void)state;
    td_err err;
    td_series *d = multi_series();
    int64_t lv[2] = {0, 1};
    td_series *m = ser_stat_by_index(d, SER_MEDIAN, 2, lv, &err);
    CHECK_OK(m, &err);
    double want[8] = {0.5, 12.5, 42.5, 90.5, 156.5, 240.5, 342.5, 462.5};
    check_values(m, TD_FLOAT64, 2, 4, want, 0);
    double keys[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    int64_t ks[2] = {4, 2};
    assert_shape(m->index, 2, ks);
    assert_array_close(m->index, keys, 8, 0, 0);
    data_release(m);
    int64_t l1 = 1;
    td_series *s = ser_stat_by_index(d, SER_STD, 1, &l1, &err);
    CHECK_OK(s, &err);
    double ws[4] = {21.5, 42.16930163045151, 94.33053588313807, 118.65180150339059};
    check_values(s, TD_FLOAT64, 2, 2, ws, 1e-14);
    double k1[2] = {0, 1};
    check_index(s, 2, k1);
    data_release(s);
    td_series *c = ser_stat_by_index(d, SER_COUNT, 1, &l1, &err);
    CHECK_OK(c, &err);
    double wc[4] = {4, 8, 4, 8};
    check_values(c, TD_INT64, 2, 2, wc, 0);
    data_release(c);
    td_series *mx = ser_stat_by_index(d, SER_MAX, 1, &l1, &err);
    CHECK_OK(mx, &err);
    assert_int_equal(data_dtype(mx), TD_INT64);
    data_release(mx);
    data_release(d);
    /* a NaN index value joins no group, as in Thunder */
    double v[4] = {1, 2, 3, 4}, iv[4] = {2, NAN, 1, 2};
    td_series *x = series_of(TD_FLOAT64, 1, 4, v);
    int64_t n4 = 4;
    nd_array *ix = array_of(TD_FLOAT64, 1, &n4, iv);
    td_series *xi = ser_with_index(x, ix, &err);
    int64_t l0 = 0;
    td_series *sum = ser_stat_by_index(xi, SER_SUM, 1, &l0, &err);
    CHECK_OK(sum, &err);
    double wsum[2] = {3, 5}, wk[2] = {1, 2};
    check_values(sum, TD_FLOAT64, 1, 2, wsum, 0);
    check_index(sum, 2, wk);
    data_release(sum);
    data_release(xi);
    nd_release(ix);
    data_release(x);
}

/* ---- time series
 * ----------------------------------------------------------------------------------------------- */

static const double F_in[] = {
    1.7886284734303186,   0.43650985051198943,  0.09649746807200862,  -1.8634927033644908,
    -0.27738820251439905, -0.35475897926898675, -0.08274148148245977, -0.6270006768238473,
    -0.04381816897592824, -0.47721803035950267, -1.3138647533626822,  0.8846223804995846,
    0.8813180422075299,   1.7095730636529485,   0.05003364217686021,  -0.40467741460089085,
    -0.5453599476195304,  -1.5464773155829683,  0.9823674342581601,   -1.1010676301114757,
    -1.1850465270201729,  -0.20564989942254108, 1.4861483550745902,   0.23671626722691233,
    -1.0237851399264681,  -0.7129932001120494,  0.6252449661628293,   -0.1605133631869239,
    -0.76883635031923,    -0.23003072227793905, 0.7450562664053708,   1.9761107831263025,
    -1.244123328955937,   -0.6264169111883692,  -0.8037660945765764,  -2.4190831731786697,
    -0.9237920216957886,  -1.0238757608428377,  1.1239779589574683,   -0.1319142328009009,
    -1.6232854458352473,  0.6466754522701722,   -0.35627075944674486, -1.7431410369534588,
    -0.5966496416841992,  -0.5885943796882429,  -0.8738822977622994,  0.02971381536101662};
static const double want_fourier[] = {0.46417859310269927, 5.904433929953087,  0.195098155258756,
                                      4.3153335816961125,  0.2058981935676375, 4.980364094176037};

static void test_fourier(void **state)
{
    (void)state;
    td_err err;
    td_series *x = series_of(TD_FLOAT64, 3, 16, F_in);
    td_series *f = ser_fourier(x, 3, &err);
    CHECK_OK(f, &err);
    check_values(f, TD_FLOAT64, 3, 2, want_fourier, 1e-12);
    check_str_index(f, "coherence,phase");
    data_release(f);
    /* a constant record: 0 / 0 coherence, phase -pi/2 - angle(0) + 2 pi */
    double flat[8] = {2, 2, 2, 2, 2, 2, 2, 2};
    td_series *c = series_of(TD_INT16, 1, 8, flat);
    f = ser_fourier(c, 1, &err);
    CHECK_OK(f, &err);
    assert_true(isnan(nd_get_f64(f->values, 0)));
    assert_true(fabs(nd_get_f64(f->values, 1) - 1.5 * M_PI) < 1e-15);
    data_release(f);
    data_release(c);
    assert_null(ser_fourier(x, 8, &err));
    assert_string_equal(err.msg,
                        "Requested frequency, 8, is too high, must be less than half the series duration");
    data_release(x);
}

static void test_convolve(void **state)
{
    (void)state;
    td_err err;
    double cv[10] = {1, 2, 3, 4, 5, 0, -1, 4, 2, 2}, kv[3] = {1, 0.5, -2};
    static const double want_full[] = {1.0, 2.5,  2.0, 1.5, 1.0,  -5.5, -10.0,
                                       0.0, -1.0, 3.5, 6.0, -5.0, -3.0, -4.0};
    static const double want_same[] = {2.5, 2.0, 1.5, 1.0, -5.5, -1.0, 3.5, 6.0, -5.0, -3.0};
    static const double want_valid[] = {2.0, 1.5, 1.0, 3.5, 6.0, -5.0};
    static const double want_long_same[] = {10.0, 20.0, 35.0, 50.0, 65.0, 72.0, 70.0,
                                            2.0,  7.0,  14.0, 21.0, 28.0, 35.0, 50.0};
    td_series *x = series_of(TD_FLOAT64, 2, 5, cv);
    int64_t n3 = 3, n7 = 7;
    nd_array *k = array_of(TD_FLOAT64, 1, &n3, kv);
    td_series *r = ser_convolve(x, k, "full", &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 7, want_full, 0);
    double idx[7] = {0, 1, 2, 3, 4, 5, 6};
    check_index(r, 7, idx);
    data_release(r);
    r = ser_convolve(x, k, "same", &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 5, want_same, 0);
    data_release(r);
    r = ser_convolve(x, k, "v", &err); /* numpy reads the first letter */
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 3, want_valid, 0);
    data_release(r);
    /* a signal longer than the records */
    double lv[7] = {1, 2, 3, 4, 5, 6, 7};
    nd_array *lk = array_of(TD_INT64, 1, &n7, lv);
    r = ser_convolve(x, lk, "same", &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 7, want_long_same, 0);
    data_release(r);
    assert_null(ser_convolve(x, k, "middle", &err));
    assert_int_equal(err.kind, TD_EVALUE);
    /* int8 with int8 stays int8 and wraps */
    double iv[6] = {100, 120, 3, 7, 8, 9}, ikv[2] = {2, 3};
    static const double want_i8[] = {-56.0, 28.0, 110.0, 9.0, 14.0, 37.0, 42.0, 27.0};
    td_series *xi = series_of(TD_INT8, 2, 3, iv);
    int64_t n2 = 2;
    nd_array *ki = array_of(TD_INT8, 1, &n2, ikv);
    r = ser_convolve(xi, ki, "full", &err);
    CHECK_OK(r, &err);
    check_values(r, TD_INT8, 2, 4, want_i8, 0);
    data_release(r);
    nd_release(ki);
    data_release(xi);
    nd_release(lk);
    nd_release(k);
    data_release(x);
}

static void test_crosscorr(void **state)
{
    (void)state;
    td_err err;
    static const double Y_in[] = {
        0.44122748688504143,    -0.33087015189408764, 2.43077118700778,     -0.2520921296030769,
        0.10960984157818278,    1.5824811170615634,   -0.9092324048562419,  -0.5916366579302884,
        0.18760322583703548,    -0.32986995777935924, -1.192764612421806,   -0.2048765105875873,
        -0.3588289470012431,    0.6034716026094954,   -1.6647885294716944,  -0.7001790376899514,
        1.1513910094871702,     1.8573310072313118,   -1.5111795576883658,  0.6448475108927784,
        -0.9806078852186219,    -0.8568531547160899,  -0.8718791832556535,  -0.4225079291623943,
        0.996439826913362,      0.7124212708765678,   0.059144243219039896, -0.3633108784819174,
        0.0032888429341100755,  -0.10593044205742323, 0.7930533194619698,   -0.6315716297922155,
        -0.0061949084857593475, -0.10106761180924467, -0.05230815085185874, 0.24921765856490757};
    static const double want[] = {-0.21431427985017437,  0.19014866396634822,  0.0879441834978899,
                                  -0.029146812269196132, 0.10034338126455805,  -0.3257371409717563,
                                  -0.1417692678444781,   0.2105767699494823,   0.01761558350530268,
                                  -0.3268073926905957,   -0.10071321076663764, 0.30640357312136196,
                                  0.036415429095504805,  0.11606781785588466,  0.6981411785307998,
                                  0.1542694348354518,    -0.23588753632432696, -0.45888658458283327,
                                  -0.4208869412494495,   0.3915139100161082,   0.0673925229541121};
    td_series *y = series_of(TD_FLOAT64, 3, 12, Y_in);
    double sv[12];
    for (int i = 0; i < 12; i++)
        sv[i] = i % 5;
    int64_t n12 = 12;
    nd_array *s = array_of(TD_FLOAT64, 1, &n12, sv);
    td_series *r = ser_crosscorr(y, s, 3, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 3, 7, want, 1e-13);
    double lags[7] = {-3, -2, -1, 0, 1, 2, 3};
    check_index(r, 7, lags);
    data_release(r);
    /* lag 0 is the plain correlation of the normalised vectors */
    r = ser_crosscorr(y, s, 0, &err);
    CHECK_OK(r, &err);
    assert_true(fabs(nd_get_f64(r->values, 0) - want[3]) < 1e-13);
    data_release(r);
    nd_release(s);
    int64_t n5 = 5;
    nd_array *short_s = nd_zeros(TD_FLOAT64, 1, &n5, &err);
    assert_null(ser_crosscorr(y, short_s, 1, &err));
    assert_string_equal(err.msg, "Size of signal to cross correlate with, 5, does not match size of series");
    nd_release(short_s);
    data_release(y);
}

static void test_detrend(void **state)
{
    (void)state;
    td_err err;
    static const double D_in[] = {
        0.19766009104249851, 2.0348485742415816, 1.3131243937223644, 3.6615322934488903, 2.4941469788333688,
        3.0222685827217877,  4.3007381887528515, 5.2554384723493515, 5.8696124064467,    1.2919633833879631,
        1.8393429788252842,  1.8944403981210882, 1.7636637408634468, 2.6993856536928917, 4.913398017921784,
        4.421254122850999,   3.589226866620254,  4.910434767951819};
    static const double want_lin[] = {0.19766009104249851, 1.406756193653682,     0.0569396325465652,
                                      1.7772551516851913,  -0.018222543518229717, -0.11819332021771034,
                                      0.5321839052254536,  0.858791808234054,     0.8448733617435034,
                                      1.2919633833879631,  1.3738946633559759,    0.9635437671824718,
                                      0.3673187944555223,  0.8375923918156589,    2.586156440575243,
                                      1.62856423003515,    0.3310886583350965,    1.1868482441973534};
    static const double want_3[] = {0.19766009104249851, 0.9970585572318471,   -0.4292391982929906,
                                    1.4277226937347969,  -0.13806993596981432, -0.035405829258068344,
                                    0.6704672228115083,  0.7853430209644738,   0.17237566343900745,
                                    1.2919633833879631,  1.8090975974663257,   1.5024534422550295,
                                    0.7935237382799477,  1.0497658531194123,   2.5980563890235855,
                                    1.569033356231143,   0.4440543738196032,   1.8313226814490378};
    td_series *x = series_of(TD_FLOAT64, 2, 9, D_in);
    td_series *r = ser_detrend(x, "linear", 5, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 9, want_lin, 1e-12);
    data_release(r);
    r = ser_detrend(x, "nonlinear", 3, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 9, want_3, 1e-12);
    data_release(r);
    assert_null(ser_detrend(x, "cubic", 3, &err));
    assert_string_equal(err.msg, "Option must be one of 'linear', 'nonlinear', got 'cubic'");
    data_release(x);
    /* integers come out float64; a straight line leaves its intercept */
    double line[5] = {7, 9, 11, 13, 15};
    td_series *li = series_of(TD_INT16, 1, 5, line);
    r = ser_detrend(li, "linear", 5, &err);
    CHECK_OK(r, &err);
    double sevens[5] = {7, 7, 7, 7, 7};
    check_values(r, TD_FLOAT64, 1, 5, sevens, 1e-13);
    data_release(r);
    data_release(li);
}

static void test_normalize(void **state)
{
    (void)state;
    td_err err;
    static const double N_in[] = {
        6.775132332314081,  12.522047703756748, 2.071639848241478,  23.601067737202705, 7.566194702604272,
        2.248068253301947,  5.357039190284899,  10.721793096791725, 3.4071114226406936, 9.241234534171207,
        6.68132717730888,   1.1275831670616416, 12.89060725824544,  1.7359331874884147, 29.596879666225558,
        8.893664041799795,  19.777408839472628, 16.387561454090367, 19.213647385840687, 5.270313859048185,
        12.647019101153951, 14.970740246682613};
    static const double want_mean[] = {
        -0.1637137163732805,  0.49690196438263745, -0.7043865275192632,  1.7704502748158304,
        -0.07278002890913791, -0.6841058441646998, -0.32672543759195144, 0.2899602668201713,
        -0.550872267045571,   0.11976806117106913, -0.17449674558580552, -0.879040263838224,
        -0.00482853731677421, -0.8338285293757192, 1.2367585862243602,   -0.30187584445235793,
        0.506989057705203,    0.2550602754084546,  0.4650910840289268,   -0.5711582325951436,
        -0.02293167318731363, 0.14976407739858658};
    static const double want_perc[] = {0.9603404351314915,
                                       2.5989867964482656,
                                       -0.38078960530819594,
                                       5.758002492933883,
                                       1.1858999554773142,
                                       -0.33048370287193224,
                                       0.5559925342138117,
                                       2.0856713097080366,
                                       0.0,
                                       1.6635123349282377,
                                       0.9335933080229463,
                                       -0.771413142829009,
                                       1.4189661161718112,
                                       -0.6581329814839149,
                                       4.529821989117211,
                                       0.6746998923809268,
                                       2.7013495600414736,
                                       2.070129956429132,
                                       2.596372184709474,
                                       0.0,
                                       1.3736078441071202,
                                       1.806305300255523};
    static const double want_win4[] = {0.0,
                                       0.8358988734560588,
                                       -0.6841311929321756,
                                       2.091633940519571,
                                       2.264894319755724,
                                       -0.5697175388657306,
                                       0.0,
                                       2.0856713097080366,
                                       -0.3573233945461925,
                                       0.377493562827654,
                                       0.0,
                                       0.0,
                                       9.582262454233483,
                                       0.0,
                                       2.301977873334334,
                                       0.0,
                                       0.20560028812152084,
                                       0.0,
                                       0.1714071507554079,
                                       -0.578700414863109,
                                       0.0,
                                       0.1822952587651102};
    static const double want_win5[] = {0.0,
                                       0.8358988734560588,
                                       -0.716725189942834,
                                       2.091633940519571,
                                       0.4048267632477893,
                                       -0.6937113725399789,
                                       0.0,
                                       0.9830887628693655,
                                       -0.4828281646141626,
                                       0.377493562827654,
                                       0.0,
                                       0.0,
                                       6.0757516377906935,
                                       -0.7958637126141738,
                                       1.2860270560005005,
                                       -0.4545182398960172,
                                       0.029189797368116385,
                                       0.0,
                                       0.1714071507554079,
                                       -0.6436595833286753,
                                       -0.1541875918165441,
                                       0.0};
    td_series *x = series_of(TD_FLOAT64, 2, 11, N_in);
    td_series *r = ser_normalize(x, "mean", -1, 20, 0.5, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 11, want_mean, 1e-13);
    data_release(r);
    r = ser_normalize(x, "percentile", -1, 20, 0.1, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 11, want_perc, 1e-13);
    data_release(r);
    r = ser_normalize(x, "window", 4, 30, 0.1, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 11, want_win4, 1e-13);
    data_release(r);
    r = ser_normalize(x, "window", 5, 50, 0.1, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 2, 11, want_win5, 1e-13);
    data_release(r);
    assert_null(ser_normalize(x, "window", -1, 20, 0.1, &err));
    assert_int_equal(err.kind, TD_ERUNTIME);
    assert_null(ser_normalize(x, "median", -1, 20, 0.1, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    data_release(x);
    /* float32 data stay float32 with a mean or percentile baseline */
    td_series *f = series_of(TD_FLOAT32, 2, 11, N_in);
    r = ser_normalize(f, "percentile", -1, 20, 0.1, &err);
    CHECK_OK(r, &err);
    assert_int_equal(data_dtype(r), TD_FLOAT32);
    data_release(r);
    r = ser_normalize(f, "window", 3, 20, 0.1, &err);
    CHECK_OK(r, &err);
    assert_int_equal(data_dtype(r), TD_FLOAT64);
    data_release(r);
    data_release(f);
}

static void test_windows_and_sampling(void **state)
{
    (void)state;
    td_err err;
    double w[24];
    for (int i = 0; i < 24; i++)
        w[i] = pow(i, 1.5);
    td_series *x = series_of(TD_FLOAT64, 2, 12, w);
    ser_key keys[2] = {{.kind = SER_KEY_INT, .i = 2}, {.kind = SER_KEY_INT, .i = 7}};
    td_series *m = ser_mean_by_window(x, 2, keys, 4, &err);
    CHECK_OK(m, &err);
    static const double want_mbw[] = {5.590169943749474,  7.848469228349534, 10.674343151099162,
                                      13.911784710338077, 55.83100750857664, 61.61984947458949,
                                      67.601141671054,    73.76873464655142};
    check_values(m, TD_FLOAT64, 2, 4, want_mbw, 1e-14);
    data_release(m);
    ser_key far = {.kind = SER_KEY_INT, .i = 11};
    assert_null(ser_mean_by_window(x, 1, &far, 4, &err));
    assert_string_equal(err.msg, "Maximum requested index 11, with window 4, exceeds length 12");
    ser_key absent = {.kind = SER_KEY_FLOAT, .f = 2.5};
    assert_null(ser_mean_by_window(x, 1, &absent, 4, &err));
    assert_int_equal(err.kind, TD_EINDEX);
    ser_key near = {.kind = SER_KEY_INT, .i = 1};
    assert_null(ser_mean_by_window(x, 1, &near, 4, &err));
    assert_string_equal(err.msg, "Minimum requested index 1, with window 4, is less than 0");
    td_series *dn = ser_downsample(x, 5, &err);
    CHECK_OK(dn, &err);
    static const double want_down[] = {3.4049159094905646, 18.804990903923933, 52.583867914126266,
                                       82.99124332499687};
    check_values(dn, TD_FLOAT64, 2, 2, want_down, 1e-14);
    assert_int_equal(dn->index->dtype, TD_FLOAT64);
    data_release(dn);
    td_series *sub = ser_subsample(x, 5, &err);
    CHECK_OK(sub, &err);
    double ws[6] = {w[0], w[5], w[10], w[12], w[17], w[22]}, wi[3] = {0, 5, 10};
    check_values(sub, TD_FLOAT64, 2, 3, ws, 0);
    check_index(sub, 3, wi);
    data_release(sub);
    assert_null(ser_subsample(x, -1, &err));
    assert_null(ser_downsample(x, 0, &err));
    assert_int_equal(err.kind, TD_EZERODIV);
    /* sample: record floor(u * n), the index kept */
    double u[3] = {0.99, 0.0, 0.5};
    td_series *s = ser_sample(x, 3, u, &err);
    CHECK_OK(s, &err);
    assert_int_equal(data_count(s), 3);
    assert_true(nd_get_f64(s->values, 0) == w[12] && nd_get_f64(s->values, 12) == w[0]);
    assert_true(nd_get_f64(s->values, 24) == w[12]);
    data_release(s);
    assert_null(ser_sample(x, 0, u, &err));
    assert_string_equal(err.msg, "Number of samples must be larger than 0, got '0'");
    data_release(x);
    /* flatten */
    int64_t s3[3] = {2, 3, 4};
    nd_array *a = nd_arange(TD_INT64, 24, &err), *a3 = nd_reshape(a, 3, s3, &err);
    td_series *d3 = ser_fromarray(a3, NULL, &err);
    td_series *fl = ser_flatten(d3, &err);
    CHECK_OK(fl, &err);
    int64_t fs[2] = {6, 4};
    assert_shape(fl->values, 2, fs);
    data_release(fl);
    data_release(d3);
    nd_release(a3);
    nd_release(a);
}

/* ---- matrices
 * ------------------------------------------------------------------------------------------------------ */

static void test_matrix(void **state)
{
    (void)state;
    td_err err;
    double g[12] = {1, 2, 0, 3, -1, 4, 0.5, 2, 2, 1, 1, 1};
    static const double want_gram[] = {11.25, 1.0, 14.0, 1.0, 10.0, 1.0, 14.0, 1.0, 21.0};
    static const double want_cov[] = {1.2291666666666667, -1.5, 1.4583333333333333, -1.5, 2.0, -2.0,
                                      1.4583333333333333, -2.0, 2.9166666666666665};
    static const double want_times[] = {5.0, 2.0, -3.0, 11.0, 2.5, 8.0, 2.0, 4.0};
    for (int k = 0; k < 2; k++) {
        td_dtype t = k ? TD_FLOAT32 : TD_FLOAT64;
        td_series *x = series_of(t, 4, 3, g);
        td_series *gr = ser_gramian(x, &err);
        CHECK_OK(gr, &err);
        check_values(gr, t, 3, 3, want_gram, 1e-6);
        data_release(gr);
        td_series *cv = ser_cov(x, &err);
        CHECK_OK(cv, &err);
        /* times(1 / (n - 1)) promotes to float64, as numpy's dot with a 0-d float64 */
        check_values(cv, TD_FLOAT64, 3, 3, want_cov, k ? 1e-6 : 1e-14);
        data_release(cv);
        /* in two parts (records 0-1 and 2-3) about the whole's mean: the
         * grams add up to the whole's */
        td_series *mean = data_reduce(x, ND_RMEAN, &err);
        CHECK_OK(mean, &err);
        td_series *top = series_of(t, 2, 3, g), *bottom = series_of(t, 2, 3, g + 6);
        nd_array *g1 = ser_cov_gram(top, mean->values, &err), *g2 = ser_cov_gram(bottom, mean->values, &err);
        CHECK_OK(g1 && g2, &err);
        assert_int_equal(g1->dtype, t);
        nd_array *sum = nd_binary(ND_ADD, g1, g2, &err);
        CHECK_OK(sum, &err);
        td_series *parts = ser_cov_finish(top, sum, 4, &err);
        CHECK_OK(parts, &err);
        check_values(parts, TD_FLOAT64, 3, 3, want_cov, k ? 1e-6 : 1e-14);
        assert_null(ser_cov_gram(top, g1, &err));
        assert_string_equal(err.msg, "cov: a mean of 9 values for records of length 3");
        data_release(parts);
        nd_release(sum);
        nd_release(g1);
        nd_release(g2);
        data_release(top);
        data_release(bottom);
        data_release(mean);
        data_release(x);
    }
    td_series *x = series_of(TD_FLOAT64, 4, 3, g);
    int64_t ms[2] = {3, 2};
    double mv[6] = {1, 0, 2, 1, -1, 3};
    nd_array *m = array_of(TD_INT64, 2, ms, mv);
    td_series *t = ser_times(x, m, &err);
    CHECK_OK(t, &err);
    check_values(t, TD_FLOAT64, 4, 2, want_times, 1e-14);
    double i2[2] = {0, 1};
    check_index(t, 2, i2);
    data_release(t);
    /* a vector is a column */
    int64_t n3 = 3;
    nd_array *v = array_of(TD_FLOAT64, 1, &n3, mv);
    t = ser_times(x, v, &err);
    CHECK_OK(t, &err);
    double wv[4] = {1, 11, 4.5, 3};
    check_values(t, TD_FLOAT64, 4, 1, wv, 0);
    data_release(t);
    nd_array *bad = nd_zeros(TD_FLOAT64, 1, &ms[1], &err);
    assert_null(ser_times(x, bad, &err));
    assert_string_equal(err.msg, "shapes (4, 3) and (2,) are not aligned");
    nd_release(bad);
    nd_release(v);
    nd_release(m);
    data_release(x);
    /* integers stay integers: int8 products wrap as numpy's dot; a Python int scalar gives int64 */
    double gi[4] = {100, 2, 3, 127};
    td_series *xi = series_of(TD_INT8, 2, 2, gi);
    td_series *gri = ser_gramian(xi, &err);
    CHECK_OK(gri, &err);
    double want_i8[4] = {25, 69, 69, 5};
    check_values(gri, TD_INT8, 2, 2, want_i8, 0);
    data_release(gri);
    td_series *ts = ser_times_scalar(xi, false, 3, 0, &err);
    CHECK_OK(ts, &err);
    double w3[4] = {300, 6, 9, 381};
    check_values(ts, TD_INT64, 2, 2, w3, 0);
    data_release(ts);
    data_release(xi);
}

/* ---- large outputs (streamed to memory) ------------------------------------------------------------------
 */

/* A result of 64 MiB or more is written with streaming stores: it must
 * equal, bit for bit, the same records computed as a small Series. */
static void test_streamed_outputs(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[2] = {16384, 1024};
    nd_array *v = nd_new(TD_FLOAT32, 2, shape, &err);
    CHECK_OK(v, &err);
    float *f = v->data;
    for (int64_t i = 0; i < v->size; i++)
        f[i] = (float)((i * 7919) % 1009) * 0.25f + (float)(i / 1024) * 0.001f;
    td_series *big = ser_fromarray(v, NULL, &err);
    CHECK_OK(big, &err);
    td_series *z = ser_zscore(big, 1, &err), *t = ser_detrend(big, "linear", 5, &err);
    td_series *c = ser_center(big, 1, &err), *sd = ser_standardize(big, 1, &err);
    CHECK_OK(z && t && c && sd, &err);
    /* records 5 and 16000 on their own */
    for (int k = 0; k < 2; k++) {
        int64_t rec = k ? 16000 : 5, one[2] = {1, 1024};
        nd_array *row = nd_view(v, rec * 1024, 2, one, &err);
        td_series *small = ser_fromarray(row, NULL, &err);
        td_series *zs = ser_zscore(small, 1, &err), *ts = ser_detrend(small, "linear", 5, &err);
        td_series *cs = ser_center(small, 1, &err), *ss = ser_standardize(small, 1, &err);
        CHECK_OK(zs && ts && cs && ss, &err);
        assert_memory_equal((const float *)z->values->data + rec * 1024, zs->values->data,
                            1024 * sizeof(float));
        assert_memory_equal((const double *)t->values->data + rec * 1024, ts->values->data,
                            1024 * sizeof(double));
        assert_memory_equal((const float *)c->values->data + rec * 1024, cs->values->data,
                            1024 * sizeof(float));
        assert_memory_equal((const float *)sd->values->data + rec * 1024, ss->values->data,
                            1024 * sizeof(float));
        data_release(cs);
        data_release(ss);
        data_release(zs);
        data_release(ts);
        data_release(small);
        nd_release(row);
    }
    /* float64 data take the float64 streaming path: 8192 records are 64 MiB */
    int64_t half[2] = {8192, 1024};
    nd_array *v8 = nd_view(v, 0, 2, half, &err), *d8 = v8 ? nd_astype(v8, TD_FLOAT64, &err) : NULL;
    td_series *big8 = d8 ? ser_fromarray(d8, NULL, &err) : NULL;
    td_series *z8 = big8 ? ser_zscore(big8, 1, &err) : NULL;
    CHECK_OK(z8, &err);
    int64_t one8[2] = {1, 1024};
    nd_array *row8 = nd_view(d8, 777 * 1024, 2, one8, &err);
    td_series *small8 = ser_fromarray(row8, NULL, &err), *zs8 = ser_zscore(small8, 1, &err);
    CHECK_OK(zs8, &err);
    assert_memory_equal((const double *)z8->values->data + 777 * 1024, zs8->values->data,
                        1024 * sizeof(double));
    data_release(zs8);
    data_release(small8);
    nd_release(row8);
    data_release(z8);
    data_release(big8);
    nd_release(d8);
    nd_release(v8);
    data_release(z);
    data_release(t);
    data_release(c);
    data_release(sd);
    data_release(big);
    nd_release(v);
}

/* ---- signal files
 * -------------------------------------------------------------------------------------------------- */

static void test_load_signal(void **state)
{
    (void)state;
    td_err err;
    char path[4096];
    const char *src = getenv("THUNDER_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/data/mat/signal.mat", src ? src : ".");
    /* scipy's loadmat: a MATLAB vector is 1 x n */
    nd_array *s = ser_load_signal(path, "s", &err);
    CHECK_OK(s, &err);
    int64_t s16[2] = {1, 6};
    assert_shape(s, 2, s16);
    assert_int_equal(s->dtype, TD_FLOAT64);
    assert_array_close(s, S_sig, 6, 0, 0);
    /* column-major storage comes out in C order */
    nd_array *k = ser_load_signal(path, "k", &err);
    CHECK_OK(k, &err);
    int64_t s23[2] = {2, 3};
    assert_shape(k, 2, s23);
    assert_int_equal(k->dtype, TD_INT16);
    double wk[6] = {1, 2, 3, 4, 5, 6};
    assert_array_close(k, wk, 6, 0, 0);
    nd_release(k);
    assert_null(ser_load_signal(path, "nope", &err));
    assert_int_equal(err.kind, TD_EKEY);
    assert_null(ser_load_signal("/nonexistent/signal.mat", "s", &err));
    assert_int_equal(err.kind, TD_ENOTFOUND);
    /* correlate with the loaded 1 x 6 signal: one signal, indexed [0] */
    td_series *x = series_of(TD_FLOAT64, 3, 6, X_in);
    td_series *r = ser_correlate(x, s, &err);
    CHECK_OK(r, &err);
    check_values(r, TD_FLOAT64, 3, 1, want_corr, 1e-13);
    double zero[1] = {0};
    check_index(r, 1, zero);
    data_release(r);
    data_release(x);
    nd_release(s);
}

/* The MATLAB files in tests/data/mat (written by make.py there). */
static nd_array *load_mat(const char *name, const char *var, td_err *err)
{
    char path[4096];
    const char *src = getenv("THUNDER_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/data/mat/%s", src ? src : ".", name);
    return ser_load_signal(path, var, err);
}

/* A refused file: the kind, the file named, and what was wrong. */
static void check_mat_refused(const char *name, td_errkind kind, const char *what)
{
    td_err err;
    assert_null(load_mat(name, "s", &err));
    assert_int_equal(err.kind, kind);
    if (!strstr(err.msg, name) || !strstr(err.msg, what))
        fail_msg("%s: got '%s', want '%s'", name, err.msg, what);
}

/* A 2 x 3 or 1 x 6 variable loaded with the values want. */
static void check_mat_loads(const char *name, const char *var, td_dtype t, const int64_t *shape,
                            const double *want)
{
    td_err err;
    nd_array *a = load_mat(name, var, &err);
    CHECK_OK(a, &err);
    assert_shape(a, 2, shape);
    assert_int_equal(a->dtype, t);
    assert_array_close(a, want, 6, 0, 0);
    nd_release(a);
}

static void test_load_signal_mat_files(void **state)
{
    (void)state;
    td_err err;
    int64_t s16[2] = {1, 6}, s23[2] = {2, 3};
    double wk[6] = {1, 2, 3, 4, 5, 6};
    /* scipy's savemat, compressed and not, with structs, cells (one of
     * more than 32 KiB), a string, a sparse matrix and a logical vector
     * before the variables and a struct after them; then MATLAB's packing
     * of double values that fit in bytes as uint8 data (also big-endian) */
    const char *good[5] = {"signal-z.mat", "signal-plain.mat", "packed.mat", "packed-z.mat", "packed-be.mat"};
    for (int f = 0; f < 5; f++) {
        check_mat_loads(good[f], "s", TD_FLOAT64, s16, S_sig);
        if (f >= 2)
            continue;
        check_mat_loads(good[f], "k", TD_INT16, s23, wk);
        assert_null(load_mat(good[f], "info", &err));
        assert_int_equal(err.kind, TD_EVALUE);
        assert_non_null(strstr(err.msg, "variable 'info' is not a real numeric array"));
        assert_null(load_mat(good[f], "nope", &err));
        assert_int_equal(err.kind, TD_EKEY);
    }
    /* compressed headers claiming more than the file holds, refused
     * before matio allocates what they claim */
    check_mat_refused("z-claims-1e10-values.mat", TD_EVALUE,
                      "variable 's' claims 10000000000 values but its data holds 6");
    check_mat_refused(
        "z-claims-4G-inflated.mat", TD_EVALUE,
        "51 compressed bytes claim 4294967280 bytes once inflated, more than deflate can produce");
    check_mat_refused("z-data-claims-2G.mat", TD_EVALUE, "data of 2147483648 bytes where 48 remain");
    check_mat_refused("z-million-cells.mat", TD_EVALUE, "an element needs 8 bytes where 0 remain");
    /* a million cells' tables are more than a budget of 64 MiB, whether or not the cells are there */
    td_mem_set_budget((size_t)64 << 20);
    check_mat_refused("z-million-cells.mat", TD_EMEMORY, "more than the memory budget (67108864 bytes)");
    td_mem_set_budget(0);
    check_mat_refused("function-handle.mat", TD_EVALUE, "is a function handle, which matio cannot read");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_within),    cmocka_unit_test(test_scale_dtypes),
        cmocka_unit_test(test_scale_across),    cmocka_unit_test(test_squelch),
        cmocka_unit_test(test_correlate),       cmocka_unit_test(test_mean_by_panel),
        cmocka_unit_test(test_series_stat),     cmocka_unit_test(test_series_percentile_stats),
        cmocka_unit_test(test_strtab),          cmocka_unit_test(test_select_between),
        cmocka_unit_test(test_select_by_index), cmocka_unit_test(test_stat_by_index),
        cmocka_unit_test(test_fourier),         cmocka_unit_test(test_convolve),
        cmocka_unit_test(test_crosscorr),       cmocka_unit_test(test_detrend),
        cmocka_unit_test(test_normalize),       cmocka_unit_test(test_windows_and_sampling),
        cmocka_unit_test(test_matrix),          cmocka_unit_test(test_streamed_outputs),
        cmocka_unit_test(test_load_signal),     cmocka_unit_test(test_load_signal_mat_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

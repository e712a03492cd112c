/* Printing: Python's float/str repr and numpy 1.24's array repr/str. Every
 * expected string was produced by /usr/bin/python3 with numpy 1.24.2 (repr()
 * and str() of the same values) and pasted here. */
#include "testutil.h"

#include <math.h>

#include "print.h"

/* An array holding a copy of data. */
static nd_array *make(td_dtype dt, int ndim, const int64_t *shape, const void *data)
{
    td_err err;
    nd_array *a = nd_from_buffer(dt, ndim, shape, data, &err);
    CHECK_OK(a, &err);
    return a;
}

/* np.arange(n) * scale cast to dt (the product taken in double, as numpy
 * does for an integer arange times a float), in the given shape. */
static nd_array *arange_scaled(td_dtype dt, int ndim, const int64_t *shape, double scale)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    size_t is = td_dtype_size(dt);
    unsigned char *buf = malloc((size_t)n * is);
    assert_non_null(buf);
    for (int64_t i = 0; i < n; i++) {
        double v = (double)i * scale;
        unsigned char *p = buf + (size_t)i * is;
        if (dt == TD_FLOAT64) {
            memcpy(p, &v, sizeof v);
        } else if (dt == TD_FLOAT32) {
            float f = (float)v;
            memcpy(p, &f, sizeof f);
        } else if (dt == TD_BOOL) {
            *p = v != 0;
        } else if (dt == TD_INT16) {
            int16_t x = (int16_t)v;
            memcpy(p, &x, sizeof x);
        } else {
            assert_int_equal(dt, TD_INT64);
            int64_t x = (int64_t)v;
            memcpy(p, &x, sizeof x);
        }
    }
    nd_array *a = make(dt, ndim, shape, buf);
    free(buf);
    return a;
}

static void check_repr(const nd_array *a, const char *want)
{
    strbuf sb = SB_INIT;
    td_err err;
    sb_add(&sb, ">"); /* the printer appends: what is already there stays */
    CHECK_OK(print_array_repr(&sb, a, &err) == 0, &err);
    assert_string_equal(sb_str(&sb) + 1, want);
    assert_int_equal(sb.len, strlen(want) + 1);
    sb_free(&sb);
}

static void check_str(const nd_array *a, const char *want)
{
    strbuf sb = SB_INIT;
    td_err err;
    CHECK_OK(print_array_str(&sb, a, &err) == 0, &err);
    assert_string_equal(sb_str(&sb), want);
    sb_free(&sb);
}

/* ---- strbuf ---------------------------------------------------------------- */

static void strbuf_basics(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb);
    assert_string_equal(sb_str(&sb), "");
    sb_add(&sb, "ab");
    sb_addc(&sb, 'c');
    sb_addrep(&sb, '-', 3);
    sb_addn(&sb, "xyz", 2);
    assert_string_equal(sb_str(&sb), "abc---xy");
    assert_int_equal(sb.len, 8);
    sb_truncate(&sb, 2);
    assert_string_equal(sb_str(&sb), "ab");
    sb_truncate(&sb, 10);
    assert_string_equal(sb_str(&sb), "ab");
    char *s = sb_steal(&sb);
    assert_string_equal(s, "ab");
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb_str(&sb), "");
    free(s);
    s = sb_steal(&sb); /* an empty buffer still hands over a string */
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void strbuf_addf_grows(void **state)
{
    (void)state;
    strbuf sb = SB_INIT;
    sb_addf(&sb, "%d-%s", 42, "x");
    assert_string_equal(sb_str(&sb), "42-x");
    /* Longer than the formatter's stack buffer and the first allocation. */
    char big[1000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 20; i++)
        sb_addf(&sb, "[%s:%d]", big, i);
    assert_int_equal(sb.len, 4 + 20 * (999 + 3) + 10 * 1 + 10 * 2);
    assert_memory_equal(sb_str(&sb) + sb.len - 4, ":19]", 4);
    assert_int_equal(sb_str(&sb)[sb.len], '\0');
    sb_free(&sb);
    assert_null(sb.buf);
}

/* ---- generated from numpy 1.24 ---------------------------------------------- */

/* Python switches to an exponent only below 1e-4 and from 1e16 on. */
static void float_repr_positional(void **state)
{
    (void)state;
    static const struct {
        double in;
        const char *want;
    } cases[] = {
        {1.0, "1.0"},
        {0.1, "0.1"},
        {100.0, "100.0"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {0.0001, "0.0001"},
        {1000000000000000.0, "1000000000000000.0"},
        {0.3333333333333333, "0.3333333333333333"},
        {-123.456, "-123.456"},
        {2.5, "2.5"},
        {9999999999999998.0, "9999999999999998.0"},
    };
    strbuf sb = SB_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_truncate(&sb, 0);
        print_float_repr(&sb, cases[i].in);
        assert_string_equal(sb_str(&sb), cases[i].want);
    }
    sb_free(&sb);
}

static void float_repr_exponent(void **state)
{
    (void)state;
    static const struct {
        double in;
        const char *want;
    } cases[] = {
        {1e-05, "1e-05"},
        {1e+16, "1e+16"},
        {1.5e+300, "1.5e+300"},
        {1.2345678901234568e+17, "1.2345678901234568e+17"},
        {5e-324, "5e-324"},
        {1.7976931348623157e+308, "1.7976931348623157e+308"},
        {-2.5e-10, "-2.5e-10"},
        {1e+22, "1e+22"},
        {9.999999999999999e-05, "9.999999999999999e-05"},
    };
    strbuf sb = SB_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_truncate(&sb, 0);
        print_float_repr(&sb, cases[i].in);
        assert_string_equal(sb_str(&sb), cases[i].want);
    }
    sb_free(&sb);
}

static void float_repr_nonfinite(void **state)
{
    (void)state;
    static const struct {
        double in;
        const char *want;
    } cases[] = {
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {NAN, "nan"},
    };
    strbuf sb = SB_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_truncate(&sb, 0);
        print_float_repr(&sb, cases[i].in);
        assert_string_equal(sb_str(&sb), cases[i].want);
    }
    sb_free(&sb);
}

/* numpy compares float32 magnitudes in long double: np.float32(1e-4) prints as 1e-04. */
static void float32_scalar_repr(void **state)
{
    (void)state;
    static const struct {
        float in;
        const char *want;
    } cases[] = {
        {0.10000000149011612f, "0.1"},
        {9.999999747378752e-05f, "1e-04"},
        {9.999999747378752e-06f, "1e-05"},
        {16777216.0f, "16777216.0"},
        {3.3999999521443642e+38f, "3.4e+38"},
        {0.3333333432674408f, "0.33333334"},
        {123456.703125f, "123456.7"},
        {1.0000000272564224e+16f, "1e+16"},
        {-0.0f, "-0.0"},
        {82570688.0f, "82570690.0"},
    };
    strbuf sb = SB_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_truncate(&sb, 0);
        print_float32_repr(&sb, cases[i].in);
        assert_string_equal(sb_str(&sb), cases[i].want);
    }
    sb_free(&sb);
}

static void str_repr_quotes(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"", 0, "''"},
        {"abc", 3, "'abc'"},
        {"it's", 4, "\"it's\""},
        {"say \"hi\"", 8, "'say \"hi\"'"},
        {"both ' and \"", 12, "'both \\' and \"'"},
    };
    strbuf sb = SB_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_truncate(&sb, 0);
        print_str_repr(&sb, cases[i].in, cases[i].len);
        assert_string_equal(sb_str(&sb), cases[i].want);
    }
    sb_free(&sb);
}

static void str_repr_escapes(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"tab\there", 8, "'tab\\there'"},
        {"line\n", 5, "'line\\n'"},
        {"back\\slash", 10, "'back\\\\slash'"},
        {"\x00\x01\x1f\x7f", 4, "'\\x00\\x01\\x1f\\x7f'"},
        {"cr\r", 3, "'cr\\r'"},
        {"h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac", 13, "'h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac'"},
        {"\xc2\xa0\xe2\x80\x8b", 5, "'\\xa0\\u200b'"},
        {"\xf0\x9f\x98\x80", 4, "'\xf0\x9f\x98\x80'"},
    };
    strbuf sb = SB_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_truncate(&sb, 0);
        print_str_repr(&sb, cases[i].in, cases[i].len);
        assert_string_equal(sb_str(&sb), cases[i].want);
    }
    sb_free(&sb);
}

/* numpy 1.24 prints scalars without their type. */
static void numpy_scalars(void **state)
{
    (void)state;
    strbuf sb = SB_INIT;
    {
        const double x = 1.5;
        print_scalar(&sb, TD_FLOAT64, &x);
        assert_string_equal(sb_str(&sb), "1.5");
        sb_truncate(&sb, 0);
    }
    {
        const double x = 1e-05;
        print_scalar(&sb, TD_FLOAT64, &x);
        assert_string_equal(sb_str(&sb), "1e-05");
        sb_truncate(&sb, 0);
    }
    {
        const double x = 1e+16;
        print_scalar(&sb, TD_FLOAT64, &x);
        assert_string_equal(sb_str(&sb), "1e+16");
        sb_truncate(&sb, 0);
    }
    {
        const int16_t x = 3;
        print_scalar(&sb, TD_INT16, &x);
        assert_string_equal(sb_str(&sb), "3");
        sb_truncate(&sb, 0);
    }
    {
        const int8_t x = -7;
        print_scalar(&sb, TD_INT8, &x);
        assert_string_equal(sb_str(&sb), "-7");
        sb_truncate(&sb, 0);
    }
    {
        const uint8_t x = 200;
        print_scalar(&sb, TD_UINT8, &x);
        assert_string_equal(sb_str(&sb), "200");
        sb_truncate(&sb, 0);
    }
    {
        const uint64_t x = 18446744073709551615ull;
        print_scalar(&sb, TD_UINT64, &x);
        assert_string_equal(sb_str(&sb), "18446744073709551615");
        sb_truncate(&sb, 0);
    }
    {
        const int64_t x = INT64_MIN;
        print_scalar(&sb, TD_INT64, &x);
        assert_string_equal(sb_str(&sb), "-9223372036854775808");
        sb_truncate(&sb, 0);
    }
    {
        const uint8_t x = 1;
        print_scalar(&sb, TD_BOOL, &x);
        assert_string_equal(sb_str(&sb), "True");
        sb_truncate(&sb, 0);
    }
    {
        const uint8_t x = 0;
        print_scalar(&sb, TD_BOOL, &x);
        assert_string_equal(sb_str(&sb), "False");
        sb_truncate(&sb, 0);
    }
    {
        const float x = 0.10000000149011612f;
        print_scalar(&sb, TD_FLOAT32, &x);
        assert_string_equal(sb_str(&sb), "0.1");
        sb_truncate(&sb, 0);
    }
    {
        const float x = NAN;
        print_scalar(&sb, TD_FLOAT32, &x);
        assert_string_equal(sb_str(&sb), "nan");
        sb_truncate(&sb, 0);
    }
    {
        const double x = -INFINITY;
        print_scalar(&sb, TD_FLOAT64, &x);
        assert_string_equal(sb_str(&sb), "-inf");
        sb_truncate(&sb, 0);
    }
    sb_free(&sb);
}

static void int_1d(void **state)
{
    (void)state;
    static const int64_t data[] = {1ll, 2ll, 3ll};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_INT64, 1, shape, data);
    check_repr(a, "array([1, 2, 3])");
    check_str(a, "[1 2 3]");
    nd_release(a);
}

static void int_2d(void **state)
{
    (void)state;
    static const int64_t data[] = {1ll, 2ll, 3ll, 4ll};
    const int64_t shape[] = {2, 2};
    nd_array *a = make(TD_INT64, 2, shape, data);
    check_repr(a, "array([[1, 2],\n"
                  "       [3, 4]])");
    check_str(a, "[[1 2]\n"
                 " [3 4]]");
    nd_release(a);
}

static void int_negative_widths(void **state)
{
    (void)state;
    static const int64_t data[] = {-1ll, 20ll, -300ll, 4ll};
    const int64_t shape[] = {2, 2};
    nd_array *a = make(TD_INT64, 2, shape, data);
    check_repr(a, "array([[  -1,   20],\n"
                  "       [-300,    4]])");
    check_str(a, "[[  -1   20]\n"
                 " [-300    4]]");
    nd_release(a);
}

static void int_extremes(void **state)
{
    (void)state;
    static const int64_t data[] = {9223372036854775807ll, INT64_MIN};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_INT64, 1, shape, data);
    check_repr(a, "array([ 9223372036854775807, -9223372036854775808])");
    check_str(a, "[ 9223372036854775807 -9223372036854775808]");
    nd_release(a);
}

static void int16_suffix(void **state)
{
    (void)state;
    static const int16_t data[] = {1, 2};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_INT16, 1, shape, data);
    check_repr(a, "array([1, 2], dtype=int16)");
    check_str(a, "[1 2]");
    nd_release(a);
}

static void int8_negative(void **state)
{
    (void)state;
    static const int8_t data[] = {-1, 2, -128};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_INT8, 1, shape, data);
    check_repr(a, "array([  -1,    2, -128], dtype=int8)");
    check_str(a, "[  -1    2 -128]");
    nd_release(a);
}

static void uint8_suffix(void **state)
{
    (void)state;
    static const uint8_t data[] = {0, 255, 7};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_UINT8, 1, shape, data);
    check_repr(a, "array([  0, 255,   7], dtype=uint8)");
    check_str(a, "[  0 255   7]");
    nd_release(a);
}

static void uint64_max(void **state)
{
    (void)state;
    static const uint64_t data[] = {18446744073709551615ull, 0ull};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_UINT64, 1, shape, data);
    check_repr(a, "array([18446744073709551615,                    0], dtype=uint64)");
    check_str(a, "[18446744073709551615                    0]");
    nd_release(a);
}

static void int_3d(void **state)
{
    (void)state;
    const int64_t shape[] = {2, 3, 4};
    nd_array *a = arange_scaled(TD_INT64, 3, shape, 1);
    check_repr(a, "array([[[ 0,  1,  2,  3],\n"
                  "        [ 4,  5,  6,  7],\n"
                  "        [ 8,  9, 10, 11]],\n"
                  "\n"
                  "       [[12, 13, 14, 15],\n"
                  "        [16, 17, 18, 19],\n"
                  "        [20, 21, 22, 23]]])");
    check_str(a, "[[[ 0  1  2  3]\n"
                 "  [ 4  5  6  7]\n"
                 "  [ 8  9 10 11]]\n"
                 "\n"
                 " [[12 13 14 15]\n"
                 "  [16 17 18 19]\n"
                 "  [20 21 22 23]]]");
    nd_release(a);
}

/* Blocks of higher axes are separated by one blank line per axis. */
static void int16_4d_blank_lines(void **state)
{
    (void)state;
    const int64_t shape[] = {2, 2, 2, 2};
    nd_array *a = arange_scaled(TD_INT16, 4, shape, 1);
    check_repr(a, "array([[[[ 0,  1],\n"
                  "         [ 2,  3]],\n"
                  "\n"
                  "        [[ 4,  5],\n"
                  "         [ 6,  7]]],\n"
                  "\n"
                  "\n"
                  "       [[[ 8,  9],\n"
                  "         [10, 11]],\n"
                  "\n"
                  "        [[12, 13],\n"
                  "         [14, 15]]]], dtype=int16)");
    check_str(a, "[[[[ 0  1]\n"
                 "   [ 2  3]]\n"
                 "\n"
                 "  [[ 4  5]\n"
                 "   [ 6  7]]]\n"
                 "\n"
                 "\n"
                 " [[[ 8  9]\n"
                 "   [10 11]]\n"
                 "\n"
                 "  [[12 13]\n"
                 "   [14 15]]]]");
    nd_release(a);
}

static void float_whole(void **state)
{
    (void)state;
    static const double data[] = {1.0, 2.0};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([1., 2.])");
    check_str(a, "[1. 2.]");
    nd_release(a);
}

static void float_padding(void **state)
{
    (void)state;
    static const double data[] = {0.1, 0.25, 0.3333333333333333};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([0.1       , 0.25      , 0.33333333])");
    check_str(a, "[0.1        0.25       0.33333333]");
    nd_release(a);
}

static void float_negative(void **state)
{
    (void)state;
    static const double data[] = {-1.5, 2.0, -3.25};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([-1.5 ,  2.  , -3.25])");
    check_str(a, "[-1.5   2.   -3.25]");
    nd_release(a);
}

static void float_2d(void **state)
{
    (void)state;
    static const double data[] = {1.5, 2.0, 3.0, 4.0};
    const int64_t shape[] = {2, 2};
    nd_array *a = make(TD_FLOAT64, 2, shape, data);
    check_repr(a, "array([[1.5, 2. ],\n"
                  "       [3. , 4. ]])");
    check_str(a, "[[1.5 2. ]\n"
                 " [3.  4. ]]");
    nd_release(a);
}

static void float_3d(void **state)
{
    (void)state;
    const int64_t shape[] = {2, 3, 4};
    nd_array *a = arange_scaled(TD_FLOAT64, 3, shape, 0.14285714285714285);
    check_repr(a, "array([[[0.        , 0.14285714, 0.28571429, 0.42857143],\n"
                  "        [0.57142857, 0.71428571, 0.85714286, 1.        ],\n"
                  "        [1.14285714, 1.28571429, 1.42857143, 1.57142857]],\n"
                  "\n"
                  "       [[1.71428571, 1.85714286, 2.        , 2.14285714],\n"
                  "        [2.28571429, 2.42857143, 2.57142857, 2.71428571],\n"
                  "        [2.85714286, 3.        , 3.14285714, 3.28571429]]])");
    check_str(a, "[[[0.         0.14285714 0.28571429 0.42857143]\n"
                 "  [0.57142857 0.71428571 0.85714286 1.        ]\n"
                 "  [1.14285714 1.28571429 1.42857143 1.57142857]]\n"
                 "\n"
                 " [[1.71428571 1.85714286 2.         2.14285714]\n"
                 "  [2.28571429 2.42857143 2.57142857 2.71428571]\n"
                 "  [2.85714286 3.         3.14285714 3.28571429]]]");
    nd_release(a);
}

static void float_rounds_to_precision(void **state)
{
    (void)state;
    static const double data[] = {1.123456789, 22.5};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([ 1.12345679, 22.5       ])");
    check_str(a, "[ 1.12345679 22.5       ]");
    nd_release(a);
}

static void float_rounds_to_whole(void **state)
{
    (void)state;
    static const double data[] = {0.999999999, 22.5};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([ 1. , 22.5])");
    check_str(a, "[ 1.  22.5]");
    nd_release(a);
}

static void float_zeros(void **state)
{
    (void)state;
    static const double data[] = {-0.0, 0.0};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([-0.,  0.])");
    check_str(a, "[-0.  0.]");
    nd_release(a);
}

/* max/min over 1000 switches to scientific notation. */
static void float_sci_ratio(void **state)
{
    (void)state;
    static const double data[] = {1.0, 2.0, 1000.5};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([1.0000e+00, 2.0000e+00, 1.0005e+03])");
    check_str(a, "[1.0000e+00 2.0000e+00 1.0005e+03]");
    nd_release(a);
}

static void float_ratio_exactly_1000(void **state)
{
    (void)state;
    static const double data[] = {1.0, 1000.0};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([   1., 1000.])");
    check_str(a, "[   1. 1000.]");
    nd_release(a);
}

static void float_sci_small(void **state)
{
    (void)state;
    static const double data[] = {1e-05, 0.3333333333333333};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([1.00000000e-05, 3.33333333e-01])");
    check_str(a, "[1.00000000e-05 3.33333333e-01]");
    nd_release(a);
}

static void float_sci_large(void **state)
{
    (void)state;
    static const double data[] = {100000000.0, 1.0};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([1.e+08, 1.e+00])");
    check_str(a, "[1.e+08 1.e+00]");
    nd_release(a);
}

static void float_sci_wide_exponent(void **state)
{
    (void)state;
    static const double data[] = {1.5e+300, 1e-300, -2.5e-100};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([ 1.5e+300,  1.0e-300, -2.5e-100])");
    check_str(a, "[ 1.5e+300  1.0e-300 -2.5e-100]");
    nd_release(a);
}

static void float_sci_zero(void **state)
{
    (void)state;
    static const double data[] = {0.0, 1e-05};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([0.e+00, 1.e-05])");
    check_str(a, "[0.e+00 1.e-05]");
    nd_release(a);
}

static void nan_inf(void **state)
{
    (void)state;
    static const double data[] = {NAN, -INFINITY};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([ nan, -inf])");
    check_str(a, "[ nan -inf]");
    nd_release(a);
}

static void nan_inf_sci(void **state)
{
    (void)state;
    static const double data[] = {NAN, 1.5, -INFINITY, 1e-07};
    const int64_t shape[] = {4};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([    nan, 1.5e+00,    -inf, 1.0e-07])");
    check_str(a, "[    nan 1.5e+00    -inf 1.0e-07]");
    nd_release(a);
}

static void nan_positional(void **state)
{
    (void)state;
    static const double data[] = {NAN, 1.0, INFINITY};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([nan,  1., inf])");
    check_str(a, "[nan  1. inf]");
    nd_release(a);
}

static void bool_1d(void **state)
{
    (void)state;
    static const uint8_t data[] = {1, 0};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_BOOL, 1, shape, data);
    check_repr(a, "array([ True, False])");
    check_str(a, "[ True False]");
    nd_release(a);
}

static void bool_2d(void **state)
{
    (void)state;
    static const uint8_t data[] = {1, 0};
    const int64_t shape[] = {2, 1};
    nd_array *a = make(TD_BOOL, 2, shape, data);
    check_repr(a, "array([[ True],\n"
                  "       [False]])");
    check_str(a, "[[ True]\n"
                 " [False]]");
    nd_release(a);
}

static void float32_suffix(void **state)
{
    (void)state;
    static const float data[] = {1.0f, 2.0f};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT32, 1, shape, data);
    check_repr(a, "array([1., 2.], dtype=float32)");
    check_str(a, "[1. 2.]");
    nd_release(a);
}

static void float32_shortest(void **state)
{
    (void)state;
    static const float data[] = {0.3333333432674408f, 0.6666666865348816f, 0.10000000149011612f};
    const int64_t shape[] = {3};
    nd_array *a = make(TD_FLOAT32, 1, shape, data);
    check_repr(a, "array([0.33333334, 0.6666667 , 0.1       ], dtype=float32)");
    check_str(a, "[0.33333334 0.6666667  0.1       ]");
    nd_release(a);
}

/* Digits beyond the shortest are the value's exact ones: float32 0.3 is 3.0000001e-01. */
static void float32_sci_exact_digits(void **state)
{
    (void)state;
    static const float data[] = {0.30000001192092896f, 3.1415926059708e-05f};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT32, 1, shape, data);
    check_repr(a, "array([3.0000001e-01, 3.1415926e-05], dtype=float32)");
    check_str(a, "[3.0000001e-01 3.1415926e-05]");
    nd_release(a);
}

/* Columns are measured with shortest digits but integers are printed exactly. */
static void float32_integer_digits(void **state)
{
    (void)state;
    static const float data[] = {82570688.0f, 123456.75f};
    const int64_t shape[] = {2};
    nd_array *a = make(TD_FLOAT32, 1, shape, data);
    check_repr(a, "array([82570688.  ,   123456.75], dtype=float32)");
    check_str(a, "[82570688.     123456.75]");
    nd_release(a);
}

static void float32_dtype_new_line(void **state)
{
    (void)state;
    static const float data[] = {0.0f, 0.3333333432674408f, 0.6666666865348816f, 1.0f, 1.3333333730697632f};
    const int64_t shape[] = {5};
    nd_array *a = make(TD_FLOAT32, 1, shape, data);
    check_repr(a, "array([0.        , 0.33333334, 0.6666667 , 1.        , 1.3333334 ],\n"
                  "      dtype=float32)");
    check_str(a, "[0.         0.33333334 0.6666667  1.         1.3333334 ]");
    nd_release(a);
}

static void int32_dtype_new_line(void **state)
{
    (void)state;
    static const int32_t data[] = {0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000};
    const int64_t shape[] = {10};
    nd_array *a = make(TD_INT32, 1, shape, data);
    check_repr(a, "array([   0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000],\n"
                  "      dtype=int32)");
    check_str(a, "[   0 1000 2000 3000 4000 5000 6000 7000 8000 9000]");
    nd_release(a);
}

static void empty_float64(void **state)
{
    (void)state;
    static const double data[] = {0};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_FLOAT64, 1, shape, data);
    check_repr(a, "array([], dtype=float64)");
    check_str(a, "[]");
    nd_release(a);
}

static void empty_int16(void **state)
{
    (void)state;
    static const int16_t data[] = {0};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_INT16, 1, shape, data);
    check_repr(a, "array([], dtype=int16)");
    check_str(a, "[]");
    nd_release(a);
}

static void empty_2d(void **state)
{
    (void)state;
    static const double data[] = {0};
    const int64_t shape[] = {0, 3};
    nd_array *a = make(TD_FLOAT64, 2, shape, data);
    check_repr(a, "array([], shape=(0, 3), dtype=float64)");
    check_str(a, "[]");
    nd_release(a);
}

static void zero_d_int(void **state)
{
    (void)state;
    static const int64_t data[] = {5ll};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_INT64, 0, shape, data);
    check_repr(a, "array(5)");
    check_str(a, "5");
    nd_release(a);
}

static void zero_d_int16(void **state)
{
    (void)state;
    static const int16_t data[] = {3};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_INT16, 0, shape, data);
    check_repr(a, "array(3, dtype=int16)");
    check_str(a, "3");
    nd_release(a);
}

static void zero_d_float(void **state)
{
    (void)state;
    static const double data[] = {1.5};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_FLOAT64, 0, shape, data);
    check_repr(a, "array(1.5)");
    check_str(a, "1.5");
    nd_release(a);
}

/* 0-d repr uses the array formatter, str the scalar's. */
static void zero_d_float_sci(void **state)
{
    (void)state;
    static const double data[] = {1e-05};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_FLOAT64, 0, shape, data);
    check_repr(a, "array(1.e-05)");
    check_str(a, "1e-05");
    nd_release(a);
}

static void zero_d_bool(void **state)
{
    (void)state;
    static const uint8_t data[] = {1};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_BOOL, 0, shape, data);
    check_repr(a, "array(True)");
    check_str(a, "True");
    nd_release(a);
}

static void zero_d_float32(void **state)
{
    (void)state;
    static const float data[] = {82570688.0f};
    const int64_t shape[] = {0};
    nd_array *a = make(TD_FLOAT32, 0, shape, data);
    check_repr(a, "array(82570688., dtype=float32)");
    check_str(a, "82570690.0");
    nd_release(a);
}

static void wrap_float_1d(void **state)
{
    (void)state;
    const int64_t shape[] = {40};
    nd_array *a = arange_scaled(TD_FLOAT64, 1, shape, 1.1);
    check_repr(a, "array([ 0. ,  1.1,  2.2,  3.3,  4.4,  5.5,  6.6,  7.7,  8.8,  9.9, 11. ,\n"
                  "       12.1, 13.2, 14.3, 15.4, 16.5, 17.6, 18.7, 19.8, 20.9, 22. , 23.1,\n"
                  "       24.2, 25.3, 26.4, 27.5, 28.6, 29.7, 30.8, 31.9, 33. , 34.1, 35.2,\n"
                  "       36.3, 37.4, 38.5, 39.6, 40.7, 41.8, 42.9])");
    check_str(a, "[ 0.   1.1  2.2  3.3  4.4  5.5  6.6  7.7  8.8  9.9 11.  12.1 13.2 14.3\n"
                 " 15.4 16.5 17.6 18.7 19.8 20.9 22.  23.1 24.2 25.3 26.4 27.5 28.6 29.7\n"
                 " 30.8 31.9 33.  34.1 35.2 36.3 37.4 38.5 39.6 40.7 41.8 42.9]");
    nd_release(a);
}

static void wrap_int_1d(void **state)
{
    (void)state;
    const int64_t shape[] = {100};
    nd_array *a = arange_scaled(TD_INT64, 1, shape, 1);
    check_repr(a, "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
                  "       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,\n"
                  "       34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,\n"
                  "       51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,\n"
                  "       68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84,\n"
                  "       85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99])");
    check_str(a, "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n"
                 " 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47\n"
                 " 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71\n"
                 " 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95\n"
                 " 96 97 98 99]");
    nd_release(a);
}

static void wrap_2d_rows(void **state)
{
    (void)state;
    const int64_t shape[] = {3, 20};
    nd_array *a = arange_scaled(TD_FLOAT64, 2, shape, 0.5);
    check_repr(a, "array([[ 0. ,  0.5,  1. ,  1.5,  2. ,  2.5,  3. ,  3.5,  4. ,  4.5,  5. ,\n"
                  "         5.5,  6. ,  6.5,  7. ,  7.5,  8. ,  8.5,  9. ,  9.5],\n"
                  "       [10. , 10.5, 11. , 11.5, 12. , 12.5, 13. , 13.5, 14. , 14.5, 15. ,\n"
                  "        15.5, 16. , 16.5, 17. , 17.5, 18. , 18.5, 19. , 19.5],\n"
                  "       [20. , 20.5, 21. , 21.5, 22. , 22.5, 23. , 23.5, 24. , 24.5, 25. ,\n"
                  "        25.5, 26. , 26.5, 27. , 27.5, 28. , 28.5, 29. , 29.5]])");
    check_str(a, "[[ 0.   0.5  1.   1.5  2.   2.5  3.   3.5  4.   4.5  5.   5.5  6.   6.5\n"
                 "   7.   7.5  8.   8.5  9.   9.5]\n"
                 " [10.  10.5 11.  11.5 12.  12.5 13.  13.5 14.  14.5 15.  15.5 16.  16.5\n"
                 "  17.  17.5 18.  18.5 19.  19.5]\n"
                 " [20.  20.5 21.  21.5 22.  22.5 23.  23.5 24.  24.5 25.  25.5 26.  26.5\n"
                 "  27.  27.5 28.  28.5 29.  29.5]]");
    nd_release(a);
}

static void summary_int_1d(void **state)
{
    (void)state;
    const int64_t shape[] = {2000};
    nd_array *a = arange_scaled(TD_INT64, 1, shape, 1);
    check_repr(a, "array([   0,    1,    2, ..., 1997, 1998, 1999])");
    check_str(a, "[   0    1    2 ... 1997 1998 1999]");
    nd_release(a);
}

static void summary_float_1d(void **state)
{
    (void)state;
    const int64_t shape[] = {2000};
    nd_array *a = arange_scaled(TD_FLOAT64, 1, shape, 0.25);
    check_repr(a, "array([0.0000e+00, 2.5000e-01, 5.0000e-01, ..., 4.9925e+02, 4.9950e+02,\n"
                  "       4.9975e+02])");
    check_str(a, "[0.0000e+00 2.5000e-01 5.0000e-01 ... 4.9925e+02 4.9950e+02 4.9975e+02]");
    nd_release(a);
}

static void summary_float_2d(void **state)
{
    (void)state;
    const int64_t shape[] = {100, 100};
    nd_array *a = arange_scaled(TD_FLOAT64, 2, shape, 1);
    check_repr(a, "array([[0.000e+00, 1.000e+00, 2.000e+00, ..., 9.700e+01, 9.800e+01,\n"
                  "        9.900e+01],\n"
                  "       [1.000e+02, 1.010e+02, 1.020e+02, ..., 1.970e+02, 1.980e+02,\n"
                  "        1.990e+02],\n"
                  "       [2.000e+02, 2.010e+02, 2.020e+02, ..., 2.970e+02, 2.980e+02,\n"
                  "        2.990e+02],\n"
                  "       ...,\n"
                  "       [9.700e+03, 9.701e+03, 9.702e+03, ..., 9.797e+03, 9.798e+03,\n"
                  "        9.799e+03],\n"
                  "       [9.800e+03, 9.801e+03, 9.802e+03, ..., 9.897e+03, 9.898e+03,\n"
                  "        9.899e+03],\n"
                  "       [9.900e+03, 9.901e+03, 9.902e+03, ..., 9.997e+03, 9.998e+03,\n"
                  "        9.999e+03]])");
    check_str(a, "[[0.000e+00 1.000e+00 2.000e+00 ... 9.700e+01 9.800e+01 9.900e+01]\n"
                 " [1.000e+02 1.010e+02 1.020e+02 ... 1.970e+02 1.980e+02 1.990e+02]\n"
                 " [2.000e+02 2.010e+02 2.020e+02 ... 2.970e+02 2.980e+02 2.990e+02]\n"
                 " ...\n"
                 " [9.700e+03 9.701e+03 9.702e+03 ... 9.797e+03 9.798e+03 9.799e+03]\n"
                 " [9.800e+03 9.801e+03 9.802e+03 ... 9.897e+03 9.898e+03 9.899e+03]\n"
                 " [9.900e+03 9.901e+03 9.902e+03 ... 9.997e+03 9.998e+03 9.999e+03]]");
    nd_release(a);
}

static void summary_int_2d(void **state)
{
    (void)state;
    const int64_t shape[] = {100, 100};
    nd_array *a = arange_scaled(TD_INT64, 2, shape, 1);
    check_repr(a, "array([[   0,    1,    2, ...,   97,   98,   99],\n"
                  "       [ 100,  101,  102, ...,  197,  198,  199],\n"
                  "       [ 200,  201,  202, ...,  297,  298,  299],\n"
                  "       ...,\n"
                  "       [9700, 9701, 9702, ..., 9797, 9798, 9799],\n"
                  "       [9800, 9801, 9802, ..., 9897, 9898, 9899],\n"
                  "       [9900, 9901, 9902, ..., 9997, 9998, 9999]])");
    check_str(a, "[[   0    1    2 ...   97   98   99]\n"
                 " [ 100  101  102 ...  197  198  199]\n"
                 " [ 200  201  202 ...  297  298  299]\n"
                 " ...\n"
                 " [9700 9701 9702 ... 9797 9798 9799]\n"
                 " [9800 9801 9802 ... 9897 9898 9899]\n"
                 " [9900 9901 9902 ... 9997 9998 9999]]");
    nd_release(a);
}

static void summary_int_3d(void **state)
{
    (void)state;
    const int64_t shape[] = {10, 10, 30};
    nd_array *a = arange_scaled(TD_INT64, 3, shape, 1);
    check_repr(a, "array([[[   0,    1,    2, ...,   27,   28,   29],\n"
                  "        [  30,   31,   32, ...,   57,   58,   59],\n"
                  "        [  60,   61,   62, ...,   87,   88,   89],\n"
                  "        ...,\n"
                  "        [ 210,  211,  212, ...,  237,  238,  239],\n"
                  "        [ 240,  241,  242, ...,  267,  268,  269],\n"
                  "        [ 270,  271,  272, ...,  297,  298,  299]],\n"
                  "\n"
                  "       [[ 300,  301,  302, ...,  327,  328,  329],\n"
                  "        [ 330,  331,  332, ...,  357,  358,  359],\n"
                  "        [ 360,  361,  362, ...,  387,  388,  389],\n"
                  "        ...,\n"
                  "        [ 510,  511,  512, ...,  537,  538,  539],\n"
                  "        [ 540,  541,  542, ...,  567,  568,  569],\n"
                  "        [ 570,  571,  572, ...,  597,  598,  599]],\n"
                  "\n"
                  "       [[ 600,  601,  602, ...,  627,  628,  629],\n"
                  "        [ 630,  631,  632, ...,  657,  658,  659],\n"
                  "        [ 660,  661,  662, ...,  687,  688,  689],\n"
                  "        ...,\n"
                  "        [ 810,  811,  812, ...,  837,  838,  839],\n"
                  "        [ 840,  841,  842, ...,  867,  868,  869],\n"
                  "        [ 870,  871,  872, ...,  897,  898,  899]],\n"
                  "\n"
                  "       ...,\n"
                  "\n"
                  "       [[2100, 2101, 2102, ..., 2127, 2128, 2129],\n"
                  "        [2130, 2131, 2132, ..., 2157, 2158, 2159],\n"
                  "        [2160, 2161, 2162, ..., 2187, 2188, 2189],\n"
                  "        ...,\n"
                  "        [2310, 2311, 2312, ..., 2337, 2338, 2339],\n"
                  "        [2340, 2341, 2342, ..., 2367, 2368, 2369],\n"
                  "        [2370, 2371, 2372, ..., 2397, 2398, 2399]],\n"
                  "\n"
                  "       [[2400, 2401, 2402, ..., 2427, 2428, 2429],\n"
                  "        [2430, 2431, 2432, ..., 2457, 2458, 2459],\n"
                  "        [2460, 2461, 2462, ..., 2487, 2488, 2489],\n"
                  "        ...,\n"
                  "        [2610, 2611, 2612, ..., 2637, 2638, 2639],\n"
                  "        [2640, 2641, 2642, ..., 2667, 2668, 2669],\n"
                  "        [2670, 2671, 2672, ..., 2697, 2698, 2699]],\n"
                  "\n"
                  "       [[2700, 2701, 2702, ..., 2727, 2728, 2729],\n"
                  "        [2730, 2731, 2732, ..., 2757, 2758, 2759],\n"
                  "        [2760, 2761, 2762, ..., 2787, 2788, 2789],\n"
                  "        ...,\n"
                  "        [2910, 2911, 2912, ..., 2937, 2938, 2939],\n"
                  "        [2940, 2941, 2942, ..., 2967, 2968, 2969],\n"
                  "        [2970, 2971, 2972, ..., 2997, 2998, 2999]]])");
    nd_release(a);
}

/* An axis of at most 6 is shown whole even when summarising. */
static void summary_short_axis(void **state)
{
    (void)state;
    const int64_t shape[] = {2, 1000};
    nd_array *a = arange_scaled(TD_INT64, 2, shape, 1);
    check_repr(a, "array([[   0,    1,    2, ...,  997,  998,  999],\n"
                  "       [1000, 1001, 1002, ..., 1997, 1998, 1999]])");
    check_str(a, "[[   0    1    2 ...  997  998  999]\n"
                 " [1000 1001 1002 ... 1997 1998 1999]]");
    nd_release(a);
}

static void summary_bool_threshold(void **state)
{
    (void)state;
    const int64_t shape[] = {1001};
    nd_array *a = arange_scaled(TD_BOOL, 1, shape, 1);
    check_repr(a, "array([False,  True,  True, ...,  True,  True,  True])");
    check_str(a, "[False  True  True ...  True  True  True]");
    nd_release(a);
}
static void print_errors(void **state)
{
    (void)state;
    strbuf sb = SB_INIT;
    td_err err;
    td_err_clear(&err);
    assert_int_equal(print_array_repr(&sb, NULL, &err), -1);
    assert_int_equal(err.kind, TD_EVALUE);
    assert_int_equal(print_array_str(&sb, NULL, &err), -1);
    assert_int_equal(sb.len, 0);
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strbuf_basics),
        cmocka_unit_test(strbuf_addf_grows),
        cmocka_unit_test(float_repr_positional),
        cmocka_unit_test(float_repr_exponent),
        cmocka_unit_test(float_repr_nonfinite),
        cmocka_unit_test(float32_scalar_repr),
        cmocka_unit_test(str_repr_quotes),
        cmocka_unit_test(str_repr_escapes),
        cmocka_unit_test(numpy_scalars),
        cmocka_unit_test(int_1d),
        cmocka_unit_test(int_2d),
        cmocka_unit_test(int_negative_widths),
        cmocka_unit_test(int_extremes),
        cmocka_unit_test(int16_suffix),
        cmocka_unit_test(int8_negative),
        cmocka_unit_test(uint8_suffix),
        cmocka_unit_test(uint64_max),
        cmocka_unit_test(int_3d),
        cmocka_unit_test(int16_4d_blank_lines),
        cmocka_unit_test(float_whole),
        cmocka_unit_test(float_padding),
        cmocka_unit_test(float_negative),
        cmocka_unit_test(float_2d),
        cmocka_unit_test(float_3d),
        cmocka_unit_test(float_rounds_to_precision),
        cmocka_unit_test(float_rounds_to_whole),
        cmocka_unit_test(float_zeros),
        cmocka_unit_test(float_sci_ratio),
        cmocka_unit_test(float_ratio_exactly_1000),
        cmocka_unit_test(float_sci_small),
        cmocka_unit_test(float_sci_large),
        cmocka_unit_test(float_sci_wide_exponent),
        cmocka_unit_test(float_sci_zero),
        cmocka_unit_test(nan_inf),
        cmocka_unit_test(nan_inf_sci),
        cmocka_unit_test(nan_positional),
        cmocka_unit_test(bool_1d),
        cmocka_unit_test(bool_2d),
        cmocka_unit_test(float32_suffix),
        cmocka_unit_test(float32_shortest),
        cmocka_unit_test(float32_sci_exact_digits),
        cmocka_unit_test(float32_integer_digits),
        cmocka_unit_test(float32_dtype_new_line),
        cmocka_unit_test(int32_dtype_new_line),
        cmocka_unit_test(empty_float64),
        cmocka_unit_test(empty_int16),
        cmocka_unit_test(empty_2d),
        cmocka_unit_test(zero_d_int),
        cmocka_unit_test(zero_d_int16),
        cmocka_unit_test(zero_d_float),
        cmocka_unit_test(zero_d_float_sci),
        cmocka_unit_test(zero_d_bool),
        cmocka_unit_test(zero_d_float32),
        cmocka_unit_test(wrap_float_1d),
        cmocka_unit_test(wrap_int_1d),
        cmocka_unit_test(wrap_2d_rows),
        cmocka_unit_test(summary_int_1d),
        cmocka_unit_test(summary_float_1d),
        cmocka_unit_test(summary_float_2d),
        cmocka_unit_test(summary_int_2d),
        cmocka_unit_test(summary_int_3d),
        cmocka_unit_test(summary_short_axis),
        cmocka_unit_test(summary_bool_threshold),
        cmocka_unit_test(print_errors),
    };
    return cmocka_run_group_tests_name("print", tests, NULL, NULL);
}

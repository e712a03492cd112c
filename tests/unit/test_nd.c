/* Element-wise arithmetic, indexing, transpose and concatenation of
 * nd_arrays. Expected values were computed with numpy 1.24. */
#include <math.h>

#include "testutil.h"

static int64_t S1[1], S2[2], S3[3];

static nd_array *arr1(td_dtype t, int64_t n, const void *data)
{
    td_err err;
    S1[0] = n;
    nd_array *a = nd_from_buffer(t, 1, S1, data, &err);
    CHECK_OK(a, &err);
    return a;
}

static nd_array *arr2(td_dtype t, int64_t r, int64_t c, const void *data)
{
    td_err err;
    S2[0] = r;
    S2[1] = c;
    nd_array *a = nd_from_buffer(t, 2, S2, data, &err);
    CHECK_OK(a, &err);
    return a;
}

/* np.arange(n0 * n1 * n2).reshape(n0, n1, n2) as dtype t */
static nd_array *arange3(td_dtype t, int64_t n0, int64_t n1, int64_t n2)
{
    td_err err;
    nd_array *f = nd_arange(t, n0 * n1 * n2, &err);
    CHECK_OK(f, &err);
    S3[0] = n0;
    S3[1] = n1;
    S3[2] = n2;
    nd_array *a = nd_reshape(f, 3, S3, &err);
    CHECK_OK(a, &err);
    nd_release(f);
    return a;
}

/* Exact comparison (NaN equals NaN), with the dtype. */
static void expect(nd_array *got, td_dtype t, const double *want, int64_t n)
{
    assert_non_null(got);
    if (got->dtype != t)
        fail_msg("dtype %s, want %s", td_dtype_name(got->dtype), td_dtype_name(t));
    assert_array_close(got, want, n, 0, 0);
}

static void expect_err(const void *r, const td_err *err, td_errkind kind, const char *msg)
{
    assert_null(r);
    if (err->kind != kind)
        fail_msg("error %s (%s), want %s", td_errkind_name(err->kind), err->msg, td_errkind_name(kind));
    if (msg && strcmp(err->msg, msg) != 0)
        fail_msg("message \"%s\", want \"%s\"", err->msg, msg);
}

/* ---- broadcasting and dtypes ---------------------------------------------- */

static void test_broadcast(void **state)
{
    (void)state;
    td_err err;
    double av[6] = {1, 2, 3, 4, 5, 6}, bv[3] = {10, 20, 30};
    nd_array *a = arr2(TD_FLOAT64, 2, 3, av), *b = arr1(TD_FLOAT64, 3, bv);
    nd_array *r = nd_binary(ND_ADD, a, b, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){2, 3});
    expect(r, TD_FLOAT64, (double[]){11, 22, 33, 14, 25, 36}, 6);
    nd_release(r);

    /* (2, 1, 3) - (2, 1) -> (2, 2, 3) */
    int32_t cv[6] = {1, 2, 3, 4, 5, 6}, dv[2] = {100, 200};
    int64_t cs[3] = {2, 1, 3}, ds[2] = {2, 1};
    nd_array *c = nd_from_buffer(TD_INT32, 3, cs, cv, &err), *d = nd_from_buffer(TD_INT32, 2, ds, dv, &err);
    r = nd_binary(ND_SUB, c, d, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 3, (int64_t[]){2, 2, 3});
    expect(r, TD_INT32, (double[]){-99, -98, -97, -199, -198, -197, -96, -95, -94, -196, -195, -194}, 12);
    nd_release(r);
    /* scalar on the left of a 0-d array */
    nd_array *z = nd_scalar_i64(TD_INT32, 7, &err);
    r = nd_binary(ND_SUB, z, d, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, ds);
    expect(r, TD_INT32, (double[]){-93, -193}, 2);
    nd_release(r);

    nd_array *e = arr1(TD_FLOAT64, 4, (double[]){1, 2, 3, 4});
    expect_err(nd_binary(ND_ADD, a, e, &err), &err, TD_EVALUE,
               "operands could not be broadcast together with shapes (2,3) (4,)");
    nd_release(a);
    nd_release(b);
    nd_release(c);
    nd_release(d);
    nd_release(e);
    nd_release(z);
}

static void test_result_dtypes(void **state)
{
    (void)state;
    static const struct {
        nd_binop op;
        td_dtype a, b, want;
    } cases[] = {
        {ND_ADD, TD_INT8, TD_UINT8, TD_INT16},        {ND_ADD, TD_UINT64, TD_INT64, TD_FLOAT64},
        {ND_MUL, TD_INT16, TD_FLOAT32, TD_FLOAT32},   {ND_MUL, TD_INT32, TD_FLOAT32, TD_FLOAT64},
        {ND_TRUEDIV, TD_INT16, TD_INT16, TD_FLOAT64}, {ND_TRUEDIV, TD_FLOAT32, TD_UINT8, TD_FLOAT32},
        {ND_TRUEDIV, TD_BOOL, TD_BOOL, TD_FLOAT64},   {ND_FLOORDIV, TD_BOOL, TD_BOOL, TD_INT8},
        {ND_MOD, TD_BOOL, TD_BOOL, TD_INT8},          {ND_POW, TD_BOOL, TD_BOOL, TD_INT8},
        {ND_ADD, TD_BOOL, TD_BOOL, TD_BOOL},          {ND_LT, TD_UINT8, TD_INT8, TD_BOOL},
        {ND_EQ, TD_FLOAT64, TD_INT64, TD_BOOL},       {ND_MAXIMUM, TD_BOOL, TD_BOOL, TD_BOOL},
        {ND_AND, TD_INT8, TD_UINT16, TD_INT32},       {ND_MINIMUM, TD_UINT32, TD_INT8, TD_INT64},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        td_err err;
        int64_t s[1] = {2};
        nd_array *a = nd_zeros(cases[k].a, 1, s, &err), *b = nd_full_f64(cases[k].b, 1, s, 1, &err);
        nd_array *r = nd_binary(cases[k].op, a, b, &err);
        CHECK_OK(r, &err);
        if (r->dtype != cases[k].want)
            fail_msg("case %zu: %s, want %s", k, td_dtype_name(r->dtype), td_dtype_name(cases[k].want));
        nd_release(r);
        nd_release(a);
        nd_release(b);
    }
}

/* ---- division, modulo, overflow, power ------------------------------------ */

static void test_division_signs(void **state)
{
    (void)state;
    td_err err;
    int32_t x[8] = {-7, 7, -7, 7, 5, 0, -5, -8}, y[8] = {2, -2, -2, 2, 0, 0, 0, 3};
    nd_array *a = arr1(TD_INT32, 8, x), *b = arr1(TD_INT32, 8, y);
    nd_array *q = nd_binary(ND_FLOORDIV, a, b, &err), *m = nd_binary(ND_MOD, a, b, &err);
    expect(q, TD_INT32, (double[]){-4, -4, 3, 3, 0, 0, 0, -3}, 8);
    expect(m, TD_INT32, (double[]){1, -1, -1, 1, 0, 0, 0, 1}, 8);
    nd_release(q);
    nd_release(m);
    nd_release(a);
    nd_release(b);

    /* MIN // -1 wraps to MIN and MIN % -1 is 0, with no trap */
    int8_t p[2] = {-128, 127}, n1[2] = {-1, -1};
    a = arr1(TD_INT8, 2, p);
    b = arr1(TD_INT8, 2, n1);
    q = nd_binary(ND_FLOORDIV, a, b, &err);
    m = nd_binary(ND_MOD, a, b, &err);
    expect(q, TD_INT8, (double[]){-128, -127}, 2);
    expect(m, TD_INT8, (double[]){0, 0}, 2);
    nd_release(q);
    nd_release(m);
    nd_release(a);
    nd_release(b);
    int64_t big[1] = {INT64_MIN}, mone[1] = {-1};
    a = arr1(TD_INT64, 1, big);
    b = arr1(TD_INT64, 1, mone);
    q = nd_binary(ND_FLOORDIV, a, b, &err);
    CHECK_OK(q, &err);
    assert_true(((int64_t *)q->data)[0] == INT64_MIN);
    nd_release(q);
    nd_release(a);
    nd_release(b);

    double fx[10] = {-7.5, 7.5, -7.5, 7.5, 1, -1, 0, 5, -5, 5};
    double fy[10] = {2, -2, -2, 2, 0, 0, 0, -5, 5, INFINITY};
    a = arr1(TD_FLOAT64, 10, fx);
    b = arr1(TD_FLOAT64, 10, fy);
    q = nd_binary(ND_FLOORDIV, a, b, &err);
    m = nd_binary(ND_MOD, a, b, &err);
    expect(q, TD_FLOAT64, (double[]){-4, -4, 3, 3, INFINITY, -INFINITY, NAN, -1, -1, 0}, 10);
    expect(m, TD_FLOAT64, (double[]){0.5, -0.5, -1.5, 1.5, NAN, NAN, NAN, -0.0, 0, 5}, 10);
    /* signs of zero as numpy: 5 % -5 is -0.0, -5 % 5 is +0.0 */
    assert_true(signbit(((double *)m->data)[7]));
    assert_false(signbit(((double *)m->data)[8]));
    assert_false(signbit(((double *)q->data)[9]));
    nd_release(q);
    nd_release(m);
    nd_release(a);
    nd_release(b);
}

static void test_overflow_wraps(void **state)
{
    (void)state;
    td_err err;
    int8_t v8[2] = {127, -128};
    nd_array *a = arr1(TD_INT8, 2, v8);
    nd_array *r = nd_binary_scalar(ND_ADD, a, TD_SCALAR_INT, 1, 0, false, &err);
    expect(r, TD_INT8, (double[]){-128, -127}, 2);
    nd_release(r);
    nd_release(a);

    int16_t v16[1] = {300};
    a = arr1(TD_INT16, 1, v16);
    r = nd_binary(ND_MUL, a, a, &err);
    expect(r, TD_INT16, (double[]){24464}, 1);
    nd_release(r);
    nd_release(a);

    uint16_t u16[1] = {65535};
    a = arr1(TD_UINT16, 1, u16);
    r = nd_binary(ND_MUL, a, a, &err);
    expect(r, TD_UINT16, (double[]){1}, 1);
    nd_release(r);
    nd_release(a);

    int64_t mx[1] = {INT64_MAX};
    a = arr1(TD_INT64, 1, mx);
    r = nd_binary_scalar(ND_ADD, a, TD_SCALAR_INT, 1, 0, false, &err);
    CHECK_OK(r, &err);
    assert_true(((int64_t *)r->data)[0] == INT64_MIN);
    nd_release(r);
    r = nd_unary(ND_NEG, a, &err);
    CHECK_OK(r, &err);
    assert_true(((int64_t *)r->data)[0] == -INT64_MAX);
    nd_release(r);
    nd_release(a);

    int8_t m8[2] = {-128, 5};
    a = arr1(TD_INT8, 2, m8);
    r = nd_unary(ND_NEG, a, &err);
    expect(r, TD_INT8, (double[]){-128, -5}, 2);
    nd_release(r);
    r = nd_unary(ND_ABS, a, &err);
    expect(r, TD_INT8, (double[]){-128, 5}, 2);
    nd_release(r);
    nd_release(a);
}

static void test_unsigned_subtract(void **state)
{
    (void)state;
    td_err err;
    nd_array *a = arr1(TD_UINT8, 2, (uint8_t[]){0, 3}), *b = arr1(TD_UINT8, 2, (uint8_t[]){1, 1});
    nd_array *r = nd_binary(ND_SUB, a, b, &err);
    expect(r, TD_UINT8, (double[]){255, 2}, 2);
    nd_release(r);
    r = nd_unary(ND_NEG, b, &err);
    expect(r, TD_UINT8, (double[]){255, 255}, 2);
    nd_release(r);
    nd_release(a);
    nd_release(b);
}

static void test_power(void **state)
{
    (void)state;
    td_err err;
    nd_array *a = arr1(TD_INT32, 4, (int32_t[]){2, 3, -2, 0}),
             *b = arr1(TD_INT32, 4, (int32_t[]){10, 3, 3, 0});
    nd_array *r = nd_binary(ND_POW, a, b, &err);
    expect(r, TD_INT32, (double[]){1024, 27, -8, 1}, 4);
    nd_release(r);
    nd_array *neg = arr1(TD_INT32, 4, (int32_t[]){1, 2, -1, 0});
    expect_err(nd_binary(ND_POW, a, neg, &err), &err, TD_EVALUE,
               "Integers to negative integer powers are not allowed.");
    expect_err(nd_binary_scalar(ND_POW, a, TD_SCALAR_INT, -1, 0, false, &err), &err, TD_EVALUE,
               "Integers to negative integer powers are not allowed.");
    /* 2 ** a with a negative entry in a */
    expect_err(nd_binary_scalar(ND_POW, neg, TD_SCALAR_INT, 2, 0, true, &err), &err, TD_EVALUE, NULL);
    nd_release(neg);
    nd_release(a);
    nd_release(b);

    nd_array *u = arr1(TD_UINT8, 2, (uint8_t[]){2, 3});
    r = nd_binary_scalar(ND_POW, u, TD_SCALAR_INT, 9, 0, false, &err);
    expect(r, TD_UINT8, (double[]){0, 227}, 2);
    nd_release(r);
    /* uint8 ** 2.0: squared in float64 */
    r = nd_binary_scalar(ND_POW, u, TD_SCALAR_FLOAT, 0, 2.0, false, &err);
    expect(r, TD_FLOAT64, (double[]){4, 9}, 2);
    nd_release(r);
    nd_release(u);

    nd_array *t = arr1(TD_BOOL, 2, (uint8_t[]){1, 0});
    r = nd_binary_scalar(ND_POW, t, TD_SCALAR_INT, 2, 0, false, &err);
    expect(r, TD_INT8, (double[]){1, 0}, 2);
    nd_release(r);
    nd_release(t);

    /* array ** 0.5 is np.sqrt: -0.0 stays -0.0 and -inf gives nan */
    nd_array *f = arr1(TD_FLOAT32, 4, (float[]){-0.0f, -INFINITY, 4.0f, 2.0f});
    r = nd_binary_scalar(ND_POW, f, TD_SCALAR_FLOAT, 0, 0.5, false, &err);
    expect(r, TD_FLOAT32, (double[]){-0.0, NAN, 2.0, 1.41421353816986083984375}, 4);
    assert_true(signbit(((float *)r->data)[0]));
    nd_release(r);
    r = nd_binary_scalar(ND_POW, f, TD_SCALAR_INT, 3, 0, false, &err);
    expect(r, TD_FLOAT32, (double[]){-0.0, -INFINITY, 64, 8}, 4);
    nd_release(r);
    nd_release(f);
}

/* ---- scalars: numpy 1.24 value-based casting ------------------------------ */

static void test_scalar_value_casting(void **state)
{
    (void)state;
    td_err err;
    nd_array *i16 = arr1(TD_INT16, 2, (int16_t[]){2, -32700});
    nd_array *r = nd_binary_scalar(ND_SUB, i16, TD_SCALAR_INT, 100, 0, false, &err);
    expect(r, TD_INT16, (double[]){-98, 32736 /* wraps in int16 */}, 2);
    nd_release(r);
    nd_release(i16);

    nd_array *u8 = arr1(TD_UINT8, 2, (uint8_t[]){200, 7});
    r = nd_binary_scalar(ND_ADD, u8, TD_SCALAR_INT, 300, 0, false, &err);
    expect(r, TD_UINT16, (double[]){500, 307}, 2);
    nd_release(r);
    r = nd_binary_scalar(ND_ADD, u8, TD_SCALAR_INT, -1, 0, false, &err);
    expect(r, TD_INT16, (double[]){199, 6}, 2);
    nd_release(r);
    /* floor_divide finds its loop by search: int16, not uint16 */
    r = nd_binary_scalar(ND_FLOORDIV, u8, TD_SCALAR_INT, 300, 0, false, &err);
    expect(r, TD_INT16, (double[]){0, 0}, 2);
    nd_release(r);
    r = nd_binary_scalar(ND_AND, u8, TD_SCALAR_INT, 100000, 0, false, &err);
    expect(r, TD_INT32, (double[]){200 & 100000, 7 & 100000}, 2);
    nd_release(r);
    /* 3 - a stays uint8 */
    r = nd_binary_scalar(ND_SUB, u8, TD_SCALAR_INT, 3, 0, true, &err);
    expect(r, TD_UINT8, (double[]){59, 252}, 2);
    nd_release(r);
    r = nd_binary_scalar(ND_LT, u8, TD_SCALAR_INT, 300, 0, false, &err);
    expect(r, TD_BOOL, (double[]){1, 1}, 2);
    nd_release(r);
    r = nd_binary_scalar(ND_TRUEDIV, u8, TD_SCALAR_INT, 2, 0, false, &err);
    expect(r, TD_FLOAT64, (double[]){100, 3.5}, 2);
    nd_release(r);
    nd_release(u8);

    nd_array *i8 = arr1(TD_INT8, 1, (int8_t[]){2});
    r = nd_binary_scalar(ND_ADD, i8, TD_SCALAR_FLOAT, 0, 1.5, false, &err);
    expect(r, TD_FLOAT64, (double[]){3.5}, 1);
    nd_release(r);
    r = nd_binary_scalar(ND_ADD, i8, TD_SCALAR_BOOL, 1, 0, false, &err);
    expect(r, TD_INT8, (double[]){3}, 1);
    nd_release(r);
    nd_release(i8);

    nd_array *f32 = arr1(TD_FLOAT32, 1, (float[]){0.1f});
    r = nd_binary_scalar(ND_MUL, f32, TD_SCALAR_FLOAT, 0, 3.0, false, &err);
    expect(r, TD_FLOAT32, (double[]){(double)(0.1f * 3.0f)}, 1);
    nd_release(r);
    /* a 0-d array acts as a scalar next to an array, as in numpy 1.x */
    nd_array *s = nd_scalar_f64(TD_FLOAT64, 3.0, &err);
    r = nd_binary(ND_MUL, f32, s, &err);
    expect(r, TD_FLOAT32, (double[]){(double)(0.1f * 3.0f)}, 1);
    nd_release(r);
    nd_release(s);
    nd_release(f32);

    nd_array *b = arr1(TD_BOOL, 2, (uint8_t[]){1, 0});
    r = nd_binary_scalar(ND_ADD, b, TD_SCALAR_BOOL, 1, 0, false, &err);
    expect(r, TD_BOOL, (double[]){1, 1}, 2);
    nd_release(r);
    r = nd_binary_scalar(ND_ADD, b, TD_SCALAR_INT, 2, 0, false, &err);
    expect(r, TD_INT64, (double[]){3, 2}, 2);
    nd_release(r);
    expect_err(nd_binary_scalar(ND_SUB, b, TD_SCALAR_BOOL, 1, 0, false, &err), &err, TD_ETYPE,
               "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` "
               "operator, or the logical_xor function instead.");
    nd_release(b);
}

/* ---- comparisons, maximum/minimum, bitwise -------------------------------- */

static void test_compare_and_extremes(void **state)
{
    (void)state;
    td_err err;
    nd_array *a = arr1(TD_FLOAT64, 4, (double[]){1, NAN, 3, -1}),
             *b = arr1(TD_FLOAT64, 4, (double[]){NAN, 2, 1, -2});
    nd_array *r = nd_binary(ND_MAXIMUM, a, b, &err);
    expect(r, TD_FLOAT64, (double[]){NAN, NAN, 3, -1}, 4);
    nd_release(r);
    r = nd_binary(ND_MINIMUM, a, b, &err);
    expect(r, TD_FLOAT64, (double[]){NAN, NAN, 1, -2}, 4);
    nd_release(r);
    r = nd_binary(ND_NE, a, b, &err);
    expect(r, TD_BOOL, (double[]){1, 1, 1, 1}, 4);
    nd_release(r);
    r = nd_binary(ND_GE, a, b, &err);
    expect(r, TD_BOOL, (double[]){0, 0, 1, 1}, 4);
    nd_release(r);
    expect_err(nd_binary(ND_AND, a, b, &err), &err, TD_ETYPE,
               "ufunc 'bitwise_and' not supported for the input types, and the inputs could not be safely "
               "coerced to any supported types according to the casting rule ''safe''");
    nd_release(a);
    nd_release(b);

    nd_array *x = arr1(TD_INT16, 3, (int16_t[]){12, -7, 255}), *y = arr1(TD_INT16, 3, (int16_t[]){10, 3, 7});
    r = nd_binary(ND_AND, x, y, &err);
    expect(r, TD_INT16, (double[]){8, 1, 7}, 3);
    nd_release(r);
    r = nd_binary(ND_OR, x, y, &err);
    expect(r, TD_INT16, (double[]){14, -5, 255}, 3);
    nd_release(r);
    r = nd_binary(ND_XOR, x, y, &err);
    expect(r, TD_INT16, (double[]){6, -6, 248}, 3);
    nd_release(r);
    r = nd_unary(ND_INVERT, x, &err);
    expect(r, TD_INT16, (double[]){-13, 6, -256}, 3);
    nd_release(r);
    nd_release(x);
    nd_release(y);
}

/* ---- unary --------------------------------------------------------------- */

static void test_unary(void **state)
{
    (void)state;
    td_err err;
    nd_array *f = arr1(TD_FLOAT64, 6, (double[]){0.5, 1.5, 2.5, -0.5, -2.5, 3.7});
    nd_array *r = nd_unary(ND_ROUND, f, &err);
    expect(r, TD_FLOAT64, (double[]){0, 2, 2, -0.0, -2, 4}, 6);
    assert_true(signbit(((double *)r->data)[3]));
    nd_release(r);
    r = nd_unary(ND_FLOOR, f, &err);
    expect(r, TD_FLOAT64, (double[]){0, 1, 2, -1, -3, 3}, 6);
    nd_release(r);
    r = nd_unary(ND_CEIL, f, &err);
    expect(r, TD_FLOAT64, (double[]){1, 2, 3, -0.0, -2, 4}, 6);
    nd_release(r);
    nd_release(f);

    nd_array *s = arr1(TD_FLOAT64, 5, (double[]){-3, 0, -0.0, 2, NAN});
    r = nd_unary(ND_SIGN, s, &err);
    expect(r, TD_FLOAT64, (double[]){-1, 0, 0, 1, NAN}, 5);
    assert_false(signbit(((double *)r->data)[2]));
    nd_release(r);
    nd_release(s);

    nd_array *i = arr1(TD_INT16, 3, (int16_t[]){4, 2, -3});
    r = nd_unary(ND_SIGN, i, &err);
    expect(r, TD_INT16, (double[]){1, 1, -1}, 3);
    nd_release(r);
    /* float ufuncs pick numpy's float type: int16 -> float32 (float16 is float32 here) */
    r = nd_unary(ND_SQRT, i, &err);
    expect(r, TD_FLOAT32, (double[]){2, 1.41421353816986083984375, NAN}, 3);
    nd_release(r);
    r = nd_unary(ND_FLOOR, i, &err);
    expect(r, TD_FLOAT32, (double[]){4, 2, -3}, 3);
    nd_release(r);
    r = nd_unary(ND_ROUND, i, &err);
    expect(r, TD_INT16, (double[]){4, 2, -3}, 3);
    nd_release(r);
    r = nd_unary(ND_SQUARE, i, &err);
    expect(r, TD_INT16, (double[]){16, 4, 9}, 3);
    nd_release(r);
    nd_release(i);

    nd_array *i32 = arr1(TD_INT32, 2, (int32_t[]){4, 2});
    r = nd_unary(ND_SQRT, i32, &err);
    expect(r, TD_FLOAT64, (double[]){2, 1.4142135623730951}, 2);
    nd_release(r);
    r = nd_unary(ND_LOG, i32, &err);
    expect(r, TD_FLOAT64, (double[]){1.3862943611198906, 0.6931471805599453}, 2);
    nd_release(r);
    nd_release(i32);

    nd_array *e = arr1(TD_FLOAT32, 4, (float[]){1, NAN, INFINITY, -INFINITY});
    r = nd_unary(ND_ISNAN, e, &err);
    expect(r, TD_BOOL, (double[]){0, 1, 0, 0}, 4);
    nd_release(r);
    r = nd_unary(ND_ISINF, e, &err);
    expect(r, TD_BOOL, (double[]){0, 0, 1, 1}, 4);
    nd_release(r);
    r = nd_unary(ND_ISFINITE, e, &err);
    expect(r, TD_BOOL, (double[]){1, 0, 0, 0}, 4);
    nd_release(r);
    r = nd_unary(ND_NOT, e, &err);
    expect(r, TD_BOOL, (double[]){0, 0, 0, 0}, 4);
    nd_release(r);
    r = nd_unary(ND_EXP, e, &err);
    assert_int_equal(r->dtype, TD_FLOAT32);
    nd_release(r);
    expect_err(nd_unary(ND_INVERT, e, &err), &err, TD_ETYPE, NULL);
    nd_release(e);

    nd_array *b = arr1(TD_BOOL, 2, (uint8_t[]){1, 0});
    expect_err(nd_unary(ND_NEG, b, &err), &err, TD_ETYPE,
               "The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the "
               "logical_not function instead.");
    expect_err(nd_unary(ND_SIGN, b, &err), &err, TD_ETYPE, NULL);
    r = nd_unary(ND_SQUARE, b, &err);
    expect(r, TD_INT8, (double[]){1, 0}, 2);
    nd_release(r);
    r = nd_unary(ND_INVERT, b, &err);
    expect(r, TD_BOOL, (double[]){0, 1}, 2);
    nd_release(r);
    nd_release(b);
}

/* Large operands go through the threaded path; the values are checked
 * against closed forms. */
static void test_large_parallel(void **state)
{
    (void)state;
    td_err err;
    int64_t n = 300001;
    nd_array *a = nd_arange(TD_FLOAT64, n, &err), *b = nd_arange(TD_INT16, n, &err);
    nd_array *r = nd_binary(ND_ADD, a, b, &err); /* int16 wraps before the add */
    CHECK_OK(r, &err);
    assert_int_equal(r->dtype, TD_FLOAT64);
    const double *d = r->data;
    for (int64_t i = 0; i < n; i++) {
        int64_t w = (i + 32768) % 65536 - 32768;
        if (d[i] != (double)(i + w))
            fail_msg("element %lld: %g", (long long)i, d[i]);
    }
    nd_release(r);
    r = nd_binary_scalar(ND_MUL, a, TD_SCALAR_FLOAT, 0, 0.5, true, &err);
    CHECK_OK(r, &err);
    d = r->data;
    for (int64_t i = 0; i < n; i++)
        if (d[i] != 0.5 * (double)i)
            fail_msg("element %lld: %g", (long long)i, d[i]);
    nd_release(r);
    /* a (n, 1) column against a (3,) row */
    int64_t cs[2] = {n, 1};
    nd_array *col = nd_reshape(a, 2, cs, &err);
    nd_array *row = arr1(TD_FLOAT64, 3, (double[]){0, 1, 2});
    r = nd_binary(ND_SUB, col, row, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){n, 3});
    d = r->data;
    for (int64_t i = 0; i < n * 3; i++)
        if (d[i] != (double)(i / 3 - i % 3))
            fail_msg("element %lld: %g", (long long)i, d[i]);
    nd_release(r);
    nd_release(col);
    nd_release(row);
    nd_release(a);
    nd_release(b);
}

/* ---- indexing ------------------------------------------------------------ */

static nd_index I(int64_t i)
{
    return (nd_index){.kind = ND_IDX_INT, .i = i};
}

static nd_index SL(bool hs, int64_t start, bool ht, int64_t stop, int64_t step)
{
    return (nd_index){
        .kind = ND_IDX_SLICE, .start = start, .stop = stop, .step = step, .has_start = hs, .has_stop = ht};
}

static nd_index ALL(void)
{
    return SL(false, 0, false, 0, 1);
}

static nd_index LIST(const int64_t *v, int64_t n)
{
    return (nd_index){.kind = ND_IDX_LIST, .list = v, .nlist = n};
}

static nd_index NEW(void)
{
    return (nd_index){.kind = ND_IDX_NEWAXIS};
}

static void test_slice_resolve(void **state)
{
    (void)state;
    /* against Python's slice(...).indices(7) */
    static const struct {
        bool hs, ht;
        int64_t start, stop, step, first, count;
    } cases[] = {
        {false, false, 0, 0, 1, 0, 7}, {false, false, 0, 0, -1, 6, 7},   {true, false, -2, 0, 1, 5, 2},
        {true, true, 5, 1, -2, 5, 2},  {true, true, -100, 100, 3, 0, 3}, {true, true, 100, -100, -3, 6, 3},
        {true, true, 1, 1, 1, 1, 0},   {true, false, 3, 0, -1, 3, 4},    {false, true, 0, -5, -1, 6, 4},
        {true, true, 0, 10, 4, 0, 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        nd_index s = SL(cases[k].hs, cases[k].start, cases[k].ht, cases[k].stop, cases[k].step);
        int64_t first = -99, n = nd_slice_resolve(&s, 7, &first);
        if (n != cases[k].count || (n > 0 && first != cases[k].first))
            fail_msg("case %zu: count %lld first %lld", k, (long long)n, (long long)first);
    }
    nd_index huge = SL(true, INT64_MIN, true, INT64_MAX, INT64_MIN);
    int64_t first;
    assert_int_equal(nd_slice_resolve(&huge, 7, &first), 0);
}

static void test_index_basic(void **state)
{
    (void)state;
    td_err err;
    nd_array *x = arange3(TD_INT32, 2, 3, 4);

    nd_index a[3] = {ALL(), SL(false, 0, false, 0, -1), SL(true, 1, true, 4, 2)};
    nd_array *r = nd_index_get(x, 3, a, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 3, (int64_t[]){2, 3, 2});
    expect(r, TD_INT32, (double[]){9, 11, 5, 7, 1, 3, 21, 23, 17, 19, 13, 15}, 12);
    nd_release(r);

    nd_index b[3] = {I(1), SL(false, 0, false, 0, -2), SL(false, 0, false, 0, -3)};
    r = nd_index_get(x, 3, b, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){2, 2});
    expect(r, TD_INT32, (double[]){23, 20, 15, 12}, 4);
    nd_release(r);

    nd_index c[4] = {I(-1), NEW(), SL(true, 1, false, 0, 1), I(-1)};
    r = nd_index_get(x, 4, c, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){1, 2});
    expect(r, TD_INT32, (double[]){19, 23}, 2);
    nd_release(r);

    /* all integers: a 0-d array */
    nd_index d[3] = {I(1), I(-2), I(3)};
    r = nd_index_get(x, 3, d, &err);
    CHECK_OK(r, &err);
    assert_int_equal(r->ndim, 0);
    expect(r, TD_INT32, (double[]){19}, 1);
    nd_release(r);

    /* one contiguous range: a view on the same memory */
    nd_index e[1] = {SL(true, 1, true, 2, 1)};
    r = nd_index_get(x, 1, e, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 3, (int64_t[]){1, 3, 4});
    assert_ptr_equal(r->data, (int32_t *)x->data + 12);
    nd_release(r);
    nd_index f[2] = {I(0), SL(true, 1, false, 0, 1)};
    r = nd_index_get(x, 2, f, &err);
    CHECK_OK(r, &err);
    assert_ptr_equal(r->data, (int32_t *)x->data + 4);
    expect(r, TD_INT32, (double[]){4, 5, 6, 7, 8, 9, 10, 11}, 8);
    nd_release(r);
    /* a column is not contiguous: a copy */
    nd_index g[2] = {ALL(), I(1)};
    r = nd_index_get(x, 2, g, &err);
    CHECK_OK(r, &err);
    assert_true(r->buf != x->buf);
    expect(r, TD_INT32, (double[]){4, 5, 6, 7, 16, 17, 18, 19}, 8);
    nd_release(r);
    nd_release(x);
}

static void test_index_lists(void **state)
{
    (void)state;
    td_err err;
    nd_array *x = arange3(TD_FLOAT64, 2, 3, 4);
    static const int64_t l1[3] = {2, 0, -1}, l2[2] = {1, 3};

    nd_index a[2] = {ALL(), LIST(l1, 3)};
    nd_array *r = nd_index_get(x, 2, a, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 3, (int64_t[]){2, 3, 4});
    expect(r, TD_FLOAT64,
           (double[]){8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23, 12, 13, 14, 15, 20, 21, 22, 23},
           24);
    nd_release(r);

    /* numpy's rule: the integer and the list are separated by a slice, so
     * the list's dimension goes first: shape (2, 3), not (3, 2) */
    nd_index b[3] = {I(0), ALL(), LIST(l2, 2)};
    r = nd_index_get(x, 3, b, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){2, 3});
    expect(r, TD_FLOAT64, (double[]){1, 5, 9, 3, 7, 11}, 6);
    nd_release(r);
    /* adjacent: the dimension stays in place */
    nd_index c[3] = {ALL(), I(0), LIST(l2, 2)};
    r = nd_index_get(x, 3, c, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){2, 2});
    expect(r, TD_FLOAT64, (double[]){1, 3, 13, 15}, 4);
    nd_release(r);

    static const int64_t bad[2] = {0, 4};
    nd_index d[2] = {ALL(), LIST(bad, 2)};
    expect_err(nd_index_get(x, 2, d, &err), &err, TD_EINDEX,
               "index 4 is out of bounds for axis 1 with size 3");
    nd_release(x);
}

static void test_index_errors(void **state)
{
    (void)state;
    td_err err;
    nd_array *x = arange3(TD_UINT8, 3, 4, 5);
    nd_index a[1] = {I(5)};
    expect_err(nd_index_get(x, 1, a, &err), &err, TD_EINDEX,
               "index 5 is out of bounds for axis 0 with size 3");
    nd_index b[2] = {ALL(), I(-5)};
    expect_err(nd_index_get(x, 2, b, &err), &err, TD_EINDEX,
               "index -5 is out of bounds for axis 1 with size 4");
    nd_index c[4] = {I(1), I(2), I(3), I(4)};
    expect_err(nd_index_get(x, 4, c, &err), &err, TD_EINDEX,
               "too many indices for array: array is 3-dimensional, but 4 were indexed");
    nd_index d[1] = {SL(false, 0, false, 0, 0)};
    expect_err(nd_index_get(x, 1, d, &err), &err, TD_EVALUE, "slice step cannot be zero");
    nd_release(x);
}

/* ---- transpose ------------------------------------------------------------ */

static void test_transpose(void **state)
{
    (void)state;
    td_err err;
    nd_array *x = arange3(TD_INT64, 2, 3, 4);
    int perm[3] = {1, 2, 0};
    nd_array *r = nd_transpose(x, perm, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 3, (int64_t[]){3, 4, 2});
    expect(r, TD_INT64,
           (double[]){0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23},
           24);
    nd_release(r);
    r = nd_transpose(x, NULL, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 3, (int64_t[]){4, 3, 2});
    expect(r, TD_INT64,
           (double[]){0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23},
           24);
    nd_release(r);
    int rep[3] = {0, 0, 1}, out[3] = {0, 1, 3};
    expect_err(nd_transpose(x, rep, &err), &err, TD_EVALUE, "repeated axis in transpose");
    expect_err(nd_transpose(x, out, &err), &err, TD_EVALUE,
               "axis 3 is out of bounds for array of dimension 3");
    nd_release(x);

    /* toseries-like (n, x, y) -> (x, y, n), big enough for tiles and threads,
     * for each element size */
    td_dtype types[4] = {TD_UINT8, TD_INT16, TD_FLOAT32, TD_FLOAT64};
    for (int t = 0; t < 4; t++) {
        nd_array *v = arange3(types[t], 37, 45, 70);
        r = nd_transpose(v, perm, &err);
        CHECK_OK(r, &err);
        assert_shape(r, 3, (int64_t[]){45, 70, 37});
        for (int64_t i = 0; i < r->size; i++) {
            int64_t n = i % 37, xy = i / 37;
            if (nd_get_i64(r, i) != nd_get_i64(v, n * 45 * 70 + xy))
                fail_msg("%s element %lld", td_dtype_name(types[t]), (long long)i);
        }
        nd_release(r);
        /* (0, 2, 1): a batch of 2-D transposes */
        int p021[3] = {0, 2, 1};
        r = nd_transpose(v, p021, &err);
        CHECK_OK(r, &err);
        for (int64_t i = 0; i < r->size; i += 7) {
            int64_t a0 = i / (70 * 45), a2 = (i / 45) % 70, a1 = i % 45;
            if (nd_get_i64(r, i) != nd_get_i64(v, (a0 * 45 + a1) * 70 + a2))
                fail_msg("%s (0,2,1) element %lld", td_dtype_name(types[t]), (long long)i);
        }
        nd_release(r);
        /* (2, 0, 1): the last axis moves first, rows of 45 stay contiguous */
        int p201[3] = {2, 0, 1};
        r = nd_transpose(v, p201, &err);
        CHECK_OK(r, &err);
        for (int64_t i = 0; i < r->size; i += 5) {
            int64_t a2 = i / (37 * 45), a0 = (i / 45) % 37, a1 = i % 45;
            if (nd_get_i64(r, i) != nd_get_i64(v, (a0 * 45 + a1) * 70 + a2))
                fail_msg("%s (2,0,1) element %lld", td_dtype_name(types[t]), (long long)i);
        }
        nd_release(r);
        nd_release(v);
    }
}

/* ---- concatenate and stack ------------------------------------------------- */

static void test_concatenate(void **state)
{
    (void)state;
    td_err err;
    nd_array *a = arr2(TD_INT8, 2, 2, (int8_t[]){1, 2, 3, 4}),
             *b = arr2(TD_FLOAT32, 1, 2, (float[]){5.5f, 6.5f});
    nd_array *ab[2] = {a, b};
    nd_array *r = nd_concatenate(2, ab, 0, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){3, 2});
    expect(r, TD_FLOAT32, (double[]){1, 2, 3, 4, 5.5, 6.5}, 6);
    nd_release(r);
    expect_err(nd_concatenate(2, ab, 1, &err), &err, TD_EVALUE,
               "all the input array dimensions except for the concatenation axis must match exactly, but "
               "along dimension 0, the array at index 0 has size 2 and the array at index 1 has size 1");
    expect_err(nd_concatenate(2, ab, 2, &err), &err, TD_EVALUE,
               "axis 2 is out of bounds for array of dimension 2");
    expect_err(nd_concatenate(0, ab, 0, &err), &err, TD_EVALUE, "need at least one array to concatenate");

    nd_array *u = arr2(TD_UINT8, 2, 2, (uint8_t[]){1, 2, 3, 4}),
             *s = arr2(TD_INT16, 2, 1, (int16_t[]){-1, -2});
    nd_array *us[2] = {u, s};
    r = nd_concatenate(2, us, -1, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){2, 3});
    expect(r, TD_INT16, (double[]){1, 2, -1, 3, 4, -2}, 6);
    nd_release(r);

    nd_array *v = arr1(TD_INT8, 3, (int8_t[]){1, 2, 3});
    nd_array *av[2] = {a, v};
    expect_err(nd_concatenate(2, av, 0, &err), &err, TD_EVALUE,
               "all the input arrays must have same number of dimensions, but the array at index 0 has 2 "
               "dimension(s) and the array at index 1 has 1 dimension(s)");
    nd_array *z = nd_scalar_i64(TD_INT8, 1, &err);
    nd_array *zz[2] = {z, z};
    expect_err(nd_concatenate(2, zz, 0, &err), &err, TD_EVALUE,
               "zero-dimensional arrays cannot be concatenated");

    nd_array *p = arr1(TD_INT16, 3, (int16_t[]){1, 2, 3}), *q = arr1(TD_INT16, 3, (int16_t[]){4, 5, 6});
    nd_array *pq[2] = {p, q};
    r = nd_stack(2, pq, 1, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){3, 2});
    expect(r, TD_INT16, (double[]){1, 4, 2, 5, 3, 6}, 6);
    nd_release(r);
    r = nd_stack(2, pq, -2, &err);
    CHECK_OK(r, &err);
    assert_shape(r, 2, (int64_t[]){2, 3});
    expect(r, TD_INT16, (double[]){1, 2, 3, 4, 5, 6}, 6);
    nd_release(r);
    expect_err(nd_stack(2, pq, 2, &err), &err, TD_EVALUE, "axis 2 is out of bounds for array of dimension 2");
    nd_array *pv[2] = {p, a};
    expect_err(nd_stack(2, pv, 0, &err), &err, TD_EVALUE, "all input arrays must have the same shape");

    nd_release(a);
    nd_release(b);
    nd_release(u);
    nd_release(s);
    nd_release(v);
    nd_release(z);
    nd_release(p);
    nd_release(q);
}

static void test_allclose(void **state)
{
    (void)state;
    nd_array *a = arr1(TD_FLOAT64, 3, (double[]){1, NAN, INFINITY});
    nd_array *b = arr1(TD_FLOAT64, 3, (double[]){1 + 1e-9, NAN, INFINITY});
    nd_array *c = arr1(TD_FLOAT32, 3, (float[]){1.001f, NAN, INFINITY});
    assert_false(nd_allclose(a, b, 1e-5, 1e-8, false));
    assert_true(nd_allclose(a, b, 1e-5, 1e-8, true));
    assert_false(nd_allclose(a, c, 1e-5, 1e-8, true));
    assert_true(nd_allclose(a, c, 1e-2, 0, true));
    /* zero tolerances: np.array_equal, shapes must agree */
    assert_false(nd_allclose(a, b, 0, 0, true));
    assert_true(nd_allclose(a, a, 0, 0, true));
    nd_array *one = arr1(TD_FLOAT64, 1, (double[]){1});
    nd_array *ones = arr1(TD_INT16, 3, (int16_t[]){1, 1, 1});
    assert_true(nd_allclose(ones, one, 1e-5, 1e-8, false)); /* broadcasts */
    assert_false(nd_allclose(ones, one, 0, 0, false));
    nd_array *two = arr1(TD_INT16, 2, (int16_t[]){1, 1});
    assert_false(nd_allclose(ones, two, 1e-5, 0, false)); /* (3,) and (2,) do not broadcast */
    nd_release(two);
    nd_release(a);
    nd_release(b);
    nd_release(c);
    nd_release(one);
    nd_release(ones);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broadcast),
        cmocka_unit_test(test_result_dtypes),
        cmocka_unit_test(test_division_signs),
        cmocka_unit_test(test_overflow_wraps),
        cmocka_unit_test(test_unsigned_subtract),
        cmocka_unit_test(test_power),
        cmocka_unit_test(test_scalar_value_casting),
        cmocka_unit_test(test_compare_and_extremes),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_large_parallel),
        cmocka_unit_test(test_slice_resolve),
        cmocka_unit_test(test_index_basic),
        cmocka_unit_test(test_index_lists),
        cmocka_unit_test(test_index_errors),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_concatenate),
        cmocka_unit_test(test_allclose),
    };
    return cmocka_run_group_tests_name("nd", tests, NULL, NULL);
}

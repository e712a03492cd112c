/* Tests of dtypes, promotion and conversions. Every expected value below
 * was computed with numpy 1.24 on x86-64 (np.promote_types, np.result_type,
 * np.sum/np.mean/np.true_divide result dtypes, ndarray.astype). */
#include <math.h>

#include "testutil.h"

#define B   TD_BOOL
#define I8  TD_INT8
#define U8  TD_UINT8
#define I16 TD_INT16
#define U16 TD_UINT16
#define I32 TD_INT32
#define U32 TD_UINT32
#define I64 TD_INT64
#define U64 TD_UINT64
#define F32 TD_FLOAT32
#define F64 TD_FLOAT64

/* np.promote_types(row, column), numpy 1.24 (float16 answers given as float32). */
static const td_dtype promote_table[TD_NDTYPES][TD_NDTYPES] = {
    {B, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64},
    {I8, I8, I16, I16, I32, I32, I64, I64, F64, F32, F64},
    {U8, I16, U8, I16, U16, I32, U32, I64, U64, F32, F64},
    {I16, I16, I16, I16, I32, I32, I64, I64, F64, F32, F64},
    {U16, I32, U16, I32, U16, I32, U32, I64, U64, F32, F64},
    {I32, I32, I32, I32, I32, I32, I64, I64, F64, F64, F64},
    {U32, I64, U32, I64, U32, I64, U32, I64, U64, F64, F64},
    {I64, I64, I64, I64, I64, I64, I64, I64, F64, F64, F64},
    {U64, F64, U64, F64, U64, F64, U64, F64, U64, F64, F64},
    {F32, F32, F32, F32, F32, F64, F64, F64, F64, F32, F64},
    {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64},
};
/* np.result_type(np.zeros(1, dtype), scalar) for each dtype in enum order, numpy 1.24. */
static const struct scalar_case {
    td_scalar_kind kind;
    int64_t ival;
    double fval;
    const char *text;
    td_dtype want[TD_NDTYPES];
} scalar_cases[] = {
    {TD_SCALAR_BOOL, 1, 0, "True", {B, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_BOOL, 0, 0, "False", {B, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 0, 0, "0", {I64, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 1, 0, "1", {I64, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, -1, 0, "-1", {I64, I8, I16, I16, I32, I32, I64, I64, F64, F32, F64}},
    {TD_SCALAR_INT, 2, 0, "2", {I64, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 127, 0, "127", {I64, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 128, 0, "128", {I64, I16, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, -128, 0, "-128", {I64, I8, I16, I16, I32, I32, I64, I64, F64, F32, F64}},
    {TD_SCALAR_INT, -129, 0, "-129", {I64, I16, I16, I16, I32, I32, I64, I64, F64, F32, F64}},
    {TD_SCALAR_INT, 255, 0, "255", {I64, I16, U8, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 256, 0, "256", {I64, I16, U16, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, -32768, 0, "-32768", {I64, I16, I16, I16, I32, I32, I64, I64, F64, F32, F64}},
    {TD_SCALAR_INT, -32769, 0, "-32769", {I64, I32, I32, I32, I32, I32, I64, I64, F64, F64, F64}},
    {TD_SCALAR_INT, 32767, 0, "32767", {I64, I16, U16, I16, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 32768, 0, "32768", {I64, I32, U16, I32, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 65535, 0, "65535", {I64, I32, U16, I32, U16, I32, U32, I64, U64, F32, F64}},
    {TD_SCALAR_INT, 65536, 0, "65536", {I64, I32, U32, I32, U32, I32, U32, I64, U64, F64, F64}},
    {TD_SCALAR_INT, 2147483647, 0, "2147483647", {I64, I32, U32, I32, U32, I32, U32, I64, U64, F64, F64}},
    {TD_SCALAR_INT, 2147483648LL, 0, "2147483648", {I64, I64, U32, I64, U32, I64, U32, I64, U64, F64, F64}},
    {TD_SCALAR_INT, -2147483648LL, 0, "-2147483648", {I64, I32, I32, I32, I32, I32, I64, I64, F64, F64, F64}},
    {TD_SCALAR_INT, -2147483649LL, 0, "-2147483649", {I64, I64, I64, I64, I64, I64, I64, I64, F64, F64, F64}},
    {TD_SCALAR_INT, 4294967295LL, 0, "4294967295", {I64, I64, U32, I64, U32, I64, U32, I64, U64, F64, F64}},
    {TD_SCALAR_INT, 4294967296LL, 0, "4294967296", {I64, I64, U64, I64, U64, I64, U64, I64, U64, F64, F64}},
    {TD_SCALAR_INT,
     9223372036854775807LL,
     0,
     "9223372036854775807",
     {I64, I64, U64, I64, U64, I64, U64, I64, U64, F64, F64}},
    {TD_SCALAR_INT,
     INT64_MIN,
     0,
     "-9223372036854775808",
     {I64, I64, I64, I64, I64, I64, I64, I64, F64, F64, F64}},
    {TD_SCALAR_FLOAT, 0, 0.0, "0.0", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, 0.5, "0.5", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, -1.5, "-1.5", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, 64999.99, "64999.99", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, 65000.0, "65000.0", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, -65000.0, "-65000.0", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, 1e+38, "1e+38", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT,
     0,
     3.3999999999999996e+38,
     "3.3999999999999996e+38",
     {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, 3.4e+38, "3.4e+38", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64}},
    {TD_SCALAR_FLOAT, 0, -3.4e+38, "-3.4e+38", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64}},
    {TD_SCALAR_FLOAT, 0, 1e+40, "1e+40", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64}},
    {TD_SCALAR_FLOAT, 0, -1e+40, "-1e+40", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64}},
    {TD_SCALAR_FLOAT, 0, 1e+300, "1e+300", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64}},
    {TD_SCALAR_FLOAT, 0, 1e-50, "1e-50", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, NAN, "nan", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, INFINITY, "inf", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
    {TD_SCALAR_FLOAT, 0, -INFINITY, "-inf", {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64}},
};
/* np.sum(a).dtype, np.mean(a).dtype, np.true_divide(a, a).dtype, numpy 1.24. */
static const td_dtype sum_want[TD_NDTYPES] = {I64, I64, U64, I64, U64, I64, U64, I64, U64, F32, F64};
static const td_dtype mean_want[TD_NDTYPES] = {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64};
static const td_dtype truediv_want[TD_NDTYPES] = {F64, F64, F64, F64, F64, F64, F64, F64, F64, F32, F64};
/* Floats with what np.array(values, float64 / float32).astype(t) gives on x86-64,
 * numpy 1.24 (an array whose length is a multiple of 4: see docs/dtypes.md for uint32). */
static const double special_f64[] = {NAN,
                                     INFINITY,
                                     -INFINITY,
                                     1e+20,
                                     -1e+20,
                                     3000000000.0,
                                     -3000000000.0,
                                     300.7,
                                     -300.7,
                                     70000.5,
                                     -70000.5,
                                     2147483648.0,
                                     -2147483648.0,
                                     -2147483649.0,
                                     4294967296.0,
                                     -9.223372036854776e+18,
                                     9.223372036854776e+18,
                                     1.8e+19,
                                     1.8446744073709552e+19,
                                     -0.9,
                                     0.9,
                                     -1.5,
                                     127.9,
                                     -128.9,
                                     255.9,
                                     65535.9,
                                     4294967295.0,
                                     -2147483647.5};
#define NSPECIAL 28
static const int64_t special_signed_from_float64[5][NSPECIAL] = {
    /* bool */ {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    /* int8 */ {0, 0, 0, 0, 0, 0, 0, 44, -44, 112,  -112, 0,  0, 0,
                0, 0, 0, 0, 0, 0, 0, -1, 127, -128, -1,   -1, 0, 1},
    /* int16 */ {0, 0, 0, 0, 0, 0, 0, 300, -300, 4464, -4464, 0,  0, 0,
                 0, 0, 0, 0, 0, 0, 0, -1,  127,  -128, 255,   -1, 0, 1},
    /* int32 */
    {-2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     300,
     -300,
     70000,
     -70000,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     0,
     0,
     -1,
     127,
     -128,
     255,
     65535,
     -2147483648LL,
     -2147483647},
    /* int64 */
    {INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     3000000000LL,
     -3000000000LL,
     300,
     -300,
     70000,
     -70000,
     2147483648LL,
     -2147483648LL,
     -2147483649LL,
     4294967296LL,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     0,
     0,
     -1,
     127,
     -128,
     255,
     65535,
     4294967295LL,
     -2147483647},
};
static const uint64_t special_unsigned_from_float64[4][NSPECIAL] = {
    /* uint8 */ {0, 0, 0, 0, 0, 0, 0, 44,  212, 112, 144, 0,   0, 0,
                 0, 0, 0, 0, 0, 0, 0, 255, 127, 128, 255, 255, 0, 1},
    /* uint16 */ {0, 0, 0, 0, 0, 0, 0, 300,   65236, 4464,  61072, 0,     0, 0,
                  0, 0, 0, 0, 0, 0, 0, 65535, 127,   65408, 255,   65535, 0, 1},
    /* uint32 */
    {2147483648LL,
     0,
     2147483648LL,
     0,
     2147483648LL,
     3000000000LL,
     2147483648LL,
     300,
     4294966996LL,
     70000,
     4294897296LL,
     2147483648LL,
     2147483648LL,
     2147483648LL,
     0,
     2147483648LL,
     0,
     0,
     0,
     0,
     0,
     4294967295LL,
     127,
     4294967168LL,
     255,
     65535,
     4294967295LL,
     2147483649LL},
    /* uint64 */
    {9223372036854775808ULL,
     0,
     9223372036854775808ULL,
     0,
     9223372036854775808ULL,
     3000000000LL,
     18446744070709551616ULL,
     300,
     18446744073709551316ULL,
     70000,
     18446744073709481616ULL,
     2147483648LL,
     18446744071562067968ULL,
     18446744071562067967ULL,
     4294967296LL,
     9223372036854775808ULL,
     9223372036854775808ULL,
     18000000000000000000ULL,
     0,
     0,
     0,
     18446744073709551615ULL,
     127,
     18446744073709551488ULL,
     255,
     65535,
     4294967295LL,
     18446744071562067969ULL},
};
static const int64_t special_signed_from_float32[5][NSPECIAL] = {
    /* bool */ {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
    /* int8 */ {0, 0, 0, 0, 0, 0, 0, 44, -44, 112,  -112, 0,  0, 0,
                0, 0, 0, 0, 0, 0, 0, -1, 127, -128, -1,   -1, 0, 0},
    /* int16 */ {0, 0, 0, 0, 0, 0, 0, 300, -300, 4464, -4464, 0,  0, 0,
                 0, 0, 0, 0, 0, 0, 0, -1,  127,  -128, 255,   -1, 0, 0},
    /* int32 */
    {-2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     300,
     -300,
     70000,
     -70000,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     -2147483648LL,
     0,
     0,
     -1,
     127,
     -128,
     255,
     65535,
     -2147483648LL,
     -2147483648LL},
    /* int64 */
    {INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     3000000000LL,
     -3000000000LL,
     300,
     -300,
     70000,
     -70000,
     2147483648LL,
     -2147483648LL,
     -2147483648LL,
     4294967296LL,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     0,
     0,
     -1,
     127,
     -128,
     255,
     65535,
     4294967296LL,
     -2147483648LL},
};
static const uint64_t special_unsigned_from_float32[4][NSPECIAL] = {
    /* uint8 */ {0, 0, 0, 0, 0, 0, 0, 44,  212, 112, 144, 0,   0, 0,
                 0, 0, 0, 0, 0, 0, 0, 255, 127, 128, 255, 255, 0, 0},
    /* uint16 */ {0, 0, 0, 0, 0, 0, 0, 300,   65236, 4464,  61072, 0,     0, 0,
                  0, 0, 0, 0, 0, 0, 0, 65535, 127,   65408, 255,   65535, 0, 0},
    /* uint32 */
    {2147483648LL,
     0,
     2147483648LL,
     0,
     2147483648LL,
     3000000000LL,
     2147483648LL,
     300,
     4294966996LL,
     70000,
     4294897296LL,
     2147483648LL,
     2147483648LL,
     2147483648LL,
     0,
     2147483648LL,
     0,
     0,
     0,
     0,
     0,
     4294967295LL,
     127,
     4294967168LL,
     255,
     65535,
     0,
     2147483648LL},
    /* uint64 */
    {9223372036854775808ULL,
     0,
     9223372036854775808ULL,
     0,
     9223372036854775808ULL,
     3000000000LL,
     18446744070709551616ULL,
     300,
     18446744073709551316ULL,
     70000,
     18446744073709481616ULL,
     2147483648LL,
     18446744071562067968ULL,
     18446744071562067968ULL,
     4294967296LL,
     9223372036854775808ULL,
     9223372036854775808ULL,
     18000000404716257280ULL,
     0,
     0,
     0,
     18446744073709551615ULL,
     127,
     18446744073709551488ULL,
     255,
     65535,
     4294967296LL,
     18446744071562067968ULL},
};
/* np.array(values, int64).astype(t), numpy 1.24. */
static const int64_t wrap_src[] = {0,
                                   1,
                                   -1,
                                   127,
                                   128,
                                   -129,
                                   255,
                                   256,
                                   -32769,
                                   65535,
                                   65536,
                                   2147483648LL,
                                   -2147483649LL,
                                   4294967301LL,
                                   -1099511627779LL,
                                   9223372036854775807LL,
                                   INT64_MIN,
                                   12345678901LL};
#define NWRAP 18
static const int64_t wrap_signed[4][NWRAP] = {
    /* int8 */ {0, 1, -1, 127, -128, 127, -1, 0, -1, -1, 0, 0, -1, 5, -3, -1, 0, 53},
    /* int16 */ {0, 1, -1, 127, 128, -129, 255, 256, 32767, -1, 0, 0, -1, 5, -3, -1, 0, 7221},
    /* int32 */
    {0, 1, -1, 127, 128, -129, 255, 256, -32769, 65535, 65536, -2147483648LL, 2147483647, 5, -3, -1, 0,
     -539222987},
    /* int64 */
    {0, 1, -1, 127, 128, -129, 255, 256, -32769, 65535, 65536, 2147483648LL, -2147483649LL, 4294967301LL,
     -1099511627779LL, 9223372036854775807LL, INT64_MIN, 12345678901LL},
};
static const uint64_t wrap_unsigned[4][NWRAP] = {
    /* uint8 */ {0, 1, 255, 127, 128, 127, 255, 0, 255, 255, 0, 0, 255, 5, 253, 255, 0, 53},
    /* uint16 */
    {0, 1, 65535, 127, 128, 65407, 255, 256, 32767, 65535, 0, 0, 65535, 5, 65533, 65535, 0, 7221},
    /* uint32 */
    {0, 1, 4294967295LL, 127, 128, 4294967167LL, 255, 256, 4294934527LL, 65535, 65536, 2147483648LL,
     2147483647, 5, 4294967293LL, 4294967295LL, 0, 3755744309LL},
    /* uint64 */
    {0, 1, 18446744073709551615ULL, 127, 128, 18446744073709551487ULL, 255, 256, 18446744073709518847ULL,
     65535, 65536, 2147483648LL, 18446744071562067967ULL, 4294967301LL, 18446742974197923837ULL,
     9223372036854775807LL, 9223372036854775808ULL, 12345678901LL},
};
static const uint64_t wrapu_src[] = {0,
                                     1,
                                     255,
                                     256,
                                     2147483648LL,
                                     4294967295LL,
                                     4294967296LL,
                                     9223372036854775807LL,
                                     9223372036854775808ULL,
                                     18446744073709551615ULL,
                                     18446744073709551557ULL};
#define NWRAPU 11
static const int64_t wrapu_signed[4][NWRAPU] = {
    /* int8 */ {0, 1, -1, 0, 0, -1, 0, -1, 0, -1, -59},
    /* int16 */ {0, 1, 255, 256, 0, -1, 0, -1, 0, -1, -59},
    /* int32 */ {0, 1, 255, 256, -2147483648LL, -1, 0, -1, 0, -1, -59},
    /* int64 */
    {0, 1, 255, 256, 2147483648LL, 4294967295LL, 4294967296LL, 9223372036854775807LL, INT64_MIN, -1, -59},
};
/* Rounding of integers to floats (round to nearest even), numpy 1.24. */
static const int64_t round_src[] = {16777217,
                                    16777219,
                                    9007199254740993LL,
                                    9007199254740995LL,
                                    9223372036854775807LL,
                                    INT64_MIN,
                                    -9007199254740993LL,
                                    123456789012345678LL};
#define NROUND 8
static const float round_f32[] = {16777216.0f,
                                  16777220.0f,
                                  9007199254740992.0f,
                                  9007199254740992.0f,
                                  9.223372036854776e+18f,
                                  -9.223372036854776e+18f,
                                  -9007199254740992.0f,
                                  1.234567905190871e+17f};
static const double round_f64[] = {16777217.0,
                                   16777219.0,
                                   9007199254740992.0,
                                   9007199254740996.0,
                                   9.223372036854776e+18,
                                   -9.223372036854776e+18,
                                   -9007199254740992.0,
                                   1.2345678901234568e+17};
static const uint64_t roundu_src[] = {18446744073709551615ULL, 9223372036854775809ULL,
                                      18446744073709549568ULL, 18446744073709550591ULL, 9007199254740993LL};
#define NROUNDU 5
static const float roundu_f32[] = {1.8446744073709552e+19f, 9.223372036854776e+18f, 1.8446744073709552e+19f,
                                   1.8446744073709552e+19f, 9007199254740992.0f};
static const double roundu_f64[] = {1.8446744073709552e+19, 9.223372036854776e+18, 1.844674407370955e+19,
                                    1.844674407370955e+19, 9007199254740992.0};
/* float64 -> float32, numpy 1.24. */
static const double narrow_src[] = {
    0.1, 1e+40,    -1e+40, 3.4028235677973366e+38, 3.4028235677973362e+38, 1e-46, -1e-46, 1.4e-45, 16777217.0,
    NAN, INFINITY, -0.0};
#define NNARROW 12
static const float narrow_want[] = {0.10000000149011612f,
                                    INFINITY,
                                    -INFINITY,
                                    INFINITY,
                                    3.4028234663852886e+38f,
                                    0.0f,
                                    -0.0f,
                                    1.401298464324817e-45f,
                                    16777216.0f,
                                    NAN,
                                    INFINITY,
                                    -0.0f};

/* ---- helpers -------------------------------------------------------------- */

/* Element i of a raw buffer of dtype t as a signed value (bool, signed). */
static int64_t raw_signed(const void *buf, td_dtype t, int64_t i)
{
    const char *p = (const char *)buf + i * (int64_t)td_dtype_size(t);
    switch (t) {
    case TD_BOOL: return *(const uint8_t *)p;
    case TD_INT8: return *(const int8_t *)p;
    case TD_INT16: {
        int16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case TD_INT32: {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case TD_INT64: {
        int64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    default: fail_msg("raw_signed: %s", td_dtype_name(t));
    }
    return 0;
}

static uint64_t raw_unsigned(const void *buf, td_dtype t, int64_t i)
{
    const char *p = (const char *)buf + i * (int64_t)td_dtype_size(t);
    switch (t) {
    case TD_UINT8: return *(const uint8_t *)p;
    case TD_UINT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case TD_UINT32: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case TD_UINT64: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    default: fail_msg("raw_unsigned: %s", td_dtype_name(t));
    }
    return 0;
}

static const td_dtype signed_targets[5] = {TD_BOOL, TD_INT8, TD_INT16, TD_INT32, TD_INT64};
static const td_dtype unsigned_targets[4] = {TD_UINT8, TD_UINT16, TD_UINT32, TD_UINT64};

/* ---- names, sizes, kinds -------------------------------------------------- */

static void test_names_sizes_kinds(void **state)
{
    (void)state;
    static const char *names[TD_NDTYPES] = {"bool",   "int8",  "uint8",  "int16",   "uint16", "int32",
                                            "uint32", "int64", "uint64", "float32", "float64"};
    static const size_t sizes[TD_NDTYPES] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
    static const char kinds[] = "biuiuiuiuff";
    for (int t = 0; t < TD_NDTYPES; t++) {
        assert_string_equal(td_dtype_name((td_dtype)t), names[t]);
        assert_int_equal(td_dtype_size((td_dtype)t), sizes[t]);
        assert_int_equal(td_dtype_kind((td_dtype)t), kinds[t]);
    }
    assert_int_equal(td_dtype_size((td_dtype)TD_NDTYPES), 0);
    assert_int_equal(td_dtype_size((td_dtype)-1), 0);
}

static void test_predicates(void **state)
{
    (void)state;
    for (int i = 0; i < TD_NDTYPES; i++) {
        td_dtype t = (td_dtype)i;
        char k = td_dtype_kind(t);
        assert_int_equal(td_dtype_is_bool(t), t == TD_BOOL);
        assert_int_equal(td_dtype_is_signed(t), k == 'i');
        assert_int_equal(td_dtype_is_unsigned(t), k == 'u');
        assert_int_equal(td_dtype_is_int(t), k == 'i' || k == 'u');
        assert_int_equal(td_dtype_is_float(t), t == TD_FLOAT32 || t == TD_FLOAT64);
    }
    assert_false(td_dtype_is_int(TD_BOOL));
    assert_true(td_dtype_is_int(TD_UINT64));
    assert_false(td_dtype_is_signed(TD_FLOAT64));
}

/* ---- parsing --------------------------------------------------------------- */

static void test_parse_good(void **state)
{
    (void)state;
    /* What np.dtype(text) is for each spelling. */
    static const struct {
        const char *text;
        td_dtype want;
    } cases[] = {
        {"bool", B},       {"bool_", B},       {"bool8", B},     {"?", B},        {"b1", B},
        {"|b1", B},        {">b1", B},         {"<?", B},        {"int8", I8},    {"uint8", U8},
        {"int16", I16},    {"uint16", U16},    {"int32", I32},   {"uint32", U32}, {"int64", I64},
        {"uint64", U64},   {"float32", F32},   {"float64", F64}, {"float", F64},  {"double", F64},
        {"single", F32},   {"float_", F64},    {"int", I64},     {"int_", I64},   {"intp", I64},
        {"uint", U64},     {"uintp", U64},     {"byte", I8},     {"ubyte", U8},   {"short", I16},
        {"ushort", U16},   {"intc", I32},      {"uintc", U32},   {"long", I64},   {"ulong", U64},
        {"longlong", I64}, {"ulonglong", U64}, {"i1", I8},       {"u1", U8},      {"i2", I16},
        {"u2", U16},       {"i4", I32},        {"u4", U32},      {"i8", I64},     {"u8", U64},
        {"f4", F32},       {"f8", F64},        {"<i2", I16},     {"=i4", I32},    {"|u1", U8},
        {">i1", I8},       {">u1", U8},        {"<f8", F64},     {"=f4", F32},    {"|f8", F64},
        {"<u8", U64},      {"b", I8},          {"B", U8},        {"h", I16},      {"H", U16},
        {"i", I32},        {"I", U32},         {"l", I64},       {"L", U64},      {"q", I64},
        {"Q", U64},        {"p", I64},         {"P", U64},       {"f", F32},      {"d", F64},
        {"<d", F64},       {"=h", I16},        {"f08", F64},     {"i01", I8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        td_err err = {0};
        td_dtype t = (td_dtype)-1;
        if (td_dtype_parse(cases[i].text, &t, &err) != 0)
            fail_msg("'%s': %s", cases[i].text, err.msg);
        if (t != cases[i].want)
            fail_msg("'%s': got %s, want %s", cases[i].text, td_dtype_name(t), td_dtype_name(cases[i].want));
    }
}

/* Parses text, expecting a TypeError whose message contains `needle`; the
 * output must be left alone. */
static void expect_parse_error(const char *text, const char *needle)
{
    td_err err = {0};
    td_dtype t = TD_UINT16;
    if (td_dtype_parse(text, &t, &err) != -1)
        fail_msg("'%s' was accepted as %s", text ? text : "(null)", td_dtype_name(t));
    assert_int_equal(err.kind, TD_ETYPE);
    assert_int_equal(t, TD_UINT16);
    if (!strstr(err.msg, needle))
        fail_msg("'%s': message \"%s\" lacks \"%s\"", text ? text : "(null)", err.msg, needle);
}

static void test_parse_not_understood(void **state)
{
    (void)state;
    td_err err = {0};
    td_dtype t;
    assert_int_equal(td_dtype_parse("float99", &t, &err), -1);
    assert_int_equal(err.kind, TD_ETYPE);
    assert_string_equal(err.msg, "data type 'float99' not understood");

    /* Spellings numpy 1.24 rejects with "not understood" too. */
    static const char *bad[] = {"",     "Float32", "FLOAT64", "Int8",   "uint8 ", " int8", "<int8", "|int8",
                                "!f8",  "<<f8",    "<>f8",    "i3",     "i16",    "f3",    "b2",    "u",
                                "<",    ">",       "|",       "=",      "ii",     "i8x",   "b1x",   "?x",
                                "int7", "np.int8", "float99", "int128", "uint0x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "data type '%s' not understood", bad[i]);
        expect_parse_error(bad[i], want);
    }
    expect_parse_error(NULL, "not understood");
}

static void test_parse_unsupported(void **state)
{
    (void)state;
    static const char *unsupported[] = {
        "float16", "half", "f2", "<f2", "e",  ">e",         "complex", "c8",  "complex128", "object",    "O",
        "str",     "U",    "S",  "<U5", "V8", "longdouble", "g",       "f16", "M8",         "datetime64"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "data type '%s' is not supported", unsupported[i]);
        expect_parse_error(unsupported[i], want);
    }
}

static void test_parse_big_endian(void **state)
{
    (void)state;
    static const char *big[] = {">f8", ">i2", ">u4", ">i8", ">f4", ">h", ">d", ">u8"};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        expect_parse_error(big[i], "big-endian");
    /* Byte order means nothing for one-byte types, as in numpy. */
    td_err err = {0};
    td_dtype t;
    assert_int_equal(td_dtype_parse(">i1", &t, &err), 0);
    assert_int_equal(t, TD_INT8);
}

/* ---- promotion ------------------------------------------------------------- */

static void test_promote_types(void **state)
{
    (void)state;
    for (int a = 0; a < TD_NDTYPES; a++)
        for (int b = 0; b < TD_NDTYPES; b++) {
            td_dtype got = td_promote((td_dtype)a, (td_dtype)b);
            if (got != promote_table[a][b])
                fail_msg("promote(%s, %s): got %s, want %s", td_dtype_name((td_dtype)a),
                         td_dtype_name((td_dtype)b), td_dtype_name(got), td_dtype_name(promote_table[a][b]));
        }
}

static void test_promote_scalar(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scalar_cases / sizeof scalar_cases[0]; i++) {
        const struct scalar_case *c = &scalar_cases[i];
        for (int a = 0; a < TD_NDTYPES; a++) {
            td_dtype got = td_promote_scalar((td_dtype)a, c->kind, c->ival, c->fval);
            if (got != c->want[a])
                fail_msg("%s array with %s: got %s, want %s", td_dtype_name((td_dtype)a), c->text,
                         td_dtype_name(got), td_dtype_name(c->want[a]));
        }
    }
}

static void test_reduction_dtypes(void **state)
{
    (void)state;
    for (int t = 0; t < TD_NDTYPES; t++) {
        assert_int_equal(td_sum_dtype((td_dtype)t), sum_want[t]);
        assert_int_equal(td_mean_dtype((td_dtype)t), mean_want[t]);
        assert_int_equal(td_truediv_dtype((td_dtype)t), truediv_want[t]);
    }
    /* Mixed operands divide in their promoted dtype: int16 / float32 -> float32. */
    assert_int_equal(td_truediv_dtype(td_promote(TD_INT16, TD_FLOAT32)), TD_FLOAT32);
    assert_int_equal(td_truediv_dtype(td_promote(TD_INT32, TD_FLOAT32)), TD_FLOAT64);
}

/* ---- conversions ------------------------------------------------------------ */

static void check_specials(td_dtype src_dtype, const void *src, const int64_t want_signed[5][NSPECIAL],
                           const uint64_t want_unsigned[4][NSPECIAL])
{
    char out[NSPECIAL * 8];
    for (int k = 0; k < 5; k++) {
        td_dtype t = signed_targets[k];
        nd_convert(out, t, src, src_dtype, NSPECIAL);
        for (int i = 0; i < NSPECIAL; i++)
            if (raw_signed(out, t, i) != want_signed[k][i])
                fail_msg("%s %.17g -> %s: got %lld, want %lld", td_dtype_name(src_dtype), special_f64[i],
                         td_dtype_name(t), (long long)raw_signed(out, t, i), (long long)want_signed[k][i]);
    }
    for (int k = 0; k < 4; k++) {
        td_dtype t = unsigned_targets[k];
        nd_convert(out, t, src, src_dtype, NSPECIAL);
        for (int i = 0; i < NSPECIAL; i++)
            if (raw_unsigned(out, t, i) != want_unsigned[k][i])
                fail_msg("%s %.17g -> %s: got %llu, want %llu", td_dtype_name(src_dtype), special_f64[i],
                         td_dtype_name(t), (unsigned long long)raw_unsigned(out, t, i),
                         (unsigned long long)want_unsigned[k][i]);
    }
}

static void test_float_to_int_specials(void **state)
{
    (void)state;
    check_specials(TD_FLOAT64, special_f64, special_signed_from_float64, special_unsigned_from_float64);
    float f32[NSPECIAL];
    for (int i = 0; i < NSPECIAL; i++)
        f32[i] = (float)special_f64[i];
    check_specials(TD_FLOAT32, f32, special_signed_from_float32, special_unsigned_from_float32);
}

/* The same values one at a time (nd_convert with n = 1, as nd_set_f64 and
 * nd_get_i64 use it) give the same answers as whole arrays. */
static void test_float_to_int_one_by_one(void **state)
{
    (void)state;
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < NSPECIAL; i++) {
            char out[8];
            nd_convert(out, signed_targets[k], &special_f64[i], TD_FLOAT64, 1);
            assert_int_equal(raw_signed(out, signed_targets[k], 0), special_signed_from_float64[k][i]);
        }
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < NSPECIAL; i++) {
            char out[8];
            nd_convert(out, unsigned_targets[k], &special_f64[i], TD_FLOAT64, 1);
            assert_true(raw_unsigned(out, unsigned_targets[k], 0) == special_unsigned_from_float64[k][i]);
        }
}

static void test_int_wraps(void **state)
{
    (void)state;
    char out[NWRAP * 8];
    static const td_dtype st[4] = {TD_INT8, TD_INT16, TD_INT32, TD_INT64};
    for (int k = 0; k < 4; k++) {
        nd_convert(out, st[k], wrap_src, TD_INT64, NWRAP);
        for (int i = 0; i < NWRAP; i++)
            if (raw_signed(out, st[k], i) != wrap_signed[k][i])
                fail_msg("int64 %lld -> %s: got %lld, want %lld", (long long)wrap_src[i],
                         td_dtype_name(st[k]), (long long)raw_signed(out, st[k], i),
                         (long long)wrap_signed[k][i]);
        nd_convert(out, unsigned_targets[k], wrap_src, TD_INT64, NWRAP);
        for (int i = 0; i < NWRAP; i++)
            if (raw_unsigned(out, unsigned_targets[k], i) != wrap_unsigned[k][i])
                fail_msg("int64 %lld -> %s: got %llu, want %llu", (long long)wrap_src[i],
                         td_dtype_name(unsigned_targets[k]),
                         (unsigned long long)raw_unsigned(out, unsigned_targets[k], i),
                         (unsigned long long)wrap_unsigned[k][i]);
        nd_convert(out, st[k], wrapu_src, TD_UINT64, NWRAPU);
        for (int i = 0; i < NWRAPU; i++)
            if (raw_signed(out, st[k], i) != wrapu_signed[k][i])
                fail_msg("uint64 %llu -> %s: got %lld, want %lld", (unsigned long long)wrapu_src[i],
                         td_dtype_name(st[k]), (long long)raw_signed(out, st[k], i),
                         (long long)wrapu_signed[k][i]);
    }
    /* Narrow to wide keeps the value: int8 -1 is uint16 65535 and int32 -1. */
    int8_t m1 = -1;
    uint16_t u16;
    int32_t i32;
    nd_convert(&u16, TD_UINT16, &m1, TD_INT8, 1);
    nd_convert(&i32, TD_INT32, &m1, TD_INT8, 1);
    assert_int_equal(u16, 65535);
    assert_int_equal(i32, -1);
    uint32_t big = 4000000000u;
    int64_t i64;
    nd_convert(&i64, TD_INT64, &big, TD_UINT32, 1);
    assert_int_equal(i64, 4000000000LL);
}

static void test_int_to_float_rounding(void **state)
{
    (void)state;
    float f[NROUND > NROUNDU ? NROUND : NROUNDU];
    double d[NROUND > NROUNDU ? NROUND : NROUNDU];
    nd_convert(f, TD_FLOAT32, round_src, TD_INT64, NROUND);
    nd_convert(d, TD_FLOAT64, round_src, TD_INT64, NROUND);
    for (int i = 0; i < NROUND; i++) {
        if (f[i] != round_f32[i] || d[i] != round_f64[i])
            fail_msg("int64 %lld: got %.9g / %.17g", (long long)round_src[i], f[i], d[i]);
    }
    nd_convert(f, TD_FLOAT32, roundu_src, TD_UINT64, NROUNDU);
    nd_convert(d, TD_FLOAT64, roundu_src, TD_UINT64, NROUNDU);
    for (int i = 0; i < NROUNDU; i++) {
        if (f[i] != roundu_f32[i] || d[i] != roundu_f64[i])
            fail_msg("uint64 %llu: got %.9g / %.17g", (unsigned long long)roundu_src[i], f[i], d[i]);
    }
}

static void test_float64_to_float32(void **state)
{
    (void)state;
    float f[NNARROW];
    nd_convert(f, TD_FLOAT32, narrow_src, TD_FLOAT64, NNARROW);
    for (int i = 0; i < NNARROW; i++) {
        if (isnan(narrow_want[i])) {
            assert_true(isnan(f[i]));
            continue;
        }
        if (f[i] != narrow_want[i] || signbit(f[i]) != signbit(narrow_want[i]))
            fail_msg("%.17g: got %.9g, want %.9g", narrow_src[i], f[i], narrow_want[i]);
    }
    /* float32 -> float64 is exact. */
    float x = 0.1f;
    double y;
    nd_convert(&y, TD_FLOAT64, &x, TD_FLOAT32, 1);
    assert_true(y == (double)0.1f);
    assert_true(y != 0.1);
}

static void test_to_and_from_bool(void **state)
{
    (void)state;
    /* Anything nonzero is True, NaN included; -0.0 is zero. */
    static const double f[] = {0.0, -0.0, NAN, 0.5, -1e-300, INFINITY, 5e-324, 2.0};
    static const uint8_t fwant[] = {0, 0, 1, 1, 1, 1, 1, 1};
    uint8_t b[32];
    nd_convert(b, TD_BOOL, f, TD_FLOAT64, 8);
    assert_memory_equal(b, fwant, 8);
    float f32[8];
    for (int i = 0; i < 8; i++)
        f32[i] = (float)f[i];
    nd_convert(b, TD_BOOL, f32, TD_FLOAT32, 8);
    static const uint8_t f32want[] = {0, 0, 1, 1,
                                      0, 1, 0, 1}; /* -1e-300 and 5e-324 underflow to 0 in float32 */
    assert_memory_equal(b, f32want, 8);
    static const int64_t iv[] = {0, 1, -1, 256, INT64_MIN, 65536};
    static const uint8_t iwant[] = {0, 1, 1, 1, 1, 1};
    nd_convert(b, TD_BOOL, iv, TD_INT64, 6);
    assert_memory_equal(b, iwant, 6);
    /* int16 256 is True although its low byte is 0. */
    static const int16_t sv[] = {256, 0, -32768};
    nd_convert(b, TD_BOOL, sv, TD_INT16, 3);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 0);
    assert_int_equal(b[2], 1);

    /* bool -> numbers is 0 or 1; numpy also reads a stray byte 2 or 255 as True (1). */
    static const uint8_t bv[] = {0, 1, 2, 255};
    double d[4];
    int32_t i32[4];
    uint64_t u64[4];
    int8_t i8[4];
    nd_convert(d, TD_FLOAT64, bv, TD_BOOL, 4);
    nd_convert(i32, TD_INT32, bv, TD_BOOL, 4);
    nd_convert(u64, TD_UINT64, bv, TD_BOOL, 4);
    nd_convert(i8, TD_INT8, bv, TD_BOOL, 4);
    for (int i = 0; i < 4; i++) {
        int want = i > 0;
        assert_true(d[i] == want);
        assert_int_equal(i32[i], want);
        assert_int_equal(u64[i], want);
        assert_int_equal(i8[i], want);
    }
}

/* Every one of the 121 loops: small values that every dtype holds. */
static void test_every_pair(void **state)
{
    (void)state;
    static const double vals[] = {0, 1, 7,  100, 3, 0,  126, 2,   9, 1,
                                  0, 5, 64, 8,   0, 33, 4,   120, 11}; /* 19: blocks and tail */
    enum { N = sizeof vals / sizeof vals[0] };
    for (int s = 0; s < TD_NDTYPES; s++) {
        char src[N * 8];
        nd_convert(src, (td_dtype)s, vals, TD_FLOAT64, N);
        for (int t = 0; t < TD_NDTYPES; t++) {
            char dst[N * 8];
            double back[N];
            nd_convert(dst, (td_dtype)t, src, (td_dtype)s, N);
            nd_convert(back, TD_FLOAT64, dst, (td_dtype)t, N);
            for (int i = 0; i < N; i++) {
                double want = vals[i];
                if (s == TD_BOOL || t == TD_BOOL)
                    want = vals[i] != 0;
                if (back[i] != want)
                    fail_msg("%s -> %s, element %d: got %g, want %g", td_dtype_name((td_dtype)s),
                             td_dtype_name((td_dtype)t), i, back[i], want);
            }
        }
    }
}

/* ---- astype ------------------------------------------------------------------ */

static void test_astype_same_dtype(void **state)
{
    (void)state;
    td_err err = {0};
    int64_t shape[2] = {2, 3};
    nd_array *a = nd_zeros(TD_INT16, 2, shape, &err);
    CHECK_OK(a, &err);
    nd_array *b = nd_astype(a, TD_INT16, &err);
    CHECK_OK(b, &err);
    assert_ptr_equal(a, b);
    assert_int_equal(a->refcount, 2);
    nd_release(b);
    assert_int_equal(a->refcount, 1);
    nd_release(a);
}

static void test_astype_small(void **state)
{
    (void)state;
    td_err err = {0};
    int64_t shape[3] = {2, 2, 2};
    static const double v[8] = {-1.5, 2.7, 300.0, NAN, 65535.9, -0.2, 1e10, 42.0};
    nd_array *a = nd_from_buffer(TD_FLOAT64, 3, shape, v, &err);
    CHECK_OK(a, &err);
    nd_array *b = nd_astype(a, TD_UINT8, &err);
    CHECK_OK(b, &err);
    assert_int_equal(b->dtype, TD_UINT8);
    assert_shape(b, 3, shape);
    /* np.array(v).astype(np.uint8) */
    static const uint8_t want[8] = {255, 2, 44, 0, 255, 0, 0, 42};
    assert_memory_equal(b->data, want, 8);
    nd_array *c = nd_astype(b, TD_INT16, &err);
    CHECK_OK(c, &err);
    assert_int_equal(nd_get_i64(c, 0), 255);
    nd_release(c);
    nd_release(b);
    nd_release(a);

    /* Empty arrays and 0-d arrays. */
    int64_t zero[2] = {3, 0};
    a = nd_zeros(TD_FLOAT32, 2, zero, &err);
    CHECK_OK(a, &err);
    b = nd_astype(a, TD_INT64, &err);
    CHECK_OK(b, &err);
    assert_int_equal(b->size, 0);
    assert_shape(b, 2, zero);
    nd_release(b);
    nd_release(a);
    a = nd_scalar_f64(TD_FLOAT64, -7.9, &err);
    CHECK_OK(a, &err);
    b = nd_astype(a, TD_INT32, &err);
    CHECK_OK(b, &err);
    assert_int_equal(b->ndim, 0);
    assert_int_equal(nd_get_i64(b, 0), -7);
    nd_release(b);
    nd_release(a);
}

/* Large arrays go through td_par_for in chunks; the result must equal one
 * serial conversion of the whole buffer. */
static void test_astype_large(void **state)
{
    (void)state;
    td_err err = {0};
    int64_t n = 300007; /* several chunks and a ragged end */
    int64_t shape[2] = {n, 1};
    nd_array *a = nd_new(TD_FLOAT64, 2, shape, &err);
    CHECK_OK(a, &err);
    double *x = a->data;
    for (int64_t i = 0; i < n; i++)
        x[i] = i % 97 == 0 ? NAN : (double)(i - 150000) * 1.37;
    static const td_dtype targets[] = {TD_UINT8,  TD_INT16,   TD_INT32, TD_UINT32,
                                       TD_UINT64, TD_FLOAT32, TD_BOOL};
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
        nd_array *b = nd_astype(a, targets[k], &err);
        CHECK_OK(b, &err);
        assert_shape(b, 2, shape);
        size_t nbytes = (size_t)n * td_dtype_size(targets[k]);
        char *serial = malloc(nbytes);
        assert_non_null(serial);
        nd_convert(serial, targets[k], a->data, TD_FLOAT64, n);
        assert_memory_equal(b->data, serial, nbytes);
        free(serial);
        nd_release(b);
    }
    /* Spot values: int32 of element 150001 (1.37) is 1, of element 0 (NaN) is INT32_MIN. */
    nd_array *b = nd_astype(a, TD_INT32, &err);
    CHECK_OK(b, &err);
    assert_int_equal(nd_get_i64(b, 150001), 1);
    assert_int_equal(nd_get_i64(b, 0), INT32_MIN);
    assert_int_equal(nd_get_i64(b, 1), -205498); /* trunc(-149999 * 1.37) */
    nd_release(b);
    nd_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_sizes_kinds),
        cmocka_unit_test(test_predicates),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_not_understood),
        cmocka_unit_test(test_parse_unsupported),
        cmocka_unit_test(test_parse_big_endian),
        cmocka_unit_test(test_promote_types),
        cmocka_unit_test(test_promote_scalar),
        cmocka_unit_test(test_reduction_dtypes),
        cmocka_unit_test(test_float_to_int_specials),
        cmocka_unit_test(test_float_to_int_one_by_one),
        cmocka_unit_test(test_int_wraps),
        cmocka_unit_test(test_int_to_float_rounding),
        cmocka_unit_test(test_float64_to_float32),
        cmocka_unit_test(test_to_and_from_bool),
        cmocka_unit_test(test_every_pair),
        cmocka_unit_test(test_astype_same_dtype),
        cmocka_unit_test(test_astype_small),
        cmocka_unit_test(test_astype_large),
    };
    return cmocka_run_group_tests_name("dtype", tests, NULL, NULL);
}

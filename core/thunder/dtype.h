/* numpy's dtypes, their names and numpy 1.x's promotion rules. */
#ifndef THUNDER_DTYPE_H
#define THUNDER_DTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ordered as numpy orders its type numbers, which the promotion code relies on. */
typedef enum td_dtype {
    TD_BOOL = 0,
    TD_INT8,
    TD_UINT8,
    TD_INT16,
    TD_UINT16,
    TD_INT32,
    TD_UINT32,
    TD_INT64,
    TD_UINT64,
    TD_FLOAT32,
    TD_FLOAT64
} td_dtype;

#define TD_NDTYPES 11

/* X-macro over every dtype: X(enum, C type, name). Kernels use it to
 * instantiate one loop per dtype. bool is stored as one byte, 0 or 1. */
#define TD_FOR_EACH_DTYPE(X)                                                                                 \
    X(TD_BOOL, uint8_t, bool)                                                                                \
    X(TD_INT8, int8_t, int8)                                                                                 \
    X(TD_UINT8, uint8_t, uint8)                                                                              \
    X(TD_INT16, int16_t, int16)                                                                              \
    X(TD_UINT16, uint16_t, uint16)                                                                           \
    X(TD_INT32, int32_t, int32)                                                                              \
    X(TD_UINT32, uint32_t, uint32)                                                                           \
    X(TD_INT64, int64_t, int64)                                                                              \
    X(TD_UINT64, uint64_t, uint64)                                                                           \
    X(TD_FLOAT32, float, float32)                                                                            \
    X(TD_FLOAT64, double, float64)

size_t td_dtype_size(td_dtype t);

/* numpy's name: "bool", "int8", ..., "float64". */
const char *td_dtype_name(td_dtype t);

/* Parses a numpy dtype spelling: the names above, "float", "int", "uint",
 * "double", "single", array-protocol strings such as "<i2", "|u1", "f8",
 * and "bool_". Returns -1 with a TypeError naming the text when it is not
 * a supported dtype (numpy: "data type 'float99' not understood"). */
int td_dtype_parse(const char *text, td_dtype *out, td_err *err);

/* The kind letter numpy uses: 'b', 'i', 'u' or 'f'. */
char td_dtype_kind(td_dtype t);

bool td_dtype_is_bool(td_dtype t);
bool td_dtype_is_int(td_dtype t);      /* signed or unsigned integer, not bool */
bool td_dtype_is_signed(td_dtype t);   /* signed integer */
bool td_dtype_is_unsigned(td_dtype t); /* unsigned integer */
bool td_dtype_is_float(td_dtype t);

/* np.promote_types(a, b). Where numpy would answer float16 (which thunder
 * does not have), the answer is float32. */
td_dtype td_promote(td_dtype a, td_dtype b);

/* The Python scalar an operand may be, for numpy 1.x value-based casting. */
typedef enum td_scalar_kind { TD_SCALAR_BOOL, TD_SCALAR_INT, TD_SCALAR_FLOAT } td_scalar_kind;

/* np.result_type(array_of_dtype_a, python_scalar) under numpy 1.24's
 * value-based rules: e.g. int16 array with 100 -> int16, uint8 with 300 ->
 * uint16, int8 with 1.5 -> float64 (a float scalar outranks an integer
 * array, and counts as float64). ival is
 * used for TD_SCALAR_INT/BOOL, fval for TD_SCALAR_FLOAT. */
td_dtype td_promote_scalar(td_dtype a, td_scalar_kind kind, int64_t ival, double fval);

/* Result dtypes of numpy reductions over an array of dtype t. */
td_dtype td_sum_dtype(td_dtype t);  /* bool/signed -> int64, unsigned -> uint64, floats keep */
td_dtype td_mean_dtype(td_dtype t); /* integers and bool -> float64, floats keep (also var/std) */

/* Result dtype of true division (np.true_divide) for operands that promote
 * to `promoted`: integers and bool -> float64, floats keep. */
td_dtype td_truediv_dtype(td_dtype promoted);

#ifdef __cplusplus
}
#endif
#endif

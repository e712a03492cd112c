/* n-dimensional, C-contiguous, immutable arrays with numpy's dtypes.
 *
 * Ownership: a function returning nd_array* gives the caller one reference,
 * released with nd_release; arguments are borrowed. An array is written
 * only by the function that created it, before it returns it; after that
 * it is never changed, so views and threads may share it freely. */
#ifndef THUNDER_ND_H
#define THUNDER_ND_H

#include <stdbool.h>
#include <stdint.h>

#include "dtype.h"
#include "error.h"
#include "mem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ND_MAXDIM 32

typedef struct nd_array {
    int refcount; /* atomic */
    td_dtype dtype;
    int ndim;
    int64_t shape[ND_MAXDIM];
    int64_t size; /* product of shape; 1 for ndim 0 */
    void *data;   /* C-contiguous, inside buf */
    td_buf *buf;
} nd_array;

/* New array, contents uninitialised (nd_zeros: zero). ndim 0 is a scalar. */
nd_array *nd_new(td_dtype dtype, int ndim, const int64_t *shape, td_err *err);
nd_array *nd_zeros(td_dtype dtype, int ndim, const int64_t *shape, td_err *err);
nd_array *nd_full_f64(td_dtype dtype, int ndim, const int64_t *shape, double value, td_err *err);
nd_array *nd_scalar_f64(td_dtype dtype, double value, td_err *err);
nd_array *nd_scalar_i64(td_dtype dtype, int64_t value, td_err *err);
/* A new array holding a copy of the elements at src. */
nd_array *nd_from_buffer(td_dtype dtype, int ndim, const int64_t *shape, const void *src, td_err *err);
/* np.arange(n) as dtype. */
nd_array *nd_arange(td_dtype dtype, int64_t n, td_err *err);

nd_array *nd_retain(nd_array *a);
void nd_release(nd_array *a);

/* A view sharing a's memory: elements [offset, offset + prod(shape)) of a's
 * flat order, with a new shape. */
nd_array *nd_view(const nd_array *a, int64_t offset, int ndim, const int64_t *shape, td_err *err);
/* Copies a box of count[k] elements along each axis k from src, starting
 * at sstart, into dst, starting at dstart. Both C-contiguous, with the
 * same ndim and dtype; the box must lie inside both. */
void nd_copy_box(nd_array *dst, const int64_t *dstart, const nd_array *src, const int64_t *sstart,
                 const int64_t *count);
/* Same data, new shape (numpy reshape; one dimension may be -1). */
nd_array *nd_reshape(const nd_array *a, int ndim, const int64_t *shape, td_err *err);
/* Drops axes of length 1 (all of them when axis < 0). */
nd_array *nd_squeeze(const nd_array *a, int axis, td_err *err);
nd_array *nd_copy(const nd_array *a, td_err *err);

size_t nd_itemsize(const nd_array *a);
size_t nd_nbytes(const nd_array *a);
bool nd_same_shape(const nd_array *a, const nd_array *b);
/* "(2, 3, 4)" as numpy prints a shape, into buf. */
const char *nd_shape_str(int ndim, const int64_t *shape, char *buf, size_t len);

/* Element i (flat, C order) converted to double / int64 (floats truncate
 * as in astype). */
double nd_get_f64(const nd_array *a, int64_t i);
int64_t nd_get_i64(const nd_array *a, int64_t i);
/* Stores v into element i of an array the caller is still building, with
 * astype's conversion rules. */
void nd_set_f64(nd_array *a, int64_t i, double v);
void nd_set_i64(nd_array *a, int64_t i, int64_t v);

/* astype with numpy's 'unsafe' casting. Floats to integers truncate toward
 * zero; NaN, infinities and values outside the target's range give what
 * numpy gives on x86-64 (see docs/dtypes.md), with no C undefined behaviour.
 * Returns a new reference to a itself when the dtype already matches. */
nd_array *nd_astype(const nd_array *a, td_dtype dtype, td_err *err);
/* Converts n elements between raw buffers with the same rules. */
void nd_convert(void *dst, td_dtype dt, const void *src, td_dtype st, int64_t n);

/* Element-wise arithmetic with numpy broadcasting and promotion. */
typedef enum nd_binop {
    ND_ADD,
    ND_SUB,
    ND_MUL,
    ND_TRUEDIV,  /* / */
    ND_FLOORDIV, /* // */
    ND_MOD,      /* % with Python's sign rule, as numpy */
    ND_POW,      /* ** */
    ND_EQ,
    ND_NE,
    ND_LT,
    ND_LE,
    ND_GT,
    ND_GE,
    ND_AND, /* & on bool/int */
    ND_OR,  /* | */
    ND_XOR, /* ^ */
    ND_MAXIMUM,
    ND_MINIMUM
} nd_binop;

nd_array *nd_binary(nd_binop op, const nd_array *a, const nd_array *b, td_err *err);
/* With a Python scalar on one side (scalar_left: scalar op a), using
 * value-based casting (td_promote_scalar). */
nd_array *nd_binary_scalar(nd_binop op, const nd_array *a, td_scalar_kind kind, int64_t ival, double fval,
                           bool scalar_left, td_err *err);

typedef enum nd_unop {
    ND_NEG,
    ND_POS,
    ND_ABS,
    ND_NOT, /* logical not -> bool */
    ND_INVERT,
    ND_SQRT,
    ND_EXP,
    ND_LOG,
    ND_LOG10,
    ND_LOG2,
    ND_SIN,
    ND_COS,
    ND_TAN,
    ND_FLOOR,
    ND_CEIL,
    ND_ROUND, /* round half to even, as np.round */
    ND_ISNAN,
    ND_ISINF,
    ND_ISFINITE,
    ND_SIGN,
    ND_SQUARE
} nd_unop;

nd_array *nd_unary(nd_unop op, const nd_array *a, td_err *err);

/* Reductions, numpy's semantics and result dtypes. axis ND_ALL reduces
 * everything to a 0-d array; otherwise one axis (negative counts from the
 * end) is removed, or kept with length 1 when keepdims. var/std take ddof. */
#define ND_ALL (-1000)
typedef enum nd_redop {
    ND_RSUM,
    ND_RPROD,
    ND_RMEAN,
    ND_RVAR,
    ND_RSTD,
    ND_RMAX,
    ND_RMIN,
    ND_RARGMAX,
    ND_RARGMIN,
    ND_RANY,
    ND_RALL,
    ND_RMEDIAN
} nd_redop;

nd_array *nd_reduce(nd_redop op, const nd_array *a, int axis, bool keepdims, int ddof, td_err *err);

/* np.percentile with linear interpolation, q in [0, 100]. */
nd_array *nd_percentile(const nd_array *a, double q, int axis, bool keepdims, td_err *err);

/* General transpose (axes is a permutation; NULL reverses). */
nd_array *nd_transpose(const nd_array *a, const int *axes, td_err *err);

/* numpy basic and simple advanced indexing. Each entry of idx applies to the
 * next axis: an integer removes the axis (negative counts from the end), a
 * slice keeps it, a list of integers selects along it, a new axis inserts
 * one. Axes beyond nidx are kept whole. */
typedef enum nd_idxkind { ND_IDX_INT, ND_IDX_SLICE, ND_IDX_LIST, ND_IDX_NEWAXIS } nd_idxkind;
typedef struct nd_index {
    nd_idxkind kind;
    int64_t i;                 /* ND_IDX_INT */
    int64_t start, stop, step; /* ND_IDX_SLICE, as written (Python rules apply) */
    bool has_start, has_stop;  /* false: the default for the step's sign */
    const int64_t *list;       /* ND_IDX_LIST */
    int64_t nlist;
} nd_index;

nd_array *nd_index_get(const nd_array *a, int nidx, const nd_index *idx, td_err *err);
/* Python slice normalisation: the number of elements selected from an axis
 * of length n, with *first the first position. */
int64_t nd_slice_resolve(const nd_index *s, int64_t n, int64_t *first);

/* np.concatenate along axis, np.stack along a new axis. */
nd_array *nd_concatenate(int n, nd_array *const *arrays, int axis, td_err *err);
nd_array *nd_stack(int n, nd_array *const *arrays, int axis, td_err *err);

/* np.allclose / np.array_equal. */
bool nd_allclose(const nd_array *a, const nd_array *b, double rtol, double atol, bool equal_nan);

#ifdef __cplusplus
}
#endif
#endif

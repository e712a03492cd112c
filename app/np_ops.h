/* numpy operations at the level of language values, shared by the np
 * namespace (m_np.c) and the ndarray methods (m_ndarray.c).
 *
 * Ownership as everywhere in app/: returned values are the caller's
 * reference, arguments are borrowed. Results that numpy gives as scalars
 * (ufuncs and reductions that end 0-d) come back as numpy scalars. */
#ifndef THUNDER_NP_OPS_H
#define THUNDER_NP_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "registry.h"
#include "value.h"

/* Takes over a: a 0-d array becomes a numpy scalar, anything else an
 * ndarray; NULL passes through (the error is already set). */
value *np_wrap(nd_array *a);
/* Takes over a as an ndarray value, even 0-d (np.array(5)); NULL passes through. */
value *np_val(nd_array *a);
/* Takes over a as a value of the same kind as `like` (a numpy scalar stays
 * one: np.float64(2).astype(int)); NULL passes through. */
value *np_like(const value *like, nd_array *a);
/* The array inside a V_ARRAY value (borrowed). */
nd_array *np_arr(const value *v);

/* The elements as a 1-D array (a view: arrays are contiguous). */
nd_array *np_flatten(const nd_array *a, td_err *err);
/* a's shape as a tuple of ints. */
value *np_shape_tuple(const nd_array *a);

/* Normalises an axis against ndim (negative counts from the end), with
 * numpy's AxisError message. */
int np_axis_norm(int64_t axis, int ndim, int *out, td_err *err);
/* An int, or a list/tuple of ints (one level; a single nested sequence is
 * unpacked, as reshape(*shape) accepts reshape((2, 3))). */
int np_ints(const value *v, int64_t *out, int max, int *n, td_err *err);

/* The bound argument of the parameter called name, or NULL when the
 * function has no such parameter. */
value *np_named(const call_args *a, const char *name);

/* A reduction function or method: the operation from the registry name
 * (sum, prod, mean, var, std, max/amax, min/amin, argmax, argmin, any,
 * all, median, nanmean, nanmax, nanmin, nansum) and axis, dtype, ddof and
 * keepdims from the arguments of those names. */
value *np_reduce_call(const call_args *a, const nd_array *x, td_err *err);

/* Reductions: axis None, an int or a tuple of ints. */
value *np_reduce(nd_redop op, const nd_array *a, const value *axis, bool keepdims, int ddof, td_err *err);
/* np.percentile: q a number or a sequence of numbers. */
value *np_percentile(const nd_array *a, const value *q, const value *axis, bool keepdims, td_err *err);
/* nanmean / nanmax / nanmin / nansum over floats; integer inputs reduce normally. */
value *np_nanreduce(nd_redop op, const nd_array *a, const value *axis, bool keepdims, td_err *err);

/* Element-wise with numpy 1.24's rules for Python and numpy scalars
 * (value-based casting against arrays of the same kind). */
value *np_binop(nd_binop op, const value *a, const value *b, td_err *err);
/* The same on arrays, where a 0-d array counts as a scalar. */
nd_array *np_binary_arrays(nd_binop op, const nd_array *x, const nd_array *y, td_err *err);
/* numpy's result_type of x and y under those rules (np.where's dtype). */
td_dtype np_result_dtype(const nd_array *x, const nd_array *y);
value *np_unop(nd_unop op, const nd_array *a, td_err *err);
value *np_round(const nd_array *a, int64_t decimals, td_err *err);
/* np.clip; lo or hi may be None, not both. */
value *np_clip(const value *a, const value *lo, const value *hi, td_err *err);

value *np_cumsum(const nd_array *a, const value *axis, td_err *err);
/* np.sort / np.argsort along an axis (None: flattened). Stable for ties. */
value *np_sort(const nd_array *a, const value *axis, bool arg, td_err *err);
/* np.unique: the sorted distinct values, then optionally the index of each
 * one's first occurrence, the inverse mapping and the counts (a tuple when
 * any of those is asked for). NaNs count as one value. */
value *np_unique(const nd_array *a, bool return_index, bool return_inverse, bool return_counts, td_err *err);
value *np_dot(const nd_array *a, const nd_array *b, td_err *err);
/* axes: None (reverse) or a sequence of ints, as numpy's transpose. */
value *np_transpose(const nd_array *a, const value *axes, td_err *err);
/* axis: None, an int or a tuple of ints. */
value *np_squeeze(const nd_array *a, const value *axis, td_err *err);
value *np_nonzero(const nd_array *a, td_err *err);
value *np_reshape(const nd_array *a, const value *shape, td_err *err);

/* numpy's global generator (np.random.seed, rand), locked until
 * np_random_release: for Thunder methods that draw from it (Images.sample). */
td_rng *np_random_acquire(void);
void np_random_release(void);

/* Python scalar of element i (bool, int or float), as item()/tolist(). */
value *np_item_at(const nd_array *a, int64_t i);
value *np_tolist(const nd_array *a);

/* np.broadcast_to as a contiguous copy (or a new reference when the shape
 * already matches). */
nd_array *np_broadcast_to(const nd_array *a, int ndim, const int64_t *shape, td_err *err);
/* The broadcast shape of n arrays, with numpy's error message. */
int np_broadcast_shape(int n, const nd_array *const *arrs, int *ndim, int64_t *shape, td_err *err);

#endif

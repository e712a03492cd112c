/* Attributes and methods of ndarray values (and numpy scalars, which share
 * them). Arrays are immutable here, so sort() returns a sorted copy where
 * numpy would sort in place. */
#include <string.h>

#include "np_ops.h"
#include "registry.h"

/* clang-format off */
/* clang-format on */

static nd_array *self_arr(call_args *a)
{
    return np_arr(a->self);
}

/* ---- attributes ---------------------------------------------------------------- */

static value *nda_shape(call_args *a, td_err *err)
{
    return np_shape_tuple(self_arr(a));
}

static value *nda_ndim(call_args *a, td_err *err)
{
    return val_int(self_arr(a)->ndim);
}

static value *nda_size(call_args *a, td_err *err)
{
    return val_int(self_arr(a)->size);
}

static value *nda_dtype(call_args *a, td_err *err)
{
    return val_dtype(self_arr(a)->dtype);
}

static value *nda_nbytes(call_args *a, td_err *err)
{
    return val_int((int64_t)nd_nbytes(self_arr(a)));
}

static value *nda_itemsize(call_args *a, td_err *err)
{
    return val_int((int64_t)nd_itemsize(self_arr(a)));
}

static value *nda_T(call_args *a, td_err *err)
{
    nd_array *t = nd_transpose(self_arr(a), NULL, err);
    if (!t)
        return NULL;
    return np_like(a->self, t);
}

/* ---- methods ------------------------------------------------------------------------ */

static value *nda_reduce(call_args *a, td_err *err)
{
    return np_reduce_call(a, self_arr(a), err);
}

static value *nda_reshape(call_args *a, td_err *err)
{
    if (a->v[0]->u.seq.n == 0) {
        td_err_set(err, TD_ETYPE, "reshape() takes exactly 1 argument (0 given)");
        return NULL;
    }
    return np_reshape(self_arr(a), a->v[0], err);
}

static value *nda_astype(call_args *a, td_err *err)
{
    nd_array *r = nd_astype(self_arr(a), a->v[0]->u.dtype, err);
    if (!r)
        return NULL;
    return np_like(a->self, r);
}

static value *nda_flatten(call_args *a, td_err *err)
{
    return np_val(np_flatten(self_arr(a), err));
}

static value *nda_copy(call_args *a, td_err *err)
{
    nd_array *r = nd_copy(self_arr(a), err);
    if (!r)
        return NULL;
    return np_like(a->self, r);
}

static value *nda_squeeze(call_args *a, td_err *err)
{
    return np_squeeze(self_arr(a), a->v[0], err);
}

static value *nda_transpose(call_args *a, td_err *err)
{
    value *axes = a->v[0];
    /* x.transpose(None) is the reversal, as x.transpose() */
    if (axes->u.seq.n == 1 && axes->u.seq.items[0]->kind == V_NONE)
        axes = axes->u.seq.items[0];
    return np_transpose(self_arr(a), axes, err);
}

static value *nda_swapaxes(call_args *a, td_err *err)
{
    nd_array *x = self_arr(a);
    int i, j, perm[ND_MAXDIM];
    if (np_axis_norm(a->v[0]->u.i, x->ndim, &i, err) < 0 || np_axis_norm(a->v[1]->u.i, x->ndim, &j, err) < 0)
        return NULL;
    for (int d = 0; d < x->ndim; d++)
        perm[d] = d == i ? j : d == j ? i : d;
    return np_val(nd_transpose(x, perm, err));
}

static value *nda_tolist(call_args *a, td_err *err)
{
    return np_tolist(self_arr(a));
}

/* item(): the only element; item(i): flat index i; item(i, j, ...): one per axis. */
static value *nda_item(call_args *a, td_err *err)
{
    nd_array *x = self_arr(a);
    int64_t idx[ND_MAXDIM];
    int n = 0;
    if (a->v[0]->u.seq.n > 0 && np_ints(a->v[0], idx, ND_MAXDIM, &n, err) < 0)
        return NULL;
    if (n == 0) {
        if (x->size != 1) {
            td_err_set(err, TD_EVALUE, "can only convert an array of size 1 to a Python scalar");
            return NULL;
        }
        return np_item_at(x, 0);
    }
    int64_t flat = 0;
    if (n == 1) {
        flat = idx[0] < 0 ? idx[0] + x->size : idx[0];
        if (flat < 0 || flat >= x->size) {
            td_err_set(err, TD_EINDEX, "index %lld is out of bounds for size %lld", (long long)idx[0],
                       (long long)x->size);
            return NULL;
        }
        return np_item_at(x, flat);
    }
    if (n != x->ndim) {
        td_err_set(err, TD_EVALUE, "incorrect number of indices for array");
        return NULL;
    }
    for (int d = 0; d < n; d++) {
        int64_t i = idx[d] < 0 ? idx[d] + x->shape[d] : idx[d];
        if (i < 0 || i >= x->shape[d]) {
            td_err_set(err, TD_EINDEX, "index %lld is out of bounds for axis %d with size %lld",
                       (long long)idx[d], d, (long long)x->shape[d]);
            return NULL;
        }
        flat = flat * x->shape[d] + i;
    }
    return np_item_at(x, flat);
}

static value *nda_clip(call_args *a, td_err *err)
{
    return np_clip(a->self, a->v[0], a->v[1], err);
}

static value *nda_round(call_args *a, td_err *err)
{
    return np_round(self_arr(a), a->v[0]->u.i, err);
}

static value *nda_cumsum(call_args *a, td_err *err)
{
    return np_cumsum(self_arr(a), a->v[0], err);
}

static value *nda_sort(call_args *a, td_err *err)
{
    return np_sort(self_arr(a), a->v[0], false, err);
}

static value *nda_argsort(call_args *a, td_err *err)
{
    return np_sort(self_arr(a), a->v[0], true, err);
}

static value *nda_dot(call_args *a, td_err *err)
{
    return np_dot(self_arr(a), np_arr(a->v[0]), err);
}

static value *nda_nonzero(call_args *a, td_err *err)
{
    return np_nonzero(self_arr(a), err);
}

/* clang-format off */
#define AXIS P("axis", PT_ANY, "None")
#define KEEP P("keepdims", PT_BOOL, "False")
#define DTYPE P("dtype", PT_DTYPE, "None")
#define PROP(name, fn, doc) {name, fn, doc, REG_PROPERTY, {END}}

static const reg_func ndarray_funcs[] = {
    PROP("shape", nda_shape, "The length of each axis, as a tuple."),
    PROP("ndim", nda_ndim, "The number of axes."),
    PROP("size", nda_size, "The number of elements."),
    PROP("dtype", nda_dtype, "The element type."),
    PROP("T", nda_T, "The transposed array (axes reversed)."),
    PROP("nbytes", nda_nbytes, "Bytes taken by the elements."),
    PROP("itemsize", nda_itemsize, "Bytes per element."),

    {"mean", nda_reduce, "Arithmetic mean (over an axis, or all).", 0, {AXIS, DTYPE, KEEP, END}},
    {"sum", nda_reduce, "Sum of the elements (over an axis, or all).", 0, {AXIS, DTYPE, KEEP, END}},
    {"prod", nda_reduce, "Product of the elements (over an axis, or all).", 0, {AXIS, DTYPE, KEEP, END}},
    {"std", nda_reduce, "Standard deviation (ddof 0 unless given).", 0,
     {AXIS, DTYPE, P("ddof", PT_INT, "0"), KEEP, END}},
    {"var", nda_reduce, "Variance (ddof 0 unless given).", 0,
     {AXIS, DTYPE, P("ddof", PT_INT, "0"), KEEP, END}},
    {"max", nda_reduce, "Maximum (over an axis, or all).", 0, {AXIS, KEEP, END}},
    {"min", nda_reduce, "Minimum (over an axis, or all).", 0, {AXIS, KEEP, END}},
    {"argmax", nda_reduce, "Index of the maximum (flattened when axis is None).", 0, {AXIS, KEEP, END}},
    {"argmin", nda_reduce, "Index of the minimum (flattened when axis is None).", 0, {AXIS, KEEP, END}},
    {"any", nda_reduce, "Whether any element is true.", 0, {AXIS, KEEP, END}},
    {"all", nda_reduce, "Whether every element is true.", 0, {AXIS, KEEP, END}},

    {"reshape", nda_reshape, "The same data in a new shape: reshape(2, 3) or reshape((2, 3)).", REG_VARARGS,
     {P("shape", PT_ANY, "()"), END}},
    {"astype", nda_astype, "A copy cast to dtype (numpy's unsafe casting).", 0,
     {P("dtype", PT_DTYPE, NULL), END}},
    {"flatten", nda_flatten, "The elements as a 1-D array.", 0, {END}},
    {"ravel", nda_flatten, "The elements as a 1-D array.", 0, {END}},
    {"copy", nda_copy, "A copy of the array.", 0, {END}},
    {"squeeze", nda_squeeze, "Remove axes of length one.", 0, {AXIS, END}},
    {"transpose", nda_transpose, "Permute the axes: transpose(1, 0) or transpose((1, 0)); none reverses.",
     REG_VARARGS, {P("axes", PT_ANY, "()"), END}},
    {"swapaxes", nda_swapaxes, "Exchange two axes.", 0,
     {P("axis1", PT_INT, NULL), P("axis2", PT_INT, NULL), END}},
    {"tolist", nda_tolist, "The elements as nested lists of Python numbers.", 0, {END}},
    {"item", nda_item, "One element as a Python number: item(), item(flat_index) or item(i, j, ...).",
     REG_VARARGS, {P("args", PT_ANY, "()"), END}},
    {"clip", nda_clip, "Limit the values to [min, max] (either may be None).", 0,
     {P("min", PT_ANY, "None"), P("max", PT_ANY, "None"), END}},
    {"round", nda_round, "Round to the given number of decimals (half to even).", 0,
     {P("decimals", PT_INT, "0"), END}},
    {"cumsum", nda_cumsum, "Cumulative sum (flattened when axis is None).", 0, {AXIS, END}},
    {"sort", nda_sort, "A sorted copy along an axis (arrays are immutable: numpy sorts in place).", 0,
     {P("axis", PT_ANY, "-1"), END}},
    {"argsort", nda_argsort, "Indices that sort along an axis (stable for ties).", 0,
     {P("axis", PT_ANY, "-1"), END}},
    {"dot", nda_dot, "Dot product with b.", 0, {P("b", PT_ARRAY, NULL), END}},
    {"nonzero", nda_nonzero, "Indices of the non-zero elements, one array per axis.", 0, {END}},
};

/* clang-format on */

const reg_table reg_ndarray = {"ndarray", ndarray_funcs, sizeof ndarray_funcs / sizeof *ndarray_funcs};

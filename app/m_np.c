/* The np namespace: numpy 1.24's array functions, constants and dtype
 * names over core arrays, and np.random on numpy's legacy generator. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "np_ops.h"
#include "registry.h"

/* clang-format off */
/* clang-format on */

static nd_array *arg_arr(call_args *a, int i)
{
    return np_arr(a->v[i]);
}

static bool arg_bool(call_args *a, int i)
{
    return a->v[i]->kind == V_BOOL && a->v[i]->u.b;
}

/* A PT_SHAPE argument (a tuple of ints) as dimensions. */
static int shape_arg(const value *v, int *ndim, int64_t *shape, td_err *err)
{
    if (np_ints(v, shape, ND_MAXDIM, ndim, err) < 0)
        return -1;
    for (int i = 0; i < *ndim; i++)
        if (shape[i] < 0)
            return td_err_set(err, TD_EVALUE, "negative dimensions are not allowed");
    return 0;
}

static td_dtype dtype_or(const value *v, td_dtype def)
{
    return v->kind == V_DTYPE ? v->u.dtype : def;
}

/* Takes over x and casts it when a dtype was given. */
static nd_array *cast_to(nd_array *x, const value *dtype, td_err *err)
{
    if (!x || dtype->kind != V_DTYPE)
        return x;
    nd_array *c = nd_astype(x, dtype->u.dtype, err);
    nd_release(x);
    return c;
}

/* ---- construction -------------------------------------------------------------- */

static nd_array *with_ndmin(nd_array *x, int64_t ndmin, td_err *err)
{
    if (!x || x->ndim >= ndmin)
        return x;
    if (ndmin > ND_MAXDIM) {
        nd_release(x);
        td_err_set(err, TD_EVALUE, "ndmin bigger than allowable number of dimensions NPY_MAXDIMS (=%d)",
                   ND_MAXDIM);
        return NULL;
    }
    int64_t shape[ND_MAXDIM];
    int lead = (int)ndmin - x->ndim;
    for (int i = 0; i < lead; i++)
        shape[i] = 1;
    memcpy(shape + lead, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    nd_array *r = nd_reshape(x, (int)ndmin, shape, err);
    nd_release(x);
    return r;
}

/* np.array / np.asarray: arrays are immutable, so neither needs to copy. */
static value *np_array(call_args *a, td_err *err)
{
    nd_array *x = cast_to(val_to_array(a->v[0], err), a->v[1], err);
    value *ndmin = np_named(a, "ndmin");
    if (ndmin)
        x = with_ndmin(x, ndmin->u.i, err);
    return np_val(x);
}

/* arange's bounds, as Python floats when any of them is one, else as ints. */
typedef struct range_args {
    bool isf;
    double fstart, fstop, fstep;
    int64_t istart, istop, istep;
} range_args;

/* The number of values, computed as numpy does: ceil((stop - start) / step). */
static int arange_length(const range_args *r, int64_t *n, td_err *err)
{
    if (r->isf) {
        if (r->fstep == 0)
            return td_err_set(err, TD_EZERODIV, "float division by zero");
        double len = (r->fstop - r->fstart) / r->fstep;
        if (len == 0 && r->fstop != r->fstart) { /* underflow: one value, or none going the wrong way */
            *n = signbit(len) ? 0 : 1;
            return 0;
        }
        if (isnan(len))
            return td_err_set(err, TD_EVALUE, "arange: cannot compute length");
        len = ceil(len);
        if (len >= 9.2e18)
            return td_err_set(err, TD_EVALUE, "Maximum allowed size exceeded");
        *n = len <= 0 ? 0 : (int64_t)len;
        return 0;
    }
    if (r->istep == 0)
        return td_err_set(err, TD_EZERODIV, "division by zero");
    int64_t d;
    if (__builtin_sub_overflow(r->istop, r->istart, &d))
        return td_err_set(err, TD_EVALUE, "Maximum allowed size exceeded");
    *n = d / r->istep;
    if (d % r->istep != 0 && (d < 0) == (r->istep < 0))
        ++*n; /* round the quotient up when it is positive */
    if (*n < 0)
        *n = 0;
    return 0;
}

/* numpy's fill: the first two values are start and start + step in the
 * array's type, the rest first + i * (second - first). Integer arrays of
 * float bounds therefore step by the truncated difference
 * (arange(0.5, 5, 0.5, dtype=int) counts by one). */
static void arange_fill(nd_array *out, const range_args *r)
{
    int64_t n = out->size;
    uint64_t u1 = (uint64_t)r->istart + (uint64_t)r->istep; /* wraps instead of overflowing */
    int64_t i0 = r->istart, i1;
    memcpy(&i1, &u1, sizeof i1);
    double f0 = r->isf ? r->fstart : (double)i0, f1 = r->isf ? r->fstart + r->fstep : (double)i1;
    if (out->dtype == TD_FLOAT32) {
        float b0 = (float)f0, delta = (float)f1 - b0;
        for (int64_t i = 0; i < n; i++)
            ((float *)out->data)[i] = i == 0 ? b0 : b0 + (float)i * delta;
    } else if (out->dtype == TD_FLOAT64) {
        double delta = f1 - f0;
        for (int64_t i = 0; i < n; i++)
            ((double *)out->data)[i] = i == 0 ? f0 : f0 + (double)i * delta;
    } else {
        if (r->isf) {
            nd_convert(&i0, TD_INT64, &f0, TD_FLOAT64, 1);
            nd_convert(&i1, TD_INT64, &f1, TD_FLOAT64, 1);
        }
        uint64_t delta = (uint64_t)i1 - (uint64_t)i0;
        for (int64_t i = 0; i < n; i++) {
            uint64_t u = (uint64_t)i0 + (uint64_t)i * delta;
            memcpy((int64_t *)out->data + i, &u, sizeof u);
        }
    }
}

static value *np_arange(call_args *a, td_err *err)
{
    value *vstart = a->v[0], *vstop = a->v[1], *vstep = a->v[2];
    if (vstop->kind == V_NONE) { /* arange(stop) */
        vstop = vstart;
        vstart = NULL;
    }
    range_args r = {.fstep = 1, .istep = 1};
    r.isf = (vstart && vstart->kind == V_FLOAT) || vstop->kind == V_FLOAT || vstep->kind == V_FLOAT;
    bool has_step = vstep->kind != V_NONE;
    if (r.isf ? (vstart && val_to_double(vstart, &r.fstart, err) < 0) ||
                    val_to_double(vstop, &r.fstop, err) < 0 ||
                    (has_step && val_to_double(vstep, &r.fstep, err) < 0)
              : (vstart && val_to_int(vstart, &r.istart, err) < 0) || val_to_int(vstop, &r.istop, err) < 0 ||
                    (has_step && val_to_int(vstep, &r.istep, err) < 0))
        return NULL;
    int64_t n;
    if (arange_length(&r, &n, err) < 0)
        return NULL;
    td_dtype t = dtype_or(a->v[3], r.isf ? TD_FLOAT64 : TD_INT64);
    if (t == TD_BOOL && n > 2) {
        td_err_set(err, TD_ETYPE,
                   "arange() is only supported for booleans when the result has at most length 2.");
        return NULL;
    }
    nd_array *out = nd_new(td_dtype_is_float(t) ? t : TD_INT64, 1, &n, err);
    if (!out)
        return NULL;
    arange_fill(out, &r);
    return np_val(cast_to(out, a->v[3], err));
}

static value *np_linspace(call_args *a, td_err *err)
{
    double start, stop;
    int64_t num = a->v[2]->u.i;
    bool endpoint = arg_bool(a, 3), retstep = arg_bool(a, 4);
    if (val_to_double(a->v[0], &start, err) < 0 || val_to_double(a->v[1], &stop, err) < 0)
        return NULL;
    if (num < 0) {
        td_err_set(err, TD_EVALUE, "Number of samples, %lld, must be non-negative.", (long long)num);
        return NULL;
    }
    nd_array *r = nd_new(TD_FLOAT64, 1, &num, err);
    if (!r)
        return NULL;
    int64_t div = endpoint ? num - 1 : num;
    double delta = stop - start, step = div > 0 ? delta / (double)div : NAN;
    double *y = r->data;
    for (int64_t i = 0; i < num; i++) {
        /* numpy's order of operations, so the values match bit for bit. */
        double v =
            div > 0 ? (step == 0 ? (double)i / (double)div * delta : (double)i * step) : (double)i * delta;
        y[i] = v + start;
    }
    if (endpoint && num > 1)
        y[num - 1] = stop;
    if (a->v[5]->kind == V_DTYPE && td_dtype_is_int(a->v[5]->u.dtype))
        for (int64_t i = 0; i < num; i++)
            y[i] = floor(y[i]);
    value *out = np_val(cast_to(r, a->v[5], err));
    if (!out || !retstep)
        return out;
    nd_array *s = nd_scalar_f64(TD_FLOAT64, step, err);
    if (!s) {
        val_release(out);
        return NULL;
    }
    value *items[2] = {out, val_npscalar(s)};
    return val_tuple(items, 2);
}

static value *filled(call_args *a, double fill, td_err *err)
{
    int64_t shape[ND_MAXDIM];
    int ndim;
    if (shape_arg(a->v[0], &ndim, shape, err) < 0)
        return NULL;
    td_dtype t = dtype_or(a->v[1], TD_FLOAT64);
    return np_val(fill == 0 ? nd_zeros(t, ndim, shape, err) : nd_full_f64(t, ndim, shape, fill, err));
}

static value *np_zeros(call_args *a, td_err *err)
{
    return filled(a, 0, err);
}

static value *np_ones(call_args *a, td_err *err)
{
    return filled(a, 1, err);
}

/* fill_value (a number or an array) cast to the dtype and broadcast to the shape. */
static value *full_of(int ndim, const int64_t *shape, const value *fill, const value *dtype, td_dtype def,
                      bool def_from_fill, td_err *err)
{
    nd_array *f = val_to_array(fill, err);
    if (!f)
        return NULL;
    td_dtype t = dtype_or(dtype, def_from_fill ? f->dtype : def);
    nd_array *c = nd_astype(f, t, err);
    nd_release(f);
    if (!c)
        return NULL;
    nd_array *r = np_broadcast_to(c, ndim, shape, err);
    nd_release(c);
    return np_val(r);
}

static value *np_full(call_args *a, td_err *err)
{
    int64_t shape[ND_MAXDIM];
    int ndim;
    if (shape_arg(a->v[0], &ndim, shape, err) < 0)
        return NULL;
    return full_of(ndim, shape, a->v[1], a->v[2], TD_FLOAT64, true, err);
}

static value *np_zeros_like(call_args *a, td_err *err)
{
    nd_array *x = arg_arr(a, 0);
    return np_val(nd_zeros(dtype_or(a->v[1], x->dtype), x->ndim, x->shape, err));
}

static value *np_ones_like(call_args *a, td_err *err)
{
    nd_array *x = arg_arr(a, 0);
    return np_val(nd_full_f64(dtype_or(a->v[1], x->dtype), x->ndim, x->shape, 1, err));
}

static value *np_full_like(call_args *a, td_err *err)
{
    nd_array *x = arg_arr(a, 0);
    return full_of(x->ndim, x->shape, a->v[1], a->v[2], x->dtype, false, err);
}

static value *eye(int64_t n, const value *mv, int64_t k, const value *dtype, td_err *err)
{
    int64_t shape[2] = {n, n};
    if (mv && mv->kind != V_NONE && val_to_int(mv, &shape[1], err) < 0)
        return NULL;
    if (shape[0] < 0 || shape[1] < 0) {
        td_err_set(err, TD_EVALUE, "negative dimensions are not allowed");
        return NULL;
    }
    nd_array *r = nd_zeros(dtype_or(dtype, TD_FLOAT64), 2, shape, err);
    if (!r)
        return NULL;
    for (int64_t i = 0; i < shape[0]; i++)
        if (k > -shape[1] && k < shape[1] && i + k >= 0 && i + k < shape[1])
            nd_set_f64(r, i * shape[1] + i + k, 1);
    return np_val(r);
}

static value *np_eye(call_args *a, td_err *err)
{
    return eye(a->v[0]->u.i, a->v[1], a->v[2]->u.i, a->v[3], err);
}

static value *np_identity(call_args *a, td_err *err)
{
    return eye(a->v[0]->u.i, NULL, 0, a->v[1], err);
}

/* ---- shapes ------------------------------------------------------------------------ */

static value *np_reshape_fn(call_args *a, td_err *err)
{
    return np_reshape(arg_arr(a, 0), a->v[1], err);
}

static value *np_ravel(call_args *a, td_err *err)
{
    return np_val(np_flatten(arg_arr(a, 0), err));
}

static value *np_copy(call_args *a, td_err *err)
{
    return np_val(nd_copy(arg_arr(a, 0), err));
}

static value *np_transpose_fn(call_args *a, td_err *err)
{
    return np_transpose(arg_arr(a, 0), a->v[1], err);
}

static value *np_squeeze_fn(call_args *a, td_err *err)
{
    return np_squeeze(arg_arr(a, 0), a->v[1], err);
}

static value *np_expand_dims(call_args *a, td_err *err)
{
    nd_array *x = arg_arr(a, 0);
    int64_t ax[ND_MAXDIM], shape[ND_MAXDIM];
    int n;
    bool ins[ND_MAXDIM] = {false};
    if (np_ints(a->v[1], ax, ND_MAXDIM, &n, err) < 0)
        return NULL;
    int out = x->ndim + n;
    if (out > ND_MAXDIM) {
        td_err_set(err, TD_EVALUE, "too many dimensions: at most %d", ND_MAXDIM);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        int d;
        if (np_axis_norm(ax[i], out, &d, err) < 0)
            return NULL;
        if (ins[d]) {
            td_err_set(err, TD_EVALUE, "repeated axis");
            return NULL;
        }
        ins[d] = true;
    }
    for (int d = 0, j = 0; d < out; d++)
        shape[d] = ins[d] ? 1 : x->shape[j++];
    return np_val(nd_reshape(x, out, shape, err));
}

static value *np_shape(call_args *a, td_err *err)
{
    return np_shape_tuple(arg_arr(a, 0));
}

static value *np_ndim(call_args *a, td_err *err)
{
    return val_int(arg_arr(a, 0)->ndim);
}

static value *np_size(call_args *a, td_err *err)
{
    return val_int(arg_arr(a, 0)->size);
}

/* ---- joining --------------------------------------------------------------------- */

typedef struct array_list {
    nd_array **v;
    int n;
} array_list;

static void array_list_free(array_list *l)
{
    for (int i = 0; i < l->n; i++)
        nd_release(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The arrays of a sequence argument (a list or tuple of array-likes, or an
 * array's rows), cast to their common dtype. */
static int array_list_of(const value *seq, array_list *l, td_err *err)
{
    l->n = 0;
    int64_t n;
    if (seq->kind == V_LIST || seq->kind == V_TUPLE)
        n = seq->u.seq.n;
    else if (seq->kind == V_ARRAY && seq->u.arr.a->ndim > 0)
        n = seq->u.arr.a->shape[0];
    else
        return td_err_set(err, TD_ETYPE, "The first input argument needs to be a sequence");
    if (n == 0)
        return td_err_set(err, TD_EVALUE, "need at least one array to concatenate");
    if (n > INT32_MAX)
        return td_err_set(err, TD_EVALUE, "too many arrays");
    l->v = calloc((size_t)n, sizeof *l->v);
    if (!l->v)
        return td_err_set(err, TD_EMEMORY, "out of memory");
    for (int64_t i = 0; i < n; i++) {
        if (seq->kind == V_ARRAY) {
            const nd_array *s = seq->u.arr.a;
            int64_t row = s->size / (s->shape[0] ? s->shape[0] : 1);
            l->v[i] = nd_view(s, i * row, s->ndim - 1, s->shape + 1, err);
        } else {
            l->v[i] = val_to_array(seq->u.seq.items[i], err);
        }
        if (!l->v[i]) {
            array_list_free(l);
            return -1;
        }
        l->n++;
    }
    td_dtype t = l->v[0]->dtype;
    for (int i = 1; i < l->n; i++)
        t = td_promote(t, l->v[i]->dtype);
    for (int i = 0; i < l->n; i++) {
        nd_array *c = nd_astype(l->v[i], t, err);
        if (!c) {
            array_list_free(l);
            return -1;
        }
        nd_release(l->v[i]);
        l->v[i] = c;
    }
    return 0;
}

/* Reshapes every array to at least nd dimensions as np.atleast_1d / atleast_2d. */
static int array_list_atleast(array_list *l, int nd, td_err *err)
{
    for (int i = 0; i < l->n; i++) {
        nd_array *x = l->v[i];
        if (x->ndim >= nd)
            continue;
        int64_t shape[2] = {1, x->ndim == 1 ? x->shape[0] : 1};
        nd_array *r = nd_reshape(x, nd, nd == 1 ? shape + 1 : shape, err);
        if (!r)
            return -1;
        nd_release(x);
        l->v[i] = r;
    }
    return 0;
}

static value *concat(array_list *l, const value *axisv, td_err *err)
{
    nd_array *r = NULL;
    int64_t ax = 0;
    int axis;
    if (axisv->kind == V_NONE) {
        for (int i = 0; i < l->n; i++) {
            nd_array *f = np_flatten(l->v[i], err);
            if (!f)
                goto end;
            nd_release(l->v[i]);
            l->v[i] = f;
        }
    } else if (val_to_int(axisv, &ax, err) < 0) {
        goto end;
    }
    if (l->v[0]->ndim == 0) {
        td_err_set(err, TD_EVALUE, "zero-dimensional arrays cannot be concatenated");
        goto end;
    }
    if (np_axis_norm(ax, l->v[0]->ndim, &axis, err) == 0)
        r = nd_concatenate(l->n, l->v, axis, err);
end:
    array_list_free(l);
    return np_val(r);
}

static value *np_concatenate(call_args *a, td_err *err)
{
    array_list l;
    if (array_list_of(a->v[0], &l, err) < 0)
        return NULL;
    return concat(&l, a->v[1], err);
}

static value *np_vstack(call_args *a, td_err *err)
{
    array_list l;
    if (array_list_of(a->v[0], &l, err) < 0)
        return NULL;
    if (array_list_atleast(&l, 2, err) < 0) {
        array_list_free(&l);
        return NULL;
    }
    value *zero = val_int(0);
    value *r = concat(&l, zero, err);
    val_release(zero);
    return r;
}

static value *np_hstack(call_args *a, td_err *err)
{
    array_list l;
    if (array_list_of(a->v[0], &l, err) < 0)
        return NULL;
    if (array_list_atleast(&l, 1, err) < 0) {
        array_list_free(&l);
        return NULL;
    }
    value *axis = val_int(l.v[0]->ndim == 1 ? 0 : 1);
    value *r = concat(&l, axis, err);
    val_release(axis);
    return r;
}

static value *np_stack(call_args *a, td_err *err)
{
    array_list l;
    if (array_list_of(a->v[0], &l, err) < 0)
        return NULL;
    nd_array *r = NULL;
    int axis;
    for (int i = 1; i < l.n; i++)
        if (!nd_same_shape(l.v[0], l.v[i])) {
            td_err_set(err, TD_EVALUE, "all input arrays must have the same shape");
            goto end;
        }
    if (np_axis_norm(a->v[1]->u.i, l.v[0]->ndim + 1, &axis, err) == 0)
        r = nd_stack(l.n, l.v, axis, err);
end:
    array_list_free(&l);
    return np_val(r);
}

/* ---- math ------------------------------------------------------------------------- */

static value *np_reduce_fn(call_args *a, td_err *err)
{
    return np_reduce_call(a, arg_arr(a, 0), err);
}

static value *np_percentile_fn(call_args *a, td_err *err)
{
    return np_percentile(arg_arr(a, 0), a->v[1], a->v[2], arg_bool(a, 3), err);
}

static const struct {
    const char *name;
    nd_unop op;
} unary_ops[] = {
    {"abs", ND_ABS},         {"absolute", ND_ABS}, {"negative", ND_NEG}, {"positive", ND_POS},
    {"sqrt", ND_SQRT},       {"exp", ND_EXP},      {"log", ND_LOG},      {"log10", ND_LOG10},
    {"log2", ND_LOG2},       {"sin", ND_SIN},      {"cos", ND_COS},      {"tan", ND_TAN},
    {"floor", ND_FLOOR},     {"ceil", ND_CEIL},    {"rint", ND_ROUND},   {"sign", ND_SIGN},
    {"square", ND_SQUARE},   {"isnan", ND_ISNAN},  {"isinf", ND_ISINF},  {"isfinite", ND_ISFINITE},
    {"logical_not", ND_NOT},
};

static value *np_unary_fn(call_args *a, td_err *err)
{
    for (size_t i = 0; i < sizeof unary_ops / sizeof unary_ops[0]; i++)
        if (!strcmp(unary_ops[i].name, a->fn->name))
            return np_unop(unary_ops[i].op, arg_arr(a, 0), err);
    td_err_set(err, TD_ERUNTIME, "%s is not a unary function", a->fn->name);
    return NULL;
}

static const struct {
    const char *name;
    nd_binop op;
} binary_ops[] = {
    {"add", ND_ADD},
    {"subtract", ND_SUB},
    {"multiply", ND_MUL},
    {"divide", ND_TRUEDIV},
    {"true_divide", ND_TRUEDIV},
    {"floor_divide", ND_FLOORDIV},
    {"mod", ND_MOD},
    {"remainder", ND_MOD},
    {"power", ND_POW},
    {"maximum", ND_MAXIMUM},
    {"minimum", ND_MINIMUM},
    {"equal", ND_EQ},
    {"not_equal", ND_NE},
    {"less", ND_LT},
    {"less_equal", ND_LE},
    {"greater", ND_GT},
    {"greater_equal", ND_GE},
    {"logical_and", ND_AND},
    {"logical_or", ND_OR},
    {"logical_xor", ND_XOR},
};

static value *as_bool(const value *v, td_err *err)
{
    nd_array *x = val_to_array(v, err);
    nd_array *b = x ? nd_astype(x, TD_BOOL, err) : NULL;
    nd_release(x);
    return np_val(b);
}

static value *np_binary_fn(call_args *a, td_err *err)
{
    for (size_t i = 0; i < sizeof binary_ops / sizeof binary_ops[0]; i++) {
        if (strcmp(binary_ops[i].name, a->fn->name))
            continue;
        if (strncmp(a->fn->name, "logical_", 8))
            return np_binop(binary_ops[i].op, a->v[0], a->v[1], err);
        /* logical_*: truth values first, so 2 and 1 are both true */
        value *x = as_bool(a->v[0], err), *y = x ? as_bool(a->v[1], err) : NULL;
        value *r = y ? np_binop(binary_ops[i].op, x, y, err) : NULL;
        if (x)
            val_release(x);
        if (y)
            val_release(y);
        return r;
    }
    td_err_set(err, TD_ERUNTIME, "%s is not a binary function", a->fn->name);
    return NULL;
}

static value *np_round_fn(call_args *a, td_err *err)
{
    return np_round(arg_arr(a, 0), a->v[1]->u.i, err);
}

static value *np_clip_fn(call_args *a, td_err *err)
{
    return np_clip(a->v[0], a->v[1], a->v[2], err);
}

static value *np_where(call_args *a, td_err *err)
{
    value *xv = a->v[1], *yv = a->v[2];
    if ((xv->kind == V_NONE) != (yv->kind == V_NONE)) {
        td_err_set(err, TD_EVALUE, "either both or neither of x and y should be given");
        return NULL;
    }
    if (xv->kind == V_NONE)
        return np_nonzero(arg_arr(a, 0), err);
    nd_array *in[3] = {nd_astype(arg_arr(a, 0), TD_BOOL, err), NULL, NULL};
    nd_array *b[3] = {NULL, NULL, NULL}, *r = NULL;
    in[1] = in[0] ? val_to_array(xv, err) : NULL;
    in[2] = in[1] ? val_to_array(yv, err) : NULL;
    int ndim;
    int64_t shape[ND_MAXDIM];
    if (!in[2] || np_broadcast_shape(3, (const nd_array *const *)in, &ndim, shape, err) < 0)
        goto end;
    td_dtype t = np_result_dtype(in[1], in[2]);
    for (int i = 0; i < 3; i++) {
        nd_array *c = i ? nd_astype(in[i], t, err) : nd_retain(in[i]);
        b[i] = c ? np_broadcast_to(c, ndim, shape, err) : NULL;
        nd_release(c);
        if (!b[i])
            goto end;
    }
    r = nd_new(t, ndim, shape, err);
    if (r) {
        size_t is = td_dtype_size(t);
        const uint8_t *cond = b[0]->data;
        for (int64_t i = 0; i < r->size; i++)
            memcpy((char *)r->data + i * (int64_t)is, (char *)b[cond[i] ? 1 : 2]->data + i * (int64_t)is, is);
    }
end:
    for (int i = 0; i < 3; i++) {
        nd_release(in[i]);
        nd_release(b[i]);
    }
    return np_val(r);
}

/* The rows-are-variables float64 matrix np.cov starts from: x (and y)
 * made 2-D, transposed when rowvar is false, stacked. */
static nd_array *cov_input(const value *xv, const value *yv, bool rowvar, td_err *err)
{
    nd_array *parts[2] = {NULL, NULL}, *r = NULL;
    int np = yv->kind == V_NONE ? 1 : 2;
    for (int i = 0; i < np; i++) {
        nd_array *x = val_to_array(i ? yv : xv, err);
        nd_array *f = x ? nd_astype(x, TD_FLOAT64, err) : NULL;
        nd_release(x);
        if (!f)
            goto end;
        if (f->ndim > 2) {
            nd_release(f);
            td_err_set(err, TD_EVALUE, "%s has more than 2 dimensions", i ? "y" : "m");
            goto end;
        }
        if (f->ndim < 2) {
            int64_t shape[2] = {1, f->size};
            parts[i] = nd_reshape(f, 2, shape, err);
            nd_release(f);
        } else if (!rowvar && f->shape[0] != 1) {
            parts[i] = nd_transpose(f, NULL, err);
            nd_release(f);
        } else {
            parts[i] = f;
        }
        if (!parts[i])
            goto end;
    }
    r = np == 1 ? nd_retain(parts[0]) : nd_concatenate(2, parts, 0, err);
end:
    nd_release(parts[0]);
    nd_release(parts[1]);
    return r;
}

/* np.cov's steps in numpy's order: centre each row on its mean, X X^T,
 * times 1 / (N - ddof). */
static nd_array *cov_matrix(const nd_array *x, int64_t ddof, td_err *err)
{
    int64_t nv = x->shape[0], nobs = x->shape[1];
    nd_array *mean = nd_reduce(ND_RMEAN, x, 1, false, 0, err);
    if (!mean)
        return NULL;
    nd_array *xc = nd_new(TD_FLOAT64, 2, x->shape, err);
    int64_t shape[2] = {nv, nv};
    nd_array *c = xc ? nd_new(TD_FLOAT64, 2, shape, err) : NULL;
    if (c) {
        const double *xd = x->data, *md = mean->data;
        double *cd = xc->data, *out = c->data;
        for (int64_t i = 0; i < nv; i++)
            for (int64_t k = 0; k < nobs; k++)
                cd[i * nobs + k] = xd[i * nobs + k] - md[i];
        /* numpy warns and divides by zero when no degrees of freedom remain */
        double f = 1.0 / (nobs - ddof > 0 ? (double)(nobs - ddof) : 0.0);
        for (int64_t i = 0; i < nv; i++)
            for (int64_t j = 0; j < nv; j++) {
                double s = 0;
                for (int64_t k = 0; k < nobs; k++)
                    s += cd[i * nobs + k] * cd[j * nobs + k];
                out[i * nv + j] = s * f;
            }
    }
    nd_release(mean);
    nd_release(xc);
    return c;
}

static value *np_cov(call_args *a, td_err *err)
{
    int64_t ddof = 1;
    if (a->v[3]->kind != V_NONE && val_to_int(a->v[3], &ddof, err) < 0)
        return NULL;
    nd_array *x = cov_input(a->v[0], a->v[1], arg_bool(a, 2), err);
    if (!x)
        return NULL;
    nd_array *c = cov_matrix(x, ddof, err);
    nd_release(x);
    if (!c)
        return NULL;
    if (c->size > 1)
        return np_val(c);
    /* one variable: numpy squeezes the 1 x 1 matrix to a 0-d array */
    nd_array *r = nd_reshape(c, 0, NULL, err);
    nd_release(c);
    return np_val(r);
}

static value *np_corrcoef(call_args *a, td_err *err)
{
    nd_array *x = cov_input(a->v[0], a->v[1], arg_bool(a, 2), err);
    if (!x)
        return NULL;
    nd_array *c = cov_matrix(x, 1, err);
    nd_release(x);
    if (!c)
        return NULL;
    int64_t nv = c->shape[0];
    double *cd = c->data;
    if (nv == 1) {
        /* numpy's cov gives a 0-d array here and corrcoef returns c / c */
        double v = cd[0] / cd[0];
        nd_release(c);
        return np_wrap(nd_scalar_f64(TD_FLOAT64, v, err));
    }
    double *sd = malloc(sizeof *sd * (size_t)nv);
    if (!sd) {
        nd_release(c);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < nv; i++)
        sd[i] = sqrt(cd[i * nv + i]);
    for (int64_t i = 0; i < nv; i++)
        for (int64_t j = 0; j < nv; j++) {
            double v = cd[i * nv + j] / sd[i] / sd[j];
            cd[i * nv + j] = v > 1 ? 1 : v < -1 ? -1 : v; /* clip, NaN passes */
        }
    free(sd);
    return np_val(c);
}

static value *np_allclose(call_args *a, td_err *err)
{
    nd_array *in[2] = {arg_arr(a, 0), arg_arr(a, 1)}, *x = NULL, *y = NULL;
    double rtol, atol;
    int ndim;
    int64_t shape[ND_MAXDIM];
    value *r = NULL;
    if (val_to_double(a->v[2], &rtol, err) < 0 || val_to_double(a->v[3], &atol, err) < 0 ||
        np_broadcast_shape(2, (const nd_array *const *)in, &ndim, shape, err) < 0)
        return NULL;
    x = np_broadcast_to(in[0], ndim, shape, err);
    y = x ? np_broadcast_to(in[1], ndim, shape, err) : NULL;
    if (y)
        r = val_bool(nd_allclose(x, y, rtol, atol, arg_bool(a, 4)));
    nd_release(x);
    nd_release(y);
    return r;
}

static value *np_array_equal(call_args *a, td_err *err)
{
    nd_array *x = arg_arr(a, 0), *y = arg_arr(a, 1);
    if (!nd_same_shape(x, y))
        return val_bool(false);
    nd_array *eq = nd_binary(ND_EQ, x, y, err);
    if (!eq)
        return NULL;
    bool all = true, equal_nan = arg_bool(a, 2);
    const uint8_t *e = eq->data;
    for (int64_t i = 0; i < eq->size && all; i++)
        all = e[i] || (equal_nan && isnan(nd_get_f64(x, i)) && isnan(nd_get_f64(y, i)));
    nd_release(eq);
    return val_bool(all);
}

static value *np_dot_fn(call_args *a, td_err *err)
{
    return np_dot(arg_arr(a, 0), arg_arr(a, 1), err);
}

static value *np_sort_fn(call_args *a, td_err *err)
{
    return np_sort(arg_arr(a, 0), a->v[1], false, err);
}

static value *np_argsort_fn(call_args *a, td_err *err)
{
    return np_sort(arg_arr(a, 0), a->v[1], true, err);
}

static value *np_unique_fn(call_args *a, td_err *err)
{
    return np_unique(arg_arr(a, 0), arg_bool(a, 1), arg_bool(a, 2), arg_bool(a, 3), err);
}

static value *np_cumsum_fn(call_args *a, td_err *err)
{
    return np_cumsum(arg_arr(a, 0), a->v[1], err);
}

static value *np_nonzero_fn(call_args *a, td_err *err)
{
    return np_nonzero(arg_arr(a, 0), err);
}

static value *np_diff(call_args *a, td_err *err)
{
    nd_array *x = arg_arr(a, 0);
    int64_t n = a->v[1]->u.i, ax = a->v[2]->u.i;
    int axis;
    if (n < 0) {
        td_err_set(err, TD_EVALUE, "order must be non-negative but got %lld", (long long)n);
        return NULL;
    }
    if (x->ndim == 0) {
        td_err_set(err, TD_EVALUE, "diff requires input that is at least one dimensional");
        return NULL;
    }
    if (np_axis_norm(ax, x->ndim, &axis, err) < 0)
        return NULL;
    nd_index idx[ND_MAXDIM];
    for (int d = 0; d <= axis; d++)
        idx[d] = (nd_index){.kind = ND_IDX_SLICE, .step = 1};
    nd_array *cur = nd_retain(x);
    for (int64_t k = 0; k < n && cur; k++) {
        idx[axis] = (nd_index){.kind = ND_IDX_SLICE, .start = 1, .has_start = true, .step = 1};
        nd_array *hi = nd_index_get(cur, axis + 1, idx, err);
        idx[axis] = (nd_index){.kind = ND_IDX_SLICE, .stop = -1, .has_stop = true, .step = 1};
        nd_array *lo = hi ? nd_index_get(cur, axis + 1, idx, err) : NULL;
        /* numpy's diff of booleans is not_equal, as subtract refuses them */
        nd_array *d = lo ? nd_binary(cur->dtype == TD_BOOL ? ND_NE : ND_SUB, hi, lo, err) : NULL;
        nd_release(hi);
        nd_release(lo);
        nd_release(cur);
        cur = d;
    }
    return np_val(cur);
}

static value *np_count_nonzero(call_args *a, td_err *err)
{
    nd_array *b = nd_astype(arg_arr(a, 0), TD_BOOL, err);
    if (!b)
        return NULL;
    value *r;
    if (a->v[1]->kind == V_NONE && !arg_bool(a, 2)) {
        int64_t n = 0;
        for (int64_t i = 0; i < b->size; i++)
            n += ((const uint8_t *)b->data)[i];
        r = val_int(n);
    } else {
        r = np_reduce(ND_RSUM, b, a->v[1], arg_bool(a, 2), 0, err);
    }
    nd_release(b);
    return r;
}

/* ---- files --------------------------------------------------------------------------- */

static value *np_save(call_args *a, td_err *err)
{
    const char *name = a->v[0]->u.str.s;
    size_t len = a->v[0]->u.str.len;
    nd_array *x = val_to_array(a->v[1], err);
    if (!x)
        return NULL;
    /* numpy adds the extension when the name lacks it */
    bool has_ext = len >= 4 && !strcmp(name + len - 4, ".npy");
    char *path = malloc(len + 5);
    if (!path) {
        nd_release(x);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    memcpy(path, name, len);
    strcpy(path + len, has_ext ? "" : ".npy");
    int rc = npy_save(path, x, err);
    free(path);
    nd_release(x);
    return rc < 0 ? NULL : val_none();
}

static value *np_load(call_args *a, td_err *err)
{
    nd_array *x = npy_load(a->v[0]->u.str.s, err);
    return np_val(x);
}

/* ---- constants and dtypes ----------------------------------------------------------- */

static value *np_constant(call_args *a, td_err *err)
{
    const char *n = a->fn->name;
    if (!strcmp(n, "pi"))
        return val_float(M_PI);
    if (!strcmp(n, "e"))
        return val_float(M_E);
    if (!strcmp(n, "inf"))
        return val_float(INFINITY);
    if (!strcmp(n, "nan"))
        return val_float(NAN);
    if (!strcmp(n, "euler_gamma"))
        return val_float(0.57721566490153286060651209008240243);
    return val_none(); /* newaxis */
}

/* np.float64, np.int16, ...: the registry name is numpy's spelling. */
static value *np_dtype_attr(call_args *a, td_err *err)
{
    td_dtype t;
    if (td_dtype_parse(a->fn->name, &t, err) < 0)
        return NULL;
    return val_dtype(t);
}

static value *np_dtype_fn(call_args *a, td_err *err)
{
    return val_retain(a->v[0]);
}

/* ---- the np table ------------------------------------------------------------------- */

/* clang-format off */
#define AXIS P("axis", PT_ANY, "None")
#define KEEP P("keepdims", PT_BOOL, "False")
#define REDUCE(name, doc) {name, np_reduce_fn, doc, 0, {P("a", PT_ARRAY, NULL), AXIS, KEEP, END}}
#define REDUCE_DT(name, doc) \
    {name, np_reduce_fn, doc, 0, {P("a", PT_ARRAY, NULL), AXIS, P("dtype", PT_DTYPE, "None"), KEEP, END}}
#define UNARY(name, doc) {name, np_unary_fn, doc, 0, {P("x", PT_ARRAY, NULL), END}}
#define BINARY(name, doc) \
    {name, np_binary_fn, doc, 0, {P("x1", PT_ARRAY, NULL), P("x2", PT_ARRAY, NULL), END}}
#define CONST(name, doc) {name, np_constant, doc, REG_PROPERTY, {END}}
#define DTYPE(name) \
    {name, np_dtype_attr, "The numpy dtype " name "; calling it converts.", REG_PROPERTY, {END}}

static const reg_func np_funcs[] = {
    /* construction */
    {"array", np_array, "An array from nested lists/tuples of numbers or an array.", 0,
     {P("object", PT_ANY, NULL), P("dtype", PT_DTYPE, "None"), P("ndmin", PT_INT, "0"), END}},
    {"asarray", np_array, "The input as an array (no copy: arrays are immutable).", 0,
     {P("a", PT_ANY, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"arange", np_arange, "Evenly spaced values in [start, stop) by step; one argument is stop.", 0,
     {P("start", PT_NUMBER, NULL), P("stop", PT_NUMBER, "None"), P("step", PT_NUMBER, "None"),
      P("dtype", PT_DTYPE, "None"), END}},
    {"linspace", np_linspace, "num evenly spaced values from start to stop.", 0,
     {P("start", PT_NUMBER, NULL), P("stop", PT_NUMBER, NULL), P("num", PT_INT, "50"),
      P("endpoint", PT_BOOL, "True"), P("retstep", PT_BOOL, "False"), P("dtype", PT_DTYPE, "None"), END}},
    {"zeros", np_zeros, "An array of zeros (float64 unless dtype is given).", 0,
     {P("shape", PT_SHAPE, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"ones", np_ones, "An array of ones (float64 unless dtype is given).", 0,
     {P("shape", PT_SHAPE, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"empty", np_zeros, "A new array; zero-filled here, as arrays never hold garbage.", 0,
     {P("shape", PT_SHAPE, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"full", np_full, "An array filled with fill_value (its dtype unless dtype is given).", 0,
     {P("shape", PT_SHAPE, NULL), P("fill_value", PT_ANY, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"zeros_like", np_zeros_like, "Zeros with the shape and dtype of a.", 0,
     {P("a", PT_ARRAY, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"ones_like", np_ones_like, "Ones with the shape and dtype of a.", 0,
     {P("a", PT_ARRAY, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"empty_like", np_zeros_like, "A new array with the shape and dtype of a (zero-filled).", 0,
     {P("a", PT_ARRAY, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"full_like", np_full_like, "fill_value in the shape and dtype of a.", 0,
     {P("a", PT_ARRAY, NULL), P("fill_value", PT_ANY, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"eye", np_eye, "A 2-D array with ones on the k-th diagonal.", 0,
     {P("N", PT_INT, NULL), P("M", PT_INT, "None"), P("k", PT_INT, "0"), P("dtype", PT_DTYPE, "None"), END}},
    {"identity", np_identity, "The n x n identity matrix.", 0,
     {P("n", PT_INT, NULL), P("dtype", PT_DTYPE, "None"), END}},
    {"copy", np_copy, "A copy of the array.", 0, {P("a", PT_ARRAY, NULL), END}},

    /* shapes */
    {"reshape", np_reshape_fn, "The same data in a new shape (one dimension may be -1).", 0,
     {P("a", PT_ARRAY, NULL), P("newshape", PT_SHAPE, NULL), END}},
    {"ravel", np_ravel, "The array flattened to 1-D.", 0, {P("a", PT_ARRAY, NULL), END}},
    {"transpose", np_transpose_fn, "Permute the axes (reverse them by default).", 0,
     {P("a", PT_ARRAY, NULL), P("axes", PT_ANY, "None"), END}},
    {"squeeze", np_squeeze_fn, "Remove axes of length one.", 0, {P("a", PT_ARRAY, NULL), AXIS, END}},
    {"expand_dims", np_expand_dims, "Insert axes of length one at the given positions.", 0,
     {P("a", PT_ARRAY, NULL), P("axis", PT_ANY, NULL), END}},
    {"shape", np_shape, "The shape of an array-like, as a tuple.", 0, {P("a", PT_ARRAY, NULL), END}},
    {"ndim", np_ndim, "The number of dimensions of an array-like.", 0, {P("a", PT_ARRAY, NULL), END}},
    {"size", np_size, "The number of elements of an array-like.", 0, {P("a", PT_ARRAY, NULL), END}},
    {"concatenate", np_concatenate, "Join arrays along an existing axis (None: flattened).", 0,
     {P("arrays", PT_ANY, NULL), P("axis", PT_ANY, "0"), END}},
    {"stack", np_stack, "Join arrays of one shape along a new axis.", 0,
     {P("arrays", PT_ANY, NULL), P("axis", PT_INT, "0"), END}},
    {"vstack", np_vstack, "Stack arrays as rows (1-D arrays become rows).", 0, {P("tup", PT_ANY, NULL), END}},
    {"hstack", np_hstack, "Stack arrays horizontally (along axis 1, or 0 for 1-D).", 0,
     {P("tup", PT_ANY, NULL), END}},

    /* reductions and statistics */
    REDUCE_DT("sum", "Sum of the elements (over an axis, or all)."),
    REDUCE_DT("prod", "Product of the elements (over an axis, or all)."),
    REDUCE_DT("mean", "Arithmetic mean (over an axis, or all)."),
    {"std", np_reduce_fn, "Standard deviation (ddof 0 unless given).", 0,
     {P("a", PT_ARRAY, NULL), AXIS, P("dtype", PT_DTYPE, "None"), P("ddof", PT_INT, "0"), KEEP, END}},
    {"var", np_reduce_fn, "Variance (ddof 0 unless given).", 0,
     {P("a", PT_ARRAY, NULL), AXIS, P("dtype", PT_DTYPE, "None"), P("ddof", PT_INT, "0"), KEEP, END}},
    REDUCE("max", "Maximum (over an axis, or all)."),
    REDUCE("amax", "Maximum (over an axis, or all)."),
    REDUCE("min", "Minimum (over an axis, or all)."),
    REDUCE("amin", "Minimum (over an axis, or all)."),
    REDUCE("median", "Median (over an axis, or all)."),
    REDUCE("any", "Whether any element is true."),
    REDUCE("all", "Whether every element is true."),
    REDUCE("argmax", "Index of the maximum (in the flattened array when axis is None)."),
    REDUCE("argmin", "Index of the minimum (in the flattened array when axis is None)."),
    REDUCE("nanmean", "Mean ignoring NaNs."),
    REDUCE("nanmax", "Maximum ignoring NaNs."),
    REDUCE("nanmin", "Minimum ignoring NaNs."),
    REDUCE("nansum", "Sum treating NaNs as zero."),
    {"percentile", np_percentile_fn, "q-th percentile(s), linear interpolation; q in [0, 100].", 0,
     {P("a", PT_ARRAY, NULL), P("q", PT_ANY, NULL), AXIS, KEEP, END}},
    {"count_nonzero", np_count_nonzero, "Number of non-zero elements (an int, or per axis).", 0,
     {P("a", PT_ARRAY, NULL), AXIS, KEEP, END}},
    {"cumsum", np_cumsum_fn, "Cumulative sum (flattened when axis is None).", 0,
     {P("a", PT_ARRAY, NULL), AXIS, END}},
    {"diff", np_diff, "n-th discrete difference along an axis.", 0,
     {P("a", PT_ARRAY, NULL), P("n", PT_INT, "1"), P("axis", PT_INT, "-1"), END}},
    {"corrcoef", np_corrcoef, "Pearson correlation matrix; rows are variables.", 0,
     {P("x", PT_ANY, NULL), P("y", PT_ANY, "None"), P("rowvar", PT_BOOL, "True"), END}},
    {"cov", np_cov, "Covariance matrix; rows are variables (ddof 1 unless given).", 0,
     {P("m", PT_ANY, NULL), P("y", PT_ANY, "None"), P("rowvar", PT_BOOL, "True"), P("ddof", PT_INT, "None"),
      END}},

    /* element-wise */
    UNARY("abs", "Absolute value, element-wise."),
    UNARY("absolute", "Absolute value, element-wise."),
    UNARY("negative", "Negation, element-wise."),
    UNARY("positive", "The values unchanged (+x)."),
    UNARY("sqrt", "Square root, element-wise."),
    UNARY("exp", "Exponential, element-wise."),
    UNARY("log", "Natural logarithm, element-wise."),
    UNARY("log10", "Base-10 logarithm, element-wise."),
    UNARY("log2", "Base-2 logarithm, element-wise."),
    UNARY("sin", "Sine, element-wise."),
    UNARY("cos", "Cosine, element-wise."),
    UNARY("tan", "Tangent, element-wise."),
    UNARY("floor", "Floor, element-wise."),
    UNARY("ceil", "Ceiling, element-wise."),
    UNARY("rint", "Round to the nearest integer (half to even), element-wise."),
    UNARY("sign", "Sign (-1, 0, 1), element-wise."),
    UNARY("square", "Square, element-wise."),
    UNARY("isnan", "Whether each element is NaN."),
    UNARY("isinf", "Whether each element is infinite."),
    UNARY("isfinite", "Whether each element is finite."),
    UNARY("logical_not", "Logical not, element-wise."),
    {"round", np_round_fn, "Round to the given number of decimals (half to even).", 0,
     {P("a", PT_ARRAY, NULL), P("decimals", PT_INT, "0"), END}},
    {"around", np_round_fn, "Round to the given number of decimals (half to even).", 0,
     {P("a", PT_ARRAY, NULL), P("decimals", PT_INT, "0"), END}},
    {"clip", np_clip_fn, "Limit the values to [a_min, a_max] (either may be None).", 0,
     {P("a", PT_ARRAY, NULL), P("a_min", PT_ANY, NULL), P("a_max", PT_ANY, NULL), END}},
    BINARY("add", "x1 + x2, element-wise."),
    BINARY("subtract", "x1 - x2, element-wise."),
    BINARY("multiply", "x1 * x2, element-wise."),
    BINARY("divide", "x1 / x2, element-wise (true division)."),
    BINARY("true_divide", "x1 / x2, element-wise."),
    BINARY("floor_divide", "x1 // x2, element-wise."),
    BINARY("mod", "x1 % x2 with the sign of x2, element-wise."),
    BINARY("remainder", "x1 % x2 with the sign of x2, element-wise."),
    BINARY("power", "x1 ** x2, element-wise."),
    BINARY("maximum", "Element-wise maximum (NaN propagates)."),
    BINARY("minimum", "Element-wise minimum (NaN propagates)."),
    BINARY("equal", "x1 == x2, element-wise."),
    BINARY("not_equal", "x1 != x2, element-wise."),
    BINARY("less", "x1 < x2, element-wise."),
    BINARY("less_equal", "x1 <= x2, element-wise."),
    BINARY("greater", "x1 > x2, element-wise."),
    BINARY("greater_equal", "x1 >= x2, element-wise."),
    BINARY("logical_and", "Truth of x1 and x2, element-wise."),
    BINARY("logical_or", "Truth of x1 or x2, element-wise."),
    BINARY("logical_xor", "Truth of x1 xor x2, element-wise."),
    {"where", np_where, "x where condition holds, else y; with one argument, nonzero(condition).", 0,
     {P("condition", PT_ARRAY, NULL), P("x", PT_ANY, "None"), P("y", PT_ANY, "None"), END}},

    /* comparison, linear algebra, sorting */
    {"allclose", np_allclose, "Whether all |a - b| <= atol + rtol * |b|.", 0,
     {P("a", PT_ARRAY, NULL), P("b", PT_ARRAY, NULL), P("rtol", PT_NUMBER, "1e-05"),
      P("atol", PT_NUMBER, "1e-08"), P("equal_nan", PT_BOOL, "False"), END}},
    {"array_equal", np_array_equal, "Whether two arrays have the same shape and elements.", 0,
     {P("a1", PT_ARRAY, NULL), P("a2", PT_ARRAY, NULL), P("equal_nan", PT_BOOL, "False"), END}},
    {"dot", np_dot_fn, "Dot product: inner product of vectors, matrix product of 2-D arrays.", 0,
     {P("a", PT_ARRAY, NULL), P("b", PT_ARRAY, NULL), END}},
    {"sort", np_sort_fn, "A sorted copy (along the last axis; None flattens); NaNs last.", 0,
     {P("a", PT_ARRAY, NULL), P("axis", PT_ANY, "-1"), END}},
    {"argsort", np_argsort_fn, "Indices that sort the array (stable for ties).", 0,
     {P("a", PT_ARRAY, NULL), P("axis", PT_ANY, "-1"), END}},
    {"unique", np_unique_fn, "Sorted unique values, optionally with first indices, inverse and counts.", 0,
     {P("ar", PT_ARRAY, NULL), P("return_index", PT_BOOL, "False"), P("return_inverse", PT_BOOL, "False"),
      P("return_counts", PT_BOOL, "False"), END}},
    {"nonzero", np_nonzero_fn, "Indices of the non-zero elements, one array per axis.", 0,
     {P("a", PT_ARRAY, NULL), END}},

    /* files */
    {"save", np_save, "Write an array to a .npy file ('.npy' is appended when missing).",
     REG_WRITES,
     {P("file", PT_STR, NULL), P("arr", PT_ANY, NULL), END}},
    {"load", np_load, "Read an array from a .npy file.", 0, {P("file", PT_STR, NULL), END}},

    /* constants and dtypes */
    CONST("pi", "The ratio of a circle's circumference to its diameter."),
    CONST("e", "Euler's number."),
    CONST("inf", "Positive infinity."),
    CONST("nan", "Not a number."),
    CONST("euler_gamma", "The Euler-Mascheroni constant."),
    CONST("newaxis", "None: as an index, inserts an axis of length one."),
    {"dtype", np_dtype_fn, "A dtype object from a name or type: np.dtype('int16').", 0,
     {P("dtype", PT_DTYPE, NULL), END}},
    DTYPE("bool_"),
    DTYPE("int8"),
    DTYPE("uint8"),
    DTYPE("int16"),
    DTYPE("uint16"),
    DTYPE("int32"),
    DTYPE("uint32"),
    DTYPE("int64"),
    DTYPE("uint64"),
    DTYPE("float32"),
    DTYPE("float64"),
    DTYPE("float_"),
    DTYPE("int_"),
    DTYPE("intp"),
    DTYPE("uint"),
    DTYPE("double"),
    DTYPE("single"),
    DTYPE("byte"),
    DTYPE("ubyte"),
    DTYPE("short"),
    DTYPE("ushort"),
    DTYPE("intc"),
    DTYPE("uintc"),
    DTYPE("longlong"),
    DTYPE("ulonglong"),
};

/* clang-format on */

const reg_table reg_np = {"np", np_funcs, sizeof np_funcs / sizeof *np_funcs};

/* ---- np.random ------------------------------------------------------------------------ */

/* One legacy generator for the whole program, as numpy's global
 * RandomState; lambdas running in parallel take turns on it. */
static td_rng rng;
static bool rng_seeded;
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;

/* Unseeded use starts from the operating system's entropy, as numpy does. */
static uint32_t entropy_seed(void)
{
    uint32_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&s, sizeof s, 1, f) != 1)
            s = 0;
        fclose(f);
    }
    return s ^ (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
}

static td_rng *rng_lock_get(void)
{
    pthread_mutex_lock(&rng_lock);
    if (!rng_seeded) {
        td_rng_seed(&rng, entropy_seed());
        rng_seeded = true;
    }
    return &rng;
}

static void rng_unlock(void)
{
    pthread_mutex_unlock(&rng_lock);
}

td_rng *np_random_acquire(void)
{
    return rng_lock_get();
}

void np_random_release(void)
{
    rng_unlock();
}

static value *rnd_seed(call_args *a, td_err *err)
{
    int64_t s;
    if (a->v[0]->kind == V_NONE) {
        s = entropy_seed();
    } else {
        if (val_to_int(a->v[0], &s, err) < 0)
            return NULL;
        if (s < 0 || s > (int64_t)UINT32_MAX) {
            td_err_set(err, TD_EVALUE, "Seed must be between 0 and 2**32 - 1");
            return NULL;
        }
    }
    pthread_mutex_lock(&rng_lock);
    td_rng_seed(&rng, (uint32_t)s);
    rng_seeded = true;
    rng_unlock();
    return val_none();
}

/* loc + scale * (a Gaussian or a uniform [0, 1) draw), numpy's legacy formulas. */
typedef struct draw {
    bool gauss;
    double loc, scale;
} draw;

static double draw_one(td_rng *r, const draw *d)
{
    return d->loc + d->scale * (d->gauss ? td_rng_gauss(r) : td_rng_double(r));
}

/* size None (or NULL): one Python float; otherwise an array of that shape filled in C order. */
static value *draw_values(const value *size, const draw *d, td_err *err)
{
    if (!size || size->kind == V_NONE) {
        double v = draw_one(rng_lock_get(), d);
        rng_unlock();
        return val_float(v);
    }
    int64_t shape[ND_MAXDIM];
    int ndim;
    if (shape_arg(size, &ndim, shape, err) < 0)
        return NULL;
    nd_array *r = nd_new(TD_FLOAT64, ndim, shape, err);
    if (!r)
        return NULL;
    double *out = r->data;
    td_rng *g = rng_lock_get();
    for (int64_t i = 0; i < r->size; i++) {
        /* the draws are sequential (numpy's order): let Ctrl-C stop a long run of them */
        if ((i & 0xFFFFF) == 0xFFFFF && td_cancelled()) {
            rng_unlock();
            nd_release(r);
            td_err_set(err, TD_ECANCEL, "interrupted");
            return NULL;
        }
        out[i] = draw_one(g, d);
    }
    rng_unlock();
    return np_val(r);
}

static value *rnd_randn(call_args *a, td_err *err)
{
    draw d = {true, 0, 1};
    return draw_values(a->v[0]->u.seq.n ? a->v[0] : NULL, &d, err);
}

static value *rnd_rand(call_args *a, td_err *err)
{
    draw d = {false, 0, 1};
    return draw_values(a->v[0]->u.seq.n ? a->v[0] : NULL, &d, err);
}

static value *rnd_random(call_args *a, td_err *err)
{
    draw d = {false, 0, 1};
    return draw_values(a->v[0], &d, err);
}

static value *rnd_standard_normal(call_args *a, td_err *err)
{
    draw d = {true, 0, 1};
    return draw_values(a->v[0], &d, err);
}

static value *rnd_normal(call_args *a, td_err *err)
{
    draw d = {true, 0, 1};
    if (val_to_double(a->v[0], &d.loc, err) < 0 || val_to_double(a->v[1], &d.scale, err) < 0)
        return NULL;
    if (d.scale < 0) {
        td_err_set(err, TD_EVALUE, "scale < 0");
        return NULL;
    }
    return draw_values(a->v[2], &d, err);
}

static value *rnd_uniform(call_args *a, td_err *err)
{
    double low, high;
    if (val_to_double(a->v[0], &low, err) < 0 || val_to_double(a->v[1], &high, err) < 0)
        return NULL;
    draw d = {false, low, high - low};
    if (!isfinite(d.scale)) {
        td_err_set(err, TD_EOVERFLOW, "Range exceeds valid bounds");
        return NULL;
    }
    return draw_values(a->v[2], &d, err);
}

static value *rnd_randint(call_args *a, td_err *err)
{
    int64_t low = a->v[0]->u.i, high, range;
    if (a->v[1]->kind == V_NONE) {
        high = low;
        low = 0;
    } else {
        high = a->v[1]->u.i;
    }
    if (low >= high) {
        td_err_set(err, TD_EVALUE, "low >= high");
        return NULL;
    }
    if (__builtin_sub_overflow(high, low, &range)) {
        td_err_set(err, TD_EVALUE, "high - low is out of range for int64");
        return NULL;
    }
    if (a->v[2]->kind == V_NONE) {
        int64_t v = low + td_rng_below(rng_lock_get(), range);
        rng_unlock();
        return val_int(v);
    }
    int64_t shape[ND_MAXDIM];
    int ndim;
    if (shape_arg(a->v[2], &ndim, shape, err) < 0)
        return NULL;
    nd_array *r = nd_new(TD_INT64, ndim, shape, err);
    if (!r)
        return NULL;
    int64_t *out = r->data;
    td_rng *g = rng_lock_get();
    for (int64_t i = 0; i < r->size; i++)
        out[i] = low + td_rng_below(g, range);
    rng_unlock();
    return np_val(r);
}

/* clang-format off */
#define SIZE P("size", PT_ANY, "None")

static const reg_func np_random_funcs[] = {
    {"seed", rnd_seed, "Seed the generator (0 <= seed < 2**32; None: from the system).", 0,
     {P("seed", PT_ANY, "None"), END}},
    {"randn", rnd_randn, "Standard normal samples in the given shape (a float when none).", REG_VARARGS,
     {P("shape", PT_ANY, "()"), END}},
    {"rand", rnd_rand, "Uniform samples in [0, 1) in the given shape (a float when none).", REG_VARARGS,
     {P("shape", PT_ANY, "()"), END}},
    {"random", rnd_random, "Uniform samples in [0, 1).", 0, {SIZE, END}},
    {"random_sample", rnd_random, "Uniform samples in [0, 1).", 0, {SIZE, END}},
    {"standard_normal", rnd_standard_normal, "Standard normal samples.", 0, {SIZE, END}},
    {"normal", rnd_normal, "Normal samples: loc + scale * standard normal.", 0,
     {P("loc", PT_NUMBER, "0.0"), P("scale", PT_NUMBER, "1.0"), SIZE, END}},
    {"uniform", rnd_uniform, "Uniform samples in [low, high).", 0,
     {P("low", PT_NUMBER, "0.0"), P("high", PT_NUMBER, "1.0"), SIZE, END}},
    {"randint", rnd_randint, "Random integers in [low, high); one bound is high with low 0.", 0,
     {P("low", PT_INT, NULL), P("high", PT_INT, "None"), SIZE, END}},
};

/* clang-format on */

const reg_table reg_np_random = {"np.random", np_random_funcs,
                                 sizeof np_random_funcs / sizeof *np_random_funcs};

const module mod_np_random = {"numpy.random", &reg_np_random, NULL, NULL};
static const module *const np_submodules[] = {&mod_np_random, NULL};
static const char *const np_submodule_names[] = {"random", NULL};
const module mod_numpy = {"numpy", &reg_np, np_submodules, np_submodule_names};

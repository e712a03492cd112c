/* numpy operations over language values, shared by np.* and the ndarray
 * methods: axis handling, scalar promotion, and the few array algorithms
 * core/ does not provide (sort, cumsum, dot, broadcasting copies). */
#include "np_ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---------------------------------------------------------- */

value *np_wrap(nd_array *a)
{
    if (!a)
        return NULL;
    return a->ndim == 0 ? val_npscalar(a) : val_array(a);
}

value *np_val(nd_array *a)
{
    return a ? val_array(a) : NULL;
}

value *np_like(const value *like, nd_array *a)
{
    if (!a)
        return NULL;
    return like->u.arr.scalar ? val_npscalar(a) : val_array(a);
}

nd_array *np_arr(const value *v)
{
    return v->u.arr.a;
}

/* numpy's compact spelling of a shape in broadcasting and dot messages: "(2,3)". */
static const char *shape_compact(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, ndim == 1 ? ",)" : ")");
    return buf;
}

int np_axis_norm(int64_t axis, int ndim, int *out, td_err *err)
{
    if (axis < -ndim || axis >= ndim) {
        td_err_set(err, TD_EVALUE, "axis %lld is out of bounds for array of dimension %d", (long long)axis,
                   ndim);
        return -1;
    }
    *out = (int)(axis < 0 ? axis + ndim : axis);
    return 0;
}

static bool is_seq(const value *v)
{
    return v->kind == V_LIST || v->kind == V_TUPLE;
}

int np_ints(const value *v, int64_t *out, int max, int *n, td_err *err)
{
    if (is_seq(v) && v->u.seq.n == 1 && is_seq(v->u.seq.items[0]))
        v = v->u.seq.items[0];
    if (!is_seq(v)) {
        *n = 1;
        return val_to_int(v, &out[0], err);
    }
    if (v->u.seq.n > max)
        return td_err_set(err, TD_EVALUE, "maximum supported dimension for an ndarray is %d, found %lld", max,
                          (long long)v->u.seq.n);
    for (int64_t i = 0; i < v->u.seq.n; i++)
        if (val_to_int(v->u.seq.items[i], &out[i], err) < 0)
            return -1;
    *n = (int)v->u.seq.n;
    return 0;
}

static int64_t prod(const int64_t *s, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= s[i];
    return p;
}

/* A lane view of a C-contiguous array along one axis: outer * len * inner. */
typedef struct lanes {
    int64_t outer, len, inner;
} lanes;

static lanes lanes_of(const nd_array *a, int axis)
{
    lanes l = {prod(a->shape, 0, axis), a->shape[axis], prod(a->shape, axis + 1, a->ndim)};
    return l;
}

static int64_t lane_at(const lanes *l, int64_t lane, int64_t k)
{
    int64_t o = lane / l->inner, i = lane % l->inner;
    return (o * l->len + k) * l->inner + i;
}

nd_array *np_flatten(const nd_array *a, td_err *err)
{
    int64_t n = a->size;
    return nd_reshape(a, 1, &n, err);
}

value *np_shape_tuple(const nd_array *a)
{
    value *items[ND_MAXDIM];
    for (int i = 0; i < a->ndim; i++)
        items[i] = val_int(a->shape[i]);
    return val_tuple(items, a->ndim);
}

/* ---- axes and reductions ------------------------------------------------------ */

/* What a reduction runs on: b (a itself, or a transposed so that a tuple of
 * axes is one last axis), the axis in b (ND_ALL for None), and the shape
 * the result takes with keepdims. */
typedef struct red_prep {
    nd_array *b;
    int axis;
    int kndim;
    int64_t kshape[ND_MAXDIM];
} red_prep;

static int red_prepare(const nd_array *a, const value *axisv, bool allow_tuple, red_prep *p, td_err *err)
{
    p->kndim = a->ndim;
    if (axisv->kind == V_NONE) {
        for (int i = 0; i < a->ndim; i++)
            p->kshape[i] = 1;
        p->b = nd_retain((nd_array *)a);
        p->axis = ND_ALL;
        return 0;
    }
    value *const *items = (value *const *)&axisv;
    int64_t n = 1;
    if (is_seq(axisv)) {
        if (!allow_tuple)
            return td_err_set(err, TD_ETYPE, "'%s' object cannot be interpreted as an integer",
                              val_type_name(axisv));
        items = axisv->u.seq.items;
        n = axisv->u.seq.n;
    }
    bool reduced[ND_MAXDIM] = {false};
    int axis = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t ax;
        if (val_to_int(items[i], &ax, err) < 0 || np_axis_norm(ax, a->ndim, &axis, err) < 0)
            return -1;
        if (reduced[axis])
            return td_err_set(err, TD_EVALUE, "duplicate value in 'axis'");
        reduced[axis] = true;
    }
    for (int i = 0; i < a->ndim; i++)
        p->kshape[i] = reduced[i] ? 1 : a->shape[i];
    if (n == 1) {
        p->b = nd_retain((nd_array *)a);
        p->axis = axis;
        return 0;
    }
    /* Several axes (or none): kept axes first, the reduced ones last and merged into one. */
    int perm[ND_MAXDIM], nk = 0;
    int64_t shape[ND_MAXDIM], merged = 1;
    for (int i = 0; i < a->ndim; i++)
        if (!reduced[i]) {
            shape[nk] = a->shape[i];
            perm[nk++] = i;
        }
    for (int i = 0, j = nk; i < a->ndim; i++)
        if (reduced[i]) {
            perm[j++] = i;
            merged *= a->shape[i];
        }
    shape[nk] = merged;
    nd_array *t = nd_transpose(a, perm, err);
    if (!t)
        return -1;
    p->b = nd_reshape(t, nk + 1, shape, err);
    nd_release(t);
    p->axis = nk;
    return p->b ? 0 : -1;
}

/* Takes over r; with keepdims, gives it the shape of p (after `lead` leading axes of r). */
static nd_array *keep_dims(nd_array *r, const red_prep *p, int lead, td_err *err)
{
    if (!r)
        return NULL;
    int64_t shape[ND_MAXDIM];
    if (lead + p->kndim > ND_MAXDIM) {
        nd_release(r);
        td_err_set(err, TD_EVALUE, "too many dimensions");
        return NULL;
    }
    memcpy(shape, r->shape, sizeof(int64_t) * (size_t)lead);
    memcpy(shape + lead, p->kshape, sizeof(int64_t) * (size_t)p->kndim);
    nd_array *k = nd_reshape(r, lead + p->kndim, shape, err);
    nd_release(r);
    return k;
}

value *np_reduce(nd_redop op, const nd_array *a, const value *axis, bool keepdims, int ddof, td_err *err)
{
    red_prep p;
    if (red_prepare(a, axis, op != ND_RARGMAX && op != ND_RARGMIN, &p, err) < 0)
        return NULL;
    nd_array *r = nd_reduce(op, p.b, p.axis, false, ddof, err);
    nd_release(p.b);
    if (keepdims)
        r = keep_dims(r, &p, 0, err);
    return np_wrap(r);
}

value *np_percentile(const nd_array *a, const value *q, const value *axis, bool keepdims, td_err *err)
{
    nd_array *qa = val_to_array(q, err);
    if (!qa)
        return NULL;
    for (int64_t i = 0; i < qa->size; i++) {
        double v = nd_get_f64(qa, i);
        if (!(v >= 0 && v <= 100)) {
            nd_release(qa);
            td_err_set(err, TD_EVALUE, "Percentiles must be in the range [0, 100]");
            return NULL;
        }
    }
    red_prep p;
    if (red_prepare(a, axis, true, &p, err) < 0) {
        nd_release(qa);
        return NULL;
    }
    int64_t nq = qa->size;
    nd_array **rs = nq <= INT32_MAX ? calloc((size_t)(nq ? nq : 1), sizeof *rs) : NULL;
    nd_array *out = NULL;
    int64_t done = 0;
    if (!rs) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto end;
    }
    for (; done < (nq ? nq : 1); done++) {
        /* with no q at all, one percentile still tells the result's shape and dtype */
        rs[done] = nd_percentile(p.b, nq ? nd_get_f64(qa, done) : 50, p.axis, false, err);
        if (!rs[done])
            goto end;
    }
    if (qa->ndim == 0) {
        out = nd_retain(rs[0]);
    } else {
        nd_array *st = nq ? nd_stack((int)nq, rs, 0, err) : NULL;
        if (nq && !st)
            goto end;
        int64_t shape[ND_MAXDIM];
        int nd = qa->ndim + rs[0]->ndim;
        if (nd > ND_MAXDIM) {
            nd_release(st);
            td_err_set(err, TD_EVALUE, "too many dimensions");
            goto end;
        }
        memcpy(shape, qa->shape, sizeof(int64_t) * (size_t)qa->ndim);
        memcpy(shape + qa->ndim, rs[0]->shape, sizeof(int64_t) * (size_t)rs[0]->ndim);
        out = st ? nd_reshape(st, nd, shape, err) : nd_new(rs[0]->dtype, nd, shape, err);
        nd_release(st);
    }
    if (out && keepdims)
        out = keep_dims(out, &p, qa->ndim, err);
end:
    for (int64_t i = 0; rs && i < done; i++)
        nd_release(rs[i]);
    free(rs);
    nd_release(p.b);
    nd_release(qa);
    return np_wrap(out);
}

value *np_nanreduce(nd_redop op, const nd_array *a, const value *axis, bool keepdims, td_err *err)
{
    if (!td_dtype_is_float(a->dtype))
        return np_reduce(op, a, axis, keepdims, 0, err);
    red_prep p;
    if (red_prepare(a, axis, true, &p, err) < 0)
        return NULL;
    nd_array *b = p.b;
    lanes l;
    int64_t oshape[ND_MAXDIM];
    int ondim = 0;
    if (p.axis == ND_ALL) {
        l = (lanes){1, b->size, 1};
    } else {
        l = lanes_of(b, p.axis);
        for (int i = 0; i < b->ndim; i++)
            if (i != p.axis)
                oshape[ondim++] = b->shape[i];
    }
    nd_array *r = NULL;
    if (l.len == 0 && (op == ND_RMAX || op == ND_RMIN)) {
        td_err_set(err, TD_EVALUE, "zero-size array to reduction operation %s which has no identity",
                   op == ND_RMAX ? "fmax" : "fmin");
        goto end;
    }
    r = nd_new(a->dtype, ondim, oshape, err);
    if (!r)
        goto end;
    for (int64_t lane = 0; lane < l.outer * l.inner; lane++) {
        double acc = op == ND_RMAX ? -INFINITY : op == ND_RMIN ? INFINITY : 0;
        int64_t count = 0;
        for (int64_t k = 0; k < l.len; k++) {
            double v = nd_get_f64(b, lane_at(&l, lane, k));
            if (isnan(v))
                continue;
            count++;
            if (op == ND_RMAX)
                acc = v > acc ? v : acc;
            else if (op == ND_RMIN)
                acc = v < acc ? v : acc;
            else
                acc += v;
        }
        if (op == ND_RMEAN)
            acc = count ? acc / (double)count : NAN;
        else if (count == 0 && op != ND_RSUM)
            acc = NAN;
        nd_set_f64(r, lane, acc);
    }
    if (keepdims)
        r = keep_dims(r, &p, 0, err);
end:
    nd_release(b);
    return np_wrap(r);
}

value *np_named(const call_args *a, const char *name)
{
    for (int i = 0; i < a->n && i < REG_MAXPARAMS && a->fn->params[i].name; i++)
        if (!strcmp(a->fn->params[i].name, name))
            return a->v[i];
    return NULL;
}

static const struct {
    const char *name;
    nd_redop op;
    bool nan;
} reductions[] = {
    {"sum", ND_RSUM, false},       {"prod", ND_RPROD, false},     {"mean", ND_RMEAN, false},
    {"var", ND_RVAR, false},       {"std", ND_RSTD, false},       {"max", ND_RMAX, false},
    {"amax", ND_RMAX, false},      {"min", ND_RMIN, false},       {"amin", ND_RMIN, false},
    {"argmax", ND_RARGMAX, false}, {"argmin", ND_RARGMIN, false}, {"any", ND_RANY, false},
    {"all", ND_RALL, false},       {"median", ND_RMEDIAN, false}, {"nanmean", ND_RMEAN, true},
    {"nanmax", ND_RMAX, true},     {"nanmin", ND_RMIN, true},     {"nansum", ND_RSUM, true},
};

/* Where a reduction function's table entry keeps what np_reduce_call reads:
 * the operation and the positions of its named parameters (-1: none). */
typedef struct red_entry {
    const reg_func *fn;
    int which;
    int axis, keep, ddof, dtype;
} red_entry;

static int param_index(const reg_func *fn, const char *name)
{
    for (int i = 0; i < REG_MAXPARAMS && fn->params[i].name; i++)
        if (!strcmp(fn->params[i].name, name))
            return i;
    return -1;
}

/* The entry of fn, from a per-thread cache: x.mean() in a lambda called per
 * record would otherwise compare names for every call. */
static const red_entry *red_entry_of(const reg_func *fn)
{
    static _Thread_local red_entry cache[16];
    red_entry *e = &cache[((uintptr_t)fn / sizeof *fn) % 16];
    if (e->fn == fn)
        return e;
    size_t i = 0;
    while (i < sizeof reductions / sizeof reductions[0] && strcmp(reductions[i].name, fn->name))
        i++;
    if (i == sizeof reductions / sizeof reductions[0])
        return NULL;
    *e = (red_entry){fn,
                     (int)i,
                     param_index(fn, "axis"),
                     param_index(fn, "keepdims"),
                     param_index(fn, "ddof"),
                     param_index(fn, "dtype")};
    return e;
}

static const value *bound_arg(const call_args *a, int i)
{
    return i >= 0 && i < a->n ? a->v[i] : NULL;
}

value *np_reduce_call(const call_args *a, const nd_array *x, td_err *err)
{
    const red_entry *re = red_entry_of(a->fn);
    if (!re) {
        td_err_set(err, TD_ERUNTIME, "%s is not a reduction", a->fn->name);
        return NULL;
    }
    size_t i = (size_t)re->which;
    const value *axis = bound_arg(a, re->axis), *keep = bound_arg(a, re->keep);
    const value *ddof = bound_arg(a, re->ddof), *dtype = bound_arg(a, re->dtype);
    if (!axis) {
        td_err_set(err, TD_ERUNTIME, "%s() has no axis parameter", a->fn->name);
        return NULL;
    }
    bool keepdims = keep && keep->kind == V_BOOL && keep->u.b;
    int64_t dd = ddof && ddof->kind == V_INT ? ddof->u.i : 0;
    if (dd > INT32_MAX || dd < INT32_MIN) {
        td_err_set(err, TD_EOVERFLOW, "ddof is too large");
        return NULL;
    }
    nd_array *src =
        dtype && dtype->kind == V_DTYPE ? nd_astype(x, dtype->u.dtype, err) : nd_retain((nd_array *)x);
    if (!src)
        return NULL;
    value *r = reductions[i].nan ? np_nanreduce(reductions[i].op, src, axis, keepdims, err)
                                 : np_reduce(reductions[i].op, src, axis, keepdims, (int)dd, err);
    nd_release(src);
    return r;
}

/* ---- element-wise --------------------------------------------------------------- */

/* numpy 1.x orders kinds bool < integer < float when deciding whether a
 * scalar's value or its type counts. */
static int category(td_dtype t)
{
    return td_dtype_is_bool(t) ? 0 : td_dtype_is_float(t) ? 2 : 1;
}

static bool big_uint64(const nd_array *s)
{
    return s->dtype == TD_UINT64 && nd_get_i64(s, 0) < 0;
}

/* Python scalars, numpy scalars and 0-d arrays all count as scalars: against
 * an array of the same or a higher kind their value decides the type
 * (uint8 + 3 stays uint8); otherwise, and between two scalars or two
 * arrays, plain type promotion applies (np.int16(1) + 1 is int64). True
 * when the value decides, with the scalar side *s, the array side *t and
 * the scalar's kind. */
static bool value_based(const nd_array *x, const nd_array *y, const nd_array **s, const nd_array **t,
                        td_scalar_kind *kind)
{
    bool xs = x->ndim == 0, ys = y->ndim == 0;
    if (xs == ys)
        return false;
    *s = xs ? x : y;
    *t = xs ? y : x;
    if (category((*s)->dtype) > category((*t)->dtype) || big_uint64(*s))
        return false;
    *kind = td_dtype_is_bool((*s)->dtype)    ? TD_SCALAR_BOOL
            : td_dtype_is_float((*s)->dtype) ? TD_SCALAR_FLOAT
                                             : TD_SCALAR_INT;
    return true;
}

nd_array *np_binary_arrays(nd_binop op, const nd_array *x, const nd_array *y, td_err *err)
{
    const nd_array *s, *t;
    td_scalar_kind k;
    if (!value_based(x, y, &s, &t, &k))
        return nd_binary(op, x, y, err);
    /* as for a Python scalar: a float's value, or an integer's (and its double) */
    int64_t iv = k == TD_SCALAR_FLOAT ? 0 : nd_get_i64(s, 0);
    double fv = k == TD_SCALAR_FLOAT ? nd_get_f64(s, 0) : (double)iv;
    return nd_binary_scalar(op, t, k, iv, fv, s == x, err);
}

td_dtype np_result_dtype(const nd_array *x, const nd_array *y)
{
    const nd_array *s, *t;
    td_scalar_kind k;
    if (!value_based(x, y, &s, &t, &k))
        return td_promote(x->dtype, y->dtype);
    return td_promote_scalar(t->dtype, k, nd_get_i64(s, 0), nd_get_f64(s, 0));
}

value *np_binop(nd_binop op, const value *a, const value *b, td_err *err)
{
    nd_array *x = val_to_array(a, err);
    if (!x)
        return NULL;
    nd_array *y = val_to_array(b, err);
    if (!y) {
        nd_release(x);
        return NULL;
    }
    nd_array *r = np_binary_arrays(op, x, y, err);
    nd_release(x);
    nd_release(y);
    return np_wrap(r);
}

value *np_unop(nd_unop op, const nd_array *a, td_err *err)
{
    return np_wrap(nd_unary(op, a, err));
}

/* numpy's power_of_ten: a table, then repeated multiplication. */
static double power_of_ten(int64_t n)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    if (n < 9)
        return p10[n];
    double r = 1e9;
    while (n-- > 9)
        r *= 10.0;
    return r;
}

/* As numpy: scale by a power of ten, round half to even, scale back, in
 * the array's float type; integers go through float64 and back. */
value *np_round(const nd_array *a, int64_t decimals, td_err *err)
{
    bool is_int = !td_dtype_is_float(a->dtype);
    if (is_int && decimals >= 0)
        return np_wrap(nd_retain((nd_array *)a));
    if (decimals == 0)
        return np_wrap(nd_unary(ND_ROUND, a, err));
    if (decimals > 400 || decimals < -400)
        decimals = decimals > 0 ? 400 : -400; /* beyond double's range either way */
    double f = power_of_ten(decimals < 0 ? -decimals : decimals);
    nd_binop first = decimals >= 0 ? ND_MUL : ND_TRUEDIV, second = decimals >= 0 ? ND_TRUEDIV : ND_MUL;
    nd_array *x = is_int ? nd_astype(a, TD_FLOAT64, err) : nd_retain((nd_array *)a);
    if (!x)
        return NULL;
    nd_array *y = nd_binary_scalar(first, x, TD_SCALAR_FLOAT, 0, f, false, err);
    nd_release(x);
    if (!y)
        return NULL;
    nd_array *z = nd_unary(ND_ROUND, y, err);
    nd_release(y);
    if (!z)
        return NULL;
    nd_array *w = nd_binary_scalar(second, z, TD_SCALAR_FLOAT, 0, f, false, err);
    nd_release(z);
    if (w && is_int) {
        nd_array *c = nd_astype(w, a->dtype, err);
        nd_release(w);
        w = c;
    }
    return np_wrap(w);
}

value *np_clip(const value *a, const value *lo, const value *hi, td_err *err)
{
    if (lo->kind == V_NONE && hi->kind == V_NONE) {
        td_err_set(err, TD_EVALUE, "One of max or min must be given");
        return NULL;
    }
    value *r = val_retain((value *)a);
    if (lo->kind != V_NONE) {
        value *t = np_binop(ND_MAXIMUM, r, lo, err);
        val_release(r);
        r = t;
    }
    if (r && hi->kind != V_NONE) {
        value *t = np_binop(ND_MINIMUM, r, hi, err);
        val_release(r);
        r = t;
    }
    return r;
}

/* ---- cumsum, sort, unique ------------------------------------------------------- */

/* Resolves axis (None flattens) to an array and its lanes along that axis. */
static nd_array *along(const nd_array *a, const value *axisv, lanes *l, td_err *err)
{
    nd_array *b;
    int axis = 0;
    if (axisv->kind == V_NONE) {
        b = np_flatten(a, err);
    } else {
        int64_t ax;
        if (val_to_int(axisv, &ax, err) < 0 || np_axis_norm(ax, a->ndim, &axis, err) < 0)
            return NULL;
        b = nd_retain((nd_array *)a);
    }
    if (b)
        *l = lanes_of(b, axis);
    return b;
}

value *np_cumsum(const nd_array *a, const value *axisv, td_err *err)
{
    lanes l;
    nd_array *b = along(a, axisv, &l, err);
    if (!b)
        return NULL;
    td_dtype rt = td_sum_dtype(a->dtype);
    nd_array *r = nd_new(rt, b->ndim, b->shape, err);
    if (r) {
        for (int64_t lane = 0; lane < l.outer * l.inner; lane++) {
            double facc = 0;
            float sacc = 0;
            uint64_t iacc = 0; /* integers wrap as numpy's do */
            for (int64_t k = 0; k < l.len; k++) {
                int64_t i = lane_at(&l, lane, k);
                char *dst = (char *)r->data + i * (int64_t)td_dtype_size(rt);
                if (rt == TD_FLOAT64) {
                    facc += nd_get_f64(b, i);
                    memcpy(dst, &facc, sizeof facc);
                } else if (rt == TD_FLOAT32) {
                    sacc += (float)nd_get_f64(b, i);
                    memcpy(dst, &sacc, sizeof sacc);
                } else {
                    iacc += (uint64_t)nd_get_i64(b, i);
                    memcpy(dst, &iacc, sizeof iacc);
                }
            }
        }
    }
    nd_release(b);
    return np_val(r);
}

/* An unsigned key whose order is the element order numpy sorts by: NaN
 * last, -0.0 equal to 0.0. */
static uint64_t sort_key(const nd_array *a, int64_t i)
{
    const uint64_t top = (uint64_t)1 << 63;
    if (td_dtype_is_float(a->dtype)) {
        double d = nd_get_f64(a, i);
        if (isnan(d))
            return UINT64_MAX;
        if (d == 0)
            d = 0.0;
        uint64_t u;
        memcpy(&u, &d, sizeof u);
        return (u & top) ? ~u : u | top;
    }
    uint64_t u = (uint64_t)nd_get_i64(a, i);
    return td_dtype_is_unsigned(a->dtype) ? u : u ^ top;
}

typedef struct keyed {
    uint64_t key;
    int64_t idx;
} keyed;

/* Stable bottom-up merge sort of n pairs, with tmp of the same size; false
 * when Ctrl-C stopped it (checked about every million pairs merged). */
static bool merge_sort(keyed *v, keyed *tmp, int64_t n)
{
    int64_t merged = 0;
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            if ((merged += 2 * w) >= (1 << 20)) {
                merged = 0;
                if (td_cancelled())
                    return false;
            }
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = v[j].key < v[i].key ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, sizeof *v * (size_t)n);
    }
    return true;
}

/* Sorts one lane's (key, position) pairs into buf[0, len); buf holds 2 * len.
 * -1 with a KeyboardInterrupt in err when Ctrl-C stopped it. */
static int sort_lane(const nd_array *b, const lanes *l, int64_t lane, keyed *buf, td_err *err)
{
    for (int64_t k = 0; k < l->len; k++) {
        if ((k & 0xFFFFF) == 0xFFFFF && td_cancelled())
            return td_err_set(err, TD_ECANCEL, "interrupted");
        buf[k].key = sort_key(b, lane_at(l, lane, k));
        buf[k].idx = k;
    }
    if (!merge_sort(buf, buf + l->len, l->len))
        return td_err_set(err, TD_ECANCEL, "interrupted");
    return 0;
}

/* Room for n pairs and the merge buffer. */
static keyed *keyed_alloc(int64_t n, td_err *err)
{
    size_t bytes;
    if (td_nbytes(1, &n, 2 * sizeof(keyed), &bytes, err) < 0)
        return NULL;
    return td_scratch_alloc(bytes ? bytes : 1, err);
}

value *np_sort(const nd_array *a, const value *axisv, bool arg, td_err *err)
{
    lanes l;
    nd_array *b = along(a, axisv, &l, err);
    if (!b)
        return NULL;
    nd_array *r = nd_new(arg ? TD_INT64 : b->dtype, b->ndim, b->shape, err);
    keyed *buf = r ? keyed_alloc(l.len, err) : NULL;
    if (!buf) {
        nd_release(r);
        nd_release(b);
        return NULL;
    }
    size_t is = td_dtype_size(b->dtype);
    for (int64_t lane = 0; lane < l.outer * l.inner; lane++) {
        if (sort_lane(b, &l, lane, buf, err) < 0) {
            td_scratch_free(buf);
            nd_release(r);
            nd_release(b);
            return NULL;
        }
        for (int64_t k = 0; k < l.len; k++) {
            int64_t dst = lane_at(&l, lane, k);
            if (arg)
                memcpy((char *)r->data + dst * 8, &buf[k].idx, 8);
            else
                memcpy((char *)r->data + dst * (int64_t)is,
                       (char *)b->data + lane_at(&l, lane, buf[k].idx) * (int64_t)is, is);
        }
    }
    td_scratch_free(buf);
    nd_release(b);
    return np_val(r);
}

value *np_unique(const nd_array *a, bool return_index, bool return_inverse, bool return_counts, td_err *err)
{
    nd_array *b = np_flatten(a, err);
    if (!b)
        return NULL;
    lanes l = {1, b->size, 1};
    keyed *buf = keyed_alloc(l.len, err);
    if (!buf) {
        nd_release(b);
        return NULL;
    }
    if (sort_lane(b, &l, 0, buf, err) < 0) {
        td_scratch_free(buf);
        nd_release(b);
        return NULL;
    }
    int64_t n = 0;
    for (int64_t k = 0; k < l.len; k++)
        n += k == 0 || buf[k].key != buf[k - 1].key;
    /* out[0] the values, then the optional index, inverse and counts. */
    nd_array *out[4] = {nd_new(b->dtype, 1, &n, err)};
    bool want[4] = {true, return_index, return_inverse, return_counts};
    bool ok = out[0] != NULL;
    for (int w = 1; w < 4; w++)
        if (want[w] && ok) {
            out[w] = nd_new(TD_INT64, 1, w == 2 ? &l.len : &n, err);
            ok = out[w] != NULL;
        }
    if (ok) {
        size_t is = td_dtype_size(b->dtype);
        int64_t *index = out[1] ? out[1]->data : NULL, *inverse = out[2] ? out[2]->data : NULL;
        int64_t *counts = out[3] ? out[3]->data : NULL;
        int64_t j = -1;
        for (int64_t k = 0; k < l.len; k++) {
            /* The sort is stable, so a group's first entry is its first occurrence. */
            if (k == 0 || buf[k].key != buf[k - 1].key) {
                j++;
                memcpy((char *)out[0]->data + j * (int64_t)is, (char *)b->data + buf[k].idx * (int64_t)is,
                       is);
                if (index)
                    index[j] = buf[k].idx;
                if (counts)
                    counts[j] = 0;
            }
            if (inverse)
                inverse[buf[k].idx] = j;
            if (counts)
                counts[j]++;
        }
    }
    td_scratch_free(buf);
    nd_release(b);
    value *items[4];
    int nout = 0;
    for (int w = 0; w < 4; w++) {
        if (!want[w])
            continue;
        if (ok)
            items[nout++] = np_val(out[w]);
        else
            nd_release(out[w]);
    }
    if (!ok)
        return NULL;
    return nout == 1 ? items[0] : val_tuple(items, nout);
}

/* ---- dot ------------------------------------------------------------------------ */

/* np.dot: sum over a's last axis and b's second-to-last (or only) axis.
 * Floats accumulate in double, integers in wrapping 64-bit arithmetic,
 * booleans as or-of-ands; the result is cast to the promoted dtype. */
value *np_dot(const nd_array *a, const nd_array *b, td_err *err)
{
    if (a->ndim == 0 || b->ndim == 0)
        return np_wrap(np_binary_arrays(ND_MUL, a, b, err));
    int bk = b->ndim == 1 ? 0 : b->ndim - 2;
    int64_t K = a->shape[a->ndim - 1];
    if (b->shape[bk] != K) {
        char s1[200], s2[200];
        td_err_set(err, TD_EVALUE, "shapes %s and %s not aligned: %lld (dim %d) != %lld (dim %d)",
                   shape_compact(a->ndim, a->shape, s1, sizeof s1),
                   shape_compact(b->ndim, b->shape, s2, sizeof s2), (long long)K, a->ndim - 1,
                   (long long)b->shape[bk], bk);
        return NULL;
    }
    int ondim = a->ndim - 1 + (b->ndim - 1);
    if (ondim > ND_MAXDIM) {
        td_err_set(err, TD_EVALUE, "too many dimensions in dot");
        return NULL;
    }
    int64_t oshape[ND_MAXDIM];
    memcpy(oshape, a->shape, sizeof(int64_t) * (size_t)(a->ndim - 1));
    memcpy(oshape + a->ndim - 1, b->shape, sizeof(int64_t) * (size_t)bk);
    if (b->ndim >= 2)
        oshape[ondim - 1] = b->shape[b->ndim - 1];
    int64_t M = prod(a->shape, 0, a->ndim - 1), P = prod(b->shape, 0, bk);
    int64_t N = b->ndim >= 2 ? b->shape[b->ndim - 1] : 1;

    td_dtype rt = td_promote(a->dtype, b->dtype);
    td_dtype work = td_dtype_is_float(rt) ? TD_FLOAT64 : TD_INT64;
    nd_array *x = nd_astype(a, work, err), *y = x ? nd_astype(b, work, err) : NULL;
    nd_array *acc = y ? nd_zeros(work, ondim, oshape, err) : NULL;
    if (acc) {
        /* multiply-adds since the last look at the Ctrl-C flag */
        int64_t since = 0;
        for (int64_t m = 0; m < M && acc; m++)
            for (int64_t p = 0; p < P; p++) {
                if ((since += K * N) >= (1 << 22)) {
                    since = 0;
                    if (td_cancelled()) {
                        td_err_set(err, TD_ECANCEL, "cancelled");
                        nd_release(acc);
                        acc = NULL;
                        break;
                    }
                }
                int64_t orow = (m * P + p) * N;
                for (int64_t k = 0; k < K; k++) {
                    int64_t ai = m * K + k, bi = (p * K + k) * N;
                    if (work == TD_FLOAT64) {
                        const double *xa = x->data, *yb = y->data;
                        double *o = acc->data;
                        for (int64_t n = 0; n < N; n++)
                            o[orow + n] += xa[ai] * yb[bi + n];
                    } else if (rt == TD_BOOL) {
                        const int64_t *xa = x->data, *yb = y->data;
                        int64_t *o = acc->data;
                        for (int64_t n = 0; n < N; n++)
                            o[orow + n] |= xa[ai] && yb[bi + n];
                    } else {
                        const int64_t *xa = x->data, *yb = y->data;
                        int64_t *o = acc->data;
                        for (int64_t n = 0; n < N; n++) {
                            uint64_t s = (uint64_t)o[orow + n] + (uint64_t)xa[ai] * (uint64_t)yb[bi + n];
                            memcpy(&o[orow + n], &s, sizeof s);
                        }
                    }
                }
            }
    }
    nd_release(x);
    nd_release(y);
    if (!acc)
        return NULL;
    nd_array *r = nd_astype(acc, rt, err);
    nd_release(acc);
    return np_wrap(r);
}

/* ---- shape manipulation ---------------------------------------------------------- */

value *np_transpose(const nd_array *a, const value *axes, td_err *err)
{
    if (axes->kind == V_NONE || (is_seq(axes) && axes->u.seq.n == 0))
        return np_val(nd_transpose(a, NULL, err));
    int64_t ax[ND_MAXDIM];
    int n, perm[ND_MAXDIM];
    bool seen[ND_MAXDIM] = {false};
    if (np_ints(axes, ax, ND_MAXDIM, &n, err) < 0)
        return NULL;
    if (n != a->ndim) {
        td_err_set(err, TD_EVALUE, "axes don't match array");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (np_axis_norm(ax[i], a->ndim, &perm[i], err) < 0)
            return NULL;
        if (seen[perm[i]]) {
            td_err_set(err, TD_EVALUE, "repeated axis in transpose");
            return NULL;
        }
        seen[perm[i]] = true;
    }
    return np_val(nd_transpose(a, perm, err));
}

value *np_squeeze(const nd_array *a, const value *axis, td_err *err)
{
    if (axis->kind == V_NONE)
        return np_val(nd_squeeze(a, -1, err));
    int64_t ax[ND_MAXDIM];
    int n;
    bool drop[ND_MAXDIM] = {false};
    if (np_ints(axis, ax, ND_MAXDIM, &n, err) < 0)
        return NULL;
    for (int i = 0; i < n; i++) {
        int d;
        if (np_axis_norm(ax[i], a->ndim, &d, err) < 0)
            return NULL;
        if (a->shape[d] != 1) {
            td_err_set(err, TD_EVALUE,
                       "cannot select an axis to squeeze out which has size not equal to one");
            return NULL;
        }
        drop[d] = true;
    }
    int64_t shape[ND_MAXDIM];
    int nd = 0;
    for (int i = 0; i < a->ndim; i++)
        if (!drop[i])
            shape[nd++] = a->shape[i];
    return np_val(nd_reshape(a, nd, shape, err));
}

value *np_reshape(const nd_array *a, const value *shapev, td_err *err)
{
    int64_t shape[ND_MAXDIM];
    int n;
    if (np_ints(shapev, shape, ND_MAXDIM, &n, err) < 0)
        return NULL;
    return np_val(nd_reshape(a, n, shape, err));
}

static bool nonzero_at(const nd_array *a, int64_t i)
{
    return td_dtype_is_float(a->dtype) ? nd_get_f64(a, i) != 0 : nd_get_i64(a, i) != 0;
}

value *np_nonzero(const nd_array *a, td_err *err)
{
    int nd = a->ndim ? a->ndim : 1;
    int64_t shape1 = 1;
    const int64_t *shape = a->ndim ? a->shape : &shape1;
    int64_t count = 0;
    for (int64_t i = 0; i < a->size; i++)
        count += nonzero_at(a, i);
    value *items[ND_MAXDIM];
    nd_array *idx[ND_MAXDIM];
    for (int d = 0; d < nd; d++) {
        idx[d] = nd_new(TD_INT64, 1, &count, err);
        if (!idx[d]) {
            for (int j = 0; j < d; j++)
                nd_release(idx[j]);
            return NULL;
        }
    }
    int64_t j = 0;
    for (int64_t i = 0; i < a->size; i++) {
        if (!nonzero_at(a, i))
            continue;
        int64_t rest = i;
        for (int d = nd - 1; d >= 0; d--) {
            nd_set_i64(idx[d], j, rest % shape[d]);
            rest /= shape[d];
        }
        j++;
    }
    for (int d = 0; d < nd; d++)
        items[d] = np_val(idx[d]);
    return val_tuple(items, nd);
}

/* ---- Python scalars --------------------------------------------------------------- */

value *np_item_at(const nd_array *a, int64_t i)
{
    if (td_dtype_is_bool(a->dtype))
        return val_bool(nd_get_i64(a, i) != 0);
    if (td_dtype_is_float(a->dtype))
        return val_float(nd_get_f64(a, i));
    int64_t v = nd_get_i64(a, i);
    if (a->dtype == TD_UINT64 && v < 0) /* beyond the language's int64: the nearest float */
        return val_float((double)(uint64_t)v);
    return val_int(v);
}

static value *tolist_rec(const nd_array *a, int dim, int64_t *pos)
{
    if (dim == a->ndim)
        return np_item_at(a, (*pos)++);
    int64_t n = a->shape[dim];
    value **items = malloc(sizeof *items * (size_t)(n ? n : 1));
    if (!items)
        abort(); /* app code: out of memory is fatal, as in the value constructors */
    for (int64_t i = 0; i < n; i++)
        items[i] = tolist_rec(a, dim + 1, pos);
    value *l = val_list(items, n);
    free(items);
    return l;
}

value *np_tolist(const nd_array *a)
{
    int64_t pos = 0;
    return tolist_rec(a, 0, &pos);
}

/* ---- broadcasting ------------------------------------------------------------------ */

int np_broadcast_shape(int n, const nd_array *const *arrs, int *ndim, int64_t *shape, td_err *err)
{
    int nd = 0;
    for (int i = 0; i < n; i++)
        nd = arrs[i]->ndim > nd ? arrs[i]->ndim : nd;
    for (int d = 0; d < nd; d++)
        shape[d] = 1;
    for (int i = 0; i < n; i++) {
        int off = nd - arrs[i]->ndim;
        for (int d = 0; d < arrs[i]->ndim; d++) {
            int64_t s = arrs[i]->shape[d], *o = &shape[off + d];
            if (s == *o || s == 1)
                continue;
            if (*o == 1) {
                *o = s;
                continue;
            }
            char msg[TD_ERRMSG_MAX], buf[200];
            size_t used =
                (size_t)snprintf(msg, sizeof msg, "operands could not be broadcast together with shapes ");
            for (int j = 0; j < n && used < sizeof msg; j++)
                used += (size_t)snprintf(msg + used, sizeof msg - used, "%s ",
                                         shape_compact(arrs[j]->ndim, arrs[j]->shape, buf, sizeof buf));
            return td_err_set(err, TD_EVALUE, "%s", msg);
        }
    }
    *ndim = nd;
    return 0;
}

nd_array *np_broadcast_to(const nd_array *a, int ndim, const int64_t *shape, td_err *err)
{
    if (a->ndim == ndim && !memcmp(a->shape, shape, sizeof(int64_t) * (size_t)ndim))
        return nd_retain((nd_array *)a);
    int off = ndim - a->ndim;
    int64_t stride[ND_MAXDIM], st = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        int sd = d - off;
        if (sd < 0) {
            stride[d] = 0;
            continue;
        }
        if (a->shape[sd] != shape[d] && a->shape[sd] != 1) {
            char s1[200], s2[200];
            td_err_set(err, TD_EVALUE, "could not broadcast input array from shape %s into shape %s",
                       shape_compact(a->ndim, a->shape, s1, sizeof s1),
                       shape_compact(ndim, shape, s2, sizeof s2));
            return NULL;
        }
        stride[d] = a->shape[sd] == 1 ? 0 : st;
        st *= a->shape[sd];
    }
    nd_array *r = nd_new(a->dtype, ndim, shape, err);
    if (!r || r->size == 0)
        return r;
    size_t is = td_dtype_size(a->dtype);
    int64_t ctr[ND_MAXDIM] = {0}, src = 0;
    for (int64_t i = 0; i < r->size; i++) {
        memcpy((char *)r->data + i * (int64_t)is, (const char *)a->data + src * (int64_t)is, is);
        for (int d = ndim - 1; d >= 0; d--) {
            src += stride[d];
            if (++ctr[d] < shape[d])
                break;
            src -= stride[d] * shape[d];
            ctr[d] = 0;
        }
    }
    return r;
}

/* Images and Series in the language: what both types share. */
#include "m_data.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "interp.h"
#include "m_serops.h"
#include "print.h"
#include "strbuf.h"

static td_data *self_data(call_args *a)
{
    return a->self->u.data;
}

/* Wraps a new td_data (taking the reference) or passes an error through. */
static value *wrap(td_data *d)
{
    return d ? val_data(d) : NULL;
}

static value *tuple_of_shape(int ndim, const int64_t *shape)
{
    value *items[ND_MAXDIM];
    for (int i = 0; i < ndim; i++)
        items[i] = val_int(shape[i]);
    return val_tuple(items, ndim);
}

/* --- repr, operators -------------------------------------------------------- */

int data_repr(strbuf *sb, const value *v, td_err *err)
{
    const td_data *d = v->u.data;
    char shape[256], mode[64];
    int ndim;
    const int64_t *dims;
    dist_shape(v, &ndim, &dims);
    nd_shape_str(ndim, dims, shape, sizeof shape);
    sb_addf(sb, "%s\nmode: %s\ndtype: %s\nshape: %s", d->kind == TD_IMAGES ? "Images" : "Series",
            dist_mode_name(v, mode, sizeof mode), td_dtype_name(data_dtype(d)), shape);
    return 0;
}

static const char *binop_symbol(ast_binop op)
{
    static const char *const sym[] = {"+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"};
    return (unsigned)op < sizeof sym / sizeof *sym ? sym[op] : "?";
}

value *data_binary(ast_binop op, value *left, value *right, td_err *err)
{
    static const char *const method[] = {"plus", "minus", "dottimes", "dotdivide"};
    const char *hint = (unsigned)op <= OP_DIV ? method[op] : NULL;
    if (hint)
        td_err_set(err, TD_ETYPE, "unsupported operand type(s) for %s: '%s' and '%s' (use .%s())",
                   binop_symbol(op), val_type_name(left), val_type_name(right), hint);
    else
        td_err_set(err, TD_ETYPE, "unsupported operand type(s) for %s: '%s' and '%s'", binop_symbol(op),
                   val_type_name(left), val_type_name(right));
    return NULL;
}

/* --- subscripts ------------------------------------------------------------- */

/* Selects labels along the first axes the same way the values were selected. */
static nd_array *select_labels(const td_data *d, int nidx, const nd_index *idx, td_err *err)
{
    if (!d->labels)
        return NULL;
    int nlead = data_nlead(d);
    return nd_index_get(d->labels, nidx < nlead ? nidx : nlead, idx, err);
}

value *data_subscript(value *self, value *index, td_err *err)
{
    const td_data *d = self->u.data;
    const nd_array *v = d->values;
    value *single[1] = {index};
    value **items = single;
    int n = 1;
    if (index->kind == V_TUPLE) {
        items = index->u.seq.items;
        n = (int)index->u.seq.n;
    }
    if (n > v->ndim) {
        td_err_set(err, TD_EINDEX, "too many indices: %s has %d dimensions, %d were indexed",
                   val_type_name(self), v->ndim, n);
        return NULL;
    }
    nd_index idx[ND_MAXDIM] = {0};
    nd_array *lists[ND_MAXDIM] = {0};
    int nlists = 0;
    value *result = NULL;
    for (int i = 0; i < n; i++) {
        value *it = items[i];
        memset(&idx[i], 0, sizeof idx[i]);
        int64_t k;
        if (it->kind == V_SLICE) {
            idx[i].kind = ND_IDX_SLICE;
            idx[i].step = 1;
            if (it->u.slice.start->kind != V_NONE) {
                idx[i].has_start = true;
                idx[i].start = it->u.slice.start->u.i;
            }
            if (it->u.slice.stop->kind != V_NONE) {
                idx[i].has_stop = true;
                idx[i].stop = it->u.slice.stop->u.i;
            }
            if (it->u.slice.step->kind != V_NONE)
                idx[i].step = it->u.slice.step->u.i;
            if (idx[i].step == 0) {
                td_err_set(err, TD_EVALUE, "slice step cannot be zero");
                goto done;
            }
        } else if (it->kind == V_INT || it->kind == V_BOOL ||
                   (it->kind == V_ARRAY && it->u.arr.a->ndim == 0)) {
            /* Thunder turns an integer into a one-wide slice so no axis is dropped. */
            if (val_to_int(it, &k, err) < 0)
                goto done;
            int64_t len = v->shape[i];
            if (k < -len || k >= len) {
                td_err_set(err, TD_EINDEX, "index %lld is out of bounds for axis %d with size %lld",
                           (long long)k, i, (long long)len);
                goto done;
            }
            if (k < 0)
                k += len;
            idx[i].kind = ND_IDX_SLICE;
            idx[i].has_start = idx[i].has_stop = true;
            idx[i].start = k;
            idx[i].stop = k + 1;
            idx[i].step = 1;
        } else if (it->kind == V_LIST || it->kind == V_ARRAY) {
            nd_array *l = val_to_array(it, err);
            if (!l)
                goto done;
            nd_array *li = nd_astype(l, TD_INT64, err);
            nd_release(l);
            if (!li)
                goto done;
            if (nlists > 0) {
                nd_release(li);
                td_err_set(err, TD_EINDEX, "only one list index is supported per subscript");
                goto done;
            }
            lists[nlists++] = li;
            idx[i].kind = ND_IDX_LIST;
            idx[i].list = li->data;
            idx[i].nlist = li->size;
        } else {
            td_err_set(err, TD_ETYPE, "%s indices must be integers, slices or lists, not %s",
                       val_type_name(self), val_type_name(it));
            goto done;
        }
    }
    nd_array *nv = nd_index_get(v, n, idx, err);
    if (!nv)
        goto done;
    for (int i = 0; i < nv->ndim; i++)
        if (nv->shape[i] == 0) {
            nd_release(nv);
            td_err_set(err, TD_EINDEX, "the selection is empty");
            goto done;
        }
    td_data *nd = NULL;
    if (d->kind == TD_IMAGES) {
        nd = img_fromarray(nv, err);
    } else {
        /* Thunder resets the index after indexing. */
        nd = ser_fromarray(nv, NULL, err);
    }
    nd_release(nv);
    if (!nd)
        goto done;
    if (d->labels) {
        nd_array *l = select_labels(d, n, idx, err);
        if (!l) {
            data_release(nd);
            goto done;
        }
        td_data *wl = data_with_labels(nd, l, err);
        nd_release(l);
        data_release(nd);
        nd = wl;
        if (!nd)
            goto done;
    }
    result = val_data(nd);
done:
    for (int i = 0; i < nlists; i++)
        nd_release(lists[i]);
    return result;
}

/* --- simple methods ------------------------------------------------------------ */

value *m_data_count(call_args *a, td_err *err)
{
    return val_int(data_count(self_data(a)));
}

value *m_data_first(call_args *a, td_err *err)
{
    nd_array *f = data_first(self_data(a), err);
    return f ? val_array(f) : NULL;
}

value *m_data_toarray(call_args *a, td_err *err)
{
    nd_array *v = data_toarray(self_data(a), err);
    if (!v)
        return NULL;
    return v->ndim == 0 ? val_npscalar(v) : val_array(v);
}

value *m_data_values(call_args *a, td_err *err)
{
    nd_array *v = data_values(self_data(a), err);
    return v ? val_array(v) : NULL;
}

value *m_data_shape(call_args *a, td_err *err)
{
    const td_data *d = self_data(a);
    return tuple_of_shape(data_ndim(d), data_shape(d));
}

value *m_data_ndim(call_args *a, td_err *err)
{
    return val_int(data_ndim(self_data(a)));
}

value *m_data_dtype(call_args *a, td_err *err)
{
    return val_dtype(data_dtype(self_data(a)));
}

value *m_data_mode(call_args *a, td_err *err)
{
    return val_cstr("local");
}

value *m_data_labels(call_args *a, td_err *err)
{
    const td_data *d = self_data(a);
    return d->labels ? val_array(nd_retain(d->labels)) : val_none();
}

static value *reduce_op(call_args *a, nd_redop op, td_err *err)
{
    return wrap(data_reduce(self_data(a), op, err));
}

value *m_data_mean(call_args *a, td_err *err)
{
    return reduce_op(a, ND_RMEAN, err);
}

value *m_data_var(call_args *a, td_err *err)
{
    return reduce_op(a, ND_RVAR, err);
}

value *m_data_std(call_args *a, td_err *err)
{
    return reduce_op(a, ND_RSTD, err);
}

value *m_data_sum(call_args *a, td_err *err)
{
    return reduce_op(a, ND_RSUM, err);
}

value *m_data_max(call_args *a, td_err *err)
{
    return reduce_op(a, ND_RMAX, err);
}

value *m_data_min(call_args *a, td_err *err)
{
    return reduce_op(a, ND_RMIN, err);
}

value *m_data_astype(call_args *a, td_err *err)
{
    return wrap(data_astype(self_data(a), a->v[0]->u.dtype, err));
}

value *m_data_squeeze(call_args *a, td_err *err)
{
    return wrap(data_squeeze(self_data(a), err));
}

value *m_data_reshape(call_args *a, td_err *err)
{
    value *shape = a->v[0];
    /* reshape(2, 3, 4) and reshape((2, 3, 4)) both arrive as one tuple. */
    if (shape->u.seq.n == 1 && shape->u.seq.items[0]->kind == V_TUPLE)
        shape = shape->u.seq.items[0];
    int64_t s[ND_MAXDIM];
    if (shape->u.seq.n > ND_MAXDIM) {
        td_err_set(err, TD_EVALUE, "too many dimensions");
        return NULL;
    }
    for (int64_t i = 0; i < shape->u.seq.n; i++)
        if (val_to_int(shape->u.seq.items[i], &s[i], err) < 0)
            return NULL;
    return wrap(data_reshape(self_data(a), (int)shape->u.seq.n, s, err));
}

value *m_data_tolocal(call_args *a, td_err *err)
{
    return val_retain(a->self);
}

value *m_data_tospark(call_args *a, td_err *err)
{
    /* under mpirun app/dist.c answers; here there is one process */
    td_err_set(
        err, TD_EVALUE,
        "%s(): distributed mode needs thunder built with MPI (./configure --with-mpi) and started with "
        "mpirun -np N thunder SCRIPT",
        a->fn->name);
    return NULL;
}

/* --- element-wise arithmetic ----------------------------------------------------- */

static value *elementwise(call_args *a, nd_binop op, td_err *err)
{
    const td_data *d = self_data(a);
    value *other = a->v[0];
    nd_array *out = NULL;
    if (other->kind == V_INT || other->kind == V_BOOL) {
        out = nd_binary_scalar(op, d->values, other->kind == V_BOOL ? TD_SCALAR_BOOL : TD_SCALAR_INT,
                               other->kind == V_BOOL ? other->u.b : other->u.i, 0, false, err);
    } else if (other->kind == V_FLOAT) {
        out = nd_binary_scalar(op, d->values, TD_SCALAR_FLOAT, 0, other->u.f, false, err);
    } else {
        nd_array *o = NULL;
        if (other->kind == V_IMAGES || other->kind == V_SERIES)
            o = nd_retain(other->u.data->values);
        else if (!(o = val_to_array(other, err)))
            return NULL;
        if (o->ndim == 0) {
            out = nd_binary(op, d->values, o, err);
        } else if (!nd_same_shape(o, d->values)) {
            char s1[128], s2[128];
            td_err_set(err, TD_EVALUE, "shapes %s and %s must be equal",
                       nd_shape_str(d->values->ndim, d->values->shape, s1, sizeof s1),
                       nd_shape_str(o->ndim, o->shape, s2, sizeof s2));
        } else {
            out = nd_binary(op, d->values, o, err);
        }
        nd_release(o);
    }
    if (!out)
        return NULL;
    td_data *r = data_with_values(d, out, err);
    nd_release(out);
    return wrap(r);
}

value *m_data_plus(call_args *a, td_err *err)
{
    return elementwise(a, ND_ADD, err);
}

value *m_data_minus(call_args *a, td_err *err)
{
    return elementwise(a, ND_SUB, err);
}

value *m_data_dottimes(call_args *a, td_err *err)
{
    return elementwise(a, ND_MUL, err);
}

value *m_data_dotdivide(call_args *a, td_err *err)
{
    return elementwise(a, ND_TRUEDIV, err);
}

/* One bound of clip: maximum(x, lo) or minimum(x, hi), with numpy's casting. */
static nd_array *clip_bound(nd_array *x, value *bound, nd_binop op, td_err *err)
{
    if (bound->kind == V_NONE)
        return nd_retain(x);
    if (bound->kind == V_INT || bound->kind == V_BOOL)
        return nd_binary_scalar(op, x, TD_SCALAR_INT, bound->kind == V_BOOL ? bound->u.b : bound->u.i, 0,
                                false, err);
    if (bound->kind == V_FLOAT)
        return nd_binary_scalar(op, x, TD_SCALAR_FLOAT, 0, bound->u.f, false, err);
    nd_array *b = val_to_array(bound, err);
    if (!b)
        return NULL;
    nd_array *r = nd_binary(op, x, b, err);
    nd_release(b);
    return r;
}

value *m_data_clip(call_args *a, td_err *err)
{
    const td_data *d = self_data(a);
    if (a->v[0]->kind == V_NONE && a->v[1]->kind == V_NONE) {
        td_err_set(err, TD_EVALUE, "One of max or min must be given");
        return NULL;
    }
    nd_array *lo = clip_bound(d->values, a->v[0], ND_MAXIMUM, err);
    if (!lo)
        return NULL;
    nd_array *hi = clip_bound(lo, a->v[1], ND_MINIMUM, err);
    nd_release(lo);
    if (!hi)
        return NULL;
    td_data *r = data_with_values(d, hi, err);
    nd_release(hi);
    return wrap(r);
}

/* --- functions over records ------------------------------------------------------ */

/* The language value of record i: an image, or a series record of (length,). */
static value *record_value(const td_data *d, int64_t i, td_err *err)
{
    int nlead = data_nlead(d);
    const nd_array *v = d->values;
    int64_t size = data_record_size(d);
    /* A Series record is 1-D (length,); an image keeps its value shape. */
    nd_array *one = nd_view(v, i * size, v->ndim - nlead, v->shape + nlead, err);
    return one ? val_array(one) : NULL;
}

/* The key Thunder passes with_keys: (i,) for Images, the base position for
 * Series. A distributed share (part not NULL) numbers its records in the
 * whole. */
static value *record_key(const td_data *d, const dpart *part, int64_t i)
{
    int nlead = part ? (d->kind == TD_IMAGES ? 1 : part->ndim - 1) : data_nlead(d);
    const int64_t *shape = part ? part->shape : data_shape(d);
    if (part)
        i += part->offset;
    value *items[ND_MAXDIM];
    for (int k = nlead - 1; k >= 0; k--) {
        int64_t len = shape[k];
        items[k] = val_int(len ? i % len : 0);
        i = len ? i / len : 0;
    }
    return val_tuple(items, nlead);
}

/* The partition whose keys a share's records have, or NULL (local, or
 * every record on every rank). */
static const dpart *keys_part(const value *self)
{
    return self && self->part && !self->part->replicated ? self->part : NULL;
}

/* func(record) or func((key, record)). */
static value *call_on_record(interp *in, value *func, const td_data *d, int64_t i, bool with_keys,
                             const dpart *part, td_err *err)
{
    value *rec = record_value(d, i, err);
    if (!rec)
        return NULL;
    value *arg = rec;
    if (with_keys) {
        value *pair[2] = {record_key(d, part, i), rec};
        arg = val_tuple(pair, 2);
    }
    value *r = interp_call(in, func, 1, &arg, err);
    val_release(arg);
    return r;
}

struct map_ctx {
    interp *in;
    value *func;
    const td_data *d;
    bool with_keys;
    const dpart *part;
    nd_array *out; /* (nrecords, *elem) in dtype */
    int elem_ndim;
    const int64_t *elem_shape;
    int64_t elem_size;
    atomic_int wider; /* a record's result needs a wider dtype than out's */
    td_dtype widest;  /* guarded by `wider`'s transitions; read after the run */
};

/* The result of one call as an array of the expected element shape. */
static nd_array *result_array(value *r, td_err *err)
{
    return val_to_array(r, err);
}

static int map_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct map_ctx *c = p;
    size_t is = nd_itemsize(c->out);
    for (int64_t i = begin; i < end; i++) {
        value *r = call_on_record(c->in, c->func, c->d, i, c->with_keys, c->part, err);
        if (!r)
            return -1;
        nd_array *x = result_array(r, err);
        val_release(r);
        if (!x)
            return -1;
        bool same =
            x->size == c->elem_size && (x->ndim == c->elem_ndim || (c->elem_ndim == 1 && x->ndim == 0));
        for (int k = 0; same && k < x->ndim; k++)
            same = x->shape[k] == c->elem_shape[k];
        if (!same) {
            char s1[128], s2[128];
            td_err_set(err, TD_EVALUE, "map: record %lld gave shape %s, but the first gave %s", (long long)i,
                       nd_shape_str(x->ndim, x->shape, s1, sizeof s1),
                       nd_shape_str(c->elem_ndim, c->elem_shape, s2, sizeof s2));
            nd_release(x);
            return -1;
        }
        if (td_promote(x->dtype, c->out->dtype) != c->out->dtype) {
#pragma omp critical(thunder_map_widen)
            {
                c->widest = td_promote(c->widest, x->dtype);
                atomic_store(&c->wider, 1);
            }
        }
        nd_convert((char *)c->out->data + i * c->elem_size * (int64_t)is, c->out->dtype, x->data, x->dtype,
                   x->size);
        nd_release(x);
    }
    return 0;
}

value *data_map(call_args *a, value *func, value *value_shape, value *dtype, bool with_keys, value *new_index,
                td_err *err)
{
    const td_data *d = self_data(a);
    int64_t n = data_nrecords(d);
    if (n == 0) {
        td_err_set(err, TD_EVALUE, "map over empty data");
        return NULL;
    }
    /* The first record fixes the element shape and dtype, as Thunder's asarray of results does. */
    value *r0 = call_on_record(a->in, func, d, 0, with_keys, keys_part(a->self), err);
    if (!r0)
        return NULL;
    nd_array *x0 = result_array(r0, err);
    val_release(r0);
    if (!x0)
        return NULL;
    int64_t elem_shape[ND_MAXDIM];
    int elem_ndim = x0->ndim;
    memcpy(elem_shape, x0->shape, sizeof(int64_t) * (size_t)x0->ndim);
    if (elem_ndim == 0) { /* scalars become records of one value */
        elem_ndim = 1;
        elem_shape[0] = 1;
    }
    (void)value_shape; /* the shape always comes from the results; given ones are checked by them */
    td_dtype dt = dtype && dtype->kind == V_DTYPE ? dtype->u.dtype : x0->dtype;
    int nlead = data_nlead(d);
    int64_t shape[ND_MAXDIM];
    if (nlead + elem_ndim > ND_MAXDIM) {
        nd_release(x0);
        td_err_set(err, TD_EVALUE, "map result has too many dimensions");
        return NULL;
    }
    memcpy(shape, data_shape(d), sizeof(int64_t) * (size_t)nlead);
    memcpy(shape + nlead, elem_shape, sizeof(int64_t) * (size_t)elem_ndim);
    td_dtype first_dt = x0->dtype;
    nd_release(x0);
    for (int attempt = 0; attempt < 2; attempt++) {
        nd_array *out = nd_new(dt, nlead + elem_ndim, shape, err);
        if (!out)
            return NULL;
        struct map_ctx c = {a->in,      func, d, with_keys, keys_part(a->self), out, elem_ndim,
                            elem_shape, 0,    0, dt};
        c.elem_size = 1;
        for (int k = 0; k < elem_ndim; k++)
            c.elem_size *= elem_shape[k];
        if (td_par_for(n, 0, map_kernel, &c, err) < 0) {
            nd_release(out);
            return NULL;
        }
        if (atomic_load(&c.wider) && !(dtype && dtype->kind == V_DTYPE) && attempt == 0) {
            /* Records disagreed on the dtype: numpy would promote, so run again wider. */
            nd_release(out);
            dt = td_promote(c.widest, first_dt);
            continue;
        }
        td_data *nd;
        if (d->kind == TD_IMAGES) {
            nd = img_fromarray(out, err);
        } else if (new_index && new_index->kind != V_NONE) {
            /* numbers or strings (m_serops.h) */
            td_series *plain = ser_fromarray(out, NULL, err);
            nd = plain ? series_with_index_value(plain, new_index, err) : NULL;
            data_release(plain);
        } else if (d->index && d->index->shape[0] == shape[nlead + elem_ndim - 1]) {
            nd = ser_fromarray_like(out, d, err); /* same length: the index carries over */
        } else {
            nd = ser_fromarray(out, NULL, err);
        }
        nd_release(out);
        if (nd && d->labels) {
            td_data *wl = data_with_labels(nd, d->labels, err);
            data_release(nd);
            nd = wl;
        }
        return wrap(nd);
    }
    return NULL;
}

struct filter_ctx {
    interp *in;
    value *func;
    const td_data *d;
    uint8_t *keep;
};

static int filter_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct filter_ctx *c = p;
    for (int64_t i = begin; i < end; i++) {
        value *r = call_on_record(c->in, c->func, c->d, i, false, NULL, err);
        if (!r)
            return -1;
        bool t;
        int rc = val_truth(r, &t, err);
        val_release(r);
        if (rc < 0)
            return -1;
        c->keep[i] = t;
    }
    return 0;
}

value *m_data_filter(call_args *a, td_err *err)
{
    const td_data *d = self_data(a);
    int64_t n = data_nrecords(d);
    uint8_t *keep = td_scratch_alloc((size_t)n + 1, err);
    if (!keep)
        return NULL;
    struct filter_ctx c = {a->in, a->v[0], d, keep};
    value *result = NULL;
    if (td_par_for(n, 0, filter_kernel, &c, err) < 0)
        goto done;
    int64_t kept = 0;
    for (int64_t i = 0; i < n; i++)
        kept += keep[i];
    /* Thunder flattens the record axes: the result has one leading axis. */
    int64_t rs = data_record_size(d);
    int nrec_axes = d->values->ndim - data_nlead(d);
    int64_t shape[ND_MAXDIM];
    shape[0] = kept;
    memcpy(shape + 1, data_shape(d) + data_nlead(d), sizeof(int64_t) * (size_t)nrec_axes);
    nd_array *out = nd_new(d->values->dtype, 1 + nrec_axes, shape, err);
    if (!out)
        goto done;
    size_t bytes = (size_t)rs * nd_itemsize(out);
    int64_t j = 0;
    for (int64_t i = 0; i < n; i++)
        if (keep[i])
            memcpy((char *)out->data + (size_t)j++ * bytes, data_record(d, i), bytes);
    td_data *nd;
    /* (in distributed mode one rank's share may keep nothing; dist.c
     * checks that some rank kept something) */
    if (kept == 0 && !a->self->part) {
        nd_release(out);
        td_err_set(err, TD_EVALUE, "filter removed every record");
        goto done;
    }
    nd = d->kind == TD_IMAGES ? img_fromarray(out, err) : ser_fromarray_like(out, d, err);
    nd_release(out);
    if (nd && d->labels) {
        int64_t ls[1] = {kept};
        nd_array *l = nd_new(d->labels->dtype, 1, ls, err);
        if (l) {
            size_t lis = nd_itemsize(l);
            int64_t k = 0;
            for (int64_t i = 0; i < n; i++)
                if (keep[i])
                    memcpy((char *)l->data + (size_t)k++ * lis, (char *)d->labels->data + (size_t)i * lis,
                           lis);
            td_data *wl = data_with_labels(nd, l, err);
            nd_release(l);
            data_release(nd);
            nd = wl;
        } else {
            data_release(nd);
            nd = NULL;
        }
    }
    result = wrap(nd);
done:
    td_scratch_free(keep);
    return result;
}

typedef struct fold_ctx {
    call_args *a;
    const td_data *d;
} fold_ctx;

/* acc, then every record of d folded into it in order; with acc NULL the
 * fold starts from the first record. Takes over acc. */
static value *fold_records(void *p, value *acc, td_err *err)
{
    const fold_ctx *c = p;
    int64_t n = data_nrecords(c->d), i = 0;
    if (!acc && n > 0)
        acc = record_value(c->d, i++, err);
    for (; acc && i < n; i++) {
        if (td_cancelled()) {
            val_release(acc);
            td_err_set(err, TD_ECANCEL, "cancelled");
            return NULL;
        }
        value *rec = record_value(c->d, i, err);
        if (!rec) {
            val_release(acc);
            return NULL;
        }
        value *args[2] = {acc, rec};
        value *next = interp_call(c->a->in, c->a->v[0], 2, args, err);
        val_release(rec);
        val_release(acc);
        acc = next;
    }
    return acc;
}

value *m_data_reduce(call_args *a, td_err *err)
{
    const td_data *d = self_data(a);
    /* A left fold in record order, as Python's functools.reduce: the
     * function need not be associative, so a distributed fold goes from
     * rank to rank in order rather than combining partial results. */
    fold_ctx c = {a, d};
    value *acc;
    if (a->self->part && !a->self->part->replicated) {
        acc = dist_fold(fold_records, &c, err);
    } else {
        if (data_nrecords(d) == 0) {
            td_err_set(err, TD_ETYPE, "reduce() of empty data with no initial value");
            return NULL;
        }
        acc = fold_records(&c, NULL, err);
    }
    if (!acc)
        return NULL;
    nd_array *x = val_to_array(acc, err);
    val_release(acc);
    if (!x)
        return NULL;
    int nlead = data_nlead(d);
    int nrec = d->values->ndim - nlead;
    bool ok = x->ndim == nrec;
    for (int k = 0; ok && k < nrec; k++)
        ok = x->shape[k] == data_shape(d)[nlead + k];
    if (!ok) {
        nd_release(x);
        td_err_set(err, TD_EVALUE, "reduce did not yield an array with valid dimensions");
        return NULL;
    }
    int64_t shape[ND_MAXDIM];
    shape[0] = 1;
    memcpy(shape + 1, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    nd_array *r = nd_reshape(x, x->ndim + 1, shape, err);
    nd_release(x);
    if (!r)
        return NULL;
    td_data *nd = d->kind == TD_IMAGES ? img_fromarray(r, err) : ser_fromarray_like(r, d, err);
    nd_release(r);
    return wrap(nd);
}

value *m_data_foreach(call_args *a, td_err *err)
{
    const td_data *d = self_data(a);
    int64_t n = data_nrecords(d);
    /* In order, one at a time: the function is there for its side effects. */
    for (int64_t i = 0; i < n; i++) {
        value *rec = record_value(d, i, err);
        if (!rec)
            return NULL;
        value *pair[2] = {val_int(i), rec};
        value *arg = val_tuple(pair, 2);
        value *r = interp_call(a->in, a->v[0], 1, &arg, err);
        val_release(arg);
        if (!r)
            return NULL;
        val_release(r);
    }
    return val_none();
}

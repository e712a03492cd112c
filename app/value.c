/* Runtime values: construction, reference counting, truth, conversions,
 * and repr()/str(). */
#include "value.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "lang.h"
#include "m_data.h"
#include "print.h"
#include "registry.h"
#include "strbuf.h"

/* The singletons never reach zero: their counts are not touched at all,
 * which also spares worker threads a shared cache line. */
static value none_v = {.refcount = 1, .kind = V_NONE};
static value true_v = {.refcount = 1, .kind = V_BOOL, .u.b = true};
static value false_v = {.refcount = 1, .kind = V_BOOL, .u.b = false};

static bool is_singleton(const value *v)
{
    return v == &none_v || v == &true_v || v == &false_v;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "thunder: out of memory (%zu bytes)\n", n);
        abort();
    }
    return p;
}

/* Value structs come from core's per-thread cache of small blocks: a
 * lambda mapped over a million records makes and drops a few values per
 * record, and malloc's bookkeeping would cost more than the reuse. */
static value *new_value(vkind kind)
{
    value *v = td_obj_alloc(sizeof *v);
    if (!v) {
        fprintf(stderr, "thunder: out of memory (%zu bytes)\n", sizeof *v);
        abort();
    }
    atomic_init((atomic_int *)&v->refcount, 1);
    v->kind = kind;
    return v;
}

value *val_none(void)
{
    return &none_v;
}

value *val_bool(bool b)
{
    return b ? &true_v : &false_v;
}

value *val_int(int64_t i)
{
    value *v = new_value(V_INT);
    v->u.i = i;
    return v;
}

value *val_float(double f)
{
    value *v = new_value(V_FLOAT);
    v->u.f = f;
    return v;
}

value *val_str(const char *s, size_t len)
{
    value *v = new_value(V_STR);
    if (len == SIZE_MAX) {
        fprintf(stderr, "thunder: out of memory (string too long)\n");
        abort();
    }
    v->u.str.s = xmalloc(len + 1);
    if (len)
        memcpy(v->u.str.s, s, len);
    v->u.str.s[len] = '\0';
    v->u.str.len = len;
    return v;
}

value *val_cstr(const char *s)
{
    return val_str(s, strlen(s));
}

value *val_str_own(char *s, size_t len)
{
    value *v = new_value(V_STR);
    v->u.str.s = s;
    v->u.str.len = len;
    return v;
}

static value *new_seq(vkind kind, value **items, int64_t n)
{
    value *v = new_value(kind);
    if (n < 0 || (uint64_t)n > SIZE_MAX / sizeof(value *)) {
        fprintf(stderr, "thunder: out of memory (sequence too long)\n");
        abort();
    }
    v->u.seq.items = xmalloc((size_t)n * sizeof(value *));
    if (n)
        memcpy(v->u.seq.items, items, (size_t)n * sizeof(value *));
    v->u.seq.n = n;
    return v;
}

value *val_list(value **items, int64_t n)
{
    return new_seq(V_LIST, items, n);
}

value *val_tuple(value **items, int64_t n)
{
    return new_seq(V_TUPLE, items, n);
}

value *val_slice(value *start, value *stop, value *step)
{
    value *v = new_value(V_SLICE);
    v->u.slice.start = val_retain(start ? start : val_none());
    v->u.slice.stop = val_retain(stop ? stop : val_none());
    v->u.slice.step = val_retain(step ? step : val_none());
    return v;
}

value *val_array(nd_array *a)
{
    value *v = new_value(V_ARRAY);
    v->u.arr.a = a;
    v->u.arr.scalar = false;
    return v;
}

value *val_npscalar(nd_array *a)
{
    value *v = new_value(V_ARRAY);
    v->u.arr.a = a;
    v->u.arr.scalar = true;
    return v;
}

value *val_data(td_data *d)
{
    value *v = new_value(d->kind == TD_IMAGES ? V_IMAGES : V_SERIES);
    v->u.data = d;
    return v;
}

value *val_data_part(td_data *d, struct dpart *part)
{
    value *v = val_data(d);
    v->part = part;
    return v;
}

value *val_blocks(struct blocks *b)
{
    value *v = new_value(V_BLOCKS);
    v->u.blocks = b;
    return v;
}

value *val_func(struct lambda *fn)
{
    value *v = new_value(V_FUNC);
    v->u.fn = fn;
    return v;
}

value *val_builtin(const struct reg_func *f)
{
    value *v = new_value(V_BUILTIN);
    v->u.builtin = f;
    return v;
}

value *val_method(value *self, const struct reg_func *f)
{
    value *v = new_value(V_METHOD);
    v->u.method.self = val_retain(self);
    v->u.method.fn = f;
    return v;
}

value *val_module(const struct module *m)
{
    value *v = new_value(V_MODULE);
    v->u.mod = m;
    return v;
}

value *val_dtype(td_dtype t)
{
    value *v = new_value(V_DTYPE);
    v->u.dtype = t;
    return v;
}

value *val_retain(value *v)
{
    if (v && !is_singleton(v))
        atomic_fetch_add_explicit((atomic_int *)&v->refcount, 1, memory_order_relaxed);
    return v;
}

void val_release(value *v)
{
    if (!v || is_singleton(v))
        return;
    if (atomic_fetch_sub_explicit((atomic_int *)&v->refcount, 1, memory_order_acq_rel) != 1)
        return;
    switch (v->kind) {
    case V_STR: free(v->u.str.s); break;
    case V_LIST:
    case V_TUPLE:
        for (int64_t i = 0; i < v->u.seq.n; i++)
            val_release(v->u.seq.items[i]);
        free(v->u.seq.items);
        break;
    case V_SLICE:
        val_release(v->u.slice.start);
        val_release(v->u.slice.stop);
        val_release(v->u.slice.step);
        break;
    case V_ARRAY: nd_release(v->u.arr.a); break;
    case V_IMAGES:
    case V_SERIES:
        data_release(v->u.data);
        dist_part_free(v->part);
        break;
    case V_BLOCKS:
        blocks_release(v->u.blocks);
        dist_part_free(v->part);
        break;
    case V_FUNC: lang_lambda_free(v->u.fn); break;
    case V_METHOD: val_release(v->u.method.self); break;
    default: break;
    }
    td_obj_free(v, sizeof *v);
}

const char *val_type_name(const value *v)
{
    switch (v->kind) {
    case V_NONE: return "NoneType";
    case V_BOOL: return "bool";
    case V_INT: return "int";
    case V_FLOAT: return "float";
    case V_STR: return "str";
    case V_LIST: return "list";
    case V_TUPLE: return "tuple";
    case V_SLICE: return "slice";
    case V_ARRAY:
        if (v->u.arr.scalar)
            return v->u.arr.a->dtype == TD_BOOL ? "bool_" : td_dtype_name(v->u.arr.a->dtype);
        return "ndarray";
    case V_IMAGES: return "Images";
    case V_SERIES: return "Series";
    case V_BLOCKS: return "Blocks";
    case V_FUNC: return "function";
    case V_BUILTIN: return "builtin_function_or_method";
    case V_METHOD: return "method";
    case V_MODULE: return "module";
    case V_DTYPE: return "dtype";
    }
    return "object";
}

int val_truth(const value *v, bool *out, td_err *err)
{
    switch (v->kind) {
    case V_NONE: *out = false; return 0;
    case V_BOOL: *out = v->u.b; return 0;
    case V_INT: *out = v->u.i != 0; return 0;
    case V_FLOAT: *out = v->u.f != 0.0; return 0; /* NaN is true, as in Python */
    case V_STR: *out = v->u.str.len != 0; return 0;
    case V_LIST:
    case V_TUPLE: *out = v->u.seq.n != 0; return 0;
    case V_ARRAY: {
        const nd_array *a = v->u.arr.a;
        if (a->size > 1)
            return td_err_set(err, TD_EVALUE,
                              "The truth value of an array with more than one element is ambiguous. "
                              "Use a.any() or a.all()");
        /* numpy 1.24 deprecates the truth of an empty array but still answers False */
        if (a->size == 0) {
            *out = false;
            return 0;
        }
        if (td_dtype_is_float(a->dtype))
            *out = nd_get_f64(a, 0) != 0.0;
        else
            *out = nd_get_i64(a, 0) != 0;
        return 0;
    }
    default: *out = true; return 0;
    }
}

bool val_is_number(const value *v)
{
    if (v->kind == V_BOOL || v->kind == V_INT || v->kind == V_FLOAT)
        return true;
    return v->kind == V_ARRAY && v->u.arr.a->size == 1 && (v->u.arr.scalar || v->u.arr.a->ndim == 0);
}

int val_to_int(const value *v, int64_t *out, td_err *err)
{
    switch (v->kind) {
    case V_BOOL: *out = v->u.b; return 0;
    case V_INT: *out = v->u.i; return 0;
    case V_ARRAY: {
        const nd_array *a = v->u.arr.a;
        if (a->size == 1 && (td_dtype_is_int(a->dtype) || a->dtype == TD_BOOL)) {
            if (a->dtype == TD_UINT64) {
                uint64_t u;
                memcpy(&u, a->data, sizeof u);
                if (u > (uint64_t)INT64_MAX)
                    return lang_overflow(err);
            }
            *out = nd_get_i64(a, 0);
            return 0;
        }
        if (a->size == 1)
            return td_err_set(err, TD_ETYPE, "'%s' object cannot be interpreted as an integer",
                              val_type_name(v));
        return td_err_set(err, TD_ETYPE, "only integer scalar arrays can be converted to a scalar index");
    }
    default:
        return td_err_set(err, TD_ETYPE, "'%s' object cannot be interpreted as an integer", val_type_name(v));
    }
}

int val_to_double(const value *v, double *out, td_err *err)
{
    switch (v->kind) {
    case V_BOOL: *out = v->u.b; return 0;
    case V_INT: *out = (double)v->u.i; return 0;
    case V_FLOAT: *out = v->u.f; return 0;
    case V_ARRAY:
        if (v->u.arr.a->size == 1) {
            *out = nd_get_f64(v->u.arr.a, 0);
            return 0;
        }
        return td_err_set(err, TD_ETYPE, "only size-1 arrays can be converted to Python scalars");
    default: return td_err_set(err, TD_ETYPE, "must be real number, not %s", val_type_name(v));
    }
}

/* --- np.asarray -------------------------------------------------------- */

typedef struct shape_scan {
    int ndim;
    int64_t shape[ND_MAXDIM];
    bool fixed; /* a leaf was met: ndim is final */
    bool have_dtype;
    td_dtype dtype;
} shape_scan;

static void scan_dtype(shape_scan *s, td_dtype t)
{
    s->dtype = s->have_dtype ? td_promote(s->dtype, t) : t;
    s->have_dtype = true;
}

static int inhomogeneous(const shape_scan *s, int depth, td_err *err)
{
    char buf[256];
    return td_err_set(err, TD_EVALUE,
                      "setting an array element with a sequence. The requested array has an "
                      "inhomogeneous shape after %d dimensions. The detected shape was %s + "
                      "inhomogeneous part.",
                      depth, nd_shape_str(depth, s->shape, buf, sizeof buf));
}

/* The shape below `depth` is fixed by the first element met at each depth;
 * every later element must agree. */
static int scan(const value *v, int depth, shape_scan *s, td_err *err)
{
    if (depth > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "arrays may have at most %d dimensions", ND_MAXDIM);
    int sub_ndim;
    const int64_t *sub_shape;
    int64_t len;
    switch (v->kind) {
    case V_LIST:
    case V_TUPLE:
        len = v->u.seq.n;
        if (depth == s->ndim && !s->fixed) {
            if (s->ndim == ND_MAXDIM)
                return td_err_set(err, TD_EVALUE, "arrays may have at most %d dimensions", ND_MAXDIM);
            s->shape[s->ndim++] = len;
        } else if (depth >= s->ndim || s->shape[depth] != len) {
            return inhomogeneous(s, depth, err);
        }
        for (int64_t i = 0; i < len; i++)
            if (scan(v->u.seq.items[i], depth + 1, s, err) < 0)
                return -1;
        /* an empty sequence ends the shape, like a leaf */
        if (len == 0) {
            if (s->fixed && s->ndim != depth + 1)
                return inhomogeneous(s, depth, err);
            s->fixed = true;
        }
        return 0;
    case V_ARRAY:
        sub_ndim = v->u.arr.a->ndim;
        sub_shape = v->u.arr.a->shape;
        scan_dtype(s, v->u.arr.a->dtype);
        break;
    case V_BOOL:
        sub_ndim = 0;
        sub_shape = NULL;
        scan_dtype(s, TD_BOOL);
        break;
    case V_INT:
        sub_ndim = 0;
        sub_shape = NULL;
        scan_dtype(s, TD_INT64);
        break;
    case V_FLOAT:
        sub_ndim = 0;
        sub_shape = NULL;
        scan_dtype(s, TD_FLOAT64);
        break;
    default: return td_err_set(err, TD_ETYPE, "cannot make an array holding '%s' values", val_type_name(v));
    }
    /* A leaf (number or array) fixes the remaining axes. */
    if (depth + sub_ndim > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "arrays may have at most %d dimensions", ND_MAXDIM);
    if (!s->fixed && depth == s->ndim) {
        for (int i = 0; i < sub_ndim; i++)
            s->shape[s->ndim++] = sub_shape[i];
        s->fixed = true;
        return 0;
    }
    if (s->ndim != depth + sub_ndim)
        return inhomogeneous(s, depth, err);
    for (int i = 0; i < sub_ndim; i++)
        if (s->shape[depth + i] != sub_shape[i])
            return inhomogeneous(s, depth, err);
    return 0;
}

static void fill(const value *v, nd_array *out, int64_t *pos)
{
    switch (v->kind) {
    case V_LIST:
    case V_TUPLE:
        for (int64_t i = 0; i < v->u.seq.n; i++)
            fill(v->u.seq.items[i], out, pos);
        return;
    case V_ARRAY: {
        const nd_array *a = v->u.arr.a;
        size_t is = td_dtype_size(out->dtype);
        nd_convert((char *)out->data + *pos * (int64_t)is, out->dtype, a->data, a->dtype, a->size);
        *pos += a->size;
        return;
    }
    case V_BOOL: nd_set_i64(out, (*pos)++, v->u.b); return;
    case V_INT: nd_set_i64(out, (*pos)++, v->u.i); return;
    case V_FLOAT: nd_set_f64(out, (*pos)++, v->u.f); return;
    default: return;
    }
}

nd_array *val_to_array(const value *v, td_err *err)
{
    if (v->kind == V_ARRAY)
        return nd_retain(v->u.arr.a);
    if (v->kind == V_IMAGES || v->kind == V_SERIES) { /* Thunder's __array__ is toarray() */
        if (!v->part)
            return data_toarray(v->u.data, err);
        td_data *all = dist_gather_data(v, err);
        nd_array *a = all ? data_toarray(all, err) : NULL;
        data_release(all);
        return a;
    }
    shape_scan s = {.ndim = 0};
    if (scan(v, 0, &s, err) < 0)
        return NULL;
    td_dtype dt = s.have_dtype ? s.dtype : TD_FLOAT64;
    nd_array *out = nd_new(dt, s.ndim, s.shape, err);
    if (!out)
        return NULL;
    int64_t pos = 0;
    fill(v, out, &pos);
    return out;
}

/* --- repr and str ------------------------------------------------------- */

static int repr_seq(strbuf *sb, const value *v, td_err *err)
{
    bool list = v->kind == V_LIST;
    sb_addc(sb, list ? '[' : '(');
    for (int64_t i = 0; i < v->u.seq.n; i++) {
        if (i)
            sb_add(sb, ", ");
        if (val_repr(sb, v->u.seq.items[i], err) < 0)
            return -1;
    }
    if (!list && v->u.seq.n == 1)
        sb_addc(sb, ',');
    sb_addc(sb, list ? ']' : ')');
    return 0;
}

static void repr_callable_name(strbuf *sb, const reg_func *f)
{
    const reg_table *t = reg_table_of(f);
    if (t && strcmp(t->owner, "builtins") != 0)
        sb_addf(sb, "%s.%s", t->owner, f->name);
    else
        sb_add(sb, f->name);
}

int val_repr(struct strbuf *sb, const value *v, td_err *err)
{
    switch (v->kind) {
    case V_NONE: sb_add(sb, "None"); return 0;
    case V_BOOL: print_bool(sb, v->u.b); return 0;
    case V_INT: print_int(sb, v->u.i); return 0;
    case V_FLOAT: print_float_repr(sb, v->u.f); return 0;
    case V_STR: print_str_repr(sb, v->u.str.s, v->u.str.len); return 0;
    case V_LIST:
    case V_TUPLE: return repr_seq(sb, v, err);
    case V_SLICE:
        sb_add(sb, "slice(");
        val_repr(sb, v->u.slice.start, err);
        sb_add(sb, ", ");
        val_repr(sb, v->u.slice.stop, err);
        sb_add(sb, ", ");
        val_repr(sb, v->u.slice.step, err);
        sb_addc(sb, ')');
        return 0;
    case V_ARRAY:
        if (v->u.arr.scalar) {
            print_scalar(sb, v->u.arr.a->dtype, v->u.arr.a->data);
            return 0;
        }
        return print_array_repr(sb, v->u.arr.a, err);
    case V_IMAGES:
    case V_SERIES: return data_repr(sb, v, err);
    case V_BLOCKS: return blocks_repr(sb, v, err);
    case V_FUNC: sb_addf(sb, "<function <lambda> at %p>", (void *)v->u.fn); return 0;
    case V_BUILTIN:
        sb_add(sb, "<built-in function ");
        repr_callable_name(sb, v->u.builtin);
        sb_addc(sb, '>');
        return 0;
    case V_METHOD:
        sb_add(sb, "<bound method ");
        repr_callable_name(sb, v->u.method.fn);
        sb_addc(sb, '>');
        return 0;
    case V_MODULE: sb_addf(sb, "<module '%s'>", v->u.mod->name); return 0;
    case V_DTYPE: sb_addf(sb, "dtype('%s')", td_dtype_name(v->u.dtype)); return 0;
    }
    return 0;
}

int val_str_of(struct strbuf *sb, const value *v, td_err *err)
{
    switch (v->kind) {
    case V_STR: sb_addn(sb, v->u.str.s, v->u.str.len); return 0;
    case V_ARRAY:
        if (v->u.arr.scalar)
            return val_repr(sb, v, err);
        return print_array_str(sb, v->u.arr.a, err);
    case V_DTYPE: sb_add(sb, td_dtype_name(v->u.dtype)); return 0;
    default: return val_repr(sb, v, err);
    }
}

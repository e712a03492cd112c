/* Series operations in the language: arguments converted as Thunder takes
 * them, the work done by core (thunder/serops.h). */
#include "m_serops.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "strbuf.h"

static td_series *self_series(call_args *a)
{
    return a->self->u.data;
}

static value *wrap(td_series *d)
{
    return d ? val_data(d) : NULL;
}

static bool is_seq(const value *v)
{
    return v->kind == V_LIST || v->kind == V_TUPLE;
}

/* ---- the index as a language value ------------------------------------------------------------ */

value *series_index_value(const td_series *d, td_err *err)
{
    const td_strtab *t = ser_index_names(d);
    if (!t) {
        nd_array *idx = ser_index(d, err);
        return idx ? val_array(idx) : NULL;
    }
    const nd_array *codes = d->index;
    const int64_t *c = codes->data;
    int64_t n = codes->shape[0], lv = codes->ndim == 2 ? codes->shape[1] : 0;
    value **items = malloc(sizeof *items * (size_t)(n > 0 ? n : 1));
    value **row = malloc(sizeof *row * (size_t)(lv > 0 ? lv : 1));
    if (!items || !row) {
        free(items);
        free(row);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < n; i++) {
        if (lv == 0) {
            items[i] = val_cstr(td_strtab_get(t, c[i]));
            continue;
        }
        for (int64_t l = 0; l < lv; l++)
            row[l] = val_cstr(td_strtab_get(t, c[i * lv + l]));
        items[i] = val_list(row, lv);
    }
    value *r = val_list(items, n);
    free(items);
    free(row);
    return r;
}

static bool has_str(const value *v)
{
    if (v->kind == V_STR)
        return true;
    if (is_seq(v))
        for (int64_t i = 0; i < v->u.seq.n; i++)
            if (has_str(v->u.seq.items[i]))
                return true;
    return false;
}

/* str(v) as a new malloc'd string: the text of a str, else how print shows it. */
static char *leaf_text(const value *v, td_err *err)
{
    if (v->kind == V_STR)
        return strdup(v->u.str.s);
    if (is_seq(v)) {
        td_err_set(err, TD_EVALUE, "an index of strings has one or two levels");
        return NULL;
    }
    strbuf sb = SB_INIT;
    if (val_str_of(&sb, v, err) < 0) {
        sb_free(&sb);
        return NULL;
    }
    return sb_steal(&sb);
}

static td_series *str_index(const td_series *d, const value *index, td_err *err)
{
    int64_t n = index->u.seq.n, levels = 0;
    for (int64_t i = 0; i < n; i++) {
        const value *it = index->u.seq.items[i];
        int64_t l = is_seq(it) ? it->u.seq.n : 0;
        if (i == 0)
            levels = l;
        else if (l != levels) {
            td_err_set(err, TD_EVALUE, "every position of a multi-index needs the same number of levels");
            return NULL;
        }
    }
    if (levels > 0x7fffffff) {
        td_err_set(err, TD_EVALUE, "too many index levels");
        return NULL;
    }
    int64_t total = n * (levels > 0 ? levels : 1);
    char **strs = calloc((size_t)(total > 0 ? total : 1), sizeof *strs);
    if (!strs) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    td_series *r = NULL;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        const value *it = index->u.seq.items[i];
        for (int64_t l = 0; l < (levels > 0 ? levels : 1); l++) {
            strs[k] = leaf_text(levels > 0 ? it->u.seq.items[l] : it, err);
            if (!strs[k++])
                goto done;
        }
    }
    r = ser_with_str_list(d, n, (int)levels, (const char *const *)strs, err);
done:
    for (int64_t j = 0; j < total; j++)
        free(strs[j]);
    free(strs);
    return r;
}

td_series *series_with_index_value(const td_series *d, const value *index, td_err *err)
{
    if (index->kind == V_NONE)
        return data_retain((td_series *)d);
    if (index->kind == V_STR) {
        /* Thunder's index setter: a lone str is a list of one */
        value *one = val_retain((value *)index);
        value *list = val_list(&one, 1);
        td_series *r = str_index(d, list, err);
        val_release(list);
        return r;
    }
    if (is_seq(index) && has_str(index))
        return str_index(d, index, err);
    nd_array *arr = val_to_array(index, err);
    if (!arr)
        return NULL;
    td_series *r = ser_with_index(d, arr, err);
    nd_release(arr);
    return r;
}

/* ---- keys: values compared with the index ---------------------------------------------------------- */

static int key_of(const value *v, ser_key *k, td_err *err)
{
    memset(k, 0, sizeof *k);
    switch (v->kind) {
    case V_BOOL:
        k->kind = SER_KEY_INT;
        k->i = v->u.b;
        return 0;
    case V_INT:
        k->kind = SER_KEY_INT;
        k->i = v->u.i;
        return 0;
    case V_FLOAT:
        k->kind = SER_KEY_FLOAT;
        k->f = v->u.f;
        return 0;
    case V_STR:
        k->kind = SER_KEY_STR;
        k->s = v->u.str.s;
        return 0;
    case V_ARRAY:
        if (v->u.arr.a->ndim == 0) {
            const nd_array *x = v->u.arr.a;
            if (td_dtype_is_float(x->dtype)) {
                k->kind = SER_KEY_FLOAT;
                k->f = nd_get_f64(x, 0);
            } else {
                k->kind = SER_KEY_INT;
                k->i = nd_get_i64(x, 0);
            }
            return 0;
        }
        return td_err_set(err, TD_ETYPE, "unhashable type: 'numpy.ndarray'");
    default:
        return td_err_set(err, TD_ETYPE, "an index value must be a number or a str, not %s",
                          val_type_name(v));
    }
}

/* The keys of a value: each item of a list, tuple or array, or the value
 * itself. Strings point into v, which must outlive the keys. */
static ser_key *keys_of(const value *v, int64_t *n, td_err *err)
{
    int64_t cnt = 1;
    if (is_seq(v))
        cnt = v->u.seq.n;
    else if (v->kind == V_ARRAY && v->u.arr.a->ndim > 0)
        cnt = v->u.arr.a->size;
    ser_key *keys = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof *keys);
    if (!keys) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < cnt; i++) {
        int rc = 0;
        if (is_seq(v)) {
            rc = key_of(v->u.seq.items[i], &keys[i], err);
        } else if (v->kind == V_ARRAY && v->u.arr.a->ndim > 0) {
            const nd_array *x = v->u.arr.a;
            if (td_dtype_is_float(x->dtype)) {
                keys[i].kind = SER_KEY_FLOAT;
                keys[i].f = nd_get_f64(x, i);
            } else {
                keys[i].kind = SER_KEY_INT;
                keys[i].i = nd_get_i64(x, i);
            }
        } else {
            rc = key_of(v, &keys[i], err);
        }
        if (rc < 0) {
            free(keys);
            return NULL;
        }
    }
    *n = cnt;
    return keys;
}

/* Levels as Thunder takes them: an int, or a list of ints. */
static int64_t *levels_of(const value *v, int *n, td_err *err)
{
    int64_t cnt = is_seq(v)                                      ? v->u.seq.n
                  : (v->kind == V_ARRAY && v->u.arr.a->ndim > 0) ? v->u.arr.a->size
                                                                 : 1;
    if (cnt < 1 || cnt > 256) {
        td_err_set(err, TD_EVALUE, "Levels must be indices into individual elements of the index");
        return NULL;
    }
    int64_t *lv = malloc(sizeof *lv * (size_t)cnt);
    if (!lv) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < cnt; i++) {
        int rc;
        if (is_seq(v))
            rc = val_to_int(v->u.seq.items[i], &lv[i], err);
        else if (v->kind == V_ARRAY && v->u.arr.a->ndim > 0)
            rc = (lv[i] = nd_get_i64(v->u.arr.a, i), 0);
        else
            rc = val_to_int(v, &lv[i], err);
        if (rc < 0) {
            free(lv);
            td_err_set(err, TD_EVALUE, "Levels must be indices into individual elements of the index");
            return NULL;
        }
    }
    *n = (int)cnt;
    return lv;
}

/* ---- basics ------------------------------------------------------------------------------------------ */

value *m_series_flatten(call_args *a, td_err *err)
{
    return wrap(ser_flatten(self_series(a), err));
}

value *m_series_sample(call_args *a, td_err *err)
{
    /* n is 1.4.2's name, nsamples the seed's */
    int64_t n = a->v[2]->kind != V_NONE ? a->v[2]->u.i : a->v[0]->u.i;
    if (n < 1) {
        td_err_set(err, TD_EVALUE, "Number of samples must be larger than 0, got '%lld'", (long long)n);
        return NULL;
    }
    double *u = malloc(sizeof *u * (size_t)n);
    if (!u) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    value *res = NULL;
    if (a->v[1]->kind != V_NONE) {
        /* Thunder ignores the seed locally; here it makes the draw repeatable. */
        int64_t seed = a->v[1]->u.i;
        if (seed < 0 || seed > 0xffffffffLL) {
            td_err_set(err, TD_EVALUE, "Seed must be between 0 and 2**32 - 1");
            goto done;
        }
        td_rng rng;
        td_rng_seed(&rng, (uint32_t)seed);
        for (int64_t k = 0; k < n; k++)
            u[k] = td_rng_double(&rng);
    } else {
        /* np.random.rand(n) from the session's generator, as Thunder draws them */
        value *fn = val_builtin(reg_find(&reg_np_random, "rand"));
        value *arg = val_int(n);
        value *draws = interp_call(a->in, fn, 1, &arg, err);
        val_release(fn);
        val_release(arg);
        if (!draws)
            goto done;
        nd_array *x = val_to_array(draws, err);
        val_release(draws);
        if (!x)
            goto done;
        for (int64_t k = 0; k < n && k < x->size; k++)
            u[k] = nd_get_f64(x, k);
        nd_release(x);
    }
    res = wrap(ser_sample(self_series(a), n, u, err));
done:
    free(u);
    return res;
}

/* The index value at position p as a lambda sees it: a number or str, or
 * the row of a multi-index. */
static value *index_item(const td_series *d, const nd_array *index, int64_t p, td_err *err)
{
    const td_strtab *t = ser_index_names(d);
    if (index->ndim == 2) {
        nd_index ix = {.kind = ND_IDX_INT, .i = p};
        nd_array *row = nd_index_get(index, 1, &ix, err);
        if (!row || !t)
            return row ? val_array(row) : NULL;
        value **items = malloc(sizeof *items * (size_t)(row->size > 0 ? row->size : 1));
        if (!items) {
            nd_release(row);
            td_err_set(err, TD_EMEMORY, "out of memory");
            return NULL;
        }
        for (int64_t l = 0; l < row->size; l++)
            items[l] = val_cstr(td_strtab_get(t, nd_get_i64(row, l)));
        value *r = val_list(items, row->size);
        free(items);
        nd_release(row);
        return r;
    }
    if (t)
        return val_cstr(td_strtab_get(t, nd_get_i64(index, p)));
    if (td_dtype_is_float(index->dtype))
        return val_float(nd_get_f64(index, p));
    if (td_dtype_is_bool(index->dtype))
        return val_bool(nd_get_i64(index, p) != 0);
    return val_int(nd_get_i64(index, p));
}

static bool is_callable(const value *v)
{
    return v->kind == V_FUNC || v->kind == V_BUILTIN || v->kind == V_METHOD;
}

value *m_series_select(call_args *a, td_err *err)
{
    const td_series *d = self_series(a);
    value *crit = a->v[0];
    if (!is_callable(crit)) {
        int64_t n;
        ser_key *keys = keys_of(crit, &n, err);
        if (!keys)
            return NULL;
        value *r = wrap(ser_select_keys(d, n, keys, err));
        free(keys);
        return r;
    }
    int64_t len = ser_length(d);
    nd_array *index = ser_index(d, err);
    if (!index)
        return NULL;
    uint8_t *keep = malloc((size_t)len + 1);
    value *r = NULL;
    if (!keep) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    for (int64_t p = 0; p < len; p++) {
        value *item = index_item(d, index, p, err);
        if (!item)
            goto done;
        value *t = interp_call(a->in, crit, 1, &item, err);
        val_release(item);
        if (!t)
            goto done;
        bool b;
        int rc = val_truth(t, &b, err);
        val_release(t);
        if (rc < 0)
            goto done;
        keep[p] = b;
    }
    r = wrap(ser_select_mask(d, keep, err));
done:
    free(keep);
    nd_release(index);
    return r;
}

value *m_series_between(call_args *a, td_err *err)
{
    ser_key l, r;
    if (key_of(a->v[0], &l, err) < 0 || key_of(a->v[1], &r, err) < 0)
        return NULL;
    return wrap(ser_between(self_series(a), l, r, err));
}

/* 0 or 1; anything else is refused by core with Thunder's message. */
static int axis_of(const value *v)
{
    return v->u.i == 0 || v->u.i == 1 ? (int)v->u.i : 2;
}

value *m_series_center(call_args *a, td_err *err)
{
    return wrap(ser_center(self_series(a), axis_of(a->v[0]), err));
}

value *m_series_standardize(call_args *a, td_err *err)
{
    return wrap(ser_standardize(self_series(a), axis_of(a->v[0]), err));
}

value *m_series_zscore(call_args *a, td_err *err)
{
    return wrap(ser_zscore(self_series(a), axis_of(a->v[0]), err));
}

value *m_series_squelch(call_args *a, td_err *err)
{
    double t;
    if (val_to_double(a->v[0], &t, err) < 0)
        return NULL;
    return wrap(ser_squelch(self_series(a), t, err));
}

value *m_series_correlate(call_args *a, td_err *err)
{
    nd_array *s = a->v[0]->kind == V_STR ? ser_load_signal(a->v[0]->u.str.s, a->v[1]->u.str.s, err)
                                         : val_to_array(a->v[0], err);
    if (!s)
        return NULL;
    td_series *r = ser_correlate(self_series(a), s, err);
    nd_release(s);
    return wrap(r);
}

value *m_series_mean_by_panel(call_args *a, td_err *err)
{
    return wrap(ser_mean_by_panel(self_series(a), a->v[0]->u.i, err));
}

/* ---- the seed's per-record statistics --------------------------------------------------------------------
 */

value *m_series_series_max(call_args *a, td_err *err)
{
    return wrap(ser_series_stat(self_series(a), SER_MAX, "max", err));
}

value *m_series_series_min(call_args *a, td_err *err)
{
    return wrap(ser_series_stat(self_series(a), SER_MIN, "min", err));
}

value *m_series_series_sum(call_args *a, td_err *err)
{
    return wrap(ser_series_stat(self_series(a), SER_SUM, "sum", err));
}

value *m_series_series_mean(call_args *a, td_err *err)
{
    return wrap(ser_series_stat(self_series(a), SER_MEAN, "mean", err));
}

value *m_series_series_median(call_args *a, td_err *err)
{
    return wrap(ser_series_stat(self_series(a), SER_MEDIAN, "median", err));
}

value *m_series_series_std(call_args *a, td_err *err)
{
    return wrap(ser_series_stat(self_series(a), SER_STD, "stdev", err));
}

value *m_series_series_stat(call_args *a, td_err *err)
{
    ser_stat st;
    if (ser_stat_parse(a->v[0]->u.str.s, &st, err) < 0)
        return NULL;
    return wrap(ser_series_stat(self_series(a), st, a->v[0]->u.str.s, err));
}

value *m_series_series_percentile(call_args *a, td_err *err)
{
    nd_array *q = val_to_array(a->v[0], err);
    if (!q)
        return NULL;
    td_series *r = ser_series_percentile(self_series(a), q, err);
    nd_release(q);
    return wrap(r);
}

value *m_series_series_stats(call_args *a, td_err *err)
{
    return wrap(ser_series_stats(self_series(a), err));
}

/* ---- index: select_by_index and groups -------------------------------------------------------------------
 */

static bool is_container(const value *v)
{
    return is_seq(v) || (v->kind == V_ARRAY && v->u.arr.a->ndim > 0);
}

value *m_series_select_by_index(call_args *a, td_err *err)
{
    const td_series *d = self_series(a);
    value *val = a->v[0];
    int nlv;
    int64_t *lv = levels_of(a->v[1], &nlv, err);
    if (!lv)
        return NULL;
    /* Thunder's shapes of val: a value; a list of values (one level); a
     * list with one list per level, where a lone value stands for a list of
     * one. Strings count as single values. */
    ser_keyset sets[256];
    ser_key *owned[256] = {0};
    int nsets = 0;
    value *r = NULL;
    bool nested = false;
    if (is_seq(val))
        for (int64_t i = 0; i < val->u.seq.n; i++)
            nested |= is_container(val->u.seq.items[i]);
    if (!is_container(val) || (nlv == 1 && !nested)) {
        int64_t n;
        if (!(owned[0] = keys_of(val, &n, err)))
            goto done;
        sets[0] = (ser_keyset){n, owned[0]};
        nsets = 1;
    } else {
        int64_t cnt = is_seq(val) ? val->u.seq.n : 0;
        if (!is_seq(val) || cnt > 256) {
            td_err_set(err, TD_EVALUE, "List of levels must be same length as list of corresponding values");
            goto done;
        }
        for (int64_t i = 0; i < cnt; i++) {
            int64_t n;
            if (!(owned[i] = keys_of(val->u.seq.items[i], &n, err)))
                goto done;
            sets[i] = (ser_keyset){n, owned[i]};
            nsets++;
        }
    }
    if (nsets != nlv) {
        td_err_set(err, TD_EVALUE, "List of levels must be same length as list of corresponding values");
        goto done;
    }
    nd_array *mask = NULL;
    bool want_mask = a->v[4]->u.b;
    td_series *s =
        ser_select_by_index(d, nlv, lv, sets, a->v[2]->u.b, a->v[3]->u.b, want_mask ? &mask : NULL, err);
    if (s && want_mask) {
        value *pair[2] = {val_data(s), val_array(mask)};
        r = val_tuple(pair, 2);
    } else {
        r = wrap(s);
    }
done:
    for (int i = 0; i < 256 && i <= nsets; i++)
        free(owned[i]);
    free(lv);
    return r;
}

static value *stat_by_index(call_args *a, ser_stat st, value *level, td_err *err)
{
    int nlv;
    int64_t *lv = levels_of(level, &nlv, err);
    if (!lv)
        return NULL;
    td_series *r = ser_stat_by_index(self_series(a), st, nlv, lv, err);
    free(lv);
    return wrap(r);
}

value *m_series_stat_by_index(call_args *a, td_err *err)
{
    ser_stat st;
    if (ser_stat_parse(a->v[0]->u.str.s, &st, err) < 0)
        return NULL;
    return stat_by_index(a, st, a->v[1], err);
}

value *m_series_sum_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_SUM, a->v[0], err);
}

value *m_series_mean_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_MEAN, a->v[0], err);
}

value *m_series_median_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_MEDIAN, a->v[0], err);
}

value *m_series_std_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_STD, a->v[0], err);
}

value *m_series_max_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_MAX, a->v[0], err);
}

value *m_series_min_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_MIN, a->v[0], err);
}

value *m_series_count_by_index(call_args *a, td_err *err)
{
    return stat_by_index(a, SER_COUNT, a->v[0], err);
}

typedef struct agg_ctx {
    interp *in;
    value *func;
    const td_series *d;
    const ser_groups *g;
    nd_array *out; /* (nrecords, ngroups) */
    atomic_int wider;
    td_dtype widest; /* written under the critical section, read after the run */
} agg_ctx;

/* function(v[group]) as one value of the result. */
static nd_array *agg_call(interp *in, value *func, const td_series *d, const ser_groups *g, int64_t rec,
                          int64_t k, td_err *err)
{
    int64_t size = g->start[k + 1] - g->start[k];
    nd_array *part = nd_new(data_dtype(d), 1, &size, err);
    if (!part)
        return NULL;
    size_t is = nd_itemsize(part);
    const char *x = data_record(d, rec);
    for (int64_t j = 0; j < size; j++)
        memcpy((char *)part->data + (size_t)j * is, x + (size_t)g->pos[g->start[k] + j] * is, is);
    value *arg = val_array(part);
    value *res = interp_call(in, func, 1, &arg, err);
    val_release(arg);
    if (!res)
        return NULL;
    nd_array *r = val_to_array(res, err);
    val_release(res);
    if (r && r->size != 1) {
        td_err_set(err, TD_EVALUE,
                   "aggregate_by_index: the function must give one number per group, got %lld",
                   (long long)r->size);
        nd_release(r);
        return NULL;
    }
    return r;
}

static int agg_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    agg_ctx *c = p;
    int64_t ng = c->g->ngroups;
    size_t is = nd_itemsize(c->out);
    for (int64_t i = begin; i < end; i++)
        for (int64_t k = 0; k < ng; k++) {
            nd_array *x = agg_call(c->in, c->func, c->d, c->g, i, k, err);
            if (!x)
                return -1;
            if (td_promote(x->dtype, c->out->dtype) != c->out->dtype) {
#pragma omp critical(thunder_agg_widen)
                {
                    c->widest = td_promote(c->widest, x->dtype);
                    atomic_store(&c->wider, 1);
                }
            }
            nd_convert((char *)c->out->data + (size_t)(i * ng + k) * is, c->out->dtype, x->data, x->dtype, 1);
            nd_release(x);
        }
    return 0;
}

value *m_series_aggregate_by_index(call_args *a, td_err *err)
{
    const td_series *d = self_series(a);
    int nlv;
    int64_t *lv = levels_of(a->v[1], &nlv, err);
    if (!lv)
        return NULL;
    ser_groups g;
    int rc = ser_groups_make(d, nlv, lv, &g, err);
    free(lv);
    if (rc < 0)
        return NULL;
    value *r = NULL;
    if (g.ngroups == 0 || data_nrecords(d) == 0) {
        td_err_set(err, TD_EVALUE, "no index values to group by");
        goto done;
    }
    /* The first result fixes the dtype, as numpy's asarray of the results would; wider ones rerun. */
    nd_array *x0 = agg_call(a->in, a->v[0], d, &g, 0, 0, err);
    if (!x0)
        goto done;
    td_dtype dt = x0->dtype;
    nd_release(x0);
    for (int attempt = 0; attempt < 2; attempt++) {
        int64_t shape[ND_MAXDIM];
        memcpy(shape, data_shape(d), sizeof(int64_t) * (size_t)data_ndim(d));
        shape[data_ndim(d) - 1] = g.ngroups;
        nd_array *out = nd_new(dt, data_ndim(d), shape, err);
        if (!out)
            goto done;
        agg_ctx c = {a->in, a->v[0], d, &g, out, 0, dt};
        if (td_par_for(data_nrecords(d), 0, agg_kernel, &c, err) < 0) {
            nd_release(out);
            goto done;
        }
        if (atomic_load(&c.wider) && attempt == 0) {
            nd_release(out);
            dt = td_promote(c.widest, dt);
            continue;
        }
        r = wrap(ser_groups_result(d, &g, out, err));
        nd_release(out);
        break;
    }
done:
    ser_groups_free(&g);
    return r;
}

/* ---- matrices
 * ---------------------------------------------------------------------------------------------- */

value *m_series_cov(call_args *a, td_err *err)
{
    return wrap(ser_cov(self_series(a), err));
}

value *m_series_gramian(call_args *a, td_err *err)
{
    return wrap(ser_gramian(self_series(a), err));
}

value *m_series_times(call_args *a, td_err *err)
{
    const td_series *d = self_series(a);
    value *o = a->v[0];
    switch (o->kind) {
    case V_BOOL:
    case V_INT: return wrap(ser_times_scalar(d, false, o->kind == V_BOOL ? o->u.b : o->u.i, 0, err));
    case V_FLOAT: return wrap(ser_times_scalar(d, true, 0, o->u.f, err));
    case V_SERIES: return wrap(ser_times(d, o->u.data->values, err));
    default: break;
    }
    nd_array *x = val_to_array(o, err);
    if (!x)
        return NULL;
    td_series *r = ser_times(d, x, err);
    nd_release(x);
    return wrap(r);
}

/* ---- time series
 * ---------------------------------------------------------------------------------------------- */

value *m_series_fourier(call_args *a, td_err *err)
{
    if (a->v[0]->kind == V_NONE) {
        td_err_set(err, TD_ETYPE,
                   "'>=' not supported between instances of 'NoneType' and 'int' (fourier needs freq)");
        return NULL;
    }
    return wrap(ser_fourier(self_series(a), a->v[0]->u.i, err));
}

value *m_series_convolve(call_args *a, td_err *err)
{
    nd_array *s = val_to_array(a->v[0], err);
    if (!s)
        return NULL;
    td_series *r = ser_convolve(self_series(a), s, a->v[1]->u.str.s, err);
    nd_release(s);
    return wrap(r);
}

value *m_series_crosscorr(call_args *a, td_err *err)
{
    nd_array *s = val_to_array(a->v[0], err);
    if (!s)
        return NULL;
    td_series *r = ser_crosscorr(self_series(a), s, a->v[1]->u.i, err);
    nd_release(s);
    return wrap(r);
}

value *m_series_detrend(call_args *a, td_err *err)
{
    return wrap(ser_detrend(self_series(a), a->v[0]->u.str.s, a->v[1]->u.i, err));
}

value *m_series_normalize(call_args *a, td_err *err)
{
    double perc, offset;
    if (val_to_double(a->v[2], &perc, err) < 0 || val_to_double(a->v[3], &offset, err) < 0)
        return NULL;
    int64_t window = a->v[1]->kind == V_NONE ? -1 : a->v[1]->u.i;
    /* baseline is Thunder 0.x's name for method */
    const char *method = a->v[4]->kind == V_STR ? a->v[4]->u.str.s : a->v[0]->u.str.s;
    return wrap(ser_normalize(self_series(a), method, window, perc, offset, err));
}

value *m_series_mean_by_window(call_args *a, td_err *err)
{
    int64_t n;
    ser_key *keys = keys_of(a->v[0], &n, err);
    if (!keys)
        return NULL;
    td_series *r = ser_mean_by_window(self_series(a), n, keys, a->v[1]->u.i, err);
    free(keys);
    return wrap(r);
}

value *m_series_subsample(call_args *a, td_err *err)
{
    return wrap(ser_subsample(self_series(a), a->v[0]->u.i, err));
}

value *m_series_downsample(call_args *a, td_err *err)
{
    return wrap(ser_downsample(self_series(a), a->v[0]->u.i, err));
}

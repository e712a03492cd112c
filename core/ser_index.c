/* Series index: strings of an index, select, between, select_by_index,
 * groups for the *_by_index statistics, sample and subsample.
 *
 * Index values are compared as Python compares them: numbers by value
 * (1 == 1.0), a str only with a str. A string index holds codes into a
 * sorted table, so comparing codes compares the strings. */
#include "ser_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- the string table --------------------------------------------------------------- */

struct td_strtab {
    int refcount; /* atomic */
    int64_t n;
    char **s; /* sorted, distinct; each its own allocation */
};

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

td_strtab *td_strtab_new(int64_t n, const char *const *strs, int64_t *codes, td_err *err)
{
    td_strtab *t = calloc(1, sizeof *t);
    char **all = n > 0 ? calloc((size_t)n, sizeof *all) : NULL;
    if (!t || (n > 0 && !all)) {
        free(t);
        free(all);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    atomic_init((atomic_int *)&t->refcount, 1);
    for (int64_t i = 0; i < n; i++)
        all[i] = (char *)strs[i];
    qsort(all, (size_t)n, sizeof *all, cmp_strp);
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (k == 0 || strcmp(all[k - 1], all[i]) != 0)
            all[k++] = all[i];
    t->n = k;
    t->s = all;
    for (int64_t i = 0; i < k; i++)
        if (!(t->s[i] = strdup(all[i]))) {
            for (int64_t j = 0; j < i; j++)
                free(t->s[j]);
            free(all);
            free(t);
            td_err_set(err, TD_EMEMORY, "out of memory");
            return NULL;
        }
    if (codes)
        for (int64_t i = 0; i < n; i++)
            codes[i] = td_strtab_find(t, strs[i]);
    return t;
}

td_strtab *td_strtab_retain(td_strtab *t)
{
    if (t)
        atomic_fetch_add_explicit((atomic_int *)&t->refcount, 1, memory_order_relaxed);
    return t;
}

void td_strtab_release(td_strtab *t)
{
    if (!t || atomic_fetch_sub_explicit((atomic_int *)&t->refcount, 1, memory_order_acq_rel) != 1)
        return;
    for (int64_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    free(t);
}

int64_t td_strtab_size(const td_strtab *t)
{
    return t->n;
}

const char *td_strtab_get(const td_strtab *t, int64_t code)
{
    return code >= 0 && code < t->n ? t->s[code] : "";
}

int64_t td_strtab_lower_bound(const td_strtab *t, const char *s)
{
    int64_t lo = 0, hi = t->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->s[mid], s) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int64_t td_strtab_find(const td_strtab *t, const char *s)
{
    int64_t k = td_strtab_lower_bound(t, s);
    return k < t->n && strcmp(t->s[k], s) == 0 ? k : -1;
}

/* ---- Series with a string index --------------------------------------------------------- */

const td_strtab *ser_index_names(const td_series *d)
{
    return d->index_names;
}

td_series *ser_with_str_index(const td_series *d, nd_array *codes, td_strtab *names, td_err *err)
{
    if (codes->dtype != TD_INT64) {
        td_err_set(err, TD_ETYPE, "string index codes must be int64");
        return NULL;
    }
    const int64_t *c = codes->data;
    for (int64_t i = 0; i < codes->size; i++)
        if (c[i] < 0 || c[i] >= names->n) {
            td_err_set(err, TD_EVALUE, "string index code %lld outside the table of %lld strings",
                       (long long)c[i], (long long)names->n);
            return NULL;
        }
    td_series *r = ser_with_index(d, codes, err);
    if (r)
        r->index_names = td_strtab_retain(names);
    return r;
}

td_series *ser_with_str_list(const td_series *d, int64_t n, int levels, const char *const *strs, td_err *err)
{
    int64_t total;
    if (levels < 0 || __builtin_mul_overflow(n, levels > 0 ? levels : 1, &total)) {
        td_err_set(err, TD_EVALUE, "index too large");
        return NULL;
    }
    int64_t shape[2] = {n, levels};
    nd_array *codes = nd_new(TD_INT64, levels > 0 ? 2 : 1, shape, err);
    if (!codes)
        return NULL;
    td_series *r = NULL;
    td_strtab *t = td_strtab_new(total, strs, codes->data, err);
    if (t)
        r = ser_with_str_index(d, codes, t, err);
    td_strtab_release(t);
    nd_release(codes);
    return r;
}

td_series *ser_fromarray_like(nd_array *values, const td_series *like, td_err *err)
{
    td_series *r = ser_fromarray(values, like->index, err);
    if (r)
        r->index_names = td_strtab_retain(like->index_names);
    return r;
}

/* ---- index values and keys ---------------------------------------------------------------- */

int64_t ser_nlevels(const td_series *d)
{
    return d->index && d->index->ndim == 2 ? d->index->shape[1] : 1;
}

double ser_index_at(const td_series *d, const nd_array *index, int64_t p, int64_t l)
{
    return nd_get_f64(index, p * ser_nlevels(d) + l);
}

int ser_key_cmp(const td_series *d, const nd_array *index, int64_t p, int64_t l, const ser_key *k,
                bool *mixed)
{
    int64_t flat = p * ser_nlevels(d) + l;
    *mixed = false;
    if (d->index_names) {
        if (k->kind != SER_KEY_STR) {
            *mixed = true;
            return 2;
        }
        const char *s = td_strtab_get(d->index_names, nd_get_i64(index, flat));
        int c = strcmp(s, k->s);
        return c < 0 ? -1 : c > 0;
    }
    if (k->kind == SER_KEY_STR) {
        *mixed = true;
        return 2;
    }
    td_dtype t = index->dtype;
    if (k->kind == SER_KEY_INT && (td_dtype_is_int(t) || td_dtype_is_bool(t))) {
        if (t == TD_UINT64) {
            uint64_t u;
            memcpy(&u, (const char *)index->data + flat * 8, 8);
            if (k->i < 0 || u > (uint64_t)INT64_MAX)
                return 1;
            return u < (uint64_t)k->i ? -1 : u > (uint64_t)k->i;
        }
        int64_t v = nd_get_i64(index, flat);
        return v < k->i ? -1 : v > k->i;
    }
    double v = nd_get_f64(index, flat), w = k->kind == SER_KEY_INT ? (double)k->i : k->f;
    if (v != v || w != w)
        return 2;
    return v < w ? -1 : v > w;
}

static const char *key_type(const ser_key *k)
{
    return k->kind == SER_KEY_STR ? "str" : k->kind == SER_KEY_INT ? "int" : "float";
}

/* Python's name for the type of d's index values. */
static const char *index_type(const td_series *d, const nd_array *index)
{
    return d->index_names ? "str" : td_dtype_is_float(index->dtype) ? "float" : "int";
}

/* ---- selecting positions ------------------------------------------------------------------- */

typedef struct take_ctx {
    const td_series *d;
    const int64_t *pos; /* positions kept, in order */
    int64_t npos;
    nd_array *out;
} take_ctx;

static int take_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const take_ctx *c = p;
    size_t is = nd_itemsize(c->out);
    for (int64_t i = begin; i < end; i++) {
        const char *x = data_record(c->d, i);
        char *y = (char *)c->out->data + (size_t)(i * c->npos) * is;
        switch (is) {
        case 1:
            for (int64_t k = 0; k < c->npos; k++)
                y[k] = x[c->pos[k]];
            break;
        case 2:
            for (int64_t k = 0; k < c->npos; k++)
                memcpy(y + 2 * k, x + 2 * c->pos[k], 2);
            break;
        case 4:
            for (int64_t k = 0; k < c->npos; k++)
                memcpy(y + 4 * k, x + 4 * c->pos[k], 4);
            break;
        default:
            for (int64_t k = 0; k < c->npos; k++)
                memcpy(y + 8 * k, x + 8 * c->pos[k], 8);
            break;
        }
    }
    return 0;
}

/* Values at the given positions of every record (same dtype). */
static nd_array *take_positions(const td_series *d, const int64_t *pos, int64_t npos, td_err *err)
{
    nd_array *out = ser_values_new(d, data_dtype(d), npos, err);
    if (!out)
        return NULL;
    take_ctx c = {d, pos, npos, out};
    if (td_par_for(data_nrecords(d), 0, take_kernel, &c, err) < 0) {
        nd_release(out);
        return NULL;
    }
    return out;
}

/* The rows of an index at the given positions, levels kept. */
static nd_array *index_rows(const nd_array *index, const int64_t *pos, int64_t npos, td_err *err)
{
    nd_index ix = {.kind = ND_IDX_LIST, .list = pos, .nlist = npos};
    return nd_index_get(index, 1, &ix, err);
}

/* The Series of the kept positions, with their index rows (numbers or codes). */
static td_series *take_with_index(const td_series *d, const int64_t *pos, int64_t npos, td_err *err)
{
    nd_array *vals = take_positions(d, pos, npos, err);
    if (!vals)
        return NULL;
    nd_array *full = ser_index(d, err), *idx = NULL;
    td_series *r = NULL;
    if (full && (idx = index_rows(full, pos, npos, err)))
        r = ser_result(d, vals, idx, d->index_names, err);
    nd_release(full);
    nd_release(idx);
    nd_release(vals);
    return r;
}

/* Positions where keep is set; error when none, d itself when all. */
td_series *ser_select_mask(const td_series *d, const uint8_t *keep, td_err *err)
{
    int64_t n = ser_length(d);
    int64_t *pos = td_scratch_alloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t), err);
    if (!pos)
        return NULL;
    int64_t k = 0;
    for (int64_t p = 0; p < n; p++)
        if (keep[p])
            pos[k++] = p;
    td_series *r = NULL;
    if (k == 0)
        td_err_set(err, TD_EVALUE, "No indices found matching criterion");
    else if (k == n)
        r = data_retain((td_series *)d);
    else
        r = take_with_index(d, pos, k, err);
    td_scratch_free(pos);
    return r;
}

/* A multi-index row compared with a key: Python would hash or compare an
 * ndarray, which Thunder's select cannot do. */
static int need_flat_index(const td_series *d, const char *what, td_err *err)
{
    if (ser_nlevels(d) > 1)
        return td_err_set(err, TD_ETYPE,
                          "%s needs a single-level index; use select_by_index for a multi-index", what);
    return 0;
}

/* The positions of d whose index value passes test (which sets *keep, or
 * returns -1 with err set), as ser_select_mask keeps them. */
typedef int (*ser_pos_test)(const td_series *d, const nd_array *index, int64_t p, const void *ctx, uint8_t *keep,
                            td_err *err);

static td_series *select_positions(const td_series *d, ser_pos_test test, const void *ctx, td_err *err)
{
    int64_t n = ser_length(d);
    nd_array *index = ser_index(d, err);
    if (!index)
        return NULL;
    uint8_t *keep = td_scratch_alloc((size_t)n + 1, err);
    td_series *r = NULL;
    if (keep) {
        int rc = 0;
        for (int64_t p = 0; p < n && rc == 0; p++)
            rc = test(d, index, p, ctx, &keep[p], err);
        if (rc == 0)
            r = ser_select_mask(d, keep, err);
        td_scratch_free(keep);
    }
    nd_release(index);
    return r;
}

typedef struct keys_ctx {
    int64_t n;
    const ser_key *keys;
} keys_ctx;

static int equals_a_key(const td_series *d, const nd_array *index, int64_t p, const void *ctx, uint8_t *keep,
                        td_err *err)
{
    const keys_ctx *k = ctx;
    (void)err;
    *keep = 0;
    for (int64_t j = 0; j < k->n && !*keep; j++) {
        bool mixed;
        *keep = ser_key_cmp(d, index, p, 0, &k->keys[j], &mixed) == 0;
    }
    return 0;
}

td_series *ser_select_keys(const td_series *d, int64_t nkeys, const ser_key *keys, td_err *err)
{
    if (need_flat_index(d, "select", err) < 0)
        return NULL;
    keys_ctx k = {nkeys, keys};
    return select_positions(d, equals_a_key, &k, err);
}

/* left <= x < right, evaluated left to right as Python does */
static int in_range(const td_series *d, const nd_array *index, int64_t p, const void *ctx, uint8_t *keep,
                    td_err *err)
{
    const ser_key *lr = ctx;
    bool mixed;
    int a = ser_key_cmp(d, index, p, 0, &lr[0], &mixed);
    if (mixed)
        return td_err_set(err, TD_ETYPE, "'<=' not supported between instances of '%s' and '%s'", key_type(&lr[0]),
                          index_type(d, index));
    *keep = a == 0 || a == 1;
    if (*keep) {
        int b = ser_key_cmp(d, index, p, 0, &lr[1], &mixed);
        if (mixed)
            return td_err_set(err, TD_ETYPE, "'<' not supported between instances of '%s' and '%s'",
                              index_type(d, index), key_type(&lr[1]));
        *keep = b == -1;
    }
    return 0;
}

td_series *ser_between(const td_series *d, ser_key left, ser_key right, td_err *err)
{
    if (ser_nlevels(d) > 1) {
        td_err_set(
            err, TD_EVALUE,
            "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()");
        return NULL;
    }
    const ser_key lr[2] = {left, right};
    return select_positions(d, in_range, lr, err);
}

/* ---- select_by_index -------------------------------------------------------------------------- */

static int normalize_levels(const td_series *d, int nlevels, const int64_t *levels, int64_t *out, td_err *err)
{
    int64_t have = ser_nlevels(d);
    for (int j = 0; j < nlevels; j++) {
        int64_t l = levels[j] < 0 ? levels[j] + have : levels[j];
        if (l < 0 || l >= have)
            return td_err_set(err, TD_EVALUE, "Levels must be indices into individual elements of the index");
        out[j] = l;
    }
    return 0;
}

td_series *ser_select_by_index(const td_series *d, int nlevels, const int64_t *levels, const ser_keyset *vals,
                               bool squeeze, bool filter, nd_array **mask_out, td_err *err)
{
    if (mask_out)
        *mask_out = NULL;
    if (nlevels < 1 || nlevels > ND_MAXDIM * 8) {
        td_err_set(err, TD_EVALUE, "List of levels must be same length as list of corresponding values");
        return NULL;
    }
    int64_t lv[ND_MAXDIM * 8];
    if (normalize_levels(d, nlevels, levels, lv, err) < 0)
        return NULL;
    int64_t n = ser_length(d), have = ser_nlevels(d);
    nd_array *index = ser_index(d, err);
    if (!index)
        return NULL;
    td_series *r = NULL;
    nd_array *mask = NULL, *rows = NULL, *newidx = NULL, *vals_out = NULL;
    int64_t *pos = td_scratch_alloc((size_t)(n + 1) * sizeof(int64_t), err);
    int64_t *keepcol = td_scratch_alloc((size_t)(have + 1) * sizeof(int64_t), err);
    if (!pos || !keepcol)
        goto done;
    mask = nd_zeros(TD_BOOL, 1, &n, err);
    if (!mask)
        goto done;
    uint8_t *m = mask->data;
    int64_t kept = 0;
    for (int64_t p = 0; p < n; p++) {
        bool in = true;
        for (int j = 0; j < nlevels && in; j++) {
            bool any = false;
            for (int64_t q = 0; q < vals[j].n && !any; q++) {
                bool mixed;
                any = ser_key_cmp(d, index, p, lv[j], &vals[j].keys[q], &mixed) == 0;
            }
            in = any;
        }
        m[p] = in != filter;
        if (m[p])
            pos[kept++] = p;
    }
    if (kept == 0) {
        td_err_set(err, TD_EVALUE, "No indices found matching criterion");
        goto done;
    }
    /* Thunder's squeeze: with one level that level goes; with several, those given one value. */
    bool *dropl = calloc((size_t)have, sizeof *dropl);
    if (!dropl) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    if (squeeze && !filter)
        for (int j = 0; j < nlevels; j++)
            if (nlevels == 1 || vals[j].n == 1)
                dropl[lv[j]] = true;
    int64_t ncol = 0;
    for (int64_t l = 0; l < have; l++)
        if (!dropl[l])
            keepcol[ncol++] = l;
    free(dropl);
    rows = index_rows(index, pos, kept, err);
    if (!rows)
        goto done;
    if (ncol == 0) {
        newidx = nd_arange(TD_INT64, kept, err);
    } else if (have == 1) {
        newidx = nd_retain(rows);
    } else {
        nd_index ix[2] = {{.kind = ND_IDX_SLICE, .step = 1},
                          {.kind = ND_IDX_LIST, .list = keepcol, .nlist = ncol}};
        nd_array *sub = nd_index_get(rows, 2, ix, err);
        if (sub && ncol == 1) {
            newidx = nd_reshape(sub, 1, &kept, err);
            nd_release(sub);
        } else {
            newidx = sub;
        }
    }
    if (!newidx)
        goto done;
    vals_out = take_positions(d, pos, kept, err);
    if (!vals_out)
        goto done;
    r = ser_result(d, vals_out, newidx, ncol > 0 ? d->index_names : NULL, err);
    if (r && mask_out)
        *mask_out = nd_retain(mask);
done:
    td_scratch_free(pos);
    td_scratch_free(keepcol);
    nd_release(index);
    nd_release(mask);
    nd_release(rows);
    nd_release(newidx);
    nd_release(vals_out);
    return r;
}

/* ---- groups ---------------------------------------------------------------------------------------- */

typedef struct group_sort {
    const td_series *d;
    const nd_array *index;
    const int64_t *lv;
    int nlevels;
} group_sort;

static _Thread_local const group_sort *sort_ctx;

/* Lexicographic over the chosen levels, then by position (a stable order). */
static int cmp_positions(const void *a, const void *b)
{
    int64_t p = *(const int64_t *)a, q = *(const int64_t *)b;
    const group_sort *s = sort_ctx;
    for (int j = 0; j < s->nlevels; j++) {
        double x = ser_index_at(s->d, s->index, p, s->lv[j]), y = ser_index_at(s->d, s->index, q, s->lv[j]);
        if (x < y)
            return -1;
        if (x > y)
            return 1;
    }
    return p < q ? -1 : p > q;
}

static bool same_key(const group_sort *s, int64_t p, int64_t q)
{
    for (int j = 0; j < s->nlevels; j++)
        if (ser_index_at(s->d, s->index, p, s->lv[j]) != ser_index_at(s->d, s->index, q, s->lv[j]))
            return false;
    return true;
}

void ser_groups_free(ser_groups *g)
{
    free(g->start);
    free(g->pos);
    nd_release(g->keys);
    td_strtab_release(g->names);
    memset(g, 0, sizeof *g);
}

int ser_groups_make(const td_series *d, int nlevels, const int64_t *levels, ser_groups *g, td_err *err)
{
    memset(g, 0, sizeof *g);
    if (nlevels < 1 || nlevels > ND_MAXDIM * 8)
        return td_err_set(err, TD_EVALUE, "Levels must be indices into individual elements of the index");
    int64_t lv[ND_MAXDIM * 8];
    if (normalize_levels(d, nlevels, levels, lv, err) < 0)
        return -1;
    int64_t n = ser_length(d);
    nd_array *index = ser_index(d, err);
    if (!index)
        return -1;
    g->pos = malloc((size_t)(n + 1) * sizeof(int64_t));
    g->start = malloc((size_t)(n + 2) * sizeof(int64_t));
    if (!g->pos || !g->start) {
        nd_release(index);
        ser_groups_free(g);
        return td_err_set(err, TD_EMEMORY, "out of memory");
    }
    /* Index values that are NaN equal nothing, not even themselves: such
     * positions join no group (numpy's array_equal with Thunder's masks). */
    int64_t m = 0;
    for (int64_t p = 0; p < n; p++) {
        bool nan = false;
        for (int j = 0; j < nlevels; j++) {
            double v = ser_index_at(d, index, p, lv[j]);
            nan |= v != v;
        }
        if (!nan)
            g->pos[m++] = p;
    }
    group_sort s = {d, index, lv, nlevels};
    sort_ctx = &s;
    qsort(g->pos, (size_t)m, sizeof(int64_t), cmp_positions);
    sort_ctx = NULL;
    int64_t ng = 0;
    for (int64_t i = 0; i < m; i++)
        if (i == 0 || !same_key(&s, g->pos[i - 1], g->pos[i]))
            g->start[ng++] = i;
    g->start[ng] = m;
    g->ngroups = ng;
    /* The keys: each group's values at the chosen levels. */
    int64_t kshape[2] = {ng, nlevels};
    nd_array *keys = nd_new(index->dtype, nlevels == 1 ? 1 : 2, kshape, err);
    if (!keys) {
        nd_release(index);
        ser_groups_free(g);
        return -1;
    }
    size_t is = nd_itemsize(index);
    int64_t have = ser_nlevels(d);
    for (int64_t k = 0; k < ng; k++) {
        int64_t p = g->pos[g->start[k]];
        for (int j = 0; j < nlevels; j++)
            memcpy((char *)keys->data + (size_t)(k * nlevels + j) * is,
                   (const char *)index->data + (size_t)(p * have + lv[j]) * is, is);
    }
    g->keys = keys;
    g->names = td_strtab_retain(d->index_names);
    nd_release(index);
    return 0;
}

td_series *ser_groups_result(const td_series *d, const ser_groups *g, nd_array *values, td_err *err)
{
    return ser_result(d, values, g->keys, g->names, err);
}

typedef struct column_ctx {
    const nd_array *src; /* (*base, 1) */
    nd_array *out;       /* (*base, ngroups) */
    int64_t col, ncols;
} column_ctx;

static int column_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const column_ctx *c = p;
    size_t is = nd_itemsize(c->out);
    for (int64_t i = begin; i < end; i++)
        memcpy((char *)c->out->data + (size_t)(i * c->ncols + c->col) * is,
               (const char *)c->src->data + (size_t)i * is, is);
    return 0;
}

td_series *ser_stat_by_index(const td_series *d, ser_stat stat, int nlevels, const int64_t *levels,
                             td_err *err)
{
    static const nd_redop ops[] = {[SER_SUM] = ND_RSUM, [SER_MEAN] = ND_RMEAN, [SER_MEDIAN] = ND_RMEDIAN,
                                   [SER_STD] = ND_RSTD, [SER_MAX] = ND_RMAX,   [SER_MIN] = ND_RMIN};
    ser_groups g;
    if (ser_groups_make(d, nlevels, levels, &g, err) < 0)
        return NULL;
    td_series *r = NULL;
    nd_array *out = NULL;
    int64_t nrec = data_nrecords(d);
    int nd = data_ndim(d);
    for (int64_t k = 0; k < g.ngroups; k++) {
        int64_t size = g.start[k + 1] - g.start[k];
        nd_array *col;
        if (stat == SER_COUNT) {
            int64_t shape[ND_MAXDIM];
            memcpy(shape, data_shape(d), sizeof(int64_t) * (size_t)nd);
            shape[nd - 1] = 1;
            col = nd_full_f64(TD_INT64, nd, shape, (double)size, err);
        } else {
            /* The group's values of every record, in position order, reduced as numpy reduces v[mask]. */
            nd_array *part = take_positions(d, g.pos + g.start[k], size, err);
            col = part ? nd_reduce(ops[stat], part, -1, true, 0, err) : NULL;
            nd_release(part);
        }
        if (!col)
            goto done;
        if (!out && !(out = ser_values_new(d, col->dtype, g.ngroups, err))) {
            nd_release(col);
            goto done;
        }
        column_ctx c = {col, out, k, g.ngroups};
        int rc = td_par_for(nrec, 0, column_kernel, &c, err);
        nd_release(col);
        if (rc < 0)
            goto done;
    }
    if (!out) {
        td_err_set(err, TD_EVALUE, "no index values to group by");
        goto done;
    }
    r = ser_groups_result(d, &g, out, err);
done:
    nd_release(out);
    ser_groups_free(&g);
    return r;
}

/* ---- sample, subsample --------------------------------------------------------------------------------- */

typedef struct gather_ctx {
    const td_series *d;
    const int64_t *recs;
    nd_array *out;
} gather_ctx;

static int gather_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const gather_ctx *c = p;
    size_t bytes = (size_t)ser_length(c->d) * nd_itemsize(c->out);
    for (int64_t i = begin; i < end; i++)
        memcpy((char *)c->out->data + (size_t)i * bytes, data_record(c->d, c->recs[i]), bytes);
    return 0;
}

td_series *ser_sample(const td_series *d, int64_t n, const double *u, td_err *err)
{
    if (n < 1) {
        td_err_set(err, TD_EVALUE, "Number of samples must be larger than 0, got '%lld'", (long long)n);
        return NULL;
    }
    int64_t nrec = data_nrecords(d);
    if (nrec == 0) {
        td_err_set(err, TD_EVALUE, "cannot sample from empty data");
        return NULL;
    }
    int64_t *recs = td_scratch_alloc((size_t)n * sizeof(int64_t), err);
    if (!recs)
        return NULL;
    for (int64_t k = 0; k < n; k++) {
        double x = u[k] * (double)nrec;
        int64_t r = x >= 0 ? (int64_t)x : 0;
        recs[k] = r < nrec ? r : nrec - 1;
    }
    int64_t shape[2] = {n, ser_length(d)};
    nd_array *out = nd_new(data_dtype(d), 2, shape, err);
    td_series *r = NULL;
    if (out) {
        gather_ctx c = {d, recs, out};
        if (td_par_for(n, 0, gather_kernel, &c, err) == 0) {
            /* Thunder builds a new Series with the index and no labels. */
            r = ser_fromarray_like(out, d, err);
        }
        nd_release(out);
    }
    td_scratch_free(recs);
    return r;
}

td_series *ser_subsample(const td_series *d, int64_t factor, td_err *err)
{
    if (factor < 0) {
        td_err_set(err, TD_EVALUE, "Factor for subsampling must be postive, got %lld", (long long)factor);
        return NULL;
    }
    if (factor == 0) {
        td_err_set(err, TD_EVALUE, "slice step cannot be zero");
        return NULL;
    }
    int64_t n = ser_length(d), k = (n + factor - 1) / factor;
    int64_t *pos = td_scratch_alloc((size_t)(k + 1) * sizeof(int64_t), err);
    if (!pos)
        return NULL;
    for (int64_t j = 0; j < k; j++)
        pos[j] = j * factor;
    td_series *r = take_with_index(d, pos, k, err);
    td_scratch_free(pos);
    return r;
}

/* Indexing, transposition, concatenation and closeness of nd_arrays, with
 * numpy's rules and error messages. */
#include "nd_internal.h"
#include "thunder/par.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IX_PAR_MIN 65536 /* elements; smaller copies stay on the calling thread */

static void c_strides(int ndim, const int64_t *shape, int64_t *st)
{
    int64_t s = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        st[k] = s;
        s *= shape[k];
    }
}

/* Copies n elements of size ts from src (stride ss elements) to dst
 * (stride ds elements). */
static void copy_strided(char *dst, int64_t ds, const char *src, int64_t ss, int64_t n, size_t ts)
{
    if (ds == 1 && ss == 1) {
        memcpy(dst, src, (size_t)n * ts);
        return;
    }
#define COPY_AS(T)                                                                                           \
    for (int64_t i = 0; i < n; i++) {                                                                        \
        T v;                                                                                                 \
        memcpy(&v, src + i * ss * (int64_t)sizeof(T), sizeof(T));                                            \
        memcpy(dst + i * ds * (int64_t)sizeof(T), &v, sizeof(T));                                            \
    }
    switch (ts) {
    case 1: COPY_AS(uint8_t) break;
    case 2: COPY_AS(uint16_t) break;
    case 4: COPY_AS(uint32_t) break;
    default: COPY_AS(uint64_t) break;
    }
#undef COPY_AS
}

static int run_rows(int64_t rows, int64_t per_row, td_kernel k, void *ctx, td_err *err)
{
    if (rows <= 0)
        return 0;
    if (per_row < 1)
        per_row = 1;
    if (rows * per_row <= IX_PAR_MIN || rows == 1)
        return k(ctx, 0, rows, 0, err);
    int64_t grain = IX_PAR_MIN / 2 / per_row;
    return td_par_for(rows, grain < 1 ? 1 : grain, k, ctx, err);
}

/* ---- slices and indexing -------------------------------------------------- */

int64_t nd_slice_resolve(const nd_index *s, int64_t n, int64_t *first)
{
    int64_t step = s->step, start, stop;
    if (step == 0) {
        *first = 0;
        return 0;
    }
    if (step < -INT64_MAX)
        step = -INT64_MAX;
    if (step > 0) {
        start = 0;
        stop = n;
        if (s->has_start) {
            start = s->start < 0 ? s->start + n : s->start;
            start = start < 0 ? 0 : start > n ? n : start;
        }
        if (s->has_stop) {
            stop = s->stop < 0 ? s->stop + n : s->stop;
            stop = stop < 0 ? 0 : stop > n ? n : stop;
        }
        *first = start;
        return stop > start ? (stop - start - 1) / step + 1 : 0;
    }
    start = n - 1;
    stop = -1;
    if (s->has_start) {
        start = s->start < 0 ? s->start + n : s->start;
        start = start < 0 ? -1 : start >= n ? n - 1 : start;
    }
    if (s->has_stop) {
        stop = s->stop < 0 ? s->stop + n : s->stop;
        stop = stop < 0 ? -1 : stop >= n ? n - 1 : stop;
    }
    *first = start;
    return start > stop ? (start - stop - 1) / -step + 1 : 0;
}

/* One dimension of an indexing result: count positions, each stride
 * elements apart in the source, or at the offsets in table. */
typedef struct ix_dim {
    int64_t count, stride;
    const int64_t *table;
} ix_dim;

typedef struct ix_ctx {
    const char *src;
    char *dst;
    size_t ts;
    int nd;
    ix_dim dims[ND_MAXDIM];
    int64_t base;
} ix_ctx;

/* Output rows [begin, end): all dimensions but the last fixed. */
static int ix_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const ix_ctx *c = ctx;
    const ix_dim *last = &c->dims[c->nd - 1];
    for (int64_t r = begin; r < end; r++) {
        int64_t off = c->base, rem = r;
        for (int k = c->nd - 2; k >= 0; k--) {
            int64_t i = rem % c->dims[k].count;
            rem /= c->dims[k].count;
            off += c->dims[k].table ? c->dims[k].table[i] : i * c->dims[k].stride;
        }
        char *dst = c->dst + r * last->count * (int64_t)c->ts;
        if (last->table) {
            for (int64_t j = 0; j < last->count; j++)
                memcpy(dst + j * (int64_t)c->ts, c->src + (off + last->table[j]) * (int64_t)c->ts, c->ts);
        } else {
            copy_strided(dst, 1, c->src + off * (int64_t)c->ts, last->stride, last->count, c->ts);
        }
    }
    return 0;
}

static int64_t normalise_index(int64_t i, int64_t n, int axis, td_err *err)
{
    int64_t j = i < 0 ? i + n : i;
    if (j < 0 || j >= n) {
        td_err_set(err, TD_EINDEX, "index %lld is out of bounds for axis %d with size %lld", (long long)i,
                   axis, (long long)n);
        return -1;
    }
    return j;
}

nd_array *nd_index_get(const nd_array *a, int nidx, const nd_index *idx, td_err *err)
{
    int used = 0, nlists = 0, first_adv = -1, last_adv = -1, mismatch = -1;
    int64_t adv_len = 1;
    bool adjacent = true;
    for (int k = 0; k < nidx; k++) {
        if (idx[k].kind != ND_IDX_NEWAXIS)
            used++;
        if (idx[k].kind == ND_IDX_LIST) {
            /* lists broadcast together; a mismatch is reported after the
             * integers and slices, as numpy does */
            if (nlists > 0 && idx[k].nlist != adv_len && idx[k].nlist != 1 && adv_len != 1 && mismatch < 0)
                mismatch = k;
            else if (nlists == 0 || adv_len == 1)
                adv_len = idx[k].nlist;
            nlists++;
        }
    }
    if (nidx > 2 * ND_MAXDIM) {
        td_err_set(err, TD_EINDEX, "the result would have more than %d dimensions", ND_MAXDIM);
        return NULL;
    }
    if (used > a->ndim) {
        td_err_set(err, TD_EINDEX, "too many indices for array: array is %d-dimensional, but %d were indexed",
                   a->ndim, used);
        return NULL;
    }
    /* With a list, integers are advanced indices too; the list's dimension
     * goes where they stand when they are adjacent, else first. */
    if (nlists > 0) {
        for (int k = 0; k < nidx; k++) {
            if (idx[k].kind == ND_IDX_LIST || idx[k].kind == ND_IDX_INT) {
                if (first_adv < 0)
                    first_adv = k;
                else if (last_adv != k - 1)
                    adjacent = false;
                last_adv = k;
            }
        }
    }

    int64_t st[ND_MAXDIM];
    int list_axis[2 * ND_MAXDIM]; /* by entry of idx; nidx is bounded below */
    c_strides(a->ndim, a->shape, st);
    ix_ctx c = {.src = a->data, .ts = nd_itemsize(a), .base = 0};
    int64_t *table = NULL;

    int nd = 0, axis = 0;
    int64_t shape[ND_MAXDIM];
    if (nlists > 0) {
        table = td_scratch_alloc((size_t)(adv_len > 0 ? adv_len : 1) * sizeof(int64_t), err);
        if (!table)
            return NULL;
        memset(table, 0, (size_t)(adv_len > 0 ? adv_len : 1) * sizeof(int64_t));
        if (!adjacent) {
            c.dims[nd] = (ix_dim){adv_len, 0, table};
            nd++;
        }
    }
    nd_array *r = NULL;
    for (int k = 0; k <= nidx; k++) {
        /* k == nidx: the remaining axes, taken whole */
        if (k == nidx) {
            for (; axis < a->ndim; axis++) {
                if (nd >= ND_MAXDIM)
                    goto too_many;
                c.dims[nd++] = (ix_dim){a->shape[axis], st[axis], NULL};
            }
            break;
        }
        const nd_index *x = &idx[k];
        if (nlists > 0 && adjacent && k == first_adv) {
            if (nd >= ND_MAXDIM)
                goto too_many;
            c.dims[nd] = (ix_dim){adv_len, 0, table};
            nd++;
        }
        switch (x->kind) {
        case ND_IDX_INT: {
            int64_t i = normalise_index(x->i, a->shape[axis], axis, err);
            if (i < 0)
                goto fail;
            c.base += i * st[axis];
            axis++;
            break;
        }
        case ND_IDX_SLICE: {
            if (x->step == 0) {
                td_err_set(err, TD_EVALUE, "slice step cannot be zero");
                goto fail;
            }
            int64_t first, n = nd_slice_resolve(x, a->shape[axis], &first);
            if (nd >= ND_MAXDIM)
                goto too_many;
            c.base += n > 0 ? first * st[axis] : 0;
            c.dims[nd++] = (ix_dim){n, x->step * st[axis], NULL};
            axis++;
            break;
        }
        case ND_IDX_LIST:
            list_axis[k] = axis;
            axis++;
            break;
        case ND_IDX_NEWAXIS:
            if (nd >= ND_MAXDIM)
                goto too_many;
            c.dims[nd++] = (ix_dim){1, 0, NULL};
            break;
        }
    }
    if (mismatch >= 0) {
        td_err_set(
            err, TD_EINDEX,
            "shape mismatch: indexing arrays could not be broadcast together with shapes (%lld,) (%lld,)",
            (long long)adv_len, (long long)idx[mismatch].nlist);
        goto fail;
    }
    c.nd = nd;
    for (int k = 0; k < nd; k++)
        shape[k] = c.dims[k].count;
    int64_t total = 1;
    for (int k = 0; k < nd; k++)
        total *= shape[k];
    /* numpy checks list entries only when the result has elements. */
    if (total > 0 && nlists > 0) {
        for (int k = 0; k < nidx; k++) {
            if (idx[k].kind != ND_IDX_LIST)
                continue;
            int ax = list_axis[k];
            for (int64_t j = 0; j < adv_len; j++) {
                int64_t i = normalise_index(idx[k].list[idx[k].nlist == 1 ? 0 : j], a->shape[ax], ax, err);
                if (i < 0)
                    goto fail;
                table[j] += i * st[ax];
            }
        }
    }

    /* One contiguous run of the source, in order: a view. */
    if (total > 0) {
        int64_t expect = 1, start = c.base;
        bool contiguous = true;
        for (int k = nd - 1; k >= 0 && contiguous; k--) {
            const ix_dim *d = &c.dims[k];
            int64_t stride = d->stride;
            if (d->table) {
                start += d->table[0];
                stride = d->count > 1 ? d->table[1] - d->table[0] : 0;
                for (int64_t j = 2; j < d->count && contiguous; j++)
                    contiguous = d->table[j] - d->table[j - 1] == stride;
            }
            if (d->count > 1) {
                contiguous = contiguous && stride == expect;
                expect *= d->count;
            }
        }
        if (contiguous) {
            r = nd_view(a, start, nd, shape, err);
            td_scratch_free(table);
            return r;
        }
    }

    r = nd_new(a->dtype, nd, shape, err);
    if (!r)
        goto fail;
    if (total > 0) {
        if (nd == 0) {
            memcpy(r->data, (const char *)a->data + c.base * (int64_t)c.ts, c.ts);
        } else {
            c.dst = r->data;
            int64_t inner = shape[nd - 1];
            if (run_rows(total / inner, inner, ix_kernel, &c, err) < 0) {
                nd_release(r);
                r = NULL;
            }
        }
    }
    td_scratch_free(table);
    return r;

too_many:
    td_err_set(err, TD_EINDEX, "the result would have more than %d dimensions", ND_MAXDIM);
fail:
    td_scratch_free(table);
    return NULL;
}

/* ---- transpose ------------------------------------------------------------- */

typedef struct tr_ctx {
    const char *src;
    char *dst;
    size_t ts;
    int m;                    /* dimensions after merging */
    int64_t shape[ND_MAXDIM]; /* input shape */
    int64_t ist[ND_MAXDIM];   /* input strides by input dimension */
    int64_t ost[ND_MAXDIM];   /* output strides by input dimension */
    /* batch: the input dimensions other than the two tiled ones */
    int nb;
    int bdim[ND_MAXDIM];
    int64_t bcount;
    int rdim, cdim; /* fastest in the input / in the output */
    int64_t tile_r, tile_c, ntr, ntc;
} tr_ctx;

/* Unit u: one batch position and one tile of (cdim x rdim), read along
 * rdim (contiguous in the input) and written along cdim (contiguous in the
 * output). */
static int tr_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const tr_ctx *c = ctx;
    for (int64_t u = begin; u < end; u++) {
        int64_t tiles = c->ntr * c->ntc;
        int64_t b = u / tiles, t = u % tiles;
        /* Tiles along cdim vary fastest, so consecutive units fill whole
         * output lines instead of revisiting them once per column of tiles. */
        int64_t tc = t % c->ntc, trr = t / c->ntc;
        int64_t io = 0, oo = 0, rem = b;
        for (int k = c->nb - 1; k >= 0; k--) {
            int d = c->bdim[k];
            int64_t i = rem % c->shape[d];
            rem /= c->shape[d];
            io += i * c->ist[d];
            oo += i * c->ost[d];
        }
        int64_t c0 = tc * c->tile_c,
                c1 = c0 + c->tile_c < c->shape[c->cdim] ? c0 + c->tile_c : c->shape[c->cdim];
        int64_t r0 = trr * c->tile_r,
                r1 = r0 + c->tile_r < c->shape[c->rdim] ? r0 + c->tile_r : c->shape[c->rdim];
        int64_t isc = c->ist[c->cdim], osr = c->ost[c->rdim];
#define TILE_AS(T)                                                                                           \
    {                                                                                                        \
        const T *s = (const T *)c->src + io;                                                                 \
        T *d = (T *)c->dst + oo;                                                                             \
        for (int64_t i = c0; i < c1; i++)                                                                    \
            for (int64_t j = r0; j < r1; j++)                                                                \
                d[j * osr + i] = s[i * isc + j];                                                             \
    }
        switch (c->ts) {
        case 1: TILE_AS(uint8_t) break;
        case 2: TILE_AS(uint16_t) break;
        case 4: TILE_AS(uint32_t) break;
        default: TILE_AS(uint64_t) break;
        }
#undef TILE_AS
    }
    return 0;
}

/* Rows of the output whose last dimension is also the input's last: copy
 * runs. Row r is the multi-index over output dimensions 0..m-2. */
typedef struct tr_rows_ctx {
    const tr_ctx *t;
    const int *perm;
} tr_rows_ctx;

static int tr_rows_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const tr_rows_ctx *rc = ctx;
    const tr_ctx *c = rc->t;
    int64_t run = c->shape[c->m - 1];
    for (int64_t r = begin; r < end; r++) {
        int64_t io = 0, rem = r;
        for (int k = c->m - 2; k >= 0; k--) {
            int d = rc->perm[k];
            int64_t i = rem % c->shape[d];
            rem /= c->shape[d];
            io += i * c->ist[d];
        }
        memcpy(c->dst + r * run * (int64_t)c->ts, c->src + io * (int64_t)c->ts, (size_t)run * c->ts);
    }
    return 0;
}

nd_array *nd_transpose(const nd_array *a, const int *axes, td_err *err)
{
    int n = a->ndim, perm[ND_MAXDIM];
    bool seen[ND_MAXDIM] = {false};
    for (int k = 0; k < n; k++) {
        int ax = axes ? axes[k] : n - 1 - k;
        int p = ax < 0 ? ax + n : ax;
        if (p < 0 || p >= n) {
            td_err_set(err, TD_EVALUE, "axis %d is out of bounds for array of dimension %d", ax, n);
            return NULL;
        }
        if (seen[p]) {
            td_err_set(err, TD_EVALUE, "repeated axis in transpose");
            return NULL;
        }
        seen[p] = true;
        perm[k] = p;
    }
    int64_t oshape[ND_MAXDIM];
    for (int k = 0; k < n; k++)
        oshape[k] = a->shape[perm[k]];

    /* Merge input dimensions that stay adjacent and in order in the output,
     * dropping length-1 ones: (n, x, y) -> (x, y, n) becomes a 2-D transpose. */
    int keep[ND_MAXDIM], nk = 0; /* input dims in output order, length > 1 */
    for (int k = 0; k < n; k++)
        if (a->shape[perm[k]] != 1)
            keep[nk++] = perm[k];
    tr_ctx c = {.src = a->data, .ts = nd_itemsize(a)};
    int mperm[ND_MAXDIM], m = 0; /* merged: output order of merged dims (indices into groups) */
    int64_t gsize[ND_MAXDIM];    /* by output-order group */
    int gfirst[ND_MAXDIM];       /* first input dim of the group */
    for (int k = 0; k < nk; k++) {
        if (m > 0 && keep[k] == keep[k - 1] + 1) {
            /* only if no kept input dim lies between them: they are consecutive */
            gsize[m - 1] *= a->shape[keep[k]];
            continue;
        }
        gfirst[m] = keep[k];
        gsize[m] = a->shape[keep[k]];
        m++;
    }
    /* Input order of the groups: sort by first input dim. */
    int order[ND_MAXDIM];
    for (int g = 0; g < m; g++)
        order[g] = g;
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && gfirst[order[j - 1]] > gfirst[order[j]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    /* Merged input dim i is group order[i]; mperm[k] = input dim of output group k. */
    for (int i = 0; i < m; i++) {
        c.shape[i] = gsize[order[i]];
        mperm[order[i]] = i;
    }
    bool identity = true;
    for (int k = 0; k < m; k++)
        identity = identity && mperm[k] == k;
    if (identity)
        return nd_view(a, 0, n, oshape, err);

    nd_array *r = nd_new(a->dtype, n, oshape, err);
    if (!r)
        return NULL;
    if (r->size == 0)
        return r;
    c.dst = r->data;
    c.m = m;
    c_strides(m, c.shape, c.ist);
    int64_t s = 1;
    for (int k = m - 1; k >= 0; k--) {
        c.ost[mperm[k]] = s;
        s *= c.shape[mperm[k]];
    }
    int rc;
    if (mperm[m - 1] == m - 1) {
        tr_rows_ctx rcx = {&c, mperm};
        int64_t run = c.shape[m - 1];
        rc = run_rows(r->size / run, run, tr_rows_kernel, &rcx, err);
    } else {
        c.rdim = m - 1;
        c.cdim = mperm[m - 1];
        c.nb = 0;
        c.bcount = 1;
        for (int d = 0; d < m; d++)
            if (d != c.rdim && d != c.cdim) {
                c.bdim[c.nb++] = d;
                c.bcount *= c.shape[d];
            }
        /* A tile of about 8 KiB each way stays in L1 while it is turned. */
        c.tile_r = c.tile_c = c.ts <= 2 ? 64 : 32;
        c.ntr = (c.shape[c.rdim] + c.tile_r - 1) / c.tile_r;
        c.ntc = (c.shape[c.cdim] + c.tile_c - 1) / c.tile_c;
        rc = run_rows(c.bcount * c.ntr * c.ntc, c.tile_r * c.tile_c, tr_kernel, &c, err);
    }
    if (rc < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

/* ---- concatenate and stack --------------------------------------------------- */

typedef struct cat_ctx {
    int n;
    nd_array *const *arrays;
    int axis;
    td_dtype dt;
    int64_t inner, total_axis, outer;
    int64_t *before; /* per array: axis positions before it */
    char *dst;
} cat_ctx;

/* Unit u: array u % n, outer position u / n. */
static int cat_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    const cat_ctx *c = ctx;
    size_t ds = td_dtype_size(c->dt);
    for (int64_t u = begin; u < end; u++) {
        int k = (int)(u % c->n);
        int64_t o = u / c->n;
        const nd_array *x = c->arrays[k];
        int64_t block = x->shape[c->axis] * c->inner;
        char *dst = c->dst + (o * c->total_axis + c->before[k]) * c->inner * (int64_t)ds;
        const char *src = (const char *)x->data + o * block * (int64_t)nd_itemsize(x);
        if (x->dtype == c->dt)
            memcpy(dst, src, (size_t)block * ds);
        else
            nd_convert(dst, c->dt, src, x->dtype, block);
    }
    return 0;
}

nd_array *nd_concatenate(int n, nd_array *const *arrays, int axis, td_err *err)
{
    if (n <= 0) {
        td_err_set(err, TD_EVALUE, "need at least one array to concatenate");
        return NULL;
    }
    int nd = arrays[0]->ndim;
    if (nd == 0) {
        td_err_set(err, TD_EVALUE, "zero-dimensional arrays cannot be concatenated");
        return NULL;
    }
    int ax = axis < 0 ? axis + nd : axis;
    if (ax < 0 || ax >= nd) {
        td_err_set(err, TD_EVALUE, "axis %d is out of bounds for array of dimension %d", axis, nd);
        return NULL;
    }
    td_dtype dt = arrays[0]->dtype;
    int64_t total_axis = 0;
    for (int k = 0; k < n; k++) {
        const nd_array *x = arrays[k];
        if (x->ndim != nd) {
            td_err_set(err, TD_EVALUE,
                       "all the input arrays must have same number of dimensions, but the array at index 0 "
                       "has %d dimension(s) and the array at index %d has %d dimension(s)",
                       nd, k, x->ndim);
            return NULL;
        }
        for (int d = 0; d < nd; d++)
            if (d != ax && x->shape[d] != arrays[0]->shape[d]) {
                td_err_set(err, TD_EVALUE,
                           "all the input array dimensions except for the concatenation axis must match "
                           "exactly, but along dimension %d, the array at index 0 has size %lld and the "
                           "array at index %d has size %lld",
                           d, (long long)arrays[0]->shape[d], k, (long long)x->shape[d]);
                return NULL;
            }
        if (k > 0)
            dt = td_promote(dt, x->dtype);
        if (__builtin_add_overflow(total_axis, x->shape[ax], &total_axis)) {
            td_err_set(err, TD_EMEMORY, "array is too big");
            return NULL;
        }
    }
    int64_t shape[ND_MAXDIM];
    memcpy(shape, arrays[0]->shape, sizeof(int64_t) * (size_t)nd);
    shape[ax] = total_axis;
    nd_array *r = nd_new(dt, nd, shape, err);
    if (!r)
        return NULL;
    if (r->size == 0)
        return r;
    cat_ctx c = {.n = n, .arrays = arrays, .axis = ax, .dt = dt, .total_axis = total_axis, .dst = r->data};
    c.inner = 1;
    c.outer = 1;
    for (int d = ax + 1; d < nd; d++)
        c.inner *= shape[d];
    for (int d = 0; d < ax; d++)
        c.outer *= shape[d];
    c.before = td_scratch_alloc(sizeof(int64_t) * (size_t)n, err);
    if (!c.before) {
        nd_release(r);
        return NULL;
    }
    int64_t acc = 0;
    for (int k = 0; k < n; k++) {
        c.before[k] = acc;
        acc += arrays[k]->shape[ax];
    }
    int64_t units = c.outer * n;
    int rc = run_rows(units, r->size / units, cat_kernel, &c, err);
    td_scratch_free(c.before);
    if (rc < 0) {
        nd_release(r);
        return NULL;
    }
    return r;
}

nd_array *nd_stack(int n, nd_array *const *arrays, int axis, td_err *err)
{
    if (n <= 0) {
        td_err_set(err, TD_EVALUE, "need at least one array to stack");
        return NULL;
    }
    for (int k = 1; k < n; k++)
        if (!nd_same_shape(arrays[0], arrays[k])) {
            td_err_set(err, TD_EVALUE, "all input arrays must have the same shape");
            return NULL;
        }
    int nd = arrays[0]->ndim + 1;
    int ax = axis < 0 ? axis + nd : axis;
    if (ax < 0 || ax >= nd || nd > ND_MAXDIM) {
        td_err_set(err, TD_EVALUE, "axis %d is out of bounds for array of dimension %d", axis, nd);
        return NULL;
    }
    int64_t shape[ND_MAXDIM];
    for (int d = 0, s = 0; d < nd; d++)
        shape[d] = d == ax ? 1 : arrays[0]->shape[s++];
    nd_array **views = td_scratch_alloc(sizeof(nd_array *) * (size_t)n, err);
    if (!views)
        return NULL;
    nd_array *r = NULL;
    int made = 0;
    for (; made < n; made++) {
        views[made] = nd_view(arrays[made], 0, nd, shape, err);
        if (!views[made])
            goto done;
    }
    r = nd_concatenate(n, views, ax, err);
done:
    for (int k = 0; k < made; k++)
        nd_release(views[k]);
    td_scratch_free(views);
    return r;
}

/* ---- allclose --------------------------------------------------------------- */

static bool close_pair(double x, double y, double rtol, double atol, bool equal_nan)
{
    if (isfinite(x) && isfinite(y))
        return fabs(x - y) <= atol + rtol * fabs(y);
    if (equal_nan && isnan(x) && isnan(y))
        return true;
    return x == y;
}

/* np.allclose; with rtol == atol == 0 it is np.array_equal, which also
 * requires equal shapes rather than broadcasting. */
bool nd_allclose(const nd_array *a, const nd_array *b, double rtol, double atol, bool equal_nan)
{
    bool exact = rtol == 0 && atol == 0;
    if (exact && !nd_same_shape(a, b))
        return false;
    if (nd_same_shape(a, b)) {
        if (exact && a->dtype == b->dtype && !td_dtype_is_float(a->dtype))
            return a->size == 0 || memcmp(a->data, b->data, nd_nbytes(a)) == 0;
        double xa[1024], xb[1024];
        for (int64_t off = 0; off < a->size; off += 1024) {
            int64_t m = a->size - off < 1024 ? a->size - off : 1024;
            nd_convert(xa, TD_FLOAT64, nd_ptr(a, off), a->dtype, m);
            nd_convert(xb, TD_FLOAT64, nd_ptr(b, off), b->dtype, m);
            for (int64_t i = 0; i < m; i++)
                if (!close_pair(xa[i], xb[i], rtol, atol, equal_nan))
                    return false;
        }
        return true;
    }
    /* Broadcasting, element by element. */
    int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t shape[ND_MAXDIM], sa[ND_MAXDIM], sb[ND_MAXDIM], sta[ND_MAXDIM], stb[ND_MAXDIM];
    c_strides(a->ndim, a->shape, sta);
    c_strides(b->ndim, b->shape, stb);
    int64_t total = 1;
    for (int k = 0; k < nd; k++) {
        int ka = k - (nd - a->ndim), kb = k - (nd - b->ndim);
        int64_t da = ka >= 0 ? a->shape[ka] : 1, db = kb >= 0 ? b->shape[kb] : 1;
        if (da != db && da != 1 && db != 1)
            return false;
        shape[k] = da == 1 ? db : da;
        sa[k] = da == 1 ? 0 : sta[ka];
        sb[k] = db == 1 ? 0 : stb[kb];
        total *= shape[k];
    }
    for (int64_t i = 0; i < total; i++) {
        int64_t rem = i, oa = 0, ob = 0;
        for (int k = nd - 1; k >= 0; k--) {
            int64_t j = rem % shape[k];
            rem /= shape[k];
            oa += j * sa[k];
            ob += j * sb[k];
        }
        if (!close_pair(nd_get_f64(a, oa), nd_get_f64(b, ob), rtol, atol, equal_nan))
            return false;
    }
    return true;
}

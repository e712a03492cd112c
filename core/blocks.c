/* Blocks: Images cut into rectangular pieces of all their images. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "convert_internal.h"
#include "thunder/par.h"

/* --- geometry ------------------------------------------------------------------ */

void blk_extent(const td_blocks *b, int64_t i, int64_t *start, int64_t *stop)
{
    for (int k = b->ndim - 1; k >= 0; k--) {
        int64_t j = i % b->grid[k];
        i /= b->grid[k];
        int64_t c0 = j * b->plan[k];
        int64_t c1 = c0 + b->plan[k] < b->shape[k] ? c0 + b->plan[k] : b->shape[k];
        start[k] = c0 - b->pad[k] > 0 ? c0 - b->pad[k] : 0;
        stop[k] = c1 + b->pad[k] < b->shape[k] ? c1 + b->pad[k] : b->shape[k];
    }
}

/* Padding actually present on each side of block i (less at the edges). */
static void block_core(const td_blocks *b, int64_t i, int64_t *lo, int64_t *hi, int64_t *start, int64_t *stop)
{
    blk_extent(b, i, start, stop);
    for (int k = b->ndim - 1; k >= 0; k--) {
        int64_t j = i % b->grid[k];
        i /= b->grid[k];
        int64_t c0 = j * b->plan[k];
        int64_t c1 = c0 + b->plan[k] < b->shape[k] ? c0 + b->plan[k] : b->shape[k];
        lo[k] = c0 - start[k];
        hi[k] = stop[k] - c1;
    }
}

/* Copies a box of `count` elements per axis from src (starting at sstart)
 * into dst (starting at dstart); both C-contiguous, same ndim and dtype.
 * One memcpy per run along the last axis. */
static void box_copy(nd_array *dst, const int64_t *dstart, const nd_array *src, const int64_t *sstart,
                     const int64_t *count)
{
    int n = src->ndim;
    size_t is = nd_itemsize(src);
    int64_t sst[ND_MAXDIM], dst_[ND_MAXDIM];
    int64_t s = 1, d = 1;
    for (int k = n - 1; k >= 0; k--) {
        sst[k] = s;
        dst_[k] = d;
        s *= src->shape[k];
        d *= dst->shape[k];
    }
    for (int k = 0; k < n; k++)
        if (count[k] <= 0)
            return;
    int64_t idx[ND_MAXDIM] = {0};
    size_t run = (size_t)count[n - 1] * is;
    for (;;) {
        int64_t so = 0, doff = 0;
        for (int k = 0; k < n; k++) {
            so += (sstart[k] + (k < n - 1 ? idx[k] : 0)) * sst[k];
            doff += (dstart[k] + (k < n - 1 ? idx[k] : 0)) * dst_[k];
        }
        memcpy((char *)dst->data + doff * (int64_t)is, (const char *)src->data + so * (int64_t)is, run);
        int k = n - 2;
        while (k >= 0 && ++idx[k] == count[k])
            idx[k--] = 0;
        if (k < 0)
            break;
    }
}

/* --- construction ---------------------------------------------------------------- */

static td_blocks *blocks_alloc(td_err *err)
{
    td_blocks *b = calloc(1, sizeof *b);
    if (!b) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    atomic_init((atomic_int *)&b->refcount, 1);
    return b;
}

td_blocks *blk_retain(td_blocks *b)
{
    if (b)
        atomic_fetch_add_explicit((atomic_int *)&b->refcount, 1, memory_order_relaxed);
    return b;
}

void blk_release(td_blocks *b)
{
    if (!b || atomic_fetch_sub_explicit((atomic_int *)&b->refcount, 1, memory_order_acq_rel) != 1)
        return;
    nd_release(b->source);
    if (b->blocks)
        for (int64_t i = 0; i < b->nblocks; i++)
            nd_release(b->blocks[i]);
    free(b->blocks);
    free(b);
}

td_blocks *img_toblocks(const td_images *im, const td_chunk *chunk, int npad, const int64_t *pad, td_err *err)
{
    nd_array *v = data_values(im, err);
    if (!v)
        return NULL;
    int n = v->ndim, nimg = n - 1;
    int64_t plan[ND_MAXDIM], pads[ND_MAXDIM] = {0};
    plan[0] = v->shape[0];
    if (td_chunk_plan(chunk, nimg, v->shape + 1, nd_itemsize(v), plan + 1, err) < 0)
        goto fail;
    if (npad > nimg) {
        td_err_set(err, TD_EVALUE, "padding has %d entries, but the images have %d axes", npad, nimg);
        goto fail;
    }
    for (int k = 0; k < npad; k++) {
        if (pad[k] < 0) {
            td_err_set(err, TD_EVALUE, "padding cannot be negative, got %lld", (long long)pad[k]);
            goto fail;
        }
        pads[k + 1] = pad[k];
    }
    char s1[256], s2[256], s3[256];
    for (int k = 0; k < n; k++)
        if (plan[k] > v->shape[k] - pads[k]) {
            td_err_set(
                err, TD_EVALUE,
                "Chunk sizes %s plus padding sizes %s cannot exceed value dimensions %s along any axis",
                nd_shape_str(n, plan, s1, sizeof s1), nd_shape_str(n, pads, s2, sizeof s2),
                nd_shape_str(n, v->shape, s3, sizeof s3));
            goto fail;
        }
    for (int k = 0; k < n; k++)
        if (pads[k] > plan[k]) {
            td_err_set(err, TD_EVALUE, "Padding sizes %s cannot exceed chunk sizes %s along any axis",
                       nd_shape_str(n, pads, s1, sizeof s1), nd_shape_str(n, plan, s2, sizeof s2));
            goto fail;
        }
    td_blocks *b = blocks_alloc(err);
    if (!b)
        goto fail;
    b->ndim = n;
    b->dtype = v->dtype;
    b->nblocks = 1;
    for (int k = 0; k < n; k++) {
        b->shape[k] = v->shape[k];
        b->plan[k] = plan[k];
        b->pad[k] = pads[k];
        /* A zero-length axis has no pieces; plan is at least 1 elsewhere. */
        b->grid[k] = plan[k] > 0 ? (v->shape[k] + plan[k] - 1) / plan[k] : 0;
        b->nblocks *= b->grid[k];
    }
    b->source = v;
    return b;
fail:
    nd_release(v);
    return NULL;
}

/* --- access ------------------------------------------------------------------------- */

int64_t blk_count(const td_blocks *b)
{
    return b->nblocks;
}

nd_array *blk_get(const td_blocks *b, int64_t i, td_err *err)
{
    if (i < 0 || i >= b->nblocks) {
        td_err_set(err, TD_EINDEX, "block %lld out of range for %lld blocks", (long long)i,
                   (long long)b->nblocks);
        return NULL;
    }
    if (b->blocks)
        return nd_retain(b->blocks[i]);
    int64_t start[ND_MAXDIM], stop[ND_MAXDIM], count[ND_MAXDIM], zero[ND_MAXDIM] = {0};
    blk_extent(b, i, start, stop);
    bool whole = true;
    for (int k = 0; k < b->ndim; k++) {
        count[k] = stop[k] - start[k];
        whole = whole && count[k] == b->shape[k];
    }
    if (whole)
        return nd_retain(b->source);
    nd_array *out = nd_new(b->dtype, b->ndim, count, err);
    if (out)
        box_copy(out, zero, b->source, start, count);
    return out;
}

/* --- map ------------------------------------------------------------------------------ */

typedef struct map_ctx {
    const td_blocks *b;
    td_block_fn fn;
    void *user;
    nd_array **out;
} map_ctx;

static int map_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    map_ctx *c = p;
    const td_blocks *b = c->b;
    for (int64_t i = begin; i < end; i++) {
        nd_array *blk = blk_get(b, i, err);
        if (!blk)
            return -1;
        nd_array *r = c->fn(c->user, blk, thread, err);
        int ndim = blk->ndim;
        char s1[256], s2[256];
        if (r && r->ndim != ndim) {
            td_err_set(err, TD_EVALUE,
                       "map on blocks cannot drop dimensions: a block of shape %s gave shape %s",
                       nd_shape_str(blk->ndim, blk->shape, s1, sizeof s1),
                       nd_shape_str(r->ndim, r->shape, s2, sizeof s2));
            nd_release(r);
            r = NULL;
        }
        for (int k = 0; r && k < ndim; k++)
            if (b->grid[k] > 1 && r->shape[k] != blk->shape[k]) {
                td_err_set(err, TD_EVALUE,
                           "map cannot change the sizes of chunked dimensions: a block of shape %s gave "
                           "shape %s",
                           nd_shape_str(blk->ndim, blk->shape, s1, sizeof s1),
                           nd_shape_str(r->ndim, r->shape, s2, sizeof s2));
                nd_release(r);
                r = NULL;
            }
        nd_release(blk);
        if (!r)
            return -1;
        c->out[i] = r;
    }
    return 0;
}

td_blocks *blk_map(const td_blocks *b, td_block_fn fn, void *ctx, int vndim, const int64_t *value_shape,
                   const td_dtype *dtype, td_err *err)
{
    if (b->nblocks == 0) {
        td_err_set(err, TD_EVALUE, "map over no blocks");
        return NULL;
    }
    td_blocks *nb = blocks_alloc(err);
    if (!nb)
        return NULL;
    *nb = *b;
    atomic_init((atomic_int *)&nb->refcount, 1);
    nb->source = NULL;
    nb->blocks = calloc((size_t)b->nblocks, sizeof *nb->blocks);
    if (!nb->blocks) {
        free(nb);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    map_ctx c = {b, fn, ctx, nb->blocks};
    if (td_par_for(b->nblocks, 1, map_kernel, &c, err) < 0)
        goto fail;
    /* Along uncut axes every result must agree; they set the new sizes. */
    const nd_array *r0 = nb->blocks[0];
    char s1[256], s2[256];
    for (int64_t i = 1; i < b->nblocks; i++)
        for (int k = 0; k < b->ndim; k++)
            if (b->grid[k] == 1 && nb->blocks[i]->shape[k] != r0->shape[k]) {
                td_err_set(err, TD_EVALUE, "map on blocks: block %lld gave shape %s, but the first gave %s",
                           (long long)i,
                           nd_shape_str(nb->blocks[i]->ndim, nb->blocks[i]->shape, s1, sizeof s1),
                           nd_shape_str(r0->ndim, r0->shape, s2, sizeof s2));
                goto fail;
            }
    if (value_shape) {
        bool ok = vndim == b->ndim;
        for (int k = 0; ok && k < b->ndim; k++)
            ok = value_shape[k] == (b->grid[k] == 1 ? r0->shape[k] : b->plan[k]);
        if (!ok) {
            td_err_set(err, TD_EVALUE,
                       "map on blocks: value_shape %s does not match the results (blocks of %s)",
                       nd_shape_str(vndim, value_shape, s1, sizeof s1),
                       nd_shape_str(r0->ndim, r0->shape, s2, sizeof s2));
            goto fail;
        }
    }
    for (int k = 0; k < b->ndim; k++)
        if (b->grid[k] == 1) {
            nb->shape[k] = r0->shape[k];
            nb->plan[k] = r0->shape[k];
        }
    td_dtype dt = r0->dtype;
    if (dtype)
        dt = *dtype;
    else
        for (int64_t i = 1; i < b->nblocks; i++)
            dt = td_promote(dt, nb->blocks[i]->dtype);
    for (int64_t i = 0; i < b->nblocks; i++)
        if (nb->blocks[i]->dtype != dt) {
            nd_array *cast = nd_astype(nb->blocks[i], dt, err);
            if (!cast)
                goto fail;
            nd_release(nb->blocks[i]);
            nb->blocks[i] = cast;
        }
    nb->dtype = dt;
    return nb;
fail:
    blk_release(nb);
    return NULL;
}

/* --- back together ------------------------------------------------------------------ */

typedef struct unchunk_ctx {
    const td_blocks *b;
    nd_array *out;
} unchunk_ctx;

static int unchunk_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    unchunk_ctx *c = p;
    const td_blocks *b = c->b;
    for (int64_t i = begin; i < end; i++) {
        int64_t lo[ND_MAXDIM], hi[ND_MAXDIM], start[ND_MAXDIM], stop[ND_MAXDIM], count[ND_MAXDIM],
            dstart[ND_MAXDIM];
        block_core(b, i, lo, hi, start, stop);
        for (int k = 0; k < b->ndim; k++) {
            dstart[k] = start[k] + lo[k];
            count[k] = stop[k] - start[k] - lo[k] - hi[k];
        }
        box_copy(c->out, dstart, b->blocks[i], lo, count);
    }
    return 0;
}

nd_array *blk_toarray(const td_blocks *b, td_err *err)
{
    if (b->source)
        return nd_retain(b->source); /* never mapped: the blocks are the source's pieces */
    if (b->nblocks == 1 && b->blocks[0]->ndim == b->ndim) {
        bool same = true;
        for (int k = 0; k < b->ndim; k++)
            same = same && b->blocks[0]->shape[k] == b->shape[k];
        if (same)
            return nd_retain(b->blocks[0]);
    }
    nd_array *out = nd_new(b->dtype, b->ndim, b->shape, err);
    if (!out)
        return NULL;
    unchunk_ctx c = {b, out};
    if (td_par_for(b->nblocks, 1, unchunk_kernel, &c, err) < 0) {
        nd_release(out);
        return NULL;
    }
    return out;
}

td_images *blk_toimages(const td_blocks *b, td_err *err)
{
    nd_array *v = blk_toarray(b, err);
    if (!v)
        return NULL;
    td_images *im = td_images_wrap(v, err);
    nd_release(v);
    return im;
}

td_series *blk_toseries(const td_blocks *b, td_err *err)
{
    nd_array *v = blk_toarray(b, err);
    if (!v)
        return NULL;
    nd_array *t = td_move_axes(v, 1, false, err);
    nd_release(v);
    if (!t)
        return NULL;
    td_series *s = ser_fromarray(t, NULL, err);
    nd_release(t);
    return s;
}

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

void blk_core_extent(const td_blocks *b, int64_t i, int64_t *start, int64_t *stop)
{
    for (int k = b->ndim - 1; k >= 0; k--) {
        int64_t j = i % b->grid[k];
        i /= b->grid[k];
        start[k] = j * b->plan[k];
        stop[k] = start[k] + b->plan[k] < b->shape[k] ? start[k] + b->plan[k] : b->shape[k];
    }
}

void blk_core_box(const td_blocks *b, int64_t i, int64_t *lo, int64_t *count, int64_t *at)
{
    int64_t start[ND_MAXDIM], stop[ND_MAXDIM];
    blk_extent(b, i, start, stop);
    blk_core_extent(b, i, at, stop);
    for (int k = 0; k < b->ndim; k++) {
        lo[k] = at[k] - start[k];
        count[k] = stop[k] - at[k];
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
        for (int64_t i = 0; i < b->held; i++)
            nd_release(b->blocks[i]);
    free(b->blocks);
    free(b);
}

td_blocks *blk_plan(int ndim, const int64_t *shape, td_dtype dtype, const td_chunk *chunk, int npad,
                    const int64_t *pad, td_err *err)
{
    int n = ndim, nimg = n - 1;
    int64_t plan[ND_MAXDIM], pads[ND_MAXDIM] = {0};
    plan[0] = shape[0];
    if (td_chunk_plan(chunk, nimg, shape + 1, td_dtype_size(dtype), plan + 1, err) < 0)
        return NULL;
    if (npad > nimg) {
        td_err_set(err, TD_EVALUE, "padding has %d entries, but the images have %d axes", npad, nimg);
        return NULL;
    }
    for (int k = 0; k < npad; k++) {
        if (pad[k] < 0) {
            td_err_set(err, TD_EVALUE, "padding cannot be negative, got %lld", (long long)pad[k]);
            return NULL;
        }
        pads[k + 1] = pad[k];
    }
    char s1[256], s2[256], s3[256];
    for (int k = 0; k < n; k++)
        if (plan[k] > shape[k] - pads[k]) {
            td_err_set(
                err, TD_EVALUE,
                "Chunk sizes %s plus padding sizes %s cannot exceed value dimensions %s along any axis",
                nd_shape_str(n, plan, s1, sizeof s1), nd_shape_str(n, pads, s2, sizeof s2),
                nd_shape_str(n, shape, s3, sizeof s3));
            return NULL;
        }
    for (int k = 0; k < n; k++)
        if (pads[k] > plan[k]) {
            td_err_set(err, TD_EVALUE, "Padding sizes %s cannot exceed chunk sizes %s along any axis",
                       nd_shape_str(n, pads, s1, sizeof s1), nd_shape_str(n, plan, s2, sizeof s2));
            return NULL;
        }
    td_blocks *b = blocks_alloc(err);
    if (!b)
        return NULL;
    b->ndim = n;
    b->dtype = dtype;
    b->nblocks = 1;
    for (int k = 0; k < n; k++) {
        b->shape[k] = shape[k];
        b->plan[k] = plan[k];
        b->pad[k] = pads[k];
        /* A zero-length axis has no pieces; plan is at least 1 elsewhere. */
        b->grid[k] = plan[k] > 0 ? (shape[k] + plan[k] - 1) / plan[k] : 0;
        b->nblocks *= b->grid[k];
    }
    return b;
}

td_blocks *img_toblocks(const td_images *im, const td_chunk *chunk, int npad, const int64_t *pad, td_err *err)
{
    nd_array *v = data_values(im, err);
    if (!v)
        return NULL;
    td_blocks *b = blk_plan(v->ndim, v->shape, v->dtype, chunk, npad, pad, err);
    if (!b) {
        nd_release(v);
        return NULL;
    }
    b->source = v;
    b->held = b->nblocks;
    return b;
}

/* A td_blocks with b's geometry holding no blocks yet. */
static td_blocks *blocks_like(const td_blocks *b, td_err *err)
{
    td_blocks *nb = blocks_alloc(err);
    if (!nb)
        return NULL;
    *nb = *b;
    atomic_init((atomic_int *)&nb->refcount, 1);
    nb->source = NULL;
    nb->blocks = NULL;
    nb->first = nb->held = 0;
    return nb;
}

td_blocks *blk_part(const td_blocks *b, int64_t first, int64_t count, nd_array *const *blocks, td_err *err)
{
    td_blocks *nb = NULL;
    if (first < 0 || count < 0 || first + count > b->nblocks) {
        td_err_set(err, TD_EINDEX, "blocks %lld to %lld out of range for %lld blocks", (long long)first,
                   (long long)(first + count), (long long)b->nblocks);
        goto fail;
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t start[ND_MAXDIM], stop[ND_MAXDIM];
        blk_extent(b, first + i, start, stop);
        bool ok = blocks[i] && blocks[i]->ndim == b->ndim && blocks[i]->dtype == b->dtype;
        for (int k = 0; ok && k < b->ndim; k++)
            ok = blocks[i]->shape[k] == stop[k] - start[k];
        if (!ok) {
            td_err_set(err, TD_EVALUE, "block %lld does not have its shape and dtype in the grid",
                       (long long)(first + i));
            goto fail;
        }
    }
    nb = blocks_like(b, err);
    if (!nb)
        goto fail;
    nb->blocks = calloc(count ? (size_t)count : 1, sizeof *nb->blocks);
    if (!nb->blocks) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto fail;
    }
    memcpy(nb->blocks, blocks, (size_t)count * sizeof *blocks);
    nb->first = first;
    nb->held = count;
    return nb;
fail:
    for (int64_t i = 0; i < count; i++)
        nd_release(blocks[i]);
    blk_release(nb);
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
    if (i < b->first || i >= b->first + b->held) {
        td_err_set(err, TD_EINDEX, "block %lld is not held here (blocks %lld to %lld are)", (long long)i,
                   (long long)b->first, (long long)(b->first + b->held - 1));
        return NULL;
    }
    if (b->blocks)
        return nd_retain(b->blocks[i - b->first]);
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
        nd_copy_box(out, zero, b->source, start, count);
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
        nd_array *blk = blk_get(b, b->first + i, err);
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

int blk_map_apply(const td_blocks *b, td_block_fn fn, void *ctx, nd_array **out, td_err *err)
{
    for (int64_t i = 0; i < b->held; i++)
        out[i] = NULL;
    map_ctx c = {b, fn, ctx, out};
    if (td_par_for(b->held, 1, map_kernel, &c, err) == 0)
        return 0;
    for (int64_t i = 0; i < b->held; i++) {
        nd_release(out[i]);
        out[i] = NULL;
    }
    return -1;
}

td_blocks *blk_map_finish(const td_blocks *b, nd_array **out, const int64_t *ref, int vndim,
                          const int64_t *value_shape, const td_dtype *dtype, td_err *err)
{
    td_blocks *nb = blocks_like(b, err);
    if (nb)
        nb->blocks = calloc(b->held ? (size_t)b->held : 1, sizeof *nb->blocks);
    if (!nb || !nb->blocks) {
        for (int64_t i = 0; i < b->held; i++)
            nd_release(out[i]);
        if (nb && !nb->blocks)
            td_err_set(err, TD_EMEMORY, "out of memory");
        blk_release(nb);
        return NULL;
    }
    memcpy(nb->blocks, out, (size_t)b->held * sizeof *out);
    nb->first = b->first;
    nb->held = b->held;
    /* Along uncut axes every result must agree; they set the new sizes. */
    int64_t want[ND_MAXDIM];
    for (int k = 0; k < b->ndim; k++)
        want[k] = ref ? ref[k] : b->held ? out[0]->shape[k] : b->shape[k];
    /* The first block's result, for the messages: it has block 0's size
     * along the cut axes, and the agreed one along the others. */
    int64_t first[ND_MAXDIM], s0[ND_MAXDIM], e0[ND_MAXDIM];
    blk_extent(b, 0, s0, e0);
    for (int k = 0; k < b->ndim; k++)
        first[k] = b->grid[k] == 1 ? want[k] : e0[k] - s0[k];
    char s1[256], s2[256];
    for (int64_t i = 0; i < b->held; i++)
        for (int k = 0; k < b->ndim; k++)
            if (b->grid[k] == 1 && out[i]->shape[k] != want[k]) {
                td_err_set(err, TD_EVALUE, "map on blocks: block %lld gave shape %s, but the first gave %s",
                           (long long)(b->first + i),
                           nd_shape_str(out[i]->ndim, out[i]->shape, s1, sizeof s1),
                           nd_shape_str(b->ndim, first, s2, sizeof s2));
                goto fail;
            }
    if (value_shape) {
        bool ok = vndim == b->ndim;
        for (int k = 0; ok && k < b->ndim; k++)
            ok = value_shape[k] == (b->grid[k] == 1 ? want[k] : b->plan[k]);
        if (!ok) {
            td_err_set(
                err, TD_EVALUE, "map on blocks: value_shape %s does not match the results (blocks of %s)",
                nd_shape_str(vndim, value_shape, s1, sizeof s1), nd_shape_str(b->ndim, first, s2, sizeof s2));
            goto fail;
        }
    }
    for (int k = 0; k < b->ndim; k++)
        if (b->grid[k] == 1) {
            nb->shape[k] = want[k];
            nb->plan[k] = want[k];
        }
    td_dtype dt = b->held ? out[0]->dtype : b->dtype;
    if (dtype)
        dt = *dtype;
    else
        for (int64_t i = 1; i < b->held; i++)
            dt = td_promote(dt, out[i]->dtype);
    for (int64_t i = 0; i < b->held; i++)
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

td_blocks *blk_map(const td_blocks *b, td_block_fn fn, void *ctx, int vndim, const int64_t *value_shape,
                   const td_dtype *dtype, td_err *err)
{
    if (b->held == 0) {
        td_err_set(err, TD_EVALUE, "map over no blocks");
        return NULL;
    }
    nd_array **out = calloc((size_t)b->held, sizeof *out);
    if (!out) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    td_blocks *nb = NULL;
    if (blk_map_apply(b, fn, ctx, out, err) == 0)
        nb = blk_map_finish(b, out, NULL, vndim, value_shape, dtype, err);
    free(out);
    return nb;
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
        int64_t lo[ND_MAXDIM], count[ND_MAXDIM], at[ND_MAXDIM];
        blk_core_box(b, i, lo, count, at);
        nd_copy_box(c->out, at, b->blocks[i], lo, count);
    }
    return 0;
}

nd_array *blk_toarray(const td_blocks *b, td_err *err)
{
    if (b->source)
        return nd_retain(b->source); /* never mapped: the blocks are the source's pieces */
    if (b->held != b->nblocks) {
        td_err_set(err, TD_EVALUE, "toarray needs every block, and %lld of %lld are held", (long long)b->held,
                   (long long)b->nblocks);
        return NULL;
    }
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

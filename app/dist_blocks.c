/* Distributed mode over MPI: Blocks. A Blocks value made from shared
 * Images holds a contiguous share of the blocks (value.part counts blocks,
 * in C order over the grid); the blocks come from the images, and go back
 * to them, through MPI_Alltoallv. Every rank holds the whole geometry, so
 * count, blockshape, padding, shape and dtype need no communication. */
#include "config.h"

#ifdef HAVE_MPI

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "dist_internal.h"
#include "m_blocks.h"
#include "thunder/par.h"

static int64_t prod(int n, const int64_t *v)
{
    int64_t p = 1;
    for (int k = 0; k < n; k++)
        p *= v[k];
    return p;
}

/* The shape of block i's array, padding included. */
static void block_shape(const td_blocks *b, int64_t i, int64_t *shape)
{
    int64_t start[ND_MAXDIM], stop[ND_MAXDIM];
    blk_extent(b, i, start, stop);
    for (int k = 0; k < b->ndim; k++)
        shape[k] = stop[k] - start[k];
}

/* The pixels of block i, padding included (its array without the time axis). */
static int64_t block_pixels(const td_blocks *b, int64_t i)
{
    int64_t shape[ND_MAXDIM];
    block_shape(b, i, shape);
    return prod(b->ndim - 1, shape + 1);
}

/* A new array for block i. */
static nd_array *block_new(const td_blocks *b, int64_t i, td_err *err)
{
    int64_t shape[ND_MAXDIM];
    block_shape(b, i, shape);
    return nd_new(b->dtype, b->ndim, shape, err);
}

/* The first block each rank holds (nranks + 1 entries, the last nblocks). */
static void block_starts(const dpart *p, int64_t *starts)
{
    starts[0] = 0;
    for (int r = 0; r < dist_nranks; r++)
        starts[r + 1] = starts[r] + p->counts[r];
}

/* A Blocks value holding blocks [first, first + count) of b, on every rank. */
static value *blocks_shared(td_blocks *b, const int64_t *starts, td_err *err)
{
    value *v = blocks_value(b, err);
    if (!v)
        return NULL;
    dpart *p = dist_part_new(b->ndim, b->shape, b->nblocks);
    for (int r = 0; r < dist_nranks; r++)
        p->counts[r] = starts[r + 1] - starts[r];
    p->offset = starts[dist_me];
    v->part = p;
    return v;
}

value *dist_blocks_replicated(value *v)
{
    const td_blocks *b = blocks_of(v);
    dpart *p = dist_part_new(b->ndim, b->shape, b->nblocks);
    p->replicated = true;
    for (int r = 0; r < dist_nranks; r++)
        p->counts[r] = b->nblocks;
    v->part = p;
    return v;
}

/* --- Images -> Blocks ---------------------------------------------------------------------------- */

typedef struct cut_ctx {
    const td_blocks *g;
    const nd_array *src; /* (m, *image shape): the images this rank sends */
    nd_array *buf;       /* boxes of every block, in block order */
    const int64_t *pos;  /* where block i's box starts in buf */
} cut_ctx;

/* Block i's box of the source images: all m of them, its padded pixels. */
static int cut_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    (void)thread;
    cut_ctx *c = p;
    const td_blocks *g = c->g;
    for (int64_t i = begin; i < end; i++) {
        int64_t start[ND_MAXDIM], stop[ND_MAXDIM], count[ND_MAXDIM], zero[ND_MAXDIM] = {0};
        blk_extent(g, i, start, stop);
        start[0] = 0;
        count[0] = c->src->shape[0];
        for (int k = 1; k < g->ndim; k++)
            count[k] = stop[k] - start[k];
        nd_array *box = nd_view(c->buf, c->pos[i], g->ndim, count, err);
        if (!box)
            return -1;
        nd_copy_box(box, zero, c->src, start, count);
        nd_release(box);
    }
    return 0;
}

typedef struct place_ctx {
    const td_blocks *g;
    const dpart *ip; /* the images' partition */
    nd_array **blocks;
    const char *recv;
    const int64_t *rpos; /* per (rank, block): where its box starts in recv, in elements */
} place_ctx;

/* Every rank's images of block first + j go into it at their time offset:
 * one contiguous run each, since time is the block's first axis. */
static int place_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    (void)thread;
    (void)err;
    place_ctx *c = p;
    size_t item = td_dtype_size(c->g->dtype);
    for (int64_t j = begin; j < end; j++) {
        nd_array *blk = c->blocks[j];
        int64_t pix = blk->shape[0] ? blk->size / blk->shape[0] : 0, t = 0;
        for (int r = 0; r < dist_nranks; r++) {
            int64_t m = c->ip->counts[r];
            memcpy((char *)blk->data + (size_t)(t * pix) * item,
                   c->recv + (size_t)c->rpos[j * dist_nranks + r] * item, (size_t)(m * pix) * item);
            t += m;
        }
    }
    return 0;
}

/* Blocks [first, first + held) of g, each (n, *padded extent), made from
 * images shared by records: rank r sends each rank the boxes of that rank's
 * blocks in its own images (MPI_Alltoallv), which arrive in rank order,
 * that is in time order. */
static nd_array **blocks_exchange(const value *images, const td_blocks *g, const int64_t *starts, td_err *err)
{
    const dpart *ip = images->part;
    const td_data *d = images->u.data;
    int64_t first = starts[dist_me], held = starts[dist_me + 1] - first, mine = ip->counts[dist_me];
    size_t item = td_dtype_size(g->dtype);
    int64_t *scnt = calloc(2 * (size_t)dist_nranks, sizeof *scnt);
    int64_t *pos = calloc((size_t)g->nblocks + 1, sizeof *pos);
    int64_t *rpos = calloc((size_t)(held ? held : 1) * (size_t)dist_nranks, sizeof *rpos);
    nd_array **blocks = calloc((size_t)(held ? held : 1), sizeof *blocks);
    nd_array *sendbuf = NULL, *recv = NULL;
    int rc = scnt && pos && rpos && blocks ? 0 : td_err_set(err, TD_EMEMORY, "out of memory");
    int64_t *rcnt = scnt ? scnt + dist_nranks : NULL;
    if (rc == 0) {
        /* send: every block's box of this rank's images, in block order */
        for (int r = 0; r < dist_nranks; r++)
            for (int64_t i = starts[r]; i < starts[r + 1]; i++) {
                int64_t n = mine * block_pixels(g, i);
                pos[i + 1] = pos[i] + n;
                scnt[r] += n;
            }
        /* receive: from each rank in turn, its images of each of this rank's blocks */
        int64_t at = 0;
        for (int r = 0; r < dist_nranks; r++)
            for (int64_t j = 0; j < held; j++) {
                int64_t n = ip->counts[r] * block_pixels(g, first + j);
                rpos[j * dist_nranks + r] = at;
                at += n;
                rcnt[r] += n;
            }
        rc = dist_check_counts(scnt, rcnt, err);
    }
    if (rc == 0) {
        int64_t sn = pos[g->nblocks], rn = 0;
        for (int r = 0; r < dist_nranks; r++)
            rn += rcnt[r];
        sendbuf = nd_new(g->dtype, 1, &sn, err);
        recv = sendbuf ? nd_new(g->dtype, 1, &rn, err) : NULL;
        for (int64_t j = 0; recv && j < held; j++)
            if (!(blocks[j] = block_new(g, first + j, err)))
                break;
        rc = recv && (held == 0 || blocks[held - 1]) ? 0 : -1;
    }
    if (rc == 0) {
        cut_ctx c = {g, d->values, sendbuf, pos};
        rc = td_par_for(g->nblocks, 1, cut_kernel, &c, err);
    }
    if (dist_sync(rc, err) < 0)
        goto fail;
    dist_alltoallv(sendbuf->data, scnt, recv->data, rcnt, item);
    nd_release(sendbuf);
    sendbuf = NULL;
    place_ctx pc = {g, ip, blocks, recv->data, rpos};
    td_par_for(held, 1, place_kernel, &pc, err);
    nd_release(recv);
    free(scnt);
    free(pos);
    free(rpos);
    return blocks;
fail:
    nd_release(sendbuf);
    nd_release(recv);
    for (int64_t j = 0; blocks && j < held; j++)
        nd_release(blocks[j]);
    free(blocks);
    free(scnt);
    free(pos);
    free(rpos);
    return NULL;
}

/* Blocks [first, first + held) of g cut from whole images this rank holds. */
static nd_array **blocks_cut(const nd_array *whole, const td_blocks *g, int64_t first, int64_t held,
                             td_err *err)
{
    nd_array **blocks = calloc((size_t)(held ? held : 1), sizeof *blocks);
    if (!blocks) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t j = 0; j < held; j++) {
        int64_t start[ND_MAXDIM], stop[ND_MAXDIM], zero[ND_MAXDIM] = {0};
        if (!(blocks[j] = block_new(g, first + j, err))) {
            for (int64_t i = 0; i < j; i++)
                nd_release(blocks[i]);
            free(blocks);
            return NULL;
        }
        blk_extent(g, first + j, start, stop);
        nd_copy_box(blocks[j], zero, whole, start, blocks[j]->shape);
    }
    return blocks;
}

value *dist_toblocks(const value *images, const td_chunk *chunk, int npad, const int64_t *pad, td_err *err)
{
    const dpart *ip = images->part;
    td_blocks *g = blk_plan(ip->ndim, ip->shape, data_dtype(images->u.data), chunk, npad, pad, err);
    if (!g)
        return NULL; /* the same error on every rank: the arguments are */
    if (g->nblocks < dist_nranks) {
        /* too few blocks to give every rank one: whole on every rank */
        blk_release(g);
        td_data *all = dist_gather_data(images, err);
        td_blocks *b = all ? img_toblocks(all, chunk, npad, pad, err) : NULL;
        data_release(all);
        value *v = b ? blocks_value(b, err) : NULL;
        return v ? dist_blocks_replicated(v) : NULL;
    }
    int64_t *starts = malloc(((size_t)dist_nranks + 1) * sizeof *starts);
    if (!starts) {
        blk_release(g);
        dist_sync(td_err_set(err, TD_EMEMORY, "out of memory"), err);
        return NULL;
    }
    for (int r = 0; r < dist_nranks; r++) {
        int64_t len;
        io_part_range(g->nblocks, r, dist_nranks, &starts[r], &len);
    }
    starts[dist_nranks] = g->nblocks;
    int64_t first = starts[dist_me], held = starts[dist_me + 1] - first;
    nd_array **blocks = ip->replicated ? blocks_cut(images->u.data->values, g, first, held, err)
                                       : blocks_exchange(images, g, starts, err);
    td_blocks *b = blocks ? blk_part(g, first, held, blocks, err) : NULL;
    free(blocks);
    value *v = b ? blocks_shared(b, starts, err) : NULL;
    blk_release(g);
    free(starts);
    return v;
}

/* --- the blocks of a share --------------------------------------------------------------------------- */

value *dist_blocks_first(const value *self, td_err *err)
{
    /* rank 0 holds block 0 whenever blocks are shared */
    nd_array *f = NULL;
    int rc = 0;
    if (dist_me == 0)
        rc = (f = blk_get(blocks_of(self), 0, err)) ? 0 : -1;
    if (dist_sync(rc, err) < 0 || dist_bcast_array(&f, 0, err) < 0) {
        nd_release(f);
        return NULL;
    }
    return val_array(f);
}

/* What a rank's mapped blocks say to the others: the first one's shape
 * (rank 0's is the whole's block 0) and their promoted dtype. */
typedef struct map_meta {
    int32_t dtype, any;
    int64_t shape[ND_MAXDIM];
} map_meta;

value *dist_blocks_map(const value *self, td_block_fn fn, void *ctx, int vndim, const int64_t *value_shape,
                       const td_dtype *dtype, td_err *err)
{
    const td_blocks *b = blocks_of(self);
    nd_array **out = calloc((size_t)(b->held ? b->held : 1), sizeof *out);
    map_meta *all = calloc((size_t)dist_nranks, sizeof *all);
    int rc = out && all ? 0 : td_err_set(err, TD_EMEMORY, "out of memory");
    if (rc == 0)
        rc = blk_map_apply(b, fn, ctx, out, err);
    if (dist_sync(rc, err) < 0) {
        for (int64_t i = 0; rc == 0 && i < b->held; i++)
            nd_release(out[i]);
        free(out);
        free(all);
        return NULL;
    }
    map_meta m = {0, b->held > 0, {0}};
    if (b->held) {
        td_dtype dt = out[0]->dtype;
        for (int64_t i = 1; i < b->held; i++)
            dt = td_promote(dt, out[i]->dtype);
        m.dtype = dt;
        memcpy(m.shape, out[0]->shape, (size_t)b->ndim * sizeof *m.shape);
    }
    MPI_Allgather(&m, (int)sizeof m, MPI_BYTE, all, (int)sizeof m, MPI_BYTE, MPI_COMM_WORLD);
    /* numpy's promotion over every result, whichever rank holds it */
    td_dtype dt = dtype ? *dtype : (td_dtype)all[0].dtype;
    for (int r = 1; !dtype && r < dist_nranks; r++)
        if (all[r].any)
            dt = td_promote(dt, (td_dtype)all[r].dtype);
    int64_t ref[ND_MAXDIM];
    memcpy(ref, all[0].shape, sizeof ref);
    free(all);
    td_blocks *nb = blk_map_finish(b, out, ref, vndim, value_shape, &dt, err);
    free(out);
    if (!nb)
        return NULL;
    value *v = blocks_value(nb, err);
    if (v) {
        v->part = dist_part_new(nb->ndim, nb->shape, nb->nblocks);
        memcpy(v->part->counts, self->part->counts, (size_t)dist_nranks * sizeof *self->part->counts);
        v->part->offset = self->part->offset;
    }
    return v;
}

td_blocks *dist_blocks_gather(const value *self, td_err *err)
{
    const td_blocks *b = blocks_of(self);
    if (!dist_blocks_shared(self))
        return blk_retain((td_blocks *)b);
    int64_t *starts = malloc(((size_t)dist_nranks + 1) * sizeof *starts);
    int64_t *cnt = calloc((size_t)dist_nranks, sizeof *cnt);
    int64_t *pos = calloc((size_t)b->nblocks + 1, sizeof *pos);
    nd_array **blocks = calloc((size_t)b->nblocks, sizeof *blocks);
    nd_array *all = NULL;
    int rc = starts && cnt && pos && blocks ? 0 : td_err_set(err, TD_EMEMORY, "out of memory");
    if (rc == 0) {
        block_starts(self->part, starts);
        for (int r = 0; r < dist_nranks; r++)
            for (int64_t i = starts[r]; i < starts[r + 1]; i++) {
                int64_t n = b->shape[0] * block_pixels(b, i);
                pos[i + 1] = pos[i] + n;
                cnt[r] += n;
            }
        rc = dist_check_int(pos[b->nblocks], "elements in all blocks", err);
    }
    if (rc == 0)
        rc = (all = nd_new(b->dtype, 1, &pos[b->nblocks], err)) ? 0 : -1;
    if (rc == 0) {
        /* this rank's blocks, in order, at their place in the whole */
        size_t item = td_dtype_size(b->dtype);
        for (int64_t j = 0; j < b->held; j++)
            memcpy((char *)all->data + (size_t)pos[b->first + j] * item, b->blocks[j]->data,
                   (size_t)b->blocks[j]->size * item);
    }
    td_blocks *whole = NULL;
    if (dist_sync(rc, err) == 0) {
        dist_allgather(NULL, cnt, td_dtype_size(b->dtype), all->data);
        /* each block a view of the one buffer */
        int64_t i = 0;
        for (; i < b->nblocks; i++) {
            int64_t shape[ND_MAXDIM];
            block_shape(b, i, shape);
            if (!(blocks[i] = nd_view(all, pos[i], b->ndim, shape, err)))
                break;
        }
        if (i == b->nblocks)
            whole = blk_part(b, 0, b->nblocks, blocks, err);
        else
            for (int64_t j = 0; j < i; j++)
                nd_release(blocks[j]);
    }
    nd_release(all);
    free(starts);
    free(cnt);
    free(pos);
    free(blocks);
    return whole;
}

/* --- Blocks -> Images, Series ------------------------------------------------------------------------ */

typedef struct unpack_ctx {
    const td_blocks *b;
    nd_array *out;  /* this rank's images */
    nd_array *recv; /* every block's box of them, in block order */
    const int64_t *pos;
} unpack_ctx;

static int unpack_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    (void)thread;
    unpack_ctx *c = p;
    for (int64_t i = begin; i < end; i++) {
        int64_t lo[ND_MAXDIM], count[ND_MAXDIM], at[ND_MAXDIM], zero[ND_MAXDIM] = {0};
        blk_core_box(c->b, i, lo, count, at);
        at[0] = 0;
        count[0] = c->out->shape[0];
        nd_array *box = nd_view(c->recv, c->pos[i], c->b->ndim, count, err);
        if (!box)
            return -1;
        nd_copy_box(c->out, at, box, zero, count);
        nd_release(box);
    }
    return 0;
}

value *dist_blocks_toimages(const value *self, td_err *err)
{
    const td_blocks *b = blocks_of(self);
    size_t item = td_dtype_size(b->dtype);
    /* the images' partition: shared by images, or whole when too few */
    dpart *ip = dist_part_new(b->ndim, b->shape, b->shape[0]);
    dist_part_split(ip);
    int64_t *starts = malloc(((size_t)dist_nranks + 1) * sizeof *starts);
    int64_t *scnt = calloc(2 * (size_t)dist_nranks, sizeof *scnt);
    int64_t *pos = calloc((size_t)b->nblocks + 1, sizeof *pos);
    nd_array *sendbuf = NULL, *recv = NULL, *out = NULL;
    int rc = starts && scnt && pos ? 0 : td_err_set(err, TD_EMEMORY, "out of memory");
    int64_t *rcnt = scnt ? scnt + dist_nranks : NULL, mine = ip->replicated ? ip->total : ip->counts[dist_me];
    if (rc == 0) {
        block_starts(self->part, starts);
        /* send: for each rank, its images of each of this rank's blocks */
        for (int s = 0; s < dist_nranks; s++)
            for (int64_t j = 0; j < b->held; j++) {
                int64_t lo[ND_MAXDIM], count[ND_MAXDIM], at[ND_MAXDIM];
                blk_core_box(b, b->first + j, lo, count, at);
                scnt[s] += (ip->replicated ? ip->total : ip->counts[s]) * prod(b->ndim - 1, count + 1);
            }
        /* receive: every block's box of this rank's images, in block order */
        for (int64_t i = 0; i < b->nblocks; i++) {
            int64_t lo[ND_MAXDIM], count[ND_MAXDIM], at[ND_MAXDIM];
            blk_core_box(b, i, lo, count, at);
            pos[i + 1] = pos[i] + mine * prod(b->ndim - 1, count + 1);
        }
        for (int r = 0; r < dist_nranks; r++)
            rcnt[r] = pos[starts[r + 1]] - pos[starts[r]];
        rc = dist_check_counts(scnt, rcnt, err);
    }
    if (rc == 0) {
        int64_t sn = 0, oshape[ND_MAXDIM];
        for (int s = 0; s < dist_nranks; s++)
            sn += scnt[s];
        memcpy(oshape, b->shape, sizeof oshape);
        oshape[0] = mine;
        sendbuf = nd_new(b->dtype, 1, &sn, err);
        recv = sendbuf ? nd_new(b->dtype, 1, &pos[b->nblocks], err) : NULL;
        out = recv ? nd_new(b->dtype, b->ndim, oshape, err) : NULL;
        rc = out ? 0 : -1;
    }
    if (rc == 0) {
        /* pack: each rank's images of this rank's blocks, without padding */
        int64_t at_ = 0, t0 = 0;
        for (int s = 0; s < dist_nranks && rc == 0; s++) {
            int64_t m = ip->replicated ? ip->total : ip->counts[s];
            for (int64_t j = 0; j < b->held && rc == 0; j++) {
                int64_t lo[ND_MAXDIM], count[ND_MAXDIM], at[ND_MAXDIM], zero[ND_MAXDIM] = {0};
                blk_core_box(b, b->first + j, lo, count, at);
                lo[0] = ip->replicated ? 0 : t0;
                count[0] = m;
                nd_array *box = nd_view(sendbuf, at_, b->ndim, count, err);
                if (!box) {
                    rc = -1;
                    break;
                }
                nd_copy_box(box, zero, b->blocks[j], lo, count);
                nd_release(box);
                at_ += prod(b->ndim, count);
            }
            if (!ip->replicated)
                t0 += m;
        }
    }
    if (dist_sync(rc, err) < 0)
        goto fail;
    dist_alltoallv(sendbuf->data, scnt, recv->data, rcnt, item);
    nd_release(sendbuf);
    sendbuf = NULL;
    unpack_ctx uc = {b, out, recv, pos};
    if (td_par_for(b->nblocks, 1, unpack_kernel, &uc, err) < 0)
        goto fail;
    nd_release(recv);
    free(starts);
    free(scnt);
    free(pos);
    td_data *im = img_fromarray(out, err);
    nd_release(out);
    if (!im) {
        dist_part_free(ip);
        return NULL;
    }
    return val_data_part(im, ip);
fail:
    nd_release(sendbuf);
    nd_release(recv);
    nd_release(out);
    free(starts);
    free(scnt);
    free(pos);
    dist_part_free(ip);
    return NULL;
}

value *dist_blocks_toseries(const value *self, td_err *err)
{
    value *im = dist_blocks_toimages(self, err);
    if (!im)
        return NULL;
    value *s = dist_images_toseries(im, err);
    val_release(im);
    return s;
}

#endif /* HAVE_MPI */

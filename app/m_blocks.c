/* Blocks in the language, and the Images/Series conversions that make them. */
#include "m_blocks.h"

#include <stdlib.h>

#include "dist.h"
#include "interp.h"
#include "strbuf.h"

/* The language's handle on a td_blocks (value.h leaves struct blocks to us). */
struct blocks {
    td_blocks *b;
};

void blocks_release(struct blocks *b)
{
    if (!b)
        return;
    blk_release(b->b);
    free(b);
}

value *blocks_value(td_blocks *tb, td_err *err)
{
    if (!tb)
        return NULL;
    struct blocks *b = malloc(sizeof *b);
    if (!b) {
        blk_release(tb);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    b->b = tb;
    return val_blocks(b);
}

td_blocks *blocks_of(const value *v)
{
    return v->u.blocks->b;
}

static td_blocks *self_blocks(call_args *a)
{
    return a->self->u.blocks->b;
}

int blocks_repr(strbuf *sb, const value *v, td_err *err)
{
    const td_blocks *b = blocks_of(v);
    char shape[256], plan[256], pad[256], mode[64];
    sb_addf(sb, "Blocks\nmode: %s\ndtype: %s\nshape: %s\nblockshape: %s\npadding: %s",
            dist_mode_name(v, mode, sizeof mode), td_dtype_name(b->dtype),
            nd_shape_str(b->ndim, b->shape, shape, sizeof shape),
            nd_shape_str(b->ndim, b->plan, plan, sizeof plan),
            nd_shape_str(b->ndim, b->pad, pad, sizeof pad));
    return 0;
}

static value *wrap_data(td_data *d)
{
    return d ? val_data(d) : NULL;
}

static value *tuple_of(int n, const int64_t *v)
{
    value *items[ND_MAXDIM];
    for (int i = 0; i < n; i++)
        items[i] = val_int(v[i]);
    return val_tuple(items, n);
}

/* Integers from an int (repeated nimg times) or a sequence of ints. */
static int ints_from(const value *v, int nimg, const char *what, int64_t *out, int *n, td_err *err)
{
    if (v->kind == V_INT || v->kind == V_BOOL) {
        for (int k = 0; k < nimg; k++)
            out[k] = v->kind == V_BOOL ? v->u.b : v->u.i;
        *n = nimg;
        return 0;
    }
    if (v->kind == V_TUPLE || v->kind == V_LIST) {
        if (v->u.seq.n > ND_MAXDIM)
            return td_err_set(err, TD_EVALUE, "%s has too many entries", what);
        *n = (int)v->u.seq.n;
        for (int k = 0; k < *n; k++)
            if (val_to_int(v->u.seq.items[k], &out[k], err) < 0)
                return -1;
        return 0;
    }
    return td_err_set(err, TD_ETYPE, "%s must be an int or a tuple of ints, not %s", what, val_type_name(v));
}

/* Thunder's chunk_size: 'auto' or kilobytes as a str, pixels per image axis
 * as a tuple; an int stands for that many pixels along every image axis. */
int blocks_chunk_arg(const value *v, int nimg, td_chunk *c, td_err *err)
{
    if (v->kind == V_STR)
        return td_chunk_parse(v->u.str.s, c, err);
    if (v->kind == V_INT || v->kind == V_BOOL || v->kind == V_TUPLE || v->kind == V_LIST) {
        c->kind = TD_CHUNK_PIXELS;
        return ints_from(v, nimg, "chunk_size", c->pixels, &c->npixels, err);
    }
    return td_err_set(
        err, TD_ETYPE,
        "chunk_size must be 'auto', a size in kilobytes as a str or a tuple of pixels per axis, "
        "not %s",
        val_type_name(v));
}

static int image_axes(const td_data *d)
{
    return d->values->ndim - 1;
}

/* --- Images and Series ------------------------------------------------------------ */

value *m_images_toseries(call_args *a, td_err *err)
{
    const td_data *d = a->self->u.data;
    td_chunk c;
    /* Locally Thunder transposes whatever the chunk size; it is still checked for sense. */
    if (blocks_chunk_arg(a->v[0], image_axes(d), &c, err) < 0)
        return NULL;
    return wrap_data(img_toseries(d, err));
}

value *m_series_toimages(call_args *a, td_err *err)
{
    const td_data *d = a->self->u.data;
    td_chunk c;
    if (blocks_chunk_arg(a->v[0], d->values->ndim - 1, &c, err) < 0)
        return NULL;
    return wrap_data(ser_toimages(d, err));
}

value *m_series_totimeseries(call_args *a, td_err *err)
{
    return val_retain(a->self);
}

value *m_images_toblocks(call_args *a, td_err *err)
{
    const td_data *d = a->self->u.data;
    td_chunk c;
    int64_t pad[ND_MAXDIM];
    int npad = 0;
    if (blocks_chunk_arg(a->v[0], image_axes(d), &c, err) < 0)
        return NULL;
    if (a->v[1]->kind != V_NONE && ints_from(a->v[1], image_axes(d), "padding", pad, &npad, err) < 0)
        return NULL;
    if (a->self->part)
        return dist_toblocks(a->self, &c, npad, pad, err);
    return blocks_value(img_toblocks(d, &c, npad, pad, err), err);
}

/* A lambda (or any callable) applied to one array, the result as an array. */
typedef struct call_ctx {
    interp *in;
    value *func;
} call_ctx;

static nd_array *call_on_array(void *p, nd_array *x, int thread, td_err *err)
{
    call_ctx *c = p;
    value *arg = val_array(nd_retain(x));
    value *r = interp_call(c->in, c->func, 1, &arg, err);
    val_release(arg);
    if (!r)
        return NULL;
    nd_array *out = val_to_array(r, err);
    val_release(r);
    return out;
}

value *m_images_map_as_series(call_args *a, td_err *err)
{
    const td_data *d = a->self->u.data;
    /* block_size is the seed's name for chunk_size. */
    value *size = a->v[4]->kind != V_NONE ? a->v[4] : a->v[3];
    td_chunk c;
    if (blocks_chunk_arg(size, image_axes(d), &c, err) < 0)
        return NULL;
    int64_t value_size = -1;
    if (a->v[1]->kind != V_NONE) {
        value_size = a->v[1]->u.i;
        if (value_size < 1) {
            td_err_set(err, TD_EVALUE, "value_size must be at least 1, not %lld", (long long)value_size);
            return NULL;
        }
    }
    td_dtype dt;
    const td_dtype *dtp = NULL;
    if (a->v[2]->kind == V_DTYPE) {
        dt = a->v[2]->u.dtype;
        dtp = &dt;
    }
    call_ctx cc = {a->in, a->v[0]};
    return wrap_data(img_map_as_series(d, call_on_array, &cc, value_size, dtp, &c, err));
}

/* --- Blocks ------------------------------------------------------------------------- */

static value *m_blocks_count(call_args *a, td_err *err)
{
    return val_int(blk_count(self_blocks(a)));
}

static value *m_blocks_first(call_args *a, td_err *err)
{
    if (dist_blocks_shared(a->self))
        return dist_blocks_first(a->self, err);
    nd_array *f = blk_get(self_blocks(a), 0, err);
    return f ? val_array(f) : NULL;
}

static value *m_blocks_collect(call_args *a, td_err *err)
{
    td_blocks *b = dist_blocks_gather(a->self, err);
    if (!b)
        return NULL;
    value **items = calloc((size_t)b->nblocks + 1, sizeof *items);
    if (!items) {
        blk_release(b);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < b->nblocks; i++) {
        nd_array *x = blk_get(b, i, err);
        if (!x) {
            for (int64_t j = 0; j < i; j++)
                val_release(items[j]);
            free(items);
            blk_release(b);
            return NULL;
        }
        items[i] = val_array(x);
    }
    value *l = val_list(items, b->nblocks);
    free(items);
    blk_release(b);
    return l;
}

static value *m_blocks_map(call_args *a, td_err *err)
{
    int64_t vs[ND_MAXDIM];
    int vn = 0;
    value *shape = a->v[1];
    if (shape->kind != V_NONE) {
        vn = (int)shape->u.seq.n;
        for (int k = 0; k < vn; k++)
            vs[k] = shape->u.seq.items[k]->u.i;
    }
    td_dtype dt;
    const td_dtype *dtp = NULL;
    if (a->v[2]->kind == V_DTYPE) {
        dt = a->v[2]->u.dtype;
        dtp = &dt;
    }
    call_ctx cc = {a->in, a->v[0]};
    const int64_t *vsp = shape->kind != V_NONE ? vs : NULL;
    if (dist_blocks_shared(a->self))
        return dist_blocks_map(a->self, call_on_array, &cc, vn, vsp, dtp, err);
    return blocks_value(blk_map(self_blocks(a), call_on_array, &cc, vn, vsp, dtp, err), err);
}

static value *m_blocks_toarray(call_args *a, td_err *err)
{
    td_blocks *b = dist_blocks_gather(a->self, err);
    nd_array *v = b ? blk_toarray(b, err) : NULL;
    blk_release(b);
    return v ? val_array(v) : NULL;
}

static value *m_blocks_toimages(call_args *a, td_err *err)
{
    if (dist_blocks_shared(a->self))
        return dist_blocks_toimages(a->self, err);
    return wrap_data(blk_toimages(self_blocks(a), err));
}

static value *m_blocks_toseries(call_args *a, td_err *err)
{
    if (dist_blocks_shared(a->self))
        return dist_blocks_toseries(a->self, err);
    return wrap_data(blk_toseries(self_blocks(a), err));
}

static value *m_blocks_blockshape(call_args *a, td_err *err)
{
    const td_blocks *b = self_blocks(a);
    return tuple_of(b->ndim, b->plan);
}

static value *m_blocks_padding(call_args *a, td_err *err)
{
    const td_blocks *b = self_blocks(a);
    return tuple_of(b->ndim, b->pad);
}

static value *m_blocks_shape(call_args *a, td_err *err)
{
    const td_blocks *b = self_blocks(a);
    return tuple_of(b->ndim, b->shape);
}

static value *m_blocks_dtype(call_args *a, td_err *err)
{
    return val_dtype(self_blocks(a)->dtype);
}

static value *m_blocks_mode(call_args *a, td_err *err)
{
    char buf[64];
    return val_cstr(dist_mode_name(a->self, buf, sizeof buf));
}

static const reg_func blocks_funcs[] = {
    {"count", m_blocks_count, "Number of blocks.", 0, {END}},
    {"first", m_blocks_first, "The first block, with its padding, as an array (n, *block).", 0, {END}},
    {"collect_blocks", m_blocks_collect, "Every block, with its padding, as a list of arrays.", 0, {END}},
    {"map",
     m_blocks_map,
     "Apply an array -> array function to every block.",
     0,
     {P("func", PT_CALLABLE, NULL), P("value_shape", PT_SHAPE, "None"), P("dtype", PT_DTYPE, "None"), END}},
    {"toarray", m_blocks_toarray, "The blocks put back together, without padding, as one array.", 0, {END}},
    {"toimages", m_blocks_toimages, "The blocks put back together as Images.", 0, {END}},
    {"toseries", m_blocks_toseries, "The blocks put back together as Series (time last).", 0, {END}},
    {"blockshape",
     m_blocks_blockshape,
     "Shape of a block without padding: (n, *pixels per axis).",
     REG_PROPERTY,
     {END}},
    {"padding", m_blocks_padding, "Padding added on each side of a block, per axis.", REG_PROPERTY, {END}},
    {"shape", m_blocks_shape, "Shape of the whole array: (n, *image_shape).", REG_PROPERTY, {END}},
    {"dtype", m_blocks_dtype, "Data type of the values.", REG_PROPERTY, {END}},
    {"mode",
     m_blocks_mode,
     "Where the blocks live: 'local', or 'distributed (N ranks)'.",
     REG_PROPERTY,
     {END}},
};

const reg_table reg_blocks = {"Blocks", blocks_funcs, sizeof blocks_funcs / sizeof *blocks_funcs};

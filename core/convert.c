/* Images <-> Series: chunk-size rules, the tiled transpose, map_as_series. */
#include "thunder/convert.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "convert_internal.h"
#include "thunder/par.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* --- chunk sizes ------------------------------------------------------------ */

int td_chunk_parse(const char *text, td_chunk *out, td_err *err)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (strcmp(p, "auto") == 0) {
        out->kind = TD_CHUNK_AUTO;
        return 0;
    }
    char *end;
    errno = 0;
    double kb = strtod(p, &end);
    while (end != p && isspace((unsigned char)*end))
        end++;
    /* Python's float() would take "inf" and "nan" too, but no chunk has such a size. */
    if (end == p || *end || errno == ERANGE || !isfinite(kb))
        return td_err_set(err, TD_EVALUE,
                          "chunk size '%s' not understood: use 'auto', kilobytes such as '150', or a tuple "
                          "of pixels per axis",
                          text);
    out->kind = TD_CHUNK_KB;
    out->kb = kb;
    return 0;
}

int td_chunk_plan(const td_chunk *c, int ndim, const int64_t *value_shape, size_t itemsize, int64_t *plan,
                  td_err *err)
{
    for (int k = 0; k < ndim; k++)
        plan[k] = value_shape[k];
    switch (c->kind) {
    case TD_CHUNK_AUTO: return 0;
    case TD_CHUNK_PIXELS:
        if (c->npixels > ndim)
            return td_err_set(err, TD_EVALUE, "chunk size has %d entries, but the images have %d axes",
                              c->npixels, ndim);
        for (int k = 0; k < c->npixels; k++) {
            if (c->pixels[k] < 1)
                return td_err_set(err, TD_EVALUE, "chunk sizes must be at least 1 pixel, not %lld",
                                  (long long)c->pixels[k]);
            plan[k] = c->pixels[k];
        }
        return 0;
    case TD_CHUNK_KB: break;
    }
    /* Thunder's greedy rule, in doubles as Thunder computes it: walk the
     * axes from the first; while a slice through one pixel of the axes so
     * far is still at least a chunk, take one pixel and go on; at the
     * first axis where it is not, take as many pixels as fit. */
    double size = 1000.0 * c->kb;
    if (size <= (double)itemsize) {
        /* Thunder means ones here (its code names an unimported function). */
        for (int k = 0; k < ndim; k++)
            plan[k] = 1;
        return 0;
    }
    double rem = (double)itemsize;
    for (int k = 0; k < ndim; k++)
        rem *= (double)value_shape[k];
    for (int k = 0; k < ndim; k++) {
        double d = (double)value_shape[k];
        double slice = rem / d;
        if (slice >= size) {
            plan[k] = 1;
            rem = slice;
            continue;
        }
        double fit = floor(size / slice);
        plan[k] = fit < d ? (int64_t)fit : value_shape[k];
        break;
    }
    return 0;
}

/* --- the transpose ---------------------------------------------------------- */

#if defined(__SSE2__)
/* Interleave the low (or high) halves of a and b in units of w bytes. */
static inline __attribute__((always_inline)) __m128i tr_lo(__m128i a, __m128i b, size_t w)
{
    switch (w) {
    case 1: return _mm_unpacklo_epi8(a, b);
    case 2: return _mm_unpacklo_epi16(a, b);
    case 4: return _mm_unpacklo_epi32(a, b);
    default: return _mm_unpacklo_epi64(a, b);
    }
}

static inline __attribute__((always_inline)) __m128i tr_hi(__m128i a, __m128i b, size_t w)
{
    switch (w) {
    case 1: return _mm_unpackhi_epi8(a, b);
    case 2: return _mm_unpackhi_epi16(a, b);
    case 4: return _mm_unpackhi_epi32(a, b);
    default: return _mm_unpackhi_epi64(a, b);
    }
}

static const int tr_bitrev16[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

/* dst[c * ds + r] = src[r * ss + c] for one block of B x B elements, B =
 * 16 / itemsize, turned in registers: log2(B) rounds of unpacks, round s
 * pairing vectors 2^s apart and interleaving units of 2^s elements, leave
 * column bitreverse(k) in vector k, which is stored there. Strides in bytes. */
static inline __attribute__((always_inline)) void tr_block_simd(char *dst, int64_t ds, const char *src,
                                                                int64_t ss, size_t is)
{
    const int B = (int)(16 / is);
    __m128i v[16];
#pragma GCC unroll 16
    for (int r = 0; r < B; r++)
        v[r] = _mm_loadu_si128((const __m128i *)(src + r * ss));
    int round = 0;
    /* The first round interleaves single elements, later ones wider units. */
#pragma GCC unroll 4
    for (size_t w = is; w < 16; w *= 2, round++) {
        int h = 1 << round;
        __m128i o[16];
#pragma GCC unroll 16
        for (int g = 0; g < B; g += 2 * h) {
#pragma GCC unroll 16
            for (int m = 0; m < h; m++) {
                o[g + m] = tr_lo(v[g + m], v[g + h + m], w);
                o[g + h + m] = tr_hi(v[g + m], v[g + h + m], w);
            }
        }
#pragma GCC unroll 16
        for (int k = 0; k < B; k++)
            v[k] = o[k];
    }
    int shift = 4 - round; /* bit-reverse over log2(B) bits, from the 4-bit table */
#pragma GCC unroll 16
    for (int k = 0; k < B; k++)
        _mm_storeu_si128((__m128i *)(dst + (int64_t)(tr_bitrev16[k] >> shift) * ds), v[k]);
}
#endif

#define TR_SCALAR(T)                                                                                         \
    for (int64_t r = r0; r < nr; r++)                                                                        \
        for (int64_t c = c0; c < nc; c++) {                                                                  \
            T x;                                                                                             \
            memcpy(&x, src + r * ss + c * (int64_t)sizeof(T), sizeof(T));                                    \
            memcpy(dst + c * ds + r * (int64_t)sizeof(T), &x, sizeof(T));                                    \
        }

/* The elements of rows [r0, nr) x cols [c0, nc) one by one. */
static void tr_scalar(char *dst, int64_t ds, const char *src, int64_t ss, int64_t r0, int64_t nr, int64_t c0,
                      int64_t nc, size_t is)
{
    switch (is) {
    case 1: TR_SCALAR(uint8_t) break;
    case 2: TR_SCALAR(uint16_t) break;
    case 4: TR_SCALAR(uint32_t) break;
    default: TR_SCALAR(uint64_t) break;
    }
}
#undef TR_SCALAR

#if defined(__SSE2__)
/* The loop order keeps the side with the longer stride streaming: each of
 * its lines is used up in one pass, because lines a power of two apart
 * share a cache set and would be evicted before a second pass came back
 * (toseries reads image rows 2^k bytes apart; toimages writes them). */
#define TR_TILE_SIMD(IS)                                                                                     \
    static void tr_tile_##IS(char *dst, int64_t ds, const char *src, int64_t ss, int64_t nr, int64_t nc)     \
    {                                                                                                        \
        const int64_t B = 16 / IS;                                                                           \
        int64_t fr = nr / B * B, fc = nc / B * B;                                                            \
        if (ss >= ds) {                                                                                      \
            for (int64_t r = 0; r < fr; r += B)                                                              \
                for (int64_t c = 0; c < fc; c += B)                                                          \
                    tr_block_simd(dst + c * ds + r * IS, ds, src + r * ss + c * IS, ss, IS);                 \
        } else {                                                                                             \
            for (int64_t c = 0; c < fc; c += B)                                                              \
                for (int64_t r = 0; r < fr; r += B)                                                          \
                    tr_block_simd(dst + c * ds + r * IS, ds, src + r * ss + c * IS, ss, IS);                 \
        }                                                                                                    \
        if (fr < nr)                                                                                         \
            tr_scalar(dst, ds, src, ss, fr, nr, 0, fc, IS);                                                  \
        if (fc < nc)                                                                                         \
            tr_scalar(dst, ds, src, ss, 0, nr, fc, nc, IS);                                                  \
    }
TR_TILE_SIMD(1)
TR_TILE_SIMD(2)
TR_TILE_SIMD(4)
TR_TILE_SIMD(8)
#undef TR_TILE_SIMD
#endif

void td_transpose_tile(char *dst, int64_t ds, const char *src, int64_t ss, int64_t nr, int64_t nc, size_t is)
{
#if defined(__SSE2__)
    switch (is) {
    case 1: tr_tile_1(dst, ds, src, ss, nr, nc); return;
    case 2: tr_tile_2(dst, ds, src, ss, nr, nc); return;
    case 4: tr_tile_4(dst, ds, src, ss, nr, nc); return;
    default: tr_tile_8(dst, ds, src, ss, nr, nc); return;
    }
#else
    tr_scalar(dst, ds, src, ss, 0, nr, 0, nc, is);
#endif
}

typedef struct tr2_ctx {
    char *dst;
    const char *src;
    int64_t rows, cols;
    size_t is;
    int64_t tr, tc; /* tile rows and columns */
    int64_t ntc;    /* tiles along the columns */
} tr2_ctx;

static int tr2_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const tr2_ctx *c = p;
    int64_t is = (int64_t)c->is;
    for (int64_t u = begin; u < end; u++) {
        int64_t r0 = u / c->ntc * c->tr, c0 = u % c->ntc * c->tc;
        int64_t nr = c->rows - r0 < c->tr ? c->rows - r0 : c->tr;
        int64_t nc = c->cols - c0 < c->tc ? c->cols - c0 : c->tc;
        td_transpose_tile(c->dst + (c0 * c->rows + r0) * is, c->rows * is, c->src + (r0 * c->cols + c0) * is,
                          c->cols * is, nr, nc, c->is);
    }
    return 0;
}

/* Tile shapes, found by measuring the 200 x 512 x 512 uint16 movie both
 * ways: reading few long rows (toseries), a tile takes one cache line of
 * each row; writing few long rows (toimages), a tile writes 1 KiB of each.
 * The short side is taken whole up to TR_SHORT_MAX. */
#define TR_READ_RUN  64
#define TR_WRITE_RUN 1024
#define TR_SHORT_MAX 2048
#define TR_TILE_MAX  (256 * 1024)

int td_transpose2d(void *dst, const void *src, int64_t rows, int64_t cols, size_t itemsize, td_err *err)
{
    if (itemsize != 1 && itemsize != 2 && itemsize != 4 && itemsize != 8)
        return td_err_set(err, TD_EVALUE, "cannot transpose elements of %zu bytes", itemsize);
    if (rows <= 0 || cols <= 0)
        return 0;
    if (rows == 1 || cols == 1) {
        memcpy(dst, src, (size_t)(rows * cols) * itemsize);
        return 0;
    }
    int64_t is = (int64_t)itemsize, tr, tc;
    if (rows <= cols && rows <= TR_SHORT_MAX) {
        tr = rows;
        tc = TR_READ_RUN / is;
    } else if (cols <= TR_SHORT_MAX) {
        tc = cols;
        tr = TR_WRITE_RUN / is;
        if (tr * cols * is > TR_TILE_MAX)
            tr = TR_TILE_MAX / (cols * is) / 16 * 16;
        if (tr < 16)
            tr = 16;
    } else {
        tr = tc = 64;
    }
    tr2_ctx c = {dst, src, rows, cols, itemsize, tr, tc, (cols + tc - 1) / tc};
    int64_t ntr = (rows + tr - 1) / tr;
    return td_par_for(ntr * c.ntc, 0, tr2_kernel, &c, err);
}

/* --- Images <-> Series ------------------------------------------------------- */

td_images *td_images_wrap(nd_array *values, td_err *err)
{
    if (values->ndim != 2)
        return img_fromarray(values, err);
    /* img_fromarray reads 2-D values as one image; data_with_values keeps
     * any values, so go through Images of the same values as (n, P, 1). */
    int64_t shape[3] = {values->shape[0], values->shape[1], 1};
    nd_array *v3 = nd_reshape(values, 3, shape, err);
    if (!v3)
        return NULL;
    td_images *tmp = img_fromarray(v3, err);
    nd_release(v3);
    if (!tmp)
        return NULL;
    td_images *d = data_with_values(tmp, values, err);
    data_release(tmp);
    return d;
}

nd_array *td_move_axes(const nd_array *v, int nfirst, bool to_front, td_err *err)
{
    int64_t a = 1, b = 1, shape[ND_MAXDIM];
    int n = v->ndim;
    if (to_front) {
        for (int k = 0; k < n - nfirst; k++)
            a *= v->shape[k];
        for (int k = n - nfirst; k < n; k++)
            b *= v->shape[k];
        memcpy(shape, v->shape + n - nfirst, sizeof(int64_t) * (size_t)nfirst);
        memcpy(shape + nfirst, v->shape, sizeof(int64_t) * (size_t)(n - nfirst));
    } else {
        for (int k = 0; k < nfirst; k++)
            a *= v->shape[k];
        for (int k = nfirst; k < n; k++)
            b *= v->shape[k];
        memcpy(shape, v->shape + nfirst, sizeof(int64_t) * (size_t)(n - nfirst));
        memcpy(shape + n - nfirst, v->shape, sizeof(int64_t) * (size_t)nfirst);
    }
    if (a == 1 || b == 1)
        return nd_reshape(v, n, shape, err); /* nothing moves in memory */
    nd_array *out = nd_new(v->dtype, n, shape, err);
    if (!out)
        return NULL;
    if (td_transpose2d(out->data, v->data, a, b, nd_itemsize(v), err) < 0) {
        nd_release(out);
        return NULL;
    }
    return out;
}

td_series *img_toseries(const td_images *im, td_err *err)
{
    nd_array *v = data_values(im, err);
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

td_images *ser_toimages(const td_series *s, td_err *err)
{
    nd_array *v = data_values(s, err);
    if (!v)
        return NULL;
    if (v->ndim < 2) {
        nd_release(v);
        td_err_set(err, TD_EVALUE, "a Series with no base axes cannot become Images");
        return NULL;
    }
    nd_array *t = td_move_axes(v, 1, true, err);
    nd_release(v);
    if (!t)
        return NULL;
    td_images *im = td_images_wrap(t, err);
    nd_release(t);
    return im;
}

/* --- map_as_series ------------------------------------------------------------ */

typedef struct mas_ctx {
    const char *src; /* the images, (T, P) */
    td_dtype sdt;
    int64_t T, P;
    char *dst; /* the result, (V, P) */
    td_dtype ddt;
    int64_t V;
    td_record_fn fn;
    void *user;
    int64_t tile;   /* pixels per unit */
    nd_array **tin; /* per thread: (tile, T) series gathered from the images */
    char **tout;    /* per thread: (tile, V) results before they are scattered */
} mas_ctx;

/* fn on one record, checked to be V values and converted into out. */
static int mas_call(mas_ctx *c, nd_array *rec, char *out, int64_t pixel, int thread, td_err *err)
{
    nd_array *r = c->fn(c->user, rec, thread, err);
    if (!r)
        return -1;
    if (r->ndim != 1 || r->shape[0] != c->V) {
        char s[128];
        td_err_set(err, TD_EVALUE,
                   "map_as_series: the function gave shape %s for pixel %lld, expected (%lld,)",
                   nd_shape_str(r->ndim, r->shape, s, sizeof s), (long long)pixel, (long long)c->V);
        nd_release(r);
        return -1;
    }
    nd_convert(out, c->ddt, r->data, r->dtype, c->V);
    nd_release(r);
    return 0;
}

static int mas_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    mas_ctx *c = p;
    size_t sis = td_dtype_size(c->sdt), dis = td_dtype_size(c->ddt);
    if (!c->tin[thread]) {
        int64_t shape[2] = {c->tile, c->T};
        if (!(c->tin[thread] = nd_new(c->sdt, 2, shape, err)))
            return -1;
        if (!(c->tout[thread] = td_scratch_alloc((size_t)(c->tile * c->V) * dis, err)))
            return -1;
    }
    nd_array *tin = c->tin[thread], *rec = NULL;
    char *tout = c->tout[thread];
    int rc = 0;
    for (int64_t u = begin; rc == 0 && u < end; u++) {
        int64_t p0 = u * c->tile, k = c->P - p0 < c->tile ? c->P - p0 : c->tile;
        td_transpose_tile(tin->data, c->T * (int64_t)sis, c->src + p0 * (int64_t)sis, c->P * (int64_t)sis,
                          c->T, k, sis);
        for (int64_t j = 0; rc == 0 && j < k; j++) {
            /* One view serves pixel after pixel while nobody else holds it:
             * moving an array no one can see breaks no immutability, and it
             * spares an allocation per pixel. */
            if (rec && atomic_load((atomic_int *)&rec->refcount) == 1) {
                rec->data = (char *)tin->data + j * c->T * (int64_t)sis;
            } else {
                nd_release(rec);
                if (!(rec = nd_view(tin, j * c->T, 1, &c->T, err)))
                    return -1;
            }
            rc = mas_call(c, rec, tout + j * c->V * (int64_t)dis, p0 + j, thread, err);
        }
        if (rc < 0)
            break;
        td_transpose_tile(c->dst + p0 * (int64_t)dis, c->P * (int64_t)dis, tout, c->V * (int64_t)dis, k, c->V,
                          dis);
    }
    nd_release(rec);
    return rc;
}

td_images *img_map_as_series(const td_images *im, td_record_fn fn, void *ctx, int64_t value_size,
                             const td_dtype *dtype, const td_chunk *chunk, td_err *err)
{
    nd_array *v = data_values(im, err);
    if (!v)
        return NULL;
    td_images *result = NULL;
    nd_array *first = NULL, *r0 = NULL, *out = NULL;
    int nthreads = td_par_threads();
    nd_array **tin = calloc((size_t)nthreads, sizeof *tin);
    char **tout = calloc((size_t)nthreads, sizeof *tout);
    if (!tin || !tout) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    int nimg = v->ndim - 1;
    int64_t T = v->shape[0], P = 1;
    for (int k = 1; k < v->ndim; k++)
        P *= v->shape[k];
    if (chunk) {
        /* Thunder goes through toblocks, whose errors the chunk size must pass. */
        static const int64_t nopad[1] = {0};
        td_blocks *b = img_toblocks(im, chunk, 0, nopad, err);
        if (!b)
            goto done;
        blk_release(b);
    }
    if (T == 0 || P == 0) {
        td_err_set(err, TD_EVALUE, "map_as_series over empty images");
        goto done;
    }
    size_t sis = nd_itemsize(v);
    /* The first pixel decides the size and dtype, unless they were given. */
    if (!(first = nd_new(v->dtype, 1, &T, err)))
        goto done;
    td_transpose_tile(first->data, (int64_t)sis, v->data, P * (int64_t)sis, T, 1, sis);
    if (!(r0 = fn(ctx, first, 0, err)))
        goto done;
    if (r0->ndim != 1) {
        char s[128];
        td_err_set(err, TD_EVALUE,
                   "map_as_series: the function must return a one-dimensional array, but gave shape %s",
                   nd_shape_str(r0->ndim, r0->shape, s, sizeof s));
        goto done;
    }
    int64_t V = r0->shape[0];
    if (value_size >= 0 && value_size != V) {
        td_err_set(err, TD_EVALUE, "map_as_series: value_size is %lld, but the function gave %lld values",
                   (long long)value_size, (long long)V);
        goto done;
    }
    if (V == 0) {
        td_err_set(err, TD_EVALUE, "map_as_series: the function gave an empty array");
        goto done;
    }
    td_dtype ddt = dtype ? *dtype : r0->dtype;
    int64_t shape[ND_MAXDIM];
    shape[0] = V;
    memcpy(shape + 1, v->shape + 1, sizeof(int64_t) * (size_t)nimg);
    if (!(out = nd_new(ddt, v->ndim, shape, err)))
        goto done;
    size_t dis = td_dtype_size(ddt);
    /* Tiles of a few hundred KiB: gathered series and results stay in L2. */
    int64_t per = (int64_t)(T * (int64_t)sis + V * (int64_t)dis);
    int64_t tile = (256 * 1024) / per / 16 * 16;
    if (tile < 16)
        tile = 16;
    if (tile > P)
        tile = P;
    mas_ctx c = {v->data, v->dtype, T, P, out->data, ddt, V, fn, ctx, tile, tin, tout};
    if (td_par_for((P + tile - 1) / tile, 1, mas_kernel, &c, err) < 0)
        goto done;
    result = td_images_wrap(out, err);
done:
    for (int t = 0; tin && t < nthreads; t++)
        nd_release(tin[t]);
    for (int t = 0; tout && t < nthreads; t++)
        td_scratch_free(tout[t]);
    free(tin);
    free(tout);
    nd_release(first);
    nd_release(r0);
    nd_release(out);
    nd_release(v);
    return result;
}

/* Conversions between Images, Series and Blocks.
 *
 * toseries turns n images into one time series per pixel (the image axes
 * first, time last); toimages goes back. Both are one 2-D transpose of the
 * values, done in cache-sized tiles on every thread. Blocks cut images into
 * rectangular pieces (all images of a region of pixels, optionally with
 * overlapping padding) following Thunder's chunk-size rules, and
 * map_as_series applies a function to each pixel's time series without
 * building the whole Series.
 *
 * Ownership as everywhere: returned pointers are the caller's reference,
 * arguments are borrowed, and a td_blocks never changes once returned. */
#ifndef THUNDER_CONVERT_H
#define THUNDER_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "data.h"
#include "error.h"
#include "nd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- chunk sizes ------------------------------------------------------------ */

/* Thunder's chunk_size argument: 'auto', a size string in kilobytes, or a
 * number of pixels for each of the first image axes (the others whole). */
typedef enum td_chunk_kind { TD_CHUNK_AUTO, TD_CHUNK_KB, TD_CHUNK_PIXELS } td_chunk_kind;

typedef struct td_chunk {
    td_chunk_kind kind;
    double kb;                 /* TD_CHUNK_KB: kilobytes of 1000 bytes per chunk */
    int npixels;               /* TD_CHUNK_PIXELS: entries in pixels */
    int64_t pixels[ND_MAXDIM]; /* TD_CHUNK_PIXELS: pixels per image axis */
} td_chunk;

/* Parses a chunk-size string: "auto", or kilobytes such as "150" or "0.1". */
int td_chunk_parse(const char *text, td_chunk *out, td_err *err);

/* Thunder's plan for images of value_shape (ndim image axes) and itemsize:
 * pixels per image axis in plan[0..ndim). 'auto' keeps whole images (one
 * block, as Thunder does locally). A size in kilobytes fills a chunk from
 * the last axes backward: the leading axes get one pixel while a slice of
 * them is still larger than the chunk, then the first axis that fits gets
 * floor(size / slice) pixels and the rest stay whole; e.g. (5, 6, 7)
 * float64 with "0.1" gives (1, 1, 7). Every entry must be at least 1. */
int td_chunk_plan(const td_chunk *c, int ndim, const int64_t *value_shape, size_t itemsize, int64_t *plan,
                  td_err *err);

/* --- transposes ------------------------------------------------------------- */

/* dst (cols x rows) = the transpose of src (rows x cols), elements of
 * itemsize 1, 2, 4 or 8 bytes; tiled for the caches, on every thread. The
 * buffers must not overlap. */
int td_transpose2d(void *dst, const void *src, int64_t rows, int64_t cols, size_t itemsize, td_err *err);

/* Images (n, *value_shape) -> Series (*value_shape, n) with index
 * arange(n); the labels do not carry over (Thunder builds a new Series). */
td_series *img_toseries(const td_images *im, td_err *err);
/* Series (*base_shape, length) -> Images (length, *base_shape); neither
 * index nor labels carry over. A Series with a 1-D base gives 2-D Images,
 * as Thunder's Images(values) keeps them. */
td_images *ser_toimages(const td_series *s, td_err *err);

/* --- blocks ----------------------------------------------------------------- */

/* Images cut into blocks: along axis 0 (time) never, along image axis k
 * into pieces of plan[k] pixels (the last may be shorter), each piece
 * extended by pad[k] pixels on both sides where the image allows. Blocks
 * are numbered in C order over grid. Until mapped, the blocks are cut from
 * the source on demand, so holding a td_blocks costs no memory.
 *
 * A td_blocks holds blocks [first, first + held) of its grid: all of them,
 * except one made by blk_part, which holds a part (a distributed mode
 * gives each process its own) and answers blk_get and blk_map for that
 * part only; blk_plan's holds none. */
typedef struct td_blocks {
    int refcount;             /* atomic */
    int ndim;                 /* of the whole array: 1 + image axes */
    int64_t shape[ND_MAXDIM]; /* the whole array, as toarray() returns it */
    int64_t plan[ND_MAXDIM];  /* Thunder's blockshape: (n, *pixels per block) */
    int64_t pad[ND_MAXDIM];   /* padding per axis; pad[0] is 0 */
    int64_t grid[ND_MAXDIM];  /* blocks along each axis; grid[0] is 1 */
    int64_t nblocks;          /* in the whole grid */
    int64_t first, held;      /* the blocks held */
    td_dtype dtype;
    nd_array *source;  /* the whole array, or NULL when blocks holds the blocks */
    nd_array **blocks; /* held entries: blocks[i] is block first + i */
} td_blocks;

/* The geometry toblocks gives an array of shape (ndim axes) and dtype,
 * holding no blocks. pad holds npad values for the first image axes (the
 * others 0); npad 0 is no padding. Chunk plus padding may not exceed an
 * axis and padding may not exceed the chunk (Thunder's ValueErrors). */
td_blocks *blk_plan(int ndim, const int64_t *shape, td_dtype dtype, const td_chunk *chunk, int npad,
                    const int64_t *pad, td_err *err);
/* Thunder's toblocks: blk_plan's blocks of the images, all held. */
td_blocks *img_toblocks(const td_images *im, const td_chunk *chunk, int npad, const int64_t *pad,
                        td_err *err);
/* Blocks [first, first + count) of b's grid, with b's geometry and dtype:
 * blocks[i] is block first + i, of the shape blk_extent gives it (as b has
 * it, padding included). Takes over the count references in blocks, also
 * on failure (the pointer array stays the caller's). */
td_blocks *blk_part(const td_blocks *b, int64_t first, int64_t count, nd_array *const *blocks, td_err *err);

td_blocks *blk_retain(td_blocks *b);
void blk_release(td_blocks *b);

/* Blocks in the whole grid (held or not). */
int64_t blk_count(const td_blocks *b);
/* Block i (first <= i < first + held) with its padding: (n, *extent). */
nd_array *blk_get(const td_blocks *b, int64_t i, td_err *err);
/* The first and the last pixel (exclusive) of block i along each axis,
 * padding included: its array's shape is stop - start. */
void blk_extent(const td_blocks *b, int64_t i, int64_t *start, int64_t *stop);
/* The same without the padding: the pixels block i puts back in toarray. */
void blk_core_extent(const td_blocks *b, int64_t i, int64_t *start, int64_t *stop);
/* The same as a box: where those pixels sit in block i's array (lo), how
 * many there are along each axis (count) and where they go in the whole
 * (at, blk_core_extent's start). */
void blk_core_box(const td_blocks *b, int64_t i, int64_t *lo, int64_t *count, int64_t *at);

/* func(ctx, block, thread, err) -> a new array, or NULL with err. */
typedef nd_array *(*td_block_fn)(void *ctx, nd_array *block, int thread, td_err *err);

/* Thunder's Blocks.map: fn over every held block (in parallel). A result
 * must keep the block's number of axes and, along axes cut into several
 * blocks, its size; along the other axes (time at least) all results must
 * agree and may differ from the input. value_shape (vndim entries, or
 * NULL), when given, is checked against the results' uncut axes. The
 * results are cast to *dtype when given, else to their promoted dtype. The
 * mapped blocks keep their padding, which toarray strips (Thunder's local
 * unchunk forgets it after a map and stacks the padded blocks). */
td_blocks *blk_map(const td_blocks *b, td_block_fn fn, void *ctx, int vndim, const int64_t *value_shape,
                   const td_dtype *dtype, td_err *err);
/* blk_map in two steps, for parts of one grid held apart that agree on
 * the results' shape and dtype in between. blk_map_apply: fn over every
 * held block into out (b->held entries), each result checked on its own.
 * blk_map_finish: the mapped blocks from those results (taken over, also
 * on failure), whose uncut axes must match ref (b->ndim sizes; NULL: the
 * first result's), cast to *dtype (NULL: the results' promoted dtype). */
int blk_map_apply(const td_blocks *b, td_block_fn fn, void *ctx, nd_array **out, td_err *err);
td_blocks *blk_map_finish(const td_blocks *b, nd_array **out, const int64_t *ref, int vndim,
                          const int64_t *value_shape, const td_dtype *dtype, td_err *err);

/* The blocks put back together without their padding: shape b->shape.
 * Every block must be held. */
nd_array *blk_toarray(const td_blocks *b, td_err *err);
td_images *blk_toimages(const td_blocks *b, td_err *err);
/* toarray with the time axis moved last, index arange. */
td_series *blk_toseries(const td_blocks *b, td_err *err);

/* --- map_as_series ---------------------------------------------------------- */

/* func(ctx, record, thread, err) -> a new 1-D array, or NULL with err. The
 * record is a 1-D array valid only during the call (its memory is reused
 * for the next pixel), so a result must not keep it. */
typedef nd_array *(*td_record_fn)(void *ctx, nd_array *record, int thread, td_err *err);

/* Thunder's map_as_series: fn over each pixel's time series, back to Images
 * (value_size, *value_shape). value_size < 0 and dtype NULL take both from
 * the first pixel's result; the other results are cast to that dtype, as
 * numpy's apply_along_axis does. chunk is checked as toblocks checks it
 * but does not change the result: pixels are processed in small tiles
 * gathered straight from the images, so neither the Series nor a copy of
 * the images is ever built, whatever the chunk size. */
td_images *img_map_as_series(const td_images *im, td_record_fn fn, void *ctx, int64_t value_size,
                             const td_dtype *dtype, const td_chunk *chunk, td_err *err);

#ifdef __cplusplus
}
#endif
#endif

/* PNG through libpng: Thunder's frompng and topng.
 *
 * libpng reports errors by longjmp; every setjmp stays in this file and
 * turns into a td_err naming the file. Ancillary chunks we have no use for
 * (text, ICC profiles, gamma, ...) are skipped unparsed, which is both
 * faster and less exposed to malformed files. */
#include "config.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"
#include "thunder/par.h"

/* Deflate expands a byte to at most 1032; a little more for PNG's row
 * filter bytes and zlib framing. */
#define PNG_MAX_RATIO 1100

typedef struct png_diag {
    char msg[200];
} png_diag;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_diag *d = png_get_error_ptr(png);
    if (d)
        snprintf(d->msg, sizeof d->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
}

typedef struct png_src {
    const unsigned char *p;
    size_t len, pos;
} png_src;

static void png_src_read(png_structp png, png_bytep out, size_t n)
{
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->pos)
        png_error(png, "the file ended early");
    memcpy(out, s->p + s->pos, n);
    s->pos += n;
}

static bool host_little(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Chunks that change nothing in the pixel values we return. */
static const png_byte skipped_chunks[] = "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0"
                                         "sBIT\0sCAL\0sPLT\0sRGB\0sTER\0tEXt\0tIME\0zTXt\0";

/* Reads the header (dst NULL) or the whole image into dst (nbytes). */
static int png_run(const char *path, const unsigned char *bytes, size_t len, io_probe *info, char *dst,
                   size_t nbytes, td_err *err)
{
    if (len < 8 || png_sig_cmp(bytes, 0, 8) != 0)
        return td_err_set(err, TD_EVALUE, "%s: not a PNG file", path);
    png_diag diag = {"unknown error"};
    png_src src = {bytes, len, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &diag, png_on_error, png_on_warning);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    if (!pi) {
        png_destroy_read_struct(&png, NULL, NULL);
        return td_err_set(err, TD_EMEMORY, "%s: out of memory", path);
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &pi, NULL);
        return td_err_set(err, TD_EVALUE, "%s: not a readable PNG file (%s)", path, diag.msg);
    }
    png_set_read_fn(png, &src, png_src_read);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skipped_chunks,
                                (int)(sizeof skipped_chunks - 1) / 5);
    png_read_info(png, pi);

    png_uint_32 w, h;
    int bd, ct, il;
    png_get_IHDR(png, pi, &w, &h, &bd, &ct, &il, NULL, NULL);
    uint64_t rawrow = ((uint64_t)w * png_get_channels(png, pi) * (uint64_t)bd + 7) / 8 + 1;
    if ((uint64_t)h * rawrow > (uint64_t)len * PNG_MAX_RATIO + 65536) {
        png_destroy_read_struct(&png, &pi, NULL);
        return td_err_set(err, TD_EVALUE, "%s: claims %u x %u pixels, more than a file of %zu bytes can hold",
                          path, w, h, len);
    }
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png); /* RGBA when the palette has transparency */
    if (ct == PNG_COLOR_TYPE_GRAY && bd < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (bd == 16 && host_little())
        png_set_swap(png);
    if (il != PNG_INTERLACE_NONE)
        png_set_interlace_handling(png);
    png_read_update_info(png, pi);

    int ch = png_get_channels(png, pi), obd = png_get_bit_depth(png, pi);
    size_t rowbytes = png_get_rowbytes(png, pi);
    if ((obd != 8 && obd != 16) || rowbytes != (size_t)w * (size_t)ch * (size_t)(obd / 8))
        png_error(png, "unexpected row layout");
    info->dtype = obd == 16 ? TD_UINT16 : TD_UINT8;
    info->shape[0] = h;
    info->shape[1] = w;
    info->shape[2] = ch;
    info->ndim = ch == 1 ? 2 : 3;
    if (dst) {
        if (nbytes != rowbytes * h)
            png_error(png, "the file changed while it was read");
        rows = malloc(sizeof *rows * (size_t)h);
        if (!rows)
            png_error(png, "out of memory");
        for (png_uint_32 r = 0; r < h; r++)
            rows[r] = (png_bytep)dst + (size_t)r * rowbytes;
        png_read_image(png, rows);
        png_read_end(png, NULL);
    }
    free(rows);
    png_destroy_read_struct(&png, &pi, NULL);
    return 0;
}

static int png_probe(const char *path, io_probe *out, td_err *err)
{
    void *bytes;
    size_t len;
    if (io_read_file(path, 0, &bytes, &len, err) < 0)
        return -1;
    int rc = png_run(path, bytes, len, out, NULL, 0, err);
    td_scratch_free(bytes);
    return rc;
}

static int png_decode(const char *path, const io_probe *expect, void *dst, size_t nbytes, td_err *err)
{
    void *bytes;
    size_t len;
    if (io_read_file(path, 0, &bytes, &len, err) < 0)
        return -1;
    io_probe got;
    int rc = png_run(path, bytes, len, &got, NULL, 0, err);
    if (rc == 0 && (got.dtype != expect->dtype || got.ndim != expect->ndim ||
                    memcmp(got.shape, expect->shape, sizeof got.shape[0] * (size_t)got.ndim) != 0))
        rc = td_err_set(err, TD_EIO, "%s: the file changed while it was read", path);
    if (rc == 0)
        rc = png_run(path, bytes, len, &got, dst, nbytes, err);
    td_scratch_free(bytes);
    return rc;
}

static const io_stack_ops png_ops = {
    .what = "PNG",
    .probe = png_probe,
    .decode = png_decode,
    .squeeze3 = false,
};

td_images *io_images_frompng(const char *path, const io_select *sel, td_err *err)
{
    return io_read_stack(path, sel, "png", &png_ops, 0, false, err);
}

/* --- writing --------------------------------------------------------------------- */

typedef struct png_mem {
    char *buf;
    size_t len, cap;
} png_mem;

static void png_mem_write(png_structp png, png_bytep data, size_t n)
{
    png_mem *m = png_get_io_ptr(png);
    if (n > m->cap - m->len) {
        size_t cap = m->cap ? m->cap : 1 << 16;
        while (cap - m->len < n) {
            if (cap > SIZE_MAX / 2)
                png_error(png, "out of memory");
            cap *= 2;
        }
        char *b = realloc(m->buf, cap);
        if (!b)
            png_error(png, "out of memory");
        m->buf = b;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, data, n);
    m->len += n;
}

static void png_mem_flush(png_structp png)
{
}

/* scipy's bytescale, as imsave applies it: uint8 as is, anything else
 * mapped from [min, max] onto 0..255, rounding half up. NaN anywhere makes
 * min and max NaN, and then every pixel 0, as numpy's cast gives. */
static void to_bytes(const double *v, int64_t n, uint8_t *out)
{
    double mn = v[0], mx = v[0];
    bool nan = false;
    for (int64_t i = 0; i < n; i++) {
        if (v[i] != v[i])
            nan = true;
        if (v[i] < mn)
            mn = v[i];
        if (v[i] > mx)
            mx = v[i];
    }
    double cs = mx - mn;
    if (cs == 0)
        cs = 1;
    double scale = nan ? NAN : 255.0 / cs;
    for (int64_t i = 0; i < n; i++) {
        double x = (v[i] - mn) * scale;
        if (!(x >= 0))
            x = 0; /* also NaN, as numpy's cast of NaN to uint8 gives on x86-64 */
        if (x > 255)
            x = 255;
        out[i] = (uint8_t)(x + 0.5);
    }
}

static int png_encode(const uint8_t *pix, uint32_t w, uint32_t h, int ch, const char *name, png_mem *m,
                      td_err *err)
{
    png_diag diag = {"unknown error"};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &diag, png_on_error, png_on_warning);
    png_infop pi = png ? png_create_info_struct(png) : NULL;
    if (!pi) {
        png_destroy_write_struct(&png, NULL);
        return td_err_set(err, TD_EMEMORY, "%s: out of memory", name);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &pi);
        return td_err_set(err, TD_EIO, "%s: cannot encode the PNG (%s)", name, diag.msg);
    }
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                 PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, m, png_mem_write, png_mem_flush);
    png_set_IHDR(png, pi, w, h, 8, types[ch], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, pi);
    for (uint32_t r = 0; r < h; r++)
        png_write_row(png, pix + (size_t)r * w * (size_t)ch);
    png_write_end(png, pi);
    png_destroy_write_struct(&png, &pi);
    return 0;
}

typedef struct png_wctx {
    const td_images *d;
    io_out *out;
    const char *prefix;
    uint32_t w, h;
    int ch;
    int64_t first;
} png_wctx;

static int topng_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    png_wctx *c = p;
    int64_t n = data_record_size(c->d);
    td_dtype dt = data_dtype(c->d);
    uint8_t *pix = dt == TD_UINT8 ? NULL : td_scratch_alloc((size_t)n, err);
    double *tmp = dt == TD_UINT8 ? NULL : td_scratch_alloc((size_t)n * sizeof(double), err);
    if (dt != TD_UINT8 && (!pix || !tmp)) {
        td_scratch_free(pix);
        td_scratch_free(tmp);
        return -1;
    }
    int rc = 0;
    for (int64_t i = begin; i < end && rc == 0; i++) {
        char name[512];
        snprintf(name, sizeof name, "%s-%05lld.png", c->prefix, (long long)(c->first + i));
        const uint8_t *src = data_record(c->d, i);
        if (dt != TD_UINT8) {
            nd_convert(tmp, TD_FLOAT64, src, dt, n);
            to_bytes(tmp, n, pix);
            src = pix;
        }
        png_mem m = {0};
        rc = png_encode(src, c->w, c->h, c->ch, name, &m, err);
        if (rc == 0)
            rc = io_out_write(c->out, name, m.buf, m.len, err);
        free(m.buf);
    }
    td_scratch_free(pix);
    td_scratch_free(tmp);
    return rc;
}

/* What PNG can hold: 2-D images, or (H, W, 3|4) as RGB/RGBA. */
static int png_check(const td_images *d, td_err *err)
{
    if (d->kind != TD_IMAGES)
        return td_err_set(err, TD_ETYPE, "topng needs Images");
    const int64_t *s = data_shape(d) + 1;
    int nd = data_ndim(d) - 1;
    if (nd != 2 && nd != 3)
        return td_err_set(err, TD_EVALUE,
                          "Only 2D or 3D images can be exported to png, images are %d-dimensional.", nd);
    if (nd == 3 && s[2] != 3 && s[2] != 4)
        return td_err_set(
            err, TD_EVALUE,
            "3-D images are written to PNG as RGB or RGBA: the last axis must be 3 or 4, not %lld",
            (long long)s[2]);
    if (s[0] < 1 || s[1] < 1 || s[0] > 0x7fffffff || s[1] > 0x7fffffff)
        return td_err_set(err, TD_EVALUE, "images of %lld x %lld pixels cannot be written to PNG",
                          (long long)s[0], (long long)s[1]);
    return 0;
}

int io_images_write_png(const td_images *d, io_out *o, const char *prefix, int64_t first, td_err *err)
{
    if (png_check(d, err) < 0)
        return -1;
    const int64_t *s = data_shape(d) + 1;
    int nd = data_ndim(d) - 1;
    png_wctx c = {.d = d,
                  .out = o,
                  .prefix = prefix ? prefix : "image",
                  .h = (uint32_t)s[0],
                  .w = (uint32_t)s[1],
                  .ch = nd == 3 ? (int)s[2] : 1,
                  .first = first};
    return td_par_for(data_nrecords(d), 1, topng_kernel, &c, err);
}

int io_images_topng(const td_images *d, const char *path, const char *prefix, bool overwrite, td_err *err)
{
    if (png_check(d, err) < 0)
        return -1;
    io_out *o = io_out_begin(path, overwrite, false, err);
    if (!o)
        return -1;
    if (io_images_write_png(d, o, prefix, 0, err) < 0) {
        io_out_abort(o);
        return -1;
    }
    return io_out_commit(o, err);
}

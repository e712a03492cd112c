/* TIFF through libtiff: Thunder's fromtif and totif.
 *
 * Reading decodes strips and tiles raw (TIFFReadEncodedStrip/Tile) into
 * the caller's array, never through the RGBA interface, which would
 * convert every sample to 8 bits. What a file claims (dimensions, pages,
 * strip counts) is checked against what it can hold before anything is
 * allocated. libtiff talks through per-handle handlers that keep its first
 * error for our message and print nothing; the process-wide handlers are
 * silenced too, for the few messages libtiff emits before a handle exists. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "io_internal.h"
#include "thunder/par.h"

#if !defined(TIFFLIB_VERSION) || TIFFLIB_VERSION < 20221213
#error "thunder needs libtiff 4.5 or newer (per-handle error handlers)"
#endif

/* More pages than this is a hostile file rather than a movie. */
#define TIF_MAX_PAGES (1 << 22)

/* --- libtiff plumbing -------------------------------------------------------- */

typedef struct tif_diag {
    bool has, loop;
    char msg[200];
} tif_diag;

static int tif_on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    tif_diag *d = user;
    if (d && !d->has) {
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        d->has = true;
    }
    return 1; /* handled: libtiff must not print it */
}

/* Warnings are dropped, except libtiff's notice that the chain of pages
 * loops back on itself: it then stops quietly, but such a file is broken
 * and reading only part of it would hide that. */
static int tif_on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    tif_diag *d = user;
    char msg[200];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (d && !d->loop && strstr(msg, "IFD looping")) {
        d->loop = true;
        if (!d->has) {
            snprintf(d->msg, sizeof d->msg, "%s", msg);
            d->has = true;
        }
    }
    return 1;
}

static pthread_once_t tif_once = PTHREAD_ONCE_INIT;

static void tif_silence(void)
{
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

/* A file read with pread, so that nothing is mapped (a file truncated
 * under a mapping would raise SIGBUS). */
typedef struct tif_src {
    int fd;
    uint64_t size, pos;
} tif_src;

static tmsize_t src_read(thandle_t h, void *buf, tmsize_t n)
{
    tif_src *s = h;
    tmsize_t done = 0;
    while (n > done && s->pos < s->size) {
        ssize_t got = pread(s->fd, (char *)buf + done, (size_t)(n - done), (off_t)s->pos);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += got;
        s->pos += (uint64_t)got;
    }
    return done;
}

static tmsize_t src_write(thandle_t h, void *buf, tmsize_t n)
{
    errno = EBADF;
    return -1;
}

static toff_t src_seek(thandle_t h, toff_t off, int whence)
{
    tif_src *s = h;
    /* libtiff passes negative relative offsets as wrapped unsigned values;
     * unsigned arithmetic wraps them back. */
    if (whence == SEEK_SET)
        s->pos = off;
    else if (whence == SEEK_CUR)
        s->pos += off;
    else if (whence == SEEK_END)
        s->pos = s->size + off;
    return s->pos;
}

static int src_close(thandle_t h)
{
    return 0;
}

static toff_t src_size(thandle_t h)
{
    return ((tif_src *)h)->size;
}

static int src_map(thandle_t h, void **base, toff_t *size)
{
    return 0;
}

static void src_unmap(thandle_t h, void *base, toff_t size)
{
}

static TIFFOpenOptions *tif_options(tif_diag *diag, uint64_t file_size)
{
    pthread_once(&tif_once, tif_silence);
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return NULL;
    /* libtiff's own buffers hold at most a compressed strip or tile, which
     * the file must contain. */
    uint64_t cap = file_size + (64u << 20);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, cap > (uint64_t)TIFF_TMSIZE_T_MAX ? TIFF_TMSIZE_T_MAX
                                                                                : (tmsize_t)cap);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tif_on_error, diag);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tif_on_warning, diag);
    return opts;
}

static TIFF *tif_open_read(const char *path, tif_src *src, tif_diag *diag, td_err *err)
{
    memset(diag, 0, sizeof *diag);
    src->pos = 0;
    src->fd = io_open_regular(path, &src->size, err);
    if (src->fd < 0)
        return NULL;
    TIFFOpenOptions *opts = tif_options(diag, src->size);
    if (!opts) {
        close(src->fd);
        td_err_set(err, TD_EMEMORY, "%s: out of memory", path);
        return NULL;
    }
    /* "m": never map the file. */
    TIFF *tif = TIFFClientOpenExt(path, "rm", src, src_read, src_write, src_seek, src_close, src_size,
                                  src_map, src_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif) {
        close(src->fd);
        td_err_set(err, TD_EVALUE, "%s: not a readable TIFF file (%s)", path,
                   diag->has ? diag->msg : "bad header");
    }
    return tif;
}

static void tif_close_read(TIFF *tif, tif_src *src)
{
    TIFFClose(tif);
    close(src->fd);
}

/* --- what a page holds ------------------------------------------------------ */

typedef struct tif_geom {
    uint32_t w, h, rps, tw, th;
    uint16_t spp, bps, fmt, planar, compression, photometric;
    bool tiled;
    td_dtype dtype;
} tif_geom;

static int sample_dtype(uint16_t fmt, uint16_t bps, td_dtype *out)
{
    bool u = fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_VOID;
    bool s = fmt == SAMPLEFORMAT_INT;
    if (u || s) {
        switch (bps) {
        case 8: *out = u ? TD_UINT8 : TD_INT8; return 0;
        case 16: *out = u ? TD_UINT16 : TD_INT16; return 0;
        case 32: *out = u ? TD_UINT32 : TD_INT32; return 0;
        case 64: *out = u ? TD_UINT64 : TD_INT64; return 0;
        default: return -1;
        }
    }
    if (fmt == SAMPLEFORMAT_IEEEFP && (bps == 32 || bps == 64)) {
        *out = bps == 32 ? TD_FLOAT32 : TD_FLOAT64;
        return 0;
    }
    return -1;
}

static const char *format_name(uint16_t fmt)
{
    switch (fmt) {
    case SAMPLEFORMAT_UINT: return "unsigned integer";
    case SAMPLEFORMAT_INT: return "signed integer";
    case SAMPLEFORMAT_IEEEFP: return "floating point";
    case SAMPLEFORMAT_VOID: return "untyped";
    case SAMPLEFORMAT_COMPLEXINT: return "complex integer";
    case SAMPLEFORMAT_COMPLEXIEEEFP: return "complex floating point";
    default: return "unknown";
    }
}

/* Compressions read, with the most a byte of the file can expand to;
 * a page claiming more than that is refused before allocating it. */
static uint64_t max_ratio(uint16_t compression)
{
    switch (compression) {
    case COMPRESSION_NONE: return 1;
    case COMPRESSION_PACKBITS: return 128;
    case COMPRESSION_LZW: return 1400;
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return 1100;
    case COMPRESSION_JPEG:
    case COMPRESSION_ZSTD:
    case COMPRESSION_LZMA:
    case COMPRESSION_WEBP: return 1u << 16;
    default: return 0;
    }
}

static int read_geom(TIFF *tif, const char *path, int64_t page, tif_geom *g, td_err *err)
{
    memset(g, 0, sizeof *g);
    uint32_t depth = 1;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &g->w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &g->h))
        return td_err_set(err, TD_EVALUE, "%s: page %lld has no image size", path, (long long)page);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &g->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &g->bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &g->fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &g->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &g->compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGEDEPTH, &depth);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &g->photometric))
        g->photometric = PHOTOMETRIC_MINISBLACK;
    if (g->w == 0 || g->h == 0)
        return td_err_set(err, TD_EVALUE, "%s: page %lld is empty (%u x %u pixels)", path, (long long)page,
                          g->w, g->h);
    if (depth != 1)
        return td_err_set(err, TD_EVALUE, "%s: page %lld: volumetric TIFF (ImageDepth %u) is not supported",
                          path, (long long)page, depth);
    if (g->spp == 0)
        return td_err_set(err, TD_EVALUE, "%s: page %lld has no samples per pixel", path, (long long)page);
    if (g->spp == 1)
        g->planar = PLANARCONFIG_CONTIG;
    if (sample_dtype(g->fmt, g->bps, &g->dtype) < 0)
        return td_err_set(err, TD_ETYPE,
                          "%s: page %lld has %u-bit %s samples; thunder reads 8, 16, 32 and 64-bit integers "
                          "and 32 and 64-bit floats",
                          path, (long long)page, g->bps, format_name(g->fmt));
    if (g->compression == COMPRESSION_OJPEG)
        return td_err_set(err, TD_EVALUE, "%s: old-style JPEG compression is not supported", path);
    if (max_ratio(g->compression) == 0 || !TIFFIsCODECConfigured(g->compression))
        return td_err_set(err, TD_EVALUE, "%s: page %lld: compression scheme %u is not supported", path,
                          (long long)page, g->compression);
    if (g->photometric == PHOTOMETRIC_YCBCR) {
        if (g->compression == COMPRESSION_JPEG) {
            /* Let the codec give RGB rather than subsampled YCbCr. */
            TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        } else {
            uint16_t sh = 1, sv = 1;
            TIFFGetFieldDefaulted(tif, TIFFTAG_YCBCRSUBSAMPLING, &sh, &sv);
            if (sh != 1 || sv != 1)
                return td_err_set(err, TD_EVALUE, "%s: subsampled YCbCr images are not supported", path);
        }
    }
    g->tiled = TIFFIsTiled(tif) != 0;
    if (g->tiled) {
        if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &g->tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &g->th) ||
            g->tw == 0 || g->th == 0)
            return td_err_set(err, TD_EVALUE, "%s: page %lld: invalid tile size", path, (long long)page);
    } else {
        g->rps = g->h;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &g->rps);
        if (g->rps == 0)
            return td_err_set(err, TD_EVALUE, "%s: page %lld: RowsPerStrip is 0", path, (long long)page);
        if (g->rps > g->h)
            g->rps = g->h;
    }
    return 0;
}

static bool same_layout(const tif_geom *a, const tif_geom *b)
{
    return a->w == b->w && a->h == b->h && a->spp == b->spp && a->dtype == b->dtype &&
           (a->spp == 1 || a->planar == b->planar);
}

/* The page as tifffile shapes it: (H, W), (H, W, S) or (S, H, W). */
static int page_shape(const tif_geom *g, int64_t *shape)
{
    if (g->spp == 1) {
        shape[0] = g->h;
        shape[1] = g->w;
        return 2;
    }
    if (g->planar == PLANARCONFIG_SEPARATE) {
        shape[0] = g->spp;
        shape[1] = g->h;
        shape[2] = g->w;
    } else {
        shape[0] = g->h;
        shape[1] = g->w;
        shape[2] = g->spp;
    }
    return 3;
}

static bool is_reduced(TIFF *tif)
{
    uint32_t sub = 0;
    return TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &sub) && (sub & FILETYPE_REDUCEDIMAGE);
}

static void describe(const tif_geom *g, char *buf, size_t len)
{
    int64_t s[3];
    int nd = page_shape(g, s);
    char sh[64];
    snprintf(buf, len, "%s %s", nd_shape_str(nd, s, sh, sizeof sh), td_dtype_name(g->dtype));
}

/* Walks the pages (reduced-resolution ones skipped), checking they agree
 * with the first; gives their count and layout. */
static int scan_pages(TIFF *tif, const char *path, uint64_t file_size, tif_diag *diag, tif_geom *g0,
                      int64_t *npages, td_err *err)
{
    int64_t pages = 0, seen = 0;
    uint64_t ratio = 1;
    do {
        if (++seen > TIF_MAX_PAGES)
            return td_err_set(err, TD_EVALUE, "%s: more than %d pages", path, TIF_MAX_PAGES);
        if (td_cancelled())
            return td_err_set(err, TD_ECANCEL, "cancelled");
        if (is_reduced(tif))
            continue;
        tif_geom g;
        if (read_geom(tif, path, pages, &g, err) < 0)
            return -1;
        if (pages == 0) {
            *g0 = g;
        } else if (!same_layout(&g, g0)) {
            char a[128], b[128];
            describe(g0, a, sizeof a);
            describe(&g, b, sizeof b);
            return td_err_set(err, TD_EVALUE, "%s: page %lld is %s but page 0 is %s; pages must agree", path,
                              (long long)pages, b, a);
        }
        if (max_ratio(g.compression) > ratio)
            ratio = max_ratio(g.compression);
        pages++;
    } while (TIFFReadDirectory(tif));
    if (diag->loop)
        return td_err_set(err, TD_EVALUE, "%s: the chain of pages loops back on itself (%s)", path,
                          diag->msg);
    if (diag->has)
        return td_err_set(err, TD_EVALUE, "%s: %s", path, diag->msg);
    if (pages == 0)
        return td_err_set(err, TD_EVALUE, "%s: no full-resolution image in the file", path);
    int64_t s[4];
    s[0] = pages;
    int nd = page_shape(g0, s + 1) + 1;
    size_t total;
    if (td_nbytes(nd, s, td_dtype_size(g0->dtype), &total, err) < 0) {
        td_err_prefix(err, "%s", path);
        return -1;
    }
    /* Decoded data cannot outgrow what the file holds by more than its
     * codec's best ratio. */
    uint64_t allowed;
    if (__builtin_mul_overflow(file_size, ratio, &allowed))
        allowed = UINT64_MAX;
    if ((uint64_t)total > allowed + (1u << 20)) {
        char sh[128];
        return td_err_set(err, TD_EVALUE,
                          "%s: claims %s of %s (%zu bytes), more than a file of %llu bytes can hold", path,
                          nd_shape_str(nd, s, sh, sizeof sh), td_dtype_name(g0->dtype), total,
                          (unsigned long long)file_size);
    }
    *npages = pages;
    return 0;
}

static int tif_probe(const char *path, io_probe *out, td_err *err)
{
    tif_src src;
    tif_diag diag;
    TIFF *tif = tif_open_read(path, &src, &diag, err);
    if (!tif)
        return -1;
    tif_geom g = {0};
    int64_t pages = 0;
    int rc = scan_pages(tif, path, src.size, &diag, &g, &pages, err);
    tif_close_read(tif, &src);
    if (rc < 0)
        return -1;
    out->dtype = g.dtype;
    if (pages == 1) {
        out->ndim = page_shape(&g, out->shape);
    } else {
        out->shape[0] = pages;
        out->ndim = page_shape(&g, out->shape + 1) + 1;
    }
    return 0;
}

/* --- decoding ------------------------------------------------------------------ */

static int decode_error(const char *path, int64_t page, const char *what, uint32_t index,
                        const tif_diag *diag, td_err *err)
{
    if (diag->has)
        return td_err_set(err, TD_EVALUE, "%s: page %lld, %s %u: %s", path, (long long)page, what, index,
                          diag->msg);
    return td_err_set(err, TD_EVALUE, "%s: page %lld, %s %u is truncated or corrupt", path, (long long)page,
                      what, index);
}

/* Copies len bytes to dst + off, keeping below limit. */
static void put_clipped(char *dst, size_t off, const void *src, size_t len, size_t limit)
{
    if (off >= limit)
        return;
    if (len > limit - off)
        len = limit - off;
    memcpy(dst + off, src, len);
}

/* One page into dst (its first `limit` bytes), laid out as page_shape. */
static int decode_page(TIFF *tif, const char *path, int64_t page, const tif_geom *g, const tif_diag *diag,
                       char *dst, size_t limit, td_err *err)
{
    size_t isz = g->bps / 8u;
    uint32_t planes = g->planar == PLANARCONFIG_SEPARATE ? g->spp : 1;
    size_t chan = planes > 1 ? 1 : g->spp;
    /* Sizes were checked by scan_pages (the whole array fits in size_t). */
    size_t rowbytes = (size_t)g->w * chan * isz;
    size_t planebytes = rowbytes * g->h;
    void *scratch = NULL;
    int rc = 0;
    if (!g->tiled) {
        uint32_t per_plane = (uint32_t)(((uint64_t)g->h + g->rps - 1) / g->rps);
        if ((uint64_t)TIFFNumberOfStrips(tif) != (uint64_t)per_plane * planes ||
            (uint64_t)TIFFScanlineSize64(tif) != rowbytes)
            return td_err_set(err, TD_EVALUE, "%s: page %lld: strip layout does not match the image size",
                              path, (long long)page);
        for (uint32_t pl = 0; pl < planes && rc == 0; pl++) {
            for (uint32_t s = 0; s < per_plane; s++) {
                uint32_t r0 = s * g->rps;
                uint32_t nr = g->h - r0 < g->rps ? g->h - r0 : g->rps;
                size_t off = pl * planebytes + (size_t)r0 * rowbytes, len = (size_t)nr * rowbytes;
                if (off >= limit)
                    break;
                uint32_t strip = pl * per_plane + s;
                bool direct = off + len <= limit;
                if (!direct && !scratch && !(scratch = td_scratch_alloc(len, err))) {
                    rc = -1;
                    break;
                }
                tmsize_t got = TIFFReadEncodedStrip(tif, strip, direct ? dst + off : scratch, (tmsize_t)len);
                if (got != (tmsize_t)len) {
                    rc = decode_error(path, page, "strip", strip, diag, err);
                    break;
                }
                if (!direct)
                    put_clipped(dst, off, scratch, len, limit);
            }
        }
    } else {
        uint32_t across = (uint32_t)(((uint64_t)g->w + g->tw - 1) / g->tw);
        uint32_t down = (uint32_t)(((uint64_t)g->h + g->th - 1) / g->th);
        size_t tilerow = (size_t)g->tw * chan * isz, tilebytes = tilerow * g->th;
        if ((uint64_t)TIFFNumberOfTiles(tif) != (uint64_t)across * down * planes ||
            (uint64_t)TIFFTileSize64(tif) != tilebytes)
            return td_err_set(err, TD_EVALUE, "%s: page %lld: tile layout does not match the image size",
                              path, (long long)page);
        if (!(scratch = td_scratch_alloc(tilebytes, err)))
            return -1;
        for (uint32_t pl = 0; pl < planes && rc == 0; pl++) {
            for (uint32_t ty = 0; ty < down && rc == 0; ty++) {
                uint32_t y0 = ty * g->th;
                if (pl * planebytes + (size_t)y0 * rowbytes >= limit)
                    break;
                uint32_t nr = g->h - y0 < g->th ? g->h - y0 : g->th;
                for (uint32_t tx = 0; tx < across; tx++) {
                    uint32_t x0 = tx * g->tw;
                    uint32_t t = TIFFComputeTile(tif, x0, y0, 0, (uint16_t)pl);
                    if (TIFFReadEncodedTile(tif, t, scratch, (tmsize_t)tilebytes) != (tmsize_t)tilebytes) {
                        rc = decode_error(path, page, "tile", t, diag, err);
                        break;
                    }
                    uint32_t nc = g->w - x0 < g->tw ? g->w - x0 : g->tw;
                    for (uint32_t r = 0; r < nr; r++)
                        put_clipped(dst,
                                    pl * planebytes + (size_t)(y0 + r) * rowbytes + (size_t)x0 * chan * isz,
                                    (const char *)scratch + r * tilerow, (size_t)nc * chan * isz, limit);
                }
            }
        }
    }
    td_scratch_free(scratch);
    return rc;
}

static int tif_decode(const char *path, const io_probe *expect, void *dst, size_t nbytes, td_err *err)
{
    tif_src src;
    tif_diag diag;
    TIFF *tif = tif_open_read(path, &src, &diag, err);
    if (!tif)
        return -1;
    int rc = 0;
    int64_t page = 0;
    size_t pagebytes = 0;
    tif_geom g0 = {0};
    for (size_t off = 0; off < nbytes; page++) {
        if (page > 0 && !TIFFReadDirectory(tif)) {
            rc = td_err_set(err, TD_EIO, "%s: the file changed while it was read", path);
            break;
        }
        while (is_reduced(tif)) {
            if (!TIFFReadDirectory(tif)) {
                rc = td_err_set(err, TD_EIO, "%s: the file changed while it was read", path);
                break;
            }
        }
        if (rc < 0)
            break;
        if (td_cancelled()) {
            rc = td_err_set(err, TD_ECANCEL, "cancelled");
            break;
        }
        tif_geom g;
        if ((rc = read_geom(tif, path, page, &g, err)) < 0)
            break;
        if (page == 0) {
            int64_t s[3];
            int nd = page_shape(&g, s);
            int lead = expect->ndim - nd;
            if (g.dtype != expect->dtype || lead < 0 || lead > 1 ||
                memcmp(s, expect->shape + lead, sizeof s[0] * (size_t)nd) != 0) {
                rc = td_err_set(err, TD_EIO, "%s: the file changed while it was read", path);
                break;
            }
            g0 = g;
            pagebytes = (size_t)g.w * g.h * g.spp * (g.bps / 8u);
        } else if (!same_layout(&g, &g0)) {
            rc = td_err_set(err, TD_EIO, "%s: the file changed while it was read", path);
            break;
        }
        size_t len = nbytes - off < pagebytes ? nbytes - off : pagebytes;
        if ((rc = decode_page(tif, path, page, &g, &diag, (char *)dst + off, len, err)) < 0)
            break;
        off += pagebytes;
    }
    tif_close_read(tif, &src);
    return rc;
}

static const io_stack_ops tif_ops = {
    .what = "TIFF",
    .probe = tif_probe,
    .decode = tif_decode,
    .squeeze3 = true,
};

td_images *io_images_fromtif(const char *path, const io_select *sel, int64_t nplanes, bool discard_extra,
                             td_err *err)
{
    return io_read_stack(path, sel, "tif", &tif_ops, nplanes, discard_extra, err);
}

/* --- writing --------------------------------------------------------------------- */

/* A growing in-memory file for libtiff to write into. */
typedef struct tif_mem {
    char *buf;
    size_t len, cap, pos;
    bool oom;
} tif_mem;

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
    tif_mem *m = h;
    size_t avail = m->pos < m->len ? m->len - m->pos : 0;
    size_t k = (size_t)n < avail ? (size_t)n : avail;
    memcpy(buf, m->buf + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
    tif_mem *m = h;
    size_t end;
    if (n < 0 || __builtin_add_overflow(m->pos, (size_t)n, &end)) {
        m->oom = true;
        return -1;
    }
    if (end > m->cap) {
        size_t cap = m->cap ? m->cap : 1 << 16;
        while (cap < end)
            cap = cap > SIZE_MAX / 2 ? end : cap * 2;
        char *b = realloc(m->buf, cap);
        if (!b) {
            m->oom = true;
            errno = ENOMEM;
            return -1;
        }
        m->buf = b;
        m->cap = cap;
    }
    if (m->pos > m->len)
        memset(m->buf + m->len, 0, m->pos - m->len);
    memcpy(m->buf + m->pos, buf, (size_t)n);
    m->pos = end;
    if (end > m->len)
        m->len = end;
    return n;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    tif_mem *m = h;
    if (whence == SEEK_SET)
        m->pos = (size_t)off;
    else if (whence == SEEK_CUR)
        m->pos += (size_t)off;
    else if (whence == SEEK_END)
        m->pos = m->len + (size_t)off;
    return m->pos;
}

static toff_t mem_size(thandle_t h)
{
    return ((tif_mem *)h)->len;
}

typedef struct tif_layout {
    uint32_t w, h, spp;
    int64_t pages;
} tif_layout;

/* How Thunder (tifffile) lays an image out: 2-D one page; 3-D with 3 or
 * 4 last entries one RGB(A) page; other 3-D one page per first entry. */
static int tif_layout_of(const td_images *d, tif_layout *l, td_err *err)
{
    const int64_t *s = data_shape(d) + 1;
    int nd = data_ndim(d) - 1;
    if (nd != 2 && nd != 3)
        return td_err_set(err, TD_EVALUE,
                          "Only 2D or 3D images can be exported to tif, images are %d-dimensional.", nd);
    if (data_dtype(d) == TD_BOOL)
        return td_err_set(err, TD_ETYPE, "TIFF cannot hold bool images; convert them with astype('uint8')");
    int64_t h, w, spp = 1, pages = 1;
    if (nd == 2) {
        h = s[0];
        w = s[1];
    } else if (s[2] == 3 || s[2] == 4) {
        h = s[0];
        w = s[1];
        spp = s[2];
    } else {
        pages = s[0];
        h = s[1];
        w = s[2];
    }
    if (h < 1 || w < 1 || pages < 1)
        return td_err_set(err, TD_EVALUE, "cannot write empty images to TIFF");
    if (h > UINT32_MAX || w > UINT32_MAX)
        return td_err_set(err, TD_EVALUE, "images of %lld x %lld pixels are too large for TIFF", (long long)h,
                          (long long)w);
    l->w = (uint32_t)w;
    l->h = (uint32_t)h;
    l->spp = (uint32_t)spp;
    l->pages = pages;
    return 0;
}

/* Encodes one image as a TIFF in memory. */
static int tif_encode(const void *data, td_dtype dtype, const tif_layout *l, int nd, const int64_t *vshape,
                      const char *name, tif_mem *m, td_err *err)
{
    tif_diag diag = {0};
    size_t isz = td_dtype_size(dtype);
    size_t rowbytes = (size_t)l->w * l->spp * isz, pagebytes = rowbytes * l->h;
    uint32_t rps = (uint32_t)((8u << 20) / rowbytes);
    if (rps < 1)
        rps = 1;
    if (rps > l->h)
        rps = l->h;
    size_t total = pagebytes * (size_t)l->pages;
    TIFFOpenOptions *opts = tif_options(&diag, 0);
    if (!opts)
        return td_err_set(err, TD_EMEMORY, "%s: out of memory", name);
    /* Classic TIFF offsets are 32-bit: larger images need BigTIFF. */
    const char *mode = total > ((uint64_t)4 << 30) - ((uint64_t)64 << 20) ? "w8" : "w";
    TIFF *tif = TIFFClientOpenExt(name, mode, m, mem_read, mem_write, mem_seek, src_close, mem_size, src_map,
                                  src_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif)
        return td_err_set(err, TD_EIO, "%s: cannot start a TIFF (%s)", name,
                          diag.has ? diag.msg : "libtiff failed");
    uint16_t fmt = td_dtype_is_float(dtype)    ? SAMPLEFORMAT_IEEEFP
                   : td_dtype_is_signed(dtype) ? SAMPLEFORMAT_INT
                                               : SAMPLEFORMAT_UINT;
    bool rgb = l->spp >= 3 && (dtype == TD_UINT8 || dtype == TD_UINT16);
    char desc[64 + 24 * 3];
    int dn = snprintf(desc, sizeof desc, "{\"shape\": [");
    for (int i = 0; i < nd; i++)
        dn += snprintf(desc + dn, sizeof desc - (size_t)dn, "%s%lld", i ? ", " : "", (long long)vshape[i]);
    snprintf(desc + dn, sizeof desc - (size_t)dn, "]}");
    size_t striplen = rowbytes * rps;
    void *strip = td_scratch_alloc(striplen, err);
    bool have_strip = strip != NULL;
    int rc = have_strip ? 0 : -1;
    for (int64_t p = 0; p < l->pages && rc == 0; p++) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, l->w);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, l->h);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)(isz * 8));
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)l->spp);
        TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, fmt);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rps);
        if (l->spp > 1 && !(rgb && l->spp == 3)) {
            uint16_t extra[4] = {EXTRASAMPLE_UNSPECIFIED, EXTRASAMPLE_UNSPECIFIED, EXTRASAMPLE_UNSPECIFIED,
                                 EXTRASAMPLE_UNSPECIFIED};
            uint16_t nextra = (uint16_t)(rgb ? l->spp - 3 : l->spp - 1);
            if (rgb)
                extra[0] = EXTRASAMPLE_UNASSALPHA;
            TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, nextra, extra);
        }
        if (p == 0)
            TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, desc);
        const char *src = (const char *)data + (size_t)p * pagebytes;
        for (uint32_t r0 = 0, s = 0; r0 < l->h; r0 += rps, s++) {
            uint32_t nr = l->h - r0 < rps ? l->h - r0 : rps;
            size_t len = (size_t)nr * rowbytes;
            /* libtiff may encode in place, and our arrays are immutable. */
            memcpy(strip, src + (size_t)r0 * rowbytes, len);
            if (TIFFWriteEncodedStrip(tif, s, strip, (tmsize_t)len) != (tmsize_t)len) {
                rc = -1;
                break;
            }
        }
        if (rc == 0 && !TIFFWriteDirectory(tif))
            rc = -1;
    }
    TIFFClose(tif);
    td_scratch_free(strip);
    if (rc == 0 && (diag.has || m->oom))
        rc = -1;
    if (rc < 0 && have_strip)
        td_err_set(err, m->oom ? TD_EMEMORY : TD_EIO, "%s: cannot encode the TIFF (%s)", name,
                   m->oom     ? "out of memory"
                   : diag.has ? diag.msg
                              : "libtiff failed");
    return rc;
}

typedef struct tif_wctx {
    const td_images *d;
    io_out *out;
    const char *prefix;
    tif_layout layout;
    int64_t first;
} tif_wctx;

static int totif_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    tif_wctx *c = p;
    for (int64_t i = begin; i < end; i++) {
        char name[512];
        snprintf(name, sizeof name, "%s-%05lld.tif", c->prefix, (long long)(c->first + i));
        tif_mem m = {0};
        int rc = tif_encode(data_record(c->d, i), data_dtype(c->d), &c->layout, data_ndim(c->d) - 1,
                            data_shape(c->d) + 1, name, &m, err);
        if (rc == 0)
            rc = io_out_write(c->out, name, m.buf, m.len, err);
        free(m.buf);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int io_images_write_tif(const td_images *d, io_out *o, const char *prefix, int64_t first, td_err *err)
{
    tif_wctx c = {.d = d, .out = o, .prefix = prefix ? prefix : "image", .first = first};
    if (d->kind != TD_IMAGES)
        return td_err_set(err, TD_ETYPE, "totif needs Images");
    if (tif_layout_of(d, &c.layout, err) < 0)
        return -1;
    return td_par_for(data_nrecords(d), 1, totif_kernel, &c, err);
}

int io_images_totif(const td_images *d, const char *path, const char *prefix, bool overwrite, td_err *err)
{
    tif_layout check;
    if (d->kind != TD_IMAGES)
        return td_err_set(err, TD_ETYPE, "totif needs Images");
    if (tif_layout_of(d, &check, err) < 0)
        return -1;
    io_out *o = io_out_begin(path, overwrite, false, err);
    if (!o)
        return -1;
    if (io_images_write_tif(d, o, prefix, 0, err) < 0) {
        io_out_abort(o);
        return -1;
    }
    return io_out_commit(o, err);
}

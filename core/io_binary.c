/* Thunder's flat binary layouts: Images as one raw file per image, Series
 * as records of values back to back, each directory described by a
 * conf.json (read with jansson).
 *
 * The two readers treat the conf file differently because Thunder does:
 * for Images the conf wins over the arguments, for Series the arguments
 * win. Binary files carry no header, so their length is the only check:
 * it must hold what shape and dtype ask for. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_internal.h"
#include "thunder/par.h"

/* A conf file is a few hundred bytes; anything near this is not one. */
#define CONF_MAX_BYTES (1u << 20)

/* --- conf.json ------------------------------------------------------------------ */

/* The parsed conf object, or NULL (and 0) when no conf file exists. */
static int conf_load(const char *path, const char *conf, json_t **out, td_err *err)
{
    *out = NULL;
    char *pat = io_conf_pattern(path, conf ? conf : "conf.json", err);
    if (!pat)
        return -1;
    char **m = NULL;
    int64_t n = io_glob(pat, &m, err);
    int rc = 0;
    if (n < 0) {
        rc = -1;
    } else if (n > 1) {
        rc = td_err_set(err, TD_EVALUE, "Found multiple files matching: '%s'", pat);
    } else if (n == 1) {
        void *bytes;
        size_t len;
        if (io_read_file(m[0], CONF_MAX_BYTES, &bytes, &len, err) < 0) {
            rc = -1;
        } else {
            json_error_t je;
            json_t *j = json_loadb(bytes, len, 0, &je);
            td_scratch_free(bytes);
            if (!j)
                rc = td_err_set(err, TD_EVALUE, "%s: invalid JSON at line %d: %s", m[0], je.line, je.text);
            else if (!json_is_object(j))
                rc = td_err_set(err, TD_EVALUE, "%s: the conf file is not a JSON object", m[0]);
            if (rc < 0)
                json_decref(j);
            else
                *out = j;
        }
    }
    io_free_strings(m, n > 0 ? n : 0);
    free(pat);
    return rc;
}

/* conf[key] as a shape; 0 when absent. */
static int conf_shape(const json_t *conf, const char *key, const char *path, int *ndim, int64_t *shape,
                      td_err *err)
{
    const json_t *v = conf ? json_object_get(conf, key) : NULL;
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > ND_MAXDIM - 1)
        return td_err_set(err, TD_EVALUE, "%s: conf '%s' is not a list of at most %d dimensions", path, key,
                          ND_MAXDIM - 1);
    size_t n = json_array_size(v);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_integer(e) || json_integer_value(e) < 0)
            return td_err_set(err, TD_EVALUE,
                              "%s: conf '%s' holds something other than a non-negative integer", path, key);
        shape[i] = json_integer_value(e);
    }
    *ndim = (int)n;
    return 1;
}

static int conf_dtype(const json_t *conf, const char *path, td_dtype *dtype, td_err *err)
{
    const json_t *v = conf ? json_object_get(conf, "dtype") : NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return td_err_set(err, TD_EVALUE, "%s: conf 'dtype' is not a string", path);
    if (td_dtype_parse(json_string_value(v), dtype, err) < 0)
        return -1;
    return 1;
}

static void normalize_bools(void *data, size_t n)
{
    uint8_t *b = data;
    for (size_t i = 0; i < n; i++)
        b[i] = b[i] != 0;
}

/* --- Images ------------------------------------------------------------------------ */

typedef struct imgbin_ctx {
    const io_files *files;
    td_dtype dtype;
    int ndim;
    const int64_t *shape;
    bool fortran;
    int64_t nplanes; /* 0: whole images */
    int64_t per_file;
    size_t recbytes; /* bytes of one file's array */
    size_t outbytes; /* bytes one file gives to the output */
    char *dst;
} imgbin_ctx;

/* Fortran-ordered src into C-ordered dst, walking dst in order while an
 * odometer follows the matching element of src. */
static void fortran_to_c(char *dst, const char *src, int ndim, const int64_t *shape, size_t is)
{
    int64_t fstride[ND_MAXDIM], idx[ND_MAXDIM] = {0}, size = 1;
    for (int k = 0; k < ndim; k++) {
        fstride[k] = size;
        size *= shape[k];
    }
    int64_t off = 0;
    for (int64_t i = 0; i < size; i++) {
        memcpy(dst + (size_t)i * is, src + (size_t)off * is, is);
        for (int k = ndim - 1; k >= 0; k--) {
            if (++idx[k] < shape[k]) {
                off += fstride[k];
                break;
            }
            off -= (shape[k] - 1) * fstride[k];
            idx[k] = 0;
        }
    }
}

static int imgbin_one(const imgbin_ctx *c, int64_t f, char *a, char *b, td_err *err)
{
    const char *path = c->files->paths[f];
    uint64_t size;
    int fd = io_open_regular(path, &size, err);
    if (fd < 0)
        return -1;
    char *out = c->dst + (size_t)f * c->outbytes;
    if (size < c->recbytes) {
        char s[256];
        close(fd);
        return td_err_set(err, TD_EVALUE,
                          "%s: the file has %llu bytes, an image of shape %s and dtype %s needs %zu", path,
                          (unsigned long long)size, nd_shape_str(c->ndim, c->shape, s, sizeof s),
                          td_dtype_name(c->dtype), c->recbytes);
    }
    if (c->recbytes == 0) {
        /* an empty image (a 0 in its shape): nothing to read, and the loop
         * over planes below could otherwise run once per claimed plane */
        close(fd);
        return 0;
    }
    bool direct = !c->fortran && c->nplanes == 0;
    int rc = io_pread_all(fd, direct ? out : a, c->recbytes, 0, path, err);
    close(fd);
    if (rc < 0 || direct)
        return rc;
    size_t is = td_dtype_size(c->dtype);
    const char *cdata = a;
    if (c->fortran) {
        fortran_to_c(c->nplanes ? b : out, a, c->ndim, c->shape, is);
        cdata = b;
    }
    if (c->nplanes) {
        /* Image j takes planes [j*nplanes, (j+1)*nplanes) of the last axis. */
        int64_t last = c->shape[c->ndim - 1], rows = 1;
        for (int k = 0; k < c->ndim - 1; k++)
            rows *= c->shape[k];
        size_t run = (size_t)c->nplanes * is;
        for (int64_t j = 0; j < c->per_file; j++) {
            char *img = out + (size_t)j * (size_t)rows * run;
            for (int64_t r = 0; r < rows; r++)
                memcpy(img + (size_t)r * run,
                       cdata + ((size_t)r * (size_t)last + (size_t)j * (size_t)c->nplanes) * is, run);
        }
    }
    return 0;
}

static int imgbin_file(void *p, int64_t f, int thread, td_err *err)
{
    const imgbin_ctx *c = p;
    char *a = NULL, *b = NULL;
    if (c->fortran || c->nplanes) {
        a = td_scratch_alloc(c->recbytes, err);
        b = a && c->fortran && c->nplanes ? td_scratch_alloc(c->recbytes, err) : NULL;
        if (!a || (c->fortran && c->nplanes && !b)) {
            td_scratch_free(a);
            return -1;
        }
    }
    int rc = imgbin_one(c, f, a, b, err);
    td_scratch_free(a);
    td_scratch_free(b);
    return rc;
}

td_images *io_images_frombinary(const char *path, const io_select *sel, int ndim, const int64_t *shape,
                                int dtype, const char *conf, char order, int64_t nplanes, td_err *err)
{
    json_t *j = NULL;
    if (conf_load(path, conf, &j, err) < 0)
        return NULL;
    td_images *out = NULL;
    io_files *files = NULL;
    nd_array *values = NULL;
    int64_t shp[ND_MAXDIM];
    int nd = 0;
    td_dtype dt = TD_INT16;
    if (shape && ndim > 0) {
        if (ndim > ND_MAXDIM - 1) {
            td_err_set(err, TD_EVALUE, "images of %d dimensions are not supported", ndim);
            goto done;
        }
        nd = ndim;
        memcpy(shp, shape, sizeof shp[0] * (size_t)nd);
    }
    if (dtype >= 0) {
        if (dtype >= TD_NDTYPES) {
            td_err_set(err, TD_ETYPE, "invalid dtype %d", dtype);
            goto done;
        }
        dt = (td_dtype)dtype;
    }
    /* Thunder reads dtype, then dims, then shape: the conf wins, shape last. */
    if (conf_dtype(j, path, &dt, err) < 0 || conf_shape(j, "dims", path, &nd, shp, err) < 0 ||
        conf_shape(j, "shape", path, &nd, shp, err) < 0)
        goto done;
    if (nd == 0) {
        td_err_set(err, TD_EVALUE, "Image shape must be specified as argument or in a conf.json file");
        goto done;
    }
    for (int k = 0; k < nd; k++) {
        if (shp[k] < 0) {
            td_err_set(err, TD_EVALUE, "negative dimensions are not allowed");
            goto done;
        }
    }
    if (order != 'C' && order != 'F' && order != 'A') {
        td_err_set(err, TD_EVALUE, "order must be one of 'C', 'F' or 'A' (got '%c')", order);
        goto done;
    }
    if (nplanes < 0) {
        td_err_set(err, TD_EVALUE, "nplanes must be positive if passed, got %lld", (long long)nplanes);
        goto done;
    }
    if (nplanes > 0 && shp[nd - 1] % nplanes) {
        td_err_set(err, TD_EVALUE, "Last dimension '%lld' must be divisible by nplanes '%lld'",
                   (long long)shp[nd - 1], (long long)nplanes);
        goto done;
    }
    io_select dflt = {.ext = "bin"};
    files = io_list_files(path, sel ? sel : &dflt, err);
    if (!files)
        goto done;

    imgbin_ctx c = {.files = files,
                    .dtype = dt,
                    .ndim = nd,
                    .shape = shp,
                    .fortran = order == 'F' && nd > 1,
                    .nplanes = nplanes,
                    .per_file = nplanes ? shp[nd - 1] / nplanes : 1};
    if (td_nbytes(nd, shp, td_dtype_size(dt), &c.recbytes, err) < 0)
        goto done;
    /* The output: (files * per_file, *image shape); with nplanes the image
     * is shape[:-1] + (nplanes,), squeezed as Thunder does. */
    int64_t oshape[ND_MAXDIM];
    int ond = 1;
    int64_t total;
    if (__builtin_mul_overflow(files->n, c.per_file, &total)) {
        td_err_set(err, TD_EMEMORY, "too many images");
        goto done;
    }
    oshape[0] = total;
    for (int k = 0; k < nd; k++) {
        int64_t v = nplanes && k == nd - 1 ? nplanes : shp[k];
        if (!nplanes || v != 1)
            oshape[ond++] = v;
    }
    if (total == 0) {
        td_err_set(err, TD_EVALUE, "no images in %s", path);
        goto done;
    }
    values = nd_new(dt, ond, oshape, err);
    if (!values)
        goto done;
    c.dst = values->data;
    c.outbytes = nd_nbytes(values) / (size_t)files->n;
    if (io_par_files(files->n, imgbin_file, &c, err) < 0)
        goto done;
    if (dt == TD_BOOL)
        normalize_bools(values->data, nd_nbytes(values));
    out = img_fromarray(values, err);
done:
    nd_release(values);
    io_files_free(files);
    json_decref(j);
    return out;
}

typedef struct imgout_ctx {
    const td_images *d;
    io_out *out;
    const char *prefix;
    int64_t first;
} imgout_ctx;

static int tobinary_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    imgout_ctx *c = p;
    size_t bytes = (size_t)data_record_size(c->d) * td_dtype_size(data_dtype(c->d));
    for (int64_t i = begin; i < end; i++) {
        char name[512];
        snprintf(name, sizeof name, "%s-%05lld.bin", c->prefix, (long long)(c->first + i));
        if (io_out_write(c->out, name, data_record(c->d, i), bytes, err) < 0)
            return -1;
    }
    return 0;
}

/* conf.json and SUCCESS, then the directory goes into place. */
static int finish_output(io_out *o, int ndim, const int64_t *shape, td_dtype dtype, td_err *err)
{
    char conf[ND_MAXDIM * 32 + 128];
    size_t n = io_conf_json(conf, sizeof conf, ndim, shape, dtype);
    if (n == 0 || io_out_write(o, "conf.json", conf, n, err) < 0 ||
        io_out_write(o, "SUCCESS", "", 0, err) < 0) {
        if (n == 0)
            td_err_set(err, TD_EVALUE, "conf.json too long");
        io_out_abort(o);
        return -1;
    }
    return io_out_commit(o, err);
}

static int write_images_bin(const td_images *d, io_out *o, const char *prefix, int64_t first, td_err *err)
{
    imgout_ctx c = {.d = d, .out = o, .prefix = prefix ? prefix : "image", .first = first};
    return td_par_for(data_nrecords(d), 1, tobinary_kernel, &c, err);
}

int io_images_write(const td_images *d, io_out *o, const char *format, const char *prefix, int64_t first,
                    td_err *err)
{
    if (d->kind != TD_IMAGES)
        return td_err_set(err, TD_ETYPE, "writing images needs Images");
    if (!strcmp(format, "bin"))
        return write_images_bin(d, o, prefix, first, err);
    if (!strcmp(format, "tif"))
        return io_images_write_tif(d, o, prefix, first, err);
    if (!strcmp(format, "png"))
        return io_images_write_png(d, o, prefix, first, err);
    return td_err_set(err, TD_EVALUE, "no image format '%s'", format);
}

int io_out_finish(io_out *o, bool binary, int ndim, const int64_t *shape, td_dtype dtype, td_err *err)
{
    return binary ? finish_output(o, ndim, shape, dtype, err) : io_out_commit(o, err);
}

int io_images_tobinary(const td_images *d, const char *path, const char *prefix, bool overwrite, td_err *err)
{
    if (d->kind != TD_IMAGES)
        return td_err_set(err, TD_ETYPE, "images tobinary needs Images");
    io_out *o = io_out_begin(path, overwrite, false, err);
    if (!o)
        return -1;
    if (write_images_bin(d, o, prefix, 0, err) < 0) {
        io_out_abort(o);
        return -1;
    }
    return finish_output(o, data_ndim(d) - 1, data_shape(d) + 1, data_dtype(d), err);
}

/* --- Series ------------------------------------------------------------------------- */

typedef struct serbin_ctx {
    const io_files *files;
    const int64_t *first; /* first record of each file */
    int64_t lo, hi;       /* the records read */
    int64_t length, skip;
    size_t is;
    char *dst; /* record lo's place */
} serbin_ctx;

static int serbin_file(void *p, int64_t f, int thread, td_err *err)
{
    const serbin_ctx *c = p;
    size_t vbytes = (size_t)c->length * c->is, rbytes = (size_t)(c->length + c->skip) * c->is;
    /* Whole records per read, about 4 MiB at a time. */
    size_t per = rbytes ? ((size_t)4 << 20) / rbytes : 1;
    if (per < 1)
        per = 1;
    const char *path = c->files->paths[f];
    /* this file's records among those read: [a, b) of the whole */
    int64_t a = c->first[f] > c->lo ? c->first[f] : c->lo,
            b = c->first[f + 1] < c->hi ? c->first[f + 1] : c->hi;
    int64_t nrec = b - a, infile = c->first[f + 1] - c->first[f];
    uint64_t at = (uint64_t)(a - c->first[f]) * rbytes;
    if (nrec <= 0)
        return 0;
    uint64_t size;
    int fd = io_open_regular(path, &size, err);
    if (fd < 0)
        return -1;
    char *buf = NULL;
    int rc = 0;
    char *out = c->dst + (size_t)(a - c->lo) * vbytes;
    if (size != (uint64_t)infile * rbytes) {
        rc = td_err_set(err, TD_EIO, "%s: the file changed while it was read", path);
    } else if (c->skip == 0) {
        rc = io_pread_all(fd, out, (size_t)nrec * rbytes, at, path, err);
    } else {
        if (!(buf = td_scratch_alloc((nrec < (int64_t)per ? (size_t)nrec : per) * rbytes, err)))
            rc = -1;
        for (int64_t r = 0; rc == 0 && r < nrec; r += (int64_t)per) {
            int64_t k = nrec - r < (int64_t)per ? nrec - r : (int64_t)per;
            rc = io_pread_all(fd, buf, (size_t)k * rbytes, at + (uint64_t)r * rbytes, path, err);
            for (int64_t q = 0; rc == 0 && q < k; q++)
                memcpy(out + (size_t)(r + q) * vbytes, buf + (size_t)q * rbytes + (size_t)c->skip * c->is,
                       vbytes);
        }
    }
    close(fd);
    td_scratch_free(buf);
    return rc;
}

td_series *io_series_frombinary(const char *path, const char *ext, const char *conf, int ndim,
                                const int64_t *shape, int dtype, int64_t skip, td_err *err)
{
    int nd;
    int64_t whole[ND_MAXDIM];
    return io_series_frombinary_part(path, ext, conf, ndim, shape, dtype, skip, 0, 0, &nd, whole, err);
}

td_series *io_series_frombinary_part(const char *path, const char *ext, const char *conf, int ndim,
                                     const int64_t *shape, int dtype, int64_t skip, int part_index,
                                     int part_count, int *whole_ndim, int64_t *whole_shape, td_err *err)
{
    json_t *j = NULL;
    if (conf_load(path, conf, &j, err) < 0)
        return NULL;
    td_series *out = NULL;
    io_files *files = NULL;
    nd_array *values = NULL;
    int64_t *first = NULL;
    char *pattern = NULL;
    int64_t shp[ND_MAXDIM];
    int nd = 0;
    td_dtype dt = TD_FLOAT64;
    /* The arguments win over the conf file here. */
    int have_dtype = dtype >= 0 ? 1 : conf_dtype(j, path, &dt, err);
    if (dtype >= TD_NDTYPES) {
        td_err_set(err, TD_ETYPE, "invalid dtype %d", dtype);
        goto done;
    }
    if (dtype >= 0)
        dt = (td_dtype)dtype;
    if (have_dtype < 0)
        goto done;
    int have_shape = 0;
    if (shape && ndim > 0) {
        if (ndim > ND_MAXDIM) {
            td_err_set(err, TD_EVALUE, "series of %d dimensions are not supported", ndim);
            goto done;
        }
        nd = ndim;
        memcpy(shp, shape, sizeof shp[0] * (size_t)nd);
        have_shape = 1;
    } else if ((have_shape = conf_shape(j, "shape", path, &nd, shp, err)) < 0) {
        goto done;
    }
    if (!have_dtype) {
        td_err_set(err, TD_EVALUE, "dtype not specified either in conf.json or as argument");
        goto done;
    }
    if (!have_shape || nd == 0) {
        td_err_set(err, TD_EVALUE, "shape not specified either in conf.json or as argument");
        goto done;
    }
    if (skip < 0) {
        td_err_set(err, TD_EVALUE, "skip must not be negative, got %lld", (long long)skip);
        goto done;
    }
    size_t total_bytes;
    if (td_nbytes(nd, shp, td_dtype_size(dt), &total_bytes, err) < 0)
        goto done;
    int64_t length = shp[nd - 1], expected = 1;
    for (int k = 0; k < nd - 1; k++)
        expected *= shp[k];
    size_t is = td_dtype_size(dt), rbytes;
    if (__builtin_add_overflow(length, skip, &rbytes) || td_mul_overflows(rbytes, is, &rbytes) ||
        rbytes == 0) {
        td_err_set(err, TD_EVALUE, "records of %lld values plus skip=%lld cannot be read", (long long)length,
                   (long long)skip);
        goto done;
    }
    if (!(pattern = io_add_extension(path, ext, err)))
        goto done;
    io_select sel = {.ext = ext};
    if (!(files = io_list_files(pattern, &sel, err)))
        goto done;
    first = calloc((size_t)files->n + 1, sizeof *first);
    if (!first) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    for (int64_t f = 0; f < files->n; f++) {
        uint64_t size;
        int fd = io_open_regular(files->paths[f], &size, err);
        if (fd < 0)
            goto done;
        close(fd);
        if (size % rbytes) {
            td_err_set(
                err, TD_EVALUE,
                "%s: %llu bytes is not a whole number of records of %zu bytes (%lld %s values, skip=%lld)",
                files->paths[f], (unsigned long long)size, rbytes, (long long)length, td_dtype_name(dt),
                (long long)skip);
            goto done;
        }
        first[f + 1] = first[f] + (int64_t)(size / rbytes);
    }
    if (first[files->n] != expected) {
        td_err_set(err, TD_EVALUE, "Unexpected shape, got %lld records but expected %lld",
                   (long long)first[files->n], (long long)expected);
        goto done;
    }
    int64_t lo = 0, hi = expected;
    bool part = part_count > 1 && expected >= part_count;
    if (part_count > 0 && (part_index < 0 || part_index >= part_count)) {
        td_err_set(err, TD_EVALUE, "part %d of %d does not exist", part_index, part_count);
        goto done;
    }
    if (part) {
        int64_t len;
        io_part_range(expected, part_index, part_count, &lo, &len);
        hi = lo + len;
    }
    int64_t pshape[2] = {hi - lo, length};
    values = part ? nd_new(dt, 2, pshape, err) : nd_new(dt, nd, shp, err);
    if (!values)
        goto done;
    *whole_ndim = nd;
    memcpy(whole_shape, shp, (size_t)nd * sizeof *shp);
    serbin_ctx c = {.files = files,
                    .first = first,
                    .lo = lo,
                    .hi = hi,
                    .length = length,
                    .skip = skip,
                    .is = is,
                    .dst = values->data};
    if (io_par_files(files->n, serbin_file, &c, err) < 0)
        goto done;
    if (dt == TD_BOOL)
        normalize_bools(values->data, nd_nbytes(values));
    out = ser_fromarray(values, NULL, err);
done:
    nd_release(values);
    free(first);
    free(pattern);
    io_files_free(files);
    json_decref(j);
    return out;
}

int io_series_write(const td_series *d, io_out *o, const char *prefix, int nbase, int64_t first, td_err *err)
{
    if (d->kind != TD_SERIES)
        return td_err_set(err, TD_ETYPE, "series tobinary needs Series");
    if (data_nrecords(d) == 0)
        return 0;
    /* Thunder names the one local file by the first record's key: a
     * "-00000" per base axis */
    char name[512];
    int n = snprintf(name, sizeof name, "%s", prefix ? prefix : "series");
    for (int k = 0; k < nbase && n < (int)sizeof name - 16; k++)
        n += snprintf(name + n, sizeof name - (size_t)n, "-00000");
    snprintf(name + n, sizeof name - (size_t)n, ".bin");
    nd_array *v = data_values(d, err);
    if (!v)
        return -1;
    uint64_t at = (uint64_t)first * (uint64_t)data_record_size(d) * td_dtype_size(data_dtype(d));
    int rc = first == 0 ? io_out_write(o, name, v->data, nd_nbytes(v), err)
                        : io_out_write_at(o, name, v->data, nd_nbytes(v), at, err);
    nd_release(v);
    return rc;
}

int io_series_tobinary(const td_series *d, const char *path, const char *prefix, bool overwrite, td_err *err)
{
    if (d->kind != TD_SERIES)
        return td_err_set(err, TD_ETYPE, "series tobinary needs Series");
    io_out *o = io_out_begin(path, overwrite, true, err);
    if (!o)
        return -1;
    if (io_series_write(d, o, prefix, data_ndim(d) - 1, 0, err) < 0) {
        io_out_abort(o);
        return -1;
    }
    return finish_output(o, data_ndim(d), data_shape(d), data_dtype(d), err);
}

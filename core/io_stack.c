/* Many image files into one Images, the way Thunder's fromtif/frompng
 * assemble them, without holding any file twice in memory.
 *
 * Pass one reads only what each file claims (shape, dtype, pages), in
 * parallel; that fixes how many images each file gives and where they go.
 * Pass two decodes every file straight into its slot of one array, again
 * one file per work item. */
#include "config.h"

#include "io_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thunder/par.h"

typedef struct stack_file {
    io_probe probe;
    int64_t nrec;  /* images this file gives */
    int64_t first; /* index of its first image */
    int64_t extra; /* pages dropped by discard_extra */
    size_t nbytes; /* bytes of the file's array that are kept */
} stack_file;

typedef struct stack_ctx {
    const io_files *files;
    const io_stack_ops *ops;
    stack_file *sf;
    char *dst;
    size_t recbytes;
} stack_ctx;

static int probe_file(void *p, int64_t i, int thread, td_err *err)
{
    stack_ctx *c = p;
    return c->ops->probe(c->files->paths[i], &c->sf[i].probe, err);
}

static int decode_file(void *p, int64_t i, int thread, td_err *err)
{
    stack_ctx *c = p;
    const stack_file *f = &c->sf[i];
    if (f->nrec == 0)
        return 0;
    return c->ops->decode(c->files->paths[i], &f->probe, c->dst + (size_t)f->first * c->recbytes, f->nbytes,
                          err);
}

/* numpy's squeeze(): every axis of length 1 goes. */
static int squeeze_shape(int ndim, int64_t *shape)
{
    int k = 0;
    for (int i = 0; i < ndim; i++)
        if (shape[i] != 1)
            shape[k++] = shape[i];
    return k;
}

/* The images file f gives and their shape, as Thunder's getarray. */
static int group_file(stack_file *f, const char *path, const io_stack_ops *ops, int64_t nplanes,
                      bool discard_extra, int *rnd, int64_t *rshape, td_err *err)
{
    const io_probe *a = &f->probe;
    size_t isz = td_dtype_size(a->dtype);
    int nd = a->ndim;
    memcpy(rshape, a->shape, sizeof a->shape[0] * (size_t)nd);
    if (nplanes == 0) {
        f->nrec = 1;
        if (td_nbytes(nd, a->shape, isz, &f->nbytes, err) < 0)
            return -1;
    } else {
        int64_t pages = a->shape[0];
        f->extra = pages % nplanes;
        if (f->extra && !discard_extra)
            return td_err_set(err, TD_EVALUE, "nplanes '%lld' does not evenly divide '%lld in file %s'",
                              (long long)nplanes, (long long)pages, path);
        f->nrec = (pages - f->extra) / nplanes;
        rshape[0] = nplanes;
        int64_t kept[ND_MAXDIM];
        memcpy(kept, a->shape, sizeof kept[0] * (size_t)nd);
        kept[0] = f->nrec * nplanes;
        if (td_nbytes(nd, kept, isz, &f->nbytes, err) < 0)
            return -1;
    }
    if (ops->squeeze3 && nd == 3)
        nd = squeeze_shape(nd, rshape);
    *rnd = nd;
    return 0;
}

td_images *io_read_stack(const char *path, const io_select *sel, const char *default_ext,
                         const io_stack_ops *ops, int64_t nplanes, bool discard_extra, td_err *err)
{
    if (nplanes < 0) {
        td_err_set(err, TD_EVALUE, "nplanes must be positive if passed, got %lld", (long long)nplanes);
        return NULL;
    }
    io_select dflt = {.ext = default_ext};
    io_files *files = io_list_files(path, sel ? sel : &dflt, err);
    if (!files)
        return NULL;
    td_images *out = NULL;
    nd_array *values = NULL;
    stack_file *sf = calloc((size_t)files->n, sizeof *sf);
    if (!sf) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    stack_ctx c = {.files = files, .ops = ops, .sf = sf};
    if (io_par_files(files->n, probe_file, &c, err) < 0)
        goto done;

    int rnd = 0, nd = 0;
    int64_t rshape[ND_MAXDIM], shape[ND_MAXDIM];
    int64_t total = 0, ref = -1;
    for (int64_t i = 0; i < files->n; i++) {
        stack_file *f = &sf[i];
        if (group_file(f, files->paths[i], ops, nplanes, discard_extra, &nd, shape, err) < 0)
            goto done;
        if (f->nrec == 0)
            continue;
        if (ref < 0) {
            ref = i;
            rnd = nd;
            memcpy(rshape, shape, sizeof shape[0] * (size_t)nd);
        } else if (nd != rnd || memcmp(shape, rshape, sizeof shape[0] * (size_t)nd) != 0 ||
                   f->probe.dtype != sf[ref].probe.dtype) {
            char s1[256], s2[256];
            nd_shape_str(rnd, rshape, s1, sizeof s1);
            nd_shape_str(nd, shape, s2, sizeof s2);
            td_err_set(err, TD_EVALUE,
                       "Arrays must all be of same shape and type; got both %s %s (%s) and %s %s (%s)", s1,
                       td_dtype_name(sf[ref].probe.dtype), files->paths[ref], s2,
                       td_dtype_name(f->probe.dtype), files->paths[i]);
            goto done;
        }
        f->first = total;
        total += f->nrec;
    }
    if (total == 0) {
        td_err_set(err, TD_EVALUE, "no images in the %lld selected %s file%s of %s", (long long)files->n,
                   ops->what, files->n == 1 ? "" : "s", path);
        goto done;
    }
    if (rnd + 1 > ND_MAXDIM) {
        td_err_set(err, TD_EVALUE, "%s: images of %d dimensions are not supported", files->paths[ref], rnd);
        goto done;
    }
    shape[0] = total;
    memcpy(shape + 1, rshape, sizeof rshape[0] * (size_t)rnd);
    values = nd_new(sf[ref].probe.dtype, rnd + 1, shape, err);
    if (!values)
        goto done;
    c.dst = values->data;
    c.recbytes = nd_nbytes(values) / (size_t)total;
    if (io_par_files(files->n, decode_file, &c, err) < 0)
        goto done;
    out = img_fromarray(values, err);
    if (out && sel && sel->warn) {
        for (int64_t i = 0; i < files->n; i++) {
            if (sf[i].extra && discard_extra) {
                char msg[TD_ERRMSG_MAX];
                snprintf(msg, sizeof msg, "Ignored %lld pages in file %s", (long long)sf[i].extra,
                         files->paths[i]);
                sel->warn(msg, sel->warn_user);
            }
        }
    }
done:
    nd_release(values);
    free(sf);
    io_files_free(files);
    return out;
}

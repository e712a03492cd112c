/* The thunder module (td), with its readers td.images.* and td.series.*. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "interp.h"
#include "thunder/examples.h"
#include "m_data.h"
#include "m_serops.h"

/* Labels given to a reader, checked against the new data. */
static value *attach_labels(td_data *d, value *labels, td_err *err)
{
    if (!d)
        return NULL;
    if (labels->kind == V_NONE)
        return val_data(d);
    nd_array *l = val_to_array(labels, err);
    td_data *wl = l ? data_with_labels(d, l, err) : NULL;
    nd_release(l);
    data_release(d);
    return wl ? val_data(wl) : NULL;
}

static int shape_of(value *t, int64_t *shape, int *ndim, td_err *err)
{
    if (t->u.seq.n > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "too many dimensions");
    *ndim = (int)t->u.seq.n;
    for (int i = 0; i < *ndim; i++)
        if (val_to_int(t->u.seq.items[i], &shape[i], err) < 0)
            return -1;
    return 0;
}

/* Thunder hashes the seed first; Python's hash of an int is the int itself
 * here (modulo 2**61 - 1, and -1 hashes to -2), which only matters for
 * seeds numpy refuses anyway. */
static value *random_reader(call_args *a, bool images, td_err *err)
{
    int64_t shape[ND_MAXDIM];
    int ndim = 0;
    int64_t seed;
    if (shape_of(a->v[0], shape, &ndim, err) < 0 || val_to_int(a->v[2], &seed, err) < 0)
        return NULL;
    td_data *d = images ? img_fromrandom(ndim, shape, seed, err) : ser_fromrandom(ndim, shape, seed, err);
    return d ? val_data(d) : NULL;
}

static value *m_images_fromrandom(call_args *a, td_err *err)
{
    return random_reader(a, true, err);
}

static value *m_series_fromrandom(call_args *a, td_err *err)
{
    return random_reader(a, false, err);
}

static value *m_images_fromarray(call_args *a, td_err *err)
{
    if (a->v[0]->kind == V_IMAGES)
        return val_retain(a->v[0]);
    nd_array *v = val_to_array(a->v[0], err);
    if (!v)
        return NULL;
    td_images *d = img_fromarray(v, err);
    nd_release(v);
    return attach_labels(d, a->v[1], err);
}

static value *m_series_fromarray(call_args *a, td_err *err)
{
    if (a->v[0]->kind == V_SERIES)
        return val_retain(a->v[0]);
    nd_array *v = val_to_array(a->v[0], err);
    if (!v)
        return NULL;
    td_series *d = ser_fromarray(v, NULL, err);
    nd_release(v);
    if (d && a->v[1]->kind != V_NONE) {
        /* numbers or strings (m_serops.h) */
        td_series *wi = series_with_index_value(d, a->v[1], err);
        data_release(d);
        d = wi;
    }
    return attach_labels(d, a->v[2], err);
}

struct accessor_ctx {
    interp *in;
    value *func;
    value *items;
    value **out;
};

static int accessor_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct accessor_ctx *c = p;
    for (int64_t i = begin; i < end; i++) {
        value *item = c->items->u.seq.items[i];
        c->out[i] = interp_call(c->in, c->func, 1, &item, err);
        if (!c->out[i])
            return -1;
    }
    return 0;
}

/* np.asarray([accessor(item) for item in items]), the accessor run in parallel. */
static nd_array *list_values(call_args *a, value *items, value *accessor, td_err *err)
{
    if (items->kind != V_LIST && items->kind != V_TUPLE) {
        if (accessor->kind == V_NONE)
            return val_to_array(items, err);
        td_err_set(err, TD_ETYPE, "fromlist() argument 'items' must be a list, not %s", val_type_name(items));
        return NULL;
    }
    if (accessor->kind == V_NONE)
        return val_to_array(items, err);
    int64_t n = items->u.seq.n;
    value **out = calloc((size_t)n + 1, sizeof *out);
    if (!out) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    struct accessor_ctx c = {a->in, accessor, items, out};
    nd_array *r = NULL;
    if (td_par_for(n, 1, accessor_kernel, &c, err) == 0) {
        value *list = val_list(out, n); /* takes the references */
        r = val_to_array(list, err);
        val_release(list);
    } else {
        for (int64_t i = 0; i < n; i++)
            val_release(out[i]);
    }
    free(out);
    return r;
}

static value *m_images_fromlist(call_args *a, td_err *err)
{
    nd_array *v = list_values(a, a->v[0], a->v[1], err);
    if (!v)
        return NULL;
    td_images *d = img_fromarray(v, err);
    nd_release(v);
    return attach_labels(d, a->v[5], err);
}

static value *m_series_fromlist(call_args *a, td_err *err)
{
    nd_array *v = list_values(a, a->v[0], a->v[1], err);
    if (!v)
        return NULL;
    if (a->v[4]->kind == V_DTYPE) {
        nd_array *c = nd_astype(v, a->v[4]->u.dtype, err);
        nd_release(v);
        if (!(v = c))
            return NULL;
    }
    td_series *d = ser_fromarray(v, NULL, err);
    nd_release(v);
    if (d && a->v[2]->kind != V_NONE) {
        td_series *wi = series_with_index_value(d, a->v[2], err);
        data_release(d);
        d = wi;
    }
    return attach_labels(d, a->v[3], err);
}

/* --- file readers --------------------------------------------------------------------------- */

/* Thunder's loggers print their warnings; ours go to the error stream. */
static void warn_out(const char *message, void *user)
{
    interp *in = user;
    interp_write(in, 2, "Warning: ", 9);
    interp_write(in, 2, message, strlen(message));
    interp_write(in, 2, "\n", 1);
}

/* The file selection of a reader from its ext, start, stop and recursive
 * arguments (each index < 0 when the reader has no such parameter). */
static int file_select(call_args *a, int ext, int start, int stop, int recursive, io_select *sel, td_err *err)
{
    *sel = (io_select){.warn = warn_out, .warn_user = a->in};
    if (ext >= 0 && a->v[ext]->kind == V_STR)
        sel->ext = a->v[ext]->u.str.s;
    if (start >= 0 && a->v[start]->kind != V_NONE) {
        sel->has_start = true;
        if (val_to_int(a->v[start], &sel->start, err) < 0)
            return -1;
    }
    if (stop >= 0 && a->v[stop]->kind != V_NONE) {
        sel->has_stop = true;
        if (val_to_int(a->v[stop], &sel->stop, err) < 0)
            return -1;
    }
    sel->recursive = recursive >= 0 && a->v[recursive]->u.b;
    /* under mpirun each rank may read its own part of the files (dist.c) */
    dist_reader_part(&sel->part_index, &sel->part_count);
    return 0;
}

/* nplanes None -> 0; Thunder refuses zero and negative counts. */
static int nplanes_arg(value *v, int64_t *out, td_err *err)
{
    *out = 0;
    if (v->kind == V_NONE)
        return 0;
    if (val_to_int(v, out, err) < 0)
        return -1;
    if (*out <= 0)
        return td_err_set(err, TD_EVALUE, "nplanes must be positive if passed, got %lld", (long long)*out);
    return 0;
}

/* An optional shape argument (a tuple of ints, or None). */
static int shape_arg(value *v, int64_t *shape, int *ndim, td_err *err)
{
    *ndim = 0;
    if (v->kind == V_NONE)
        return 0;
    return shape_of(v, shape, ndim, err);
}

/* Series readers: index and labels after the values are read. */
static value *series_result(td_series *d, value *index, value *labels, td_err *err)
{
    if (d && index->kind != V_NONE) {
        td_series *wi = series_with_index_value(d, index, err);
        data_release(d);
        d = wi;
    }
    return attach_labels(d, labels, err);
}

static value *m_images_fromtif(call_args *a, td_err *err)
{
    io_select sel;
    int64_t nplanes;
    if (file_select(a, 1, 2, 3, 4, &sel, err) < 0 || nplanes_arg(a->v[5], &nplanes, err) < 0)
        return NULL;
    td_images *d = io_images_fromtif(a->v[0]->u.str.s, &sel, nplanes, a->v[10]->u.b, err);
    return attach_labels(d, a->v[7], err);
}

static value *m_images_frompng(call_args *a, td_err *err)
{
    io_select sel;
    if (file_select(a, 1, 2, 3, 4, &sel, err) < 0)
        return NULL;
    return attach_labels(io_images_frompng(a->v[0]->u.str.s, &sel, err), a->v[6], err);
}

static value *m_images_frombinary(call_args *a, td_err *err)
{
    io_select sel;
    int64_t nplanes, shape[ND_MAXDIM];
    int ndim;
    if (file_select(a, 3, 4, 5, 6, &sel, err) < 0 || nplanes_arg(a->v[7], &nplanes, err) < 0 ||
        shape_arg(a->v[1], shape, &ndim, err) < 0)
        return NULL;
    const char *order = a->v[11]->u.str.s;
    if (strlen(order) != 1 || !strchr("CFA", order[0])) {
        td_err_set(err, TD_EVALUE, "order must be one of 'C', 'F' or 'A' (got '%.50s')", order);
        return NULL;
    }
    int dtype = a->v[2]->kind == V_DTYPE ? (int)a->v[2]->u.dtype : -1;
    td_images *d = io_images_frombinary(a->v[0]->u.str.s, &sel, ndim, ndim ? shape : NULL, dtype,
                                        a->v[10]->u.str.s, order[0], nplanes, err);
    return attach_labels(d, a->v[9], err);
}

/* frompath: Thunder hands its accessor (index, bytes, filename) for every
 * file and keeps the second item of each (key, image) pair the accessor
 * returns. The language has no bytes type; the file arrives as an int64
 * array holding one byte per element, so that indexing gives ints as
 * Python's bytes do. */
struct path_ctx {
    interp *in;
    value *accessor;
    const io_files *files;
    value **out;
    /* As libthunder's readers do, report the first failing file in order,
     * whatever the threads' timing. */
    pthread_mutex_t lock;
    int64_t failed; /* INT64_MAX: none */
    td_err err;
};

static int path_one(struct path_ctx *c, int64_t i, td_err *err)
{
    const char *name = c->files->paths[i];
    void *bytes;
    size_t len;
    if (io_read_file(name, 0, &bytes, &len, err) < 0)
        return -1;
    int64_t n = (int64_t)len;
    nd_array *arr = nd_new(TD_INT64, 1, &n, err);
    if (arr) {
        const uint8_t *b = bytes;
        int64_t *v = arr->data;
        for (int64_t k = 0; k < n; k++)
            v[k] = b[k];
    }
    td_scratch_free(bytes);
    if (!arr)
        return -1;
    value *items[3] = {val_int(i), val_array(arr), val_cstr(name)};
    value *t = val_tuple(items, 3);
    c->out[i] = interp_call(c->in, c->accessor, 1, &t, err);
    val_release(t);
    if (!c->out[i]) {
        td_err_prefix(err, "%s", name);
        return -1;
    }
    return 0;
}

static int path_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    (void)thread;
    struct path_ctx *c = p;
    for (int64_t i = begin; i < end; i++) {
        pthread_mutex_lock(&c->lock);
        bool later = c->failed < i;
        pthread_mutex_unlock(&c->lock);
        if (later)
            return 0;
        td_err e;
        td_err_clear(&e);
        if (path_one(c, i, &e) == 0)
            continue;
        if (e.kind == TD_ECANCEL) {
            *err = e;
            return -1;
        }
        pthread_mutex_lock(&c->lock);
        if (i < c->failed) {
            c->failed = i;
            c->err = e;
        }
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    return 0;
}

static value *m_images_frompath(call_args *a, td_err *err)
{
    io_select sel;
    if (file_select(a, 2, 3, 4, 5, &sel, err) < 0)
        return NULL;
    if (a->v[1]->kind == V_NONE) {
        td_err_set(err, TD_ETYPE,
                   "frompath() needs an accessor: a function of (index, bytes, filename) returning a "
                   "list of (key, image) pairs");
        return NULL;
    }
    io_files *files = io_list_files(a->v[0]->u.str.s, &sel, err);
    if (!files)
        return NULL;
    value **out = calloc((size_t)files->n + 1, sizeof *out);
    value *result = NULL, *list = NULL;
    if (!out) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    struct path_ctx c = {.in = a->in, .accessor = a->v[1], .files = files, .out = out, .failed = INT64_MAX};
    pthread_mutex_init(&c.lock, NULL);
    int rc = td_par_for(files->n, 1, path_kernel, &c, err);
    pthread_mutex_destroy(&c.lock);
    if (rc == 0 && c.failed != INT64_MAX) {
        *err = c.err;
        rc = -1;
    }
    if (rc < 0)
        goto done;
    int64_t total = 0;
    for (int64_t i = 0; i < files->n; i++) {
        if (out[i]->kind != V_LIST && out[i]->kind != V_TUPLE) {
            td_err_set(err, TD_ETYPE, "%s: the accessor must return a list of (key, image) pairs, not %s",
                       files->paths[i], val_type_name(out[i]));
            goto done;
        }
        total += out[i]->u.seq.n;
    }
    value **images = calloc((size_t)total + 1, sizeof *images);
    if (!images) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    int64_t k = 0;
    for (int64_t i = 0; i < files->n; i++)
        for (int64_t j = 0; j < out[i]->u.seq.n; j++) {
            value *kv = out[i]->u.seq.items[j];
            if ((kv->kind != V_LIST && kv->kind != V_TUPLE) || kv->u.seq.n < 2) {
                td_err_set(err, TD_ETYPE, "%s: the accessor must return (key, image) pairs, not %s",
                           files->paths[i], val_type_name(kv));
                for (int64_t q = 0; q < k; q++)
                    val_release(images[q]);
                free(images);
                goto done;
            }
            images[k++] = val_retain(kv->u.seq.items[1]);
        }
    list = val_list(images, total); /* takes the references */
    free(images);
    nd_array *v = val_to_array(list, err);
    td_images *d = v ? img_fromarray(v, err) : NULL;
    nd_release(v);
    result = attach_labels(d, a->v[9], err);
done:
    if (out)
        for (int64_t i = 0; i < files->n; i++)
            if (out[i])
                val_release(out[i]);
    free(out);
    if (list)
        val_release(list);
    io_files_free(files);
    return result;
}

static value *m_series_fromtext(call_args *a, td_err *err)
{
    int64_t skip, shape[ND_MAXDIM];
    int ndim;
    if (val_to_int(a->v[3], &skip, err) < 0 || shape_arg(a->v[4], shape, &ndim, err) < 0)
        return NULL;
    if (skip < 0) {
        td_err_set(err, TD_EVALUE, "skip must not be negative, got %lld", (long long)skip);
        return NULL;
    }
    const char *ext = a->v[1]->kind == V_STR ? a->v[1]->u.str.s : NULL;
    td_series *d = io_series_fromtext(a->v[0]->u.str.s, ext, skip, ndim, ndim ? shape : NULL, err);
    return series_result(d, a->v[5], a->v[6], err);
}

static value *m_series_frombinary(call_args *a, td_err *err)
{
    int64_t skip, shape[ND_MAXDIM];
    int ndim;
    if (val_to_int(a->v[5], &skip, err) < 0 || shape_arg(a->v[4], shape, &ndim, err) < 0)
        return NULL;
    const char *ext = a->v[1]->kind == V_STR ? a->v[1]->u.str.s : NULL;
    int dtype = a->v[3]->kind == V_DTYPE ? (int)a->v[3]->u.dtype : -1;
    td_series *d = io_series_frombinary(a->v[0]->u.str.s, ext, a->v[2]->u.str.s, ndim, ndim ? shape : NULL,
                                        dtype, skip, err);
    return series_result(d, a->v[6], a->v[7], err);
}

static value *m_images_fromnpy(call_args *a, td_err *err)
{
    nd_array *v = npy_load(a->v[0]->u.str.s, err);
    td_images *d = v ? img_fromarray(v, err) : NULL;
    nd_release(v);
    return attach_labels(d, a->v[1], err);
}

static value *m_series_fromnpy(call_args *a, td_err *err)
{
    nd_array *v = npy_load(a->v[0]->u.str.s, err);
    td_series *d = v ? ser_fromarray(v, NULL, err) : NULL;
    nd_release(v);
    return series_result(d, a->v[1], a->v[2], err);
}

/* fromexample: synthetic data unless THUNDER_EXAMPLES names a directory of
 * real copies; no name lists the datasets, as Thunder prints them. */
static value *example(call_args *a, td_kind kind, td_err *err)
{
    if (a->v[0]->kind == V_NONE) {
        const char *const *names = td_example_names(kind);
        const char *head =
            kind == TD_IMAGES ? "Available example image datasets\n" : "Available example series datasets\n";
        interp_write(a->in, 1, head, strlen(head));
        for (int i = 0; names[i]; i++) {
            interp_write(a->in, 1, "- ", 2);
            interp_write(a->in, 1, names[i], strlen(names[i]));
            interp_write(a->in, 1, "\n", 1);
        }
        return val_none();
    }
    if (a->v[0]->kind != V_STR) {
        td_err_set(err, TD_ETYPE, "fromexample() argument 'name' must be str or None, not %s",
                   val_type_name(a->v[0]));
        return NULL;
    }
    const char *dir = getenv("THUNDER_EXAMPLES");
    td_data *d = dir && *dir ? td_example_load(kind, a->v[0]->u.str.s, dir, err)
                             : td_example(kind, a->v[0]->u.str.s, err);
    return d ? val_data(d) : NULL;
}

static value *m_images_fromexample(call_args *a, td_err *err)
{
    return example(a, TD_IMAGES, err);
}

static value *m_series_fromexample(call_args *a, td_err *err)
{
    return example(a, TD_SERIES, err);
}

/* clang-format off */
static const reg_func td_images_funcs[] = {
    {"fromarray", m_images_fromarray, "Images from an array whose first axis indexes images.", 0,
     {P("values", PT_ANY, NULL), P("labels", PT_ANY, "None"), P("npartitions", PT_INT, "None"),
      P("engine", PT_ANY, "None"), END}},
    {"fromlist", m_images_fromlist, "Images from a list of items, through an optional accessor.", 0,
     {P("items", PT_ANY, NULL), P("accessor", PT_CALLABLE, "None"), P("keys", PT_ANY, "None"),
      P("dims", PT_SHAPE, "None"), P("dtype", PT_DTYPE, "None"), P("labels", PT_ANY, "None"),
      P("npartitions", PT_INT, "None"), P("engine", PT_ANY, "None"), END}},
    {"fromrandom", m_images_fromrandom, "Random images: record i is np.random.seed(seed + i); randn.", 0,
     {P("shape", PT_SHAPE, "(10, 50, 50)"), P("npartitions", PT_INT, "1"), P("seed", PT_INT, "42"),
      P("engine", PT_ANY, "None"), END}},
    {"fromtif", m_images_fromtif, "Images from single- or multi-page TIFF files (sorted, then start:stop).",
     0, {P("path", PT_STR, NULL), P("ext", PT_STR, "'tif'"), P("start", PT_INT, "None"),
         P("stop", PT_INT, "None"), P("recursive", PT_BOOL, "False"), P("nplanes", PT_INT, "None"),
         P("npartitions", PT_INT, "None"), P("labels", PT_ANY, "None"), P("engine", PT_ANY, "None"),
         P("credentials", PT_ANY, "None"), P("discard_extra", PT_BOOL, "False"), END}},
    {"frompng", m_images_frompng, "Images from PNG files: grey (H, W), RGB/RGBA (H, W, 3|4).", 0,
     {P("path", PT_STR, NULL), P("ext", PT_STR, "'png'"), P("start", PT_INT, "None"),
      P("stop", PT_INT, "None"), P("recursive", PT_BOOL, "False"), P("npartitions", PT_INT, "None"),
      P("labels", PT_ANY, "None"), P("engine", PT_ANY, "None"), P("credentials", PT_ANY, "None"), END}},
    {"frombinary", m_images_frombinary, "Images from flat binary files, one image per file (conf.json wins).",
     0, {P("path", PT_STR, NULL), P("shape", PT_SHAPE, "None"), P("dtype", PT_DTYPE, "None"),
         P("ext", PT_STR, "'bin'"), P("start", PT_INT, "None"), P("stop", PT_INT, "None"),
         P("recursive", PT_BOOL, "False"), P("nplanes", PT_INT, "None"), P("npartitions", PT_INT, "None"),
         P("labels", PT_ANY, "None"), P("conf", PT_STR, "'conf.json'"), P("order", PT_STR, "'C'"),
         P("engine", PT_ANY, "None"), P("credentials", PT_ANY, "None"), END}},
    {"frompath", m_images_frompath, "Images from files: accessor((index, bytes, name)) -> [(key, image)].",
     0, {P("path", PT_STR, NULL), P("accessor", PT_CALLABLE, "None"), P("ext", PT_STR, "None"),
         P("start", PT_INT, "None"), P("stop", PT_INT, "None"), P("recursive", PT_BOOL, "False"),
         P("npartitions", PT_INT, "None"), P("dims", PT_SHAPE, "None"), P("dtype", PT_DTYPE, "None"),
         P("labels", PT_ANY, "None"), P("recount", PT_BOOL, "False"), P("engine", PT_ANY, "None"),
         P("credentials", PT_ANY, "None"), END}},
    {"fromnpy", m_images_fromnpy, "Images from a .npy file whose first axis indexes images.", 0,
     {P("path", PT_STR, NULL), P("labels", PT_ANY, "None"), P("npartitions", PT_INT, "None"),
      P("engine", PT_ANY, "None"), P("credentials", PT_ANY, "None"), END}},
    {"fromexample", m_images_fromexample, "Example images 'mouse' or 'fish' (synthetic); no name lists them.",
     0, {P("name", PT_ANY, "None"), P("engine", PT_ANY, "None"), END}},
};
/* clang-format on */

/* clang-format off */
static const reg_func td_series_funcs[] = {
    {"fromarray", m_series_fromarray, "Series from an array whose last axis is the record.", 0,
     {P("values", PT_ANY, NULL), P("index", PT_ANY, "None"), P("labels", PT_ANY, "None"),
      P("npartitions", PT_INT, "None"), P("engine", PT_ANY, "None"), END}},
    {"fromlist", m_series_fromlist, "Series from a list of items, through an optional accessor.", 0,
     {P("items", PT_ANY, NULL), P("accessor", PT_CALLABLE, "None"), P("index", PT_ANY, "None"),
      P("labels", PT_ANY, "None"), P("dtype", PT_DTYPE, "None"), P("npartitions", PT_INT, "None"),
      P("engine", PT_ANY, "None"), END}},
    {"fromrandom", m_series_fromrandom, "Random series: record i is np.random.seed(seed + i); randn.", 0,
     {P("shape", PT_SHAPE, "(100, 10)"), P("npartitions", PT_INT, "1"), P("seed", PT_INT, "42"),
      P("engine", PT_ANY, "None"), END}},
    {"fromtext", m_series_fromtext, "Series from text files: one record per line, values split by spaces.",
     0, {P("path", PT_STR, NULL), P("ext", PT_STR, "'txt'"), P("dtype", PT_DTYPE, "'float64'"),
         P("skip", PT_INT, "0"), P("shape", PT_SHAPE, "None"), P("index", PT_ANY, "None"),
         P("labels", PT_ANY, "None"), P("npartitions", PT_INT, "None"), P("engine", PT_ANY, "None"),
         P("credentials", PT_ANY, "None"), END}},
    {"frombinary", m_series_frombinary, "Series from flat binary records (arguments win over conf.json).", 0,
     {P("path", PT_STR, NULL), P("ext", PT_STR, "'bin'"), P("conf", PT_STR, "'conf.json'"),
      P("dtype", PT_DTYPE, "None"), P("shape", PT_SHAPE, "None"), P("skip", PT_INT, "0"),
      P("index", PT_ANY, "None"), P("labels", PT_ANY, "None"), P("engine", PT_ANY, "None"),
      P("credentials", PT_ANY, "None"), END}},
    {"fromnpy", m_series_fromnpy, "Series from a .npy file whose last axis is the record.", 0,
     {P("path", PT_STR, NULL), P("index", PT_ANY, "None"), P("labels", PT_ANY, "None"),
      P("npartitions", PT_INT, "None"), P("engine", PT_ANY, "None"), P("credentials", PT_ANY, "None"),
      END}},
    {"fromexample", m_series_fromexample,
     "Example series 'iris', 'mouse' or 'fish' (synthetic); no name lists them.", 0,
     {P("name", PT_ANY, "None"), P("engine", PT_ANY, "None"), END}},
};
/* clang-format on */

static const reg_func td_funcs[1] = {{0}};

const reg_table reg_td_images = {"td.images", td_images_funcs,
                                 sizeof td_images_funcs / sizeof *td_images_funcs};
const reg_table reg_td_series = {"td.series", td_series_funcs,
                                 sizeof td_series_funcs / sizeof *td_series_funcs};
const reg_table reg_td = {"td", td_funcs, 0};

const module mod_td_images = {"thunder.images", &reg_td_images, NULL, NULL};
const module mod_td_series = {"thunder.series", &reg_td_series, NULL, NULL};
static const module *const td_submodules[] = {&mod_td_images, &mod_td_series, NULL};
static const char *const td_submodule_names[] = {"images", "series", NULL};
const module mod_thunder = {"thunder", &reg_td, td_submodules, td_submodule_names};

/* The thunder module (td), with its readers td.images.* and td.series.*. */
#include <stdlib.h>

#include "interp.h"
#include "m_data.h"

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
    nd_array *index = NULL;
    if (a->v[1]->kind != V_NONE && !(index = val_to_array(a->v[1], err))) {
        nd_release(v);
        return NULL;
    }
    td_series *d = ser_fromarray(v, index, err);
    nd_release(v);
    nd_release(index);
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
    nd_array *index = NULL;
    if (a->v[2]->kind != V_NONE && !(index = val_to_array(a->v[2], err))) {
        nd_release(v);
        return NULL;
    }
    if (a->v[4]->kind == V_DTYPE) {
        nd_array *c = nd_astype(v, a->v[4]->u.dtype, err);
        nd_release(v);
        if (!(v = c)) {
            nd_release(index);
            return NULL;
        }
    }
    td_series *d = ser_fromarray(v, index, err);
    nd_release(v);
    nd_release(index);
    return attach_labels(d, a->v[3], err);
}

#define P(name, type, def) {name, type, def}
#define END {0}

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
};

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
};

static const reg_func td_funcs[1] = {{0}};

const reg_table reg_td_images = {"td.images", td_images_funcs, sizeof td_images_funcs / sizeof *td_images_funcs};
const reg_table reg_td_series = {"td.series", td_series_funcs, sizeof td_series_funcs / sizeof *td_series_funcs};
const reg_table reg_td = {"td", td_funcs, 0};

const module mod_td_images = {"thunder.images", &reg_td_images, NULL, NULL};
const module mod_td_series = {"thunder.series", &reg_td_series, NULL, NULL};
static const module *const td_submodules[] = {&mod_td_images, &mod_td_series, NULL};
static const char *const td_submodule_names[] = {"images", "series", NULL};
const module mod_thunder = {"thunder", &reg_td, td_submodules, td_submodule_names};

/* Images and Series: construction, record access and the methods they share. */
#include "thunder/data.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "thunder/par.h"
#include "thunder/random.h"
#include "thunder/serops.h"

static td_data *data_alloc(td_kind kind, nd_array *values, nd_array *labels, nd_array *index, td_err *err)
{
    td_data *d = calloc(1, sizeof *d);
    if (!d) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    atomic_init((atomic_int *)&d->refcount, 1);
    d->kind = kind;
    d->values = nd_retain(values);
    d->labels = nd_retain(labels);
    d->index = nd_retain(index);
    return d;
}

td_data *data_retain(td_data *d)
{
    if (d)
        atomic_fetch_add_explicit((atomic_int *)&d->refcount, 1, memory_order_relaxed);
    return d;
}

void data_release(td_data *d)
{
    if (!d || atomic_fetch_sub_explicit((atomic_int *)&d->refcount, 1, memory_order_acq_rel) != 1)
        return;
    nd_release(d->values);
    nd_release(d->labels);
    nd_release(d->index);
    td_strtab_release(d->index_names);
    free(d);
}

/* --- shape and access ------------------------------------------------------ */

int data_nlead(const td_data *d)
{
    return d->kind == TD_IMAGES ? 1 : d->values->ndim - 1;
}

int64_t data_nrecords(const td_data *d)
{
    int64_t n = 1;
    for (int i = 0; i < data_nlead(d); i++)
        n *= d->values->shape[i];
    return n;
}

int64_t data_record_size(const td_data *d)
{
    int64_t n = 1;
    for (int i = data_nlead(d); i < d->values->ndim; i++)
        n *= d->values->shape[i];
    return n;
}

td_dtype data_dtype(const td_data *d)
{
    return d->values->dtype;
}

int data_ndim(const td_data *d)
{
    return d->values->ndim;
}

const int64_t *data_shape(const td_data *d)
{
    return d->values->shape;
}

const void *data_record(const td_data *d, int64_t i)
{
    return (const char *)d->values->data + i * data_record_size(d) * (int64_t)nd_itemsize(d->values);
}

nd_array *data_record_range(const td_data *d, int64_t begin, int64_t end, td_err *err)
{
    int64_t n = data_nrecords(d);
    if (begin < 0 || end < begin || end > n) {
        td_err_set(err, TD_EINDEX, "records %lld..%lld outside 0..%lld", (long long)begin, (long long)end,
                   (long long)n);
        return NULL;
    }
    int64_t shape[ND_MAXDIM];
    int ndim = 1;
    shape[0] = end - begin;
    for (int i = data_nlead(d); i < d->values->ndim; i++)
        shape[ndim++] = d->values->shape[i];
    return nd_view(d->values, begin * data_record_size(d), ndim, shape, err);
}

nd_array *data_values(const td_data *d, td_err *err)
{
    (void)err;
    return nd_retain(d->values);
}

int64_t ser_length(const td_series *d)
{
    return d->values->shape[d->values->ndim - 1];
}

nd_array *ser_index(const td_series *d, td_err *err)
{
    if (d->index)
        return nd_retain(d->index);
    return nd_arange(TD_INT64, ser_length(d), err);
}

/* --- construction ---------------------------------------------------------- */

td_images *img_fromarray(nd_array *values, td_err *err)
{
    if (values->ndim < 2) {
        td_err_set(err, TD_EVALUE, "Array for images must have at least 2 dimensions, got %d", values->ndim);
        return NULL;
    }
    if (values->ndim == 2) {
        /* One image: Thunder adds the leading record axis. */
        int64_t shape[3] = {1, values->shape[0], values->shape[1]};
        nd_array *v = nd_reshape(values, 3, shape, err);
        if (!v)
            return NULL;
        td_images *d = data_alloc(TD_IMAGES, v, NULL, NULL, err);
        nd_release(v);
        return d;
    }
    return data_alloc(TD_IMAGES, values, NULL, NULL, err);
}

/* Stacks n equally shaped arrays along a new first axis (np.asarray of a list). */
static nd_array *stack_items(int64_t n, nd_array *const *items, td_err *err)
{
    if (n <= 0) {
        td_err_set(err, TD_EVALUE, "cannot build data from an empty list");
        return NULL;
    }
    if (n > 0x7fffffff) {
        td_err_set(err, TD_EVALUE, "too many items: %lld", (long long)n);
        return NULL;
    }
    return nd_stack((int)n, items, 0, err);
}

td_images *img_fromlist(int64_t n, nd_array *const *items, td_err *err)
{
    nd_array *v = stack_items(n, items, err);
    if (!v)
        return NULL;
    td_images *d = img_fromarray(v, err);
    nd_release(v);
    return d;
}

static int check_index(const nd_array *index, int64_t length, td_err *err)
{
    if (!index)
        return 0;
    if (index->ndim < 1 || index->ndim > 2 || index->shape[0] != length)
        return td_err_set(err, TD_EVALUE, "Index length %lld not equal to record length %lld",
                          (long long)(index->ndim ? index->shape[0] : 1), (long long)length);
    return 0;
}

td_series *ser_fromarray(nd_array *values, nd_array *index, td_err *err)
{
    nd_array *v = NULL;
    if (values->ndim < 2) {
        /* One record: Thunder adds a leading axis (a 0-d value becomes one record of length 1). */
        int64_t shape[2] = {1, values->ndim ? values->shape[0] : 1};
        v = nd_reshape(values, 2, shape, err);
    } else {
        v = nd_retain(values);
    }
    if (!v)
        return NULL;
    td_series *d = NULL;
    if (check_index(index, v->shape[v->ndim - 1], err) == 0)
        d = data_alloc(TD_SERIES, v, NULL, index, err);
    nd_release(v);
    return d;
}

td_series *ser_fromlist(int64_t n, nd_array *const *items, nd_array *index, td_err *err)
{
    nd_array *v = stack_items(n, items, err);
    if (!v)
        return NULL;
    td_series *d = ser_fromarray(v, index, err);
    nd_release(v);
    return d;
}

struct random_ctx {
    nd_array *out;
    int64_t seed, recsize;
};

static int random_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct random_ctx *c = p;
    td_rng rng;
    double *out = c->out->data;
    for (int64_t i = begin; i < end; i++) {
        td_rng_seed(&rng, (uint32_t)(c->seed + i));
        for (int64_t j = 0; j < c->recsize; j++)
            out[i * c->recsize + j] = td_rng_gauss(&rng);
    }
    return 0;
}

/* Thunder seeds record i with seed + i, which numpy requires in [0, 2**32). */
static nd_array *random_records(int ndim, const int64_t *shape, int64_t seed, td_err *err)
{
    if (ndim < 1) {
        td_err_set(err, TD_EVALUE, "shape must have at least one dimension");
        return NULL;
    }
    int64_t n = shape[0];
    if (seed < 0 || n < 0 || seed > 0xffffffffLL - (n > 0 ? n - 1 : 0)) {
        td_err_set(err, TD_EVALUE, "Seed must be between 0 and 2**32 - 1 (for every record: seed + i)");
        return NULL;
    }
    nd_array *out = nd_new(TD_FLOAT64, ndim, shape, err);
    if (!out)
        return NULL;
    struct random_ctx c = {out, seed, n ? out->size / n : 0};
    if (td_par_for(n, 0, random_kernel, &c, err) < 0) {
        nd_release(out);
        return NULL;
    }
    return out;
}

td_images *img_fromrandom(int ndim, const int64_t *shape, int64_t seed, td_err *err)
{
    if (ndim < 2) {
        td_err_set(err, TD_EVALUE, "Array for images must have at least 2 dimensions, got %d", ndim);
        return NULL;
    }
    nd_array *v = random_records(ndim, shape, seed, err);
    if (!v)
        return NULL;
    td_images *d = img_fromarray(v, err);
    nd_release(v);
    return d;
}

td_series *ser_fromrandom(int ndim, const int64_t *shape, int64_t seed, td_err *err)
{
    /* Thunder draws randn(shape[1]) per record: the shape is (records, length). */
    if (ndim != 2) {
        td_err_set(err, TD_EVALUE, "series shape must be (records, length), got %d dimensions", ndim);
        return NULL;
    }
    nd_array *v = random_records(ndim, shape, seed, err);
    if (!v)
        return NULL;
    td_series *d = ser_fromarray(v, NULL, err);
    nd_release(v);
    return d;
}

/* --- derived values --------------------------------------------------------- */

static bool shape_eq(int n, const int64_t *a, int m, const int64_t *b)
{
    if (n != m)
        return false;
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

td_data *data_with_labels(const td_data *d, nd_array *labels, td_err *err)
{
    nd_array *l = NULL;
    if (labels) {
        int nlead = data_nlead(d);
        if (shape_eq(labels->ndim, labels->shape, nlead, d->values->shape))
            l = nd_retain(labels);
        else if (labels->size == data_nrecords(d) && labels->ndim == 1)
            l = nd_reshape(labels, nlead, d->values->shape, err);
        if (!l) {
            char a[128], b[128];
            td_err_set(err, TD_EVALUE, "Labels shape %s must be the same as the leading dimensions %s",
                       nd_shape_str(labels->ndim, labels->shape, a, sizeof a),
                       nd_shape_str(nlead, d->values->shape, b, sizeof b));
            return NULL;
        }
    }
    td_data *r = data_alloc(d->kind, d->values, l, d->index, err);
    if (r)
        r->index_names = td_strtab_retain(d->index_names);
    nd_release(l);
    return r;
}

td_series *ser_with_index(const td_series *d, nd_array *index, td_err *err)
{
    if (check_index(index, ser_length(d), err) < 0)
        return NULL;
    return data_alloc(d->kind, d->values, d->labels, index, err);
}

td_data *data_with_values(const td_data *d, nd_array *values, td_err *err)
{
    td_data *r = data_alloc(d->kind, values, d->labels, d->index, err);
    if (r)
        r->index_names = td_strtab_retain(d->index_names);
    return r;
}

/* --- the shared API ---------------------------------------------------------- */

int64_t data_count(const td_data *d)
{
    return data_nrecords(d);
}

nd_array *data_first(const td_data *d, td_err *err)
{
    if (data_nrecords(d) == 0) {
        td_err_set(err, TD_EINDEX, "no records: the data is empty");
        return NULL;
    }
    nd_array *r = data_record_range(d, 0, 1, err);
    if (!r)
        return NULL;
    nd_array *first = nd_view(r, 0, r->ndim - 1, r->shape + 1, err);
    nd_release(r);
    return first;
}

nd_array *data_toarray(const td_data *d, td_err *err)
{
    nd_array *v = data_values(d, err);
    if (!v)
        return NULL;
    nd_array *s = nd_squeeze(v, -1, err);
    nd_release(v);
    return s;
}

td_data *data_reduce(const td_data *d, nd_redop op, td_err *err)
{
    nd_array *recs = data_record_range(d, 0, data_nrecords(d), err);
    if (!recs)
        return NULL;
    /* (nrecords, *record_shape) -> (nrecords, recsize) -> reduce axis 0 -> (1, recsize) */
    int64_t flat[2] = {recs->shape[0], data_record_size(d)};
    nd_array *two = nd_reshape(recs, 2, flat, err);
    nd_release(recs);
    if (!two)
        return NULL;
    nd_array *red = nd_reduce(op, two, 0, true, 0, err);
    nd_release(two);
    if (!red)
        return NULL;
    int64_t shape[ND_MAXDIM];
    int ndim = 1;
    shape[0] = 1;
    for (int i = data_nlead(d); i < d->values->ndim; i++)
        shape[ndim++] = d->values->shape[i];
    nd_array *out = nd_reshape(red, ndim, shape, err);
    nd_release(red);
    if (!out)
        return NULL;
    /* Thunder builds a new object from the reduced values: no labels, default index. */
    td_data *r = d->kind == TD_IMAGES ? img_fromarray(out, err) : ser_fromarray(out, NULL, err);
    nd_release(out);
    return r;
}

td_data *data_astype(const td_data *d, td_dtype dtype, td_err *err)
{
    nd_array *v = nd_astype(d->values, dtype, err);
    if (!v)
        return NULL;
    td_data *r = data_with_values(d, v, err);
    nd_release(v);
    return r;
}

/* d with its values reshaped; Series labels follow the new base shape. */
static td_data *data_reshape_values(const td_data *d, int ndim, const int64_t *shape, td_err *err)
{
    nd_array *nv = nd_reshape(d->values, ndim, shape, err);
    if (!nv)
        return NULL;
    nd_array *labels = NULL;
    if (d->labels && d->kind == TD_SERIES) {
        labels = nd_reshape(d->labels, ndim - 1, shape, err);
        if (!labels) {
            nd_release(nv);
            return NULL;
        }
    } else {
        labels = nd_retain(d->labels);
    }
    td_data *r = data_alloc(d->kind, nv, labels, d->index, err);
    if (r)
        r->index_names = td_strtab_retain(d->index_names);
    nd_release(nv);
    nd_release(labels);
    return r;
}

td_data *data_squeeze(const td_data *d, td_err *err)
{
    const nd_array *v = d->values;
    int64_t shape[ND_MAXDIM];
    int ndim = 0;
    /* Thunder squeezes each image, keeping the first image axis when every
     * image axis has length 1; Series drop singleton base axes. */
    bool all_ones = data_record_size(d) == 1;
    for (int i = 0; i < v->ndim; i++) {
        bool keep;
        if (d->kind == TD_IMAGES)
            keep = i == 0 || v->shape[i] != 1 || (all_ones && i == 1);
        else
            keep = i == v->ndim - 1 || v->shape[i] != 1;
        if (keep)
            shape[ndim++] = v->shape[i];
    }
    return data_reshape_values(d, ndim, shape, err);
}

td_data *data_reshape(const td_data *d, int ndim, const int64_t *shape, td_err *err)
{
    const nd_array *v = d->values;
    int64_t total = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || __builtin_mul_overflow(total, shape[i], &total)) {
            total = -1;
            break;
        }
    }
    if (total != v->size) {
        td_err_set(err, TD_EVALUE, "Reshaping must leave the number of elements unchanged");
        return NULL;
    }
    if (d->kind == TD_IMAGES) {
        if (ndim < 1 || shape[0] != v->shape[0]) {
            td_err_set(err, TD_EVALUE, "Reshaping cannot change the number of images");
            return NULL;
        }
        if (ndim != 3 && ndim != 4) {
            td_err_set(err, TD_EVALUE, "Reshaping must produce 2d or 3d images");
            return NULL;
        }
    } else if (ndim < 1 || shape[ndim - 1] != v->shape[v->ndim - 1]) {
        td_err_set(err, TD_EVALUE,
                   "Reshaping cannot change the size of the constituent series (last dimension)");
        return NULL;
    }
    return data_reshape_values(d, ndim, shape, err);
}

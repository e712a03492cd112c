/* nd_array construction, reference counting, views and element access. */
#include "thunder/nd.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_ndim(int ndim, td_err *err)
{
    if (ndim < 0 || ndim > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "arrays may have at most %d dimensions, not %d", ND_MAXDIM, ndim);
    return 0;
}

/* Fills a zeroed header; the caller has checked ndim and the shape's size. */
static nd_array *init_header(nd_array *a, td_dtype dtype, int ndim, const int64_t *shape)
{
    atomic_init((atomic_int *)&a->refcount, 1);
    a->dtype = dtype;
    a->ndim = ndim;
    a->size = 1;
    for (int i = 0; i < ndim; i++) {
        a->shape[i] = shape[i];
        a->size *= shape[i];
    }
    return a;
}

/* A header of its own (for views and large arrays). */
static nd_array *header(td_dtype dtype, int ndim, const int64_t *shape, td_err *err)
{
    nd_array *a = td_obj_alloc(sizeof *a);
    if (!a) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    return init_header(a, dtype, ndim, shape);
}

/* A small array's header lives in its buffer's block: one allocation (and
 * one release) per array, which counts when a lambda makes a few small
 * arrays per record. It goes when the buffer goes, after the last view. */
static nd_array *alloc_array(td_dtype dtype, int ndim, const int64_t *shape, bool zeroed, td_err *err)
{
    size_t nbytes;
    if (check_ndim(ndim, err) < 0 || td_nbytes(ndim, shape, td_dtype_size(dtype), &nbytes, err) < 0)
        return NULL;
    void *obj;
    td_buf *buf = td_buf_new_obj(nbytes, zeroed, sizeof(nd_array), &obj, err);
    if (!buf)
        return NULL;
    nd_array *a = obj ? init_header(obj, dtype, ndim, shape) : header(dtype, ndim, shape, err);
    if (!a) {
        td_buf_release(buf);
        return NULL;
    }
    a->buf = buf;
    a->data = td_buf_data(buf);
    return a;
}

nd_array *nd_new(td_dtype dtype, int ndim, const int64_t *shape, td_err *err)
{
    return alloc_array(dtype, ndim, shape, false, err);
}

nd_array *nd_zeros(td_dtype dtype, int ndim, const int64_t *shape, td_err *err)
{
    return alloc_array(dtype, ndim, shape, true, err);
}

nd_array *nd_full_f64(td_dtype dtype, int ndim, const int64_t *shape, double value, td_err *err)
{
    nd_array *a = nd_new(dtype, ndim, shape, err);
    if (!a)
        return NULL;
    if (a->size > 0) {
        nd_set_f64(a, 0, value);
        size_t is = td_dtype_size(dtype);
        for (int64_t i = 1; i < a->size; i++)
            memcpy((char *)a->data + i * (int64_t)is, a->data, is);
    }
    return a;
}

nd_array *nd_scalar_f64(td_dtype dtype, double value, td_err *err)
{
    return nd_full_f64(dtype, 0, NULL, value, err);
}

nd_array *nd_scalar_i64(td_dtype dtype, int64_t value, td_err *err)
{
    nd_array *a = nd_new(dtype, 0, NULL, err);
    if (a)
        nd_set_i64(a, 0, value);
    return a;
}

nd_array *nd_from_buffer(td_dtype dtype, int ndim, const int64_t *shape, const void *src, td_err *err)
{
    nd_array *a = nd_new(dtype, ndim, shape, err);
    if (a && a->size)
        memcpy(a->data, src, nd_nbytes(a));
    return a;
}

nd_array *nd_arange(td_dtype dtype, int64_t n, td_err *err)
{
    int64_t shape[1] = {n < 0 ? 0 : n};
    nd_array *a = nd_new(dtype, 1, shape, err);
    if (!a)
        return NULL;
    for (int64_t i = 0; i < shape[0]; i++)
        nd_set_i64(a, i, i);
    return a;
}

nd_array *nd_retain(nd_array *a)
{
    if (a)
        atomic_fetch_add_explicit((atomic_int *)&a->refcount, 1, memory_order_relaxed);
    return a;
}

void nd_release(nd_array *a)
{
    if (!a || atomic_fetch_sub_explicit((atomic_int *)&a->refcount, 1, memory_order_acq_rel) != 1)
        return;
    if (td_buf_holds(a->buf, a)) {
        td_buf_release(a->buf); /* the header goes with the block */
        return;
    }
    td_buf_release(a->buf);
    td_obj_free(a, sizeof *a);
}

nd_array *nd_view(const nd_array *a, int64_t offset, int ndim, const int64_t *shape, td_err *err)
{
    size_t nbytes;
    if (check_ndim(ndim, err) < 0 || td_nbytes(ndim, shape, 1, &nbytes, err) < 0)
        return NULL;
    if (offset < 0 || (int64_t)nbytes > a->size - offset) {
        td_err_set(err, TD_EVALUE, "view outside the array");
        return NULL;
    }
    nd_array *v = header(a->dtype, ndim, shape, err);
    if (!v)
        return NULL;
    v->buf = td_buf_retain(a->buf);
    v->data = (char *)a->data + offset * (int64_t)td_dtype_size(a->dtype);
    return v;
}

/* One memcpy per run along the last axis. */
void nd_copy_box(nd_array *dst, const int64_t *dstart, const nd_array *src, const int64_t *sstart,
                 const int64_t *count)
{
    int n = src->ndim;
    size_t is = nd_itemsize(src);
    int64_t sst[ND_MAXDIM], dst_[ND_MAXDIM];
    int64_t s = 1, d = 1;
    for (int k = n - 1; k >= 0; k--) {
        sst[k] = s;
        dst_[k] = d;
        s *= src->shape[k];
        d *= dst->shape[k];
    }
    for (int k = 0; k < n; k++)
        if (count[k] <= 0)
            return;
    int64_t idx[ND_MAXDIM] = {0};
    size_t run = (size_t)count[n - 1] * is;
    for (;;) {
        int64_t so = 0, doff = 0;
        for (int k = 0; k < n; k++) {
            so += (sstart[k] + (k < n - 1 ? idx[k] : 0)) * sst[k];
            doff += (dstart[k] + (k < n - 1 ? idx[k] : 0)) * dst_[k];
        }
        memcpy((char *)dst->data + doff * (int64_t)is, (const char *)src->data + so * (int64_t)is, run);
        int k = n - 2;
        while (k >= 0 && ++idx[k] == count[k])
            idx[k--] = 0;
        if (k < 0)
            break;
    }
}

nd_array *nd_reshape(const nd_array *a, int ndim, const int64_t *shape, td_err *err)
{
    if (check_ndim(ndim, err) < 0)
        return NULL;
    int64_t s[ND_MAXDIM];
    int unknown = -1;
    int64_t known = 1;
    bool ok = true;
    for (int i = 0; i < ndim; i++) {
        s[i] = shape[i];
        if (s[i] == -1) {
            if (unknown >= 0) {
                td_err_set(err, TD_EVALUE, "can only specify one unknown dimension");
                return NULL;
            }
            unknown = i;
        } else if (s[i] < 0) {
            td_err_set(err, TD_EVALUE, "negative dimensions not allowed");
            return NULL;
        } else if (__builtin_mul_overflow(known, s[i], &known)) {
            ok = false;
        }
    }
    if (ok && unknown >= 0) {
        if (known > 0 && a->size % known == 0)
            s[unknown] = a->size / known;
        else
            ok = false;
    }
    int64_t total = 1;
    for (int i = 0; ok && i < ndim; i++)
        if (__builtin_mul_overflow(total, s[i], &total))
            ok = false;
    if (!ok || total != a->size) {
        /* numpy writes this shape without spaces: "(5,5)". */
        char buf[256];
        size_t used = (size_t)snprintf(buf, sizeof buf, "(");
        for (int i = 0; i < ndim && used < sizeof buf; i++)
            used +=
                (size_t)snprintf(buf + used, sizeof buf - used, "%s%lld", i ? "," : "", (long long)shape[i]);
        if (used < sizeof buf)
            snprintf(buf + used, sizeof buf - used, ndim == 1 ? ",)" : ")");
        td_err_set(err, TD_EVALUE, "cannot reshape array of size %lld into shape %s", (long long)a->size,
                   buf);
        return NULL;
    }
    return nd_view(a, 0, ndim, s, err);
}

nd_array *nd_squeeze(const nd_array *a, int axis, td_err *err)
{
    int64_t s[ND_MAXDIM];
    int n = 0;
    if (axis >= 0) {
        if (axis >= a->ndim) {
            td_err_set(err, TD_EVALUE, "axis %d is out of bounds for array of dimension %d", axis, a->ndim);
            return NULL;
        }
        if (a->shape[axis] != 1) {
            td_err_set(err, TD_EVALUE,
                       "cannot select an axis to squeeze out which has size not equal to one");
            return NULL;
        }
    }
    for (int i = 0; i < a->ndim; i++)
        if (!(a->shape[i] == 1 && (axis < 0 || axis == i)))
            s[n++] = a->shape[i];
    return nd_view(a, 0, n, s, err);
}

nd_array *nd_copy(const nd_array *a, td_err *err)
{
    return nd_from_buffer(a->dtype, a->ndim, a->shape, a->data, err);
}

size_t nd_itemsize(const nd_array *a)
{
    return td_dtype_size(a->dtype);
}

size_t nd_nbytes(const nd_array *a)
{
    return (size_t)a->size * td_dtype_size(a->dtype);
}

bool nd_same_shape(const nd_array *a, const nd_array *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

const char *nd_shape_str(int ndim, const int64_t *shape, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    size_t used = (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, ndim == 1 ? ",)" : ")");
    return buf;
}

double nd_get_f64(const nd_array *a, int64_t i)
{
    double v;
    if (a->dtype == TD_FLOAT64) {
        memcpy(&v, (const char *)a->data + i * (int64_t)sizeof v, sizeof v);
        return v;
    }
    nd_convert(&v, TD_FLOAT64, (const char *)a->data + i * (int64_t)nd_itemsize(a), a->dtype, 1);
    return v;
}

int64_t nd_get_i64(const nd_array *a, int64_t i)
{
    int64_t v;
    if (a->dtype == TD_INT64) {
        memcpy(&v, (const char *)a->data + i * (int64_t)sizeof v, sizeof v);
        return v;
    }
    nd_convert(&v, TD_INT64, (const char *)a->data + i * (int64_t)nd_itemsize(a), a->dtype, 1);
    return v;
}

void nd_set_f64(nd_array *a, int64_t i, double v)
{
    nd_convert((char *)a->data + i * (int64_t)nd_itemsize(a), a->dtype, &v, TD_FLOAT64, 1);
}

void nd_set_i64(nd_array *a, int64_t i, int64_t v)
{
    nd_convert((char *)a->data + i * (int64_t)nd_itemsize(a), a->dtype, &v, TD_INT64, 1);
}

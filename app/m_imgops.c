/* Images filters, projections, localcorr and the simple per-image methods
 * in the language: argument conversion around core/thunder/imgops.h. */
#include "m_imgops.h"

#include "dist.h"
#include "np_ops.h"

static const td_images *self_images(const call_args *a)
{
    return a->self->u.data;
}

static value *wrap(td_images *d)
{
    return d ? val_data(d) : NULL;
}

/* A PT_SHAPE argument (a tuple of ints) as an array of at most ND_MAXDIM. */
static int ints_of(const value *t, const char *what, int64_t *out, int *n, td_err *err)
{
    if (t->u.seq.n < 1 || t->u.seq.n > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "%s must be an int or a sequence of 1 to %d ints", what, ND_MAXDIM);
    *n = (int)t->u.seq.n;
    for (int i = 0; i < *n; i++)
        out[i] = t->u.seq.items[i]->u.i;
    return 0;
}

/* A PT_NUMS argument (a number or a tuple of numbers) as doubles. */
static int nums_of(const value *v, const char *what, double *out, int *n, td_err *err)
{
    if (v->kind != V_TUPLE) {
        *n = 1;
        return val_to_double(v, out, err);
    }
    if (v->u.seq.n < 1 || v->u.seq.n > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "%s must be a number or a sequence of 1 to %d numbers", what,
                          ND_MAXDIM);
    *n = (int)v->u.seq.n;
    for (int i = 0; i < *n; i++)
        if (val_to_double(v->u.seq.items[i], &out[i], err) < 0)
            return -1;
    return 0;
}

value *m_images_gaussian_filter(call_args *a, td_err *err)
{
    double sigma[ND_MAXDIM];
    int64_t order[ND_MAXDIM];
    int ns = 0, no = 0;
    if (nums_of(a->v[0], "sigma", sigma, &ns, err) < 0 || ints_of(a->v[1], "order", order, &no, err) < 0)
        return NULL;
    return wrap(img_gaussian_filter(self_images(a), ns, sigma, no, order, err));
}

value *m_images_uniform_filter(call_args *a, td_err *err)
{
    int64_t size[ND_MAXDIM];
    int n = 0;
    if (ints_of(a->v[0], "size", size, &n, err) < 0)
        return NULL;
    return wrap(img_uniform_filter(self_images(a), n, size, err));
}

value *m_images_median_filter(call_args *a, td_err *err)
{
    int64_t size[ND_MAXDIM];
    int n = 0;
    if (ints_of(a->v[0], "size", size, &n, err) < 0)
        return NULL;
    return wrap(img_median_filter(self_images(a), n, size, err));
}

value *m_images_localcorr(call_args *a, td_err *err)
{
    /* the seed calls it neighborhood, Thunder 1.4.2 size: size wins when given */
    const value *arg = a->v[1]->kind != V_NONE ? a->v[1] : a->v[0];
    int64_t size[ND_MAXDIM];
    int n = 0;
    if (ints_of(arg, "size", size, &n, err) < 0)
        return NULL;
    if (a->self->part) /* distributed: each rank's images, merged */
        return dist_localcorr(a->self, n, size, err);
    nd_array *r = img_localcorr(self_images(a), n, size, err);
    return r ? val_array(r) : NULL;
}

value *m_images_max_projection(call_args *a, td_err *err)
{
    return wrap(img_max_projection(self_images(a), a->v[0]->u.i, err));
}

value *m_images_max_min_projection(call_args *a, td_err *err)
{
    return wrap(img_max_min_projection(self_images(a), a->v[0]->u.i, err));
}

value *m_images_subsample(call_args *a, td_err *err)
{
    int64_t f[ND_MAXDIM];
    int n = 0;
    if (ints_of(a->v[0], "factor", f, &n, err) < 0)
        return NULL;
    return wrap(img_subsample(self_images(a), n, f, err));
}

value *m_images_subtract(call_args *a, td_err *err)
{
    const td_images *d = self_images(a);
    const value *val = a->v[0];
    if (val->kind == V_INT || val->kind == V_BOOL)
        return wrap(img_subtract_scalar(d, val->kind == V_BOOL ? TD_SCALAR_BOOL : TD_SCALAR_INT,
                                        val->kind == V_BOOL ? val->u.b : val->u.i, 0, err));
    if (val->kind == V_FLOAT)
        return wrap(img_subtract_scalar(d, TD_SCALAR_FLOAT, 0, val->u.f, err));
    /* Thunder checks the shape of an ndarray only; numpy scalars and lists broadcast */
    if (val->kind == V_ARRAY && !val->u.arr.scalar)
        return wrap(img_subtract_image(d, val->u.arr.a, err));
    if (!(val->kind == V_ARRAY || val->kind == V_LIST || val->kind == V_TUPLE)) {
        td_err_set(err, TD_ETYPE, "unsupported operand type(s) for -: 'ndarray' and '%s'",
                   val_type_name(val));
        return NULL;
    }
    nd_array *x = val_to_array(val, err);
    if (!x)
        return NULL;
    nd_array *r = np_binary_arrays(ND_SUB, d->values, x, err);
    nd_release(x);
    if (!r)
        return NULL;
    td_images *out = NULL;
    if (r->ndim != d->values->ndim || r->shape[0] != d->values->shape[0]) {
        char s[128];
        td_err_set(err, TD_EVALUE, "subtracting gives images of shape %s, not one image per image",
                   nd_shape_str(r->ndim, r->shape, s, sizeof s));
    } else {
        out = data_with_values(d, r, err);
    }
    nd_release(r);
    return wrap(out);
}

value *m_images_sample(call_args *a, td_err *err)
{
    /* Thunder's local mode draws from numpy's global generator; a given seed is not used */
    td_rng *rng = np_random_acquire();
    td_images *r = img_sample(self_images(a), a->v[0]->u.i, rng, a->v[1]->kind == V_NONE, err);
    np_random_release();
    return wrap(r);
}

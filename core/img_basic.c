/* The simple Images methods: subsample, subtract and sample. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "thunder/imgops.h"
#include "thunder/par.h"

td_images *img_subsample(const td_images *d, int nfactor, const int64_t *factor, td_err *err)
{
    const nd_array *v = d->values;
    int nd = v->ndim - 1;
    if (nfactor < 1) {
        td_err_set(err, TD_EVALUE, "subsample needs a factor");
        return NULL;
    }
    /* Thunder takes factor[i] for each image axis i and checks every entry given. */
    if (nfactor != 1 && nfactor < nd) {
        td_err_set(err, TD_EINDEX, "list index out of range");
        return NULL;
    }
    for (int i = 0; i < nfactor; i++)
        if (factor[i] <= 0) {
            char list[512];
            size_t len = 0;
            list[0] = 0;
            int count = nfactor == 1 ? nd : nfactor;
            for (int k = 0; k < count && len < sizeof list - 32; k++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%lld", k ? ", " : "",
                                        (long long)factor[nfactor == 1 ? 0 : k]);
            td_err_set(err, TD_EVALUE, "All sampling factors must be positive; got [%s]", list);
            return NULL;
        }
    nd_index idx[ND_MAXDIM];
    memset(idx, 0, sizeof idx);
    idx[0].kind = ND_IDX_SLICE;
    idx[0].step = 1;
    for (int i = 0; i < nd; i++) {
        idx[i + 1].kind = ND_IDX_SLICE;
        idx[i + 1].step = factor[nfactor == 1 ? 0 : i];
    }
    nd_array *out = nd_index_get(v, v->ndim, idx, err);
    if (!out)
        return NULL;
    td_images *r = data_with_values(d, out, err);
    nd_release(out);
    return r;
}

td_images *img_subtract_scalar(const td_images *d, td_scalar_kind kind, int64_t ival, double fval,
                               td_err *err)
{
    nd_array *out = nd_binary_scalar(ND_SUB, d->values, kind, ival, fval, false, err);
    if (!out)
        return NULL;
    td_images *r = data_with_values(d, out, err);
    nd_release(out);
    return r;
}

td_images *img_subtract_image(const td_images *d, const nd_array *image, td_err *err)
{
    const nd_array *v = d->values;
    bool same = image->ndim == v->ndim - 1;
    for (int i = 0; same && i < image->ndim; i++)
        same = image->shape[i] == v->shape[i + 1];
    if (!same) {
        char a[256], b[256];
        td_err_set(err, TD_EVALUE, "Cannot subtract image with dimensions %s from images with dimension %s",
                   nd_shape_str(image->ndim, image->shape, a, sizeof a),
                   nd_shape_str(v->ndim - 1, v->shape + 1, b, sizeof b));
        return NULL;
    }
    nd_array *out = nd_binary(ND_SUB, v, image, err);
    if (!out)
        return NULL;
    td_images *r = data_with_values(d, out, err);
    nd_release(out);
    return r;
}

struct sample_ctx {
    const nd_array *in;
    nd_array *out;
    const int64_t *pick;
    size_t bytes; /* of one image */
};

static int sample_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const struct sample_ctx *c = p;
    for (int64_t i = begin; i < end; i++)
        memcpy((char *)c->out->data + (size_t)i * c->bytes,
               (const char *)c->in->data + (size_t)c->pick[i] * c->bytes, c->bytes);
    (void)thread;
    (void)err;
    return 0;
}

td_images *img_sample(const td_images *d, int64_t nsamples, td_rng *rng, bool draw_seed, td_err *err)
{
    const nd_array *v = d->values;
    int64_t n = v->shape[0];
    if (nsamples < 1) {
        td_err_set(err, TD_EVALUE, "Number of samples must be larger than 0, got '%lld'",
                   (long long)nsamples);
        return NULL;
    }
    if (n < 1) {
        td_err_set(err, TD_EINDEX, "index 0 is out of bounds for axis 0 with size 0");
        return NULL;
    }
    int64_t shape[ND_MAXDIM];
    memcpy(shape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
    shape[0] = nsamples;
    nd_array *picks = nd_new(TD_INT64, 1, &nsamples, err);
    if (!picks)
        return NULL;
    int64_t *pick = picks->data;
    /* Thunder's local sample: seed = random.randint(0, 2**32) when none was
     * given (and then unused), inds = int(k) for k in random.rand(nsamples) * n. */
    if (draw_seed)
        (void)td_rng_below(rng, (int64_t)1 << 32);
    for (int64_t i = 0; i < nsamples; i++) {
        double k = td_rng_double(rng) * (double)n;
        int64_t j = (int64_t)k;
        pick[i] = j < n ? j : n - 1;
    }
    nd_array *out = nd_new(v->dtype, v->ndim, shape, err);
    if (!out) {
        nd_release(picks);
        return NULL;
    }
    struct sample_ctx c = {v, out, pick, (size_t)(v->size / n) * td_dtype_size(v->dtype)};
    td_images *r = NULL;
    if (td_par_for(nsamples, 0, sample_kernel, &c, err) == 0)
        r = img_fromarray(out, err);
    nd_release(out);
    nd_release(picks);
    return r;
}

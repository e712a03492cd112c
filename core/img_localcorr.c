/* localcorr: per pixel, the Pearson correlation across images between the
 * image and its uniform_filter (Thunder blurs with uniform_filter, then
 * takes corrcoef(x, blurred)[0, 1] of every pixel's time course).
 *
 * Work items are bands of rows along the first image axis. For each band
 * the images are visited in order: the band of the blurred image is
 * computed on the fly (img_sep_band, stored into the dtype as Thunder's
 * blurred Images would hold it) and both time courses are accumulated
 * with Welford's updates, so nothing bigger than a band is ever held
 * besides the output. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img_internal.h"
#include "thunder/imgops.h"
#include "thunder/mem.h"
#include "thunder/par.h"

struct lc_ctx {
    const img_sep *plan;
    const nd_array *in;
    nd_array *out; /* the correlations, or with moments the 5 planes of them */
    bool moments;
    int64_t nimg, nbands, groups;
    bool carried; /* the axis-0 running sums must be carried from row 0 */
    img_sep_work *work;
    double **acc;   /* per thread: 5 x band x inner accumulators, then band x inner for x */
    double **carry; /* per thread, when carried: nimg x inner running sums */
};

/* Welford's update of means and co-moments for one image's band. */
static void lc_update(double *restrict mx, double *restrict my, double *restrict cxx, double *restrict cyy,
                      double *restrict cxy, const double *restrict x, const double *restrict y, int64_t m,
                      double inv)
{
    for (int64_t j = 0; j < m; j++) {
        double dx = x[j] - mx[j], dy = y[j] - my[j];
        mx[j] += dx * inv;
        my[j] += dy * inv;
        double ex = x[j] - mx[j], ey = y[j] - my[j];
        cxx[j] += dx * ex;
        cyy[j] += dy * ey;
        cxy[j] += dx * ey;
    }
}

/* corrcoef's arithmetic: c = comoments / (n - 1), then c01 / sqrt(c00) / sqrt(c11), clipped. */
void img_localcorr_finish(double *restrict o, const double *cxx, const double *cyy, const double *cxy, int64_t m,
                          int64_t n)
{
    double f = 1.0 / (double)(n - 1);
    for (int64_t j = 0; j < m; j++) {
        double r = cxy[j] * f / sqrt(cxx[j] * f) / sqrt(cyy[j] * f);
        if (r > 1.0)
            r = 1.0;
        else if (r < -1.0)
            r = -1.0;
        o[j] = r;
    }
}

static int lc_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    struct lc_ctx *c = p;
    const img_sep *s = c->plan;
    img_sep_work *w = &c->work[thread];
    int64_t inner = s->inner, imgsize = s->dim[0] * inner;
    size_t isz = td_dtype_size(s->dtype);
    td_dtype st = s->dtype == TD_BOOL ? TD_UINT8 : s->dtype;
    int64_t cap = s->band * inner;
    double *mx = c->acc[thread], *my = mx + cap, *cxx = my + cap, *cyy = cxx + cap, *cxy = cyy + cap;
    double *xb = cxy + cap;
    for (int64_t g = begin; g < end; g++) {
        int64_t b0 = g * c->nbands / c->groups, b1 = (g + 1) * c->nbands / c->groups;
        if (c->carried && b0 < b1) {
            /* start the running sums of every image at the group's first row */
            for (int64_t t = 0; t < c->nimg; t++)
                img_sep_warm(s, w, (const char *)c->in->data + (size_t)(t * imgsize) * isz, b0 * s->band,
                             c->carry[thread] + t * inner);
        }
        for (int64_t bi = b0; bi < b1; bi++) {
            int64_t a = bi * s->band, b = a + s->band < s->dim[0] ? a + s->band : s->dim[0];
            int64_t m = (b - a) * inner;
            memset(mx, 0, sizeof(double) * (size_t)(5 * cap));
            for (int64_t t = 0; t < c->nimg; t++) {
                const char *src = (const char *)c->in->data + (size_t)(t * imgsize) * isz;
                bool valid = c->carried && a > 0;
                double *carry = c->carried ? c->carry[thread] + t * inner : NULL;
                img_sep_band(s, w, src, a, b, carry, &valid, true);
                nd_convert(xb, TD_FLOAT64, src + (size_t)(a * inner) * isz, st, m);
                lc_update(mx, my, cxx, cyy, cxy, xb, w->work, m, 1.0 / (double)(t + 1));
            }
            if (c->moments) {
                int64_t plane = c->out->size / 5;
                const double *src[5] = {mx, my, cxx, cyy, cxy};
                for (int k = 0; k < 5; k++)
                    memcpy((double *)c->out->data + k * plane + a * inner, src[k], sizeof(double) * (size_t)m);
            } else {
                img_localcorr_finish((double *)c->out->data + a * inner, cxx, cyy, cxy, m, c->nimg);
            }
        }
    }
    (void)err;
    return 0;
}

static nd_array *localcorr(const td_images *d, int nsize, const int64_t *size, bool moments, td_err *err)
{
    const nd_array *v = d->values;
    int nd = v->ndim - 1;
    int64_t dim[ND_MAXDIM], sz[ND_MAXDIM], odim[ND_MAXDIM + 1];
    odim[0] = 5;
    for (int k = 0; k < nd; k++)
        odim[k + 1] = dim[k] = v->shape[k + 1];
    bool planes;
    if (img_filter_sizes(nd, nsize, size, sz, &planes, err) < 0)
        return NULL;
    img_sep s;
    if (img_sep_uniform(&s, v->dtype, nd, dim, sz, err) < 0)
        return NULL;
    int threads = td_par_threads();
    nd_array *out = moments ? nd_new(TD_FLOAT64, nd + 1, odim, err) : nd_new(TD_FLOAT64, nd, dim, err);
    struct lc_ctx c = {&s, v, out, moments, v->shape[0], 0, 0, false, NULL, NULL, NULL};
    nd_array *result = NULL;
    if (!out)
        goto done;
    c.work = calloc((size_t)threads, sizeof *c.work);
    c.acc = calloc((size_t)threads, sizeof *c.acc);
    c.carry = calloc((size_t)threads, sizeof *c.carry);
    if (!c.work || !c.acc || !c.carry) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    c.nbands = dim[0] > 0 ? (dim[0] + s.band - 1) / s.band : 0;
    c.carried = s.npass > 0 && s.pass[0].axis == 0 && !s.restartable;
    c.groups = c.carried ? (c.nbands < threads ? c.nbands : threads) : c.nbands;
    size_t accbytes, carrybytes = 0;
    if (td_mul_overflows((size_t)(s.band * s.inner), 6 * sizeof(double), &accbytes) ||
        (c.carried && td_mul_overflows((size_t)c.nimg * (size_t)s.inner, sizeof(double), &carrybytes))) {
        td_err_set(err, TD_EMEMORY, "localcorr scratch too large");
        goto done;
    }
    for (int t = 0; t < threads; t++) {
        if (img_sep_work_init(&s, &c.work[t], err) < 0 || !(c.acc[t] = td_scratch_alloc(accbytes, err)))
            goto done;
        if (c.carried && !(c.carry[t] = td_scratch_alloc(carrybytes, err)))
            goto done;
    }
    if (out->size > 0 && td_par_for(c.groups, 1, lc_kernel, &c, err) < 0)
        goto done;
    result = nd_retain(out);
done:
    for (int t = 0; t < threads; t++) {
        if (c.work && c.work[t].block)
            img_sep_work_free(&c.work[t]);
        if (c.acc)
            td_scratch_free(c.acc[t]);
        if (c.carry)
            td_scratch_free(c.carry[t]);
    }
    free(c.work);
    free(c.acc);
    free(c.carry);
    nd_release(out);
    img_sep_free(&s);
    return result;
}

nd_array *img_localcorr(const td_images *d, int nsize, const int64_t *size, td_err *err)
{
    return localcorr(d, nsize, size, false, err);
}

nd_array *img_localcorr_moments(const td_images *d, int nsize, const int64_t *size, td_err *err)
{
    return localcorr(d, nsize, size, true, err);
}

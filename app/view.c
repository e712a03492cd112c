/* show() and stats(): from a value to an image, a curve or statistics. */
#include "view.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"

static view *view_alloc(view_kind kind, td_err *err)
{
    view *v = calloc(1, sizeof *v);
    if (!v) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    v->kind = kind;
    return v;
}

void view_free(view *v)
{
    if (!v)
        return;
    nd_release(v->pix);
    free(v);
}

static void desc_add(char *desc, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void desc_add(char *desc, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(desc);
    if (n && n + 2 < cap) {
        memcpy(desc + n, ", ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc + n, cap - n, fmt, ap);
    va_end(ap);
}

/* --- ranges ----------------------------------------------------------------------- */

/* Rearranges x so that x[k] is the k-th smallest, smaller ones before it
 * and larger ones after (Hoare's selection with a median-of-three pivot). */
static void select_kth(double *x, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n - 1;
    while (hi > lo) {
        int64_t mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* numpy's 'linear' percentile of the n values in x (reordered). */
static double percentile_of(double *x, int64_t n, double q)
{
    double pos = q / 100.0 * (double)(n - 1);
    int64_t k = (int64_t)floor(pos);
    if (k < 0)
        k = 0;
    if (k > n - 1)
        k = n - 1;
    select_kth(x, n, k);
    double a = x[k];
    if (k + 1 >= n)
        return a;
    double b = x[k + 1];
    for (int64_t i = k + 2; i < n; i++)
        if (x[i] < b)
            b = x[i];
    double t = pos - (double)k;
    /* numpy's _lerp form, exact at both ends */
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

void view_range(const double *x, int64_t n, double qlo, double qhi, double *lo, double *hi)
{
    *lo = 0;
    *hi = 1;
    double *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
    if (!tmp)
        return;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            tmp[m++] = x[i];
    if (m > 0) {
        *lo = percentile_of(tmp, m, qlo);
        *hi = percentile_of(tmp, m, qhi);
    }
    free(tmp);
}

static void minmax_range(const double *x, int64_t n, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        a = x[i] < a ? x[i] : a;
        b = x[i] > b ? x[i] : b;
    }
    *lo = a > b ? 0 : a;
    *hi = a > b ? 1 : b;
}

/* A flat range still needs some height to draw. */
static void widen(double *lo, double *hi)
{
    if (*hi > *lo)
        return;
    double pad = fabs(*lo) > 1 ? fabs(*lo) * 1e-3 : 0.5;
    *lo -= pad;
    *hi += pad;
}

/* --- show -------------------------------------------------------------------------- */

static int norm_axis(int64_t axis, int ndim, int *out, td_err *err)
{
    int64_t ax = axis < 0 ? axis + ndim : axis;
    if (ax < 0 || ax >= ndim)
        return td_err_set(err, TD_EVALUE, "axis %lld is out of bounds for array of dimension %d",
                          (long long)axis, ndim);
    *out = (int)ax;
    return 0;
}

/* a[:, ..., index] with index at position axis. */
static nd_array *take(const nd_array *a, int axis, int64_t index, td_err *err)
{
    nd_index idx[ND_MAXDIM];
    memset(idx, 0, sizeof idx);
    for (int i = 0; i < axis; i++) {
        idx[i].kind = ND_IDX_SLICE;
        idx[i].step = 1;
    }
    idx[axis].kind = ND_IDX_INT;
    idx[axis].i = index;
    return nd_index_get(a, axis + 1, idx, err);
}

static const char *proj_name(view_proj p)
{
    return p == VIEW_PROJ_MAX ? "max" : "mean";
}

/* Takes over a (any dtype, one or two axes) and makes it the view's float64 pixels. */
static view *finish(nd_array *a, const char *name, const char *desc, view_cmap cmap, td_err *err)
{
    nd_array *f = nd_astype(a, TD_FLOAT64, err);
    nd_release(a);
    if (!f)
        return NULL;
    view *v = view_alloc(f->ndim == 1 ? VIEW_LINE : VIEW_IMAGE, err);
    if (!v) {
        nd_release(f);
        return NULL;
    }
    v->pix = f;
    v->cmap = cmap;
    snprintf(v->title, sizeof v->title, "%s%s%s", name, desc[0] ? ": " : "", desc);
    const double *px = f->data;
    if (v->kind == VIEW_IMAGE) {
        view_range(px, f->size, 1, 99, &v->lo, &v->hi);
    } else {
        minmax_range(px, f->size, &v->lo, &v->hi);
        v->x0 = 0;
        v->x1 = (double)(f->size - 1);
    }
    widen(&v->lo, &v->hi);
    return v;
}

/* In a statement of distributed mode, records shared among the ranks are
 * drawn from what every rank contributes (one record, or a projection
 * across records) rather than from all of them gathered. The workbench's
 * own previews (outside statements) draw rank 0's share. */
static bool drawn_shared(const value *v)
{
    return v->part && !v->part->replicated && dist_can_gather();
}

/* The records to draw when they are needed whole. */
static td_data *whole_data(const value *v, td_err *err)
{
    if (v->part && dist_can_gather())
        return dist_gather_data(v, err);
    return data_retain(v->u.data);
}

/* Record i of v (of all records when shared), flat: (record size,). */
static nd_array *record_at(const value *v, int64_t i, td_err *err)
{
    const td_data *d = v->u.data;
    nd_array *one = drawn_shared(v) ? dist_record(v, i, err) : data_record_range(d, i, i + 1, err);
    int64_t n = data_record_size(d);
    nd_array *flat = one ? nd_reshape(one, 1, &n, err) : NULL;
    nd_release(one);
    return flat;
}

/* The mean or max across every record of v, in a record's shape. */
static nd_array *across_records(const value *v, view_proj proj, td_err *err)
{
    nd_redop op = proj == VIEW_PROJ_MAX ? ND_RMAX : ND_RMEAN;
    const td_data *d = v->u.data;
    if (drawn_shared(v)) {
        td_data *r = dist_reduce_data(v, op, err);
        nd_array *vals = r ? data_values(r, err) : NULL;
        data_release(r);
        /* one record of the whole: an image, or a Series' length values */
        const dpart *p = v->part;
        int64_t len = p->shape[p->ndim - 1];
        nd_array *out = NULL;
        if (vals)
            out = d->kind == TD_IMAGES ? nd_reshape(vals, p->ndim - 1, p->shape + 1, err)
                                       : nd_reshape(vals, 1, &len, err);
        nd_release(vals);
        return out;
    }
    nd_array *all = data_record_range(d, 0, data_nrecords(d), err);
    nd_array *r = all ? nd_reduce(op, all, 0, false, 0, err) : NULL;
    nd_release(all);
    return r;
}

static view *show_series(const value *val, const char *name, const view_opts *o, td_err *err)
{
    const td_data *d = val->u.data;
    int64_t nrec = val->part ? val->part->total : data_nrecords(d), len = ser_length(d);
    if (o->has_axis) {
        td_err_set(err, TD_EVALUE, "show() of a Series takes index= (one record) or proj=, not axis=");
        return NULL;
    }
    if (nrec == 0 || len == 0) {
        td_err_set(err, TD_EVALUE, "show() of an empty Series");
        return NULL;
    }
    char desc[160] = "";
    nd_array *rec;
    if (o->proj == VIEW_PROJ_DEFAULT) {
        int64_t r = o->has_index ? o->index : 0;
        if (r < 0)
            r += nrec;
        if (r < 0 || r >= nrec) {
            td_err_set(err, TD_EINDEX, "index %lld is out of bounds for %lld records", (long long)o->index,
                       (long long)nrec);
            return NULL;
        }
        rec = record_at(val, r, err);
        desc_add(desc, sizeof desc, "record %lld of %lld", (long long)r, (long long)nrec);
    } else {
        if (o->has_index) {
            td_err_set(err, TD_EVALUE, "show() of a Series takes index= or proj=, not both");
            return NULL;
        }
        rec = across_records(val, o->proj, err);
        desc_add(desc, sizeof desc, "%s of %lld records", proj_name(o->proj), (long long)nrec);
    }
    if (!rec)
        return NULL;
    view *v = finish(rec, name, desc, o->cmap, err);
    if (!v)
        return NULL;
    nd_array *idx = ser_index(d, err);
    if (idx && idx->ndim == 1 && idx->size == len) {
        v->x0 = nd_get_f64(idx, 0);
        v->x1 = nd_get_f64(idx, len - 1);
    }
    nd_release(idx);
    td_err_clear(err);
    return v;
}

view *view_show(const value *val, const char *name, const view_opts *o, td_err *err)
{
    if (!name)
        name = val_type_name(val);
    if (val->kind == V_SERIES)
        return show_series(val, name, o, err);
    nd_array *a = NULL;
    bool images = val->kind == V_IMAGES;
    view_proj proj = o->proj == VIEW_PROJ_DEFAULT ? VIEW_PROJ_MEAN : o->proj;
    char desc[160] = "";
    /* Images shared among the ranks: one image, or the projection across
     * images, comes from the ranks' own (see drawn_shared); what needs
     * every image another way is drawn from them gathered. */
    bool done_axis0 = false;
    if (images && drawn_shared(val)) {
        const dpart *p = val->part;
        int ax = 0;
        bool axis0 = !o->has_axis || (norm_axis(o->axis, p->ndim, &ax, err) == 0 && ax == 0);
        td_err_clear(err); /* a bad axis: the general way says so */
        int64_t idx = o->has_index && o->index < 0 ? o->index + p->total : o->index;
        if (o->has_index && axis0 && idx >= 0 && idx < p->total) {
            nd_array *one = dist_record(val, idx, err);
            a = one ? nd_reshape(one, p->ndim - 1, p->shape + 1, err) : NULL;
            nd_release(one);
            if (!a)
                return NULL;
            desc_add(desc, sizeof desc, "image %lld of %lld", (long long)idx, (long long)p->total);
            done_axis0 = true;
        } else if (!o->has_index && axis0 && p->ndim > 2) {
            if (!(a = across_records(val, proj, err)))
                return NULL;
            desc_add(desc, sizeof desc, "%s of %lld images", proj_name(proj), (long long)p->total);
            done_axis0 = true;
        }
    }
    if (done_axis0) {
        /* axis 0 of a is an image axis now */
    } else if (val->kind == V_ARRAY) {
        a = nd_retain(val->u.arr.a);
    } else if (images) {
        td_data *d = whole_data(val, err);
        a = d ? data_values(d, err) : NULL;
        data_release(d);
        if (!a)
            return NULL;
    } else {
        td_err_set(err, TD_ETYPE, "show() needs Images, Series or an ndarray, not %s", val_type_name(val));
        return NULL;
    }
    /* while true, axis 0 of a still counts images */
    bool image_axis = images && !done_axis0;
    int64_t nimages = images ? a->shape[0] : 0;
    if (a->ndim == 0) {
        td_err_set(err, TD_EVALUE, "show() needs an array with at least one axis, not a scalar");
        goto fail;
    }
    if (a->size == 0) {
        td_err_set(err, TD_EVALUE, "show() of an empty array (shape has a zero)");
        goto fail;
    }
    if (o->has_index && !done_axis0) {
        int ax = 0;
        if (o->has_axis && norm_axis(o->axis, a->ndim, &ax, err) < 0)
            goto fail;
        if (a->ndim == 1 && !images) {
            td_err_set(err, TD_EVALUE, "show(index=...) needs an array of two or more axes");
            goto fail;
        }
        int64_t idx = o->index < 0 ? o->index + a->shape[ax] : o->index;
        nd_array *t = take(a, ax, o->index, err);
        if (!t)
            goto fail;
        if (image_axis && ax == 0)
            desc_add(desc, sizeof desc, "image %lld of %lld", (long long)idx, (long long)nimages);
        else
            desc_add(desc, sizeof desc, "index %lld along axis %d", (long long)idx, ax);
        if (ax == 0)
            image_axis = false;
        nd_release(a);
        a = t;
    }
    bool first = !done_axis0;
    while (a->ndim > 2) {
        int ax = 0;
        if (first && o->has_axis && !o->has_index && norm_axis(o->axis, a->ndim, &ax, err) < 0)
            goto fail;
        nd_array *r = nd_reduce(proj == VIEW_PROJ_MAX ? ND_RMAX : ND_RMEAN, a, ax, false, 0, err);
        if (!r)
            goto fail;
        if (image_axis && ax == 0)
            desc_add(desc, sizeof desc, "%s of %lld images", proj_name(proj), (long long)nimages);
        else
            desc_add(desc, sizeof desc, "%s along axis %d", proj_name(proj), ax);
        if (ax == 0)
            image_axis = false;
        nd_release(a);
        a = r;
        first = false;
    }
    return finish(a, name, desc, o->cmap, err);
fail:
    nd_release(a);
    return NULL;
}

/* --- stats -------------------------------------------------------------------------- */

typedef struct stat_acc {
    int64_t n, nans;
    double mean, m2, min, max;
} stat_acc;

/* Chan et al.'s pairwise update: b merged into a. */
static void acc_merge(stat_acc *a, const stat_acc *b)
{
    a->nans += b->nans;
    if (b->n == 0)
        return;
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
    if (a->n == 0) {
        a->n = b->n;
        a->mean = b->mean;
        a->m2 = b->m2;
        return;
    }
    double n = (double)(a->n + b->n), delta = b->mean - a->mean;
    a->mean += delta * (double)b->n / n;
    a->m2 += b->m2 + delta * delta * (double)a->n * (double)b->n / n;
    a->n += b->n;
}

/* acc_merge for dist_merge's untyped accumulators. */
static void merge_stats(void *into, const void *from)
{
    acc_merge(into, from);
}

static void acc_init(stat_acc *a)
{
    memset(a, 0, sizeof *a);
    a->min = INFINITY;
    a->max = -INFINITY;
}

typedef struct stat_ctx {
    const nd_array *a;
    stat_acc *per_thread;
} stat_ctx;

#define STAT_BLOCK 512

static int stat_kernel(void *ctx, int64_t begin, int64_t end, int thread, td_err *err)
{
    (void)err;
    stat_ctx *c = ctx;
    size_t item = nd_itemsize(c->a);
    double buf[STAT_BLOCK];
    for (int64_t b = begin; b < end; b += STAT_BLOCK) {
        int64_t n = end - b < STAT_BLOCK ? end - b : STAT_BLOCK;
        nd_convert(buf, TD_FLOAT64, (const char *)c->a->data + (size_t)b * item, c->a->dtype, n);
        /* two passes over a block in cache: the sum, then squared deviations */
        stat_acc blk;
        acc_init(&blk);
        double sum = 0;
        for (int64_t i = 0; i < n; i++) {
            double x = buf[i];
            if (isnan(x)) {
                blk.nans++;
                continue;
            }
            sum += x;
            blk.n++;
            blk.min = x < blk.min ? x : blk.min;
            blk.max = x > blk.max ? x : blk.max;
        }
        if (blk.n) {
            blk.mean = sum / (double)blk.n;
            for (int64_t i = 0; i < n; i++)
                if (!isnan(buf[i]))
                    blk.m2 += (buf[i] - blk.mean) * (buf[i] - blk.mean);
        }
        acc_merge(&c->per_thread[thread], &blk);
    }
    return 0;
}

view *view_stats_of(const value *val, const char *name, td_err *err)
{
    nd_array *a;
    if (val->kind == V_ARRAY) {
        a = nd_retain(val->u.arr.a);
    } else if (val->kind == V_IMAGES || val->kind == V_SERIES) {
        /* shared records: each rank's statistics, merged (drawn_shared) */
        td_data *d = drawn_shared(val) ? data_retain(val->u.data) : whole_data(val, err);
        a = d ? data_values(d, err) : NULL;
        data_release(d);
        if (!a)
            return NULL;
    } else if (val_is_number(val)) {
        a = val_to_array(val, err);
        if (!a)
            return NULL;
    } else {
        td_err_set(err, TD_ETYPE, "stats() needs Images, Series, an ndarray or a number, not %s",
                   val_type_name(val));
        return NULL;
    }
    int nt = td_par_threads();
    stat_ctx c = {a, calloc((size_t)nt, sizeof(stat_acc))};
    view *v = NULL;
    if (!c.per_thread) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    for (int t = 0; t < nt; t++)
        acc_init(&c.per_thread[t]);
    if (td_par_for(a->size, 1 << 16, stat_kernel, &c, err) < 0)
        goto done;
    stat_acc all;
    acc_init(&all);
    for (int t = 0; t < nt; t++)
        acc_merge(&all, &c.per_thread[t]);
    int ndim = a->ndim;
    const int64_t *shape = a->shape;
    int64_t count = a->size;
    if ((val->kind == V_IMAGES || val->kind == V_SERIES) && drawn_shared(val)) {
        if (dist_merge(0, &all, sizeof all, merge_stats, err) < 0)
            goto done;
        dist_shape(val, &ndim, &shape);
        count = 1;
        for (int k = 0; k < ndim; k++)
            count *= shape[k];
    }
    v = view_alloc(VIEW_STATS, err);
    if (!v)
        goto done;
    snprintf(v->title, sizeof v->title, "%s", name ? name : val_type_name(val));
    view_stats *s = &v->st;
    s->ndim = ndim;
    memcpy(s->shape, shape, (size_t)ndim * sizeof *shape);
    s->dtype = a->dtype;
    s->count = count;
    s->nans = all.nans;
    if (all.n) {
        s->min = all.min;
        s->max = all.max;
        s->mean = all.mean;
        s->std = sqrt(all.m2 / (double)all.n);
    } else {
        s->min = s->max = s->mean = s->std = NAN;
    }
done:
    free(c.per_thread);
    nd_release(a);
    return v;
}

/* --- text ---------------------------------------------------------------------------- */

void view_format_bytes(char *buf, size_t len, double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024 && u < 5) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f B", bytes);
    else
        snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

void view_summary(strbuf *sb, const view *v)
{
    switch (v->kind) {
    case VIEW_IMAGE:
        sb_addf(sb, "show: %s: %lld x %lld image, range [%.6g, %.6g] (1st to 99th percentile)\n", v->title,
                (long long)v->pix->shape[0], (long long)v->pix->shape[1], v->lo, v->hi);
        break;
    case VIEW_LINE:
        sb_addf(sb, "show: %s: curve of %lld points, x from %.6g to %.6g, y from %.6g to %.6g\n", v->title,
                (long long)v->pix->size, v->x0, v->x1, v->lo, v->hi);
        break;
    case VIEW_STATS: {
        char shape[160];
        const view_stats *s = &v->st;
        sb_addf(sb, "stats: %s\n  shape %s  dtype %s  size %lld\n", v->title,
                nd_shape_str(s->ndim, s->shape, shape, sizeof shape), td_dtype_name(s->dtype),
                (long long)s->count);
        sb_addf(sb, "  min %.6g  max %.6g  mean %.6g  std %.6g  NaNs %lld\n", s->min, s->max, s->mean, s->std,
                (long long)s->nans);
        break;
    }
    }
}

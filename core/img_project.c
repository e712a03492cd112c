/* max_projection and max_min_projection: Thunder's per-image amax (and
 * amax + amin) along one image axis. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

#include <math.h>
#include <string.h>

#include "thunder/imgops.h"
#include "thunder/par.h"

/* Each image seen as (outer, len, inner) around the projected axis; one
 * work item is one `outer` slice of one image. */
struct proj_ctx {
    const nd_array *in;
    nd_array *out;
    int64_t outer, len, inner;
    bool with_min;
};

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define PROJ_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define PROJ_CLONES
#endif

/* Lanes kept side by side while reducing along a contiguous run. */
#define PLANES 64

/* max + min in T: integers wrap (done in unsigned arithmetic), floats add.
 * For bool numpy's sum is a logical or, which is the maximum. */
#define SUM_IN(T, a, b)                                                                                      \
    _Generic((T)0, float                                                                                     \
             : (T)((a) + (b)), double                                                                        \
             : (T)((a) + (b)), default                                                                       \
             : (T)((uint64_t)(a) + (uint64_t)(b)))

/* Each kernel handles one (len x inner) slice. NaN wins in a float maximum
 * or minimum, as in numpy's amax/amin: NaNs are found separately so the
 * comparisons stay plain and vectorise. */
#define DEF_PROJ(E, T, NAME)                                                                                 \
    static inline __attribute__((always_inline)) void proj1_##NAME(                                          \
        const T *restrict x, T *restrict o, int64_t len, int64_t inner, bool with_min, T *restrict scratch)  \
    {                                                                                                        \
        bool isfloat = (T)0.5 != 0;                                                                          \
        if (inner == 1) {                                                                                    \
            T mx = x[0], mn = x[0];                                                                          \
            int nan = 0;                                                                                     \
            int64_t l = 1;                                                                                   \
            if (len > PLANES) {                                                                              \
                T amx[PLANES], amn[PLANES];                                                                  \
                for (int k = 0; k < PLANES; k++)                                                             \
                    amx[k] = amn[k] = x[k];                                                                  \
                for (l = PLANES; l + PLANES <= len; l += PLANES)                                             \
                    for (int k = 0; k < PLANES; k++) {                                                       \
                        T v = x[l + k];                                                                      \
                        amx[k] = v > amx[k] ? v : amx[k];                                                    \
                        amn[k] = v < amn[k] ? v : amn[k];                                                    \
                        nan |= v != v;                                                                       \
                    }                                                                                        \
                for (int k = 0; k < PLANES; k++) {                                                           \
                    mx = amx[k] > mx ? amx[k] : mx;                                                          \
                    mn = amn[k] < mn ? amn[k] : mn;                                                          \
                    nan |= amx[k] != amx[k];                                                                 \
                }                                                                                            \
            }                                                                                                \
            for (; l < len; l++) {                                                                           \
                T v = x[l];                                                                                  \
                mx = v > mx ? v : mx;                                                                        \
                mn = v < mn ? v : mn;                                                                        \
                nan |= v != v;                                                                               \
            }                                                                                                \
            if (isfloat && (nan || mx != mx))                                                                \
                mx = mn = (T)NAN;                                                                            \
            o[0] = with_min && E != TD_BOOL ? SUM_IN(T, mx, mn) : mx;                                        \
            return;                                                                                          \
        }                                                                                                    \
        /* row by row, all columns at once, a block of columns at a time */                                  \
        for (int64_t j0 = 0; j0 < inner; j0 += PLANES * 4) {                                                 \
            int64_t w = inner - j0 < PLANES * 4 ? inner - j0 : PLANES * 4;                                   \
            T *restrict mx = o + j0, *restrict mn = scratch;                                                 \
            memcpy(mx, x + j0, sizeof(T) * (size_t)w);                                                       \
            memcpy(mn, x + j0, sizeof(T) * (size_t)w);                                                       \
            for (int64_t l = 1; l < len; l++) {                                                              \
                const T *restrict r = x + l * inner + j0;                                                    \
                if (with_min)                                                                                \
                    for (int64_t j = 0; j < w; j++) {                                                        \
                        mx[j] = (r[j] > mx[j] || r[j] != r[j]) ? r[j] : mx[j];                               \
                        mn[j] = (r[j] < mn[j] || r[j] != r[j]) ? r[j] : mn[j];                               \
                    }                                                                                        \
                else                                                                                         \
                    for (int64_t j = 0; j < w; j++)                                                          \
                        mx[j] = (r[j] > mx[j] || r[j] != r[j]) ? r[j] : mx[j];                               \
            }                                                                                                \
            if (with_min && E != TD_BOOL)                                                                    \
                for (int64_t j = 0; j < w; j++)                                                              \
                    mx[j] = SUM_IN(T, mx[j], mn[j]);                                                         \
        }                                                                                                    \
    }
TD_FOR_EACH_DTYPE(DEF_PROJ)
#undef DEF_PROJ

/* Consecutive slices in one call, so short projections (a volume's 16
 * planes) do not pay a call each. */
#define DEF_PROJN(E, T, NAME)                                                                                \
    PROJ_CLONES static void proj_##NAME(const T *x, T *o, int64_t n, int64_t len, int64_t inner,             \
                                        bool with_min, T *scratch)                                           \
    {                                                                                                        \
        for (int64_t it = 0; it < n; it++)                                                                   \
            proj1_##NAME(x + it * len * inner, o + it * inner, len, inner, with_min, scratch);               \
    }
TD_FOR_EACH_DTYPE(DEF_PROJN)
#undef DEF_PROJN

static int proj_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    const struct proj_ctx *c = p;
    int64_t len = c->len, inner = c->inner;
    /* the running minimum of one block of columns, aligned for any dtype */
    double scratch[PLANES * 4];
    switch (c->in->dtype) {
#define CASE(E, T, NAME)                                                                                     \
    case E:                                                                                                  \
        proj_##NAME((const T *)c->in->data + begin * len * inner, (T *)c->out->data + begin * inner,         \
                    end - begin, len, inner, c->with_min, (T *)(void *)scratch);                             \
        break;
        TD_FOR_EACH_DTYPE(CASE)
#undef CASE
    }
    (void)thread;
    (void)err;
    return 0;
}

static td_images *project(const td_images *d, int64_t axis, bool with_min, td_err *err)
{
    const nd_array *v = d->values;
    int nd = v->ndim - 1;
    if (axis >= nd) {
        td_err_set(err, TD_EVALUE, "Axis for projection (%lld) exceeds image dimensions (0-%d)",
                   (long long)axis, nd - 1);
        return NULL;
    }
    if (axis < -nd) {
        td_err_set(err, TD_EVALUE, "axis %lld is out of bounds for array of dimension %d", (long long)axis,
                   nd);
        return NULL;
    }
    int k = (int)(axis < 0 ? axis + nd : axis);
    struct proj_ctx c = {v, NULL, 1, v->shape[k + 1], 1, with_min};
    int64_t shape[ND_MAXDIM];
    int ns = 0;
    for (int i = 0; i < v->ndim; i++) {
        if (i != k + 1)
            shape[ns++] = v->shape[i];
        if (i >= 1 && i < k + 1)
            c.outer *= v->shape[i];
        if (i > k + 1)
            c.inner *= v->shape[i];
    }
    if (c.len == 0) {
        td_err_set(err, TD_EVALUE, "zero-size array to reduction operation maximum which has no identity");
        return NULL;
    }
    c.out = nd_new(v->dtype, ns, shape, err);
    if (!c.out)
        return NULL;
    int64_t items = v->shape[0] * c.outer;
    int64_t per = c.len * c.inner;
    int64_t grain = per >= 65536 ? 1 : 65536 / (per > 0 ? per : 1);
    if (c.inner > 0 && td_par_for(items, grain, proj_kernel, &c, err) < 0) {
        nd_release(c.out);
        return NULL;
    }
    td_images *r = data_with_values(d, c.out, err);
    nd_release(c.out);
    return r;
}

td_images *img_max_projection(const td_images *d, int64_t axis, td_err *err)
{
    return project(d, axis, false, err);
}

td_images *img_max_min_projection(const td_images *d, int64_t axis, td_err *err)
{
    return project(d, axis, true, err);
}

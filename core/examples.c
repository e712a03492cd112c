/* Example datasets: synthetic stand-ins built in memory, or real copies
 * read from a directory. See thunder/examples.h. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_internal.h"
#include "thunder/examples.h"
#include "thunder/par.h"
#include "thunder/random.h"

static const char *const image_names[] = {"mouse", "fish", NULL};
static const char *const series_names[] = {"iris", "mouse", "fish", NULL};

const char *const *td_example_names(td_kind kind)
{
    return kind == TD_IMAGES ? image_names : series_names;
}

/* Thunder's check_options: "Option must be one of 'mouse', 'fish', got 'x'". */
static int check_name(td_kind kind, const char *name, td_err *err)
{
    const char *const *names = td_example_names(kind);
    for (int i = 0; names[i]; i++)
        if (name && strcmp(name, names[i]) == 0)
            return i;
    char list[128] = "";
    size_t used = 0;
    for (int i = 0; names[i]; i++) {
        int k = snprintf(list + used, sizeof list - used, "%s'%s'", i ? ", " : "", names[i]);
        if (k > 0 && (size_t)k < sizeof list - used)
            used += (size_t)k;
    }
    return td_err_set(err, TD_EVALUE, "Option must be one of %s, got '%.200s'", list, name ? name : "None");
}

/* --- synthetic calcium-imaging movies ------------------------------------------ */

typedef struct movie_spec {
    int64_t t, z, h, w;      /* frames, planes, rows, columns */
    int cells;               /* per plane */
    double r_lo, r_hi;       /* cell radius, pixels */
    double background;       /* mean background level */
    double gain_lo, gain_hi; /* resting brightness a cell adds at its centre */
    double rate;             /* spike probability per frame */
    double decay;            /* calcium decay time constant, frames */
    double dff;              /* fluorescence change per spike, as a fraction of the resting level */
    double noise;            /* noise standard deviation at the background level */
    double bleach;           /* fraction of the signal lost by the last frame */
    double vmax;             /* largest value the dtype holds */
    td_dtype dtype;
    uint32_t seed;
} movie_spec;

static const movie_spec mouse_spec = {.t = 20,
                                      .z = 1,
                                      .h = 64,
                                      .w = 64,
                                      .cells = 24,
                                      .r_lo = 2.5,
                                      .r_hi = 4.0,
                                      .background = 60,
                                      .gain_lo = 90,
                                      .gain_hi = 260,
                                      .rate = 0.08,
                                      .decay = 3.0,
                                      .dff = 1.2,
                                      .noise = 8,
                                      .bleach = 0.05,
                                      .vmax = 32767,
                                      .dtype = TD_INT16,
                                      .seed = 20160331};

static const movie_spec fish_spec = {.t = 20,
                                     .z = 2,
                                     .h = 76,
                                     .w = 87,
                                     .cells = 40,
                                     .r_lo = 1.5,
                                     .r_hi = 2.6,
                                     .background = 30,
                                     .gain_lo = 20,
                                     .gain_hi = 90,
                                     .rate = 0.05,
                                     .decay = 4.0,
                                     .dff = 0.8,
                                     .noise = 1.0,
                                     .bleach = 0.03,
                                     .vmax = 255,
                                     .dtype = TD_UINT8,
                                     .seed = 20150601};

typedef struct cell {
    int64_t plane;
    double y, x, r, gain;
} cell;

typedef struct movie_ctx {
    const movie_spec *s;
    const cell *cells;    /* s->z * s->cells */
    const double *calc;   /* [cell][frame]: dF/F of each cell in each frame */
    const double *ground; /* [plane][row][col]: background without cells */
    void *dst;            /* (t, z, h, w) of s->dtype */
} movie_ctx;

static double uniform(td_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * td_rng_double(r);
}

/* A disk with a soft edge, as a cell body looks through the microscope. */
static double footprint(double d, double r)
{
    return 1.0 / (1.0 + exp((d - r) / 0.6));
}

/* One frame at a time, each with its own noise generator, so the values
 * do not depend on how frames are shared among threads. */
static int movie_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    (void)thread;
    (void)err;
    const movie_ctx *c = p;
    const movie_spec *s = c->s;
    int64_t plane = s->h * s->w, ncell = s->z * s->cells;
    double *f = malloc(sizeof *f * (size_t)plane);
    if (!f)
        return td_err_set(err, TD_EMEMORY, "out of memory");
    for (int64_t t = begin; t < end; t++) {
        td_rng rng;
        td_rng_seed(&rng, s->seed + 1000u + (uint32_t)t);
        double level = 1.0 - s->bleach * (double)t / (double)(s->t > 1 ? s->t - 1 : 1);
        for (int64_t z = 0; z < s->z; z++) {
            memcpy(f, c->ground + z * plane, sizeof *f * (size_t)plane);
            for (int64_t k = 0; k < ncell; k++) {
                const cell *ce = &c->cells[k];
                if (ce->plane != z)
                    continue;
                double amp = ce->gain * (1.0 + c->calc[k * s->t + t]);
                int64_t y0 = (int64_t)floor(ce->y - ce->r - 3), y1 = (int64_t)ceil(ce->y + ce->r + 3);
                int64_t x0 = (int64_t)floor(ce->x - ce->r - 3), x1 = (int64_t)ceil(ce->x + ce->r + 3);
                for (int64_t y = y0 < 0 ? 0 : y0; y <= y1 && y < s->h; y++)
                    for (int64_t x = x0 < 0 ? 0 : x0; x <= x1 && x < s->w; x++)
                        f[y * s->w + x] +=
                            amp * footprint(hypot((double)y - ce->y, (double)x - ce->x), ce->r);
            }
            for (int64_t i = 0; i < plane; i++) {
                double v = f[i] * level;
                /* shot noise: the spread grows with the square root of the signal */
                v += td_rng_gauss(&rng) * s->noise * sqrt(v > 0 ? v / s->background : 0);
                v = nearbyint(v);
                v = v < 0 ? 0 : v > s->vmax ? s->vmax : v;
                int64_t at = (t * s->z + z) * plane + i;
                if (s->dtype == TD_INT16) {
                    int16_t q = (int16_t)v;
                    memcpy((char *)c->dst + at * 2, &q, 2);
                } else {
                    ((uint8_t *)c->dst)[at] = (uint8_t)v;
                }
            }
        }
    }
    free(f);
    return 0;
}

/* (t, z, h, w) values, squeezed to (t, h, w) when there is one plane. */
static nd_array *movie(const movie_spec *s, td_err *err)
{
    int64_t ncell = s->z * s->cells, plane = s->h * s->w;
    cell *cells = calloc((size_t)ncell, sizeof *cells);
    double *calc = calloc((size_t)(ncell * s->t), sizeof *calc);
    double *ground = calloc((size_t)(s->z * plane), sizeof *ground);
    nd_array *out = NULL;
    if (!cells || !calc || !ground) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    td_rng rng;
    td_rng_seed(&rng, s->seed);
    /* Background: a few broad blobs of tissue over a floor, per plane. */
    for (int64_t z = 0; z < s->z; z++) {
        double *g = ground + z * plane;
        for (int b = 0; b < 5; b++) {
            double cy = uniform(&rng, 0, (double)s->h), cx = uniform(&rng, 0, (double)s->w);
            double sd = uniform(&rng, 0.2, 0.45) * (double)(s->h < s->w ? s->h : s->w);
            double a = uniform(&rng, 0.3, 0.8);
            for (int64_t y = 0; y < s->h; y++)
                for (int64_t x = 0; x < s->w; x++) {
                    double dy = (double)y - cy, dx = (double)x - cx;
                    g[y * s->w + x] += a * exp(-(dy * dy + dx * dx) / (2 * sd * sd));
                }
        }
        for (int64_t i = 0; i < plane; i++)
            g[i] = s->background * (0.5 + 0.5 * (g[i] > 1.5 ? 1.5 : g[i]));
    }
    /* Cells, and each one's spike train filtered into a calcium transient. */
    double keep = exp(-1.0 / s->decay);
    for (int64_t k = 0; k < ncell; k++) {
        cell *ce = &cells[k];
        ce->plane = k / s->cells;
        ce->r = uniform(&rng, s->r_lo, s->r_hi);
        ce->y = uniform(&rng, ce->r, (double)s->h - 1 - ce->r);
        ce->x = uniform(&rng, ce->r, (double)s->w - 1 - ce->r);
        ce->gain = uniform(&rng, s->gain_lo, s->gain_hi);
        double rate = s->rate * uniform(&rng, 0.3, 2.0), ca = 0;
        for (int64_t t = 0; t < s->t; t++) {
            int spikes = 0;
            while (spikes < 3 && td_rng_double(&rng) < rate)
                spikes++;
            ca = ca * keep + s->dff * spikes * uniform(&rng, 0.7, 1.3);
            calc[k * s->t + t] = ca;
        }
    }
    int64_t shape[4] = {s->t, s->z, s->h, s->w};
    if (!(out = nd_new(s->dtype, 4, shape, err)))
        goto done;
    movie_ctx c = {s, cells, calc, ground, out->data};
    if (td_par_for(s->t, 1, movie_kernel, &c, err) < 0) {
        nd_release(out);
        out = NULL;
        goto done;
    }
    if (s->z == 1) {
        int64_t flat[3] = {s->t, s->h, s->w};
        nd_array *r = nd_reshape(out, 3, flat, err);
        nd_release(out);
        out = r;
    }
done:
    free(cells);
    free(calc);
    free(ground);
    return out;
}

/* --- synthetic iris ---------------------------------------------------------------- */

/* Per-class means and standard deviations of sepal length, sepal width,
 * petal length and petal width (cm) in Fisher's iris data. */
static const double iris_mean[3][4] = {
    {5.006, 3.428, 1.462, 0.246}, {5.936, 2.770, 4.260, 1.326}, {6.588, 2.974, 5.552, 2.026}};
static const double iris_sd[3][4] = {
    {0.352, 0.379, 0.174, 0.105}, {0.516, 0.314, 0.470, 0.198}, {0.636, 0.322, 0.552, 0.275}};

static nd_array *iris(td_err *err)
{
    int64_t shape[2] = {150, 4};
    nd_array *a = nd_new(TD_FLOAT64, 2, shape, err);
    if (!a)
        return NULL;
    td_rng rng;
    td_rng_seed(&rng, 1936);
    double *v = a->data;
    for (int i = 0; i < 150; i++)
        for (int j = 0; j < 4; j++) {
            double x = iris_mean[i / 50][j] + iris_sd[i / 50][j] * td_rng_gauss(&rng);
            /* measured to the millimetre, and never below one */
            x = nearbyint(x * 10) / 10;
            v[i * 4 + j] = x < 0.1 ? 0.1 : x;
        }
    return a;
}

/* --- building the datasets ----------------------------------------------------------- */

/* Images (t, [z,] h, w) as Series (h, w, [z,] t). */
static td_series *movie_series(nd_array *m, td_err *err)
{
    int axes3[3] = {1, 2, 0}, axes4[4] = {2, 3, 1, 0};
    nd_array *t = nd_transpose(m, m->ndim == 3 ? axes3 : axes4, err);
    if (!t)
        return NULL;
    td_series *s = ser_fromarray(t, NULL, err);
    nd_release(t);
    return s;
}

td_data *td_example(td_kind kind, const char *name, td_err *err)
{
    int which = check_name(kind, name, err);
    if (which < 0)
        return NULL;
    const char *n = td_example_names(kind)[which];
    nd_array *a = strcmp(n, "iris") == 0    ? iris(err)
                  : strcmp(n, "mouse") == 0 ? movie(&mouse_spec, err)
                                            : movie(&fish_spec, err);
    if (!a)
        return NULL;
    td_data *d;
    if (kind == TD_IMAGES)
        d = img_fromarray(a, err);
    else if (strcmp(n, "iris") == 0)
        d = ser_fromarray(a, NULL, err);
    else
        d = movie_series(a, err);
    nd_release(a);
    return d;
}

/* --- real copies from a directory ---------------------------------------------------- */

static char *join(const char *a, const char *b, const char *c, td_err *err)
{
    size_t n = strlen(a) + strlen(b) + (c ? strlen(c) + 1 : 0) + 2;
    char *p = malloc(n);
    if (!p) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    snprintf(p, n, c ? "%s/%s/%s" : "%s/%s", a, b, c ? c : "");
    return p;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The old conf (Thunder 0.x): an object, or NULL when there is no such file. */
static json_t *read_conf(const char *dir, td_err *err, int *rc)
{
    *rc = 0;
    char *p = join(dir, "conf.json", NULL, err);
    if (!p) {
        *rc = -1;
        return NULL;
    }
    json_t *j = NULL;
    struct stat st;
    if (stat(p, &st) == 0) {
        void *bytes;
        size_t len;
        if (io_read_file(p, 1u << 20, &bytes, &len, err) < 0) {
            *rc = -1;
        } else {
            json_error_t je;
            j = json_loadb(bytes, len, 0, &je);
            td_scratch_free(bytes);
            if (!j || !json_is_object(j)) {
                json_decref(j);
                j = NULL;
                *rc = td_err_set(err, TD_EVALUE, "%s: not a JSON object", p);
            }
        }
    }
    free(p);
    return j;
}

static int conf_type(const json_t *j, const char *key, const char *dir, td_dtype *out, td_err *err)
{
    const json_t *v = json_object_get(j, key);
    if (!json_is_string(v))
        return td_err_set(err, TD_EVALUE, "%s/conf.json: '%s' is missing or not a string", dir, key);
    return td_dtype_parse(json_string_value(v), out, err);
}

/* dims of a conf.json as a shape; 0 when there is none. */
static int conf_dims(const json_t *j, int64_t *shape, int *nd)
{
    const json_t *v = json_object_get(j, "dims");
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > ND_MAXDIM - 1)
        return 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        if (!json_is_integer(e) || json_integer_value(e) < 1)
            return 0;
        shape[i] = json_integer_value(e);
    }
    *nd = (int)json_array_size(v);
    return 1;
}

/* A directory of Thunder 0.x series: every record is nkeys keys of keytype
 * and then nvalues values of valuetype. The record layout comes from
 * conf.json; the base shape from its dims, else from the images beside it
 * (mouse keeps them there), else one axis of records. */
static td_series *old_series(const char *dir, const json_t *j, const char *images_dir, td_err *err)
{
    td_dtype kt, vt;
    const json_t *nk = json_object_get(j, "nkeys"), *nv = json_object_get(j, "nvalues");
    if (conf_type(j, "keytype", dir, &kt, err) < 0 || conf_type(j, "valuetype", dir, &vt, err) < 0)
        return NULL;
    if (!json_is_integer(nk) || !json_is_integer(nv) || json_integer_value(nk) < 0 ||
        json_integer_value(nk) > 64 || json_integer_value(nv) < 1 || json_integer_value(nv) > (1 << 30)) {
        td_err_set(err, TD_EVALUE, "%s/conf.json: 'nkeys' and 'nvalues' must be sensible integers", dir);
        return NULL;
    }
    size_t kbytes = (size_t)json_integer_value(nk) * td_dtype_size(kt), vs = td_dtype_size(vt);
    if (kbytes % vs) {
        td_err_set(err, TD_EVALUE, "%s: keys of %zu bytes are not a whole number of %s values", dir, kbytes,
                   td_dtype_name(vt));
        return NULL;
    }
    int64_t skip = (int64_t)(kbytes / vs), length = json_integer_value(nv);
    uint64_t rbytes = (uint64_t)(skip + length) * vs, total = 0;
    io_select sel = {.ext = "bin"};
    io_files *files = io_list_files(dir, &sel, err);
    if (!files)
        return NULL;
    for (int64_t f = 0; f < files->n; f++) {
        uint64_t size;
        int fd = io_open_regular(files->paths[f], &size, err);
        if (fd < 0) {
            io_files_free(files);
            return NULL;
        }
        close(fd);
        total += size;
    }
    io_files_free(files);
    int64_t nrec = (int64_t)(total / rbytes), shape[ND_MAXDIM];
    int nd = 0;
    json_t *ij = NULL;
    int rc = 0;
    if (!(conf_dims(j, shape, &nd) && nd + 1 <= ND_MAXDIM)) {
        nd = 0;
        if (images_dir && (ij = read_conf(images_dir, err, &rc)) == NULL && rc < 0)
            return NULL;
        if (!(ij && conf_dims(ij, shape, &nd)))
            nd = 0;
        json_decref(ij);
    }
    int64_t prod = 1;
    for (int i = 0; i < nd; i++)
        prod = prod > INT64_MAX / shape[i] ? -1 : prod * shape[i];
    if (nd == 0 || prod != nrec) {
        nd = 1;
        shape[0] = nrec;
    }
    shape[nd++] = length;
    return io_series_frombinary(dir, "bin", NULL, nd, shape, (int)vt, skip, err);
}

/* How Thunder's fromexample reads each dataset of its bucket. */
static td_data *load_thunder_layout(td_kind kind, const char *name, const char *path, td_err *err)
{
    if (kind == TD_IMAGES && strcmp(name, "mouse") == 0)
        return io_images_frombinary(path, NULL, 0, NULL, -1, NULL, 'F', 0, err);
    if (kind == TD_IMAGES)
        return io_images_fromtif(path, NULL, 0, false, err);
    return io_series_frombinary(path, "bin", NULL, 0, NULL, -1, 0, err);
}

td_data *td_example_load(td_kind kind, const char *name, const char *dir, td_err *err)
{
    int which = check_name(kind, name, err);
    if (which < 0)
        return NULL;
    const char *n = td_example_names(kind)[which];
    const char *sub = kind == TD_IMAGES ? "images" : "series";
    td_data *d = NULL;
    char *a = join(dir, sub, n, err), *b = NULL, *imgs = NULL;
    if (!a)
        return NULL;
    if (is_dir(a)) {
        d = load_thunder_layout(kind, n, a, err);
        goto done;
    }
    /* the older layout: NAME/images, NAME/series; iris directly in iris/ */
    b = strcmp(n, "iris") == 0 ? join(dir, n, NULL, err) : join(dir, n, sub, err);
    if (!b)
        goto done;
    if (!is_dir(b)) {
        td_err_set(err, TD_ENOTFOUND, "No example dataset '%s' in %s (looked for %s and %s)", n, dir, a, b);
        goto done;
    }
    if (kind == TD_IMAGES) {
        d = load_thunder_layout(kind, n, b, err);
        goto done;
    }
    int rc;
    json_t *j = read_conf(b, err, &rc);
    if (rc < 0)
        goto done;
    if (j && json_object_get(j, "nvalues")) {
        imgs = join(dir, n, "images", err);
        if (imgs)
            d = old_series(b, j, imgs, err);
    } else {
        d = load_thunder_layout(kind, n, b, err);
    }
    json_decref(j);
done:
    free(a);
    free(b);
    free(imgs);
    return d;
}

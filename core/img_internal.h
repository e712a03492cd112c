/* The separable filter engine shared by img_filter.c (gaussian_filter,
 * uniform_filter) and img_localcorr.c; not part of the public API.
 *
 * An image of dims (d0, d1, ...) is filtered in bands of rows along axis 0:
 * the pass along axis 0 reads the rows a band needs from the image (with
 * scipy's 'reflect' extension), the passes along the other axes then run
 * inside each row of the band. Everything is computed in double, in
 * exactly scipy's order of operations, and stored back into the image
 * dtype after every pass, as scipy stores each pass into its output
 * array. */
#ifndef THUNDER_IMG_INTERNAL_H
#define THUNDER_IMG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "thunder/data.h"
#include "thunder/error.h"
#include "thunder/nd.h"

/* One 1-D pass: a correlation with weights (gaussian), or scipy's running
 * box sum (uniform). The window covers offsets [-s1, s2]. */
typedef struct img_pass {
    int axis;
    bool uniform;
    int64_t s1, s2;
    const double *w; /* correlation: s1 + s2 + 1 weights, w[s1] at offset 0 */
    int sym;         /* scipy's test: 1 symmetric, -1 antisymmetric, 0 neither */
} img_pass;

typedef struct img_sep {
    td_dtype dtype; /* of the image; bool is handled as the uint8 bytes scipy writes */
    int nd;
    int64_t dim[ND_MAXDIM];
    int64_t inner; /* elements in one row of axis 0: prod(dim[1:]) */
    int npass;     /* active passes, in axis order */
    img_pass pass[ND_MAXDIM];
    double *weights; /* storage for the correlation weights */
    int64_t band;    /* rows of axis 0 per band */
    /* A uniform pass along axis 0 may start its running sum afresh at any
     * row and get scipy's bits: true for integer images of up to 32 bits,
     * whose sums are exact in double. Otherwise bands must run in order
     * from row 0, carrying the sums. */
    bool restartable;
    /* Box filters of integers up to 16 bits: every pass gives exact integer
     * quotients, so no pass needs storing into the dtype. */
    bool int_box;
    /* per-thread scratch, in bytes */
    size_t scratch_bytes;
} img_sep;

/* Plans: sigma/order/size have one entry per image axis (callers expand
 * scalars). Returns 0, or -1 with err set. */
int img_sep_gauss(img_sep *s, td_dtype dtype, int nd, const int64_t *dim, const double *sigma,
                  const int64_t *order, td_err *err);
int img_sep_uniform(img_sep *s, td_dtype dtype, int nd, const int64_t *dim, const int64_t *size, td_err *err);
void img_sep_free(img_sep *s);

/* Per-thread work areas, carved out of one td_scratch_alloc block. */
typedef struct img_sep_work {
    void *block;
    double *work;  /* band x inner: the result of a band */
    double *stage; /* input rows converted to double */
    const double **rows;
    double *col;   /* a copy of one slab matrix for passes along middle axes */
    double *ext;   /* one extended line */
    double *carry; /* running sums of a uniform pass along axis 0 (inner) */
    double *tmp;   /* running sums of a uniform pass along a middle axis */
    double *tbuf;  /* the result of a pass over transposed short lines */
    void *qbuf;    /* conversions to and from the dtype */
} img_sep_work;

int img_sep_work_init(const img_sep *s, img_sep_work *w, td_err *err);
void img_sep_work_free(img_sep_work *w);

/* Rows [a, b) (b - a <= s->band) of the filtered image src into w->work, as
 * double. carry: the axis-0 running sums for row a - 1 when *carry_valid
 * (it is then advanced to row b - 1); pass NULL to use w->carry. With
 * quant_last the values are also stored into the dtype after the last pass
 * (what scipy's output array holds); without, the caller converts. */
void img_sep_band(const img_sep *s, img_sep_work *w, const void *src, int64_t a, int64_t b, double *carry,
                  bool *carry_valid, bool quant_last);

/* Advances the axis-0 running sums from row 0 through row b - 1 without
 * computing outputs (a thread starting in the middle of an image). */
void img_sep_warm(const img_sep *s, img_sep_work *w, const void *src, int64_t b, double *carry);

/* Thunder's size rules for uniform_filter / median_filter (images.py
 * _image_filter): expands a scalar, turns a volume's size[2] == 0 into
 * plane-by-plane filtering (axis 2 gets size 1) and checks the count
 * against scipy's. *planes tells which happened. */
int img_filter_sizes(int nd, int nsize, const int64_t *size, int64_t *out, bool *planes, td_err *err);

/* Output pointer helpers. */
static inline size_t img_isz(td_dtype t)
{
    return td_dtype_size(t);
}

#endif

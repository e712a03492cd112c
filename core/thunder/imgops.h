/* Operations on Images: filters, projections, local correlation and the
 * simple per-image methods, with real Thunder's (and scipy.ndimage's)
 * numerics.
 *
 * Ownership as in data.h: a returned td_images* or nd_array* is the
 * caller's reference, arguments are borrowed. Every operation runs over
 * images (or bands of rows of them) through td_par_for, so it can be
 * cancelled and reports progress; labels are kept wherever Thunder keeps
 * them (every method that maps images to images, but not sample). */
#ifndef THUNDER_IMGOPS_H
#define THUNDER_IMGOPS_H

#include <stdbool.h>
#include <stdint.h>

#include "data.h"
#include "error.h"
#include "nd.h"
#include "random.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- filters (scipy.ndimage defaults: mode 'reflect', cval 0, origin 0) ----
 *
 * Each image is filtered over all its axes, never along the record axis.
 * A parameter given as one value (n == 1) applies to every image axis; a
 * sequence needs one value per image axis. Integer and float32 images
 * keep their dtype, and each one-dimensional pass is stored in that dtype
 * (integers truncated toward zero) before the next pass reads it, as
 * scipy does. */

/* gaussian_filter(sigma, order): sigma and order each one value or one per
 * image axis; an axis with sigma <= 1e-15 is left alone; the kernel radius
 * is int(4 * sigma + 0.5); order >= 0 gives that derivative of the
 * Gaussian (Thunder documents 0 to 3; up to 16 are accepted). */
td_images *img_gaussian_filter(const td_images *d, int nsigma, const double *sigma, int norder,
                               const int64_t *order, td_err *err);

/* uniform_filter(size) and median_filter(size), with Thunder's rules: on
 * volumes (3 image axes) a single size applies to all three axes, and a
 * size whose third entry is 0 filters each z plane with size[:2]. An even
 * size covers offsets [-size/2, size/2 - 1]; a uniform axis of size <= 1 is
 * left alone; the median of an even count is the upper one (rank count/2).
 * median_filter refuses sizes < 1 as scipy does. */
td_images *img_uniform_filter(const td_images *d, int nsize, const int64_t *size, td_err *err);
td_images *img_median_filter(const td_images *d, int nsize, const int64_t *size, td_err *err);

/* --- projections, subsampling, local correlation ---------------------------- */

/* Maximum (max_projection) or maximum plus minimum in the image dtype
 * (max_min_projection; integers wrap) along an image axis. An axis beyond
 * the image's axes is Thunder's error ("Axis for projection (2) exceeds
 * image dimensions (0-1)"); a negative axis counts from the end. */
td_images *img_max_projection(const td_images *d, int64_t axis, td_err *err);
td_images *img_max_min_projection(const td_images *d, int64_t axis, td_err *err);

/* subsample(factor): v[::f] along every image axis; one factor or one per
 * image axis (extra entries are ignored as Thunder does); factors >= 1. */
td_images *img_subsample(const td_images *d, int nfactor, const int64_t *factor, td_err *err);

/* localcorr(size): the Pearson correlation, per pixel and across images,
 * between each image and its uniform_filter(size) (same size rules and
 * integer truncation). Returns a float64 array of the image shape; a pixel
 * constant in either gives NaN. */
nd_array *img_localcorr(const td_images *d, int nsize, const int64_t *size, td_err *err);
/* What img_localcorr accumulates, for combining the images of several
 * processes: (5, *image shape) float64 planes holding, per pixel, the mean
 * of the image, the mean of its blur, and the sums of squared deviations of
 * each and of their products (Welford's co-moments over d's images). */
nd_array *img_localcorr_moments(const td_images *d, int nsize, const int64_t *size, td_err *err);
/* The correlations of m pixels from co-moments over n images, as
 * img_localcorr computes them (numpy's corrcoef arithmetic, clipped to
 * [-1, 1]). */
void img_localcorr_finish(double *out, const double *cxx, const double *cyy, const double *cxy, int64_t m,
                          int64_t n);

/* --- simple per-image methods --------------------------------------------- */

/* subtract(val) with a number: numpy's value-based casting (int16 images
 * minus 100 stay int16). */
td_images *img_subtract_scalar(const td_images *d, td_scalar_kind kind, int64_t ival, double fval,
                               td_err *err);
/* subtract(val) with an image, which must have exactly the image shape
 * (a ValueError otherwise). */
td_images *img_subtract_image(const td_images *d, const nd_array *image, td_err *err);

/* sample(nsamples) as Thunder's local mode: nsamples >= 1 images drawn with
 * replacement, image int(u * n) for each u of random_sample(nsamples) from
 * rng (numpy's global generator). Thunder first draws an unused seed
 * (randint(0, 2**32)) when none is given: draw_seed does that. The sample
 * has no labels. */
td_images *img_sample(const td_images *d, int64_t nsamples, td_rng *rng, bool draw_seed, td_err *err);

#ifdef __cplusplus
}
#endif
#endif

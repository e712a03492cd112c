/* Images and Series: Thunder's two collections of records.
 *
 * Images hold n images: values of shape (n, *value_shape), one record per
 * image. Series hold records of shape (*base_shape, length), one record per
 * position of the base shape, with an index over the last axis.
 *
 * Ownership: as in nd.h, a returned td_data* is the caller's reference
 * (data_release); arguments are borrowed; a td_data never changes once
 * returned, so every operation gives a new one.
 *
 * Records are reached only through data_nrecords / data_record /
 * data_record_range / data_values, never by assuming one buffer, so that a
 * distributed mode can hold a contiguous share of the records on each
 * process. */
#ifndef THUNDER_DATA_H
#define THUNDER_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "nd.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum td_kind { TD_IMAGES, TD_SERIES } td_kind;

typedef struct td_data {
    int refcount; /* atomic */
    td_kind kind;
    /* Images: (n, *value_shape). Series: (*base_shape, length). */
    nd_array *values;
    /* NULL, or an array of shape (n,) for Images / base_shape for Series. */
    nd_array *labels;
    /* Series only: NULL (arange(length)), 1-D (length,) or 2-D (length,
     * levels) for a multi-index. */
    nd_array *index;
    /* Series only: NULL, or the strings of an index of strings, whose
     * index then holds int64 codes into this sorted table (serops.h). */
    struct td_strtab *index_names;
} td_data;

typedef td_data td_images;
typedef td_data td_series;

/* --- construction ------------------------------------------------------ */

/* Images from an array of shape (n, ...) with ndim >= 2 (ndim 1 is refused:
 * an image needs at least one axis). Takes its own reference (no copy). */
td_images *img_fromarray(nd_array *values, td_err *err);
/* Images from n arrays of equal shape, stacked (dtype promoted as numpy's
 * np.array of the list would). */
td_images *img_fromlist(int64_t n, nd_array *const *items, td_err *err);
/* Thunder's fromrandom: record i is np.random.seed(seed + i); randn(shape[1:]). */
td_images *img_fromrandom(int ndim, const int64_t *shape, int64_t seed, td_err *err);

/* Series from (*base, length); a 1-D array is one record. index may be NULL
 * (arange(length)); otherwise it has length rows. */
td_series *ser_fromarray(nd_array *values, nd_array *index, td_err *err);
td_series *ser_fromlist(int64_t n, nd_array *const *items, nd_array *index, td_err *err);
td_series *ser_fromrandom(int ndim, const int64_t *shape, int64_t seed, td_err *err);

td_data *data_retain(td_data *d);
void data_release(td_data *d);

/* d with new labels (NULL drops them); labels must hold one per record
 * (shape (n,) for Images, base_shape for Series; a flat list of the right
 * size is reshaped). */
td_data *data_with_labels(const td_data *d, nd_array *labels, td_err *err);
/* Series d with a new index (NULL: arange). */
td_series *ser_with_index(const td_series *d, nd_array *index, td_err *err);
/* Same kind, labels and index as d, with new values of the same record layout. */
td_data *data_with_values(const td_data *d, nd_array *values, td_err *err);

/* --- shape and access --------------------------------------------------- */

/* Number of records: n for Images, prod(base_shape) for Series. */
int64_t data_nrecords(const td_data *d);
/* Elements in one record: prod(value_shape) or length. */
int64_t data_record_size(const td_data *d);
/* Axes that index records: 1 for Images, ndim - 1 for Series. */
int data_nlead(const td_data *d);
td_dtype data_dtype(const td_data *d);
/* Thunder's .shape: the values' shape. */
int data_ndim(const td_data *d);
const int64_t *data_shape(const td_data *d);
/* Pointer to record i's elements (contiguous, data_record_size of them). */
const void *data_record(const td_data *d, int64_t i);
/* The records [begin, end) as one array of shape (end-begin, *record_shape)
 * for Images or (end-begin, length) for Series; a view where possible. */
nd_array *data_record_range(const td_data *d, int64_t begin, int64_t end, td_err *err);
/* All values, shape data_shape (a new reference). */
nd_array *data_values(const td_data *d, td_err *err);
/* Series index: arange(length) when none was given. */
nd_array *ser_index(const td_series *d, td_err *err);
int64_t ser_length(const td_series *d);

/* --- the shared API ------------------------------------------------------ */

int64_t data_count(const td_data *d);
/* The first record: an image of value_shape, or a record of (length,). */
nd_array *data_first(const td_data *d, td_err *err);
/* Thunder's toarray(): all values, squeezed. */
nd_array *data_toarray(const td_data *d, td_err *err);

/* Reductions across records (Images: across images, shape (1, *value_shape);
 * Series: across records, shape (1, length)) with numpy's dtypes, ddof 0.
 * op is one of ND_RSUM, ND_RMEAN, ND_RVAR, ND_RSTD, ND_RMAX, ND_RMIN. */
td_data *data_reduce(const td_data *d, nd_redop op, td_err *err);

td_data *data_astype(const td_data *d, td_dtype dtype, td_err *err);
/* Images: drops singleton image axes (never the record axis). Series:
 * drops singleton base axes (never the length axis). */
td_data *data_squeeze(const td_data *d, td_err *err);
/* Thunder's reshape: Images must keep shape[0] == n, Series the last axis
 * == length; the total size must match. */
td_data *data_reshape(const td_data *d, int ndim, const int64_t *shape, td_err *err);

#ifdef __cplusplus
}
#endif
#endif

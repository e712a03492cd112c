/* Series operations: statistics and transforms of each record, the index
 * and multi-index, time-series methods and matrix products, with Thunder
 * 1.4.2's semantics and numpy 1.24's dtypes and order of operations.
 *
 * Every operation returns a new Series (the caller's reference) or NULL
 * with err filled; per-record work runs through td_par_for, so it is
 * parallel, cancellable and reports progress. Operations that Thunder
 * implements with map keep the labels; the index is whatever Thunder
 * gives (documented per function).
 *
 * The index. td_data.index holds numbers: NULL (arange(length)), (length,)
 * or, for a multi-index, (length, levels). Thunder also allows strings
 * (index=["a", "b", "c"], fourier's ['coherence', 'phase']). Such an index
 * is kept as int64 codes in td_data.index plus td_data.index_names, a
 * table of the distinct strings in sorted order: code k stands for the
 * k-th smallest string. Because the codes sort like the strings, every
 * operation that moves, compares, sorts or groups index values works on
 * the codes unchanged, and the table rides along. */
#ifndef THUNDER_SEROPS_H
#define THUNDER_SEROPS_H

#include <stdbool.h>
#include <stdint.h>

#include "data.h"
#include "error.h"
#include "nd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- strings of an index ---------------------------------------------------- */

typedef struct td_strtab td_strtab;

/* The distinct strings among strs[0..n), sorted by bytes (code point order
 * for UTF-8, as Python orders str); codes[i] (if not NULL) receives the
 * code of strs[i]. The strings are copied. */
td_strtab *td_strtab_new(int64_t n, const char *const *strs, int64_t *codes, td_err *err);
td_strtab *td_strtab_retain(td_strtab *t);
void td_strtab_release(td_strtab *t);
int64_t td_strtab_size(const td_strtab *t);
const char *td_strtab_get(const td_strtab *t, int64_t code);
/* The first code whose string is >= s: td_strtab_size(t) when none is. */
int64_t td_strtab_lower_bound(const td_strtab *t, const char *s);
/* The code of s, or -1. */
int64_t td_strtab_find(const td_strtab *t, const char *s);

/* d with an index of strings: codes of shape (length,) or (length, levels),
 * each in [0, td_strtab_size(names)). Both are retained. */
td_series *ser_with_str_index(const td_series *d, nd_array *codes, td_strtab *names, td_err *err);
/* d with an index of n * levels strings (row-major, levels per position);
 * levels 0 means a plain 1-D index. */
td_series *ser_with_str_list(const td_series *d, int64_t n, int levels, const char *const *strs, td_err *err);
/* The strings of d's index, or NULL when the index is numeric. */
const td_strtab *ser_index_names(const td_series *d);
/* A Series of values (*base, length) with like's index (numbers or
 * strings) and no labels. The length must match like's. */
td_series *ser_fromarray_like(nd_array *values, const td_series *like, td_err *err);

/* A value given to select, between, select_by_index or mean_by_window,
 * compared with index values as Python compares them (1 == 1.0; a str
 * equals only a str). */
typedef enum ser_keykind { SER_KEY_INT, SER_KEY_FLOAT, SER_KEY_STR } ser_keykind;
typedef struct ser_key {
    ser_keykind kind;
    int64_t i;     /* SER_KEY_INT */
    double f;      /* SER_KEY_FLOAT */
    const char *s; /* SER_KEY_STR, borrowed */
} ser_key;

/* --- basics ---------------------------------------------------------------------- */

/* All base axes into one: (prod(base), length). */
td_series *ser_flatten(const td_series *d, td_err *err);
/* Thunder's local sample: record floor(u[k] * nrecords) for each of n
 * draws u[k] in [0, 1), with replacement; shape (n, length), same index. */
td_series *ser_sample(const td_series *d, int64_t n, const double *u, td_err *err);

/* x - mean(x), x / std(x), (x - mean(x)) / std(x): within each record
 * (axis 1) or across records (axis 0, with Series.mean() / .std()). std
 * has ddof 0; a constant record gives NaN (0 / 0). The result dtype is
 * float32 for float32 data and float64 otherwise, as numpy's. */
td_series *ser_center(const td_series *d, int axis, td_err *err);
td_series *ser_standardize(const td_series *d, int axis, td_err *err);
td_series *ser_zscore(const td_series *d, int axis, td_err *err);
/* The axis-0 step of those three with the statistics given: x - mean,
 * x / std or (x - mean) / std (mean or std NULL: not used), each of a
 * record's length, with numpy's casting; index and labels kept. For
 * records held in parts, with the whole's mean and std. */
td_series *ser_scale_across(const td_series *d, const nd_array *mean, const nd_array *std, td_err *err);

/* Records whose maximum (Python's max over the values) is below threshold
 * become float64 zeros; the result is float64 when any record did. */
td_series *ser_squelch(const td_series *d, double threshold, td_err *err);

/* corrcoef(x, s)[0, 1] per record, float64. A 1-D signal (length,) gives
 * one value indexed [1]; a 2-D (k, length) signal gives k indexed 0..k-1. */
td_series *ser_correlate(const td_series *d, const nd_array *signal, td_err *err);
/* A correlate signal from a file: a .npy array, or the variable var of a
 * MATLAB .mat file (as scipy's loadmat: at least 2-D). */
nd_array *ser_load_signal(const char *path, const char *var, td_err *err);

/* Each record cut into panels of `length`, averaged across panels; the
 * length must divide the record length and differ from it. */
td_series *ser_mean_by_panel(const td_series *d, int64_t length, td_err *err);

/* --- statistics of each record (the seed's series_* methods) ---------------------- */

typedef enum ser_stat {
    SER_SUM,    /* sum: int -> int64, uint -> uint64, floats keep */
    SER_MEAN,   /* mean: floats keep, others float64 */
    SER_MEDIAN, /* as mean */
    SER_STD,    /* ddof 0, as mean ("stdev") */
    SER_MAX,    /* dtype kept */
    SER_MIN,
    SER_COUNT /* int64 */
} ser_stat;

/* Thunder's names, any case: sum, mean, median, stdev, max, min, count. */
int ser_stat_parse(const char *name, ser_stat *out, td_err *err);
/* One statistic per record: shape (*base, 1), index [label]. */
td_series *ser_series_stat(const td_series *d, ser_stat stat, const char *label, td_err *err);
/* numpy's percentile (linear) per record, float64, for each q of qs (a
 * number or a 1-D array of them, in [0, 100]); qs becomes the index. */
td_series *ser_series_percentile(const td_series *d, const nd_array *qs, td_err *err);
/* [count, mean, std, max, min] per record as float64, index those names. */
td_series *ser_series_stats(const td_series *d, td_err *err);

/* --- index: selection and groups ------------------------------------------------ */

/* Thunder's select: the positions whose index value is in keys (or, with
 * keep, where keep[p] is nonzero), in their order; the index follows. No
 * match is an error; when every position matches the result is d itself. */
td_series *ser_select_keys(const td_series *d, int64_t n, const ser_key *keys, td_err *err);
td_series *ser_select_mask(const td_series *d, const uint8_t *keep, td_err *err);
/* left <= index < right (a 1-D index). */
td_series *ser_between(const td_series *d, ser_key left, ser_key right, td_err *err);

/* The value set of one selected level of select_by_index. */
typedef struct ser_keyset {
    int64_t n;
    const ser_key *keys;
} ser_keyset;

/* Thunder's select_by_index: positions whose values at levels[j] are in
 * vals[j] for every j (filter inverts). squeeze drops the selected levels
 * left with a single value (with one level, that level). mask_out, if not
 * NULL, receives the bool mask of the kept positions. Levels may be
 * negative, counting from the last. */
td_series *ser_select_by_index(const td_series *d, int nlevels, const int64_t *levels, const ser_keyset *vals,
                               bool squeeze, bool filter, nd_array **mask_out, td_err *err);

/* Groups of positions sharing the values of the chosen levels, ordered by
 * those values (Thunder's aggregate_by_index: sorted unique combinations
 * that occur). Positions whose values include NaN belong to no group, as
 * in Thunder. */
typedef struct ser_groups {
    int64_t ngroups;
    int64_t *start;   /* ngroups + 1 offsets into pos */
    int64_t *pos;     /* the positions of each group, ascending within it */
    nd_array *keys;   /* (ngroups,) or (ngroups, nlevels): the index values (codes for strings) */
    td_strtab *names; /* the index's strings, or NULL */
} ser_groups;

int ser_groups_make(const td_series *d, int nlevels, const int64_t *levels, ser_groups *g, td_err *err);
void ser_groups_free(ser_groups *g);
/* A Series of values (*base, ngroups) indexed by the groups' keys, with d's labels. */
td_series *ser_groups_result(const td_series *d, const ser_groups *g, nd_array *values, td_err *err);
/* stat over each group of each record. */
td_series *ser_stat_by_index(const td_series *d, ser_stat stat, int nlevels, const int64_t *levels,
                             td_err *err);

/* --- time series (Thunder 1.4.2) ------------------------------------------------- */

/* Coherence and phase of each record at a frequency (float64), index
 * ['coherence', 'phase']; freq must be below length // 2. */
td_series *ser_fourier(const td_series *d, int64_t freq, td_err *err);
/* np.convolve(x, signal, mode) per record; mode is numpy's ('full',
 * 'same', 'valid', or their first letter); index arange(new length). */
td_series *ser_convolve(const td_series *d, const nd_array *signal, const char *mode, td_err *err);
/* Cross-correlation with a 1-D signal for lags -lag..lag (float64). */
td_series *ser_crosscorr(const td_series *d, const nd_array *signal, int64_t lag, td_err *err);
/* Subtracts a least-squares polynomial over arange(length) without its
 * constant term: order 1 for "linear", `order` for "nonlinear". float64. */
td_series *ser_detrend(const td_series *d, const char *method, int64_t order, td_err *err);
/* (y - b) / (b + offset) with b the mean ("mean"), the percentile perc
 * ("percentile"), or a running percentile over `window` samples, edges
 * repeated ("window": scipy's percentile_filter, mode 'nearest';
 * "window-exact": numpy percentiles of the clipped window). A negative
 * window means none was given. */
td_series *ser_normalize(const td_series *d, const char *method, int64_t window, double perc, double offset,
                         td_err *err);
/* Mean of the windows [p - w//2, p + w//2 + w%2) around the positions of
 * the index values keys; index arange(window). */
td_series *ser_mean_by_window(const td_series *d, int64_t n, const ser_key *keys, int64_t window,
                              td_err *err);
/* y[::factor] (the index too); mean of the floor(length / factor) full
 * blocks of factor samples (index float64 arange). */
td_series *ser_subsample(const td_series *d, int64_t factor, td_err *err);
td_series *ser_downsample(const td_series *d, int64_t factor, td_err *err);

/* --- matrices (records as rows) ----------------------------------------------------- */

/* X^T X over the records (length x length), through BLAS for floats;
 * integers in their own dtype, wrapping as numpy's dot. Index kept. */
td_series *ser_gramian(const td_series *d, td_err *err);
/* center(axis=0), gramian, times 1 / (shape[0] - 1), as Thunder divides. */
td_series *ser_cov(const td_series *d, td_err *err);
/* ser_cov in two steps, for records held in parts: the upper triangle of
 * (X - mean)^T (X - mean) over d's records for a given mean (length
 * values), in float32 for float32 data and float64 otherwise (parts' grams
 * add up to the whole's); then those sums as cov's float64 result (rows:
 * the whole's shape[0]; index and labels as d's would give). */
nd_array *ser_cov_gram(const td_series *d, const nd_array *mean, td_err *err);
td_series *ser_cov_finish(const td_series *d, const nd_array *gram, int64_t rows, td_err *err);
/* dot(values, other): other (length,) is taken as (length, 1); (length, k)
 * gives k values per record, index arange(k). */
td_series *ser_times(const td_series *d, const nd_array *other, td_err *err);
/* dot(values, scalar): dtype promote(values, int64 or float64); index kept. */
td_series *ser_times_scalar(const td_series *d, bool is_float, int64_t ival, double fval, td_err *err);

#ifdef __cplusplus
}
#endif
#endif

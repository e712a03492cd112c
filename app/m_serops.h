/* Series operations in the language (core/thunder/serops.h), and the
 * Series index as a language value, shared with the readers and map. */
#ifndef THUNDER_M_SEROPS_H
#define THUNDER_M_SEROPS_H

#include "registry.h"
#include "value.h"

/* The index as Thunder shows it: an ndarray of numbers, or for an index
 * of strings a list of str (a list of lists of str for a multi-index). */
value *series_index_value(const td_series *d, td_err *err);

/* d with the index given as a language value, as Thunder's index=
 * arguments take it: None leaves d as it is; numbers (any array-like)
 * give a numeric index, 1-D or 2-D for a multi-index; a list or tuple
 * holding any str gives an index of strings (other items as str() shows
 * them, as numpy's array of mixed items would). Returns a new reference. */
td_series *series_with_index_value(const td_series *d, const value *index, td_err *err);

value *m_series_flatten(call_args *a, td_err *err);
value *m_series_sample(call_args *a, td_err *err);
value *m_series_between(call_args *a, td_err *err);
value *m_series_select(call_args *a, td_err *err);
value *m_series_center(call_args *a, td_err *err);
value *m_series_standardize(call_args *a, td_err *err);
value *m_series_zscore(call_args *a, td_err *err);
value *m_series_squelch(call_args *a, td_err *err);
value *m_series_correlate(call_args *a, td_err *err);
value *m_series_mean_by_panel(call_args *a, td_err *err);

value *m_series_series_max(call_args *a, td_err *err);
value *m_series_series_min(call_args *a, td_err *err);
value *m_series_series_sum(call_args *a, td_err *err);
value *m_series_series_mean(call_args *a, td_err *err);
value *m_series_series_median(call_args *a, td_err *err);
value *m_series_series_std(call_args *a, td_err *err);
value *m_series_series_percentile(call_args *a, td_err *err);
value *m_series_series_stat(call_args *a, td_err *err);
value *m_series_series_stats(call_args *a, td_err *err);

value *m_series_select_by_index(call_args *a, td_err *err);
value *m_series_aggregate_by_index(call_args *a, td_err *err);
value *m_series_stat_by_index(call_args *a, td_err *err);
value *m_series_sum_by_index(call_args *a, td_err *err);
value *m_series_mean_by_index(call_args *a, td_err *err);
value *m_series_median_by_index(call_args *a, td_err *err);
value *m_series_std_by_index(call_args *a, td_err *err);
value *m_series_max_by_index(call_args *a, td_err *err);
value *m_series_min_by_index(call_args *a, td_err *err);
value *m_series_count_by_index(call_args *a, td_err *err);

value *m_series_cov(call_args *a, td_err *err);
value *m_series_gramian(call_args *a, td_err *err);
value *m_series_times(call_args *a, td_err *err);

value *m_series_fourier(call_args *a, td_err *err);
value *m_series_convolve(call_args *a, td_err *err);
value *m_series_crosscorr(call_args *a, td_err *err);
value *m_series_detrend(call_args *a, td_err *err);
value *m_series_normalize(call_args *a, td_err *err);
value *m_series_mean_by_window(call_args *a, td_err *err);
value *m_series_subsample(call_args *a, td_err *err);
value *m_series_downsample(call_args *a, td_err *err);

#endif

/* The methods of Series: one table entry each. */
#include "m_blocks.h"
#include "m_io.h"
#include "m_data.h"
#include "m_serops.h"

static value *m_series_map(call_args *a, td_err *err)
{
    return data_map(a, a->v[0], a->v[2], a->v[3], a->v[4]->u.b, a->v[1], err);
}

static value *m_series_index(call_args *a, td_err *err)
{
    return series_index_value(a->self->u.data, err);
}

static value *m_series_length(call_args *a, td_err *err)
{
    return val_int(ser_length(a->self->u.data));
}

/* clang-format off */
static const reg_func series_funcs[] = {
    DATA_SHARED_ENTRIES("record", "Series", "(*base_shape, length)"),
    {"index", m_series_index, "The index over each record's values.", REG_PROPERTY, {END}},
    {"length", m_series_length, "Length of each record.", REG_PROPERTY, {END}},
    {"squeeze", m_data_squeeze, "Remove single-dimensional base axes.", 0, {END}},
    {"reshape", m_data_reshape, "Reshape the base axes; the record length must stay.", REG_VARARGS,
     {P("shape", PT_ANY, "()"), END}},
    {"map", m_series_map, "Apply a function to every record.", 0,
     {P("func", PT_CALLABLE, NULL), P("index", PT_ANY, "None"), P("value_shape", PT_SHAPE, "None"),
      P("dtype", PT_DTYPE, "None"), P("with_keys", PT_BOOL, "False"), END}},
    {"toimages", m_series_toimages, "Images, one per index position: shape (length, *base_shape).", 0,
     {P("chunk_size", PT_ANY, "'auto'"), END}},
    {"totimeseries", m_series_totimeseries, "The same records as a TimeSeries (which is a Series).", 0, {END}},
    {"tobinary", m_series_tobinary, "Write the records as raw binary, conf.json and SUCCESS to a new folder.",
     REG_WRITES,
     {P("path", PT_STR, NULL), P("prefix", PT_STR, "'series'"), P("overwrite", PT_BOOL, "False"),
      P("credentials", PT_ANY, "None"), END}},
    /* Series operations (core/thunder/serops.h, app/m_serops.c) */
    {"flatten", m_series_flatten, "Reshape all base axes into one: (nrecords, length).", 0, {END}},
    {"sample", m_series_sample, "Records drawn at random with replacement (seed makes it repeatable).", 0,
     {P("n", PT_INT, "100"), P("seed", PT_INT, "None"), P("nsamples", PT_INT, "None"), END}},
    {"between", m_series_between, "Index values with left <= value < right.", 0,
     {P("left", PT_ANY, NULL), P("right", PT_ANY, NULL), END}},
    {"select", m_series_select, "Index values matching a function, a list, a str or a number.", 0,
     {P("crit", PT_ANY, NULL), END}},
    {"center", m_series_center, "Subtract the mean within (axis 1) or across (axis 0) records.", 0,
     {P("axis", PT_INT, "1"), END}},
    {"standardize", m_series_standardize, "Divide by the standard deviation within (1) or across (0) records.", 0,
     {P("axis", PT_INT, "1"), END}},
    {"zscore", m_series_zscore, "Subtract the mean and divide by the standard deviation (axis 1 or 0).", 0,
     {P("axis", PT_INT, "1"), END}},
    {"squelch", m_series_squelch, "Set records whose maximum is below threshold to zeros.", 0,
     {P("threshold", PT_NUMBER, NULL), END}},
    {"correlate", m_series_correlate, "Pearson correlation of each record with 1-D or k x length signals.", 0,
     {P("signal", PT_ANY, NULL), P("var", PT_STR, "'s'"), END}},
    {"mean_by_panel", m_series_mean_by_panel, "Mean across panels of the given length within each record.", 0,
     {P("length", PT_INT, NULL), END}},
    {"series_max", m_series_series_max, "Maximum of each record.", 0, {END}},
    {"series_min", m_series_series_min, "Minimum of each record.", 0, {END}},
    {"series_sum", m_series_series_sum, "Sum of each record.", 0, {END}},
    {"series_mean", m_series_series_mean, "Mean of each record.", 0, {END}},
    {"series_median", m_series_series_median, "Median of each record.", 0, {END}},
    {"series_std", m_series_series_std, "Standard deviation (ddof 0) of each record.", 0, {END}},
    {"series_percentile", m_series_series_percentile, "Percentile(s) q of each record (linear interpolation).", 0,
     {P("q", PT_ANY, NULL), END}},
    {"series_stat", m_series_series_stat, "One statistic per record: sum, mean, median, stdev, max, min, count.", 0,
     {P("stat", PT_STR, NULL), END}},
    {"series_stats", m_series_series_stats, "Count, mean, std, max and min of each record.", 0, {END}},
    {"select_by_index", m_series_select_by_index, "Keep (or with filter, drop) positions by index values per level.",
     0,
     {P("val", PT_ANY, NULL), P("level", PT_ANY, "0"), P("squeeze", PT_BOOL, "False"), P("filter", PT_BOOL, "False"),
      P("return_mask", PT_BOOL, "False"), END}},
    {"aggregate_by_index", m_series_aggregate_by_index, "A function of each group of equal index values.", 0,
     {P("function", PT_CALLABLE, NULL), P("level", PT_ANY, "0"), END}},
    {"stat_by_index", m_series_stat_by_index, "A statistic of each group of equal index values.", 0,
     {P("stat", PT_STR, NULL), P("level", PT_ANY, "0"), END}},
    {"sum_by_index", m_series_sum_by_index, "Sum of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"mean_by_index", m_series_mean_by_index, "Mean of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"median_by_index", m_series_median_by_index, "Median of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"std_by_index", m_series_std_by_index, "Standard deviation of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"max_by_index", m_series_max_by_index, "Maximum of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"min_by_index", m_series_min_by_index, "Minimum of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"count_by_index", m_series_count_by_index, "Size of each group of equal index values.", 0,
     {P("level", PT_ANY, "0"), END}},
    {"cov", m_series_cov, "Covariance matrix of the positions over records (length x length).", 0, {END}},
    {"gramian", m_series_gramian, "X^T X with one row of X per record (length x length).", 0, {END}},
    {"times", m_series_times, "Matrix product with an array, a number or another Series.", 0,
     {P("other", PT_ANY, NULL), END}},
    {"fourier", m_series_fourier, "Coherence and phase of each record at a frequency.", 0,
     {P("freq", PT_INT, "None"), END}},
    {"convolve", m_series_convolve, "Convolve each record with a 1-D signal (numpy's modes).", 0,
     {P("signal", PT_ANY, NULL), P("mode", PT_STR, "'full'"), END}},
    {"crosscorr", m_series_crosscorr, "Cross-correlation with a signal over lags -lag..lag.", 0,
     {P("signal", PT_ANY, NULL), P("lag", PT_INT, "0"), END}},
    {"detrend", m_series_detrend, "Subtract a linear or polynomial trend, keeping the intercept.", 0,
     {P("method", PT_STR, "'linear'"), P("order", PT_INT, "5"), END}},
    {"normalize", m_series_normalize, "(y - b) / (b + offset) with a mean, percentile or running baseline.", 0,
     {P("method", PT_STR, "'percentile'"), P("window", PT_INT, "None"), P("perc", PT_NUMBER, "20"),
      P("offset", PT_NUMBER, "0.1"), P("baseline", PT_STR, "None"), END}},
    {"mean_by_window", m_series_mean_by_window, "Mean of windows centred on the given index values.", 0,
     {P("indices", PT_ANY, NULL), P("window", PT_INT, NULL), END}},
    {"subsample", m_series_subsample, "Every sample_factor-th value of each record.", 0,
     {P("sample_factor", PT_INT, "2"), END}},
    {"downsample", m_series_downsample, "Means of consecutive blocks of sample_factor values.", 0,
     {P("sample_factor", PT_INT, "2"), END}},
};
/* clang-format on */

const reg_table reg_series = {"Series", series_funcs, sizeof series_funcs / sizeof *series_funcs};

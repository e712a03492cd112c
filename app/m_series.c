/* The methods of Series: one table entry each. */
#include "m_blocks.h"
#include "m_io.h"
#include "m_data.h"

static value *m_series_map(call_args *a, td_err *err)
{
    return data_map(a, a->v[0], a->v[2], a->v[3], a->v[4]->u.b, a->v[1], err);
}

static value *m_series_index(call_args *a, td_err *err)
{
    nd_array *idx = ser_index(a->self->u.data, err);
    return idx ? val_array(idx) : NULL;
}

static value *m_series_length(call_args *a, td_err *err)
{
    return val_int(ser_length(a->self->u.data));
}

#define P(name, type, def) {name, type, def}
#define END {0}

static const reg_func series_funcs[] = {
    {"count", m_data_count, "Number of records.", 0, {END}},
    {"first", m_data_first, "The first record, as an array.", 0, {END}},
    {"toarray", m_data_toarray, "All records as one array, squeezed (as Thunder's toarray).", 0, {END}},
    {"shape", m_data_shape, "Shape of the values: (*base_shape, length).", REG_PROPERTY, {END}},
    {"dtype", m_data_dtype, "Data type of the values.", REG_PROPERTY, {END}},
    {"ndim", m_data_ndim, "Number of dimensions of the values.", REG_PROPERTY, {END}},
    {"mode", m_data_mode, "Where the data live: 'local'.", REG_PROPERTY, {END}},
    {"labels", m_data_labels, "One label per record, or None.", REG_PROPERTY, {END}},
    {"values", m_data_values, "The values as one array (*base_shape, length).", REG_PROPERTY, {END}},
    {"index", m_series_index, "The index over each record's values.", REG_PROPERTY, {END}},
    {"length", m_series_length, "Length of each record.", REG_PROPERTY, {END}},
    {"mean", m_data_mean, "Mean across records, shape (1, length).", 0, {END}},
    {"var", m_data_var, "Variance across records (ddof 0).", 0, {END}},
    {"std", m_data_std, "Standard deviation across records (ddof 0).", 0, {END}},
    {"sum", m_data_sum, "Sum across records.", 0, {END}},
    {"max", m_data_max, "Maximum across records.", 0, {END}},
    {"min", m_data_min, "Minimum across records.", 0, {END}},
    {"astype", m_data_astype, "Cast the values to a dtype (numpy's unsafe casting).", 0,
     {P("dtype", PT_DTYPE, NULL), P("casting", PT_STR, "'unsafe'"), END}},
    {"squeeze", m_data_squeeze, "Remove single-dimensional base axes.", 0, {END}},
    {"reshape", m_data_reshape, "Reshape the base axes; the record length must stay.", REG_VARARGS,
     {P("shape", PT_ANY, "()"), END}},
    {"map", m_series_map, "Apply a function to every record.", 0,
     {P("func", PT_CALLABLE, NULL), P("index", PT_ANY, "None"), P("value_shape", PT_SHAPE, "None"),
      P("dtype", PT_DTYPE, "None"), P("with_keys", PT_BOOL, "False"), END}},
    {"filter", m_data_filter, "Keep the records for which a function is true.", 0,
     {P("func", PT_CALLABLE, NULL), END}},
    {"reduce", m_data_reduce, "Combine records pairwise with a function of two records.", 0,
     {P("func", PT_CALLABLE, NULL), END}},
    {"plus", m_data_plus, "Element-wise addition of a number, an array or another Series.", 0,
     {P("other", PT_ANY, NULL), END}},
    {"minus", m_data_minus, "Element-wise subtraction.", 0, {P("other", PT_ANY, NULL), END}},
    {"dottimes", m_data_dottimes, "Element-wise multiplication.", 0, {P("other", PT_ANY, NULL), END}},
    {"dotdivide", m_data_dotdivide, "Element-wise true division.", 0, {P("other", PT_ANY, NULL), END}},
    {"clip", m_data_clip, "Clip values to [min, max].", 0,
     {P("min", PT_ANY, "None"), P("max", PT_ANY, "None"), END}},
    {"tolocal", m_data_tolocal, "Local representation (the data are already local).", 0, {END}},
    {"tospark", m_data_tospark, "Spark representation (not available: thunder runs locally).", 0,
     {P("engine", PT_ANY, "None"), END}},
    {"toimages", m_series_toimages, "Images, one per index position: shape (length, *base_shape).", 0,
     {P("chunk_size", PT_ANY, "'auto'"), END}},
    {"totimeseries", m_series_totimeseries, "The same records as a TimeSeries (which is a Series).", 0, {END}},
    {"tobinary", m_series_tobinary, "Write the records as raw binary, conf.json and SUCCESS to a new folder.",
     REG_WRITES,
     {P("path", PT_STR, NULL), P("prefix", PT_STR, "'series'"), P("overwrite", PT_BOOL, "False"),
      P("credentials", PT_ANY, "None"), END}},
};

const reg_table reg_series = {"Series", series_funcs, sizeof series_funcs / sizeof *series_funcs};

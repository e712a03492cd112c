/* Images and Series in the language: the pieces the interpreter calls
 * directly (subscripts, operators, repr), shared by m_images.c and
 * m_series.c. */
#ifndef THUNDER_M_DATA_H
#define THUNDER_M_DATA_H

#include "ast.h"
#include "registry.h"
#include "value.h"

struct strbuf;

/* data[index] as Thunder: an integer keeps its axis, slices and lists
 * select records (and, for further entries of a tuple, value axes). */
value *data_subscript(value *self, value *index, td_err *err);

/* `images + 1` and other operators on Images/Series: Thunder defines none
 * (it has plus/minus/dottimes/dotdivide), so this raises Python's TypeError. */
value *data_binary(ast_binop op, value *left, value *right, td_err *err);

/* Thunder's repr: "Images\nmode: local\ndtype: float64\nshape: (10, 50, 50)". */
int data_repr(struct strbuf *sb, const value *v, td_err *err);

/* The methods Images and Series share, registered in both tables. */
value *m_data_count(call_args *a, td_err *err);
value *m_data_first(call_args *a, td_err *err);
value *m_data_toarray(call_args *a, td_err *err);
value *m_data_shape(call_args *a, td_err *err);
value *m_data_dtype(call_args *a, td_err *err);
value *m_data_mode(call_args *a, td_err *err);
value *m_data_labels(call_args *a, td_err *err);
value *m_data_values(call_args *a, td_err *err);
value *m_data_ndim(call_args *a, td_err *err);
value *m_data_mean(call_args *a, td_err *err);
value *m_data_var(call_args *a, td_err *err);
value *m_data_std(call_args *a, td_err *err);
value *m_data_sum(call_args *a, td_err *err);
value *m_data_max(call_args *a, td_err *err);
value *m_data_min(call_args *a, td_err *err);
value *m_data_astype(call_args *a, td_err *err);
value *m_data_squeeze(call_args *a, td_err *err);
value *m_data_reshape(call_args *a, td_err *err);
value *m_data_filter(call_args *a, td_err *err);
value *m_data_reduce(call_args *a, td_err *err);
value *m_data_foreach(call_args *a, td_err *err);
value *m_data_plus(call_args *a, td_err *err);
value *m_data_minus(call_args *a, td_err *err);
value *m_data_dottimes(call_args *a, td_err *err);
value *m_data_dotdivide(call_args *a, td_err *err);
value *m_data_clip(call_args *a, td_err *err);
value *m_data_tolocal(call_args *a, td_err *err);
value *m_data_tospark(call_args *a, td_err *err);

/* The table entries Images and Series share (Thunder's Data base class),
 * written once; REC is what one record is called ("image", "record"), TYPE
 * the type ("Images", "Series"), SHAPE its shape as a phrase. */
/* clang-format off */
#define DATA_SHARED_ENTRIES(REC, TYPE, SHAPE)                                                               \
    {"count", m_data_count, "Number of " REC "s.", 0, {END}},                                                \
    {"first", m_data_first, "The first " REC ", as an array.", 0, {END}},                                   \
    {"toarray", m_data_toarray, "All " REC "s as one array, squeezed (as Thunder's toarray).", 0, {END}},  \
    {"shape", m_data_shape, "Shape of the values: " SHAPE ".", REG_PROPERTY, {END}},                       \
    {"dtype", m_data_dtype, "Data type of the values.", REG_PROPERTY, {END}},                               \
    {"ndim", m_data_ndim, "Number of dimensions of the values.", REG_PROPERTY, {END}},                      \
    {"mode", m_data_mode, "Where the data live: 'local' or 'distributed (N ranks)'.", REG_PROPERTY, {END}}, \
    {"labels", m_data_labels, "One label per " REC ", or None.", REG_PROPERTY, {END}},                      \
    {"values", m_data_values, "The values as one array " SHAPE ".", REG_PROPERTY, {END}},                   \
    {"mean", m_data_mean, "Mean across " REC "s (keeps a leading axis of 1).", 0, {END}},                    \
    {"var", m_data_var, "Variance across " REC "s (ddof 0).", 0, {END}},                                    \
    {"std", m_data_std, "Standard deviation across " REC "s (ddof 0).", 0, {END}},                          \
    {"sum", m_data_sum, "Sum across " REC "s.", 0, {END}},                                                  \
    {"max", m_data_max, "Maximum across " REC "s.", 0, {END}},                                              \
    {"min", m_data_min, "Minimum across " REC "s.", 0, {END}},                                              \
    {"astype", m_data_astype, "Cast the values to a dtype (numpy's unsafe casting).", 0,                    \
     {P("dtype", PT_DTYPE, NULL), P("casting", PT_STR, "'unsafe'"), END}},                                  \
    {"filter", m_data_filter, "Keep the " REC "s for which a function is true.", 0,                         \
     {P("func", PT_CALLABLE, NULL), END}},                                                                  \
    {"reduce", m_data_reduce, "Combine " REC "s pairwise with a function of two " REC "s.", 0,              \
     {P("func", PT_CALLABLE, NULL), END}},                                                                  \
    {"plus", m_data_plus, "Element-wise addition of a number, an array or other " TYPE ".", 0,              \
     {P("other", PT_ANY, NULL), END}},                                                                      \
    {"minus", m_data_minus, "Element-wise subtraction.", 0, {P("other", PT_ANY, NULL), END}},              \
    {"dottimes", m_data_dottimes, "Element-wise multiplication.", 0, {P("other", PT_ANY, NULL), END}},      \
    {"dotdivide", m_data_dotdivide, "Element-wise true division.", 0, {P("other", PT_ANY, NULL), END}},     \
    {"clip", m_data_clip, "Clip values to [min, max].", 0,                                                  \
     {P("min", PT_ANY, "None"), P("max", PT_ANY, "None"), END}},                                            \
    {"tolocal", m_data_tolocal, "Local representation: all records in this process (gathered under MPI).", 0, \
     {END}},                                                                                                \
    {"tospark", m_data_tospark, "Distributed representation (under mpirun: records shared across ranks).", 0, \
     {P("engine", PT_ANY, "None"), END}},                                                                   \
    {"todistributed", m_data_tospark, "Distributed representation (the same as tospark).", 0,              \
     {P("engine", PT_ANY, "None"), END}}
/* clang-format on */

/* map over records: value_shape/dtype known or inferred from the first
 * record, with_keys passing (key tuple, record). new_index (Series) may be NULL. */
value *data_map(call_args *a, value *func, value *value_shape, value *dtype, bool with_keys, value *new_index,
                td_err *err);

#endif

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

/* map over records: value_shape/dtype known or inferred from the first
 * record, with_keys passing (key tuple, record). new_index (Series) may be NULL. */
value *data_map(call_args *a, value *func, value *value_shape, value *dtype, bool with_keys,
                value *new_index, td_err *err);

#endif

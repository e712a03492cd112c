/* Printing values exactly as Python 3 and numpy 1.24 print them: the
 * workbench echoes bare expressions with repr() and print() uses str().
 *
 * Arrays follow numpy's default print options: precision 8 (floatmode
 * 'maxprec'), threshold 1000, edgeitems 3, linewidth 75, suppress False. */
#ifndef THUNDER_PRINT_H
#define THUNDER_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "thunder.h"

/* repr(float) in Python: the shortest digits that read back as v, written
 * positionally for exponents in [-4, 16) ('1.0', '0.0001') and otherwise as
 * '1e-05', '1.5e+300'; 'inf', '-inf', 'nan'. str() is the same. */
void print_float_repr(strbuf *sb, double v);

/* repr(np.float32(v)): the same rules with float32's shortest digits. */
void print_float32_repr(strbuf *sb, float v);

void print_int(strbuf *sb, int64_t v);
void print_uint(strbuf *sb, uint64_t v);
/* 'True' / 'False'. */
void print_bool(strbuf *sb, int v);

/* repr(str): single quotes unless the text holds ' but no ", backslash
 * escapes for \\ \n \r \t and the quote, \xNN for other control characters.
 * s is UTF-8; printable non-ASCII characters are kept, bytes that are not
 * UTF-8 come out as \xNN. */
void print_str_repr(strbuf *sb, const char *s, size_t len);

/* A numpy scalar of dtype dt stored at p (e.g. one element of an array):
 * np.float64(1.5) -> 1.5, np.int16(3) -> 3, np.bool_(True) -> True. In
 * numpy 1.24 repr and str of scalars agree. */
void print_scalar(strbuf *sb, td_dtype dt, const void *p);

/* repr(a): 'array([1, 2, 3])', 'array([1., 2.], dtype=float32)',
 * 'array([], shape=(0, 3), dtype=float64)', 'array(5)'. */
int print_array_repr(strbuf *sb, const nd_array *a, td_err *err);

/* str(a), what print(a) shows: '[1 2 3]', '[[1. 2.]\n [3. 4.]]'; a 0-d
 * array prints as its scalar. */
int print_array_str(strbuf *sb, const nd_array *a, td_err *err);

#endif

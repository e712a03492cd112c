/* NumPy .npy files, format versions 1.0, 2.0 and 3.0. */
#ifndef THUNDER_NPY_H
#define THUNDER_NPY_H

#include <stddef.h>

#include "error.h"
#include "nd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a .npy file: any supported dtype, either byte order, C or Fortran
 * order (returned as C-contiguous). Object, structured, string and
 * unsupported dtypes and malformed headers are refused with an error
 * naming the file. */
nd_array *npy_load(const char *path, td_err *err);
/* One process's share of a .npy file (distributed readers): the records
 * are the positions of the first nlead axes (nlead < 0: all but the last
 * -nlead, so -1 gives a Series' records), split into part_count
 * contiguous, near-equal parts (the first ones a record longer); part
 * part_index comes back as (count, *trailing shape), read from its own
 * bytes only (a Fortran-order file is read whole). *ndim and shape receive
 * the whole array's shape. */
nd_array *npy_load_part(const char *path, int nlead, int part_index, int part_count, int *ndim, int64_t *shape,
                        td_err *err);
/* Parses an in-memory .npy image (for tests and fuzzing); name is used in
 * error messages. */
nd_array *npy_parse(const void *bytes, size_t len, const char *name, td_err *err);

/* Writes a version 1.0 file (2.0 when the header needs it), little-endian,
 * C order, atomically (temporary file, fsync, rename). */
int npy_save(const char *path, const nd_array *a, td_err *err);

#ifdef __cplusplus
}
#endif
#endif

/* The checks a MATLAB .mat file passes before matio reads it; not part of
 * the public API. */
#ifndef THUNDER_MAT_INTERNAL_H
#define THUNDER_MAT_INTERNAL_H

#include <stddef.h>

#include "thunder/error.h"

/* matio believes the sizes a file's headers claim and allocates them before
 * reading anything, so a small damaged file can make it ask for gigabytes.
 * mat_check_file reads the file the way Mat_VarReadInfo(mat, var) and
 * Mat_VarRead will (version 4 record headers; version 5 elements, inflating
 * compressed ones), up to and including the variable var, and fails with a
 * one-line error naming the file when a claim is more than the file holds,
 * more than its compressed bytes can inflate to, or more than the memory
 * budget. Version 7.3 files (HDF5) pass unchecked. */
int mat_check_file(const char *path, const char *var, td_err *err);

/* The same on a file's bytes; path only names it in messages. */
int mat_check_bytes(const unsigned char *b, size_t len, const char *path, const char *var, td_err *err);

#endif

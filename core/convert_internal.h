/* Shared by convert.c and blocks.c; not part of the public API. */
#ifndef THUNDER_CONVERT_INTERNAL_H
#define THUNDER_CONVERT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thunder/convert.h"

/* One tile, serially: dst[c * ds + r] = src[r * ss + c] for r < nr, c < nc,
 * with strides ds and ss in bytes and elements of `is` bytes (1, 2, 4, 8). */
void td_transpose_tile(char *dst, int64_t ds, const char *src, int64_t ss, int64_t nr, int64_t nc, size_t is);

/* Images around values as they are (2-D values stay (n, pixels) rather
 * than becoming one image, as Thunder's Images(values) keeps them). */
td_images *td_images_wrap(nd_array *values, td_err *err);

/* A new array with v's first nmove axes moved last, or (to_front) its last
 * nmove axes moved first; a reshaped view when nothing moves in memory. */
nd_array *td_move_axes(const nd_array *v, int nmove, bool to_front, td_err *err);

#endif

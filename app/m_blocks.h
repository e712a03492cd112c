/* Conversions in the language: the Images and Series methods that lead to
 * Series, Images or Blocks (their table entries live in m_images.c and
 * m_series.c; the Blocks table is in m_blocks.c). */
#ifndef THUNDER_M_BLOCKS_H
#define THUNDER_M_BLOCKS_H

#include "registry.h"
#include "value.h"

/* Images.toseries(chunk_size='auto'), Images.totimeseries(chunk_size='auto'). */
value *m_images_toseries(call_args *a, td_err *err);
/* Images.toblocks(chunk_size='auto', padding=None). */
value *m_images_toblocks(call_args *a, td_err *err);
/* Images.map_as_series(func, value_size=None, dtype=None, chunk_size='auto', block_size=None). */
value *m_images_map_as_series(call_args *a, td_err *err);
/* Series.toimages(chunk_size='auto'). */
value *m_series_toimages(call_args *a, td_err *err);
/* Series.totimeseries(): a TimeSeries is a Series, so the same values, index and labels. */
value *m_series_totimeseries(call_args *a, td_err *err);

/* Thunder's chunk_size (also map_as_series' block_size) for images of nimg
 * axes: 'auto' or kilobytes as a str, or pixels per image axis. */
int blocks_chunk_arg(const value *v, int nimg, td_chunk *c, td_err *err);
/* A Blocks value taking over tb (NULL with err when tb is NULL). */
value *blocks_value(td_blocks *tb, td_err *err);
/* The td_blocks of a Blocks value (borrowed). */
td_blocks *blocks_of(const value *v);

#endif

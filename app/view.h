/* What show() and stats() compute from a value: a 2-D image or a curve to
 * draw, or summary statistics. Nothing here draws: the workbench draws a
 * view in its preview pane, batch mode prints view_summary. */
#ifndef THUNDER_VIEW_H
#define THUNDER_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"
#include "value.h"

typedef enum view_kind { VIEW_IMAGE, VIEW_LINE, VIEW_STATS } view_kind;
typedef enum view_cmap { VIEW_GRAY, VIEW_VIRIDIS } view_cmap;
typedef enum view_proj { VIEW_PROJ_DEFAULT, VIEW_PROJ_MEAN, VIEW_PROJ_MAX } view_proj;

/* show(x, axis=None, index=None, proj=None, cmap='gray'). */
typedef struct view_opts {
    bool has_axis, has_index;
    int64_t axis, index;
    view_proj proj;
    view_cmap cmap;
} view_opts;

typedef struct view_stats {
    int ndim;
    int64_t shape[ND_MAXDIM];
    td_dtype dtype;
    int64_t count; /* elements */
    int64_t nans;
    /* over the elements that are not NaN; NaN when there are none */
    double min, max, mean, std;
} view_stats;

typedef struct view {
    view_kind kind;
    char title[200]; /* what is drawn: "data: mean of 10 images" */
    nd_array *pix;   /* float64, (h, w) for an image, (n,) for a curve; NULL for stats */
    /* The display range: 1st and 99th percentiles of an image (automatic
     * contrast), minimum and maximum of a curve. */
    double lo, hi;
    double x0, x1; /* a curve's first and last x: the Series index, or 0 and n-1 */
    view_cmap cmap;
    view_stats st; /* VIEW_STATS */
} view;

/* Applies o to v: x[index] along axis (default 0) when index is given,
 * then mean or max projections along axis (default 0) until two axes are
 * left; one axis left is a curve. Images project across images by default;
 * a Series shows record `index` (default 0), or the mean or max across
 * records when proj is given. name (may be NULL) goes into the title. */
view *view_show(const value *v, const char *name, const view_opts *o, td_err *err);

/* Shape, dtype, min, max, mean, std and NaN count of every element of an
 * ndarray, Images or Series (in parallel, cancellable). */
view *view_stats_of(const value *v, const char *name, td_err *err);

void view_free(view *v);

/* The text batch mode prints for a view, one or more lines each ending in '\n'. */
void view_summary(strbuf *sb, const view *v);

/* Percentiles qlo and qhi (0..100, numpy's linear interpolation) of the
 * finite values among x[0..n); 0 and 1 when there are none. */
void view_range(const double *x, int64_t n, double qlo, double qhi, double *lo, double *hi);

/* "195.3 KiB": a byte count for people. */
void view_format_bytes(char *buf, size_t len, double bytes);

#endif

/* The methods of Images: one table entry each. */
#include "m_blocks.h"
#include "m_io.h"
#include "m_data.h"
#include "m_imgops.h"

static value *m_images_map(call_args *a, td_err *err)
{
    /* value_shape is Thunder 1.4.2's name for the seed's dims: accept both. */
    value *shape = a->v[1]->kind != V_NONE ? a->v[1] : a->v[4];
    return data_map(a, a->v[0], shape, a->v[2], a->v[3]->u.b, NULL, err);
}

/* clang-format off */
static const reg_func images_funcs[] = {
    DATA_SHARED_ENTRIES("image", "Images", "(n, *image_shape)"),
    {"squeeze", m_data_squeeze, "Remove single-dimensional image axes.", 0, {END}},
    {"reshape", m_data_reshape, "Reshape the images; the number of images must stay.", REG_VARARGS,
     {P("shape", PT_ANY, "()"), END}},
    {"map", m_images_map, "Apply a function to every image.", 0,
     {P("func", PT_CALLABLE, NULL), P("value_shape", PT_SHAPE, "None"), P("dtype", PT_DTYPE, "None"),
      P("with_keys", PT_BOOL, "False"), P("dims", PT_SHAPE, "None"), END}},
    {"foreach", m_data_foreach, "Call a function with (index, image) for every image, in order.", 0,
     {P("func", PT_CALLABLE, NULL), END}},
    {"toseries", m_images_toseries, "Per-pixel time series: Series of shape (*image_shape, n).", 0,
     {P("chunk_size", PT_ANY, "'auto'"), END}},
    {"totimeseries", m_images_toseries, "Per-pixel time series (the seed's name; same as toseries).", 0,
     {P("chunk_size", PT_ANY, "'auto'"), END}},
    {"toblocks", m_images_toblocks, "Cut into Blocks ('auto', kilobytes as a str, or pixels per axis).", 0,
     {P("chunk_size", PT_ANY, "'auto'"), P("padding", PT_ANY, "None"), END}},
    {"map_as_series", m_images_map_as_series, "Images from a function of every pixel's time series.", 0,
     {P("func", PT_CALLABLE, NULL), P("value_size", PT_INT, "None"), P("dtype", PT_DTYPE, "None"),
      P("chunk_size", PT_ANY, "'auto'"), P("block_size", PT_ANY, "None"), END}},
    {"sample", m_images_sample, "A random sample of images, drawn with replacement from numpy's generator.", 0,
     {P("nsamples", PT_INT, "100"), P("seed", PT_INT, "None"), END}},
    {"max_projection", m_images_max_projection, "Maximum of each image along one of its axes.", 0,
     {P("axis", PT_INT, "2"), END}},
    {"max_min_projection", m_images_max_min_projection,
     "Maximum plus minimum of each image along one of its axes, in the image dtype.", 0, {P("axis", PT_INT, "2"), END}},
    {"subsample", m_images_subsample, "Every factor-th pixel along each image axis (an int or one per axis).", 0,
     {P("factor", PT_SHAPE, NULL), END}},
    {"gaussian_filter", m_images_gaussian_filter,
     "Gaussian smoothing of each image (scipy.ndimage; sigma and order per axis or for all).", 0,
     {P("sigma", PT_NUMS, "2"), P("order", PT_SHAPE, "0"), END}},
    {"uniform_filter", m_images_uniform_filter, "Mean over a size-wide window around each pixel (scipy.ndimage).", 0,
     {P("size", PT_SHAPE, "2"), END}},
    {"median_filter", m_images_median_filter, "Median over a size-wide window around each pixel (scipy.ndimage).",
     0, {P("size", PT_SHAPE, "2"), END}},
    {"localcorr", m_images_localcorr,
     "Correlation of every pixel's time course with its neighbourhood's mean; an array of the image shape.", 0,
     {P("neighborhood", PT_SHAPE, "2"), P("size", PT_SHAPE, "None"), END}},
    {"subtract", m_images_subtract, "Subtract a number or an image (of the image shape) from every image.", 0,
     {P("val", PT_ANY, NULL), END}},
    {"tobinary", m_images_tobinary, "Write one raw file per image, conf.json and SUCCESS to a new folder.",
     REG_WRITES,
     {P("path", PT_STR, NULL), P("prefix", PT_STR, "'image'"), P("overwrite", PT_BOOL, "False"), END}},
    {"totif", m_images_totif, "Write one TIFF per image (dtype kept) into a new directory.",
     REG_WRITES,
     {P("path", PT_STR, NULL), P("prefix", PT_STR, "'image'"), P("overwrite", PT_BOOL, "False"), END}},
    {"topng", m_images_topng, "Write one 8-bit PNG per 2-D or RGB(A) image into a new directory.",
     REG_WRITES,
     {P("path", PT_STR, NULL), P("prefix", PT_STR, "'image'"), P("overwrite", PT_BOOL, "False"), END}},
};
/* clang-format on */

const reg_table reg_images = {"Images", images_funcs, sizeof images_funcs / sizeof *images_funcs};

/* Conversions: chunk-size rules, the transpose, toseries/toimages, Blocks
 * and map_as_series. Plans and block geometry were computed with Thunder
 * 1.4.2's own LocalChunks code (thunder/blocks/local.py) on numpy 1.24. */
#include "testutil.h"

static const td_dtype all_dtypes[] = {TD_BOOL,   TD_INT8,  TD_UINT8,  TD_INT16,   TD_UINT16, TD_INT32,
                                      TD_UINT32, TD_INT64, TD_UINT64, TD_FLOAT32, TD_FLOAT64};
#define NDTYPES ((int)(sizeof all_dtypes / sizeof *all_dtypes))

/* An array whose every byte differs from its neighbours' (bool: 0/1), so a
 * misplaced element shows. */
static nd_array *patterned(td_dtype t, int ndim, const int64_t *shape)
{
    td_err err;
    nd_array *a = nd_new(t, ndim, shape, &err);
    CHECK_OK(a, &err);
    unsigned char *p = a->data;
    size_t n = nd_nbytes(a);
    for (size_t i = 0; i < n; i++)
        p[i] = t == TD_BOOL ? (unsigned char)((i * 7 / 3) & 1) : (unsigned char)(i * 37 + i / 251 + 11);
    return a;
}

static nd_array *arange_shaped(td_dtype t, int ndim, const int64_t *shape)
{
    td_err err;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    nd_array *a = nd_arange(t, n, &err);
    CHECK_OK(a, &err);
    nd_array *r = nd_reshape(a, ndim, shape, &err);
    CHECK_OK(r, &err);
    nd_release(a);
    return r;
}

static td_images *images_of(nd_array *a)
{
    td_err err;
    td_images *im = img_fromarray(a, &err);
    CHECK_OK(im, &err);
    return im;
}

static void assert_same_array(const nd_array *got, const nd_array *want)
{
    assert_int_equal(got->dtype, want->dtype);
    assert_shape(got, want->ndim, want->shape);
    assert_memory_equal(got->data, want->data, nd_nbytes(want));
}

/* --- chunk sizes -------------------------------------------------------------------- */

static void plan_of(const char *text, int ndim, const int64_t *shape, size_t is, int64_t *plan)
{
    td_err err;
    td_chunk c;
    CHECK_OK(td_chunk_parse(text, &c, &err) == 0, &err);
    CHECK_OK(td_chunk_plan(&c, ndim, shape, is, plan, &err) == 0, &err);
}

static void test_chunk_plans_match_thunder(void **state)
{
    (void)state;
    int64_t plan[ND_MAXDIM];
    const int64_t s567[3] = {5, 6, 7}, s64[2] = {64, 64}, s1012[2] = {10, 12}, s512[2] = {512, 512},
                  sfish[3] = {76, 87, 2}, s345[3] = {3, 4, 5};
    plan_of("0.1", 3, s567, 8, plan); /* the semantics page's example */
    assert_memory_equal(plan, ((int64_t[]){1, 1, 7}), 3 * sizeof(int64_t));
    plan_of("4", 2, s64, 2, plan); /* the mouse images, int16 */
    assert_memory_equal(plan, ((int64_t[]){31, 64}), 2 * sizeof(int64_t));
    plan_of("0.5", 2, s1012, 8, plan);
    assert_memory_equal(plan, ((int64_t[]){5, 12}), 2 * sizeof(int64_t));
    plan_of("150", 2, s512, 2, plan);
    assert_memory_equal(plan, ((int64_t[]){146, 512}), 2 * sizeof(int64_t));
    plan_of("1", 3, sfish, 1, plan);
    assert_memory_equal(plan, ((int64_t[]){5, 87, 2}), 3 * sizeof(int64_t));
    plan_of("0.05", 2, s1012, 8, plan);
    assert_memory_equal(plan, ((int64_t[]){1, 6}), 2 * sizeof(int64_t));
    plan_of(" 2 ", 3, s345, 4, plan); /* larger than the images: whole */
    assert_memory_equal(plan, ((int64_t[]){3, 4, 5}), 3 * sizeof(int64_t));
    plan_of("100000", 2, s1012, 8, plan);
    assert_memory_equal(plan, ((int64_t[]){10, 12}), 2 * sizeof(int64_t));
    plan_of("0.005", 2, s1012, 8, plan); /* 5 bytes, less than one element: one pixel each */
    assert_memory_equal(plan, ((int64_t[]){1, 1}), 2 * sizeof(int64_t));
    plan_of("auto", 2, s1012, 8, plan);
    assert_memory_equal(plan, ((int64_t[]){10, 12}), 2 * sizeof(int64_t));

    td_err err;
    td_chunk c = {.kind = TD_CHUNK_PIXELS, .npixels = 1, .pixels = {4}};
    CHECK_OK(td_chunk_plan(&c, 2, s1012, 8, plan, &err) == 0, &err);
    assert_memory_equal(plan, ((int64_t[]){4, 12}), 2 * sizeof(int64_t));
    c.npixels = 2;
    c.pixels[1] = 5;
    CHECK_OK(td_chunk_plan(&c, 2, s1012, 8, plan, &err) == 0, &err);
    assert_memory_equal(plan, ((int64_t[]){4, 5}), 2 * sizeof(int64_t));
    c.pixels[1] = 0;
    assert_int_equal(td_chunk_plan(&c, 2, s1012, 8, plan, &err), -1);
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg, "chunk sizes must be at least 1 pixel, not 0");
    c.npixels = 3;
    assert_int_equal(td_chunk_plan(&c, 2, s1012, 8, plan, &err), -1);
    assert_string_equal(err.msg, "chunk size has 3 entries, but the images have 2 axes");
}

static void test_chunk_parse_errors(void **state)
{
    (void)state;
    td_err err;
    td_chunk c;
    CHECK_OK(td_chunk_parse("auto", &c, &err) == 0, &err);
    assert_int_equal(c.kind, TD_CHUNK_AUTO);
    CHECK_OK(td_chunk_parse("1e2", &c, &err) == 0, &err);
    assert_int_equal(c.kind, TD_CHUNK_KB);
    assert_true(c.kb == 100.0);
    const char *bad[] = {"", "abc", "12kb", "nan", "inf", "1e999", "Auto"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(td_chunk_parse(bad[i], &c, &err), -1);
        assert_int_equal(err.kind, TD_EVALUE);
    }
    assert_string_equal(err.msg,
                        "chunk size 'Auto' not understood: use 'auto', kilobytes such as '150', or a "
                        "tuple of pixels per axis");
}

/* --- the transpose ------------------------------------------------------------------ */

static void check_transpose(int64_t rows, int64_t cols, size_t is)
{
    td_err err;
    int64_t shape[2] = {rows, cols};
    td_dtype t = is == 1 ? TD_UINT8 : is == 2 ? TD_UINT16 : is == 4 ? TD_UINT32 : TD_UINT64;
    nd_array *a = patterned(t, 2, shape);
    int64_t tshape[2] = {cols, rows};
    nd_array *b = nd_new(t, 2, tshape, &err);
    CHECK_OK(b, &err);
    CHECK_OK(td_transpose2d(b->data, a->data, rows, cols, is, &err) == 0, &err);
    const unsigned char *s = a->data, *d = b->data;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            if (memcmp(d + (c * rows + r) * (int64_t)is, s + (r * cols + c) * (int64_t)is, is) != 0)
                fail_msg("%lld x %lld, itemsize %zu: element (%lld, %lld) misplaced", (long long)rows,
                         (long long)cols, is, (long long)r, (long long)c);
    nd_release(a);
    nd_release(b);
}

static void test_transpose2d_every_width_and_shape(void **state)
{
    (void)state;
    /* Few long rows, many short rows, both long (tiles on both sides),
     * sizes that are and are not multiples of the 16-byte blocks, lines. */
    const int64_t shapes[][2] = {{200, 1000}, {1000, 200}, {37, 301}, {301, 37},    {16, 64},   {1, 50},
                                 {50, 1},     {2, 2},      {3, 5},    {2100, 2101}, {17, 2500}, {2500, 9}};
    const size_t widths[] = {1, 2, 4, 8};
    for (size_t w = 0; w < 4; w++)
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            if (shapes[s][0] * shapes[s][1] > 1000000 && widths[w] > 1)
                continue; /* the large square once, in bytes, is enough */
            check_transpose(shapes[s][0], shapes[s][1], widths[w]);
        }
    td_err err;
    char buf[16];
    assert_int_equal(td_transpose2d(buf, buf + 8, 1, 2, 3, &err), -1);
    assert_string_equal(err.msg, "cannot transpose elements of 3 bytes");
}

/* --- toseries / toimages ----------------------------------------------------------- */

static void test_toseries_values_and_index(void **state)
{
    (void)state;
    td_err err;
    /* np.arange(24).reshape(2, 3, 4).transpose(1, 2, 0): series[x, y] = (4x + y, 12 + 4x + y) */
    int64_t shape[3] = {2, 3, 4};
    nd_array *a = arange_shaped(TD_INT64, 3, shape);
    nd_array *labels = nd_arange(TD_INT64, 2, &err);
    td_images *im0 = images_of(a);
    td_images *im = data_with_labels(im0, labels, &err);
    CHECK_OK(im, &err);
    td_series *s = img_toseries(im, &err);
    CHECK_OK(s, &err);
    assert_int_equal(s->kind, TD_SERIES);
    assert_shape(s->values, 3, ((int64_t[]){3, 4, 2}));
    static const double want[24] = {0, 12, 1, 13, 2, 14, 3, 15, 4,  16, 5,  17,
                                    6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23};
    assert_array_close(s->values, want, 24, 0, 0);
    /* Thunder builds a new Series: index arange(n), no labels */
    assert_null(s->labels);
    nd_array *idx = ser_index(s, &err);
    CHECK_OK(idx, &err);
    assert_array_close(idx, (double[]){0, 1}, 2, 0, 0);
    nd_release(idx);

    /* back: the images again, without labels */
    td_images *back = ser_toimages(s, &err);
    CHECK_OK(back, &err);
    assert_int_equal(back->kind, TD_IMAGES);
    assert_same_array(back->values, a);
    assert_null(back->labels);
    data_release(back);
    data_release(s);
    data_release(im);
    data_release(im0);
    nd_release(labels);
    nd_release(a);
}

static void test_series_toimages_like_thunder(void **state)
{
    (void)state;
    td_err err;
    /* series.fromarray(np.arange(24).reshape(3, 2, 4)).toimages(): shape (4, 3, 2), image t = v[..., t] */
    int64_t shape[3] = {3, 2, 4};
    nd_array *a = arange_shaped(TD_INT64, 3, shape);
    nd_array *index = nd_arange(TD_INT64, 4, &err);
    td_series *s = ser_fromarray(a, index, &err);
    CHECK_OK(s, &err);
    td_images *im = ser_toimages(s, &err);
    CHECK_OK(im, &err);
    assert_shape(im->values, 3, ((int64_t[]){4, 3, 2}));
    static const double want[24] = {0, 4, 8,  12, 16, 20, 1, 5, 9,  13, 17, 21,
                                    2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23};
    assert_array_close(im->values, want, 24, 0, 0);
    assert_null(im->index);
    data_release(im);
    data_release(s);

    /* A 1-D base gives 2-D Images (n, pixels), not one image. */
    int64_t s2[2] = {5, 3};
    nd_array *b = arange_shaped(TD_FLOAT32, 2, s2);
    td_series *s1 = ser_fromarray(b, NULL, &err);
    CHECK_OK(s1, &err);
    td_images *flat = ser_toimages(s1, &err);
    CHECK_OK(flat, &err);
    assert_shape(flat->values, 2, ((int64_t[]){3, 5}));
    assert_int_equal(data_count(flat), 3);
    static const double wflat[15] = {0, 3, 6, 9, 12, 1, 4, 7, 10, 13, 2, 5, 8, 11, 14};
    assert_array_close(flat->values, wflat, 15, 0, 0);
    /* and toseries brings it back */
    td_series *again = img_toseries(flat, &err);
    CHECK_OK(again, &err);
    assert_same_array(again->values, b);
    data_release(again);
    data_release(flat);
    data_release(s1);
    nd_release(b);
    nd_release(index);
    nd_release(a);
}

static void test_roundtrip_series_every_dtype(void **state)
{
    (void)state;
    td_err err;
    const int64_t shapes[][4] = {{37, 19, 23, 0}, {16, 32, 8, 0}, {5, 3, 4, 6}, {1, 7, 9, 0}, {300, 2, 1, 0}};
    for (int d = 0; d < NDTYPES; d++)
        for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
            int ndim = shapes[k][3] ? 4 : 3;
            nd_array *a = patterned(all_dtypes[d], ndim, shapes[k]);
            td_images *im = images_of(a);
            td_series *s = img_toseries(im, &err);
            CHECK_OK(s, &err);
            /* series[p, t] == images[t, p] for every pixel p and time t */
            int64_t T = shapes[k][0], P = a->size / T;
            size_t is = nd_itemsize(a);
            const unsigned char *src = a->data, *ser = s->values->data;
            for (int64_t p = 0; p < P; p++)
                for (int64_t t = 0; t < T; t++)
                    if (memcmp(ser + (p * T + t) * (int64_t)is, src + (t * P + p) * (int64_t)is, is) != 0)
                        fail_msg("%s: pixel %lld time %lld misplaced", td_dtype_name(all_dtypes[d]),
                                 (long long)p, (long long)t);
            td_images *back = ser_toimages(s, &err);
            CHECK_OK(back, &err);
            assert_same_array(back->values, a);
            data_release(back);
            data_release(s);
            data_release(im);
            nd_release(a);
        }
}

/* --- blocks -------------------------------------------------------------------------- */

static td_blocks *blocks_of(const td_images *im, int npixels, const int64_t *pixels, int npad,
                            const int64_t *pad)
{
    td_err err;
    td_chunk c = {.kind = TD_CHUNK_PIXELS, .npixels = npixels};
    memcpy(c.pixels, pixels, sizeof(int64_t) * (size_t)npixels);
    td_blocks *b = img_toblocks(im, &c, npad, pad, &err);
    CHECK_OK(b, &err);
    return b;
}

static void test_blocks_geometry_matches_thunder(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[3] = {3, 10, 12};
    nd_array *a = arange_shaped(TD_INT64, 3, shape);
    td_images *im = images_of(a);
    static const int64_t px[2] = {4, 5}, pad1[2] = {1, 1}, pad12[2] = {1, 2};
    /* Thunder's blocks of arange(360).reshape(3, 10, 12): shapes and first elements, in order. */
    static const struct {
        const int64_t *pad;
        int64_t shapes[9][2];
        int64_t first[9];
    } cases[] = {
        {NULL,
         {{4, 5}, {4, 5}, {4, 2}, {4, 5}, {4, 5}, {4, 2}, {2, 5}, {2, 5}, {2, 2}},
         {0, 5, 10, 48, 53, 58, 96, 101, 106}},
        {pad1,
         {{5, 6}, {5, 7}, {5, 3}, {6, 6}, {6, 7}, {6, 3}, {3, 6}, {3, 7}, {3, 3}},
         {0, 4, 9, 36, 40, 45, 84, 88, 93}},
        {pad12,
         {{5, 7}, {5, 9}, {5, 4}, {6, 7}, {6, 9}, {6, 4}, {3, 7}, {3, 9}, {3, 4}},
         {0, 3, 8, 36, 39, 44, 84, 87, 92}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        td_blocks *b = blocks_of(im, 2, px, cases[k].pad ? 2 : 0, cases[k].pad);
        assert_int_equal(blk_count(b), 9);
        assert_memory_equal(b->plan, ((int64_t[]){3, 4, 5}), 3 * sizeof(int64_t));
        for (int64_t i = 0; i < 9; i++) {
            nd_array *x = blk_get(b, i, &err);
            CHECK_OK(x, &err);
            assert_shape(x, 3, ((int64_t[]){3, cases[k].shapes[i][0], cases[k].shapes[i][1]}));
            assert_int_equal(nd_get_i64(x, 0), cases[k].first[i]);
            /* every element is the source's at the block's offset */
            int64_t start[3], stop[3];
            blk_extent(b, i, start, stop);
            for (int64_t t = 0; t < 3; t++)
                for (int64_t y = 0; y < x->shape[1]; y++)
                    for (int64_t z = 0; z < x->shape[2]; z++)
                        assert_int_equal(nd_get_i64(x, (t * x->shape[1] + y) * x->shape[2] + z),
                                         (t * 10 + start[1] + y) * 12 + start[2] + z);
            nd_release(x);
        }
        nd_array *whole = blk_toarray(b, &err);
        CHECK_OK(whole, &err);
        assert_same_array(whole, a);
        nd_release(whole);
        blk_release(b);
    }
    /* one tuple entry chunks the first axis only: (3, 4, 12) blocks */
    td_blocks *b = blocks_of(im, 1, px, 0, NULL);
    assert_int_equal(blk_count(b), 3);
    assert_memory_equal(b->plan, ((int64_t[]){3, 4, 12}), 3 * sizeof(int64_t));
    nd_array *last = blk_get(b, 2, &err);
    CHECK_OK(last, &err);
    assert_shape(last, 3, ((int64_t[]){3, 2, 12}));
    nd_release(last);
    assert_null(blk_get(b, 3, &err));
    assert_int_equal(err.kind, TD_EINDEX);
    blk_release(b);
    /* 'auto' is one block: the images themselves, not a copy */
    td_chunk autoc = {.kind = TD_CHUNK_AUTO};
    b = img_toblocks(im, &autoc, 0, NULL, &err);
    CHECK_OK(b, &err);
    assert_int_equal(blk_count(b), 1);
    nd_array *first = blk_get(b, 0, &err);
    CHECK_OK(first, &err);
    assert_ptr_equal(first->data, a->data);
    nd_release(first);
    blk_release(b);
    data_release(im);
    nd_release(a);
}

static void test_blocks_chunk_size_string(void **state)
{
    (void)state;
    td_err err;
    /* Thunder: zeros((2, 64, 64), int16) with '4' -> blocks (2, 31, 64), (2, 31, 64), (2, 2, 64) */
    int64_t shape[3] = {2, 64, 64};
    nd_array *a = patterned(TD_INT16, 3, shape);
    td_images *im = images_of(a);
    td_chunk c;
    CHECK_OK(td_chunk_parse("4", &c, &err) == 0, &err);
    td_blocks *b = img_toblocks(im, &c, 0, NULL, &err);
    CHECK_OK(b, &err);
    assert_int_equal(blk_count(b), 3);
    assert_memory_equal(b->plan, ((int64_t[]){2, 31, 64}), 3 * sizeof(int64_t));
    nd_array *x = blk_get(b, 2, &err);
    CHECK_OK(x, &err);
    assert_shape(x, 3, ((int64_t[]){2, 2, 64}));
    nd_release(x);
    td_images *back = blk_toimages(b, &err);
    CHECK_OK(back, &err);
    assert_same_array(back->values, a);
    data_release(back);
    blk_release(b);
    data_release(im);
    nd_release(a);
}

static void test_blocks_errors_match_thunder(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[3] = {3, 10, 12};
    nd_array *a = arange_shaped(TD_FLOAT64, 3, shape);
    td_images *im = images_of(a);
    td_chunk c = {.kind = TD_CHUNK_PIXELS, .npixels = 2, .pixels = {4, 5}};
    int64_t pad[2] = {5, 5};
    assert_null(img_toblocks(im, &c, 2, pad, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg,
                        "Padding sizes (0, 5, 5) cannot exceed chunk sizes (3, 4, 5) along any axis");
    c.pixels[0] = 10;
    pad[0] = pad[1] = 1;
    assert_null(img_toblocks(im, &c, 2, pad, &err));
    assert_string_equal(err.msg, "Chunk sizes (3, 10, 5) plus padding sizes (0, 1, 1) cannot exceed value "
                                 "dimensions (3, 10, 12) along any axis");
    c.pixels[0] = 2;
    pad[0] = pad[1] = 3;
    assert_null(img_toblocks(im, &c, 2, pad, &err));
    assert_string_equal(err.msg,
                        "Padding sizes (0, 3, 3) cannot exceed chunk sizes (3, 2, 5) along any axis");
    c.pixels[0] = 4;
    c.pixels[1] = 13;
    assert_null(img_toblocks(im, &c, 0, NULL, &err));
    assert_string_equal(err.msg, "Chunk sizes (3, 4, 13) plus padding sizes (0, 0, 0) cannot exceed value "
                                 "dimensions (3, 10, 12) along any axis");
    c.pixels[1] = 5;
    pad[0] = -1;
    assert_null(img_toblocks(im, &c, 1, pad, &err));
    assert_string_equal(err.msg, "padding cannot be negative, got -1");
    int64_t pad3[3] = {1, 1, 1};
    assert_null(img_toblocks(im, &c, 3, pad3, &err));
    assert_string_equal(err.msg, "padding has 3 entries, but the images have 2 axes");
    data_release(im);
    nd_release(a);
}

static nd_array *identity_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    (void)err;
    return nd_retain(x);
}

/* A copy, so that toarray has to put pieces back rather than find the source. */
static nd_array *copy_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    return nd_copy(x, err);
}

static void test_blocks_roundtrip_every_dtype_chunk_and_padding(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[4] = {3, 10, 11, 5};
    static const struct {
        int np;
        int64_t px[3];
        int npad;
        int64_t pad[3];
    } cases[] = {
        {3, {4, 5, 2}, 0, {0}},   {3, {4, 5, 2}, 3, {1, 2, 1}}, {1, {3}, 1, {2}},
        {2, {1, 1}, 0, {0}},      {2, {4, 11}, 1, {3}}, /* n=10, chunk 4, pad 3: the last block is shorter
                                                           than the padding */
        {3, {10, 11, 5}, 0, {0}}, {3, {7, 6, 3}, 3, {3, 5, 2}}, {3, {2, 3, 1}, 3, {2, 3, 1}},
    };
    for (int d = 0; d < NDTYPES; d++) {
        nd_array *a = patterned(all_dtypes[d], 4, shape);
        td_images *im = images_of(a);
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
            td_blocks *b = blocks_of(im, cases[k].np, cases[k].px, cases[k].npad, cases[k].pad);
            td_blocks *m = blk_map(b, copy_fn, NULL, 0, NULL, NULL, &err);
            CHECK_OK(m, &err);
            assert_int_equal(m->dtype, all_dtypes[d]);
            nd_array *back = blk_toarray(m, &err);
            CHECK_OK(back, &err);
            if (memcmp(back->data, a->data, nd_nbytes(a)) != 0)
                fail_msg("%s, case %zu: blocks -> array differs", td_dtype_name(all_dtypes[d]), k);
            assert_same_array(back, a);
            nd_release(back);
            /* identity keeps the very same pieces */
            td_blocks *ident = blk_map(b, identity_fn, NULL, 0, NULL, NULL, &err);
            CHECK_OK(ident, &err);
            td_images *bi = blk_toimages(ident, &err);
            CHECK_OK(bi, &err);
            assert_same_array(bi->values, a);
            data_release(bi);
            /* toseries through blocks equals toseries */
            td_series *s1 = blk_toseries(ident, &err), *s2 = img_toseries(im, &err);
            CHECK_OK(s1 && s2, &err);
            assert_same_array(s1->values, s2->values);
            data_release(s1);
            data_release(s2);
            blk_release(ident);
            blk_release(m);
            blk_release(b);
        }
        data_release(im);
        nd_release(a);
    }
}

/* Sum over time, keeping the axis: (n, ...) -> (1, ...). */
static nd_array *sum_time_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    return nd_reduce(ND_RSUM, x, 0, true, 0, err);
}

/* Drops the last row of every block along axis 1. */
static nd_array *shrink_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    nd_index idx[2] = {{.kind = ND_IDX_SLICE, .step = 1},
                       {.kind = ND_IDX_SLICE, .step = 1, .stop = -1, .has_stop = true}};
    return nd_index_get(x, 2, idx, err);
}

static nd_array *flatten_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    int64_t n = x->size;
    return nd_reshape(x, 1, &n, err);
}

static void test_blocks_map_rules(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[3] = {3, 4, 6};
    nd_array *a = arange_shaped(TD_INT16, 3, shape);
    td_images *im = images_of(a);
    const int64_t px[2] = {2, 6}, pad[1] = {1};
    td_blocks *b = blocks_of(im, 2, px, 1, pad);
    assert_int_equal(blk_count(b), 2);
    /* time may change size: the sum over time of arange(72).reshape(3, 4, 6) is 3 * v[0] + 72 */
    td_blocks *m = blk_map(b, sum_time_fn, NULL, 0, NULL, NULL, &err);
    CHECK_OK(m, &err);
    assert_memory_equal(m->shape, ((int64_t[]){1, 4, 6}), 3 * sizeof(int64_t));
    assert_memory_equal(m->plan, ((int64_t[]){1, 2, 6}), 3 * sizeof(int64_t));
    assert_memory_equal(m->pad, ((int64_t[]){0, 1, 0}), 3 * sizeof(int64_t));
    assert_int_equal(m->dtype, TD_INT64); /* numpy's sum of int16 */
    nd_array *s = blk_toarray(m, &err);
    CHECK_OK(s, &err);
    assert_shape(s, 3, ((int64_t[]){1, 4, 6}));
    double want[24];
    for (int i = 0; i < 24; i++)
        want[i] = 3 * i + 72;
    assert_array_close(s, want, 24, 0, 0);
    nd_release(s);
    /* value_shape checked; the given dtype casts */
    td_dtype f32 = TD_FLOAT32;
    td_blocks *m2 = blk_map(b, sum_time_fn, NULL, 3, (int64_t[]){1, 2, 6}, &f32, &err);
    CHECK_OK(m2, &err);
    assert_int_equal(m2->dtype, TD_FLOAT32);
    s = blk_toarray(m2, &err);
    CHECK_OK(s, &err);
    assert_int_equal(s->dtype, TD_FLOAT32);
    assert_array_close(s, want, 24, 0, 0);
    nd_release(s);
    blk_release(m2);
    assert_null(blk_map(b, sum_time_fn, NULL, 3, (int64_t[]){2, 2, 6}, NULL, &err));
    assert_string_equal(err.msg, "map on blocks: value_shape (2, 2, 6) does not match the results (blocks of "
                                 "(1, 3, 6))");
    /* a chunked axis may not change, nor may axes be dropped */
    assert_null(blk_map(b, shrink_fn, NULL, 0, NULL, NULL, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg,
                        "map cannot change the sizes of chunked dimensions: a block of shape (3, 3, 6) "
                        "gave shape (3, 2, 6)");
    assert_null(blk_map(b, flatten_fn, NULL, 0, NULL, NULL, &err));
    assert_string_equal(err.msg,
                        "map on blocks cannot drop dimensions: a block of shape (3, 3, 6) gave shape "
                        "(54,)");
    blk_release(m);
    blk_release(b);
    data_release(im);
    nd_release(a);
}

/* Keeps two images of blocks that start in the first rows, all of the others. */
static nd_array *uneven_time_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    if (x->shape[1] != 2)
        return nd_copy(x, err);
    int64_t shape[3] = {2, x->shape[1], x->shape[2]};
    return nd_from_buffer(x->dtype, 3, shape, x->data, err);
}

/* Blocks held in parts (as distributed mode holds them): each part maps
 * its own blocks, checked against the whole's first result, and the parts
 * together give what the whole gives. */
static void test_blocks_in_parts(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[3] = {5, 9, 10};
    nd_array *a = arange_shaped(TD_INT32, 3, shape);
    td_images *im = images_of(a);
    const int64_t px[2] = {2, 3}, pad[2] = {1, 2};
    td_blocks *b = blocks_of(im, 2, px, 2, pad);
    assert_int_equal(blk_count(b), 20);
    assert_int_equal(b->first, 0);
    assert_int_equal(b->held, 20);
    /* the geometry alone is the same */
    td_chunk c = {.kind = TD_CHUNK_PIXELS, .npixels = 2, .pixels = {2, 3}};
    td_blocks *g = blk_plan(3, shape, TD_INT32, &c, 2, pad, &err);
    CHECK_OK(g, &err);
    assert_int_equal(g->nblocks, 20);
    assert_int_equal(g->held, 0);
    assert_memory_equal(g->grid, b->grid, sizeof g->grid);
    assert_memory_equal(g->plan, b->plan, sizeof g->plan);
    /* block 6 = row chunk 1, column chunk 2: core rows 2-3, columns 6-8;
     * padded rows 1-4, columns 4-9 */
    int64_t start[3], stop[3];
    blk_core_extent(g, 6, start, stop);
    assert_memory_equal(start, ((int64_t[]){0, 2, 6}), sizeof start);
    assert_memory_equal(stop, ((int64_t[]){5, 4, 9}), sizeof stop);
    blk_extent(g, 6, start, stop);
    assert_memory_equal(start, ((int64_t[]){0, 1, 4}), sizeof start);
    assert_memory_equal(stop, ((int64_t[]){5, 5, 10}), sizeof stop);
    td_blocks *whole = blk_map(b, copy_fn, NULL, 0, NULL, NULL, &err);
    CHECK_OK(whole, &err);
    nd_array *want = blk_toarray(whole, &err);
    CHECK_OK(want, &err);
    assert_same_array(want, a);
    /* three parts: blocks 0-6, 7-13, 14-19 */
    const int64_t firsts[4] = {0, 7, 14, 20};
    nd_array *mapped[20];
    int64_t ref[3];
    memcpy(ref, whole->blocks[0]->shape, sizeof ref);
    for (int p = 0; p < 3; p++) {
        int64_t n = firsts[p + 1] - firsts[p];
        nd_array *mine[7];
        for (int64_t i = 0; i < n; i++) {
            nd_array *x = blk_get(b, firsts[p] + i, &err);
            CHECK_OK(x, &err);
            mine[i] = nd_copy(x, &err);
            nd_release(x);
        }
        td_blocks *part = blk_part(g, firsts[p], n, mine, &err);
        CHECK_OK(part, &err);
        assert_int_equal(blk_count(part), 20);
        /* only its own blocks */
        assert_null(blk_get(part, firsts[p] ? 0 : 19, &err));
        assert_int_equal(err.kind, TD_EINDEX);
        assert_null(blk_toarray(part, &err));
        nd_array *out[7];
        assert_int_equal(blk_map_apply(part, copy_fn, NULL, out, &err), 0);
        td_blocks *pm = blk_map_finish(part, out, ref, 0, NULL, NULL, &err);
        CHECK_OK(pm, &err);
        for (int64_t i = 0; i < n; i++) {
            nd_array *x = blk_get(pm, firsts[p] + i, &err);
            CHECK_OK(x, &err);
            assert_same_array(x, whole->blocks[firsts[p] + i]);
            mapped[firsts[p] + i] = x;
        }
        /* a part's first result need not be the whole's: the last part keeps
         * two images of each block of the last row (blocks 16-19) */
        assert_int_equal(blk_map_apply(part, uneven_time_fn, NULL, out, &err), 0);
        td_blocks *bad = blk_map_finish(part, out, ref, 0, NULL, NULL, &err);
        if (p < 2) {
            CHECK_OK(bad, &err);
            blk_release(bad);
        } else {
            assert_null(bad);
            assert_string_equal(err.msg,
                                "map on blocks: block 16 gave shape (2, 2, 5), but the first gave (5, 3, 5)");
        }
        blk_release(pm);
        blk_release(part);
    }
    /* every part's blocks together: the whole again */
    td_blocks *all = blk_part(whole, 0, 20, mapped, &err);
    CHECK_OK(all, &err);
    nd_array *back = blk_toarray(all, &err);
    CHECK_OK(back, &err);
    assert_same_array(back, want);
    nd_release(back);
    blk_release(all);
    /* blocks must have their shape in the grid (padding included) */
    nd_array *wrong = nd_zeros(TD_INT32, 3, (int64_t[]){5, 2, 3}, &err);
    CHECK_OK(wrong, &err);
    assert_null(blk_part(g, 0, 1, &wrong, &err));
    assert_string_equal(err.msg, "block 0 does not have its shape and dtype in the grid");
    nd_array *none[1] = {NULL};
    assert_null(blk_part(g, 20, 1, none, &err));
    assert_int_equal(err.kind, TD_EINDEX);
    nd_release(want);
    blk_release(whole);
    blk_release(g);
    blk_release(b);
    data_release(im);
    nd_release(a);
}

/* --- map_as_series ------------------------------------------------------------------- */

static nd_array *center_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    nd_array *m = nd_reduce(ND_RMEAN, x, ND_ALL, false, 0, err);
    if (!m)
        return NULL;
    nd_array *r = nd_binary(ND_SUB, x, m, err);
    nd_release(m);
    return r;
}

static void test_map_as_series_center(void **state)
{
    (void)state;
    td_err err;
    /* np.apply_along_axis(lambda x: x - np.mean(x), 0, (np.arange(24).reshape(4, 2, 3) ** 2).astype(float))
     */
    static const double want[24] = {-126, -144, -162, -180, -198, -216, -90, -96, -102, -108, -114, -120,
                                    18,   24,   30,   36,   42,   48,   198, 216, 234,  252,  270,  288};
    int64_t shape[3] = {4, 2, 3};
    nd_array *a = nd_new(TD_FLOAT64, 3, shape, &err);
    CHECK_OK(a, &err);
    for (int i = 0; i < 24; i++)
        nd_set_f64(a, i, (double)(i * i));
    td_images *im = images_of(a);
    td_images *r = img_map_as_series(im, center_fn, NULL, -1, NULL, NULL, &err);
    CHECK_OK(r, &err);
    assert_int_equal(r->kind, TD_IMAGES);
    assert_shape(r->values, 3, shape);
    assert_int_equal(r->values->dtype, TD_FLOAT64);
    assert_array_close(r->values, want, 24, 0, 0);
    data_release(r);
    /* with value_size, dtype and a chunk size given */
    td_chunk c = {.kind = TD_CHUNK_PIXELS, .npixels = 2, .pixels = {1, 2}};
    td_dtype f32 = TD_FLOAT32;
    r = img_map_as_series(im, center_fn, NULL, 4, &f32, &c, &err);
    CHECK_OK(r, &err);
    assert_int_equal(r->values->dtype, TD_FLOAT32);
    assert_array_close(r->values, want, 24, 0, 0);
    data_release(r);
    /* a chunk size Thunder refuses */
    c.pixels[0] = 3;
    assert_null(img_map_as_series(im, center_fn, NULL, -1, NULL, &c, &err));
    assert_string_equal(err.msg, "Chunk sizes (4, 3, 2) plus padding sizes (0, 0, 0) cannot exceed value "
                                 "dimensions (4, 2, 3) along any axis");
    assert_null(img_map_as_series(im, center_fn, NULL, 3, NULL, NULL, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg, "map_as_series: value_size is 3, but the function gave 4 values");
    data_release(im);
    nd_release(a);
}

/* x // 2 as an int64 for the pixel whose series starts with 0, x / 2 as floats for the others. */
static nd_array *half_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    nd_array *h = nd_binary_scalar(ND_TRUEDIV, x, TD_SCALAR_INT, 2, 0, false, err);
    if (!h || nd_get_f64(x, 0) != 0)
        return h;
    nd_array *i = nd_astype(h, TD_INT64, err);
    nd_release(h);
    return i;
}

/* The first two values, doubled: a shorter series. */
static nd_array *head2_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    nd_index idx = {.kind = ND_IDX_SLICE, .step = 1, .stop = 2, .has_stop = true};
    nd_array *v = nd_index_get(x, 1, &idx, err);
    if (!v)
        return NULL;
    nd_array *r = nd_binary_scalar(ND_MUL, v, TD_SCALAR_INT, 2, 0, false, err);
    nd_release(v);
    return r;
}

static nd_array *matrix_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    int64_t s[2] = {2, x->size / 2};
    return nd_reshape(x, 2, s, err);
}

static nd_array *failing_fn(void *ctx, nd_array *x, int thread, td_err *err)
{
    (void)ctx;
    (void)thread;
    if (nd_get_i64(x, 0) == 1000 + 517) {
        td_err_set(err, TD_EZERODIV, "division by zero");
        return NULL;
    }
    return nd_retain(x);
}

static void test_map_as_series_sizes_dtypes_errors(void **state)
{
    (void)state;
    td_err err;
    /* arange(24).reshape(4, 2, 3): pixel p has the series p, p + 6, p + 12, p + 18 */
    int64_t shape[3] = {4, 2, 3};
    nd_array *a = arange_shaped(TD_INT64, 3, shape);
    td_images *im = images_of(a);
    /* the first pixel's dtype (int64) wins and the others' halves are truncated, as apply_along_axis does */
    td_images *r = img_map_as_series(im, half_fn, NULL, -1, NULL, NULL, &err);
    CHECK_OK(r, &err);
    assert_int_equal(r->values->dtype, TD_INT64);
    double want[24];
    for (int i = 0; i < 24; i++)
        want[i] = i / 2;
    assert_array_close(r->values, want, 24, 0, 0);
    data_release(r);
    /* shorter results: (2, 2, 3) */
    r = img_map_as_series(im, head2_fn, NULL, 2, NULL, NULL, &err);
    CHECK_OK(r, &err);
    assert_shape(r->values, 3, ((int64_t[]){2, 2, 3}));
    static const double wh[12] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22};
    assert_array_close(r->values, wh, 12, 0, 0);
    data_release(r);
    assert_null(img_map_as_series(im, matrix_fn, NULL, -1, NULL, NULL, &err));
    assert_string_equal(
        err.msg, "map_as_series: the function must return a one-dimensional array, but gave shape (2, 2)");
    data_release(im);
    nd_release(a);

    /* many pixels, in parallel tiles: the error of one pixel stops the run and comes back */
    int64_t big[3] = {3, 40, 50};
    nd_array *b = arange_shaped(TD_INT64, 3, big);
    im = images_of(b);
    r = img_map_as_series(im, identity_fn, NULL, -1, NULL, NULL, &err);
    CHECK_OK(r, &err);
    assert_same_array(r->values, b);
    data_release(r);
    nd_array *b2 = nd_binary_scalar(ND_ADD, b, TD_SCALAR_INT, 1000, 0, false, &err);
    CHECK_OK(b2, &err);
    td_images *im2 = images_of(b2);
    assert_null(img_map_as_series(im2, failing_fn, NULL, -1, NULL, NULL, &err));
    assert_int_equal(err.kind, TD_EZERODIV);
    assert_string_equal(err.msg, "division by zero");
    data_release(im2);
    nd_release(b2);
    data_release(im);
    nd_release(b);
}

static void test_map_as_series_identity_every_dtype(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[3] = {21, 13, 17};
    for (int d = 0; d < NDTYPES; d++) {
        nd_array *a = patterned(all_dtypes[d], 3, shape);
        td_images *im = images_of(a);
        td_images *r = img_map_as_series(im, copy_fn, NULL, -1, NULL, NULL, &err);
        CHECK_OK(r, &err);
        assert_same_array(r->values, a);
        data_release(r);
        data_release(im);
        nd_release(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_plans_match_thunder),
        cmocka_unit_test(test_chunk_parse_errors),
        cmocka_unit_test(test_transpose2d_every_width_and_shape),
        cmocka_unit_test(test_toseries_values_and_index),
        cmocka_unit_test(test_series_toimages_like_thunder),
        cmocka_unit_test(test_roundtrip_series_every_dtype),
        cmocka_unit_test(test_blocks_geometry_matches_thunder),
        cmocka_unit_test(test_blocks_chunk_size_string),
        cmocka_unit_test(test_blocks_errors_match_thunder),
        cmocka_unit_test(test_blocks_roundtrip_every_dtype_chunk_and_padding),
        cmocka_unit_test(test_blocks_map_rules),
        cmocka_unit_test(test_blocks_in_parts),
        cmocka_unit_test(test_map_as_series_center),
        cmocka_unit_test(test_map_as_series_sizes_dtypes_errors),
        cmocka_unit_test(test_map_as_series_identity_every_dtype),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

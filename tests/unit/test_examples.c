/* Example datasets: the synthetic stand-ins (shapes, dtypes, determinism,
 * the Series holding the Images' values, the calcium-imaging features they
 * promise) and loading real copies from both directory layouts, built here
 * byte by byte, and from Thunder's example data when it is present. */
#define _GNU_SOURCE /* nftw */
#include "testutil.h"

#include <ftw.h>
#include <math.h>
#include <unistd.h>

#include "thunder/examples.h"

static char root[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/thunder-examples-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static const char *tp(const char *rel)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, 1024, "%s/%s", root, rel);
    return b;
}

static void put_file(const char *rel, const void *bytes, size_t n)
{
    FILE *f = fopen(tp(rel), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void put_text(const char *rel, const char *text)
{
    put_file(rel, text, strlen(text));
}

static double sum_all(const nd_array *a)
{
    double s = 0;
    for (int64_t i = 0; i < a->size; i++)
        s += nd_get_f64(a, i);
    return s;
}

/* --- the synthetic datasets ----------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    const char *const *im = td_example_names(TD_IMAGES);
    assert_string_equal(im[0], "mouse");
    assert_string_equal(im[1], "fish");
    assert_null(im[2]);
    const char *const *se = td_example_names(TD_SERIES);
    assert_string_equal(se[0], "iris");
    assert_string_equal(se[1], "mouse");
    assert_string_equal(se[2], "fish");
    assert_null(se[3]);

    td_err e;
    assert_null(td_example(TD_IMAGES, "iris", &e));
    assert_int_equal(e.kind, TD_EVALUE);
    assert_string_equal(e.msg, "Option must be one of 'mouse', 'fish', got 'iris'");
    assert_null(td_example(TD_SERIES, "zebra", &e));
    assert_string_equal(e.msg, "Option must be one of 'iris', 'mouse', 'fish', got 'zebra'");
    assert_null(td_example_load(TD_SERIES, "zebra", root, &e));
    assert_int_equal(e.kind, TD_EVALUE);
}

static void test_shapes(void **state)
{
    (void)state;
    td_err e;
    struct {
        td_kind kind;
        const char *name;
        int ndim;
        int64_t shape[4];
        td_dtype dtype;
    } want[] = {
        {TD_IMAGES, "mouse", 3, {20, 64, 64}, TD_INT16},   {TD_IMAGES, "fish", 4, {20, 2, 76, 87}, TD_UINT8},
        {TD_SERIES, "iris", 2, {150, 4}, TD_FLOAT64},      {TD_SERIES, "mouse", 3, {64, 64, 20}, TD_INT16},
        {TD_SERIES, "fish", 4, {76, 87, 2, 20}, TD_UINT8},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        td_data *d = td_example(want[k].kind, want[k].name, &e);
        CHECK_OK(d, &e);
        assert_int_equal(d->kind, want[k].kind);
        assert_shape(d->values, want[k].ndim, want[k].shape);
        assert_int_equal(data_dtype(d), want[k].dtype);
        data_release(d);
    }
}

/* Same values on every call and whatever the number of threads. */
static void test_deterministic(void **state)
{
    (void)state;
    td_err e;
    td_par_set_threads(1);
    td_data *a = td_example(TD_IMAGES, "fish", &e);
    CHECK_OK(a, &e);
    td_par_set_threads(4);
    td_data *b = td_example(TD_IMAGES, "fish", &e);
    CHECK_OK(b, &e);
    td_par_set_threads(0);
    assert_memory_equal(a->values->data, b->values->data, nd_nbytes(a->values));
    data_release(a);
    data_release(b);
    a = td_example(TD_SERIES, "iris", &e);
    CHECK_OK(a, &e);
    b = td_example(TD_SERIES, "iris", &e);
    CHECK_OK(b, &e);
    assert_memory_equal(a->values->data, b->values->data, nd_nbytes(a->values));
    data_release(a);
    data_release(b);
}

/* The Series movies are the Images movies with the pixels first. */
static void test_series_match_images(void **state)
{
    (void)state;
    td_err e;
    td_data *im = td_example(TD_IMAGES, "mouse", &e), *se = td_example(TD_SERIES, "mouse", &e);
    CHECK_OK(im && se, &e);
    for (int64_t t = 0; t < 20; t++)
        for (int64_t y = 0; y < 64; y++)
            for (int64_t x = 0; x < 64; x++)
                if (nd_get_i64(im->values, (t * 64 + y) * 64 + x) !=
                    nd_get_i64(se->values, (y * 64 + x) * 20 + t))
                    fail_msg("mouse differs at t=%lld y=%lld x=%lld", (long long)t, (long long)y,
                             (long long)x);
    data_release(im);
    data_release(se);

    im = td_example(TD_IMAGES, "fish", &e);
    se = td_example(TD_SERIES, "fish", &e);
    CHECK_OK(im && se, &e);
    for (int64_t t = 0; t < 20; t++)
        for (int64_t z = 0; z < 2; z++)
            for (int64_t y = 0; y < 76; y++)
                for (int64_t x = 0; x < 87; x++)
                    if (nd_get_i64(im->values, ((t * 2 + z) * 76 + y) * 87 + x) !=
                        nd_get_i64(se->values, ((y * 87 + x) * 2 + z) * 20 + t))
                        fail_msg("fish differs at t=%lld z=%lld y=%lld x=%lld", (long long)t, (long long)z,
                                 (long long)y, (long long)x);
    data_release(im);
    data_release(se);
}

/* Counts pixels whose range over time exceeds `big`, and the median range. */
static void pixel_ranges(const nd_array *v, int64_t frames, int64_t *nbig, double big, double *median)
{
    int64_t npix = v->size / frames;
    double *r = malloc(sizeof *r * (size_t)npix);
    assert_non_null(r);
    *nbig = 0;
    for (int64_t p = 0; p < npix; p++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t t = 0; t < frames; t++) {
            double x = nd_get_f64(v, t * npix + p);
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
        r[p] = hi - lo;
        *nbig += r[p] > big;
    }
    /* the median by counting: the smallest value with half the ranges at or below it */
    double m = INFINITY;
    for (int64_t p = 0; p < npix; p++) {
        int64_t below = 0;
        for (int64_t q = 0; q < npix && below * 2 < npix; q++)
            below += r[q] <= r[p];
        if (below * 2 >= npix && r[p] < m)
            m = r[p];
    }
    *median = m;
    free(r);
}

/* Calcium imaging: a few pixels (the cells) change a lot over time, most
 * pixels only by their noise, no pixel is constant, values stay in range. */
static void test_calcium_features(void **state)
{
    (void)state;
    td_err e;
    td_data *m = td_example(TD_IMAGES, "mouse", &e);
    CHECK_OK(m, &e);
    int64_t nbig;
    double median;
    pixel_ranges(m->values, 20, &nbig, 300, &median);
    assert_true(nbig >= 50 && nbig < 64 * 64 / 4);
    assert_true(median > 5 && median < 80);
    int64_t zero_range;
    double unused;
    pixel_ranges(m->values, 20, &zero_range, 0, &unused);
    assert_int_equal(zero_range, 64 * 64); /* every pixel moves */
    for (int64_t i = 0; i < m->values->size; i++)
        assert_true(nd_get_i64(m->values, i) >= 0);
    data_release(m);

    td_data *f = td_example(TD_IMAGES, "fish", &e);
    CHECK_OK(f, &e);
    pixel_ranges(f->values, 20, &nbig, 40, &median);
    assert_true(nbig >= 50 && nbig < 2 * 76 * 87 / 4);
    assert_true(median >= 1 && median < 15);
    data_release(f);
}

/* iris: three classes of 50 near the classic per-class means, measured to
 * the millimetre. */
static void test_iris(void **state)
{
    (void)state;
    static const double mean[3][4] = {
        {5.006, 3.428, 1.462, 0.246}, {5.936, 2.770, 4.260, 1.326}, {6.588, 2.974, 5.552, 2.026}};
    td_err e;
    td_data *d = td_example(TD_SERIES, "iris", &e);
    CHECK_OK(d, &e);
    for (int c = 0; c < 3; c++)
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int i = 0; i < 50; i++)
                s += nd_get_f64(d->values, (c * 50 + i) * 4 + j);
            if (fabs(s / 50 - mean[c][j]) > 0.2)
                fail_msg("class %d feature %d: mean %g, want about %g", c, j, s / 50, mean[c][j]);
        }
    for (int64_t i = 0; i < 600; i++) {
        double x = nd_get_f64(d->values, i);
        assert_true(x >= 0.1);
        assert_true(fabs(x * 10 - nearbyint(x * 10)) < 1e-9);
    }
    data_release(d);
}

/* --- real copies from a directory ------------------------------------------------- */

/* Thunder's bucket layout: images/NAME, series/NAME, written here with the
 * writers; mouse images are read in Fortran order, as Thunder does. */
static void test_load_thunder_layout(void **state)
{
    (void)state;
    td_err e;
    assert_int_equal(mkdir(tp("bucket"), 0755), 0);
    assert_int_equal(mkdir(tp("bucket/images"), 0755), 0);
    assert_int_equal(mkdir(tp("bucket/series"), 0755), 0);

    /* two 2x3 int16 images 0..11 written in C order */
    nd_array *a = nd_arange(TD_INT16, 12, &e);
    CHECK_OK(a, &e);
    nd_array *r = nd_reshape(a, 3, (int64_t[]){2, 2, 3}, &e);
    CHECK_OK(r, &e);
    td_images *im = img_fromarray(r, &e);
    CHECK_OK(im, &e);
    CHECK_OK(io_images_tobinary(im, tp("bucket/images/mouse"), NULL, false, &e) == 0, &e);
    CHECK_OK(io_images_totif(im, tp("bucket/images/fish"), NULL, false, &e) == 0, &e);
    td_series *se = ser_fromarray(r, NULL, &e);
    CHECK_OK(se, &e);
    CHECK_OK(io_series_tobinary(se, tp("bucket/series/mouse"), NULL, false, &e) == 0, &e);

    td_data *d = td_example_load(TD_IMAGES, "mouse", tp("bucket"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){2, 2, 3});
    /* file bytes 0..5 read as a Fortran (2, 3) array: [[0, 2, 4], [1, 3, 5]] */
    static const double fmouse[12] = {0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11};
    assert_array_close(d->values, fmouse, 12, 0, 0);
    data_release(d);

    d = td_example_load(TD_IMAGES, "fish", tp("bucket"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){2, 2, 3});
    assert_int_equal(data_dtype(d), TD_INT16);
    assert_memory_equal(d->values->data, r->data, 24);
    data_release(d);

    d = td_example_load(TD_SERIES, "mouse", tp("bucket"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){2, 2, 3});
    assert_memory_equal(d->values->data, r->data, 24);
    data_release(d);

    assert_null(td_example_load(TD_SERIES, "fish", tp("bucket"), &e));
    assert_int_equal(e.kind, TD_ENOTFOUND);
    assert_non_null(strstr(e.msg, "No example dataset 'fish'"));

    data_release(im);
    data_release(se);
    nd_release(r);
    nd_release(a);
}

/* The older copies: NAME/series with Thunder 0.x records (keys first) and
 * a conf.json of nkeys/keytype/valuetype/nvalues, iris in iris/. */
static void test_load_old_layout(void **state)
{
    (void)state;
    td_err e;
    assert_int_equal(mkdir(tp("old"), 0755), 0);
    assert_int_equal(mkdir(tp("old/fish"), 0755), 0);
    assert_int_equal(mkdir(tp("old/fish/series"), 0755), 0);
    assert_int_equal(mkdir(tp("old/mouse"), 0755), 0);
    assert_int_equal(mkdir(tp("old/mouse/series"), 0755), 0);
    assert_int_equal(mkdir(tp("old/mouse/images"), 0755), 0);
    assert_int_equal(mkdir(tp("old/iris"), 0755), 0);

    /* fish: dims (2, 1, 2) of records with 3 int16 keys and 2 uint8 values */
    uint8_t fish[4][8];
    for (int k = 0; k < 4; k++) {
        memset(fish[k], 0xEE, 6);
        fish[k][6] = (uint8_t)(10 * k + 1);
        fish[k][7] = (uint8_t)(10 * k + 2);
    }
    put_file("old/fish/series/key-00000.bin", fish, sizeof fish);
    put_text("old/fish/series/conf.json",
             "{\"valuetype\": \"uint8\", \"nkeys\": 3, \"keytype\": \"int16\", \"dims\": [2, 1, 2], "
             "\"nvalues\": 2}");
    td_data *d = td_example_load(TD_SERIES, "fish", tp("old"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){2, 1, 2, 2});
    assert_int_equal(data_dtype(d), TD_UINT8);
    static const double wfish[8] = {1, 2, 11, 12, 21, 22, 31, 32};
    assert_array_close(d->values, wfish, 8, 0, 0);
    data_release(d);

    /* mouse: no dims in its conf; the base shape comes from the images' conf */
    int16_t mouse[6][3];
    for (int k = 0; k < 6; k++) {
        mouse[k][0] = (int16_t)k;
        mouse[k][1] = (int16_t)(-100 * k);
        mouse[k][2] = (int16_t)(7 * k);
    }
    put_file("old/mouse/series/key-00000.bin", mouse, sizeof mouse);
    put_text("old/mouse/series/conf.json",
             "{\"valuetype\": \"int16\", \"nvalues\": 2, \"keytype\": \"int16\", \"nkeys\": 1}");
    put_text("old/mouse/images/conf.json", "{\"dims\": [3, 2], \"dtype\": \"int16\"}");
    d = td_example_load(TD_SERIES, "mouse", tp("old"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){3, 2, 2});
    static const double wmouse[12] = {0, 0, -100, 7, -200, 14, -300, 21, -400, 28, -500, 35};
    assert_array_close(d->values, wmouse, 12, 0, 0);
    data_release(d);

    /* images dims that do not fit the records: one axis of records */
    put_text("old/mouse/images/conf.json", "{\"dims\": [4, 4], \"dtype\": \"int16\"}");
    d = td_example_load(TD_SERIES, "mouse", tp("old"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 2, (int64_t[]){6, 2});
    data_release(d);

    /* iris: float keys and values, in iris/iris.bin */
    double iris[2][3] = {{0, 5.1, 3.5}, {1, 4.9, 3.0}};
    put_file("old/iris/iris.bin", iris, sizeof iris);
    put_text("old/iris/conf.json",
             "{\"valuetype\": \"float\", \"nvalues\": 2, \"keytype\": \"float\", \"nkeys\": 1}");
    d = td_example_load(TD_SERIES, "iris", tp("old"), &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 2, (int64_t[]){2, 2});
    static const double wiris[4] = {5.1, 3.5, 4.9, 3.0};
    assert_array_close(d->values, wiris, 4, 0, 0);
    data_release(d);

    /* keys that are not a whole number of values */
    put_text("old/iris/conf.json",
             "{\"valuetype\": \"float\", \"nvalues\": 2, \"keytype\": \"int16\", \"nkeys\": 1}");
    assert_null(td_example_load(TD_SERIES, "iris", tp("old"), &e));
    assert_int_equal(e.kind, TD_EVALUE);
    assert_non_null(strstr(e.msg, "keys of 2 bytes"));
    put_text("old/iris/conf.json", "[1, 2]");
    assert_null(td_example_load(TD_SERIES, "iris", tp("old"), &e));
    assert_non_null(strstr(e.msg, "not a JSON object"));
}

/* Thunder's example data: the sizes and values numpy reads from it. */
static void test_load_shared(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/thunder-examples", dir);
    td_err e;
    td_data *d = td_example_load(TD_IMAGES, "mouse", path, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){500, 64, 64});
    assert_int_equal(data_dtype(d), TD_INT16);
    /* numpy: np.fromfile(image-00007.bin, 'int16').reshape(64, 64, order='F') */
    assert_int_equal(nd_get_i64(d->values, (7 * 64 + 10) * 64 + 20), 40);
    nd_array *im7 = data_record_range(d, 7, 8, &e);
    CHECK_OK(im7, &e);
    assert_true(sum_all(im7) == 371748);
    nd_release(im7);
    data_release(d);

    d = td_example_load(TD_IMAGES, "fish", path, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){20, 2, 76, 87});
    data_release(d);

    d = td_example_load(TD_SERIES, "mouse", path, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){64, 64, 500});
    assert_int_equal(nd_get_i64(d->values, (10 * 64 + 20) * 500 + 100), 103);
    assert_true(sum_all(d->values) == 165350240);
    data_release(d);

    d = td_example_load(TD_SERIES, "fish", path, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){76, 87, 2, 240});
    assert_int_equal(nd_get_i64(d->values, ((30 * 87 + 40) * 2 + 1) * 240 + 7), 106);
    assert_true(sum_all(d->values) == 168910759);
    data_release(d);

    d = td_example_load(TD_SERIES, "iris", path, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 2, (int64_t[]){150, 4});
    static const double first[4] = {5.1, 3.5, 1.4, 0.2};
    nd_array *row = data_first(d, &e);
    CHECK_OK(row, &e);
    assert_array_close(row, first, 4, 0, 0);
    nd_release(row);
    data_release(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_series_match_images),
        cmocka_unit_test(test_calcium_features),
        cmocka_unit_test(test_iris),
        cmocka_unit_test(test_load_thunder_layout),
        cmocka_unit_test(test_load_old_layout),
        cmocka_unit_test(test_load_shared),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

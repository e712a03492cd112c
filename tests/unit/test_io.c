/* Files: listing and slicing as Thunder does, every reader against
 * Thunder's example data (values cross-checked with numpy and with the
 * conformance cases real Thunder computed), round trips for every format
 * and dtype, TIFF and PNG variants written here with libtiff/libpng, the
 * malformed files, the overwrite rules and writers under injected faults. */
#define _GNU_SOURCE /* nftw */
#include "testutil.h"

#include <math.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <png.h>
#include <signal.h>
#include <sys/resource.h>
#include <tiffio.h>
#include <unistd.h>

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
    snprintf(root, sizeof root, "%s/thunder-io-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* root + "/" + formatted name, in one of a few rotating buffers. */
static const char *tp(const char *fmt, ...)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    int n = snprintf(b, 1024, "%s/", root);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b + n, 1024 - (size_t)n, fmt, ap);
    va_end(ap);
    return b;
}

static const char *dp(const char *dir, const char *rel)
{
    static char bufs[8][1024];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 1024, "%s/%s", dir, rel);
    return b;
}

static void put_file(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void put_text(const char *path, const char *text)
{
    put_file(path, text, strlen(text));
}

static char *slurp(const char *path, size_t *len)
{
    void *b;
    td_err e;
    CHECK_OK(io_read_file(path, 0, &b, len, &e) == 0, &e);
    return b;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries of dir whose names start with '.', other than . and .. */
static int hidden_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void expect_error(const void *result, const td_err *e, td_errkind kind, const char *needle)
{
    if (result)
        fail_msg("expected %s containing '%s', got a result", td_errkind_name(kind), needle);
    if (e->kind != kind)
        fail_msg("expected %s, got %s: %s", td_errkind_name(kind), td_errkind_name(e->kind), e->msg);
    if (needle && !strstr(e->msg, needle))
        fail_msg("message '%s' lacks '%s'", e->msg, needle);
}

static void expect_fail(int rc, const td_err *e, td_errkind kind, const char *needle)
{
    assert_int_equal(rc, -1);
    expect_error(NULL, e, kind, needle);
}

static double sum_range(const nd_array *a, int64_t begin, int64_t end)
{
    double s = 0;
    for (int64_t i = begin; i < end; i++)
        s += nd_get_f64(a, i);
    return s;
}

static td_images *images_of(td_dtype t, int ndim, const int64_t *shape)
{
    td_err e;
    nd_array *a = nd_new(t, ndim, shape, &e);
    CHECK_OK(a, &e);
    for (int64_t i = 0; i < a->size; i++) {
        /* Spread over the dtype's range, negatives included where it has them. */
        double v = td_dtype_is_float(t) ? (double)i * 1.25 - 7.5
                   : t == TD_BOOL       ? (double)(i % 3 == 0)
                                        : (double)((i * 37) % 251) - (td_dtype_is_signed(t) ? 120 : 0);
        nd_set_f64(a, i, v);
    }
    td_images *d = img_fromarray(a, &e);
    nd_release(a);
    CHECK_OK(d, &e);
    return d;
}

static void assert_same_data(const td_data *a, const td_data *b)
{
    assert_int_equal(data_dtype(a), data_dtype(b));
    assert_shape(b->values, a->values->ndim, a->values->shape);
    assert_memory_equal(a->values->data, b->values->data, nd_nbytes(a->values));
}

/* --- listing -------------------------------------------------------------------- */

static void test_list_files(void **state)
{
    (void)state;
    td_err e;
    mkdir(tp("list"), 0777);
    mkdir(tp("list/sub"), 0777);
    mkdir(tp("list/dir.tif"), 0777);
    const char *names[] = {"b.tif", "a.tiff", "c.TIF", ".hidden.tif", "d.png", "sub/e.tif", "sub/f.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        put_text(tp("list/%s", names[i]), "x");

    io_select tif = {.ext = "tif"};
    io_files *f = io_list_files(tp("list"), &tif, &e);
    CHECK_OK(f, &e);
    /* glob leaves out hidden files, case matters, directories go. */
    assert_int_equal(f->n, 2);
    assert_string_equal(f->paths[0], tp("list/a.tiff"));
    assert_string_equal(f->paths[1], tp("list/b.tif"));
    io_files_free(f);

    /* No ext: os.listdir, hidden files included; byte order. */
    f = io_list_files(tp("list/"), NULL, &e);
    CHECK_OK(f, &e);
    assert_int_equal(f->n, 5);
    assert_string_equal(f->paths[0], tp("list/.hidden.tif"));
    assert_string_equal(f->paths[1], tp("list/a.tiff"));
    assert_string_equal(f->paths[3], tp("list/c.TIF"));
    assert_string_equal(f->paths[4], tp("list/d.png"));
    io_files_free(f);

    /* A pattern takes whatever matches, ext notwithstanding. */
    f = io_list_files(tp("list/*.png"), &tif, &e);
    CHECK_OK(f, &e);
    assert_int_equal(f->n, 1);
    assert_string_equal(f->paths[0], tp("list/d.png"));
    io_files_free(f);

    /* Recursive: fnmatch, so hidden files count; sorted by full path. */
    io_select rec = {.ext = "tif", .recursive = true};
    f = io_list_files(tp("list"), &rec, &e);
    CHECK_OK(f, &e);
    assert_int_equal(f->n, 4);
    assert_string_equal(f->paths[0], tp("list/.hidden.tif"));
    assert_string_equal(f->paths[3], tp("list/sub/e.tif"));
    io_files_free(f);

    /* start/stop as Python slices; stop=0 alone slices nothing (Thunder's `if start or stop`). */
    io_select sl = {.ext = "tif", .start = 1, .has_start = true};
    f = io_list_files(tp("list"), &sl, &e);
    CHECK_OK(f, &e);
    assert_int_equal(f->n, 1);
    assert_string_equal(f->paths[0], tp("list/b.tif"));
    io_files_free(f);
    sl = (io_select){.ext = "tif", .start = -1, .has_start = true};
    f = io_list_files(tp("list"), &sl, &e);
    CHECK_OK(f, &e);
    assert_string_equal(f->paths[0], tp("list/b.tif"));
    io_files_free(f);
    sl = (io_select){.ext = "tif", .stop = 0, .has_stop = true};
    f = io_list_files(tp("list"), &sl, &e);
    CHECK_OK(f, &e);
    assert_int_equal(f->n, 2);
    io_files_free(f);
    sl = (io_select){.ext = "tif", .start = 5, .has_start = true};
    expect_error(io_list_files(tp("list"), &sl, &e), &e, TD_ENOTFOUND, "select none");

    io_select png = {.ext = "jpg"};
    expect_error(io_list_files(tp("list"), &png, &e), &e, TD_ENOTFOUND, "Cannot find files of type \"jpg\"");
    expect_error(io_list_files(tp("nowhere"), NULL, &e), &e, TD_ENOTFOUND, "nowhere");
    /* file:// is Thunder's local scheme. */
    char uri[1100];
    snprintf(uri, sizeof uri, "file://%s", tp("list/d.png"));
    f = io_list_files(uri, NULL, &e);
    CHECK_OK(f, &e);
    assert_int_equal(f->n, 1);
    io_files_free(f);
}

static void test_read_file(void **state)
{
    (void)state;
    td_err e;
    put_text(tp("small.bin"), "hello");
    void *b;
    size_t n;
    CHECK_OK(io_read_file(tp("small.bin"), 0, &b, &n, &e) == 0, &e);
    assert_int_equal(n, 5);
    assert_string_equal(b, "hello");
    td_scratch_free(b);
    expect_fail(io_read_file(tp("small.bin"), 4, &b, &n, &e), &e, TD_EMEMORY, "small.bin");
    expect_fail(io_read_file(tp("list"), 0, &b, &n, &e), &e, TD_EIO, "Is a directory");
    expect_fail(io_read_file(tp("missing.bin"), 0, &b, &n, &e), &e, TD_ENOTFOUND, "missing.bin");
    /* A FIFO is refused at once rather than waited on. */
    assert_int_equal(mkfifo(tp("fifo.tif"), 0666), 0);
    expect_fail(io_read_file(tp("fifo.tif"), 0, &b, &n, &e), &e, TD_EIO, "not a regular file");
    expect_error(io_images_fromtif(tp("fifo.tif"), NULL, 0, false, &e), &e, TD_EIO, "fifo.tif");
    unlink(tp("fifo.tif"));
}

/* --- Thunder's example data ----------------------------------------------------- */

static void test_fish_images(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    td_err e;
    td_images *d = io_images_fromtif(dp(dir, "thunder-examples/fish/images"), NULL, 0, false, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){20, 2, 76, 87});
    assert_int_equal(data_dtype(d), TD_UINT8);
    /* Values from the conformance case images_totif_roundtrip (fish, stop=3). */
    const nd_array *v = d->values;
    int64_t img = 2 * 76 * 87;
    assert_int_equal(nd_get_i64(v, 0), 26);
    assert_int_equal(nd_get_i64(v, 1 * 76 * 87 + 40 * 87 + 50), 64);
    assert_int_equal(nd_get_i64(v, 2 * img + 75 * 87 + 86), 26);
    assert_int_equal(nd_get_i64(v, img + 76 * 87 + 10 * 87 + 20), 26);
    assert_int_equal(nd_get_i64(v, 2 * img + 76 * 87 + 38 * 87 + 43), 115);
    assert_true(sum_range(v, 0, img) == 711884);
    assert_true(sum_range(v, img, 2 * img) == 710478);
    assert_true(sum_range(v, 2 * img, 3 * img) == 708158);
    data_release(d);

    /* nplanes=1 and stop=3: six 2-D images (conformance images_fromtif_nplanes). */
    io_select sel = {.ext = "tif", .stop = 3, .has_stop = true};
    d = io_images_fromtif(dp(dir, "thunder-examples/fish/images"), &sel, 1, false, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){6, 76, 87});
    assert_true(sum_range(d->values, 0, d->values->size) == 2130520);
    data_release(d);
}

static void warn_count(const char *msg, void *user)
{
    int *n = user;
    if (strstr(msg, "Ignored 1 pages in file") && strstr(msg, "dotdotdot_lzw.tif"))
        (*n)++;
}

static void test_fromtif_resources(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    td_err e;
    /* Thunder's own tests (test_images_io.py) give these sums. */
    td_images *d = io_images_fromtif(dp(dir, "thunder-test-resources/singlelayer_tif/dot1_grey_lzw.tif"),
                                     NULL, 0, false, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){1, 70, 75});
    assert_true(sum_range(d->values, 0, d->values->size) == 1233881);
    /* The conformance case's PIL values: minimum 1 at (46, 6), 96 pixels not 239. */
    assert_int_equal(nd_get_i64(d->values, 46 * 75 + 6), 1);
    assert_int_equal(nd_get_i64(d->values, 46 * 75 + 9), 1);
    assert_int_equal(nd_get_i64(d->values, 0), 239);
    int not239 = 0;
    for (int64_t i = 0; i < d->values->size; i++)
        not239 += nd_get_i64(d->values, i) != 239;
    assert_int_equal(not239, 96);
    data_release(d);

    d = io_images_fromtif(dp(dir, "thunder-test-resources/singlelayer_tif/dot*_grey_lzw.tif"), NULL, 0, false,
                          &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){3, 70, 75});
    const double many[3] = {1233881, 1212169, 1191300};
    for (int i = 0; i < 3; i++)
        assert_true(sum_range(d->values, i * 5250, (i + 1) * 5250) == many[i]);
    data_release(d);

    const double dots[3] = {1140006, 1119161, 1098917};
    d = io_images_fromtif(dp(dir, "thunder-test-resources/multilayer_tif/dotdotdot_float32.tif"), NULL, 0,
                          false, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){1, 3, 70, 75});
    assert_int_equal(data_dtype(d), TD_FLOAT32);
    for (int i = 0; i < 3; i++)
        assert_true(sum_range(d->values, i * 5250, (i + 1) * 5250) == dots[i]);
    data_release(d);

    d = io_images_fromtif(dp(dir, "thunder-test-resources/multilayer_tif/dotdot*_lzw*.tif"), NULL, 1, false,
                          &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){8, 70, 75});
    const double var[8] = {1140006, 1119161, 1140006, 1119161, 1098917, 1140006, 1119161, 1098917};
    for (int i = 0; i < 8; i++)
        assert_true(sum_range(d->values, i * 5250, (i + 1) * 5250) == var[i]);
    data_release(d);

    d = io_images_fromtif(dp(dir, "thunder-test-resources/multilayer_tif/test_signed.tif"), NULL, 1, false,
                          &e);
    CHECK_OK(d, &e);
    assert_int_equal(data_dtype(d), TD_INT16);
    assert_shape(d->values, 3, (int64_t[]){2, 120, 120});
    assert_true(sum_range(d->values, 0, 14400) == 1973201);
    assert_true(sum_range(d->values, 14400, 28800) == 2254767);
    data_release(d);

    /* nplanes=2 on three pages: an error, or the extra page dropped with a warning. */
    char three[1024];
    snprintf(three, sizeof three, "%s", dp(dir, "thunder-test-resources/multilayer_tif/dotdotdot_lzw.tif"));
    expect_error(io_images_fromtif(three, NULL, 2, false, &e), &e, TD_EVALUE,
                 "nplanes '2' does not evenly divide");
    int warned = 0;
    io_select sel = {.ext = "tif", .warn = warn_count, .warn_user = &warned};
    d = io_images_fromtif(three, &sel, 2, true, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){1, 2, 70, 75});
    assert_true(sum_range(d->values, 0, 5250) == dots[0]);
    assert_int_equal(warned, 1);
    data_release(d);
    d = io_images_fromtif(three, NULL, 3, false, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){1, 3, 70, 75});
    data_release(d);
    expect_error(io_images_fromtif(three, NULL, -1, false, &e), &e, TD_EVALUE, "nplanes must be positive");

    /* A PNG of the same picture gives the same pixels (conformance images_frompng). */
    td_images *t = io_images_fromtif(dp(dir, "thunder-test-resources/singlelayer_tif/dot2_grey_lzw.tif"),
                                     NULL, 0, false, &e);
    CHECK_OK(t, &e);
    td_images *p =
        io_images_frompng(dp(dir, "thunder-test-resources/singlelayer_png/dot2_grey.png"), NULL, &e);
    CHECK_OK(p, &e);
    assert_same_data(t, p);
    data_release(t);
    data_release(p);
    p = io_images_frompng(dp(dir, "thunder-test-resources/singlelayer_png"), NULL, &e);
    CHECK_OK(p, &e);
    assert_shape(p->values, 3, (int64_t[]){3, 70, 75});
    assert_true(sum_range(p->values, 0, 5250) == 1233881);
    data_release(p);

    expect_error(io_images_fromtif(dp(dir, "no-such-folder"), NULL, 0, false, &e), &e, TD_ENOTFOUND,
                 "no-such-folder");
}

static void test_mouse_frombinary(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    td_err e;
    char mouse[1024];
    snprintf(mouse, sizeof mouse, "%s", dp(dir, "thunder-examples/mouse/images"));
    /* Shape (dims) and dtype from conf.json, Fortran order as fromexample('mouse'). */
    td_images *d = io_images_frombinary(mouse, NULL, 0, NULL, -1, NULL, 'F', 0, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){500, 64, 64});
    assert_int_equal(data_dtype(d), TD_INT16);
    /* numpy: np.fromfile(f, 'int16').reshape(64, 64, order='F') per sorted file. */
    assert_int_equal(nd_get_i64(d->values, 1 * 64 + 2), 13);
    assert_int_equal(nd_get_i64(d->values, 10 * 64 + 3), 18);
    assert_int_equal(nd_get_i64(d->values, 7 * 4096 + 5 * 64 + 60), 40);
    assert_int_equal(nd_get_i64(d->values, 499 * 4096 + 63 * 64), 0);
    assert_true(sum_range(d->values, 0, d->values->size) == 165350240);
    data_release(d);

    /* Conformance images_frombinary_args: no conf, shape and dtype given, C order. */
    io_select sel = {.ext = "bin", .start = 5, .has_start = true, .stop = 7, .has_stop = true};
    d = io_images_frombinary(mouse, &sel, 2, (int64_t[]){32, 128}, TD_INT16, "missing.json", 'C', 0, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){2, 32, 128});
    assert_true(sum_range(d->values, 0, d->values->size) == 746341);
    data_release(d);
    /* Conformance err_frombinary_no_shape. */
    expect_error(io_images_frombinary(mouse, NULL, 0, NULL, -1, "missing.json", 'C', 0, &e), &e, TD_EVALUE,
                 "Image shape must be specified");
}

static void test_series_examples(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    td_err e;
    td_series *s = io_series_frombinary(dp(dir, "thunder-examples/fish/series"), "bin", NULL, 4,
                                        (int64_t[]){76, 87, 2, 240}, TD_UINT8, 6, &e);
    CHECK_OK(s, &e);
    assert_shape(s->values, 4, (int64_t[]){76, 87, 2, 240});
    assert_int_equal(data_dtype(s), TD_UINT8);
    /* numpy: np.fromfile(f, 'uint8').reshape(-1, 246)[:, 6:].reshape(76, 87, 2, 240). */
    assert_true(sum_range(s->values, 0, s->values->size) == 168910759);
    assert_int_equal(nd_get_i64(s->values, ((10 * 87 + 20) * 2 + 1) * 240 + 100), 55);
    assert_int_equal(nd_get_i64(s->values, s->values->size - 1), 26);
    double part = 0; /* [30:40, 40:50]: the conformance case series_frombinary_fish */
    for (int64_t i = 30; i < 40; i++)
        part += sum_range(s->values, (i * 87 + 40) * 480, (i * 87 + 50) * 480);
    assert_true(part == 2535707);
    data_release(s);

    td_series *b = io_series_frombinary(dp(dir, "thunder-examples/iris/iris.bin"), "bin", NULL, 2,
                                        (int64_t[]){150, 4}, TD_FLOAT64, 1, &e);
    CHECK_OK(b, &e);
    assert_shape(b->values, 2, (int64_t[]){150, 4});
    assert_true(nd_get_f64(b->values, 0) == 5.1 && nd_get_f64(b->values, 3) == 0.2);
    assert_true(nd_get_f64(b->values, 596) == 5.9 && nd_get_f64(b->values, 599) == 1.8);
    /* fromtext of the same table (a path without extension means *.txt inside). */
    td_series *t = io_series_fromtext(dp(dir, "thunder-examples/iris"), "txt", 1, 0, NULL, &e);
    CHECK_OK(t, &e);
    assert_same_data(b, t);
    data_release(t);
    data_release(b);
    /* conf.json of the iris folder has no dtype/shape keys. */
    expect_error(
        io_series_frombinary(dp(dir, "thunder-examples/iris/iris.bin"), "bin", NULL, 0, NULL, -1, 1, &e), &e,
        TD_EVALUE, "dtype not specified");
}

/* --- binary and text of our own ------------------------------------------------- */

static void test_images_frombinary(void **state)
{
    (void)state;
    td_err e;
    mkdir(tp("ib"), 0777);
    int32_t a[16];
    for (int i = 0; i < 16; i++)
        a[i] = i;
    put_file(tp("ib/test0.bin"), a, 8 * sizeof a[0]);
    put_file(tp("ib/test1.bin"), a + 8, 8 * sizeof a[0]);
    /* Thunder's test_from_binary_conf: the conf's dims and dtype win over arguments. */
    put_text(tp("ib/conf.json"), "{\"dims\": [2, 4], \"dtype\": \"int32\"}");
    td_images *d = io_images_frombinary(tp("ib"), NULL, 2, (int64_t[]){4, 2}, TD_UINT8, NULL, 'C', 0, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){2, 2, 4});
    assert_int_equal(data_dtype(d), TD_INT32);
    assert_memory_equal(d->values->data, a, sizeof a);
    data_release(d);
    /* "shape" wins over "dims". Two 1-D images stack to one 2-D array,
     * which Thunder's fromarray takes as a single image. */
    put_text(tp("ib/conf.json"), "{\"dims\": [2, 4], \"shape\": [8], \"dtype\": \"int32\"}");
    d = io_images_frombinary(tp("ib"), NULL, 0, NULL, -1, NULL, 'C', 0, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){1, 2, 8});
    data_release(d);

    put_text(tp("ib/conf.json"), "{\"shape\": [2, 4], ");
    expect_error(io_images_frombinary(tp("ib"), NULL, 0, NULL, -1, NULL, 'C', 0, &e), &e, TD_EVALUE,
                 "invalid JSON");
    put_text(tp("ib/conf.json"), "[2, 4]");
    expect_error(io_images_frombinary(tp("ib"), NULL, 0, NULL, -1, NULL, 'C', 0, &e), &e, TD_EVALUE,
                 "not a JSON object");
    put_text(tp("ib/conf.json"), "{\"shape\": [2, \"4\"]}");
    expect_error(io_images_frombinary(tp("ib"), NULL, 0, NULL, -1, NULL, 'C', 0, &e), &e, TD_EVALUE,
                 "conf 'shape'");
    put_text(tp("ib/conf.json"), "{\"shape\": [2, 4], \"dtype\": \"float99\"}");
    expect_error(io_images_frombinary(tp("ib"), NULL, 0, NULL, -1, NULL, 'C', 0, &e), &e, TD_ETYPE,
                 "float99");
    /* Too short for the shape: named. */
    put_text(tp("ib/conf.json"), "{\"shape\": [4, 4], \"dtype\": \"int32\"}");
    expect_error(io_images_frombinary(tp("ib"), NULL, 0, NULL, -1, NULL, 'C', 0, &e), &e, TD_EVALUE,
                 "test0.bin");
    unlink(tp("ib/conf.json"));

    /* Thunder's test_from_binary_multi_planes_many. */
    int16_t b[32];
    for (int i = 0; i < 32; i++)
        b[i] = (int16_t)i;
    put_file(tp("ib/test0.bin"), b, 32);
    put_file(tp("ib/test1.bin"), b + 16, 32);
    d = io_images_frombinary(tp("ib"), NULL, 3, (int64_t[]){4, 2, 2}, TD_INT16, NULL, 'C', 2, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){2, 4, 2, 2});
    assert_memory_equal(d->values->data, b, sizeof b);
    data_release(d);
    d = io_images_frombinary(tp("ib"), NULL, 3, (int64_t[]){4, 2, 2}, TD_INT16, NULL, 'C', 1, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 3, (int64_t[]){4, 4, 2});
    assert_array_close(d->values, (double[]){0,  2,  4,  6,  8,  10, 12, 14, 1,  3,  5,  7,  9,  11, 13, 15,
                                             16, 18, 20, 22, 24, 26, 28, 30, 17, 19, 21, 23, 25, 27, 29, 31},
                       32, 0, 0);
    data_release(d);
    expect_error(io_images_frombinary(tp("ib"), NULL, 3, (int64_t[]){4, 2, 3}, TD_INT16, NULL, 'C', 2, &e),
                 &e, TD_EVALUE, "must be divisible by nplanes");
    /* Fortran order with nplanes; numpy: arange(24).reshape((2,3,4), order='F')[..., 0:2] and [..., 2:4]. */
    unlink(tp("ib/test1.bin"));
    int16_t f[24];
    for (int i = 0; i < 24; i++)
        f[i] = (int16_t)i;
    put_file(tp("ib/test0.bin"), f, sizeof f);
    d = io_images_frombinary(tp("ib"), NULL, 3, (int64_t[]){2, 3, 4}, TD_INT16, NULL, 'F', 2, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){2, 2, 3, 2});
    assert_array_close(d->values, (double[]){0,  6,  2,  8,  4,  10, 1,  7,  3,  9,  5,  11,
                                             12, 18, 14, 20, 16, 22, 13, 19, 15, 21, 17, 23},
                       24, 0, 0);
    data_release(d);
    expect_error(io_images_frombinary(tp("ib"), NULL, 3, (int64_t[]){2, 3, 4}, TD_INT16, NULL, 'X', 0, &e),
                 &e, TD_EVALUE, "order");
}

static void test_series_binary_and_text(void **state)
{
    (void)state;
    td_err e;
    mkdir(tp("sb"), 0777);
    /* Thunder's test_from_binary_skip: a key before two values per record. */
    int16_t rec[30];
    for (int i = 0; i < 10; i++) {
        rec[3 * i] = (int16_t)i;
        rec[3 * i + 1] = 0;
        rec[3 * i + 2] = (int16_t)(i * 10);
    }
    put_file(tp("sb/data.bin"), rec, sizeof rec);
    put_text(tp("sb/conf.json"), "{\"shape\": [5, 2, 2], \"dtype\": \"int32\"}");
    /* Arguments win over the conf here. */
    td_series *s = io_series_frombinary(tp("sb"), "bin", NULL, 2, (int64_t[]){10, 2}, TD_INT16, 1, &e);
    CHECK_OK(s, &e);
    assert_shape(s->values, 2, (int64_t[]){10, 2});
    for (int i = 0; i < 10; i++) {
        assert_int_equal(nd_get_i64(s->values, 2 * i), 0);
        assert_int_equal(nd_get_i64(s->values, 2 * i + 1), i * 10);
    }
    data_release(s);
    /* The conf's shape with the dtype given: 15 int16 records of 1 + 1 values. */
    put_text(tp("sb/conf.json"), "{\"shape\": [5, 3, 1], \"dtype\": \"int32\"}");
    s = io_series_frombinary(tp("sb"), "bin", NULL, 0, NULL, TD_INT16, 1, &e);
    CHECK_OK(s, &e);
    assert_shape(s->values, 3, (int64_t[]){5, 3, 1});
    assert_int_equal(nd_get_i64(s->values, 14), 90);
    assert_int_equal(nd_get_i64(s->values, 13), 9); /* int16 element 27: the key of row 9 */
    data_release(s);
    /* In parts, over two files (records 0-5 and 6-9): 3 parts of 4, 3 and 3
     * records, each read from its own bytes, keys skipped */
    put_file(tp("sb/data.bin"), rec, 18 * sizeof *rec);
    put_file(tp("sb/more.bin"), rec + 18, 12 * sizeof *rec);
    const int64_t firsts[4] = {0, 4, 7, 10};
    for (int p = 0; p < 3; p++) {
        int nd;
        int64_t whole[ND_MAXDIM];
        s = io_series_frombinary_part(tp("sb"), "bin", NULL, 2, (int64_t[]){10, 2}, TD_INT16, 1, p, 3, &nd,
                                      whole, &e);
        CHECK_OK(s, &e);
        assert_int_equal(nd, 2);
        assert_memory_equal(whole, ((int64_t[]){10, 2}), 2 * sizeof *whole);
        assert_shape(s->values, 2, (int64_t[]){firsts[p + 1] - firsts[p], 2});
        for (int64_t i = firsts[p]; i < firsts[p + 1]; i++)
            assert_int_equal(nd_get_i64(s->values, 2 * (i - firsts[p]) + 1), i * 10);
        data_release(s);
    }
    /* fewer records than parts: every part is the whole */
    int nd;
    int64_t whole[ND_MAXDIM];
    s = io_series_frombinary_part(tp("sb"), "bin", NULL, 2, (int64_t[]){10, 2}, TD_INT16, 1, 3, 11, &nd,
                                  whole, &e);
    CHECK_OK(s, &e);
    assert_shape(s->values, 2, (int64_t[]){10, 2});
    data_release(s);
    unlink(tp("sb/more.bin"));
    put_file(tp("sb/data.bin"), rec, sizeof rec);
    expect_error(io_series_frombinary(tp("sb"), "bin", NULL, 2, (int64_t[]){9, 2}, TD_INT16, 1, &e), &e,
                 TD_EVALUE, "Unexpected shape, got 10 records but expected 9");
    expect_error(io_series_frombinary(tp("sb"), "bin", NULL, 2, (int64_t[]){4, 3}, TD_INT16, 1, &e), &e,
                 TD_EVALUE, "not a whole number of records");
    unlink(tp("sb/conf.json"));
    expect_error(io_series_frombinary(tp("sb"), "bin", NULL, 0, NULL, TD_INT16, 1, &e), &e, TD_EVALUE,
                 "shape not specified");

    /* Text: blank-separated, first skip values dropped, text after the last newline is no line. */
    mkdir(tp("st"), 0777);
    put_text(tp("st/a.txt"), "0 1.5 2\n1\t-3e2  4\r\n");
    put_text(tp("st/b.txt"), "2 5 6\n3 7 8.25\n4 9 9");
    td_series *t = io_series_fromtext(tp("st"), "txt", 1, 0, NULL, &e);
    CHECK_OK(t, &e);
    assert_shape(t->values, 2, (int64_t[]){4, 2});
    assert_int_equal(data_dtype(t), TD_FLOAT64);
    assert_array_close(t->values, (double[]){1.5, 2, -300, 4, 5, 6, 7, 8.25}, 8, 0, 0);
    data_release(t);
    t = io_series_fromtext(tp("st/*.txt"), "txt", 0, 3, (int64_t[]){2, 2, -1}, &e);
    CHECK_OK(t, &e);
    assert_shape(t->values, 3, (int64_t[]){2, 2, 3});
    data_release(t);
    put_text(tp("st/c.txt"), "5 1\n");
    expect_error(io_series_fromtext(tp("st"), "txt", 0, 0, NULL, &e), &e, TD_EVALUE,
                 "c.txt has 2 values per line");
    put_text(tp("st/c.txt"), "5 1 2\n6 1\n");
    expect_error(io_series_fromtext(tp("st"), "txt", 0, 0, NULL, &e), &e, TD_EVALUE, "c.txt, line 2");
    put_text(tp("st/c.txt"), "5 1 x2\n");
    expect_error(io_series_fromtext(tp("st"), "txt", 0, 0, NULL, &e), &e, TD_EVALUE,
                 "could not convert 'x2'");
}

/* --- round trips ------------------------------------------------------------------ */

static const char *const conf_2x3x4_int16 =
    "{\n  \"shape\": [\n    2,\n    3,\n    4\n  ],\n  \"dtype\": \"int16\"\n}";

static void test_tobinary_roundtrip(void **state)
{
    (void)state;
    td_err e;
    for (int t = 0; t < TD_NDTYPES; t++) {
        td_images *d = images_of((td_dtype)t, 4, (int64_t[]){3, 2, 3, 4});
        char out[1024];
        snprintf(out, sizeof out, "%s", tp("tb-%s", td_dtype_name((td_dtype)t)));
        CHECK_OK(io_images_tobinary(d, out, NULL, false, &e) == 0, &e);
        td_images *back = io_images_frombinary(out, NULL, 0, NULL, -1, NULL, 'C', 0, &e);
        CHECK_OK(back, &e);
        assert_same_data(d, back);
        data_release(back);
        data_release(d);
    }
    /* Thunder's layout: raw records, conf.json as json.dumps(indent=2), an empty SUCCESS. */
    char out[1024];
    snprintf(out, sizeof out, "%s", tp("tb-int16"));
    size_t n;
    char *conf = slurp(dp(out, "conf.json"), &n);
    assert_string_equal(conf, conf_2x3x4_int16);
    td_scratch_free(conf);
    char *succ = slurp(dp(out, "SUCCESS"), &n);
    assert_int_equal(n, 0);
    td_scratch_free(succ);
    char *rec = slurp(dp(out, "image-00002.bin"), &n);
    assert_int_equal(n, 48);
    int16_t v;
    memcpy(&v, rec + 2, 2); /* flat element 2 * 24 + 1 of the Images */
    assert_int_equal(v, (49 * 37) % 251 - 120);
    td_scratch_free(rec);
    assert_false(exists(dp(out, "image-00003.bin")));
    /* A prefix of one's own. */
    td_images *d = images_of(TD_UINT8, 3, (int64_t[]){2, 2, 2});
    CHECK_OK(io_images_tobinary(d, tp("tb-prefix"), "frame", false, &e) == 0, &e);
    assert_true(exists(tp("tb-prefix/frame-00001.bin")));
    expect_fail(io_images_tobinary(d, tp("tb-escape"), "../escape", false, &e), &e, TD_EVALUE,
                "cannot contain '/'");
    assert_false(exists(tp("escape-00000.bin")));
    assert_false(exists(tp("tb-escape")));
    data_release(d);
}

static void test_totif_roundtrip(void **state)
{
    (void)state;
    td_err e;
    for (int t = 1; t < TD_NDTYPES; t++) {
        /* 2-D, 3-D as pages, 3-D with 3 and 4 samples. */
        const int64_t shapes[4][4] = {{2, 5, 7}, {2, 3, 5, 7}, {2, 5, 7, 3}, {1, 4, 6, 4}};
        const int nd[4] = {3, 4, 4, 4};
        for (int k = 0; k < 4; k++) {
            td_images *d = images_of((td_dtype)t, nd[k], shapes[k]);
            char out[1024];
            snprintf(out, sizeof out, "%s", tp("tt-%s-%d", td_dtype_name((td_dtype)t), k));
            CHECK_OK(io_images_totif(d, out, NULL, false, &e) == 0, &e);
            td_images *back = io_images_fromtif(out, NULL, 0, false, &e);
            CHECK_OK(back, &e);
            assert_same_data(d, back);
            data_release(back);
            data_release(d);
        }
    }
    assert_true(exists(tp("tt-uint16-1/image-00001.tif")));
    /* Renamed to .tiff they still load with ext 'tif' (Thunder's test_to_tiff_roundtrip_multipage). */
    assert_int_equal(rename(tp("tt-uint16-1/image-00001.tif"), tp("tt-uint16-1/image-00001.tiff")), 0);
    td_images *back = io_images_fromtif(tp("tt-uint16-1"), NULL, 0, false, &e);
    CHECK_OK(back, &e);
    assert_shape(back->values, 4, (int64_t[]){2, 3, 5, 7});
    data_release(back);

    td_images *b = images_of(TD_BOOL, 3, (int64_t[]){1, 2, 2});
    expect_fail(io_images_totif(b, tp("tt-bool"), NULL, false, &e), &e, TD_ETYPE, "bool");
    assert_false(exists(tp("tt-bool")));
    data_release(b);
    td_images *four = images_of(TD_UINT8, 5, (int64_t[]){1, 2, 2, 2, 2});
    expect_fail(io_images_totif(four, tp("tt-4d"), NULL, false, &e), &e, TD_EVALUE, "Only 2D or 3D");
    data_release(four);
}

static int reset_threads(void **state)
{
    (void)state;
    td_par_set_threads(0);
    return 0;
}

/* Several bad files read in parallel: the error always names the first
 * one in order, whatever the number of threads and their timing. */
static void test_first_error(void **state)
{
    (void)state;
    td_err e;
    mkdir(tp("fe"), 0777);
    mkdir(tp("fe/bin"), 0777);
    mkdir(tp("fe/tif"), 0777);
    mkdir(tp("fe/txt"), 0777);
    uint8_t ok[16] = {0};
    for (int i = 0; i < 12; i++) {
        char name[64];
        /* files 3, 7 and 10 are bad */
        bool bad = i == 3 || i == 7 || i == 10;
        snprintf(name, sizeof name, "fe/bin/im-%02d.bin", i);
        put_file(tp("%s", name), ok, bad ? 8 : 16);
        snprintf(name, sizeof name, "fe/tif/im-%02d.tif", i);
        put_text(tp("%s", name), "not a tiff");
        snprintf(name, sizeof name, "fe/txt/s-%02d.txt", i);
        put_text(tp("%s", name), bad ? "1 2\n3 x\n" : "1 2\n3 4\n");
    }
    td_images *good = images_of(TD_UINT8, 3, (int64_t[]){3, 4, 4});
    CHECK_OK(io_images_totif(good, tp("fe/tif-ok"), NULL, false, &e) == 0, &e);
    data_release(good);
    for (int threads = 1; threads <= 8; threads++) {
        td_par_set_threads(threads);
        expect_error(
            io_images_frombinary(tp("fe/bin"), NULL, 2, (int64_t[]){4, 4}, TD_UINT8, NULL, 'C', 0, &e), &e,
            TD_EVALUE, "im-03.bin: the file has 8 bytes");
        expect_error(io_images_fromtif(tp("fe/tif"), NULL, 0, false, &e), &e, TD_EVALUE, "im-00.tif");
        expect_error(io_series_fromtext(tp("fe/txt"), "txt", 0, 0, NULL, &e), &e, TD_EVALUE,
                     "s-03.txt, line 2: could not convert 'x'");
        /* good files after a bad one do not change the answer */
        io_select sel = {.ext = "tif", .start = 1, .has_start = true};
        expect_error(io_images_fromtif(tp("fe/tif"), &sel, 0, false, &e), &e, TD_EVALUE, "im-01.tif");
    }
}

static void test_topng(void **state)
{
    (void)state;
    td_err e;
    /* uint8 as is (conformance images_topng_roundtrip): arange(60).reshape(3, 4, 5) * 4. */
    nd_array *a = nd_new(TD_UINT8, 3, (int64_t[]){3, 4, 5}, &e);
    for (int i = 0; i < 60; i++)
        nd_set_i64(a, i, i * 4);
    td_images *d = img_fromarray(a, &e);
    nd_release(a);
    CHECK_OK(io_images_topng(d, tp("png-u8"), NULL, false, &e) == 0, &e);
    td_images *back = io_images_frompng(tp("png-u8"), NULL, &e);
    CHECK_OK(back, &e);
    assert_same_data(d, back);
    data_release(back);
    data_release(d);

    /* RGB and RGBA uint8 come back unchanged. */
    for (int ch = 3; ch <= 4; ch++) {
        d = images_of(TD_UINT8, 4, (int64_t[]){2, 3, 5, ch});
        char out[1024];
        snprintf(out, sizeof out, "%s", tp("png-rgb%d", ch));
        CHECK_OK(io_images_topng(d, out, NULL, false, &e) == 0, &e);
        back = io_images_frompng(out, NULL, &e);
        CHECK_OK(back, &e);
        assert_same_data(d, back);
        data_release(back);
        data_release(d);
    }

    /* Other dtypes are rescaled per image as scipy's bytescale (values from numpy). */
    nd_array *f = nd_new(TD_FLOAT64, 3, (int64_t[]){4, 2, 2}, &e);
    const double fv[16] = {0, 0.5, 1, 2, -10, 0, 10, 3, 7, 7, 7, 7, 1, NAN, 2, 3};
    for (int i = 0; i < 16; i++)
        nd_set_f64(f, i, fv[i]);
    d = img_fromarray(f, &e);
    nd_release(f);
    CHECK_OK(io_images_topng(d, tp("png-f64"), NULL, false, &e) == 0, &e);
    back = io_images_frompng(tp("png-f64"), NULL, &e);
    CHECK_OK(back, &e);
    assert_int_equal(data_dtype(back), TD_UINT8);
    assert_array_close(back->values, (double[]){0, 64, 128, 255, 0, 128, 255, 166, 0, 0, 0, 0, 0, 0, 0, 0},
                       16, 0, 0);
    data_release(back);
    data_release(d);

    d = images_of(TD_UINT8, 5, (int64_t[]){1, 2, 2, 2, 2});
    expect_fail(io_images_topng(d, tp("png-4d"), NULL, false, &e), &e, TD_EVALUE, "Only 2D or 3D");
    data_release(d);
    d = images_of(TD_UINT8, 4, (int64_t[]){1, 2, 2, 5});
    expect_fail(io_images_topng(d, tp("png-5ch"), NULL, false, &e), &e, TD_EVALUE, "3 or 4");
    assert_false(exists(tp("png-5ch")));
    data_release(d);
}

static void test_series_tobinary(void **state)
{
    (void)state;
    td_err e;
    for (int t = 0; t < TD_NDTYPES; t++) {
        td_images *src = images_of((td_dtype)t, 3, (int64_t[]){2, 3, 4});
        td_series *s = ser_fromarray(src->values, NULL, &e);
        CHECK_OK(s, &e);
        char out[1024];
        snprintf(out, sizeof out, "%s", tp("sr-%s", td_dtype_name((td_dtype)t)));
        CHECK_OK(io_series_tobinary(s, out, NULL, false, &e) == 0, &e);
        td_series *back = io_series_frombinary(out, "bin", NULL, 0, NULL, -1, 0, &e);
        CHECK_OK(back, &e);
        assert_same_data(s, back);
        data_release(back);
        data_release(s);
        data_release(src);
    }
    /* One file named by the first key, "-00000" per base axis; conf with the full shape. */
    char out[1024];
    snprintf(out, sizeof out, "%s", tp("sr-int16"));
    assert_true(exists(dp(out, "series-00000-00000.bin")));
    size_t n;
    char *conf = slurp(dp(out, "conf.json"), &n);
    assert_string_equal(conf, conf_2x3x4_int16);
    td_scratch_free(conf);
    nd_array *flat = nd_zeros(TD_INT16, 2, (int64_t[]){4, 2}, &e);
    td_series *s = ser_fromarray(flat, NULL, &e);
    nd_release(flat);
    expect_fail(io_series_tobinary(s, out, NULL, false, &e), &e, TD_EVALUE, "appears to already exist");
    CHECK_OK(io_series_tobinary(s, tp("sr-1d"), NULL, false, &e) == 0, &e);
    assert_true(exists(tp("sr-1d/series-00000.bin")));
    data_release(s);
}

/* One output written in parts, as the ranks of a distributed run write it: the opener's
 * temporary directory, a joined handle, files numbered by their place in the whole. */
static void test_shared_output(void **state)
{
    (void)state;
    td_err e;
    td_images *d = images_of(TD_INT16, 4, (int64_t[]){5, 2, 3, 4});
    const char *fmts[] = {"bin", "tif", "png"};
    for (int f = 0; f < 3; f++) {
        const td_images *use = d;
        td_images *u8 = NULL;
        if (f == 2) { /* PNG of 2-D images */
            u8 = images_of(TD_UINT8, 3, (int64_t[]){5, 3, 4});
            use = u8;
        }
        char out[1024];
        snprintf(out, sizeof out, "%s", tp("shared-%s", fmts[f]));
        io_out *o = io_out_begin(out, false, false, &e);
        CHECK_OK(o, &e);
        /* records 0-1 through the opener, 2-4 through a joined handle */
        td_images *head = NULL, *tail = NULL;
        nd_array *h = data_record_range(use, 0, 2, &e), *t = data_record_range(use, 2, 5, &e);
        head = img_fromarray(h, &e);
        tail = img_fromarray(t, &e);
        nd_release(h);
        nd_release(t);
        CHECK_OK(io_images_write(head, o, fmts[f], NULL, 0, &e) == 0, &e);
        io_out *j = io_out_join(io_out_path(o), out, &e);
        CHECK_OK(j, &e);
        CHECK_OK(io_images_write(tail, j, fmts[f], NULL, 2, &e) == 0, &e);
        io_out_leave(j);
        assert_false(exists(out)); /* nothing in place before the opener finishes */
        CHECK_OK(io_out_finish(o, f == 0, data_ndim(use) - 1, data_shape(use) + 1, data_dtype(use), &e) == 0,
                 &e);
        td_images *back = f == 0   ? io_images_frombinary(out, NULL, 0, NULL, -1, NULL, 'C', 0, &e)
                          : f == 1 ? io_images_fromtif(out, NULL, 0, false, &e)
                                   : io_images_frompng(out, NULL, &e);
        CHECK_OK(back, &e);
        assert_same_data(use, back);
        data_release(back);
        data_release(head);
        data_release(tail);
        data_release(u8);
    }
    assert_true(exists(tp("shared-bin/image-00004.bin")));
    assert_true(exists(tp("shared-bin/SUCCESS")));
    /* a failed part: the opener aborts and nothing remains */
    io_out *o = io_out_begin(tp("shared-abort"), false, false, &e);
    CHECK_OK(o, &e);
    CHECK_OK(io_images_write(d, o, "bin", NULL, 0, &e) == 0, &e);
    expect_fail(io_images_write(d, o, "bin", NULL, 0, &e), &e, TD_EIO, "could not create");
    io_out_abort(o);
    assert_false(exists(tp("shared-abort")));
    /* Series parts: the one file of the local layout, each part at its place
     * (the part holding record 0 first) */
    td_series *s = ser_fromarray(d->values, NULL, &e); /* base (5, 2, 3), length 4 */
    CHECK_OK(s, &e);
    nd_array *first = data_record_range(s, 0, 7, &e), *rest = data_record_range(s, 7, 30, &e);
    td_series *s1 = ser_fromarray(first, NULL, &e), *s2 = ser_fromarray(rest, NULL, &e);
    nd_release(first);
    nd_release(rest);
    o = io_out_begin(tp("shared-series"), false, true, &e);
    CHECK_OK(o, &e);
    CHECK_OK(io_series_write(s1, o, NULL, 3, 0, &e) == 0, &e);
    io_out *j = io_out_join(io_out_path(o), tp("shared-series"), &e);
    CHECK_OK(io_series_write(s2, j, NULL, 3, 7, &e) == 0, &e);
    io_out_leave(j);
    CHECK_OK(io_out_finish(o, true, data_ndim(s), data_shape(s), data_dtype(s), &e) == 0, &e);
    assert_true(exists(tp("shared-series/series-00000-00000-00000.bin")));
    td_series *sb = io_series_frombinary(tp("shared-series"), "bin", NULL, 0, NULL, -1, 0, &e);
    CHECK_OK(sb, &e);
    assert_same_data(s, sb);
    data_release(sb);
    data_release(s1);
    data_release(s2);
    data_release(s);
    data_release(d);
}

/* --- TIFF and PNG variants made with libtiff and libpng --------------------------------- */

typedef struct tspec {
    uint32_t w, h, rps, tw, th;
    uint16_t spp, bps, fmt, planar, comp;
    int pages;
    bool big;
} tspec;

/* data: pages of (H, W, S) for contiguous samples, (S, H, W) for separate planes. */
static void make_tiff(const char *path, const tspec *s, const uint8_t *data)
{
    TIFF *t = TIFFOpen(path, s->big ? "w8" : "w");
    assert_non_null(t);
    size_t isz = s->bps / 8u, chan = s->planar == PLANARCONFIG_SEPARATE ? 1 : s->spp;
    uint32_t planes = s->planar == PLANARCONFIG_SEPARATE ? s->spp : 1;
    size_t row = s->w * chan * isz, plane = row * s->h, page = plane * planes;
    for (int p = 0; p < s->pages; p++) {
        TIFFSetField(t, TIFFTAG_IMAGEWIDTH, s->w);
        TIFFSetField(t, TIFFTAG_IMAGELENGTH, s->h);
        TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, s->bps);
        TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, s->spp);
        TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, s->fmt);
        TIFFSetField(t, TIFFTAG_PLANARCONFIG, s->planar);
        TIFFSetField(t, TIFFTAG_COMPRESSION, s->comp);
        TIFFSetField(t, TIFFTAG_PHOTOMETRIC, s->spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
        if (s->comp == COMPRESSION_LZW || s->comp == COMPRESSION_ADOBE_DEFLATE)
            TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
        const uint8_t *pg = data + (size_t)p * page;
        if (s->tw) {
            TIFFSetField(t, TIFFTAG_TILEWIDTH, s->tw);
            TIFFSetField(t, TIFFTAG_TILELENGTH, s->th);
            size_t trow = s->tw * chan * isz;
            uint8_t *tile = calloc(trow * s->th, 1);
            for (uint32_t pl = 0; pl < planes; pl++)
                for (uint32_t y = 0; y < s->h; y += s->th)
                    for (uint32_t x = 0; x < s->w; x += s->tw) {
                        memset(tile, 0, trow * s->th);
                        for (uint32_t r = 0; r < s->th && y + r < s->h; r++) {
                            uint32_t nc = s->w - x < s->tw ? s->w - x : s->tw;
                            memcpy(tile + r * trow, pg + pl * plane + (y + r) * row + x * chan * isz,
                                   nc * chan * isz);
                        }
                        assert_true(TIFFWriteEncodedTile(t, TIFFComputeTile(t, x, y, 0, (uint16_t)pl), tile,
                                                         (tmsize_t)(trow * s->th)) >= 0);
                    }
            free(tile);
        } else {
            TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, s->rps);
            uint32_t per = (s->h + s->rps - 1) / s->rps;
            for (uint32_t pl = 0; pl < planes; pl++)
                for (uint32_t k = 0; k < per; k++) {
                    uint32_t r0 = k * s->rps, nr = s->h - r0 < s->rps ? s->h - r0 : s->rps;
                    /* libtiff may encode in place: give it a copy. */
                    uint8_t *buf = malloc(nr * row);
                    memcpy(buf, pg + pl * plane + r0 * row, nr * row);
                    assert_true(TIFFWriteEncodedStrip(t, pl * per + k, buf, (tmsize_t)(nr * row)) >= 0);
                    free(buf);
                }
        }
        assert_int_equal(TIFFWriteDirectory(t), 1);
    }
    TIFFClose(t);
}

static uint8_t *pattern_bytes(size_t n, unsigned seed)
{
    uint8_t *b = malloc(n);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        /* Runs of equal bytes give the compressors something to do. */
        b[i] = (uint8_t)((i / 7) % 5 == 0 ? 9 : x >> 24);
    }
    /* Keep floats finite and comparable: no NaN payloads. */
    return b;
}

static void check_tiff(const tspec *s, td_dtype dt, int ndim, const int64_t *shape)
{
    td_err e;
    size_t isz = s->bps / 8u, n = (size_t)s->pages * s->w * s->h * s->spp * isz;
    uint8_t *data = pattern_bytes(n, s->w * 31u + s->bps);
    if (dt == TD_FLOAT32 || dt == TD_FLOAT64)
        for (size_t i = 0; i < n / isz; i++) {
            if (dt == TD_FLOAT32) {
                float v = (float)i * 0.5f - 3.0f;
                memcpy(data + i * 4, &v, 4);
            } else {
                double v = (double)i * 0.25 - 9.0;
                memcpy(data + i * 8, &v, 8);
            }
        }
    char path[1024];
    snprintf(path, sizeof path, "%s",
             tp("var-%u-%u-%u-%u-%u-%d.tif", s->w, s->spp, s->bps, s->comp, s->tw, s->pages));
    make_tiff(path, s, data);
    td_images *d = io_images_fromtif(path, NULL, 0, false, &e);
    CHECK_OK(d, &e);
    assert_int_equal(data_dtype(d), dt);
    assert_shape(d->values, ndim, shape);
    assert_memory_equal(d->values->data, data, n);
    data_release(d);
    free(data);
}

static void test_tiff_variants(void **state)
{
    (void)state;
    const uint16_t U = SAMPLEFORMAT_UINT, I = SAMPLEFORMAT_INT, F = SAMPLEFORMAT_IEEEFP;
    const uint16_t C = PLANARCONFIG_CONTIG, S = PLANARCONFIG_SEPARATE;
    /* Every sample type, uncompressed, several strips. */
    check_tiff(
        &(tspec){.w = 9, .h = 7, .rps = 3, .spp = 1, .bps = 8, .fmt = I, .planar = C, .comp = 1, .pages = 1},
        TD_INT8, 3, (int64_t[]){1, 7, 9});
    check_tiff(
        &(tspec){.w = 9, .h = 7, .rps = 3, .spp = 1, .bps = 16, .fmt = U, .planar = C, .comp = 1, .pages = 2},
        TD_UINT16, 4, (int64_t[]){1, 2, 7, 9});
    check_tiff(
        &(tspec){.w = 9, .h = 7, .rps = 7, .spp = 1, .bps = 32, .fmt = I, .planar = C, .comp = 1, .pages = 1},
        TD_INT32, 3, (int64_t[]){1, 7, 9});
    check_tiff(
        &(tspec){.w = 9, .h = 7, .rps = 2, .spp = 1, .bps = 32, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        TD_UINT32, 3, (int64_t[]){1, 7, 9});
    check_tiff(
        &(tspec){.w = 5, .h = 4, .rps = 4, .spp = 1, .bps = 64, .fmt = I, .planar = C, .comp = 1, .pages = 1},
        TD_INT64, 3, (int64_t[]){1, 4, 5});
    check_tiff(
        &(tspec){.w = 5, .h = 4, .rps = 4, .spp = 1, .bps = 64, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        TD_UINT64, 3, (int64_t[]){1, 4, 5});
    check_tiff(
        &(tspec){.w = 9, .h = 7, .rps = 3, .spp = 1, .bps = 32, .fmt = F, .planar = C, .comp = 1, .pages = 3},
        TD_FLOAT32, 4, (int64_t[]){1, 3, 7, 9});
    check_tiff(
        &(tspec){.w = 6, .h = 5, .rps = 5, .spp = 1, .bps = 64, .fmt = F, .planar = C, .comp = 1, .pages = 1},
        TD_FLOAT64, 3, (int64_t[]){1, 5, 6});
    /* Compressions (LZW and deflate with the horizontal predictor). */
    check_tiff(&(tspec){.w = 33,
                        .h = 17,
                        .rps = 4,
                        .spp = 1,
                        .bps = 16,
                        .fmt = U,
                        .planar = C,
                        .comp = COMPRESSION_LZW,
                        .pages = 2},
               TD_UINT16, 4, (int64_t[]){1, 2, 17, 33});
    check_tiff(&(tspec){.w = 33,
                        .h = 17,
                        .rps = 5,
                        .spp = 1,
                        .bps = 8,
                        .fmt = U,
                        .planar = C,
                        .comp = COMPRESSION_ADOBE_DEFLATE,
                        .pages = 1},
               TD_UINT8, 3, (int64_t[]){1, 17, 33});
    check_tiff(&(tspec){.w = 33,
                        .h = 17,
                        .rps = 6,
                        .spp = 1,
                        .bps = 8,
                        .fmt = U,
                        .planar = C,
                        .comp = COMPRESSION_PACKBITS,
                        .pages = 1},
               TD_UINT8, 3, (int64_t[]){1, 17, 33});
    /* RGB contiguous -> (H, W, 3); separate planes -> (3, H, W), squeezed as Thunder does. */
    check_tiff(
        &(tspec){.w = 10, .h = 6, .rps = 4, .spp = 3, .bps = 8, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        TD_UINT8, 4, (int64_t[]){1, 6, 10, 3});
    check_tiff(&(tspec){.w = 10,
                        .h = 6,
                        .rps = 4,
                        .spp = 3,
                        .bps = 16,
                        .fmt = U,
                        .planar = S,
                        .comp = COMPRESSION_LZW,
                        .pages = 1},
               TD_UINT16, 4, (int64_t[]){1, 3, 6, 10});
    /* Tiles, with partial tiles at the edges, contiguous and separate. */
    check_tiff(&(tspec){.w = 40,
                        .h = 20,
                        .tw = 16,
                        .th = 16,
                        .spp = 1,
                        .bps = 16,
                        .fmt = I,
                        .planar = C,
                        .comp = COMPRESSION_ADOBE_DEFLATE,
                        .pages = 2},
               TD_INT16, 4, (int64_t[]){1, 2, 20, 40});
    check_tiff(&(tspec){.w = 20,
                        .h = 18,
                        .tw = 16,
                        .th = 16,
                        .spp = 3,
                        .bps = 8,
                        .fmt = U,
                        .planar = S,
                        .comp = 1,
                        .pages = 1},
               TD_UINT8, 4, (int64_t[]){1, 3, 18, 20});
    /* BigTIFF. */
    check_tiff(&(tspec){.w = 12,
                        .h = 8,
                        .rps = 3,
                        .spp = 1,
                        .bps = 32,
                        .fmt = F,
                        .planar = C,
                        .comp = COMPRESSION_LZW,
                        .pages = 2,
                        .big = true},
               TD_FLOAT32, 4, (int64_t[]){1, 2, 8, 12});

    td_err e;
    /* JPEG, grey and YCbCr (read back as RGB): lossy, so close rather than equal. */
    if (TIFFIsCODECConfigured(COMPRESSION_JPEG)) {
        for (int spp = 1; spp <= 3; spp += 2) {
            const char *jp = tp("jpeg%d.tif", spp);
            TIFF *t = TIFFOpen(jp, "w");
            TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 48);
            TIFFSetField(t, TIFFTAG_IMAGELENGTH, 32);
            TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
            TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, spp);
            TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
            TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
            TIFFSetField(t, TIFFTAG_PHOTOMETRIC, spp == 3 ? PHOTOMETRIC_YCBCR : PHOTOMETRIC_MINISBLACK);
            if (spp == 3)
                TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
            uint8_t px[48 * 32 * 3];
            for (int i = 0; i < 48 * 32 * spp; i++)
                px[i] = (uint8_t)((i / spp) % 48 * 4 + (i % spp) * 10);
            for (int k = 0; k < 2; k++)
                assert_true(TIFFWriteEncodedStrip(t, k, px + k * 16 * 48 * spp, 16 * 48 * spp) > 0);
            TIFFClose(t);
            td_images *d = io_images_fromtif(jp, NULL, 0, false, &e);
            CHECK_OK(d, &e);
            if (spp == 1)
                assert_shape(d->values, 3, (int64_t[]){1, 32, 48});
            else
                assert_shape(d->values, 4, (int64_t[]){1, 32, 48, 3});
            for (int i = 0; i < 48 * 32 * spp; i++) {
                double diff = nd_get_f64(d->values, i) - px[i];
                if (diff > 8 || diff < -8)
                    fail_msg("JPEG sample %d: %g, want about %d", i, nd_get_f64(d->values, i), px[i]);
            }
            data_release(d);
        }
    }

    /* Refusals: 1-bit samples, a claim far beyond the file, pages that disagree. */
    uint8_t one[64] = {0};
    make_tiff(
        tp("bits1.tif"),
        &(tspec){.w = 8, .h = 8, .rps = 8, .spp = 1, .bps = 1, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        one);
    expect_error(io_images_fromtif(tp("bits1.tif"), NULL, 0, false, &e), &e, TD_ETYPE, "1-bit");
    TIFF *t = TIFFOpen(tp("huge.tif"), "w");
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 100000);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 100000);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 100000);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFWriteRawStrip(t, 0, one, 16);
    TIFFWriteDirectory(t);
    TIFFClose(t);
    expect_error(io_images_fromtif(tp("huge.tif"), NULL, 0, false, &e), &e, TD_EVALUE, "more than a file of");
    uint8_t *mixed = pattern_bytes(2 * 8 * 8, 5);
    make_tiff(
        tp("mixed.tif"),
        &(tspec){.w = 8, .h = 8, .rps = 8, .spp = 1, .bps = 8, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        mixed);
    t = TIFFOpen(tp("mixed.tif"), "a");
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 4);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 8);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 8);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFWriteEncodedStrip(t, 0, mixed, 32);
    TIFFWriteDirectory(t);
    TIFFClose(t);
    expect_error(io_images_fromtif(tp("mixed.tif"), NULL, 0, false, &e), &e, TD_EVALUE,
                 "page 1 is (8, 4) uint8");
    free(mixed);

    /* Files of different shapes in one folder. */
    mkdir(tp("shapes"), 0777);
    uint8_t *px = pattern_bytes(64, 3);
    make_tiff(
        tp("shapes/a.tif"),
        &(tspec){.w = 8, .h = 8, .rps = 8, .spp = 1, .bps = 8, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        px);
    make_tiff(
        tp("shapes/b.tif"),
        &(tspec){.w = 4, .h = 8, .rps = 8, .spp = 1, .bps = 8, .fmt = U, .planar = C, .comp = 1, .pages = 1},
        px);
    expect_error(io_images_fromtif(tp("shapes"), NULL, 0, false, &e), &e, TD_EVALUE, "b.tif");
    free(px);
}

static void make_png(const char *path, uint32_t w, uint32_t h, int depth, int type, const uint8_t *rows,
                     size_t rowbytes, bool interlace, const png_color *pal, int npal, const uint8_t *trns,
                     int ntrns)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng failed writing %s", path);
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, type, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(png, info, pal, npal);
    if (trns)
        png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    png_bytep ptrs[64];
    for (uint32_t r = 0; r < h; r++)
        ptrs[r] = (png_bytep)rows + r * rowbytes;
    png_write_image(png, ptrs);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static void test_png_variants(void **state)
{
    (void)state;
    td_err e;
    /* 16-bit grey (big-endian in the file) -> uint16, interlaced. */
    uint8_t g16[4 * 3 * 2];
    for (int i = 0; i < 12; i++) {
        g16[2 * i] = (uint8_t)(i * 20);
        g16[2 * i + 1] = (uint8_t)(i + 1);
    }
    make_png(tp("g16.png"), 3, 4, 16, PNG_COLOR_TYPE_GRAY, g16, 6, true, NULL, 0, NULL, 0);
    td_images *d = io_images_frompng(tp("g16.png"), NULL, &e);
    CHECK_OK(d, &e);
    assert_int_equal(data_dtype(d), TD_UINT16);
    assert_shape(d->values, 3, (int64_t[]){1, 4, 3});
    for (int i = 0; i < 12; i++)
        assert_int_equal(nd_get_i64(d->values, i), i * 20 * 256 + i + 1);
    data_release(d);

    /* 1-bit grey scales to 0/255. */
    uint8_t bits[2] = {0xA0, 0x40}; /* rows 1010, 0100 */
    make_png(tp("g1.png"), 4, 2, 1, PNG_COLOR_TYPE_GRAY, bits, 1, false, NULL, 0, NULL, 0);
    d = io_images_frompng(tp("g1.png"), NULL, &e);
    CHECK_OK(d, &e);
    assert_array_close(d->values, (double[]){255, 0, 255, 0, 0, 255, 0, 0}, 8, 0, 0);
    data_release(d);

    /* A palette with transparency expands to RGBA; without it, to RGB. */
    png_color pal[2] = {{10, 20, 30}, {200, 100, 50}};
    uint8_t trns[2] = {255, 7};
    uint8_t idx[4] = {0, 1, 1, 0};
    make_png(tp("pal.png"), 2, 2, 8, PNG_COLOR_TYPE_PALETTE, idx, 2, false, pal, 2, trns, 2);
    d = io_images_frompng(tp("pal.png"), NULL, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){1, 2, 2, 4});
    assert_array_close(
        d->values, (double[]){10, 20, 30, 255, 200, 100, 50, 7, 200, 100, 50, 7, 10, 20, 30, 255}, 16, 0, 0);
    data_release(d);
    make_png(tp("pal3.png"), 2, 2, 8, PNG_COLOR_TYPE_PALETTE, idx, 2, false, pal, 2, NULL, 0);
    d = io_images_frompng(tp("pal3.png"), NULL, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){1, 2, 2, 3});
    assert_int_equal(nd_get_i64(d->values, 3), 200);
    data_release(d);

    /* Grey+alpha -> (H, W, 2). */
    uint8_t ga[4] = {1, 2, 3, 4};
    make_png(tp("ga.png"), 2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, ga, 4, false, NULL, 0, NULL, 0);
    d = io_images_frompng(tp("ga.png"), NULL, &e);
    CHECK_OK(d, &e);
    assert_shape(d->values, 4, (int64_t[]){1, 1, 2, 2});
    data_release(d);

    /* A TIFF is not a PNG, and a truncated PNG is refused, both by name. */
    size_t n;
    char *whole = slurp(tp("g16.png"), &n);
    put_file(tp("cut.png"), whole, n - 20);
    td_scratch_free(whole);
    expect_error(io_images_frompng(tp("cut.png"), NULL, &e), &e, TD_EVALUE, "cut.png");
    expect_error(io_images_frompng(tp("bits1.tif"), NULL, &e), &e, TD_EVALUE, "not a PNG file");
    expect_error(io_images_fromtif(tp("g16.png"), NULL, 0, false, &e), &e, TD_EVALUE, "not a readable TIFF");
}

/* --- malformed input ----------------------------------------------------------------- */

static void test_malformed(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    /* Two files in the folder are odd but whole images (an extra byte after
     * the last deflate strip; empty ancillary chunks): they load. Every other
     * file is refused with an error naming it. */
    const char *sub[2] = {"malformed/tiff", "malformed/png"};
    int refused = 0, loaded = 0;
    for (int k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, sub[k]);
        DIR *d = opendir(path);
        assert_non_null(d);
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (ent->d_name[0] == '.')
                continue;
            char file[2048];
            snprintf(file, sizeof file, "%s/%s", path, ent->d_name);
            td_err e;
            td_err_clear(&e);
            td_images *img =
                k == 0 ? io_images_fromtif(file, NULL, 0, false, &e) : io_images_frompng(file, NULL, &e);
            bool benign = strstr(ent->d_name, "deflate-last-strip-extra-data") ||
                          strstr(ent->d_name, "empty_ancillary_chunks");
            if (benign) {
                CHECK_OK(img, &e);
                loaded++;
                data_release(img);
                continue;
            }
            if (img)
                fail_msg("%s was not refused", file);
            if (!strstr(e.msg, ent->d_name))
                fail_msg("%s: the message does not name the file: %s", ent->d_name, e.msg);
            refused++;
            /* The other reader refuses it too. */
            img = k == 0 ? io_images_frompng(file, NULL, &e) : io_images_fromtif(file, NULL, 0, false, &e);
            assert_null(img);
        }
        closedir(d);
    }
    assert_int_equal(loaded, 2);
    assert_int_equal(refused, 7 + 36);
}

/* Byte flips and truncations of good files: nothing may crash; every
 * failure names the file. */
static void test_mutations(void **state)
{
    (void)state;
    SKIP_WITHOUT_SHARED_DATA(dir);
    const char *srcs[3] = {"thunder-test-resources/multilayer_tif/dotdot_lzw.tif",
                           "thunder-test-resources/multilayer_tif/test_signed.tif",
                           "thunder-test-resources/singlelayer_png/dot3_grey.png"};
    uint32_t x = 12345;
    int failures = 0;
    for (int s = 0; s < 3; s++) {
        size_t len;
        char *orig = slurp(dp(dir, srcs[s]), &len);
        char *m = malloc(len);
        bool png = s == 2;
        char out[1024];
        snprintf(out, sizeof out, "%s", tp(png ? "mut.png" : "mut.tif"));
        for (int it = 0; it < 60; it++) {
            memcpy(m, orig, len);
            size_t l = len;
            x = x * 1103515245u + 12345u;
            if (it % 4 == 0) {
                l = (x >> 8) % len;
            } else {
                for (int j = 0; j < 4; j++) {
                    x = x * 1103515245u + 12345u;
                    /* Headers and IFDs matter most: aim half the flips at the first 256 bytes. */
                    size_t pos = (j & 1) ? (x >> 8) % (len < 256 ? len : 256) : (x >> 8) % len;
                    m[pos] = (char)(x >> 3);
                }
            }
            put_file(out, m, l);
            td_err e;
            td_images *d =
                png ? io_images_frompng(out, NULL, &e) : io_images_fromtif(out, NULL, 0, false, &e);
            if (d) {
                data_release(d);
            } else {
                failures++;
                if (!strstr(e.msg, png ? "mut.png" : "mut.tif"))
                    fail_msg("message does not name the file: %s", e.msg);
            }
        }
        free(m);
        td_scratch_free(orig);
    }
    assert_true(failures > 30);
}

/* --- overwrite rules and failures ---------------------------------------------------------- */

static void test_overwrite_rules(void **state)
{
    (void)state;
    td_err e;
    io_sources_clear();
    td_images *d = images_of(TD_INT16, 3, (int64_t[]){3, 2, 2});
    char out[1024];
    snprintf(out, sizeof out, "%s", tp("ow"));
    CHECK_OK(io_images_tobinary(d, out, NULL, false, &e) == 0, &e);
    expect_fail(io_images_tobinary(d, out, NULL, false, &e), &e, TD_EVALUE,
                "already exists, and overwrite is false");
    expect_fail(io_images_totif(d, out, NULL, false, &e), &e, TD_EVALUE, "already exists");

    /* An earlier output is replaced whole: files beyond the new count go. */
    td_images *two = images_of(TD_INT16, 3, (int64_t[]){2, 2, 2});
    CHECK_OK(io_images_tobinary(two, out, NULL, true, &e) == 0, &e);
    assert_false(exists(dp(out, "image-00002.bin")));
    assert_true(exists(dp(out, "image-00001.bin")));
    assert_int_equal(hidden_entries(root), 0);
    /* ... and a TIFF output may replace a binary one (both look like outputs). */
    CHECK_OK(io_images_totif(two, out, NULL, true, &e) == 0, &e);
    assert_false(exists(dp(out, "conf.json")));
    CHECK_OK(io_images_tobinary(two, out, NULL, true, &e) == 0, &e);

    /* Never the root, ".", "..", the working directory or its ancestors. */
    expect_fail(io_images_tobinary(d, "/", NULL, true, &e), &e, TD_EVALUE, "refusing to overwrite /");
    expect_fail(io_images_tobinary(d, ".", NULL, true, &e), &e, TD_EVALUE, "refusing");
    expect_fail(io_images_tobinary(d, "..", NULL, true, &e), &e, TD_EVALUE, "refusing");
    expect_fail(io_images_tobinary(d, "./", NULL, true, &e), &e, TD_EVALUE, "refusing");
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    mkdir(tp("ow-cwd"), 0777);
    mkdir(tp("ow-cwd/inner"), 0777);
    assert_int_equal(chdir(tp("ow-cwd/inner")), 0);
    expect_fail(io_images_tobinary(d, tp("ow-cwd"), NULL, true, &e), &e, TD_EVALUE, "working directory");
    expect_fail(io_images_tobinary(d, tp("ow-cwd/inner"), NULL, true, &e), &e, TD_EVALUE,
                "working directory");
    assert_int_equal(chdir(cwd), 0);
    /* Never the home directory. */
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", out, 1);
    expect_fail(io_images_tobinary(d, out, NULL, true, &e), &e, TD_EVALUE, "home directory");
    if (home)
        setenv("HOME", home, 1);
    else
        unsetenv("HOME");
    free(home);
    /* Never a symbolic link, a mount point, a file or a folder that is not an output. */
    assert_int_equal(symlink(out, tp("ow-link")), 0);
    expect_fail(io_images_tobinary(d, tp("ow-link"), NULL, true, &e), &e, TD_EVALUE, "symbolic link");
    assert_true(exists(dp(out, "image-00001.bin")));
    expect_fail(io_images_tobinary(d, "/proc", NULL, true, &e), &e, TD_EVALUE, "mount point");
    put_text(tp("ow-file"), "x");
    expect_fail(io_images_tobinary(d, tp("ow-file"), NULL, true, &e), &e, TD_EVALUE, "not a directory");
    mkdir(tp("ow-notes"), 0777);
    put_text(tp("ow-notes/notes.txt"), "keep me");
    expect_fail(io_images_tobinary(d, tp("ow-notes"), NULL, true, &e), &e, TD_EVALUE,
                "does not look like an earlier output (it holds notes.txt)");
    assert_true(exists(tp("ow-notes/notes.txt")));
    mkdir(tp("ow-nested"), 0777);
    mkdir(tp("ow-nested/image-00000.bin"), 0777);
    expect_fail(io_images_tobinary(d, tp("ow-nested"), NULL, true, &e), &e, TD_EVALUE, "does not look like");

    /* Never a folder holding data that was read: not it, not a parent of it. */
    td_images *read = io_images_frombinary(out, NULL, 0, NULL, -1, NULL, 'C', 0, &e);
    CHECK_OK(read, &e);
    expect_fail(io_images_tobinary(read, out, NULL, true, &e), &e, TD_EVALUE,
                "holds data read in this session");
    mkdir(tp("ow-parent"), 0777);
    CHECK_OK(io_images_tobinary(d, tp("ow-parent/child"), NULL, false, &e) == 0, &e);
    td_images *child = io_images_frombinary(tp("ow-parent/child"), NULL, 0, NULL, -1, NULL, 'C', 0, &e);
    CHECK_OK(child, &e);
    expect_fail(io_images_tobinary(d, tp("ow-parent"), NULL, true, &e), &e, TD_EVALUE, "holds data read");
    io_sources_clear();
    CHECK_OK(io_images_tobinary(read, out, NULL, true, &e) == 0, &e);
    data_release(child);
    data_release(read);

    /* A missing parent is FileNotFoundError and creates nothing. */
    expect_fail(io_images_tobinary(d, tp("ow-missing/deeper"), NULL, false, &e), &e, TD_ENOTFOUND,
                "ow-missing");
    assert_false(exists(tp("ow-missing")));
    assert_int_equal(hidden_entries(root), 0);
    data_release(two);
    data_release(d);
}

static void test_writer_failures(void **state)
{
    (void)state;
    td_err e;
    io_sources_clear();
    td_images *d = images_of(TD_FLOAT64, 3, (int64_t[]){3, 40, 40});
    /* A path under a file: nothing is created anywhere. */
    put_text(tp("wf-file"), "x");
    expect_fail(io_images_tobinary(d, tp("wf-file/out"), NULL, false, &e), &e, TD_EIO, "wf-file");
    expect_fail(io_images_totif(d, tp("wf-file/out"), NULL, false, &e), &e, TD_EIO, "wf-file");

    /* A full disk, simulated with a file size limit (root ignores permissions):
     * each 12800-byte image fails part way; the old output stays as it was and
     * no partial directory is left. */
    td_images *old = images_of(TD_UINT8, 3, (int64_t[]){2, 4, 4});
    char out[1024];
    snprintf(out, sizeof out, "%s", tp("wf-out"));
    CHECK_OK(io_images_tobinary(old, out, NULL, false, &e) == 0, &e);
    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    small = saved;
    small.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc1 = io_images_tobinary(d, out, NULL, true, &e);
    td_err e1 = e;
    int rc2 = io_images_totif(d, tp("wf-new"), NULL, false, &e);
    td_err e2 = e;
    int rc3 = io_images_topng(d, tp("wf-png"), NULL, false, &e); /* small enough to fit */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, prev);
    expect_fail(rc1, &e1, TD_EIO, "File too large");
    expect_fail(rc2, &e2, TD_EIO, "File too large");
    assert_int_equal(rc3, 0);
    assert_false(exists(tp("wf-new")));
    td_images *kept = io_images_frombinary(out, NULL, 0, NULL, -1, NULL, 'C', 0, &e);
    CHECK_OK(kept, &e);
    assert_same_data(old, kept);
    data_release(kept);
    assert_int_equal(hidden_entries(root), 0);

    /* Cancelled: the same. */
    io_sources_clear();
    td_cancel();
    int rc = io_images_tobinary(d, out, NULL, true, &e);
    td_cancel_clear();
    expect_fail(rc, &e, TD_ECANCEL, "cancel");
    kept = io_images_frombinary(out, NULL, 0, NULL, -1, NULL, 'C', 0, &e);
    CHECK_OK(kept, &e);
    assert_same_data(old, kept);
    data_release(kept);
    assert_int_equal(hidden_entries(root), 0);
    data_release(old);
    data_release(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_files),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_fish_images),
        cmocka_unit_test(test_fromtif_resources),
        cmocka_unit_test(test_mouse_frombinary),
        cmocka_unit_test(test_series_examples),
        cmocka_unit_test(test_images_frombinary),
        cmocka_unit_test(test_series_binary_and_text),
        cmocka_unit_test(test_tobinary_roundtrip),
        cmocka_unit_test(test_totif_roundtrip),
        cmocka_unit_test_teardown(test_first_error, reset_threads),
        cmocka_unit_test(test_topng),
        cmocka_unit_test(test_series_tobinary),
        cmocka_unit_test(test_tiff_variants),
        cmocka_unit_test(test_png_variants),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_overwrite_rules),
        cmocka_unit_test(test_writer_failures),
        cmocka_unit_test(test_shared_output),
    };
    /* libtiff's default handlers would print the warnings of the files we make. */
    TIFFSetWarningHandler(NULL);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

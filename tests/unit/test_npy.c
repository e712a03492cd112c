/* .npy reading and writing: round trips, files numpy 1.24 wrote (made by
 * tests/data/npy/make_files.py), byte-identical output to np.save, and
 * malformed or unsupported files refused with the right error kind and a
 * message naming the file. */
#include "testutil.h"

#include <dirent.h>
#include <unistd.h>

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/thunder-npy-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            if (remove(p) != 0)
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static const char *tmp_path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static const char *data_path(const char *name)
{
    static char p[4096];
    const char *src = getenv("THUNDER_SRCDIR");
    snprintf(p, sizeof p, "%s/tests/data/npy/%s", src ? src : ".", name);
    return p;
}

/* The whole file, malloc'd. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Files in tmpdir other than the ones named (leftover temporaries). */
static int count_files(void)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static nd_array *load_ok(const char *name)
{
    td_err err = {0};
    nd_array *a = npy_load(data_path(name), &err);
    CHECK_OK(a, &err);
    return a;
}

static void assert_bytes(const nd_array *a, const void *want, size_t n)
{
    assert_int_equal(nd_nbytes(a), n);
    if (n && memcmp(a->data, want, n) != 0)
        fail_msg("array data differs from the expected values");
}

/* --- round trips -------------------------------------------------------- */

static void round_trip_every_dtype(void **state)
{
    (void)state;
    static const struct {
        int ndim;
        int64_t shape[4];
    } shapes[] = {{0, {0}}, {1, {0}}, {1, {5}}, {2, {2, 3}}, {3, {2, 0, 3}}, {4, {1, 1, 1, 4}}, {2, {7, 1}}};
    for (int t = 0; t < TD_NDTYPES; t++) {
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            td_err err = {0};
            nd_array *a = nd_new((td_dtype)t, shapes[s].ndim, shapes[s].shape, &err);
            CHECK_OK(a, &err);
            /* Distinct bytes in every position (bools 0/1) so that a
             * byte-order or layout slip shows. */
            uint8_t *d = a->data;
            for (size_t i = 0; i < nd_nbytes(a); i++)
                d[i] = t == TD_BOOL ? (uint8_t)(i % 3 == 1) : (uint8_t)(i * 37 + 11 + (size_t)t);
            const char *path = tmp_path("rt.npy");
            CHECK_OK(npy_save(path, a, &err) == 0, &err);
            nd_array *b = npy_load(path, &err);
            CHECK_OK(b, &err);
            assert_int_equal(b->dtype, t);
            assert_shape(b, a->ndim, a->shape);
            assert_int_equal(b->size, a->size);
            assert_bytes(b, a->data, nd_nbytes(a));

            /* The same image parsed from memory; the data starts on a
             * 64-byte boundary as numpy's files do. */
            size_t len;
            uint8_t *img = slurp(path, &len);
            assert_int_equal((len - nd_nbytes(a)) % 64, 0);
            assert_int_equal(img[len - nd_nbytes(a) - 1], '\n');
            nd_array *c = npy_parse(img, len, "img.npy", &err);
            CHECK_OK(c, &err);
            assert_int_equal(c->dtype, t);
            assert_shape(c, a->ndim, a->shape);
            assert_bytes(c, a->data, nd_nbytes(a));
            free(img);
            nd_release(a);
            nd_release(b);
            nd_release(c);
        }
    }
    assert_int_equal(count_files(), 1);
    unlink(tmp_path("rt.npy"));
}

/* npy_save writes exactly what np.save (numpy 1.24) wrote for the same array. */
static void save_matches_numpy_bytes(void **state)
{
    (void)state;
    td_err err = {0};
    static const double f8[6] = {0.0, 0.25, 0.5, 0.75, 1.0, 1.25};
    static const int64_t i8[3] = {0, 1, 2};
    uint8_t u1 = 7;
    struct {
        const char *file;
        td_dtype dtype;
        int ndim;
        int64_t shape[8];
        const void *data;
    } cases[] = {
        {"saved_f8_2x3.npy", TD_FLOAT64, 2, {2, 3}, f8},
        {"saved_u1_0d.npy", TD_UINT8, 0, {0}, &u1},
        {"saved_b1_0x4.npy", TD_BOOL, 2, {0, 4}, NULL},
        {"saved_i8_long.npy", TD_INT64, 8, {3, 1, 1, 1, 1, 1, 1, 1}, i8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *a = nd_from_buffer(cases[i].dtype, cases[i].ndim, cases[i].shape, cases[i].data, &err);
        CHECK_OK(a, &err);
        CHECK_OK(npy_save(tmp_path("same.npy"), a, &err) == 0, &err);
        size_t n1, n2;
        uint8_t *mine = slurp(tmp_path("same.npy"), &n1);
        uint8_t *theirs = slurp(data_path(cases[i].file), &n2);
        assert_int_equal(n1, n2);
        if (memcmp(mine, theirs, n1) != 0)
            fail_msg("%s: npy_save output differs from np.save's", cases[i].file);
        free(mine);
        free(theirs);
        nd_release(a);
    }
    unlink(tmp_path("same.npy"));
}

static void save_replaces_atomically(void **state)
{
    (void)state;
    td_err err = {0};
    int64_t n = 4;
    const int16_t first[4] = {1, 2, 3, 4}, second[4] = {-1, -2, -3, -4};
    nd_array *a = nd_from_buffer(TD_INT16, 1, &n, first, &err);
    nd_array *b = nd_from_buffer(TD_INT16, 1, &n, second, &err);
    CHECK_OK(a && b, &err);
    const char *p = tmp_path("replace.npy");
    CHECK_OK(npy_save(p, a, &err) == 0, &err);
    CHECK_OK(npy_save(p, b, &err) == 0, &err);
    nd_array *c = npy_load(p, &err);
    CHECK_OK(c, &err);
    assert_bytes(c, second, sizeof second);
    assert_int_equal(count_files(), 1); /* no temporaries left */
    unlink(p);
    nd_release(a);
    nd_release(b);
    nd_release(c);
}

static void save_errors(void **state)
{
    (void)state;
    td_err err = {0};
    nd_array *a = nd_arange(TD_INT32, 3, &err);
    CHECK_OK(a, &err);

    char missing[512];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.npy", tmpdir);
    assert_int_equal(npy_save(missing, a, &err), -1);
    assert_int_equal(err.kind, TD_ENOTFOUND);
    assert_non_null(strstr(err.msg, missing));

    /* Over an existing directory: the rename fails, the directory stays and
     * the temporary file is removed. */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/adir", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(npy_save(dir, a, &err), -1);
    assert_int_equal(err.kind, TD_EIO);
    assert_non_null(strstr(err.msg, dir));
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(count_files(), 1);
    rmdir(dir);
    nd_release(a);
}

/* --- files numpy wrote -------------------------------------------------- */

static void numpy_big_endian(void **state)
{
    (void)state;
    nd_array *a = load_ok("be_i2.npy");
    const int16_t want[6] = {1, -2, 300, -32768, 32767, 0};
    const int64_t shape[1] = {6};
    assert_int_equal(a->dtype, TD_INT16);
    assert_shape(a, 1, shape);
    assert_bytes(a, want, sizeof want);
    nd_release(a);

    a = load_ok("be_f8.npy");
    const double wf[3] = {0.1, -1e300, 4.9406564584124654e-324};
    assert_int_equal(a->dtype, TD_FLOAT64);
    assert_bytes(a, wf, sizeof wf);
    nd_release(a);
}

static void numpy_fortran_order(void **state)
{
    (void)state;
    nd_array *a = load_ok("fortran_f8.npy");
    const double want[6] = {0.25, 1.75, 3.25, 4.75, 6.25, 7.75};
    const int64_t shape[2] = {2, 3};
    assert_int_equal(a->dtype, TD_FLOAT64);
    assert_shape(a, 2, shape);
    assert_bytes(a, want, sizeof want);
    nd_release(a);

    /* Fortran order and big-endian together, in three dimensions. */
    a = load_ok("fortran_be_i4_3d.npy");
    int32_t w3[24];
    for (int i = 0; i < 24; i++)
        w3[i] = i - 5;
    const int64_t shape3[3] = {2, 3, 4};
    assert_int_equal(a->dtype, TD_INT32);
    assert_shape(a, 3, shape3);
    assert_bytes(a, w3, sizeof w3);
    nd_release(a);
}

/* A process's share of the records: only its rows, split as the ranks
 * split them (the first parts a record longer), C and Fortran files alike. */
static void load_parts(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[3] = {7, 2, 3};
    nd_array *a = nd_new(TD_INT16, 3, shape, &err);
    int16_t *v = a->data;
    for (int i = 0; i < 42; i++)
        v[i] = (int16_t)(i * 3 - 50);
    assert_int_equal(npy_save(tmp_path("parts.npy"), a, &err), 0);
    const int64_t first[3] = {0, 3, 5}, count[3] = {3, 2, 2};
    for (int k = 0; k < 3; k++) {
        int ndim;
        int64_t whole[ND_MAXDIM];
        nd_array *p = npy_load_part(tmp_path("parts.npy"), 1, k, 3, &ndim, whole, &err);
        assert_non_null(p);
        assert_int_equal(ndim, 3);
        assert_int_equal(whole[0], 7);
        const int64_t want[3] = {count[k], 2, 3};
        assert_shape(p, 3, want);
        assert_bytes(p, v + first[k] * 6, (size_t)count[k] * 6 * sizeof *v);
        nd_release(p);
    }
    /* records over the first two axes (a Series' base): 14 records of 3 */
    int ndim;
    int64_t whole[ND_MAXDIM];
    nd_array *p = npy_load_part(tmp_path("parts.npy"), 2, 1, 4, &ndim, whole, &err);
    assert_non_null(p);
    const int64_t want2[2] = {4, 3}; /* 14 = 4 + 4 + 3 + 3: part 1 is records 4..7 */
    assert_shape(p, 2, want2);
    assert_bytes(p, v + 4 * 3, 12 * sizeof *v);
    nd_release(p);
    /* Fortran order: the same values, read whole and cut */
    p = npy_load_part(data_path("fortran_be_i4_3d.npy"), 1, 1, 2, &ndim, whole, &err);
    assert_non_null(p);
    int32_t w[12];
    for (int i = 0; i < 12; i++)
        w[i] = 12 + i - 5;
    const int64_t want3[3] = {1, 3, 4};
    assert_shape(p, 3, want3);
    assert_bytes(p, w, sizeof w);
    nd_release(p);
    assert_null(npy_load_part(tmp_path("parts.npy"), 4, 0, 2, &ndim, whole, &err));
    assert_int_equal(err.kind, TD_EVALUE);
    nd_release(a);
}

static void numpy_versions_2_and_3(void **state)
{
    (void)state;
    nd_array *a = load_ok("v2_i4.npy");
    const int32_t w2[5] = {-2, -1, 0, 1, 2};
    assert_int_equal(a->dtype, TD_INT32);
    assert_bytes(a, w2, sizeof w2);
    nd_release(a);

    a = load_ok("v3_u2.npy");
    const uint16_t w3[4] = {0, 1, 65535, 4660};
    const int64_t shape[2] = {2, 2};
    assert_int_equal(a->dtype, TD_UINT16);
    assert_shape(a, 2, shape);
    assert_bytes(a, w3, sizeof w3);
    nd_release(a);
}

static void numpy_bool_scalar_empty(void **state)
{
    (void)state;
    nd_array *a = load_ok("bool.npy");
    const uint8_t wb[5] = {1, 0, 1, 1, 0};
    assert_int_equal(a->dtype, TD_BOOL);
    assert_bytes(a, wb, sizeof wb);
    nd_release(a);

    a = load_ok("f4_0d.npy");
    const float wf = -2.5f;
    assert_int_equal(a->dtype, TD_FLOAT32);
    assert_int_equal(a->ndim, 0);
    assert_int_equal(a->size, 1);
    assert_bytes(a, &wf, sizeof wf);
    nd_release(a);

    a = load_ok("u8_empty.npy");
    const int64_t shape[2] = {0, 3};
    assert_int_equal(a->dtype, TD_UINT64);
    assert_shape(a, 2, shape);
    assert_int_equal(a->size, 0);
    nd_release(a);
}

/* np.load reads only the bytes the shape needs and ignores the rest. */
static void trailing_bytes_ignored(void **state)
{
    (void)state;
    nd_array *a = load_ok("data_long.npy");
    const int16_t want[2] = {7, -7};
    assert_bytes(a, want, sizeof want);
    nd_release(a);
}

/* --- refusals ------------------------------------------------------------ */

static void assert_refused(const char *file, td_errkind kind, const char *needle)
{
    td_err err = {0};
    const char *path = data_path(file);
    nd_array *a = npy_load(path, &err);
    if (a)
        fail_msg("%s loaded but should have been refused", file);
    if (err.kind != kind)
        fail_msg("%s: got %s (%s), want %s", file, td_errkind_name(err.kind), err.msg, td_errkind_name(kind));
    if (!strstr(err.msg, path))
        fail_msg("%s: message does not name the file: %s", file, err.msg);
    if (!strstr(err.msg, needle))
        fail_msg("%s: message lacks '%s': %s", file, needle, err.msg);
}

static void malformed_files(void **state)
{
    (void)state;
    assert_refused("short_preamble.npy", TD_EVALUE, "truncated .npy header");
    assert_refused("trunc_header.npy", TD_EVALUE, "runs past the end of the file");
    assert_refused("bad_magic.npy", TD_EVALUE, "not a .npy file");
    assert_refused("bad_version.npy", TD_EVALUE, "unsupported .npy format version 4.0");
    assert_refused("hlen_past_eof.npy", TD_EVALUE, "header length 4000 runs past the end");
    assert_refused("bad_dict.npy", TD_EVALUE, "expected ',' or '}'");
    assert_refused("neg_shape.npy", TD_EVALUE, "negative dimension");
    assert_refused("huge_dim.npy", TD_EVALUE, "dimension in shape is too large");
    assert_refused("overflow_shape.npy", TD_EVALUE, "too large");
    assert_refused("data_short.npy", TD_EVALUE, "needs 80 bytes, the file has 16");
    assert_refused("missing_key.npy", TD_EVALUE, "missing key 'fortran_order'");
    assert_refused("fortran_not_bool.npy", TD_EVALUE, "fortran_order is not True or False");
}

static void unsupported_dtypes(void **state)
{
    (void)state;
    assert_refused("object.npy", TD_ETYPE, "unsupported dtype '|O' (object arrays are not supported)");
    assert_refused("structured.npy", TD_ETYPE, "structured arrays are not supported");
    assert_refused("unicode.npy", TD_ETYPE, "unsupported dtype '<U2' (string arrays");
    assert_refused("complex.npy", TD_ETYPE, "'<c8' (complex arrays");
    assert_refused("float16.npy", TD_ETYPE, "'<f2' (float16 arrays");
    assert_refused("datetime.npy", TD_ETYPE, "datetime");
}

static void missing_and_directory(void **state)
{
    (void)state;
    td_err err = {0};
    const char *path = data_path("no_such_file.npy");
    assert_null(npy_load(path, &err));
    assert_int_equal(err.kind, TD_ENOTFOUND);
    assert_non_null(strstr(err.msg, path));

    assert_null(npy_load(tmpdir, &err));
    assert_int_equal(err.kind, TD_EIO);
    assert_non_null(strstr(err.msg, tmpdir));
}

/* --- the header grammar, from memory ------------------------------------- */

/* A .npy image with the given header text (padded as numpy pads it) and
 * data; version 1, 2 or 3. */
static uint8_t *image(int major, const char *header, const void *data, size_t dlen, size_t *len)
{
    size_t hl = strlen(header), pre = major == 1 ? 10 : 12;
    size_t pad = 64 - (pre + hl + 1) % 64, total = hl + pad + 1;
    uint8_t *b = malloc(pre + total + dlen + 1);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)major;
    b[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        b[8 + i] = (uint8_t)(total >> (8 * i));
    memcpy(b + pre, header, hl);
    memset(b + pre + hl, ' ', pad);
    b[pre + total - 1] = '\n';
    if (dlen)
        memcpy(b + pre + total, data, dlen);
    *len = pre + total + dlen;
    return b;
}

static nd_array *parse_header_text(int major, const char *header, const void *data, size_t dlen, td_err *err)
{
    size_t len;
    uint8_t *b = image(major, header, data, dlen, &len);
    nd_array *a = npy_parse(b, len, "mem.npy", err);
    free(b);
    return a;
}

static void header_variants_accepted(void **state)
{
    (void)state;
    const int16_t d[6] = {1, 2, 3, 4, 5, 6};
    static const struct {
        int major;
        const char *header;
        int ndim;
    } ok[] = {
        {1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i2'}", 2},
        {1, "{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (6,)}", 1},
        {1, "{ 'descr' :'<i2',\n\t'fortran_order':False ,'shape':( 6 , ) , }", 1},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3,), }", 2},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 3L), }", 2}, /* Python 2 */
        {2, "{'descr': '<i2', 'fortran_order': False, 'shape': (1, 6), }", 2},
        {3, "{'descr': '<i2', 'fortran_order': False, 'shape': (6, 1), }", 2},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        td_err err = {0};
        nd_array *a = parse_header_text(ok[i].major, ok[i].header, d, sizeof d, &err);
        if (!a)
            fail_msg("header %zu refused: %s", i, err.msg);
        assert_int_equal(a->dtype, TD_INT16);
        assert_int_equal(a->ndim, ok[i].ndim);
        assert_bytes(a, d, sizeof d);
        nd_release(a);
    }

    /* Fortran order in memory: shape (2, 3) stored column by column. */
    td_err err = {0};
    nd_array *a =
        parse_header_text(1, "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", d, sizeof d, &err);
    CHECK_OK(a, &err);
    const int16_t c[6] = {1, 3, 5, 2, 4, 6};
    assert_bytes(a, c, sizeof c);
    nd_release(a);

    /* thunder's bools are 0 or 1 whatever byte a file holds. */
    const uint8_t raw[3] = {0, 2, 255};
    a = parse_header_text(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", raw, 3, &err);
    CHECK_OK(a, &err);
    const uint8_t norm[3] = {0, 1, 1};
    assert_bytes(a, norm, 3);
    nd_release(a);

    /* Every dtype spelling thunder supports, in both byte orders. */
    static const struct {
        const char *descr;
        td_dtype dtype;
    } descrs[] = {
        {"|b1", TD_BOOL},    {"|i1", TD_INT8},    {"|u1", TD_UINT8},   {"<i2", TD_INT16},
        {">i2", TD_INT16},   {"<u2", TD_UINT16},  {">u2", TD_UINT16},  {"<i4", TD_INT32},
        {">i4", TD_INT32},   {"<u4", TD_UINT32},  {">u4", TD_UINT32},  {"<i8", TD_INT64},
        {">i8", TD_INT64},   {"<u8", TD_UINT64},  {">u8", TD_UINT64},  {"<f4", TD_FLOAT32},
        {">f4", TD_FLOAT32}, {"<f8", TD_FLOAT64}, {">f8", TD_FLOAT64},
    };
    const uint8_t eight[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++) {
        char h[128];
        snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (), }", descrs[i].descr);
        size_t is = td_dtype_size(descrs[i].dtype);
        a = parse_header_text(1, h, eight, is, &err);
        if (!a)
            fail_msg("%s refused: %s", descrs[i].descr, err.msg);
        assert_int_equal(a->dtype, descrs[i].dtype);
        uint8_t want[8];
        for (size_t k = 0; k < is; k++)
            want[k] = descrs[i].descr[0] == '>' ? eight[is - 1 - k] : eight[k];
        if (descrs[i].dtype == TD_BOOL)
            want[0] = 1;
        assert_bytes(a, want, is);
        nd_release(a);
    }
}

static void header_variants_refused(void **state)
{
    (void)state;
    static const struct {
        int major;
        const char *header;
        td_errkind kind;
        const char *needle;
    } bad[] = {
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), 'extra': 1}", TD_EVALUE,
         "unexpected key"},
        {1, "{'descr': '<i2', 'descr': '<i2', 'fortran_order': False, 'shape': (1,)}", TD_EVALUE,
         "duplicate key"},
        {1, "{'descr': '<i2', 'fortran_order': False}", TD_EVALUE, "missing key 'shape'"},
        {1, "{}", TD_EVALUE, "missing key 'descr'"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1)}", TD_EVALUE, "not a tuple"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': [1]}", TD_EVALUE, "not a tuple"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1.0,)}", TD_EVALUE,
         "not a tuple of integers"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (0x1,)}", TD_EVALUE,
         "not a tuple of integers"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (01,)}", TD_EVALUE, "leading zero"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (,)}", TD_EVALUE, "not a tuple of integers"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,,)}", TD_EVALUE, "not a tuple of integers"},
        {3, "{'descr': '<i2', 'fortran_order': False, 'shape': (1L,)}", TD_EVALUE, "not a tuple of integers"},
        {1, "{'descr': '<i2', 'fortran_order': false, 'shape': (1,)}", TD_EVALUE, "not True or False"},
        {1, "{'descr': '<i2', 'fortran_order': Falsey, 'shape': (1,)}", TD_EVALUE, "not True or False"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,)} x", TD_EVALUE, "unexpected text"},
        {1, "{'descr': '<i2, 'fortran_order': False, 'shape': (1,)}", TD_EVALUE, "cannot parse"},
        {1, "{'descr': '<\\x69', 'fortran_order': False, 'shape': (1,)}", TD_EVALUE, "unexpected character"},
        {1, "{'descr': 2, 'fortran_order': False, 'shape': (1,)}", TD_EVALUE, "not a dtype string"},
        {1, " {'descr': '<i2', 'fortran_order': False, 'shape': (1,)}", TD_EVALUE, "not a dict"},
        {1, "['descr', '<i2']", TD_EVALUE, "not a dict"},
        {1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "structured"},
        {1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "object arrays"},
        {1, "{'descr': '<i3', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "unsupported dtype '<i3'"},
        {1, "{'descr': 'float64', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "unsupported dtype"},
        {1, "{'descr': '', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "unsupported dtype ''"},
        {1, "{'descr': '<', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "unsupported dtype '<'"},
        {1, "{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "long double"},
        {1, "{'descr': '<m8[s]', 'fortran_order': False, 'shape': (1,)}", TD_ETYPE, "timedelta"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (9223372036854775808,)}", TD_EVALUE,
         "too large"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (9223372036854775807,)}", TD_EVALUE,
         "too large"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3037000500, 3037000500)}", TD_EVALUE,
         "too large"},
        {1, "{'descr': '<i2', 'fortran_order': False, 'shape': (100,)}", TD_EVALUE, "data too short"},
    };
    const int16_t d[1] = {5};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_err err = {0};
        nd_array *a = parse_header_text(bad[i].major, bad[i].header, d, sizeof d, &err);
        if (a)
            fail_msg("header %zu accepted: %s", i, bad[i].header);
        if (err.kind != bad[i].kind || !strstr(err.msg, "mem.npy") || !strstr(err.msg, bad[i].needle))
            fail_msg("header %zu: got %s: %s; want %s with '%s'", i, td_errkind_name(err.kind), err.msg,
                     td_errkind_name(bad[i].kind), bad[i].needle);
    }

    /* 33 dimensions: one more than numpy allows. */
    char h[512];
    int n = snprintf(h, sizeof h, "{'descr': '<i2', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < 33; i++)
        n += snprintf(h + n, sizeof h - (size_t)n, "1, ");
    snprintf(h + n, sizeof h - (size_t)n, ")}");
    td_err err = {0};
    assert_null(parse_header_text(1, h, d, sizeof d, &err));
    assert_non_null(strstr(err.msg, "more than 32 dimensions"));

    /* A version 2.0 header length over 1 MiB is refused before anything
     * is read, whatever the file size. */
    uint8_t pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0x01, 0x00, 0x10, 0x00};
    uint8_t *big = calloc(1, (1u << 20) + 64);
    assert_non_null(big);
    memcpy(big, pre, sizeof pre);
    assert_null(npy_parse(big, (1u << 20) + 64, "big.npy", &err));
    assert_int_equal(err.kind, TD_EVALUE);
    assert_non_null(strstr(err.msg, "big.npy: .npy header of 1048577 bytes is too large"));
    free(big);

    /* Versions 1.1 and 0.0 do not exist. */
    size_t len;
    uint8_t *b = image(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,)}", d, 2, &len);
    b[7] = 1;
    assert_null(npy_parse(b, len, "v11.npy", &err));
    assert_non_null(strstr(err.msg, "v11.npy: unsupported .npy format version 1.1"));
    b[6] = 0;
    b[7] = 0;
    assert_null(npy_parse(b, len, "v00.npy", &err));
    assert_non_null(strstr(err.msg, "version 0.0"));
    free(b);

    assert_null(npy_parse(NULL, 0, "empty.npy", &err));
    assert_non_null(strstr(err.msg, "empty.npy: truncated .npy header (0 bytes)"));
}

/* Every prefix of valid files is refused cleanly (only the whole file
 * parses), and random corruptions of the header never crash: any result
 * is either an error naming the image or a consistent array. */
static void truncations_and_garbage(void **state)
{
    (void)state;
    static const char *files[] = {"fortran_be_i4_3d.npy", "v3_u2.npy", "v2_i4.npy", "bool.npy", "f4_0d.npy"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        uint8_t *whole = slurp(data_path(files[f]), &len);
        for (size_t n = 0; n <= len; n++) {
            /* A fresh allocation of exactly n bytes, so a read past the end
             * is caught by the sanitizers. */
            uint8_t *part = malloc(n ? n : 1);
            assert_non_null(part);
            memcpy(part, whole, n);
            td_err err = {0};
            nd_array *a = npy_parse(part, n, "prefix.npy", &err);
            if (n < len) {
                if (a)
                    fail_msg("%s: a prefix of %zu of %zu bytes parsed", files[f], n, len);
                assert_int_equal(err.kind, TD_EVALUE);
                assert_non_null(strstr(err.msg, "prefix.npy: "));
            } else {
                CHECK_OK(a, &err);
                nd_release(a);
            }
            free(part);
        }

        td_rng rng;
        td_rng_seed(&rng, (uint32_t)f);
        for (int iter = 0; iter < 3000; iter++) {
            uint8_t *copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, whole, len);
            int flips = 1 + (int)td_rng_below(&rng, 4);
            for (int k = 0; k < flips; k++) {
                /* Mostly the header, where the parsing happens. */
                size_t at = (size_t)td_rng_below(&rng, iter % 4 && len > 128 ? 128 : (int64_t)len);
                static const char interesting[] = "{}(),:'\" 0123456789-LTFe<>|\n\x93\xff";
                copy[at] = td_rng_below(&rng, 2)
                               ? (uint8_t)td_rng_u32(&rng)
                               : (uint8_t)interesting[td_rng_below(&rng, sizeof interesting - 1)];
            }
            size_t n =
                (size_t)td_rng_below(&rng, 8) == 0 ? (size_t)td_rng_below(&rng, (int64_t)len + 1) : len;
            td_err err = {0};
            nd_array *a = npy_parse(copy, n, "fuzz.npy", &err);
            if (a) {
                int64_t size = 1;
                for (int k = 0; k < a->ndim; k++)
                    size *= a->shape[k];
                assert_int_equal(size, a->size);
                assert_true(nd_nbytes(a) <= n);
                nd_release(a);
            } else {
                assert_true(err.kind == TD_EVALUE || err.kind == TD_ETYPE);
                assert_non_null(strstr(err.msg, "fuzz.npy: "));
            }
            free(copy);
        }
        free(whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_every_dtype),   cmocka_unit_test(save_matches_numpy_bytes),
        cmocka_unit_test(save_replaces_atomically), cmocka_unit_test(save_errors),
        cmocka_unit_test(numpy_big_endian),         cmocka_unit_test(numpy_fortran_order),
        cmocka_unit_test(numpy_versions_2_and_3),   cmocka_unit_test(numpy_bool_scalar_empty),
        cmocka_unit_test(trailing_bytes_ignored),   cmocka_unit_test(malformed_files),
        cmocka_unit_test(unsupported_dtypes),       cmocka_unit_test(missing_and_directory),
        cmocka_unit_test(header_variants_accepted), cmocka_unit_test(header_variants_refused),
        cmocka_unit_test(truncations_and_garbage), cmocka_unit_test(load_parts),
    };
    return cmocka_run_group_tests_name("npy", tests, make_tmpdir, remove_tmpdir);
}

/* The workbench's parts that need no terminal: what show() and stats()
 * compute (against numpy), text sanitising, completion candidates, and
 * the session script (record, save, run). */
#define _GNU_SOURCE
#include <locale.h>
#include <math.h>
#include <unistd.h>

#include "testutil.h"

#include "complete.h"
#include "interp.h"
#include "m_ui.h"
#include "strbuf.h"
#include "text.h"
#include "view.h"

static interp *new_interp(void)
{
    interp *in = interp_new();
    assert_non_null(in);
    return in;
}

static void run_ok(interp *in, const char *src)
{
    run_error rerr;
    run_opts o = {.filename = "<test>", .first_line = 1, .echo = false};
    if (interp_run(in, src, strlen(src), &o, &rerr) < 0)
        fail_msg("%s: %s: %s", src, td_errkind_name(rerr.err.kind), rerr.err.msg);
}

static view *show_var(interp *in, const char *name, const view_opts *o, td_err *err)
{
    value *v = interp_lookup(in, name);
    assert_non_null(v);
    return view_show(v, name, o, err);
}

/* --- ranges ------------------------------------------------------------------------- */

static void test_range_percentiles(void **state)
{
    (void)state;
    double lo, hi;
    /* np.percentile(x, 1), np.percentile(x, 99) */
    const double x[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};
    view_range(x, 11, 1, 99, &lo, &hi);
    assert_float_equal(lo, 1.0, 1e-12);
    assert_float_equal(hi, 8.700000000000001, 1e-12);
    /* NaN and infinities are left out: the percentiles of [0.5, -2, 7.25, 1] */
    const double y[] = {0.5, NAN, -2.0, INFINITY, 7.25, 1.0};
    view_range(y, 6, 1, 99, &lo, &hi);
    assert_float_equal(lo, -1.925, 1e-12);
    assert_float_equal(hi, 7.062499999999998, 1e-12);
    /* nothing finite: a default range rather than NaN */
    const double z[] = {NAN, NAN};
    view_range(z, 2, 1, 99, &lo, &hi);
    assert_float_equal(lo, 0, 0);
    assert_float_equal(hi, 1, 0);
}

/* --- show ------------------------------------------------------------------------------ */

static void test_show_images_projections(void **state)
{
    (void)state;
    interp *in = new_interp();
    run_ok(in, "import thunder as td\nimport numpy as np\n"
               "imgs = td.images.fromarray(np.arange(24).reshape(2, 3, 4))\n"
               "vol = td.images.fromarray(np.arange(120.0).reshape(2, 3, 4, 5))");
    td_err err;
    view_opts o;
    memset(&o, 0, sizeof o);

    /* the default: the mean across images, np.arange(24).reshape(2,3,4).mean(0) */
    view *v = show_var(in, "imgs", &o, &err);
    CHECK_OK(v, &err);
    assert_int_equal(v->kind, VIEW_IMAGE);
    const int64_t s34[] = {3, 4};
    assert_shape(v->pix, 2, s34);
    const double mean0[] = {6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    assert_array_close(v->pix, mean0, 12, 0, 1e-12);
    assert_string_equal(v->title, "imgs: mean of 2 images");
    view_free(v);

    /* one image */
    o.has_index = true;
    o.index = -1;
    v = show_var(in, "imgs", &o, &err);
    CHECK_OK(v, &err);
    assert_float_equal(nd_get_f64(v->pix, 0), 12, 0);
    assert_float_equal(nd_get_f64(v->pix, 11), 23, 0);
    assert_string_equal(v->title, "imgs: image 1 of 2");
    view_free(v);

    /* max along axis 1: np.arange(24).reshape(2,3,4).max(1) */
    memset(&o, 0, sizeof o);
    o.has_axis = true;
    o.axis = 1;
    o.proj = VIEW_PROJ_MAX;
    v = show_var(in, "imgs", &o, &err);
    CHECK_OK(v, &err);
    const int64_t s24[] = {2, 4};
    assert_shape(v->pix, 2, s24);
    const double max1[] = {8, 9, 10, 11, 20, 21, 22, 23};
    assert_array_close(v->pix, max1, 8, 0, 0);
    view_free(v);

    /* a volume: image 1 then the max along z, v[1].max(0) */
    memset(&o, 0, sizeof o);
    o.has_index = true;
    o.index = 1;
    o.proj = VIEW_PROJ_MAX;
    v = show_var(in, "vol", &o, &err);
    CHECK_OK(v, &err);
    const int64_t s45[] = {4, 5};
    assert_shape(v->pix, 2, s45);
    assert_float_equal(nd_get_f64(v->pix, 0), 100, 0);
    assert_float_equal(nd_get_f64(v->pix, 19), 119, 0);
    assert_string_equal(v->title, "vol: image 1 of 2, max along axis 0");
    view_free(v);

    /* both projections by default: v.mean(0).mean(0) */
    memset(&o, 0, sizeof o);
    v = show_var(in, "vol", &o, &err);
    CHECK_OK(v, &err);
    assert_shape(v->pix, 2, s45);
    assert_float_equal(nd_get_f64(v->pix, 0), 50, 1e-12);
    assert_float_equal(nd_get_f64(v->pix, 19), 69, 1e-12);
    view_free(v);

    /* out of range */
    o.has_index = true;
    o.index = 2;
    assert_null(show_var(in, "imgs", &o, &err));
    assert_int_equal(err.kind, TD_EINDEX);
    memset(&o, 0, sizeof o);
    o.has_axis = true;
    o.axis = 3;
    assert_null(show_var(in, "imgs", &o, &err));
    assert_string_equal(err.msg, "axis 3 is out of bounds for array of dimension 3");
    interp_free(in);
}

static void test_show_curves(void **state)
{
    (void)state;
    interp *in = new_interp();
    run_ok(in, "import thunder as td\nimport numpy as np\n"
               "s = td.series.fromarray(np.array([[1.0, 2.0, 3.0], [5.0, 0.0, 7.0]]), index=np.array([10, "
               "20, 30]))\n"
               "line = np.array([2.0, -1.0, np.nan, 4.0])\n"
               "n = 3");
    td_err err;
    view_opts o;
    memset(&o, 0, sizeof o);
    view *v = show_var(in, "s", &o, &err);
    CHECK_OK(v, &err);
    assert_int_equal(v->kind, VIEW_LINE);
    const double r0[] = {1, 2, 3};
    assert_array_close(v->pix, r0, 3, 0, 0);
    assert_float_equal(v->x0, 10, 0);
    assert_float_equal(v->x1, 30, 0);
    assert_string_equal(v->title, "s: record 0 of 2");
    view_free(v);

    o.proj = VIEW_PROJ_MAX;
    v = show_var(in, "s", &o, &err);
    CHECK_OK(v, &err);
    const double mx[] = {5, 2, 7};
    assert_array_close(v->pix, mx, 3, 0, 0);
    assert_float_equal(v->lo, 2, 0);
    assert_float_equal(v->hi, 7, 0);
    view_free(v);

    /* a 1-D array: its range skips NaN */
    memset(&o, 0, sizeof o);
    v = show_var(in, "line", &o, &err);
    CHECK_OK(v, &err);
    assert_int_equal(v->kind, VIEW_LINE);
    assert_float_equal(v->lo, -1, 0);
    assert_float_equal(v->hi, 4, 0);
    assert_float_equal(v->x1, 3, 0);
    view_free(v);

    assert_null(show_var(in, "n", &o, &err));
    assert_int_equal(err.kind, TD_ETYPE);
    assert_string_equal(err.msg, "show() needs Images, Series or an ndarray, not int");
    interp_free(in);
}

/* --- stats --------------------------------------------------------------------------- */

static void test_stats(void **state)
{
    (void)state;
    interp *in = new_interp();
    run_ok(in, "import numpy as np\nz = np.array([[1.0, 2.0], [np.nan, 4.0]])\n"
               "big = np.arange(300000, dtype=np.int16)");
    td_err err;
    view *v = view_stats_of(interp_lookup(in, "z"), "z", &err);
    CHECK_OK(v, &err);
    assert_int_equal(v->kind, VIEW_STATS);
    assert_int_equal(v->st.count, 4);
    assert_int_equal(v->st.nans, 1);
    assert_float_equal(v->st.min, 1, 0);
    assert_float_equal(v->st.max, 4, 0);
    /* np.nanmean, np.nanstd */
    assert_float_equal(v->st.mean, 2.3333333333333335, 1e-15);
    assert_float_equal(v->st.std, 1.247219128924647, 1e-15);
    strbuf sb = SB_INIT;
    view_summary(&sb, v);
    assert_string_equal(sb_str(&sb), "stats: z\n  shape (2, 2)  dtype float64  size 4\n"
                                     "  min 1  max 4  mean 2.33333  std 1.24722  NaNs 1\n");
    sb_free(&sb);
    view_free(v);

    /* many blocks and threads: int16 wraps past 32767, as numpy's arange does */
    v = view_stats_of(interp_lookup(in, "big"), "big", &err);
    CHECK_OK(v, &err);
    assert_int_equal(v->st.count, 300000);
    assert_float_equal(v->st.min, -32768, 0);
    assert_float_equal(v->st.max, 32767, 0);
    /* np.arange(300000, dtype=np.int16).mean(), .std() */
    assert_float_equal(v->st.mean, 1276.4706666666666, 1e-9);
    assert_float_equal(v->st.std, 19124.394058843787, 1e-8);
    view_free(v);
    interp_free(in);
}

/* --- text ------------------------------------------------------------------------------ */

static void test_sanitize(void **state)
{
    (void)state;
    text_set_utf8(true);
    strbuf sb = SB_INIT;
    int col = 0;
    /* escape sequences, bell, C1 CSI (U+009B), invalid UTF-8, a bidi override */
    const char in[] = "a\x1b[2Jb\x07"
                      "c\tX\xc2\x9b"
                      "1m\xff\xe2\x80\xae"
                      "e\n";
    text_sanitize(&sb, in, sizeof in - 1, false, &col);
    assert_string_equal(sb_str(&sb), "a?[2Jb?c    X?1m??e?");
    sb_truncate(&sb, 0);
    text_sanitize(&sb, "x\ny\tz", 5, true, NULL);
    assert_string_equal(sb_str(&sb), "x\ny   z");
    sb_free(&sb);

    /* without UTF-8 only ASCII prints */
    text_set_utf8(false);
    sb_init(&sb);
    text_sanitize(&sb, "\xc3\xa9t\xc3\xa9", 5, false, NULL);
    assert_string_equal(sb_str(&sb), "?t?");
    sb_free(&sb);
}

static void test_widths(void **state)
{
    (void)state;
    if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8")) {
        print_message("skipped: no C.UTF-8 locale for character widths\n");
        skip();
    }
    text_set_utf8(true);
    /* two CJK characters take two columns each */
    const char *s = "\xe6\x97\xa5\xe6\x9c\xac"
                    "ab";
    assert_int_equal(text_width(s, strlen(s)), 6);
    int used;
    assert_int_equal(text_fit(s, strlen(s), 3, &used), 3);
    assert_int_equal(used, 2);
    assert_int_equal(text_fit(s, strlen(s), 5, &used), 7);
    assert_int_equal(used, 5);
    setlocale(LC_CTYPE, "C");
}

/* --- completion --------------------------------------------------------------------------- */

static bool has(char **c, const char *s)
{
    for (int i = 0; c && c[i]; i++)
        if (!strcmp(c[i], s))
            return true;
    return false;
}

static int count(char **c)
{
    int n = 0;
    while (c && c[n])
        n++;
    return n;
}

static char **complete(const interp *in, const char *line)
{
    int end = (int)strlen(line), start = end;
    while (start > 0 && (line[start - 1] == '_' || (line[start - 1] >= 'a' && line[start - 1] <= 'z') ||
                         (line[start - 1] >= 'A' && line[start - 1] <= 'Z') ||
                         (line[start - 1] >= '0' && line[start - 1] <= '9')))
        start--;
    return compl_candidates(in, line, start, end);
}

static void test_completion(void **state)
{
    (void)state;
    interp *in = new_interp();
    run_ok(in, "import numpy\nx = numpy.zeros(3)\nxs = 1\ndata = td.images.fromrandom()");

    char **c = complete(in, "x");
    assert_true(has(c, "x") && has(c, "xs"));
    compl_free(c);

    c = complete(in, "x.resh"); /* methods of the value before the dot */
    assert_int_equal(count(c), 1);
    assert_string_equal(c[0], "reshape");
    compl_free(c);

    c = complete(in, "y = td.ima"); /* namespaces */
    assert_int_equal(count(c), 1);
    assert_string_equal(c[0], "images");
    compl_free(c);

    c = complete(in, "numpy.rand"); /* a module imported under its own name */
    assert_true(has(c, "random"));
    compl_free(c);

    c = complete(in, "td.images.fromrandom(shape=(2, 3), se"); /* keyword parameters */
    assert_true(has(c, "seed="));
    assert_true(has(c, "series"));
    assert_false(has(c, "shape="));
    compl_free(c);

    c = complete(in, "show(data, pro"); /* the workbench's own functions */
    assert_int_equal(count(c), 1);
    assert_string_equal(c[0], "proj=");
    compl_free(c);

    c = complete(in, "data.gaussian_filter(sig");
    assert_true(has(c, "sigma="));
    compl_free(c);

    c = complete(in, "sav");
    assert_true(has(c, "save_history"));
    compl_free(c);

    /* nothing is evaluated: a call before the dot gives nothing */
    assert_null(complete(in, "data.mean().to"));
    assert_null(complete(in, "nosuch.a"));
    interp_free(in);
}

/* --- the session script --------------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_session_script(void **state)
{
    (void)state;
    char dir[] = "/tmp/thunder-test-ui.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char live[256], saved[256], script[256];
    snprintf(live, sizeof live, "%s/live.py", dir);
    snprintf(saved, sizeof saved, "%s/saved.py", dir);
    snprintf(script, sizeof script, "%s/script.py", dir);

    td_err err;
    CHECK_OK(m_ui_session_open(live, &err) == 0, &err);
    interp *in = new_interp();
    run_opts o = {.filename = "<test>", .first_line = 1, .on_success = m_ui_record};
    run_error rerr;
    const char *src = "a = 1\nb = (a,\n     2)\nc = nope\n";
    assert_int_equal(interp_run(in, src, strlen(src), &o, &rerr), -1);
    assert_int_equal(rerr.line, 4);

    /* run(): the script's statements are recorded, the call itself is not */
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs("# a comment\nd = [b[0],\n     b[1]]\n\ne = len(d)\n", f);
    fclose(f);
    char call[300];
    snprintf(call, sizeof call, "run('%s')\nsave_history('%s')\n", script, saved);
    assert_int_equal(interp_run(in, call, strlen(call), &o, &rerr), 0);
    assert_int_equal(interp_lookup(in, "e")->u.i, 2);
    m_ui_session_close();

    const char *want = "a = 1\nb = (a,\n     2)\nd = [b[0],\n     b[1]]\ne = len(d)\n";
    assert_string_equal(slurp(live), want);
    assert_string_equal(slurp(saved), want);

    /* replaying the session reaches the same workspace */
    interp *again = new_interp();
    run_opts quiet = {.filename = "<test>", .first_line = 1};
    snprintf(call, sizeof call, "run('%s')", saved);
    assert_int_equal(interp_run(again, call, strlen(call), &quiet, &rerr), 0);
    assert_int_equal(interp_nvars(again), interp_nvars(in));
    assert_int_equal(interp_lookup(again, "e")->u.i, 2);
    assert_int_equal(interp_lookup(again, "b")->u.seq.n, 2);

    /* an error in a script names the file and its line */
    f = fopen(script, "w");
    assert_non_null(f);
    fputs("x = 1\n\ny = (x +\n     undefined)\n", f);
    fclose(f);
    assert_int_equal(m_ui_run_file(again, script, &err), -1);
    assert_int_equal(err.kind, TD_ENAME);
    char msg[400];
    snprintf(msg, sizeof msg, "name 'undefined' is not defined (%s, line 4)", script);
    assert_string_equal(err.msg, msg);
    assert_int_equal(interp_lookup(again, "x")->u.i, 1);
    assert_int_equal(m_ui_run_file(again, "/nonexistent/file.py", &err), -1);
    assert_int_equal(err.kind, TD_ENOTFOUND);

    interp_free(in);
    interp_free(again);
    unlink(live);
    unlink(saved);
    unlink(script);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_percentiles), cmocka_unit_test(test_show_images_projections),
        cmocka_unit_test(test_show_curves),       cmocka_unit_test(test_stats),
        cmocka_unit_test(test_sanitize),          cmocka_unit_test(test_widths),
        cmocka_unit_test(test_completion),        cmocka_unit_test(test_session_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

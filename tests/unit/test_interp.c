/* The interpreter's C interface: statements that fail leave the workspace
 * as it was, error positions, statement texts for the history, output
 * through the output function, and interp_call from several threads. */
#include <pthread.h>

#include "testutil.h"

#include "interp.h"
#include "registry.h"
#include "strbuf.h"

typedef struct capture {
    strbuf out[3];
} capture;

static void capture_output(int stream, const char *text, size_t len, void *user)
{
    capture *c = user;
    sb_addn(&c->out[stream == 2 ? 2 : 1], text, len);
}

static int run(interp *in, const char *src, run_error *rerr)
{
    run_opts opts = {.filename = "<test>", .first_line = 1, .echo = true};
    return interp_run(in, src, strlen(src), &opts, rerr);
}

static int64_t int_var(interp *in, const char *name)
{
    value *v = interp_lookup(in, name);
    assert_non_null(v);
    assert_int_equal(v->kind, V_INT);
    return v->u.i;
}

static void test_failed_statement_changes_nothing(void **state)
{
    (void)state;
    interp *in = interp_new();
    run_error rerr;
    assert_int_equal(run(in, "a = 1\nb = 2", &rerr), 0);

    /* the value fails half-way through a tuple */
    assert_int_equal(run(in, "a, b = 10, 1 / 0", &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_EZERODIV);
    assert_int_equal(int_var(in, "a"), 1);
    assert_int_equal(int_var(in, "b"), 2);

    /* the value is fine but unpacking fails */
    assert_int_equal(run(in, "a, b = 5, 6, 7", &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_EVALUE);
    assert_string_equal(rerr.err.msg, "too many values to unpack (expected 2)");
    assert_int_equal(int_var(in, "a"), 1);

    /* several targets: none is bound when the value fails */
    assert_int_equal(run(in, "x = y = undefined_name", &rerr), -1);
    assert_null(interp_lookup(in, "x"));
    assert_null(interp_lookup(in, "y"));

    /* del of several names checks them all first */
    assert_int_equal(run(in, "del a, no_such_name", &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_ENAME);
    assert_int_equal(int_var(in, "a"), 1);

    /* an import of several names binds all or none */
    assert_int_equal(run(in, "from thunder import images as i2, nothing_here", &rerr), -1);
    assert_null(interp_lookup(in, "i2"));

    /* statements before the failing one have run */
    assert_int_equal(run(in, "c = 3\nd = c + zz\ne = 5", &rerr), -1);
    assert_int_equal(int_var(in, "c"), 3);
    assert_null(interp_lookup(in, "d"));
    assert_null(interp_lookup(in, "e"));
    interp_free(in);
}

static void test_workspace_order(void **state)
{
    (void)state;
    interp *in = interp_new();
    run_error rerr;
    assert_int_equal(run(in, "zeta = 1\nalpha = 2\nzeta = 3\nmid = [1]", &rerr), 0);
    assert_int_equal(interp_nvars(in), 3);
    assert_string_equal(interp_var_name(in, 0), "zeta");
    assert_string_equal(interp_var_name(in, 1), "alpha");
    assert_string_equal(interp_var_name(in, 2), "mid");
    assert_int_equal(interp_var_value(in, 0)->u.i, 3);
    assert_int_equal(run(in, "del alpha", &rerr), 0);
    assert_int_equal(interp_nvars(in), 2);
    assert_string_equal(interp_var_name(in, 1), "mid");
    assert_null(interp_var_name(in, 2));
    /* predefined names are not workspace variables, but can be shadowed */
    assert_null(interp_lookup(in, "np"));
    assert_int_equal(run(in, "np = 5\nv = np + 1", &rerr), 0);
    assert_int_equal(int_var(in, "v"), 6);
    interp_free(in);
}

static void test_error_positions(void **state)
{
    (void)state;
    interp *in = interp_new();
    run_error rerr;
    assert_int_equal(run(in, "x = 1\n\ny = [x,\n     x + nope]", &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_ENAME);
    assert_string_equal(rerr.err.msg, "name 'nope' is not defined");
    assert_int_equal(rerr.line, 4);
    assert_int_equal(rerr.col, 10);

    /* a line offset, as the workbench gives for its input history */
    run_opts opts = {.filename = "<input>", .first_line = 40};
    const char *src = "q = 1\nq.nothing";
    assert_int_equal(interp_run(in, src, strlen(src), &opts, &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_EATTR);
    assert_int_equal(rerr.line, 41);
    assert_int_equal(rerr.col, 1);

    /* syntax errors come from the parser, with its position */
    assert_int_equal(run(in, "ok = 1\nbad = (1, 2", &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_ESYNTAX);
    assert_int_equal(rerr.line, 2);
    assert_null(interp_lookup(in, "ok")); /* nothing ran */
    interp_free(in);
}

typedef struct texts {
    char items[8][64];
    int n;
} texts;

static void record(const char *stmt, size_t len, void *user)
{
    texts *t = user;
    if (t->n < 8)
        snprintf(t->items[t->n++], sizeof t->items[0], "%.*s", (int)len, stmt);
}

static void test_statement_texts(void **state)
{
    (void)state;
    interp *in = interp_new();
    texts t = {.n = 0};
    run_opts opts = {.filename = "<test>", .first_line = 1, .on_success = record, .user = &t};
    run_error rerr;
    const char *src =
        "x = [1,\n     2]  # two\n\n# a comment line\ny = 3; z = 'é'\nw = x[0] + undefined\nv = 1";
    assert_int_equal(interp_run(in, src, strlen(src), &opts, &rerr), -1);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.items[0], "x = [1,\n     2]  # two");
    assert_string_equal(t.items[1], "y = 3");
    assert_string_equal(t.items[2], "z = 'é'");
    interp_free(in);
}

static void test_output(void **state)
{
    (void)state;
    interp *in = interp_new();
    capture c;
    for (int i = 0; i < 3; i++)
        sb_init(&c.out[i]);
    interp_set_output(in, capture_output, &c);
    run_error rerr;
    assert_int_equal(run(in, "1 + 1\nNone\nx = 'a'\nx\nprint(x, 2, sep='-')\n[1.5, None]", &rerr), 0);
    assert_string_equal(sb_str(&c.out[1]), "2\n'a'\na-2\n[1.5, None]\n");
    /* echo off: only print writes */
    run_opts opts = {.filename = "<test>", .first_line = 1, .echo = false, .timing = true};
    const char *src = "5\nprint('p')";
    assert_int_equal(interp_run(in, src, strlen(src), &opts, &rerr), 0);
    assert_string_equal(sb_str(&c.out[1]), "2\n'a'\na-2\n[1.5, None]\np\n");
    assert_non_null(strstr(sb_str(&c.out[2]), "line 1: "));
    assert_non_null(strstr(sb_str(&c.out[2]), "line 2: "));
    interp_set_output(in, NULL, NULL);
    for (int i = 0; i < 3; i++)
        sb_free(&c.out[i]);
    interp_free(in);
}

typedef struct call_job {
    interp *in;
    value *fn;
    int64_t base;
    int failures;
} call_job;

static void *call_many(void *p)
{
    call_job *j = p;
    for (int64_t k = 0; k < 2000; k++) {
        value *arg = val_int(j->base + k);
        td_err err;
        value *r = interp_call(j->in, j->fn, 1, &arg, &err);
        /* f(v) = g(v)(2) + offset = v * 2 + 100 */
        if (!r || r->kind != V_INT || r->u.i != (j->base + k) * 2 + 100)
            j->failures++;
        val_release(r);
        val_release(arg);
    }
    return NULL;
}

static void test_interp_call_threads(void **state)
{
    (void)state;
    interp *in = interp_new();
    run_error rerr;
    assert_int_equal(
        run(in, "offset = 100\ng = lambda v: lambda m: v * m\nf = lambda v: g(v)(2) + offset", &rerr), 0);
    value *fn = interp_lookup(in, "f");
    assert_non_null(fn);
    enum { NT = 8 };
    pthread_t th[NT];
    call_job jobs[NT];
    for (int t = 0; t < NT; t++) {
        jobs[t] = (call_job){in, fn, t * 100000, 0};
        assert_int_equal(pthread_create(&th[t], NULL, call_many, &jobs[t]), 0);
    }
    for (int t = 0; t < NT; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(jobs[t].failures, 0);
    }
    /* errors come back through td_err, with Python's wording */
    value *bad = val_cstr("text");
    td_err err;
    assert_null(interp_call(in, fn, 1, &bad, &err));
    assert_int_equal(err.kind, TD_ETYPE);
    assert_string_equal(err.msg, "can only concatenate str (not \"int\") to str"); /* 'texttext' + 100 */
    assert_null(interp_call(in, fn, 0, NULL, &err));
    assert_string_equal(err.msg, "<lambda>() missing 1 required positional argument: 'v'");
    val_release(bad);
    interp_free(in);
}

static void test_recursion_limit(void **state)
{
    (void)state;
    interp *in = interp_new();
    run_error rerr;
    assert_int_equal(run(in, "f = lambda n: 0 if n == 0 else 1 + f(n - 1)\nok = f(400)", &rerr), 0);
    assert_int_equal(int_var(in, "ok"), 400);
    assert_int_equal(run(in, "deep = f(100000)", &rerr), -1);
    assert_int_equal(rerr.err.kind, TD_ERUNTIME);
    assert_string_equal(rerr.err.msg, "maximum recursion depth exceeded");
    /* the limit resets: the same function works again afterwards */
    assert_int_equal(run(in, "again = f(10)", &rerr), 0);
    assert_int_equal(int_var(in, "again"), 10);
    interp_free(in);
}

/* A function that hands back its bound arguments as a tuple. */
static value *echo_args(call_args *a, td_err *err)
{
    (void)err;
    for (int i = 0; i < a->n; i++)
        val_retain(a->v[i]);
    return val_tuple(a->v, a->n);
}

/* clang-format off */
static const reg_func test_funcs[] = {
    {"conv", echo_args, "Conversions.", 0,
     {{"dt", PT_DTYPE, NULL}, {"shape", PT_SHAPE, "(2, 3)"}, {"nums", PT_NUMS, "1.5"}, {"flag", PT_BOOL, "0"},
      {"opt", PT_INT, "None"}, {0}}},
    {"kwrest", echo_args, "Keyword-only defaults.", REG_KWONLY_REST,
     {{"a", PT_ANY, NULL}, {"axis", PT_INT, "None"}, {0}}},
    {"star", echo_args, "Varargs then keywords.", REG_VARARGS,
     {{"first", PT_ANY, NULL}, {"*rest", PT_NUMBER, NULL}, {"sep", PT_STR, "'-'"}, {0}}},
};
/* clang-format on */
static const reg_table test_table = {"test", test_funcs, sizeof test_funcs / sizeof *test_funcs};

static value *bind_call(const char *fname, int nargs, value **args, int nkw, const char **kwn, value **kwv,
                        td_err *err)
{
    call_args ca;
    if (reg_bind(NULL, reg_find(&test_table, fname), NULL, nargs, args, nkw, kwn, kwv, &ca, err) < 0)
        return NULL;
    value *r = reg_call(&ca, err);
    reg_unbind(&ca);
    return r;
}

static void test_registry_binding(void **state)
{
    (void)state;
    td_err err;
    strbuf sb = SB_INIT;

    /* dtype spellings and the converted defaults */
    const char *spellings[] = {"float64", "<i2", "uint8"};
    const td_dtype want[] = {TD_FLOAT64, TD_INT16, TD_UINT8};
    for (int k = 0; k < 3; k++) {
        value *dt = val_cstr(spellings[k]);
        value *r = bind_call("conv", 1, &dt, 0, NULL, NULL, &err);
        CHECK_OK(r, &err);
        assert_int_equal(r->u.seq.items[0]->kind, V_DTYPE);
        assert_int_equal(r->u.seq.items[0]->u.dtype, want[k]);
        sb_truncate(&sb, 0);
        val_repr(&sb, r, &err);
        if (k == 0)
            assert_string_equal(sb_str(&sb), "(dtype('float64'), (2, 3), 1.5, False, None)");
        val_release(r);
        val_release(dt);
    }
    value *bad = val_cstr("float99");
    assert_null(bind_call("conv", 1, &bad, 0, NULL, NULL, &err));
    assert_int_equal(err.kind, TD_ETYPE);
    val_release(bad);
    value *num = val_int(3);
    assert_null(bind_call("conv", 1, &num, 0, NULL, NULL, &err));
    assert_string_equal(err.msg, "Cannot interpret '3' as a data type");

    /* shape from an int, numbers from a list */
    value *args[3] = {val_dtype(TD_BOOL), val_int(4), NULL};
    value *lst[2] = {val_int(1), val_float(2.5)};
    args[2] = val_list(lst, 2);
    value *r = bind_call("conv", 3, args, 0, NULL, NULL, &err);
    CHECK_OK(r, &err);
    sb_truncate(&sb, 0);
    val_repr(&sb, r, &err);
    assert_string_equal(sb_str(&sb), "(dtype('bool'), (4,), (1, 2.5), False, None)");
    val_release(r);
    value *str = val_cstr("x");
    value *old = args[1];
    args[1] = str;
    assert_null(bind_call("conv", 2, args, 0, NULL, NULL, &err));
    assert_string_equal(err.msg, "conv() argument 'shape' must be int or tuple of ints, not str");
    args[1] = old;

    /* keyword-only parameters after the required ones */
    assert_null(bind_call("kwrest", 2, args, 0, NULL, NULL, &err));
    assert_string_equal(err.msg, "kwrest() takes 1 positional argument but 2 were given");
    const char *kn[] = {"axis"};
    value *kv[] = {num};
    r = bind_call("kwrest", 1, args, 1, kn, kv, &err);
    CHECK_OK(r, &err);
    assert_int_equal(r->u.seq.items[1]->u.i, 3);
    val_release(r);
    const char *typo[] = {"axsi"};
    assert_null(bind_call("kwrest", 1, args, 1, typo, kv, &err));
    assert_string_equal(err.msg, "kwrest() got an unexpected keyword argument 'axsi' (did you mean 'axis'?)");

    /* varargs collect the extra positionals, converted one by one */
    value *sargs[3] = {str, val_int(1), val_float(2.0)};
    r = bind_call("star", 3, sargs, 0, NULL, NULL, &err);
    CHECK_OK(r, &err);
    sb_truncate(&sb, 0);
    val_repr(&sb, r, &err);
    assert_string_equal(sb_str(&sb), "('x', (1, 2.0), '-')");
    val_release(r);
    assert_null(bind_call("star", 0, NULL, 0, NULL, NULL, &err));
    assert_string_equal(err.msg, "star() missing 1 required positional argument: 'first'");

    /* signatures as help() shows them */
    sb_truncate(&sb, 0);
    reg_signature(&sb, reg_find(&test_table, "star"));
    assert_string_equal(sb_str(&sb), "star(first, *rest, sep='-')");
    sb_truncate(&sb, 0);
    reg_signature(&sb, reg_find(&test_table, "kwrest"));
    assert_string_equal(sb_str(&sb), "kwrest(a, *, axis=None)");
    assert_string_equal(reg_suggest(&test_table, "stra"), "star");
    assert_null(reg_suggest(&test_table, "zzzzzz"));

    for (int k = 0; k < 3; k++)
        val_release(args[k]);
    val_release(sargs[1]);
    val_release(sargs[2]);
    val_release(str);
    val_release(num);
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_statement_changes_nothing),
        cmocka_unit_test(test_workspace_order),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_statement_texts),
        cmocka_unit_test(test_output),
        cmocka_unit_test(test_interp_call_threads),
        cmocka_unit_test(test_recursion_limit),
        cmocka_unit_test(test_registry_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

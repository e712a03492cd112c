/* reg_confine_writes: with it on, every function that writes (REG_WRITES)
 * refuses a path outside the working directory, and works as before
 * inside it; with it off, nothing changes. */
#include "testutil.h"

#include <unistd.h>

#include "interp.h"
#include "registry.h"

static char dir[4096];

static void quiet(int stream, const char *text, size_t len, void *user)
{
    (void)stream;
    (void)text;
    (void)len;
    (void)user;
}

/* Runs src in a fresh interpreter: 0, or -1 with *rerr filled. */
static int run(const char *src, run_error *rerr)
{
    interp *in = interp_new();
    assert_non_null(in);
    interp_set_output(in, quiet, NULL);
    run_opts opts = {.filename = "<test>", .first_line = 1};
    int rc = interp_run(in, src, strlen(src), &opts, rerr);
    interp_free(in);
    return rc;
}

static void refused(const char *src, const char *path)
{
    run_error rerr;
    if (run(src, &rerr) == 0)
        fail_msg("%s: ran, but should have been refused", src);
    assert_int_equal(rerr.err.kind, TD_EIO);
    char want[600];
    snprintf(want, sizeof want, "writing outside the working directory is not allowed here: '%s'", path);
    if (!strstr(rerr.err.msg, want))
        fail_msg("%s: %s", src, rerr.err.msg);
}

static void test_refused_outside(void **state)
{
    (void)state;
    reg_confine_writes(true);
    refused("import numpy as np\nnp.save('/tmp/thunder-confine-x', np.arange(3))", "/tmp/thunder-confine-x");
    refused("import numpy as np\nnp.save('../x', np.arange(3))", "../x");
    refused("import numpy as np\nnp.save('a/../../x.npy', np.arange(3))", "a/../../x.npy");
    refused("import numpy as np\nnp.save('file:///tmp/x', np.arange(3))", "file:///tmp/x");
    refused("import numpy as np\nnp.save('..', np.arange(3))", "..");
    refused("import numpy as np\nnp.save('', np.arange(3))", "");
    refused("save_history('/tmp/thunder-confine-h.py')", "/tmp/thunder-confine-h.py");
    reg_confine_writes(false);
    assert_int_equal(access("/tmp/thunder-confine-x.npy", F_OK), -1);
    assert_int_equal(access("/tmp/thunder-confine-h.py", F_OK), -1);
}

static void test_allowed_inside(void **state)
{
    (void)state;
    reg_confine_writes(true);
    run_error rerr;
    int rc = run("import numpy as np\nnp.save('ok', np.arange(3))\nnp.save('./sub..dir.npy', np.arange(2))\n"
                 "save_history('h..py')\nx = np.load('ok.npy')\n",
                 &rerr);
    reg_confine_writes(false);
    if (rc < 0)
        fail_msg("%s", rerr.err.msg);
    assert_int_equal(access("ok.npy", F_OK), 0);
    assert_int_equal(access("sub..dir.npy", F_OK), 0);
    assert_int_equal(access("h..py", F_OK), 0);
}

static void test_off_by_default(void **state)
{
    (void)state;
    char src[5000];
    snprintf(src, sizeof src, "import numpy as np\nnp.save('%s/abs', np.arange(3))\n", dir);
    run_error rerr;
    if (run(src, &rerr) < 0)
        fail_msg("%s", rerr.err.msg);
    char path[4200];
    snprintf(path, sizeof path, "%s/abs.npy", dir);
    assert_int_equal(access(path, F_OK), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/thunder-confine.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(dir) && chdir(dir) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"ok.npy", "sub..dir.npy", "h..py", "abs.npy"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(names[i]);
    if (chdir("/") != 0)
        return -1;
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_outside),
        cmocka_unit_test(test_allowed_inside),
        cmocka_unit_test(test_off_by_default),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

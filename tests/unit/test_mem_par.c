/* The memory budget, checked sizes, buffers and the parallel driver. */
#include "testutil.h"

#include <stdatomic.h>

static void test_nbytes_overflow(void **state)
{
    (void)state;
    td_err err;
    size_t n;
    int64_t ok[3] = {10, 20, 30};
    assert_int_equal(td_nbytes(3, ok, 8, &n, &err), 0);
    assert_int_equal(n, 48000);
    int64_t huge[3] = {1LL << 40, 1LL << 40, 16};
    assert_int_equal(td_nbytes(3, huge, 8, &n, &err), -1);
    assert_int_equal(err.kind, TD_EMEMORY);
    assert_non_null(strstr(err.msg, "(1099511627776, 1099511627776, 16)"));
    int64_t neg[2] = {3, -1};
    assert_int_equal(td_nbytes(2, neg, 1, &n, &err), -1);
    assert_int_equal(err.kind, TD_EVALUE);
}

static void test_budget_refuses(void **state)
{
    (void)state;
    td_err err;
    td_mem_set_budget(64u << 20);
    size_t before = td_mem_in_use();
    int64_t big[2] = {10000, 10000}; /* 800 MB of float64 */
    assert_null(nd_new(TD_FLOAT64, 2, big, &err));
    assert_int_equal(err.kind, TD_EMEMORY);
    assert_non_null(strstr(err.msg, "memory budget"));
    /* a buffer within the budget is counted while it lives */
    int64_t small[2] = {1024, 1024}; /* 8 MiB: mapped, huge-page advised */
    nd_array *a = nd_zeros(TD_FLOAT64, 2, small, &err);
    CHECK_OK(a, &err);
    assert_int_equal(td_mem_in_use(), before + (8u << 20));
    double *d = a->data;
    assert_true(d[0] == 0.0 && d[1024 * 1024 - 1] == 0.0);
    nd_release(a);
    assert_int_equal(td_mem_in_use(), before);
    td_mem_set_budget(0);
    assert_true(td_mem_budget() > (64u << 20));
}

static void test_parse_size(void **state)
{
    (void)state;
    td_err err;
    size_t n;
    assert_int_equal(td_mem_parse_size("512M", &n, &err), 0);
    assert_int_equal(n, 512u << 20);
    assert_int_equal(td_mem_parse_size("2G", &n, &err), 0);
    assert_int_equal(n, (size_t)2 << 30);
    assert_int_equal(td_mem_parse_size("1.5k", &n, &err), 0);
    assert_int_equal(n, 1536);
    assert_int_equal(td_mem_parse_size("100", &n, &err), 0);
    assert_int_equal(n, 100);
    assert_int_equal(td_mem_parse_size("lots", &n, &err), -1);
    assert_int_equal(td_mem_parse_size("5X", &n, &err), -1);
    assert_int_equal(td_mem_parse_size("-1G", &n, &err), -1);
}

static void test_views_share_buffer(void **state)
{
    (void)state;
    td_err err;
    int64_t shape[2] = {3, 4};
    nd_array *a = nd_arange(TD_INT64, 12, &err);
    CHECK_OK(a, &err);
    nd_array *b = nd_reshape(a, 2, shape, &err);
    CHECK_OK(b, &err);
    nd_release(a); /* b keeps the buffer alive */
    assert_int_equal(nd_get_i64(b, 11), 11);
    int64_t row[1] = {4};
    nd_array *r = nd_view(b, 8, 1, row, &err);
    CHECK_OK(r, &err);
    assert_int_equal(nd_get_i64(r, 0), 8);
    assert_null(nd_view(b, 10, 1, row, &err)); /* past the end */
    int64_t bad[2] = {5, 5};
    assert_null(nd_reshape(b, 2, bad, &err));
    assert_string_equal(err.msg, "cannot reshape array of size 12 into shape (5,5)");
    int64_t infer[2] = {-1, 6};
    nd_array *c = nd_reshape(b, 2, infer, &err);
    CHECK_OK(c, &err);
    assert_int_equal(c->shape[0], 2);
    nd_release(c);
    nd_release(r);
    nd_release(b);
}

struct sum_ctx {
    const int64_t *x;
    atomic_llong total;
    int fail_at;
};

static int sum_kernel(void *p, int64_t b, int64_t e, int thread, td_err *err)
{
    struct sum_ctx *c = p;
    long long s = 0;
    for (int64_t i = b; i < e; i++) {
        if (c->fail_at >= 0 && i == c->fail_at)
            return td_err_set(err, TD_EVALUE, "bad record %lld", (long long)i);
        s += c->x[i];
    }
    atomic_fetch_add(&c->total, s);
    return 0;
}

static void test_par_for_sum_and_error(void **state)
{
    (void)state;
    td_err err;
    enum { N = 100000 };
    int64_t *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++)
        x[i] = i;
    struct sum_ctx c = {x, 0, -1};
    assert_int_equal(td_par_for(N, 0, sum_kernel, &c, &err), 0);
    assert_int_equal(atomic_load(&c.total), (long long)N * (N - 1) / 2);
    struct sum_ctx f = {x, 0, 77777};
    assert_int_equal(td_par_for(N, 100, sum_kernel, &f, &err), -1);
    assert_int_equal(err.kind, TD_EVALUE);
    assert_string_equal(err.msg, "bad record 77777");
    free(x);
}

static int cancel_kernel(void *p, int64_t b, int64_t e, int thread, td_err *err)
{
    atomic_int *calls = p;
    if (atomic_fetch_add(calls, 1) == 3)
        td_cancel();
    return 0;
}

static void test_par_for_cancel(void **state)
{
    (void)state;
    td_err err;
    atomic_int calls = 0;
    assert_int_equal(td_par_for(100000, 1, cancel_kernel, &calls, &err), -1);
    assert_int_equal(err.kind, TD_ECANCEL);
    assert_true(atomic_load(&calls) < 100000);
    td_cancel_clear();
    atomic_store(&calls, 100); /* never reaches the cancelling call */
    assert_int_equal(td_par_for(1000, 1, cancel_kernel, &calls, &err), 0);
}

static int64_t last_done, last_total;
static void progress(int64_t done, int64_t total, void *user)
{
    (void)user;
    last_done = done;
    last_total = total;
}

static void test_par_for_progress(void **state)
{
    (void)state;
    td_err err;
    enum { N = 5000 };
    int64_t x[N] = {0};
    struct sum_ctx c = {x, 0, -1};
    td_set_progress(progress, NULL);
    assert_int_equal(td_par_for(N, 10, sum_kernel, &c, &err), 0);
    td_set_progress(NULL, NULL);
    assert_int_equal(last_done, N);
    assert_int_equal(last_total, N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nbytes_overflow),
        cmocka_unit_test(test_budget_refuses),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_views_share_buffer),
        cmocka_unit_test(test_par_for_sum_and_error),
        cmocka_unit_test(test_par_for_cancel),
        cmocka_unit_test(test_par_for_progress),
    };
    return cmocka_run_group_tests_name("mem_par", tests, NULL, NULL);
}

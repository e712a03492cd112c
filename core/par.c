#include "thunder/par.h"

#include <omp.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

static volatile sig_atomic_t cancel_flag;
static int par_threads; /* 0: OpenMP's default */
static td_progress_fn progress_fn;
static void *progress_user;
static _Thread_local int inside_driver;

void td_cancel(void)
{
    cancel_flag = 1;
}

void td_cancel_clear(void)
{
    cancel_flag = 0;
}

bool td_cancelled(void)
{
    return cancel_flag != 0;
}

void td_par_set_threads(int n)
{
    par_threads = n > 0 ? n : 0;
}

int td_par_threads(void)
{
    return par_threads > 0 ? par_threads : omp_get_max_threads();
}

void td_set_progress(td_progress_fn fn, void *user)
{
    progress_fn = fn;
    progress_user = user;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One thread: nested calls, one-thread runs and ranges of one chunk. */
static int run_serial(int64_t n, int64_t grain, td_kernel kernel, void *ctx, td_err *err)
{
    for (int64_t b = 0; b < n; b += grain) {
        if (cancel_flag)
            return td_err_set(err, TD_ECANCEL, "cancelled");
        int64_t e = b + grain < n ? b + grain : n;
        if (kernel(ctx, b, e, 0, err) < 0)
            return -1;
    }
    return 0;
}

int td_par_for(int64_t n, int64_t grain, td_kernel kernel, void *ctx, td_err *err)
{
    if (n <= 0)
        return 0;
    int nthreads = td_par_threads();
    if (grain <= 0) {
        /* Enough chunks for balance and prompt cancellation, few enough to be cheap. */
        grain = n / ((int64_t)nthreads * 16);
        if (grain < 1)
            grain = 1;
    }
    if (inside_driver || nthreads == 1 || n <= grain)
        return run_serial(n, grain, kernel, ctx, err);

    int64_t nchunks = (n + grain - 1) / grain;
    atomic_int_fast64_t next = 0, done = 0;
    atomic_int failed = 0;
    td_err first_err;
    td_err_clear(&first_err);
    double last_report = now_seconds();

#pragma omp parallel num_threads(nthreads)
    {
        inside_driver = 1;
        int t = omp_get_thread_num();
        td_err local;
        for (;;) {
            if (atomic_load(&failed) || cancel_flag)
                break;
            int64_t c = atomic_fetch_add(&next, 1);
            if (c >= nchunks)
                break;
            int64_t b = c * grain, e = b + grain < n ? b + grain : n;
            td_err_clear(&local);
            if (kernel(ctx, b, e, t, &local) < 0) {
                int expected = 0;
                if (atomic_compare_exchange_strong(&failed, &expected, 1))
                    first_err = local;
                break;
            }
            int64_t d = atomic_fetch_add(&done, e - b) + (e - b);
            if (t == 0 && progress_fn) {
                double now = now_seconds();
                if (now - last_report > 0.05) {
                    last_report = now;
                    progress_fn(d, n, progress_user);
                }
            }
        }
        inside_driver = 0;
    }

    if (atomic_load(&failed)) {
        if (err)
            *err = first_err;
        return -1;
    }
    if (cancel_flag)
        return td_err_set(err, TD_ECANCEL, "cancelled");
    if (progress_fn)
        progress_fn(n, n, progress_user);
    return 0;
}

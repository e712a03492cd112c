/* The parallel driver: the one place that runs kernels on threads. */
#ifndef THUNDER_PAR_H
#define THUNDER_PAR_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A kernel handles items [begin, end) of some range (records, rows,
 * tiles). thread is 0..td_par_threads()-1, for per-thread scratch. It
 * returns 0, or -1 after filling err. */
typedef int (*td_kernel)(void *ctx, int64_t begin, int64_t end, int thread, td_err *err);

/* Runs kernel over [0, n) in chunks of about `grain` items (0 picks one)
 * on all threads. Between chunks it checks for cancellation and reports
 * progress. The first error stops the remaining chunks and is returned;
 * a cancellation returns -1 with TD_ECANCEL. Never nests: a call from
 * inside a kernel runs serially on the calling thread. */
int td_par_for(int64_t n, int64_t grain, td_kernel kernel, void *ctx, td_err *err);

/* Threads used by td_par_for; 0 restores the default (OpenMP's). */
void td_par_set_threads(int n);
int td_par_threads(void);

/* Cancellation: td_cancel() is async-signal-safe, for a SIGINT handler. */
void td_cancel(void);
void td_cancel_clear(void);
bool td_cancelled(void);

/* Progress: fn(done, total, user) is called from the driver's calling
 * thread (never from a worker), at most every 50 ms and once at the end. */
typedef void (*td_progress_fn)(int64_t done, int64_t total, void *user);
void td_set_progress(td_progress_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif

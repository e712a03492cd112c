/* Shared by the cmocka unit tests: includes in cmocka's required order and
 * small helpers for comparing arrays and finding the shared data folder. */
#ifndef THUNDER_TESTUTIL_H
#define THUNDER_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "thunder.h"

/* Asserts that a call succeeded, printing the library's message if not. */
#define CHECK_OK(expr, errp)                                                                                 \
    do {                                                                                                     \
        if (!(expr))                                                                                         \
            fail_msg("%s failed: %s: %s", #expr, td_errkind_name((errp)->kind), (errp)->msg);                \
    } while (0)

/* Asserts |got - want| <= atol + rtol * |want| for every element (NaN == NaN). */
static inline void assert_array_close(const nd_array *got, const double *want, int64_t n, double rtol,
                                      double atol)
{
    assert_int_equal(got->size, n);
    for (int64_t i = 0; i < n; i++) {
        double g = nd_get_f64(got, i), w = want[i];
        if (w != w && g != g)
            continue;
        double d = g > w ? g - w : w - g;
        double tol = atol + rtol * (w < 0 ? -w : w);
        if (!(d <= tol) && g != w)
            fail_msg("element %lld: got %.17g, want %.17g", (long long)i, g, w);
    }
}

static inline void assert_shape(const nd_array *a, int ndim, const int64_t *shape)
{
    assert_int_equal(a->ndim, ndim);
    for (int i = 0; i < ndim; i++)
        if (a->shape[i] != shape[i])
            fail_msg("axis %d: got %lld, want %lld", i, (long long)a->shape[i], (long long)shape[i]);
}

/* The shared data folder (Thunder's example data and malformed files), or
 * NULL: tests that need it then skip with a visible message. */
static inline const char *shared_data_dir(void)
{
    static char path[4096];
    const char *env = getenv("THUNDER_SHARED_DATA");
    const char *src = getenv("THUNDER_SRCDIR");
    struct stat st;
    if (env && stat(env, &st) == 0)
        return env;
    snprintf(path, sizeof path, "%s/../shared/data", src ? src : ".");
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return path;
    return NULL;
}

#define SKIP_WITHOUT_SHARED_DATA(dir)                                                                        \
    const char *dir = shared_data_dir();                                                                     \
    do {                                                                                                     \
        if (!dir) {                                                                                          \
            print_message("skipped: the shared data folder (../shared/data) is absent\n");                   \
            skip();                                                                                          \
        }                                                                                                    \
    } while (0)

#endif

/* The fuzz targets' shared helpers (fuzz.h). */
#define _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char scratch[PATH_MAX];

volatile unsigned char fz_sink;

_Noreturn void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
    abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

void fz_clear(void)
{
    if (scratch[0])
        nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_scratch(void)
{
    fz_clear();
    rmdir(scratch);
}

void fz_init(void)
{
    if (scratch[0])
        return;
    td_mem_set_budget(FZ_BUDGET);
    td_par_set_threads(1);
    /* tmpfs when there is one: targets write a file per input */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/thunder-fuzz.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("fuzz: cannot make a scratch directory");
        abort();
    }
    atexit(remove_scratch);
}

const char *fz_dir(void)
{
    fz_init();
    return scratch;
}

const char *fz_file(const char *name, const void *data, size_t len)
{
    static char path[PATH_MAX + 256];
    fz_init();
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    for (char *s = path + strlen(scratch) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            fz_fail(__FILE__, __LINE__, "mkdir in the scratch directory");
        *s = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
        fz_fail(__FILE__, __LINE__, "writing a file in the scratch directory");
    return path;
}

void fz_check_err(const td_err *err)
{
    FZ_ASSERT(err->kind != TD_OK);
    FZ_ASSERT(err->msg[0] != 0);
    FZ_ASSERT(memchr(err->msg, 0, sizeof err->msg) != NULL);
}

void fz_check_array(const nd_array *a)
{
    FZ_ASSERT(a->refcount >= 1);
    FZ_ASSERT((unsigned)a->dtype < TD_NDTYPES);
    FZ_ASSERT(a->ndim >= 0 && a->ndim <= ND_MAXDIM);
    int64_t n = 1;
    for (int i = 0; i < a->ndim; i++) {
        FZ_ASSERT(a->shape[i] >= 0);
        FZ_ASSERT(!__builtin_mul_overflow(n, a->shape[i], &n));
    }
    FZ_ASSERT(n == a->size);
    size_t bytes = (size_t)a->size * td_dtype_size(a->dtype);
    if (a->buf) {
        const char *lo = td_buf_data(a->buf), *p = a->data;
        FZ_ASSERT(p >= lo && bytes <= td_buf_size(a->buf) - (size_t)(p - lo));
    }
    /* every byte read once, into a sink the compiler must keep */
    unsigned char acc = 0;
    for (size_t i = 0; i < bytes; i++)
        acc ^= ((const unsigned char *)a->data)[i];
    fz_sink = acc;
}

void fz_check_data(const td_data *d)
{
    FZ_ASSERT(d->refcount >= 1);
    FZ_ASSERT(d->values != NULL);
    fz_check_array(d->values);
    if (d->labels)
        fz_check_array(d->labels);
    if (d->index)
        fz_check_array(d->index);
    FZ_ASSERT(data_nrecords(d) >= 0);
}

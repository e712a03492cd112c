/* Allocation-failure injection: every allocation libthunder makes (malloc,
 * calloc, realloc, posix_memalign, ..., including those of libc, libtiff,
 * libpng, jansson and FFTW on its behalf) goes through the interposer
 * below, which can fail the Nth one. For each representative loader,
 * operation and writer the test sweeps N from 1 until the call no longer
 * meets a failure, and checks every time that the failure became an error
 * (a kind and a message), that nothing allocated during the call is left
 * once its result is released, and that a failed writer left no output.
 *
 * The interposer replaces glibc's allocator functions for the whole
 * process (forwarding to glibc's own __libc_* entry points); it is left
 * out under AddressSanitizer, which owns malloc, and the test then skips
 * (as it does under valgrind). */
#define _GNU_SOURCE
#include "testutil.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define NO_INTERPOSER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INTERPOSER 1
#endif
#endif

/* --- the interposer ------------------------------------------------------- */

#define CALLER __builtin_return_address(0)

static atomic_bool armed;
static atomic_long calls;     /* allocations while armed */
static atomic_long fail_at;   /* the call number to fail; 0: none */
static atomic_bool failed;    /* the failure happened */

/* Blocks allocated while armed and not yet freed: an open-addressing set,
 * under a spin lock (a mutex could itself allocate on first use). */
#define LIVE_SLOTS (1 << 16)
static void *live[LIVE_SLOTS];
static const void *live_caller[LIVE_SLOTS]; /* where each was allocated, for the report */
static long nlive;
static atomic_flag live_lock = ATOMIC_FLAG_INIT;

static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&live_lock, memory_order_acquire))
        ;
}

static void unlock(void)
{
    atomic_flag_clear_explicit(&live_lock, memory_order_release);
}

static size_t slot_of(void *p)
{
    return ((uintptr_t)p >> 4) * 2654435761u % LIVE_SLOTS;
}

static void live_add(void *p, const void *caller)
{
    lock();
    size_t i = slot_of(p);
    while (live[i] && live[i] != (void *)1)
        i = (i + 1) % LIVE_SLOTS;
    live[i] = p;
    live_caller[i] = caller;
    nlive++;
    unlock();
}

static void live_remove(void *p)
{
    lock();
    if (nlive > 0) {
        for (size_t i = slot_of(p); live[i]; i = (i + 1) % LIVE_SLOTS)
            if (live[i] == p) {
                live[i] = (void *)1; /* a tombstone keeps later probes going */
                nlive--;
                break;
            }
    }
    unlock();
}

static long live_count(void)
{
    lock();
    long n = nlive;
    unlock();
    return n;
}

/* The function that allocated some block still live, for a message. */
static const char *live_where(char *buf, size_t cap)
{
    const void *caller = NULL;
    lock();
    for (size_t i = 0; i < LIVE_SLOTS && !caller; i++)
        if (live[i] && live[i] != (void *)1)
            caller = live_caller[i];
    unlock();
    Dl_info info;
    if (caller && dladdr(caller, &info))
        snprintf(buf, cap, "%s in %s", info.dli_sname ? info.dli_sname : "?", info.dli_fname);
    else
        snprintf(buf, cap, "%p", caller);
    return buf;
}

static void live_reset(void)
{
    lock();
    memset(live, 0, sizeof live);
    nlive = 0;
    unlock();
}

/* Two libraries cannot survive a failure of their own allocations, which
 * no caller can prevent, so allocations they make themselves are never
 * failed here (ours around them are): FFTW aborts by design ("fftw:
 * alloc.c:29: assertion failed"), and libtiff 4.5.0 crashes in
 * TIFFFreeDirectory after a failed custom-tag allocation, which leaves a
 * count of values that were never stored. */
static bool in_library(const void *caller, const char *name)
{
    Dl_info info;
    return dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, name);
}

static bool exempt(const void *caller)
{
    return in_library(caller, "libtiff") || in_library(caller, "libfftw3");
}

/* true: this allocation (made from caller) must fail. */
static bool inject(const void *caller)
{
    if (!atomic_load_explicit(&armed, memory_order_relaxed) || exempt(caller))
        return false;
    long n = atomic_fetch_add(&calls, 1) + 1;
    if (n == atomic_load(&fail_at)) {
        atomic_store(&failed, true);
        errno = ENOMEM;
        return true;
    }
    return false;
}

/* FFTW keeps what its planner learns (and twiddle factors) for later
 * plans: its own blocks are not counted as left behind. */
static void *track_from(const void *caller, void *p)
{
    if (p && atomic_load_explicit(&armed, memory_order_relaxed) && !in_library(caller, "libfftw3"))
        live_add(p, caller);
    return p;
}

#define track(p) track_from(CALLER, p)

#ifndef NO_INTERPOSER
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
    return inject(CALLER) ? NULL : track(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
    return inject(CALLER) ? NULL : track(__libc_calloc(n, size));
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return inject(CALLER) ? NULL : track(__libc_malloc(n));
    if (n && inject(CALLER))
        return NULL;
    void *q = __libc_realloc(p, n);
    if (q || !n) {
        live_remove(p);
        track_from(CALLER, q);
    }
    return q;
}

void free(void *p)
{
    if (p)
        live_remove(p);
    __libc_free(p);
}

static void *aligned(const void *caller, size_t align, size_t n)
{
    return inject(caller) ? NULL : track_from(caller, __libc_memalign(align, n));
}

void *memalign(size_t align, size_t n)
{
    return aligned(CALLER, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    return aligned(CALLER, align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = aligned(CALLER, align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t n)
{
    return aligned(CALLER, (size_t)sysconf(_SC_PAGESIZE), n);
}

void *pvalloc(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return aligned(CALLER, page, (n + page - 1) / page * page);
}
#endif

/* Valgrind replaces malloc in the program itself too, which takes the
 * interposer's place: the test then skips, as under ASan. */
static bool under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload");
}

/* --- the sweep ---------------------------------------------------------------- */

/* An operation under test: returns 0 with *out set (released with
 * release_out), or -1 with err filled. */
typedef struct op {
    const char *name;
    int (*run)(void **out, td_err *err);
    void (*release)(void *out);
    /* Writers: their output (removed after each success unless the
     * writer replaces it); a failure must leave the directory as it was. */
    const char *output;
    bool replaces;
} op;

static char dir[4096];

static const char *in_dir(const char *name)
{
    static char p[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[4400];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

/* The entries of path (and of its subdirectories, one level down), sorted,
 * as one string, to compare before and after. */
static void list_into(const char *path, const char *prefix, int depth, char *buf, size_t cap)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    assert_non_null(d);
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s ", prefix, names[i]);
        if (depth == 0) {
            char sub[4400], pre[300];
            snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
            snprintf(pre, sizeof pre, "%s/", names[i]);
            list_into(sub, pre, 1, buf, cap);
        }
        free(names[i]);
    }
}

static void listing(char *buf, size_t cap)
{
    buf[0] = 0;
    list_into(dir, "", 0, buf, cap);
}

static void sweep(const op *o)
{
#ifdef NO_INTERPOSER
    skip();
#endif
    if (under_valgrind())
        skip();
    td_err err;
    void *out = NULL;
    /* once unarmed, so that lazy one-time set-up (OpenMP's threads, FFTW's
     * plans, libtiff's codecs) is not mistaken for a leak */
    CHECK_OK(o->run(&out, &err) == 0, &err);
    o->release(out);
    if (o->output && !o->replaces)
        remove_tree(in_dir(o->output));
    char before[4096], after[4096];
    listing(before, sizeof before);

    long n, nerrors = 0, nmemory = 0;
    char other[TD_ERRMSG_MAX + 32] = ""; /* one error of another kind, to show */
    for (n = 1; n < 1000000; n++) {
        out = NULL;
        td_err_clear(&err);
        live_reset();
        atomic_store(&calls, 0);
        atomic_store(&failed, false);
        atomic_store(&fail_at, n);
        atomic_store(&armed, true);
        int rc = o->run(&out, &err);
        if (rc == 0)
            o->release(out);
        atomic_store(&armed, false);
        bool hit = atomic_load(&failed);
        if (rc < 0) {
            if (err.kind == TD_OK || !err.msg[0])
                fail_msg("%s, allocation %ld failed: an error without a kind or message", o->name, n);
            nerrors++;
            nmemory += err.kind == TD_EMEMORY;
            if (err.kind != TD_EMEMORY && !other[0])
                snprintf(other, sizeof other, "; e.g. %s: %s", td_errkind_name(err.kind), err.msg);
            if (!hit)
                fail_msg("%s failed without an injected failure: %s", o->name, err.msg);
        }
        long left = live_count();
        char where[512];
        if (left != 0)
            fail_msg("%s, allocation %ld failed: %ld blocks allocated during the call were not freed, one by %s "
                     "(%s)",
                     o->name, n, left, live_where(where, sizeof where), rc < 0 ? err.msg : "it succeeded");
        if (o->output) {
            if (rc < 0) {
                listing(after, sizeof after);
                if (strcmp(before, after))
                    fail_msg("%s, allocation %ld failed: the directory changed from [%s] to [%s]", o->name, n,
                             before, after);
            } else if (!o->replaces) {
                remove_tree(in_dir(o->output));
            }
        }
        if (!hit)
            break; /* the call made fewer than n allocations: all have been failed once */
    }
    print_message("%s: %ld allocations failed one at a time: %ld errors (%ld MemoryError%s)\n", o->name, n - 1,
                  nerrors, nmemory, other);
    assert_true(n > 1);
}

/* --- the operations ------------------------------------------------------------- */

static td_images *images; /* (6, 4, 5) float64, made by setup */

static void release_array(void *p)
{
    nd_release(p);
}

static void release_data(void *p)
{
    data_release(p);
}

static void release_nothing(void *p)
{
    (void)p;
}

#define AS_RESULT(expr)                                                                                      \
    do {                                                                                                     \
        *out = (expr);                                                                                       \
        return *out ? 0 : -1;                                                                                \
    } while (0)

static int load_npy(void **out, td_err *err)
{
    AS_RESULT(npy_load(in_dir("a.npy"), err));
}

static int load_tif(void **out, td_err *err)
{
    AS_RESULT(io_images_fromtif(in_dir("tif"), NULL, 0, false, err));
}

static int load_png(void **out, td_err *err)
{
    AS_RESULT(io_images_frompng(in_dir("png"), NULL, err));
}

static int load_binary(void **out, td_err *err)
{
    AS_RESULT(io_images_frombinary(in_dir("bin"), NULL, 0, NULL, -1, NULL, 'C', 0, err));
}

static int load_text(void **out, td_err *err)
{
    AS_RESULT(io_series_fromtext(in_dir("a.txt"), "txt", 0, 0, NULL, err));
}

static int op_broadcast(void **out, td_err *err)
{
    nd_array *row = nd_arange(TD_INT32, 5, err);
    if (!row)
        return -1;
    nd_array *r = nd_binary(ND_ADD, images->values, row, err);
    nd_release(row);
    AS_RESULT(r);
}

static int op_reduce(void **out, td_err *err)
{
    AS_RESULT(nd_reduce(ND_RSTD, images->values, 1, false, 0, err));
}

static int op_percentile(void **out, td_err *err)
{
    AS_RESULT(nd_percentile(images->values, 30, 2, true, err));
}

static int op_toseries(void **out, td_err *err)
{
    AS_RESULT(img_toseries(images, err));
}

static int op_gaussian(void **out, td_err *err)
{
    double sigma = 1.5;
    int64_t order = 0;
    AS_RESULT(img_gaussian_filter(images, 1, &sigma, 1, &order, err));
}

static int op_detrend(void **out, td_err *err)
{
    td_series *s = img_toseries(images, err);
    if (!s)
        return -1;
    td_series *r = ser_detrend(s, "nonlinear", 2, err);
    data_release(s);
    AS_RESULT(r);
}

static int op_fourier(void **out, td_err *err)
{
    td_series *s = img_toseries(images, err);
    if (!s)
        return -1;
    td_series *r = ser_fourier(s, 1, err);
    data_release(s);
    AS_RESULT(r);
}

static int write_tif(void **out, td_err *err)
{
    *out = NULL;
    return io_images_totif(images, in_dir("out-tif"), NULL, false, err);
}

static int write_binary_over(void **out, td_err *err)
{
    *out = NULL;
    io_sources_clear(); /* load_binary read it, which protects it from overwrite */
    return io_images_tobinary(images, in_dir("bin"), NULL, true, err);
}

static int write_npy(void **out, td_err *err)
{
    *out = NULL;
    return npy_save(in_dir("out.npy"), images->values, err);
}

#define SWEEP(fn, rel, outname, replaces)                                                                              \
    static void test_##fn(void **state)                                                                      \
    {                                                                                                        \
        (void)state;                                                                                         \
        op o = {#fn, fn, rel, outname, replaces};                                                                      \
        sweep(&o);                                                                                           \
    }

SWEEP(load_npy, release_array, NULL, false)
SWEEP(load_tif, release_data, NULL, false)
SWEEP(load_png, release_data, NULL, false)
SWEEP(load_binary, release_data, NULL, false)
SWEEP(load_text, release_data, NULL, false)
SWEEP(op_broadcast, release_array, NULL, false)
SWEEP(op_reduce, release_array, NULL, false)
SWEEP(op_percentile, release_array, NULL, false)
SWEEP(op_toseries, release_data, NULL, false)
SWEEP(op_gaussian, release_data, NULL, false)
SWEEP(op_detrend, release_data, NULL, false)
SWEEP(op_fourier, release_data, NULL, false)
SWEEP(write_tif, release_nothing, "out-tif", false)
SWEEP(write_binary_over, release_nothing, "bin", true)
SWEEP(write_npy, release_nothing, "out.npy", false)

/* The interposer itself: the Nth allocation fails, and only while armed. */
static void test_interposer(void **state)
{
    (void)state;
#ifdef NO_INTERPOSER
    skip();
#endif
    if (under_valgrind())
        skip();
    live_reset();
    atomic_store(&calls, 0);
    atomic_store(&fail_at, 2);
    atomic_store(&armed, true);
    void *a = malloc(16), *b = malloc(16), *c = malloc(16);
    atomic_store(&armed, false);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    assert_int_equal(live_count(), 2);
    free(a);
    assert_int_equal(live_count(), 1);
    free(c);
    assert_int_equal(live_count(), 0);
}

static int setup(void **state)
{
    (void)state;
    td_err err;
    td_par_set_threads(1); /* allocations in one order, so that N means the same call every time */
    /* no per-thread cache of small blocks: each is a real allocation to fail */
    setenv("THUNDER_SMALL_CACHE", "0", 1);
    snprintf(dir, sizeof dir, "%s/thunder-allocfail.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    int64_t shape[3] = {6, 4, 5};
    nd_array *v = nd_new(TD_FLOAT64, 3, shape, &err);
    if (!v)
        return -1;
    for (int64_t i = 0; i < v->size; i++)
        ((double *)v->data)[i] = (double)((i * 7) % 11) - 3.5;
    images = img_fromarray(v, &err);
    nd_release(v);
    if (!images || npy_save(in_dir("a.npy"), images->values, &err) < 0 ||
        io_images_totif(images, in_dir("tif"), NULL, false, &err) < 0 ||
        io_images_tobinary(images, in_dir("bin"), NULL, false, &err) < 0)
        return -1;
    nd_array *u8 = nd_astype(images->values, TD_UINT8, &err);
    td_images *im8 = u8 ? img_fromarray(u8, &err) : NULL;
    nd_release(u8);
    if (!im8 || io_images_topng(im8, in_dir("png"), NULL, false, &err) < 0)
        return -1;
    data_release(im8);
    FILE *f = fopen(in_dir("a.txt"), "w");
    if (!f)
        return -1;
    fputs("1 2 3\n4 5 6.5\nnan 7 -8\n", f);
    fclose(f);
    io_sources_clear(); /* the writers may replace what the loaders read */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    data_release(images);
    remove_tree(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interposer),   cmocka_unit_test(test_load_npy),
        cmocka_unit_test(test_load_tif),     cmocka_unit_test(test_load_png),
        cmocka_unit_test(test_load_binary),  cmocka_unit_test(test_load_text),
        cmocka_unit_test(test_op_broadcast), cmocka_unit_test(test_op_reduce),
        cmocka_unit_test(test_op_percentile), cmocka_unit_test(test_op_toseries),
        cmocka_unit_test(test_op_gaussian),  cmocka_unit_test(test_op_detrend),
        cmocka_unit_test(test_op_fourier),   cmocka_unit_test(test_write_tif),
        cmocka_unit_test(test_write_binary_over), cmocka_unit_test(test_write_npy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

#include "config.h"

#include "thunder/mem.h"
#include "thunder/nd.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Buffers at least this large are mmap'd and advised for huge pages. */
#define TD_BIG_BUFFER (2u << 20)
#define TD_ALIGN      64

/* BUF_INLINE: header and data in one block (and the array's own header
 * between them, td_buf_new_obj), so a small array costs one allocation. */
enum { BUF_MMAP, BUF_INLINE, BUF_MALLOC };

struct td_buf {
    atomic_int refcount;
    int how;
    int klass; /* BUF_INLINE: the small-block size class, or -1 */
    size_t nbytes;
    size_t mapped;  /* bytes mapped, for munmap */
    size_t counted; /* bytes charged to the budget */
    size_t obj;     /* bytes of an object kept in the block before the data */
    void *data;
};

static atomic_size_t mem_in_use;
static atomic_bool mem_hugepages = true;
static atomic_size_t mem_budget; /* 0: not yet computed */

/* Freed large mappings are kept for reuse, as malloc keeps freed memory:
 * faulting in fresh pages (the kernel zeroes every one) costs more than
 * most operations that fill them, and a session often repeats an
 * operation of the same size. Cached pages are not charged to the budget
 * and are returned to the OS when an allocation would exceed it. */
#define POOL_SLOTS 4
static struct {
    pthread_mutex_t lock;
    void *addr[POOL_SLOTS];
    size_t len[POOL_SLOTS];
} pool = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}};

/* A cached mapping of at least len bytes and not much more, or NULL. */
static void *pool_take(size_t len, size_t *got)
{
    void *p = NULL;
    pthread_mutex_lock(&pool.lock);
    int best = -1;
    for (int i = 0; i < POOL_SLOTS; i++)
        if (pool.addr[i] && pool.len[i] >= len && pool.len[i] - len <= len / 4 &&
            (best < 0 || pool.len[i] < pool.len[best]))
            best = i;
    if (best >= 0) {
        p = pool.addr[best];
        *got = pool.len[best];
        pool.addr[best] = NULL;
    }
    pthread_mutex_unlock(&pool.lock);
    return p;
}

/* Keeps a mapping for reuse, evicting the smallest cached one when full. */
static void pool_put(void *addr, size_t len)
{
    void *evict = NULL;
    size_t evict_len = 0;
    pthread_mutex_lock(&pool.lock);
    int slot = -1;
    for (int i = 0; i < POOL_SLOTS && slot < 0; i++)
        if (!pool.addr[i])
            slot = i;
    if (slot < 0) {
        slot = 0;
        for (int i = 1; i < POOL_SLOTS; i++)
            if (pool.len[i] < pool.len[slot])
                slot = i;
        if (pool.len[slot] > len) {
            evict = addr; /* everything cached is bigger: let this one go */
            evict_len = len;
            slot = -1;
        } else {
            evict = pool.addr[slot];
            evict_len = pool.len[slot];
        }
    }
    if (slot >= 0) {
        pool.addr[slot] = addr;
        pool.len[slot] = len;
    }
    pthread_mutex_unlock(&pool.lock);
    if (evict)
        munmap(evict, evict_len);
}

/* Returns every cached mapping to the OS. */
static void pool_flush(void)
{
    pthread_mutex_lock(&pool.lock);
    for (int i = 0; i < POOL_SLOTS; i++) {
        if (pool.addr[i])
            munmap(pool.addr[i], pool.len[i]);
        pool.addr[i] = NULL;
    }
    pthread_mutex_unlock(&pool.lock);
}

/* Small blocks (array buffers, scratch, array headers) come from a per-thread
 * cache of power-of-two size classes: a lambda mapped over a million records
 * allocates a few small arrays per record, and the general allocator's
 * bookkeeping would otherwise cost more than the arithmetic. */
#define SMALL_MIN      128
#define SMALL_MIN_LOG2 7
#define SMALL_CLASSES  10 /* 128 B .. 64 KiB */
#define SMALL_KEEP     16

typedef struct small_cache {
    void *blk[SMALL_CLASSES][SMALL_KEEP];
    int n[SMALL_CLASSES];
    size_t credit; /* budget this thread has charged and not yet used (see charge_n) */
} small_cache;

/* initial-exec: libthunder is loaded with the program, so its thread-local
 * cache pointer can be a fixed offset from the thread pointer instead of a
 * __tls_get_addr call on every small allocation. */
static _Thread_local small_cache *tcache __attribute__((tls_model("initial-exec")));
static pthread_key_t tcache_key;
static pthread_once_t tcache_once = PTHREAD_ONCE_INIT;

static void uncharge(size_t n);

static void tcache_destroy(void *p)
{
    small_cache *c = p;
    for (int k = 0; k < SMALL_CLASSES; k++)
        for (int i = 0; i < c->n[k]; i++)
            free(c->blk[k][i]);
    uncharge(c->credit);
    free(c);
}

static void tcache_make_key(void)
{
    pthread_key_create(&tcache_key, tcache_destroy);
}

static small_cache *get_tcache(void)
{
    if (!tcache) {
        pthread_once(&tcache_once, tcache_make_key);
        tcache = calloc(1, sizeof *tcache);
        if (tcache)
            pthread_setspecific(tcache_key, tcache);
    }
    return tcache;
}

#if defined(__SANITIZE_ADDRESS__)
#define MEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEM_ASAN 1
#endif
#endif

/* THUNDER_SMALL_CACHE=0 turns the cache off, so that every small block is
 * a fresh allocation: tests/unit/test_allocfail sets it to fail them one
 * at a time. Read once. Off under AddressSanitizer, which can then see
 * every use of a freed array header or interpreter value. */
static bool small_cache_on(void)
{
#ifdef MEM_ASAN
    return false;
#endif
    static atomic_int on = -1;
    int v = atomic_load_explicit(&on, memory_order_relaxed);
    if (v < 0) {
        const char *e = getenv("THUNDER_SMALL_CACHE");
        v = !(e && strcmp(e, "0") == 0);
        atomic_store_explicit(&on, v, memory_order_relaxed);
    }
    return v;
}

/* This thread's cache, made on first use; NULL when the cache is off. */
static inline small_cache *cache(void)
{
    small_cache *c = tcache;
    if (__builtin_expect(c != NULL, 1))
        return c;
    return small_cache_on() ? get_tcache() : NULL;
}

/* The size class holding total bytes, or -1 when it is too big for one:
 * class k holds SMALL_MIN << k bytes. */
static int small_class(size_t total)
{
    _Static_assert(SMALL_MIN == 1 << SMALL_MIN_LOG2, "SMALL_MIN is 2^SMALL_MIN_LOG2");
    if (total <= SMALL_MIN)
        return 0;
    int k = 64 - __builtin_clzll((unsigned long long)total - 1) - SMALL_MIN_LOG2;
    return k < SMALL_CLASSES ? k : -1;
}

/* A 64-byte aligned block of at least total bytes; *klass says how to free it. */
static void *small_alloc(size_t total, int *klass)
{
    int k = small_class(total);
    *klass = k;
    if (k >= 0) {
        small_cache *c = cache();
        if (c && c->n[k] > 0)
            return c->blk[k][--c->n[k]];
        total = (size_t)SMALL_MIN << k;
    }
    void *p = NULL;
    return posix_memalign(&p, TD_ALIGN, total) == 0 ? p : NULL;
}

static void small_free(void *p, int klass)
{
    if (klass >= 0) {
        small_cache *c = cache();
        if (c && c->n[klass] < SMALL_KEEP) {
            c->blk[klass][c->n[klass]++] = p;
            return;
        }
    }
    free(p);
}

void *td_obj_alloc(size_t n)
{
    int k;
    void *p = small_alloc(n, &k); /* the class follows from n, which td_obj_free gets again */
    if (p)
        memset(p, 0, n);
    return p;
}

void td_obj_free(void *p, size_t n)
{
    if (p)
        small_free(p, small_class(n));
}

bool td_mul_overflows(size_t a, size_t b, size_t *out)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return true;
    *out = r;
    return false;
}

int td_nbytes(int ndim, const int64_t *shape, size_t itemsize, size_t *out, td_err *err)
{
    size_t n = itemsize;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return td_err_set(err, TD_EVALUE, "negative dimensions are not allowed");
        /* Keeping sizes below 2^61 lets element counts and byte offsets live in int64_t. */
        if (td_mul_overflows(n, (size_t)shape[i], &n) || n > (SIZE_MAX >> 3)) {
            char s[256];
            return td_err_set(err, TD_EMEMORY, "array of shape %s is too large",
                              nd_shape_str(ndim, shape, s, sizeof s));
        }
    }
    *out = n;
    return 0;
}

static size_t default_budget(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return (size_t)1 << 32;
    return (size_t)pages / 10 * 9 * (size_t)page;
}

void td_mem_set_budget(size_t bytes)
{
    atomic_store(&mem_budget, bytes ? bytes : default_budget());
}

size_t td_mem_budget(void)
{
    size_t b = atomic_load(&mem_budget);
    if (!b) {
        b = default_budget();
        atomic_store(&mem_budget, b);
    }
    return b;
}

void td_mem_set_hugepages(bool on)
{
    atomic_store(&mem_hugepages, on);
}

size_t td_mem_in_use(void)
{
    return atomic_load(&mem_in_use);
}

/* n as a value and a unit letter for messages. */
static char human(size_t n, double *v)
{
    const char *u = "BKMGT";
    double x = (double)n;
    int i = 0;
    while (x >= 1024 && i < 4) {
        x /= 1024;
        i++;
    }
    *v = x;
    return u[i];
}

/* Charges n bytes to the budget, or fails with a MemoryError. */
static int charge(size_t n, td_err *err)
{
    bool flushed = false;
    size_t budget = td_mem_budget();
    size_t cur = atomic_load(&mem_in_use);
    for (;;) {
        if ((n > budget || cur > budget - n) && !flushed) {
            /* Cached pages still occupy memory: give them back before refusing. */
            pool_flush();
            flushed = true;
            continue;
        }
        if (n > budget || cur > budget - n) {
            double want, lim;
            char wu = human(n, &want), lu = human(budget, &lim);
            return td_err_set(err, TD_EMEMORY,
                              "cannot allocate %.1f%c: over the memory budget of %.1f%c (see --memory)", want,
                              wu, lim, lu);
        }
        if (atomic_compare_exchange_weak(&mem_in_use, &cur, cur + n))
            return 0;
    }
}

static void uncharge(size_t n)
{
    atomic_fetch_sub(&mem_in_use, n);
}

/* Charges n bytes if they fit, without flushing the pool or failing. */
static bool try_charge(size_t n)
{
    size_t budget = td_mem_budget();
    size_t cur = atomic_load(&mem_in_use);
    while (n <= budget && cur <= budget - n)
        if (atomic_compare_exchange_weak(&mem_in_use, &cur, cur + n))
            return true;
    return false;
}

/* Blocks up to CREDIT_MAX bytes are charged through a per-thread credit,
 * taken from the budget a batch at a time and given back past two
 * batches: a lambda mapped over records makes a few small arrays per
 * record, and the shared counter would otherwise be written several
 * times per record by every thread. td_mem_in_use counts the credits as
 * in use, at most two batches (of 256 KiB, or 1/64 of a small budget) per
 * thread. */
#define CREDIT_MAX   ((size_t)64 << 10)
#define CREDIT_BATCH ((size_t)256 << 10)

static int charge_n(size_t n, td_err *err)
{
    small_cache *c = n <= CREDIT_MAX ? cache() : NULL;
    if (!c)
        return charge(n, err);
    if (c->credit >= n) {
        c->credit -= n;
        return 0;
    }
    size_t batch = td_mem_budget() / 64 < CREDIT_BATCH ? td_mem_budget() / 64 : CREDIT_BATCH;
    if (try_charge(n + batch)) {
        c->credit += batch;
        return 0;
    }
    return charge(n, err);
}

static void uncharge_n(size_t n)
{
    small_cache *c = n <= CREDIT_MAX ? cache() : NULL;
    if (!c) {
        uncharge(n);
        return;
    }
    c->credit += n;
    if (c->credit > 2 * CREDIT_BATCH) {
        uncharge(c->credit - CREDIT_BATCH);
        c->credit = CREDIT_BATCH;
    }
}

int td_mem_parse_size(const char *text, size_t *out, td_err *err)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !(v >= 0))
        return td_err_set(err, TD_EVALUE, "invalid memory size '%s' (use e.g. 512M or 8G)", text);
    double mult = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'M':
        mult = 1024.0 * 1024;
        end++;
        break;
    case 'G':
        mult = 1024.0 * 1024 * 1024;
        end++;
        break;
    case 'T':
        mult = 1024.0 * 1024 * 1024 * 1024;
        end++;
        break;
    default: break;
    }
    if (mult > 1 && toupper((unsigned char)*end) == 'I')
        end++;
    if (toupper((unsigned char)*end) == 'B')
        end++;
    if (*end || v * mult >= 1.8e19)
        return td_err_set(err, TD_EVALUE, "invalid memory size '%s' (use e.g. 512M or 8G)", text);
    *out = (size_t)(v * mult);
    return 0;
}

/* objsize > 0: room for an object of that many bytes after the header of
 * a small buffer's block, zeroed, at *obj (NULL for a large buffer). */
static td_buf *buf_alloc(size_t nbytes, bool zeroed, size_t objsize, void **obj, td_err *err)
{
    size_t n = nbytes ? nbytes : 1;
    if (charge_n(n, err) < 0)
        return NULL;
    td_buf *b;
    if (n >= TD_BIG_BUFFER) {
        b = malloc(sizeof *b);
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t len = (n + page - 1) / page * page;
        size_t got = 0;
        void *p = b ? pool_take(len, &got) : NULL;
        bool reused = p != NULL;
        if (reused)
            len = got;
        else if (b)
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        else
            p = MAP_FAILED;
        if (p == MAP_FAILED) {
            int e = errno;
            uncharge_n(n);
            free(b);
            double v;
            char u = human(n, &v);
            td_err_set(err, TD_EMEMORY, "cannot allocate %.1f%c: %s", v, u, strerror(b ? e : ENOMEM));
            return NULL;
        }
#if defined(HAVE_MADVISE) && defined(MADV_HUGEPAGE)
        if (!reused && atomic_load(&mem_hugepages))
            madvise(p, len, MADV_HUGEPAGE);
#endif
        if (reused && zeroed)
            memset(p, 0, n);
        b->how = BUF_MMAP;
        b->obj = 0;
        b->mapped = len;
        b->data = p; /* fresh anonymous mappings are already zero */
    } else {
        int klass;
        size_t pad = (objsize + TD_ALIGN - 1) / TD_ALIGN * TD_ALIGN;
        void *p = small_alloc(TD_ALIGN + pad + n, &klass);
        if (!p) {
            uncharge_n(n);
            td_err_set(err, TD_EMEMORY, "cannot allocate %zu bytes", n);
            return NULL;
        }
        _Static_assert(sizeof(td_buf) <= TD_ALIGN, "the inline header must fit in one alignment unit");
        b = p;
        b->how = BUF_INLINE;
        b->klass = klass;
        b->mapped = 0;
        b->obj = objsize;
        b->data = (char *)p + TD_ALIGN + pad;
        if (objsize) {
            *obj = (char *)p + TD_ALIGN;
            memset(*obj, 0, objsize);
        }
        if (zeroed)
            memset(b->data, 0, n);
    }
    atomic_init(&b->refcount, 1);
    b->nbytes = nbytes;
    b->counted = n;
    return b;
}

td_buf *td_buf_new(size_t nbytes, td_err *err)
{
    return buf_alloc(nbytes, false, 0, NULL, err);
}

td_buf *td_buf_new_zeroed(size_t nbytes, td_err *err)
{
    return buf_alloc(nbytes, true, 0, NULL, err);
}

td_buf *td_buf_new_obj(size_t nbytes, bool zeroed, size_t objsize, void **obj, td_err *err)
{
    *obj = NULL;
    if (objsize > SIZE_MAX / 2) {
        td_err_set(err, TD_EMEMORY, "object too large");
        return NULL;
    }
    return buf_alloc(nbytes, zeroed, objsize, obj, err);
}

bool td_buf_holds(const td_buf *b, const void *obj)
{
    return b && b->obj && (const char *)obj == (const char *)b + TD_ALIGN;
}

td_buf *td_buf_wrap_malloc(void *ptr, size_t nbytes, td_err *err)
{
    td_buf *b = malloc(sizeof *b);
    if (!b) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    atomic_init(&b->refcount, 1);
    b->how = BUF_MALLOC;
    b->nbytes = nbytes;
    b->mapped = 0;
    b->obj = 0;
    b->counted = 0;
    b->data = ptr;
    return b;
}

void *td_buf_data(const td_buf *b)
{
    return b->data;
}

size_t td_buf_size(const td_buf *b)
{
    return b->nbytes;
}

td_buf *td_buf_retain(td_buf *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refcount, 1, memory_order_relaxed);
    return b;
}

void td_buf_release(td_buf *b)
{
    if (!b || atomic_fetch_sub_explicit(&b->refcount, 1, memory_order_acq_rel) != 1)
        return;
    uncharge_n(b->counted);
    switch (b->how) {
    case BUF_MMAP:
        pool_put(b->data, b->mapped);
        free(b);
        break;
    case BUF_INLINE: small_free(b, b->klass); break;
    default:
        free(b->data);
        free(b);
        break;
    }
}

/* Scratch blocks carry their size in a header so that freeing uncharges it. */
void *td_scratch_alloc(size_t nbytes, td_err *err)
{
    size_t total;
    if (__builtin_add_overflow(nbytes, (size_t)TD_ALIGN, &total)) {
        td_err_set(err, TD_EMEMORY, "scratch request too large");
        return NULL;
    }
    if (charge_n(total, err) < 0)
        return NULL;
    int klass;
    void *p = small_alloc(total, &klass);
    if (!p) {
        uncharge_n(total);
        td_err_set(err, TD_EMEMORY, "cannot allocate %zu bytes of scratch", nbytes);
        return NULL;
    }
    /* The header keeps what freeing needs: the charge and the size class. */
    size_t *h = p;
    h[0] = total;
    h[1] = (size_t)(klass + 1);
    return (char *)p + TD_ALIGN;
}

void td_scratch_free(void *p)
{
    if (!p)
        return;
    size_t *h = (size_t *)((char *)p - TD_ALIGN);
    uncharge_n(h[0]);
    small_free(h, (int)h[1] - 1);
}

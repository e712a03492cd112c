/* Which files a reader takes, in which order, and how writers put a new
 * output directory in place without ever leaving half of one.
 *
 * Listing follows Thunder's local reader (thunder/readers.py) rule for
 * rule, because users move between Python Thunder and thunder with the
 * same paths and expect the same images in the same order: a directory
 * means the files in it matching *.ext (glob, so not hidden ones), or all
 * entries when there is no ext (listdir, hidden ones too); anything else
 * is a glob pattern; the result is sorted as Python sorts strings, which
 * for UTF-8 names is byte order. */
#define _GNU_SOURCE
#include "config.h"

#include "io_internal.h"
#include "thunder/par.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounds that keep a hostile tree from running us out of memory or stack. */
#define IO_MAX_FILES   (1 << 24)
#define IO_MAX_DEPTH   128
#define IO_MAX_SOURCES 256

/* --- small helpers --------------------------------------------------------- */

int io_errno_err(td_err *err, const char *path, const char *what, int e)
{
    td_errkind kind = e == ENOENT ? TD_ENOTFOUND : e == ENOMEM ? TD_EMEMORY : TD_EIO;
    if (what)
        return td_err_set(err, kind, "%s: %s: %s", path, what, strerror(e));
    return td_err_set(err, kind, "%s: %s", path, strerror(e));
}

const char *io_strip_uri(const char *path)
{
    if (path && strncmp(path, "file://", 7) == 0)
        return path + 7;
    return path;
}

static char *dup_or_err(const char *s, td_err *err)
{
    char *d = strdup(s);
    if (!d)
        td_err_set(err, TD_EMEMORY, "out of memory");
    return d;
}

/* os.path.join(dir, name) for a relative name. */
static char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    bool slash = a > 0 && dir[a - 1] != '/';
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, a);
    if (slash)
        s[a++] = '/';
    memcpy(s + a, name, b + 1);
    return s;
}

/* os.path.dirname: everything before the last '/', trailing slashes of
 * that part removed unless it is all slashes. */
static char *path_dirname(const char *p)
{
    const char *slash = strrchr(p, '/');
    if (!slash)
        return strdup("");
    size_t n = (size_t)(slash - p) + 1;
    while (n > 1 && p[n - 1] == '/')
        n--;
    if (n == 1 && p[0] == '/')
        return strdup("/");
    return strndup(p, n > 0 && p[n - 1] == '/' ? n - 1 : n);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

typedef struct strvec {
    char **v;
    int64_t n, cap;
} strvec;

static int vec_push(strvec *s, char *str, td_err *err)
{
    if (!str)
        return td_err_set(err, TD_EMEMORY, "out of memory listing files");
    if (s->n >= IO_MAX_FILES) {
        free(str);
        return td_err_set(err, TD_EVALUE, "more than %d files to list", IO_MAX_FILES);
    }
    if (s->n == s->cap) {
        int64_t cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(str);
            return td_err_set(err, TD_EMEMORY, "out of memory listing files");
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return 0;
}

void io_free_strings(char **s, int64_t n)
{
    if (!s)
        return;
    for (int64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(strvec *s)
{
    if (s->n > 1)
        qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_str);
    int64_t k = 0;
    for (int64_t i = 0; i < s->n; i++) {
        if (k > 0 && strcmp(s->v[k - 1], s->v[i]) == 0)
            free(s->v[i]);
        else
            s->v[k++] = s->v[i];
    }
    s->n = k;
}

/* Drops entries that are directories (following links, as os.path.isdir). */
static void drop_dirs(strvec *s)
{
    int64_t k = 0;
    for (int64_t i = 0; i < s->n; i++) {
        if (is_dir(s->v[i]))
            free(s->v[i]);
        else
            s->v[k++] = s->v[i];
    }
    s->n = k;
}

static bool is_tif_ext(const char *ext)
{
    return ext && (strcmp(ext, "tif") == 0 || strcmp(ext, "tiff") == 0);
}

/* fnmatch(name, '*.' + ext); Thunder's 'tif' and 'tiff' both take both. */
static bool ext_matches(const char *name, const char *ext, int flags)
{
    if (!ext)
        return true;
    char pat[512];
    if (is_tif_ext(ext))
        return fnmatch("*.tif", name, flags) == 0 || fnmatch("*.tiff", name, flags) == 0;
    snprintf(pat, sizeof pat, "*.%s", ext);
    return fnmatch(pat, name, flags) == 0;
}

/* --- glob -------------------------------------------------------------------- */

static int glob_into(const char *pattern, strvec *s, td_err *err)
{
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, GLOB_NOESCAPE | GLOB_NOSORT, NULL, &g);
    if (rc == GLOB_NOSPACE) {
        globfree(&g);
        return td_err_set(err, TD_EMEMORY, "out of memory matching %s", pattern);
    }
    if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            if (vec_push(s, strdup(g.gl_pathv[i]), err) < 0) {
                globfree(&g);
                return -1;
            }
        }
    }
    globfree(&g);
    return 0;
}

int64_t io_glob(const char *pattern, char ***out, td_err *err)
{
    strvec s = {0};
    if (glob_into(pattern, &s, err) < 0) {
        io_free_strings(s.v, s.n);
        return -1;
    }
    drop_dirs(&s);
    sort_unique(&s);
    *out = s.v;
    return s.n;
}

/* --- Thunder's listflat and listrecursive ------------------------------------ */

static int list_flat(const char *path, const char *ext, strvec *s, td_err *err)
{
    if (!is_dir(path))
        return glob_into(path, s, err);
    DIR *d = opendir(path);
    if (!d)
        return io_errno_err(err, path, "cannot list the directory", errno);
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        /* With an ext Thunder globs (hidden files excluded); without one it
         * uses os.listdir (hidden files included). */
        if (ext && !ext_matches(name, ext, FNM_PERIOD))
            continue;
        if ((rc = vec_push(s, path_join(path, name), err)) < 0)
            break;
    }
    closedir(d);
    return rc;
}

/* os.walk(top) without following links into directories, keeping the
 * non-directory entries that match ext (fnmatch: hidden ones too). */
static int walk(const char *dir, const char *ext, int depth, strvec *s, td_err *err)
{
    if (depth > IO_MAX_DEPTH)
        return td_err_set(err, TD_EVALUE, "%s: directories nested more than %d deep", dir, IO_MAX_DEPTH);
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* os.walk skips what it cannot list */
    strvec subdirs = {0};
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char *full = path_join(dir, name);
        if (!full) {
            rc = td_err_set(err, TD_EMEMORY, "out of memory listing files");
            break;
        }
        struct stat st, lst;
        bool isdir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        if (isdir) {
            /* A link to a directory counts as a directory but is not entered. */
            if (lstat(full, &lst) == 0 && !S_ISLNK(lst.st_mode))
                rc = vec_push(&subdirs, full, err);
            else
                free(full);
        } else if (ext_matches(name, ext, 0)) {
            rc = vec_push(s, full, err);
        } else {
            free(full);
        }
    }
    closedir(d);
    for (int64_t i = 0; rc == 0 && i < subdirs.n; i++)
        rc = walk(subdirs.v[i], ext, depth + 1, s, err);
    io_free_strings(subdirs.v, subdirs.n);
    return rc;
}

/* Python's slice of n items: [*first, *first + count). */
static int64_t py_slice(int64_t n, const io_select *sel, int64_t *first)
{
    int64_t a = 0, b = n;
    if (sel && ((sel->has_start && sel->start != 0) || (sel->has_stop && sel->stop != 0))) {
        if (sel->has_start) {
            a = sel->start < 0 ? sel->start + n : sel->start;
            a = a < 0 ? 0 : a > n ? n : a;
        }
        if (sel->has_stop) {
            b = sel->stop < 0 ? sel->stop + n : sel->stop;
            b = b < 0 ? 0 : b > n ? n : b;
        }
    }
    *first = a;
    return b > a ? b - a : 0;
}

static io_files *finish_list(strvec *s, const char *path, const char *ext, const io_select *sel, td_err *err)
{
    drop_dirs(s);
    sort_unique(s);
    if (s->n < 1) {
        io_free_strings(s->v, s->n);
        td_err_set(err, TD_ENOTFOUND, "Cannot find files of type \"%s\" in %s", ext ? ext : "*", path);
        return NULL;
    }
    int64_t first, count = py_slice(s->n, sel, &first);
    if (count == 0) {
        int64_t n = s->n;
        io_free_strings(s->v, s->n);
        td_err_set(err, TD_ENOTFOUND, "start=%lld, stop=%lld select none of the %lld files in %s",
                   (long long)(sel->has_start ? sel->start : 0), (long long)(sel->has_stop ? sel->stop : n),
                   (long long)n, path);
        return NULL;
    }
    if (sel && sel->part_count > 0) {
        int64_t pfirst;
        io_part_range(count, sel->part_index, sel->part_count, &pfirst, &count);
        first += pfirst;
        if (count == 0) {
            io_free_strings(s->v, s->n);
            td_err_set(err, TD_ENOTFOUND, "no files for part %d of %d in %s", sel->part_index + 1,
                       sel->part_count, path);
            return NULL;
        }
    }
    io_files *f = malloc(sizeof *f);
    if (!f) {
        io_free_strings(s->v, s->n);
        td_err_set(err, TD_EMEMORY, "out of memory listing files");
        return NULL;
    }
    for (int64_t i = 0; i < first; i++)
        free(s->v[i]);
    for (int64_t i = first + count; i < s->n; i++)
        free(s->v[i]);
    memmove(s->v, s->v + first, (size_t)count * sizeof *s->v);
    f->n = count;
    f->paths = s->v;
    for (int64_t i = 0; i < count; i++)
        io_sources_add(f->paths[i]);
    return f;
}

void io_part_range(int64_t n, int index, int count, int64_t *first, int64_t *len)
{
    int64_t q = n / count, r = n % count;
    *first = index * q + (index < r ? index : r);
    *len = q + (index < r);
}

io_files *io_list_files(const char *path, const io_select *sel, td_err *err)
{
    if (!path || !*path) {
        td_err_set(err, TD_EVALUE, "empty path");
        return NULL;
    }
    const char *p = io_strip_uri(path);
    const char *ext = sel ? sel->ext : NULL;
    strvec s = {0};
    int rc = sel && sel->recursive ? walk(p, ext, 0, &s, err) : list_flat(p, ext, &s, err);
    if (rc < 0) {
        io_free_strings(s.v, s.n);
        return NULL;
    }
    return finish_list(&s, path, ext, sel, err);
}

void io_files_free(io_files *f)
{
    if (!f)
        return;
    io_free_strings(f->paths, f->n);
    free(f);
}

/* Thunder's addextension: a path with neither '*' nor an extension means
 * the files *.ext inside it. */
char *io_add_extension(const char *path, const char *ext, td_err *err)
{
    const char *p = io_strip_uri(path);
    if (!ext || !*ext || strchr(p, '*'))
        return dup_or_err(p, err);
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    /* os.path.splitext ignores leading dots of the name. */
    const char *b = base;
    while (*b == '.')
        b++;
    if (strchr(b, '.'))
        return dup_or_err(p, err);
    char dotext[300];
    snprintf(dotext, sizeof dotext, "%s%s", ext[0] == '.' ? "" : ".", ext);
    size_t n = strlen(p), m = strlen(dotext);
    if (n >= m && strcmp(p + n - m, dotext) == 0)
        return dup_or_err(p, err);
    char *out = malloc(n + m + 3);
    if (!out) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    snprintf(out, n + m + 3, "%s%s*%s", p, n > 0 && p[n - 1] == '/' ? "" : "/", dotext);
    return out;
}

char *io_conf_pattern(const char *path, const char *conf, td_err *err)
{
    const char *p = io_strip_uri(path);
    char *dir = is_dir(p) ? strdup(p) : path_dirname(p);
    char *out = dir ? path_join(dir, conf) : NULL;
    free(dir);
    if (!out)
        td_err_set(err, TD_EMEMORY, "out of memory");
    return out;
}

/* --- reading ----------------------------------------------------------------- */

int io_open_regular(const char *path, uint64_t *size, td_err *err)
{
    /* O_NONBLOCK: opening a FIFO by mistake must not hang. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return io_errno_err(err, path, NULL, errno);
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return io_errno_err(err, path, NULL, e);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return io_errno_err(err, path, NULL, EISDIR);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return td_err_set(err, TD_EIO, "%s: not a regular file", path);
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

int io_pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path, td_err *err)
{
    char *p = buf;
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : n;
        ssize_t got = pread(fd, p, chunk, (off_t)off);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return io_errno_err(err, path, "read failed", errno);
        }
        if (got == 0)
            return td_err_set(err, TD_EIO, "%s: the file ended early (was it changed while reading?)", path);
        p += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return 0;
}

int io_read_file(const char *path, size_t max_bytes, void **bytes, size_t *len, td_err *err)
{
    uint64_t size;
    *bytes = NULL;
    *len = 0;
    int fd = io_open_regular(path, &size, err);
    if (fd < 0)
        return -1;
    size_t cap = max_bytes ? max_bytes : td_mem_budget();
    if (size > cap) {
        close(fd);
        return td_err_set(err, TD_EMEMORY, "%s: the file has %llu bytes, more than the %zu allowed", path,
                          (unsigned long long)size, cap);
    }
    char *buf = td_scratch_alloc((size_t)size + 1, err);
    if (!buf) {
        close(fd);
        td_err_prefix(err, "%s", path);
        return -1;
    }
    if (io_pread_all(fd, buf, (size_t)size, 0, path, err) < 0) {
        td_scratch_free(buf);
        close(fd);
        return -1;
    }
    close(fd);
    buf[size] = '\0';
    *bytes = buf;
    *len = (size_t)size;
    return 0;
}

/* --- the directories data was read from -------------------------------------- */

static pthread_mutex_t sources_lock = PTHREAD_MUTEX_INITIALIZER;
static char *sources[IO_MAX_SOURCES];
static int nsources, next_source;

void io_sources_add(const char *file)
{
    char *dir = path_dirname(file);
    if (!dir)
        return;
    char *real = realpath(*dir ? dir : ".", NULL);
    free(dir);
    if (!real)
        return;
    pthread_mutex_lock(&sources_lock);
    for (int i = 0; i < nsources; i++) {
        if (strcmp(sources[i], real) == 0) {
            pthread_mutex_unlock(&sources_lock);
            free(real);
            return;
        }
    }
    /* Full: the oldest entry makes room. */
    if (nsources < IO_MAX_SOURCES) {
        sources[nsources++] = real;
    } else {
        free(sources[next_source]);
        sources[next_source] = real;
        next_source = (next_source + 1) % IO_MAX_SOURCES;
    }
    pthread_mutex_unlock(&sources_lock);
}

void io_sources_clear(void)
{
    pthread_mutex_lock(&sources_lock);
    for (int i = 0; i < nsources; i++)
        free(sources[i]);
    nsources = next_source = 0;
    pthread_mutex_unlock(&sources_lock);
}

/* a == b, or a lies inside directory b. */
static bool within(const char *a, const char *b)
{
    size_t n = strlen(b);
    if (strcmp(b, "/") == 0)
        return true;
    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* --- parallel loops over files -------------------------------------------------- */

typedef struct io_par {
    io_file_fn fn;
    void *ctx;
    pthread_mutex_t lock;
    _Atomic int64_t failed; /* lowest failing file so far, INT64_MAX: none */
    td_err err;             /* its error */
} io_par;

static int io_par_kernel(void *p, int64_t begin, int64_t end, int thread, td_err *err)
{
    io_par *q = p;
    for (int64_t i = begin; i < end; i++) {
        if (atomic_load(&q->failed) < i)
            return 0; /* an earlier file failed: this one cannot be the error reported */
        td_err e;
        td_err_clear(&e);
        if (q->fn(q->ctx, i, thread, &e) == 0)
            continue;
        if (e.kind == TD_ECANCEL) {
            if (err)
                *err = e;
            return -1;
        }
        pthread_mutex_lock(&q->lock);
        if (i < atomic_load(&q->failed)) {
            q->err = e;
            atomic_store(&q->failed, i);
        }
        pthread_mutex_unlock(&q->lock);
        return 0; /* the rest of this chunk comes after i */
    }
    return 0;
}

int io_par_files(int64_t n, io_file_fn fn, void *ctx, td_err *err)
{
    io_par q = {.fn = fn, .ctx = ctx};
    pthread_mutex_init(&q.lock, NULL);
    atomic_init(&q.failed, INT64_MAX);
    int rc = td_par_for(n, 1, io_par_kernel, &q, err);
    if (rc == 0 && atomic_load(&q.failed) != INT64_MAX) {
        if (err)
            *err = q.err;
        rc = -1;
    }
    pthread_mutex_destroy(&q.lock);
    return rc;
}

/* --- output directories -------------------------------------------------------- */

struct io_out {
    char *target; /* as given, without trailing slashes */
    char *parent;
    char *base;
    char *tmp;
    int tmpfd;
    bool replace;
};

static atomic_uint tmp_counter;

/* conf.json, SUCCESS, or NAME-DIGITS[-DIGITS...].EXT: what Thunder's and
 * thunder's writers put in an output directory. */
static bool output_name(const char *name)
{
    if (strcmp(name, "conf.json") == 0 || strcmp(name, "SUCCESS") == 0)
        return true;
    const char *dot = strrchr(name, '.');
    if (!dot)
        return false;
    static const char *const exts[] = {"bin", "tif", "tiff", "png", "npy"};
    bool ok = false;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        ok = ok || strcmp(dot + 1, exts[i]) == 0;
    if (!ok)
        return false;
    const char *p = dot;
    int groups = 0;
    for (;;) {
        const char *q = p;
        while (q > name && q[-1] >= '0' && q[-1] <= '9')
            q--;
        if (q == p || q == name || q[-1] != '-')
            break;
        groups++;
        p = q - 1;
    }
    return groups > 0;
}

/* Why a directory must not be replaced, or NULL. */
static int check_replaceable(const char *target, td_err *err)
{
    struct stat lst;
    if (lstat(target, &lst) < 0)
        return io_errno_err(err, target, NULL, errno);
    if (S_ISLNK(lst.st_mode))
        return td_err_set(err, TD_EVALUE, "refusing to overwrite %s: it is a symbolic link", target);
    if (!S_ISDIR(lst.st_mode))
        return td_err_set(err, TD_EVALUE, "refusing to overwrite %s: it is not a directory", target);
    char *real = realpath(target, NULL);
    if (!real)
        return io_errno_err(err, target, NULL, errno);
    int rc = -1;
    char cwd[PATH_MAX];
    const char *home = getenv("HOME");
    char *realhome = home && *home ? realpath(home, NULL) : NULL;
    char *up = path_join(real, "..");
    struct stat st, pst;
    if (strcmp(real, "/") == 0) {
        td_err_set(err, TD_EVALUE, "refusing to overwrite %s: it is the root directory", target);
    } else if (realhome && within(realhome, real)) {
        td_err_set(err, TD_EVALUE, "refusing to overwrite %s: it is or holds the home directory", target);
    } else if (getcwd(cwd, sizeof cwd) && within(cwd, real)) {
        td_err_set(err, TD_EVALUE,
                   "refusing to overwrite %s: it is the working directory or one of its ancestors", target);
    } else if (!up || stat(real, &st) < 0 || stat(up, &pst) < 0) {
        io_errno_err(err, target, NULL, errno ? errno : ENOMEM);
    } else if (st.st_dev != pst.st_dev || st.st_ino == pst.st_ino) {
        td_err_set(err, TD_EVALUE, "refusing to overwrite %s: it is a mount point", target);
    } else {
        rc = 0;
        pthread_mutex_lock(&sources_lock);
        for (int i = 0; i < nsources && rc == 0; i++) {
            if (within(sources[i], real))
                rc = td_err_set(err, TD_EVALUE,
                                "refusing to overwrite %s: it holds data read in this session (from %s)",
                                target, sources[i]);
        }
        pthread_mutex_unlock(&sources_lock);
    }
    free(up);
    free(realhome);
    free(real);
    if (rc < 0)
        return -1;

    DIR *d = opendir(target);
    if (!d)
        return io_errno_err(err, target, "cannot list the directory", errno);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        struct stat est;
        bool regular = fstatat(dirfd(d), name, &est, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(est.st_mode);
        if (!regular || !output_name(name)) {
            rc = td_err_set(err, TD_EVALUE,
                            "refusing to overwrite %s: it does not look like an earlier output (it holds %s)",
                            target, name);
            break;
        }
    }
    closedir(d);
    return rc;
}

/* Unlinks the files in dir and removes it; anything that is not a plain
 * file is left in place (then so is the directory). */
static void remove_files_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
            unlinkat(fd, e->d_name, 0);
    }
    closedir(d);
    rmdir(dir);
}

static void out_free(io_out *o)
{
    if (!o)
        return;
    if (o->tmpfd >= 0)
        close(o->tmpfd);
    free(o->target);
    free(o->parent);
    free(o->base);
    free(o->tmp);
    free(o);
}

/* A fresh hidden sibling name: PARENT/.BASE.KIND-PID-N */
static char *sibling_name(const io_out *o, const char *kind)
{
    char base[101];
    snprintf(base, sizeof base, "%s", o->base);
    size_t n = strlen(o->parent) + strlen(base) + 64;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s.%s.%s-%ld-%u", o->parent, strcmp(o->parent, "/") == 0 ? "" : "/", base, kind,
                 (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
    return s;
}

io_out *io_out_begin(const char *path, bool overwrite, bool series, td_err *err)
{
    const char *p = io_strip_uri(path);
    if (!p || !*p) {
        td_err_set(err, TD_EVALUE, "empty output path");
        return NULL;
    }
    io_out *o = calloc(1, sizeof *o);
    if (!o || !(o->target = strdup(p))) {
        free(o);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    o->tmpfd = -1;
    size_t n = strlen(o->target);
    while (n > 1 && o->target[n - 1] == '/')
        o->target[--n] = '\0';
    const char *slash = strrchr(o->target, '/');
    o->base = strdup(slash ? slash + 1 : o->target);
    if (!slash)
        o->parent = strdup(".");
    else if (slash == o->target)
        o->parent = strdup("/");
    else
        o->parent = strndup(o->target, (size_t)(slash - o->target));
    if (!o->base || !o->parent) {
        out_free(o);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    const char *t = o->target;
    struct stat st;
    if (lstat(t, &st) == 0) {
        if (!overwrite) {
            if (series)
                td_err_set(err, TD_EVALUE,
                           "Path %s appears to already exist. Specify a new directory, or call with "
                           "overwrite=True to overwrite.",
                           t);
            else if (S_ISDIR(st.st_mode))
                td_err_set(err, TD_EVALUE, "Directory %s already exists, and overwrite is false", t);
            else
                td_err_set(err, TD_EVALUE, "%s already exists and is not a directory", t);
            out_free(o);
            return NULL;
        }
        if (strcmp(o->base, ".") == 0 || strcmp(o->base, "..") == 0 || strcmp(t, "/") == 0) {
            td_err_set(err, TD_EVALUE, "refusing to overwrite %s", t);
            out_free(o);
            return NULL;
        }
        if (check_replaceable(t, err) < 0) {
            out_free(o);
            return NULL;
        }
        o->replace = true;
    } else if (errno != ENOENT) {
        io_errno_err(err, t, NULL, errno);
        out_free(o);
        return NULL;
    }
    int prc = stat(o->parent, &st);
    if (prc < 0 || !S_ISDIR(st.st_mode)) {
        int e = prc < 0 ? errno : ENOTDIR;
        td_err_set(err, e == ENOENT ? TD_ENOTFOUND : TD_EIO, "%s: cannot create the directory: %s: %s", t,
                   o->parent, strerror(e));
        out_free(o);
        return NULL;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        free(o->tmp);
        o->tmp = sibling_name(o, "tmp");
        if (!o->tmp) {
            td_err_set(err, TD_EMEMORY, "out of memory");
            out_free(o);
            return NULL;
        }
        if (mkdir(o->tmp, 0777) == 0)
            break;
        if (errno != EEXIST) {
            io_errno_err(err, t, "cannot create the directory", errno);
            out_free(o);
            return NULL;
        }
    }
    o->tmpfd = open(o->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (o->tmpfd < 0) {
        io_errno_err(err, t, "cannot open the new directory", errno);
        rmdir(o->tmp);
        out_free(o);
        return NULL;
    }
    return o;
}

int io_write_all(int fd, const void *buf, size_t n, const char *name, td_err *err)
{
    const char *p = buf;
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : n;
        ssize_t put = write(fd, p, chunk);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            return io_errno_err(err, name, "could not write", errno);
        }
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

/* Writes bytes at offset of the file name in the output: created exclusively
 * (excl) or shared with other writers of other ranges; checked, synced. */
static int out_put(io_out *o, const char *name, const void *bytes, size_t len, uint64_t offset, bool excl,
                   td_err *err)
{
    char shown[PATH_MAX + 64];
    snprintf(shown, sizeof shown, "%s/%s", o->target, name);
    /* Names come from a user's prefix: they must stay inside the output. */
    if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return td_err_set(err, TD_EVALUE, "%s: a file name in an output directory cannot contain '/'", shown);
    int fd = openat(o->tmpfd, name, O_WRONLY | O_CREAT | (excl ? O_EXCL : 0) | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return io_errno_err(err, shown, "could not create", errno);
    if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        int e = errno;
        close(fd);
        return io_errno_err(err, shown, "could not write", e);
    }
    if (io_write_all(fd, bytes, len, shown, err) < 0) {
        close(fd);
        return -1;
    }
    if (fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return io_errno_err(err, shown, "could not write", e);
    }
    if (close(fd) < 0)
        return io_errno_err(err, shown, "could not write", errno);
    return 0;
}

int io_out_write(io_out *o, const char *name, const void *bytes, size_t len, td_err *err)
{
    return out_put(o, name, bytes, len, 0, true, err);
}

int io_out_write_at(io_out *o, const char *name, const void *bytes, size_t len, uint64_t offset, td_err *err)
{
    return out_put(o, name, bytes, len, offset, false, err);
}

const char *io_out_path(const io_out *o)
{
    return o->tmp;
}

io_out *io_out_join(const char *tmpdir, const char *target, td_err *err)
{
    io_out *o = calloc(1, sizeof *o);
    if (!o || !(o->tmp = strdup(tmpdir)) || !(o->target = strdup(target))) {
        if (o)
            free(o->tmp);
        free(o);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    o->tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->tmpfd < 0) {
        io_errno_err(err, target, "could not open the output being written", errno);
        free(o->tmp);
        free(o->target);
        free(o);
        return NULL;
    }
    return o;
}

void io_out_leave(io_out *o)
{
    if (!o)
        return;
    close(o->tmpfd);
    free(o->tmp);
    free(o->target);
    free(o);
}

void io_out_abort(io_out *o)
{
    if (!o)
        return;
    if (o->tmpfd >= 0) {
        close(o->tmpfd);
        o->tmpfd = -1;
    }
    if (o->tmp)
        remove_files_dir(o->tmp);
    out_free(o);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int io_out_commit(io_out *o, td_err *err)
{
    if (fsync(o->tmpfd) < 0) {
        io_errno_err(err, o->target, "could not write", errno);
        io_out_abort(o);
        return -1;
    }
    close(o->tmpfd);
    o->tmpfd = -1;
    const char *t = o->target;
    if (o->replace) {
        /* Look again just before the swap, so a directory replaced by a
         * link since io_out_begin is not followed. */
        struct stat lst;
        if (lstat(t, &lst) < 0 || !S_ISDIR(lst.st_mode)) {
            td_err_set(err, TD_EVALUE, "refusing to overwrite %s: it changed while the output was written",
                       t);
            io_out_abort(o);
            return -1;
        }
        if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, t, RENAME_EXCHANGE) == 0) {
            /* o->tmp now names the old output. */
            remove_files_dir(o->tmp);
        } else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
            /* No atomic exchange on this filesystem: two renames, undone
             * if the second fails. */
            char *old = sibling_name(o, "old");
            if (!old || rename(t, old) < 0) {
                io_errno_err(err, t, "could not replace the directory", old ? errno : ENOMEM);
                free(old);
                io_out_abort(o);
                return -1;
            }
            if (rename(o->tmp, t) < 0) {
                int e = errno;
                (void)rename(old, t);
                free(old);
                io_errno_err(err, t, "could not replace the directory", e);
                io_out_abort(o);
                return -1;
            }
            remove_files_dir(old);
            free(old);
        } else {
            io_errno_err(err, t, "could not replace the directory", errno);
            io_out_abort(o);
            return -1;
        }
    } else {
        int rc = renameat2(AT_FDCWD, o->tmp, AT_FDCWD, t, RENAME_NOREPLACE);
        if (rc < 0 && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)) {
            struct stat st;
            if (lstat(t, &st) == 0)
                errno = EEXIST;
            else
                rc = rename(o->tmp, t);
        }
        if (rc < 0) {
            if (errno == EEXIST)
                td_err_set(err, TD_EVALUE, "%s appeared while the output was written", t);
            else
                io_errno_err(err, t, "could not create the directory", errno);
            io_out_abort(o);
            return -1;
        }
    }
    sync_dir(o->parent);
    out_free(o);
    return 0;
}

size_t io_conf_json(char *buf, size_t cap, int ndim, const int64_t *shape, td_dtype dtype)
{
    size_t n = 0;
    int w;
#define IO_PUT(...)                                                                                          \
    do {                                                                                                     \
        w = snprintf(buf + n, cap > n ? cap - n : 0, __VA_ARGS__);                                           \
        if (w < 0 || (size_t)w >= (cap > n ? cap - n : 0))                                                   \
            return 0;                                                                                        \
        n += (size_t)w;                                                                                      \
    } while (0)
    IO_PUT("{\n  \"shape\": [");
    for (int i = 0; i < ndim; i++)
        IO_PUT("%s\n    %lld", i ? "," : "", (long long)shape[i]);
    IO_PUT("%s],\n  \"dtype\": \"%s\"\n}", ndim ? "\n  " : "", td_dtype_name(dtype));
#undef IO_PUT
    return n;
}

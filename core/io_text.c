/* Thunder's Series fromtext: one record per line of white-space separated
 * numbers, as numpy.fromstring(line, sep=' ') reads them.
 *
 * Files are read and checked in parallel (every line must have as many
 * values as the first), then parsed in parallel straight into one float64
 * array. Numbers are parsed in the C locale whatever the process locale,
 * since a decimal comma would silently change the values. */
#define _GNU_SOURCE
#include "config.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"
#include "thunder/par.h"

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

typedef struct text_file {
    char *bytes;
    size_t len;
    int64_t rows, cols, first;
} text_file;

typedef struct text_ctx {
    const io_files *files;
    text_file *tf;
    int64_t skip, cols; /* values per line in the files */
    double *dst;
} text_ctx;

/* Values on the line [p, end). */
static int64_t count_tokens(const char *p, const char *end)
{
    int64_t n = 0;
    while (p < end) {
        while (p < end && is_blank(*p))
            p++;
        if (p == end)
            break;
        n++;
        while (p < end && !is_blank(*p))
            p++;
    }
    return n;
}

/* Python's text.split('\n')[:-1]: text after the last newline is dropped. */
static int count_file(void *p, int64_t f, int thread, td_err *err)
{
    text_ctx *c = p;
    text_file *t = &c->tf[f];
    const char *path = c->files->paths[f];
    if (io_read_file(path, 0, (void **)&t->bytes, &t->len, err) < 0)
        return -1;
    t->cols = -1;
    const char *s = t->bytes, *e = t->bytes + t->len;
    for (int64_t line = 1;; line++) {
        const char *nl = memchr(s, '\n', (size_t)(e - s));
        if (!nl)
            break;
        int64_t k = count_tokens(s, nl);
        if (t->cols < 0)
            t->cols = k;
        else if (k != t->cols)
            return td_err_set(err, TD_EVALUE, "%s, line %lld: %lld values, but the lines before have %lld",
                              path, (long long)line, (long long)k, (long long)t->cols);
        t->rows++;
        s = nl + 1;
    }
    return 0;
}

static int parse_file(void *p, int64_t f, int thread, td_err *err)
{
    text_ctx *c = p;
    int64_t keep = c->cols > c->skip ? c->cols - c->skip : 0;
    text_file *t = &c->tf[f];
    double *out = c->dst + t->first * keep;
    const char *s = t->bytes;
    for (int64_t r = 0; r < t->rows; r++) {
        const char *nl = memchr(s, '\n', (size_t)(t->bytes + t->len - s));
        int64_t col = 0;
        while (s < nl) {
            while (s < nl && is_blank(*s))
                s++;
            if (s == nl)
                break;
            const char *tok = s;
            while (s < nl && !is_blank(*s))
                s++;
            /* The token ends at a blank or a newline, where strtod
             * stops too: it parses exactly the token or fails. */
            char *stop;
            double v = strtod_l(tok, &stop, c_locale);
            if (stop != s)
                return td_err_set(err, TD_EVALUE, "%s, line %lld: could not convert '%.*s' to float",
                                  c->files->paths[f], (long long)(r + 1), (int)(s - tok > 40 ? 40 : s - tok),
                                  tok);
            if (col >= c->skip)
                out[r * keep + (col - c->skip)] = v;
            col++;
        }
        s = nl + 1;
    }
    return 0;
}

td_series *io_series_fromtext(const char *path, const char *ext, int64_t skip, int ndim, const int64_t *shape,
                              td_err *err)
{
    if (skip < 0) {
        td_err_set(err, TD_EVALUE, "skip must not be negative, got %lld", (long long)skip);
        return NULL;
    }
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale == (locale_t)0) {
        td_err_set(err, TD_EMEMORY, "cannot create the C locale for parsing numbers");
        return NULL;
    }
    char *pattern = io_add_extension(path, ext, err);
    if (!pattern)
        return NULL;
    io_select sel = {.ext = ext};
    io_files *files = io_list_files(pattern, &sel, err);
    free(pattern);
    if (!files)
        return NULL;
    td_series *out = NULL;
    nd_array *values = NULL, *shaped = NULL;
    text_file *tf = calloc((size_t)files->n, sizeof *tf);
    if (!tf) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        goto done;
    }
    text_ctx c = {.files = files, .tf = tf, .skip = skip, .cols = -1};
    if (io_par_files(files->n, count_file, &c, err) < 0)
        goto done;
    int64_t rows = 0, ref = -1;
    for (int64_t f = 0; f < files->n; f++) {
        if (tf[f].rows == 0)
            continue;
        if (ref < 0) {
            ref = f;
            c.cols = tf[f].cols;
        } else if (tf[f].cols != c.cols) {
            td_err_set(err, TD_EVALUE, "%s has %lld values per line but %s has %lld", files->paths[f],
                       (long long)tf[f].cols, files->paths[ref], (long long)c.cols);
            goto done;
        }
        tf[f].first = rows;
        rows += tf[f].rows;
    }
    if (rows == 0) {
        td_err_set(err, TD_EVALUE, "no lines of data in %s", path);
        goto done;
    }
    int64_t vshape[2] = {rows, c.cols > skip ? c.cols - skip : 0};
    values = nd_new(TD_FLOAT64, 2, vshape, err);
    if (!values)
        goto done;
    c.dst = values->data;
    if (io_par_files(files->n, parse_file, &c, err) < 0)
        goto done;
    if (shape && ndim > 0) {
        shaped = nd_reshape(values, ndim, shape, err);
        if (!shaped)
            goto done;
    } else {
        shaped = nd_retain(values);
    }
    out = ser_fromarray(shaped, NULL, err);
done:
    if (tf) {
        for (int64_t f = 0; f < files->n; f++)
            td_scratch_free(tf[f].bytes);
    }
    free(tf);
    nd_release(shaped);
    nd_release(values);
    io_files_free(files);
    return out;
}

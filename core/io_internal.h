/* Shared by the io_*.c files: listing, output directories, the parallel
 * image-stack reader and small file helpers. Not installed. */
#ifndef THUNDER_IO_INTERNAL_H
#define THUNDER_IO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thunder/io.h"
#include "thunder/nd.h"

/* --- paths and listing (io_files.c) -------------------------------------- */

/* path without a leading "file://" (a pointer into path). */
const char *io_strip_uri(const char *path);

/* How Thunder's Series readers (and the conf lookup) turn path + ext into
 * a pattern: returns a new string (free()). */
char *io_add_extension(const char *path, const char *ext, td_err *err);

/* The directory a conf file of name `conf` is looked for in (isdir(path) ?
 * path : dirname(path)), joined with conf; a new string. */
char *io_conf_pattern(const char *path, const char *conf, td_err *err);

/* glob(3) without escapes, directories left out, sorted as Thunder sorts
 * (byte order). Returns the number of matches (0 is not an error). */
int64_t io_glob(const char *pattern, char ***out, td_err *err);
void io_free_strings(char **s, int64_t n);

/* Remembers the directory of a file that was read, so writers refuse to
 * replace it. */
void io_sources_add(const char *file);

/* Low-level file access naming the file in errors. */
int io_errno_err(td_err *err, const char *path, const char *what, int e);
int io_open_regular(const char *path, uint64_t *size, td_err *err);
int io_pread_all(int fd, void *buf, size_t n, uint64_t off, const char *path, td_err *err);
/* Writes all n bytes (retrying short writes and EINTR), or an error naming name. */
int io_write_all(int fd, const void *buf, size_t n, const char *name, td_err *err);

/* Runs fn for files 0..n-1 in parallel. When several fail, the error
 * returned is the one of the first failing file in order, whatever the
 * threads' timing, so that a run names the same file every time; files
 * after a known failure are skipped. Cancellation stops everything. */
typedef int (*io_file_fn)(void *ctx, int64_t file, int thread, td_err *err);
int io_par_files(int64_t n, io_file_fn fn, void *ctx, td_err *err);

/* --- output directories (io_files.c) -------------------------------------- */

/* io_out_begin (thunder/io.h) checks the target against the overwrite
 * rules and creates an empty temporary sibling to fill; io_out_abort
 * removes everything written so far and frees o. */

/* Writes one complete file into the output (thread-safe): created
 * exclusively, every write checked, synced and closed. */
int io_out_write(io_out *o, const char *name, const void *bytes, size_t len, td_err *err);
/* Writes bytes at offset of a file that other writers fill elsewhere (one
 * file written in parts by several processes): created if need be. */
int io_out_write_at(io_out *o, const char *name, const void *bytes, size_t len, uint64_t offset, td_err *err);
/* Syncs and renames the directory into place (replacing the old output);
 * frees o whatever happens. */
int io_out_commit(io_out *o, td_err *err);

/* The image writers' files, numbered from first (io_images_write). */
int io_images_write_tif(const td_images *d, io_out *o, const char *prefix, int64_t first, td_err *err);
int io_images_write_png(const td_images *d, io_out *o, const char *prefix, int64_t first, td_err *err);

/* Thunder's conf.json text: json.dumps({'shape': [...], 'dtype': ...},
 * indent=2). Returns the length written into buf (0 when it does not fit). */
size_t io_conf_json(char *buf, size_t cap, int ndim, const int64_t *shape, td_dtype dtype);

/* --- the image-stack reader (io_stack.c) ---------------------------------- */

/* What one file holds, as tifffile/imread would return it: an array of
 * dtype and shape in C order. */
typedef struct io_probe {
    td_dtype dtype;
    int ndim;
    int64_t shape[ND_MAXDIM];
} io_probe;

typedef struct io_stack_ops {
    const char *what; /* "TIFF", "PNG": for messages */
    int (*probe)(const char *path, io_probe *out, td_err *err);
    /* Writes the first nbytes of the file's C-order array to dst, after
     * checking the file still matches *expect. */
    int (*decode)(const char *path, const io_probe *expect, void *dst, size_t nbytes, td_err *err);
    /* Thunder's fromtif squeezes results that have three axes. */
    bool squeeze3;
} io_stack_ops;

/* Lists the files, probes them in parallel, groups them by nplanes as
 * Thunder's fromtif does, allocates one array and decodes every file into
 * its slot in parallel. */
td_images *io_read_stack(const char *path, const io_select *sel, const char *default_ext,
                         const io_stack_ops *ops, int64_t nplanes, bool discard_extra, td_err *err);

#endif

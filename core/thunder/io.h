/* Files: Thunder's readers and writers for TIFF, PNG, flat binary and text.
 *
 * Readers follow Thunder 1.4.2 (local mode): which files a path selects,
 * their order, start/stop slicing, conf.json keys and the shapes that
 * result. Every reader bounds what it allocates by what the file can
 * hold, and every problem is one error naming the file.
 *
 * Writers create a new directory of Thunder's layout atomically: the files
 * go into a temporary sibling, are synced, and the directory is renamed
 * into place, so a failure leaves no partial output and keeps any old one.
 *
 * Ownership as everywhere in libthunder: returned pointers are the
 * caller's, arguments are borrowed. */
#ifndef THUNDER_IO_H
#define THUNDER_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A warning the caller may show (Thunder logs these), e.g. "Ignored 1 pages
 * in file a.tif". Called on the calling thread, never from a worker. */
typedef void (*io_warn_fn)(const char *message, void *user);

/* Which files a reader takes from a path. A NULL io_select means the
 * reader's defaults (its Thunder ext, no slicing, not recursive). */
typedef struct io_select {
    /* Extension without the dot; NULL takes every file. "tif" and "tiff"
     * each take both .tif and .tiff files. */
    const char *ext;
    /* Python slice of the sorted list. As in Thunder, slicing happens only
     * when start or stop is given and non-zero (stop=0 alone takes all). */
    int64_t start, stop;
    bool has_start, has_stop;
    /* Walk subdirectories (path must then be a directory). */
    bool recursive;
    /* For readers that share files among processes: of the selected files,
     * only part part_index of part_count contiguous, near-equal parts (the
     * first count % part_count parts one file longer). part_count 0 takes
     * every file. */
    int part_index, part_count;
    io_warn_fn warn; /* may be NULL */
    void *warn_user;
} io_select;

/* --- files ------------------------------------------------------------------ */

/* How n items (files, records) are shared among count processes: part
 * index holds *len of them from *first, n / count each, the first n % count
 * parts one more. Every reader that reads a part, and distributed mode,
 * split this way. */
void io_part_range(int64_t n, int index, int count, int64_t *first, int64_t *len);

typedef struct io_files {
    int64_t n;
    char **paths;
} io_files;

/* The sorted, sliced files a path selects, as Thunder's local reader lists
 * them: a directory gives its files matching *.ext (all files, hidden ones
 * too, when ext is NULL); any other path is a glob pattern ('*', '?', [..])
 * whose matches are taken whatever their extension; directories are left
 * out; "file://" is stripped. No match is a FileNotFoundError
 * ('Cannot find files of type "tif" in PATH'), as is an empty slice. */
io_files *io_list_files(const char *path, const io_select *sel, td_err *err);
void io_files_free(io_files *f);

/* The whole content of a regular file (not a FIFO or device), refusing
 * files over max_bytes (0: the memory budget). *bytes is NUL-terminated
 * one past *len and counts against the budget: free it with
 * td_scratch_free. */
int io_read_file(const char *path, size_t max_bytes, void **bytes, size_t *len, td_err *err);

/* --- Images readers ---------------------------------------------------------- */

/* Thunder's fromtif (default ext "tif"). Each file is read as tifffile
 * does: one page (H, W), several pages (pages, H, W); contiguous samples
 * add a last axis (H, W, S), separate planes a first one (S, H, W). Pages
 * must agree in shape and type; reduced-resolution pages are skipped.
 * nplanes 0: one image per file. nplanes > 0: the file's first axis is cut
 * into groups of nplanes; a remainder is an error unless discard_extra
 * (then dropped with a warning). As in Thunder, a three-axis result is
 * squeezed. Reads 8/16/32/64-bit integers (signed or not) and 32/64-bit
 * floats; uncompressed, LZW, deflate, PackBits, JPEG, zstd and LZMA;
 * classic and BigTIFF. Files are read in parallel. */
td_images *io_images_fromtif(const char *path, const io_select *sel, int64_t nplanes, bool discard_extra,
                             td_err *err);

/* Thunder's frompng (default ext "png"): grey -> (H, W), grey+alpha ->
 * (H, W, 2), RGB -> (H, W, 3), RGBA -> (H, W, 4); palettes are expanded to
 * RGB, or RGBA when they carry transparency; 1/2/4-bit grey is scaled to
 * 8 bits. uint8, or uint16 for 16-bit files. */
td_images *io_images_frompng(const char *path, const io_select *sel, td_err *err);

/* Thunder's Images frombinary (default ext "bin"): each file holds one
 * image of `shape` in `order` ('C' or 'F'); extra bytes are ignored. The
 * conf file (conf NULL: "conf.json"), looked for beside the data, wins
 * over the arguments: its "shape" (or older "dims") and "dtype". shape
 * NULL and no conf shape is an error; no dtype anywhere means int16 (dtype
 * < 0: not given). nplanes > 0 cuts the last axis into images of nplanes
 * planes, squeezed. */
td_images *io_images_frombinary(const char *path, const io_select *sel, int ndim, const int64_t *shape,
                                int dtype, const char *conf, char order, int64_t nplanes, td_err *err);

/* --- Series readers ---------------------------------------------------------- */

/* Series readers take Thunder's path rules for them: a path with neither
 * '*' nor an extension means the files *.ext inside it. ext NULL: every
 * file. */

/* Thunder's Series frombinary (pass ext "bin" for its default): records of
 * (skip + shape[-1]) values of dtype, back to back in the sorted files;
 * the first skip values of each record are dropped. shape and dtype given
 * here win over the conf file's (dtype < 0, shape NULL: not given). The
 * number of records must be prod(shape[:-1]). */
td_series *io_series_frombinary(const char *path, const char *ext, const char *conf, int ndim,
                                const int64_t *shape, int dtype, int64_t skip, td_err *err);
/* The same, reading only the bytes of one part of the records: with n
 * records, part i of count holds n / count of them, the first n % count
 * parts one more (count 0: every record). A part comes as flat records
 * (its count, length); *whole_ndim and whole_shape (ND_MAXDIM entries) get
 * the whole's shape. With fewer records than parts, each part is the whole. */
td_series *io_series_frombinary_part(const char *path, const char *ext, const char *conf, int ndim,
                                     const int64_t *shape, int dtype, int64_t skip, int part_index,
                                     int part_count, int *whole_ndim, int64_t *whole_shape, td_err *err);

/* Thunder's Series fromtext (pass ext "txt" for its default): one record
 * per line, values separated by white space, the first skip dropped,
 * float64 (Thunder's local reader ignores its dtype argument). As in
 * Thunder, text after the last newline of a file is not a line. shape,
 * when given, reshapes the result (one entry may be -1). */
td_series *io_series_fromtext(const char *path, const char *ext, int64_t skip, int ndim, const int64_t *shape,
                              td_err *err);

/* --- writers ---------------------------------------------------------------- */

/* Every writer creates the directory `path` (its parent must exist) with
 * Thunder's files: PREFIX-00000.EXT, ... (one per image, numbered from 0).
 * An existing path is an error unless overwrite; even then only a
 * directory that looks like an earlier output (files only: conf.json,
 * SUCCESS and NAME-DIGITS.{bin,tif,tiff,png,npy}) is replaced, and never
 * "/", the home directory, the working directory or its ancestors, a
 * symbolic link, a mount point, or a directory this process has read data
 * from. prefix NULL: Thunder's ("image" or "series"). */

/* Raw C-order bytes per image, conf.json {"shape": value_shape, "dtype"}
 * and an empty SUCCESS. */
int io_images_tobinary(const td_images *d, const char *path, const char *prefix, bool overwrite, td_err *err);
/* One TIFF per image keeping its dtype (bool is refused, as tifffile
 * does): 2-D -> one page; 3-D -> one page per first-axis entry, or one RGB
 * page when the last axis is 3 or 4. */
int io_images_totif(const td_images *d, const char *path, const char *prefix, bool overwrite, td_err *err);
/* One 8-bit PNG per 2-D image, or (H, W, 3|4) as RGB/RGBA. uint8 is
 * written as is; other dtypes are rescaled per image, as scipy's imsave:
 * uint8((x - min) * 255 / (max - min) + 0.5), a constant image -> 0. */
int io_images_topng(const td_images *d, const char *path, const char *prefix, bool overwrite, td_err *err);
/* One file PREFIX-00000[-00000...].bin (one "-00000" per base axis) with
 * all records in C order, conf.json {"shape": full shape, "dtype"} and
 * SUCCESS. */
int io_series_tobinary(const td_series *d, const char *path, const char *prefix, bool overwrite, td_err *err);

/* --- one output written by several processes (distributed mode) --------- */

/* The writers above, in steps, so that processes holding different records
 * write one output together: the opener checks the overwrite rules and
 * makes an empty temporary directory (io_out_begin); the others reach it by
 * its path (io_out_join); each writes the files of its own records, named
 * by their numbers in the whole (first is the number of d's first record);
 * once all have written, the opener finishes (conf.json and SUCCESS for the
 * binary format, then the directory goes into place) or aborts (everything
 * written is removed). */
typedef struct io_out io_out;
io_out *io_out_begin(const char *path, bool overwrite, bool series, td_err *err);
/* The temporary directory the processes fill. */
const char *io_out_path(const io_out *o);
/* Another process's handle on the opener's temporary directory tmpdir
 * (target: the output's final path, for messages); io_out_leave frees it
 * and leaves the files. */
io_out *io_out_join(const char *tmpdir, const char *target, td_err *err);
void io_out_leave(io_out *o);
/* format: "bin", "tif" or "png"; checks d as the writer above does. */
int io_images_write(const td_images *d, io_out *o, const char *format, const char *prefix, int64_t first,
                    td_err *err);
/* d's records at their place in the whole's one file (the local layout:
 * PREFIX-00000[-00000...].bin, one "-00000" per base axis), first being the
 * number of d's first record. The part holding record 0 creates the file
 * and must be written first; the others then write their ranges, in any
 * order or at once. */
int io_series_write(const td_series *d, io_out *o, const char *prefix, int nbase, int64_t first, td_err *err);
/* binary: conf.json {"shape", "dtype"} with ndim/shape/dtype, and SUCCESS.
 * Frees o whatever happens. */
int io_out_finish(io_out *o, bool binary, int ndim, const int64_t *shape, td_dtype dtype, td_err *err);
void io_out_abort(io_out *o);

/* Forgets the directories read so far (they are otherwise protected from
 * overwrite for the life of the process). */
void io_sources_clear(void);

#ifdef __cplusplus
}
#endif
#endif

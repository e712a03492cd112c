/* Signals for Series.correlate read from files: .npy arrays, and variables
 * of MATLAB .mat files through matio, shaped as scipy's loadmat gives
 * them (at least 2-D, the MATLAB dimensions in C order). */
#include "ser_internal.h"

#include <errno.h>
#include <matio.h>
#include <string.h>
#include <sys/stat.h>

#include "io_internal.h"
#include "thunder/npy.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int mat_dtype(const matvar_t *v, td_dtype *t)
{
    if (v->isLogical) {
        *t = TD_BOOL;
        return 0;
    }
    switch (v->class_type) {
    case MAT_C_DOUBLE: *t = TD_FLOAT64; return 0;
    case MAT_C_SINGLE: *t = TD_FLOAT32; return 0;
    case MAT_C_INT8: *t = TD_INT8; return 0;
    case MAT_C_UINT8: *t = TD_UINT8; return 0;
    case MAT_C_INT16: *t = TD_INT16; return 0;
    case MAT_C_UINT16: *t = TD_UINT16; return 0;
    case MAT_C_INT32: *t = TD_INT32; return 0;
    case MAT_C_UINT32: *t = TD_UINT32; return 0;
    case MAT_C_INT64: *t = TD_INT64; return 0;
    case MAT_C_UINT64: *t = TD_UINT64; return 0;
    default: return -1;
    }
}

/* MATLAB stores columns first: element (i0, i1, ...) sits at i0 + d0 (i1 + d1 (...)). */
static nd_array *mat_to_array(const matvar_t *v, const char *path, td_err *err)
{
    td_dtype t;
    if (v->isComplex || v->class_type == MAT_C_SPARSE || mat_dtype(v, &t) < 0 || !v->data) {
        td_err_set(err, TD_EVALUE, "%s: variable '%s' is not a real numeric array", path,
                   v->name ? v->name : "");
        return NULL;
    }
    if (v->rank < 1 || v->rank > ND_MAXDIM) {
        td_err_set(err, TD_EVALUE, "%s: variable '%s' has %d dimensions", path, v->name ? v->name : "",
                   v->rank);
        return NULL;
    }
    int64_t shape[ND_MAXDIM];
    for (int k = 0; k < v->rank; k++)
        shape[k] = (int64_t)v->dims[k];
    nd_array *a = nd_new(t, v->rank, shape, err);
    if (!a)
        return NULL;
    size_t is = nd_itemsize(a);
    if ((size_t)a->size * is > v->nbytes) {
        nd_release(a);
        td_err_set(err, TD_EVALUE, "%s: variable '%s' holds fewer values than its dimensions say", path,
                   v->name ? v->name : "");
        return NULL;
    }
    int64_t idx[ND_MAXDIM] = {0};
    for (int64_t c = 0; c < a->size; c++) {
        /* c walks C order; find the Fortran offset of the same element */
        int64_t f = 0;
        for (int k = v->rank - 1; k >= 0; k--)
            f = f * shape[k] + idx[k];
        memcpy((char *)a->data + (size_t)c * is, (const char *)v->data + (size_t)f * is, is);
        for (int k = v->rank - 1; k >= 0; k--) {
            if (++idx[k] < shape[k])
                break;
            idx[k] = 0;
        }
    }
    return a;
}

/* matio believes a version 4 file's record headers: it allocates the name
 * length and the dimensions they claim before reading anything, so a small
 * damaged file can make it ask for gigabytes (found by fuzz/fuzz_mat). A
 * file without the 128-byte header of version 5 and 7.3 must therefore be
 * a chain of version 4 records, each header's sizes fitting what follows. */
static uint32_t v4_int(const unsigned char *p, bool big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Version 5 likewise: matio allocates what a matrix's tags claim (found by
 * fuzz/fuzz_mat: a dimensions tag of 1.8 GB in an 80-byte matrix). Every
 * element must fit in the one around it, and a matrix's dimensions may not
 * claim more elements than the memory budget holds. Compressed elements
 * are checked as a whole (their contents are inflated by matio). */
static bool v5_elements_fit(const unsigned char *b, uint64_t len, bool big, int depth)
{
    if (depth > 16)
        return false;
    uint64_t off = 0;
    int index = 0;
    while (len - off >= 8) {
        uint32_t type = v4_int(b + off, big), nbytes;
        uint64_t total;
        bool small = type >> 16 != 0;
        if (small) { /* size and type in four bytes, the data in the next four */
            nbytes = type >> 16;
            type &= 0xffff;
            if (nbytes > 4)
                return false;
            total = 8;
        } else {
            nbytes = v4_int(b + off + 4, big);
            if (nbytes > len - off - 8)
                return false;
            total = 8 + (uint64_t)nbytes;
            if (depth > 0 || type != 15)
                total = (total + 7) / 8 * 8; /* 64-bit alignment, except compressed top-level elements */
        }
        const unsigned char *data = b + off + (small ? 4 : 8);
        if (type == 14 && !v5_elements_fit(data, nbytes, big, depth + 1))
            return false;
        if (depth > 0 && index == 1 && type == 5) { /* a matrix's dimensions */
            uint64_t count = 1;
            for (uint32_t k = 0; k + 4 <= nbytes; k += 4)
                if (__builtin_mul_overflow(count, (uint64_t)v4_int(data + k, big), &count))
                    return false;
            if (count > td_mem_budget())
                return false;
        }
        off = total > len - off ? len : off + total;
        index++;
    }
    return true;
}

static bool v4_records_fit(const unsigned char *b, size_t len)
{
    static const uint64_t elsize[6] = {8, 4, 4, 2, 2, 1};
    if (len >= 128 && (!memcmp(b + 126, "IM", 2) || !memcmp(b + 126, "MI", 2))) {
        uint16_t version =
            !memcmp(b + 126, "IM", 2) ? (uint16_t)(b[124] | b[125] << 8) : (uint16_t)(b[124] << 8 | b[125]);
        if (version == 0x0200)
            return true; /* 7.3: an HDF5 file, which HDF5 reads */
        return version == 0x0100 && v5_elements_fit(b + 128, len - 128, b[126] == 'M', 0);
    }
    size_t off = 0;
    do {
        if (len - off < 20)
            return false;
        const unsigned char *h = b + off;
        bool big = v4_int(h, false) > 4052;
        uint32_t type = v4_int(h, big), rows = v4_int(h + 4, big), cols = v4_int(h + 8, big);
        uint32_t imag = v4_int(h + 12, big), namelen = v4_int(h + 16, big);
        uint32_t m = type / 1000, o = type / 100 % 10, p = type / 10 % 10, t = type % 10;
        if (type > 4052 || m > 1 || (m == 1) != big || o != 0 || p > 5 || t > 2 || imag > 1 || namelen < 1)
            return false;
        uint64_t data;
        if (__builtin_mul_overflow((uint64_t)rows, (uint64_t)cols, &data) ||
            __builtin_mul_overflow(data, elsize[p] * (imag + 1), &data))
            return false;
        off += 20;
        if (namelen > len - off || data > len - off - namelen)
            return false;
        off += namelen + (size_t)data;
    } while (off < len);
    return true;
}

static int check_mat_file(const char *path, td_err *err)
{
    void *bytes;
    size_t len;
    if (io_read_file(path, 0, &bytes, &len, err) < 0)
        return -1;
    bool ok = v4_records_fit(bytes, len);
    td_scratch_free(bytes);
    if (!ok)
        return td_err_set(err, TD_EVALUE, "%s: not a MATLAB .mat file matio can read", path);
    return 0;
}

/* true (with err) when v is not a real numeric array that fits in limit
 * bytes: the file's size for plain data, the budget for compressed data. */
static bool info_too_big(const matvar_t *v, uint64_t file_size, const char *path, td_err *err)
{
    td_dtype t;
    const char *name = v->name ? v->name : "";
    if (v->isComplex || v->class_type == MAT_C_SPARSE || mat_dtype(v, &t) < 0) {
        td_err_set(err, TD_EVALUE, "%s: variable '%s' is not a real numeric array", path, name);
        return true;
    }
    if (v->rank < 1 || v->rank > ND_MAXDIM || !v->dims) {
        td_err_set(err, TD_EVALUE, "%s: variable '%s' has %d dimensions", path, name, v->rank);
        return true;
    }
    uint64_t bytes = td_dtype_size(t);
    uint64_t limit = v->compression == MAT_COMPRESSION_NONE ? file_size : td_mem_budget();
    for (int k = 0; k < v->rank; k++)
        if (__builtin_mul_overflow(bytes, (uint64_t)v->dims[k], &bytes))
            bytes = UINT64_MAX;
    if (bytes > limit) {
        td_err_set(err, TD_EVALUE, "%s: variable '%s' claims more values than the file holds", path, name);
        return true;
    }
    return false;
}

nd_array *ser_load_signal(const char *path, const char *var, td_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        td_err_set(err, errno == ENOENT ? TD_ENOTFOUND : TD_EIO, "[Errno %d] %s: '%s'", errno,
                   strerror(errno), path);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        /* a FIFO would block matio's open; a directory is no signal either */
        td_err_set(err, TD_EIO, "%s: not a regular file", path);
        return NULL;
    }
    if (ends_with(path, ".npy"))
        return npy_load(path, err);
    if (!ends_with(path, ".mat")) {
        td_err_set(err, TD_EVALUE, "a signal file must be .npy or .mat: '%s'", path);
        return NULL;
    }
    if (check_mat_file(path, err) < 0)
        return NULL;
    mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!mat) {
        td_err_set(err, TD_EVALUE, "%s: not a MATLAB .mat file matio can read", path);
        return NULL;
    }
    /* matio allocates the values the dimensions claim before it reads
     * them: read the header first and refuse a claim the file (or, when
     * compressed, the memory budget) cannot hold (found by fuzz/fuzz_mat:
     * a 200-byte file claiming 17 GB). */
    matvar_t *info = Mat_VarReadInfo(mat, var);
    if (info && info_too_big(info, (uint64_t)st.st_size, path, err)) {
        Mat_VarFree(info);
        Mat_Close(mat);
        return NULL;
    }
    Mat_VarFree(info);
    matvar_t *v = info ? Mat_VarRead(mat, var) : NULL;
    nd_array *a = NULL;
    if (!v)
        td_err_set(err, TD_EKEY, "'%s' (no such variable in %s)", var, path);
    else
        a = mat_to_array(v, path, err);
    Mat_VarFree(v);
    Mat_Close(mat);
    return a;
}

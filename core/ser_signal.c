/* Signals for Series.correlate read from files: .npy arrays, and variables
 * of MATLAB .mat files through matio, shaped as scipy's loadmat gives
 * them (at least 2-D, the MATLAB dimensions in C order). */
#include "ser_internal.h"

#include <errno.h>
#include <matio.h>
#include <string.h>
#include <sys/stat.h>

#include "mat_internal.h"
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

/* true (with err) when v is not a real numeric array whose values fit the
 * memory budget (mat_check_file has checked that its data element holds
 * as many values as its dimensions claim). */
static bool info_too_big(const matvar_t *v, const char *path, td_err *err)
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
    for (int k = 0; k < v->rank; k++)
        if (__builtin_mul_overflow(bytes, (uint64_t)v->dims[k], &bytes))
            bytes = UINT64_MAX;
    if (bytes > td_mem_budget()) {
        td_err_set(err, TD_EMEMORY,
                   "%s: variable '%s' claims %llu bytes, more than the memory budget (%zu bytes)", path, name,
                   (unsigned long long)bytes, td_mem_budget());
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
    if (mat_check_file(path, var, err) < 0)
        return NULL;
    mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
    if (!mat) {
        td_err_set(err, TD_EVALUE, "%s: not a MATLAB .mat file matio can read", path);
        return NULL;
    }
    /* matio allocates the values the dimensions claim before it reads
     * them: read the header first and refuse what is no real array or does
     * not fit the budget. */
    matvar_t *info = Mat_VarReadInfo(mat, var);
    if (info && info_too_big(info, path, err)) {
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

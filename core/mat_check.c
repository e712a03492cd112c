/* Reading a MATLAB .mat file the way matio will, before it does (see
 * mat_internal.h).
 *
 * Version 5 files are walked as matio 1.5 reads them in
 * Mat_VarReadNextInfo5, ReadNextCell, ReadNextStructField and, for the
 * small compressed cells and fields it reads at once, Mat_VarRead5: the
 * same bytes in the same order, even where matio ignores a tag's type or
 * length (it takes the array flags as 16 bytes whatever their tag says, and
 * a dimensions tag that is not int32 as no dimensions), because every place
 * where an earlier walk read a file differently from matio let a claim
 * through (found by fuzz/fuzz_mat). The walk is stricter than matio where
 * matio's reading of a damaged file goes astray: every element must lie
 * within the one around it, the compressed stream must really hold the
 * bytes read from it, and what matio would allocate for one variable
 * (names, dimensions, cell and struct tables, the data it reads with the
 * headers) must fit the memory budget. Function handles are refused:
 * matio cannot free what it reads of them. */
#include "mat_internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#define ZLIB_CONST
#include <zlib.h>

#include "thunder/io.h"
#include "thunder/mem.h"

/* MAT 5 data types (miINT8 ...) */
enum {
    MI_INT8 = 1,
    MI_UINT8,
    MI_INT16,
    MI_UINT16,
    MI_INT32,
    MI_UINT32,
    MI_SINGLE,
    MI_DOUBLE = 9,
    MI_INT64 = 12,
    MI_UINT64,
    MI_MATRIX,
    MI_COMPRESSED
};

/* and array classes (mxCELL_CLASS ...) */
enum { MX_EMPTY, MX_CELL, MX_STRUCT, MX_OBJECT, MX_CHAR, MX_SPARSE, MX_FUNCTION = 16, MX_OPAQUE };

/* What matio allocates besides the sizes a file claims: a matvar_t with its
 * internal part, and for a compressed cell or field whose data it does not
 * read at once, a copy of the inflate state with its 32 KiB window. */
#define MAT_VAR_COST 256
#define MAT_Z_COST   (48 << 10)
/* matio reads the data of a compressed cell or field of at most this many
 * bytes while it reads the headers (Mat_VarRead5 from ReadNextCell). */
#define MAT_EAGER 32768
/* deflate's largest expansion: 258 bytes from a little over two bits. */
#define MAT_MAX_RATIO 1032
#define MAT_MAX_DEPTH 32

enum { CTX_TOP, CTX_CELL, CTX_FIELD };

typedef struct {
    const unsigned char *b; /* the whole file */
    uint64_t pos;           /* plain: the file offset read next */
    bool zmode;
    z_stream z;
    uint64_t out; /* compressed: bytes inflated so far */
} mat_src;

typedef struct {
    const char *path, *var;
    bool big;
    uint64_t at; /* file offset of the variable being read */
    uint64_t cost, budget;
    td_err *err;
} mat_walk;

typedef struct {
    uint32_t cls;
    bool complex;
    uint64_t rank, nelems; /* nelems as Mat_MulDims: 0 for rank 0 */
    bool nelems_ok;
    bool named; /* the name is the variable sought */
} mat_hdr;

static uint32_t mat_u32(const unsigned char *p, bool big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static bool damaged(mat_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool damaged(mat_walk *w, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    td_err_set(w->err, TD_EVALUE, "%s: damaged MATLAB file: %s (variable at byte %llu)", w->path, what,
               (unsigned long long)w->at);
    return false;
}

/* Counts n bytes matio would allocate for the variable being read. */
static bool charge(mat_walk *w, uint64_t n)
{
    if (n <= w->budget - w->cost) {
        w->cost += n;
        return true;
    }
    td_err_set(w->err, TD_EMEMORY,
               "%s: matio would need more than the memory budget (%zu bytes) for the variable at byte %llu",
               w->path, td_mem_budget(), (unsigned long long)w->at);
    return false;
}

static uint64_t src_pos(const mat_src *s)
{
    return s->zmode ? s->out : s->pos;
}

/* n bytes at the read position into dst, or skipped when dst is NULL; they
 * must lie before end. */
static bool src_read(mat_walk *w, mat_src *s, void *dst, uint64_t n, uint64_t end)
{
    uint64_t p = src_pos(s);
    if (p > end || n > end - p)
        return damaged(w, "an element needs %llu bytes where %llu remain", (unsigned long long)n,
                       (unsigned long long)(p > end ? 0 : end - p));
    if (!s->zmode) {
        if (dst)
            memcpy(dst, s->b + s->pos, n);
        s->pos += n;
        return true;
    }
    unsigned char sink[16384];
    unsigned char *d = dst;
    while (n > 0) {
        uInt chunk = n < sizeof sink ? (uInt)n : (uInt)sizeof sink;
        s->z.next_out = d ? d : sink;
        s->z.avail_out = chunk;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        uInt got = chunk - s->z.avail_out;
        s->out += got;
        n -= got;
        if (d)
            d += got;
        if (n == 0 || rc == Z_OK) /* Z_OK: progress, if only in the input */
            continue;
        if (rc == Z_STREAM_END || rc == Z_BUF_ERROR)
            return damaged(w, "the compressed data ends %llu bytes short of what the headers claim",
                           (unsigned long long)n);
        return damaged(w, "the compressed data is corrupt (%s)", s->z.msg ? s->z.msg : zError(rc));
    }
    return true;
}

static bool src_words(mat_walk *w, mat_src *s, uint32_t *v, int n, uint64_t end)
{
    unsigned char raw[16];
    if (!src_read(w, s, raw, (uint64_t)n * 4, end))
        return false;
    for (int k = 0; k < n; k++)
        v[k] = mat_u32(raw + 4 * k, w->big);
    return true;
}

/* matio's strcmp of the name it read (the first len bytes, up to a NUL)
 * with the variable sought, fed in pieces. */
typedef struct {
    uint64_t k;
    bool eq, ended;
} mat_namecmp;

static void name_feed(mat_namecmp *c, const char *var, const unsigned char *p, uint64_t n)
{
    size_t vlen = strlen(var);
    for (uint64_t i = 0; i < n && !c->ended; i++, c->k++) {
        if (p[i] == 0) {
            c->ended = true;
            c->eq = c->eq && c->k == vlen;
        } else {
            c->eq = c->eq && c->k < vlen && (unsigned char)var[c->k] == p[i];
        }
    }
}

static bool name_done(const mat_namecmp *c, const char *var)
{
    return c->ended ? c->eq : c->eq && c->k == strlen(var);
}

/* The dimensions: words words, of which the first rank are the sizes. */
static bool read_dims(mat_walk *w, mat_src *s, uint64_t words, uint64_t rank, uint64_t end, mat_hdr *h)
{
    uint64_t p = src_pos(s);
    if (p > end || words > (end - p) / 4)
        return damaged(w, "dimensions of %llu bytes where %llu remain", (unsigned long long)words * 4,
                       (unsigned long long)(end - p));
    h->rank = rank;
    h->nelems = rank ? 1 : 0;
    h->nelems_ok = true;
    unsigned char buf[1024];
    for (uint64_t k = 0; k < words;) {
        uint64_t m = words - k < sizeof buf / 4 ? words - k : sizeof buf / 4;
        if (!src_read(w, s, buf, m * 4, end))
            return false;
        for (uint64_t j = 0; j < m && k + j < rank; j++)
            if (__builtin_mul_overflow(h->nelems, (uint64_t)mat_u32(buf + 4 * j, w->big), &h->nelems))
                h->nelems_ok = false;
        k += m;
    }
    return true;
}

/* The name after the dimensions: matio allocates and reads it at the top
 * level and in compressed cells, skips it in plain cells, and reads only
 * its tag in struct fields. */
static bool read_name(mat_walk *w, mat_src *s, uint64_t end, int ctx, mat_hdr *h)
{
    unsigned char raw[8];
    if (!src_read(w, s, raw, 8, end))
        return false;
    if (ctx == CTX_FIELD)
        return true;
    uint32_t type = mat_u32(raw, w->big), len = mat_u32(raw + 4, w->big);
    if (ctx == CTX_CELL && len == 0)
        return true;
    mat_namecmp c = {0, true, false};
    if (type == MI_INT8) {
        uint64_t padded = (uint64_t)len + (8 - len % 8) % 8;
        if (padded > UINT32_MAX)
            return damaged(w, "a name of %u bytes", len);
        if (ctx == CTX_CELL && !s->zmode)
            return src_read(w, s, NULL, padded, end);
        if (padded > end - src_pos(s))
            return damaged(w, "a name of %u bytes where %llu remain", len,
                           (unsigned long long)(end - src_pos(s)));
        if (!charge(w, padded + 1))
            return false;
        unsigned char buf[256];
        for (uint64_t k = 0; k < padded;) {
            uint64_t m = padded - k < sizeof buf ? padded - k : sizeof buf;
            if (!src_read(w, s, buf, m, end))
                return false;
            if (k < len)
                name_feed(&c, w->var, buf, len - k < m ? len - k : m);
            k += m;
        }
    } else {
        uint32_t small = type >> 16;
        if ((type & 0xffff) != MI_INT8 || small < 1 || small > 4)
            return true; /* no name */
        name_feed(&c, w->var, raw + 4, small);
    }
    h->named = ctx == CTX_TOP && name_done(&c, w->var);
    return true;
}

/* An array's flags, dimensions and name, read from the element's start. */
static bool array_head(mat_walk *w, mat_src *s, uint64_t end, int ctx, mat_hdr *h)
{
    memset(h, 0, sizeof *h);
    h->nelems_ok = true; /* no dimensions: Mat_MulDims gives 0 */
    uint32_t f[4], d[2];
    bool z = s->zmode;
    if (!src_words(w, s, f, 4, end))
        return false;
    if (f[0] == MI_UINT32 || (f[0] == MI_INT32 && ctx == CTX_TOP && !z)) {
        h->cls = f[2] & 0xff;
        h->complex = (f[2] & 0x800) != 0;
    } else if (z && ctx != CTX_TOP) {
        /* matio skips the rest of the element, then reads on from after it */
        return damaged(w, "array flags of type %u", f[0]);
    }
    if (z && h->cls == MX_OPAQUE)
        return true; /* matio reads nothing more of it */
    if (!src_words(w, s, d, 2, end))
        return false;
    if (!z) {
        if (d[0] != MI_INT32) /* matio reads no dimensions then */
            return read_name(w, s, end, ctx, h);
        uint64_t rank = d[1] / 4;
        if (!read_dims(w, s, rank + rank % 2, rank, end, h) || !charge(w, rank * 8))
            return false;
        return read_name(w, s, end, ctx, h);
    }
    if ((d[0] & 0xffff) != MI_INT32)
        return damaged(w, "dimensions of type %u", d[0] & 0xffff);
    /* matio counts a compressed cell's or field's dimensions as rank * 4
     * bytes (+ 4 for an odd rank) while it inflates their padded length */
    if (ctx != CTX_TOP && (d[0] != MI_INT32 || d[1] % 4 != 0))
        return damaged(w, "dimensions of %u bytes", d[1]);
    uint32_t pad = (8 - d[1] % 8) % 8;
    if (d[1] > (uint32_t)INT_MAX - pad - 2)
        return damaged(w, "dimensions of %u bytes", d[1]);
    uint64_t padded = (uint64_t)d[1] + pad, rank = d[0] == MI_INT32 ? d[1] / 4 : 0;
    if (!read_dims(w, s, padded / 4, rank, end, h) || !charge(w, rank * 8))
        return false;
    /* beyond its 16-word buffer matio allocates 4 bytes for each byte */
    if ((padded + 2) * 4 > 64 && !charge(w, padded * 4))
        return false;
    return read_name(w, s, end, ctx, h);
}

/* Bytes of one value of a numeric class, 0 for the others. */
static uint64_t class_size(uint32_t cls)
{
    static const unsigned char size[16] = {
        [6] = 8, [7] = 4, [8] = 1, [9] = 1, [10] = 2, [11] = 2, [12] = 4, [13] = 4, [14] = 8, [15] = 8};
    return cls < 16 ? size[cls] : 0;
}

/* Bytes of one value of a numeric data type, 0 for the others. */
static uint64_t type_size(uint32_t type)
{
    static const unsigned char size[14] = {
        [MI_INT8] = 1,   [MI_UINT8] = 1,  [MI_INT16] = 2,  [MI_UINT16] = 2, [MI_INT32] = 4,
        [MI_UINT32] = 4, [MI_SINGLE] = 4, [MI_DOUBLE] = 8, [MI_INT64] = 8,  [MI_UINT64] = 8};
    return type < 14 ? size[type] : 0;
}

/* A data element's tag as Mat_VarReadNumeric5 reads it: its type and
 * length, with the data in the tag when the upper half is not zero. */
static bool data_tag(mat_walk *w, mat_src *s, uint64_t end, uint32_t *type, uint32_t *nbytes)
{
    uint32_t t;
    if (!src_words(w, s, &t, 1, end))
        return false;
    if (t >> 16) {
        *type = t & 0xffff;
        *nbytes = t >> 16;
        if (*nbytes > 4)
            return damaged(w, "a small data element of %u bytes", *nbytes);
        return src_read(w, s, NULL, 4, end);
    }
    *type = t;
    if (!src_words(w, s, nbytes, 1, end))
        return false;
    if (*nbytes > end - src_pos(s))
        return damaged(w, "data of %u bytes where %llu remain", *nbytes,
                       (unsigned long long)(end - src_pos(s)));
    return true;
}

/* matio allocates the values the dimensions claim before it reads them
 * from the data element: there must be no more than it holds. */
static bool data_claim(mat_walk *w, mat_src *s, uint64_t end, const mat_hdr *h, const char *name)
{
    if (h->rank == 0)
        return true; /* matio reads no data */
    if (!h->nelems_ok)
        return damaged(w, "dimensions whose product overflows");
    uint32_t type, nbytes;
    if (!data_tag(w, s, end, &type, &nbytes))
        return false;
    uint64_t size = type_size(type);
    if (!size)
        return damaged(w, "numeric data of type %u", type);
    if (h->nelems > nbytes / size) {
        if (name)
            td_err_set(w->err, TD_EVALUE, "%s: variable '%s' claims %llu values but its data holds %llu",
                       w->path, name, (unsigned long long)h->nelems, (unsigned long long)(nbytes / size));
        else
            damaged(w, "an array claims %llu values but its data holds %llu", (unsigned long long)h->nelems,
                    (unsigned long long)(nbytes / size));
        return false;
    }
    return true;
}

/* One of a sparse array's index elements as ReadSparse reads them. */
static bool sparse_index(mat_walk *w, mat_src *s, uint64_t end)
{
    uint32_t t, n;
    if (!src_words(w, s, &t, 1, end))
        return false;
    bool in_tag = t >> 16 != 0;
    if (in_tag)
        n = t >> 16;
    else if (!src_words(w, s, &n, 1, end))
        return false;
    if (n == 0)
        return true;
    uint64_t size = type_size(in_tag ? t & 0xffff : t);
    if (!size)
        return damaged(w, "sparse indices of type %u", in_tag ? t & 0xffff : t);
    if (n > end - src_pos(s))
        return damaged(w, "sparse indices of %u bytes where %llu remain", n,
                       (unsigned long long)(end - src_pos(s)));
    uint64_t read = n / 4 * size + (in_tag ? 4 : 0);
    return charge(w, n) && src_read(w, s, NULL, read - (in_tag ? 4 : 0) + (8 - read % 8) % 8, end);
}

/* Mat_VarRead5 of a small compressed cell or field while matio reads the
 * headers; *kept_data tells whether it holds data afterwards (else matio
 * keeps its inflate state). */
static bool eager_read(mat_walk *w, mat_src *s, uint64_t end, const mat_hdr *h, bool *kept_data)
{
    *kept_data = false;
    if (h->rank == 0)
        return true;
    uint64_t size = class_size(h->cls);
    uint32_t type, nbytes;
    if (size) {
        if (!h->nelems_ok)
            return damaged(w, "dimensions whose product overflows");
        if (!charge(w, mul_sat(h->nelems, size * (h->complex ? 2 : 1))) || !data_claim(w, s, end, h, NULL))
            return false;
        *kept_data = true;
    } else if (h->cls == MX_CHAR) {
        if (h->complex)
            return true;
        if (!data_tag(w, s, end, &type, &nbytes) || !charge(w, nbytes ? nbytes : 1))
            return false;
        *kept_data = true;
    } else if (h->cls == MX_SPARSE) {
        if (!charge(w, 64) || !sparse_index(w, s, end) || !sparse_index(w, s, end) ||
            !data_tag(w, s, end, &type, &nbytes) || !charge(w, (uint64_t)nbytes * 16))
            return false;
        *kept_data = true;
    } else if (h->cls == MX_EMPTY) {
        return charge(w, 16);
    }
    return true;
}

static bool walk_children(mat_walk *w, mat_src *s, uint64_t end, int depth, const mat_hdr *h);

/* A cell's or a struct field's array, from after its tag to end. */
static bool walk_member(mat_walk *w, mat_src *s, uint64_t end, int ctx, int depth)
{
    mat_hdr h;
    if (!array_head(w, s, end, ctx, &h))
        return false;
    if (s->zmode && h.cls != MX_OPAQUE) {
        /* matio skips the rest with an int count */
        if (end - src_pos(s) > INT_MAX)
            return damaged(w, "a compressed cell or field of more than 2 GiB");
        bool kept_data = false;
        if (h.cls == MX_STRUCT || h.cls == MX_CELL) {
            if (!walk_children(w, s, end, depth, &h))
                return false;
            kept_data = true;
        } else if (end - src_pos(s) <= MAT_EAGER && !eager_read(w, s, end, &h, &kept_data)) {
            return false;
        }
        if (!kept_data && !charge(w, MAT_Z_COST))
            return false;
    } else if (!s->zmode && (h.cls == MX_STRUCT || h.cls == MX_CELL) &&
               !walk_children(w, s, end, depth, &h)) {
        return false;
    }
    return src_read(w, s, NULL, end - src_pos(s), end);
}

/* A cell or a struct field: its tag, then its array (none when empty). */
static bool walk_part(mat_walk *w, mat_src *s, uint64_t end, int ctx, int depth)
{
    uint32_t t[2];
    if (!src_words(w, s, t, 2, end))
        return false;
    const char *what = ctx == CTX_CELL ? "a cell" : "a struct field";
    /* matio takes an empty cell of any type, an empty field only as a matrix */
    if (t[1] == 0 && (ctx == CTX_CELL || t[0] == MI_MATRIX))
        return true;
    if (t[0] != MI_MATRIX)
        return damaged(w, "%s of type %u", what, t[0]);
    if (t[1] > end - src_pos(s))
        return damaged(w, "%s of %u bytes where %llu remain", what, t[1],
                       (unsigned long long)(end - src_pos(s)));
    return walk_member(w, s, src_pos(s) + t[1], ctx, depth + 1);
}

static bool walk_cells(mat_walk *w, mat_src *s, uint64_t end, int depth, const mat_hdr *h)
{
    if (!charge(w, mul_sat(h->nelems, 8 + MAT_VAR_COST)))
        return false;
    for (uint64_t i = 0; i < h->nelems; i++)
        if (!walk_part(w, s, end, CTX_CELL, depth))
            return false;
    return true;
}

static bool walk_fields(mat_walk *w, mat_src *s, uint64_t end, int depth, const mat_hdr *h)
{
    uint32_t t[2];
    if (!src_words(w, s, t, 2, end))
        return false;
    if ((t[0] & 0xffff) != MI_INT32 || t[1] == 0)
        return damaged(w, "a struct without the length of its field names");
    uint64_t namelen = t[1], nfields = 0;
    if (!src_words(w, s, t, 2, end))
        return false;
    if (t[0] == MI_INT8) {
        nfields = t[1] / namelen;
        if (nfields) {
            uint64_t bytes = nfields * namelen;
            if (!charge(w, bytes + 8 + nfields * (8 + namelen)) ||
                !src_read(w, s, NULL, bytes + (8 - bytes % 8) % 8, end))
                return false;
        }
    } else if ((t[0] & 0xffff) == MI_INT8 && t[0] >> 16 >= 1 && t[0] >> 16 <= 4) {
        nfields = (t[0] >> 16) / namelen;
        if (!charge(w, nfields * (8 + namelen)))
            return false;
    }
    uint64_t count;
    if (__builtin_mul_overflow(h->nelems, nfields, &count) || count > SIZE_MAX / 8)
        return damaged(w, "a struct whose fields overflow");
    if (count == 0)
        return true;
    /* matio allocates every field, with a copy of its name, before reading one */
    if (!charge(w, mul_sat(count, 8 + MAT_VAR_COST + namelen)))
        return false;
    for (uint64_t i = 0; i < count; i++)
        if (!walk_part(w, s, end, CTX_FIELD, depth))
            return false;
    return true;
}

static bool walk_children(mat_walk *w, mat_src *s, uint64_t end, int depth, const mat_hdr *h)
{
    if (depth >= MAT_MAX_DEPTH)
        return damaged(w, "arrays nested more than %d deep", MAT_MAX_DEPTH);
    if (!h->nelems_ok)
        return damaged(w, "dimensions whose product overflows");
    if (h->cls == MX_CELL)
        return walk_cells(w, s, end, depth, h);
    return walk_fields(w, s, end, depth, h);
}

/* A variable's array, plain or inflated, from after its tag to end. */
static bool walk_top_array(mat_walk *w, mat_src *s, uint64_t end, bool *matched)
{
    mat_hdr h;
    if (!array_head(w, s, end, CTX_TOP, &h))
        return false;
    if (s->zmode && h.cls == MX_OPAQUE)
        return true;
    if (!s->zmode && h.cls == MX_FUNCTION) {
        /* matio reads a function handle's parts as whole variables, and
         * Mat_VarFree frees none of them (found by fuzz/fuzz_mat: a leak) */
        td_err_set(w->err, TD_EVALUE,
                   "%s: the variable at byte %llu is a function handle, which matio cannot read", w->path,
                   (unsigned long long)w->at);
        return false;
    }
    if ((h.cls == MX_STRUCT || h.cls == MX_CELL) && !walk_children(w, s, end, 0, &h))
        return false;
    if (!h.named)
        return true;
    *matched = true;
    return !class_size(h.cls) || data_claim(w, s, end, &h, w->var);
}

/* A compressed variable of n bytes: what it inflates to is read as matio
 * reads a variable, without inflating more than the headers need. */
static bool walk_inflated(mat_walk *w, mat_src *z, uint64_t n, bool *matched)
{
    uint64_t cap = mul_sat(n, MAT_MAX_RATIO);
    uint32_t t[2];
    if (!src_words(w, z, t, 2, cap))
        return false;
    if (t[0] != MI_MATRIX)
        return damaged(w, "a compressed variable of type %u", t[0]);
    if (t[1] > cap - 8)
        return damaged(w, "%llu compressed bytes claim %u bytes once inflated, more than deflate can produce",
                       (unsigned long long)n, t[1]);
    return walk_top_array(w, z, 8 + (uint64_t)t[1], matched);
}

/* A variable at s's position (a plain source); s moves past it, where matio
 * seeks to. matio frees each variable that is not the one sought before it
 * reads the next. */
static bool walk_top(mat_walk *w, mat_src *s, uint64_t end, bool *matched)
{
    w->at = s->pos;
    w->cost = 0;
    uint32_t t[2];
    if (!src_words(w, s, t, 2, end))
        return false;
    if (t[1] > UINT32_MAX - 8 || t[1] > end - s->pos)
        return damaged(w, "a variable of %u bytes where %llu remain", t[1],
                       (unsigned long long)(end - s->pos));
    uint64_t vend = s->pos + t[1];
    if (t[0] == MI_MATRIX) {
        if (!walk_top_array(w, s, vend, matched))
            return false;
    } else if (t[0] == MI_COMPRESSED) {
        mat_src z = {.b = s->b, .zmode = true};
        z.z.next_in = s->b + s->pos;
        z.z.avail_in = t[1];
        if (inflateInit(&z.z) != Z_OK) {
            td_err_set(w->err, TD_EMEMORY, "%s: cannot start inflating a compressed variable", w->path);
            return false;
        }
        bool ok = charge(w, MAT_Z_COST) && walk_inflated(w, &z, t[1], matched);
        inflateEnd(&z.z);
        if (!ok)
            return false;
    } else {
        return damaged(w, "a variable of type %u", t[0]);
    }
    s->pos = vend;
    return true;
}

/* Version 4: a chain of records, each header's sizes fitting what follows
 * (matio allocates the name length and the dimensions they claim). */
static bool v4_records_fit(const unsigned char *b, size_t len)
{
    static const uint64_t elsize[6] = {8, 4, 4, 2, 2, 1};
    size_t off = 0;
    do {
        if (len - off < 20)
            return false;
        const unsigned char *h = b + off;
        bool big = mat_u32(h, false) > 4052;
        uint32_t type = mat_u32(h, big), rows = mat_u32(h + 4, big), cols = mat_u32(h + 8, big);
        uint32_t imag = mat_u32(h + 12, big), namelen = mat_u32(h + 16, big);
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

int mat_check_bytes(const unsigned char *b, size_t len, const char *path, const char *var, td_err *err)
{
    if (len < 128 || (memcmp(b + 126, "IM", 2) != 0 && memcmp(b + 126, "MI", 2) != 0)) {
        if (!v4_records_fit(b, len))
            return td_err_set(err, TD_EVALUE, "%s: not a MATLAB .mat file matio can read", path);
        return 0;
    }
    bool big = b[126] == 'M';
    uint16_t version = big ? (uint16_t)(b[124] << 8 | b[125]) : (uint16_t)(b[124] | b[125] << 8);
    if (version == 0x0200)
        return 0; /* 7.3: an HDF5 file, which HDF5 reads */
    if (version != 0x0100)
        return td_err_set(err, TD_EVALUE, "%s: not a MATLAB .mat file matio can read", path);
    mat_walk w = {.path = path, .var = var, .big = big, .budget = td_mem_budget(), .err = err};
    mat_src s = {.b = b, .pos = 128};
    bool matched = false;
    while (s.pos < len && !matched)
        if (!walk_top(&w, &s, len, &matched))
            return -1;
    return 0;
}

int mat_check_file(const char *path, const char *var, td_err *err)
{
    void *bytes;
    size_t len;
    if (io_read_file(path, 0, &bytes, &len, err) < 0)
        return -1;
    int rc = mat_check_bytes(bytes, len, path, var, err);
    td_scratch_free(bytes);
    return rc;
}

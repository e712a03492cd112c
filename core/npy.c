/* NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * The header is a Python dict literal that numpy reads with
 * ast.literal_eval. Files come from anywhere, so instead of evaluating
 * anything we accept only the small grammar numpy itself writes: a dict of
 * the three keys 'descr' (a simple dtype string), 'fortran_order' (True or
 * False) and 'shape' (a tuple of non-negative integers), in any order, with
 * optional trailing commas and whitespace. Every size read from a file is
 * checked against the file's length before anything is allocated. */
#include "config.h"

#include "thunder/npy.h"

#include "io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC     "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy itself refuses headers over 10000 bytes by default; we allow more
 * but still bound what an untrusted file can make us read and parse. */
#define NPY_MAX_HEADER (1u << 20)
#define NPY_ALIGN      64
/* numpy 1.24 leaves room after the dict so the first axis can grow in
 * place: len(str(8 * 2**64 - 1)) digits in all. */
#define NPY_GROWTH_DIGITS 21
#define NPY_DESCR_MAX     32

typedef struct npy_header {
    td_dtype dtype;
    bool swap; /* file byte order differs from the host's */
    bool fortran;
    int ndim;
    int64_t shape[ND_MAXDIM];
    size_t data_off; /* where the data starts */
    size_t nbytes;   /* bytes of data the shape needs */
} npy_header;

static bool host_is_little(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* --- dtype descriptors -------------------------------------------------- */

static const struct {
    char kind;
    int size;
    td_dtype dtype;
} simple_types[] = {
    {'b', 1, TD_BOOL},   {'i', 1, TD_INT8},    {'u', 1, TD_UINT8},   {'i', 2, TD_INT16},
    {'u', 2, TD_UINT16}, {'i', 4, TD_INT32},   {'u', 4, TD_UINT32},  {'i', 8, TD_INT64},
    {'u', 8, TD_UINT64}, {'f', 4, TD_FLOAT32}, {'f', 8, TD_FLOAT64},
};

/* Why a descriptor thunder cannot hold is refused, or NULL when there is
 * no more specific reason than "unsupported". */
static const char *unsupported_reason(char kind, int size)
{
    switch (kind) {
    case 'O': return "object arrays are not supported";
    case 'S':
    case 'a':
    case 'U': return "string arrays are not supported";
    case 'V': return "void and structured arrays are not supported";
    case 'c': return "complex arrays are not supported";
    case 'M':
    case 'm': return "datetime and timedelta arrays are not supported";
    case 'e': return "float16 arrays are not supported";
    case 'g': return "long double arrays are not supported";
    case 'f':
        if (size == 2)
            return "float16 arrays are not supported";
        if (size > 8)
            return "long double arrays are not supported";
        return NULL;
    default: return NULL;
    }
}

/* Maps an array-protocol string such as '<f8' or '|b1' to a dtype and
 * whether its bytes need swapping on this host. */
static int descr_to_dtype(const char *descr, const char *name, npy_header *h, td_err *err)
{
    const char *s = descr;
    char order = '=';
    if (*s == '<' || *s == '>' || *s == '|' || *s == '=')
        order = *s++;
    char kind = *s;
    int size = 0;
    bool digits_ok = kind != '\0' && s[1] != '\0';
    for (const char *d = s + 1; kind && *d; d++) {
        if (*d < '0' || *d > '9' || size > 1000) {
            digits_ok = false;
            break;
        }
        size = size * 10 + (*d - '0');
    }
    if (kind == '?' && s[1] == '\0') {
        kind = 'b';
        size = 1;
        digits_ok = true;
    }
    if (digits_ok) {
        for (size_t i = 0; i < sizeof simple_types / sizeof simple_types[0]; i++) {
            if (simple_types[i].kind == kind && simple_types[i].size == size) {
                h->dtype = simple_types[i].dtype;
                bool little = order == '<' || ((order == '|' || order == '=') && host_is_little());
                h->swap = size > 1 && little != host_is_little();
                return 0;
            }
        }
    }
    const char *why = unsupported_reason(kind, digits_ok ? size : 0);
    if (why)
        return td_err_set(err, TD_ETYPE, "%s: unsupported dtype '%s' (%s)", name, descr, why);
    return td_err_set(err, TD_ETYPE,
                      "%s: unsupported dtype '%s' (thunder reads bool, int8 to int64, uint8 to uint64, "
                      "float32 and float64)",
                      name, descr);
}

/* --- the header dict ---------------------------------------------------- */

typedef struct dict_parser {
    const char *text; /* the header, not NUL-terminated */
    size_t len, pos;
    const char *name;
    bool allow_long_suffix; /* Python 2 wrote 3L; numpy accepts it in 1.0/2.0 files */
    td_err *err;
} dict_parser;

static int syntax_error(dict_parser *p, const char *what)
{
    return td_err_set(p->err, TD_EVALUE, "%s: cannot parse the .npy header: %s at header byte %zu", p->name,
                      what, p->pos);
}

static void skip_space(dict_parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            break;
        p->pos++;
    }
}

static int peek(dict_parser *p)
{
    skip_space(p);
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static int expect(dict_parser *p, char c)
{
    if (peek(p) != (unsigned char)c) {
        char what[32];
        snprintf(what, sizeof what, "expected '%c'", c);
        return syntax_error(p, what);
    }
    p->pos++;
    return 0;
}

/* A quoted string without escapes into out (printable ASCII only, short:
 * nothing numpy writes for a supported header needs more). */
static int parse_string(dict_parser *p, char *out, size_t cap)
{
    int q = peek(p);
    if (q != '\'' && q != '"')
        return syntax_error(p, "expected a string");
    p->pos++;
    size_t n = 0;
    for (;;) {
        if (p->pos >= p->len)
            return syntax_error(p, "unterminated string");
        char c = p->text[p->pos];
        if (c == q)
            break;
        if (c == '\\' || c < 0x20 || c > 0x7e)
            return syntax_error(p, "unexpected character in a string");
        if (n + 1 >= cap)
            return syntax_error(p, "string too long");
        out[n++] = c;
        p->pos++;
    }
    out[n] = '\0';
    p->pos++;
    return 0;
}

static bool is_ident_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int parse_bool(dict_parser *p, bool *out)
{
    skip_space(p);
    size_t start = p->pos;
    while (p->pos < p->len && is_ident_char((unsigned char)p->text[p->pos]))
        p->pos++;
    size_t n = p->pos - start;
    if (n == 4 && memcmp(p->text + start, "True", 4) == 0)
        *out = true;
    else if (n == 5 && memcmp(p->text + start, "False", 5) == 0)
        *out = false;
    else {
        p->pos = start;
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: fortran_order is not True or False",
                          p->name);
    }
    return 0;
}

/* One dimension: a decimal integer, which must be non-negative and fit in
 * int64. Signs, underscores and other bases are not what numpy writes. */
static int parse_dim(dict_parser *p, int64_t *out)
{
    int c = peek(p);
    if (c == '-')
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: negative dimension in shape", p->name);
    if (c < '0' || c > '9')
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: shape is not a tuple of integers",
                          p->name);
    uint64_t v = 0;
    size_t start = p->pos;
    bool too_big = false;
    while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
        unsigned d = (unsigned)(p->text[p->pos] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            too_big = true;
        else
            v = v * 10 + d;
        p->pos++;
    }
    if (p->text[start] == '0' && p->pos - start > 1)
        return syntax_error(p, "integer with a leading zero");
    if (p->allow_long_suffix && p->pos < p->len && p->text[p->pos] == 'L')
        p->pos++;
    if (p->pos < p->len && (is_ident_char((unsigned char)p->text[p->pos]) || p->text[p->pos] == '.'))
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: shape is not a tuple of integers",
                          p->name);
    if (too_big)
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: dimension in shape is too large",
                          p->name);
    *out = (int64_t)v;
    return 0;
}

/* (), (n,), (n, m), (n, m,) */
static int parse_shape(dict_parser *p, npy_header *h)
{
    if (peek(p) != '(')
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: shape is not a tuple", p->name);
    p->pos++;
    h->ndim = 0;
    if (peek(p) == ')') {
        p->pos++;
        return 0;
    }
    for (;;) {
        if (h->ndim == ND_MAXDIM)
            return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: more than %d dimensions", p->name,
                              ND_MAXDIM);
        if (parse_dim(p, &h->shape[h->ndim]) < 0)
            return -1;
        h->ndim++;
        int c = peek(p);
        if (c == ')') {
            /* (3) is an integer in parentheses, not a tuple. */
            if (h->ndim == 1)
                return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: shape is not a tuple",
                                  p->name);
            p->pos++;
            return 0;
        }
        if (c != ',')
            return syntax_error(p, "expected ',' or ')' in shape");
        p->pos++;
        if (peek(p) == ')') {
            p->pos++;
            return 0;
        }
    }
}

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4 };

static int parse_dict(dict_parser *p, npy_header *h, char *descr)
{
    if (p->len > 0 && p->text[0] != '{')
        return syntax_error(p, "the header is not a dict");
    if (expect(p, '{') < 0)
        return -1;
    unsigned seen = 0;
    while (peek(p) != '}') {
        char key[32];
        if (parse_string(p, key, sizeof key) < 0 || expect(p, ':') < 0)
            return -1;
        unsigned bit;
        if (strcmp(key, "descr") == 0)
            bit = KEY_DESCR;
        else if (strcmp(key, "fortran_order") == 0)
            bit = KEY_FORTRAN;
        else if (strcmp(key, "shape") == 0)
            bit = KEY_SHAPE;
        else
            return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: unexpected key '%s'", p->name,
                              key);
        if (seen & bit)
            return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: duplicate key '%s'", p->name, key);
        seen |= bit;
        if (bit == KEY_DESCR) {
            int c = peek(p);
            if (c == '[')
                return td_err_set(p->err, TD_ETYPE,
                                  "%s: unsupported dtype (structured arrays are not supported)", p->name);
            if (c != '\'' && c != '"')
                return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: descr is not a dtype string",
                                  p->name);
            if (parse_string(p, descr, NPY_DESCR_MAX) < 0)
                return -1;
        } else if (bit == KEY_FORTRAN) {
            if (parse_bool(p, &h->fortran) < 0)
                return -1;
        } else if (parse_shape(p, h) < 0) {
            return -1;
        }
        int c = peek(p);
        if (c == ',')
            p->pos++;
        else if (c != '}')
            return syntax_error(p, "expected ',' or '}'");
    }
    p->pos++;
    if (peek(p) != -1)
        return syntax_error(p, "unexpected text after the dict");
    if (seen != (KEY_DESCR | KEY_FORTRAN | KEY_SHAPE)) {
        const char *missing = !(seen & KEY_DESCR)     ? "descr"
                              : !(seen & KEY_FORTRAN) ? "fortran_order"
                                                      : "shape";
        return td_err_set(p->err, TD_EVALUE, "%s: invalid .npy header: missing key '%s'", p->name, missing);
    }
    return 0;
}

/* --- the fixed part ------------------------------------------------------ */

/* Reads the magic string, version and header length from the first bytes
 * of a file of file_len bytes; sets h->data_off and *hdr_len. */
static int parse_preamble(const uint8_t *b, size_t avail, size_t file_len, const char *name, int *major,
                          size_t *hdr_len, npy_header *h, td_err *err)
{
    if (avail < NPY_MAGIC_LEN + 2) {
        if (avail > 0 && memcmp(b, NPY_MAGIC, avail < NPY_MAGIC_LEN ? avail : NPY_MAGIC_LEN) != 0)
            return td_err_set(err, TD_EVALUE, "%s: not a .npy file (bad magic string)", name);
        return td_err_set(err, TD_EVALUE, "%s: truncated .npy header (%zu bytes)", name, avail);
    }
    if (memcmp(b, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return td_err_set(err, TD_EVALUE, "%s: not a .npy file (bad magic string)", name);
    int maj = b[6], min = b[7];
    if ((maj != 1 && maj != 2 && maj != 3) || min != 0)
        return td_err_set(err, TD_EVALUE,
                          "%s: unsupported .npy format version %d.%d (thunder reads 1.0, 2.0 and 3.0)", name,
                          maj, min);
    size_t lenbytes = maj == 1 ? 2 : 4;
    if (avail < NPY_MAGIC_LEN + 2 + lenbytes)
        return td_err_set(err, TD_EVALUE, "%s: truncated .npy header (%zu bytes)", name, avail);
    size_t hl = (size_t)b[8] | (size_t)b[9] << 8;
    if (lenbytes == 4)
        hl |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    if (hl > NPY_MAX_HEADER)
        return td_err_set(err, TD_EVALUE, "%s: .npy header of %zu bytes is too large (the limit is %u)", name,
                          hl, NPY_MAX_HEADER);
    size_t off = NPY_MAGIC_LEN + 2 + lenbytes + hl;
    if (off > file_len)
        return td_err_set(err, TD_EVALUE,
                          "%s: .npy header length %zu runs past the end of the file (%zu bytes)", name, hl,
                          file_len);
    *major = maj;
    *hdr_len = hl;
    h->data_off = off;
    return 0;
}

/* Parses a whole header held in b[0, h->data_off) and checks that the
 * data fits in a file of file_len bytes. */
static int parse_header(const uint8_t *b, size_t avail, size_t file_len, const char *name, npy_header *h,
                        td_err *err)
{
    memset(h, 0, sizeof *h);
    int major;
    size_t hl;
    if (parse_preamble(b, avail, file_len, name, &major, &hl, h, err) < 0)
        return -1;
    if (avail < h->data_off)
        return td_err_set(err, TD_EVALUE, "%s: truncated .npy header", name);
    dict_parser p = {
        .text = (const char *)b + (h->data_off - hl),
        .len = hl,
        .name = name,
        .allow_long_suffix = major < 3,
        .err = err,
    };
    char descr[NPY_DESCR_MAX] = "";
    if (parse_dict(&p, h, descr) < 0 || descr_to_dtype(descr, name, h, err) < 0)
        return -1;
    if (td_nbytes(h->ndim, h->shape, td_dtype_size(h->dtype), &h->nbytes, err) < 0) {
        /* No file holds such an array, so this is a malformed header
         * rather than a lack of memory. */
        char s[TD_ERRMSG_MAX];
        snprintf(s, sizeof s, "%s", err ? err->msg : "");
        return td_err_set(err, TD_EVALUE, "%s: invalid .npy header: %s", name, s);
    }
    if (h->nbytes > file_len - h->data_off) {
        char s[1024];
        return td_err_set(err, TD_EVALUE,
                          "%s: .npy data too short: shape %s needs %zu bytes, the file has %zu", name,
                          nd_shape_str(h->ndim, h->shape, s, sizeof s), h->nbytes, file_len - h->data_off);
    }
    return 0;
}

/* --- data ----------------------------------------------------------------- */

static void swap_bytes(void *data, size_t itemsize, int64_t n)
{
    char *d = data;
    for (int64_t i = 0; i < n; i++, d += itemsize) {
        if (itemsize == 2) {
            uint16_t v;
            memcpy(&v, d, 2);
            v = __builtin_bswap16(v);
            memcpy(d, &v, 2);
        } else if (itemsize == 4) {
            uint32_t v;
            memcpy(&v, d, 4);
            v = __builtin_bswap32(v);
            memcpy(d, &v, 4);
        } else if (itemsize == 8) {
            uint64_t v;
            memcpy(&v, d, 8);
            v = __builtin_bswap64(v);
            memcpy(d, &v, 8);
        }
    }
}

/* Fortran-ordered src into C-ordered dst: walks dst in order while an
 * odometer tracks the matching position in src. */
static void fortran_to_c(char *dst, const char *src, int ndim, const int64_t *shape, int64_t size, size_t is)
{
    if (size == 0)
        return;
    int64_t fstride[ND_MAXDIM], idx[ND_MAXDIM] = {0};
    int64_t s = 1;
    for (int k = 0; k < ndim; k++) {
        fstride[k] = s;
        s *= shape[k];
    }
    int64_t off = 0;
    for (int64_t i = 0; i < size; i++) {
        memcpy(dst + (size_t)i * is, src + (size_t)off * is, is);
        for (int k = ndim - 1; k >= 0; k--) {
            if (++idx[k] < shape[k]) {
                off += fstride[k];
                break;
            }
            off -= (shape[k] - 1) * fstride[k];
            idx[k] = 0;
        }
    }
}

/* Brings data read in file order to thunder's: native byte order, and
 * bools as 0 or 1 (numpy reads any nonzero byte as True). */
static void fix_up(nd_array *a, const npy_header *h)
{
    if (h->swap)
        swap_bytes(a->data, td_dtype_size(h->dtype), a->size);
    if (h->dtype == TD_BOOL) {
        uint8_t *d = a->data;
        for (int64_t i = 0; i < a->size; i++)
            d[i] = d[i] != 0;
    }
}

/* An array for header h whose data is at src, in file order. */
static nd_array *build_array(const npy_header *h, const void *src, td_err *err)
{
    nd_array *a = nd_new(h->dtype, h->ndim, h->shape, err);
    if (!a)
        return NULL;
    if (h->fortran && h->ndim > 1)
        fortran_to_c(a->data, src, h->ndim, h->shape, a->size, td_dtype_size(h->dtype));
    else if (h->nbytes)
        memcpy(a->data, src, h->nbytes);
    fix_up(a, h);
    return a;
}

nd_array *npy_parse(const void *bytes, size_t len, const char *name, td_err *err)
{
    npy_header h;
    if (!name)
        name = "<memory>";
    if (!bytes && len) {
        td_err_set(err, TD_EVALUE, "%s: no data", name);
        return NULL;
    }
    if (parse_header(bytes, len, len, name, &h, err) < 0)
        return NULL;
    return build_array(&h, (const uint8_t *)bytes + h.data_off, err);
}

/* --- files ---------------------------------------------------------------- */

/* Opens path and reads and checks its header: the descriptor, or -1 with
 * err set. */
static int open_npy(const char *path, npy_header *h, td_err *err)
{
    /* O_NONBLOCK so that opening a FIFO by mistake does not hang; it has
     * no effect on the regular files we go on to read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return io_errno_err(err, path, NULL, errno);
    uint8_t *head = NULL;
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) < 0) {
        io_errno_err(err, path, NULL, errno);
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        io_errno_err(err, path, NULL, EISDIR);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        td_err_set(err, TD_EIO, "%s: not a regular file", path);
        goto out;
    }
    size_t file_len = (size_t)st.st_size;

    /* The fixed part first, then exactly the header it announces (which
     * parse_preamble has bounded by the file size and 1 MiB). */
    uint8_t pre[12];
    size_t npre = file_len < sizeof pre ? file_len : sizeof pre;
    int major;
    size_t hl;
    if (io_pread_all(fd, pre, npre, 0, path, err) < 0 ||
        parse_preamble(pre, npre, file_len, path, &major, &hl, h, err) < 0)
        goto out;
    head = malloc(h->data_off);
    if (!head) {
        td_err_set(err, TD_EMEMORY, "%s: out of memory reading the .npy header", path);
        goto out;
    }
    if (io_pread_all(fd, head, h->data_off, 0, path, err) < 0 ||
        parse_header(head, h->data_off, file_len, path, h, err) < 0)
        goto out;
    rc = 0;
out:
    free(head);
    if (rc < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The whole array of an open file. */
static nd_array *read_all(int fd, const npy_header *h, const char *path, td_err *err)
{
    if (h->fortran && h->ndim > 1) {
        void *scratch = td_scratch_alloc(h->nbytes ? h->nbytes : 1, err);
        nd_array *a = NULL;
        if (scratch && io_pread_all(fd, scratch, h->nbytes, h->data_off, path, err) == 0)
            a = build_array(h, scratch, err);
        td_scratch_free(scratch);
        return a;
    }
    /* C order: read straight into the array, then fix it up in place. */
    nd_array *a = nd_new(h->dtype, h->ndim, h->shape, err);
    if (a && io_pread_all(fd, a->data, h->nbytes, h->data_off, path, err) < 0) {
        nd_release(a);
        return NULL;
    }
    if (a)
        fix_up(a, h);
    return a;
}

nd_array *npy_load(const char *path, td_err *err)
{
    npy_header h;
    int fd = open_npy(path, &h, err);
    if (fd < 0)
        return NULL;
    nd_array *a = read_all(fd, &h, path, err);
    close(fd);
    return a;
}

nd_array *npy_load_part(const char *path, int nlead, int part_index, int part_count, int *ndim,
                        int64_t *shape, td_err *err)
{
    npy_header h;
    int fd = open_npy(path, &h, err);
    if (fd < 0)
        return NULL;
    nd_array *a = NULL;
    *ndim = h.ndim;
    memcpy(shape, h.shape, (size_t)h.ndim * sizeof *shape);
    if (nlead < 0)
        nlead += h.ndim;
    if (nlead < 1 || nlead > h.ndim || part_count < 1 || part_index < 0 || part_index >= part_count) {
        td_err_set(err, TD_EVALUE, "%s: no part %d of %d over %d leading axes of a %d-dimensional array",
                   path, part_index, part_count, nlead, h.ndim);
        goto out;
    }
    int64_t nrec = 1, recsize = 1;
    for (int i = 0; i < h.ndim; i++)
        *(i < nlead ? &nrec : &recsize) *= h.shape[i];
    int64_t first, count;
    io_part_range(nrec, part_index, part_count, &first, &count);
    int64_t pshape[ND_MAXDIM];
    pshape[0] = count;
    for (int i = nlead; i < h.ndim; i++)
        pshape[1 + i - nlead] = h.shape[i];
    int pnd = 1 + h.ndim - nlead;
    size_t is = td_dtype_size(h.dtype);
    if (h.fortran && h.ndim > 1) {
        /* the records are not contiguous in the file: read it whole, keep the part */
        nd_array *all = read_all(fd, &h, path, err);
        if (all)
            a = nd_new(h.dtype, pnd, pshape, err);
        if (a)
            memcpy(a->data, (char *)all->data + (size_t)(first * recsize) * is,
                   (size_t)(count * recsize) * is);
        nd_release(all);
        goto out;
    }
    a = nd_new(h.dtype, pnd, pshape, err);
    if (a && io_pread_all(fd, a->data, (size_t)(count * recsize) * is,
                          h.data_off + (uint64_t)(first * recsize) * is, path, err) < 0) {
        nd_release(a);
        a = NULL;
    }
    if (a)
        fix_up(a, &h);
out:
    close(fd);
    return a;
}

/* --- writing -------------------------------------------------------------- */

static const char *save_descr(td_dtype t)
{
    static const char *const names[TD_NDTYPES] = {"|b1", "|i1", "|u1", "<i2", "<u2", "<i4",
                                                  "<u4", "<i8", "<u8", "<f4", "<f8"};
    return (unsigned)t < TD_NDTYPES ? names[t] : NULL;
}

/* The whole preamble and header as numpy 1.24's np.save writes it, so
 * that our files are byte-identical to numpy's. Returns its length. */
static size_t format_header(const nd_array *a, char *out, size_t cap)
{
    char dict[1200];
    size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                                save_descr(a->dtype));
    for (int i = 0; i < a->ndim; i++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", a->ndim == 1 ? "," : "");
    if (a->ndim > 0) {
        char first[24];
        int digits = snprintf(first, sizeof first, "%lld", (long long)a->shape[0]);
        for (int i = digits; i < NPY_GROWTH_DIGITS; i++)
            dict[n++] = ' ';
    }
    size_t hlen = n + 1; /* with the final newline */
    size_t lenbytes = 2;
    size_t pad = NPY_ALIGN - (NPY_MAGIC_LEN + 2 + lenbytes + hlen) % NPY_ALIGN;
    int major = 1;
    if (hlen + pad > 65535) {
        lenbytes = 4;
        pad = NPY_ALIGN - (NPY_MAGIC_LEN + 2 + lenbytes + hlen) % NPY_ALIGN;
        major = 2;
    }
    size_t total = hlen + pad;
    size_t o = 0;
    if (NPY_MAGIC_LEN + 2 + lenbytes + total > cap)
        return 0;
    memcpy(out, NPY_MAGIC, NPY_MAGIC_LEN);
    o = NPY_MAGIC_LEN;
    out[o++] = (char)major;
    out[o++] = 0;
    for (size_t i = 0; i < lenbytes; i++)
        out[o++] = (char)(total >> (8 * i) & 0xff);
    memcpy(out + o, dict, n);
    o += n;
    memset(out + o, ' ', pad);
    o += pad;
    out[o++] = '\n';
    return o;
}

static int write_data(int fd, const nd_array *a, const char *path, td_err *err)
{
    size_t is = nd_itemsize(a), total = nd_nbytes(a);
    if (host_is_little() || is == 1)
        return io_write_all(fd, a->data, total, path, err);
    /* Big-endian host: the file is little-endian, so swap a chunk at a time. */
    char chunk[1 << 16];
    for (size_t done = 0; done < total;) {
        size_t n = total - done < sizeof chunk ? total - done : sizeof chunk;
        memcpy(chunk, (const char *)a->data + done, n);
        swap_bytes(chunk, is, (int64_t)(n / is));
        if (io_write_all(fd, chunk, n, path, err) < 0)
            return -1;
        done += n;
    }
    return 0;
}

/* Makes the rename durable; a failure here leaves a complete file in
 * place, so it is not reported. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(dir);
}

int npy_save(const char *path, const nd_array *a, td_err *err)
{
    static atomic_uint counter;
    if (!a || !save_descr(a->dtype) || a->ndim < 0 || a->ndim > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "%s: not a valid array to save", path);
    char header[2048];
    size_t hn = format_header(a, header, sizeof header);
    if (hn == 0)
        return td_err_set(err, TD_EVALUE, "%s: .npy header too long", path);

    /* The temporary file lives beside the target so that rename() is
     * atomic; O_EXCL with a fresh name keeps concurrent saves apart, and
     * mode 0666 lets the umask give the permissions np.save would. */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 64);
    if (!tmp)
        return td_err_set(err, TD_EMEMORY, "%s: out of memory", path);
    int fd = -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(tmp, plen + 64, "%s.%ld.%u.tmp", path, (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            break;
    }
    if (fd < 0) {
        io_errno_err(err, path, "could not create a temporary file", errno);
        free(tmp);
        return -1;
    }
    if (io_write_all(fd, header, hn, path, err) < 0 || write_data(fd, a, path, err) < 0)
        goto fail;
    if (fsync(fd) < 0) {
        io_errno_err(err, path, "could not write", errno);
        goto fail;
    }
    int rc = close(fd);
    fd = -1;
    if (rc < 0) {
        io_errno_err(err, path, "could not write", errno);
        goto fail;
    }
    if (rename(tmp, path) < 0) {
        io_errno_err(err, path, "could not replace the file", errno);
        goto fail;
    }
    free(tmp);
    sync_parent_dir(path);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

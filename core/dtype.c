/* numpy's dtypes: sizes, names, parsing of numpy's spellings, and numpy
 * 1.24's promotion rules (np.promote_types and the legacy value-based
 * casting of Python scalars). */
#include "thunder/dtype.h"

#include <math.h>
#include <string.h>

typedef struct dtype_info {
    const char *name;
    size_t size;
    char kind;
} dtype_info;

static const dtype_info infos[TD_NDTYPES] = {
    [TD_BOOL] = {"bool", 1, 'b'},       [TD_INT8] = {"int8", 1, 'i'},       [TD_UINT8] = {"uint8", 1, 'u'},
    [TD_INT16] = {"int16", 2, 'i'},     [TD_UINT16] = {"uint16", 2, 'u'},   [TD_INT32] = {"int32", 4, 'i'},
    [TD_UINT32] = {"uint32", 4, 'u'},   [TD_INT64] = {"int64", 8, 'i'},     [TD_UINT64] = {"uint64", 8, 'u'},
    [TD_FLOAT32] = {"float32", 4, 'f'}, [TD_FLOAT64] = {"float64", 8, 'f'},
};

static bool valid(td_dtype t)
{
    return (unsigned)t < TD_NDTYPES;
}

size_t td_dtype_size(td_dtype t)
{
    return valid(t) ? infos[t].size : 0;
}

const char *td_dtype_name(td_dtype t)
{
    return valid(t) ? infos[t].name : "unknown";
}

char td_dtype_kind(td_dtype t)
{
    return valid(t) ? infos[t].kind : '?';
}

bool td_dtype_is_bool(td_dtype t)
{
    return t == TD_BOOL;
}

bool td_dtype_is_int(td_dtype t)
{
    return td_dtype_is_signed(t) || td_dtype_is_unsigned(t);
}

bool td_dtype_is_signed(td_dtype t)
{
    return td_dtype_kind(t) == 'i';
}

bool td_dtype_is_unsigned(td_dtype t)
{
    return td_dtype_kind(t) == 'u';
}

bool td_dtype_is_float(td_dtype t)
{
    return td_dtype_kind(t) == 'f';
}

/* ---- parsing ------------------------------------------------------------ */

/* The dtype with numpy's kind letter and item size, as in "i2". */
static int by_kind_size(char kind, long size, td_dtype *out)
{
    for (int t = 0; t < TD_NDTYPES; t++)
        if (infos[t].kind == kind && (long)infos[t].size == size) {
            *out = (td_dtype)t;
            return 0;
        }
    return -1;
}

typedef struct named {
    const char *text;
    int dtype; /* a td_dtype, or -1: a numpy type thunder does not have */
} named;

/* numpy's names (np.dtype accepts exactly these spellings, case-sensitive).
 * The C-style names map as on x86-64 Linux, where numpy's long is 64 bits. */
static const named names[] = {
    {"bool", TD_BOOL},
    {"bool_", TD_BOOL},
    {"bool8", TD_BOOL},
    {"int8", TD_INT8},
    {"uint8", TD_UINT8},
    {"int16", TD_INT16},
    {"uint16", TD_UINT16},
    {"int32", TD_INT32},
    {"uint32", TD_UINT32},
    {"int64", TD_INT64},
    {"uint64", TD_UINT64},
    {"float32", TD_FLOAT32},
    {"float64", TD_FLOAT64},
    {"float", TD_FLOAT64},
    {"float_", TD_FLOAT64},
    {"double", TD_FLOAT64},
    {"single", TD_FLOAT32},
    {"int", TD_INT64},
    {"int_", TD_INT64},
    {"int0", TD_INT64},
    {"intp", TD_INT64},
    {"uint", TD_UINT64},
    {"uint0", TD_UINT64},
    {"uintp", TD_UINT64},
    {"byte", TD_INT8},
    {"ubyte", TD_UINT8},
    {"short", TD_INT16},
    {"ushort", TD_UINT16},
    {"intc", TD_INT32},
    {"uintc", TD_UINT32},
    {"long", TD_INT64},
    {"ulong", TD_UINT64},
    {"longlong", TD_INT64},
    {"ulonglong", TD_UINT64},
    {"half", -1},
    {"float16", -1},
    {"longdouble", -1},
    {"longfloat", -1},
    {"float128", -1},
    {"complex", -1},
    {"complex64", -1},
    {"complex128", -1},
    {"complex256", -1},
    {"csingle", -1},
    {"cdouble", -1},
    {"cfloat", -1},
    {"clongdouble", -1},
    {"object", -1},
    {"object_", -1},
    {"str", -1},
    {"str_", -1},
    {"unicode", -1},
    {"bytes", -1},
    {"bytes_", -1},
    {"string_", -1},
    {"void", -1},
    {"datetime64", -1},
    {"timedelta64", -1},
};

/* numpy's one-letter type codes. */
static const named codes[] = {
    {"?", TD_BOOL},   {"b", TD_INT8},   {"B", TD_UINT8},  {"h", TD_INT16},   {"H", TD_UINT16},
    {"i", TD_INT32},  {"I", TD_UINT32}, {"l", TD_INT64},  {"L", TD_UINT64},  {"q", TD_INT64},
    {"Q", TD_UINT64}, {"p", TD_INT64},  {"P", TD_UINT64}, {"f", TD_FLOAT32}, {"d", TD_FLOAT64},
    {"e", -1},        {"g", -1},        {"F", -1},        {"D", -1},         {"G", -1},
    {"O", -1},        {"U", -1},        {"S", -1},        {"a", -1},         {"V", -1},
    {"M", -1},        {"m", -1},
};

static int not_understood(const char *text, td_err *err)
{
    return td_err_set(err, TD_ETYPE, "data type '%.200s' not understood", text);
}

static int unsupported(const char *text, td_err *err)
{
    return td_err_set(err, TD_ETYPE,
                      "data type '%.200s' is not supported: thunder arrays are bool, int8, uint8, int16, "
                      "uint16, int32, uint32, int64, uint64, float32 or float64",
                      text);
}

static int lookup(const named *table, size_t n, const char *s, int *dtype)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].text, s) == 0) {
            *dtype = table[i].dtype;
            return 0;
        }
    return -1;
}

/* "<kind letter><item size>" as in the array protocol: 0 found (dtype -1
 * for numpy types thunder lacks), -1 not a valid code. */
static int parse_typestr(const char *s, int *dtype)
{
    char kind = s[0];
    const char *p = s + 1;
    if (!kind || *p < '0' || *p > '9')
        return -1;
    long size = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        size = size * 10 + (*p - '0');
        if (size > 1000000)
            return -1;
    }
    if (*p)
        return -1;
    td_dtype t;
    switch (kind) {
    case 'b':
        if (size != 1)
            return -1;
        *dtype = TD_BOOL;
        return 0;
    case 'i':
    case 'u':
        if (by_kind_size(kind, size, &t) < 0)
            return -1;
        *dtype = t;
        return 0;
    case 'f':
        if (size == 2 || size == 16) { /* float16, longdouble */
            *dtype = -1;
            return 0;
        }
        if (by_kind_size('f', size, &t) < 0)
            return -1;
        *dtype = t;
        return 0;
    case 'c':
        if (size != 8 && size != 16 && size != 32)
            return -1;
        *dtype = -1;
        return 0;
    case 'M':
    case 'm':
        if (size != 8)
            return -1;
        *dtype = -1;
        return 0;
    case 'U':
    case 'S':
    case 'a':
    case 'V': *dtype = -1; return 0;
    default: return -1;
    }
}

int td_dtype_parse(const char *text, td_dtype *out, td_err *err)
{
    if (!text)
        return td_err_set(err, TD_ETYPE, "data type not understood");
    int dtype;
    if (lookup(names, sizeof names / sizeof names[0], text, &dtype) == 0) {
        if (dtype < 0)
            return unsupported(text, err);
        *out = (td_dtype)dtype;
        return 0;
    }
    /* Byte-order marks apply only to codes, not to names ("<int8" is an error in numpy too). */
    const char *s = text;
    char order = 0;
    if (*s == '<' || *s == '>' || *s == '=' || *s == '|')
        order = *s++;
    if (lookup(codes, sizeof codes / sizeof codes[0], s, &dtype) < 0 && parse_typestr(s, &dtype) < 0)
        return not_understood(text, err);
    if (dtype < 0)
        return unsupported(text, err);
    /* One-byte types have no byte order, so numpy ignores the mark on them. */
    if (order == '>' && td_dtype_size((td_dtype)dtype) > 1)
        return td_err_set(err, TD_ETYPE,
                          "data type '%.200s' is big-endian: thunder arrays are native little-endian "
                          "(npy files are converted when read)",
                          text);
    *out = (td_dtype)dtype;
    return 0;
}

/* ---- promotion ----------------------------------------------------------- */

static td_dtype signed_of_size(size_t size)
{
    switch (size) {
    case 1: return TD_INT8;
    case 2: return TD_INT16;
    case 4: return TD_INT32;
    default: return TD_INT64;
    }
}

/* The smallest float that holds every value of an integer of `size` bytes
 * as numpy sees it (int8 -> float16, int16 -> float32, wider -> float64),
 * with float16 answered as float32. */
static td_dtype float_for_int(size_t size)
{
    return size <= 2 ? TD_FLOAT32 : TD_FLOAT64;
}

td_dtype td_promote(td_dtype a, td_dtype b)
{
    if (a == b || b == TD_BOOL)
        return a;
    if (a == TD_BOOL)
        return b;
    size_t sa = td_dtype_size(a), sb = td_dtype_size(b);
    char ka = td_dtype_kind(a), kb = td_dtype_kind(b);
    if (ka == 'f' || kb == 'f') {
        if (ka == 'f' && kb == 'f')
            return sa >= sb ? a : b;
        td_dtype f = ka == 'f' ? a : b;
        size_t isize = ka == 'f' ? sb : sa;
        td_dtype need = float_for_int(isize);
        return td_dtype_size(need) > td_dtype_size(f) ? need : f;
    }
    if (ka == kb)
        return sa >= sb ? a : b;
    /* One signed, one unsigned: a signed type strictly wider than the unsigned one. */
    size_t ss = ka == 'i' ? sa : sb, us = ka == 'u' ? sa : sb;
    if (ss > us)
        return ka == 'i' ? a : b;
    if (us >= 8)
        return TD_FLOAT64; /* no integer holds both int64 and uint64 */
    return signed_of_size(us * 2);
}

/* The category numpy compares for value-based casting: bool < integer < float. */
static int category(char kind)
{
    return kind == 'b' ? 0 : kind == 'f' ? 2 : 1;
}

/* np.min_scalar_type of a Python int; *small_unsigned tells that a
 * non-negative value also fits the signed type of the same size. */
static td_dtype min_int_type(int64_t v, bool *small_unsigned)
{
    *small_unsigned = false;
    if (v < 0) {
        if (v >= INT8_MIN)
            return TD_INT8;
        if (v >= INT16_MIN)
            return TD_INT16;
        if (v >= INT32_MIN)
            return TD_INT32;
        return TD_INT64;
    }
    td_dtype t;
    int64_t signed_max;
    if (v <= UINT8_MAX)
        t = TD_UINT8, signed_max = INT8_MAX;
    else if (v <= UINT16_MAX)
        t = TD_UINT16, signed_max = INT16_MAX;
    else if (v <= (int64_t)UINT32_MAX)
        t = TD_UINT32, signed_max = INT32_MAX;
    else
        t = TD_UINT64, signed_max = INT64_MAX;
    *small_unsigned = v <= signed_max;
    return t;
}

/* np.min_scalar_type of a Python float, with float16 given as float32 (the
 * array side is then a float, so float32 promotes as float16 would). numpy
 * checks these open bounds, and gives non-finite values float16. */
static td_dtype min_float_type(double v)
{
    if (!isfinite(v) || (v > -3.4e38 && v < 3.4e38))
        return TD_FLOAT32;
    return TD_FLOAT64;
}

td_dtype td_promote_scalar(td_dtype a, td_scalar_kind kind, int64_t ival, double fval)
{
    char scalar_kind = kind == TD_SCALAR_BOOL ? 'b' : kind == TD_SCALAR_INT ? 'i' : 'f';
    if (category(scalar_kind) > category(td_dtype_kind(a))) {
        /* A scalar of a higher category counts as its default dtype, whatever its value. */
        return td_promote(a, scalar_kind == 'i' ? TD_INT64 : TD_FLOAT64);
    }
    switch (kind) {
    case TD_SCALAR_BOOL: return td_promote(a, TD_BOOL);
    case TD_SCALAR_FLOAT: return td_promote(a, min_float_type(fval));
    case TD_SCALAR_INT: break;
    }
    bool small_unsigned;
    td_dtype m = min_int_type(ival, &small_unsigned);
    /* numpy lets a small non-negative value count as signed next to a
     * signed array, so int8 + 100 stays int8 instead of becoming int16. */
    if (small_unsigned && td_dtype_is_signed(a))
        m = signed_of_size(td_dtype_size(m));
    return td_promote(a, m);
}

/* ---- reductions and division -------------------------------------------- */

td_dtype td_sum_dtype(td_dtype t)
{
    if (td_dtype_is_float(t))
        return t;
    return td_dtype_is_unsigned(t) ? TD_UINT64 : TD_INT64;
}

td_dtype td_mean_dtype(td_dtype t)
{
    return td_dtype_is_float(t) ? t : TD_FLOAT64;
}

td_dtype td_truediv_dtype(td_dtype promoted)
{
    return td_dtype_is_float(promoted) ? promoted : TD_FLOAT64;
}

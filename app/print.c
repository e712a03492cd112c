/* Python's and numpy 1.24's repr()/str() of floats, strings, scalars and
 * arrays; see print.h. The array layout mirrors numpy's arrayprint rules:
 * a formatter chosen from the elements that will be shown, then a
 * recursive layout with hanging indents, line wrapping and '...' for
 * summarised axes. */
#include "print.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* numpy's default print options. */
#define PR_PRECISION 8
#define PR_THRESHOLD 1000
#define PR_EDGEITEMS 3
#define PR_LINEWIDTH 75

/* ---- decimal digits of a float ------------------------------------------ */

/* value = (neg ? -1 : 1) * 0.d[0]d[1]... * 10^(exp + 1), i.e. d[0] sits at
 * 10^exp. Digits carry no trailing zeros; zero is the single digit "0". */
typedef struct pr_dec {
    bool neg;
    int n;
    int exp;
    char d[400];
} pr_dec;

/* Reads the output of printf's %e or %f into dec, dropping leading and
 * trailing zeros so that every producer yields the same normal form. */
static void pr_dec_parse(const char *s, pr_dec *dec)
{
    dec->neg = false;
    dec->n = 0;
    dec->exp = 0;
    if (*s == '-') {
        dec->neg = true;
        s++;
    }
    int point = -1; /* digits seen before the decimal point */
    int count = 0;
    int lead = 0; /* leading zeros skipped, so the first kept digit is nonzero */
    for (; *s && *s != 'e'; s++) {
        if (*s == '.') {
            point = count + lead;
            continue;
        }
        if (dec->n == 0 && *s == '0') {
            lead++;
            continue;
        }
        if (dec->n < (int)sizeof dec->d)
            dec->d[dec->n++] = *s;
        count++;
    }
    if (point < 0)
        point = count + lead;
    int e10 = *s == 'e' ? atoi(s + 1) : 0;
    while (dec->n > 0 && dec->d[dec->n - 1] == '0')
        dec->n--;
    if (dec->n == 0) {
        dec->d[0] = '0';
        dec->n = 1;
        dec->exp = 0;
        return;
    }
    /* The first kept digit was at position `lead` of the digit string, whose
     * decimal point falls after `point` digits. */
    dec->exp = point - lead - 1 + e10;
}

/* The shortest digits that read back as v (as a float32 when f32), taking
 * the correctly rounded candidate of each length in turn. That candidate is
 * the closest string of its length, so the first that round-trips is the
 * answer Python's repr and numpy's Dragon4 give. v is finite. */
static void pr_dec_shortest(double v, bool f32, pr_dec *dec)
{
    char buf[64];
    int maxsig = f32 ? 9 : 17;
    for (int sig = 1; sig <= maxsig; sig++) {
        snprintf(buf, sizeof buf, "%.*e", sig - 1, v);
        bool same = f32 ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v;
        if (same || sig == maxsig)
            break;
    }
    pr_dec_parse(buf, dec);
}

/* v rounded (exactly, ties to even, as glibc's printf does) to sig
 * significant digits. */
static void pr_dec_round_sig(double v, int sig, pr_dec *dec)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%.*e", sig - 1, v);
    pr_dec_parse(buf, dec);
}

/* v rounded to frac digits after the point. */
static void pr_dec_round_frac(double v, int frac, pr_dec *dec)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%.*f", frac, v);
    pr_dec_parse(buf, dec);
}

/* Digits after the point when dec is written positionally. */
static int pr_dec_frac_digits(const pr_dec *dec)
{
    int f = dec->n - 1 - dec->exp;
    return f > 0 ? f : 0;
}

/* Positional text with at least minfrac fraction digits (zero-filled): "1.",
 * "1.0", "0.001", "-12.5". */
static void pr_dec_positional(strbuf *sb, const pr_dec *dec, int minfrac)
{
    if (dec->neg)
        sb_addc(sb, '-');
    if (dec->exp < 0) {
        sb_addc(sb, '0');
    } else {
        int have = dec->n < dec->exp + 1 ? dec->n : dec->exp + 1;
        sb_addn(sb, dec->d, (size_t)have);
        sb_addrep(sb, '0', (size_t)(dec->exp + 1 - have));
    }
    sb_addc(sb, '.');
    int frac = 0;
    if (dec->exp < 0) {
        sb_addrep(sb, '0', (size_t)(-dec->exp - 1));
        sb_addn(sb, dec->d, (size_t)dec->n);
        frac = dec->n - dec->exp - 1;
    } else if (dec->n > dec->exp + 1) {
        sb_addn(sb, dec->d + dec->exp + 1, (size_t)(dec->n - dec->exp - 1));
        frac = dec->n - dec->exp - 1;
    }
    if (frac < minfrac)
        sb_addrep(sb, '0', (size_t)(minfrac - frac));
}

/* Scientific text "d.ddde+XX": at least minfrac fraction digits; with
 * drop_point a mantissa without fraction digits has no point ("1e+16", as
 * Python writes it) instead of numpy's "1.e+16". The exponent has at least
 * expdigits digits. */
static void pr_dec_scientific(strbuf *sb, const pr_dec *dec, int minfrac, bool drop_point, int expdigits)
{
    if (dec->neg)
        sb_addc(sb, '-');
    sb_addc(sb, dec->d[0]);
    int frac = dec->n - 1;
    if (frac > 0 || minfrac > 0 || !drop_point)
        sb_addc(sb, '.');
    sb_addn(sb, dec->d + 1, (size_t)frac);
    if (frac < minfrac)
        sb_addrep(sb, '0', (size_t)(minfrac - frac));
    int e = dec->d[0] == '0' ? 0 : dec->exp;
    sb_addf(sb, "e%c%0*d", e < 0 ? '-' : '+', expdigits, e < 0 ? -e : e);
}

/* Python's float repr and numpy's float scalar repr: positional for
 * 1e-4 <= |v| < 1e16 (and zero), scientific otherwise. numpy compares in
 * long double, which is what makes np.float32(1e-4) print as '1e-04'. */
static void pr_float_scalar(strbuf *sb, double v, bool f32)
{
    if (isnan(v)) {
        sb_add(sb, "nan");
        return;
    }
    if (isinf(v)) {
        sb_add(sb, v < 0 ? "-inf" : "inf");
        return;
    }
    pr_dec dec;
    pr_dec_shortest(v, f32, &dec);
    long double mag = fabsl((long double)v);
    if (mag == 0 || (mag < 1e16L && mag >= 1e-4L))
        pr_dec_positional(sb, &dec, 1);
    else
        pr_dec_scientific(sb, &dec, 0, true, 2);
}

void print_float_repr(strbuf *sb, double v)
{
    pr_float_scalar(sb, v, false);
}

void print_float32_repr(strbuf *sb, float v)
{
    pr_float_scalar(sb, (double)v, true);
}

void print_int(strbuf *sb, int64_t v)
{
    sb_addf(sb, "%lld", (long long)v);
}

void print_uint(strbuf *sb, uint64_t v)
{
    sb_addf(sb, "%llu", (unsigned long long)v);
}

void print_bool(strbuf *sb, int v)
{
    sb_add(sb, v ? "True" : "False");
}

/* ---- strings ------------------------------------------------------------- */

/* Decodes one UTF-8 character at s (n bytes left); returns its length, or 0
 * when the bytes are not well-formed UTF-8. */
static size_t pr_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Python's str.isprintable() for non-ASCII code points, for the categories
 * that matter in practice: C1 controls, format characters, separators other
 * than the space, private use and noncharacters. */
static bool pr_unicode_printable(uint32_t c)
{
    if (c >= 0x80 && c <= 0xa0)
        return false;
    if (c == 0xad || c == 0x1680 || c == 0x180e || c == 0x3000 || c == 0xfeff)
        return false;
    if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f))
        return false;
    if (c == 0x061c || (c >= 0x0600 && c <= 0x0605) || c == 0x06dd || c == 0x070f)
        return false;
    if ((c >= 0xfff9 && c <= 0xfffb) || (c & 0xfffe) == 0xfffe || (c >= 0xfdd0 && c <= 0xfdef))
        return false;
    if ((c >= 0xe000 && c <= 0xf8ff) || c >= 0xf0000)
        return false;
    if (c >= 0xe0000 && c <= 0xe0fff)
        return false;
    return true;
}

void print_str_repr(strbuf *sb, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    bool has_single = memchr(s, '\'', len) != NULL;
    bool has_double = memchr(s, '"', len) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    sb_addc(sb, quote);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = pr_utf8_decode(u + i, len - i, &cp);
        if (n == 0) {
            sb_addf(sb, "\\x%02x", u[i]);
            i++;
            continue;
        }
        if (cp == (uint32_t)quote || cp == '\\') {
            sb_addc(sb, '\\');
            sb_addc(sb, (char)cp);
        } else if (cp == '\n') {
            sb_add(sb, "\\n");
        } else if (cp == '\r') {
            sb_add(sb, "\\r");
        } else if (cp == '\t') {
            sb_add(sb, "\\t");
        } else if (cp < 0x20 || cp == 0x7f) {
            sb_addf(sb, "\\x%02x", (unsigned)cp);
        } else if (cp < 0x80 || pr_unicode_printable(cp)) {
            sb_addn(sb, s + i, n);
        } else if (cp <= 0xff) {
            sb_addf(sb, "\\x%02x", (unsigned)cp);
        } else if (cp <= 0xffff) {
            sb_addf(sb, "\\u%04x", (unsigned)cp);
        } else {
            sb_addf(sb, "\\U%08x", (unsigned)cp);
        }
        i += n;
    }
    sb_addc(sb, quote);
}

/* ---- scalars -------------------------------------------------------------- */

static double pr_load_f64(td_dtype dt, const void *p)
{
    if (dt == TD_FLOAT32) {
        float f;
        memcpy(&f, p, sizeof f);
        return (double)f;
    }
    double d;
    memcpy(&d, p, sizeof d);
    return d;
}

static int64_t pr_load_i64(td_dtype dt, const void *p)
{
    switch (dt) {
    case TD_BOOL:
    case TD_UINT8: return *(const uint8_t *)p;
    case TD_INT8: return *(const int8_t *)p;
    case TD_INT16: {
        int16_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    case TD_UINT16: {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    case TD_INT32: {
        int32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    case TD_UINT32: {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    default: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    }
}

static uint64_t pr_load_u64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

void print_scalar(strbuf *sb, td_dtype dt, const void *p)
{
    if (dt == TD_BOOL)
        print_bool(sb, *(const uint8_t *)p != 0);
    else if (dt == TD_FLOAT32 || dt == TD_FLOAT64)
        pr_float_scalar(sb, pr_load_f64(dt, p), dt == TD_FLOAT32);
    else if (dt == TD_UINT64)
        print_uint(sb, pr_load_u64(p));
    else
        print_int(sb, pr_load_i64(dt, p));
}

/* ---- arrays: which elements are shown ------------------------------------ */

typedef struct pr_array {
    const nd_array *a;
    size_t itemsize;
    int64_t strides[ND_MAXDIM]; /* in elements, C order */
    bool summarise;
} pr_array;

static const void *pr_elem(const pr_array *pa, int64_t flat)
{
    return (const char *)pa->a->data + flat * (int64_t)pa->itemsize;
}

/* Walks the elements numpy's formatter sees: all of them, or when
 * summarising only the first and last edgeitems along every axis longer
 * than twice that. */
typedef struct pr_iter {
    const pr_array *pa;
    int64_t k[ND_MAXDIM];
    bool done;
} pr_iter;

static int64_t pr_axis_count(const pr_array *pa, int ax)
{
    int64_t n = pa->a->shape[ax];
    return pa->summarise && n > 2 * PR_EDGEITEMS ? 2 * PR_EDGEITEMS : n;
}

static void pr_iter_init(pr_iter *it, const pr_array *pa)
{
    it->pa = pa;
    it->done = pa->a->size == 0;
    for (int i = 0; i < pa->a->ndim; i++)
        it->k[i] = 0;
}

static bool pr_iter_next(pr_iter *it, int64_t *flat)
{
    if (it->done)
        return false;
    const pr_array *pa = it->pa;
    int ndim = pa->a->ndim;
    int64_t off = 0;
    for (int ax = 0; ax < ndim; ax++) {
        int64_t n = pa->a->shape[ax], k = it->k[ax];
        int64_t idx =
            pa->summarise && n > 2 * PR_EDGEITEMS && k >= PR_EDGEITEMS ? n - 2 * PR_EDGEITEMS + k : k;
        off += idx * pa->strides[ax];
    }
    *flat = off;
    int ax = ndim - 1;
    for (; ax >= 0; ax--) {
        if (++it->k[ax] < pr_axis_count(pa, ax))
            break;
        it->k[ax] = 0;
    }
    if (ax < 0)
        it->done = true;
    return true;
}

/* ---- arrays: the element formatter --------------------------------------- */

typedef enum { PR_KBOOL, PR_KINT, PR_KUINT, PR_KFLOAT } pr_kind;

typedef struct pr_fmt {
    pr_kind kind;
    td_dtype dt;
    bool zero_d;
    int width; /* integers: the widest of str(min), str(max) */
    /* floats, as numpy's FloatingFormat */
    bool exp_format;
    int pad_left, pad_right;
    int precision; /* scientific: the common number of fraction digits */
    int exp_size;
} pr_fmt;

static int pr_len_i64(int64_t v)
{
    char buf[32];
    return snprintf(buf, sizeof buf, "%lld", (long long)v);
}

static int pr_len_u64(uint64_t v)
{
    char buf[32];
    return snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
}

/* An element in positional notation before padding: shortest digits, cut
 * to `precision` fraction digits with exact rounding when longer, trailing
 * zeros trimmed but the point kept ("1.", "0.33333333").
 *
 * numpy measures the columns with plain shortest digits but prints each
 * element asking for at least zero fraction digits, which makes Dragon4
 * spell out every integer digit: float32 82570688 is measured as 82570690
 * and printed as 82570688. `exact_int` selects the printing behaviour. */
static void pr_positional_digits(double v, bool f32, bool exact_int, pr_dec *dec)
{
    pr_dec_shortest(v, f32, dec);
    if (pr_dec_frac_digits(dec) > PR_PRECISION)
        pr_dec_round_frac(v, PR_PRECISION, dec);
    else if (exact_int && dec->exp >= dec->n)
        pr_dec_round_frac(v, 0, dec);
}

/* The first pass of numpy's scientific format: shortest digits, at most
 * `precision` fraction digits. */
static void pr_scientific_digits(double v, bool f32, pr_dec *dec)
{
    pr_dec_shortest(v, f32, dec);
    if (dec->n - 1 > PR_PRECISION)
        pr_dec_round_sig(v, PR_PRECISION + 1, dec);
}

static int pr_exp_digits(const pr_dec *dec)
{
    int e = dec->d[0] == '0' ? 0 : dec->exp;
    if (e < 0)
        e = -e;
    int n = 1;
    while (e >= 10) {
        e /= 10;
        n++;
    }
    return n < 2 ? 2 : n;
}

static void pr_fmt_float(pr_fmt *f, const pr_array *pa)
{
    bool f32 = f->dt == TD_FLOAT32;
    pr_iter it;
    int64_t flat;
    /* Scientific notation is chosen from the nonzero finite magnitudes. For
     * float32 numpy divides in float32 but compares with Python floats in
     * double precision, and so does this. */
    double maxv = 0, minv = 0;
    bool any_nonzero = false, any_finite = false, any_nonfinite = false, any_neginf = false;
    pr_iter_init(&it, pa);
    while (pr_iter_next(&it, &flat)) {
        double v = pr_load_f64(f->dt, pr_elem(pa, flat));
        if (!isfinite(v)) {
            any_nonfinite = true;
            if (isinf(v) && v < 0)
                any_neginf = true;
            continue;
        }
        any_finite = true;
        double m = fabs(v);
        if (m == 0)
            continue;
        if (!any_nonzero || m > maxv)
            maxv = m;
        if (!any_nonzero || m < minv)
            minv = m;
        any_nonzero = true;
    }
    f->exp_format = false;
    if (any_nonzero) {
        double ratio = f32 ? (double)((float)maxv / (float)minv) : maxv / minv;
        if (maxv >= 1e8 || minv < 0.0001 || ratio > 1000.)
            f->exp_format = true;
    }

    pr_dec dec;
    if (!any_finite) {
        f->pad_left = 0;
        f->pad_right = 0;
        f->precision = 0;
        f->exp_size = -1;
    } else if (f->exp_format) {
        int maxfrac = 0, maxint = 0, maxexp = 0;
        pr_iter_init(&it, pa);
        while (pr_iter_next(&it, &flat)) {
            double v = pr_load_f64(f->dt, pr_elem(pa, flat));
            if (!isfinite(v))
                continue;
            pr_scientific_digits(v, f32, &dec);
            int il = dec.neg ? 2 : 1, fl = dec.n - 1, el = pr_exp_digits(&dec);
            maxint = il > maxint ? il : maxint;
            maxfrac = fl > maxfrac ? fl : maxfrac;
            maxexp = el > maxexp ? el : maxexp;
        }
        f->exp_size = maxexp;
        f->precision = maxfrac;
        f->pad_left = maxint;
        f->pad_right = f->exp_size + 2 + f->precision;
    } else {
        int maxfrac = 0, maxint = 0;
        pr_iter_init(&it, pa);
        while (pr_iter_next(&it, &flat)) {
            double v = pr_load_f64(f->dt, pr_elem(pa, flat));
            if (!isfinite(v))
                continue;
            pr_positional_digits(v, f32, false, &dec);
            int il = (dec.neg ? 1 : 0) + (dec.exp < 0 ? 1 : dec.exp + 1);
            int fl = pr_dec_frac_digits(&dec);
            maxint = il > maxint ? il : maxint;
            maxfrac = fl > maxfrac ? fl : maxfrac;
        }
        f->pad_left = maxint;
        f->pad_right = maxfrac;
        f->exp_size = -1;
        f->precision = PR_PRECISION;
    }
    /* nan and inf must fit the field too. */
    if (any_nonfinite) {
        int offset = f->pad_right + 1;
        int nanlen = 3, inflen = 3 + (any_neginf ? 1 : 0);
        if (nanlen - offset > f->pad_left)
            f->pad_left = nanlen - offset;
        if (inflen - offset > f->pad_left)
            f->pad_left = inflen - offset;
    }
}

static void pr_fmt_init(pr_fmt *f, const pr_array *pa)
{
    const nd_array *a = pa->a;
    memset(f, 0, sizeof *f);
    f->dt = a->dtype;
    f->zero_d = a->ndim == 0;
    if (a->dtype == TD_BOOL) {
        f->kind = PR_KBOOL;
    } else if (a->dtype == TD_FLOAT32 || a->dtype == TD_FLOAT64) {
        f->kind = PR_KFLOAT;
        pr_fmt_float(f, pa);
    } else if (a->dtype == TD_UINT64) {
        f->kind = PR_KUINT;
        uint64_t lo = UINT64_MAX, hi = 0;
        pr_iter it;
        int64_t flat;
        pr_iter_init(&it, pa);
        while (pr_iter_next(&it, &flat)) {
            uint64_t v = pr_load_u64(pr_elem(pa, flat));
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        int w1 = pr_len_u64(lo), w2 = pr_len_u64(hi);
        f->width = w1 > w2 ? w1 : w2;
    } else {
        f->kind = PR_KINT;
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        pr_iter it;
        int64_t flat;
        pr_iter_init(&it, pa);
        while (pr_iter_next(&it, &flat)) {
            int64_t v = pr_load_i64(a->dtype, pr_elem(pa, flat));
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        int w1 = pr_len_i64(lo), w2 = pr_len_i64(hi);
        f->width = w1 > w2 ? w1 : w2;
    }
}

/* Pads the number just written from `start` to pad_left characters before
 * the point and pad_right after it. */
static void pr_pad_positional(strbuf *sb, size_t start, int pad_left, int pad_right)
{
    const char *s = sb->buf + start;
    const char *dot = strchr(s, '.');
    int before = (int)(dot - s);
    int after = (int)(sb->len - start) - before - 1;
    if (before < pad_left) {
        size_t n = (size_t)(pad_left - before);
        sb_reserve(sb, n);
        memmove(sb->buf + start + n, sb->buf + start, sb->len - start + 1);
        memset(sb->buf + start, ' ', n);
        sb->len += n;
    }
    if (after < pad_right)
        sb_addrep(sb, ' ', (size_t)(pad_right - after));
}

static void pr_fmt_float_elem(const pr_fmt *f, strbuf *sb, double v)
{
    bool f32 = f->dt == TD_FLOAT32;
    if (!isfinite(v)) {
        const char *s = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
        int width = f->pad_left + f->pad_right + 1;
        int len = (int)strlen(s);
        if (len < width)
            sb_addrep(sb, ' ', (size_t)(width - len));
        sb_add(sb, s);
        return;
    }
    pr_dec dec;
    size_t start = sb->len;
    if (f->exp_format) {
        /* Every element gets the same number of fraction digits: digits past
         * the shortest are the value's exact ones, as Dragon4 does with
         * min_digits, so float32's 0.3 becomes 3.0000001e-01. */
        pr_dec_round_sig(v, f->precision + 1, &dec);
        pr_dec_scientific(sb, &dec, f->precision, false, f->exp_size);
        const char *s = sb->buf + start;
        int before = (int)(strchr(s, '.') - s);
        if (before < f->pad_left) {
            size_t n = (size_t)(f->pad_left - before);
            sb_reserve(sb, n);
            memmove(sb->buf + start + n, sb->buf + start, sb->len - start + 1);
            memset(sb->buf + start, ' ', n);
            sb->len += n;
        }
    } else {
        pr_positional_digits(v, f32, true, &dec);
        pr_dec_positional(sb, &dec, 0);
        pr_pad_positional(sb, start, f->pad_left, f->pad_right);
    }
}

static void pr_fmt_elem(const pr_fmt *f, strbuf *sb, const void *p)
{
    switch (f->kind) {
    case PR_KBOOL: sb_add(sb, *(const uint8_t *)p ? (f->zero_d ? "True" : " True") : "False"); break;
    case PR_KINT: sb_addf(sb, "%*lld", f->width, (long long)pr_load_i64(f->dt, p)); break;
    case PR_KUINT: sb_addf(sb, "%*llu", f->width, (unsigned long long)pr_load_u64(p)); break;
    case PR_KFLOAT: pr_fmt_float_elem(f, sb, pr_load_f64(f->dt, p)); break;
    }
}

/* ---- arrays: layout --------------------------------------------------------- */

typedef struct pr_layout {
    const pr_array *pa;
    const pr_fmt *fmt;
    const char *sep; /* ", " for repr, " " for str */
    int sep_rlen;    /* length of sep without trailing blanks */
    strbuf word;     /* scratch for one element */
} pr_layout;

/* Appends word to line, first moving line into s and starting a new line
 * at the hanging indent when it would pass width; a line holding only the
 * indent is never wrapped, since that would not help. */
static void pr_extend_line(strbuf *s, strbuf *line, const char *word, size_t wlen, int width, int hang)
{
    if (line->len + wlen > (size_t)width && line->len > (size_t)hang) {
        size_t end = line->len;
        while (end > 0 && line->buf[end - 1] == ' ')
            end--;
        sb_addn(s, line->buf, end);
        sb_addc(s, '\n');
        sb_truncate(line, 0);
        sb_addrep(line, ' ', (size_t)hang);
    }
    sb_addn(line, word, wlen);
}

static void pr_layout_word(pr_layout *lo, strbuf *s, strbuf *line, int64_t flat, int width, int hang)
{
    sb_truncate(&lo->word, 0);
    pr_fmt_elem(lo->fmt, &lo->word, pr_elem(lo->pa, flat));
    pr_extend_line(s, line, sb_str(&lo->word), lo->word.len, width, hang);
}

/* numpy's _formatArray recursion for the sub-array at `offset` starting at
 * `axis`; hang is the indent of continuation lines, width the room left. */
static void pr_layout_rec(pr_layout *lo, strbuf *out, int axis, int64_t offset, int hang, int width)
{
    const nd_array *a = lo->pa->a;
    int axes_left = a->ndim - axis;
    int64_t n = a->shape[axis], stride = lo->pa->strides[axis];
    bool summary = lo->pa->summarise && n > 2 * PR_EDGEITEMS;
    int64_t leading = summary ? PR_EDGEITEMS : 0;
    int64_t trailing = summary ? PR_EDGEITEMS : n;
    strbuf s = SB_INIT;

    if (axes_left == 1) {
        int elem_width = width - (lo->sep_rlen > 1 ? lo->sep_rlen : 1);
        strbuf line = SB_INIT;
        sb_addrep(&line, ' ', (size_t)hang);
        for (int64_t i = 0; i < leading; i++) {
            pr_layout_word(lo, &s, &line, offset + i * stride, elem_width, hang);
            sb_add(&line, lo->sep);
        }
        if (summary) {
            pr_extend_line(&s, &line, "...", 3, elem_width, hang);
            sb_add(&line, lo->sep);
        }
        for (int64_t i = trailing; i > 1; i--) {
            pr_layout_word(lo, &s, &line, offset + (n - i) * stride, elem_width, hang);
            sb_add(&line, lo->sep);
        }
        pr_layout_word(lo, &s, &line, offset + (n - 1) * stride, elem_width, hang);
        sb_addn(&s, sb_str(&line), line.len);
        sb_free(&line);
    } else {
        /* Rows end with the separator's non-blank part, then one newline per
         * remaining axis, which leaves blank lines between blocks. */
        strbuf line_sep = SB_INIT;
        sb_addn(&line_sep, lo->sep, (size_t)lo->sep_rlen);
        sb_addrep(&line_sep, '\n', (size_t)(axes_left - 1));
        for (int64_t i = 0; i < leading; i++) {
            sb_addrep(&s, ' ', (size_t)hang);
            pr_layout_rec(lo, &s, axis + 1, offset + i * stride, hang + 1, width - 1);
            sb_addn(&s, sb_str(&line_sep), line_sep.len);
        }
        if (summary) {
            sb_addrep(&s, ' ', (size_t)hang);
            sb_add(&s, "...");
            sb_addn(&s, sb_str(&line_sep), line_sep.len);
        }
        for (int64_t i = trailing; i > 1; i--) {
            sb_addrep(&s, ' ', (size_t)hang);
            pr_layout_rec(lo, &s, axis + 1, offset + (n - i) * stride, hang + 1, width - 1);
            sb_addn(&s, sb_str(&line_sep), line_sep.len);
        }
        sb_addrep(&s, ' ', (size_t)hang);
        pr_layout_rec(lo, &s, axis + 1, offset + (n - 1) * stride, hang + 1, width - 1);
        sb_free(&line_sep);
    }
    /* The first line's indent is where the bracket goes. */
    sb_addc(out, '[');
    size_t skip = s.len < (size_t)hang ? s.len : (size_t)hang;
    sb_addn(out, sb_str(&s) + skip, s.len - skip);
    sb_addc(out, ']');
    sb_free(&s);
}

/* numpy's array2string for a non-empty array: prefix_len is the length of
 * what precedes the text on its first line ("array(" for repr). */
static void pr_array2string(strbuf *sb, const nd_array *a, const char *sep, int prefix_len, int linewidth)
{
    pr_array pa;
    pa.a = a;
    pa.itemsize = td_dtype_size(a->dtype);
    pa.summarise = a->size > PR_THRESHOLD;
    int64_t st = 1;
    for (int i = a->ndim - 1; i >= 0; i--) {
        pa.strides[i] = st;
        st *= a->shape[i];
    }
    pr_fmt fmt;
    pr_fmt_init(&fmt, &pa);
    if (a->ndim == 0) {
        pr_fmt_elem(&fmt, sb, a->data);
        return;
    }
    pr_layout lo;
    lo.pa = &pa;
    lo.fmt = &fmt;
    lo.sep = sep;
    size_t rl = strlen(sep);
    while (rl > 0 && sep[rl - 1] == ' ')
        rl--;
    lo.sep_rlen = (int)rl;
    sb_init(&lo.word);
    pr_layout_rec(&lo, sb, 0, 0, 1 + prefix_len, linewidth);
    sb_free(&lo.word);
}

static const char *pr_dtype_name(td_dtype dt)
{
    static const char *const names[TD_NDTYPES] = {"bool",   "int8",  "uint8",  "int16",   "uint16", "int32",
                                                  "uint32", "int64", "uint64", "float32", "float64"};
    return (unsigned)dt < TD_NDTYPES ? names[dt] : "?";
}

static int pr_check(const nd_array *a, td_err *err)
{
    if (!a)
        return td_err_set(err, TD_EVALUE, "no array to print");
    if ((unsigned)a->dtype >= TD_NDTYPES)
        return td_err_set(err, TD_ETYPE, "cannot print an array of unknown dtype %d", (int)a->dtype);
    if (a->ndim < 0 || a->ndim > ND_MAXDIM)
        return td_err_set(err, TD_EVALUE, "cannot print an array with %d dimensions", a->ndim);
    return 0;
}

int print_array_repr(strbuf *sb, const nd_array *a, td_err *err)
{
    if (pr_check(a, err) < 0)
        return -1;
    /* int64, float64 and bool are the types numpy leaves implied. */
    bool implied = a->dtype == TD_INT64 || a->dtype == TD_FLOAT64 || a->dtype == TD_BOOL;
    bool skipdtype = implied && a->size > 0;
    const char *prefix = "array(";
    size_t start = sb->len;
    sb_add(sb, prefix);
    if (a->size > 0) {
        /* The suffix (")" or ",") is kept out of the last column. */
        pr_array2string(sb, a, ", ", (int)strlen(prefix), PR_LINEWIDTH - 1);
    } else if (a->ndim == 1) {
        sb_add(sb, "[]");
    } else {
        char shape[ND_MAXDIM * 24 + 8];
        sb_add(sb, "[], shape=");
        sb_add(sb, nd_shape_str(a->ndim, a->shape, shape, sizeof shape));
    }
    if (skipdtype) {
        sb_addc(sb, ')');
        return 0;
    }
    sb_addc(sb, ',');
    const char *name = pr_dtype_name(a->dtype);
    size_t dtype_len = strlen("dtype=") + strlen(name) + 1;
    const char *nl = strrchr(sb_str(sb) + start, '\n');
    size_t last_line = nl ? sb->len - (size_t)(nl + 1 - sb->buf) : sb->len - start;
    if (last_line + dtype_len + 1 > PR_LINEWIDTH) {
        sb_addc(sb, '\n');
        sb_addrep(sb, ' ', strlen(prefix));
    } else {
        sb_addc(sb, ' ');
    }
    sb_addf(sb, "dtype=%s)", name);
    return 0;
}

int print_array_str(strbuf *sb, const nd_array *a, td_err *err)
{
    if (pr_check(a, err) < 0)
        return -1;
    if (a->ndim == 0) {
        print_scalar(sb, a->dtype, a->data);
        return 0;
    }
    if (a->size == 0) {
        sb_add(sb, "[]");
        return 0;
    }
    pr_array2string(sb, a, " ", 0, PR_LINEWIDTH);
    return 0;
}

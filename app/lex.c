/* The lexer: source text to tokens, with Python's rules for names, numbers,
 * strings, operators, comments and line joining, and Python's messages for
 * what it refuses. */
#include "lex.h"

#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield",
};

_Static_assert(sizeof keywords / sizeof keywords[0] == TK_LAST_KEYWORD - TK_FALSE + 1,
               "one keyword text per keyword kind");

const char *lex_keyword_text(int kind)
{
    if (kind < TK_FALSE || kind > TK_LAST_KEYWORD)
        return NULL;
    return keywords[kind - TK_FALSE];
}

/* ---- errors -------------------------------------------------------------- */

static int lex_error_at(lex_state *ls, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int lex_error_at(lex_state *ls, int line, int col, const char *fmt, ...)
{
    if (!ls->failed) {
        va_list ap;
        va_start(ap, fmt);
        td_err_vset(ls->err, TD_ESYNTAX, fmt, ap);
        va_end(ap);
        if (ls->pos) {
            ls->pos->line = line;
            ls->pos->col = col;
        }
        ls->failed = true;
    }
    return -1;
}

static int lex_oom(lex_state *ls)
{
    if (!ls->failed) {
        td_err_set(ls->err, TD_EMEMORY, "out of memory while parsing");
        if (ls->pos) {
            ls->pos->line = ls->line;
            ls->pos->col = ls->col;
        }
        ls->failed = true;
    }
    return -1;
}

/* ---- characters ---------------------------------------------------------- */

/* The byte at cur + k, or -1 past the end. */
static int peekc(const lex_state *ls, ptrdiff_t k)
{
    return ls->end - ls->cur > k ? (unsigned char)ls->cur[k] : -1;
}

static bool is_newline(int c)
{
    return c == '\n' || c == '\r';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int c)
{
    return is_name_start(c) || is_digit(c);
}

/* Moves past one byte, keeping line and column: "\r\n" and a lone "\r" end
 * a line like "\n", and UTF-8 continuation bytes do not move the column. */
static void adv(lex_state *ls)
{
    unsigned char c = (unsigned char)*ls->cur++;
    if (c == '\n' || (c == '\r' && (ls->cur == ls->end || *ls->cur != '\n'))) {
        if (ls->line < INT_MAX)
            ls->line++;
        ls->col = 1;
    } else if (c != '\r' && (c & 0xC0) != 0x80) {
        ls->col++;
    }
}

/* Moves past one line break ("\n", "\r\n" or "\r"). */
static void adv_newline(lex_state *ls)
{
    if (*ls->cur == '\r' && peekc(ls, 1) == '\n')
        adv(ls);
    adv(ls);
}

/* Length of the well-formed UTF-8 sequence at p (strict: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0; *cp gets the code point. */
static int utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    unsigned c = p[0];
    int n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (end - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- set-up -------------------------------------------------------------- */

int lex_init(lex_state *ls, const char *src, size_t len, int first_line, ast_arena *arena, td_err *err,
             parse_pos *pos)
{
    memset(ls, 0, sizeof *ls);
    if (!src) {
        src = "";
        len = 0;
    }
    ls->src = ls->cur = ls->logical = src;
    ls->end = src + len;
    ls->line = first_line;
    ls->col = 1;
    ls->arena = arena;
    ls->err = err;
    ls->pos = pos;
    if (len > INT_MAX)
        return lex_error_at(ls, first_line, 1, "source too large (more than %d bytes)", INT_MAX);

    /* Walk the text with the lexer's own position keeping, so an error here
     * has the same line and column a token there would have. */
    while (ls->cur < ls->end) {
        unsigned char c = (unsigned char)*ls->cur;
        uint32_t cp;
        if (c == 0)
            return lex_error_at(ls, ls->line, ls->col, "source code cannot contain null bytes");
        if (c >= 0x80) {
            int n = utf8_decode((const unsigned char *)ls->cur, (const unsigned char *)ls->end, &cp);
            if (n == 0)
                return lex_error_at(ls, ls->line, ls->col, "invalid UTF-8 in source: byte 0x%02x", c);
            for (int i = 0; i < n; i++)
                adv(ls);
        } else {
            adv(ls);
        }
    }
    ls->cur = src;
    ls->line = first_line;
    ls->col = 1;
    /* A byte order mark (editors on Windows write one) is not text. */
    if (len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3))
        ls->cur = ls->logical = src + 3;
    return 0;
}

/* ---- names --------------------------------------------------------------- */

static int keyword_kind(const char *s, size_t len)
{
    for (int k = TK_FALSE; k <= TK_LAST_KEYWORD; k++) {
        const char *kw = keywords[k - TK_FALSE];
        if (strlen(kw) == len && !memcmp(kw, s, len))
            return k;
    }
    return TK_NAME;
}

/* ---- numbers ------------------------------------------------------------- */

static int digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

/* digits: digit (['_'] digit)*  -- a '_' not between two digits is left
 * for the caller, who then finds a name character after the number. */
static void scan_decimal_digits(lex_state *ls)
{
    while (is_digit(peekc(ls, 0)) || (peekc(ls, 0) == '_' && is_digit(peekc(ls, 1))))
        adv(ls);
}

/* strtod in the "C" locale: the workbench may run under a locale whose
 * decimal point is a comma. */
static double c_strtod(const char *s, char **end)
{
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return strtod(s, end);
    locale_t old = uselocale(c);
    double d = strtod(s, end);
    uselocale(old);
    freelocale(c);
    return d;
}

/* prefixed: '0' ('x'|'o'|'b') (['_'] digit)+ */
static int lex_prefixed_int(lex_state *ls, lex_token *t)
{
    int p = peekc(ls, 1);
    int base = (p == 'x' || p == 'X') ? 16 : (p == 'o' || p == 'O') ? 8 : 2;
    const char *what = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
    uint64_t v = 0;
    bool too_large = false;
    int ndigits = 0;
    adv(ls);
    adv(ls);
    for (;;) {
        int c = peekc(ls, 0);
        if (c == '_') {
            if (digit_value(peekc(ls, 1)) < 0)
                return lex_error_at(ls, t->line, t->col, "invalid %s literal", what);
            adv(ls);
            c = peekc(ls, 0);
        }
        int d = digit_value(c);
        if (d < 0)
            break;
        if (d >= base) {
            if (is_digit(c))
                return lex_error_at(ls, ls->line, ls->col, "invalid digit '%c' in %s literal", c, what);
            return lex_error_at(ls, t->line, t->col, "invalid %s literal", what);
        }
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            too_large = true;
        else
            v = v * (uint64_t)base + (uint64_t)d;
        ndigits++;
        adv(ls);
    }
    if (ndigits == 0 || is_name_char(peekc(ls, 0)))
        return lex_error_at(ls, t->line, t->col, "invalid %s literal", what);
    if (too_large || v > (uint64_t)INT64_MAX + 1)
        return lex_error_at(ls, t->line, t->col, "integer literal too large");
    t->kind = TK_INT;
    t->v.i = v;
    return 0;
}

/* number: prefixed | digits ['.' [digits]] [exponent] | '.' digits [exponent]
 * exponent: ('e'|'E') ['+'|'-'] digits */
static int lex_number(lex_state *ls, lex_token *t)
{
    const char *start = ls->cur;
    int c1 = peekc(ls, 1);
    if (peekc(ls, 0) == '0' && c1 != -1 && strchr("xXoObB", c1))
        return lex_prefixed_int(ls, t);

    bool is_float = false;
    if (peekc(ls, 0) != '.')
        scan_decimal_digits(ls);
    if (peekc(ls, 0) == '.') {
        is_float = true;
        adv(ls);
        if (is_digit(peekc(ls, 0)))
            scan_decimal_digits(ls);
    }
    if (peekc(ls, 0) == 'e' || peekc(ls, 0) == 'E') {
        int k = 1;
        if (peekc(ls, 1) == '+' || peekc(ls, 1) == '-')
            k = 2;
        if (!is_digit(peekc(ls, k)))
            return lex_error_at(ls, t->line, t->col, "invalid decimal literal");
        while (k-- > 0)
            adv(ls);
        scan_decimal_digits(ls);
        is_float = true;
    }
    if (peekc(ls, 0) == 'j' || peekc(ls, 0) == 'J')
        return lex_error_at(ls, t->line, t->col, "complex numbers are not supported in thunder's language");
    if (is_name_char(peekc(ls, 0)))
        return lex_error_at(ls, t->line, t->col, "invalid decimal literal");

    size_t n = (size_t)(ls->cur - start);
    if (!is_float) {
        uint64_t v = 0;
        bool too_large = false, nonzero = false;
        for (size_t i = 0; i < n; i++) {
            if (start[i] == '_')
                continue;
            unsigned d = (unsigned)(start[i] - '0');
            nonzero = nonzero || d != 0;
            if (v > (UINT64_MAX - d) / 10)
                too_large = true;
            else
                v = v * 10 + d;
        }
        if (start[0] == '0' && nonzero)
            return lex_error_at(ls, t->line, t->col,
                                "leading zeros in decimal integer literals are not permitted; "
                                "use an 0o prefix for octal integers");
        if (too_large || v > (uint64_t)INT64_MAX + 1)
            return lex_error_at(ls, t->line, t->col, "integer literal too large");
        t->kind = TK_INT;
        t->v.i = v;
        return 0;
    }

    char *buf = ast_alloc(ls->arena, n + 1);
    if (!buf)
        return lex_oom(ls);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (start[i] != '_')
            buf[m++] = start[i];
    buf[m] = '\0';
    char *endp;
    double d = c_strtod(buf, &endp);
    if (endp != buf + m)
        return lex_error_at(ls, t->line, t->col, "invalid decimal literal");
    t->kind = TK_FLOAT;
    t->v.f = d; /* 1e400 is inf, as in Python */
    return 0;
}

/* ---- strings ------------------------------------------------------------- */

static int hex_digits(lex_state *ls, int n, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        int c = peekc(ls, i);
        int d = digit_value(c);
        if (d < 0 || d >= 16)
            return -1;
        v = v * 16 + (uint32_t)d;
    }
    for (int i = 0; i < n; i++)
        adv(ls);
    *out = v;
    return 0;
}

/* Decodes one escape after the backslash (already passed, at line/col)
 * into out; returns the bytes written or -1. */
static long decode_escape(lex_state *ls, char *out, int line, int col)
{
    static const char simple[] = "\\'\"abfnrtv";
    static const char value[] = "\\'\"\a\b\f\n\r\t\v";
    int e = peekc(ls, 0);
    uint32_t cp;
    const char *hit = e > 0 ? strchr(simple, e) : NULL;
    if (hit) {
        adv(ls);
        out[0] = value[hit - simple];
        return 1;
    }
    switch (e) {
    case '\n':
    case '\r': adv_newline(ls); return 0; /* a backslash joins the lines */
    case 'x':
    case 'u':
    case 'U': {
        int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        adv(ls);
        if (hex_digits(ls, n, &cp) < 0)
            return lex_error_at(ls, line, col, "(unicode error) truncated \\%s escape",
                                e == 'x'   ? "xXX"
                                : e == 'u' ? "uXXXX"
                                           : "UXXXXXXXX");
        if (cp > 0x10FFFF)
            return lex_error_at(ls, line, col, "(unicode error) illegal Unicode character");
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return lex_error_at(ls, line, col,
                                "(unicode error) surrogate code points such as \\u%04x are not "
                                "supported in thunder's strings",
                                (unsigned)cp);
        return (long)utf8_encode(cp, out);
    }
    case 'N': return lex_error_at(ls, line, col, "\\N{...} escapes are not supported in thunder's language");
    default:
        if (e >= '0' && e <= '7') {
            cp = 0;
            for (int i = 0; i < 3 && peekc(ls, 0) >= '0' && peekc(ls, 0) <= '7'; i++) {
                cp = cp * 8 + (uint32_t)(peekc(ls, 0) - '0');
                adv(ls);
            }
            return (long)utf8_encode(cp, out);
        }
        /* Python keeps an unknown escape as it is, backslash included. */
        out[0] = '\\';
        return 1;
    }
}

/* string: prefix? (quote body quote | triple body triple), the prefix
 * already passed (its position in t). */
static int lex_string(lex_state *ls, lex_token *t, bool raw)
{
    int q = peekc(ls, 0);
    bool triple = peekc(ls, 1) == q && peekc(ls, 2) == q;
    int nq = triple ? 3 : 1;
    for (int i = 0; i < nq; i++)
        adv(ls);

    /* First pass: find the end, so the value's buffer can be sized (the
     * decoded text is never longer than its source). */
    const char *body = ls->cur;
    int body_line = ls->line, body_col = ls->col;
    bool after_join = false; /* the last thing read was a backslash-newline */
    for (;;) {
        int c = peekc(ls, 0);
        if (c == -1) {
            /* More lines could finish a triple-quoted string or one whose
             * line ended with a backslash: the workbench asks for them. */
            ls->incomplete = triple || after_join;
            return lex_error_at(ls, t->line, t->col, "unterminated %sstring literal (detected at line %d)",
                                triple ? "triple-quoted " : "", ls->line);
        }
        if (is_newline(c) && !triple)
            return lex_error_at(ls, t->line, t->col, "unterminated string literal (detected at line %d)",
                                ls->line);
        after_join = false;
        if (c == '\\') {
            adv(ls);
            if (peekc(ls, 0) != -1) {
                after_join = is_newline(peekc(ls, 0));
                if (after_join)
                    adv_newline(ls);
                else
                    adv(ls);
            }
            continue;
        }
        if (c == q && (!triple || (peekc(ls, 1) == q && peekc(ls, 2) == q)))
            break;
        adv(ls);
    }
    const char *body_end = ls->cur;
    for (int i = 0; i < nq; i++)
        adv(ls);
    const char *after = ls->cur;
    int after_line = ls->line, after_col = ls->col;

    char *out = ast_alloc(ls->arena, (size_t)(body_end - body) + 1);
    if (!out)
        return lex_oom(ls);
    size_t n = 0;
    ls->cur = body;
    ls->line = body_line;
    ls->col = body_col;
    while (ls->cur < body_end) {
        int c = peekc(ls, 0);
        if (c == '\r') {
            /* Python reads source with universal newlines. */
            adv_newline(ls);
            out[n++] = '\n';
        } else if (c == '\\' && !raw) {
            int line = ls->line, col = ls->col;
            adv(ls);
            long k = decode_escape(ls, out + n, line, col);
            if (k < 0)
                return -1;
            n += (size_t)k;
        } else if (c == '\\') {
            /* raw: the backslash and what follows both stay */
            out[n++] = '\\';
            adv(ls);
            if (ls->cur < body_end && peekc(ls, 0) != '\r') {
                out[n++] = *ls->cur;
                adv(ls);
            }
        } else {
            out[n++] = (char)c;
            adv(ls);
        }
    }
    out[n] = '\0';
    ls->cur = after;
    ls->line = after_line;
    ls->col = after_col;
    t->kind = TK_STRING;
    t->v.str.s = out;
    t->v.str.len = n;
    return 0;
}

/* A name directly followed by a quote may be a string prefix: r, u, b, f
 * and the pairs br, rb, fr, rf in any case. Returns 1 for a prefix this
 * language reads (raw in *raw), 0 for a plain name, -1 for a refusal. */
static int string_prefix(lex_state *ls, const lex_token *t, bool *raw)
{
    if (t->len > 2)
        return 0;
    int nr = 0, nu = 0, nb = 0, nf = 0;
    for (size_t i = 0; i < t->len; i++) {
        switch (t->start[i] | 0x20) {
        case 'r': nr++; break;
        case 'u': nu++; break;
        case 'b': nb++; break;
        case 'f': nf++; break;
        default: return 0;
        }
    }
    if (nr > 1 || nu > 1 || nb > 1 || nf > 1 || (nu && t->len > 1) || (nb && nf))
        return 0;
    if (nb)
        return lex_error_at(ls, t->line, t->col, "bytes literals are not supported in thunder's language");
    if (nf)
        return lex_error_at(ls, t->line, t->col, "f-strings are not supported in thunder's language");
    *raw = nr > 0;
    return 1;
}

/* ---- operators and brackets ---------------------------------------------- */

static int open_bracket(lex_state *ls, lex_token *t, char ch)
{
    if (ls->depth >= PARSE_MAX_DEPTH)
        return lex_error_at(ls, t->line, t->col, "too many nested parentheses");
    lex_bracket *b = &ls->brackets[ls->depth++];
    b->ch = ch;
    b->line = t->line;
    b->col = t->col;
    adv(ls);
    t->kind = ch;
    return 0;
}

static int close_bracket(lex_state *ls, lex_token *t, char ch)
{
    if (ls->depth == 0)
        return lex_error_at(ls, t->line, t->col, "unmatched '%c'", ch);
    const lex_bracket *b = &ls->brackets[ls->depth - 1];
    char want = b->ch == '(' ? ')' : b->ch == '[' ? ']' : '}';
    if (ch != want) {
        if (b->line != t->line)
            return lex_error_at(ls, t->line, t->col,
                                "closing parenthesis '%c' does not match opening parenthesis '%c' on line %d",
                                ch, b->ch, b->line);
        return lex_error_at(ls, t->line, t->col,
                            "closing parenthesis '%c' does not match opening parenthesis '%c'", ch, b->ch);
    }
    ls->depth--;
    adv(ls);
    t->kind = ch;
    return 0;
}

/* Operators made of one to three characters: the longest match wins. */
static int lex_operator(lex_state *ls, lex_token *t)
{
    int c = peekc(ls, 0), c1 = peekc(ls, 1), c2 = peekc(ls, 2);
    int kind = c, n = 1;
    switch (c) {
    case '+':
    case '%':
    case '@':
    case '&':
    case '|':
    case '^':
        if (c1 == '=')
            kind = TK_AUGASSIGN, n = 2;
        break;
    case '-':
        if (c1 == '=')
            kind = TK_AUGASSIGN, n = 2;
        else if (c1 == '>')
            kind = TK_ARROW, n = 2;
        break;
    case '*':
        if (c1 == '*')
            kind = c2 == '=' ? TK_AUGASSIGN : TK_POW, n = c2 == '=' ? 3 : 2;
        else if (c1 == '=')
            kind = TK_AUGASSIGN, n = 2;
        break;
    case '/':
        if (c1 == '/')
            kind = c2 == '=' ? TK_AUGASSIGN : TK_FLOORDIV, n = c2 == '=' ? 3 : 2;
        else if (c1 == '=')
            kind = TK_AUGASSIGN, n = 2;
        break;
    case '<':
        if (c1 == '<')
            kind = c2 == '=' ? TK_AUGASSIGN : TK_LSHIFT, n = c2 == '=' ? 3 : 2;
        else if (c1 == '=')
            kind = TK_LE, n = 2;
        break;
    case '>':
        if (c1 == '>')
            kind = c2 == '=' ? TK_AUGASSIGN : TK_RSHIFT, n = c2 == '=' ? 3 : 2;
        else if (c1 == '=')
            kind = TK_GE, n = 2;
        break;
    case '=':
        if (c1 == '=')
            kind = TK_EQ, n = 2;
        break;
    case '!':
        if (c1 != '=')
            return lex_error_at(ls, t->line, t->col, "invalid character '!' (U+0021)");
        kind = TK_NE, n = 2;
        break;
    case ':':
        if (c1 == '=')
            kind = TK_WALRUS, n = 2;
        break;
    case '.':
        if (c1 == '.' && c2 == '.')
            kind = TK_ELLIPSIS, n = 3;
        break;
    case '~':
    case ',':
    case ';': break;
    default: return 1; /* not an operator */
    }
    for (int i = 0; i < n; i++)
        adv(ls);
    t->kind = kind;
    return 0;
}

static int invalid_character(lex_state *ls, lex_token *t)
{
    uint32_t cp = 0;
    int n = utf8_decode((const unsigned char *)ls->cur, (const unsigned char *)ls->end, &cp);
    if (n <= 0) /* lex_init checked the text, so this cannot happen */
        return lex_error_at(ls, t->line, t->col, "invalid character");
    /* Characters that look like nothing on screen get a code, not a glyph:
     * a no-break space pasted from a web page is the usual culprit. */
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD ||
        (cp >= 0x200B && cp <= 0x200F) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF)
        return lex_error_at(ls, t->line, t->col, "invalid non-printable character U+%04X", (unsigned)cp);
    return lex_error_at(ls, t->line, t->col, "invalid character '%.*s' (U+%04X)", n, ls->cur, (unsigned)cp);
}

/* ---- the token loop ------------------------------------------------------ */

/* Skips blanks, comments, backslash-newline joins and, inside brackets,
 * line breaks. */
static int skip_space(lex_state *ls)
{
    for (;;) {
        int c = peekc(ls, 0);
        if (c == ' ' || c == '\t' || c == '\f') {
            adv(ls);
        } else if (c == '#') {
            while (ls->cur < ls->end && !is_newline(peekc(ls, 0)))
                adv(ls);
        } else if (c == '\\') {
            int line = ls->line, col = ls->col;
            int n = peekc(ls, 1);
            if (n != -1 && !is_newline(n))
                return lex_error_at(ls, line, col, "unexpected character after line continuation character");
            adv(ls);
            if (n != -1)
                adv_newline(ls);
            if (ls->cur == ls->end) {
                ls->incomplete = true;
                return lex_error_at(ls, ls->line, ls->col, "unexpected EOF while parsing");
            }
        } else if (is_newline(c) && ls->depth > 0) {
            adv_newline(ls);
        } else {
            return 0;
        }
    }
}

static int lex_token_body(lex_state *ls, lex_token *t)
{
    int c = peekc(ls, 0);
    if (c == -1) {
        if (ls->depth > 0) {
            const lex_bracket *b = &ls->brackets[ls->depth - 1];
            ls->incomplete = true;
            return lex_error_at(ls, b->line, b->col, "'%c' was never closed", b->ch);
        }
        t->kind = TK_EOF;
        return 0;
    }
    if (is_newline(c)) {
        adv_newline(ls);
        t->kind = TK_NEWLINE;
        return 0;
    }
    if (is_name_start(c)) {
        while (is_name_char(peekc(ls, 0)))
            adv(ls);
        t->len = (size_t)(ls->cur - t->start);
        if (peekc(ls, 0) == '\'' || peekc(ls, 0) == '"') {
            bool raw = false;
            int r = string_prefix(ls, t, &raw);
            if (r < 0)
                return -1;
            if (r > 0) {
                t->len = 0;
                return lex_string(ls, t, raw);
            }
        }
        t->kind = keyword_kind(t->start, t->len);
        return 0;
    }
    if (is_digit(c) || (c == '.' && is_digit(peekc(ls, 1))))
        return lex_number(ls, t);
    if (c == '\'' || c == '"')
        return lex_string(ls, t, false);
    switch (c) {
    case '(':
    case '[':
    case '{': return open_bracket(ls, t, (char)c);
    case ')':
    case ']':
    case '}': return close_bracket(ls, t, (char)c);
    }
    int r = lex_operator(ls, t);
    if (r <= 0)
        return r;
    return invalid_character(ls, t);
}

int lex_next(lex_state *ls, lex_token *t)
{
    if (ls->failed)
        return -1;
    memset(t, 0, sizeof *t);
    if (skip_space(ls) < 0)
        return -1;
    t->line = ls->line;
    t->col = ls->col;
    t->start = ls->cur;
    if (lex_token_body(ls, t) < 0)
        return -1;
    if (t->len == 0) /* names set theirs */
        t->len = (size_t)(ls->cur - t->start);
    /* Long lines are refused so that no single statement can make the
     * parser and the workbench's line editor chew on megabytes. */
    if (ls->cur - ls->logical > PARSE_MAX_LINE)
        return lex_error_at(ls, t->line, t->col, "line too long (more than %d characters)", PARSE_MAX_LINE);
    if (t->kind == TK_NEWLINE)
        ls->logical = ls->cur;
    return 0;
}

/* Sanitising and measuring text for the screen. */
#define _GNU_SOURCE
#include "text.h"

#include <stdint.h>
#include <wchar.h>

static bool utf8_mode;

void text_set_utf8(bool on)
{
    utf8_mode = on;
}

bool text_utf8(void)
{
    return utf8_mode;
}

/* Decodes one UTF-8 sequence; UINT32_MAX for an invalid one (*n = 1). */
static uint32_t decode(const unsigned char *s, size_t len, size_t *n)
{
    *n = 1;
    unsigned c = s[0];
    if (c < 0x80)
        return c;
    int extra;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
        extra = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        extra = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        extra = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return UINT32_MAX;
    }
    if ((size_t)extra >= len)
        return UINT32_MAX;
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return UINT32_MAX;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return UINT32_MAX;
    *n = (size_t)extra + 1;
    return cp;
}

/* Characters that print nothing but change how the terminal lays out
 * what follows (bidirectional overrides, zero-width joiners and marks). */
static bool is_layout_control(uint32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF || cp == 0x061C;
}

size_t text_char(const char *s, size_t len, int *cols)
{
    size_t n;
    uint32_t cp = decode((const unsigned char *)s, len, &n);
    if (cp == UINT32_MAX || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || is_layout_control(cp)) {
        *cols = -1;
        return n;
    }
    if (cp < 0x80) {
        *cols = 1;
        return n;
    }
    if (!utf8_mode) {
        *cols = -1;
        return n;
    }
    int w = wcwidth((wchar_t)cp);
    *cols = w < 0 ? -1 : w;
    return n;
}

void text_sanitize(strbuf *sb, const char *s, size_t len, bool keep_newlines, int *colp)
{
    int col = colp ? *colp : 0;
    size_t i = 0;
    while (i < len) {
        if (s[i] == '\t') {
            int n = 4 - col % 4;
            sb_addrep(sb, ' ', (size_t)n);
            col += n;
            i++;
            continue;
        }
        if (s[i] == '\n' && keep_newlines) {
            sb_addc(sb, '\n');
            col = 0;
            i++;
            continue;
        }
        int w;
        size_t n = text_char(s + i, len - i, &w);
        if (w < 0) {
            sb_addc(sb, '?');
            col++;
        } else {
            sb_addn(sb, s + i, n);
            col += w;
        }
        i += n;
    }
    if (colp)
        *colp = col;
}

size_t text_fit(const char *s, size_t len, int maxcols, int *used)
{
    size_t i = 0;
    int cols = 0;
    while (i < len) {
        int w;
        size_t n = text_char(s + i, len - i, &w);
        if (w < 0)
            w = 1; /* drawn as '?' */
        if (cols + w > maxcols)
            break;
        cols += w;
        i += n;
    }
    if (used)
        *used = cols;
    return i;
}

int text_width(const char *s, size_t len)
{
    int used;
    text_fit(s, len, 1 << 30, &used);
    return used;
}

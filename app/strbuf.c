/* Growable string buffer; see strbuf.h. */
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_oom(size_t want)
{
    fprintf(stderr, "thunder: out of memory (a string of %zu bytes)\n", want);
    abort();
}

void sb_init(strbuf *sb)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void sb_free(strbuf *sb)
{
    free(sb->buf);
    sb_init(sb);
}

const char *sb_str(const strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

char *sb_steal(strbuf *sb)
{
    char *s = sb->buf;
    if (!s) {
        s = malloc(1);
        if (!s)
            sb_oom(1);
        s[0] = '\0';
    }
    sb_init(sb);
    return s;
}

void sb_reserve(strbuf *sb, size_t extra)
{
    if (extra > SIZE_MAX - sb->len - 1)
        sb_oom(SIZE_MAX);
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(sb->buf, cap);
    if (!p)
        sb_oom(cap);
    if (!sb->buf)
        p[0] = '\0';
    sb->buf = p;
    sb->cap = cap;
}

void sb_addn(strbuf *sb, const char *s, size_t n)
{
    sb_reserve(sb, n);
    if (n)
        memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_add(strbuf *sb, const char *s)
{
    sb_addn(sb, s, strlen(s));
}

void sb_addc(strbuf *sb, char c)
{
    sb_addn(sb, &c, 1);
}

void sb_addrep(strbuf *sb, char c, size_t n)
{
    sb_reserve(sb, n);
    memset(sb->buf + sb->len, c, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return; /* an invalid format: nothing sensible to append */
    if ((size_t)n < sizeof small) {
        sb_addn(sb, small, (size_t)n);
        return;
    }
    sb_reserve(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(sb, fmt, ap);
    va_end(ap);
}

void sb_truncate(strbuf *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->buf[len] = '\0';
    }
}

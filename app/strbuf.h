/* A growable, NUL-terminated string buffer for the language and the printer.
 *
 * App code only: running out of memory prints a message and aborts, since a
 * workbench that cannot build a string has no useful way to go on. */
#ifndef THUNDER_STRBUF_H
#define THUNDER_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf;  /* NULL until something is added; sb_str() hides that */
    size_t len; /* bytes in use, not counting the NUL */
    size_t cap; /* bytes allocated */
} strbuf;

/* clang-format off */
#define SB_INIT {NULL, 0, 0}
/* clang-format on */

void sb_init(strbuf *sb);
void sb_free(strbuf *sb);
/* The contents, never NULL ("" for an empty buffer); valid until the next change. */
const char *sb_str(const strbuf *sb);
/* Hands the malloc'd string to the caller (never NULL) and leaves sb empty. */
char *sb_steal(strbuf *sb);

/* Makes room for at least `extra` more bytes plus the NUL. */
void sb_reserve(strbuf *sb, size_t extra);
void sb_add(strbuf *sb, const char *s);
void sb_addn(strbuf *sb, const char *s, size_t n);
void sb_addc(strbuf *sb, char c);
/* Appends n copies of c (indentation and padding). */
void sb_addrep(strbuf *sb, char c, size_t n);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf *sb, const char *fmt, va_list ap);
/* Cuts the contents back to len bytes (no-op when already shorter). */
void sb_truncate(strbuf *sb, size_t len);

#endif

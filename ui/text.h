/* Text made safe to draw: whatever a command prints (file names, strings
 * with control characters, invalid UTF-8) reaches the screen only as
 * printable characters, so it cannot move the cursor or send the terminal
 * an escape sequence. Every string the workbench draws goes through here. */
#ifndef THUNDER_UI_TEXT_H
#define THUNDER_UI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Whether the terminal takes UTF-8 (from the locale); otherwise only
 * printable ASCII is drawn. */
void text_set_utf8(bool on);
bool text_utf8(void);

/* Appends s to sb keeping printable characters; a tab becomes spaces up
 * to the next multiple of 4 (counting from *col, updated; may be NULL),
 * and control characters, invalid UTF-8 and code points that do not print
 * become '?'. Newlines are kept when keep_newlines, else they become '?'. */
void text_sanitize(strbuf *sb, const char *s, size_t len, bool keep_newlines, int *col);

/* One character of s (at most len bytes): its length in bytes and, in
 * *cols, its width on screen (-1 when it must not be drawn as is). */
size_t text_char(const char *s, size_t len, int *cols);

/* How many bytes of sanitized text s fit in maxcols columns; *used gets
 * the columns they take (may be NULL). Never splits a character. */
size_t text_fit(const char *s, size_t len, int maxcols, int *used);

/* Columns taken by sanitized text s. */
int text_width(const char *s, size_t len);

#endif

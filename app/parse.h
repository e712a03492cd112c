/* The hand-written lexer and recursive-descent parser. */
#ifndef THUNDER_PARSE_H
#define THUNDER_PARSE_H

#include <stddef.h>

#include "ast.h"
#include "thunder/error.h"

/* Limits that turn hostile input into errors instead of crashes. */
#define PARSE_MAX_DEPTH 200       /* nesting of brackets and expressions */
#define PARSE_MAX_LINE  (1 << 20) /* characters in one logical line */

/* Where a syntax error is. line/col are 1-based. */
typedef struct parse_pos {
    int line, col;
} parse_pos;

/* Parses a whole source text (several statements, separated by newlines or
 * ';'; lines continue inside brackets and after a backslash). Line numbers
 * start at first_line. On error returns -1 with TD_ESYNTAX and *pos set. */
int parse_program(const char *src, size_t len, int first_line, ast_arena *arena, ast_program *out,
                  parse_pos *pos, td_err *err);

/* True when src is an incomplete statement that more lines could finish
 * (an open bracket or a trailing backslash): the workbench then asks for a
 * continuation line. */
int parse_needs_more(const char *src, size_t len);

#endif

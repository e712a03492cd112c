/* The lexer of the workbench language: turns source text into tokens for
 * the parser, one at a time.
 *
 * Positions are 1-based; a column counts characters (UTF-8 code points),
 * not bytes, so a caret lines up under the right character. */
#ifndef THUNDER_LEX_H
#define THUNDER_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "parse.h"
#include "thunder/error.h"

/* Token kinds. A single-character operator or bracket is its own character
 * code; everything else has a code above 255. */
enum {
    TK_EQ = 257,  /* == */
    TK_NE,        /* != */
    TK_LE,        /* <= */
    TK_GE,        /* >= */
    TK_LSHIFT,    /* << */
    TK_RSHIFT,    /* >> */
    TK_POW,       /* ** */
    TK_FLOORDIV,  /* // */
    TK_ARROW,     /* -> */
    TK_WALRUS,    /* := */
    TK_ELLIPSIS,  /* ... */
    TK_AUGASSIGN, /* += -= *= ... (refused by the parser with a clear message) */
    /* keywords, in the order of lex_keyword_text's table */
    TK_FALSE,
    TK_NONE,
    TK_TRUE,
    TK_AND,
    TK_AS,
    TK_ASSERT,
    TK_ASYNC,
    TK_AWAIT,
    TK_BREAK,
    TK_CLASS,
    TK_CONTINUE,
    TK_DEF,
    TK_DEL,
    TK_ELIF,
    TK_ELSE,
    TK_EXCEPT,
    TK_FINALLY,
    TK_FOR,
    TK_FROM,
    TK_GLOBAL,
    TK_IF,
    TK_IMPORT,
    TK_IN,
    TK_IS,
    TK_LAMBDA,
    TK_NONLOCAL,
    TK_NOT,
    TK_OR,
    TK_PASS,
    TK_RAISE,
    TK_RETURN,
    TK_TRY,
    TK_WHILE,
    TK_WITH,
    TK_YIELD,
    TK_LAST_KEYWORD = TK_YIELD,
    /* tokens with a value */
    TK_NAME,
    TK_INT,
    TK_FLOAT,
    TK_STRING,
    TK_NEWLINE, /* end of a logical line (never inside brackets) */
    TK_EOF
};

typedef struct lex_token {
    int kind;
    int line, col;     /* of the token's first character */
    const char *start; /* the token's text in the source (a NAME's name) */
    size_t len;
    union {
        /* TK_INT: at most 2^63; the one value above INT64_MAX is only valid
         * as the operand of unary minus, which the parser checks */
        uint64_t i;
        double f; /* TK_FLOAT */
        struct {
            char *s; /* TK_STRING: escapes decoded, UTF-8, in the arena */
            size_t len;
        } str;
    } v;
} lex_token;

typedef struct lex_bracket {
    char ch;
    int line, col;
} lex_bracket;

typedef struct lex_state {
    const char *src, *cur, *end;
    const char *logical; /* where the current logical line began */
    int line, col;       /* position of *cur */
    int depth;           /* open brackets */
    lex_bracket brackets[PARSE_MAX_DEPTH];
    ast_arena *arena; /* string values live here */
    td_err *err;      /* may be NULL */
    parse_pos *pos;   /* may be NULL */
    bool failed;
    /* The last error only says the input ended too soon (an open bracket,
     * an unterminated triple-quoted string, a trailing backslash). */
    bool incomplete;
} lex_state;

/* Checks the whole source first (size, NUL bytes, UTF-8), as Python decodes
 * a file before it tokenizes it. Returns 0, or -1 with TD_ESYNTAX in err
 * and the offending position in *pos. */
int lex_init(lex_state *ls, const char *src, size_t len, int first_line, ast_arena *arena, td_err *err,
             parse_pos *pos);

/* Reads the next token into *tok; 0, or -1 after filling err and pos.
 * After the end it keeps returning TK_EOF. */
int lex_next(lex_state *ls, lex_token *tok);

/* The text of a keyword kind ("for"), or NULL for other kinds. */
const char *lex_keyword_text(int kind);

#endif

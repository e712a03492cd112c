/* The syntax tree of the workbench language (a subset of Python).
 *
 * Ownership: every node of one parse lives in that parse's ast_arena and
 * is freed with it; the tree is never changed after parsing, so lambdas
 * may point into it while the arena lives (the interpreter keeps the
 * arenas of every statement that defined a lambda). */
#ifndef THUNDER_AST_H
#define THUNDER_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ast_arena ast_arena;

typedef enum ast_kind {
    /* expressions */
    AST_NONE,      /* None */
    AST_BOOL,      /* True / False: u.b */
    AST_INT,       /* u.i (fits int64; larger literals are a syntax error) */
    AST_FLOAT,     /* u.f */
    AST_STR,       /* u.str (escapes already decoded; adjacent literals joined) */
    AST_NAME,      /* u.name */
    AST_LIST,      /* u.seq */
    AST_TUPLE,     /* u.seq (also the bare `a, b` form) */
    AST_UNARY,     /* u.unary: op is '-', '+', '~' or 'n' (not) */
    AST_BINARY,    /* u.binary: op is an ast_binop */
    AST_COMPARE,   /* u.compare: chained a < b <= c */
    AST_AND,       /* u.binary (short-circuit) */
    AST_OR,        /* u.binary (short-circuit) */
    AST_IFEXP,     /* u.ifexp: body if cond else orelse */
    AST_CALL,      /* u.call */
    AST_ATTR,      /* u.attr: value.name */
    AST_SUBSCRIPT, /* u.subscript: value[index]; index is a TUPLE for a[i, j] */
    AST_SLICE,     /* u.slice: only inside a subscript; missing parts are NULL */
    AST_LAMBDA,    /* u.lambda */
    AST_STARRED,   /* u.starred: *x in a call's arguments */
    /* statements */
    AST_EXPR_STMT,   /* u.expr_stmt */
    AST_ASSIGN,      /* u.assign: targets = value; a target is NAME, TUPLE of NAMEs or LIST of NAMEs */
    AST_DEL,         /* u.del */
    AST_IMPORT,      /* u.import: import a.b as c */
    AST_FROM_IMPORT, /* u.from_import: from a import b as c, d */
    AST_PASS
} ast_kind;

typedef enum ast_binop {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_FLOORDIV,
    OP_MOD,
    OP_POW,
    OP_MATMUL,
    OP_BITAND,
    OP_BITOR,
    OP_BITXOR,
    OP_LSHIFT,
    OP_RSHIFT
} ast_binop;

typedef enum ast_cmpop {
    CMP_EQ,
    CMP_NE,
    CMP_LT,
    CMP_LE,
    CMP_GT,
    CMP_GE,
    CMP_IN,
    CMP_NOTIN,
    CMP_IS,
    CMP_ISNOT
} ast_cmpop;

typedef struct ast ast;

typedef struct ast_keyword {
    const char *name; /* NULL for **kwargs (not supported: a syntax error) */
    ast *value;
} ast_keyword;

struct ast {
    ast_kind kind;
    int line, col; /* 1-based position of the node's first token in the source */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *s;
            size_t len;
        } str;
        const char *name;
        struct {
            ast **items;
            int n;
        } seq;
        struct {
            char op;
            ast *operand;
        } unary;
        struct {
            ast_binop op;
            ast *left, *right;
        } binary;
        struct {
            ast *first;
            ast_cmpop *ops;
            ast **rest;
            int n;
        } compare;
        struct {
            ast *cond, *body, *orelse;
        } ifexp;
        struct {
            ast *func;
            ast **args;
            int nargs;
            ast_keyword *kw;
            int nkw;
        } call;
        struct {
            ast *value;
            const char *name;
        } attr;
        struct {
            ast *value;
            ast *index;
        } subscript;
        struct {
            ast *start, *stop, *step;
        } slice;
        struct {
            const char **params;
            ast **defaults;
            int nparams;
            ast *body;
        } lambda; /* defaults[i] may be NULL */
        struct {
            ast *value;
        } starred;
        struct {
            ast *value;
        } expr_stmt;
        struct {
            ast **targets;
            int ntargets;
            ast *value;
        } assign; /* a = b = value */
        struct {
            ast **targets;
            int n;
        } del;
        struct {
            const char *module;
            const char *asname;
        } import; /* module "a.b"; asname may be NULL */
        struct {
            const char *module;
            const char **names;
            const char **asnames;
            int n;
        } from_import;
    } u;
};

/* One parsed program: its statements in order. */
typedef struct ast_program {
    ast **stmts;
    int n;
} ast_program;

ast_arena *ast_arena_new(void);
void ast_arena_free(ast_arena *a);
/* Zeroed memory that lives as long as the arena. */
void *ast_alloc(ast_arena *a, size_t n);
char *ast_strdup(ast_arena *a, const char *s, size_t len);

#endif

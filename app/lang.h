/* Internals shared by the interpreter's files (value.c, ops.c, eval.c,
 * interp.c, registry.c, m_builtins.c); nothing outside the language
 * includes this. */
#ifndef THUNDER_LANG_H
#define THUNDER_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "interp.h"
#include "registry.h"
#include "strbuf.h"
#include "value.h"

#include "m_data.h"

/* Limits that turn runaway programs into errors instead of crashes. */
#define LANG_MAX_CALL_DEPTH 500  /* nested lambda calls */
#define LANG_MAX_EVAL_DEPTH 4000 /* nested expression evaluations, across calls */

/* One parse's arena, kept alive by every lambda made from it. */
typedef struct lang_unit {
    int refcount; /* atomic */
    ast_arena *arena;
} lang_unit;

lang_unit *lang_unit_new(ast_arena *arena); /* takes over arena */
lang_unit *lang_unit_retain(lang_unit *u);
void lang_unit_release(lang_unit *u);

/* The parameters of the lambdas a lambda body is nested in: a chain of
 * frames, each shared by the closures created while it was live. */
typedef struct lang_env {
    int refcount; /* atomic */
    struct lang_env *parent;
    int n;
    const char *const *names; /* the lambda's parameter names (in its arena) */
    value **vals;
} lang_env;

lang_env *lang_env_retain(lang_env *e);
void lang_env_release(lang_env *e);

struct lambda {
    const ast *node; /* AST_LAMBDA */
    lang_unit *unit;
    lang_env *env;    /* the enclosing frames, or NULL at top level */
    value **defaults; /* nparams entries, NULL where there is none */
    interp *in;       /* whose workspace holds the globals */
};

void lang_lambda_free(struct lambda *fn);

/* Evaluation context of one thread's evaluation: who, which frames, and
 * where an error happened (the innermost node that failed). */
typedef struct lang_ctx {
    interp *in; /* NULL while evaluating registry defaults */
    lang_env *env;
    lang_unit *unit;
    int err_line, err_col;
} lang_ctx;

value *lang_eval(lang_ctx *cx, const ast *e, td_err *err);

/* Calls any callable value with positional and keyword arguments. */
value *lang_call(interp *in, value *fn, int nargs, value **args, int nkw, const char **kwnames,
                 value **kwvals, td_err *err);

/* Per-thread depth counters (lambda calls and expression nesting). */
int lang_depth_enter(td_err *err);
void lang_depth_leave(void);

/* Names: workspace first, then the predefined names (td, np, images,
 * series) and the builtins. Returns a new reference or NULL (no error set). */
value *lang_lookup_global(const interp *in, const char *name);
value *lang_predefined(const char *name);

/* --- operators (ops.c) --- */
value *op_binary(ast_binop op, value *a, value *b, td_err *err);
value *op_unary(char op, value *v, td_err *err);
/* One comparison; `in`/`not in` test a in b. */
value *op_compare(ast_cmpop op, value *a, value *b, td_err *err);
/* Python's ==, as a truth value (arrays compared element-wise then
 * reduced by truthiness, as Python does with a list holding arrays). */
int op_equal(value *a, value *b, bool *out, td_err *err);
/* a < b as a truth value, for min/max/sorting. */
int op_less(value *a, value *b, bool *out, td_err *err);

/* --- attributes, indexing, iteration (eval.c) --- */
value *lang_getattr(interp *in, value *obj, const char *name, td_err *err);
value *lang_subscript(value *obj, value *index, td_err *err);
/* The items of an iterable (list, tuple, str, ndarray rows), new
 * references in a malloc'd array the caller frees with lang_items_free. */
int lang_items(value *v, value ***items, int64_t *n, td_err *err);
void lang_items_free(value **items, int64_t n);
/* Refuses result sizes beyond what memory allows (string and list repetition). */
int lang_check_alloc(size_t count, size_t elem, td_err *err);

/* UTF-8 helpers for str: length in code points, and the byte offset of
 * code point i. */
int64_t lang_str_len(const value *s);
size_t lang_str_offset(const value *s, int64_t i);

/* repr / str into a strbuf; never fail for plain values. */
void lang_type_error_operands(td_err *err, const char *opname, const value *a, const value *b);
/* Integer overflow, with a word on why (Python's ints are unbounded). */
int lang_overflow(td_err *err);

/* Levenshtein distance, capped: for did-you-mean suggestions. */
int lang_edit_distance(const char *a, const char *b);
/* The largest distance at which cand is offered for the unknown name. */
int lang_suggest_limit(const char *name, const char *cand);
/* A defined name close to `name` (workspace, predefined, builtins), or NULL. */
const char *lang_suggest_name(const interp *in, const char *name);

/* --- the interpreter's output and help (interp.c) --- */
void lang_help(interp *in, value *v);
void lang_vars(interp *in);
bool lang_is_builtin(const value *v, const char *name);

/* Registry defaults: the value of a parameter's default source, parsed
 * and evaluated once and cached (thread-safe). Borrowed, or NULL with err. */
value *reg_default_value(const reg_param *p, td_err *err);
/* The name to show for a parameter (without a leading '*'). */
const char *reg_param_name(const reg_param *p);
/* Index of the varargs parameter of fn, or -1. */
int reg_varargs_index(const reg_func *fn);
/* Converts v for a parameter of type t; for error messages, fname/pname. */
value *reg_convert(ptype t, value *v, const char *fname, const char *pname, td_err *err);
/* The table a builtin/method belongs to ("Images", "np", ...), or NULL. */
const reg_table *reg_table_of(const reg_func *fn);

#endif

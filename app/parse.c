/* The recursive-descent parser of the workbench language, a subset of
 * Python. Each parse function opens with the grammar rule it reads.
 *
 * Every node goes into the caller's arena, so an error anywhere simply
 * returns: the caller frees the arena and nothing leaks. Errors are
 * TD_ESYNTAX with Python's wording where Python has one, and a message
 * that names the unsupported feature where this language is smaller. */
#include "parse.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

/* The height of one statement's tree: the interpreter walks trees
 * recursively, so a left-leaning chain such as 1+1+...+1 (built by a loop
 * here, not by recursion) must not grow without bound either. */
#define PARSE_MAX_HEIGHT (5 * PARSE_MAX_DEPTH)

/* Lambdas with more parameters than this are surely not typed by hand. */
#define PARSE_MAX_PARAMS 255

typedef struct parser {
    lex_state ls;
    lex_token tok;   /* the current token */
    lex_token ahead; /* one more, when peek() read it */
    bool has_ahead;
    ast_arena *arena;
    td_err *err;
    parse_pos *pos;
    int depth; /* recursion guard, see enter() */
    bool failed;
} parser;

/* A growable array in the arena; the copies left behind when it grows
 * stay in the arena, which at most doubles the space used. */
typedef struct pvec {
    void *data;
    int n, cap;
} pvec;

static ast *parse_test(parser *p);

/* ---- errors -------------------------------------------------------------- */

static void *error_at(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *error_at(parser *p, int line, int col, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        td_err_vset(p->err, TD_ESYNTAX, fmt, ap);
        va_end(ap);
        if (p->pos) {
            p->pos->line = line;
            p->pos->col = col;
        }
        p->failed = true;
    }
    return NULL;
}

static void *oom(parser *p)
{
    if (!p->failed) {
        td_err_set(p->err, TD_EMEMORY, "out of memory while parsing");
        if (p->pos) {
            p->pos->line = p->tok.line;
            p->pos->col = p->tok.col;
        }
        p->failed = true;
    }
    return NULL;
}

/* An error about the current token, worded for what it is. */
static void *unexpected(parser *p)
{
    const lex_token *t = &p->tok;
    switch (t->kind) {
    case TK_EOF: return error_at(p, t->line, t->col, "unexpected EOF while parsing");
    case TK_WALRUS:
        return error_at(p, t->line, t->col,
                        "assignment expressions (':=') are not supported in thunder's language");
    case TK_YIELD:
    case TK_AWAIT:
        return error_at(p, t->line, t->col, "'%s' expressions are not supported in thunder's language",
                        lex_keyword_text(t->kind));
    case '{':
        return error_at(p, t->line, t->col,
                        "dict and set displays ('{...}') are not supported in thunder's language");
    case '*': return error_at(p, t->line, t->col, "can't use starred expression here");
    default: return error_at(p, t->line, t->col, "invalid syntax");
    }
}

/* ---- tokens -------------------------------------------------------------- */

static int advance(parser *p)
{
    if (p->has_ahead) {
        p->tok = p->ahead;
        p->has_ahead = false;
        return 0;
    }
    if (lex_next(&p->ls, &p->tok) < 0) {
        p->failed = true;
        return -1;
    }
    return 0;
}

/* The token after the current one, or NULL after a lexical error. */
static const lex_token *peek(parser *p)
{
    if (!p->has_ahead) {
        if (lex_next(&p->ls, &p->ahead) < 0) {
            p->failed = true;
            return NULL;
        }
        p->has_ahead = true;
    }
    return &p->ahead;
}

/* Tokens that can begin an expression: after a complete item inside
 * brackets one of these means a forgotten comma. */
static bool starts_expr(int k)
{
    switch (k) {
    case TK_NAME:
    case TK_INT:
    case TK_FLOAT:
    case TK_STRING:
    case TK_NONE:
    case TK_TRUE:
    case TK_FALSE:
    case TK_LAMBDA:
    case TK_NOT:
    case TK_ELLIPSIS:
    case '(':
    case '[':
    case '{':
    case '-':
    case '+':
    case '~': return true;
    default: return false;
    }
}

/* After an item inside brackets came neither ',' nor the closer. */
static void *after_item_error(parser *p, const ast *item)
{
    if (starts_expr(p->tok.kind) && item)
        return error_at(p, item->line, item->col, "invalid syntax. Perhaps you forgot a comma?");
    return unexpected(p);
}

/* ---- building ------------------------------------------------------------ */

static ast *mk(parser *p, ast_kind kind, int line, int col)
{
    ast *e = ast_alloc(p->arena, sizeof *e);
    if (!e)
        return oom(p);
    e->kind = kind;
    e->line = line;
    e->col = col;
    return e;
}

static int vpush(parser *p, pvec *v, const void *elem, size_t size)
{
    if (v->n == v->cap) {
        if (v->cap > (1 << 28)) {
            oom(p);
            return -1;
        }
        int cap = v->cap ? v->cap * 2 : 4;
        void *data = ast_alloc(p->arena, (size_t)cap * size);
        if (!data) {
            oom(p);
            return -1;
        }
        if (v->n)
            memcpy(data, v->data, (size_t)v->n * size);
        v->data = data;
        v->cap = cap;
    }
    memcpy((char *)v->data + (size_t)v->n * size, elem, size);
    v->n++;
    return 0;
}

static int push_node(parser *p, pvec *v, ast *e)
{
    return vpush(p, v, &e, sizeof e);
}

static const char *token_name(parser *p, const lex_token *t)
{
    const char *s = ast_strdup(p->arena, t->start, t->len);
    return s ? s : oom(p);
}

/* The recursion guard: every level of nesting that recursion builds
 * (brackets, unary operators, right-associative powers, 'not', lambda
 * bodies, conditional expressions) passes here. */
static int enter(parser *p)
{
    if (++p->depth > PARSE_MAX_DEPTH) {
        error_at(p, p->tok.line, p->tok.col, "expression too deeply nested");
        return -1;
    }
    return 0;
}

static void leave(parser *p)
{
    p->depth--;
}

/* Index of the first name that repeats an earlier one, or -1. Sorting keeps
 * a hostile call with 100000 keywords from taking quadratic time. */
typedef struct named_ix {
    const char *name;
    int ix;
} named_ix;

static int cmp_named(const void *a, const void *b)
{
    const named_ix *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->ix > y->ix) - (x->ix < y->ix);
}

static int first_repeat(parser *p, const char *const *names, size_t stride, int n)
{
    if (n < 2)
        return -1;
    named_ix *v = ast_alloc(p->arena, (size_t)n * sizeof *v);
    if (!v) {
        oom(p);
        return -2;
    }
    for (int i = 0; i < n; i++) {
        v[i].name = *(const char *const *)((const char *)names + (size_t)i * stride);
        v[i].ix = i;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_named);
    int best = -1;
    for (int i = 1; i < n; i++)
        if (!strcmp(v[i].name, v[i - 1].name) && (i < 2 || strcmp(v[i - 1].name, v[i - 2].name)))
            if (best < 0 || v[i].ix < best)
                best = v[i].ix;
    return best;
}

/* ---- atoms --------------------------------------------------------------- */

/* strings: STRING+ (adjacent literals are one value, as in Python) */
static ast *parse_strings(parser *p)
{
    ast *e = mk(p, AST_STR, p->tok.line, p->tok.col);
    if (!e)
        return NULL;
    const char *s = p->tok.v.str.s;
    size_t len = p->tok.v.str.len;
    if (advance(p) < 0)
        return NULL;
    while (p->tok.kind == TK_STRING) {
        size_t add = p->tok.v.str.len;
        char *joined = ast_alloc(p->arena, len + add + 1);
        if (!joined)
            return oom(p);
        memcpy(joined, s, len);
        memcpy(joined + len, p->tok.v.str.s, add);
        s = joined;
        len += add;
        if (advance(p) < 0)
            return NULL;
    }
    e->u.str.s = s;
    e->u.str.len = len;
    return e;
}

/* item: test, where a '*' gets a clear refusal (starred items are only
 * valid among a call's arguments) */
static ast *parse_item(parser *p)
{
    if (p->tok.kind == '*')
        return unexpected(p);
    return parse_test(p);
}

/* paren: '(' ')' | '(' test ')' | '(' test ',' [test (',' test)* [',']] ')' */
static ast *parse_paren(parser *p)
{
    lex_token open = p->tok;
    if (advance(p) < 0)
        return NULL;
    if (p->tok.kind == ')') {
        if (advance(p) < 0)
            return NULL;
        return mk(p, AST_TUPLE, open.line, open.col);
    }
    ast *first = parse_item(p);
    if (!first)
        return NULL;
    if (p->tok.kind == TK_FOR)
        return error_at(p, p->tok.line, p->tok.col,
                        "generator expressions are not supported in thunder's language");
    if (p->tok.kind == ')') {
        if (advance(p) < 0)
            return NULL;
        return first; /* parentheses only group */
    }
    if (p->tok.kind != ',')
        return after_item_error(p, first);
    pvec items = {0};
    if (push_node(p, &items, first) < 0)
        return NULL;
    ast *last = first;
    while (p->tok.kind == ',') {
        if (advance(p) < 0)
            return NULL;
        if (p->tok.kind == ')')
            break;
        if (!(last = parse_item(p)) || push_node(p, &items, last) < 0)
            return NULL;
    }
    if (p->tok.kind != ')')
        return after_item_error(p, last);
    if (advance(p) < 0)
        return NULL;
    ast *e = mk(p, AST_TUPLE, open.line, open.col);
    if (!e)
        return NULL;
    e->u.seq.items = items.data;
    e->u.seq.n = items.n;
    return e;
}

/* list: '[' [test (',' test)* [',']] ']' */
static ast *parse_list(parser *p)
{
    ast *e = mk(p, AST_LIST, p->tok.line, p->tok.col);
    if (!e || advance(p) < 0)
        return NULL;
    pvec items = {0};
    while (p->tok.kind != ']') {
        ast *item = parse_item(p);
        if (!item || push_node(p, &items, item) < 0)
            return NULL;
        if (p->tok.kind == TK_FOR)
            return error_at(p, p->tok.line, p->tok.col,
                            "list comprehensions are not supported in thunder's language");
        if (p->tok.kind == ',') {
            if (advance(p) < 0)
                return NULL;
        } else if (p->tok.kind != ']') {
            return after_item_error(p, item);
        }
    }
    if (advance(p) < 0)
        return NULL;
    e->u.seq.items = items.data;
    e->u.seq.n = items.n;
    return e;
}

/* atom: NAME | NUMBER | STRING+ | '...' | 'None' | 'True' | 'False'
 *     | paren | list */
static ast *parse_atom(parser *p)
{
    const lex_token t = p->tok;
    ast *e;
    switch (t.kind) {
    case TK_NAME:
    case TK_ELLIPSIS:
        if (!(e = mk(p, AST_NAME, t.line, t.col)))
            return NULL;
        /* '...' is the builtin name Ellipsis, as in Python. */
        e->u.name = t.kind == TK_NAME ? token_name(p, &t) : "Ellipsis";
        if (!e->u.name)
            return NULL;
        break;
    case TK_INT:
        if (t.v.i > (uint64_t)INT64_MAX)
            return error_at(p, t.line, t.col, "integer literal too large");
        if (!(e = mk(p, AST_INT, t.line, t.col)))
            return NULL;
        e->u.i = (int64_t)t.v.i;
        break;
    case TK_FLOAT:
        if (!(e = mk(p, AST_FLOAT, t.line, t.col)))
            return NULL;
        e->u.f = t.v.f;
        break;
    case TK_STRING: return parse_strings(p);
    case TK_NONE:
        if (!(e = mk(p, AST_NONE, t.line, t.col)))
            return NULL;
        break;
    case TK_TRUE:
    case TK_FALSE:
        if (!(e = mk(p, AST_BOOL, t.line, t.col)))
            return NULL;
        e->u.b = t.kind == TK_TRUE;
        break;
    case '(': return parse_paren(p);
    case '[': return parse_list(p);
    default: return unexpected(p);
    }
    if (advance(p) < 0)
        return NULL;
    return e;
}

/* ---- trailers ------------------------------------------------------------ */

/* arglist: arg (',' arg)* [',']
 * arg: test | NAME '=' test | '*' test      ('**' test is refused) */
static ast *parse_call(parser *p, ast *func)
{
    if (advance(p) < 0) /* '(' */
        return NULL;
    pvec args = {0}, kws = {0}, kwpos = {0};
    while (p->tok.kind != ')') {
        const lex_token t = p->tok;
        ast *item;
        if (t.kind == TK_POW)
            return error_at(p, t.line, t.col, "'**' arguments are not supported in thunder's language");
        if (t.kind == '*') {
            if (advance(p) < 0)
                return NULL;
            ast *value = parse_test(p);
            if (!value || !(item = mk(p, AST_STARRED, t.line, t.col)))
                return NULL;
            item->u.starred.value = value;
            if (push_node(p, &args, item) < 0)
                return NULL;
        } else {
            if (!(item = parse_test(p)))
                return NULL;
            if (p->tok.kind == TK_FOR)
                return error_at(p, p->tok.line, p->tok.col,
                                "generator expressions are not supported in thunder's language");
            if (p->tok.kind == '=') {
                if (item->kind != AST_NAME)
                    return error_at(p, item->line, item->col,
                                    "expression cannot contain assignment, perhaps you meant \"==\"?");
                if (advance(p) < 0)
                    return NULL;
                ast_keyword kw = {item->u.name, parse_test(p)};
                parse_pos at = {item->line, item->col};
                if (!kw.value || vpush(p, &kws, &kw, sizeof kw) < 0 || vpush(p, &kwpos, &at, sizeof at) < 0)
                    return NULL;
            } else {
                if (kws.n > 0)
                    return error_at(p, item->line, item->col, "positional argument follows keyword argument");
                if (push_node(p, &args, item) < 0)
                    return NULL;
            }
        }
        if (p->tok.kind == ',') {
            if (advance(p) < 0)
                return NULL;
        } else if (p->tok.kind != ')') {
            return after_item_error(p, item);
        }
    }
    if (advance(p) < 0)
        return NULL;
    ast_keyword *kw = kws.data;
    int dup = kws.n < 2 ? -1 : first_repeat(p, (const char *const *)&kw[0].name, sizeof *kw, kws.n);
    if (dup == -2)
        return NULL;
    if (dup >= 0) {
        const parse_pos *at = (const parse_pos *)kwpos.data + dup;
        return error_at(p, at->line, at->col, "keyword argument repeated: %s", kw[dup].name);
    }
    ast *e = mk(p, AST_CALL, func->line, func->col);
    if (!e)
        return NULL;
    e->u.call.func = func;
    e->u.call.args = args.data;
    e->u.call.nargs = args.n;
    e->u.call.kw = kws.data;
    e->u.call.nkw = kws.n;
    return e;
}

/* subscript: test | [test] ':' [test] [':' [test]] */
static ast *parse_subscript(parser *p)
{
    const lex_token t = p->tok;
    ast *lower = NULL, *upper = NULL, *step = NULL;
    if (t.kind != ':') {
        if (!(lower = parse_item(p)))
            return NULL;
        if (p->tok.kind != ':')
            return lower;
    }
    if (advance(p) < 0) /* ':' */
        return NULL;
    int k = p->tok.kind;
    if (k != ':' && k != ',' && k != ']' && !(upper = parse_test(p)))
        return NULL;
    if (p->tok.kind == ':') {
        if (advance(p) < 0)
            return NULL;
        k = p->tok.kind;
        if (k != ',' && k != ']' && !(step = parse_test(p)))
            return NULL;
    }
    ast *e = mk(p, AST_SLICE, t.line, t.col);
    if (!e)
        return NULL;
    e->u.slice.start = lower;
    e->u.slice.stop = upper;
    e->u.slice.step = step;
    return e;
}

/* subscripts: '[' subscript (',' subscript)* [','] ']'   (a tuple index
 * when there is a comma, as in Python) */
static ast *parse_index(parser *p, ast *value)
{
    if (advance(p) < 0) /* '[' */
        return NULL;
    if (p->tok.kind == ']')
        return unexpected(p);
    ast *first = parse_subscript(p), *index = first;
    if (!first)
        return NULL;
    if (p->tok.kind == ',') {
        pvec items = {0};
        if (push_node(p, &items, first) < 0)
            return NULL;
        while (p->tok.kind == ',') {
            if (advance(p) < 0)
                return NULL;
            if (p->tok.kind == ']')
                break;
            ast *item = parse_subscript(p);
            if (!item || push_node(p, &items, item) < 0)
                return NULL;
        }
        if (!(index = mk(p, AST_TUPLE, first->line, first->col)))
            return NULL;
        index->u.seq.items = items.data;
        index->u.seq.n = items.n;
    }
    if (p->tok.kind != ']')
        return after_item_error(p, first);
    if (advance(p) < 0)
        return NULL;
    ast *e = mk(p, AST_SUBSCRIPT, value->line, value->col);
    if (!e)
        return NULL;
    e->u.subscript.value = value;
    e->u.subscript.index = index;
    return e;
}

/* primary: atom trailer*
 * trailer: '(' [arglist] ')' | '[' subscripts ']' | '.' NAME */
static ast *parse_primary(parser *p)
{
    ast *e = parse_atom(p);
    while (e) {
        switch (p->tok.kind) {
        case '(': e = parse_call(p, e); break;
        case '[': e = parse_index(p, e); break;
        case '.': {
            if (advance(p) < 0)
                return NULL;
            if (p->tok.kind != TK_NAME)
                return unexpected(p);
            ast *a = mk(p, AST_ATTR, e->line, e->col);
            if (!a || !(a->u.attr.name = token_name(p, &p->tok)) || advance(p) < 0)
                return NULL;
            a->u.attr.value = e;
            e = a;
            break;
        }
        default: return e;
        }
    }
    return NULL;
}

/* ---- operators ----------------------------------------------------------- */

/* Binary operators by priority, Lua-style: an operator binds when its left
 * priority exceeds the caller's limit, and its right operand is read with
 * its right priority as the new limit. '**' has a right priority below its
 * left one (right associative) and both above unary minus, so -2**2 is
 * -(2**2) while 2**-1 reads the minus as part of the exponent. */
#define UNARY_PRIORITY 7

typedef struct binop_info {
    ast_binop op;
    unsigned char left, right;
} binop_info;

static const binop_info *binop_of(int kind)
{
    static const binop_info table[] = {
        {OP_BITOR, 1, 1}, {OP_BITXOR, 2, 2}, {OP_BITAND, 3, 3}, {OP_LSHIFT, 4, 4}, {OP_RSHIFT, 4, 4},
        {OP_ADD, 5, 5},   {OP_SUB, 5, 5},    {OP_MUL, 6, 6},    {OP_DIV, 6, 6},    {OP_FLOORDIV, 6, 6},
        {OP_MOD, 6, 6},   {OP_MATMUL, 6, 6}, {OP_POW, 9, 8},
    };
    switch (kind) {
    case '|': return &table[0];
    case '^': return &table[1];
    case '&': return &table[2];
    case TK_LSHIFT: return &table[3];
    case TK_RSHIFT: return &table[4];
    case '+': return &table[5];
    case '-': return &table[6];
    case '*': return &table[7];
    case '/': return &table[8];
    case TK_FLOORDIV: return &table[9];
    case '%': return &table[10];
    case '@': return &table[11];
    case TK_POW: return &table[12];
    default: return NULL;
    }
}

/* Is the token after a '-' the literal 9223372036854775808 standing alone,
 * so that -9223372036854775808 is INT64_MIN rather than an overflow? */
static int is_int64_min_literal(parser *p)
{
    if (p->tok.kind != TK_INT || p->tok.v.i != (uint64_t)INT64_MAX + 1)
        return 0;
    const lex_token *next = peek(p);
    if (!next)
        return -1;
    int k = next->kind;
    return k != TK_POW && k != '.' && k != '(' && k != '[';
}

/* expr: subexpr(0)
 * subexpr: (('-' | '+' | '~') subexpr(UNARY) | primary) (binop subexpr(right))* */
static ast *parse_subexpr(parser *p, int limit)
{
    ast *e;
    const lex_token t = p->tok;
    if (t.kind == '-' || t.kind == '+' || t.kind == '~') {
        if (enter(p) < 0 || advance(p) < 0)
            return NULL;
        int min = t.kind == '-' ? is_int64_min_literal(p) : 0;
        if (min < 0)
            return NULL;
        if (min) {
            if (!(e = mk(p, AST_INT, t.line, t.col)) || advance(p) < 0)
                return NULL;
            e->u.i = INT64_MIN;
        } else {
            ast *operand = parse_subexpr(p, UNARY_PRIORITY);
            if (!operand || !(e = mk(p, AST_UNARY, t.line, t.col)))
                return NULL;
            e->u.unary.op = (char)t.kind;
            e->u.unary.operand = operand;
        }
        leave(p);
    } else if (!(e = parse_primary(p))) {
        return NULL;
    }
    for (;;) {
        const binop_info *b = binop_of(p->tok.kind);
        if (!b || b->left <= limit)
            return e;
        bool nests = b->op == OP_POW; /* the only operator whose right side can repeat itself */
        if ((nests && enter(p) < 0) || advance(p) < 0)
            return NULL;
        ast *right = parse_subexpr(p, b->right);
        if (!right)
            return NULL;
        if (nests)
            leave(p);
        ast *bin = mk(p, AST_BINARY, e->line, e->col);
        if (!bin)
            return NULL;
        bin->u.binary.op = b->op;
        bin->u.binary.left = e;
        bin->u.binary.right = right;
        e = bin;
    }
}

/* comparison: expr (comp_op expr)*
 * comp_op: '<' | '>' | '==' | '>=' | '<=' | '!=' | 'in' | 'not' 'in' | 'is' ['not'] */
static ast *parse_comparison(parser *p)
{
    ast *first = parse_subexpr(p, 0);
    if (!first)
        return NULL;
    pvec ops = {0}, rest = {0};
    for (;;) {
        ast_cmpop op;
        switch (p->tok.kind) {
        case TK_EQ: op = CMP_EQ; break;
        case TK_NE: op = CMP_NE; break;
        case '<': op = CMP_LT; break;
        case TK_LE: op = CMP_LE; break;
        case '>': op = CMP_GT; break;
        case TK_GE: op = CMP_GE; break;
        case TK_IN: op = CMP_IN; break;
        case TK_NOT: op = CMP_NOTIN; break;
        case TK_IS: op = CMP_IS; break;
        default: goto done;
        }
        if (advance(p) < 0)
            return NULL;
        if (op == CMP_NOTIN) {
            if (p->tok.kind != TK_IN)
                return unexpected(p);
            if (advance(p) < 0)
                return NULL;
        } else if (op == CMP_IS && p->tok.kind == TK_NOT) {
            op = CMP_ISNOT;
            if (advance(p) < 0)
                return NULL;
        }
        ast *right = parse_subexpr(p, 0);
        if (!right || vpush(p, &ops, &op, sizeof op) < 0 || push_node(p, &rest, right) < 0)
            return NULL;
    }
done:
    if (ops.n == 0)
        return first;
    ast *e = mk(p, AST_COMPARE, first->line, first->col);
    if (!e)
        return NULL;
    e->u.compare.first = first;
    e->u.compare.ops = ops.data;
    e->u.compare.rest = rest.data;
    e->u.compare.n = ops.n;
    return e;
}

/* not_test: 'not' not_test | comparison */
static ast *parse_not(parser *p)
{
    const lex_token t = p->tok;
    if (t.kind != TK_NOT)
        return parse_comparison(p);
    if (enter(p) < 0 || advance(p) < 0)
        return NULL;
    ast *operand = parse_not(p);
    ast *e = operand ? mk(p, AST_UNARY, t.line, t.col) : NULL;
    if (!e)
        return NULL;
    leave(p);
    e->u.unary.op = 'n';
    e->u.unary.operand = operand;
    return e;
}

/* and_test: not_test ('and' not_test)*
 * or_test: and_test ('or' and_test)*      (both lean left, like + and -) */
static ast *parse_bool(parser *p, bool is_or)
{
    ast *e = is_or ? parse_bool(p, false) : parse_not(p);
    int kw = is_or ? TK_OR : TK_AND;
    while (e && p->tok.kind == kw) {
        if (advance(p) < 0)
            return NULL;
        ast *right = is_or ? parse_bool(p, false) : parse_not(p);
        ast *b = right ? mk(p, is_or ? AST_OR : AST_AND, e->line, e->col) : NULL;
        if (!b)
            return NULL;
        b->u.binary.left = e;
        b->u.binary.right = right;
        e = b;
    }
    return e;
}

/* lambdef: 'lambda' [param (',' param)* [',']] ':' test
 * param: NAME ['=' test] */
static ast *parse_lambda(parser *p)
{
    ast *e = mk(p, AST_LAMBDA, p->tok.line, p->tok.col);
    if (!e || advance(p) < 0)
        return NULL;
    pvec names = {0}, defaults = {0};
    bool seen_default = false;
    while (p->tok.kind != ':') {
        const lex_token t = p->tok;
        if (t.kind == '*' || t.kind == TK_POW || t.kind == '/')
            return error_at(p, t.line, t.col, "'%.*s' parameters are not supported in thunder's language",
                            (int)t.len, t.start);
        if (t.kind != TK_NAME)
            return unexpected(p);
        if (names.n >= PARSE_MAX_PARAMS)
            return error_at(p, t.line, t.col, "too many parameters (more than %d)", PARSE_MAX_PARAMS);
        const char *name = token_name(p, &t);
        if (!name)
            return NULL;
        for (int i = 0; i < names.n; i++)
            if (!strcmp(((const char **)names.data)[i], name))
                return error_at(p, t.line, t.col, "duplicate argument '%s' in function definition", name);
        if (advance(p) < 0)
            return NULL;
        ast *def = NULL;
        if (p->tok.kind == '=') {
            if (advance(p) < 0 || !(def = parse_test(p)))
                return NULL;
            seen_default = true;
        } else if (seen_default) {
            return error_at(p, t.line, t.col, "non-default argument follows default argument");
        }
        if (vpush(p, &names, &name, sizeof name) < 0 || push_node(p, &defaults, def) < 0)
            return NULL;
        if (p->tok.kind != ',')
            break;
        if (advance(p) < 0)
            return NULL;
    }
    if (p->tok.kind != ':') {
        if (p->tok.kind == TK_EOF || p->tok.kind == TK_NEWLINE)
            return error_at(p, p->tok.line, p->tok.col, "expected ':'");
        return unexpected(p);
    }
    if (advance(p) < 0)
        return NULL;
    ast *body = parse_test(p);
    if (!body)
        return NULL;
    e->u.lambda.params = names.data;
    e->u.lambda.defaults = defaults.data;
    e->u.lambda.nparams = names.n;
    e->u.lambda.body = body;
    return e;
}

/* test: lambdef | or_test ['if' or_test 'else' test] */
static ast *parse_test(parser *p)
{
    if (enter(p) < 0)
        return NULL;
    ast *e;
    if (p->tok.kind == TK_LAMBDA) {
        e = parse_lambda(p);
    } else {
        e = parse_bool(p, true);
        if (e && p->tok.kind == TK_IF) {
            ast *body = e, *cond, *orelse;
            if (advance(p) < 0 || !(cond = parse_bool(p, true)))
                return NULL;
            if (p->tok.kind != TK_ELSE)
                return error_at(p, body->line, body->col, "expected 'else' after 'if' expression");
            if (advance(p) < 0 || !(orelse = parse_test(p)) || !(e = mk(p, AST_IFEXP, body->line, body->col)))
                return NULL;
            e->u.ifexp.cond = cond;
            e->u.ifexp.body = body;
            e->u.ifexp.orelse = orelse;
        }
    }
    if (e)
        leave(p);
    return e;
}

/* testlist: item (',' item)* [',']   (a tuple when there is a comma) */
static ast *parse_testlist(parser *p)
{
    ast *first = parse_item(p);
    if (!first || p->tok.kind != ',')
        return first;
    pvec items = {0};
    if (push_node(p, &items, first) < 0)
        return NULL;
    while (p->tok.kind == ',') {
        if (advance(p) < 0)
            return NULL;
        if (!starts_expr(p->tok.kind) && p->tok.kind != '*')
            break;
        ast *item = parse_item(p);
        if (!item || push_node(p, &items, item) < 0)
            return NULL;
    }
    ast *e = mk(p, AST_TUPLE, first->line, first->col);
    if (!e)
        return NULL;
    e->u.seq.items = items.data;
    e->u.seq.n = items.n;
    return e;
}

/* ---- statements ---------------------------------------------------------- */

/* Python's name for what an expression is, for "cannot assign to ...". */
static const char *expr_what(const ast *e)
{
    switch (e->kind) {
    case AST_CALL: return "function call";
    case AST_INT:
    case AST_FLOAT:
    case AST_STR: return "literal";
    case AST_NONE: return "None";
    case AST_BOOL: return e->u.b ? "True" : "False";
    case AST_COMPARE: return "comparison";
    case AST_LAMBDA: return "lambda";
    case AST_IFEXP: return "conditional expression";
    case AST_ATTR: return "attribute";
    case AST_SUBSCRIPT: return "subscript";
    default: return "expression";
    }
}

/* target: NAME | '(' NAME (',' NAME)* ')' | '[' NAME (',' NAME)* ']' */
static int check_target(parser *p, const ast *e, bool nested)
{
    switch (e->kind) {
    case AST_NAME: return 0;
    case AST_TUPLE:
    case AST_LIST:
        if (nested) {
            error_at(p, e->line, e->col, "nested tuple targets are not supported in thunder's language");
            return -1;
        }
        for (int i = 0; i < e->u.seq.n; i++)
            if (check_target(p, e->u.seq.items[i], true) < 0)
                return -1;
        return 0;
    case AST_ATTR:
    case AST_SUBSCRIPT:
        error_at(p, e->line, e->col,
                 "%s assignment is not supported in thunder's language (values are immutable)",
                 e->kind == AST_ATTR ? "attribute" : "item");
        return -1;
    default: error_at(p, e->line, e->col, "cannot assign to %s", expr_what(e)); return -1;
    }
}

/* del_stmt: 'del' target (',' target)* [','] */
static int collect_del(parser *p, const ast *e, pvec *names)
{
    switch (e->kind) {
    case AST_NAME: return push_node(p, names, (ast *)e);
    case AST_TUPLE:
    case AST_LIST:
        for (int i = 0; i < e->u.seq.n; i++)
            if (collect_del(p, e->u.seq.items[i], names) < 0)
                return -1;
        return 0;
    case AST_ATTR:
    case AST_SUBSCRIPT:
        error_at(p, e->line, e->col,
                 "deleting %s is not supported in thunder's language (values are immutable)",
                 e->kind == AST_ATTR ? "attributes" : "items");
        return -1;
    default: error_at(p, e->line, e->col, "cannot delete %s", expr_what(e)); return -1;
    }
}

static ast *parse_del(parser *p)
{
    ast *s = mk(p, AST_DEL, p->tok.line, p->tok.col);
    if (!s || advance(p) < 0)
        return NULL;
    ast *targets = parse_testlist(p);
    pvec names = {0};
    if (!targets || collect_del(p, targets, &names) < 0)
        return NULL;
    s->u.del.targets = names.data;
    s->u.del.n = names.n;
    return s;
}

/* dotted_name: NAME ('.' NAME)* */
static const char *parse_dotted_name(parser *p)
{
    if (p->tok.kind == '.' || p->tok.kind == TK_ELLIPSIS)
        return error_at(p, p->tok.line, p->tok.col,
                        "relative imports are not supported in thunder's language");
    if (p->tok.kind != TK_NAME)
        return unexpected(p);
    /* The name's parts are contiguous in the source only without spaces
     * ("a . b" is legal), so the text is rebuilt part by part. */
    const char *name = token_name(p, &p->tok);
    size_t len = p->tok.len;
    if (!name || advance(p) < 0)
        return NULL;
    while (p->tok.kind == '.') {
        if (advance(p) < 0)
            return NULL;
        if (p->tok.kind != TK_NAME)
            return unexpected(p);
        char *joined = ast_alloc(p->arena, len + 1 + p->tok.len + 1);
        if (!joined)
            return oom(p);
        memcpy(joined, name, len);
        joined[len] = '.';
        memcpy(joined + len + 1, p->tok.start, p->tok.len);
        len += 1 + p->tok.len;
        name = joined;
        if (advance(p) < 0)
            return NULL;
    }
    return name;
}

/* ['as' NAME] */
static int parse_as(parser *p, const char **asname)
{
    *asname = NULL;
    if (p->tok.kind != TK_AS)
        return 0;
    if (advance(p) < 0)
        return -1;
    if (p->tok.kind != TK_NAME) {
        unexpected(p);
        return -1;
    }
    if (!(*asname = token_name(p, &p->tok)))
        return -1;
    return advance(p);
}

/* import_stmt: 'import' dotted_name ['as' NAME] (',' dotted_name ['as' NAME])*
 * (one AST_IMPORT statement per module) */
static int parse_import(parser *p, pvec *out)
{
    const lex_token kw = p->tok;
    if (advance(p) < 0)
        return -1;
    for (;;) {
        ast *s = mk(p, AST_IMPORT, kw.line, kw.col);
        if (!s || !(s->u.import.module = parse_dotted_name(p)) || parse_as(p, &s->u.import.asname) < 0 ||
            push_node(p, out, s) < 0)
            return -1;
        if (p->tok.kind != ',')
            return 0;
        if (advance(p) < 0)
            return -1;
    }
}

/* from_stmt: 'from' dotted_name 'import' ('(' names [','] ')' | names)
 * names: NAME ['as' NAME] (',' NAME ['as' NAME])* */
static ast *parse_from(parser *p)
{
    ast *s = mk(p, AST_FROM_IMPORT, p->tok.line, p->tok.col);
    if (!s || advance(p) < 0 || !(s->u.from_import.module = parse_dotted_name(p)))
        return NULL;
    if (p->tok.kind != TK_IMPORT)
        return unexpected(p);
    if (advance(p) < 0)
        return NULL;
    if (p->tok.kind == '*')
        return error_at(p, p->tok.line, p->tok.col,
                        "'from ... import *' is not supported in thunder's language");
    bool paren = p->tok.kind == '(';
    if (paren && advance(p) < 0)
        return NULL;
    pvec names = {0}, asnames = {0};
    for (;;) {
        if (p->tok.kind != TK_NAME)
            return unexpected(p);
        const char *name = token_name(p, &p->tok), *asname;
        if (!name || advance(p) < 0 || parse_as(p, &asname) < 0 || vpush(p, &names, &name, sizeof name) < 0 ||
            vpush(p, &asnames, &asname, sizeof asname) < 0)
            return NULL;
        if (p->tok.kind != ',')
            break;
        const lex_token comma = p->tok;
        if (advance(p) < 0)
            return NULL;
        if (paren && p->tok.kind == ')')
            break;
        if (!paren && p->tok.kind != TK_NAME)
            return error_at(p, comma.line, comma.col,
                            "trailing comma not allowed without surrounding parentheses");
    }
    if (paren) {
        if (p->tok.kind != ')')
            return unexpected(p);
        if (advance(p) < 0)
            return NULL;
    }
    s->u.from_import.names = names.data;
    s->u.from_import.asnames = asnames.data;
    s->u.from_import.n = names.n;
    return s;
}

/* expr_stmt: testlist ('=' testlist)* */
static ast *parse_expr_stmt(parser *p)
{
    ast *e = parse_testlist(p);
    if (!e)
        return NULL;
    const lex_token t = p->tok;
    if (t.kind == TK_AUGASSIGN) {
        if (e->kind == AST_NAME)
            return error_at(p, t.line, t.col,
                            "augmented assignment ('%.*s') is not supported in thunder's language; "
                            "write '%s = %s %.*s ...'",
                            (int)t.len, t.start, e->u.name, e->u.name, (int)t.len - 1, t.start);
        return error_at(p, t.line, t.col,
                        "augmented assignment ('%.*s') is not supported in thunder's language", (int)t.len,
                        t.start);
    }
    if (t.kind == ':')
        return error_at(p, t.line, t.col, "variable annotations are not supported in thunder's language");
    if (t.kind != '=') {
        if (e->kind == AST_NAME && !strcmp(e->u.name, "print") && starts_expr(t.kind))
            return error_at(p, e->line, e->col,
                            "Missing parentheses in call to 'print'. Did you mean print(...)?");
        ast *s = mk(p, AST_EXPR_STMT, e->line, e->col);
        if (s)
            s->u.expr_stmt.value = e;
        return s;
    }
    pvec targets = {0};
    while (p->tok.kind == '=') {
        if (check_target(p, e, false) < 0 || push_node(p, &targets, e) < 0 || advance(p) < 0)
            return NULL;
        if (!(e = parse_testlist(p)))
            return NULL;
    }
    ast *first = ((ast **)targets.data)[0];
    ast *s = mk(p, AST_ASSIGN, first->line, first->col);
    if (!s)
        return NULL;
    s->u.assign.targets = targets.data;
    s->u.assign.ntargets = targets.n;
    s->u.assign.value = e;
    return s;
}

/* statement: 'pass' | del_stmt | import_stmt | from_stmt | expr_stmt
 * Compound statements and the other simple ones are refused by name. */
static int parse_statement(parser *p, pvec *out)
{
    const lex_token t = p->tok;
    ast *s;
    switch (t.kind) {
    case TK_PASS:
        if (!(s = mk(p, AST_PASS, t.line, t.col)) || advance(p) < 0)
            return -1;
        break;
    case TK_DEL: s = parse_del(p); break;
    case TK_IMPORT: return parse_import(p, out);
    case TK_FROM: s = parse_from(p); break;
    case TK_IF:
    case TK_ELIF:
    case TK_ELSE:
    case TK_FOR:
    case TK_WHILE:
    case TK_DEF:
    case TK_CLASS:
    case TK_TRY:
    case TK_EXCEPT:
    case TK_FINALLY:
    case TK_WITH:
    case TK_ASYNC:
    case TK_RETURN:
    case TK_RAISE:
    case TK_ASSERT:
    case TK_GLOBAL:
    case TK_NONLOCAL:
    case TK_BREAK:
    case TK_CONTINUE:
        error_at(p, t.line, t.col, "'%s' statements are not supported in thunder's language",
                 lex_keyword_text(t.kind));
        return -1;
    default: s = parse_expr_stmt(p); break;
    }
    return s ? push_node(p, out, s) : -1;
}

/* Is the tree under e at most `budget` nodes high? The recursion stops at
 * the budget, so checking a hostile tree cannot overflow the stack. */
static bool height_ok(const ast *e, int budget)
{
    if (!e)
        return true;
    if (budget <= 0)
        return false;
    budget--;
    switch (e->kind) {
    case AST_LIST:
    case AST_TUPLE:
        for (int i = 0; i < e->u.seq.n; i++)
            if (!height_ok(e->u.seq.items[i], budget))
                return false;
        return true;
    case AST_UNARY: return height_ok(e->u.unary.operand, budget);
    case AST_BINARY:
    case AST_AND:
    case AST_OR: return height_ok(e->u.binary.left, budget) && height_ok(e->u.binary.right, budget);
    case AST_COMPARE:
        for (int i = 0; i < e->u.compare.n; i++)
            if (!height_ok(e->u.compare.rest[i], budget))
                return false;
        return height_ok(e->u.compare.first, budget);
    case AST_IFEXP:
        return height_ok(e->u.ifexp.cond, budget) && height_ok(e->u.ifexp.body, budget) &&
               height_ok(e->u.ifexp.orelse, budget);
    case AST_CALL:
        for (int i = 0; i < e->u.call.nargs; i++)
            if (!height_ok(e->u.call.args[i], budget))
                return false;
        for (int i = 0; i < e->u.call.nkw; i++)
            if (!height_ok(e->u.call.kw[i].value, budget))
                return false;
        return height_ok(e->u.call.func, budget);
    case AST_ATTR: return height_ok(e->u.attr.value, budget);
    case AST_SUBSCRIPT:
        return height_ok(e->u.subscript.value, budget) && height_ok(e->u.subscript.index, budget);
    case AST_SLICE:
        return height_ok(e->u.slice.start, budget) && height_ok(e->u.slice.stop, budget) &&
               height_ok(e->u.slice.step, budget);
    case AST_LAMBDA:
        for (int i = 0; i < e->u.lambda.nparams; i++)
            if (!height_ok(e->u.lambda.defaults[i], budget))
                return false;
        return height_ok(e->u.lambda.body, budget);
    case AST_STARRED: return height_ok(e->u.starred.value, budget);
    case AST_EXPR_STMT: return height_ok(e->u.expr_stmt.value, budget);
    case AST_ASSIGN:
        for (int i = 0; i < e->u.assign.ntargets; i++)
            if (!height_ok(e->u.assign.targets[i], budget))
                return false;
        return height_ok(e->u.assign.value, budget);
    default: return true; /* leaves, and statements made of names only */
    }
}

/* program: (NEWLINE | statement (';' statement)* [';'] (NEWLINE | EOF))* EOF */
static int parse_statements(parser *p, pvec *out)
{
    if (advance(p) < 0)
        return -1;
    for (;;) {
        while (p->tok.kind == TK_NEWLINE)
            if (advance(p) < 0)
                return -1;
        if (p->tok.kind == TK_EOF)
            return 0;
        for (;;) {
            int before = out->n;
            if (parse_statement(p, out) < 0)
                return -1;
            for (int i = before; i < out->n; i++) {
                const ast *s = ((ast **)out->data)[i];
                if (!height_ok(s, PARSE_MAX_HEIGHT)) {
                    error_at(p, s->line, s->col, "expression too deeply nested");
                    return -1;
                }
            }
            if (p->tok.kind == ';') {
                if (advance(p) < 0)
                    return -1;
                if (p->tok.kind == TK_NEWLINE || p->tok.kind == TK_EOF)
                    break;
                continue;
            }
            if (p->tok.kind == TK_NEWLINE || p->tok.kind == TK_EOF)
                break;
            unexpected(p);
            return -1;
        }
    }
}

/* A syntax error inside brackets that are never closed is most likely the
 * missing bracket's fault: like Python, say so instead ("'[' was never
 * closed" for `x = [1, 2` followed by more lines). */
static void prefer_unclosed_bracket(parser *p)
{
    if (p->err && p->err->kind != TD_ESYNTAX) /* out of memory stays out of memory */
        return;
    lex_state *rest = malloc(sizeof *rest);
    if (!rest)
        return;
    td_err err;
    parse_pos pos = {0, 0};
    *rest = p->ls;
    rest->err = &err;
    rest->pos = &pos;
    lex_token t;
    while (lex_next(rest, &t) == 0 && t.kind != TK_EOF)
        ;
    if (rest->failed && rest->incomplete && rest->depth > 0) {
        if (p->err)
            *p->err = err;
        if (p->pos)
            *p->pos = pos;
    }
    free(rest);
}

int parse_program(const char *src, size_t len, int first_line, ast_arena *arena, ast_program *out,
                  parse_pos *pos, td_err *err)
{
    parser *p = calloc(1, sizeof *p); /* the bracket stack makes it a few kB: keep it off the stack */
    if (out) {
        out->stmts = NULL;
        out->n = 0;
    }
    if (!p) {
        if (pos)
            pos->line = first_line, pos->col = 1;
        return td_err_set(err, TD_EMEMORY, "out of memory while parsing");
    }
    p->arena = arena;
    p->err = err;
    p->pos = pos;
    pvec stmts = {0};
    int rc = -1;
    if (!arena)
        error_at(p, first_line, 1, "no arena to parse into");
    else if (lex_init(&p->ls, src, len, first_line, arena, err, pos) == 0 && parse_statements(p, &stmts) == 0)
        rc = 0;
    if (rc < 0 && p->failed && !p->ls.failed && p->ls.depth > 0)
        prefer_unclosed_bracket(p);
    if (rc == 0 && out) {
        out->stmts = stmts.data;
        out->n = stmts.n;
    }
    free(p);
    return rc;
}

int parse_needs_more(const char *src, size_t len)
{
    ast_arena *arena = ast_arena_new();
    lex_state *ls = malloc(sizeof *ls);
    int more = 0;
    if (arena && ls && lex_init(ls, src, len, 1, arena, NULL, NULL) == 0) {
        lex_token t;
        while (lex_next(ls, &t) == 0 && t.kind != TK_EOF)
            ;
        more = ls->failed && ls->incomplete;
    }
    free(ls);
    ast_arena_free(arena);
    return more;
}

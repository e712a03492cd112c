/* The lexer and parser: trees dumped as S-expressions for many inputs,
 * positions, Python's error messages, hostile input, parse_needs_more and
 * every conformance case. */
#include "testutil.h"

#include <dirent.h>
#include <math.h>

#include "ast.h"
#include "parse.h"

/* ---- a small S-expression dumper ----------------------------------------- */

typedef struct out {
    char *buf;
    size_t len, cap;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    if (o->len + (size_t)n + 1 > o->cap) {
        o->cap = (o->len + (size_t)n + 1) * 2;
        o->buf = realloc(o->buf, o->cap);
        assert_non_null(o->buf);
    }
    va_start(ap, fmt);
    vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    o->len += (size_t)n;
}

/* Shortest text that reads back as the same double, always with a '.' or
 * an exponent so that floats and ints differ in the dump. */
static void put_float(out *o, double d)
{
    char s[64];
    if (isinf(d)) {
        put(o, d > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        if (strtod(s, NULL) == d)
            break;
    }
    put(o, "%s%s", s, strpbrk(s, ".e") ? "" : ".0");
}

static const char *binop_name(ast_binop op)
{
    static const char *const names[] = {"+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"};
    return names[op];
}

static const char *cmpop_name(ast_cmpop op)
{
    static const char *const names[] = {"==", "!=", "<", "<=", ">", ">=", "in", "not-in", "is", "is-not"};
    return names[op];
}

static void dump(out *o, const ast *e);

static void dump_opt(out *o, const ast *e)
{
    if (e)
        dump(o, e);
    else
        put(o, "_");
}

static void dump_seq(out *o, ast *const *items, int n)
{
    for (int i = 0; i < n; i++) {
        put(o, " ");
        dump(o, items[i]);
    }
}

static void dump(out *o, const ast *e)
{
    switch (e->kind) {
    case AST_NONE: put(o, "None"); break;
    case AST_BOOL: put(o, e->u.b ? "True" : "False"); break;
    case AST_INT: put(o, "%lld", (long long)e->u.i); break;
    case AST_FLOAT: put_float(o, e->u.f); break;
    case AST_STR:
        put(o, "\"");
        for (size_t i = 0; i < e->u.str.len; i++) {
            unsigned char c = (unsigned char)e->u.str.s[i];
            if (c == '\n')
                put(o, "\\n");
            else if (c == '\t')
                put(o, "\\t");
            else if (c == '\\' || c == '"')
                put(o, "\\%c", c);
            else if (c < 0x20 || c == 0x7F)
                put(o, "\\x%02x", c);
            else
                put(o, "%c", c);
        }
        assert_int_equal(e->u.str.s[e->u.str.len], '\0');
        put(o, "\"");
        break;
    case AST_NAME: put(o, "%s", e->u.name); break;
    case AST_LIST:
        put(o, "[");
        for (int i = 0; i < e->u.seq.n; i++) {
            if (i)
                put(o, " ");
            dump(o, e->u.seq.items[i]);
        }
        put(o, "]");
        break;
    case AST_TUPLE:
        put(o, "(tuple");
        dump_seq(o, e->u.seq.items, e->u.seq.n);
        put(o, ")");
        break;
    case AST_UNARY:
        if (e->u.unary.op == 'n')
            put(o, "(not ");
        else
            put(o, "(%c ", e->u.unary.op);
        dump(o, e->u.unary.operand);
        put(o, ")");
        break;
    case AST_BINARY:
    case AST_AND:
    case AST_OR:
        put(o, "(%s ", e->kind == AST_AND ? "and" : e->kind == AST_OR ? "or" : binop_name(e->u.binary.op));
        dump(o, e->u.binary.left);
        put(o, " ");
        dump(o, e->u.binary.right);
        put(o, ")");
        break;
    case AST_COMPARE:
        put(o, "(cmp ");
        dump(o, e->u.compare.first);
        for (int i = 0; i < e->u.compare.n; i++) {
            put(o, " %s ", cmpop_name(e->u.compare.ops[i]));
            dump(o, e->u.compare.rest[i]);
        }
        put(o, ")");
        break;
    case AST_IFEXP:
        put(o, "(if ");
        dump(o, e->u.ifexp.cond);
        put(o, " ");
        dump(o, e->u.ifexp.body);
        put(o, " ");
        dump(o, e->u.ifexp.orelse);
        put(o, ")");
        break;
    case AST_CALL:
        put(o, "(call ");
        dump(o, e->u.call.func);
        dump_seq(o, e->u.call.args, e->u.call.nargs);
        for (int i = 0; i < e->u.call.nkw; i++) {
            put(o, " %s=", e->u.call.kw[i].name);
            dump(o, e->u.call.kw[i].value);
        }
        put(o, ")");
        break;
    case AST_ATTR:
        put(o, "(. ");
        dump(o, e->u.attr.value);
        put(o, " %s)", e->u.attr.name);
        break;
    case AST_SUBSCRIPT:
        put(o, "([] ");
        dump(o, e->u.subscript.value);
        put(o, " ");
        dump(o, e->u.subscript.index);
        put(o, ")");
        break;
    case AST_SLICE:
        put(o, "(: ");
        dump_opt(o, e->u.slice.start);
        put(o, " ");
        dump_opt(o, e->u.slice.stop);
        put(o, " ");
        dump_opt(o, e->u.slice.step);
        put(o, ")");
        break;
    case AST_LAMBDA:
        put(o, "(lambda (");
        for (int i = 0; i < e->u.lambda.nparams; i++) {
            put(o, "%s%s", i ? " " : "", e->u.lambda.params[i]);
            if (e->u.lambda.defaults[i]) {
                put(o, "=");
                dump(o, e->u.lambda.defaults[i]);
            }
        }
        put(o, ") ");
        dump(o, e->u.lambda.body);
        put(o, ")");
        break;
    case AST_STARRED:
        put(o, "(* ");
        dump(o, e->u.starred.value);
        put(o, ")");
        break;
    case AST_EXPR_STMT: dump(o, e->u.expr_stmt.value); break;
    case AST_ASSIGN:
        put(o, "(=");
        dump_seq(o, e->u.assign.targets, e->u.assign.ntargets);
        put(o, " ");
        dump(o, e->u.assign.value);
        put(o, ")");
        break;
    case AST_DEL:
        put(o, "(del");
        dump_seq(o, e->u.del.targets, e->u.del.n);
        put(o, ")");
        break;
    case AST_IMPORT:
        put(o, "(import %s", e->u.import.module);
        if (e->u.import.asname)
            put(o, " as %s", e->u.import.asname);
        put(o, ")");
        break;
    case AST_FROM_IMPORT:
        put(o, "(from %s", e->u.from_import.module);
        for (int i = 0; i < e->u.from_import.n; i++) {
            put(o, " %s", e->u.from_import.names[i]);
            if (e->u.from_import.asnames[i])
                put(o, " as %s", e->u.from_import.asnames[i]);
        }
        put(o, ")");
        break;
    case AST_PASS: put(o, "pass"); break;
    }
}

/* ---- helpers ------------------------------------------------------------- */

static ast_arena *arena;
static ast_program prog;

static int setup(void **state)
{
    (void)state;
    arena = ast_arena_new();
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ast_arena_free(arena);
    arena = NULL;
    return 0;
}

/* Parses src (which must succeed) and returns the statements' dumps
 * joined by "; " (the caller frees). */
static char *parse_dump_n(const char *src, size_t len)
{
    td_err err = {0};
    parse_pos pos = {0, 0};
    if (parse_program(src, len, 1, arena, &prog, &pos, &err) != 0)
        fail_msg("parse of \"%s\" failed at %d:%d: %s: %s", src, pos.line, pos.col, td_errkind_name(err.kind),
                 err.msg);
    out o = {0};
    put(&o, "%s", "");
    for (int i = 0; i < prog.n; i++) {
        if (i)
            put(&o, "; ");
        dump(&o, prog.stmts[i]);
    }
    return o.buf;
}

static void check_n(const char *src, size_t len, const char *want)
{
    char *got = parse_dump_n(src, len);
    if (strcmp(got, want))
        fail_msg("parse of \"%s\":\n  got  %s\n  want %s", src, got, want);
    free(got);
}

static void check(const char *src, const char *want)
{
    check_n(src, strlen(src), want);
}

static void check_err_n(const char *src, size_t len, const char *msg, int line, int col)
{
    td_err err = {0};
    parse_pos pos = {0, 0};
    if (parse_program(src, len, 1, arena, &prog, &pos, &err) == 0)
        fail_msg("parse of \"%s\" succeeded; wanted \"%s\"", src, msg);
    assert_int_equal(err.kind, TD_ESYNTAX);
    if (strcmp(err.msg, msg) || pos.line != line || pos.col != col)
        fail_msg("parse of \"%.60s\":\n  got  %d:%d %s\n  want %d:%d %s", src, pos.line, pos.col, err.msg,
                 line, col, msg);
    assert_null(prog.stmts);
    assert_int_equal(prog.n, 0);
}

static void check_err(const char *src, const char *msg, int line, int col)
{
    check_err_n(src, strlen(src), msg, line, col);
}

/* n copies of s followed by tail, in a malloc'd string. */
static char *repeat(const char *head, const char *s, size_t n, const char *tail)
{
    size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail);
    char *r = malloc(hl + sl * n + tl + 1);
    assert_non_null(r);
    memcpy(r, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(r + hl + i * sl, s, sl);
    memcpy(r + hl + sl * n, tail, tl + 1);
    return r;
}

/* ---- expressions --------------------------------------------------------- */

static void test_precedence(void **state)
{
    (void)state;
    check("-2**2", "(- (** 2 2))");
    check("2**-1", "(** 2 (- 1))");
    check("2**3**2", "(** 2 (** 3 2))");
    check("2**-3**2", "(** 2 (- (** 3 2)))");
    check("-x**-y*z", "(* (- (** x (- y))) z)");
    check("a+b*c", "(+ a (* b c))");
    check("a*b+c", "(+ (* a b) c)");
    check("a-b-c", "(- (- a b) c)");
    check("a/b//c%d@e", "(@ (% (// (/ a b) c) d) e)");
    check("~a * -b + +c", "(+ (* (~ a) (- b)) (+ c))");
    check("a | b ^ c & d << 1 + 2", "(| a (^ b (& c (<< d (+ 1 2)))))");
    check("a >> 1 << 2", "(<< (>> a 1) 2)");
    check("-x.y ** 2", "(- (** (. x y) 2))");
    check("not a == b", "(not (cmp a == b))");
    check("not not a", "(not (not a))");
    check("a or b and not c", "(or a (and b (not c)))");
    check("a and b and c", "(and (and a b) c)");
    check("a or b or c", "(or (or a b) c)");
    check("a if b else c", "(if b a c)");
    check("a if b else c if d else e", "(if b a (if d c e))");
    check("x + 1 if x > 0 or y else -x", "(if (or (cmp x > 0) y) (+ x 1) (- x))");
    check("lambda x, y=2: x+y", "(lambda (x y=2) (+ x y))");
    check("lambda: 1", "(lambda () 1)");
    check("lambda x,: x", "(lambda (x) x)");
    check("lambda a=lambda: 0, b=[1]: a() + b[0]", "(lambda (a=(lambda () 0) b=[1]) (+ (call a) ([] b 0)))");
    check("lambda x: x if x else -x", "(lambda (x) (if x x (- x)))");
    check("lambda x: lambda y: x * y", "(lambda (x) (lambda (y) (* x y)))");
    check("(a + b) * c", "(* (+ a b) c)");
    check("-9223372036854775808", "-9223372036854775808");
    check("- 9223372036854775807", "(- 9223372036854775807)");
    check("x - 9223372036854775807", "(- x 9223372036854775807)");
}

static void test_comparisons(void **state)
{
    (void)state;
    check("a < b", "(cmp a < b)");
    check("a < b <= c != d", "(cmp a < b <= c != d)");
    check("a == b >= c > d", "(cmp a == b >= c > d)");
    check("a not in b is not c in d is e", "(cmp a not-in b is-not c in d is e)");
    check("(a < b) < c", "(cmp (cmp a < b) < c)");
    check("a + 1 < b * 2", "(cmp (+ a 1) < (* b 2))");
    check("x is None", "(cmp x is None)");
    check("a | b == c & d", "(cmp (| a b) == (& c d))");
}

static void test_calls(void **state)
{
    (void)state;
    check("f()", "(call f)");
    check("f(a, b, k=v, *rest)", "(call f a b (* rest) k=v)");
    check("f(a,)", "(call f a)");
    check("f(*a, k=1, *b)", "(call f (* a) (* b) k=1)");
    check("f(k=1, *a)", "(call f (* a) k=1)");
    check("f(x=1)(y=2)", "(call (call f x=1) y=2)");
    check("x.mean(axis=0).sum()", "(call (. (call (. x mean) axis=0) sum))");
    check("np.arange(24).reshape(2, 3, 4)", "(call (. (call (. np arange) 24) reshape) 2 3 4)");
    check("f(lambda x: x, key=lambda y: -y)", "(call f (lambda (x) x) key=(lambda (y) (- y)))");
    check("f(a == b, c=d == e)", "(call f (cmp a == b) c=(cmp d == e))");
    check("f(\n  a,\n  b=2,\n)", "(call f a b=2)");
    check("a.b.c", "(. (. a b) c)");
    check("a.match.type", "(. (. a match) type)");
}

static void test_subscripts(void **state)
{
    (void)state;
    check("x[0]", "([] x 0)");
    check("x[1:5]", "([] x (: 1 5 _))");
    check("x[::2]", "([] x (: _ _ 2))");
    check("x[:, 2]", "([] x (tuple (: _ _ _) 2))");
    check("x[::-1]", "([] x (: _ _ (- 1)))");
    check("x[1:]", "([] x (: 1 _ _))");
    check("x[:-1]", "([] x (: _ (- 1) _))");
    check("x[:]", "([] x (: _ _ _))");
    check("x[a:b:c]", "([] x (: a b c))");
    check("x[1::]", "([] x (: 1 _ _))");
    check("x[i, j]", "([] x (tuple i j))");
    check("x[i,]", "([] x (tuple i))");
    check("x[(i, j)]", "([] x (tuple i j))");
    check("x[2:5, 1, 10:20, 30:40]", "([] x (tuple (: 2 5 _) 1 (: 10 20 _) (: 30 40 _)))");
    check("x[1:2, ::3]", "([] x (tuple (: 1 2 _) (: _ _ 3)))");
    check("x[..., 0]", "([] x (tuple Ellipsis 0))");
    check("x[0][1]", "([] ([] x 0) 1)");
    check("x[[0, 2]]", "([] x [0 2])");
    check("kv[0][0] * 10", "(* ([] ([] kv 0) 0) 10)");
    check("x[a if b else c : d]", "([] x (: (if b a c) d _))");
}

static void test_tuples_lists(void **state)
{
    (void)state;
    check("a, b", "(tuple a b)");
    check("a,", "(tuple a)");
    check("a, b,", "(tuple a b)");
    check("()", "(tuple)");
    check("(a,)", "(tuple a)");
    check("(a)", "a");
    check("((a))", "a");
    check("(a, b, )", "(tuple a b)");
    check("[]", "[]");
    check("[a, b,]", "[a b]");
    check("[[1, 2], [3, 4]]", "[[1 2] [3 4]]");
    check("[(t[0], t[1])]", "[(tuple ([] t 0) ([] t 1))]");
    check("x = 1, 2", "(= x (tuple 1 2))");
    check("x = 1,", "(= x (tuple 1))");
    check("a, b = b, a", "(= (tuple a b) (tuple b a))");
    check("(a, b) = [1, 2]", "(= (tuple a b) [1 2])");
    check("[a, b] = c", "(= [a b] c)");
    check("a, = c", "(= (tuple a) c)");
    check("a = b = 3", "(= a b 3)");
    check("a = b, c = d", "(= a (tuple b c) d)");
    check("x = -y", "(= x (- y))");
    check("x = None, True, False, ...", "(= x (tuple None True False Ellipsis))");
}

static void test_strings(void **state)
{
    (void)state;
    check("'abc'", "\"abc\"");
    check("\"abc\"", "\"abc\"");
    check("''", "\"\"");
    check("'a\\nb\\tc'", "\"a\\nb\\tc\"");
    check("'\\\\ \\' \\\"'", "\"\\\\ ' \\\"\"");
    check("'\\x41\\u20ac\\U0001F600'", "\"A\xE2\x82\xAC\xF0\x9F\x98\x80\"");
    check("'\\xe9'", "\"\xC3\xA9\"");
    check("'\\0|\\101|\\7|\\a\\b\\f\\v\\r'", "\"\\x00|A|\\x07|\\x07\\x08\\x0c\\x0b\\x0d\"");
    check("'\\d\\q'", "\"\\\\d\\\\q\"");
    check("'a' \"b\" '''c'''", "\"abc\"");
    check("('a'\n  'b')", "\"ab\"");
    check("'''one\ntwo'''", "\"one\\ntwo\"");
    check("'''one\r\ntwo\rthree'''", "\"one\\ntwo\\nthree\"");
    check("\"\"\"it's \"quoted\" \"\"\"", "\"it's \\\"quoted\\\" \"");
    check("'a\\\nb'", "\"ab\"");
    check("r'\\n\\d'", "\"\\\\n\\\\d\"");
    check("R'\\''", "\"\\\\'\"");
    check("u'x' U'y'", "\"xy\"");
    check("'\xC3\xA9t\xC3\xA9'", "\"\xC3\xA9t\xC3\xA9\"");
    check("'#not a comment'", "\"#not a comment\"");
    check("'a' + 'b'", "(+ \"a\" \"b\")");
    check("x = DATA + \"/thunder-examples/fish/images\"", "(= x (+ DATA \"/thunder-examples/fish/images\"))");
    /* A NUL inside a value comes only from an escape, and keeps its length. */
    char *d = parse_dump_n("'a\\0b'", 6);
    assert_string_equal(d, "\"a\\x00b\"");
    free(d);
    assert_int_equal(prog.stmts[0]->u.expr_stmt.value->u.str.len, 3);
}

static void test_numbers(void **state)
{
    (void)state;
    check("0", "0");
    check("00", "0");
    check("0_0", "0");
    check("42", "42");
    check("1_000_000", "1000000");
    check("0x1F", "31");
    check("0XfF", "255");
    check("0x_1f", "31");
    check("0o17", "15");
    check("0O7_7", "63");
    check("0b101", "5");
    check("0B1_0", "2");
    check("9223372036854775807", "9223372036854775807");
    check("0x7fffffffffffffff", "9223372036854775807");
    check("1.5", "1.5");
    check("1e-3", "0.001");
    check("1E5", "1e+05");
    check("1.e5", "1e+05");
    check(".5", "0.5");
    check("5.", "5.0");
    check("0.0", "0.0");
    check("09.5", "9.5");
    check("0e0", "0.0");
    check("1_0.2_5e1_0", "1.025e+11");
    check("2.5e+3", "2.5e+03");
    check("1234.5", "1234.5");
    check("1e400", "inf");
    check("0.1", "0.1");
    check("x[1:5]", "([] x (: 1 5 _))");
    check("1.5.real", "(. 1.5 real)");
}

/* ---- statements ---------------------------------------------------------- */

static void test_statements(void **state)
{
    (void)state;
    check("", "");
    check("\n\n  \n", "");
    check("# only a comment", "");
    check("pass", "pass");
    check("x = 1; y = 2", "(= x 1); (= y 2)");
    check("x = 1; y = 2;", "(= x 1); (= y 2)");
    check("x = 1;\ny = 2", "(= x 1); (= y 2)");
    check("# comment\nx = 1  # trailing ( comment\n\n\ny = 2\n", "(= x 1); (= y 2)");
    check("   x = 1\n\ty = 2", "(= x 1); (= y 2)");
    check("x = (1 +\n     2)\ny = [1,\n2]\n", "(= x (+ 1 2)); (= y [1 2])");
    check("x = f(a, # first\n      b)  # done", "(= x (call f a b))");
    check("x = 1 + \\\n    2", "(= x (+ 1 2))");
    check("x = [1, \\\n 2]", "(= x [1 2])");
    check("x = 1\r\ny = 2\r\n", "(= x 1); (= y 2)");
    check("x = 1\ry = 2", "(= x 1); (= y 2)");
    check("\xEF\xBB\xBFx = 1", "(= x 1)");
    check("del a", "(del a)");
    check("del a, b", "(del a b)");
    check("del (a, b), [c]", "(del a b c)");
    check("del x,", "(del x)");
    check("print(x)", "(call print x)");
    check("data.foreach(lambda kv: np.save(\"/tmp/x.npy\", kv[1] * 10 + kv[0]))",
          "(call (. data foreach) (lambda (kv) (call (. np save) \"/tmp/x.npy\" (+ (* ([] kv 1) 10) ([] kv "
          "0)))))");
}

static void test_imports(void **state)
{
    (void)state;
    check("import thunder as td", "(import thunder as td)");
    check("import numpy as np", "(import numpy as np)");
    check("import thunder", "(import thunder)");
    check("import a.b.c", "(import a.b.c)");
    check("import a . b as c", "(import a.b as c)");
    check("import thunder as td, numpy as np", "(import thunder as td); (import numpy as np)");
    check("from thunder import images, series", "(from thunder images series)");
    check("from thunder import images as im", "(from thunder images as im)");
    check("from thunder import (images as im,\n    series,)", "(from thunder images as im series)");
    check("from a.b import c", "(from a.b c)");
    check("import thunder as td; import numpy as np\nimages = td.images",
          "(import thunder as td); (import numpy as np); (= images (. td images))");
}

/* ---- positions ----------------------------------------------------------- */

static void test_positions(void **state)
{
    (void)state;
    td_err err;
    parse_pos pos;
    const char *src = "x = foo(a,\n      b.c)\n  y = -z[1:2]; w = 'é' + v";
    assert_int_equal(parse_program(src, strlen(src), 1, arena, &prog, &pos, &err), 0);
    assert_int_equal(prog.n, 3);
    const ast *s = prog.stmts[0];
    assert_int_equal(s->kind, AST_ASSIGN);
    assert_int_equal(s->line, 1);
    assert_int_equal(s->col, 1);
    const ast *call = s->u.assign.value;
    assert_int_equal(call->kind, AST_CALL);
    assert_int_equal(call->line, 1);
    assert_int_equal(call->col, 5);
    const ast *attr = call->u.call.args[1];
    assert_int_equal(attr->kind, AST_ATTR);
    assert_int_equal(attr->line, 2);
    assert_int_equal(attr->col, 7);
    s = prog.stmts[1];
    assert_int_equal(s->line, 3);
    assert_int_equal(s->col, 3);
    const ast *neg = s->u.assign.value;
    assert_int_equal(neg->kind, AST_UNARY);
    assert_int_equal(neg->col, 7);
    const ast *sub = neg->u.unary.operand;
    assert_int_equal(sub->kind, AST_SUBSCRIPT);
    assert_int_equal(sub->col, 8);
    assert_int_equal(sub->u.subscript.index->kind, AST_SLICE);
    assert_int_equal(sub->u.subscript.index->col, 10);
    s = prog.stmts[2];
    assert_int_equal(s->line, 3);
    assert_int_equal(s->col, 16);
    /* columns count characters: 'é' is two bytes but one column */
    const ast *plus = s->u.assign.value;
    assert_int_equal(plus->u.binary.right->col, 26);

    /* numbering may start elsewhere (the workbench's continuation lines) */
    src = "a = 1\n\nb = (c,\n d)";
    assert_int_equal(parse_program(src, strlen(src), 10, arena, &prog, &pos, &err), 0);
    assert_int_equal(prog.stmts[0]->line, 10);
    assert_int_equal(prog.stmts[1]->line, 12);
    const ast *tup = prog.stmts[1]->u.assign.value;
    assert_int_equal(tup->kind, AST_TUPLE);
    assert_int_equal(tup->col, 5);
    assert_int_equal(tup->u.seq.items[1]->line, 13);
    assert_int_equal(tup->u.seq.items[1]->col, 2);
    src = "x = (\n  $)";
    assert_int_equal(parse_program(src, strlen(src), 10, arena, &prog, &pos, &err), -1);
    assert_int_equal(pos.line, 11);
    assert_int_equal(pos.col, 3);

    /* a bare tuple starts at its first item, a parenthesized one at '(' */
    src = "  a, b = (1, 2)";
    assert_int_equal(parse_program(src, strlen(src), 1, arena, &prog, &pos, &err), 0);
    assert_int_equal(prog.stmts[0]->u.assign.targets[0]->col, 3);
    assert_int_equal(prog.stmts[0]->u.assign.value->col, 10);
}

/* ---- errors -------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
    (void)state;
    check_err("x = (1, 2", "'(' was never closed", 1, 5);
    check_err("f(a, [1,", "'[' was never closed", 1, 6);
    check_err("x = [1, 2\ny = 3", "'[' was never closed", 1, 5);
    check_err("f(1 2", "'(' was never closed", 1, 2);
    check_err("(]", "closing parenthesis ']' does not match opening parenthesis '('", 1, 2);
    check_err("(\n]", "closing parenthesis ']' does not match opening parenthesis '(' on line 1", 2, 1);
    check_err(")", "unmatched ')'", 1, 1);
    check_err("x = 1)", "unmatched ')'", 1, 6);
    check_err("x = 1 +", "unexpected EOF while parsing", 1, 8);
    check_err("x = \\", "unexpected EOF while parsing", 1, 6);
    check_err("x = 1 + \\\n", "unexpected EOF while parsing", 2, 1);
    check_err("x = \\ 1", "unexpected character after line continuation character", 1, 5);
    check_err("x =", "unexpected EOF while parsing", 1, 4);
    check_err("x =\ny = 1", "invalid syntax", 1, 4);
    check_err("a b", "invalid syntax", 1, 3);
    check_err("x = 1 2", "invalid syntax", 1, 7);
    check_err("a; ; b", "invalid syntax", 1, 4);
    check_err(";", "invalid syntax", 1, 1);
    check_err("x = [1,,2]", "invalid syntax", 1, 8);
    check_err("a[]", "invalid syntax", 1, 3);
    check_err("x.if", "invalid syntax", 1, 3);
    check_err("a not b", "invalid syntax", 1, 7);
    check_err("import a as", "unexpected EOF while parsing", 1, 12);
    check_err("f(a b)", "invalid syntax. Perhaps you forgot a comma?", 1, 3);
    check_err("(a b)", "invalid syntax. Perhaps you forgot a comma?", 1, 2);
    check_err("[1, 2 3]", "invalid syntax. Perhaps you forgot a comma?", 1, 5);
    check_err("a if b", "expected 'else' after 'if' expression", 1, 1);
    check_err("lambda x", "expected ':'", 1, 9);
    check_err("f(a=1, b)", "positional argument follows keyword argument", 1, 8);
    check_err("f(a=1, b=2, a=3)", "keyword argument repeated: a", 1, 13);
    check_err("f(a.b=1)", "expression cannot contain assignment, perhaps you meant \"==\"?", 1, 3);
    check_err("lambda x=1, y: 0", "non-default argument follows default argument", 1, 13);
    check_err("lambda x, x: 0", "duplicate argument 'x' in function definition", 1, 11);
    check_err("print 'hello'", "Missing parentheses in call to 'print'. Did you mean print(...)?", 1, 1);
    check_err("f() = 1", "cannot assign to function call", 1, 1);
    check_err("a, f() = 1", "cannot assign to function call", 1, 4);
    check_err("x = f() = 1", "cannot assign to function call", 1, 5);
    check_err("1 = x", "cannot assign to literal", 1, 1);
    check_err("'a' = x", "cannot assign to literal", 1, 1);
    check_err("None = 1", "cannot assign to None", 1, 1);
    check_err("True = 1", "cannot assign to True", 1, 1);
    check_err("a + b = 1", "cannot assign to expression", 1, 1);
    check_err("a < b = 1", "cannot assign to comparison", 1, 1);
    check_err("(a, b), c = x", "nested tuple targets are not supported in thunder's language", 1, 1);
    check_err("a.b = 1", "attribute assignment is not supported in thunder's language (values are immutable)",
              1, 1);
    check_err("x[0] = 1", "item assignment is not supported in thunder's language (values are immutable)", 1,
              1);
    check_err("del f()", "cannot delete function call", 1, 5);
    check_err("del x[0]", "deleting items is not supported in thunder's language (values are immutable)", 1,
              5);
    check_err("del", "unexpected EOF while parsing", 1, 4);
    check_err("x = *a", "can't use starred expression here", 1, 5);
    check_err("a, *b = x", "can't use starred expression here", 1, 4);
    check_err("[*a]", "can't use starred expression here", 1, 2);
    check_err("from a import b,", "trailing comma not allowed without surrounding parentheses", 1, 16);
    check_err("from a import", "unexpected EOF while parsing", 1, 14);
    check_err("from a", "unexpected EOF while parsing", 1, 7);
    check_err("x = 1 if", "unexpected EOF while parsing", 1, 9);
}

static void test_lexical_errors(void **state)
{
    (void)state;
    check_err("a $ b", "invalid character '$' (U+0024)", 1, 3);
    check_err("a ? b", "invalid character '?' (U+003F)", 1, 3);
    check_err("a ! b", "invalid character '!' (U+0021)", 1, 3);
    check_err("a \xE2\x82\xAC b", "invalid character '\xE2\x82\xAC' (U+20AC)", 1, 3);
    check_err("\xC3\xA9t\xC3\xA9 = 1", "invalid character '\xC3\xA9' (U+00E9)", 1, 1);
    check_err("x =\xC2\xA0"
              "1",
              "invalid non-printable character U+00A0", 1, 4);
    check_err("\x01", "invalid non-printable character U+0001", 1, 1);
    check_err("x = \"abc", "unterminated string literal (detected at line 1)", 1, 5);
    check_err("x = 'abc\ny = 1", "unterminated string literal (detected at line 1)", 1, 5);
    check_err("x = r'abc\\'", "unterminated string literal (detected at line 1)", 1, 5);
    check_err("x = '''abc", "unterminated triple-quoted string literal (detected at line 1)", 1, 5);
    check_err("x = 1\ny = \"\"\"abc\n\n", "unterminated triple-quoted string literal (detected at line 4)", 2,
              5);
    check_err("x = '\\x4'", "(unicode error) truncated \\xXX escape", 1, 6);
    check_err("x = '\\u12'", "(unicode error) truncated \\uXXXX escape", 1, 6);
    check_err("x = 'ab\\U00110000'", "(unicode error) illegal Unicode character", 1, 8);
    check_err("x = '\\ud800'",
              "(unicode error) surrogate code points such as \\ud800 are not supported in thunder's strings",
              1, 6);
    check_err("x = '\\N{DASH}'", "\\N{...} escapes are not supported in thunder's language", 1, 6);
    check_err("x = b'abc'", "bytes literals are not supported in thunder's language", 1, 5);
    check_err("x = Rb'abc'", "bytes literals are not supported in thunder's language", 1, 5);
    check_err("x = f'{y}'", "f-strings are not supported in thunder's language", 1, 5);
    check_err("x = 0777",
              "leading zeros in decimal integer literals are not permitted; use an 0o prefix for "
              "octal integers",
              1, 5);
    check_err("x = 0_7",
              "leading zeros in decimal integer literals are not permitted; use an 0o prefix for "
              "octal integers",
              1, 5);
    check_err("x = 1__0", "invalid decimal literal", 1, 5);
    check_err("x = 1_", "invalid decimal literal", 1, 5);
    check_err("x = 1._5", "invalid decimal literal", 1, 5);
    check_err("x = 1abc", "invalid decimal literal", 1, 5);
    check_err("x = 1e", "invalid decimal literal", 1, 5);
    check_err("x = 1e+", "invalid decimal literal", 1, 5);
    check_err("x = 1if y else 2", "invalid decimal literal", 1, 5);
    check_err("x = 0b2", "invalid digit '2' in binary literal", 1, 7);
    check_err("x = 0o18", "invalid digit '8' in octal literal", 1, 8);
    check_err("x = 0x", "invalid hexadecimal literal", 1, 5);
    check_err("x = 0xfg", "invalid hexadecimal literal", 1, 5);
    check_err("x = 0b", "invalid binary literal", 1, 5);
    check_err("x = 0x_", "invalid hexadecimal literal", 1, 5);
    check_err("x = 1j", "complex numbers are not supported in thunder's language", 1, 5);
    check_err("x = 9223372036854775808", "integer literal too large", 1, 5);
    check_err("x = 99999999999999999999999", "integer literal too large", 1, 5);
    check_err("x = 0x10000000000000000", "integer literal too large", 1, 5);
    check_err("x = -9223372036854775808 ** 2", "integer literal too large", 1, 6);
    check_err("x = -9223372036854775809", "integer literal too large", 1, 6);
}

static void test_unsupported(void **state)
{
    (void)state;
    check_err("for x in y: pass", "'for' statements are not supported in thunder's language", 1, 1);
    check_err("x = 1\n  if x:\n    y = 2", "'if' statements are not supported in thunder's language", 2, 3);
    check_err("while True: pass", "'while' statements are not supported in thunder's language", 1, 1);
    check_err("def f(x): return x", "'def' statements are not supported in thunder's language", 1, 1);
    check_err("class A: pass", "'class' statements are not supported in thunder's language", 1, 1);
    check_err("return 1", "'return' statements are not supported in thunder's language", 1, 1);
    check_err("try:", "'try' statements are not supported in thunder's language", 1, 1);
    check_err("with open(f) as g:", "'with' statements are not supported in thunder's language", 1, 1);
    check_err("x = yield", "'yield' expressions are not supported in thunder's language", 1, 5);
    check_err("x = {1: 2}", "dict and set displays ('{...}') are not supported in thunder's language", 1, 5);
    check_err("x = {}", "dict and set displays ('{...}') are not supported in thunder's language", 1, 5);
    check_err("[x for x in y]", "list comprehensions are not supported in thunder's language", 1, 4);
    check_err("(x for x in y)", "generator expressions are not supported in thunder's language", 1, 4);
    check_err("sum(x for x in y)", "generator expressions are not supported in thunder's language", 1, 7);
    check_err("x += 1",
              "augmented assignment ('+=') is not supported in thunder's language; write 'x = x + ...'", 1,
              3);
    check_err("x **= 2",
              "augmented assignment ('**=') is not supported in thunder's language; write 'x = x ** ...'", 1,
              3);
    check_err("a[0] -= 1", "augmented assignment ('-=') is not supported in thunder's language", 1, 6);
    check_err("x := 1", "assignment expressions (':=') are not supported in thunder's language", 1, 3);
    check_err("f(x := 1)", "assignment expressions (':=') are not supported in thunder's language", 1, 5);
    check_err("x: int = 1", "variable annotations are not supported in thunder's language", 1, 2);
    check_err("f(**k)", "'**' arguments are not supported in thunder's language", 1, 3);
    check_err("lambda *a: 0", "'*' parameters are not supported in thunder's language", 1, 8);
    check_err("lambda x, **k: 0", "'**' parameters are not supported in thunder's language", 1, 11);
    check_err("from . import x", "relative imports are not supported in thunder's language", 1, 6);
    check_err("from a import *", "'from ... import *' is not supported in thunder's language", 1, 15);
}

static void test_bad_bytes(void **state)
{
    (void)state;
    check_err_n("x = 1\0", 6, "source code cannot contain null bytes", 1, 6);
    check_err_n("x = 'a\0b'", 9, "source code cannot contain null bytes", 1, 7);
    check_err_n("# \0\nx = 1", 9, "source code cannot contain null bytes", 1, 3);
    check_err_n("\0", 1, "source code cannot contain null bytes", 1, 1);
    check_err("x = 1\ny = '\xff'", "invalid UTF-8 in source: byte 0xff", 2, 6);
    check_err("# \xc0\x80", "invalid UTF-8 in source: byte 0xc0", 1, 3);         /* overlong */
    check_err("'\xed\xa0\x80'", "invalid UTF-8 in source: byte 0xed", 1, 2);     /* surrogate */
    check_err("'\xf4\x90\x80\x80'", "invalid UTF-8 in source: byte 0xf4", 1, 2); /* above U+10FFFF */
    check_err("'\xe2\x82", "invalid UTF-8 in source: byte 0xe2", 1, 2);          /* cut short */
    check_err("'\x80'", "invalid UTF-8 in source: byte 0x80", 1, 2);             /* stray continuation */
    /* an explicit length: text after it is not read */
    check_n("x = 1$$$", 5, "(= x 1)");
    assert_int_equal(parse_program(NULL, 0, 1, arena, &prog, NULL, NULL), 0);
    assert_int_equal(prog.n, 0);
    /* a NULL pos and err are allowed */
    assert_int_equal(parse_program("$", 1, 1, arena, &prog, NULL, NULL), -1);
}

/* ---- limits -------------------------------------------------------------- */

static void test_deep_nesting(void **state)
{
    (void)state;
    char *s = repeat("", "(", 100000, "x");
    check_err(s, "too many nested parentheses", 1, PARSE_MAX_DEPTH + 1);
    free(s);
    s = repeat("x = ", "[", 100000, "");
    check_err(s, "too many nested parentheses", 1, 4 + PARSE_MAX_DEPTH + 1);
    free(s);
    /* here the parser's guard trips first, at the 201st argument */
    s = repeat("", "f(", 100000, "");
    check_err(s, "expression too deeply nested", 1, 2 * PARSE_MAX_DEPTH + 1);
    free(s);

    /* 150 levels are fine (the closing brackets too) */
    s = repeat("", "(", 150, "x");
    char *t = repeat(s, ")", 150, "");
    check(t, "x");
    free(s);
    free(t);

    s = repeat("", "-", 100000, "x");
    check_err(s, "expression too deeply nested", 1, PARSE_MAX_DEPTH);
    free(s);
    s = repeat("", "not ", 100000, "x");
    check_err(s, "expression too deeply nested", 1, 4 * (PARSE_MAX_DEPTH - 1) + 1);
    free(s);
    s = repeat("", "2**", 100000, "2");
    check_err(s, "expression too deeply nested", 1, 3 * (PARSE_MAX_DEPTH - 1) + 2);
    free(s);
    s = repeat("", "lambda: ", 100000, "1");
    assert_int_equal(parse_program(s, strlen(s), 1, arena, &prog, NULL, NULL), -1);
    free(s);
    s = repeat("", "a if b else ", 100000, "c");
    assert_int_equal(parse_program(s, strlen(s), 1, arena, &prog, NULL, NULL), -1);
    free(s);
    s = repeat("", "-(", 100000, "");
    assert_int_equal(parse_program(s, strlen(s), 1, arena, &prog, NULL, NULL), -1);
    free(s);

    /* long chains are built by loops, but their trees are deep too */
    s = repeat("x = 1", "+1", 100000, "");
    check_err(s, "expression too deeply nested", 1, 1);
    free(s);
    s = repeat("y = x", ".a", 100000, "");
    check_err(s, "expression too deeply nested", 1, 1);
    free(s);
    s = repeat("y = x", "[0]", 100000, "");
    check_err(s, "expression too deeply nested", 1, 1);
    free(s);
    s = repeat("y = x", " or x", 100000, "");
    check_err(s, "expression too deeply nested", 1, 1);
    free(s);
    /* ... while wide trees are not */
    s = repeat("x = [", "1, ", 100000, "1]");
    char *d = parse_dump_n(s, strlen(s));
    assert_int_equal(prog.stmts[0]->u.assign.value->u.seq.n, 100001);
    free(d);
    free(s);
    s = repeat("x = 1", "+1", 500, "");
    d = parse_dump_n(s, strlen(s));
    free(d);
    free(s);
    s = repeat("x = 1", " < 1", 100000, "");
    d = parse_dump_n(s, strlen(s));
    assert_int_equal(prog.stmts[0]->u.assign.value->u.compare.n, 100000);
    free(d);
    free(s);
}

static void test_long_lines(void **state)
{
    (void)state;
    char *s = repeat("x = '", "a", PARSE_MAX_LINE + 10, "'");
    check_err(s, "line too long (more than 1048576 characters)", 1, 5);
    free(s);
    s = repeat("x = 1 # ", "c", PARSE_MAX_LINE + 10, "\ny = 2");
    check_err(s, "line too long (more than 1048576 characters)", 1, PARSE_MAX_LINE + 19);
    free(s);
    s = repeat("x = [", "1,\n", PARSE_MAX_LINE / 3 + 10, "]");
    assert_int_equal(parse_program(s, strlen(s), 1, arena, &prog, NULL, NULL), -1);
    free(s);
    /* just under the limit, and many lines that are long together, are fine */
    s = repeat("x = '", "a", PARSE_MAX_LINE - 10, "'");
    char *d = parse_dump_n(s, strlen(s));
    assert_int_equal(prog.stmts[0]->u.assign.value->u.str.len, PARSE_MAX_LINE - 10);
    free(d);
    free(s);
    s = repeat("", "x = 1\n", PARSE_MAX_LINE / 3, "");
    d = parse_dump_n(s, strlen(s));
    assert_int_equal(prog.n, PARSE_MAX_LINE / 3);
    free(d);
    free(s);
}

/* ---- parse_needs_more ---------------------------------------------------- */

static void needs(const char *src, int want)
{
    if (parse_needs_more(src, strlen(src)) != want)
        fail_msg("parse_needs_more(\"%s\") is not %d", src, want);
}

static void test_needs_more(void **state)
{
    (void)state;
    needs("(", 1);
    needs("f(1,", 1);
    needs("f(1,\n", 1);
    needs("x = [1, (2,\n 3)", 1);
    needs("x = (1, # a comment )\n", 1);
    needs("x = '''abc", 1);
    needs("x = '''abc\n", 1);
    needs("x = f('''abc\n", 1);
    needs("x = 1 + \\", 1);
    needs("x = 1 + \\\n", 1);
    needs("x = 'abc\\\n", 1);
    needs("", 0);
    needs("x = 1", 0);
    needs("x = 1\n", 0);
    needs("x = (1,\n 2)", 0);
    needs("x = '('", 0);
    needs("x = '''('''", 0);
    needs("# (", 0);
    needs("x = 1 # (\n", 0);
    needs(")", 0);
    needs("(]", 0);
    needs("x = 'abc", 0);
    needs("x = 'abc\n", 0);
    needs("$(", 0);
    needs("x = 1 +", 0);
    needs("x = \\ 1", 0);
    assert_int_equal(parse_needs_more("(\0", 2), 0);
    assert_int_equal(parse_needs_more("(\xff", 2), 0);
    assert_int_equal(parse_needs_more(NULL, 0), 0);
}

/* ---- the conformance cases ----------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void test_conformance_cases(void **state)
{
    (void)state;
    char dir[4096];
    const char *src = getenv("THUNDER_SRCDIR");
    snprintf(dir, sizeof dir, "%s/../shared/conformance/cases", src ? src : ".");
    DIR *d = opendir(dir);
    if (!d) {
        print_message("skipped: the conformance cases (%s) are absent\n", dir);
        skip();
    }
    /* the runner's prelude, then each case */
    check("import thunder as td\nimport numpy as np\nimages = td.images\nseries = td.series\n"
          "DATA = \"/data\"\nnp.save(\"/tmp/out.npy\", result)\n",
          "(import thunder as td); (import numpy as np); (= images (. td images)); (= series (. td series)); "
          "(= DATA \"/data\"); (call (. np save) \"/tmp/out.npy\" result)");
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 4 || strcmp(de->d_name + n - 3, ".py"))
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t len;
        char *text = read_file(path, &len);
        td_err err = {0};
        parse_pos pos = {0, 0};
        if (parse_program(text, len, 1, arena, &prog, &pos, &err) != 0)
            fail_msg("%s:%d:%d: %s", de->d_name, pos.line, pos.col, err.msg);
        assert_true(prog.n > 0);
        free(text);
        count++;
    }
    closedir(d);
    print_message("parsed %d conformance cases\n", count);
    assert_true(count > 100);
}

static void test_arena(void **state)
{
    (void)state;
    ast_arena *a = ast_arena_new();
    assert_non_null(a);
    /* small and large requests, all zeroed, aligned and distinct */
    char *p1 = ast_alloc(a, 3), *p2 = ast_alloc(a, 100000), *p3 = ast_alloc(a, 0), *p4 = ast_alloc(a, 16);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_non_null(p3);
    assert_non_null(p4);
    assert_int_equal((uintptr_t)p4 % _Alignof(max_align_t), 0);
    assert_int_equal((uintptr_t)p2 % _Alignof(max_align_t), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(p2[i], 0);
    memset(p2, 0xAB, 100000);
    assert_int_equal(p1[0], 0);
    assert_int_equal(p4[15], 0);
    assert_true(p1 != p3 && p3 != p4 && p1 != p4);
    char *s = ast_strdup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_null(ast_alloc(a, SIZE_MAX));
    for (int i = 0; i < 10000; i++)
        assert_non_null(ast_alloc(a, 64));
    ast_arena_free(a);
    ast_arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comparisons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscripts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tuples_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lexical_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_needs_more, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conformance_cases, setup, teardown),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}

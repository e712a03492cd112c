/* Operators with Python's semantics on Python values and numpy's on
 * arrays: arithmetic, comparison, membership, identity. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "np_ops.h"

static const char *binop_symbol(ast_binop op)
{
    switch (op) {
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_FLOORDIV: return "//";
    case OP_MOD: return "%";
    case OP_POW: return "** or pow()";
    case OP_MATMUL: return "@";
    case OP_BITAND: return "&";
    case OP_BITOR: return "|";
    case OP_BITXOR: return "^";
    case OP_LSHIFT: return "<<";
    case OP_RSHIFT: return ">>";
    }
    return "?";
}

static const char *cmp_symbol(ast_cmpop op)
{
    switch (op) {
    case CMP_EQ: return "==";
    case CMP_NE: return "!=";
    case CMP_LT: return "<";
    case CMP_LE: return "<=";
    case CMP_GT: return ">";
    case CMP_GE: return ">=";
    case CMP_IN: return "in";
    case CMP_NOTIN: return "not in";
    case CMP_IS: return "is";
    case CMP_ISNOT: return "is not";
    }
    return "?";
}

void lang_type_error_operands(td_err *err, const char *opname, const value *a, const value *b)
{
    td_err_set(err, TD_ETYPE, "unsupported operand type(s) for %s: '%s' and '%s'", opname, val_type_name(a),
               val_type_name(b));
}

int lang_overflow(td_err *err)
{
    return td_err_set(err, TD_EOVERFLOW,
                      "integer overflow (the workbench's ints are 64-bit; Python's are unbounded)");
}

static bool is_intlike(const value *v)
{
    return v->kind == V_INT || v->kind == V_BOOL;
}

static bool is_pynum(const value *v)
{
    return v->kind == V_INT || v->kind == V_BOOL || v->kind == V_FLOAT;
}

static int64_t ival(const value *v)
{
    return v->kind == V_BOOL ? (int64_t)v->u.b : v->u.i;
}

static double fval(const value *v)
{
    return v->kind == V_FLOAT ? v->u.f : (double)ival(v);
}

static bool is_data(const value *v)
{
    return v->kind == V_IMAGES || v->kind == V_SERIES;
}

/* --- integers ------------------------------------------------------------- */

static int int_pow(int64_t base, int64_t exp, int64_t *out)
{
    int64_t result = 1;
    while (exp > 0) {
        if (exp & 1) {
            if (__builtin_mul_overflow(result, base, &result))
                return -1;
        }
        exp >>= 1;
        if (exp > 0 && __builtin_mul_overflow(base, base, &base))
            return -1;
    }
    *out = result;
    return 0;
}

static value *float_pow(double a, double b, td_err *err);

static value *int_binary(ast_binop op, value *va, value *vb, td_err *err)
{
    int64_t a = ival(va), b = ival(vb), r;
    bool both_bool = va->kind == V_BOOL && vb->kind == V_BOOL;
    switch (op) {
    case OP_ADD:
        if (__builtin_add_overflow(a, b, &r))
            goto overflow;
        return val_int(r);
    case OP_SUB:
        if (__builtin_sub_overflow(a, b, &r))
            goto overflow;
        return val_int(r);
    case OP_MUL:
        if (__builtin_mul_overflow(a, b, &r))
            goto overflow;
        return val_int(r);
    case OP_DIV:
        if (b == 0) {
            td_err_set(err, TD_EZERODIV, "division by zero");
            return NULL;
        }
        return val_float((double)a / (double)b);
    case OP_FLOORDIV:
        if (b == 0) {
            td_err_set(err, TD_EZERODIV, "integer division or modulo by zero");
            return NULL;
        }
        if (a == INT64_MIN && b == -1)
            goto overflow;
        r = a / b;
        if (a % b != 0 && ((a < 0) != (b < 0)))
            r--;
        return val_int(r);
    case OP_MOD:
        if (b == 0) {
            td_err_set(err, TD_EZERODIV, "integer modulo by zero");
            return NULL;
        }
        if (b == -1)
            return val_int(0);
        r = a % b;
        if (r != 0 && ((r < 0) != (b < 0)))
            r += b;
        return val_int(r);
    case OP_POW:
        if (b < 0)
            return float_pow((double)a, (double)b, err);
        if (int_pow(a, b, &r) < 0)
            goto overflow;
        return val_int(r);
    case OP_BITAND: return both_bool ? val_bool(a & b) : val_int(a & b);
    case OP_BITOR: return both_bool ? val_bool(a | b) : val_int(a | b);
    case OP_BITXOR: return both_bool ? val_bool(a ^ b) : val_int(a ^ b);
    case OP_LSHIFT:
        if (b < 0) {
            td_err_set(err, TD_EVALUE, "negative shift count");
            return NULL;
        }
        if (a == 0)
            return val_int(0);
        if (b >= 63)
            goto overflow;
        {
            /* shift the magnitude's bits through unsigned arithmetic and check it comes back */
            uint64_t u = (uint64_t)a << b;
            int64_t s;
            memcpy(&s, &u, sizeof s);
            int64_t back = s >= 0 ? s >> b : ~((~s) >> b);
            if (back != a)
                goto overflow;
            return val_int(s);
        }
    case OP_RSHIFT:
        if (b < 0) {
            td_err_set(err, TD_EVALUE, "negative shift count");
            return NULL;
        }
        if (b >= 64)
            return val_int(a < 0 ? -1 : 0);
        return val_int(a >= 0 ? a >> b : ~((~a) >> b));
    case OP_MATMUL: break;
    }
    lang_type_error_operands(err, binop_symbol(op), va, vb);
    return NULL;
overflow:
    lang_overflow(err);
    return NULL;
}

/* --- floats --------------------------------------------------------------- */

static value *float_pow(double a, double b, td_err *err)
{
    if (b == 0.0)
        return val_float(1.0);
    if (a == 0.0 && b < 0.0) {
        td_err_set(err, TD_EZERODIV, "0.0 cannot be raised to a negative power");
        return NULL;
    }
    if (a < 0.0 && isfinite(a) && isfinite(b) && floor(b) != b) {
        td_err_set(err, TD_EVALUE,
                   "negative number cannot be raised to a fractional power (Python would give a "
                   "complex number; the workbench has none)");
        return NULL;
    }
    double r = pow(a, b);
    if (isinf(r) && isfinite(a) && isfinite(b)) {
        td_err_set(err, TD_EOVERFLOW, "(34, 'Numerical result out of range')");
        return NULL;
    }
    return val_float(r);
}

/* Python's float divmod: the remainder takes the divisor's sign. */
static void float_divmod(double a, double b, double *floordiv, double *mod)
{
    double m = fmod(a, b);
    double div = (a - m) / b;
    if (m != 0.0) {
        if ((b < 0) != (m < 0)) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, b);
    }
    double fd;
    if (div != 0.0) {
        fd = floor(div);
        if (div - fd > 0.5)
            fd += 1.0;
    } else {
        fd = copysign(0.0, a / b);
    }
    *floordiv = fd;
    *mod = m;
}

static value *float_binary(ast_binop op, value *va, value *vb, td_err *err)
{
    double a = fval(va), b = fval(vb), q, m;
    switch (op) {
    case OP_ADD: return val_float(a + b);
    case OP_SUB: return val_float(a - b);
    case OP_MUL: return val_float(a * b);
    case OP_DIV:
        if (b == 0.0) {
            td_err_set(err, TD_EZERODIV, "float division by zero");
            return NULL;
        }
        return val_float(a / b);
    case OP_FLOORDIV:
        if (b == 0.0) {
            td_err_set(err, TD_EZERODIV, "float floor division by zero");
            return NULL;
        }
        float_divmod(a, b, &q, &m);
        return val_float(q);
    case OP_MOD:
        if (b == 0.0) {
            td_err_set(err, TD_EZERODIV, "float modulo");
            return NULL;
        }
        float_divmod(a, b, &q, &m);
        return val_float(m);
    case OP_POW: return float_pow(a, b, err);
    default: break;
    }
    lang_type_error_operands(err, binop_symbol(op), va, vb);
    return NULL;
}

/* --- sequences ------------------------------------------------------------- */

int lang_check_alloc(size_t count, size_t elem, td_err *err)
{
    size_t bytes;
    if (td_mul_overflows(count, elem, &bytes) || bytes > td_mem_budget())
        return td_err_set(err, TD_EMEMORY,
                          "a result of %zu items of %zu bytes does not fit in the memory budget", count,
                          elem);
    return 0;
}

static value *seq_concat(value *a, value *b, td_err *err)
{
    if (a->kind == V_STR) {
        size_t n = a->u.str.len + b->u.str.len;
        if (n < a->u.str.len || lang_check_alloc(n, 1, err) < 0) {
            td_err_set(err, TD_EMEMORY, "string too long");
            return NULL;
        }
        char *s = malloc(n + 1);
        if (!s) {
            td_err_set(err, TD_EMEMORY, "out of memory");
            return NULL;
        }
        memcpy(s, a->u.str.s, a->u.str.len);
        memcpy(s + a->u.str.len, b->u.str.s, b->u.str.len);
        s[n] = '\0';
        return val_str_own(s, n);
    }
    int64_t n = a->u.seq.n + b->u.seq.n;
    if (lang_check_alloc((size_t)n, sizeof(value *), err) < 0)
        return NULL;
    value **items = malloc((size_t)(n ? n : 1) * sizeof *items);
    if (!items) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    for (int64_t i = 0; i < a->u.seq.n; i++)
        items[i] = val_retain(a->u.seq.items[i]);
    for (int64_t i = 0; i < b->u.seq.n; i++)
        items[a->u.seq.n + i] = val_retain(b->u.seq.items[i]);
    value *r = a->kind == V_LIST ? val_list(items, n) : val_tuple(items, n);
    free(items);
    return r;
}

static value *seq_repeat(value *s, int64_t times, td_err *err)
{
    if (times < 0)
        times = 0;
    if (s->kind == V_STR) {
        size_t len = s->u.str.len;
        if (len == 0 || times == 0)
            return val_str("", 0);
        if (lang_check_alloc(len, (size_t)times, err) < 0) {
            td_err_set(err, TD_EMEMORY, "a str of %zu x %lld characters does not fit in the memory budget",
                       len, (long long)times);
            return NULL;
        }
        size_t n = len * (size_t)times;
        char *buf = malloc(n + 1);
        if (!buf) {
            td_err_set(err, TD_EMEMORY, "out of memory (a string of %zu bytes)", n);
            return NULL;
        }
        for (int64_t i = 0; i < times; i++)
            memcpy(buf + (size_t)i * len, s->u.str.s, len);
        buf[n] = '\0';
        return val_str_own(buf, n);
    }
    int64_t len = s->u.seq.n;
    size_t n;
    if (td_mul_overflows((size_t)len, (size_t)times, &n) || lang_check_alloc(n, sizeof(value *), err) < 0) {
        td_err_set(err, TD_EMEMORY, "a %s of %lld x %lld items does not fit in the memory budget",
                   val_type_name(s), (long long)len, (long long)times);
        return NULL;
    }
    value **items = malloc((n ? n : 1) * sizeof *items);
    if (!items) {
        td_err_set(err, TD_EMEMORY, "out of memory (a %s of %zu items)", val_type_name(s), n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = val_retain(s->u.seq.items[i % (size_t)len]);
    value *r = s->kind == V_LIST ? val_list(items, (int64_t)n) : val_tuple(items, (int64_t)n);
    free(items);
    return r;
}

static bool is_seq(const value *v)
{
    return v->kind == V_STR || v->kind == V_LIST || v->kind == V_TUPLE;
}

static value *seq_binary(ast_binop op, value *a, value *b, td_err *err)
{
    if (op == OP_ADD && is_seq(a)) {
        if (b->kind == a->kind)
            return seq_concat(a, b, err);
        td_err_set(err, TD_ETYPE, "can only concatenate %s (not \"%s\") to %s", val_type_name(a),
                   val_type_name(b), val_type_name(a));
        return NULL;
    }
    if (op == OP_MUL) {
        value *s = is_seq(a) ? a : b, *n = is_seq(a) ? b : a;
        if (is_intlike(n))
            return seq_repeat(s, ival(n), err);
        if (n->kind == V_ARRAY && n->u.arr.scalar && !td_dtype_is_float(n->u.arr.a->dtype))
            return seq_repeat(s, nd_get_i64(n->u.arr.a, 0), err);
        td_err_set(err, TD_ETYPE, "can't multiply sequence by non-int of type '%s'", val_type_name(n));
        return NULL;
    }
    lang_type_error_operands(err, binop_symbol(op), a, b);
    return NULL;
}

/* --- arrays ----------------------------------------------------------------- */

static int nd_op_of(ast_binop op, nd_binop *out)
{
    switch (op) {
    case OP_ADD: *out = ND_ADD; return 0;
    case OP_SUB: *out = ND_SUB; return 0;
    case OP_MUL: *out = ND_MUL; return 0;
    case OP_DIV: *out = ND_TRUEDIV; return 0;
    case OP_FLOORDIV: *out = ND_FLOORDIV; return 0;
    case OP_MOD: *out = ND_MOD; return 0;
    case OP_POW: *out = ND_POW; return 0;
    case OP_BITAND: *out = ND_AND; return 0;
    case OP_BITOR: *out = ND_OR; return 0;
    case OP_BITXOR: *out = ND_XOR; return 0;
    default: return -1;
    }
}

static value *wrap_result(nd_array *r)
{
    if (!r)
        return NULL;
    /* numpy's ufuncs give a scalar, not a 0-d array, for a 0-d result */
    return r->ndim == 0 ? val_npscalar(r) : val_array(r);
}

static td_scalar_kind scalar_kind_of(const value *v)
{
    return v->kind == V_BOOL ? TD_SCALAR_BOOL : v->kind == V_INT ? TD_SCALAR_INT : TD_SCALAR_FLOAT;
}

/* The array form of a Python number, with numpy's default dtypes. */
static nd_array *number_array(const value *v, td_err *err)
{
    if (v->kind == V_FLOAT)
        return nd_scalar_f64(TD_FLOAT64, v->u.f, err);
    return nd_scalar_i64(v->kind == V_BOOL ? TD_BOOL : TD_INT64, ival(v), err);
}

/* a op b where one side is an array (or numpy scalar) and the other an
 * array, numpy scalar, Python number or nested sequence of numbers. */
static value *array_binary(nd_binop op, value *a, value *b, const char *opname, td_err *err)
{
    bool a_arr = a->kind == V_ARRAY;
    value *arr = a_arr ? a : b, *other = a_arr ? b : a;
    const nd_array *x = arr->u.arr.a;
    nd_array *y;
    if (is_pynum(other)) {
        if (x->ndim > 0) {
            /* numpy 1.x value-based casting: int16 array + 3 stays int16 */
            return wrap_result(nd_binary_scalar(
                op, x, scalar_kind_of(other), is_intlike(other) ? ival(other) : 0, fval(other), !a_arr, err));
        }
        /* with a numpy scalar, by type: np.int16(1) + 1 is int64 */
        y = number_array(other, err);
    } else if (other->kind == V_ARRAY) {
        y = nd_retain(other->u.arr.a);
    } else if (other->kind == V_LIST || other->kind == V_TUPLE) {
        y = val_to_array(other, err);
    } else {
        /* numpy compares None element by element, other objects as a whole */
        if ((op == ND_EQ || op == ND_NE) && other->kind == V_NONE)
            return wrap_result(nd_full_f64(TD_BOOL, x->ndim, x->shape, op == ND_NE, err));
        if (op == ND_EQ || op == ND_NE)
            return val_bool(op == ND_NE);
        lang_type_error_operands(err, opname, a, b);
        return NULL;
    }
    if (!y)
        return NULL;
    /* numpy's rules for arrays, numpy scalars and 0-d arrays (np_ops.c) */
    nd_array *res = a_arr ? np_binary_arrays(op, x, y, err) : np_binary_arrays(op, y, x, err);
    nd_release(y);
    return wrap_result(res);
}

/* --- the dispatcher --------------------------------------------------------- */

value *op_binary(ast_binop op, value *a, value *b, td_err *err)
{
    if (is_data(a) || is_data(b))
        return data_binary(op, a, b, err);
    if (a->kind == V_ARRAY || b->kind == V_ARRAY) {
        nd_binop nop;
        value *arr = a->kind == V_ARRAY ? a : b, *other = a->kind == V_ARRAY ? b : a;
        /* a numpy scalar repeats a sequence, as an int does (it has __index__);
         * a 0-d or larger array multiplies element-wise instead */
        if (op == OP_MUL && is_seq(other) && arr->u.arr.scalar)
            return seq_binary(op, a, b, err);
        if (nd_op_of(op, &nop) < 0 ||
            !(is_pynum(other) || other->kind == V_ARRAY || other->kind == V_LIST || other->kind == V_TUPLE)) {
            /* a list times a numpy integer repeats the list, as in Python */
            if (op == OP_MUL && is_seq(other))
                return seq_binary(op, a, b, err);
            lang_type_error_operands(err, binop_symbol(op), a, b);
            return NULL;
        }
        return array_binary(nop, a, b, binop_symbol(op), err);
    }
    if (is_pynum(a) && is_pynum(b)) {
        if (is_intlike(a) && is_intlike(b))
            return int_binary(op, a, b, err);
        return float_binary(op, a, b, err);
    }
    if (is_seq(a) || is_seq(b))
        return seq_binary(op, a, b, err);
    lang_type_error_operands(err, binop_symbol(op), a, b);
    return NULL;
}

value *op_unary(char op, value *v, td_err *err)
{
    if (op == 'n') {
        bool t;
        if (val_truth(v, &t, err) < 0)
            return NULL;
        return val_bool(!t);
    }
    if (v->kind == V_ARRAY) {
        nd_unop u = op == '-' ? ND_NEG : op == '+' ? ND_POS : ND_INVERT;
        return wrap_result(nd_unary(u, v->u.arr.a, err));
    }
    if (is_intlike(v)) {
        int64_t i = ival(v);
        if (op == '-') {
            if (i == INT64_MIN) {
                lang_overflow(err);
                return NULL;
            }
            return val_int(-i);
        }
        if (op == '+')
            return val_int(i);
        return val_int(~i);
    }
    if (v->kind == V_FLOAT && op != '~')
        return val_float(op == '-' ? -v->u.f : v->u.f);
    td_err_set(err, TD_ETYPE, "bad operand type for unary %c: '%s'", op, val_type_name(v));
    return NULL;
}

/* --- comparisons ------------------------------------------------------------- */

/* Exact comparison of an int64 and a double, as Python compares int and
 * float: returns -1, 0, 1, or 2 when d is NaN. */
static int cmp_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 2;
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t ti = (int64_t)t;
    if (i != ti)
        return i < ti ? -1 : 1;
    if (d > t)
        return -1;
    if (d < t)
        return 1;
    return 0;
}

/* -1/0/1 for numbers, 2 when unordered (NaN). */
static int cmp_numbers(const value *a, const value *b)
{
    if (is_intlike(a) && is_intlike(b)) {
        int64_t x = ival(a), y = ival(b);
        return x < y ? -1 : x > y;
    }
    if (is_intlike(a))
        return cmp_int_double(ival(a), b->u.f);
    if (is_intlike(b)) {
        int c = cmp_int_double(ival(b), a->u.f);
        return c == 2 ? 2 : -c;
    }
    double x = a->u.f, y = b->u.f;
    if (isnan(x) || isnan(y))
        return 2;
    return x < y ? -1 : x > y;
}

static bool cmp_result(ast_cmpop op, int c)
{
    if (c == 2)
        return op == CMP_NE;
    switch (op) {
    case CMP_EQ: return c == 0;
    case CMP_NE: return c != 0;
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    case CMP_GE: return c >= 0;
    default: return false;
    }
}

static int cmp_bytes(const value *a, const value *b)
{
    size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
    int c = memcmp(a->u.str.s, b->u.str.s, n);
    if (c)
        return c < 0 ? -1 : 1;
    return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
}

static bool dtype_of_value(const value *v, td_dtype *out)
{
    if (v->kind == V_DTYPE) {
        *out = v->u.dtype;
        return true;
    }
    if (v->kind == V_STR) {
        td_err e;
        return td_dtype_parse(v->u.str.s, out, &e) == 0;
    }
    if (lang_is_builtin(v, "float")) {
        *out = TD_FLOAT64;
        return true;
    }
    if (lang_is_builtin(v, "int")) {
        *out = TD_INT64;
        return true;
    }
    if (lang_is_builtin(v, "bool")) {
        *out = TD_BOOL;
        return true;
    }
    return false;
}

/* == for values that are neither numbers, sequences nor arrays. */
static bool identity_equal(const value *a, const value *b)
{
    if (a == b)
        return true;
    if (a->kind == V_DTYPE || b->kind == V_DTYPE) {
        td_dtype x, y;
        return dtype_of_value(a, &x) && dtype_of_value(b, &y) && x == y;
    }
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case V_NONE: return true;
    case V_BUILTIN: return a->u.builtin == b->u.builtin;
    case V_METHOD: return a->u.method.fn == b->u.method.fn && a->u.method.self == b->u.method.self;
    case V_MODULE: return a->u.mod == b->u.mod;
    case V_FUNC: return a->u.fn == b->u.fn;
    case V_IMAGES:
    case V_SERIES: return a->u.data == b->u.data;
    case V_BLOCKS: return a->u.blocks == b->u.blocks;
    case V_SLICE: {
        bool e1, e2, e3;
        td_err e;
        if (op_equal(a->u.slice.start, b->u.slice.start, &e1, &e) < 0 ||
            op_equal(a->u.slice.stop, b->u.slice.stop, &e2, &e) < 0 ||
            op_equal(a->u.slice.step, b->u.slice.step, &e3, &e) < 0)
            return false;
        return e1 && e2 && e3;
    }
    default: return false;
    }
}

static value *seq_compare(ast_cmpop op, value *a, value *b, td_err *err)
{
    int64_t n = a->u.seq.n < b->u.seq.n ? a->u.seq.n : b->u.seq.n;
    for (int64_t i = 0; i < n; i++) {
        value *x = a->u.seq.items[i], *y = b->u.seq.items[i];
        bool eq;
        if (x == y)
            continue; /* Python compares items by identity first */
        if (op_equal(x, y, &eq, err) < 0)
            return NULL;
        if (eq)
            continue;
        if (op == CMP_EQ)
            return val_bool(false);
        if (op == CMP_NE)
            return val_bool(true);
        return op_compare(op, x, y, err);
    }
    int c = a->u.seq.n < b->u.seq.n ? -1 : a->u.seq.n > b->u.seq.n;
    return val_bool(cmp_result(op, c));
}

static bool find_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m > n)
        return false;
    for (size_t i = 0; i + m <= n; i++)
        if (hay[i] == needle[0] && !memcmp(hay + i, needle, m))
            return true;
    return false;
}

static value *contains(value *item, value *box, td_err *err)
{
    switch (box->kind) {
    case V_LIST:
    case V_TUPLE:
        for (int64_t i = 0; i < box->u.seq.n; i++) {
            bool eq;
            if (box->u.seq.items[i] == item)
                return val_bool(true);
            if (op_equal(item, box->u.seq.items[i], &eq, err) < 0)
                return NULL;
            if (eq)
                return val_bool(true);
        }
        return val_bool(false);
    case V_STR:
        if (item->kind != V_STR) {
            td_err_set(err, TD_ETYPE, "'in <string>' requires string as left operand, not %s",
                       val_type_name(item));
            return NULL;
        }
        if (item->u.str.len == 0)
            return val_bool(true);
        return val_bool(find_bytes(box->u.str.s, box->u.str.len, item->u.str.s, item->u.str.len));
    case V_ARRAY: {
        if (box->u.arr.a->ndim == 0) {
            td_err_set(err, TD_ETYPE, "argument of type '%s' is not iterable", val_type_name(box));
            return NULL;
        }
        /* numpy: (box == item).any() */
        value *eq = op_compare(CMP_EQ, box, item, err);
        if (!eq)
            return NULL;
        if (eq->kind != V_ARRAY) {
            bool t;
            int rc = val_truth(eq, &t, err);
            val_release(eq);
            return rc < 0 ? NULL : val_bool(t);
        }
        nd_array *any = nd_reduce(ND_RANY, eq->u.arr.a, ND_ALL, false, 0, err);
        val_release(eq);
        if (!any)
            return NULL;
        bool t = nd_get_i64(any, 0) != 0;
        nd_release(any);
        return val_bool(t);
    }
    default:
        td_err_set(err, TD_ETYPE, "argument of type '%s' is not iterable", val_type_name(box));
        return NULL;
    }
}

static nd_binop nd_cmp_of(ast_cmpop op)
{
    switch (op) {
    case CMP_EQ: return ND_EQ;
    case CMP_NE: return ND_NE;
    case CMP_LT: return ND_LT;
    case CMP_LE: return ND_LE;
    case CMP_GT: return ND_GT;
    default: return ND_GE;
    }
}

static bool is_identical(const value *a, const value *b)
{
    if (a == b)
        return true;
    /* CPython caches small ints, so `1 is 1` holds there; keep that */
    if (a->kind == V_INT && b->kind == V_INT && a->u.i == b->u.i && a->u.i >= -5 && a->u.i <= 256)
        return true;
    if (a->kind == V_MODULE && b->kind == V_MODULE)
        return a->u.mod == b->u.mod;
    if (a->kind == V_BUILTIN && b->kind == V_BUILTIN)
        return a->u.builtin == b->u.builtin;
    if (a->kind == V_DTYPE && b->kind == V_DTYPE)
        return a->u.dtype == b->u.dtype;
    return false;
}

value *op_compare(ast_cmpop op, value *a, value *b, td_err *err)
{
    switch (op) {
    case CMP_IS: return val_bool(is_identical(a, b));
    case CMP_ISNOT: return val_bool(!is_identical(a, b));
    case CMP_IN: return contains(a, b, err);
    case CMP_NOTIN: {
        value *r = contains(a, b, err);
        if (!r)
            return NULL;
        bool t = r->u.b;
        val_release(r);
        return val_bool(!t);
    }
    default: break;
    }
    bool eqop = op == CMP_EQ || op == CMP_NE;
    /* Thunder's Images and Series define no comparisons: Python's default
     * applies, identity for == and a TypeError for ordering. */
    if (is_data(a) || is_data(b)) {
        if (eqop)
            return val_bool(identity_equal(a, b) == (op == CMP_EQ));
        goto unordered;
    }
    if (a->kind == V_ARRAY || b->kind == V_ARRAY) {
        value *other = a->kind == V_ARRAY ? b : a;
        if (!eqop &&
            !(is_pynum(other) || other->kind == V_ARRAY || other->kind == V_LIST || other->kind == V_TUPLE))
            goto unordered;
        return array_binary(nd_cmp_of(op), a, b, cmp_symbol(op), err);
    }
    if (is_pynum(a) && is_pynum(b))
        return val_bool(cmp_result(op, cmp_numbers(a, b)));
    if (a->kind == V_STR && b->kind == V_STR)
        return val_bool(cmp_result(op, cmp_bytes(a, b)));
    if ((a->kind == V_LIST || a->kind == V_TUPLE) && a->kind == b->kind)
        return seq_compare(op, a, b, err);
    if (eqop) {
        bool eq = identity_equal(a, b);
        return val_bool(op == CMP_EQ ? eq : !eq);
    }
unordered:
    td_err_set(err, TD_ETYPE, "'%s' not supported between instances of '%s' and '%s'", cmp_symbol(op),
               val_type_name(a), val_type_name(b));
    return NULL;
}

int op_equal(value *a, value *b, bool *out, td_err *err)
{
    value *r = op_compare(CMP_EQ, a, b, err);
    if (!r)
        return -1;
    int rc = val_truth(r, out, err);
    val_release(r);
    return rc;
}

int op_less(value *a, value *b, bool *out, td_err *err)
{
    value *r = op_compare(CMP_LT, a, b, err);
    if (!r)
        return -1;
    int rc = val_truth(r, out, err);
    val_release(r);
    return rc;
}

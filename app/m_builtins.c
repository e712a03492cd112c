/* Python's builtins that the workbench language keeps: print, len, range,
 * float, int, str, repr, bool, abs, min, max, sum, round, list, tuple, help, vars. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lang.h"
#include "print.h"

/* --- print ------------------------------------------------------------------------- */

static int str_or_default(const value *v, const char *def, const char **s, size_t *len, const char *what,
                          td_err *err)
{
    if (v->kind == V_NONE) {
        *s = def;
        *len = strlen(def);
        return 0;
    }
    if (v->kind != V_STR)
        return td_err_set(err, TD_ETYPE, "%s must be None or a string, not %s", what, val_type_name(v));
    *s = v->u.str.s;
    *len = v->u.str.len;
    return 0;
}

static value *b_print(call_args *a, td_err *err)
{
    const value *args = a->v[0];
    const char *sep = " ", *end = "\n";
    size_t nsep = 1, nend = 1;
    if (str_or_default(a->v[1], " ", &sep, &nsep, "sep", err) < 0 ||
        str_or_default(a->v[2], "\n", &end, &nend, "end", err) < 0)
        return NULL;
    strbuf sb = SB_INIT;
    for (int64_t i = 0; i < args->u.seq.n; i++) {
        if (i)
            sb_addn(&sb, sep, nsep);
        if (val_str_of(&sb, args->u.seq.items[i], err) < 0) {
            sb_free(&sb);
            return NULL;
        }
    }
    sb_addn(&sb, end, nend);
    /* one write per call, so lines from parallel lambdas do not interleave */
    interp_write(a->in, 1, sb_str(&sb), sb.len);
    sb_free(&sb);
    return val_none();
}

/* --- len, range ----------------------------------------------------------------------- */

static value *b_len(call_args *a, td_err *err)
{
    const value *v = a->v[0];
    switch (v->kind) {
    case V_LIST:
    case V_TUPLE: return val_int(v->u.seq.n);
    case V_STR: return val_int(lang_str_len(v));
    case V_ARRAY:
        if (v->u.arr.scalar) {
            td_err_set(err, TD_ETYPE, "object of type '%s' has no len()", val_type_name(v));
            return NULL;
        }
        if (v->u.arr.a->ndim == 0) {
            td_err_set(err, TD_ETYPE, "len() of unsized object");
            return NULL;
        }
        return val_int(v->u.arr.a->shape[0]);
    default: td_err_set(err, TD_ETYPE, "object of type '%s' has no len()", val_type_name(v)); return NULL;
    }
}

static value *b_range(call_args *a, td_err *err)
{
    int64_t start = 0, stop, step = a->v[2]->u.i;
    if (a->v[1]->kind == V_NONE) {
        stop = a->v[0]->u.i;
    } else {
        start = a->v[0]->u.i;
        stop = a->v[1]->u.i;
    }
    if (step == 0) {
        td_err_set(err, TD_EVALUE, "range() arg 3 must not be zero");
        return NULL;
    }
    /* count without overflow: work in unsigned differences */
    uint64_t count = 0;
    if (step > 0 && start < stop)
        count = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1;
    else if (step < 0 && start > stop)
        count = ((uint64_t)start - (uint64_t)stop - 1) / (0 - (uint64_t)step) + 1;
    /* range is a list here (not lazy), so its size is checked like any list */
    if (count > (uint64_t)INT64_MAX / 2 ||
        lang_check_alloc((size_t)count, sizeof(value) + sizeof(value *), err) < 0) {
        td_err_set(err, TD_EMEMORY,
                   "range of %llu numbers does not fit in the memory budget (range() makes a list)",
                   (unsigned long long)count);
        return NULL;
    }
    value **items = malloc((size_t)(count ? count : 1) * sizeof *items);
    if (!items) {
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    uint64_t cur = (uint64_t)start;
    for (uint64_t i = 0; i < count; i++) {
        int64_t x;
        memcpy(&x, &cur, sizeof x);
        items[i] = val_int(x);
        cur += (uint64_t)step;
        if ((i & 0xFFFF) == 0xFFFF && td_cancelled()) {
            for (uint64_t j = 0; j <= i; j++)
                val_release(items[j]);
            free(items);
            td_err_set(err, TD_ECANCEL, "interrupted");
            return NULL;
        }
    }
    value *r = val_list(items, (int64_t)count);
    free(items);
    return r;
}

/* --- conversions ----------------------------------------------------------------------- */

/* Python's numeric literal rules for strings: surrounding whitespace, and
 * single underscores only between digits. Returns a malloc'd cleaned copy,
 * or NULL when the underscores are misplaced. */
static char *clean_number(const char *s, size_t len)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '_') {
            if (i == 0 || i + 1 == len || !isdigit((unsigned char)s[i - 1]) ||
                !isdigit((unsigned char)s[i + 1])) {
                free(out);
                return NULL;
            }
            continue;
        }
        out[n++] = s[i];
    }
    out[n] = '\0';
    return out;
}

static int parse_float_str(const value *v, double *out, td_err *err)
{
    char *c = clean_number(v->u.str.s, v->u.str.len);
    bool ok = c && *c && !strpbrk(c, "xX(");
    if (ok) {
        char *end;
        *out = strtod(c, &end);
        ok = *end == '\0';
    }
    free(c);
    if (!ok || memchr(v->u.str.s, '\0', v->u.str.len)) {
        strbuf sb = SB_INIT;
        print_str_repr(&sb, v->u.str.s, v->u.str.len);
        td_err_set(err, TD_EVALUE, "could not convert string to float: %s", sb_str(&sb));
        sb_free(&sb);
        return -1;
    }
    return 0;
}

static value *b_float(call_args *a, td_err *err)
{
    const value *v = a->v[0];
    double d;
    if (v->kind == V_STR) {
        if (parse_float_str(v, &d, err) < 0)
            return NULL;
        return val_float(d);
    }
    if (v->kind == V_BOOL || v->kind == V_INT || v->kind == V_FLOAT ||
        (v->kind == V_ARRAY && v->u.arr.a->size == 1)) {
        if (val_to_double(v, &d, err) < 0)
            return NULL;
        return val_float(d);
    }
    if (v->kind == V_ARRAY) {
        td_err_set(err, TD_ETYPE, "only size-1 arrays can be converted to Python scalars");
        return NULL;
    }
    td_err_set(err, TD_ETYPE, "float() argument must be a string or a real number, not '%s'",
               val_type_name(v));
    return NULL;
}

static value *int_of_double(double d, td_err *err)
{
    if (isnan(d)) {
        td_err_set(err, TD_EVALUE, "cannot convert float NaN to integer");
        return NULL;
    }
    if (isinf(d)) {
        td_err_set(err, TD_EOVERFLOW, "cannot convert float infinity to integer");
        return NULL;
    }
    double t = trunc(d);
    if (t >= 9223372036854775808.0 || t < -9223372036854775808.0) {
        lang_overflow(err);
        return NULL;
    }
    return val_int((int64_t)t);
}

static value *b_int(call_args *a, td_err *err)
{
    const value *v = a->v[0];
    switch (v->kind) {
    case V_BOOL: return val_int(v->u.b);
    case V_INT: return val_retain((value *)v);
    case V_FLOAT: return int_of_double(v->u.f, err);
    case V_STR: {
        char *c = clean_number(v->u.str.s, v->u.str.len);
        bool ok = c != NULL && !memchr(v->u.str.s, '\0', v->u.str.len);
        int64_t r = 0;
        bool overflow = false;
        if (ok) {
            const char *p = c;
            bool neg = *p == '-';
            if (*p == '+' || *p == '-')
                p++;
            ok = isdigit((unsigned char)*p);
            for (; ok && *p; p++) {
                if (!isdigit((unsigned char)*p)) {
                    ok = false;
                    break;
                }
                int dgt = *p - '0';
                if (__builtin_mul_overflow(r, 10, &r) || __builtin_add_overflow(r, neg ? -dgt : dgt, &r))
                    overflow = true;
            }
        }
        free(c);
        if (ok && overflow) {
            lang_overflow(err);
            return NULL;
        }
        if (!ok) {
            strbuf sb = SB_INIT;
            print_str_repr(&sb, v->u.str.s, v->u.str.len);
            td_err_set(err, TD_EVALUE, "invalid literal for int() with base 10: %s", sb_str(&sb));
            sb_free(&sb);
            return NULL;
        }
        return val_int(r);
    }
    case V_ARRAY: {
        const nd_array *x = v->u.arr.a;
        if (x->size != 1) {
            td_err_set(err, TD_ETYPE, "only size-1 arrays can be converted to Python scalars");
            return NULL;
        }
        if (td_dtype_is_float(x->dtype))
            return int_of_double(nd_get_f64(x, 0), err);
        int64_t i;
        if (val_to_int(v, &i, err) < 0)
            return NULL;
        return val_int(i);
    }
    default:
        td_err_set(err, TD_ETYPE,
                   "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                   val_type_name(v));
        return NULL;
    }
}

static value *b_str(call_args *a, td_err *err)
{
    if (a->v[0]->kind == V_STR)
        return val_retain(a->v[0]);
    strbuf sb = SB_INIT;
    if (val_str_of(&sb, a->v[0], err) < 0) {
        sb_free(&sb);
        return NULL;
    }
    size_t n = sb.len;
    return val_str_own(sb_steal(&sb), n);
}

static value *b_repr(call_args *a, td_err *err)
{
    strbuf sb = SB_INIT;
    if (val_repr(&sb, a->v[0], err) < 0) {
        sb_free(&sb);
        return NULL;
    }
    size_t n = sb.len;
    return val_str_own(sb_steal(&sb), n);
}

static value *b_bool(call_args *a, td_err *err)
{
    return val_retain(a->v[0]); /* PT_BOOL has converted it */
}

static value *b_abs(call_args *a, td_err *err)
{
    const value *v = a->v[0];
    switch (v->kind) {
    case V_BOOL: return val_int(v->u.b);
    case V_INT:
        if (v->u.i == INT64_MIN) {
            lang_overflow(err);
            return NULL;
        }
        return val_int(v->u.i < 0 ? -v->u.i : v->u.i);
    case V_FLOAT: return val_float(fabs(v->u.f));
    case V_ARRAY: {
        nd_array *r = nd_unary(ND_ABS, v->u.arr.a, err);
        if (!r)
            return NULL;
        return r->ndim == 0 ? val_npscalar(r) : val_array(r);
    }
    default: td_err_set(err, TD_ETYPE, "bad operand type for abs(): '%s'", val_type_name(v)); return NULL;
    }
}

/* --- min, max, sum ---------------------------------------------------------------------------- */

static value *extreme(call_args *a, bool want_max, td_err *err)
{
    const char *name = want_max ? "max" : "min";
    value *args = a->v[0], *key = a->v[1], *dflt = a->v[2];
    value **items;
    int64_t n;
    if (args->u.seq.n == 0) {
        td_err_set(err, TD_ETYPE, "%s expected at least 1 argument, got 0", name);
        return NULL;
    }
    if (args->u.seq.n == 1) {
        if (lang_items(args->u.seq.items[0], &items, &n, err) < 0)
            return NULL;
    } else {
        if (dflt->kind != V_NONE) {
            td_err_set(err, TD_ETYPE, "Cannot specify a default for %s() with multiple positional arguments",
                       name);
            return NULL;
        }
        if (lang_items(args, &items, &n, err) < 0)
            return NULL;
    }
    if (n == 0) {
        lang_items_free(items, n);
        if (dflt->kind != V_NONE)
            return val_retain(dflt);
        td_err_set(err, TD_EVALUE, "%s() arg is an empty sequence", name);
        return NULL;
    }
    if (key->kind != V_NONE &&
        !(key->kind == V_FUNC || key->kind == V_BUILTIN || key->kind == V_METHOD || key->kind == V_DTYPE)) {
        lang_items_free(items, n);
        td_err_set(err, TD_ETYPE, "'%s' object is not callable", val_type_name(key));
        return NULL;
    }
    value *best = NULL, *bestk = NULL;
    for (int64_t i = 0; i < n; i++) {
        value *k = key->kind == V_NONE ? val_retain(items[i]) : interp_call(a->in, key, 1, &items[i], err);
        if (!k)
            goto fail;
        if (!best) {
            best = items[i];
            bestk = k;
            continue;
        }
        /* the first of equal extremes wins, as in Python */
        value *c = op_compare(want_max ? CMP_GT : CMP_LT, k, bestk, err);
        bool t;
        int rc = c ? val_truth(c, &t, err) : -1;
        val_release(c);
        if (rc < 0) {
            val_release(k);
            goto fail;
        }
        if (t) {
            val_release(bestk);
            bestk = k;
            best = items[i];
        } else {
            val_release(k);
        }
    }
    val_retain(best);
    val_release(bestk);
    lang_items_free(items, n);
    return best;
fail:
    val_release(bestk);
    lang_items_free(items, n);
    return NULL;
}

static value *b_max(call_args *a, td_err *err)
{
    return extreme(a, true, err);
}

static value *b_min(call_args *a, td_err *err)
{
    return extreme(a, false, err);
}

static value *b_sum(call_args *a, td_err *err)
{
    value *start = a->v[1];
    if (start->kind == V_STR) {
        td_err_set(err, TD_ETYPE, "sum() can't sum strings [use ''.join(seq) instead]");
        return NULL;
    }
    value **items;
    int64_t n;
    if (lang_items(a->v[0], &items, &n, err) < 0)
        return NULL;
    value *acc = val_retain(start);
    for (int64_t i = 0; i < n && acc; i++) {
        value *next = op_binary(OP_ADD, acc, items[i], err);
        val_release(acc);
        acc = next;
        if ((i & 1023) == 1023 && td_cancelled()) {
            val_release(acc);
            acc = NULL;
            td_err_set(err, TD_ECANCEL, "interrupted");
        }
    }
    lang_items_free(items, n);
    return acc;
}

/* --- round ---------------------------------------------------------------------------------- */

static value *round_int(int64_t x, int64_t nd, td_err *err)
{
    if (nd >= 0)
        return val_int(x);
    if (nd < -18)
        return val_int(0);
    int64_t p = 1;
    for (int64_t i = 0; i < -nd; i++)
        p *= 10;
    /* round half to even on the quotient */
    int64_t q = x / p, r = x % p;
    if (r < 0) {
        q--;
        r += p;
    }
    if (2 * r > p || (2 * r == p && (q & 1)))
        q++;
    int64_t out;
    if (__builtin_mul_overflow(q, p, &out)) {
        lang_overflow(err);
        return NULL;
    }
    return val_int(out);
}

static double round_float(double x, int64_t nd)
{
    if (!isfinite(x) || x == 0.0)
        return x;
    if (nd > 323)
        return x;
    if (nd >= 0) {
        /* glibc prints the exact binary value correctly rounded (ties to
         * even), which is what Python's round does through its dtoa */
        char buf[400];
        snprintf(buf, sizeof buf, "%.*f", (int)nd, x);
        return strtod(buf, NULL);
    }
    if (nd < -308)
        return copysign(0.0, x);
    double p = pow(10.0, (double)-nd);
    double y = nearbyint(x / p) * p;
    return isfinite(y) ? y : copysign(0.0, x) + y;
}

static value *b_round(call_args *a, td_err *err)
{
    value *v = a->v[0], *ndv = a->v[1];
    bool have_nd = ndv->kind != V_NONE;
    int64_t nd = have_nd ? ndv->u.i : 0;
    switch (v->kind) {
    case V_BOOL:
    case V_INT: return round_int(v->kind == V_BOOL ? v->u.b : v->u.i, nd, err);
    case V_FLOAT:
        if (!have_nd)
            return int_of_double(nearbyint(v->u.f), err);
        return val_float(round_float(v->u.f, nd));
    case V_ARRAY:
        if (v->u.arr.a->ndim == 0) {
            const nd_array *x = v->u.arr.a;
            if (!td_dtype_is_float(x->dtype)) {
                int64_t i;
                if (val_to_int(v, &i, err) < 0)
                    return NULL;
                if (!have_nd)
                    return val_int(i);
                value *ri = round_int(i, nd, err);
                if (!ri)
                    return NULL;
                nd_array *s = nd_scalar_i64(x->dtype, ri->u.i, err);
                val_release(ri);
                return s ? val_npscalar(s) : NULL;
            }
            double d = nd_get_f64(x, 0);
            if (!have_nd)
                return int_of_double(nearbyint(d), err);
            /* numpy's around: scale, round half to even, scale back */
            double p = pow(10.0, (double)(nd < 0 ? -nd : nd));
            double r = nd >= 0 ? nearbyint(d * p) / p : nearbyint(d / p) * p;
            nd_array *s = nd_scalar_f64(x->dtype, r, err);
            return s ? val_npscalar(s) : NULL;
        }
        td_err_set(err, TD_ETYPE, "type numpy.ndarray doesn't define __round__ method");
        return NULL;
    default:
        td_err_set(err, TD_ETYPE, "type %s doesn't define __round__ method", val_type_name(v));
        return NULL;
    }
}

/* --- list, tuple ------------------------------------------------------------------------------ */

static value *b_list(call_args *a, td_err *err)
{
    value **items;
    int64_t n;
    if (lang_items(a->v[0], &items, &n, err) < 0)
        return NULL;
    value *r = val_list(items, n);
    free(items);
    return r;
}

static value *b_tuple(call_args *a, td_err *err)
{
    if (a->v[0]->kind == V_TUPLE)
        return val_retain(a->v[0]);
    value **items;
    int64_t n;
    if (lang_items(a->v[0], &items, &n, err) < 0)
        return NULL;
    value *r = val_tuple(items, n);
    free(items);
    return r;
}

/* --- help, vars ------------------------------------------------------------------------------- */

static value *b_help(call_args *a, td_err *err)
{
    lang_help(a->in, a->v[0]);
    return val_none();
}

static value *b_vars(call_args *a, td_err *err)
{
    if (!a->in) {
        td_err_set(err, TD_ERUNTIME, "vars() needs a workspace");
        return NULL;
    }
    lang_vars(a->in);
    return val_none();
}

/* clang-format off */

static const reg_func builtin_funcs[] = {
    {"print", b_print, "Write the values, separated by sep and followed by end.", REG_VARARGS,
     {P("*values", PT_ANY, NULL), P("sep", PT_ANY, "' '"), P("end", PT_ANY, "'\\n'"), P("flush", PT_BOOL, "False"),
      END}},
    {"len", b_len, "Number of items: of a list, tuple or str, or the first axis of an array.", 0,
     {P("obj", PT_ANY, NULL), END}},
    {"range", b_range, "range(stop) or range(start, stop[, step]), as a list of ints.", 0,
     {P("start", PT_INT, NULL), P("stop", PT_INT, "None"), P("step", PT_INT, "1"), END}},
    {"float", b_float, "A float from a number or a string ('1.5', 'nan', 'inf').", 0, {P("x", PT_ANY, "0.0"), END}},
    {"int", b_int, "An int from a number (truncating) or a decimal string.", 0, {P("x", PT_ANY, "0"), END}},
    {"str", b_str, "The text of a value, as print shows it.", 0, {P("object", PT_ANY, "''"), END}},
    {"repr", b_repr, "The printable representation of a value, as the workbench echoes it.", 0,
     {P("obj", PT_ANY, NULL), END}},
    {"bool", b_bool, "The truth value of a value.", 0, {P("x", PT_BOOL, "False"), END}},
    {"abs", b_abs, "Absolute value of a number or, element-wise, of an array.", 0, {P("x", PT_ANY, NULL), END}},
    {"min", b_min, "The smallest item of an iterable, or of the arguments.", REG_VARARGS,
     {P("*args", PT_ANY, NULL), P("key", PT_ANY, "None"), P("default", PT_ANY, "None"), END}},
    {"max", b_max, "The largest item of an iterable, or of the arguments.", REG_VARARGS,
     {P("*args", PT_ANY, NULL), P("key", PT_ANY, "None"), P("default", PT_ANY, "None"), END}},
    {"sum", b_sum, "start plus the items of an iterable, added in order.", 0,
     {P("iterable", PT_ANY, NULL), P("start", PT_ANY, "0"), END}},
    {"round", b_round, "A number rounded half to even, to ndigits decimals (an int without ndigits).", 0,
     {P("number", PT_ANY, NULL), P("ndigits", PT_INT, "None"), END}},
    {"list", b_list, "A list of the items of an iterable.", 0, {P("iterable", PT_ANY, "()"), END}},
    {"tuple", b_tuple, "A tuple of the items of an iterable.", 0, {P("iterable", PT_ANY, "()"), END}},
    {"help", b_help, "Help on a function, method, module or value; help() lists the namespaces.", 0,
     {P("obj", PT_ANY, "None"), END}},
    {"vars", b_vars, "List the workspace: each variable with its type and a summary.", 0, {END}},
};

/* clang-format on */

const reg_table reg_builtins = {"builtins", builtin_funcs, sizeof builtin_funcs / sizeof *builtin_funcs};

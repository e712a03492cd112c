/* The registry: lookup, did-you-mean, argument binding and conversion,
 * cached defaults, signatures. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "lang.h"
#include "parse.h"

const reg_table *const reg_all_tables[] = {
    &reg_builtins, &reg_ui,     &reg_td, &reg_td_images, &reg_td_series, &reg_images,
    &reg_series,   &reg_blocks, &reg_np, &reg_np_random, &reg_ndarray,   NULL,
};

const reg_func *reg_find(const reg_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->funcs[i].name && !strcmp(t->funcs[i].name, name))
            return &t->funcs[i];
    return NULL;
}

#define EDIT_MAX 64

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and transpositions of neighbours each cost one. */
int lang_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > EDIT_MAX || lb > EDIT_MAX)
        return EDIT_MAX;
    int d[EDIT_MAX + 1][EDIT_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* How far a suggestion may be: none for one-letter names, one edit for
 * short ones, two for longer (Python scales its limit with the lengths). */
int lang_suggest_limit(const char *name, const char *cand)
{
    int lim = (int)((strlen(name) + strlen(cand) + 3) / 6);
    return lim > 2 ? 2 : lim;
}

const char *reg_suggest(const reg_table *t, const char *name)
{
    const char *best = NULL;
    int bestd = EDIT_MAX;
    for (size_t i = 0; i < t->n; i++) {
        const char *cand = t->funcs[i].name;
        if (!cand)
            continue;
        int d = lang_edit_distance(name, cand);
        if (d <= lang_suggest_limit(name, cand) && d < bestd) {
            bestd = d;
            best = cand;
        }
    }
    return best;
}

const reg_table *reg_table_of(const reg_func *fn)
{
    for (int i = 0; reg_all_tables[i]; i++) {
        const reg_table *t = reg_all_tables[i];
        if (t->n && fn >= t->funcs && fn < t->funcs + t->n)
            return t;
    }
    return NULL;
}

bool lang_is_builtin(const value *v, const char *name)
{
    if (v->kind != V_BUILTIN)
        return false;
    const reg_func *f = v->u.builtin;
    return reg_builtins.n && f >= reg_builtins.funcs && f < reg_builtins.funcs + reg_builtins.n &&
           !strcmp(f->name, name);
}

const reg_table *reg_methods_of(const value *v)
{
    switch (v->kind) {
    case V_IMAGES: return &reg_images;
    case V_SERIES: return &reg_series;
    case V_ARRAY: return &reg_ndarray;
    case V_BLOCKS: return &reg_blocks;
    case V_MODULE: return v->u.mod->table;
    default: return NULL;
    }
}

const char *reg_param_name(const reg_param *p)
{
    return p->name[0] == '*' ? p->name + 1 : p->name;
}

static int nparams(const reg_func *fn)
{
    int n = 0;
    while (n < REG_MAXPARAMS && fn->params[n].name)
        n++;
    return n;
}

int reg_varargs_index(const reg_func *fn)
{
    if (!(fn->flags & REG_VARARGS))
        return -1;
    int n = nparams(fn);
    for (int i = 0; i < n; i++)
        if (fn->params[i].name[0] == '*')
            return i;
    return n - 1;
}

/* --- defaults: parsed and evaluated once, shared by all threads --------------------- */

typedef struct default_entry {
    const reg_param *param;
    value *v; /* raw value of the source text */
    struct default_entry *next;
} default_entry;

#define DEFAULT_BUCKETS 256
static default_entry *default_cache[DEFAULT_BUCKETS];
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;

static value *eval_default_source(const char *src, td_err *err)
{
    ast_arena *arena = ast_arena_new();
    ast_program prog;
    parse_pos pos;
    if (parse_program(src, strlen(src), 1, arena, &prog, &pos, err) < 0) {
        ast_arena_free(arena);
        return NULL;
    }
    if (prog.n != 1 || prog.stmts[0]->kind != AST_EXPR_STMT) {
        ast_arena_free(arena);
        td_err_set(err, TD_ESYNTAX, "not one expression");
        return NULL;
    }
    lang_unit *unit = lang_unit_new(arena);
    lang_ctx cx = {.in = NULL, .env = NULL, .unit = unit};
    value *v = lang_eval(&cx, prog.stmts[0]->u.expr_stmt.value, err);
    lang_unit_release(unit); /* lambdas in a default keep the unit alive themselves */
    return v;
}

static value *find_default(const reg_param *p, size_t h)
{
    for (default_entry *e = default_cache[h]; e; e = e->next)
        if (e->param == p)
            return e->v;
    return NULL;
}

value *reg_default_value(const reg_param *p, td_err *err)
{
    size_t h = ((uintptr_t)p >> 4) % DEFAULT_BUCKETS;
    pthread_mutex_lock(&default_lock);
    value *v = find_default(p, h);
    pthread_mutex_unlock(&default_lock);
    if (v)
        return v;
    /* Evaluated outside the lock (a default may name np.float64, whose
     * lookup binds arguments too); when two threads race, the first value
     * cached wins and the other is dropped. */
    td_err e2;
    v = eval_default_source(p->def, &e2);
    if (!v) {
        td_err_set(err, TD_ERUNTIME, "the registry's default for '%s' (%s) is not valid: %s",
                   reg_param_name(p), p->def, e2.msg);
        return NULL;
    }
    default_entry *e = malloc(sizeof *e);
    if (!e) {
        val_release(v);
        td_err_set(err, TD_EMEMORY, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&default_lock);
    value *won = find_default(p, h);
    if (won) {
        pthread_mutex_unlock(&default_lock);
        free(e);
        val_release(v);
        return won;
    }
    e->param = p;
    e->v = v;
    e->next = default_cache[h];
    default_cache[h] = e;
    pthread_mutex_unlock(&default_lock);
    return v;
}

/* --- conversions ---------------------------------------------------------------------- */

static bool is_int_scalar(const value *v)
{
    return v->kind == V_ARRAY && v->u.arr.a->ndim == 0 &&
           (td_dtype_is_int(v->u.arr.a->dtype) || v->u.arr.a->dtype == TD_BOOL);
}

static bool is_float_scalar(const value *v)
{
    return v->kind == V_ARRAY && v->u.arr.a->ndim == 0 && td_dtype_is_float(v->u.arr.a->dtype);
}

static value *to_int_value(const value *v, td_err *err)
{
    int64_t i;
    if (val_to_int(v, &i, err) < 0)
        return NULL;
    return val_int(i);
}

/* A number as V_INT or V_FLOAT, or NULL when v is not one. */
static value *as_number(const value *v, td_err *err)
{
    if (v->kind == V_INT)
        return val_retain((value *)v);
    if (v->kind == V_BOOL)
        return val_int(v->u.b);
    if (v->kind == V_FLOAT)
        return val_retain((value *)v);
    if (is_int_scalar(v))
        return to_int_value(v, err);
    if (is_float_scalar(v))
        return val_float(nd_get_f64(v->u.arr.a, 0));
    return NULL;
}

static value *arg_type_error(td_err *err, const char *fname, const char *pname, const char *want,
                             const value *v)
{
    td_err_set(err, TD_ETYPE, "%s() argument '%s' must be %s, not %s", fname, pname, want, val_type_name(v));
    return NULL;
}

/* Each element of a sequence (list, tuple, 1-D array) converted by conv. */
static value *seq_to_tuple(const value *v, value *(*conv)(const value *, td_err *), td_err *err, bool *bad)
{
    value **items;
    int64_t n;
    *bad = false;
    if (v->kind == V_ARRAY && v->u.arr.a->ndim != 1) {
        *bad = true;
        return NULL;
    }
    if (lang_items((value *)v, &items, &n, err) < 0)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        value *c = conv(items[i], err);
        if (!c) {
            *bad = true;
            lang_items_free(items, n);
            return NULL;
        }
        val_release(items[i]);
        items[i] = c;
    }
    value *t = val_tuple(items, n);
    free(items);
    return t;
}

static value *conv_int_strict(const value *v, td_err *err)
{
    if (v->kind == V_INT || v->kind == V_BOOL || is_int_scalar(v))
        return to_int_value(v, err);
    return NULL;
}

static value *conv_number(const value *v, td_err *err)
{
    return as_number(v, err);
}

static int dtype_from(const value *v, td_dtype *out, td_err *err)
{
    if (v->kind == V_DTYPE) {
        *out = v->u.dtype;
        return 0;
    }
    if (v->kind == V_STR)
        return td_dtype_parse(v->u.str.s, out, err);
    if (lang_is_builtin(v, "float")) {
        *out = TD_FLOAT64;
        return 0;
    }
    if (lang_is_builtin(v, "int")) {
        *out = TD_INT64;
        return 0;
    }
    if (lang_is_builtin(v, "bool")) {
        *out = TD_BOOL;
        return 0;
    }
    strbuf sb = SB_INIT;
    td_err e2;
    val_repr(&sb, v, &e2);
    td_err_set(err, TD_ETYPE, "Cannot interpret '%s' as a data type", sb_str(&sb));
    sb_free(&sb);
    return -1;
}

value *reg_convert(ptype t, value *v, const char *fname, const char *pname, td_err *err)
{
    switch (t) {
    case PT_ANY: return val_retain(v);
    case PT_INT:
        if (v->kind == V_INT || v->kind == V_BOOL || is_int_scalar(v))
            return to_int_value(v, err);
        return arg_type_error(err, fname, pname, "int", v);
    case PT_NUMBER: {
        if (v->kind == V_ARRAY && v->u.arr.a->ndim == 0 && v->u.arr.a->dtype == TD_UINT64)
            return as_number(v, err); /* may overflow int64: that error, not a type error */
        value *n = as_number(v, err);
        if (n)
            return n;
        return arg_type_error(err, fname, pname, "int or float", v);
    }
    case PT_BOOL: {
        bool b;
        if (val_truth(v, &b, err) < 0)
            return NULL;
        return val_bool(b);
    }
    case PT_STR:
        if (v->kind == V_STR)
            return val_retain(v);
        return arg_type_error(err, fname, pname, "str", v);
    case PT_CALLABLE:
        if (v->kind == V_FUNC || v->kind == V_BUILTIN || v->kind == V_METHOD || v->kind == V_DTYPE)
            return val_retain(v);
        return arg_type_error(err, fname, pname, "callable", v);
    case PT_ARRAY: {
        if (v->kind == V_ARRAY && !v->u.arr.scalar)
            return val_retain(v);
        if (!(val_is_number(v) || v->kind == V_LIST || v->kind == V_TUPLE || v->kind == V_ARRAY ||
              v->kind == V_IMAGES || v->kind == V_SERIES))
            return arg_type_error(err, fname, pname, "array-like", v);
        nd_array *a = val_to_array(v, err);
        return a ? val_array(a) : NULL;
    }
    case PT_SHAPE: {
        if (v->kind == V_INT || v->kind == V_BOOL || is_int_scalar(v)) {
            value *i = to_int_value(v, err);
            if (!i)
                return NULL;
            value *tup = val_tuple(&i, 1);
            return tup;
        }
        if (v->kind == V_LIST || v->kind == V_TUPLE || (v->kind == V_ARRAY && !v->u.arr.scalar)) {
            bool bad;
            value *tup = seq_to_tuple(v, conv_int_strict, err, &bad);
            if (tup || !bad)
                return tup;
        }
        return arg_type_error(err, fname, pname, "int or tuple of ints", v);
    }
    case PT_NUMS: {
        value *n = as_number(v, err);
        if (n)
            return n;
        if (v->kind == V_LIST || v->kind == V_TUPLE || (v->kind == V_ARRAY && !v->u.arr.scalar)) {
            bool bad;
            value *tup = seq_to_tuple(v, conv_number, err, &bad);
            if (tup || !bad)
                return tup;
        }
        return arg_type_error(err, fname, pname, "a number or a sequence of numbers", v);
    }
    case PT_DTYPE: {
        td_dtype dt;
        if (dtype_from(v, &dt, err) < 0)
            return NULL;
        return val_dtype(dt);
    }
    case PT_IMAGES:
        if (v->kind == V_IMAGES)
            return val_retain(v);
        return arg_type_error(err, fname, pname, "Images", v);
    case PT_SERIES:
        if (v->kind == V_SERIES)
            return val_retain(v);
        return arg_type_error(err, fname, pname, "Series", v);
    case PT_DATA:
        if (v->kind == V_IMAGES || v->kind == V_SERIES)
            return val_retain(v);
        return arg_type_error(err, fname, pname, "Images or Series", v);
    }
    return val_retain(v);
}

/* --- binding ------------------------------------------------------------------------------ */

static void join_quoted(char *buf, size_t len, const char **names, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        const char *sep = i == 0 ? "" : (n == 2 ? " and " : (i == n - 1 ? ", and " : ", "));
        used += (size_t)snprintf(buf + used, len - used, "%s'%s'", sep, names[i]);
    }
}

static bool is_none_default(const reg_param *p)
{
    return p->def && !strcmp(p->def, "None");
}

static bool kw_only(const reg_func *fn, int i, int va)
{
    if (va >= 0)
        return i > va;
    return (fn->flags & REG_KWONLY_REST) && fn->params[i].def != NULL;
}

int reg_bind(struct interp *in, const reg_func *fn, value *self, int nargs, value **args, int nkw,
             const char **kwnames, value **kwvals, call_args *out, td_err *err)
{
    int np = nparams(fn);
    int va = reg_varargs_index(fn);
    memset(out, 0, sizeof *out);
    out->in = in;
    out->self = self;
    out->fn = fn;
    out->n = np;
    out->v = calloc((size_t)(np ? np : 1), sizeof(value *));
    if (!out->v)
        return td_err_set(err, TD_EMEMORY, "out of memory");
    const char *name = fn->name;

    /* positionals */
    int maxpos = 0, required = 0;
    for (int i = 0; i < np; i++) {
        if (i == va || kw_only(fn, i, va))
            continue;
        maxpos++;
        if (!fn->params[i].def)
            required++;
    }
    if (va < 0 && nargs > maxpos) {
        if (required == maxpos)
            td_err_set(err, TD_ETYPE, "%s() takes %d positional argument%s but %d %s given", name, maxpos,
                       maxpos == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
        else
            td_err_set(err, TD_ETYPE, "%s() takes from %d to %d positional arguments but %d were given", name,
                       required, maxpos, nargs);
        goto fail;
    }
    int fixed = va < 0 ? nargs : (nargs < va ? nargs : va);
    for (int i = 0; i < fixed; i++) {
        const reg_param *p = &fn->params[i];
        if (args[i]->kind == V_NONE && is_none_default(p))
            out->v[i] = val_none();
        else if (!(out->v[i] = reg_convert(p->type, args[i], name, reg_param_name(p), err)))
            goto fail;
    }
    if (va >= 0) {
        int extra = nargs > va ? nargs - va : 0;
        value **items = calloc((size_t)(extra ? extra : 1), sizeof *items);
        if (!items) {
            td_err_set(err, TD_EMEMORY, "out of memory");
            goto fail;
        }
        for (int i = 0; i < extra; i++) {
            items[i] =
                reg_convert(fn->params[va].type, args[va + i], name, reg_param_name(&fn->params[va]), err);
            if (!items[i]) {
                for (int j = 0; j < i; j++)
                    val_release(items[j]);
                free(items);
                goto fail;
            }
        }
        out->v[va] = val_tuple(items, extra);
        free(items);
    }

    /* keywords */
    for (int k = 0; k < nkw; k++) {
        int i = 0;
        while (i < np && (i == va || strcmp(reg_param_name(&fn->params[i]), kwnames[k]) != 0))
            i++;
        if (i == np) {
            const char *best = NULL;
            int bestd = EDIT_MAX;
            for (int j = 0; j < np; j++) {
                if (j == va)
                    continue;
                int d = lang_edit_distance(kwnames[k], reg_param_name(&fn->params[j]));
                if (d <= lang_suggest_limit(kwnames[k], reg_param_name(&fn->params[j])) && d < bestd) {
                    bestd = d;
                    best = reg_param_name(&fn->params[j]);
                }
            }
            if (best)
                td_err_set(err, TD_ETYPE, "%s() got an unexpected keyword argument '%s' (did you mean '%s'?)",
                           name, kwnames[k], best);
            else
                td_err_set(err, TD_ETYPE, "%s() got an unexpected keyword argument '%s'", name, kwnames[k]);
            goto fail;
        }
        if (out->v[i]) {
            td_err_set(err, TD_ETYPE, "%s() got multiple values for argument '%s'", name, kwnames[k]);
            goto fail;
        }
        const reg_param *p = &fn->params[i];
        if (kwvals[k]->kind == V_NONE && is_none_default(p))
            out->v[i] = val_none();
        else if (!(out->v[i] = reg_convert(p->type, kwvals[k], name, reg_param_name(p), err)))
            goto fail;
    }

    /* defaults and what is missing */
    const char *missing[REG_MAXPARAMS];
    int nmissing = 0;
    bool missing_kwonly = false;
    for (int i = 0; i < np; i++) {
        if (out->v[i])
            continue;
        const reg_param *p = &fn->params[i];
        if (!p->def) {
            if (nmissing == 0)
                missing_kwonly = kw_only(fn, i, va);
            if (kw_only(fn, i, va) == missing_kwonly)
                missing[nmissing++] = reg_param_name(p);
            continue;
        }
        if (is_none_default(p)) {
            out->v[i] = val_none();
            continue;
        }
        value *d = reg_default_value(p, err);
        if (!d)
            goto fail;
        if (!(out->v[i] = reg_convert(p->type, d, name, reg_param_name(p), err)))
            goto fail;
    }
    if (nmissing) {
        char names[300];
        join_quoted(names, sizeof names, missing, nmissing);
        td_err_set(err, TD_ETYPE, "%s() missing %d required %s argument%s: %s", name, nmissing,
                   missing_kwonly ? "keyword-only" : "positional", nmissing == 1 ? "" : "s", names);
        goto fail;
    }
    return 0;
fail:
    reg_unbind(out);
    return -1;
}

void reg_unbind(call_args *a)
{
    if (a->v) {
        for (int i = 0; i < a->n; i++)
            val_release(a->v[i]);
        free(a->v);
    }
    a->v = NULL;
    a->n = 0;
}

static atomic_bool writes_confined;

void reg_confine_writes(bool on)
{
    atomic_store(&writes_confined, on);
}

/* A path below the working directory: relative (also after the "file://"
 * the readers and writers strip), with no ".." component. */
static bool path_below_cwd(const char *p)
{
    if (!strncmp(p, "file://", 7))
        p += 7;
    if (!*p || *p == '/')
        return false;
    for (const char *c = p; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return false;
        c += n;
        c += *c == '/';
    }
    return true;
}

value *reg_call(call_args *a, td_err *err)
{
    td_err local;
    if (!err)
        err = &local;
    td_err_clear(err);
    if ((a->fn->flags & REG_WRITES) && atomic_load(&writes_confined) && a->n > 0 && a->v[0]->kind == V_STR &&
        !path_below_cwd(a->v[0]->u.str.s)) {
        td_err_set(err, TD_EIO, "%s(): writing outside the working directory is not allowed here: '%s'",
                   a->fn->name, a->v[0]->u.str.s);
        return NULL;
    }
    value *r = dist_on() ? dist_call(a, err) : a->fn->fn(a, err);
    if (!r && err->kind == TD_OK)
        td_err_set(err, TD_ERUNTIME, "%s() failed without saying why", a->fn->name);
    return r;
}

void reg_signature(struct strbuf *sb, const reg_func *fn)
{
    int np = nparams(fn);
    int va = reg_varargs_index(fn);
    sb_add(sb, fn->name);
    if (fn->flags & REG_PROPERTY)
        return;
    sb_addc(sb, '(');
    bool star_written = false;
    for (int i = 0; i < np; i++) {
        const reg_param *p = &fn->params[i];
        if (i)
            sb_add(sb, ", ");
        if (kw_only(fn, i, va) && va < 0 && !star_written) {
            sb_add(sb, "*, ");
            star_written = true;
        }
        if (i == va)
            sb_addc(sb, '*');
        sb_add(sb, reg_param_name(p));
        if (p->def && i != va)
            sb_addf(sb, "=%s", p->def);
    }
    sb_addc(sb, ')');
}

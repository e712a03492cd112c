/* Expression evaluation: names, lambdas and closures, calls, attributes,
 * indexing and slicing, iteration. Reentrant: all state lives in the
 * lang_ctx of one evaluation and in per-thread depth counters. */
#define _GNU_SOURCE /* pthread_getattr_np */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "lang.h"

/* --- depth limits ------------------------------------------------------------ */

static _Thread_local int eval_depth;
static _Thread_local int call_depth;
/* The lowest address evaluation may reach on this thread's stack: worker
 * threads may have small stacks (OMP_STACKSIZE), so depth alone is not
 * a safe limit. 0 when unknown. */
static _Thread_local uintptr_t stack_floor;
static _Thread_local bool stack_floor_known;

static void find_stack_floor(void)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    stack_floor_known = true;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr) {
        /* keep room for the registry functions and kernels called at the deepest point */
        size_t margin = size / 4 < ((size_t)256 << 10) ? size / 4 : ((size_t)256 << 10);
        stack_floor = (uintptr_t)addr + margin;
    }
    pthread_attr_destroy(&attr);
}

int lang_depth_enter(td_err *err)
{
    char here;
    if (!stack_floor_known)
        find_stack_floor();
    if (eval_depth >= LANG_MAX_EVAL_DEPTH || (uintptr_t)&here < stack_floor)
        return td_err_set(err, TD_ERUNTIME, "maximum recursion depth exceeded");
    eval_depth++;
    return 0;
}

void lang_depth_leave(void)
{
    eval_depth--;
}

/* --- units, environments, lambdas --------------------------------------------- */

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "thunder: out of memory\n");
        abort();
    }
    return p;
}

lang_unit *lang_unit_new(ast_arena *arena)
{
    lang_unit *u = xcalloc(1, sizeof *u);
    atomic_init((atomic_int *)&u->refcount, 1);
    u->arena = arena;
    return u;
}

lang_unit *lang_unit_retain(lang_unit *u)
{
    if (u)
        atomic_fetch_add_explicit((atomic_int *)&u->refcount, 1, memory_order_relaxed);
    return u;
}

void lang_unit_release(lang_unit *u)
{
    if (!u || atomic_fetch_sub_explicit((atomic_int *)&u->refcount, 1, memory_order_acq_rel) != 1)
        return;
    ast_arena_free(u->arena);
    free(u);
}

lang_env *lang_env_retain(lang_env *e)
{
    if (e)
        atomic_fetch_add_explicit((atomic_int *)&e->refcount, 1, memory_order_relaxed);
    return e;
}

void lang_env_release(lang_env *e)
{
    while (e && atomic_fetch_sub_explicit((atomic_int *)&e->refcount, 1, memory_order_acq_rel) == 1) {
        lang_env *parent = e->parent;
        for (int i = 0; i < e->n; i++)
            val_release(e->vals[i]);
        td_obj_free(e, sizeof *e + (size_t)e->n * sizeof(value *));
        e = parent;
    }
}

void lang_lambda_free(struct lambda *fn)
{
    if (!fn)
        return;
    if (fn->defaults) {
        for (int i = 0; i < fn->node->u.lambda.nparams; i++)
            val_release(fn->defaults[i]);
        free(fn->defaults);
    }
    lang_env_release(fn->env);
    lang_unit_release(fn->unit);
    free(fn);
}

static value *make_lambda(lang_ctx *cx, const ast *e, td_err *err)
{
    int np = e->u.lambda.nparams;
    value **defaults = NULL;
    for (int i = 0; i < np; i++) {
        if (!e->u.lambda.defaults || !e->u.lambda.defaults[i])
            continue;
        if (!defaults)
            defaults = xcalloc((size_t)np, sizeof *defaults);
        defaults[i] = lang_eval(cx, e->u.lambda.defaults[i], err);
        if (!defaults[i]) {
            for (int j = 0; j < i; j++)
                val_release(defaults[j]);
            free(defaults);
            return NULL;
        }
    }
    struct lambda *fn = xcalloc(1, sizeof *fn);
    fn->node = e;
    fn->unit = lang_unit_retain(cx->unit);
    fn->env = lang_env_retain(cx->env);
    fn->defaults = defaults;
    fn->in = cx->in;
    return val_func(fn);
}

static void join_names(char *buf, size_t len, const char **names, int n)
{
    /* Python: 'a', 'a' and 'b', 'a', 'b', and 'c' */
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < len; i++) {
        const char *sep = i == 0 ? "" : (n == 2 ? " and " : (i == n - 1 ? ", and " : ", "));
        used += (size_t)snprintf(buf + used, len - used, "%s'%s'", sep, names[i]);
    }
}

static value *call_lambda(struct lambda *fn, int nargs, value **args, int nkw, const char **kwnames,
                          value **kwvals, td_err *err)
{
    const ast *node = fn->node;
    int np = node->u.lambda.nparams;
    const char **params = node->u.lambda.params;
    if (nargs > np) {
        int required = 0;
        for (int i = 0; i < np; i++)
            if (!fn->defaults || !fn->defaults[i])
                required++;
        if (required == np)
            td_err_set(err, TD_ETYPE, "<lambda>() takes %d positional argument%s but %d %s given", np,
                       np == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
        else
            td_err_set(err, TD_ETYPE, "<lambda>() takes from %d to %d positional arguments but %d were given",
                       required, np, nargs);
        return NULL;
    }
    if (call_depth >= LANG_MAX_CALL_DEPTH) {
        td_err_set(err, TD_ERUNTIME, "maximum recursion depth exceeded");
        return NULL;
    }
    if (td_cancelled()) {
        td_err_set(err, TD_ECANCEL, "interrupted");
        return NULL;
    }
    /* The frame and its values in one block from core's per-thread cache
     * of small blocks: a lambda called per record makes a frame per record. */
    lang_env *env = td_obj_alloc(sizeof *env + (size_t)np * sizeof(value *));
    if (!env) {
        fprintf(stderr, "thunder: out of memory\n");
        abort();
    }
    env->vals = (value **)(env + 1);
    atomic_init((atomic_int *)&env->refcount, 1);
    env->parent = lang_env_retain(fn->env);
    env->n = np;
    env->names = params;
    for (int i = 0; i < nargs; i++)
        env->vals[i] = val_retain(args[i]);
    value *result = NULL;
    for (int k = 0; k < nkw; k++) {
        int i = 0;
        while (i < np && strcmp(params[i], kwnames[k]) != 0)
            i++;
        if (i == np) {
            td_err_set(err, TD_ETYPE, "<lambda>() got an unexpected keyword argument '%s'", kwnames[k]);
            goto out;
        }
        if (env->vals[i]) {
            td_err_set(err, TD_ETYPE, "<lambda>() got multiple values for argument '%s'", kwnames[k]);
            goto out;
        }
        env->vals[i] = val_retain(kwvals[k]);
    }
    const char *missing[REG_MAXPARAMS];
    int nmissing = 0;
    for (int i = 0; i < np; i++) {
        if (env->vals[i])
            continue;
        if (fn->defaults && fn->defaults[i])
            env->vals[i] = val_retain(fn->defaults[i]);
        else if (nmissing++ < REG_MAXPARAMS)
            missing[nmissing - 1] = params[i];
    }
    if (nmissing) {
        char names[256];
        join_names(names, sizeof names, missing, nmissing < REG_MAXPARAMS ? nmissing : REG_MAXPARAMS);
        td_err_set(err, TD_ETYPE, "<lambda>() missing %d required positional argument%s: %s", nmissing,
                   nmissing == 1 ? "" : "s", names);
        goto out;
    }
    lang_ctx cx = {.in = fn->in, .env = env, .unit = fn->unit};
    call_depth++;
    result = lang_eval(&cx, node->u.lambda.body, err);
    call_depth--;
out:
    lang_env_release(env);
    return result;
}

/* --- calls --------------------------------------------------------------------- */

static value *call_dtype(td_dtype dt, int nargs, value **args, int nkw, td_err *err)
{
    if (nkw > 0 || nargs > 1) {
        td_err_set(err, TD_ETYPE, "%s() takes at most 1 argument", td_dtype_name(dt));
        return NULL;
    }
    if (nargs == 0)
        return val_npscalar(nd_scalar_i64(dt, 0, err));
    value *v = args[0];
    nd_array *s = NULL;
    if (v->kind == V_BOOL || v->kind == V_INT)
        s = nd_scalar_i64(dt, v->kind == V_BOOL ? v->u.b : v->u.i, err);
    else if (v->kind == V_FLOAT)
        s = nd_scalar_f64(dt, v->u.f, err);
    else if (v->kind == V_STR) {
        char *end;
        double d = strtod(v->u.str.s, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n')
            end++;
        if (end == v->u.str.s || *end) {
            td_err_set(err, TD_EVALUE, "could not convert string to %s: '%s'", td_dtype_name(dt), v->u.str.s);
            return NULL;
        }
        s = nd_scalar_f64(dt, d, err);
    } else {
        nd_array *a = val_to_array(v, err);
        if (!a)
            return NULL;
        nd_array *r = nd_astype(a, dt, err);
        nd_release(a);
        if (!r)
            return NULL;
        return r->ndim == 0 ? val_npscalar(r) : val_array(r);
    }
    return s ? val_npscalar(s) : NULL;
}

/* The bound arguments of a call that passes none (x.mean(), x.shape) are
 * every parameter at its default: the same values for every call of that
 * function. They are bound once and kept for the life of the program, as
 * the registry keeps the default values themselves, in a table shared by
 * the threads (entries are published with a compare-and-swap and never
 * change), so that a lambda calling x.mean() per record binds nothing. */
#define NOARGS_SLOTS 512

typedef struct noargs_entry {
    const reg_func *fn;
    value **v;
    int n;
} noargs_entry;

static _Atomic(noargs_entry *) noargs[NOARGS_SLOTS];

/* f's bound defaults, NULL when binding fails (err set) or the table is full. */
static const noargs_entry *noargs_of(interp *in, const reg_func *f, td_err *err)
{
    size_t h = ((uintptr_t)f / sizeof *f) % NOARGS_SLOTS;
    for (size_t probe = 0; probe < NOARGS_SLOTS; probe++) {
        _Atomic(noargs_entry *) *slot = &noargs[(h + probe) % NOARGS_SLOTS];
        noargs_entry *e = atomic_load_explicit(slot, memory_order_acquire);
        if (e && e->fn == f)
            return e;
        if (e)
            continue;
        call_args ca;
        if (reg_bind(in, f, NULL, 0, NULL, 0, NULL, NULL, &ca, err) < 0)
            return NULL;
        noargs_entry *made = malloc(sizeof *made);
        if (!made) {
            reg_unbind(&ca);
            td_err_set(err, TD_EMEMORY, "out of memory");
            return NULL;
        }
        *made = (noargs_entry){f, ca.v, ca.n};
        noargs_entry *expected = NULL;
        if (atomic_compare_exchange_strong_explicit(slot, &expected, made, memory_order_acq_rel,
                                                    memory_order_acquire))
            return made;
        reg_unbind(&ca);
        free(made);
        if (expected->fn == f) /* another thread bound it first */
            return expected;
    }
    return NULL;
}

static value *call_registry(interp *in, const reg_func *f, value *self, int nargs, value **args, int nkw,
                            const char **kwnames, value **kwvals, td_err *err)
{
    if (nargs == 0 && nkw == 0) {
        td_err e2;
        const noargs_entry *d = noargs_of(in, f, &e2);
        if (d) {
            /* reg_call reads the arguments and never keeps or changes them */
            call_args ca = {.in = in, .self = self, .v = d->v, .n = d->n, .fn = f};
            return reg_call(&ca, err);
        }
    }
    call_args ca;
    if (reg_bind(in, f, self, nargs, args, nkw, kwnames, kwvals, &ca, err) < 0)
        return NULL;
    value *r = reg_call(&ca, err);
    reg_unbind(&ca);
    return r;
}

value *lang_call(interp *in, value *fn, int nargs, value **args, int nkw, const char **kwnames,
                 value **kwvals, td_err *err)
{
    switch (fn->kind) {
    case V_FUNC: return call_lambda(fn->u.fn, nargs, args, nkw, kwnames, kwvals, err);
    case V_BUILTIN: return call_registry(in, fn->u.builtin, NULL, nargs, args, nkw, kwnames, kwvals, err);
    case V_METHOD:
        return call_registry(in, fn->u.method.fn, fn->u.method.self, nargs, args, nkw, kwnames, kwvals, err);
    case V_DTYPE: return call_dtype(fn->u.dtype, nargs, args, nkw, err);
    default: td_err_set(err, TD_ETYPE, "'%s' object is not callable", val_type_name(fn)); return NULL;
    }
}

value *interp_call(interp *in, value *fn, int nargs, value **args, td_err *err)
{
    return lang_call(in, fn, nargs, args, 0, NULL, NULL, err);
}

static void free_values(value **v, int n)
{
    for (int i = 0; i < n; i++)
        val_release(v[i]);
    free(v);
}

/* reg_find through a per-thread cache of the names recently looked up:
 * x.mean() in a lambda called per record would otherwise compare the name
 * with each entry of the ndarray table before it every time. An entry is
 * keyed by the table and the address of the name (in the parsed source),
 * and used only when the function found has that very name. */
#define FIND_CACHE 64

static _Thread_local struct {
    const reg_table *t;
    const char *name;
    const reg_func *f;
} find_cache[FIND_CACHE];

static const reg_func *find_function(const reg_table *t, const char *name)
{
    size_t h = (((uintptr_t)name >> 3) ^ ((uintptr_t)t >> 4)) % FIND_CACHE;
    if (find_cache[h].t == t && find_cache[h].name == name && !strcmp(find_cache[h].f->name, name))
        return find_cache[h].f;
    const reg_func *f = reg_find(t, name);
    if (f) {
        find_cache[h].t = t;
        find_cache[h].name = name;
        find_cache[h].f = f;
    }
    return f;
}

/* Arguments of up to CALL_INLINE values live on the stack. */
#define CALL_INLINE 8

/* What a call's callee turned out to be: a value to call, or (for
 * obj.name(...) naming a registry method or a module's function) the
 * function itself with its self, so that no bound method is made per call. */
typedef struct callee {
    value *fn;         /* or NULL when f is set */
    const reg_func *f; /* a method or module function, not a property */
    value *self;       /* f's self (NULL for a module's function) */
    value *hold;       /* the object evaluated for f, released after the call */
} callee;

/* The function obj.name would give when it is a plain registry method or
 * module function (not a property, not a submodule), or NULL. */
static const reg_func *attr_function(value *obj, const char *name)
{
    const reg_table *t;
    if (obj->kind == V_MODULE) {
        const module *m = obj->u.mod;
        if (m->submodules && m->submodule_names)
            for (int i = 0; m->submodules[i]; i++)
                if (!strcmp(m->submodule_names[i], name))
                    return NULL;
        t = m->table;
    } else if (obj->kind == V_DTYPE) {
        return NULL;
    } else {
        t = reg_methods_of(obj);
    }
    const reg_func *f = t ? find_function(t, name) : NULL;
    return f && !(f->flags & REG_PROPERTY) ? f : NULL;
}

static int eval_callee(lang_ctx *cx, const ast *fe, callee *c, td_err *err)
{
    memset(c, 0, sizeof *c);
    if (fe->kind != AST_ATTR) {
        c->fn = lang_eval(cx, fe, err);
        return c->fn ? 0 : -1;
    }
    /* As lang_eval(fe) would, with its depth and error position. */
    if (lang_depth_enter(err) < 0)
        goto fail;
    value *obj = lang_eval(cx, fe->u.attr.value, err);
    if (obj) {
        c->f = attr_function(obj, fe->u.attr.name);
        if (c->f) {
            c->hold = obj;
            c->self = obj->kind == V_MODULE ? NULL : obj;
        } else {
            c->fn = lang_getattr(cx->in, obj, fe->u.attr.name, err);
            val_release(obj);
        }
    }
    lang_depth_leave();
    if (c->f || c->fn)
        return 0;
fail:
    if (cx->err_line == 0) {
        cx->err_line = fe->line;
        cx->err_col = fe->col;
    }
    return -1;
}

static value *eval_call(lang_ctx *cx, const ast *e, td_err *err)
{
    callee ce;
    if (eval_callee(cx, e->u.call.func, &ce, err) < 0)
        return NULL;
    int cap = e->u.call.nargs, n = 0, nkw = e->u.call.nkw;
    value *argbuf[CALL_INLINE], *kwbuf[CALL_INLINE];
    const char *kwnbuf[CALL_INLINE];
    value **args = cap <= CALL_INLINE ? argbuf : xcalloc((size_t)cap, sizeof *args);
    value **kwvals = nkw <= CALL_INLINE ? kwbuf : xcalloc((size_t)nkw, sizeof *kwvals);
    const char **kwnames = nkw <= CALL_INLINE ? kwnbuf : xcalloc((size_t)nkw, sizeof *kwnames);
    value *result = NULL;
    int k = 0;
    for (int i = 0; i < e->u.call.nargs; i++) {
        const ast *a = e->u.call.args[i];
        if (a->kind == AST_STARRED) {
            value *seq = lang_eval(cx, a->u.starred.value, err);
            if (!seq)
                goto out;
            value **items;
            int64_t m;
            int rc = lang_items(seq, &items, &m, err);
            if (rc < 0 && err->kind == TD_ETYPE)
                td_err_set(err, TD_ETYPE, "argument after * must be an iterable, not %s", val_type_name(seq));
            val_release(seq);
            if (rc < 0)
                goto out;
            if (m > 100000 - n) {
                lang_items_free(items, m);
                td_err_set(err, TD_EVALUE, "too many arguments (%lld)", (long long)m);
                goto out;
            }
            cap += (int)m;
            value **grown = realloc(args == argbuf ? NULL : args, (size_t)cap * sizeof *args);
            if (!grown) {
                lang_items_free(items, m);
                td_err_set(err, TD_EMEMORY, "out of memory");
                goto out;
            }
            if (args == argbuf && n > 0)
                memcpy(grown, argbuf, (size_t)n * sizeof *args);
            args = grown;
            for (int64_t j = 0; j < m; j++)
                args[n++] = items[j];
            free(items);
            continue;
        }
        value *v = lang_eval(cx, a, err);
        if (!v)
            goto out;
        args[n++] = v;
    }
    for (; k < nkw; k++) {
        if (!e->u.call.kw[k].name) {
            td_err_set(err, TD_ESYNTAX, "**kwargs is not supported");
            goto out;
        }
        kwnames[k] = e->u.call.kw[k].name;
        kwvals[k] = lang_eval(cx, e->u.call.kw[k].value, err);
        if (!kwvals[k])
            goto out;
    }
    if (ce.f)
        result = call_registry(cx->in, ce.f, ce.self, n, args, nkw, kwnames, kwvals, err);
    else
        result = lang_call(cx->in, ce.fn, n, args, nkw, kwnames, kwvals, err);
out:
    for (int i = 0; i < n; i++)
        val_release(args[i]);
    for (int i = 0; i < k; i++)
        val_release(kwvals[i]);
    if (args != argbuf)
        free(args);
    if (kwvals != kwbuf)
        free(kwvals);
    if (kwnames != kwnbuf)
        free(kwnames);
    val_release(ce.fn);
    val_release(ce.hold);
    return result;
}

/* --- strings (UTF-8, indexed by code point as Python does) --------------------- */

static bool is_ascii(const value *s)
{
    for (size_t i = 0; i < s->u.str.len; i++)
        if ((unsigned char)s->u.str.s[i] >= 0x80)
            return false;
    return true;
}

int64_t lang_str_len(const value *s)
{
    int64_t n = 0;
    for (size_t i = 0; i < s->u.str.len; i++)
        if (((unsigned char)s->u.str.s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

size_t lang_str_offset(const value *s, int64_t i)
{
    int64_t n = -1;
    for (size_t b = 0; b < s->u.str.len; b++) {
        if (((unsigned char)s->u.str.s[b] & 0xC0) != 0x80)
            n++;
        if (n == i)
            return b;
    }
    return s->u.str.len;
}

/* --- sequences: indexing and slicing --------------------------------------------- */

/* Python's slice.indices(): the count of selected items, and the first. */
static int64_t slice_adjust(int64_t len, const value *sl, int64_t *start_out, int64_t *step_out, td_err *err)
{
    int64_t start, stop, step = 1;
    const value *vs = sl->u.slice.start, *ve = sl->u.slice.stop, *vp = sl->u.slice.step;
    if (vp->kind != V_NONE) {
        if (val_to_int(vp, &step, err) < 0)
            return -1;
        if (step == 0) {
            td_err_set(err, TD_EVALUE, "slice step cannot be zero");
            return -1;
        }
        if (step == INT64_MIN)
            step = -INT64_MAX;
    }
    if (vs->kind == V_NONE) {
        start = step < 0 ? len - 1 : 0;
    } else {
        if (val_to_int(vs, &start, err) < 0)
            return -1;
        if (start < 0) {
            start += len;
            if (start < 0)
                start = step < 0 ? -1 : 0;
        } else if (start >= len) {
            start = step < 0 ? len - 1 : len;
        }
    }
    if (ve->kind == V_NONE) {
        stop = step < 0 ? -1 : len;
    } else {
        if (val_to_int(ve, &stop, err) < 0)
            return -1;
        if (stop < 0) {
            stop += len;
            if (stop < 0)
                stop = step < 0 ? -1 : 0;
        } else if (stop >= len) {
            stop = step < 0 ? len - 1 : len;
        }
    }
    int64_t count = 0;
    if (step < 0) {
        if (stop < start)
            count = (start - stop - 1) / (-step) + 1;
    } else if (start < stop) {
        count = (stop - start - 1) / step + 1;
    }
    *start_out = start;
    *step_out = step;
    return count;
}

static int index_of(const value *idx, int64_t *out, bool *ok)
{
    td_err e;
    *ok = false;
    if (idx->kind == V_INT || idx->kind == V_BOOL ||
        (idx->kind == V_ARRAY && idx->u.arr.a->ndim == 0 &&
         (td_dtype_is_int(idx->u.arr.a->dtype) || idx->u.arr.a->dtype == TD_BOOL))) {
        if (val_to_int(idx, out, &e) < 0)
            return -1;
        *ok = true;
    }
    return 0;
}

static value *seq_subscript(value *obj, value *index, td_err *err)
{
    const char *what = obj->kind == V_LIST ? "list" : obj->kind == V_TUPLE ? "tuple" : "string";
    bool str = obj->kind == V_STR;
    bool ascii = str && is_ascii(obj);
    int64_t len = str ? (ascii ? (int64_t)obj->u.str.len : lang_str_len(obj)) : obj->u.seq.n;
    int64_t i;
    bool ok;
    if (index_of(index, &i, &ok) < 0) {
        td_err_set(err, TD_EINDEX, "cannot fit 'int' into an index-sized integer");
        return NULL;
    }
    if (ok) {
        if (i < 0)
            i += len;
        if (i < 0 || i >= len) {
            td_err_set(err, TD_EINDEX, "%s index out of range", what);
            return NULL;
        }
        if (!str)
            return val_retain(obj->u.seq.items[i]);
        if (ascii)
            return val_str(obj->u.str.s + i, 1);
        size_t b = lang_str_offset(obj, i), e = lang_str_offset(obj, i + 1);
        return val_str(obj->u.str.s + b, e - b);
    }
    if (index->kind == V_SLICE) {
        int64_t start, step;
        int64_t count = slice_adjust(len, index, &start, &step, err);
        if (count < 0)
            return NULL;
        if (!str) {
            value **items = xcalloc((size_t)count, sizeof *items);
            for (int64_t k = 0; k < count; k++)
                items[k] = val_retain(obj->u.seq.items[start + k * step]);
            value *r = obj->kind == V_LIST ? val_list(items, count) : val_tuple(items, count);
            free(items);
            return r;
        }
        strbuf sb = SB_INIT;
        if (ascii) {
            for (int64_t k = 0; k < count; k++)
                sb_addc(&sb, obj->u.str.s[start + k * step]);
        } else {
            size_t *offs = xcalloc((size_t)len + 1, sizeof *offs);
            int64_t n = 0;
            for (size_t b = 0; b < obj->u.str.len; b++)
                if (((unsigned char)obj->u.str.s[b] & 0xC0) != 0x80)
                    offs[n++] = b;
            offs[len] = obj->u.str.len;
            for (int64_t k = 0; k < count; k++) {
                int64_t c = start + k * step;
                sb_addn(&sb, obj->u.str.s + offs[c], offs[c + 1] - offs[c]);
            }
            free(offs);
        }
        size_t n = sb.len;
        return val_str_own(sb_steal(&sb), n);
    }
    if (str)
        td_err_set(err, TD_ETYPE, "string indices must be integers, not '%s'", val_type_name(index));
    else
        td_err_set(err, TD_ETYPE, "%s indices must be integers or slices, not %s", what,
                   val_type_name(index));
    return NULL;
}

/* --- arrays: indexing ------------------------------------------------------------ */

static int bad_array_index(td_err *err)
{
    return td_err_set(err, TD_EINDEX,
                      "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer "
                      "or boolean arrays are valid indices");
}

static bool is_bool_mask(const value *v)
{
    if (v->kind == V_ARRAY)
        return v->u.arr.a->dtype == TD_BOOL && v->u.arr.a->ndim > 0;
    if (v->kind != V_LIST || v->u.seq.n == 0)
        return false;
    for (int64_t i = 0; i < v->u.seq.n; i++)
        if (v->u.seq.items[i]->kind != V_BOOL)
            return false;
    return true;
}

/* x[mask]: the mask covers the leading axes; the selected positions of
 * those axes, flattened, become one axis. */
static value *mask_subscript(const nd_array *x, const value *mv, td_err *err)
{
    nd_array *m = val_to_array(mv, err);
    if (!m)
        return NULL;
    value *result = NULL;
    nd_array *flat = NULL;
    int64_t *pos = NULL;
    if (m->ndim > x->ndim) {
        td_err_set(err, TD_EINDEX, "too many indices for array: array is %d-dimensional, but %d were indexed",
                   x->ndim, m->ndim);
        goto out;
    }
    for (int i = 0; i < m->ndim; i++) {
        if (m->shape[i] != x->shape[i]) {
            td_err_set(err, TD_EINDEX,
                       "boolean index did not match indexed array along dimension %d; dimension is %lld "
                       "but corresponding boolean dimension is %lld",
                       i, (long long)x->shape[i], (long long)m->shape[i]);
            goto out;
        }
    }
    int64_t shape[ND_MAXDIM];
    shape[0] = m->size;
    for (int i = m->ndim; i < x->ndim; i++)
        shape[1 + i - m->ndim] = x->shape[i];
    flat = nd_reshape(x, 1 + x->ndim - m->ndim, shape, err);
    if (!flat)
        goto out;
    pos = xcalloc((size_t)m->size, sizeof *pos);
    int64_t n = 0;
    const uint8_t *mb = m->data;
    for (int64_t i = 0; i < m->size; i++)
        if (mb[i])
            pos[n++] = i;
    nd_index idx = {.kind = ND_IDX_LIST, .list = pos, .nlist = n};
    nd_array *r = nd_index_get(flat, 1, &idx, err);
    if (r)
        result = val_array(r);
out:
    free(pos);
    nd_release(flat);
    nd_release(m);
    return result;
}

static value *array_subscript(value *obj, value *index, td_err *err)
{
    const nd_array *x = obj->u.arr.a;
    if (is_bool_mask(index))
        return mask_subscript(x, index, err);
    int n = 1;
    value *const *parts = &index;
    if (index->kind == V_TUPLE) {
        if (index->u.seq.n > ND_MAXDIM) {
            td_err_set(err, TD_EINDEX,
                       "too many indices for array: array is %d-dimensional, but %lld were indexed", x->ndim,
                       (long long)index->u.seq.n);
            return NULL;
        }
        n = (int)index->u.seq.n;
        parts = index->u.seq.items;
    }
    nd_index idx[ND_MAXDIM];
    nd_array *lists[ND_MAXDIM] = {0};
    value *result = NULL;
    memset(idx, 0, sizeof idx);
    for (int k = 0; k < n; k++) {
        const value *p = parts[k];
        int64_t i;
        bool ok;
        if (index_of(p, &i, &ok) < 0) {
            td_err_set(err, TD_EINDEX, "index out of range");
            goto out;
        }
        if (ok) {
            idx[k].kind = ND_IDX_INT;
            idx[k].i = i;
        } else if (p->kind == V_SLICE) {
            idx[k].kind = ND_IDX_SLICE;
            idx[k].step = 1;
            if (p->u.slice.step->kind != V_NONE && val_to_int(p->u.slice.step, &idx[k].step, err) < 0)
                goto out;
            if (idx[k].step == 0) {
                td_err_set(err, TD_EVALUE, "slice step cannot be zero");
                goto out;
            }
            if ((idx[k].has_start = p->u.slice.start->kind != V_NONE) &&
                val_to_int(p->u.slice.start, &idx[k].start, err) < 0)
                goto out;
            if ((idx[k].has_stop = p->u.slice.stop->kind != V_NONE) &&
                val_to_int(p->u.slice.stop, &idx[k].stop, err) < 0)
                goto out;
        } else if (p->kind == V_NONE) {
            idx[k].kind = ND_IDX_NEWAXIS;
        } else if (p->kind == V_LIST || (p->kind == V_ARRAY && p->u.arr.a->ndim == 1)) {
            nd_array *l = val_to_array(p, err);
            if (!l)
                goto out;
            if (l->ndim != 1 || !(td_dtype_is_int(l->dtype) || (l->size == 0))) {
                bool one_dim =
                    l->ndim == 1; /* read before the release (fuzz_lang found the use after free) */
                nd_release(l);
                if (p->kind == V_LIST && p->u.seq.n > 0 && one_dim)
                    bad_array_index(err);
                else
                    td_err_set(err, TD_EINDEX,
                               "only one-dimensional lists of integers can index an array here");
                goto out;
            }
            lists[k] = nd_astype(l, TD_INT64, err);
            nd_release(l);
            if (!lists[k])
                goto out;
            idx[k].kind = ND_IDX_LIST;
            idx[k].list = lists[k]->data;
            idx[k].nlist = lists[k]->size;
        } else {
            bad_array_index(err);
            goto out;
        }
    }
    nd_array *r = nd_index_get(x, n, idx, err);
    if (r)
        result = r->ndim == 0 ? val_npscalar(r) : val_array(r);
out:
    for (int k = 0; k < n; k++)
        nd_release(lists[k]);
    return result;
}

value *lang_subscript(value *obj, value *index, td_err *err)
{
    switch (obj->kind) {
    case V_LIST:
    case V_TUPLE:
    case V_STR: return seq_subscript(obj, index, err);
    case V_ARRAY:
        if (obj->u.arr.a->ndim == 0) {
            td_err_set(err, TD_EINDEX, "invalid index to scalar variable.");
            return NULL;
        }
        return array_subscript(obj, index, err);
    case V_IMAGES:
    case V_SERIES: return obj->part ? dist_subscript(obj, index, err) : data_subscript(obj, index, err);
    default: td_err_set(err, TD_ETYPE, "'%s' object is not subscriptable", val_type_name(obj)); return NULL;
    }
}

/* --- iteration ---------------------------------------------------------------------- */

void lang_items_free(value **items, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        val_release(items[i]);
    free(items);
}

int lang_items(value *v, value ***out, int64_t *n, td_err *err)
{
    value **items = NULL;
    int64_t m = 0;
    switch (v->kind) {
    case V_LIST:
    case V_TUPLE:
        m = v->u.seq.n;
        items = xcalloc((size_t)m, sizeof *items);
        for (int64_t i = 0; i < m; i++)
            items[i] = val_retain(v->u.seq.items[i]);
        break;
    case V_STR: {
        m = lang_str_len(v);
        items = xcalloc((size_t)m, sizeof *items);
        size_t b = 0;
        for (int64_t i = 0; i < m; i++) {
            size_t e = b + 1;
            while (e < v->u.str.len && ((unsigned char)v->u.str.s[e] & 0xC0) == 0x80)
                e++;
            items[i] = val_str(v->u.str.s + b, e - b);
            b = e;
        }
        break;
    }
    case V_ARRAY: {
        const nd_array *a = v->u.arr.a;
        if (a->ndim == 0)
            return td_err_set(err, TD_ETYPE, "iteration over a 0-d array");
        m = a->shape[0];
        int64_t row = m ? a->size / m : 0;
        if (lang_check_alloc((size_t)m, sizeof(value) + sizeof(value *), err) < 0)
            return -1;
        items = xcalloc((size_t)m, sizeof *items);
        for (int64_t i = 0; i < m; i++) {
            nd_array *r = nd_view(a, i * row, a->ndim - 1, a->shape + 1, err);
            if (!r) {
                lang_items_free(items, i);
                return -1;
            }
            items[i] = r->ndim == 0 ? val_npscalar(r) : val_array(r);
        }
        break;
    }
    default: return td_err_set(err, TD_ETYPE, "'%s' object is not iterable", val_type_name(v));
    }
    *out = items;
    *n = m;
    return 0;
}

/* --- attributes --------------------------------------------------------------------- */

static value *call_property(interp *in, const reg_func *f, value *self, td_err *err)
{
    return call_registry(in, f, self, 0, NULL, 0, NULL, NULL, err);
}

static value *module_attr(interp *in, value *obj, const char *name, td_err *err)
{
    const module *m = obj->u.mod;
    if (m->submodules && m->submodule_names)
        for (int i = 0; m->submodules[i]; i++)
            if (!strcmp(m->submodule_names[i], name))
                return val_module(m->submodules[i]);
    const reg_func *f = m->table ? find_function(m->table, name) : NULL;
    if (f)
        return (f->flags & REG_PROPERTY) ? call_property(in, f, NULL, err) : val_builtin(f);
    const char *best = m->table ? reg_suggest(m->table, name) : NULL;
    if (!best && m->submodule_names)
        for (int i = 0; m->submodules[i] && !best; i++)
            if (lang_edit_distance(m->submodule_names[i], name) <=
                lang_suggest_limit(name, m->submodule_names[i]))
                best = m->submodule_names[i];
    if (best)
        td_err_set(err, TD_EATTR, "module '%s' has no attribute '%s' (did you mean '%s'?)", m->name, name,
                   best);
    else
        td_err_set(err, TD_EATTR, "module '%s' has no attribute '%s'", m->name, name);
    return NULL;
}

value *lang_getattr(interp *in, value *obj, const char *name, td_err *err)
{
    if (obj->kind == V_MODULE)
        return module_attr(in, obj, name, err);
    if (obj->kind == V_DTYPE) {
        if (!strcmp(name, "name"))
            return val_cstr(td_dtype_name(obj->u.dtype));
        if (!strcmp(name, "itemsize"))
            return val_int((int64_t)td_dtype_size(obj->u.dtype));
        if (!strcmp(name, "kind")) {
            char k = td_dtype_kind(obj->u.dtype);
            return val_str(&k, 1);
        }
    }
    const reg_table *t = reg_methods_of(obj);
    const reg_func *f = t ? find_function(t, name) : NULL;
    if (f)
        return (f->flags & REG_PROPERTY) ? call_property(in, f, obj, err) : val_method(obj, f);
    const char *best = t ? reg_suggest(t, name) : NULL;
    if (best)
        td_err_set(err, TD_EATTR, "'%s' object has no attribute '%s' (did you mean '%s'?)",
                   val_type_name(obj), name, best);
    else
        td_err_set(err, TD_EATTR, "'%s' object has no attribute '%s'", val_type_name(obj), name);
    return NULL;
}

/* --- names --------------------------------------------------------------------------- */

static value *lookup_name(lang_ctx *cx, const char *name, td_err *err)
{
    for (lang_env *e = cx->env; e; e = e->parent)
        for (int i = 0; i < e->n; i++)
            if (!strcmp(e->names[i], name))
                return val_retain(e->vals[i]);
    value *v = lang_lookup_global(cx->in, name);
    if (v)
        return v;
    const char *best = lang_suggest_name(cx->in, name);
    if (best)
        td_err_set(err, TD_ENAME, "name '%s' is not defined (did you mean '%s'?)", name, best);
    else
        td_err_set(err, TD_ENAME, "name '%s' is not defined", name);
    return NULL;
}

/* --- the evaluator ---------------------------------------------------------------------- */

static value *eval_seq(lang_ctx *cx, const ast *e, td_err *err)
{
    int n = e->u.seq.n;
    value **items = xcalloc((size_t)n, sizeof *items);
    for (int i = 0; i < n; i++) {
        if (e->u.seq.items[i]->kind == AST_STARRED) {
            td_err_set(err, TD_ESYNTAX, "starred expressions are only supported in calls");
            free_values(items, i);
            return NULL;
        }
        items[i] = lang_eval(cx, e->u.seq.items[i], err);
        if (!items[i]) {
            free_values(items, i);
            return NULL;
        }
    }
    value *r = e->kind == AST_LIST ? val_list(items, n) : val_tuple(items, n);
    free(items);
    return r;
}

static value *eval_compare(lang_ctx *cx, const ast *e, td_err *err)
{
    value *left = lang_eval(cx, e->u.compare.first, err);
    if (!left)
        return NULL;
    value *result = NULL;
    for (int i = 0; i < e->u.compare.n; i++) {
        value *right = lang_eval(cx, e->u.compare.rest[i], err);
        if (!right) {
            val_release(left);
            val_release(result);
            return NULL;
        }
        val_release(result);
        result = op_compare(e->u.compare.ops[i], left, right, err);
        val_release(left);
        left = right;
        if (!result)
            break;
        /* a < b < c is a < b and b < c: stop at the first false link */
        if (i + 1 < e->u.compare.n) {
            bool t;
            if (val_truth(result, &t, err) < 0) {
                val_release(result);
                result = NULL;
                break;
            }
            if (!t)
                break;
        }
    }
    val_release(left);
    return result;
}

static value *eval_slice_part(lang_ctx *cx, const ast *e, td_err *err)
{
    if (!e)
        return val_none();
    value *v = lang_eval(cx, e, err);
    if (!v)
        return NULL;
    if (v->kind == V_NONE || v->kind == V_INT)
        return v;
    int64_t i;
    if (v->kind == V_BOOL ||
        (v->kind == V_ARRAY && v->u.arr.a->ndim == 0 && td_dtype_is_int(v->u.arr.a->dtype))) {
        if (val_to_int(v, &i, err) < 0) {
            val_release(v);
            return NULL;
        }
        val_release(v);
        return val_int(i);
    }
    val_release(v);
    td_err_set(err, TD_ETYPE, "slice indices must be integers or None or have an __index__ method");
    return NULL;
}

static value *eval_index(lang_ctx *cx, const ast *e, td_err *err)
{
    if (e->kind == AST_SLICE) {
        value *a = eval_slice_part(cx, e->u.slice.start, err);
        if (!a)
            return NULL;
        value *b = eval_slice_part(cx, e->u.slice.stop, err);
        if (!b) {
            val_release(a);
            return NULL;
        }
        value *c = eval_slice_part(cx, e->u.slice.step, err);
        if (!c) {
            val_release(a);
            val_release(b);
            return NULL;
        }
        value *s = val_slice(a, b, c);
        val_release(a);
        val_release(b);
        val_release(c);
        return s;
    }
    if (e->kind == AST_TUPLE) {
        int n = e->u.seq.n;
        value **items = xcalloc((size_t)n, sizeof *items);
        for (int i = 0; i < n; i++) {
            items[i] = eval_index(cx, e->u.seq.items[i], err);
            if (!items[i]) {
                free_values(items, i);
                return NULL;
            }
        }
        value *t = val_tuple(items, n);
        free(items);
        return t;
    }
    return lang_eval(cx, e, err);
}

static value *eval_inner(lang_ctx *cx, const ast *e, td_err *err)
{
    switch (e->kind) {
    case AST_NONE: return val_none();
    case AST_BOOL: return val_bool(e->u.b);
    case AST_INT: return val_int(e->u.i);
    case AST_FLOAT: return val_float(e->u.f);
    case AST_STR: return val_str(e->u.str.s, e->u.str.len);
    case AST_NAME: return lookup_name(cx, e->u.name, err);
    case AST_LIST:
    case AST_TUPLE: return eval_seq(cx, e, err);
    case AST_UNARY: {
        value *v = lang_eval(cx, e->u.unary.operand, err);
        if (!v)
            return NULL;
        value *r = op_unary(e->u.unary.op, v, err);
        val_release(v);
        return r;
    }
    case AST_BINARY: {
        value *a = lang_eval(cx, e->u.binary.left, err);
        if (!a)
            return NULL;
        value *b = lang_eval(cx, e->u.binary.right, err);
        if (!b) {
            val_release(a);
            return NULL;
        }
        value *r = op_binary(e->u.binary.op, a, b, err);
        val_release(a);
        val_release(b);
        return r;
    }
    case AST_COMPARE: return eval_compare(cx, e, err);
    case AST_AND:
    case AST_OR: {
        /* Python returns the deciding operand itself, not a bool */
        value *a = lang_eval(cx, e->u.binary.left, err);
        if (!a)
            return NULL;
        bool t;
        if (val_truth(a, &t, err) < 0) {
            val_release(a);
            return NULL;
        }
        if (t == (e->kind == AST_OR))
            return a;
        val_release(a);
        return lang_eval(cx, e->u.binary.right, err);
    }
    case AST_IFEXP: {
        value *c = lang_eval(cx, e->u.ifexp.cond, err);
        if (!c)
            return NULL;
        bool t;
        int rc = val_truth(c, &t, err);
        val_release(c);
        if (rc < 0)
            return NULL;
        return lang_eval(cx, t ? e->u.ifexp.body : e->u.ifexp.orelse, err);
    }
    case AST_CALL: return eval_call(cx, e, err);
    case AST_ATTR: {
        value *v = lang_eval(cx, e->u.attr.value, err);
        if (!v)
            return NULL;
        value *r = lang_getattr(cx->in, v, e->u.attr.name, err);
        val_release(v);
        return r;
    }
    case AST_SUBSCRIPT: {
        value *v = lang_eval(cx, e->u.subscript.value, err);
        if (!v)
            return NULL;
        value *i = eval_index(cx, e->u.subscript.index, err);
        if (!i) {
            val_release(v);
            return NULL;
        }
        value *r = lang_subscript(v, i, err);
        val_release(v);
        val_release(i);
        return r;
    }
    case AST_SLICE: td_err_set(err, TD_ESYNTAX, "a slice is only allowed inside []"); return NULL;
    case AST_LAMBDA: return make_lambda(cx, e, err);
    case AST_STARRED: td_err_set(err, TD_ESYNTAX, "can't use starred expression here"); return NULL;
    default: td_err_set(err, TD_ESYNTAX, "not an expression"); return NULL;
    }
}

value *lang_eval(lang_ctx *cx, const ast *e, td_err *err)
{
    value *r = NULL;
    if (lang_depth_enter(err) == 0) {
        r = eval_inner(cx, e, err);
        lang_depth_leave();
    }
    if (!r && cx->err_line == 0) {
        cx->err_line = e->line;
        cx->err_col = e->col;
    }
    return r;
}

/* The interpreter: the workspace, statements, imports, output, and the
 * help() and vars() listings. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "lang.h"
#include "parse.h"
#include "print.h"

typedef struct var {
    char *name;
    value *v;
} var;

struct interp {
    var *vars; /* in the order of first assignment */
    int nvars, cap;
    interp_output_fn out;
    void *out_user;
    pthread_mutex_t out_lock;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "thunder: out of memory\n");
        abort();
    }
    return q;
}

interp *interp_new(void)
{
    interp *in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    pthread_mutex_init(&in->out_lock, NULL);
    return in;
}

void interp_free(interp *in)
{
    if (!in)
        return;
    for (int i = 0; i < in->nvars; i++) {
        free(in->vars[i].name);
        val_release(in->vars[i].v);
    }
    free(in->vars);
    pthread_mutex_destroy(&in->out_lock);
    free(in);
}

void interp_set_output(interp *in, interp_output_fn fn, void *user)
{
    pthread_mutex_lock(&in->out_lock);
    in->out = fn;
    in->out_user = user;
    pthread_mutex_unlock(&in->out_lock);
}

void interp_write(interp *in, int stream, const char *text, size_t len)
{
    if (!in) {
        fwrite(text, 1, len, stream == 2 ? stderr : stdout);
        return;
    }
    pthread_mutex_lock(&in->out_lock);
    if (in->out) {
        in->out(stream, text, len, in->out_user);
    } else {
        if (stream == 2)
            fflush(stdout);
        fwrite(text, 1, len, stream == 2 ? stderr : stdout);
    }
    pthread_mutex_unlock(&in->out_lock);
}

static void write_sb(interp *in, int stream, const strbuf *sb)
{
    interp_write(in, stream, sb_str(sb), sb->len);
}

/* --- the workspace ----------------------------------------------------------------- */

int interp_nvars(const interp *in)
{
    return in->nvars;
}

const char *interp_var_name(const interp *in, int i)
{
    return i >= 0 && i < in->nvars ? in->vars[i].name : NULL;
}

value *interp_var_value(const interp *in, int i)
{
    return i >= 0 && i < in->nvars ? in->vars[i].v : NULL;
}

static int find_var(const interp *in, const char *name)
{
    for (int i = 0; i < in->nvars; i++)
        if (!strcmp(in->vars[i].name, name))
            return i;
    return -1;
}

value *interp_lookup(const interp *in, const char *name)
{
    int i = find_var(in, name);
    return i < 0 ? NULL : in->vars[i].v;
}

/* Takes over v. */
static void bind(interp *in, const char *name, value *v)
{
    int i = find_var(in, name);
    if (i >= 0) {
        val_release(in->vars[i].v);
        in->vars[i].v = v;
        return;
    }
    if (in->nvars == in->cap) {
        in->cap = in->cap ? 2 * in->cap : 16;
        in->vars = xrealloc(in->vars, (size_t)in->cap * sizeof *in->vars);
    }
    char *copy = strdup(name);
    if (!copy) {
        fprintf(stderr, "thunder: out of memory\n");
        abort();
    }
    in->vars[in->nvars].name = copy;
    in->vars[in->nvars].v = v;
    in->nvars++;
}

static void unbind(interp *in, const char *name)
{
    int i = find_var(in, name);
    if (i < 0)
        return;
    free(in->vars[i].name);
    val_release(in->vars[i].v);
    memmove(&in->vars[i], &in->vars[i + 1], (size_t)(in->nvars - i - 1) * sizeof *in->vars);
    in->nvars--;
}

/* The names every session starts with, besides the builtins. */
static const struct {
    const char *name;
    const module *mod;
} predefined[] = {
    {"td", &mod_thunder},
    {"images", &mod_td_images},
    {"series", &mod_td_series},
    {"np", &mod_numpy},
};
#define NPREDEFINED (sizeof predefined / sizeof *predefined)

value *lang_predefined(const char *name)
{
    for (size_t i = 0; i < NPREDEFINED; i++)
        if (!strcmp(predefined[i].name, name))
            return val_module(predefined[i].mod);
    const reg_func *f = reg_find(&reg_builtins, name);
    if (!f)
        f = reg_find(&reg_ui, name); /* show, stats, run, save_history, quit */
    return f ? val_builtin(f) : NULL;
}

value *lang_lookup_global(const interp *in, const char *name)
{
    if (in) {
        value *v = interp_lookup(in, name);
        if (v)
            return val_retain(v);
    }
    return lang_predefined(name);
}

const char *lang_suggest_name(const interp *in, const char *name)
{
    const char *best = NULL;
    int bestd = 1000;
#define CONSIDER(cand)                                                                                       \
    do {                                                                                                     \
        int d_ = lang_edit_distance(name, (cand));                                                           \
        if (d_ <= lang_suggest_limit(name, (cand)) && d_ < bestd) {                                          \
            bestd = d_;                                                                                      \
            best = (cand);                                                                                   \
        }                                                                                                    \
    } while (0)
    if (in)
        for (int i = 0; i < in->nvars; i++)
            CONSIDER(in->vars[i].name);
    for (size_t i = 0; i < NPREDEFINED; i++)
        CONSIDER(predefined[i].name);
    for (size_t i = 0; i < reg_builtins.n; i++)
        if (reg_builtins.funcs[i].name)
            CONSIDER(reg_builtins.funcs[i].name);
    for (size_t i = 0; i < reg_ui.n; i++)
        CONSIDER(reg_ui.funcs[i].name);
#undef CONSIDER
    return best;
}

/* --- statements ------------------------------------------------------------------------- */

/* Bindings a statement makes, applied only once all of it has succeeded. */
typedef struct pending {
    const char **names;
    value **vals;
    int n, cap;
} pending;

static void pending_add(pending *p, const char *name, value *v)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 4;
        p->names = xrealloc(p->names, (size_t)p->cap * sizeof *p->names);
        p->vals = xrealloc(p->vals, (size_t)p->cap * sizeof *p->vals);
    }
    p->names[p->n] = name;
    p->vals[p->n++] = v;
}

static void pending_free(pending *p)
{
    for (int i = 0; i < p->n; i++)
        val_release(p->vals[i]);
    free(p->names);
    free(p->vals);
}

static int unpack(lang_ctx *cx, const ast *target, value *v, pending *p, td_err *err)
{
    if (target->kind == AST_NAME) {
        pending_add(p, target->u.name, val_retain(v));
        return 0;
    }
    if (target->kind != AST_TUPLE && target->kind != AST_LIST) {
        cx->err_line = target->line;
        cx->err_col = target->col;
        return td_err_set(err, TD_ESYNTAX, "cannot assign to this expression");
    }
    value **items;
    int64_t n;
    if (lang_items(v, &items, &n, err) < 0) {
        if (err->kind == TD_ETYPE)
            td_err_set(err, TD_ETYPE, "cannot unpack non-iterable %s object", val_type_name(v));
        return -1;
    }
    int want = target->u.seq.n;
    int rc = 0;
    if (n < want)
        rc = td_err_set(err, TD_EVALUE, "not enough values to unpack (expected %d, got %lld)", want,
                        (long long)n);
    else if (n > want)
        rc = td_err_set(err, TD_EVALUE, "too many values to unpack (expected %d)", want);
    for (int i = 0; rc == 0 && i < want; i++)
        rc = unpack(cx, target->u.seq.items[i], items[i], p, err);
    lang_items_free(items, n);
    return rc;
}

/* In distributed mode every statement ends with the ranks agreeing on its
 * outcome (app/dist.h), before anything is bound or printed, so that all
 * ranks keep the same workspace. */
static int agree(lang_ctx *cx, int rc, td_err *err)
{
    return dist_on() ? dist_agree(rc, err, &cx->err_line, &cx->err_col) : rc;
}

static int run_assign(interp *in, lang_ctx *cx, const ast *s, td_err *err)
{
    value *v = lang_eval(cx, s->u.assign.value, err);
    if (!v)
        return agree(cx, -1, err);
    pending p = {0};
    int rc = 0;
    for (int t = 0; rc == 0 && t < s->u.assign.ntargets; t++)
        rc = unpack(cx, s->u.assign.targets[t], v, &p, err);
    val_release(v);
    rc = agree(cx, rc, err);
    if (rc == 0) {
        for (int i = 0; i < p.n; i++) {
            bind(in, p.names[i], p.vals[i]);
            p.vals[i] = NULL;
        }
    }
    pending_free(&p);
    return rc;
}

static int run_del(interp *in, lang_ctx *cx, const ast *s, td_err *err)
{
    for (int i = 0; i < s->u.del.n; i++) {
        const ast *t = s->u.del.targets[i];
        if (t->kind != AST_NAME) {
            cx->err_line = t->line;
            cx->err_col = t->col;
            return td_err_set(err, TD_ESYNTAX, "cannot delete this expression (only names)");
        }
        if (find_var(in, t->u.name) < 0) {
            cx->err_line = t->line;
            cx->err_col = t->col;
            return td_err_set(err, TD_ENAME, "name '%s' is not defined", t->u.name);
        }
    }
    for (int i = 0; i < s->u.del.n; i++)
        unbind(in, s->u.del.targets[i]->u.name);
    return 0;
}

static const module *root_module(const char *name, size_t len)
{
    if (len == 7 && !strncmp(name, "thunder", 7))
        return &mod_thunder;
    if (len == 5 && !strncmp(name, "numpy", 5))
        return &mod_numpy;
    return NULL;
}

static const module *submodule(const module *m, const char *name, size_t len)
{
    if (!m->submodules || !m->submodule_names)
        return NULL;
    for (int i = 0; m->submodules[i]; i++)
        if (strlen(m->submodule_names[i]) == len && !strncmp(m->submodule_names[i], name, len))
            return m->submodules[i];
    return NULL;
}

/* "numpy.random" -> mod_np_random; also gives the root module. */
static const module *resolve_module(const char *path, const module **root, td_err *err)
{
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    const module *m = root_module(path, len);
    if (root)
        *root = m;
    while (m && dot) {
        const char *part = dot + 1;
        dot = strchr(part, '.');
        len = dot ? (size_t)(dot - part) : strlen(part);
        m = submodule(m, part, len);
    }
    if (!m)
        td_err_set(err, TD_EMODULE, "No module named '%s' (the workbench has thunder and numpy)", path);
    return m;
}

static int run_import(interp *in, const ast *s, td_err *err)
{
    const module *root;
    const module *m = resolve_module(s->u.import.module, &root, err);
    if (!m)
        return -1;
    if (s->u.import.asname) {
        bind(in, s->u.import.asname, val_module(m));
    } else {
        /* `import numpy.random` binds numpy, as in Python */
        const char *dot = strchr(s->u.import.module, '.');
        size_t len = dot ? (size_t)(dot - s->u.import.module) : strlen(s->u.import.module);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)len, s->u.import.module);
        bind(in, name, val_module(root));
    }
    return 0;
}

static int run_from_import(interp *in, const ast *s, td_err *err)
{
    const module *m = resolve_module(s->u.from_import.module, NULL, err);
    if (!m)
        return -1;
    pending p = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < s->u.from_import.n; i++) {
        const char *name = s->u.from_import.names[i];
        const char *as =
            s->u.from_import.asnames && s->u.from_import.asnames[i] ? s->u.from_import.asnames[i] : name;
        if (!strcmp(name, "*")) {
            if (m->submodules)
                for (int k = 0; m->submodules[k]; k++)
                    pending_add(&p, m->submodule_names[k], val_module(m->submodules[k]));
            for (size_t k = 0; m->table && k < m->table->n; k++)
                if (m->table->funcs[k].name && !(m->table->funcs[k].flags & REG_PROPERTY))
                    pending_add(&p, m->table->funcs[k].name, val_builtin(&m->table->funcs[k]));
            continue;
        }
        const module *sub = submodule(m, name, strlen(name));
        if (sub) {
            pending_add(&p, as, val_module(sub));
            continue;
        }
        value *modv = val_module(m);
        td_err e2;
        value *v = lang_getattr(in, modv, name, &e2);
        val_release(modv);
        if (!v) {
            rc = td_err_set(err, TD_EIMPORT, "cannot import name '%s' from '%s'", name, m->name);
            break;
        }
        pending_add(&p, as, v);
    }
    if (rc == 0)
        for (int i = 0; i < p.n; i++) {
            bind(in, p.names[i], p.vals[i]);
            p.vals[i] = NULL;
        }
    pending_free(&p);
    return rc;
}

static int run_stmt(interp *in, lang_unit *unit, const ast *s, bool echo, lang_ctx *cx, td_err *err)
{
    cx->in = in;
    cx->env = NULL;
    cx->unit = unit;
    cx->err_line = cx->err_col = 0;
    switch (s->kind) {
    case AST_EXPR_STMT: {
        value *v = lang_eval(cx, s->u.expr_stmt.value, err);
        if (agree(cx, v ? 0 : -1, err) < 0) {
            if (v)
                val_release(v);
            return -1;
        }
        int rc = 0;
        if (echo && v->kind != V_NONE) {
            strbuf sb = SB_INIT;
            rc = val_repr(&sb, v, err);
            if (rc == 0) {
                sb_addc(&sb, '\n');
                write_sb(in, 1, &sb);
            }
            sb_free(&sb);
        }
        val_release(v);
        return rc;
    }
    case AST_ASSIGN: return run_assign(in, cx, s, err);
    case AST_DEL: return agree(cx, run_del(in, cx, s, err), err);
    case AST_IMPORT: return agree(cx, run_import(in, s, err), err);
    case AST_FROM_IMPORT: return agree(cx, run_from_import(in, s, err), err);
    case AST_PASS: return agree(cx, 0, err);
    default: return agree(cx, td_err_set(err, TD_ESYNTAX, "not a statement"), err);
    }
}

/* Byte offset of a (line, col) position; col counts code points. */
static size_t offset_of(const char *src, size_t len, int first_line, int line, int col)
{
    size_t i = 0;
    for (int l = first_line; l < line && i < len; i++) {
        if (src[i] == '\n' || (src[i] == '\r' && (i + 1 >= len || src[i + 1] != '\n')))
            l++;
    }
    for (int c = 1; c < col && i < len; c++) {
        i++;
        while (i < len && ((unsigned char)src[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* The text of statement k: from its start to the next statement's, less
 * trailing blank and comment-only lines, whitespace and ';'. */
static void stmt_text(const char *src, size_t len, int first_line, const ast_program *prog, int k, size_t *b,
                      size_t *e)
{
    const ast *s = prog->stmts[k];
    *b = offset_of(src, len, first_line, s->line, s->col);
    *e = k + 1 < prog->n ? offset_of(src, len, first_line, prog->stmts[k + 1]->line, prog->stmts[k + 1]->col)
                         : len;
    for (;;) {
        while (*e > *b && strchr(" \t\r\n;", src[*e - 1]))
            (*e)--;
        /* the last line: drop it when it is only a comment */
        size_t ls = *e;
        while (ls > *b && src[ls - 1] != '\n')
            ls--;
        size_t first = ls;
        while (first < *e && (src[first] == ' ' || src[first] == '\t'))
            first++;
        if (ls > *b && first < *e && src[first] == '#')
            *e = ls;
        else
            break;
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int interp_run(interp *in, const char *src, size_t len, const run_opts *opts, run_error *rerr)
{
    run_opts defaults = {.filename = "<string>", .first_line = 1};
    if (!opts)
        opts = &defaults;
    run_error local;
    if (!rerr)
        rerr = &local;
    memset(rerr, 0, sizeof *rerr);
    int first_line = opts->first_line > 0 ? opts->first_line : 1;

    ast_arena *arena = ast_arena_new();
    if (!arena) {
        td_err_set(&rerr->err, TD_EMEMORY, "out of memory");
        return -1;
    }
    ast_program prog;
    parse_pos pos = {0, 0};
    if (parse_program(src, len, first_line, arena, &prog, &pos, &rerr->err) < 0) {
        rerr->line = pos.line;
        rerr->col = pos.col;
        ast_arena_free(arena);
        return -1;
    }
    lang_unit *unit = lang_unit_new(arena);
    int rc = 0;
    for (int k = 0; k < prog.n; k++) {
        const ast *s = prog.stmts[k];
        lang_ctx cx;
        if (td_cancelled()) {
            td_err_set(&rerr->err, TD_ECANCEL, "interrupted");
            if (dist_on()) { /* the others run this statement: end it with them */
                int l = 0, c = 0;
                dist_agree(-1, &rerr->err, &l, &c);
            }
            rerr->line = s->line;
            rerr->col = s->col;
            rc = -1;
            break;
        }
        double t0 = opts->timing ? now_seconds() : 0;
        td_err_clear(&rerr->err);
        int r = run_stmt(in, unit, s, opts->echo, &cx, &rerr->err);
        if (opts->timing) {
            char buf[64];
            int n = snprintf(buf, sizeof buf, "line %d: %.3f s\n", s->line, now_seconds() - t0);
            interp_write(in, 2, buf, (size_t)n);
        }
        if (r < 0) {
            if (rerr->err.kind == TD_OK)
                td_err_set(&rerr->err, TD_ERUNTIME, "failed");
            rerr->line = cx.err_line ? cx.err_line : s->line;
            rerr->col = cx.err_line ? cx.err_col : s->col;
            rc = -1;
            break;
        }
        if (opts->on_success) {
            size_t b, e;
            stmt_text(src, len, first_line, &prog, k, &b, &e);
            opts->on_success(src + b, e - b, opts->user);
        }
    }
    lang_unit_release(unit);
    return rc;
}

/* --- help() and vars() ------------------------------------------------------------------------ */

static const char *table_title(const reg_table *t)
{
    return t ? t->owner : "";
}

static void help_func(strbuf *sb, const reg_func *f, bool qualified)
{
    const reg_table *t = reg_table_of(f);
    if (qualified && t && t != &reg_builtins && t != &reg_ui)
        sb_addf(sb, "%s.", t->owner);
    reg_signature(sb, f);
    if (f->flags & REG_PROPERTY)
        sb_add(sb, "  (property)");
    sb_addc(sb, '\n');
    if (f->doc && *f->doc)
        sb_addf(sb, "    %s\n", f->doc);
}

static void help_table(strbuf *sb, const reg_table *t, const char *title)
{
    sb_addf(sb, "%s:\n", title);
    for (size_t i = 0; i < t->n; i++) {
        if (!t->funcs[i].name)
            continue;
        sb_add(sb, "  ");
        reg_signature(sb, &t->funcs[i]);
        if (t->funcs[i].flags & REG_PROPERTY)
            sb_add(sb, "  (property)");
        sb_addc(sb, '\n');
        if (t->funcs[i].doc && *t->funcs[i].doc)
            sb_addf(sb, "      %s\n", t->funcs[i].doc);
    }
}

static void help_module(strbuf *sb, const module *m)
{
    const char *title = m->table && m->table->owner ? m->table->owner : m->name;
    if (m->submodules && m->submodule_names && m->submodules[0]) {
        sb_addf(sb, "%s (module %s) has submodules:", title, m->name);
        for (int i = 0; m->submodules[i]; i++)
            sb_addf(sb, " %s.%s", title, m->submodule_names[i]);
        sb_addc(sb, '\n');
    }
    if (m->table && m->table->n) {
        help_table(sb, m->table, title);
    } else if (!m->submodules) {
        sb_addf(sb, "%s: no functions\n", title);
    }
}

static void help_overview(strbuf *sb)
{
    sb_add(sb, "Namespaces (help(NAME) lists the functions of one):\n");
    for (size_t i = 0; i < NPREDEFINED; i++) {
        const module *m = predefined[i].mod;
        sb_addf(sb, "  %-8s module %s", predefined[i].name, m->name);
        if (m->table && m->table->n)
            sb_addf(sb, ", %zu functions", m->table->n);
        if (m->submodule_names && m->submodule_names[0]) {
            sb_add(sb, ", submodules");
            for (int k = 0; m->submodule_names[k]; k++)
                sb_addf(sb, " %s", m->submodule_names[k]);
        }
        sb_addc(sb, '\n');
    }
    sb_add(sb, "Builtins:");
    for (size_t i = 0; i < reg_builtins.n; i++)
        if (reg_builtins.funcs[i].name)
            sb_addf(sb, " %s", reg_builtins.funcs[i].name);
    sb_add(sb, "\nWorkbench:");
    for (size_t i = 0; i < reg_ui.n; i++)
        sb_addf(sb, " %s", reg_ui.funcs[i].name);
    sb_add(sb, "\nMethods: help(x) lists the methods of an Images, Series or ndarray value x;\n"
               "help(x.method) shows one. vars() lists the workspace.\n");
}

static void help_lambda(strbuf *sb, const struct lambda *fn)
{
    const ast *node = fn->node;
    sb_add(sb, "<lambda>(");
    for (int i = 0; i < node->u.lambda.nparams; i++) {
        if (i)
            sb_add(sb, ", ");
        sb_add(sb, node->u.lambda.params[i]);
        if (fn->defaults && fn->defaults[i]) {
            td_err e;
            sb_addc(sb, '=');
            val_repr(sb, fn->defaults[i], &e);
        }
    }
    sb_add(sb, ")\n");
}

void lang_help(interp *in, value *v)
{
    strbuf sb = SB_INIT;
    if (!v || v->kind == V_NONE) {
        help_overview(&sb);
    } else {
        switch (v->kind) {
        case V_BUILTIN: help_func(&sb, v->u.builtin, true); break;
        case V_METHOD: help_func(&sb, v->u.method.fn, true); break;
        case V_MODULE: help_module(&sb, v->u.mod); break;
        case V_FUNC: help_lambda(&sb, v->u.fn); break;
        case V_STR: {
            /* help('np.mean'), help('Images'): look the text up */
            const char *s = v->u.str.s;
            bool done = false;
            for (int i = 0; reg_all_tables[i] && !done; i++) {
                const reg_table *t = reg_all_tables[i];
                size_t ol = strlen(t->owner);
                if (!strcmp(s, t->owner)) {
                    help_table(&sb, t, t->owner);
                    done = true;
                } else if (!strncmp(s, t->owner, ol) && s[ol] == '.' && reg_find(t, s + ol + 1)) {
                    help_func(&sb, reg_find(t, s + ol + 1), true);
                    done = true;
                }
            }
            if (!done) {
                const reg_func *f = reg_find(&reg_builtins, s);
                if (!f)
                    f = reg_find(&reg_ui, s);
                if (f)
                    help_func(&sb, f, true);
                else
                    sb_addf(&sb, "No documentation found for '%s'.\n", s);
            }
            break;
        }
        default: {
            const reg_table *t = reg_methods_of(v);
            if (t) {
                char title[64];
                snprintf(title, sizeof title, "%s methods", table_title(t));
                help_table(&sb, t, title);
            } else {
                sb_addf(&sb, "%s: a value without methods in the workbench.\n", val_type_name(v));
            }
        }
        }
    }
    write_sb(in, 1, &sb);
    sb_free(&sb);
}

static void summary(strbuf *sb, const value *v)
{
    char buf[512];
    td_err e;
    switch (v->kind) {
    case V_ARRAY:
        if (v->u.arr.scalar) {
            val_repr(sb, v, &e);
        } else {
            sb_addf(sb, "shape %s, %s", nd_shape_str(v->u.arr.a->ndim, v->u.arr.a->shape, buf, sizeof buf),
                    td_dtype_name(v->u.arr.a->dtype));
        }
        return;
    case V_IMAGES:
    case V_SERIES: {
        int ndim;
        const int64_t *dims;
        dist_shape(v, &ndim, &dims);
        sb_addf(sb, "shape %s, %s", nd_shape_str(ndim, dims, buf, sizeof buf), td_dtype_name(data_dtype(v->u.data)));
        return;
    }
    case V_LIST:
    case V_TUPLE: sb_addf(sb, "%lld items", (long long)v->u.seq.n); return;
    case V_FUNC:
        help_lambda(sb, v->u.fn);
        sb_truncate(sb, sb->len - 1);
        return;
    case V_MODULE: sb_add(sb, v->u.mod->name); return;
    default: {
        size_t start = sb->len;
        val_repr(sb, v, &e);
        if (sb->len - start > 60) {
            sb_truncate(sb, start + 57);
            sb_add(sb, "...");
        }
        return;
    }
    }
}

void lang_vars(interp *in)
{
    strbuf sb = SB_INIT;
    if (in->nvars == 0) {
        sb_add(&sb, "(the workspace is empty)\n");
    } else {
        int wn = 4, wt = 4;
        for (int i = 0; i < in->nvars; i++) {
            int n = (int)strlen(in->vars[i].name), t = (int)strlen(val_type_name(in->vars[i].v));
            wn = n > wn ? n : wn;
            wt = t > wt ? t : wt;
        }
        for (int i = 0; i < in->nvars; i++) {
            sb_addf(&sb, "%-*s  %-*s  ", wn, in->vars[i].name, wt, val_type_name(in->vars[i].v));
            summary(&sb, in->vars[i].v);
            sb_addc(&sb, '\n');
        }
    }
    write_sb(in, 1, &sb);
    sb_free(&sb);
}

/* Completion candidates. */
#include "config.h"

#include "complete.h"

#include <stdlib.h>
#include <string.h>

#include "m_ui.h"
#include "registry.h"

typedef struct clist {
    char **v;
    int n, cap;
    const char *prefix;
    size_t plen;
} clist;

/* Adds name + suffix when it starts with the word being completed. */
static void add(clist *c, const char *name, const char *suffix)
{
    if (!name || strncmp(name, c->prefix, c->plen) != 0)
        return;
    if (c->n + 2 > c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        char **v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v)
            return;
        c->v = v;
        c->cap = cap;
    }
    size_t a = strlen(name), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (!s)
        return;
    memcpy(s, name, a);
    memcpy(s + a, suffix, b + 1);
    c->v[c->n++] = s;
}

static void add_table(clist *c, const reg_table *t)
{
    for (size_t i = 0; t && i < t->n; i++)
        add(c, t->funcs[i].name, "");
}

/* The names every session starts with (as the interpreter predefines them). */
static const struct {
    const char *name;
    const module *mod;
} predefined[] = {
    {"td", &mod_thunder},
    {"images", &mod_td_images},
    {"series", &mod_td_series},
    {"np", &mod_numpy},
};

static const char *const keywords[] = {"lambda", "None", "True", "False", "import", "from", "as",
                                       "del",    "pass", "not",  "and",   "or",     "in",   "is"};

static bool ident_char(char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* What a dotted name refers to, as far as completion can tell without
 * running anything: a module or a workspace value. */
typedef struct target {
    const module *mod;
    const value *val;
} target;

static const module *submodule(const module *m, const char *name, size_t n)
{
    for (int i = 0; m->submodules && m->submodule_names && m->submodules[i]; i++)
        if (strlen(m->submodule_names[i]) == n && !strncmp(m->submodule_names[i], name, n))
            return m->submodules[i];
    return NULL;
}

static bool resolve(const interp *in, const char *s, size_t len, target *t)
{
    t->mod = NULL;
    t->val = NULL;
    size_t i = 0;
    while (i < len && ident_char(s[i]))
        i++;
    if (i == 0 || i >= 64 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    char name[64];
    memcpy(name, s, i);
    name[i] = '\0';
    const value *v = interp_lookup(in, name);
    if (v) {
        if (v->kind == V_MODULE)
            t->mod = v->u.mod;
        else
            t->val = v;
    } else {
        for (size_t k = 0; k < sizeof predefined / sizeof *predefined; k++)
            if (!strcmp(predefined[k].name, name))
                t->mod = predefined[k].mod;
        if (!t->mod)
            return false;
    }
    while (i < len) {
        if (s[i] != '.' || !t->mod)
            return false; /* attributes of values are not evaluated here */
        size_t b = ++i;
        while (i < len && ident_char(s[i]))
            i++;
        t->mod = submodule(t->mod, s + b, i - b);
        if (!t->mod)
            return false;
    }
    return true;
}

/* Start of the dotted name that ends at end (exclusive), or -1. */
static int chain_start(const char *line, int end)
{
    int q = end;
    while (q > 0 && (ident_char(line[q - 1]) || line[q - 1] == '.'))
        q--;
    if (q == end || line[q] == '.' || (q > 0 && (line[q - 1] == ')' || line[q - 1] == ']')))
        return -1;
    return q;
}

/* Position of the innermost bracket still open before end, or -1; strings
 * and comments are skipped. */
static int open_paren(const char *line, int end)
{
    int stack[256], depth = 0;
    char quote = 0;
    for (int i = 0; i < end; i++) {
        char ch = line[i];
        if (quote) {
            if (ch == '\\')
                i++;
            else if (ch == quote)
                quote = 0;
            continue;
        }
        if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '#') {
            while (i < end && line[i] != '\n')
                i++;
        } else if (ch == '(' || ch == '[' || ch == '{') {
            if (depth < 256)
                stack[depth] = i;
            depth++;
        } else if ((ch == ')' || ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    if (depth == 0 || depth > 256)
        return -1;
    int p = stack[depth - 1];
    return line[p] == '(' ? p : -1;
}

/* The registry function called by the text before '(' at paren. */
static const reg_func *callee(const interp *in, const char *line, int paren)
{
    int e = paren;
    while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t'))
        e--;
    int b = chain_start(line, e);
    if (b < 0)
        return NULL;
    int dot = e;
    while (dot > b && line[dot - 1] != '.')
        dot--;
    const char *name = line + dot;
    size_t n = (size_t)(e - dot);
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return NULL;
    memcpy(buf, name, n);
    buf[n] = '\0';
    if (dot == b) {
        const value *v = interp_lookup(in, buf);
        if (v && v->kind == V_BUILTIN)
            return v->u.builtin;
        if (v && v->kind == V_METHOD)
            return v->u.method.fn;
        if (v)
            return NULL;
        const reg_func *f = reg_find(&reg_builtins, buf);
        return f ? f : reg_find(&reg_ui, buf);
    }
    target t;
    if (!resolve(in, line + b, (size_t)(dot - 1 - b), &t))
        return NULL;
    if (t.mod)
        return t.mod->table ? reg_find(t.mod->table, buf) : NULL;
    const reg_table *tab = reg_methods_of(t.val);
    return tab ? reg_find(tab, buf) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **compl_candidates(const interp *in, const char *line, int start, int end)
{
    clist c = {NULL, 0, 0, line + start, (size_t)(end - start)};
    if (start > 0 && line[start - 1] == '.') {
        int b = chain_start(line, start - 1);
        target t;
        if (b < 0 || !resolve(in, line + b, (size_t)(start - 1 - b), &t))
            return NULL;
        if (t.mod) {
            for (int i = 0; t.mod->submodule_names && t.mod->submodule_names[i]; i++)
                add(&c, t.mod->submodule_names[i], "");
            add_table(&c, t.mod->table);
        } else {
            add_table(&c, reg_methods_of(t.val));
        }
    } else {
        int paren = open_paren(line, start);
        const reg_func *f = paren >= 0 ? callee(in, line, paren) : NULL;
        if (f && !(f->flags & REG_PROPERTY))
            for (int i = 0; i < REG_MAXPARAMS && f->params[i].name; i++)
                if (f->params[i].name[0] != '*')
                    add(&c, f->params[i].name, "=");
        for (int i = 0; i < interp_nvars(in); i++)
            add(&c, interp_var_name(in, i), "");
        for (size_t k = 0; k < sizeof predefined / sizeof *predefined; k++)
            add(&c, predefined[k].name, "");
        add_table(&c, &reg_builtins);
        add_table(&c, &reg_ui);
        for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
            add(&c, keywords[k], "");
    }
    if (c.n == 0) {
        free(c.v);
        return NULL;
    }
    qsort(c.v, (size_t)c.n, sizeof *c.v, cmp_str);
    int w = 1;
    for (int r = 1; r < c.n; r++) {
        if (strcmp(c.v[r], c.v[w - 1]) != 0)
            c.v[w++] = c.v[r];
        else
            free(c.v[r]);
    }
    c.v[w] = NULL;
    return c.v;
}

void compl_free(char **cands)
{
    for (int i = 0; cands && cands[i]; i++)
        free(cands[i]);
    free(cands);
}

/* The method registry: every function and method the language can call is
 * one table entry (name, parameters with defaults, one-line doc, C
 * function). Argument binding and checking, Python-style errors with a
 * did-you-mean, help(), tab completion and docs/reference.md all read
 * these tables. */
#ifndef THUNDER_REGISTRY_H
#define THUNDER_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

struct interp;

/* What an argument must be; the registry converts or refuses before the C
 * function runs, so functions read args without re-checking. */
typedef enum ptype {
    PT_ANY,      /* any value, unconverted */
    PT_INT,      /* int (bool and integer numpy scalars accepted) -> V_INT */
    PT_NUMBER,   /* int or float -> V_INT or V_FLOAT */
    PT_BOOL,     /* any value, by truthiness -> V_BOOL */
    PT_STR,      /* str */
    PT_CALLABLE, /* lambda, builtin, method, dtype */
    PT_ARRAY,    /* array-like -> V_ARRAY (np.asarray) */
    PT_SHAPE,    /* int or sequence of ints -> V_TUPLE of V_INT */
    PT_NUMS,     /* number or sequence of numbers -> V_INT / V_FLOAT / V_TUPLE of them */
    PT_DTYPE,    /* dtype object, type (float, int, bool) or dtype name -> V_DTYPE */
    PT_IMAGES,
    PT_SERIES,
    PT_DATA /* Images or Series */
} ptype;

#define REG_MAXPARAMS 16

typedef struct reg_param {
    const char *name;
    ptype type;
    /* The default as Python source ("2", "None", "'tif'", "(10, 50, 50)"),
     * or NULL when the argument is required. A parameter whose default is
     * "None" also accepts None whatever its type. */
    const char *def;
} reg_param;

/* The bound arguments of one call: self (NULL for plain functions) and
 * one value per declared parameter, defaults filled in, in table order. */
typedef struct call_args {
    struct interp *in;
    value *self;
    value **v;
    int n;
    const struct reg_func *fn;
} call_args;

typedef value *(*reg_fn)(call_args *a, td_err *err);

enum {
    /* Extra positionals are packed into a tuple: into the parameter whose
     * name starts with '*' ("*values"), or else the last parameter. The
     * parameters after it can only be given by keyword (print's sep, end). */
    REG_VARARGS = 1 << 0,
    REG_PROPERTY = 1 << 1, /* an attribute computed on access (shape, dtype, T): no call */
    /* Without REG_VARARGS: the parameters that have a default can only be
     * given by keyword (numpy's `*, axis=None`). */
    REG_KWONLY_REST = 1 << 2,
    /* The first parameter is the path of a file or directory the function
     * writes or replaces (see reg_confine_writes). */
    REG_WRITES = 1 << 3
};

typedef struct reg_func {
    const char *name;
    reg_fn fn;
    const char *doc; /* one line */
    unsigned flags;
    reg_param params[REG_MAXPARAMS]; /* ends at the first entry with name NULL */
} reg_func;

/* A table of functions: the methods of one type, or one namespace. */
typedef struct reg_table {
    const char *owner; /* "Images", "Series", "ndarray", "np", "td.images", "builtins", ... */
    const reg_func *funcs;
    size_t n;
} reg_table;

/* A namespace the language can name: td, td.images, np, np.random. */
typedef struct module {
    const char *name;                       /* as imported: "thunder", "numpy" */
    const reg_table *table;                 /* its functions */
    const struct module *const *submodules; /* NULL-terminated, or NULL */
    const char *const *submodule_names;     /* attribute names of the submodules */
} module;

/* Shorthand for writing the tables: P(name, type, default) is one
 * parameter, END closes the list. */
#define REG_TABLE_MACROS
#define P(name, type, def)                                                                                   \
    {                                                                                                        \
        name, type, def                                                                                      \
    }
#define END                                                                                                  \
    {                                                                                                        \
        0                                                                                                    \
    }

const reg_func *reg_find(const reg_table *t, const char *name);
/* The closest name in t to `name` (edit distance), or NULL. */
const char *reg_suggest(const reg_table *t, const char *name);

/* Binds positional and keyword arguments to fn's parameters, converting
 * each by its ptype. Errors read like Python's:
 *   gaussian_filter() got an unexpected keyword argument 'sigmaa' (did you mean 'sigma'?)
 *   fromtif() missing 1 required positional argument: 'path'
 *   subsample() argument 'factor' must be int or tuple of ints, not str */
int reg_bind(struct interp *in, const reg_func *fn, value *self, int nargs, value **args, int nkw,
             const char **kwnames, value **kwvals, call_args *out, td_err *err);
void reg_unbind(call_args *a);

/* Calls fn with already-bound arguments. */
value *reg_call(call_args *a, td_err *err);

/* Confines every REG_WRITES function to relative paths without a ".."
 * component: the working directory and below. Off by default; the fuzzing
 * harness turns it on (process-wide) and runs each script in a scratch
 * directory, so that what a script invents cannot write anywhere else. */
void reg_confine_writes(bool on);

/* "gaussian_filter(sigma=2, order=0)" into sb. */
struct strbuf;
void reg_signature(struct strbuf *sb, const reg_func *fn);

/* The tables, defined in the m_*.c files. */
extern const reg_table reg_images, reg_series, reg_blocks, reg_ndarray, reg_np, reg_np_random, reg_td,
    reg_td_images, reg_td_series, reg_builtins, reg_ui; /* the workbench's functions (m_ui.c) */
extern const module mod_thunder, mod_td_images, mod_td_series, mod_numpy, mod_np_random;

/* The methods of a value's type, or NULL. */
const reg_table *reg_methods_of(const value *v);

/* Every table, for help(), completion and the generated reference; ends with NULL. */
extern const reg_table *const reg_all_tables[];

#endif

/* Runtime values of the workbench language.
 *
 * Ownership: a function returning value* gives the caller one reference
 * (val_release); arguments are borrowed; values never change after they
 * are built, and reference counts are atomic, so threads running a lambda
 * over records in parallel may share them. */
#ifndef THUNDER_VALUE_H
#define THUNDER_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thunder.h"

typedef enum vkind {
    V_NONE,
    V_BOOL,
    V_INT,
    V_FLOAT,
    V_STR,
    V_LIST,
    V_TUPLE,
    V_SLICE,
    V_ARRAY, /* ndarray; u.arr.scalar marks a numpy scalar (np.float64(1.5)) */
    V_IMAGES,
    V_SERIES,
    V_BLOCKS,
    V_FUNC,    /* a lambda */
    V_BUILTIN, /* a registry function not bound to a value */
    V_METHOD,  /* a registry function bound to self */
    V_MODULE,
    V_DTYPE /* np.float64, 'int16' as a dtype object; callable */
} vkind;

struct reg_func;
struct module;
struct lambda;
struct blocks;

typedef struct value value;
struct value {
    int refcount; /* atomic */
    vkind kind;
    /* Images/Series in distributed mode: which records u.data holds;
     * Blocks: which blocks (app/dist.h). NULL for local values and every
     * other kind. */
    struct dpart *part;
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            char *s;
            size_t len;
        } str; /* NUL-terminated too */
        struct {
            value **items;
            int64_t n;
        } seq; /* V_LIST, V_TUPLE */
        struct {
            value *start, *stop, *step;
        } slice; /* each V_NONE or V_INT */
        struct {
            nd_array *a;
            bool scalar;
        } arr;
        td_data *data; /* V_IMAGES, V_SERIES */
        struct blocks *blocks;
        struct lambda *fn;
        const struct reg_func *builtin;
        struct {
            value *self;
            const struct reg_func *fn;
        } method;
        const struct module *mod;
        td_dtype dtype;
    } u;
};

/* Constructors. Singletons (None, True, False) are shared. Constructors
 * that allocate abort the program on out-of-memory (app code only). */
value *val_none(void);
value *val_bool(bool b);
value *val_int(int64_t i);
value *val_float(double f);
value *val_str(const char *s, size_t len);
value *val_cstr(const char *s);
/* Takes over the references in items (an array of n, copied). */
value *val_list(value **items, int64_t n);
value *val_tuple(value **items, int64_t n);
value *val_slice(value *start, value *stop, value *step);
/* Takes over the reference to a. */
value *val_array(nd_array *a);
value *val_npscalar(nd_array *a); /* a 0-d array shown as a numpy scalar */
value *val_data(td_data *d);      /* V_IMAGES or V_SERIES from d->kind */
/* Takes over d and part (distributed mode, app/dist.h). */
value *val_data_part(td_data *d, struct dpart *part);
value *val_builtin(const struct reg_func *f);
value *val_method(value *self, const struct reg_func *f); /* retains self */
value *val_module(const struct module *m);
value *val_dtype(td_dtype t);
/* Takes over the reference to b. */
value *val_blocks(struct blocks *b);
/* Takes over a malloc'd, NUL-terminated string of len bytes. */
value *val_str_own(char *s, size_t len);
/* Takes over fn (the interpreter builds lambdas). */
value *val_func(struct lambda *fn);

/* Provided by the Blocks implementation, which owns struct blocks. */
void blocks_release(struct blocks *b);
struct strbuf;
int blocks_repr(struct strbuf *sb, const value *v, td_err *err);

value *val_retain(value *v);
void val_release(value *v);

/* Python's type name: "int", "str", "ndarray", "Images", "function", ... */
const char *val_type_name(const value *v);
/* Python truthiness; arrays of more than one element are an error, as numpy. */
int val_truth(const value *v, bool *out, td_err *err);

/* Conversions used by argument checking: succeed for the Python types and
 * for 0-d / one-element integer or float arrays, as numpy's scalars do. */
bool val_is_number(const value *v);
int val_to_int(const value *v, int64_t *out, td_err *err);
int val_to_double(const value *v, double *out, td_err *err);

/* np.asarray(v): numbers, bools, nested lists/tuples of numbers, arrays. */
nd_array *val_to_array(const value *v, td_err *err);

/* repr(v) and str(v) appended to sb (numpy's formatting for arrays). */
struct strbuf;
int val_repr(struct strbuf *sb, const value *v, td_err *err);
int val_str_of(struct strbuf *sb, const value *v, td_err *err);

#endif

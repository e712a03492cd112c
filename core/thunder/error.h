/* Errors in libthunder: every fallible function returns -1 or NULL and fills
 * a caller-provided td_err; nothing in the library prints or exits. */
#ifndef THUNDER_ERROR_H
#define THUNDER_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds follow Python's exception names, which the workbench shows. */
typedef enum td_errkind {
    TD_OK = 0,
    TD_EVALUE,    /* ValueError */
    TD_ETYPE,     /* TypeError */
    TD_EINDEX,    /* IndexError */
    TD_EKEY,      /* KeyError */
    TD_EMEMORY,   /* MemoryError: allocation failed or over the memory budget */
    TD_EIO,       /* OSError: a file could not be read or written */
    TD_ENOTFOUND, /* FileNotFoundError */
    TD_EZERODIV,  /* ZeroDivisionError */
    TD_EOVERFLOW, /* OverflowError */
    TD_ECANCEL,   /* KeyboardInterrupt: the work was cancelled */
    TD_ENAME,     /* NameError (used by the language) */
    TD_ESYNTAX,   /* SyntaxError (used by the language) */
    TD_ERUNTIME,  /* RuntimeError: limits such as recursion depth */
    TD_EATTR,     /* AttributeError */
    TD_EIMPORT,   /* ImportError (used by the language) */
    TD_EMODULE    /* ModuleNotFoundError (used by the language) */
} td_errkind;

#define TD_ERRMSG_MAX 512

typedef struct td_err {
    td_errkind kind;
    char msg[TD_ERRMSG_MAX];
} td_err;

/* Fills err (which may be NULL) and returns -1, so callers can write
 * `return td_err_set(err, TD_EVALUE, "...")`. */
int td_err_set(td_err *err, td_errkind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int td_err_vset(td_err *err, td_errkind kind, const char *fmt, va_list ap);

/* Clears err to TD_OK with an empty message. */
void td_err_clear(td_err *err);

/* Prepends "prefix: " to the message already in err (e.g. a file name). */
void td_err_prefix(td_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Python's name for the kind, e.g. "ValueError". */
const char *td_errkind_name(td_errkind kind);

#ifdef __cplusplus
}
#endif
#endif

/* The interpreter: one entry point for typed lines, scripts and replays. */
#ifndef THUNDER_INTERP_H
#define THUNDER_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "value.h"

typedef struct interp interp;

/* Where output goes: stream 1 is normal output, 2 is errors. The batch
 * driver writes to stdout/stderr; the workbench draws into its panes.
 * May be called from worker threads (print inside a lambda): the
 * interpreter serialises the calls. */
typedef void (*interp_output_fn)(int stream, const char *text, size_t len, void *user);

interp *interp_new(void);
void interp_free(interp *in);
void interp_set_output(interp *in, interp_output_fn fn, void *user);

typedef struct run_opts {
    const char *filename; /* for messages: "script.py", "<stdin>", "<string>", "<input>" */
    int first_line;       /* line number of src's first line (1 normally) */
    bool echo;            /* bare expressions print their repr (interactive / batch) */
    bool timing;          /* print "line N: 0.123 s" per statement on stream 2 */
    /* Called after each statement that ran successfully with its source
     * text, e.g. to append it to the session's history script. */
    void (*on_success)(const char *stmt_src, size_t len, void *user);
    void *user;
} run_opts;

/* Where a failed run stopped. */
typedef struct run_error {
    int line, col; /* 1-based; 0 when unknown */
    td_err err;    /* kind and message, e.g. TD_EVALUE, "could not broadcast ..." */
} run_error;

/* Parses src and runs its statements in order. A statement that fails
 * leaves the workspace as it was before that statement (nothing is half
 * assigned); the statements before it have run. Returns 0, or -1 with
 * *rerr filled. */
int interp_run(interp *in, const char *src, size_t len, const run_opts *opts, run_error *rerr);

/* Calls a callable value (lambda or builtin) with positional arguments;
 * thread-safe for lambdas (registry functions use it for map/filter). */
value *interp_call(interp *in, value *fn, int nargs, value **args, td_err *err);

/* The workspace: named variables in the order they were first assigned. */
int interp_nvars(const interp *in);
const char *interp_var_name(const interp *in, int i);
value *interp_var_value(const interp *in, int i);         /* borrowed */
value *interp_lookup(const interp *in, const char *name); /* borrowed, or NULL */

/* Writes text to the interpreter's output (thread-safe). */
void interp_write(interp *in, int stream, const char *text, size_t len);

#endif

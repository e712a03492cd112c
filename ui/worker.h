/* The thread that runs commands, so that the screen stays live: output,
 * progress and Ctrl-C reach the user while a command computes.
 *
 * Only the worker touches the interpreter while a command runs; it reports
 * through a queue of events that the main loop takes after each wake-up
 * (tty_wake). The workspace reaches the main thread as snapshots. */
#ifndef THUNDER_UI_WORKER_H
#define THUNDER_UI_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "interp.h"
#include "strbuf.h"
#include "view.h"

/* One variable as the workspace pane lists it. */
typedef struct ws_entry {
    char *name;
    const char *type;
    char *summary;     /* shape, length or the value itself */
    const char *dtype; /* "" when not an array */
    double bytes;      /* array data held; < 0 when not an array */
    value *v;          /* a reference, for previews */
} ws_entry;

typedef struct ws_snapshot {
    int n;
    ws_entry *e;
} ws_snapshot;

void ws_free(ws_snapshot *s);

typedef enum worker_job { JOB_SOURCE, JOB_FILE, JOB_VIEW } worker_job;

typedef enum worker_evkind {
    EV_OUTPUT,    /* text printed by the command (stream 1 or 2) */
    EV_ECHO,      /* run() is about to run text */
    EV_VIEW,      /* show() or stats() made a view */
    EV_WORKSPACE, /* the workspace after a statement */
    EV_QUIT,      /* quit() was called */
    EV_DONE       /* the job ended */
} worker_evkind;

typedef struct worker_event {
    worker_evkind kind;
    int stream;
    strbuf text;
    view *view;
    ws_snapshot *ws;
    worker_job job;
    int rc; /* EV_DONE: 0 or -1 with err, line, col */
    td_err err;
    int line, col;
    struct worker_event *next;
} worker_event;

int worker_start(interp *in);
/* Asks the (idle) worker to end and waits for it. */
void worker_stop(void);

/* Each starts one job; the caller waits for its EV_DONE before the next. */
void worker_run_source(const char *src, size_t len);
void worker_run_file(const char *path);
void worker_view(value *v, const char *name); /* previews v with show()'s defaults */

/* The queued events, oldest first; free each with worker_event_free. */
worker_event *worker_events(void);
void worker_event_free(worker_event *e);

/* Progress of the running operation (from the parallel driver). */
void worker_progress(int64_t *done, int64_t *total);

#endif

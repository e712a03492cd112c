/* The workbench's screen: panes and what they show. The main loop
 * (tui.c) owns one ui_state; pane.c and preview.c draw it. */
#ifndef THUNDER_UI_UI_H
#define THUNDER_UI_UI_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "view.h"
#include "worker.h"

/* A rectangle of the screen with a border (except the one-line panes),
 * redrawn only when dirty. */
typedef struct pane {
    int y, x, h, w;
    bool visible, dirty;
} pane;

typedef enum out_style { OUT_TEXT, OUT_ERROR, OUT_INPUT, OUT_INFO } out_style;

typedef struct out_line {
    char *s; /* sanitised */
    size_t len;
    out_style style;
} out_line;

/* The output pane's lines: a ring of the most recent ones. */
typedef struct outbuf {
    out_line *lines;
    int cap, first, n;
    bool open;  /* the last line has no newline yet */
    int col;    /* its width so far, for tabs */
    int scroll; /* screen rows scrolled back from the end */
} outbuf;

typedef struct ui_state {
    int rows, cols;
    pane ws, pv, out, status, cmd;
    bool zoom; /* the preview takes the whole top */

    outbuf out_buf;

    ws_snapshot *snap;
    int sel;    /* selected variable, or -1 */
    int ws_top; /* first variable shown */

    view *view; /* what the preview pane draws, or NULL */

    /* the running command, for the status line */
    bool busy, cancelling;
    worker_job job;
    char running[200];
    double t_start, t_end;
    int last_rc;
    td_errkind last_kind;
    bool ran_any;
    char note[200]; /* a one-off message in the status line */

    int cur_y, cur_x; /* where the cursor goes: the command line */
} ui_state;

/* --- output ---------------------------------------------------------------------- */
void out_init(outbuf *o, int cap);
void out_free(outbuf *o);
/* Appends text (any bytes; sanitised here) in a style; a line stays open
 * until a newline, and a change of style starts a new one. */
void out_add(outbuf *o, out_style style, const char *text, size_t len);
/* Ends the open line, if any. */
void out_end_line(outbuf *o);

/* --- panes ------------------------------------------------------------------------ */
/* Places the panes for rows x cols; marks all dirty. */
void pane_layout(ui_state *s);
void pane_draw_workspace(ui_state *s);
void pane_draw_output(ui_state *s);
void pane_draw_status(ui_state *s, double now, long long done, long long total);
/* Draws prompt + line with the cursor at byte point; sets s->cur_y/x. */
void pane_draw_cmd(ui_state *s, const char *prompt, const char *line, int point, bool busy);
void pane_draw_preview(ui_state *s);

/* Draws text (sanitised on the way) at (y, x) within maxcols columns;
 * returns the columns used. All text reaches the screen through here. */
int pane_put(int y, int x, int maxcols, const char *text, size_t len, attr_t attr);
int pane_puts(int y, int x, int maxcols, const char *text, attr_t attr);
/* The border and title of a pane, and its inside cleared. */
void pane_frame(const pane *p, const char *title, attr_t title_attr);

#endif

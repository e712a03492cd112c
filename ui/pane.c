/* Layout and drawing of the workspace, output, status and command panes. */
#include "config.h"

#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "tty.h"

/* --- drawing primitives ---------------------------------------------------------- */

int pane_put(int y, int x, int maxcols, const char *t, size_t len, attr_t attr)
{
    if (maxcols <= 0 || y < 0 || y >= LINES || x < 0 || x >= COLS)
        return 0;
    if (x + maxcols > COLS)
        maxcols = COLS - x;
    attron(attr);
    move(y, x);
    int used = 0;
    size_t i = 0;
    while (i < len) {
        int w;
        size_t n = text_char(t + i, len - i, &w);
        if (w < 0) {
            if (used + 1 > maxcols)
                break;
            addch('?');
            used++;
        } else {
            if (used + w > maxcols)
                break;
            /* a combining mark needs a character before it */
            if (w > 0 || used > 0)
                addnstr(t + i, (int)n);
            used += w;
        }
        i += n;
    }
    attroff(attr);
    return used;
}

int pane_puts(int y, int x, int maxcols, const char *t, attr_t attr)
{
    return pane_put(y, x, maxcols, t, strlen(t), attr);
}

static void fill(int y, int x, int w, attr_t attr)
{
    if (w > 0 && y >= 0 && y < LINES)
        mvhline(y, x, ' ' | attr, w);
}

void pane_frame(const pane *p, const char *title, attr_t title_attr)
{
    if (p->h < 2 || p->w < 4)
        return;
    attr_t b = tty_attr(ROLE_BORDER);
    for (int r = 1; r < p->h - 1; r++)
        fill(p->y + r, p->x + 1, p->w - 2, A_NORMAL);
    attron(b);
    mvhline(p->y, p->x + 1, ACS_HLINE, p->w - 2);
    mvhline(p->y + p->h - 1, p->x + 1, ACS_HLINE, p->w - 2);
    mvvline(p->y + 1, p->x, ACS_VLINE, p->h - 2);
    mvvline(p->y + 1, p->x + p->w - 1, ACS_VLINE, p->h - 2);
    mvaddch(p->y, p->x, ACS_ULCORNER);
    mvaddch(p->y, p->x + p->w - 1, ACS_URCORNER);
    mvaddch(p->y + p->h - 1, p->x, ACS_LLCORNER);
    mvaddch(p->y + p->h - 1, p->x + p->w - 1, ACS_LRCORNER);
    attroff(b);
    if (title && p->w > 6) {
        int used = pane_puts(p->y, p->x + 2, 1, " ", title_attr);
        used += pane_puts(p->y, p->x + 2 + used, p->w - 6, title, title_attr);
        pane_puts(p->y, p->x + 2 + used, 1, " ", title_attr);
    }
}

/* --- layout ----------------------------------------------------------------------- */

static void set(pane *p, int y, int x, int h, int w)
{
    p->y = y;
    p->x = x;
    p->h = h;
    p->w = w;
    p->visible = h > 0 && w > 0;
    p->dirty = true;
}

void pane_layout(ui_state *s)
{
    int rows = LINES, cols = COLS;
    s->rows = rows;
    s->cols = cols;
    set(&s->cmd, rows - 1, 0, rows >= 1 ? 1 : 0, cols);
    set(&s->status, rows - 2, 0, rows >= 2 ? 1 : 0, cols);
    int avail = rows - 2;
    if (avail >= 14 && cols >= 50) {
        int top = s->zoom ? avail * 2 / 3 : avail / 2;
        if (s->zoom) {
            set(&s->ws, 0, 0, 0, 0);
            set(&s->pv, 0, 0, top, cols);
        } else {
            int ww = cols * 9 / 20;
            ww = ww < 28 ? 28 : ww > 56 ? 56 : ww;
            set(&s->ws, 0, 0, top, ww);
            set(&s->pv, 0, ww, top, cols - ww);
        }
        set(&s->out, top, 0, avail - top, cols);
    } else {
        /* too small for three panes: the output alone */
        set(&s->ws, 0, 0, 0, 0);
        set(&s->pv, 0, 0, 0, 0);
        set(&s->out, 0, 0, avail >= 3 ? avail : 0, cols);
    }
}

/* --- the output buffer --------------------------------------------------------------- */

void out_init(outbuf *o, int cap)
{
    memset(o, 0, sizeof *o);
    o->lines = calloc((size_t)cap, sizeof *o->lines);
    o->cap = o->lines ? cap : 0;
}

void out_free(outbuf *o)
{
    for (int i = 0; i < o->n; i++)
        free(o->lines[(o->first + i) % o->cap].s);
    free(o->lines);
    memset(o, 0, sizeof *o);
}

static out_line *line_at(outbuf *o, int i)
{
    return &o->lines[(o->first + i) % o->cap];
}

static void push_line(outbuf *o, out_style style)
{
    if (o->n == o->cap) {
        free(line_at(o, 0)->s);
        o->first = (o->first + 1) % o->cap;
        o->n--;
    }
    out_line *l = line_at(o, o->n++);
    l->s = NULL;
    l->len = 0;
    l->style = style;
    o->open = true;
    o->col = 0;
}

void out_end_line(outbuf *o)
{
    o->open = false;
}

void out_add(outbuf *o, out_style style, const char *text, size_t len)
{
    if (o->cap == 0)
        return;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t seg = nl ? (size_t)(nl - (text + i)) : len - i;
        if (!o->open || line_at(o, o->n - 1)->style != style)
            push_line(o, style);
        size_t n = seg;
        /* a CR before the newline is a line ending from a file, not content */
        if (nl && n > 0 && text[i + n - 1] == '\r')
            n--;
        if (n > 0) {
            out_line *l = line_at(o, o->n - 1);
            strbuf sb = SB_INIT;
            if (l->s)
                sb_addn(&sb, l->s, l->len);
            text_sanitize(&sb, text + i, n, false, &o->col);
            free(l->s);
            l->len = sb.len;
            l->s = sb_steal(&sb);
        }
        i += seg;
        if (nl) {
            o->open = false;
            i++;
        }
    }
}

/* --- workspace ----------------------------------------------------------------------- */

static int imax(int a, int b)
{
    return a > b ? a : b;
}

void pane_draw_workspace(ui_state *s)
{
    pane *p = &s->ws;
    if (!p->visible || p->h < 3)
        return;
    pane_frame(p, "Workspace", tty_attr(ROLE_TITLE));
    int y0 = p->y + 1, x0 = p->x + 1, ih = p->h - 2, iw = p->w - 2;
    ws_snapshot *ws = s->snap;
    if (!ws || ws->n == 0) {
        pane_puts(y0, x0 + 1, iw - 1, "(empty)", tty_attr(ROLE_INFO));
        if (ih > 2)
            pane_puts(y0 + 2, x0 + 1, iw - 1, "x = ... adds a variable here.", tty_attr(ROLE_INFO));
        return;
    }
    bool details = s->sel >= 0 && s->sel < ws->n && ih >= 5;
    int list_h = details ? ih - 3 : ih;
    if (s->sel >= 0) {
        if (s->sel < s->ws_top)
            s->ws_top = s->sel;
        if (s->sel >= s->ws_top + list_h)
            s->ws_top = s->sel - list_h + 1;
    }
    if (s->ws_top > ws->n - list_h)
        s->ws_top = imax(0, ws->n - list_h);
    int nw = 4, tw = 4, sw = 5, dw = 5;
    for (int i = 0; i < ws->n; i++) {
        nw = imax(nw, text_width(ws->e[i].name, strlen(ws->e[i].name)));
        tw = imax(tw, (int)strlen(ws->e[i].type));
        sw = imax(sw, text_width(ws->e[i].summary, strlen(ws->e[i].summary)));
        dw = imax(dw, (int)strlen(ws->e[i].dtype));
    }
    nw = nw > 12 ? 12 : nw;
    tw = tw > 8 ? 8 : tw;
    int bw = 10;
    bool show_bytes = 1 + nw + 1 + tw + 1 + sw + 1 + dw + 1 + bw <= iw;
    bool show_dtype = 1 + nw + 1 + tw + 1 + sw + 1 + dw <= iw;
    for (int r = 0; r < list_h && s->ws_top + r < ws->n; r++) {
        int i = s->ws_top + r;
        const ws_entry *e = &ws->e[i];
        attr_t a = i == s->sel ? tty_attr(ROLE_SELECT) : A_NORMAL;
        int y = y0 + r, x = x0 + 1;
        if (i == s->sel)
            fill(y, x0, iw, a);
        pane_puts(y, x, nw, e->name, a | A_BOLD);
        x += nw + 1;
        pane_puts(y, x, tw, e->type, a);
        x += tw + 1;
        int right = x0 + iw;
        char bytes[32] = "";
        if (show_bytes && e->bytes >= 0) {
            view_format_bytes(bytes, sizeof bytes, e->bytes);
            pane_puts(y, right - bw, bw, bytes, a);
        }
        if (show_bytes)
            right -= bw + 1;
        if (show_dtype && e->dtype[0]) {
            pane_puts(y, right - dw, dw, e->dtype, a);
        }
        if (show_dtype)
            right -= dw + 1;
        pane_puts(y, x, right - x, e->summary, a);
    }
    if (details) {
        const ws_entry *e = &ws->e[s->sel];
        int y = y0 + ih - 3;
        attron(tty_attr(ROLE_BORDER));
        mvhline(y, x0, ACS_HLINE, iw);
        attroff(tty_attr(ROLE_BORDER));
        char line[256], bytes[32] = "";
        if (e->bytes >= 0)
            view_format_bytes(bytes, sizeof bytes, e->bytes);
        snprintf(line, sizeof line, "%s%s%s%s%s", e->type, e->dtype[0] ? " " : "", e->dtype,
                 bytes[0] ? ", " : "", bytes);
        int used = pane_puts(y + 1, x0 + 1, iw - 1, e->name, A_BOLD);
        used += pane_puts(y + 1, x0 + 1 + used, iw - 1 - used, ": ", A_NORMAL);
        pane_puts(y + 1, x0 + 1 + used, iw - 1 - used, line, A_NORMAL);
        pane_puts(y + 2, x0 + 1, iw - 1, e->summary, A_NORMAL);
    }
}

/* --- output -------------------------------------------------------------------------- */

/* Splits a line into screen rows of w columns: offsets into starts[], at
 * most max of them; returns how many rows the line takes. */
static int wrap(const out_line *l, int w, size_t *starts, int max)
{
    int n = 0;
    size_t off = 0;
    do {
        if (n < max)
            starts[n] = off;
        n++;
        size_t k = text_fit(l->s + off, l->len - off, w, NULL);
        if (k == 0 && off < l->len) {
            int cw;
            k = text_char(l->s + off, l->len - off, &cw);
        }
        off += k;
    } while (off < l->len);
    return n;
}

static attr_t style_attr(out_style st)
{
    switch (st) {
    case OUT_ERROR: return tty_attr(ROLE_ERROR);
    case OUT_INPUT: return tty_attr(ROLE_INPUT);
    case OUT_INFO: return tty_attr(ROLE_INFO);
    default: return A_NORMAL;
    }
}

void pane_draw_output(ui_state *s)
{
    pane *p = &s->out;
    if (!p->visible || p->h < 3)
        return;
    outbuf *o = &s->out_buf;
    int ih = p->h - 2, iw = p->w - 2;
    /* how far back one can scroll: every row of every line */
    long total = 0;
    size_t starts[1];
    for (int i = 0; i < o->n; i++) {
        const out_line *l = line_at(o, i);
        total += l->s ? wrap(l, iw, starts, 0) : 1;
    }
    long max_scroll = total > ih ? total - ih : 0;
    if (o->scroll > max_scroll)
        o->scroll = (int)max_scroll;
    if (o->scroll < 0)
        o->scroll = 0;
    char title[64];
    if (o->scroll)
        snprintf(title, sizeof title, "Output (%d rows back; PgDn)", o->scroll);
    else
        snprintf(title, sizeof title, "Output");
    pane_frame(p, title, tty_attr(ROLE_TITLE));
    int row = ih - 1, skip = o->scroll;
    size_t *st = malloc(sizeof(size_t) * (size_t)(ih + 1));
    if (!st)
        return;
    for (int i = o->n - 1; i >= 0 && row >= 0; i--) {
        const out_line *l = line_at(o, i);
        int nrows = l->s ? wrap(l, iw, st, 0) : 1;
        if (skip >= nrows) {
            skip -= nrows;
            continue;
        }
        /* the rows of this line that show, from the bottom */
        size_t *all = malloc(sizeof(size_t) * (size_t)nrows);
        if (!all)
            break;
        if (l->s)
            wrap(l, iw, all, nrows);
        else
            all[0] = 0;
        for (int k = nrows - 1 - skip; k >= 0 && row >= 0; k--, row--) {
            size_t b = all[k], e = k + 1 < nrows ? all[k + 1] : l->len;
            if (l->s)
                pane_put(p->y + 1 + row, p->x + 1, iw, l->s + b, e - b, style_attr(l->style));
        }
        skip = 0;
        free(all);
    }
    free(st);
}

/* --- status and command line ------------------------------------------------------------- */

void pane_draw_status(ui_state *s, double now, long long done, long long total)
{
    pane *p = &s->status;
    if (!p->visible)
        return;
    tty_role role = s->busy                                                      ? ROLE_STATUS_BUSY
                    : s->ran_any && s->last_rc < 0 && s->last_kind != TD_ECANCEL ? ROLE_STATUS_ERROR
                                                                                 : ROLE_STATUS;
    attr_t a = tty_attr(role);
    fill(p->y, 0, p->w, a);
    char left[240] = "", bar[48] = "", timing[64] = "";
    const char *hint;
    if (s->busy) {
        if (total > 0) {
            int pct = (int)(done * 100 / total);
            char cells[24];
            for (int i = 0; i < 20; i++)
                cells[i] = i < pct / 5 ? '#' : '-';
            cells[20] = '\0';
            snprintf(bar, sizeof bar, "[%s] %3d%%  ", cells, pct);
        }
        snprintf(timing, sizeof timing, "%.1f s  ", now - s->t_start);
        hint = s->cancelling ? "cancelling... " : "Ctrl-C cancels ";
        snprintf(left, sizeof left, " running: %s", s->running);
    } else {
        hint = "F1 help  Ctrl-D quit ";
        double dt = s->t_end - s->t_start;
        if (s->note[0])
            snprintf(left, sizeof left, " %s", s->note);
        else if (!s->ran_any)
            snprintf(left, sizeof left, " ready");
        else if (s->last_rc == 0)
            snprintf(left, sizeof left, " done in %.2f s", dt);
        else if (s->last_kind == TD_ECANCEL)
            snprintf(left, sizeof left, " cancelled after %.2f s", dt);
        else
            snprintf(left, sizeof left, " %s after %.2f s", td_errkind_name(s->last_kind), dt);
    }
    /* the right side matters more while busy (progress, time), the left
     * when idle (the result); what does not fit is left out, hint first */
    char right[200];
    int lw = text_width(left, strlen(left));
    int room = s->busy ? p->w - 12 : p->w - lw - 2;
    snprintf(right, sizeof right, "%s%s%s", bar, timing, hint);
    if ((int)strlen(right) > room)
        snprintf(right, sizeof right, "%s%s", bar, timing);
    if ((int)strlen(right) > room)
        snprintf(right, sizeof right, "%s", timing);
    if ((int)strlen(right) > room)
        right[0] = '\0';
    int rw = (int)strlen(right);
    pane_puts(p->y, 0, p->w - rw - 1, left, a);
    if (rw)
        pane_puts(p->y, p->w - rw, rw, right, a);
}

void pane_draw_cmd(ui_state *s, const char *prompt, const char *line, int point, bool busy)
{
    pane *p = &s->cmd;
    if (!p->visible)
        return;
    fill(p->y, 0, p->w, A_NORMAL);
    s->cur_y = p->y;
    s->cur_x = 0;
    if (busy) {
        pane_puts(p->y, 0, p->w, "(running: Ctrl-C cancels; what you type now waits)", tty_attr(ROLE_INFO));
        return;
    }
    int pw = pane_puts(p->y, 0, p->w - 2, prompt, tty_attr(ROLE_INPUT));
    int avail = p->w - pw - 1;
    size_t len = strlen(line);
    if (point < 0)
        point = 0;
    if ((size_t)point > len)
        point = (int)len;
    /* scroll sideways so that the cursor stays on screen */
    size_t start = 0;
    while (start < (size_t)point && text_width(line + start, (size_t)point - start) > avail - 1) {
        int w;
        start += text_char(line + start, len - start, &w);
    }
    pane_put(p->y, pw, avail, line + start, len - start, A_NORMAL);
    s->cur_x = pw + text_width(line + start, (size_t)point - start);
}

/* The preview pane: images in half blocks (two pixels per cell) with 256
 * colours, or an ASCII density ramp; curves in braille dots or ASCII;
 * statistics as text. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "tty.h"
#include "ui.h"

static const char ramp[] = " .:-=+*#%@";
#define RAMP_LEVELS ((int)sizeof ramp - 1)

/* The image resampled to oh x ow: box averages when shrinking, nearest
 * pixel when enlarging; NaN where no finite pixel falls. */
static double *resample(const nd_array *pix, int oh, int ow)
{
    int64_t h = pix->shape[0], w = pix->shape[1];
    const double *src = pix->data;
    double *out = malloc(sizeof(double) * (size_t)oh * (size_t)ow);
    if (!out)
        return NULL;
    for (int i = 0; i < oh; i++) {
        int64_t r0 = (int64_t)i * h / oh, r1 = (int64_t)(i + 1) * h / oh;
        if (r1 <= r0)
            r1 = r0 + 1;
        for (int j = 0; j < ow; j++) {
            int64_t c0 = (int64_t)j * w / ow, c1 = (int64_t)(j + 1) * w / ow;
            if (c1 <= c0)
                c1 = c0 + 1;
            double sum = 0;
            int64_t n = 0;
            for (int64_t r = r0; r < r1; r++)
                for (int64_t c = c0; c < c1; c++) {
                    double v = src[r * w + c];
                    if (isfinite(v)) {
                        sum += v;
                        n++;
                    }
                }
            out[(size_t)i * (size_t)ow + (size_t)j] = n ? sum / (double)n : NAN;
        }
    }
    return out;
}

/* The colour level of v in [lo, hi], or -1 for NaN. */
static int level(double v, double lo, double hi, int levels)
{
    if (isnan(v))
        return -1;
    double t = (v - lo) / (hi - lo);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    int k = (int)(t * (levels - 1) + 0.5);
    return k < 0 ? 0 : k >= levels ? levels - 1 : k;
}

static void draw_image(const view *v, int y0, int x0, int ih, int iw)
{
    char info[200];
    int64_t h = v->pix->shape[0], w = v->pix->shape[1];
    bool blocks = text_utf8() && tty_image_colors();
    snprintf(info, sizeof info, "%lldx%lld  [%.4g, %.4g] 1-99%%  %s", (long long)h, (long long)w, v->lo,
             v->hi, v->cmap == VIEW_VIRIDIS ? "viridis" : "gray");
    pane_puts(y0, x0, iw, info, tty_attr(ROLE_INFO));
    int rows = ih - 1, cols = iw;
    if (rows < 1 || cols < 1)
        return;
    /* a cell is about twice as tall as wide: two pixel rows per cell keeps the aspect */
    double scale = (double)cols / (double)w;
    if ((double)(2 * rows) / (double)h < scale)
        scale = (double)(2 * rows) / (double)h;
    int ow = (int)((double)w * scale), oh = (int)((double)h * scale);
    ow = ow < 1 ? 1 : ow > cols ? cols : ow;
    oh = oh < 1 ? 1 : oh > 2 * rows ? 2 * rows : oh;
    double *g = resample(v->pix, oh, ow);
    if (!g)
        return;
    int xo = x0 + (cols - ow) / 2, yo = y0 + 1;
    for (int r = 0; r < (oh + 1) / 2; r++) {
        move(yo + r, xo);
        for (int c = 0; c < ow; c++) {
            double top = g[(size_t)(2 * r) * (size_t)ow + (size_t)c];
            double bot = 2 * r + 1 < oh ? g[(size_t)(2 * r + 1) * (size_t)ow + (size_t)c] : NAN;
            if (blocks) {
                int lt = level(top, v->lo, v->hi, TTY_LEVELS), lb = level(bot, v->lo, v->hi, TTY_LEVELS);
                cchar_t cc;
                const wchar_t *ch = L"\u2580"; /* upper half block */
                short pair;
                if (lt >= 0) {
                    pair = tty_image_pair((int)v->cmap, lt, lb);
                } else if (lb >= 0) {
                    ch = L"\u2584"; /* lower half block */
                    pair = tty_image_pair((int)v->cmap, lb, -1);
                } else {
                    ch = L" ";
                    pair = 0;
                }
                setcchar(&cc, ch, A_NORMAL, pair, NULL);
                add_wch(&cc);
            } else {
                /* one character for both pixels: their mean */
                double m = isnan(bot) ? top : isnan(top) ? bot : (top + bot) / 2;
                int l = level(m, v->lo, v->hi, RAMP_LEVELS);
                addch((chtype)(l < 0 ? ' ' : ramp[l]));
            }
        }
    }
    free(g);
}

static void fmt_num(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.4g", v);
}

/* Braille cells: 2 dots wide, 4 high; bit of dot (column c, row r). */
static unsigned braille_bit(int c, int r)
{
    static const unsigned bits[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    return bits[c][r];
}

static void draw_curve(const view *v, int y0, int x0, int ih, int iw)
{
    const double *y = v->pix->data;
    int64_t n = v->pix->size;
    char info[200];
    snprintf(info, sizeof info, "%lld points  y [%.4g, %.4g]", (long long)n, v->lo, v->hi);
    pane_puts(y0, x0, iw, info, tty_attr(ROLE_INFO));
    char lhi[32], llo[32], lx0[32], lx1[32];
    fmt_num(lhi, sizeof lhi, v->hi);
    fmt_num(llo, sizeof llo, v->lo);
    fmt_num(lx0, sizeof lx0, v->x0);
    fmt_num(lx1, sizeof lx1, v->x1);
    int lw = (int)strlen(lhi) > (int)strlen(llo) ? (int)strlen(lhi) : (int)strlen(llo);
    int ph = ih - 2, pw = iw - lw - 1;
    if (ph < 2 || pw < 4)
        return;
    int px = x0 + lw + 1, py = y0 + 1;
    attr_t axis = tty_attr(ROLE_AXIS);
    pane_puts(py, x0 + lw - (int)strlen(lhi), lw, lhi, axis);
    pane_puts(py + ph - 1, x0 + lw - (int)strlen(llo), lw, llo, axis);
    attron(axis);
    mvvline(py, x0 + lw, ACS_VLINE, ph);
    attroff(axis);
    pane_puts(py + ph, px, pw, lx0, axis);
    int w1 = (int)strlen(lx1);
    if (w1 + (int)strlen(lx0) + 1 < pw)
        pane_puts(py + ph, px + pw - w1, w1, lx1, axis);

    bool braille = text_utf8();
    int sx = braille ? 2 : 1, sy = braille ? 4 : 1;
    int dw = pw * sx, dh = ph * sy;
    unsigned char *cells = calloc((size_t)pw * (size_t)ph, 1);
    if (!cells)
        return;
    double span = v->hi - v->lo;
    int prev = -1;
#define ROW_OF(val) ((int)lround((v->hi - (val)) / span * (dh - 1)))
    for (int k = 0; k < dw; k++) {
        double lo = INFINITY, hi = -INFINITY, last = NAN;
        if (n < dw) {
            /* fewer points than dots: straight lines between them */
            double t = dw > 1 ? (double)k * (double)(n - 1) / (double)(dw - 1) : 0;
            int64_t i = (int64_t)t;
            double f = t - (double)i;
            double val = i + 1 < n ? y[i] + f * (y[i + 1] - y[i]) : y[i];
            if (isfinite(val))
                lo = hi = last = val;
        } else {
            int64_t i0 = (int64_t)k * n / dw, i1 = (int64_t)(k + 1) * n / dw;
            for (int64_t i = i0; i < i1; i++) {
                if (!isfinite(y[i]))
                    continue;
                lo = y[i] < lo ? y[i] : lo;
                hi = y[i] > hi ? y[i] : hi;
                last = y[i];
            }
        }
        if (lo > hi) {
            prev = -1;
            continue;
        }
        int rtop = ROW_OF(hi), rbot = ROW_OF(lo);
        /* join the previous column so that steep stretches stay connected */
        if (prev >= 0) {
            rtop = prev < rtop ? prev : rtop;
            rbot = prev > rbot ? prev : rbot;
        }
        rtop = rtop < 0 ? 0 : rtop;
        rbot = rbot >= dh ? dh - 1 : rbot;
        for (int r = rtop; r <= rbot; r++)
            cells[(size_t)(r / sy) * (size_t)pw + (size_t)(k / sx)] |=
                (unsigned char)(braille ? braille_bit(k % sx, r % sy) : 1);
        prev = ROW_OF(last);
    }
#undef ROW_OF
    attr_t ca = tty_attr(ROLE_CURVE);
    attron(ca);
    for (int r = 0; r < ph; r++) {
        for (int c = 0; c < pw; c++) {
            unsigned char m = cells[(size_t)r * (size_t)pw + (size_t)c];
            if (!m)
                continue;
            if (braille) {
                wchar_t wc[2] = {(wchar_t)(0x2800 + m), 0};
                cchar_t cc;
                setcchar(&cc, wc, A_NORMAL, 0, NULL);
                mvadd_wch(py + r, px + c, &cc);
            } else {
                mvaddch(py + r, px + c, '*');
            }
        }
    }
    attroff(ca);
    free(cells);
}

static void draw_stats(const view *v, int y0, int x0, int ih, int iw)
{
    const view_stats *st = &v->st;
    char shape[160], lines[8][200];
    int n = 0;
    snprintf(lines[n++], sizeof lines[0], "shape  %s",
             nd_shape_str(st->ndim, st->shape, shape, sizeof shape));
    snprintf(lines[n++], sizeof lines[0], "dtype  %s", td_dtype_name(st->dtype));
    snprintf(lines[n++], sizeof lines[0], "min    %.6g", st->min);
    snprintf(lines[n++], sizeof lines[0], "max    %.6g", st->max);
    snprintf(lines[n++], sizeof lines[0], "mean   %.6g", st->mean);
    snprintf(lines[n++], sizeof lines[0], "std    %.6g", st->std);
    snprintf(lines[n++], sizeof lines[0], "NaNs   %lld of %lld", (long long)st->nans, (long long)st->count);
    for (int i = 0; i < n && i < ih; i++)
        pane_puts(y0 + i, x0 + 1, iw - 1, lines[i], i < 2 ? A_BOLD : A_NORMAL);
}

void pane_draw_preview(ui_state *s)
{
    pane *p = &s->pv;
    if (!p->visible || p->h < 3)
        return;
    char title[260];
    if (s->view)
        snprintf(title, sizeof title, "%s %s",
                 s->view->kind == VIEW_STATS ? "Stats:" : "Preview:", s->view->title);
    else
        snprintf(title, sizeof title, "Preview");
    pane_frame(p, title, tty_attr(ROLE_TITLE));
    int y0 = p->y + 1, x0 = p->x + 1, ih = p->h - 2, iw = p->w - 2;
    if (!s->view) {
        static const char *const hint[] = {
            "show(x) draws x here: images as", "projections, 1-D data as curves.", "stats(x) sums it up.",
            "F2/F3 preview the variables,",    "F4 enlarges this pane.",
        };
        for (int i = 0; i < 5 && i < ih; i++)
            pane_puts(y0 + i, x0 + 1, iw - 1, hint[i], tty_attr(ROLE_INFO));
        return;
    }
    switch (s->view->kind) {
    case VIEW_IMAGE: draw_image(s->view, y0, x0, ih, iw); break;
    case VIEW_LINE: draw_curve(s->view, y0, x0, ih, iw); break;
    case VIEW_STATS: draw_stats(s->view, y0, x0, ih, iw); break;
    }
}

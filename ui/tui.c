/* The workbench's main loop: one thread polls the terminal and a wake-up
 * pipe (signals, resizes, the worker's events), feeds keys to readline and
 * redraws the panes that changed; commands run on the worker thread. */
#define _GNU_SOURCE
#include "config.h"

#include "tui.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "complete.h"
#include "interp.h"
#include "m_ui.h"
#include "parse.h"
#include "rl_glue.h"
#include "text.h"
#include "tty.h"
#include "ui.h"
#include "worker.h"

#define OUTPUT_LINES 5000
#define TYPED_MAX    4096

static ui_state S;
static interp *the_in;
static strbuf pending = SB_INIT; /* lines of a command whose brackets are still open */
static bool quit_requested;
static int typed_keys[TYPED_MAX], ntyped;
static bool view_wanted; /* the selection changed while busy */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void info(const char *text)
{
    out_end_line(&S.out_buf);
    out_add(&S.out_buf, OUT_INFO, text, strlen(text));
    out_add(&S.out_buf, OUT_INFO, "\n", 1);
    S.out.dirty = true;
}

static void all_dirty(void)
{
    S.ws.dirty = S.pv.dirty = S.out.dirty = S.status.dirty = S.cmd.dirty = true;
}

/* --- state directory ------------------------------------------------------------------ */

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* $XDG_STATE_HOME/thunder, else ~/.local/state/thunder, created; false if neither works. */
static bool state_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(buf, len, "%s/thunder", xdg);
    else if (home && home[0] == '/')
        snprintf(buf, len, "%s/.local/state/thunder", home);
    else
        return false;
    return mkdirs(buf) == 0;
}

/* --- running commands ---------------------------------------------------------------- */

static void set_running(const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    size_t n = 0;
    while (n < len && text[n] != '\n')
        n++;
    strbuf sb = SB_INIT;
    text_sanitize(&sb, text, n, false, NULL);
    snprintf(S.running, sizeof S.running, "%s%s", sb_str(&sb), n < len ? " ..." : "");
    sb_free(&sb);
}

static void start_job(worker_job job, const char *text, size_t len)
{
    S.busy = true;
    S.cancelling = false;
    S.job = job;
    S.t_start = now_seconds();
    S.note[0] = '\0';
    set_running(text, len);
    S.status.dirty = S.cmd.dirty = true;
    if (job == JOB_SOURCE)
        worker_run_source(text, len);
    else
        worker_run_file(text);
}

static const ws_entry *selected(void)
{
    return S.snap && S.sel >= 0 && S.sel < S.snap->n ? &S.snap->e[S.sel] : NULL;
}

static bool previewable(const value *v)
{
    return (v->kind == V_ARRAY && !v->u.arr.scalar) || v->kind == V_IMAGES || v->kind == V_SERIES;
}

/* Previews the selected variable, now or when the worker is free. */
static void preview_selection(void)
{
    const ws_entry *e = selected();
    if (!e || !previewable(e->v))
        return;
    if (S.busy) {
        view_wanted = true;
        return;
    }
    view_wanted = false;
    S.busy = true;
    S.cancelling = false;
    S.job = JOB_VIEW;
    S.t_start = now_seconds();
    snprintf(S.running, sizeof S.running, "preview of %s", e->name);
    S.status.dirty = S.cmd.dirty = true;
    worker_view(e->v, e->name);
}

static void select_var(int delta)
{
    if (!S.snap || S.snap->n == 0)
        return;
    int sel = S.sel < 0 ? (delta > 0 ? 0 : S.snap->n - 1) : S.sel + delta;
    sel = sel < 0 ? 0 : sel >= S.snap->n ? S.snap->n - 1 : sel;
    if (sel == S.sel)
        return;
    S.sel = sel;
    S.ws.dirty = true;
    preview_selection();
}

/* --- readline's callbacks ---------------------------------------------------------------- */

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static void on_line(char *line, void *user)
{
    (void)user;
    if (!line) {
        quit_requested = true;
        return;
    }
    const char *prompt = pending.len ? "... " : ">>> ";
    out_end_line(&S.out_buf);
    out_add(&S.out_buf, OUT_INPUT, prompt, 4);
    out_add(&S.out_buf, OUT_INPUT, line, strlen(line));
    out_add(&S.out_buf, OUT_INPUT, "\n", 1);
    S.out_buf.scroll = 0;
    S.out.dirty = true;
    if (!blank(line))
        rl_glue_add_history(line);
    sb_add(&pending, line);
    sb_addc(&pending, '\n');
    free(line);
    if (parse_needs_more(sb_str(&pending), pending.len)) {
        rl_glue_set_prompt("... ");
        return;
    }
    rl_glue_set_prompt(">>> ");
    if (!blank(sb_str(&pending)))
        start_job(JOB_SOURCE, sb_str(&pending), pending.len);
    sb_truncate(&pending, 0);
}

static void on_redisplay(void *user)
{
    (void)user;
    S.cmd.dirty = true;
}

static void on_matches(char **matches, int n, void *user)
{
    (void)user;
    strbuf sb = SB_INIT;
    int shown = n > 200 ? 200 : n;
    for (int i = 0; i < shown; i++) {
        if (i)
            sb_add(&sb, "  ");
        sb_add(&sb, matches[i]);
    }
    if (shown < n)
        sb_addf(&sb, "  ... and %d more", n - shown);
    info(sb_str(&sb));
    S.out_buf.scroll = 0;
    sb_free(&sb);
}

static char **on_complete(const char *line, int start, int end, void *user)
{
    (void)user;
    /* keys reach readline only while no command runs, so the workspace is still */
    return compl_candidates(the_in, line, start, end);
}

/* --- events from the worker ---------------------------------------------------------------- */

static void replace_snapshot(ws_snapshot *ws)
{
    const ws_entry *old = selected();
    int sel = -1;
    if (old)
        for (int i = 0; i < ws->n; i++)
            if (!strcmp(ws->e[i].name, old->name))
                sel = i;
    ws_free(S.snap);
    S.snap = ws;
    S.sel = sel;
    S.ws.dirty = true;
}

static void report_error(const worker_event *e)
{
    strbuf sb = SB_INIT;
    if (e->err.kind == TD_ECANCEL) {
        sb_add(&sb, "KeyboardInterrupt: cancelled; the workspace is as before the interrupted statement");
    } else {
        sb_addf(&sb, "%s: %s", td_errkind_name(e->err.kind), e->err.msg);
        if (e->job == JOB_SOURCE && e->line > 1)
            sb_addf(&sb, " (line %d)", e->line);
    }
    out_end_line(&S.out_buf);
    out_add(&S.out_buf, OUT_ERROR, sb_str(&sb), sb.len);
    out_add(&S.out_buf, OUT_ERROR, "\n", 1);
    sb_free(&sb);
}

static void handle_key(int ch);

static void job_done(const worker_event *e)
{
    S.busy = false;
    S.cancelling = false;
    S.status.dirty = S.cmd.dirty = true;
    if (e->job == JOB_VIEW) {
        if (e->rc < 0)
            snprintf(S.note, sizeof S.note, "no preview: %s", e->err.msg);
    } else {
        S.t_end = now_seconds();
        S.last_rc = e->rc;
        S.last_kind = e->err.kind;
        S.ran_any = true;
        if (e->rc < 0)
            report_error(e);
        S.out_buf.scroll = 0;
        S.out.dirty = true;
    }
    if (view_wanted)
        preview_selection();
    /* keys typed while the command ran, until one starts another */
    int i = 0;
    while (i < ntyped && !S.busy && !quit_requested)
        handle_key(typed_keys[i++]);
    memmove(typed_keys, typed_keys + i, sizeof(int) * (size_t)(ntyped - i));
    ntyped -= i;
}

static void process_events(void)
{
    worker_event *e = worker_events();
    while (e) {
        worker_event *next = e->next;
        switch (e->kind) {
        case EV_OUTPUT:
            out_add(&S.out_buf, e->stream == 2 ? OUT_ERROR : OUT_TEXT, sb_str(&e->text), e->text.len);
            S.out.dirty = true;
            break;
        case EV_ECHO: {
            /* a command of a script being run: shown as if typed */
            const char *t = sb_str(&e->text);
            out_end_line(&S.out_buf);
            out_add(&S.out_buf, OUT_INPUT, ">>> ", 4);
            for (const char *p = t; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                out_add(&S.out_buf, OUT_INPUT, p, n);
                out_add(&S.out_buf, OUT_INPUT, nl ? "\n... " : "\n", nl ? 5 : 1);
                p += n + (nl ? 1 : 0);
            }
            set_running(t, e->text.len);
            S.out.dirty = S.status.dirty = true;
            break;
        }
        case EV_VIEW:
            view_free(S.view);
            S.view = e->view;
            e->view = NULL;
            S.pv.dirty = true;
            break;
        case EV_WORKSPACE:
            replace_snapshot(e->ws);
            e->ws = NULL;
            break;
        case EV_QUIT: quit_requested = true; break;
        case EV_DONE: job_done(e); break;
        }
        worker_event_free(e);
        e = next;
    }
}

/* --- keys ------------------------------------------------------------------------------------ */

static const char *const help_text[] = {
    "Keys:",
    "  Enter          run the line (an open bracket continues it on the next line)",
    "  Up/Down Ctrl-R history, kept across sessions",
    "  Tab            complete names, methods after a dot, keyword arguments",
    "  Ctrl-C         cancel the running command, or clear the line",
    "  PgUp/PgDn      scroll the output",
    "  F2/F3          select a variable (also Shift-Up/Down) and preview it",
    "  F4             enlarge the preview;  Ctrl-L redraws;  Ctrl-D on an empty line quits",
    "Functions: show(x, axis=None, index=None, proj='mean'|'max', cmap='gray'|'viridis'),",
    "  stats(x), run('file.py'), save_history('file.py'), help(x), vars(), quit()",
};

static void ctrl_c(void)
{
    if (S.busy) {
        td_cancel();
        S.cancelling = true;
        ntyped = 0;
        S.status.dirty = true;
        return;
    }
    sb_truncate(&pending, 0);
    rl_glue_set_prompt(">>> ");
    rl_glue_clear_line();
}

/* A new size: curses' idea of it (from_signal: ask the terminal first,
 * which also queues a KEY_RESIZE), then the layout. */
static void resize(bool from_signal)
{
    if (from_signal)
        tty_resize();
    pane_layout(&S);
    clear();
    all_dirty();
    rl_glue_set_width(COLS);
}

static void handle_key(int ch)
{
    switch (ch) {
    case 3: ctrl_c(); return;
    case KEY_RESIZE: resize(false); return;
    case 12: /* Ctrl-L */
        clearok(curscr, TRUE);
        all_dirty();
        return;
    case KEY_PPAGE:
    case KEY_NPAGE: {
        int page = S.out.h > 4 ? S.out.h - 3 : 1;
        S.out_buf.scroll += ch == KEY_PPAGE ? page : -page;
        if (S.out_buf.scroll < 0)
            S.out_buf.scroll = 0;
        S.out.dirty = true;
        return;
    }
    case KEY_F(1):
        for (size_t i = 0; i < sizeof help_text / sizeof *help_text; i++)
            info(help_text[i]);
        S.out_buf.scroll = 0;
        return;
    case KEY_F(2):
    case KEY_SR: select_var(-1); return;
    case KEY_F(3):
    case KEY_SF: select_var(1); return;
    case KEY_F(4):
        S.zoom = !S.zoom;
        pane_layout(&S);
        clear();
        all_dirty();
        return;
    default: break;
    }
    if (S.busy) {
        if (ntyped < TYPED_MAX)
            typed_keys[ntyped++] = ch;
        return;
    }
    if (S.note[0]) {
        S.note[0] = '\0';
        S.status.dirty = true;
    }
    rl_glue_key(ch);
}

/* --- the loop ----------------------------------------------------------------------------- */

static void draw(void)
{
    if (S.ws.dirty)
        pane_draw_workspace(&S);
    if (S.pv.dirty)
        pane_draw_preview(&S);
    if (S.out.dirty)
        pane_draw_output(&S);
    if (S.status.dirty) {
        int64_t done = 0, total = 0;
        if (S.busy)
            worker_progress(&done, &total);
        pane_draw_status(&S, now_seconds(), (long long)done, (long long)total);
    }
    if (S.cmd.dirty) {
        const char *prompt, *line;
        int point;
        rl_glue_state(&prompt, &line, &point);
        pane_draw_cmd(&S, prompt, line, point, S.busy);
    }
    S.ws.dirty = S.pv.dirty = S.out.dirty = S.status.dirty = S.cmd.dirty = false;
    curs_set(S.busy ? 0 : 1);
    move(S.cur_y, S.cur_x);
    refresh();
}

static void welcome(const char *session_path)
{
    char buf[600];
    snprintf(buf, sizeof buf, "thunder %s, Thunder's API in a terminal: td, np are loaded.", PACKAGE_VERSION);
    info(buf);
    info("Try  data = td.images.fromexample('mouse')  then  show(data)  or  stats(data).");
    info("F1 lists the keys and the workbench's functions; Ctrl-D quits.");
    if (session_path) {
        snprintf(buf, sizeof buf, "Commands that succeed are saved in %s", session_path);
        info(buf);
    }
}

static void main_loop(int wake_fd)
{
    while (!(quit_requested && !S.busy)) {
        draw();
        struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_fd, POLLIN, 0}};
        int rc = poll(fds, 2, S.busy ? 100 : -1);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (fds[1].revents & POLLIN)) {
            char buf[256];
            ssize_t n;
            while ((n = read(wake_fd, buf, sizeof buf)) > 0) {
                for (ssize_t i = 0; i < n; i++) {
                    if (buf[i] == 'W')
                        resize(true);
                    else if (buf[i] == 'C')
                        ctrl_c();
                    else if (buf[i] == 'R') {
                        clearok(curscr, TRUE);
                        all_dirty();
                    }
                }
            }
        }
        process_events();
        if (rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            int ch, got = 0;
            while ((ch = getch()) != ERR) {
                handle_key(ch);
                got++;
            }
            /* the terminal went away */
            if (!got && (fds[0].revents & (POLLHUP | POLLERR)))
                break;
        }
        if (S.busy)
            S.status.dirty = true;
    }
}

int ui_run(const char *startup)
{
    /* only the character type: numbers must keep printing with '.' */
    setlocale(LC_CTYPE, "");
    text_set_utf8(strcmp(nl_langinfo(CODESET), "UTF-8") == 0);

    the_in = interp_new();
    if (!the_in) {
        fprintf(stderr, "thunder: out of memory\n");
        return 1;
    }
    char dir[4096], hist[4200], session[4300];
    bool have_dir = state_dir(dir, sizeof dir);
    bool have_session = false;
    if (have_dir) {
        snprintf(hist, sizeof hist, "%s/history", dir);
        char sdir[4200];
        snprintf(sdir, sizeof sdir, "%s/sessions", dir);
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(session, sizeof session, "%s/%s-%ld.py", sdir, stamp, (long)getpid());
        td_err err;
        have_session = mkdirs(sdir) == 0 && m_ui_session_open(session, &err) == 0;
    }

    char msg[256];
    int wake_fd = tty_open(msg, sizeof msg);
    if (wake_fd < 0) {
        tty_close();
        fprintf(stderr, "thunder: %s\n", msg);
        interp_free(the_in);
        return 1;
    }
    out_init(&S.out_buf, OUTPUT_LINES);
    S.sel = -1;
    pane_layout(&S);
    if (worker_start(the_in) < 0) {
        tty_close();
        fprintf(stderr, "thunder: can't start the worker thread\n");
        return 1;
    }
    rl_glue_ui cbs = {on_line, on_redisplay, on_matches, on_complete, NULL};
    rl_glue_init(&cbs, ">>> ", have_dir ? hist : NULL);
    rl_glue_set_width(COLS);
    welcome(have_session ? session : NULL);
    if (!have_dir)
        info("No state directory ($XDG_STATE_HOME or ~/.local/state): history and session are not kept.");
    if (startup)
        start_job(JOB_FILE, startup, strlen(startup));

    main_loop(wake_fd);

    rl_glue_close();
    if (S.busy)
        td_cancel(); /* the terminal went away mid-command */
    worker_stop();
    tty_close();
    m_ui_session_close();
    if (have_session) {
        struct stat st;
        if (stat(session, &st) == 0 && st.st_size == 0)
            unlink(session); /* nothing ran: no file to keep */
        else
            printf("thunder: this session's commands are in %s\n(thunder --replay FILE runs them again)\n",
                   session);
    }
    view_free(S.view);
    ws_free(S.snap);
    out_free(&S.out_buf);
    sb_free(&pending);
    interp_free(the_in);
    return 0;
}

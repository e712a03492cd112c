/* show, stats, run, save_history and quit; the session script. */
#include "m_ui.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"

static m_ui_hooks hooks;

void m_ui_set_hooks(const m_ui_hooks *h)
{
    if (h)
        hooks = *h;
    else
        memset(&hooks, 0, sizeof hooks);
}

/* --- the session script ------------------------------------------------------------ */

static pthread_mutex_t session_lock = PTHREAD_MUTEX_INITIALIZER;
static strbuf session_log = SB_INIT;
static int session_fd = -1;

/* Calls that act on the session itself, which a replay must not repeat. */
static bool is_session_call(const char *s, size_t len)
{
    static const char *const names[] = {"run", "save_history", "quit"};
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t b = i;
    while (i < len && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                       (s[i] >= '0' && s[i] <= '9')))
        i++;
    size_t n = i - b;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i >= len || s[i] != '(')
        return false;
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (strlen(names[k]) == n && !strncmp(s + b, names[k], n))
            return true;
    return false;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* a full disk must not stop the session; the log in memory stays */
        }
        p += w;
        n -= (size_t)w;
    }
}

void m_ui_record(const char *stmt, size_t len, void *user)
{
    (void)user;
    if (len == 0 || is_session_call(stmt, len))
        return;
    pthread_mutex_lock(&session_lock);
    size_t start = session_log.len;
    sb_addn(&session_log, stmt, len);
    sb_addc(&session_log, '\n');
    if (session_fd >= 0)
        write_all(session_fd, session_log.buf + start, len + 1);
    pthread_mutex_unlock(&session_lock);
    if (hooks.recorded)
        hooks.recorded(hooks.user);
}

int m_ui_session_open(const char *path, td_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return td_err_set(err, TD_EIO, "can't write the session script '%s': %s", path, strerror(errno));
    pthread_mutex_lock(&session_lock);
    if (session_fd >= 0)
        close(session_fd);
    session_fd = fd;
    pthread_mutex_unlock(&session_lock);
    return 0;
}

void m_ui_session_close(void)
{
    pthread_mutex_lock(&session_lock);
    if (session_fd >= 0)
        close(session_fd);
    session_fd = -1;
    pthread_mutex_unlock(&session_lock);
}

/* Written to a temporary sibling, synced and renamed over path, so that a
 * full disk or a size limit keeps an older script whole and leaves nothing
 * partial behind. */
int m_ui_session_save(const char *path, td_err *err)
{
    strbuf tmp = SB_INIT;
    sb_addf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(sb_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        sb_free(&tmp);
        return td_err_set(err, e == ENOENT ? TD_ENOTFOUND : TD_EIO, "can't write '%s': %s", path,
                          strerror(e));
    }
    pthread_mutex_lock(&session_lock);
    int e = 0;
    for (size_t off = 0; off < session_log.len && !e;) {
        ssize_t w = write(fd, session_log.buf + off, session_log.len - off);
        if (w > 0)
            off += (size_t)w;
        else if (w < 0 && errno != EINTR)
            e = errno;
    }
    pthread_mutex_unlock(&session_lock);
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(sb_str(&tmp), path) != 0)
        e = errno;
    if (e)
        unlink(sb_str(&tmp));
    sb_free(&tmp);
    if (e)
        return td_err_set(err, TD_EIO, "can't write '%s': %s", path, strerror(e));
    return 0;
}

/* --- run ------------------------------------------------------------------------------- */

#define RUN_MAX_BYTES ((size_t)64 << 20)
#define RUN_MAX_DEPTH 16

static char *read_file(const char *path, size_t *len, td_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        td_err_set(err, errno == ENOENT ? TD_ENOTFOUND : TD_EIO, "can't open file '%s': %s", path,
                   strerror(errno));
        return NULL;
    }
    strbuf sb = SB_INIT;
    char buf[1 << 14];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (sb.len + got > RUN_MAX_BYTES) {
            fclose(f);
            sb_free(&sb);
            td_err_set(err, TD_EVALUE, "'%s' is larger than %zu MiB: not a script", path,
                       RUN_MAX_BYTES >> 20);
            return NULL;
        }
        sb_addn(&sb, buf, got);
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        sb_free(&sb);
        td_err_set(err, TD_EIO, "can't read '%s': %s", path, strerror(e));
        return NULL;
    }
    fclose(f);
    *len = sb.len;
    return sb_steal(&sb);
}

/* True when the text has nothing but blanks and comments. */
static bool is_blank(const char *s, size_t n)
{
    bool comment = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            comment = false;
        else if (s[i] == '#')
            comment = true;
        else if (!comment && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    }
    return true;
}

int m_ui_run_file(interp *in, const char *path, td_err *err)
{
    static _Thread_local int depth;
    if (depth >= RUN_MAX_DEPTH)
        return td_err_set(err, TD_ERUNTIME, "run() nested more than %d deep (does '%s' run itself?)",
                          RUN_MAX_DEPTH, path);
    size_t len;
    char *src = read_file(path, &len, err);
    if (!src)
        return -1;
    depth++;
    int rc = 0, line = 1;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        size_t start = pos;
        int first = line;
        /* one command: a line, or as many as an open bracket needs */
        for (;;) {
            size_t e = pos;
            while (e < len && src[e] != '\n')
                e++;
            pos = e < len ? e + 1 : e;
            line++;
            if (pos >= len || !parse_needs_more(src + start, pos - start))
                break;
        }
        if (is_blank(src + start, pos - start))
            continue;
        if (hooks.echo) {
            size_t n = pos - start;
            while (n > 0 && (src[start + n - 1] == '\n' || src[start + n - 1] == '\r'))
                n--;
            hooks.echo(src + start, n, hooks.user);
        }
        run_opts o = {.filename = path, .first_line = first, .echo = true, .on_success = m_ui_record};
        run_error rerr;
        if (interp_run(in, src + start, pos - start, &o, &rerr) < 0)
            rc = td_err_set(err, rerr.err.kind, "%s (%s, line %d)", rerr.err.msg, path, rerr.line);
    }
    depth--;
    free(src);
    return rc;
}

/* --- the functions ------------------------------------------------------------------- */

/* The workspace name bound to exactly this value, for titles. */
static const char *name_of(const interp *in, const value *v)
{
    if (!in)
        return NULL;
    for (int i = interp_nvars(in) - 1; i >= 0; i--)
        if (interp_var_value(in, i) == v)
            return interp_var_name(in, i);
    return NULL;
}

static void deliver(interp *in, view *v)
{
    if (hooks.view) {
        hooks.view(v, hooks.user);
        return;
    }
    strbuf sb = SB_INIT;
    view_summary(&sb, v);
    interp_write(in, 1, sb_str(&sb), sb.len);
    sb_free(&sb);
    view_free(v);
}

static value *m_ui_show(call_args *a, td_err *err)
{
    view_opts o;
    memset(&o, 0, sizeof o);
    if (a->v[1]->kind != V_NONE) {
        o.has_axis = true;
        o.axis = a->v[1]->u.i;
    }
    if (a->v[2]->kind != V_NONE) {
        o.has_index = true;
        o.index = a->v[2]->u.i;
    }
    const value *proj = a->v[3], *cmap = a->v[4];
    if (proj->kind == V_NONE) {
        o.proj = VIEW_PROJ_DEFAULT;
    } else if (!strcmp(proj->u.str.s, "mean")) {
        o.proj = VIEW_PROJ_MEAN;
    } else if (!strcmp(proj->u.str.s, "max")) {
        o.proj = VIEW_PROJ_MAX;
    } else {
        td_err_set(err, TD_EVALUE, "proj must be 'mean' or 'max', not '%s'", proj->u.str.s);
        return NULL;
    }
    if (!strcmp(cmap->u.str.s, "gray") || !strcmp(cmap->u.str.s, "grey")) {
        o.cmap = VIEW_GRAY;
    } else if (!strcmp(cmap->u.str.s, "viridis")) {
        o.cmap = VIEW_VIRIDIS;
    } else {
        td_err_set(err, TD_EVALUE, "cmap must be 'gray' or 'viridis', not '%s'", cmap->u.str.s);
        return NULL;
    }
    view *v = view_show(a->v[0], name_of(a->in, a->v[0]), &o, err);
    if (!v)
        return NULL;
    deliver(a->in, v);
    return val_none();
}

static value *m_ui_stats(call_args *a, td_err *err)
{
    view *v = view_stats_of(a->v[0], name_of(a->in, a->v[0]), err);
    if (!v)
        return NULL;
    deliver(a->in, v);
    return val_none();
}

static value *m_ui_run(call_args *a, td_err *err)
{
    if (m_ui_run_file(a->in, a->v[0]->u.str.s, err) < 0)
        return NULL;
    return val_none();
}

static value *m_ui_save_history(call_args *a, td_err *err)
{
    if (m_ui_session_save(a->v[0]->u.str.s, err) < 0)
        return NULL;
    return val_none();
}

static value *m_ui_quit(call_args *a, td_err *err)
{
    (void)err;
    if (hooks.quit) {
        hooks.quit(hooks.user);
        return val_none();
    }
    /* batch mode: quit() ends the script, as it ends Python */
    (void)a;
    fflush(stdout);
    exit(0);
}

/* clang-format off */
static const reg_func ui_funcs[] = {
    {"show", m_ui_show,
     "Draw x in the preview pane: x[index] along axis when index is given, mean or max projections down "
     "to 2-D (Images across images), 1-D as a curve.", 0,
     {P("x", PT_ANY, NULL), P("axis", PT_INT, "None"), P("index", PT_INT, "None"), P("proj", PT_STR, "None"),
      P("cmap", PT_STR, "'gray'"), END}},
    {"stats", m_ui_stats, "Shape, dtype, min, max, mean, std and NaN count of x, in the preview pane.", 0,
     {P("x", PT_ANY, NULL), END}},
    {"run", m_ui_run, "Run a script here, one command at a time: a saved session replays to the same workspace.",
     0, {P("path", PT_STR, NULL), END}},
    {"save_history", m_ui_save_history, "Write the commands of this session that succeeded to a script.",
     REG_WRITES, {P("path", PT_STR, NULL), END}},
    {"quit", m_ui_quit, "Leave the workbench (in a script: stop it).", 0, {END}},
};
/* clang-format on */

const reg_table reg_ui = {"workbench", ui_funcs, sizeof ui_funcs / sizeof *ui_funcs};

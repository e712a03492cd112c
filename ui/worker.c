/* The command thread and its event queue. */
#include "config.h"

#include "worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "m_blocks.h"
#include "m_ui.h"
#include "tty.h"

/* Output beyond this, queued and not yet drawn, is dropped (a runaway print loop). */
#define QUEUE_MAX_BYTES ((size_t)32 << 20)

static pthread_t thread;
static bool started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static interp *the_in;

/* the job slot */
static bool job_pending, stopping;
static worker_job job_kind;
static char *job_text;
static size_t job_len;
static value *job_value;

/* the event queue */
static worker_event *head, *tail;
static size_t queued_bytes;
static bool dropped;

static atomic_int_fast64_t prog_done, prog_total;

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

/* --- events -------------------------------------------------------------------------- */

static void post(worker_event *e)
{
    pthread_mutex_lock(&lock);
    e->next = NULL;
    if (tail)
        tail->next = e;
    else
        head = e;
    tail = e;
    pthread_mutex_unlock(&lock);
    tty_wake('E');
}

static worker_event *event_new(worker_evkind kind)
{
    worker_event *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    sb_init(&e->text);
    return e;
}

void worker_event_free(worker_event *e)
{
    if (!e)
        return;
    sb_free(&e->text);
    view_free(e->view);
    ws_free(e->ws);
    free(e);
}

worker_event *worker_events(void)
{
    pthread_mutex_lock(&lock);
    worker_event *e = head;
    head = tail = NULL;
    queued_bytes = 0;
    pthread_mutex_unlock(&lock);
    return e;
}

/* Called by the interpreter, which serialises the calls. */
static void on_output(int stream, const char *text, size_t len, void *user)
{
    (void)user;
    pthread_mutex_lock(&lock);
    if (queued_bytes + len > QUEUE_MAX_BYTES) {
        bool note = !dropped;
        dropped = true;
        pthread_mutex_unlock(&lock);
        if (note) {
            worker_event *e = event_new(EV_OUTPUT);
            e->stream = 2;
            sb_add(&e->text, "\n[output dropped: more than the screen can keep up with]\n");
            post(e);
        }
        return;
    }
    queued_bytes += len;
    /* consecutive writes join one event: print() in a loop stays cheap */
    if (tail && tail->kind == EV_OUTPUT && tail->stream == stream) {
        sb_addn(&tail->text, text, len);
        pthread_mutex_unlock(&lock);
        tty_wake('E');
        return;
    }
    pthread_mutex_unlock(&lock);
    worker_event *e = event_new(EV_OUTPUT);
    e->stream = stream;
    sb_addn(&e->text, text, len);
    post(e);
}

static void on_progress(int64_t done, int64_t total, void *user)
{
    (void)user;
    atomic_store(&prog_done, done);
    atomic_store(&prog_total, total);
    tty_wake('P');
}

void worker_progress(int64_t *done, int64_t *total)
{
    *done = atomic_load(&prog_done);
    *total = atomic_load(&prog_total);
}

/* --- the workspace --------------------------------------------------------------------- */

void ws_free(ws_snapshot *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        free(s->e[i].name);
        free(s->e[i].summary);
        val_release(s->e[i].v);
    }
    free(s->e);
    free(s);
}

static void summarise(ws_entry *e, const value *v)
{
    char buf[256];
    e->dtype = "";
    e->bytes = -1;
    switch (v->kind) {
    case V_ARRAY:
        e->dtype = td_dtype_name(v->u.arr.a->dtype);
        if (!v->u.arr.scalar) {
            e->summary = xstrdup(nd_shape_str(v->u.arr.a->ndim, v->u.arr.a->shape, buf, sizeof buf));
            e->bytes = (double)nd_nbytes(v->u.arr.a);
            return;
        }
        break;
    case V_IMAGES:
    case V_SERIES: {
        const td_data *d = v->u.data;
        int ndim;
        const int64_t *shape;
        dist_shape(v, &ndim, &shape); /* the whole, also when this rank holds a share */
        e->summary = xstrdup(nd_shape_str(ndim, shape, buf, sizeof buf));
        e->dtype = td_dtype_name(data_dtype(d));
        e->bytes = (double)nd_nbytes(d->values);
        return;
    }
    case V_LIST:
    case V_TUPLE:
        snprintf(buf, sizeof buf, "len %lld", (long long)v->u.seq.n);
        e->summary = xstrdup(buf);
        return;
    case V_FUNC:
    case V_BUILTIN:
    case V_METHOD:
    case V_MODULE: e->summary = xstrdup(""); return;
    case V_BLOCKS: {
        const td_blocks *b = blocks_of(v); /* the whole array's shape, as for Images */
        e->summary = xstrdup(nd_shape_str(b->ndim, b->shape, buf, sizeof buf));
        e->dtype = td_dtype_name(b->dtype);
        return;
    }
    default: break;
    }
    /* scalars and strings: the value itself, cut short */
    strbuf sb = SB_INIT;
    td_err err;
    if (v->kind == V_STR && v->u.str.len > 64) {
        sb_addf(&sb, "len %zu", v->u.str.len);
    } else if (val_repr(&sb, v, &err) < 0) {
        sb_truncate(&sb, 0);
    }
    if (sb.len > 64) {
        sb_truncate(&sb, 61);
        /* do not leave half a UTF-8 character before the dots */
        while (sb.len > 0 && ((unsigned char)sb.buf[sb.len - 1] & 0xC0) == 0x80)
            sb_truncate(&sb, sb.len - 1);
        if (sb.len > 0 && ((unsigned char)sb.buf[sb.len - 1] & 0xC0) == 0xC0)
            sb_truncate(&sb, sb.len - 1);
        sb_add(&sb, "...");
    }
    e->summary = sb_steal(&sb);
}

static ws_snapshot *snapshot(interp *in)
{
    ws_snapshot *s = xcalloc(1, sizeof *s);
    s->n = interp_nvars(in);
    s->e = xcalloc((size_t)s->n, sizeof *s->e);
    for (int i = 0; i < s->n; i++) {
        value *v = interp_var_value(in, i);
        s->e[i].name = xstrdup(interp_var_name(in, i));
        s->e[i].type = val_type_name(v);
        s->e[i].v = val_retain(v);
        summarise(&s->e[i], v);
    }
    return s;
}

static void post_workspace(void)
{
    worker_event *e = event_new(EV_WORKSPACE);
    e->ws = snapshot(the_in);
    post(e);
}

/* --- hooks from show(), run(), quit() ---------------------------------------------------- */

static void hook_view(view *v, void *user)
{
    (void)user;
    worker_event *e = event_new(EV_VIEW);
    e->view = v;
    post(e);
}

static void hook_echo(const char *src, size_t len, void *user)
{
    (void)user;
    worker_event *e = event_new(EV_ECHO);
    sb_addn(&e->text, src, len);
    post(e);
}

static void hook_recorded(void *user)
{
    (void)user;
    post_workspace();
}

static void hook_quit(void *user)
{
    (void)user;
    post(event_new(EV_QUIT));
}

/* --- the thread ---------------------------------------------------------------------------- */

static void run_job(worker_job kind, const char *text, size_t len, value *v)
{
    worker_event *done = event_new(EV_DONE);
    done->job = kind;
    td_cancel_clear();
    atomic_store(&prog_done, 0);
    atomic_store(&prog_total, 0);
    pthread_mutex_lock(&lock);
    dropped = false;
    pthread_mutex_unlock(&lock);
    switch (kind) {
    case JOB_SOURCE: {
        run_opts o = {.filename = "<input>", .first_line = 1, .echo = true, .on_success = m_ui_record};
        run_error rerr;
        dist_send_code('S', text, len);
        done->rc = interp_run(the_in, text, len, &o, &rerr);
        if (done->rc < 0) {
            done->err = rerr.err;
            done->line = rerr.line;
            done->col = rerr.col;
        }
        post_workspace();
        break;
    }
    case JOB_FILE:
        dist_send_code('F', text, strlen(text));
        done->rc = m_ui_run_file(the_in, text, &done->err);
        post_workspace();
        break;
    case JOB_VIEW: {
        view_opts o;
        memset(&o, 0, sizeof o);
        view *vw = view_show(v, text, &o, &done->err);
        if (vw)
            hook_view(vw, NULL);
        else
            done->rc = -1;
        break;
    }
    }
    if (done->rc < 0 && done->err.kind == TD_OK)
        td_err_set(&done->err, TD_ERUNTIME, "failed");
    post(done);
}

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!job_pending && !stopping)
            pthread_cond_wait(&cond, &lock);
        if (stopping)
            break;
        worker_job kind = job_kind;
        char *text = job_text;
        size_t len = job_len;
        value *v = job_value;
        job_pending = false;
        job_text = NULL;
        job_value = NULL;
        pthread_mutex_unlock(&lock);
        run_job(kind, text, len, v);
        free(text);
        val_release(v);
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int worker_start(interp *in)
{
    the_in = in;
    interp_set_output(in, on_output, NULL);
    td_set_progress(on_progress, NULL);
    m_ui_hooks h = {hook_view, hook_echo, hook_recorded, hook_quit, NULL};
    m_ui_set_hooks(&h);
    /* Signals go to the main thread, which polls; the worker and the
     * OpenMP threads it starts inherit this mask. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGWINCH);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGCONT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&thread, NULL, worker_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    started = true;
    return 0;
}

void worker_stop(void)
{
    if (!started)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    started = false;
    m_ui_set_hooks(NULL);
    td_set_progress(NULL, NULL);
    interp_set_output(the_in, NULL, NULL);
    worker_event *e = worker_events();
    while (e) {
        worker_event *next = e->next;
        worker_event_free(e);
        e = next;
    }
}

static void submit(worker_job kind, char *text, size_t len, value *v)
{
    pthread_mutex_lock(&lock);
    job_kind = kind;
    job_text = text;
    job_len = len;
    job_value = v;
    job_pending = true;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
}

void worker_run_source(const char *src, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        abort();
    memcpy(copy, src, len);
    copy[len] = '\0';
    submit(JOB_SOURCE, copy, len, NULL);
}

void worker_run_file(const char *path)
{
    submit(JOB_FILE, xstrdup(path), strlen(path), NULL);
}

void worker_view(value *v, const char *name)
{
    submit(JOB_VIEW, xstrdup(name), strlen(name), val_retain(v));
}

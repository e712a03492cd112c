/* Distributed mode over MPI (see dist.h for the model). */
#include "config.h"

#include "dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interp.h"
#include "m_blocks.h"
#include "m_data.h"

bool dist_active;

bool dist_launched(void)
{
    /* Open MPI's mpirun, and PMI/PMIx launchers (srun, hydra) */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i]))
            return true;
    return false;
}

const char *dist_mode_name(const value *v, char *buf, size_t n)
{
    if (!v->part)
        return "local";
    snprintf(buf, n, "distributed (%d ranks)", dist_size());
    return buf;
}

void dist_shape(const value *v, int *ndim, const int64_t **shape)
{
    if (v->part) {
        *ndim = v->part->ndim;
        *shape = v->part->shape;
    } else {
        *ndim = data_ndim(v->u.data);
        *shape = data_shape(v->u.data);
    }
}

void dist_part_free(dpart *p)
{
    if (p) {
        free(p->counts);
        free(p);
    }
}

#ifndef HAVE_MPI

/* Built without MPI: local mode only. */
int dist_init(int *argc, char ***argv, td_err *err)
{
    (void)argc;
    (void)argv;
    (void)err;
    return 0;
}
void dist_finalize(void)
{
}
int dist_rank(void)
{
    return 0;
}
int dist_size(void)
{
    return 1;
}
int dist_exit_status(int status)
{
    return status;
}
int dist_bcast_text(char **src, long *len)
{
    (void)src;
    (void)len;
    return 0;
}
void dist_bcast_long(long *v)
{
    (void)v;
}
void dist_reader_part(int *index, int *count)
{
    *index = *count = 0;
}
void dist_send_code(char kind, const char *text, size_t len)
{
    (void)kind;
    (void)text;
    (void)len;
}
int dist_agree(int rc, td_err *err, int *line, int *col)
{
    (void)err;
    (void)line;
    (void)col;
    return rc;
}
value *dist_call(call_args *a, td_err *err)
{
    return a->fn->fn(a, err);
}
void dist_output(int stream, const char *text, size_t len)
{
    (void)stream;
    (void)text;
    (void)len;
}
td_data *dist_gather_data(const value *v, td_err *err)
{
    (void)err;
    return data_retain(v->u.data);
}
value *dist_subscript(value *obj, value *index, td_err *err)
{
    return data_subscript(obj, index, err);
}
value *dist_localcorr(const value *self, int nsize, const int64_t *size, td_err *err)
{
    nd_array *r = img_localcorr(self->u.data, nsize, size, err);
    return r ? val_array(r) : NULL;
}
bool dist_can_gather(void)
{
    return false;
}
/* Without MPI no value has a part, so only dist_blocks_gather is reached. */
td_blocks *dist_blocks_gather(const value *self, td_err *err)
{
    (void)err;
    return blk_retain(blocks_of(self));
}
static value *no_mpi(td_err *err)
{
    td_err_set(err, TD_ERUNTIME, "distributed values need a build with MPI");
    return NULL;
}
value *dist_toblocks(const value *images, const td_chunk *chunk, int npad, const int64_t *pad, td_err *err)
{
    (void)images, (void)chunk, (void)npad, (void)pad;
    return no_mpi(err);
}
value *dist_blocks_first(const value *self, td_err *err)
{
    (void)self;
    return no_mpi(err);
}
value *dist_blocks_map(const value *self, td_block_fn fn, void *ctx, int vndim, const int64_t *value_shape,
                       const td_dtype *dtype, td_err *err)
{
    (void)self, (void)fn, (void)ctx, (void)vndim, (void)value_shape, (void)dtype;
    return no_mpi(err);
}
value *dist_blocks_toimages(const value *self, td_err *err)
{
    (void)self;
    return no_mpi(err);
}
value *dist_fold(dist_fold_fn fn, void *ctx, td_err *err)
{
    (void)fn, (void)ctx;
    return no_mpi(err);
}
nd_array *dist_record(const value *v, int64_t i, td_err *err)
{
    return data_record_range(v->u.data, i, i + 1, err);
}
td_data *dist_reduce_data(const value *v, nd_redop op, td_err *err)
{
    return data_reduce(v->u.data, op, err);
}
int dist_merge(int rc, void *acc, size_t size, void (*merge)(void *into, const void *from), td_err *err)
{
    (void)acc, (void)size, (void)merge, (void)err;
    return rc;
}
value *dist_blocks_toseries(const value *self, td_err *err)
{
    (void)self;
    return no_mpi(err);
}

#else /* HAVE_MPI */

#include <mpi.h>
#include <omp.h>

#include "dist_internal.h"

int dist_me, dist_nranks;
/* Calls through the registry nest (a lambda calls methods); only the
 * outermost call of a statement takes part in collectives. */
static _Thread_local int depth;
/* An agreement inside this statement saw another rank's failure: this
 * rank's error is a consequence, not the one to report. */
static bool remote_failure;
int dist_rank(void)
{
    return dist_me;
}

int dist_size(void)
{
    return dist_active ? dist_nranks : 1;
}

int dist_init(int *argc, char ***argv, td_err *err)
{
    if (!dist_launched())
        return 0;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
        return td_err_set(err, TD_ERUNTIME, "MPI failed to start");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_rank(MPI_COMM_WORLD, &dist_me);
    MPI_Comm_size(MPI_COMM_WORLD, &dist_nranks);
    dist_active = true;
    /* quit() in a script ends every rank with exit(0) */
    atexit(dist_finalize);
    return 0;
}

void dist_finalize(void)
{
    if (dist_active) {
        dist_active = false;
        MPI_Finalize();
    }
}

int dist_exit_status(int status)
{
    if (dist_active)
        MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return status;
}

void dist_bcast_long(long *v)
{
    MPI_Bcast(v, 1, MPI_LONG, 0, MPI_COMM_WORLD);
}

void dist_send_code(char kind, const char *text, size_t len)
{
    if (!dist_active)
        return;
    char *buf = malloc(len + 2);
    if (!buf) {
        fprintf(stderr, "thunder: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    buf[0] = kind;
    memcpy(buf + 1, text, len);
    buf[len + 1] = 0;
    long n = (long)len + 1;
    dist_bcast_text(&buf, &n);
    free(buf);
}

int dist_bcast_text(char **src, long *len)
{
    /* The other ranks may wait here a long time (for the next line typed
     * in the workbench): they poll gently instead of spinning a core. */
    MPI_Request req;
    MPI_Ibcast(len, 1, MPI_LONG, 0, MPI_COMM_WORLD, &req);
    for (int done = 0, spins = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            break;
        if (++spins > 1000) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    if (*len < 0) {
        if (dist_me)
            *src = NULL;
        return 0;
    }
    if (dist_me) {
        *src = malloc((size_t)*len + 1);
        if (!*src) {
            fprintf(stderr, "thunder: out of memory\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        (*src)[*len] = 0;
    }
    /* in pieces: MPI counts are int */
    for (long done = 0; done < *len;) {
        int n = *len - done > (1 << 30) ? 1 << 30 : (int)(*len - done);
        MPI_Bcast(*src + done, n, MPI_CHAR, 0, MPI_COMM_WORLD);
        done += n;
    }
    return 0;
}

/* --- agreement ------------------------------------------------------------------------------- */

/* All three agreements are the same MPI_Allreduce (MAX of {failed, not at
 * the end of a statement, -lowest failing rank}), so one rank's end of
 * statement can meet another's agreement inside a statement: the failure
 * still reaches everyone, and the end-of-statement side repeats until all
 * ranks are there. */
static void vote(int failed, int at_end, int out[3])
{
    int in[3] = {failed, !at_end, failed ? -dist_me : -dist_nranks};
    MPI_Allreduce(in, out, 3, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

/* Before a collective inside a statement: rc is this rank's state (-1 with
 * err set when it cannot take part). Returns 0 when every rank can. */
int dist_sync(int rc, td_err *err)
{
    int out[3];
    vote(rc < 0, 0, out);
    if (!out[0])
        return 0;
    if (rc >= 0) {
        remote_failure = true;
        td_err_set(err, TD_ERUNTIME, "another rank failed");
    }
    return -1;
}

int dist_agree(int rc, td_err *err, int *line, int *col)
{
    bool mine = rc < 0 && !remote_failure;
    remote_failure = false;
    int out[3];
    do
        vote(mine, 1, out);
    while (out[1]);
    if (!out[0])
        return 0;
    struct {
        int kind, line, col;
        char msg[TD_ERRMSG_MAX];
    } e;
    int from = -out[2];
    if (dist_me == from) {
        e.kind = err->kind;
        e.line = *line;
        e.col = *col;
        memcpy(e.msg, err->msg, sizeof e.msg);
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, from, MPI_COMM_WORLD);
    err->kind = (td_errkind)e.kind;
    memcpy(err->msg, e.msg, sizeof e.msg);
    err->msg[sizeof err->msg - 1] = 0;
    *line = e.line;
    *col = e.col;
    return -1;
}

/* --- partitions ----------------------------------------------------------------------------- */

bool dist_is_data(const value *v)
{
    return v && (v->kind == V_IMAGES || v->kind == V_SERIES);
}

/* Holds a share of records (not all of them). */
bool dist_is_shared(const value *v)
{
    return dist_is_data(v) && v->part && !v->part->replicated;
}

dpart *dist_part_new(int ndim, const int64_t *shape, int64_t total)
{
    dpart *p = calloc(1, sizeof *p);
    int64_t *c = calloc((size_t)dist_nranks, sizeof *c);
    if (!p || !c) {
        fprintf(stderr, "thunder: out of memory\n");
        abort();
    }
    p->counts = c;
    p->ndim = ndim;
    memcpy(p->shape, shape, (size_t)ndim * sizeof *shape);
    p->total = total;
    return p;
}

void dist_part_even(dpart *p)
{
    for (int i = 0; i < dist_nranks; i++) {
        int64_t first;
        io_part_range(p->total, i, dist_nranks, &first, &p->counts[i]);
        if (i == dist_me)
            p->offset = first;
    }
}

void dist_part_split(dpart *p)
{
    if (p->total < dist_nranks) {
        p->replicated = true;
        p->offset = 0;
        for (int i = 0; i < dist_nranks; i++)
            p->counts[i] = p->total;
    } else {
        dist_part_even(p);
    }
}

/* Records [off, off + n) of d as a td_data of their own (values copied, so
 * the whole can be freed), labels flattened and sliced, index kept. */
static td_data *slice_records(const td_data *d, int64_t off, int64_t n, td_err *err)
{
    nd_array *view = data_record_range(d, off, off + n, err);
    nd_array *vals = view ? nd_copy(view, err) : NULL;
    nd_release(view);
    if (!vals)
        return NULL;
    td_data *t = data_with_values(d, vals, err);
    nd_release(vals);
    if (!t)
        return NULL;
    nd_array *lab = NULL;
    if (d->labels) {
        int64_t flat = d->labels->size;
        nd_array *l1 = nd_reshape(d->labels, 1, &flat, err);
        lab = l1 ? nd_view(l1, off, 1, &n, err) : NULL;
        nd_release(l1);
        if (!lab) {
            data_release(t);
            return NULL;
        }
    }
    td_data *r = data_with_labels(t, lab, err);
    nd_release(lab);
    data_release(t);
    return r;
}

/* A whole Images/Series that every rank holds (the same on each) becomes
 * this rank's share; with fewer records than ranks it stays whole. Takes
 * over full. */
value *dist_distribute(td_data *full, td_err *err)
{
    int64_t n = data_nrecords(full);
    dpart *p = dist_part_new(data_ndim(full), data_shape(full), n);
    dist_part_split(p);
    if (p->replicated)
        return val_data_part(full, p);
    td_data *share = slice_records(full, p->offset, p->counts[dist_me], err);
    data_release(full);
    if (!share) {
        dist_part_free(p);
        return NULL;
    }
    return val_data_part(share, p);
}

/* A local Images/Series result shared out (takes over r); anything else,
 * or data already distributed, as it is. */
static value *share_out(value *r, td_err *err)
{
    if (!r || !dist_is_data(r) || r->part)
        return r;
    td_data *d = data_retain(r->u.data);
    val_release(r);
    return dist_distribute(d, err);
}

/* MPI counts are ints: records per rank and bytes per record must fit. */
int dist_check_int(int64_t v, const char *what, td_err *err)
{
    if (v > INT32_MAX)
        return td_err_set(err, TD_EVALUE, "too many %s for MPI in one message (%lld)", what, (long long)v);
    return 0;
}

void dist_allgather(const void *mine, const int64_t *counts, size_t bytes, void *out)
{
    if (bytes == 0)
        return;
    MPI_Datatype rec;
    MPI_Type_contiguous((int)bytes, MPI_BYTE, &rec);
    MPI_Type_commit(&rec);
    int *cnt = malloc((size_t)dist_nranks * sizeof *cnt), *disp = malloc((size_t)dist_nranks * sizeof *disp);
    if (!cnt || !disp) {
        fprintf(stderr, "thunder: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int64_t off = 0;
    for (int i = 0; i < dist_nranks; i++) {
        cnt[i] = (int)counts[i];
        disp[i] = (int)off;
        off += counts[i];
    }
    MPI_Allgatherv(mine ? mine : MPI_IN_PLACE, cnt[dist_me], rec, out, cnt, disp, rec, MPI_COMM_WORLD);
    free(cnt);
    free(disp);
    MPI_Type_free(&rec);
}

td_data *dist_gather_data(const value *v, td_err *err)
{
    const dpart *p = v->part;
    const td_data *d = v->u.data;
    if (!dist_is_shared(v))
        return data_retain((td_data *)d);
    int64_t rshape[ND_MAXDIM + 1];
    int nlead = data_nlead(d), rnd = 1;
    rshape[0] = p->total;
    for (int i = nlead; i < data_ndim(d); i++)
        rshape[rnd++] = data_shape(d)[i];
    size_t recbytes = (size_t)data_record_size(d) * td_dtype_size(data_dtype(d));
    int rc = dist_check_int(p->total, "records", err);
    if (rc == 0)
        rc = dist_check_int((int64_t)recbytes, "bytes per record", err);
    nd_array *all = rc == 0 ? nd_new(data_dtype(d), rnd, rshape, err) : NULL;
    nd_array *labels = NULL;
    if (all && d->labels)
        labels = nd_new(d->labels->dtype, 1, &p->total, err);
    if (dist_sync(all && (!d->labels || labels) ? 0 : -1, err) < 0) {
        nd_release(all);
        nd_release(labels);
        return NULL;
    }
    dist_allgather(d->values->data, p->counts, recbytes, all->data);
    if (labels)
        dist_allgather(d->labels->data, p->counts, td_dtype_size(labels->dtype), labels->data);
    td_data *t = data_with_values(d, all, err);
    nd_release(all);
    td_data *u = t ? data_with_labels(t, labels, err) : NULL;
    nd_release(labels);
    data_release(t);
    if (!u || d->kind == TD_IMAGES)
        return u;
    td_data *r = data_reshape(u, p->ndim, p->shape, err);
    data_release(u);
    return r;
}

/* Makes the records of a whole value to be shared again after an
 * operation left some rank without any: gather, then distribute. */
static value *rebalance(value *v, td_err *err)
{
    td_data *all = dist_gather_data(v, err);
    val_release(v);
    return all ? dist_distribute(all, err) : NULL;
}

/* --- arrays from one rank --------------------------------------------------------------------- */

int dist_bcast_array(nd_array **a, int root, td_err *err)
{
    struct {
        int dtype, ndim;
        int64_t shape[ND_MAXDIM];
    } h = {0, 0, {0}};
    if (dist_me == root) {
        h.dtype = (*a)->dtype;
        h.ndim = (*a)->ndim;
        memcpy(h.shape, (*a)->shape, sizeof h.shape);
    }
    MPI_Bcast(&h, (int)sizeof h, MPI_BYTE, root, MPI_COMM_WORLD);
    if (dist_me != root)
        *a = nd_new((td_dtype)h.dtype, h.ndim, h.shape, err);
    if (dist_sync(*a ? 0 : -1, err) < 0) {
        if (dist_me != root) {
            nd_release(*a);
            *a = NULL;
        }
        return -1;
    }
    size_t bytes = (size_t)(*a)->size * nd_itemsize(*a);
    for (size_t done = 0; done < bytes;) {
        int n = bytes - done > (1u << 30) ? 1 << 30 : (int)(bytes - done);
        MPI_Bcast((char *)(*a)->data + done, n, MPI_BYTE, root, MPI_COMM_WORLD);
        done += (size_t)n;
    }
    return 0;
}

/* --- the registry path ------------------------------------------------------------------------ */

/* How a method treats a distributed self. */
typedef enum dclass {
    DC_GATHER = 0, /* anything else: all records gathered, then shared again */
    DC_RECORDS,    /* record by record: runs on the share */
    DC_FILTER,     /* record by record, and a Series comes back flat */
    DC_SPECIAL     /* handled in dist_special */
} dclass;

typedef struct dmethod {
    const char *name;
    dclass cls;
} dmethod;

static const dmethod shared_methods[] = {
    {"count", DC_SPECIAL},   {"first", DC_SPECIAL},    {"shape", DC_SPECIAL},
    {"ndim", DC_SPECIAL},    {"mode", DC_SPECIAL},     {"dtype", DC_RECORDS},
    {"mean", DC_SPECIAL},    {"var", DC_SPECIAL},      {"std", DC_SPECIAL},
    {"sum", DC_SPECIAL},     {"max", DC_SPECIAL},      {"min", DC_SPECIAL},
    {"tolocal", DC_SPECIAL}, {"tospark", DC_SPECIAL},  {"todistributed", DC_SPECIAL},
    {"astype", DC_RECORDS},  {"filter", DC_FILTER},    {"plus", DC_RECORDS},
    {"minus", DC_RECORDS},   {"dottimes", DC_RECORDS}, {"dotdivide", DC_RECORDS},
    {"clip", DC_RECORDS},    {"map", DC_RECORDS},      {"tobinary", DC_SPECIAL},
    {"totif", DC_SPECIAL},   {"topng", DC_SPECIAL},
};

static const dmethod images_special[] = {{"toseries", DC_SPECIAL},
                                         {"totimeseries", DC_SPECIAL},
                                         {"map_as_series", DC_SPECIAL},
                                         {"localcorr", DC_SPECIAL},
                                         {"toblocks", DC_SPECIAL}};
static const dmethod series_special[] = {
    {"toimages", DC_SPECIAL}, {"gramian", DC_SPECIAL}, {"cov", DC_SPECIAL}};
/* Either kind's. */
static const dmethod data_special[] = {{"reduce", DC_SPECIAL}};

static const dmethod images_methods[] = {
    {"squeeze", DC_RECORDS},       {"max_projection", DC_RECORDS},  {"max_min_projection", DC_RECORDS},
    {"subsample", DC_RECORDS},     {"gaussian_filter", DC_RECORDS}, {"uniform_filter", DC_RECORDS},
    {"median_filter", DC_RECORDS}, {"subtract", DC_RECORDS},
};

static const dmethod series_methods[] = {
    {"index", DC_RECORDS},
    {"length", DC_RECORDS},
    {"between", DC_RECORDS},
    {"select", DC_RECORDS},
    {"center", DC_RECORDS},
    {"standardize", DC_RECORDS},
    {"zscore", DC_RECORDS},
    {"squelch", DC_RECORDS},
    {"correlate", DC_RECORDS},
    {"mean_by_panel", DC_RECORDS},
    {"series_max", DC_RECORDS},
    {"series_min", DC_RECORDS},
    {"series_sum", DC_RECORDS},
    {"series_mean", DC_RECORDS},
    {"series_median", DC_RECORDS},
    {"series_std", DC_RECORDS},
    {"series_percentile", DC_RECORDS},
    {"series_stat", DC_RECORDS},
    {"series_stats", DC_RECORDS},
    {"select_by_index", DC_RECORDS},
    {"aggregate_by_index", DC_RECORDS},
    {"stat_by_index", DC_RECORDS},
    {"sum_by_index", DC_RECORDS},
    {"mean_by_index", DC_RECORDS},
    {"median_by_index", DC_RECORDS},
    {"std_by_index", DC_RECORDS},
    {"max_by_index", DC_RECORDS},
    {"min_by_index", DC_RECORDS},
    {"count_by_index", DC_RECORDS},
    {"times", DC_RECORDS},
    {"fourier", DC_RECORDS},
    {"convolve", DC_RECORDS},
    {"crosscorr", DC_RECORDS},
    {"detrend", DC_RECORDS},
    {"normalize", DC_RECORDS},
    {"mean_by_window", DC_RECORDS},
    {"subsample", DC_RECORDS},
    {"downsample", DC_RECORDS},
    {"flatten", DC_SPECIAL},
    {"totimeseries", DC_RECORDS},
};

static dclass lookup(const dmethod *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return t[i].cls;
    return DC_GATHER;
}
#define LOOKUP(t, name) lookup(t, sizeof t / sizeof *t, name)

static int param_index(const call_args *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->fn->params[i].name, name))
            return i;
    return -1;
}

const value *dist_arg(const call_args *a, const char *name)
{
    int k = param_index(a, name);
    return k >= 0 ? a->v[k] : NULL;
}

/* A method of self's own table (not a builtin given self as an argument). */
static bool own_method(const call_args *a)
{
    const reg_table *t = a->self ? reg_methods_of(a->self) : NULL;
    return t && a->fn >= t->funcs && a->fn < t->funcs + t->n;
}

/* The Series methods whose axis 0 is across records, with the mean and
 * std of them all (dist_scale_across). */
static bool across_records(const char *name)
{
    return !strcmp(name, "center") || !strcmp(name, "standardize") || !strcmp(name, "zscore");
}

/* The class of this call, with the conditions under which a record-wise
 * method still needs every record (keys, axis 0, masks). */
static dclass classify(const call_args *a)
{
    const value *self = a->self;
    const char *name = a->fn->name;
    if (!dist_is_data(self) || !own_method(a))
        return DC_GATHER;
    dclass c = LOOKUP(shared_methods, name);
    if (c == DC_GATHER)
        c = self->kind == V_IMAGES ? LOOKUP(images_methods, name) : LOOKUP(series_methods, name);
    if (c == DC_GATHER)
        c = self->kind == V_IMAGES ? LOOKUP(images_special, name) : LOOKUP(series_special, name);
    if (c == DC_GATHER)
        c = LOOKUP(data_special, name);
    int k;
    if ((k = param_index(a, "axis")) >= 0 && self->kind == V_SERIES && a->v[k]->kind == V_INT &&
        a->v[k]->u.i == 0)
        return across_records(name) ? DC_SPECIAL : DC_GATHER;
    if ((k = param_index(a, "return_mask")) >= 0 && a->v[k]->kind == V_BOOL && a->v[k]->u.b)
        return DC_GATHER;
    return c;
}

/* What each rank's result looks like, to check and combine them. */
typedef struct rmeta {
    int64_t n;
    int32_t dtype, ndim; /* of one record */
    int64_t shape[ND_MAXDIM];
} rmeta;

/* r is this rank's result of a record-wise method on its share of self:
 * make it one distributed value (same dtype everywhere, numpy's promotion;
 * shares rebalanced when some rank has none). */
value *dist_wrap_records(const value *self, value *r, bool flat, td_err *err)
{
    if (!dist_is_data(r) || r->part)
        return r;
    td_data *d = r->u.data;
    rmeta m = {0, 0, 0, {0}};
    m.n = data_nrecords(d);
    m.dtype = data_dtype(d);
    for (int i = data_nlead(d); i < data_ndim(d); i++)
        m.shape[m.ndim++] = data_shape(d)[i];
    rmeta *all = calloc((size_t)dist_nranks, sizeof *all);
    if (dist_sync(all ? 0 : td_err_set(err, TD_EMEMORY, "out of memory"), err) < 0) {
        free(all);
        val_release(r);
        return NULL;
    }
    MPI_Allgather(&m, (int)sizeof m, MPI_BYTE, all, (int)sizeof m, MPI_BYTE, MPI_COMM_WORLD);
    /* A record-wise method whose result is not one record per record (a
     * map to scalars makes a single image of them, as Thunder does) must
     * see every record: the caller runs it again on the whole. */
    bool regrouped = false;
    for (int i = 0; self && !flat && i < dist_nranks; i++)
        regrouped |= all[i].n != self->part->counts[i];
    if (regrouped) {
        free(all);
        val_release(r);
        return NULL;
    }
    int64_t total = 0;
    bool empty_share = false;
    const rmeta *ref = NULL;
    td_dtype dt = (td_dtype)m.dtype;
    int rc = 0;
    for (int i = 0; i < dist_nranks; i++) {
        total += all[i].n;
        empty_share |= all[i].n == 0;
        if (all[i].n == 0)
            continue;
        if (!ref) {
            ref = &all[i];
            dt = (td_dtype)all[i].dtype;
        } else {
            if (all[i].ndim != ref->ndim ||
                memcmp(all[i].shape, ref->shape, (size_t)ref->ndim * sizeof *ref->shape))
                rc = td_err_set(err, TD_EVALUE, "records have different shapes on different ranks");
            dt = td_promote(dt, (td_dtype)all[i].dtype);
        }
    }
    if (!ref)
        ref = &all[0];
    if (flat && total == 0)
        rc = td_err_set(err, TD_EVALUE, "filter removed every record");
    dpart *p = NULL;
    if (rc == 0 && (td_dtype)m.dtype != dt) {
        td_data *c = data_astype(d, dt, err);
        if (!c) {
            rc = -1;
        } else {
            val_release(r);
            r = val_data(c);
            d = c;
        }
    }
    if (rc == 0) {
        int64_t shape[ND_MAXDIM + 1];
        int ndim = 0;
        const dpart *sp = self ? self->part : NULL;
        if (sp && r->kind == V_SERIES && self->kind == V_SERIES && !flat && total == sp->total) {
            for (int i = 0; i < sp->ndim - 1; i++)
                shape[ndim++] = sp->shape[i];
        } else {
            shape[ndim++] = total;
        }
        for (int i = 0; i < ref->ndim && ndim < ND_MAXDIM; i++)
            shape[ndim++] = ref->shape[i];
        p = dist_part_new(ndim, shape, total);
        for (int i = 0; i < dist_nranks; i++) {
            p->counts[i] = all[i].n;
            if (i < dist_me)
                p->offset += all[i].n;
        }
    }
    free(all);
    if (rc < 0) {
        val_release(r);
        return NULL;
    }
    value *w = val_data_part(data_retain(d), p);
    val_release(r);
    if (empty_share)
        return rebalance(w, err);
    return w;
}

/* Records of another distributed value line up with self's share when they
 * are split the same way. */
static bool aligned(const value *self, const value *o)
{
    if (!dist_is_shared(o))
        return !dist_is_data(o);
    if (o->part->total != self->part->total)
        return false;
    for (int i = 0; i < dist_nranks; i++)
        if (o->part->counts[i] != self->part->counts[i])
            return false;
    return true;
}

/* Every distributed value among self and the arguments replaced by the
 * whole (gathered) one; *local_in set when some data value is local. */
static int gather_args(call_args *a, value **self, value **args, bool *local_in, td_err *err)
{
    *local_in = false;
    value *src[REG_MAXPARAMS + 1];
    value **dst[REG_MAXPARAMS + 1];
    int n = 0;
    src[n] = a->self;
    dst[n++] = self;
    for (int i = 0; i < a->n; i++) {
        src[n] = a->v[i];
        dst[n++] = &args[i];
    }
    for (int i = 0; i < n; i++) {
        value *v = src[i];
        *dst[i] = NULL;
        if (dist_is_data(v) && !v->part)
            *local_in = true;
        if (v && v->kind == V_BLOCKS && v->part) {
            td_blocks *whole = dist_blocks_gather(v, err);
            if (!(*dst[i] = whole ? blocks_value(whole, err) : NULL)) {
                for (int j = 0; j < i; j++)
                    if (*dst[j])
                        val_release(*dst[j]);
                return -1;
            }
            continue;
        }
        if (!dist_is_data(v) || !v->part) {
            *dst[i] = v ? val_retain(v) : NULL;
            continue;
        }
        td_data *all = dist_gather_data(v, err);
        if (!all) {
            for (int j = 0; j < i; j++)
                if (*dst[j])
                    val_release(*dst[j]);
            return -1;
        }
        *dst[i] = val_data(all);
    }
    return 0;
}

static value *call_with(call_args *a, value *self, value **args, td_err *err)
{
    call_args b = *a;
    b.self = self;
    b.v = args;
    return a->fn->fn(&b, err);
}

static value *call_gathered(call_args *a, bool only_rank0, td_err *err)
{
    value *self = NULL, *args[REG_MAXPARAMS];
    bool local_in;
    if (gather_args(a, &self, args, &local_in, err) < 0)
        return NULL;
    value *r;
    if (only_rank0 && dist_me != 0)
        r = val_none();
    else
        r = call_with(a, self, args, err);
    /* the others wait for rank 0's files before reading them */
    if (only_rank0 && dist_sync(r ? 0 : -1, err) < 0 && r) {
        val_release(r);
        r = NULL;
    }
    if (self)
        val_release(self);
    for (int i = 0; i < a->n; i++)
        val_release(args[i]);
    if (!local_in)
        r = share_out(r, err);
    return r;
}

static value *call_records(call_args *a, dclass c, td_err *err)
{
    /* other distributed arguments must line up record for record */
    for (int i = 0; i < a->n; i++)
        if (!aligned(a->self, a->v[i]))
            return call_gathered(a, false, err);
    value *r = a->fn->fn(a, err);
    if (!r) {
        /* take part in the agreement wrap_records would have made */
        dist_sync(-1, err);
        return NULL;
    }
    value *w = dist_wrap_records(a->self, r, c == DC_FILTER, err);
    return w || err->kind != TD_OK ? w : call_gathered(a, false, err);
}

static value *shape_tuple(const dpart *p)
{
    value *items[ND_MAXDIM];
    for (int i = 0; i < p->ndim; i++)
        items[i] = val_int(p->shape[i]);
    return val_tuple(items, p->ndim);
}

/* The methods distributed mode answers itself; NULL with err clear means
 * "do it the general way". */
static value *special(call_args *a, td_err *err)
{
    const value *self = a->self;
    const dpart *p = self->part;
    const char *name = a->fn->name;
    if (!strcmp(name, "count"))
        return val_int(p->total);
    if (!strcmp(name, "shape"))
        return shape_tuple(p);
    if (!strcmp(name, "ndim"))
        return val_int(p->ndim);
    if (!strcmp(name, "mode")) {
        char buf[64];
        return val_cstr(dist_mode_name(self, buf, sizeof buf));
    }
    if (!strcmp(name, "tospark") || !strcmp(name, "todistributed"))
        return val_retain(a->self);
    if (!strcmp(name, "tolocal")) {
        td_data *all = dist_gather_data(self, err);
        return all ? val_data(all) : NULL;
    }
    if (!strcmp(name, "first") && dist_is_shared(self)) {
        nd_array *f = NULL;
        int rc = 0;
        if (dist_me == 0) {
            f = data_first(self->u.data, err);
            rc = f ? 0 : -1;
        }
        /* rank 0 holds record 0 whenever records are shared */
        if (dist_sync(rc, err) < 0 || dist_bcast_array(&f, 0, err) < 0) {
            nd_release(f);
            return NULL;
        }
        return val_array(f);
    }
    if (!strcmp(name, "flatten") && self->kind == V_SERIES && dist_is_shared(self)) {
        value *r = a->fn->fn(a, err);
        if (!r) {
            dist_sync(-1, err);
            return NULL;
        }
        return dist_wrap_records(self, r, true, err);
    }
    static const struct {
        const char *name;
        nd_redop op;
    } reds[] = {{"mean", ND_RMEAN}, {"var", ND_RVAR}, {"std", ND_RSTD},
                {"sum", ND_RSUM},   {"max", ND_RMAX}, {"min", ND_RMIN}};
    for (size_t i = 0; i < sizeof reds / sizeof *reds; i++)
        if (!strcmp(name, reds[i].name) && dist_is_shared(self)) {
            return dist_reduce_records(self, reds[i].op, err);
        }
    if ((!strcmp(name, "toseries") || !strcmp(name, "totimeseries")) && self->kind == V_IMAGES &&
        dist_is_shared(self)) {
        value *r = dist_toseries(a, err);
        if (r || err->kind != TD_OK)
            return r;
    }
    if (across_records(name) && self->kind == V_SERIES && dist_is_shared(self))
        return dist_scale_across(self, strcmp(name, "standardize") != 0, strcmp(name, "center") != 0, err);
    if (!strcmp(name, "gramian") && self->kind == V_SERIES && dist_is_shared(self))
        return dist_gramian(self, err);
    if (!strcmp(name, "cov") && self->kind == V_SERIES && dist_is_shared(self))
        return dist_cov(self, err);
    if (!strcmp(name, "reduce") && dist_is_shared(self))
        return share_out(a->fn->fn(a, err), err); /* which folds rank by rank (dist_fold) */
    if (!strcmp(name, "localcorr") && self->kind == V_IMAGES && dist_is_shared(self))
        return a->fn->fn(a, err); /* which sees the share and merges (dist_localcorr) */
    if (!strcmp(name, "toblocks") && self->kind == V_IMAGES)
        return a->fn->fn(a, err); /* which cuts the shares into blocks (dist_toblocks) */
    if (!strcmp(name, "map_as_series") && self->kind == V_IMAGES && dist_is_shared(self)) {
        value *r = dist_map_as_series(a, err);
        if (r || err->kind != TD_OK)
            return r;
    }
    if (!strcmp(name, "toimages") && self->kind == V_SERIES && dist_is_shared(self)) {
        value *r = dist_toimages(a, err);
        if (r || err->kind != TD_OK)
            return r;
    }
    static const struct {
        const char *name, *format;
    } writers[] = {{"tobinary", "bin"}, {"totif", "tif"}, {"topng", "png"}};
    for (size_t i = 0; i < sizeof writers / sizeof *writers; i++)
        if (!strcmp(name, writers[i].name)) {
            value *r = dist_is_shared(self) ? dist_write(a, writers[i].format, err) : NULL;
            if (r || err->kind != TD_OK)
                return r;
            /* whole on every rank: rank 0 writes it, the others wait */
            return call_gathered(a, true, err);
        }
    return call_gathered(a, false, err);
}

/* Images/Series or Blocks with a partition. */
static bool has_part(const value *v)
{
    return v && (dist_is_data(v) || v->kind == V_BLOCKS) && v->part;
}

static bool any_distributed(const call_args *a)
{
    if (has_part(a->self))
        return true;
    for (int i = 0; i < a->n; i++)
        if (has_part(a->v[i]))
            return true;
    return false;
}

/* Builtins that look at a value without its records (print, type, help):
 * they see the distributed value as it is. */
static bool looks_only(const call_args *a)
{
    if (a->self)
        return false;
    if (reg_find(&reg_ui, a->fn->name) == a->fn)
        return true; /* the workbench's functions gather what they draw (view.c) */
    return reg_find(&reg_builtins, a->fn->name) == a->fn && strcmp(a->fn->name, "len") != 0 &&
           strcmp(a->fn->name, "list") != 0 && strcmp(a->fn->name, "sorted") != 0;
}

bool dist_can_gather(void)
{
    return dist_active && depth == 1 && !omp_in_parallel();
}

/* Inside a function applied to records (a lambda of map on worker threads,
 * or any call nested in a registry call): no collective may start there.
 * fn names the call refused, or NULL. */
static bool nested(const char *fn, td_err *err)
{
    if (depth == 0 && !omp_in_parallel())
        return false;
    td_err_set(err, TD_EVALUE,
               "%s%sdistributed Images, Series or Blocks cannot be used inside a function applied to records",
               fn ? fn : "", fn ? "(): " : "");
    return true;
}

/* A call with no distributed value in it. Readers and constructors (no
 * self) share the records of the data they make; methods and functions of
 * local values (local Blocks too) give local data. */
static value *call_local(call_args *a, td_err *err)
{
    bool local_in = dist_is_data(a->self);
    for (int i = 0; i < a->n; i++)
        local_in |= dist_is_data(a->v[i]);
    const char *name = a->fn->name;
    if (dist_is_data(a->self) && (!strcmp(name, "tospark") || !strcmp(name, "todistributed")))
        return dist_distribute(data_retain(a->self->u.data), err);
    bool makes_data = !looks_only(a) && !a->self;
    if (makes_data) {
        value *r = dist_read(a, err);
        if (r || err->kind != TD_OK)
            return r;
    }
    value *r = a->fn->fn(a, err);
    if (makes_data && !local_in)
        r = share_out(r, err);
    return r;
}

/* A method of a distributed Blocks value: the methods handle a share
 * themselves (dist_blocks_*); what whole Blocks held by every rank give is
 * marked as theirs is, Images and Series shared out. */
static value *blocks_method(call_args *a, td_err *err)
{
    value *r = a->fn->fn(a, err);
    if (!r || dist_blocks_shared(a->self) || r->part)
        return r;
    if (r->kind == V_BLOCKS)
        return dist_blocks_replicated(r);
    return share_out(r, err);
}

value *dist_call(call_args *a, td_err *err)
{
    bool distributed = any_distributed(a);
    if (depth > 0 || omp_in_parallel())
        return distributed && nested(a->fn->name, err) ? NULL : a->fn->fn(a, err);
    depth++;
    value *r;
    if (!distributed) {
        r = call_local(a, err);
    } else if (looks_only(a)) {
        r = a->fn->fn(a, err);
    } else if (a->self && a->self->kind == V_BLOCKS && a->self->part && own_method(a)) {
        r = blocks_method(a, err);
    } else {
        dclass c = classify(a);
        if ((c == DC_RECORDS || c == DC_FILTER) && dist_is_shared(a->self))
            r = call_records(a, c, err);
        else if (c == DC_SPECIAL)
            r = special(a, err);
        else
            r = call_gathered(a, false, err);
    }
    depth--;
    return r;
}

nd_array *dist_record(const value *v, int64_t i, td_err *err)
{
    if (!dist_is_shared(v))
        return data_record_range(v->u.data, i, i + 1, err);
    const dpart *p = v->part;
    int owner = 0;
    int64_t start = 0;
    while (owner < dist_nranks - 1 && i >= start + p->counts[owner])
        start += p->counts[owner++];
    nd_array *rec = NULL;
    int rc = 0;
    if (dist_me == owner) {
        nd_array *view = data_record_range(v->u.data, i - start, i - start + 1, err);
        rec = view ? nd_copy(view, err) : NULL;
        nd_release(view);
        rc = rec ? 0 : -1;
    }
    if (dist_sync(rc, err) < 0 || dist_bcast_array(&rec, owner, err) < 0) {
        nd_release(rec);
        return NULL;
    }
    return rec;
}

td_data *dist_reduce_data(const value *v, nd_redop op, td_err *err)
{
    if (!dist_is_shared(v))
        return data_reduce(v->u.data, op, err);
    value *r = dist_reduce_records(v, op, err);
    td_data *d = r ? data_retain(r->u.data) : NULL;
    if (r)
        val_release(r);
    return d;
}

int dist_merge(int rc, void *acc, size_t size, void (*merge)(void *into, const void *from), td_err *err)
{
    char *all = rc == 0 ? malloc((size_t)dist_nranks * size) : NULL;
    if (rc == 0 && !all)
        rc = td_err_set(err, TD_EMEMORY, "out of memory");
    if (dist_sync(rc, err) < 0) {
        free(all);
        return -1;
    }
    MPI_Allgather(acc, (int)size, MPI_BYTE, all, (int)size, MPI_BYTE, MPI_COMM_WORLD);
    memcpy(acc, all, size);
    for (int r = 1; r < dist_nranks; r++)
        merge(acc, all + (size_t)r * size);
    free(all);
    return 0;
}

value *dist_subscript(value *obj, value *index, td_err *err)
{
    if (nested(NULL, err))
        return NULL;
    td_data *all = dist_gather_data(obj, err);
    if (!all)
        return NULL;
    value *whole = val_data(all);
    value *r = data_subscript(whole, index, err);
    val_release(whole);
    r = share_out(r, err);
    return r;
}

#endif /* HAVE_MPI */

/* Distributed mode over MPI: the operations that move records between the
 * ranks (reductions, the Images/Series transposes, readers and writers
 * that share their files). app/dist.c has the model and the registry path. */
#include "config.h"

#ifdef HAVE_MPI

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist_internal.h"
#include "interp.h"
#include "m_blocks.h"

/* What a rank other than 0 writes while its output is wanted (warnings of
 * a reader reading this rank's files): chunks of stream, length, text. */
static char *captured;
static size_t captured_len, captured_cap;
static bool capturing;

void dist_output(int stream, const char *text, size_t len)
{
    if (!capturing)
        return;
    size_t need = captured_len + 1 + sizeof(uint32_t) + len;
    if (need > captured_cap) {
        size_t cap = captured_cap ? captured_cap : 4096;
        while (cap < need)
            cap *= 2;
        char *c = realloc(captured, cap);
        if (!c)
            return; /* a warning lost is better than a rank lost */
        captured = c;
        captured_cap = cap;
    }
    uint32_t n = (uint32_t)len;
    captured[captured_len++] = (char)stream;
    memcpy(captured + captured_len, &n, sizeof n);
    captured_len += sizeof n;
    memcpy(captured + captured_len, text, len);
    captured_len += len;
}

/* Rank 0 writes what the other ranks captured, in rank order (their files
 * come after rank 0's, so the warnings keep the order of the files). */
static void flush_captured(interp *in)
{
    capturing = false;
    int len = (int)captured_len;
    int *lens = dist_me == 0 ? calloc((size_t)dist_nranks, sizeof *lens) : NULL;
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int *disp = NULL;
    char *all = NULL;
    if (dist_me == 0) {
        disp = calloc((size_t)dist_nranks, sizeof *disp);
        int total = 0;
        for (int i = 0; i < dist_nranks; i++) {
            disp[i] = total;
            total += lens[i];
        }
        all = malloc((size_t)total + 1);
        if (!lens || !disp || !all)
            MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Gatherv(captured, len, MPI_CHAR, all, lens, disp, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (dist_me == 0) {
        for (int r = 1; r < dist_nranks; r++) {
            const char *p = all + disp[r], *end = p + lens[r];
            while (p + 1 + sizeof(uint32_t) <= end) {
                uint32_t n;
                memcpy(&n, p + 1, sizeof n);
                interp_write(in, p[0], p + 1 + sizeof n, n);
                p += 1 + sizeof n + n;
            }
        }
    }
    free(lens);
    free(disp);
    free(all);
    captured_len = 0;
}

/* set while a reader reads only this rank's files */
static int reader_index, reader_count;

void dist_reader_part(int *index, int *count)
{
    *index = reader_index;
    *count = reader_count;
}

/* --- reductions across records ------------------------------------------------------------------ */

static td_dtype combine_dtype;

#define COMBINE(NAME, EXPR)                                                                                  \
    static void NAME(void *in, void *inout, int *len, MPI_Datatype *dt)                                      \
    {                                                                                                        \
        (void)dt;                                                                                            \
        switch (combine_dtype) {                                                                             \
        case TD_BOOL:                                                                                        \
        case TD_UINT8: COMBINE_T(uint8_t, EXPR); break;                                                      \
        case TD_INT8: COMBINE_T(int8_t, EXPR); break;                                                        \
        case TD_UINT16: COMBINE_T(uint16_t, EXPR); break;                                                    \
        case TD_INT16: COMBINE_T(int16_t, EXPR); break;                                                      \
        case TD_UINT32: COMBINE_T(uint32_t, EXPR); break;                                                    \
        case TD_INT32: COMBINE_T(int32_t, EXPR); break;                                                      \
        case TD_UINT64: COMBINE_T(uint64_t, EXPR); break;                                                    \
        case TD_INT64: COMBINE_T(int64_t, EXPR); break;                                                      \
        case TD_FLOAT32: COMBINE_T(float, EXPR); break;                                                      \
        case TD_FLOAT64: COMBINE_T(double, EXPR); break;                                                     \
        default: break;                                                                                      \
        }                                                                                                    \
    }
/* len counts elements (one datatype of the element's bytes, so that MPI
 * never splits an element between two pieces of a pipelined reduction); x
 * is in, y is inout. */
#define COMBINE_T(T, EXPR)                                                                                   \
    do {                                                                                                     \
        T *x = in, *y = inout;                                                                               \
        for (int i = 0; i < *len; i++) {                                                                     \
            T a = x[i], b = y[i];                                                                            \
            y[i] = (T)(EXPR);                                                                                \
        }                                                                                                    \
    } while (0)
/* numpy's max and min propagate NaN (a != a); integer sums wrap as numpy's do */
COMBINE(combine_max, (a != a || b != b) ? (a != a ? a : b) : (a > b ? a : b))
COMBINE(combine_min, (a != a || b != b) ? (a != a ? a : b) : (a < b ? a : b))
COMBINE(combine_sum, a + b)
#undef COMBINE
#undef COMBINE_T

/* Element-wise combination of every rank's a (in place) with op. */
static void allreduce_array(nd_array *a, MPI_User_function *fn)
{
    MPI_Op op;
    MPI_Op_create(fn, 1, &op);
    MPI_Datatype el;
    MPI_Type_contiguous((int)nd_itemsize(a), MPI_BYTE, &el);
    MPI_Type_commit(&el);
    combine_dtype = a->dtype;
    size_t item = nd_itemsize(a);
    for (int64_t done = 0; done < a->size;) {
        int n = a->size - done > (1 << 27) ? 1 << 27 : (int)(a->size - done);
        MPI_Allreduce(MPI_IN_PLACE, (char *)a->data + (size_t)done * item, n, el, op, MPI_COMM_WORLD);
        done += n;
    }
    MPI_Type_free(&el);
    MPI_Op_free(&op);
}

static void allreduce_doubles(double *x, int64_t n)
{
    for (int64_t done = 0; done < n;) {
        int k = n - done > (1 << 27) ? 1 << 27 : (int)(n - done);
        MPI_Allreduce(MPI_IN_PLACE, x + done, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        done += k;
    }
}

static nd_array *to_f64(const nd_array *a, td_err *err)
{
    return a->dtype == TD_FLOAT64 ? nd_copy(a, err) : nd_astype(a, TD_FLOAT64, err);
}

/* mean/var/std of the whole from each rank's count, mean and variance:
 * the mean is sum(n_r m_r) / N, and the variance adds the spread of the
 * ranks' means to their own: sum(n_r (v_r + (m_r - M)^2)) / N. */
static nd_array *combine_moments(const td_data *d, const dpart *p, nd_redop op, td_dtype out_dtype,
                                 td_err *err)
{
    td_data *pm = data_reduce(d, ND_RMEAN, err);
    td_data *pv = pm && op != ND_RMEAN ? data_reduce(d, ND_RVAR, err) : NULL;
    nd_array *m = pm ? to_f64(pm->values, err) : NULL;
    nd_array *v = pv ? to_f64(pv->values, err) : NULL;
    data_release(pm);
    data_release(pv);
    int rc = m && (op == ND_RMEAN || v) ? 0 : -1;
    if (dist_sync(rc, err) < 0) {
        nd_release(m);
        nd_release(v);
        return NULL;
    }
    double nr = (double)p->counts[dist_me], N = (double)p->total;
    double *mm = m->data;
    int64_t k = m->size;
    double *local_mean = NULL;
    if (v) {
        local_mean = malloc((size_t)k * sizeof *local_mean);
        if (!local_mean)
            MPI_Abort(MPI_COMM_WORLD, 1);
        memcpy(local_mean, mm, (size_t)k * sizeof *mm);
    }
    for (int64_t i = 0; i < k; i++)
        mm[i] *= nr;
    allreduce_doubles(mm, k);
    for (int64_t i = 0; i < k; i++)
        mm[i] /= N;
    nd_array *res = m;
    if (v) {
        double *vv = v->data;
        for (int64_t i = 0; i < k; i++) {
            double dm = local_mean[i] - mm[i];
            vv[i] = nr * (vv[i] + dm * dm);
        }
        allreduce_doubles(vv, k);
        for (int64_t i = 0; i < k; i++)
            vv[i] = op == ND_RSTD ? sqrt(vv[i] / N) : vv[i] / N;
        free(local_mean);
        nd_release(m);
        res = v;
    }
    if (res->dtype == out_dtype)
        return res;
    nd_array *c = nd_astype(res, out_dtype, err);
    nd_release(res);
    return c;
}

value *dist_reduce_records(const value *self, nd_redop op, td_err *err)
{
    const td_data *d = self->u.data;
    /* the local result gives the dtype, shape and kind of the whole one */
    td_data *local = data_reduce(d, op, err);
    if (!local) {
        dist_sync(-1, err);
        return NULL;
    }
    nd_array *whole;
    if (op == ND_RMEAN || op == ND_RVAR || op == ND_RSTD) {
        whole = combine_moments(d, self->part, op, data_dtype(local), err);
    } else {
        whole = nd_copy(local->values, err);
        if (dist_sync(whole ? 0 : -1, err) < 0) {
            nd_release(whole);
            whole = NULL;
        } else {
            allreduce_array(whole, op == ND_RSUM ? combine_sum : op == ND_RMAX ? combine_max : combine_min);
        }
    }
    td_data *r = whole ? data_with_values(local, whole, err) : NULL;
    nd_release(whole);
    data_release(local);
    return r ? dist_distribute(r, err) : NULL;
}

value *dist_scale_across(const value *self, bool center, bool scale, td_err *err)
{
    /* Thunder's axis-0 center, standardize and zscore: x - mean, x / std
     * or (x - mean) / std with the mean and std over all records, which
     * come from dist_reduce_records; then each rank scales its own */
    value *m = center ? dist_reduce_records(self, ND_RMEAN, err) : NULL;
    if (center && !m)
        return NULL;
    value *s = scale ? dist_reduce_records(self, ND_RSTD, err) : NULL;
    if (scale && !s) {
        if (m)
            val_release(m);
        return NULL;
    }
    td_data *r =
        ser_scale_across(self->u.data, m ? m->u.data->values : NULL, s ? s->u.data->values : NULL, err);
    if (m)
        val_release(m);
    if (s)
        val_release(s);
    if (!r) {
        dist_sync(-1, err); /* the agreement dist_wrap_records would have made */
        return NULL;
    }
    return dist_wrap_records(self, val_data(r), false, err);
}

/* --- reduce: a fold from rank to rank ----------------------------------------------------------------- */

/* The running result as it travels from a rank to the next. */
typedef struct fold_head {
    int32_t failed, dtype, ndim, unused;
    int64_t shape[ND_MAXDIM];
} fold_head;

static void bytes_send(const void *p, size_t n, int to)
{
    for (size_t done = 0; done < n;) {
        int k = n - done > (1u << 30) ? 1 << 30 : (int)(n - done);
        MPI_Send((const char *)p + done, k, MPI_BYTE, to, 0, MPI_COMM_WORLD);
        done += (size_t)k;
    }
}

static void bytes_recv(void *p, size_t n, int from)
{
    for (size_t done = 0; done < n;) {
        int k = n - done > (1u << 30) ? 1 << 30 : (int)(n - done);
        MPI_Recv((char *)p + done, k, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        done += (size_t)k;
    }
}

/* The next rank gets x (NULL: the fold has failed); it says first whether
 * it could make room, so that no bytes are sent to a rank that cannot
 * take them. */
static void fold_send(const nd_array *x)
{
    fold_head h = {x == NULL, 0, 0, 0, {0}};
    if (x) {
        h.dtype = x->dtype;
        h.ndim = x->ndim;
        memcpy(h.shape, x->shape, (size_t)x->ndim * sizeof *h.shape);
    }
    MPI_Send(&h, (int)sizeof h, MPI_BYTE, dist_me + 1, 0, MPI_COMM_WORLD);
    int ready = 0;
    if (x)
        MPI_Recv(&ready, 1, MPI_INT, dist_me + 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (ready)
        bytes_send(x->data, nd_nbytes(x), dist_me + 1);
}

/* The previous rank's running result; NULL with *forwarded set when the
 * fold failed before this rank, NULL with err when there is no room. */
static nd_array *fold_recv(bool *forwarded, td_err *err)
{
    fold_head h;
    MPI_Recv(&h, (int)sizeof h, MPI_BYTE, dist_me - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    *forwarded = h.failed;
    if (h.failed)
        return NULL;
    nd_array *x = nd_new((td_dtype)h.dtype, h.ndim, h.shape, err);
    int ready = x != NULL;
    MPI_Send(&ready, 1, MPI_INT, dist_me - 1, 0, MPI_COMM_WORLD);
    if (x)
        bytes_recv(x->data, nd_nbytes(x), dist_me - 1);
    return x;
}

value *dist_fold(dist_fold_fn fn, void *ctx, td_err *err)
{
    /* every rank is here before any waits on its neighbour */
    if (dist_sync(0, err) < 0)
        return NULL;
    bool forwarded = false;
    value *acc = NULL;
    if (dist_me > 0) {
        nd_array *x = fold_recv(&forwarded, err);
        acc = x ? val_array(x) : NULL;
    }
    bool failed = forwarded || (dist_me > 0 && !acc);
    nd_array *mine = NULL;
    if (!failed) {
        acc = fn(ctx, acc, err);
        mine = acc ? val_to_array(acc, err) : NULL;
        if (acc)
            val_release(acc);
        failed = !mine;
    }
    if (dist_me < dist_nranks - 1)
        fold_send(mine);
    /* a rank that only passed the failure on is not the one to report it */
    if (dist_sync(failed && !forwarded ? -1 : 0, err) < 0) {
        nd_release(mine);
        return NULL;
    }
    int last = dist_nranks - 1;
    if (dist_me != last) {
        nd_release(mine);
        mine = NULL;
    }
    if (dist_bcast_array(&mine, last, err) < 0)
        return NULL;
    return val_array(mine);
}

/* --- exchanges ------------------------------------------------------------------------------------ */

void dist_alltoallv(const void *send, const int64_t *scnt, void *recv, const int64_t *rcnt, size_t item)
{
    int *sc = malloc(4 * (size_t)dist_nranks * sizeof *sc);
    if (!sc)
        MPI_Abort(MPI_COMM_WORLD, 1);
    int *sd = sc + dist_nranks, *rc = sd + dist_nranks, *rd = rc + dist_nranks;
    int64_t so = 0, ro = 0;
    for (int s = 0; s < dist_nranks; s++) {
        sc[s] = (int)scnt[s];
        sd[s] = (int)so;
        rc[s] = (int)rcnt[s];
        rd[s] = (int)ro;
        so += scnt[s];
        ro += rcnt[s];
    }
    MPI_Datatype el;
    MPI_Type_contiguous((int)item, MPI_BYTE, &el);
    MPI_Type_commit(&el);
    MPI_Alltoallv(send, sc, sd, el, recv, rc, rd, el, MPI_COMM_WORLD);
    MPI_Type_free(&el);
    free(sc);
}

int dist_check_counts(const int64_t *scnt, const int64_t *rcnt, td_err *err)
{
    int64_t st = 0, rt = 0;
    for (int s = 0; s < dist_nranks; s++) {
        st += scnt[s];
        rt += rcnt[s];
    }
    if (dist_check_int(st, "elements sent by one rank", err) < 0)
        return -1;
    return dist_check_int(rt, "elements received by one rank", err);
}

/* n items (pixels, images) split evenly: rank s holds [off[s], off[s] +
 * cnt[s]), with off the first nranks entries of the block returned and cnt
 * the next nranks. NULL (every rank told) when out of memory. */
static int64_t *even_split_new(int64_t n, td_err *err)
{
    int64_t *off = malloc(2 * (size_t)dist_nranks * sizeof *off);
    if (!off) {
        dist_sync(td_err_set(err, TD_EMEMORY, "out of memory"), err);
        return NULL;
    }
    for (int s = 0; s < dist_nranks; s++)
        io_part_range(n, s, dist_nranks, &off[s], &off[dist_nranks + s]);
    return off;
}

/* Images shared by images become images shared by pixels: every rank sends
 * each other rank that rank's pixels of its own images (MPI_Alltoallv), and
 * the blocks arrive in time order as (n, q, 1): all n images of this rank's
 * q pixels. */
static nd_array *pixels_exchange(const value *self, const int64_t *pix_off, const int64_t *pix_cnt,
                                 td_err *err)
{
    const dpart *p = self->part;
    const td_data *d = self->u.data;
    int64_t npix = data_record_size(d), n = p->total, mine = p->counts[dist_me];
    size_t item = td_dtype_size(data_dtype(d));
    int64_t *scnt = malloc(2 * (size_t)dist_nranks * sizeof *scnt), *rcnt = scnt ? scnt + dist_nranks : NULL;
    int rc = scnt ? 0 : td_err_set(err, TD_EMEMORY, "out of memory");
    if (rc == 0) {
        for (int s = 0; s < dist_nranks; s++) {
            scnt[s] = mine * pix_cnt[s];
            rcnt[s] = p->counts[s] * pix_cnt[dist_me];
        }
        rc = dist_check_counts(scnt, rcnt, err);
    }
    nd_array *sendbuf = NULL, *recv = NULL;
    if (rc == 0) {
        int64_t sshape[1] = {mine * npix}, rshape[3] = {n, pix_cnt[dist_me], 1};
        sendbuf = nd_new(data_dtype(d), 1, sshape, err);
        recv = sendbuf ? nd_new(data_dtype(d), 3, rshape, err) : NULL;
        rc = recv ? 0 : -1;
    }
    if (dist_sync(rc, err) < 0) {
        nd_release(sendbuf);
        nd_release(recv);
        free(scnt);
        return NULL;
    }
    /* pack: for each destination, its pixel columns of every local image */
    char *out = sendbuf->data;
    for (int s = 0; s < dist_nranks; s++)
        for (int64_t i = 0; i < mine; i++) {
            memcpy(out, (const char *)data_record(d, i) + (size_t)pix_off[s] * item,
                   (size_t)pix_cnt[s] * item);
            out += (size_t)pix_cnt[s] * item;
        }
    dist_alltoallv(sendbuf->data, scnt, recv->data, rcnt, item);
    nd_release(sendbuf);
    free(scnt);
    return recv;
}

/* Images (m, q, 1) of this rank's q pixels as the records (q, m) of a
 * Series shared by pixels, whose whole has base image_shape. */
static value *pixel_series(nd_array *cols, int ndim, const int64_t *image_shape, const int64_t *pix_off,
                           const int64_t *pix_cnt, td_err *err)
{
    int64_t m = cols->shape[0], npix = 0;
    td_data *imgs = img_fromarray(cols, err);
    td_data *ser3 = imgs ? img_toseries(imgs, err) : NULL;
    data_release(imgs);
    int64_t flat[2] = {pix_cnt[dist_me], m};
    td_data *ser = ser3 ? data_reshape(ser3, 2, flat, err) : NULL;
    data_release(ser3);
    if (!ser)
        return NULL;
    int64_t shape[ND_MAXDIM];
    for (int i = 0; i < ndim; i++)
        shape[i] = image_shape[i];
    shape[ndim] = m;
    for (int s = 0; s < dist_nranks; s++)
        npix += pix_cnt[s];
    dpart *np = dist_part_new(ndim + 1, shape, npix);
    for (int s = 0; s < dist_nranks; s++)
        np->counts[s] = pix_cnt[s];
    np->offset = pix_off[dist_me];
    return val_data_part(ser, np);
}

value *dist_localcorr(const value *self, int nsize, const int64_t *size, td_err *err)
{
    const td_data *d = self->u.data;
    if (!dist_is_shared(self)) {
        nd_array *r = img_localcorr(d, nsize, size, err);
        return r ? val_array(r) : NULL;
    }
    const dpart *p = self->part;
    nd_array *mom = img_localcorr_moments(d, nsize, size, err);
    int64_t plane = mom ? mom->size / 5 : 0;
    double *sums = mom ? malloc(5 * (size_t)(plane ? plane : 1) * sizeof *sums) : NULL;
    nd_array *out = sums ? nd_new(TD_FLOAT64, p->ndim - 1, p->shape + 1, err) : NULL;
    if (mom && !sums)
        td_err_set(err, TD_EMEMORY, "out of memory");
    if (dist_sync(out ? 0 : -1, err) < 0) {
        nd_release(mom);
        free(sums);
        nd_release(out);
        return NULL;
    }
    /* Chan's merge of the ranks' moments: the means first, then each rank's
     * co-moments plus the spread of its means around the whole's */
    const double *mx = mom->data, *my = mx + plane, *cxx = my + plane, *cyy = cxx + plane, *cxy = cyy + plane;
    double nr = (double)p->counts[dist_me], n = (double)p->total;
    double *mean = sums, *cm = sums + 2 * plane;
    for (int64_t i = 0; i < plane; i++) {
        mean[i] = nr * mx[i];
        mean[plane + i] = nr * my[i];
    }
    allreduce_doubles(mean, 2 * plane);
    for (int64_t i = 0; i < plane; i++) {
        double dx = mx[i] - mean[i] / n, dy = my[i] - mean[plane + i] / n;
        cm[i] = cxx[i] + nr * dx * dx;
        cm[plane + i] = cyy[i] + nr * dy * dy;
        cm[2 * plane + i] = cxy[i] + nr * dx * dy;
    }
    allreduce_doubles(cm, 3 * plane);
    img_localcorr_finish(out->data, cm, cm + plane, cm + 2 * plane, plane, p->total);
    nd_release(mom);
    free(sums);
    return val_array(out);
}

value *dist_gramian(const value *self, td_err *err)
{
    /* X^T X is a sum over records: each rank's share, then MPI_Allreduce
     * (integer products wrap as numpy's do, in any order) */
    td_series *local = ser_gramian(self->u.data, err);
    nd_array *whole = local ? nd_copy(local->values, err) : NULL;
    if (dist_sync(whole ? 0 : -1, err) < 0) {
        nd_release(whole);
        data_release(local);
        return NULL;
    }
    allreduce_array(whole, combine_sum);
    td_data *r = data_with_values(local, whole, err);
    nd_release(whole);
    data_release(local);
    return r ? dist_distribute(r, err) : NULL;
}

value *dist_cov(const value *self, td_err *err)
{
    /* The whole's mean (as mean() gives it), each rank's centred X^T X
     * over its own records, their sum with MPI_Allreduce; float32 data
     * stay float32 as locally, so they agree to float32 precision */
    int64_t rows = self->part->shape[0];
    if (rows == 1) {
        td_err_set(err, TD_EZERODIV, "float division by zero");
        return NULL; /* the same on every rank */
    }
    value *m = dist_reduce_records(self, ND_RMEAN, err);
    if (!m)
        return NULL;
    nd_array *gram = ser_cov_gram(self->u.data, m->u.data->values, err);
    val_release(m);
    if (dist_sync(gram ? 0 : -1, err) < 0) {
        nd_release(gram);
        return NULL;
    }
    allreduce_array(gram, combine_sum);
    td_series *r = ser_cov_finish(self->u.data, gram, rows, err);
    nd_release(gram);
    return r ? dist_distribute(r, err) : NULL;
}

/* Images.toseries with the images shared: the pixel exchange, then one
 * local transpose makes the (q, n) records. NULL with err clear when the
 * general way applies (labels, fewer pixels than ranks). Nothing after the
 * exchange talks to the other ranks: a failure there (memory) reaches them
 * at the end of the statement. */
value *dist_toseries(call_args *a, td_err *err)
{
    const dpart *p = a->self->part;
    int64_t npix = data_record_size(a->self->u.data);
    if (a->self->u.data->labels || npix < dist_nranks)
        return NULL;
    int64_t *split = even_split_new(npix, err);
    nd_array *cols = split ? pixels_exchange(a->self, split, split + dist_nranks, err) : NULL;
    value *r = cols ? pixel_series(cols, p->ndim - 1, p->shape + 1, split, split + dist_nranks, err) : NULL;
    nd_release(cols);
    free(split);
    return r;
}

value *dist_images_toseries(const value *images, td_err *err)
{
    if (dist_is_shared(images)) {
        call_args a = {.self = (value *)images};
        value *r = dist_toseries(&a, err);
        if (r || err->kind != TD_OK)
            return r;
    }
    td_data *all = dist_gather_data(images, err);
    td_series *s = all ? img_toseries(all, err) : NULL;
    data_release(all);
    return s ? dist_distribute(s, err) : NULL;
}

/* Images.map_as_series with the images shared: the pixel exchange; the
 * function over this rank's pixels, by the local map_as_series itself (so
 * its checks and messages are the local ones); then the results go back to
 * images (dist_toimages, or gathered when there are fewer values per pixel
 * than ranks). Only the default chunk and block sizes go this way. */
value *dist_map_as_series(call_args *a, td_err *err)
{
    const value *self = a->self;
    const dpart *p = self->part;
    const td_data *d = self->u.data;
    const value *chunk = dist_arg(a, "chunk_size"), *block = dist_arg(a, "block_size");
    int64_t npix = data_record_size(d);
    if (d->labels || npix < dist_nranks || p->ndim < 3 || !chunk)
        return NULL;
    /* The chunk size only decides how the local map_as_series walks the
     * pixels, not what it gives: it is checked against the whole images as
     * locally (Thunder's toblocks rules), and each rank's pixels then go
     * the default way. */
    const value *size = block && block->kind != V_NONE ? block : chunk;
    td_chunk plan;
    if (blocks_chunk_arg(size, p->ndim - 1, &plan, err) < 0)
        return NULL; /* the same on every rank: the arguments are */
    static const int64_t nopad[1] = {0};
    td_blocks *g = blk_plan(p->ndim, p->shape, data_dtype(d), &plan, 0, nopad, err);
    if (!g)
        return NULL;
    blk_release(g);
    int64_t *off = even_split_new(npix, err);
    if (!off)
        return NULL;
    const int64_t *cnt = off + dist_nranks;
    nd_array *cols = pixels_exchange(self, off, cnt, err);
    value *r = NULL, *local = NULL;
    if (cols) {
        td_data *im = img_fromarray(cols, err);
        local = im ? val_data(im) : NULL;
    }
    if (local) {
        value *args[REG_MAXPARAMS], *dflt[2] = {val_cstr("auto"), val_none()};
        for (int i = 0; i < a->n; i++) {
            const char *name = a->fn->params[i].name;
            args[i] = !strcmp(name, "chunk_size") ? dflt[0] : !strcmp(name, "block_size") ? dflt[1] : a->v[i];
        }
        call_args b = *a;
        b.self = local;
        b.v = args;
        r = a->fn->fn(&b, err);
        val_release(dflt[0]);
        val_release(dflt[1]);
    }
    /* every rank's result, (m, q, 1): m and the dtype must be rank 0's, whose
     * first pixel is the whole's first (numpy casts to its dtype) */
    int64_t m = r ? data_shape(r->u.data)[0] : 0;
    int64_t first[2] = {m, r ? (int64_t)data_dtype(r->u.data) : 0}; /* rank 0's m and dtype */
    if (dist_sync(r ? 0 : -1, err) < 0)
        goto fail;
    MPI_Bcast(first, 2, MPI_INT64_T, 0, MPI_COMM_WORLD);
    int64_t m0 = first[0];
    td_dtype dt0 = (td_dtype)first[1];
    int rc = 0;
    if (m != m0)
        rc =
            td_err_set(err, TD_EVALUE, "map_as_series: value_size is %lld, but the function gave %lld values",
                       (long long)m0, (long long)m);
    value *cast = NULL;
    if (rc == 0 && data_dtype(r->u.data) != dt0) {
        td_data *c = data_astype(r->u.data, dt0, err);
        cast = c ? val_data(c) : NULL;
        rc = cast ? 0 : -1;
    }
    if (dist_sync(rc, err) < 0) {
        val_release(cast);
        goto fail;
    }
    if (cast) {
        val_release(r);
        r = cast;
    }
    nd_array *vals = data_values(r->u.data, err);
    value *ser = vals ? pixel_series(vals, p->ndim - 1, p->shape + 1, off, cnt, err) : NULL;
    nd_release(vals);
    val_release(r);
    r = NULL;
    /* the others take part in toimages below whatever happened here */
    if (dist_sync(ser ? 0 : -1, err) < 0)
        goto fail;
    call_args t = *a;
    t.self = ser;
    r = dist_toimages(&t, err);
    if (!r && err->kind == TD_OK) {
        td_data *all = dist_gather_data(ser, err);
        td_data *im = all ? ser_toimages(all, err) : NULL;
        data_release(all);
        r = im ? dist_distribute(im, err) : NULL;
    }
    val_release(ser);
fail:
    if (local)
        val_release(local);
    nd_release(cols);
    free(off);
    return r;
}

/* Series.toimages with the records shared: the inverse exchange. Each rank
 * turns its (q, n) records into (n, q) rows (a local transpose), sends
 * rank r the rows of r's images, and places what arrives from rank s at
 * s's pixels of each image. NULL with err clear when the general way
 * applies (labels, fewer images than ranks, a base of one axis). */
value *dist_toimages(call_args *a, td_err *err)
{
    const value *self = a->self;
    const dpart *p = self->part;
    const td_data *d = self->u.data;
    int64_t n = ser_length(d), npix = p->total, mine = p->counts[dist_me];
    if (d->labels || n < dist_nranks || p->ndim < 3)
        return NULL;
    size_t item = td_dtype_size(data_dtype(d));
    int64_t *split = even_split_new(n, err);
    if (!split)
        return NULL;
    const int64_t *img_off = split, *img_cnt = split + dist_nranks;
    int64_t *scnt = malloc(2 * (size_t)dist_nranks * sizeof *scnt), *rcnt = scnt ? scnt + dist_nranks : NULL;
    int rc = scnt ? 0 : td_err_set(err, TD_EMEMORY, "out of memory");
    if (rc == 0) {
        for (int r = 0; r < dist_nranks; r++) {
            scnt[r] = img_cnt[r] * mine;
            rcnt[r] = img_cnt[dist_me] * p->counts[r];
        }
        rc = dist_check_counts(scnt, rcnt, err);
    }
    td_data *rows = NULL; /* (n, q, 1) images: this rank's records transposed */
    nd_array *recv = NULL, *out = NULL;
    if (rc == 0) {
        int64_t s3[3] = {mine, 1, n};
        td_data *s3d = data_reshape(d, 3, s3, err);
        rows = s3d ? ser_toimages(s3d, err) : NULL;
        data_release(s3d);
        int64_t rshape[1] = {img_cnt[dist_me] * npix};
        int64_t oshape[ND_MAXDIM];
        oshape[0] = img_cnt[dist_me];
        for (int i = 0; i < p->ndim - 1; i++)
            oshape[i + 1] = p->shape[i];
        recv = rows ? nd_new(data_dtype(d), 1, rshape, err) : NULL;
        out = recv ? nd_new(data_dtype(d), p->ndim, oshape, err) : NULL;
        rc = out ? 0 : -1;
    }
    if (dist_sync(rc, err) < 0) {
        data_release(rows);
        nd_release(recv);
        nd_release(out);
        free(split);
        free(scnt);
        return NULL;
    }
    /* rank r's images are rows [img_off[r], +img_cnt[r]) of this rank's */
    dist_alltoallv(rows->values->data, scnt, recv->data, rcnt, item);
    data_release(rows);
    /* from rank s: (images, q_s) rows; pixel columns [off_s, off_s + q_s) */
    const char *src = recv->data;
    int64_t pix_off = 0;
    for (int s = 0; s < dist_nranks; s++) {
        size_t w = (size_t)p->counts[s] * item;
        for (int64_t t = 0; t < img_cnt[dist_me]; t++)
            memcpy((char *)out->data + ((size_t)t * (size_t)npix + (size_t)pix_off) * item,
                   src + (size_t)t * w, w);
        src += (size_t)rcnt[s] * item;
        pix_off += p->counts[s];
    }
    nd_release(recv);
    td_data *imgs = img_fromarray(out, err);
    nd_release(out);
    dpart *np = NULL;
    if (imgs) {
        int64_t shape[ND_MAXDIM];
        shape[0] = n;
        for (int i = 0; i < p->ndim - 1; i++)
            shape[i + 1] = p->shape[i];
        np = dist_part_new(p->ndim, shape, n);
        for (int r = 0; r < dist_nranks; r++)
            np->counts[r] = img_cnt[r];
        np->offset = img_off[dist_me];
    }
    free(split);
    free(scnt);
    return imgs ? val_data_part(imgs, np) : NULL;
}

/* tobinary / totif / topng with the records shared: rank 0 opens the
 * output (the overwrite rules, a temporary directory), every rank writes
 * its own records' files into it, numbered by their place in the whole, and
 * rank 0 finishes it (conf.json and SUCCESS, then the rename) once all have
 * written, or removes it when any rank failed. */
value *dist_write(call_args *a, const char *format, td_err *err)
{
    const value *self = a->self;
    const dpart *p = self->part;
    const td_data *d = self->u.data;
    const value *path = dist_arg(a, "path"), *prefix = dist_arg(a, "prefix"),
                *over = dist_arg(a, "overwrite");
    if (!path || path->kind != V_STR)
        return NULL;
    const char *pre = prefix && prefix->kind == V_STR ? prefix->u.str.s : NULL;
    bool series = self->kind == V_SERIES;
    io_out *o = NULL;
    int rc = 0;
    if (dist_me == 0) {
        o = io_out_begin(path->u.str.s, over && over->kind == V_BOOL && over->u.b, series, err);
        rc = o ? 0 : -1;
    }
    if (dist_sync(rc, err) < 0)
        return NULL;
    char *dir = dist_me == 0 ? strdup(io_out_path(o)) : NULL;
    long len = dir ? (long)strlen(dir) : 0;
    dist_bcast_text(&dir, &len);
    io_out *w = dist_me == 0 ? o : io_out_join(dir, path->u.str.s, err);
    free(dir);
    /* a Series is one file, as locally: rank 0 creates it with its records,
     * then the others write theirs at their places */
    rc = !w       ? -1
         : series ? (dist_me == 0 ? io_series_write(d, w, pre, p->ndim - 1, 0, err) : 0)
                  : io_images_write(d, w, format, pre, p->offset, err);
    if (series && dist_sync(rc, err) == 0)
        rc = dist_me == 0 ? 0 : io_series_write(d, w, pre, p->ndim - 1, p->offset, err);
    else if (series)
        rc = -1;
    if (dist_me != 0)
        io_out_leave(w);
    if (dist_sync(rc, err) < 0) {
        if (dist_me == 0)
            io_out_abort(o);
        return NULL;
    }
    rc = 0;
    if (dist_me == 0) {
        bool binary = !strcmp(format, "bin");
        rc = series ? io_out_finish(o, true, p->ndim, p->shape, data_dtype(d), err)
                    : io_out_finish(o, binary, p->ndim - 1, p->shape + 1, data_dtype(d), err);
    }
    /* the others wait for the output to be in place before going on */
    if (dist_sync(rc, err) < 0)
        return NULL;
    return val_none();
}

/* td.images.fromtif / frompng / frombinary over at least one file per
 * rank: each rank reads its own contiguous part of the sorted files
 * (io_select.part_*), so no file is read twice. NULL with err clear when
 * the reader should read everything (few files, labels to split). */
/* td.images.fromnpy / td.series.fromnpy without labels or index: each rank
 * reads only the bytes of its own records (npy_load_part). NULL with err
 * clear when the file holds fewer records than ranks, or one image. */
static value *read_npy_part(call_args *a, bool images, td_err *err)
{
    const value *path = dist_arg(a, "path"), *labels = dist_arg(a, "labels"), *index = dist_arg(a, "index");
    if (!path || path->kind != V_STR || (labels && labels->kind != V_NONE) ||
        (index && index->kind != V_NONE))
        return NULL;
    int ndim;
    int64_t shape[ND_MAXDIM];
    td_err mine;
    /* an Images file has a leading axis of images; a Series file's records
     * are every position but the last axis */
    nd_array *part = npy_load_part(path->u.str.s, images ? 1 : -1, dist_me, dist_nranks, &ndim, shape, &mine);
    int64_t nrec = 1;
    for (int i = 0; part && i < (images ? 1 : ndim - 1); i++)
        nrec *= shape[i];
    if (!part || (images ? ndim < 3 : ndim < 2) || nrec < dist_nranks) {
        /* the reader itself reads it whole, or says what is wrong */
        nd_release(part);
        return NULL;
    }
    td_data *d = images ? img_fromarray(part, err) : ser_fromarray(part, NULL, err);
    nd_release(part);
    if (!d)
        return NULL;
    dpart *p = dist_part_new(ndim, shape, nrec);
    dist_part_even(p);
    return val_data_part(d, p);
}

/* td.series.frombinary without labels or index: each rank reads only the
 * bytes of its own records. NULL with err clear when the reader should
 * read everything (fewer records than ranks, arguments it will refuse). */
static value *read_series_binary_part(call_args *a, td_err *err)
{
    const value *path = dist_arg(a, "path"), *ext = dist_arg(a, "ext"), *conf = dist_arg(a, "conf"),
                *dtype = dist_arg(a, "dtype"), *shape = dist_arg(a, "shape"), *skip = dist_arg(a, "skip"),
                *labels = dist_arg(a, "labels"), *index = dist_arg(a, "index");
    if (!path || path->kind != V_STR || !conf || conf->kind != V_STR || !skip || skip->kind != V_INT ||
        (labels && labels->kind != V_NONE) || (index && index->kind != V_NONE))
        return NULL;
    int64_t want[ND_MAXDIM];
    int nwant = 0;
    if (shape && shape->kind != V_NONE) {
        if ((shape->kind != V_TUPLE && shape->kind != V_LIST) || shape->u.seq.n > ND_MAXDIM)
            return NULL;
        for (int64_t k = 0; k < shape->u.seq.n; k++) {
            if (shape->u.seq.items[k]->kind != V_INT)
                return NULL;
            want[nwant++] = shape->u.seq.items[k]->u.i;
        }
    }
    int ndim;
    int64_t whole[ND_MAXDIM];
    td_err mine;
    td_series *d = io_series_frombinary_part(path->u.str.s, ext && ext->kind == V_STR ? ext->u.str.s : NULL,
                                             conf->u.str.s, nwant, nwant ? want : NULL,
                                             dtype && dtype->kind == V_DTYPE ? (int)dtype->u.dtype : -1,
                                             skip->u.i, dist_me, dist_nranks, &ndim, whole, &mine);
    int64_t nrec = 1;
    for (int i = 0; d && i < ndim - 1; i++)
        nrec *= whole[i];
    if (!d || nrec < dist_nranks) {
        /* the reader itself reads it whole, or says what is wrong */
        data_release(d);
        return NULL;
    }
    dpart *p = dist_part_new(ndim, whole, nrec);
    dist_part_even(p);
    (void)err;
    return val_data_part(d, p);
}

value *dist_read(call_args *a, td_err *err)
{
    const char *name = a->fn->name;
    if (!strcmp(name, "frombinary") && reg_find(&reg_td_series, name) == a->fn)
        return read_series_binary_part(a, err);
    if (!strcmp(name, "fromnpy") &&
        (reg_find(&reg_td_images, name) == a->fn || reg_find(&reg_td_series, name) == a->fn))
        return read_npy_part(a, reg_find(&reg_td_images, name) == a->fn, err);
    if (reg_find(&reg_td_images, name) != a->fn ||
        (strcmp(name, "fromtif") && strcmp(name, "frompng") && strcmp(name, "frombinary")))
        return NULL;
    const value *path = dist_arg(a, "path"), *labels = dist_arg(a, "labels");
    if (!path || path->kind != V_STR || (labels && labels->kind != V_NONE))
        return NULL;
    io_select sel = {0};
    const value *ext = dist_arg(a, "ext"), *start = dist_arg(a, "start"), *stop = dist_arg(a, "stop"),
                *rec = dist_arg(a, "recursive");
    td_err ignore;
    if (ext && ext->kind == V_STR)
        sel.ext = ext->u.str.s;
    if (start && start->kind == V_INT) {
        sel.has_start = true;
        sel.start = start->u.i;
    }
    if (stop && stop->kind == V_INT) {
        sel.has_stop = true;
        sel.stop = stop->u.i;
    }
    sel.recursive = rec && rec->kind == V_BOOL && rec->u.b;
    io_files *files = io_list_files(path->u.str.s, &sel, &ignore);
    int64_t n = files ? files->n : 0;
    io_files_free(files);
    if (n < dist_nranks)
        return NULL; /* the reader itself says what is wrong, or there is too little to share */
    reader_index = dist_me;
    reader_count = dist_nranks;
    capturing = dist_me != 0;
    value *r = a->fn->fn(a, err);
    reader_index = reader_count = 0;
    flush_captured(a->in);
    if (!r) {
        dist_sync(-1, err);
        return NULL;
    }
    return dist_wrap_records(NULL, r, true, err);
}

#endif /* HAVE_MPI */

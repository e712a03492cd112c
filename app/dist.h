/* Distributed mode over MPI.
 *
 * Under `mpirun -np N thunder SCRIPT` every rank runs every statement of
 * the same script. Values other than Images, Series and Blocks are
 * replicated: each rank computes the same thing. An Images or Series value
 * made in this mode holds only this rank's contiguous share of the records,
 * and Blocks a share of the blocks (value.part says which); methods that
 * work record by record run on the share, reductions combine partial
 * results with MPI_Allreduce, the conversions exchange with MPI_Alltoallv,
 * and the rest gathers the records it needs (docs/distributed.md lists
 * which is which).
 *
 * Every statement ends with an agreement among the ranks (dist_agree): a
 * failure on any rank becomes the same error on all of them, reported once,
 * and no rank waits on another that has given up. Every collective call
 * inside a statement is preceded by the same kind of agreement, so a rank
 * that failed early never leaves the others waiting in a collective.
 *
 * Built without MPI (the default), dist_on() is always false and none of
 * this costs anything. */
#ifndef THUNDER_DIST_H
#define THUNDER_DIST_H

#include <stdbool.h>
#include <stddef.h>

#include "registry.h"
#include "value.h"

/* The partition of a distributed Images or Series (value.part). */
typedef struct dpart {
    /* true: every rank holds all records (too few records to give every
     * rank one); false: this rank holds records [offset, offset + counts[rank]). */
    bool replicated;
    int ndim;
    int64_t shape[ND_MAXDIM]; /* the global shape, as data.shape shows it */
    int64_t total;            /* records in all */
    int64_t offset;           /* this rank's first record */
    int64_t *counts;          /* records per rank (nranks of them) */
} dpart;

extern bool dist_active;

/* True when running distributed (launched by mpirun with MPI support). */
static inline bool dist_on(void)
{
    return dist_active;
}

/* Whether the process was started by an MPI launcher (mpirun sets its
 * environment), whatever this build supports. */
bool dist_launched(void);
/* Starts MPI when launched by mpirun; 0 also when not distributed, -1 with
 * a message in err when MPI fails to start. */
int dist_init(int *argc, char ***argv, td_err *err);
void dist_finalize(void);
int dist_rank(void);
int dist_size(void);
/* Ends every rank with the same status (rank 0's), for the exit code. */
int dist_exit_status(int status);

/* Rank 0's buffer on every rank: *src is rank 0's (and on other ranks is
 * replaced by a malloc'd copy, NUL-terminated). len < 0 on rank 0 sends an
 * end marker (other ranks then get *len < 0 and *src NULL). */
int dist_bcast_text(char **src, long *len);

/* Rank 0 running the workbench: sends a line ('S' + source) or a script
 * to run ('F' + path) to the other ranks, which follow along. */
void dist_send_code(char kind, const char *text, size_t len);

/* The part of a reader's files this rank reads (io_select.part_index /
 * part_count): 0 of 0 (every file) except while dist_call runs a reader
 * that shares its files among the ranks. */
void dist_reader_part(int *index, int *count);

/* Rank 0's value of *v on every rank. */
void dist_bcast_long(long *v);

/* The statement agreement: rc is this rank's result (0 or -1 with err,
 * line, col set). Returns 0 when every rank succeeded; otherwise -1 on
 * every rank with the error of the lowest rank that failed. */
int dist_agree(int rc, td_err *err, int *line, int *col);

/* The output of ranks other than 0: dropped, except what a reader that
 * shares its files says, which rank 0 prints after its own. */
void dist_output(int stream, const char *text, size_t len);

/* reg_call's path in distributed mode. */
value *dist_call(call_args *a, td_err *err);

/* Images.localcorr of distributed images: each rank's co-moments over its
 * own images, merged with MPI_Allreduce; the array on every rank. */
value *dist_localcorr(const value *self, int nsize, const int64_t *size, td_err *err);

/* Blocks (app/dist_blocks.c). Images.toblocks of distributed images: a
 * Blocks value holding this rank's share of the blocks (value.part counts
 * blocks), or the whole Blocks on every rank when there are fewer blocks
 * than ranks. */
static inline bool dist_blocks_shared(const value *v)
{
    return v->part && !v->part->replicated;
}
value *dist_toblocks(const value *images, const td_chunk *chunk, int npad, const int64_t *pad, td_err *err);
/* The methods of a Blocks value holding a share: block 0 on every rank;
 * map over each rank's blocks, results agreed across ranks (shape of the
 * uncut axes, promoted dtype); every block on every rank; back to Images
 * shared by images, or to Series shared by pixels. */
value *dist_blocks_first(const value *self, td_err *err);
value *dist_blocks_map(const value *self, td_block_fn fn, void *ctx, int vndim, const int64_t *value_shape,
                       const td_dtype *dtype, td_err *err);
td_blocks *dist_blocks_gather(const value *self, td_err *err);
value *dist_blocks_toimages(const value *self, td_err *err);
value *dist_blocks_toseries(const value *self, td_err *err);

/* Data.reduce of a share: fn(ctx, acc, err) folds this rank's records into
 * acc (NULL: from its first record) and returns the new running result,
 * taking over acc. The ranks fold in turn, rank 0 first, each starting
 * from the previous rank's result (passed on as an array), so the result
 * is the local left fold's; every rank gets it. */
typedef value *(*dist_fold_fn)(void *ctx, value *acc, td_err *err);
value *dist_fold(dist_fold_fn fn, void *ctx, td_err *err);

/* What the workbench draws of shared records, in a statement: record i of
 * the whole (broadcast by the rank holding it), and the reduction across
 * every record (as mean() or max() give it), on every rank. */
nd_array *dist_record(const value *v, int64_t i, td_err *err);
td_data *dist_reduce_data(const value *v, nd_redop op, td_err *err);
/* Every rank's accumulator of `size` bytes merged into *acc in rank order
 * with merge(into, from), on every rank; rc is this rank's state, as for
 * the agreement before a collective. */
int dist_merge(int rc, void *acc, size_t size, void (*merge)(void *into, const void *from), td_err *err);

/* data[index] of a distributed Images/Series. */
value *dist_subscript(value *obj, value *index, td_err *err);

/* A distributed Images/Series gathered whole (replicated values: the
 * local data), as a new reference. */
td_data *dist_gather_data(const value *v, td_err *err);
/* Inside a registry call of a statement, where every rank takes part and
 * dist_gather_data may be called (not in the workbench's own previews). */
bool dist_can_gather(void);
/* Global shape of an Images/Series value (distributed or not). */
void dist_shape(const value *v, int *ndim, const int64_t **shape);
/* "local" or "distributed (N ranks)". */
const char *dist_mode_name(const value *v, char *buf, size_t n);
void dist_part_free(dpart *p);

#endif

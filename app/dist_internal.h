/* What app/dist.c and app/dist_ops.c share in an MPI build: the ranks, the
 * agreement before every collective, partitions, and the operations that
 * move records. Not part of dist.h: nothing outside distributed mode needs
 * them. */
#ifndef THUNDER_DIST_INTERNAL_H
#define THUNDER_DIST_INTERNAL_H

#include "dist.h"

/* This rank and the number of ranks. */
extern int dist_me, dist_nranks;

/* Before a collective inside a statement: rc is this rank's state (-1 with
 * err set when it cannot take part). Returns 0 when every rank can go on;
 * otherwise -1 everywhere, err saying which rank failed where it was not
 * this one. */
int dist_sync(int rc, td_err *err);

bool dist_is_data(const value *v);
/* An Images/Series holding a share of the records (not all of them). */
bool dist_is_shared(const value *v);
/* A partition with the global shape and total; counts all zero. */
dpart *dist_part_new(int ndim, const int64_t *shape, int64_t total);
/* Records split evenly among the ranks: counts and this rank's offset. */
void dist_part_even(dpart *p);
/* The same, or replicated when there are fewer records than ranks. */
void dist_part_split(dpart *p);
/* One MPI_Alltoallv of elements of `item` bytes, scnt[s] of them to rank s
 * and rcnt[s] from it, each side packed in rank order. The counts must
 * pass dist_check_counts: MPI's counts and displacements are ints. */
void dist_alltoallv(const void *send, const int64_t *scnt, void *recv, const int64_t *rcnt, size_t item);
int dist_check_counts(const int64_t *scnt, const int64_t *rcnt, td_err *err);
/* Every rank's counts[rank] items of `bytes` each, in rank order, into
 * out; mine NULL: this rank's are already at their place in out. */
void dist_allgather(const void *mine, const int64_t *counts, size_t bytes, void *out);
/* root's array on every rank (*a is root's; the others get a new one). */
int dist_bcast_array(nd_array **a, int root, td_err *err);
/* A whole Images/Series, the same on every rank, as this rank's share
 * (whole on every rank when there are fewer records than ranks). Takes
 * over full. */
value *dist_distribute(td_data *full, td_err *err);
/* MPI counts are ints: an error naming what does not fit. */
int dist_check_int(int64_t v, const char *what, td_err *err);
/* The bound argument of that parameter name, or NULL. */
const value *dist_arg(const call_args *a, const char *name);
/* r is this rank's result of a record-wise method on its share of self
 * (self NULL: a reader's records): one distributed value, dtypes promoted
 * and record shapes checked across ranks, shares rebalanced when a rank
 * has none. flat: a Series result has one base axis (and may have fewer
 * records). NULL with err clear when the result does not keep one record
 * per record of self (the method must then run on the whole). Takes over
 * r. */
value *dist_wrap_records(const value *self, value *r, bool flat, td_err *err);

/* A whole Blocks value (held by every rank) marked so; returns v. */
value *dist_blocks_replicated(value *v);

/* dist_ops.c: reductions across records (mean, var, std, sum, max, min). */
value *dist_reduce_records(const value *self, nd_redop op, td_err *err);
/* Series center / standardize / zscore along axis 0 (across records):
 * the mean and std of all records, then each rank's own records. */
value *dist_scale_across(const value *self, bool center, bool scale, td_err *err);
/* Series.cov: the whole's mean, then each rank's centred X^T X summed
 * with MPI_Allreduce. */
value *dist_cov(const value *self, td_err *err);
/* Series.gramian: each rank's X^T X summed with MPI_Allreduce. */
value *dist_gramian(const value *self, td_err *err);
/* Images.toseries and Series.toimages through MPI_Alltoallv; NULL with err
 * clear when the records must go the general way. */
value *dist_toseries(call_args *a, td_err *err);
value *dist_toimages(call_args *a, td_err *err);
/* Images.toseries of any Images value in distributed mode (shared,
 * replicated): a Series shared by pixels. */
value *dist_images_toseries(const value *images, td_err *err);
/* Images.map_as_series through the pixel exchange, the local map over this
 * rank's pixels and the exchange back; NULL with err clear when it must go
 * the general way (labels, a chunk or block size given). */
value *dist_map_as_series(call_args *a, td_err *err);
/* tobinary / totif / topng of shared records: every rank writes its own. */
value *dist_write(call_args *a, const char *format, td_err *err);
/* A reader over at least one file per rank reads only this rank's files;
 * NULL with err clear when it should read everything. */
value *dist_read(call_args *a, td_err *err);

#endif

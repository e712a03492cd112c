/* Large buffers: checked sizes, a memory budget, huge-page advice. */
#ifndef THUNDER_MEM_H
#define THUNDER_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* a * b into *out; true (and *out untouched) when it overflows size_t. */
bool td_mul_overflows(size_t a, size_t b, size_t *out);

/* Product of n dimensions times itemsize, as a byte count. Fails with a
 * MemoryError naming the shape when it overflows. */
int td_nbytes(int ndim, const int64_t *shape, size_t itemsize, size_t *out, td_err *err);

/* The budget: the most bytes of array data thunder holds at once. Defaults
 * to 90% of physical memory; 0 restores the default. */
void td_mem_set_budget(size_t bytes);
size_t td_mem_budget(void);
size_t td_mem_in_use(void);

/* Whether new large buffers are advised for transparent huge pages (on by
 * default). Huge pages make first touch several times cheaper, but where the
 * kernel compacts memory synchronously to find them (transparent_hugepage
 * defrag = madvise, on a fragmented machine) a first touch can stall. */
void td_mem_set_hugepages(bool on);

/* Parses "4G", "512M", "100k", "123" (bytes) for a --memory option. */
int td_mem_parse_size(const char *text, size_t *out, td_err *err);

/* A reference-counted, 64-byte aligned buffer of array data. Buffers of
 * 2 MiB and more are mapped directly and advised for transparent huge
 * pages, since first-touch page faults dominate many operations on them.
 * Allocation counts against the budget; over it is a MemoryError. */
typedef struct td_buf td_buf;

td_buf *td_buf_new(size_t nbytes, td_err *err);
/* Zero-filled; large buffers come zeroed from the OS without a memset. */
td_buf *td_buf_new_zeroed(size_t nbytes, td_err *err);
/* Takes over memory from malloc (freed with free), not counted in the budget. */
td_buf *td_buf_wrap_malloc(void *ptr, size_t nbytes, td_err *err);
/* A buffer and, in the same block when the buffer is small, an object of
 * objsize bytes (an array's header): *obj points at it, zeroed, or is NULL
 * for a large buffer. The object is part of the buffer: it is freed with
 * the buffer's last reference, never on its own; td_buf_holds(b, p) tells
 * whether p is b's object. */
td_buf *td_buf_new_obj(size_t nbytes, bool zeroed, size_t objsize, void **obj, td_err *err);
bool td_buf_holds(const td_buf *b, const void *obj);
void *td_buf_data(const td_buf *b);
size_t td_buf_size(const td_buf *b);
td_buf *td_buf_retain(td_buf *b);
void td_buf_release(td_buf *b);

/* Scratch memory for kernels (per-thread work areas): counted against the
 * budget like buffers, freed with td_scratch_free. */
void *td_scratch_alloc(size_t nbytes, td_err *err);
void td_scratch_free(void *p);

/* Zeroed small objects (array headers, the interpreter's values and call
 * frames), made and dropped at a high rate when a function is mapped over
 * records: from a per-thread cache of power-of-two blocks up to 64 KiB
 * (larger ones from malloc), not counted in the budget. Free with the size
 * given to td_obj_alloc. NULL when memory is exhausted. */
void *td_obj_alloc(size_t n);
void td_obj_free(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif

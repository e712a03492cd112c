/* Allocation helpers shared inside libthunder; not part of the public API. */
#ifndef THUNDER_MEM_INTERNAL_H
#define THUNDER_MEM_INTERNAL_H

#include <stddef.h>

/* Zeroed small objects (array and data headers) from the per-thread cache;
 * free with the same size. NULL when memory is exhausted. */
void *td_obj_alloc(size_t n);
void td_obj_free(void *p, size_t n);

#endif

/* Helpers shared by the nd_*.c files; not part of the public API. */
#ifndef THUNDER_ND_INTERNAL_H
#define THUNDER_ND_INTERNAL_H

#include "thunder/nd.h"

/* Element pointer for flat index i. */
static inline void *nd_ptr(const nd_array *a, int64_t i)
{
    return (char *)a->data + i * (int64_t)td_dtype_size(a->dtype);
}

#endif

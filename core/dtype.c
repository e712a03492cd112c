#include "thunder/dtype.h"

size_t td_dtype_size(td_dtype t)
{
    static const size_t sizes[TD_NDTYPES] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
    return (unsigned)t < TD_NDTYPES ? sizes[t] : 0;
}

/* libthunder: the Thunder API for image and time-series analysis, in C.
 *
 * Every fallible function returns -1 or NULL and fills a td_err. Values
 * (nd_array, td_data) are immutable and reference counted: a returned
 * pointer is the caller's reference, arguments are borrowed. */
#ifndef THUNDER_H
#define THUNDER_H

#include "thunder/error.h"
#include "thunder/dtype.h"
#include "thunder/mem.h"
#include "thunder/par.h"
#include "thunder/nd.h"
#include "thunder/random.h"
#include "thunder/npy.h"
#include "thunder/data.h"
#include "thunder/io.h"
#include "thunder/serops.h"
#include "thunder/convert.h"
#include "thunder/imgops.h"
#include "thunder/examples.h"

#endif

/* The writers of Images and Series (Thunder's topng, totif, tobinary),
 * registered in the Images and Series tables. */
#ifndef THUNDER_M_IO_H
#define THUNDER_M_IO_H

#include "registry.h"

value *m_images_tobinary(call_args *a, td_err *err);
value *m_images_totif(call_args *a, td_err *err);
value *m_images_topng(call_args *a, td_err *err);
value *m_series_tobinary(call_args *a, td_err *err);

#endif

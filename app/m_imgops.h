/* The Images operations of core/thunder/imgops.h in the language: filters,
 * projections, localcorr, subsample, subtract and sample, registered in
 * the Images table (m_images.c). */
#ifndef THUNDER_M_IMGOPS_H
#define THUNDER_M_IMGOPS_H

#include "registry.h"

value *m_images_gaussian_filter(call_args *a, td_err *err);
value *m_images_uniform_filter(call_args *a, td_err *err);
value *m_images_median_filter(call_args *a, td_err *err);
value *m_images_localcorr(call_args *a, td_err *err);
value *m_images_max_projection(call_args *a, td_err *err);
value *m_images_max_min_projection(call_args *a, td_err *err);
value *m_images_subsample(call_args *a, td_err *err);
value *m_images_subtract(call_args *a, td_err *err);
value *m_images_sample(call_args *a, td_err *err);

#endif

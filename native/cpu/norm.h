/* The two passes batchnorm.c defines and instancenorm.c reuses (hidden: not part of the ABI):
 * per-channel moments over groups of pixels, and the fused normalize + activation. */
#ifndef GK_CPU_NORM_H
#define GK_CPU_NORM_H

#include "common.h"

__attribute__((visibility("hidden"))) int gk_norm_moments(const gk_tensor *x, int64_t group_pixels,
                                                          int64_t groups, double *mean, double *var);
__attribute__((visibility("hidden"))) void gk_norm_normalize(const gk_tensor *x, const gk_tensor *y,
                                                             const float *center, const float *scale,
                                                             const float *shift, int per_image, int act,
                                                             float alpha);

#endif

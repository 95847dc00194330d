/* Prepared (packed) conv weights on the CPU. conv2d.c owns the layout for transposed = 0 and
 * conv_transpose2d.c owns it for transposed = 1; conv_pack.c dispatches between them. */
#ifndef GK_CPU_CONV_PACK_H
#define GK_CPU_CONV_PACK_H

#include "common.h"

int64_t gk_cpu_conv2d_packed_bytes(int32_t k, int32_t r, int32_t s, int32_t c);
int gk_cpu_conv2d_pack(const gk_conv_pack_params *p);
int64_t gk_cpu_conv_transpose2d_packed_bytes(int32_t k, int32_t r, int32_t s, int32_t c);
int gk_cpu_conv_transpose2d_pack(const gk_conv_pack_params *p);

#endif

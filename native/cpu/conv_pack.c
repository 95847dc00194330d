/* The entry points that prepare conv weights (gk_conv_pack_params): dispatch to the layout owner.
 * The owners are weak references so a build lacking one reports GK_ERR_UNSUPPORTED (and -1 bytes)
 * instead of failing to load. */
#include "conv_pack.h"

#pragma weak gk_cpu_conv2d_packed_bytes
#pragma weak gk_cpu_conv2d_pack
#pragma weak gk_cpu_conv_transpose2d_packed_bytes
#pragma weak gk_cpu_conv_transpose2d_pack

int64_t gk_cpu_conv_packed_bytes(int32_t k, int32_t r, int32_t s, int32_t c, int32_t transposed) {
    if (transposed) {
        return gk_cpu_conv_transpose2d_packed_bytes ? gk_cpu_conv_transpose2d_packed_bytes(k, r, s, c) : -1;
    }
    return gk_cpu_conv2d_packed_bytes ? gk_cpu_conv2d_packed_bytes(k, r, s, c) : -1;
}

int gk_cpu_conv_pack(const gk_conv_pack_params *p) {
    if (p->src_dtype != GK_F32 && p->src_dtype != GK_F16) return GK_ERR_UNSUPPORTED;
    if (p->transposed) {
        return gk_cpu_conv_transpose2d_pack ? gk_cpu_conv_transpose2d_pack(p) : GK_ERR_UNSUPPORTED;
    }
    return gk_cpu_conv2d_pack ? gk_cpu_conv2d_pack(p) : GK_ERR_UNSUPPORTED;
}

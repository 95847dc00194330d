// conv_pack: prepares dense K x R x S x C (OHWI) conv weights in the layouts the GPU conv kernels
// read (runtime/dev/gannet/ops/cuda/ConvPackCuda.java computes the same sizes):
//
//   transposed = 0 (conv2d.cu): K rows of ldw = roundup(R*S*C, 8) elements in the source dtype,
//     row k = the weights of output channel k flattened as (r*S + s)*C + c, zero past R*S*C.
//     conv2d requires weights of the activation dtype, so no conversion happens.
//   transposed = 1 (conv_transpose2d.cu): K rows of ldw = R*S*roundup(C, 8), each tap padded to a
//     multiple of 8 channels with zeros (a stride class reduces over a subset of the taps, so a
//     16-byte chunk must never straddle two taps), stored twice: first as fp32 (K*ldw floats),
//     then as fp16 (K*ldw halves). conv_transpose2d accepts weights of either dtype for either
//     activation dtype; each kernel reads the copy of its own dtype.
//
// Versions: gk_conv_pack_f32 / gk_conv_pack_f16 (by source dtype), both layouts by p.transposed.
// Launch: any 1-D grid of 256-thread blocks (grid-stride loop over K*ldw); no shared memory.
#include "include/gk_igemm.cuh"

namespace gk_conv_pack {

template <typename S> __device__ __forceinline__ void run(const gk_conv_pack_params &p) {
    const S *src = static_cast<const S *>(p.src);
    const int64_t rs = static_cast<int64_t>(p.r) * p.s;
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (!p.transposed) {
        const int64_t kred = rs * p.c, ldw = (kred + 7) & ~static_cast<int64_t>(7), total = p.k * ldw;
        S *dst = static_cast<S *>(p.dst);
        for (int64_t i = first; i < total; i += stride) {
            const int64_t k = i / ldw, j = i - k * ldw;
            dst[i] = j < kred ? src[k * kred + j] : gk_igemm::zero<S>();
        }
    } else {
        const int cp = (p.c + 7) & ~7;
        const int64_t ldw = rs * cp, total = p.k * ldw;
        float *d32 = static_cast<float *>(p.dst);
        __half *d16 = reinterpret_cast<__half *>(d32 + total);
        for (int64_t i = first; i < total; i += stride) {
            const int64_t k = i / ldw, j = i - k * ldw, t = j / cp;
            const int c = static_cast<int>(j - t * cp);
            const float v = c < p.c ? gk::io<S>::load(src + (k * rs + t) * p.c + c) : 0.f;
            d32[i] = v;
            d16[i] = __float2half_rn(v);
        }
    }
}

} // namespace gk_conv_pack

extern "C" __global__ void __launch_bounds__(256) gk_conv_pack_f32(const gk_conv_pack_params p) {
    gk_conv_pack::run<float>(p);
}
GK_KERNEL(gk_conv_pack_f32);

extern "C" __global__ void __launch_bounds__(256) gk_conv_pack_f16(const gk_conv_pack_params p) {
    gk_conv_pack::run<__half>(p);
}
GK_KERNEL(gk_conv_pack_f16);

// Device helpers every kernel shares: typed element access through gk_tensor views, activations,
// the fused conv epilogue and padding index maps. Device twins of native/cpu/common.h: the same
// formulas, so CPU and GPU agree to rounding.
#ifndef GK_COMMON_CUH
#define GK_COMMON_CUH

#include "gk_device.h"
#include "gannet_kernels.h"

namespace gk {

// Storage type <-> fp32 compute type.
template <typename T> struct io;
template <> struct io<float> {
    static __device__ __forceinline__ float load(const float *p) { return *p; }
    static __device__ __forceinline__ void store(float *p, float v) { *p = v; }
};
template <> struct io<__half> {
    static __device__ __forceinline__ float load(const __half *p) { return __half2float(*p); }
    static __device__ __forceinline__ void store(__half *p, float v) { *p = __float2half_rn(v); }
};

template <typename T> __device__ __forceinline__ float load(const gk_tensor &t, int64_t off) {
    return io<T>::load(static_cast<const T *>(t.data) + off);
}
template <typename T> __device__ __forceinline__ void store(const gk_tensor &t, int64_t off, float v) {
    io<T>::store(static_cast<T *>(t.data) + off, v);
}

// Any dtype as float (cast, mixed-dtype elementwise operands).
__device__ __forceinline__ float load_any(const gk_tensor &t, int64_t off) {
    switch (t.dtype) {
    case GK_F32: return static_cast<const float *>(t.data)[off];
    case GK_F16: return __half2float(static_cast<const __half *>(t.data)[off]);
    case GK_U8: return static_cast<float>(static_cast<const uint8_t *>(t.data)[off]);
    case GK_I32: return static_cast<float>(static_cast<const int32_t *>(t.data)[off]);
    default: return 0.f;
    }
}

__device__ __forceinline__ int64_t off(const gk_tensor &t, int64_t n, int64_t h, int64_t w, int64_t c) {
    return n * t.sn + h * t.sh + w * t.sw + c * t.sc;
}

__device__ __forceinline__ float act(int a, float alpha, float v) {
    switch (a) {
    case GK_ACT_RELU: return v > 0.f ? v : 0.f;
    case GK_ACT_LEAKY: return v < 0.f ? alpha * v : v;
    case GK_ACT_TANH: return tanhf(v);
    case GK_ACT_SIGMOID: return 1.f / (1.f + expf(-v));
    default: return v;
    }
}

// Source index of padded coordinate i in an extent of n (>= 1); -1 for a zero-padded position.
__device__ __forceinline__ int pad_index(int i, int n, int mode) {
    if (i >= 0 && i < n) return i;
    if (mode == GK_PAD_REFLECT) {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        int m = i % period;
        if (m < 0) m += period;
        return m < n ? m : period - m;
    }
    if (mode == GK_PAD_REPLICATE) return i < 0 ? 0 : n - 1;
    return -1;
}

// The epilogue of gannet_kernels.h for one value of output channel k; res = residual value (0 if none).
__device__ __forceinline__ float epilogue(const gk_epilogue &ep, int k, float acc, float res) {
    float t = acc;
    if (ep.bias) t += ep.bias[k];
    if (ep.scale) t *= ep.scale[k];
    if (ep.shift) t += ep.shift[k];
    t = act(ep.act, ep.alpha, t);
    t *= ep.out_scale;
    if (ep.residual.data) t += ep.res_scale * res;
    return t;
}

__device__ __forceinline__ int ceil_div(int a, int b) { return (a + b - 1) / b; }

} // namespace gk

#endif // GK_COMMON_CUH

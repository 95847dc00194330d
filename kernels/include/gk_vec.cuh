// Element access of the memory-bound kernels (upsample2d, pixel_shuffle, batchnorm, instancenorm,
// pool2d, elementwise, cast, reduce): V consecutive elements moved by one aligned vector load or
// store (16 bytes when V = 16 / sizeof(T)), converted to and from fp32; and the pixel offsets of
// views whose N/H/W dims a launch plan may have merged (runtime/dev/gannet/ops/cuda/GkView.java).
#ifndef GK_VEC_CUH
#define GK_VEC_CUH

#include "gk_common.cuh"

namespace gk_vec {

// V elements of T as one aggregate: nvcc moves it with ld/st.global.v{2,4} when it is aligned to its
// size (up to 16 bytes; bigger packs become several 16-byte accesses). The launch plan only picks a
// V > 1 kernel when every address it will form is a multiple of the pack's alignment.
template <typename T, int V> struct alignas(sizeof(T) * V > 16 ? 16 : sizeof(T) * V) pack {
    T v[V];
};

__device__ __forceinline__ float to_f(float v) { return v; }
__device__ __forceinline__ float to_f(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_f(uint8_t v) { return static_cast<float>(v); }
__device__ __forceinline__ float to_f(int32_t v) { return static_cast<float>(v); }

template <typename T> struct from_f;
template <> struct from_f<float> {
    static __device__ __forceinline__ float cvt(float v) { return v; }
};
template <> struct from_f<__half> {
    static __device__ __forceinline__ __half cvt(float v) { return __float2half_rn(v); }
};
// gk_store's U8 rule (native/cpu/common.h): NaN -> 0, round half away from zero, saturate.
template <> struct from_f<uint8_t> {
    static __device__ __forceinline__ uint8_t cvt(float v) {
        float r = isnan(v) ? 0.f : roundf(v);
        r = r < 0.f ? 0.f : (r > 255.f ? 255.f : r);
        return static_cast<uint8_t>(static_cast<int>(r));
    }
};

template <typename T, int V> __device__ __forceinline__ void load(const T *p, float (&f)[V]) {
    const pack<T, V> q = *reinterpret_cast<const pack<T, V> *>(p);
#pragma unroll
    for (int i = 0; i < V; i++) f[i] = to_f(q.v[i]);
}

template <typename T, int V> __device__ __forceinline__ void store(T *p, const float (&f)[V]) {
    pack<T, V> q;
#pragma unroll
    for (int i = 0; i < V; i++) q.v[i] = from_f<T>::cvt(f[i]);
    *reinterpret_cast<pack<T, V> *>(p) = q;
}

// Raw moves for pure data movement (pixel_shuffle, nearest upsample): no conversion.
template <typename T, int V> __device__ __forceinline__ void copy(T *dst, const T *src) {
    *reinterpret_cast<pack<T, V> *>(dst) = *reinterpret_cast<const pack<T, V> *>(src);
}

// Offset of pixel p of t, p flat over (n, h, w) in that order. Plans merge the pixel dims of dense
// views into (1, 1, N·H·W, C), which skips the divisions. Pixel counts fit in 31 bits (checked by
// the plans), so 32-bit division suffices.
__device__ __forceinline__ int64_t pix_off(const gk_tensor &t, uint32_t p) {
    if (t.n == 1 && t.h == 1) return static_cast<int64_t>(p) * t.sw;
    const uint32_t w = p % static_cast<uint32_t>(t.w), r = p / static_cast<uint32_t>(t.w);
    const uint32_t h = r % static_cast<uint32_t>(t.h), n = r / static_cast<uint32_t>(t.h);
    return static_cast<int64_t>(n) * t.sn + static_cast<int64_t>(h) * t.sh + static_cast<int64_t>(w) * t.sw;
}

__device__ __forceinline__ uint32_t pixels(const gk_tensor &t) {
    return static_cast<uint32_t>(t.n) * static_cast<uint32_t>(t.h) * static_cast<uint32_t>(t.w);
}

// The loop of the kernels that write one output pixel's V channels per thread (upsample2d,
// pixel_shuffle, pool2d windows): block (bdx, bdy), thread (tx, ty) owns channels c0 = (blockIdx.x*bdx
// + tx)*V (idle past y.c) of the output pixels q = blockIdx.y*bdy + ty + k*gridDim.y*bdy; calls
// f(n, oh, ow, c0) for each.
template <int V, typename F> __device__ __forceinline__ void each_out_pixel(const gk_tensor &y, F f) {
    const int c0 = (blockIdx.x * blockDim.x + threadIdx.x) * V;
    if (c0 >= y.c) return;
    const uint32_t Q = pixels(y), W = static_cast<uint32_t>(y.w), H = static_cast<uint32_t>(y.h);
    for (uint32_t q = blockIdx.y * blockDim.y + threadIdx.y; q < Q; q += gridDim.y * blockDim.y) {
        const uint32_t r = q / W;
        f(static_cast<int>(r / H), static_cast<int>(r % H), static_cast<int>(q % W), c0);
    }
}

} // namespace gk_vec

#endif // GK_VEC_CUH

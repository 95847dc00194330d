// pad2d on the GPU: zero (constant value), reflect and replicate padding of NHWC views; negative
// amounts crop. The CUDA face of native/cpu/pad2d.c (same index maps, gk::pad_index), launched by
// runtime/dev/gannet/ops/cuda/Pad2dCuda.java.
//
// Launch configuration (Pad2dCuda): one thread per output vector of V channels, 1-D grid-stride loop,
// block 256 threads, grid min(ceil(vectors / 256), 32 x SMs), no shared memory, no scratch.
// Versions:
//   gk_pad2d_f32, gk_pad2d_f16       V = 1: any channel count, offsets and strides (channel slices).
//   gk_pad2d_f32_v4, gk_pad2d_f16_v8 V = 16 bytes (4 floats / 8 halves) per load and store; chosen when
//                                    C, every pixel stride of x and y are multiples of V and both
//                                    base addresses are 16-byte aligned.
// Memory-bound: each output element is written once and each copied element read once; consecutive
// threads handle consecutive channel vectors of a pixel, so loads and stores coalesce.
#include "include/gk_common.cuh"

namespace gk_pad2d {

// The output pixel of flat vector index i and the input pixel it copies (ih/iw < 0: fill).
struct Where {
    int n, oh, ow, cv, ih, iw;
};

__device__ __forceinline__ Where locate(const gk_pad2d_params &p, int64_t i, int vectors_per_pixel) {
    Where r;
    int64_t px = i / vectors_per_pixel;
    r.cv = static_cast<int>(i - px * vectors_per_pixel);
    r.ow = static_cast<int>(px % p.y.w);
    int64_t t = px / p.y.w;
    r.oh = static_cast<int>(t % p.y.h);
    r.n = static_cast<int>(t / p.y.h);
    r.ih = gk::pad_index(r.oh - p.top, p.x.h, p.mode);
    r.iw = gk::pad_index(r.ow - p.left, p.x.w, p.mode);
    return r;
}

__device__ __forceinline__ int64_t total(const gk_pad2d_params &p, int vectors_per_pixel) {
    return static_cast<int64_t>(p.y.n) * p.y.h * p.y.w * vectors_per_pixel;
}

__device__ __forceinline__ int64_t first() {
    return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ int64_t step() {
    return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// One element per thread: any view.
template <typename T> __device__ __forceinline__ void scalar(const gk_pad2d_params &p) {
    const int C = p.y.c;
    const int64_t n_total = total(p, C);
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    for (int64_t i = first(); i < n_total; i += step()) {
        Where w = locate(p, i, C);
        T *dst = y + gk::off(p.y, w.n, w.oh, w.ow, w.cv);
        if (w.ih < 0 || w.iw < 0) {
            gk::io<T>::store(dst, p.value);
        } else {
            *dst = x[gk::off(p.x, w.n, w.ih, w.iw, w.cv)];
        }
    }
}

// 16 bytes per thread; pad2d copies bits, so the copy is dtype-blind (uint4) and only the fill
// depends on the dtype.
__device__ __forceinline__ void fill16(float *dst, float v) {
    *reinterpret_cast<float4 *>(dst) = make_float4(v, v, v, v);
}

__device__ __forceinline__ void fill16(__half *dst, float v) {
    __half2 h = __floats2half2_rn(v, v);
    __half2 *d = reinterpret_cast<__half2 *>(dst);
#pragma unroll
    for (int k = 0; k < 4; k++) d[k] = h;
}

template <typename T> __device__ __forceinline__ void vector16(const gk_pad2d_params &p) {
    constexpr int V = 16 / sizeof(T);
    const int vectors_per_pixel = p.y.c / V;
    const int64_t n_total = total(p, vectors_per_pixel);
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    for (int64_t i = first(); i < n_total; i += step()) {
        Where w = locate(p, i, vectors_per_pixel);
        T *dst = y + gk::off(p.y, w.n, w.oh, w.ow, static_cast<int64_t>(w.cv) * V);
        if (w.ih < 0 || w.iw < 0) {
            fill16(dst, p.value);
        } else {
            const T *src = x + gk::off(p.x, w.n, w.ih, w.iw, static_cast<int64_t>(w.cv) * V);
            *reinterpret_cast<uint4 *>(dst) = __ldg(reinterpret_cast<const uint4 *>(src));
        }
    }
}

} // namespace gk_pad2d

extern "C" __global__ void __launch_bounds__(256) gk_pad2d_f32(const gk_pad2d_params p) {
    gk_pad2d::scalar<float>(p);
}
GK_KERNEL(gk_pad2d_f32);

extern "C" __global__ void __launch_bounds__(256) gk_pad2d_f16(const gk_pad2d_params p) {
    gk_pad2d::scalar<__half>(p);
}
GK_KERNEL(gk_pad2d_f16);

extern "C" __global__ void __launch_bounds__(256) gk_pad2d_f32_v4(const gk_pad2d_params p) {
    gk_pad2d::vector16<float>(p);
}
GK_KERNEL(gk_pad2d_f32_v4);

extern "C" __global__ void __launch_bounds__(256) gk_pad2d_f16_v8(const gk_pad2d_params p) {
    gk_pad2d::vector16<__half>(p);
}
GK_KERNEL(gk_pad2d_f16_v8);

// pool2d on the GPU: average / max over k_h x k_w windows with stride and zero padding (padded cells
// count for neither), and the global average per (image, channel); the semantics and summation
// order of native/cpu/pool2d.c (fp32 sums, average = sum / count, max ignores NaN like the CPU's).
//
// Versions; each comes scalar (one channel per thread, any C and view) and _vec (V = 16 / sizeof(T)
// channels per thread, 16-byte accesses: C % V == 0 and x, y addresses multiples of 16 bytes):
//   gk_pool2d_<dt>_window[_vec]    avg and max (the mode is read from the params): one output pixel's
//                                  V channels per thread; block (bdx, bdy), grid (gx, gy) looping
//                                  over output pixels. Windows overlap, so x is re-read from L1/L2.
//   gk_pool2d_<dt>_global[_vec]    global average in one launch: grid (gx, 1, N), each block sums its
//                                  channels of one image over H·W (tiles of fp32 sums, a fixed tree
//                                  over ty) and writes y. Chosen when gx·N blocks nearly fill the GPU.
//   gk_pool2d_<dt>_partial[_vec]   split global average, pass 1: grid (gx, G, N), fp32 partial sums
//                                  per (image, channel, g) into scratch (include/gk_chanred.cuh,
//                                  R = N·C rows)
//   gk_pool2d_<dt>_finalize        pass 2: one block of 128 per (image, channel) adds its G partials
//                                  in a fixed order and writes sum / (H·W) in y's dtype
// Block: (bdx, bdy) = 256 threads with bdx the power of two >= C / V, at most 32. No float atomics.
#include "include/gk_chanred.cuh"

namespace gk_pool2d {

__device__ __forceinline__ int chunk0(int V) { return (blockIdx.x * blockDim.x + threadIdx.x) * V; }

template <typename T, int V> __device__ __forceinline__ void window(const gk_pool2d_params &p) {
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    const bool is_max = p.mode == GK_POOL_MAX;
    const int H = p.x.h, W = p.x.w;
    gk_vec::each_out_pixel<V>(p.y, [&](int n, int oh, int ow, int c0) {
        int h0 = oh * p.stride_h - p.pad_top, w0 = ow * p.stride_w - p.pad_left;
        int h1 = h0 + p.k_h, w1 = w0 + p.k_w;
        h0 = h0 < 0 ? 0 : h0;
        w0 = w0 < 0 ? 0 : w0;
        h1 = h1 > H ? H : h1;
        w1 = w1 > W ? W : w1;
        float acc[V];
#pragma unroll
        for (int i = 0; i < V; i++) acc[i] = is_max ? -INFINITY : 0.f;
        for (int ih = h0; ih < h1; ih++) {
            const T *row = x + gk::off(p.x, n, ih, 0, c0);
            for (int iw = w0; iw < w1; iw++) {
                float v[V];
                gk_vec::load<T, V>(row + static_cast<int64_t>(iw) * p.x.sw, v);
#pragma unroll
                for (int i = 0; i < V; i++) acc[i] = is_max ? (v[i] > acc[i] ? v[i] : acc[i]) : acc[i] + v[i];
            }
        }
        if (!is_max) {
            const float count = static_cast<float>((h1 - h0) * (w1 - w0));
#pragma unroll
            for (int i = 0; i < V; i++) acc[i] = acc[i] / count;
        }
        gk_vec::store<T, V>(y + gk::off(p.y, n, oh, ow, c0), acc);
    });
}

// This block's fp32 sums of its channels of image blockIdx.z (in the threads with ty == 0).
template <typename T, int V>
__device__ __forceinline__ void block_sums(const gk_pool2d_params &p, float *sm, int c0, float (&acc)[V]) {
    if (c0 < p.x.c) {
        const T *xb = static_cast<const T *>(p.x.data) + static_cast<int64_t>(blockIdx.z) * p.x.sn + c0;
        gk_chanred::sums<T, V, float>(p.x, xb, static_cast<uint32_t>(p.x.h) * static_cast<uint32_t>(p.x.w),
                                      blockIdx.y * blockDim.y + threadIdx.y, gridDim.y * blockDim.y, true, acc);
    } else {
#pragma unroll
        for (int i = 0; i < V; i++) acc[i] = 0.f;
    }
    gk_chanred::block_sum<V, float>(sm, acc);
}

template <typename T, int V> __device__ __forceinline__ void global(const gk_pool2d_params &p, float *sm) {
    const int c0 = chunk0(V);
    float acc[V];
    block_sums<T, V>(p, sm, c0, acc);
    if (threadIdx.y != 0 || c0 >= p.x.c) return;
    const float hw = static_cast<float>(static_cast<int64_t>(p.x.h) * p.x.w);
#pragma unroll
    for (int i = 0; i < V; i++) acc[i] = acc[i] / hw;
    gk_vec::store<T, V>(static_cast<T *>(p.y.data) + static_cast<int64_t>(blockIdx.z) * p.y.sn + c0, acc);
}

template <typename T, int V> __device__ __forceinline__ void partial(const gk_pool2d_params &p, float *sm) {
    const int c0 = chunk0(V), C = p.x.c;
    float acc[V];
    block_sums<T, V>(p, sm, c0, acc);
    gk_chanred::store_sums<V, float>(p.scratch, static_cast<int64_t>(p.x.n) * C,
                                     static_cast<int64_t>(blockIdx.z) * C + c0, threadIdx.y == 0 && c0 < C, acc);
}

template <typename T> __device__ __forceinline__ void finalize(const gk_pool2d_params &p, float *sm) {
    const int C = p.x.c;
    const float s = gk_chanred::final_sum<float>(sm, p.scratch, static_cast<int64_t>(p.x.n) * C);
    if (threadIdx.x == 0) {
        const int64_t r = blockIdx.x;
        const float hw = static_cast<float>(static_cast<int64_t>(p.x.h) * p.x.w);
        gk::store<T>(p.y, (r / C) * p.y.sn + r % C, s / hw);
    }
}

} // namespace gk_pool2d

// ---- entry points ----------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f32_window(const gk_pool2d_params p) {
    gk_pool2d::window<float, 1>(p);
}
GK_KERNEL(gk_pool2d_f32_window);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f32_window_vec(const gk_pool2d_params p) {
    gk_pool2d::window<float, 4>(p);
}
GK_KERNEL(gk_pool2d_f32_window_vec);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f16_window(const gk_pool2d_params p) {
    gk_pool2d::window<__half, 1>(p);
}
GK_KERNEL(gk_pool2d_f16_window);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f16_window_vec(const gk_pool2d_params p) {
    gk_pool2d::window<__half, 8>(p);
}
GK_KERNEL(gk_pool2d_f16_window_vec);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f32_global(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS];
    gk_pool2d::global<float, 1>(p, sm);
}
GK_KERNEL(gk_pool2d_f32_global);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f32_global_vec(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS * 4];
    gk_pool2d::global<float, 4>(p, sm);
}
GK_KERNEL(gk_pool2d_f32_global_vec);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f16_global(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS];
    gk_pool2d::global<__half, 1>(p, sm);
}
GK_KERNEL(gk_pool2d_f16_global);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f16_global_vec(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS * 8];
    gk_pool2d::global<__half, 8>(p, sm);
}
GK_KERNEL(gk_pool2d_f16_global_vec);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f32_partial(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS];
    gk_pool2d::partial<float, 1>(p, sm);
}
GK_KERNEL(gk_pool2d_f32_partial);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f32_partial_vec(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS * 4];
    gk_pool2d::partial<float, 4>(p, sm);
}
GK_KERNEL(gk_pool2d_f32_partial_vec);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f16_partial(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS];
    gk_pool2d::partial<__half, 1>(p, sm);
}
GK_KERNEL(gk_pool2d_f16_partial);

extern "C" __global__ void __launch_bounds__(256) gk_pool2d_f16_partial_vec(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::THREADS * 8];
    gk_pool2d::partial<__half, 8>(p, sm);
}
GK_KERNEL(gk_pool2d_f16_partial_vec);

extern "C" __global__ void __launch_bounds__(128) gk_pool2d_f32_finalize(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::FINAL_THREADS];
    gk_pool2d::finalize<float>(p, sm);
}
GK_KERNEL(gk_pool2d_f32_finalize);

extern "C" __global__ void __launch_bounds__(128) gk_pool2d_f16_finalize(const gk_pool2d_params p) {
    __shared__ float sm[gk_chanred::FINAL_THREADS];
    gk_pool2d::finalize<__half>(p, sm);
}
GK_KERNEL(gk_pool2d_f16_finalize);

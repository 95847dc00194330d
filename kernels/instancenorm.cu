// instancenorm on the GPU: statistics per (image, channel) over H·W with the biased variance, then
// the optional affine (gamma, beta) and the fused activation; the formulas of
// native/cpu/instancenorm.c, the moments and deterministic merges of include/gk_chanred.cuh.
//
// Versions; each comes scalar (one channel per thread, any C and view) and _vec (V = 16 / sizeof(T)
// channels per thread, 16-byte accesses: C % V == 0 and x, y addresses multiples of 16 bytes):
//   gk_instancenorm_<dt>_fused[_vec]  one launch: grid (gx, 1, N), each block owns its channels of
//                                     one image: moments over H·W, block merge, coefficients, then
//                                     the normalize pass (x read twice, the second time mostly from
//                                     L2). Chosen when gx·N blocks nearly fill the GPU or images are
//                                     small — the usual case (CycleGAN, style transfer: N·C/V blocks).
//   gk_instancenorm_<dt>_stats[_vec]  split, pass 1: grid (gx, G, N): each image's pixels are split
//                                     over G blocks per channel group, each writes its fp64 partial
//                                     moments to scratch (for large H·W with few images and channels)
//   gk_instancenorm_finalize          split, pass 2: one block of 128 per (image, channel) merges the
//                                     G partials in a fixed order and writes the coefficients
//   gk_instancenorm_<dt>_apply[_vec]  split, pass 3: grid (gx, gy, N) normalize with the coefficients
// Block: (bdx, bdy) = 256 threads, bdx the power of two >= C / V, at most 32. Scratch (split only):
// include/gk_chanred.cuh with R = N·C rows. No float atomics: results depend on the launch
// configuration only.
#include "include/gk_chanred.cuh"

namespace gk_instancenorm {

using gk_chanred::Coef;
using gk_chanred::Moments;

__device__ __forceinline__ int chunk0(int V) { return (blockIdx.x * blockDim.x + threadIdx.x) * V; }

__device__ __forceinline__ Coef finish(const gk_instancenorm_params &p, int c, double n, double mu, double m2) {
    const double var = m2 > 0 ? m2 / n : 0.0;
    const bool affine = p.gamma != nullptr;
    return gk_chanred::coef(mu, var, p.eps, affine ? p.gamma[c] : 1.0, affine && p.beta ? p.beta[c] : 0.0);
}

__device__ __forceinline__ uint32_t hw(const gk_instancenorm_params &p) {
    return static_cast<uint32_t>(p.x.h) * static_cast<uint32_t>(p.x.w);
}

// x and y of the thread's channels in image blockIdx.z.
template <typename T> __device__ __forceinline__ const T *xbase(const gk_instancenorm_params &p, int c0) {
    return static_cast<const T *>(p.x.data) + static_cast<int64_t>(blockIdx.z) * p.x.sn + c0;
}
template <typename T> __device__ __forceinline__ T *ybase(const gk_instancenorm_params &p, int c0) {
    return static_cast<T *>(p.y.data) + static_cast<int64_t>(blockIdx.z) * p.y.sn + c0;
}

template <typename T, int V>
__device__ __forceinline__ void fused(const gk_instancenorm_params &p, gk_chanred::MomentSmem<V> &sm, float *cf) {
    const int c0 = chunk0(V);
    const bool active = c0 < p.x.c;
    Moments<V> m;
    gk_chanred::block_moments<T, V>(p.x, xbase<T>(p, c0), active, hw(p), true, sm, m);
    gk_chanred::fused_normalize<T, V>(
        p.x, p.y, xbase<T>(p, c0), ybase<T>(p, c0), active, hw(p), true, m, cf,
        [&](int i, double n, double mean, double m2) { return finish(p, c0 + i, n, mean, m2); }, p.act, p.alpha);
}

template <typename T, int V>
__device__ __forceinline__ void stats(const gk_instancenorm_params &p, gk_chanred::MomentSmem<V> &sm) {
    const int c0 = chunk0(V), C = p.x.c;
    Moments<V> m;
    gk_chanred::block_moments<T, V>(p.x, xbase<T>(p, c0), c0 < C, hw(p), true, sm, m);
    gk_chanred::store_partials(p.scratch, static_cast<int64_t>(p.x.n) * C,
                               static_cast<int64_t>(blockIdx.z) * C + c0, threadIdx.y == 0 && c0 < C, m);
}

__device__ __forceinline__ void finalize(const gk_instancenorm_params &p, gk_chanred::FinalSmem &sm) {
    const int64_t R = static_cast<int64_t>(p.x.n) * p.x.c, r = blockIdx.x;
    const Moments<1> m = gk_chanred::final_row(sm, p.scratch, R);
    if (threadIdx.x == 0) {
        gk_chanred::store_coef(p.scratch, R, r, finish(p, static_cast<int>(r % p.x.c), m.n, m.mean[0], m.m2[0]));
    }
}

template <typename T, int V> __device__ __forceinline__ void apply(const gk_instancenorm_params &p) {
    const int c0 = chunk0(V), C = p.x.c;
    if (c0 >= C) return;
    float ctr[V], sc[V], sh[V];
    gk_chanred::load_coefs(p.scratch, static_cast<int64_t>(p.x.n) * C, static_cast<int64_t>(blockIdx.z) * C + c0,
                           ctr, sc, sh);
    gk_chanred::normalize<T, V>(p.x, p.y, xbase<T>(p, c0), ybase<T>(p, c0), hw(p),
                                blockIdx.y * blockDim.y + threadIdx.y, gridDim.y * blockDim.y, true, ctr, sc, sh,
                                p.act, p.alpha);
}

} // namespace gk_instancenorm

// ---- entry points ----------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f32_fused(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_instancenorm::fused<float, 1>(p, sm, cf);
}
GK_KERNEL(gk_instancenorm_f32_fused);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f32_fused_vec(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<4> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_instancenorm::fused<float, 4>(p, sm, cf);
}
GK_KERNEL(gk_instancenorm_f32_fused_vec);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f16_fused(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_instancenorm::fused<__half, 1>(p, sm, cf);
}
GK_KERNEL(gk_instancenorm_f16_fused);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f16_fused_vec(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<8> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_instancenorm::fused<__half, 8>(p, sm, cf);
}
GK_KERNEL(gk_instancenorm_f16_fused_vec);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f32_stats(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    gk_instancenorm::stats<float, 1>(p, sm);
}
GK_KERNEL(gk_instancenorm_f32_stats);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f32_stats_vec(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<4> sm;
    gk_instancenorm::stats<float, 4>(p, sm);
}
GK_KERNEL(gk_instancenorm_f32_stats_vec);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f16_stats(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    gk_instancenorm::stats<__half, 1>(p, sm);
}
GK_KERNEL(gk_instancenorm_f16_stats);

extern "C" __global__ void __launch_bounds__(256, 2) gk_instancenorm_f16_stats_vec(const gk_instancenorm_params p) {
    __shared__ gk_chanred::MomentSmem<8> sm;
    gk_instancenorm::stats<__half, 8>(p, sm);
}
GK_KERNEL(gk_instancenorm_f16_stats_vec);

extern "C" __global__ void __launch_bounds__(128) gk_instancenorm_finalize(const gk_instancenorm_params p) {
    __shared__ gk_chanred::FinalSmem sm;
    gk_instancenorm::finalize(p, sm);
}
GK_KERNEL(gk_instancenorm_finalize);

extern "C" __global__ void __launch_bounds__(256) gk_instancenorm_f32_apply(const gk_instancenorm_params p) {
    gk_instancenorm::apply<float, 1>(p);
}
GK_KERNEL(gk_instancenorm_f32_apply);

extern "C" __global__ void __launch_bounds__(256) gk_instancenorm_f32_apply_vec(const gk_instancenorm_params p) {
    gk_instancenorm::apply<float, 4>(p);
}
GK_KERNEL(gk_instancenorm_f32_apply_vec);

extern "C" __global__ void __launch_bounds__(256) gk_instancenorm_f16_apply(const gk_instancenorm_params p) {
    gk_instancenorm::apply<__half, 1>(p);
}
GK_KERNEL(gk_instancenorm_f16_apply);

extern "C" __global__ void __launch_bounds__(256) gk_instancenorm_f16_apply_vec(const gk_instancenorm_params p) {
    gk_instancenorm::apply<__half, 8>(p);
}
GK_KERNEL(gk_instancenorm_f16_apply_vec);

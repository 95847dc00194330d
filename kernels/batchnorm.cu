// batchnorm on the GPU: per-channel normalization over N·H·W with running statistics (inference)
// or batch statistics (training: PyTorch's running-stat update with momentum, save_mean /
// save_invstd), then the fused activation. Formulas of native/cpu/batchnorm.c; the moments and the
// deterministic merges are in include/gk_chanred.cuh.
//
// Versions; each comes scalar (one channel per thread, any C and view) and _vec (V = 16 / sizeof(T)
// channels per thread, 16-byte accesses: C % V == 0 and x, y addresses multiples of 16 bytes):
//   gk_batchnorm_<dt>_apply[_vec]   the normalize pass: inference (coefficients from the running
//                                   statistics, one pass over x) or the last pass of split training
//                                   (coefficients from scratch, written by finalize)
//   gk_batchnorm_<dt>_fused[_vec]   training in one launch: grid (gx, 1), each block owns its
//                                   channels over all N·H·W pixels: moments, block merge, running
//                                   stats and coefficients, then the normalize pass (x read twice,
//                                   the second time mostly from L2). Chosen when gx blocks alone
//                                   nearly fill the GPU or the tensor is small.
//   gk_batchnorm_<dt>_stats[_vec]   split training, pass 1: grid (gx, G): the pixels are split over
//                                   G blocks per channel group, each writes its fp64 partial moments
//                                   (count, mean, M2) to scratch
//   gk_batchnorm_finalize           split training, pass 2: one block of 128 per channel merges the
//                                   G partials in a fixed order, updates the running statistics,
//                                   writes save_mean / save_invstd and the coefficients
// then gk_batchnorm_<dt>_apply[_vec] with grid (gx, gy) filling the GPU.
// Block: (bdx, bdy) = 256 threads, bdx the power of two >= C / V, at most 32. Scratch (split
// training only): see include/gk_chanred.cuh, R = C rows. No float atomics anywhere: the results
// depend on the launch configuration (from the device's SM count), never on timing.
#include "include/gk_chanred.cuh"

namespace gk_batchnorm {

using gk_chanred::Coef;
using gk_chanred::Moments;

__device__ __forceinline__ int chunk0(int V) { return (blockIdx.x * blockDim.x + threadIdx.x) * V; }

// The final statistics of channel c: coefficients; in training also the saved and running stats.
__device__ __forceinline__ Coef finish(const gk_batchnorm_params &p, int c, double n, double mu, double m2) {
    const double var = m2 > 0 ? m2 / n : 0.0;
    const double m = p.momentum;
    if (p.save_mean) p.save_mean[c] = static_cast<float>(mu);
    if (p.save_invstd) p.save_invstd[c] = static_cast<float>(1.0 / sqrt(var + static_cast<double>(p.eps)));
    const double unbiased = var * n / (n - 1);
    p.running_mean[c] = static_cast<float>((1.0 - m) * p.running_mean[c] + m * mu);
    p.running_var[c] = static_cast<float>((1.0 - m) * p.running_var[c] + m * unbiased);
    return gk_chanred::coef(mu, var, p.eps, p.gamma ? p.gamma[c] : 1.0, p.beta ? p.beta[c] : 0.0);
}

template <typename T, int V> __device__ __forceinline__ void apply(const gk_batchnorm_params &p) {
    const int c0 = chunk0(V);
    if (c0 >= p.x.c) return;
    float ctr[V], sc[V], sh[V];
    if (p.training) {
        gk_chanred::load_coefs(p.scratch, p.x.c, c0, ctr, sc, sh);
    } else {
#pragma unroll
        for (int i = 0; i < V; i++) {
            const int c = c0 + i;
            const Coef k = gk_chanred::coef(p.running_mean[c], p.running_var[c], p.eps, p.gamma ? p.gamma[c] : 1.0,
                                            p.beta ? p.beta[c] : 0.0);
            ctr[i] = k.center;
            sc[i] = k.scale;
            sh[i] = k.shift;
        }
    }
    gk_chanred::normalize<T, V>(p.x, p.y, static_cast<const T *>(p.x.data) + c0, static_cast<T *>(p.y.data) + c0,
                                gk_vec::pixels(p.x), blockIdx.y * blockDim.y + threadIdx.y, gridDim.y * blockDim.y,
                                false, ctr, sc, sh, p.act, p.alpha);
}

template <typename T, int V>
__device__ __forceinline__ void stats(const gk_batchnorm_params &p, gk_chanred::MomentSmem<V> &sm) {
    const int c0 = chunk0(V);
    Moments<V> m;
    gk_chanred::block_moments<T, V>(p.x, static_cast<const T *>(p.x.data) + c0, c0 < p.x.c, gk_vec::pixels(p.x),
                                    false, sm, m);
    gk_chanred::store_partials(p.scratch, p.x.c, c0, threadIdx.y == 0 && c0 < p.x.c, m);
}

__device__ __forceinline__ void finalize(const gk_batchnorm_params &p, gk_chanred::FinalSmem &sm) {
    const Moments<1> m = gk_chanred::final_row(sm, p.scratch, p.x.c);
    if (threadIdx.x == 0) {
        const int c = blockIdx.x;
        gk_chanred::store_coef(p.scratch, p.x.c, c, finish(p, c, m.n, m.mean[0], m.m2[0]));
    }
}

template <typename T, int V>
__device__ __forceinline__ void fused(const gk_batchnorm_params &p, gk_chanred::MomentSmem<V> &sm, float *cf) {
    const int c0 = chunk0(V);
    const bool active = c0 < p.x.c;
    const uint32_t P = gk_vec::pixels(p.x);
    const T *xb = static_cast<const T *>(p.x.data) + c0;
    Moments<V> m;
    gk_chanred::block_moments<T, V>(p.x, xb, active, P, false, sm, m);
    gk_chanred::fused_normalize<T, V>(
        p.x, p.y, xb, static_cast<T *>(p.y.data) + c0, active, P, false, m, cf,
        [&](int i, double n, double mean, double m2) { return finish(p, c0 + i, n, mean, m2); }, p.act, p.alpha);
}

} // namespace gk_batchnorm

// ---- entry points ----------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) gk_batchnorm_f32_apply(const gk_batchnorm_params p) {
    gk_batchnorm::apply<float, 1>(p);
}
GK_KERNEL(gk_batchnorm_f32_apply);

extern "C" __global__ void __launch_bounds__(256) gk_batchnorm_f32_apply_vec(const gk_batchnorm_params p) {
    gk_batchnorm::apply<float, 4>(p);
}
GK_KERNEL(gk_batchnorm_f32_apply_vec);

extern "C" __global__ void __launch_bounds__(256) gk_batchnorm_f16_apply(const gk_batchnorm_params p) {
    gk_batchnorm::apply<__half, 1>(p);
}
GK_KERNEL(gk_batchnorm_f16_apply);

extern "C" __global__ void __launch_bounds__(256) gk_batchnorm_f16_apply_vec(const gk_batchnorm_params p) {
    gk_batchnorm::apply<__half, 8>(p);
}
GK_KERNEL(gk_batchnorm_f16_apply_vec);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f32_stats(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    gk_batchnorm::stats<float, 1>(p, sm);
}
GK_KERNEL(gk_batchnorm_f32_stats);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f32_stats_vec(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<4> sm;
    gk_batchnorm::stats<float, 4>(p, sm);
}
GK_KERNEL(gk_batchnorm_f32_stats_vec);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f16_stats(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    gk_batchnorm::stats<__half, 1>(p, sm);
}
GK_KERNEL(gk_batchnorm_f16_stats);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f16_stats_vec(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<8> sm;
    gk_batchnorm::stats<__half, 8>(p, sm);
}
GK_KERNEL(gk_batchnorm_f16_stats_vec);

extern "C" __global__ void __launch_bounds__(128) gk_batchnorm_finalize(const gk_batchnorm_params p) {
    __shared__ gk_chanred::FinalSmem sm;
    gk_batchnorm::finalize(p, sm);
}
GK_KERNEL(gk_batchnorm_finalize);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f32_fused(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_batchnorm::fused<float, 1>(p, sm, cf);
}
GK_KERNEL(gk_batchnorm_f32_fused);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f32_fused_vec(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<4> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_batchnorm::fused<float, 4>(p, sm, cf);
}
GK_KERNEL(gk_batchnorm_f32_fused_vec);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f16_fused(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<1> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_batchnorm::fused<__half, 1>(p, sm, cf);
}
GK_KERNEL(gk_batchnorm_f16_fused);

extern "C" __global__ void __launch_bounds__(256, 2) gk_batchnorm_f16_fused_vec(const gk_batchnorm_params p) {
    __shared__ gk_chanred::MomentSmem<8> sm;
    __shared__ float cf[3 * gk_chanred::THREADS];
    gk_batchnorm::fused<__half, 8>(p, sm, cf);
}
GK_KERNEL(gk_batchnorm_f16_fused_vec);

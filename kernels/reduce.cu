// reduce on the GPU: mean of everything, per-channel means, MSE and L1 into an F32 y, accumulated
// in fp64 (short runs of at most 8 terms are summed in fp32 first) over a fixed partition, so the
// result depends on the shape and the launch configuration only — the accuracy class of
// native/cpu/reduce.c ("accumulated in double, deterministic"), without float atomics.
//
// mean-all, mse, l1 ("total"): the launch plan (runtime/dev/gannet/ops/cuda/ReduceCuda.java) merges
// the dims a and b both lay out contiguously into views (n', h', w', run) as elementwise does.
//   gk_reduce_<dt>_total        one element per thread, any strides (b may broadcast)
//   gk_reduce_<dt>_total_vec    V = 16 / sizeof(T) elements per thread with 16-byte loads: a
//                               contiguous along the run, b contiguous or one broadcast value, row
//                               starts multiples of 16 bytes; a row's tail element by element
//   Block (bdx, bdy) = 256 (bdx up to 256 along long runs), grid (gx, gy) filling the GPU with at
//   least 16 chunks per thread: every thread sums its elements in fp64, the block adds its
//   threads in a fixed tree. A single block writes y itself; G > 1 blocks write partials (scratch,
//   include/gk_chanred.cuh layout with one row) and gk_reduce_finalize_total (one block of 128)
//   adds them in a fixed order.
// mean-channel:
//   gk_reduce_<dt>_channel[_vec]  block (bdx, bdy) over (channel chunks, pixels), grid (gx, G): fp64
//                                 sums per channel (include/gk_chanred.cuh sums), a fixed tree over
//                                 ty; G = 1 writes y, G > 1 writes partials R = C rows x G
//   gk_reduce_finalize_channel    one block of 128 per channel adds its G partials in order
//   _vec: V = 16 / sizeof(T) channels per thread, C % V == 0, 16-byte aligned pixel rows.
#include "include/gk_chanred.cuh"

namespace gk_reduce {

__device__ __forceinline__ float term(int op, float a, float b) {
    switch (op) {
    case GK_REDUCE_MSE: {
        const float d = a - b;
        return d * d;
    }
    case GK_REDUCE_L1: return fabsf(a - b);
    default: return a;
    }
}

__device__ __forceinline__ double count(const gk_tensor &a) {
    return static_cast<double>(a.n) * a.h * a.w * a.c;
}

template <typename T, int V> __device__ __forceinline__ void total(const gk_reduce_params &p, double *sm) {
    const bool binary = p.op == GK_REDUCE_MSE || p.op == GK_REDUCE_L1;
    const int run = p.a.c, chunks = (run + V - 1) / V;
    const uint32_t rows = gk_vec::pixels(p.a);
    const T *a = static_cast<const T *>(p.a.data), *b = static_cast<const T *>(p.b.data);
    double acc = 0;
    for (uint32_t row = blockIdx.y * blockDim.y + threadIdx.y; row < rows; row += gridDim.y * blockDim.y) {
        const int64_t ao = gk_vec::pix_off(p.a, row), bo = binary ? gk_vec::pix_off(p.b, row) : 0;
        for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < chunks; k += gridDim.x * blockDim.x) {
            const int j0 = k * V;
            if (V > 1 && j0 + V <= run) {
                float va[V], vb[V];
                gk_vec::load<T, V>(a + ao + j0, va);
                if (binary) {
                    if (p.b.sc == 0) {
                        const float s = gk_vec::to_f(b[bo]);
#pragma unroll
                        for (int i = 0; i < V; i++) vb[i] = s;
                    } else {
                        gk_vec::load<T, V>(b + bo + j0, vb);
                    }
                }
                float t = 0.f;
#pragma unroll
                for (int i = 0; i < V; i++) t += term(p.op, va[i], binary ? vb[i] : 0.f);
                acc += t;
            } else {
                const int j1 = j0 + V < run ? j0 + V : run;
                for (int j = j0; j < j1; j++) {
                    const float va = gk_vec::to_f(a[ao + j * p.a.sc]);
                    const float vb = binary ? gk_vec::to_f(b[bo + j * p.b.sc]) : 0.f;
                    acc += term(p.op, va, vb);
                }
            }
        }
    }
    acc = gk_chanred::block_sum_flat<double>(sm, acc);
    if (threadIdx.x != 0 || threadIdx.y != 0) return;
    const int G = gridDim.x * gridDim.y;
    if (G == 1) {
        static_cast<float *>(p.y.data)[0] = static_cast<float>(acc / count(p.a));
    } else {
        gk_chanred::partials<double>(p.scratch, 1, G, 0)[blockIdx.y * gridDim.x + blockIdx.x] = acc;
        if (blockIdx.x == 0 && blockIdx.y == 0) *gk_chanred::header(p.scratch, 1) = G;
    }
}

__device__ __forceinline__ void finalize_total(const gk_reduce_params &p, double *sm) {
    const double s = gk_chanred::final_sum<double>(sm, p.scratch, 1);
    if (threadIdx.x == 0) static_cast<float *>(p.y.data)[0] = static_cast<float>(s / count(p.a));
}

template <typename T, int V> __device__ __forceinline__ void channel(const gk_reduce_params &p, double *sm) {
    const int c0 = (blockIdx.x * blockDim.x + threadIdx.x) * V, C = p.a.c, G = gridDim.y;
    const uint32_t P = gk_vec::pixels(p.a);
    double acc[V];
    if (c0 < C) {
        gk_chanred::sums<T, V, double>(p.a, static_cast<const T *>(p.a.data) + c0, P,
                                       blockIdx.y * blockDim.y + threadIdx.y, gridDim.y * blockDim.y, false, acc);
    } else {
#pragma unroll
        for (int i = 0; i < V; i++) acc[i] = 0;
    }
    gk_chanred::block_sum<V, double>(sm, acc);
    if (G > 1) {
        gk_chanred::store_sums<V, double>(p.scratch, C, c0, threadIdx.y == 0 && c0 < C, acc);
    } else if (threadIdx.y == 0 && c0 < C) {
        float *y = static_cast<float *>(p.y.data);
#pragma unroll
        for (int i = 0; i < V; i++) y[(c0 + i) * p.y.sc] = static_cast<float>(acc[i] / P);
    }
}

__device__ __forceinline__ void finalize_channel(const gk_reduce_params &p, double *sm) {
    const double s = gk_chanred::final_sum<double>(sm, p.scratch, p.a.c);
    if (threadIdx.x == 0) {
        static_cast<float *>(p.y.data)[blockIdx.x * p.y.sc] = static_cast<float>(s / gk_vec::pixels(p.a));
    }
}

} // namespace gk_reduce

// ---- entry points ----------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f32_total(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS];
    gk_reduce::total<float, 1>(p, sm);
}
GK_KERNEL(gk_reduce_f32_total);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f32_total_vec(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS];
    gk_reduce::total<float, 4>(p, sm);
}
GK_KERNEL(gk_reduce_f32_total_vec);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f16_total(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS];
    gk_reduce::total<__half, 1>(p, sm);
}
GK_KERNEL(gk_reduce_f16_total);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f16_total_vec(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS];
    gk_reduce::total<__half, 8>(p, sm);
}
GK_KERNEL(gk_reduce_f16_total_vec);

extern "C" __global__ void __launch_bounds__(128) gk_reduce_finalize_total(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::FINAL_THREADS];
    gk_reduce::finalize_total(p, sm);
}
GK_KERNEL(gk_reduce_finalize_total);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f32_channel(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS];
    gk_reduce::channel<float, 1>(p, sm);
}
GK_KERNEL(gk_reduce_f32_channel);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f32_channel_vec(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS * 4];
    gk_reduce::channel<float, 4>(p, sm);
}
GK_KERNEL(gk_reduce_f32_channel_vec);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f16_channel(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS];
    gk_reduce::channel<__half, 1>(p, sm);
}
GK_KERNEL(gk_reduce_f16_channel);

extern "C" __global__ void __launch_bounds__(256) gk_reduce_f16_channel_vec(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::THREADS * 8];
    gk_reduce::channel<__half, 8>(p, sm);
}
GK_KERNEL(gk_reduce_f16_channel_vec);

extern "C" __global__ void __launch_bounds__(128) gk_reduce_finalize_channel(const gk_reduce_params p) {
    __shared__ double sm[gk_chanred::FINAL_THREADS];
    gk_reduce::finalize_channel(p, sm);
}
GK_KERNEL(gk_reduce_finalize_channel);

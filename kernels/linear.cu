// linear: y = epilogue(x · Wᵀ) over the N*H*W pixels of x (C features each), W the dense K x C
// matrix (PyTorch's layout) in x's dtype. A GEMM on the tiles of include/gk_igemm.cuh: M = pixels,
// N = K outputs, reduction = C; W rows are the B tile's rows (wmma col_major matrix_b) as they are.
//
// Versions (kernel gk_linear_<dtype>_<tile>_<load>): f16 tensor cores 128x128 (256 thr, 61440 B),
//   64x64 (128 thr, 30720 B), 128x16 (128 thr, 34560 B); f32 CUDA cores 128x128 (256 thr, 61440
//   B), 64x64 (256 thr, 30720 B), 128x16 (128 thr, 34560 B).
//   load "vec": x and W by 16-byte async copies (C a multiple of 8 for f16 / 4 for f32, x and W
//   16-byte aligned, x strides multiples of 8 / 4); "any": both by element gathers (64x64 and
//   128x16 only, see conv2d.cu).
// Launch (LinearCuda.java): grid (ceil(M/BM), ceil(K/BN)), block = threads, dynamic smem as above.
#include "include/gk_igemm.cuh"

namespace gk_linear {

template <typename T_> struct Taps {
    using T = T_;
    const gk_linear_params &p;
    int mtot;

    struct Row {
        int64_t base;
        int a, b;
        bool ok;
    };
    using Cur = int; // the feature index
    using WCur = int;

    __device__ __forceinline__ explicit Taps(const gk_linear_params &p_) : p(p_) {
        mtot = p.x.n * p.x.h * p.x.w;
    }

    __device__ __forceinline__ int M() const { return mtot; }
    __device__ __forceinline__ int N() const { return p.y.c; }
    __device__ __forceinline__ int kred() const { return p.x.c; }

    __device__ __forceinline__ void out_pixel(int m, int &n, int &h, int &w) const {
        gk_igemm::split_pixel(m, p.x.h, p.x.w, n, h, w);
    }

    __device__ __forceinline__ Row row(int m) const {
        Row r;
        r.ok = m < mtot;
        int n = 0, h = 0, w = 0;
        if (r.ok) out_pixel(m, n, h, w);
        r.base = n * p.x.sn + h * p.x.sh + w * p.x.sw;
        r.a = r.b = 0;
        return r;
    }

    __device__ __forceinline__ Cur cursor(int red) const { return red; }
    __device__ __forceinline__ bool advance(Cur &c, int step) const {
        c += step;
        return false; // one tap
    }
    __device__ __forceinline__ bool step1(Cur &c) const {
        ++c;
        return false; // one tap: the source pixel never changes
    }
    __device__ __forceinline__ int chan(const Cur &c) const { return c; }
    __device__ __forceinline__ bool chan_ok(const Cur &c) const { return c < p.x.c; }
    __device__ __forceinline__ const T *any() const { return static_cast<const T *>(p.x.data); }
    __device__ __forceinline__ const T *at(const Row &row, const Cur &) const {
        return row.ok ? any() + row.base : nullptr;
    }

    __device__ __forceinline__ WCur wcursor(int red) const { return red; }
    __device__ __forceinline__ void wadvance(WCur &w, int step) const { w += step; }
    __device__ __forceinline__ int64_t wcol(const WCur &w) const { return w < p.x.c ? w : -1; }
};

// B tile by element gathers from W (K x C, any alignment): a thread owns EPT consecutive features
// of one output row, loaded in fetch and stored in stash.
template <typename T, int BN, int BK, int THREADS, int LDS> struct BGather {
    static constexpr int EPT = BN * BK / THREADS, TPR = BK / EPT;
    static_assert(BK % EPT == 0 && THREADS / TPR == BN, "one row per thread group");

    const T *w;
    int C, red, r, col;
    bool ok;
    T regs[EPT];

    __device__ __forceinline__ BGather(const T *w_, int C_, int K, int n0) : w(w_), C(C_) {
        r = threadIdx.x / TPR;
        col = (threadIdx.x % TPR) * EPT;
        red = col;
        ok = n0 + r < K;
        w += static_cast<int64_t>(ok ? n0 + r : 0) * C;
    }

    __device__ __forceinline__ void fetch(T *) {
#pragma unroll
        for (int e = 0; e < EPT; ++e) regs[e] = ok && red + e < C ? w[red + e] : gk_igemm::zero<T>();
        red += BK;
    }

    __device__ __forceinline__ void stash(T *sB) {
#pragma unroll
        for (int e = 0; e < EPT; ++e) sB[r * LDS + col + e] = regs[e];
    }
};

template <class Tile, bool VEC> __device__ __forceinline__ void run(const gk_linear_params &p) {
    using T = typename Tile::T;
    using Tp = Taps<T>;
    GK_DYNAMIC_SMEM(int4, gk_linear_smem);
    char *smem = reinterpret_cast<char *>(gk_linear_smem);
    const Tp tp(p);
    const T *w = static_cast<const T *>(p.w);
    if constexpr (VEC) {
        gk_igemm::gemm<Tile, true>(smem, tp, w, p.x.c, tp.kred(), p.y, p.ep);
    } else {
        const int m0 = blockIdx.x * Tile::BM, n0 = blockIdx.y * Tile::BN;
        gk_igemm::AGather<Tp, Tile::BM, Tile::BK, Tile::THREADS, Tile::LDS> al(tp, m0);
        BGather<T, Tile::BN, Tile::BK, Tile::THREADS, Tile::LDS> bl(w, p.x.c, p.y.c, n0);
        const gk_igemm::EpOut<Tp> out(tp, p.y, p.ep);
        gk_igemm::block<Tile>(smem, al, bl, (tp.kred() + Tile::BK - 1) / Tile::BK, out, m0, n0);
    }
}

} // namespace gk_linear

extern "C" __global__ void __launch_bounds__(256) gk_linear_f16_128x128_vec(const gk_linear_params p) {
    gk_linear::run<gk_igemm::TcL, true>(p);
}
GK_KERNEL(gk_linear_f16_128x128_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_linear_f16_64x64_vec(const gk_linear_params p) {
    gk_linear::run<gk_igemm::TcM, true>(p);
}
GK_KERNEL(gk_linear_f16_64x64_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_linear_f16_64x64_any(const gk_linear_params p) {
    gk_linear::run<gk_igemm::TcM, false>(p);
}
GK_KERNEL(gk_linear_f16_64x64_any);

extern "C" __global__ void __launch_bounds__(128, 4) gk_linear_f16_128x16_vec(const gk_linear_params p) {
    gk_linear::run<gk_igemm::TcN, true>(p);
}
GK_KERNEL(gk_linear_f16_128x16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_linear_f16_128x16_any(const gk_linear_params p) {
    gk_linear::run<gk_igemm::TcN, false>(p);
}
GK_KERNEL(gk_linear_f16_128x16_any);

extern "C" __global__ void __launch_bounds__(256) gk_linear_f32_128x128_vec(const gk_linear_params p) {
    gk_linear::run<gk_igemm::FmaL, true>(p);
}
GK_KERNEL(gk_linear_f32_128x128_vec);

extern "C" __global__ void __launch_bounds__(256) gk_linear_f32_64x64_vec(const gk_linear_params p) {
    gk_linear::run<gk_igemm::FmaM, true>(p);
}
GK_KERNEL(gk_linear_f32_64x64_vec);

extern "C" __global__ void __launch_bounds__(256) gk_linear_f32_64x64_any(const gk_linear_params p) {
    gk_linear::run<gk_igemm::FmaM, false>(p);
}
GK_KERNEL(gk_linear_f32_64x64_any);

extern "C" __global__ void __launch_bounds__(128, 4) gk_linear_f32_128x16_vec(const gk_linear_params p) {
    gk_linear::run<gk_igemm::FmaN, true>(p);
}
GK_KERNEL(gk_linear_f32_128x16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_linear_f32_128x16_any(const gk_linear_params p) {
    gk_linear::run<gk_igemm::FmaN, false>(p);
}
GK_KERNEL(gk_linear_f32_128x16_any);

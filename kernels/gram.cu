// gram: per batch item G = scale * F^T F, F the (H*W) x C pixel matrix of x[n]; y F32 (N,1,C,C).
// A SYRK: G is cut into 64x64 tiles and only the upper triangle of tiles (bi <= bj) is computed;
// each result is written at (i, j) and mirrored to (j, i) (inside a diagonal tile only i <= j
// writes, so no element is written twice). Accumulation is fp32.
//
// Parallelism over H*W: P parts of the pixels (a whole number of BK-pixel k-tiles each, part p
// takes k-tiles [p*kpp, (p+1)*kpp), kpp = ceil(ktiles / P)). With P = 1 (no scratch) a block
// writes y itself. With P > 1 each block stores its raw partial tile in the scratch workspace at
// ((n*ntri + t)*P + p) * 4096 floats, and gk_gram_finalize sums the P partials of every element in
// the fixed order p = 0..P-1, scales and mirrors: deterministic, no float atomics.
//
// Versions:
//   gk_gram_f16_<load>: tensor cores, 4 warps (2x2) of 32x32 wmma m16n16k16 (F^T as col_major A,
//     F as row_major B, both from the same [pixels][channels] shared tile), BK = 32 pixels,
//     3-stage cp.async pipeline, 27648 B dynamic smem, 128 threads.
//   gk_gram_f32_<load>: CUDA cores, 256 threads of 4x4 outputs, BK = 16, 3 stages, 26112 B.
//   load "vec": 16-byte async copies (C a multiple of 8 / 4, x 16-byte aligned, strides multiples
//     of 8 / 4); "any": element gathers into registers.
//   gk_gram_finalize: 256 threads; grid (ntri * P, N), block b sums slice b % P of tile b / P.
// Launch (GramCuda.java): grid (ntri, P, N) with ntri = nb*(nb+1)/2, nb = ceil(C/64); scratch of
//   N * ntri * P * 4096 floats when P > 1, then gk_gram_finalize.
#include "include/gk_igemm.cuh"

namespace gk_gram {

constexpr int BT = 64;    // G tile
constexpr int TILE = BT * BT;

// Tile t of the upper triangle (column-major order t = bj*(bj+1)/2 + bi, bi <= bj).
__device__ __forceinline__ void tri(int t, int &bi, int &bj) {
    int j = static_cast<int>((sqrtf(8.f * t + 1.f) - 1.f) * 0.5f);
    while (j * (j + 1) / 2 > t) --j;
    while ((j + 1) * (j + 2) / 2 <= t) ++j;
    bj = j;
    bi = t - j * (j + 1) / 2;
}

// Writes scale * v for G[n][gi][gj] and its mirror, following the triangle rule above.
__device__ __forceinline__ void put(const gk_gram_params &p, int n, int bi, int bj, int i, int j, float v) {
    const int gi = bi * BT + i, gj = bj * BT + j, C = p.x.c;
    if (gi >= C || gj >= C || (bi == bj && i > j)) return;
    float *y = static_cast<float *>(p.y.data);
    const float s = p.scale * v;
    y[gk::off(p.y, n, 0, gi, gj)] = s;
    y[gk::off(p.y, n, 0, gj, gi)] = s;
}

// One operand: BK pixels x 64 channels (c0..c0+63) of x[n] into a [BK][LDS] shared tile.
template <typename T, int BK, int THREADS, int LDS, bool VEC> struct Load;

template <typename T, int BK, int THREADS, int LDS> struct Load<T, BK, THREADS, LDS, true> {
    static constexpr int V = gk_igemm::vec_of<T>::N, CPR = BT / V, RPP = THREADS / CPR, PASSES = BK / RPP;
    static_assert(THREADS % CPR == 0 && BK % RPP == 0, "chunks tile the operand");
    const gk_tensor &x;
    int n, c, pix, end, row0, col;

    __device__ __forceinline__ Load(const gk_tensor &x_, int n_, int c0, int p0, int p1) : x(x_), n(n_), pix(p0), end(p1) {
        row0 = threadIdx.x / CPR;
        col = (threadIdx.x % CPR) * V;
        c = c0 + col;
    }
    __device__ __forceinline__ void fetch(T *s) {
        const T *base = static_cast<const T *>(x.data);
#pragma unroll
        for (int q = 0; q < PASSES; ++q) {
            const int pp = pix + row0 + q * RPP;
            const bool ok = pp < end && c < x.c;
            const int h = ok ? pp / x.w : 0;
            const T *src = ok ? base + gk::off(x, n, h, pp - h * x.w, c) : base;
            gk_cp_async_16_zfill(s + (row0 + q * RPP) * LDS + col, src, ok ? 16 : 0);
        }
        pix += BK;
    }
    __device__ __forceinline__ void stash(T *) {}
};

template <typename T, int BK, int THREADS, int LDS> struct Load<T, BK, THREADS, LDS, false> {
    static constexpr int EPT = BK * BT / THREADS, TPR = BT / EPT;
    static_assert(BT % EPT == 0 && THREADS / TPR == BK, "one pixel per thread group");
    const gk_tensor &x;
    int n, c, pix, end, r, col;
    T regs[EPT];

    __device__ __forceinline__ Load(const gk_tensor &x_, int n_, int c0, int p0, int p1) : x(x_), n(n_), pix(p0), end(p1) {
        r = threadIdx.x / TPR;
        col = (threadIdx.x % TPR) * EPT;
        c = c0 + col;
    }
    __device__ __forceinline__ void fetch(T *) {
        const int pp = pix + r;
        const bool ok = pp < end;
        const int h = ok ? pp / x.w : 0;
        const T *src = static_cast<const T *>(x.data) + (ok ? gk::off(x, n, h, pp - h * x.w, 0) : 0);
#pragma unroll
        for (int e = 0; e < EPT; ++e) regs[e] = ok && c + e < x.c ? src[c + e] : gk_igemm::zero<T>();
        pix += BK;
    }
    __device__ __forceinline__ void stash(T *s) {
        T *d = s + r * LDS + col;
#pragma unroll
        for (int e = 0; e < EPT; e += 16 / static_cast<int>(sizeof(T))) {
            uint4 v;
            memcpy(&v, &regs[e], 16);
            *reinterpret_cast<uint4 *>(d + e) = v;
        }
    }
};

// Tensor-core tile: A(i, p) = F[p][i] is the col_major view of the [pixels][channels] tile.
struct Tc {
    using T = __half;
    static constexpr int BK = 32, THREADS = 128, STAGES = 3, LDS = BT + 8;
    static constexpr int STAGE_ELEMS = 2 * BK * LDS;
    static constexpr int LDO = BT + 4;
    static constexpr int SMEM_BYTES = gk_igemm::cmax(STAGES * STAGE_ELEMS * 2, BT * LDO * 4);
    struct Acc {
        nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 16, float> f[2][2];
    };
    static __device__ __forceinline__ void zero(Acc &a) {
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
            for (int j = 0; j < 2; ++j) nvcuda::wmma::fill_fragment(a.f[i][j], 0.f);
    }
    static __device__ __forceinline__ void compute(Acc &acc, const T *si, const T *sj) {
        using namespace nvcuda;
        const int warp = threadIdx.x / 32, wm = warp / 2, wn = warp % 2;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::col_major> a[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], si + kk * LDS + wm * 32 + i * 16, LDS);
#pragma unroll
            for (int j = 0; j < 2; ++j) {
                wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b;
                wmma::load_matrix_sync(b, sj + kk * LDS + wn * 32 + j * 16, LDS);
#pragma unroll
                for (int i = 0; i < 2; ++i) wmma::mma_sync(acc.f[i][j], a[i], b, acc.f[i][j]);
            }
        }
    }
    // Raw partial tile to part (64 x 64 floats, row-major), or the final values to y through smem.
    static __device__ __forceinline__ void store(Acc &acc, char *smem, const gk_gram_params &p, float *part, int n,
                                                 int bi, int bj) {
        using namespace nvcuda;
        const int warp = threadIdx.x / 32, wm = warp / 2, wn = warp % 2;
        float *dst = part ? part : reinterpret_cast<float *>(smem);
        const int ld = part ? BT : LDO;
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
            for (int j = 0; j < 2; ++j)
                wmma::store_matrix_sync(dst + (wm * 32 + i * 16) * ld + wn * 32 + j * 16, acc.f[i][j], ld,
                                        wmma::mem_row_major);
        if (part) return;
        __syncthreads();
        const float *st = reinterpret_cast<const float *>(smem);
        for (int e = threadIdx.x; e < TILE; e += THREADS) put(p, n, bi, bj, e / BT, e % BT, st[(e / BT) * LDO + e % BT]);
    }
};

// CUDA-core tile: 16 x 16 threads, rows ty*4.., columns tx*4.. of G.
struct Fma {
    using T = float;
    static constexpr int BK = 16, THREADS = 256, STAGES = 3, LDS = BT + 4;
    static constexpr int STAGE_ELEMS = 2 * BK * LDS;
    static constexpr int SMEM_BYTES = STAGES * STAGE_ELEMS * 4;
    struct Acc {
        float v[4][4];
    };
    static __device__ __forceinline__ void zero(Acc &a) {
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 4; ++j) a.v[i][j] = 0.f;
    }
    static __device__ __forceinline__ void compute(Acc &acc, const T *si, const T *sj) {
        const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            const float4 a = *reinterpret_cast<const float4 *>(si + kk * LDS + ty * 4);
            const float4 b = *reinterpret_cast<const float4 *>(sj + kk * LDS + tx * 4);
            const float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc.v[i][j] = fmaf(av[i], bv[j], acc.v[i][j]);
        }
    }
    static __device__ __forceinline__ void store(Acc &acc, char *, const gk_gram_params &p, float *part, int n,
                                                 int bi, int bj) {
        const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            if (part) {
                *reinterpret_cast<float4 *>(part + (ty * 4 + i) * BT + tx * 4) =
                    make_float4(acc.v[i][0], acc.v[i][1], acc.v[i][2], acc.v[i][3]);
            } else {
#pragma unroll
                for (int j = 0; j < 4; ++j) put(p, n, bi, bj, ty * 4 + i, tx * 4 + j, acc.v[i][j]);
            }
        }
    }
};

// GramCuda.java launches with these sizes and thread counts.
static_assert(Tc::SMEM_BYTES == 27648 && Tc::THREADS == 128, "GramCuda");
static_assert(Fma::SMEM_BYTES == 26112 && Fma::THREADS == 256, "GramCuda");

template <class Tile, bool VEC> __device__ __forceinline__ void run(const gk_gram_params &p) {
    using T = typename Tile::T;
    using L = Load<T, Tile::BK, Tile::THREADS, Tile::LDS, VEC>;
    GK_DYNAMIC_SMEM(int4, gk_gram_smem);
    char *smem = reinterpret_cast<char *>(gk_gram_smem);
    T *const base = reinterpret_cast<T *>(smem);
    const int n = blockIdx.z, part = blockIdx.y, parts = gridDim.y;
    int bi, bj;
    tri(blockIdx.x, bi, bj);
    const bool diag = bi == bj;
    const int hw = p.x.h * p.x.w, kt_all = (hw + Tile::BK - 1) / Tile::BK, kpp = (kt_all + parts - 1) / parts;
    const int k0 = part * kpp < kt_all ? part * kpp : kt_all;
    const int k1 = k0 + kpp < kt_all ? k0 + kpp : kt_all;
    const int p1 = k1 * Tile::BK < hw ? k1 * Tile::BK : hw;
    L li(p.x, n, bi * BT, k0 * Tile::BK, p1), lj(p.x, n, bj * BT, k0 * Tile::BK, p1);
    typename Tile::Acc acc;
    Tile::zero(acc);
    // A diagonal tile multiplies the channel block by itself: one operand, read once.
    gk_igemm::pipeline<Tile::STAGES>(
        k1 - k0,
        [&](int s) {
            li.fetch(base + s * Tile::STAGE_ELEMS);
            if (!diag) lj.fetch(base + s * Tile::STAGE_ELEMS + Tile::BK * Tile::LDS);
        },
        [&](int s) {
            li.stash(base + s * Tile::STAGE_ELEMS);
            if (!diag) lj.stash(base + s * Tile::STAGE_ELEMS + Tile::BK * Tile::LDS);
        },
        [&](int s) {
            const T *si = base + s * Tile::STAGE_ELEMS;
            Tile::compute(acc, si, diag ? si : si + Tile::BK * Tile::LDS);
        });
    float *dst = nullptr;
    if (p.scratch) {
        const int ntri = gridDim.x;
        dst = static_cast<float *>(p.scratch) + ((static_cast<int64_t>(n) * ntri + blockIdx.x) * parts + part) * TILE;
    }
    Tile::store(acc, smem, p, dst, n, bi, bj);
}

// Sums the P partials of slice (blockIdx.x % P) of tile (blockIdx.x / P) of item blockIdx.y.
__device__ __forceinline__ void finalize(const gk_gram_params &p) {
    const int nb = (p.x.c + BT - 1) / BT, ntri = nb * (nb + 1) / 2;
    const int parts = gridDim.x / ntri, t = blockIdx.x / parts, sl = blockIdx.x - t * parts, n = blockIdx.y;
    int bi, bj;
    tri(t, bi, bj);
    const float *src = static_cast<const float *>(p.scratch) + (static_cast<int64_t>(n) * ntri + t) * parts * TILE;
    const int e0 = sl * TILE / parts, e1 = (sl + 1) * TILE / parts;
    for (int e = e0 + threadIdx.x; e < e1; e += blockDim.x) {
        float s = 0.f;
        for (int q = 0; q < parts; ++q) s += src[static_cast<int64_t>(q) * TILE + e];
        put(p, n, bi, bj, e / BT, e % BT, s);
    }
}

} // namespace gk_gram

extern "C" __global__ void __launch_bounds__(128, 4) gk_gram_f16_vec(const gk_gram_params p) {
    gk_gram::run<gk_gram::Tc, true>(p);
}
GK_KERNEL(gk_gram_f16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_gram_f16_any(const gk_gram_params p) {
    gk_gram::run<gk_gram::Tc, false>(p);
}
GK_KERNEL(gk_gram_f16_any);

extern "C" __global__ void __launch_bounds__(256) gk_gram_f32_vec(const gk_gram_params p) {
    gk_gram::run<gk_gram::Fma, true>(p);
}
GK_KERNEL(gk_gram_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_gram_f32_any(const gk_gram_params p) {
    gk_gram::run<gk_gram::Fma, false>(p);
}
GK_KERNEL(gk_gram_f32_any);

extern "C" __global__ void __launch_bounds__(256) gk_gram_finalize(const gk_gram_params p) {
    gk_gram::finalize(p);
}
GK_KERNEL(gk_gram_finalize);

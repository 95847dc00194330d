// The implicit-GEMM family shared by conv2d, conv_transpose2d and linear: block tile configurations
// (tensor cores through wmma for F16, register-blocked FMA for F32), the multi-stage cp.async
// pipeline, operand loaders (16-byte async copies, or element gathers for odd channel counts and
// unaligned views) and the store stage that applies the conv epilogue.
//
// The GEMM is C[M x N] = A[M x Kr] * B[Kr x N]: M output pixels, N output channels, Kr the
// reduction (taps x input channels). A op describes how its A rows (pixels) and reduction index map
// to input addresses through a "Taps" policy (conv2d.cu, conv_transpose2d.cu, linear.cu):
//
//   struct Taps {
//     using T;                                   // element type (float or __half)
//     struct Row { int64_t base; int a, b; bool ok; };  // one output pixel's input anchor
//     struct Cur;                                // where a thread is in the reduction (channel, tap)
//     Row row(int m) const;                      // m < M() -> ok
//     Cur cursor(int red) const;                 // cursor at reduction index red
//     bool advance(Cur &, int step) const;       // step >= 1 indices further; true if the tap changed
//     bool step1(Cur &) const;                   // one index further; true if the tap changed
//     const T *at(const Row &, const Cur &) const; // channel 0 of the source pixel of this tap, or
//                                                // nullptr where the input reads as zero
//     const T *any() const;                      // a valid address for zero-byte copies
//     int chan(const Cur &) const;               // channel of the cursor
//     bool chan_ok(const Cur &) const;           // channel inside the input (not padding)
//     struct WCur; WCur wcursor(int red) const; void wadvance(WCur &, int step) const;
//     int64_t wcol(const WCur &) const;          // column of the weight row, -1 past the end
//     int M() const, N() const;                  // output pixels and channels
//     void out_pixel(int m, int &n, int &oh, int &ow) const;  // where output pixel m lives in y
//   };
//
// Shared memory per pipeline stage: A tile [BM][BK + pad] then B tile [BN][BK + pad] (B stored
// n-major, the wmma "col_major" matrix_b), pad = 16 bytes so rows stay 16-byte aligned and the
// 8-row phases of fragment loads hit distinct banks. After the main loop the same memory stages the
// fp32 results of each warp for the epilogue (TcTile) — the fragment element mapping is unspecified.
#ifndef GK_IGEMM_CUH
#define GK_IGEMM_CUH

#include "gk_common.cuh"
#include <string.h>

namespace gk_igemm {

template <typename T> struct vec_of;
template <> struct vec_of<__half> { static constexpr int N = 8; };
template <> struct vec_of<float> { static constexpr int N = 4; };

template <typename T> __device__ __forceinline__ T zero();
template <> __device__ __forceinline__ float zero<float>() { return 0.f; }
template <> __device__ __forceinline__ __half zero<__half>() { return __float2half_rn(0.f); }

constexpr int cmax(int a, int b) { return a > b ? a : b; }

template <bool B, class X, class Y> struct pick { using type = X; };
template <class X, class Y> struct pick<false, X, Y> { using type = Y; };

// Output pixel m of an n x h x w grid: item, row and column.
__device__ __forceinline__ void split_pixel(int m, int h, int w, int &n, int &i, int &j) {
    const int hw = h * w;
    n = m / hw;
    const int rem = m - n * hw;
    i = rem / w;
    j = rem - i * w;
}

// A position in a reduction laid out as [outer tap][inner tap][channel], with cw channels per tap
// and ni inner taps per outer one (conv2d: r, s, c; conv_transpose2d: class taps jh, jw, c).
struct Cursor3 {
    int c, i, o;

    // Brings c back below cw, moving to later taps; true if the tap changed.
    __device__ __forceinline__ bool norm(int cw, int ni) {
        bool moved = false;
        while (c >= cw) {
            c -= cw;
            moved = true;
            if (++i == ni) {
                i = 0;
                ++o;
            }
        }
        return moved;
    }
    __device__ __forceinline__ static Cursor3 at(int red, int cw, int ni) {
        Cursor3 k;
        k.c = red;
        k.i = 0;
        k.o = 0;
        k.norm(cw, ni);
        return k;
    }
    // One index further; true if the tap changed.
    __device__ __forceinline__ bool step1(int cw, int ni) {
        if (++c < cw) return false;
        c = 0;
        if (++i == ni) {
            i = 0;
            ++o;
        }
        return true;
    }
};

// ---- block tiles ------------------------------------------------------------------------------

// F16 on tensor cores: WARPS_M x WARPS_N warps, each owning a (BM/WARPS_M) x (BN/WARPS_N) warp
// tile of 16x16x16 wmma fragments (half in, fp32 accumulate).
template <int BM_, int BN_, int BK_, int WARPS_M, int WARPS_N, int STAGES_> struct TcTile {
    using T = __half;
    static constexpr int BM = BM_, BN = BN_, BK = BK_, STAGES = STAGES_;
    static constexpr int THREADS = 32 * WARPS_M * WARPS_N;
    static constexpr int LDS = BK + 8;
    static constexpr int WTM = BM / WARPS_M, WTN = BN / WARPS_N, FM = WTM / 16, FN = WTN / 16;
    static constexpr int STAGE_ELEMS = (BM + BN) * LDS;
    static constexpr int LDO = WTN + 4; // fp32 staging row of one warp
    static constexpr int SMEM_BYTES =
        cmax(STAGES * STAGE_ELEMS * 2, WARPS_M * WARPS_N * 16 * LDO * 4);
    static_assert(BK % 16 == 0 && WTM % 16 == 0 && WTN % 16 == 0, "wmma tiles are 16x16x16");

    struct Acc {
        nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 16, float> f[FM][FN];
    };

    static __device__ __forceinline__ void zero(Acc &acc) {
#pragma unroll
        for (int i = 0; i < FM; ++i)
#pragma unroll
            for (int j = 0; j < FN; ++j) nvcuda::wmma::fill_fragment(acc.f[i][j], 0.f);
    }

    static __device__ __forceinline__ void compute(Acc &acc, const T *sA, const T *sB) {
        using namespace nvcuda;
        const int warp = threadIdx.x / 32, wm = warp / WARPS_N, wn = warp % WARPS_N;
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[FM];
#pragma unroll
            for (int i = 0; i < FM; ++i) wmma::load_matrix_sync(a[i], sA + (wm * WTM + i * 16) * LDS + kk, LDS);
#pragma unroll
            for (int j = 0; j < FN; ++j) {
                wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> b;
                wmma::load_matrix_sync(b, sB + (wn * WTN + j * 16) * LDS + kk, LDS);
#pragma unroll
                for (int i = 0; i < FM; ++i) wmma::mma_sync(acc.f[i][j], a[i], b, acc.f[i][j]);
            }
        }
    }

    // Each warp stages one row of fragments (16 x WTN fp32) at a time; two lanes per row then
    // write WTN/2 consecutive channels of one pixel. The caller has drained the pipeline and
    // passed a barrier, so the stage memory is free.
    template <class Out>
    static __device__ __forceinline__ void store(Acc &acc, char *smem, int m0, int n0, const Out &out) {
        using namespace nvcuda;
        const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
        const int wm = warp / WARPS_N, wn = warp % WARPS_N;
        float *st = reinterpret_cast<float *>(smem) + warp * 16 * LDO;
        constexpr int RUN = WTN / 2;
        const int row = lane / 2, col = (lane % 2) * RUN;
#pragma unroll
        for (int i = 0; i < FM; ++i) {
#pragma unroll
            for (int j = 0; j < FN; ++j) wmma::store_matrix_sync(st + j * 16, acc.f[i][j], LDO, wmma::mem_row_major);
            __syncwarp(0xffffffffu);
            out.template run<RUN>(m0 + wm * WTM + i * 16 + row, n0 + wn * WTN + col, st + row * LDO + col);
            __syncwarp(0xffffffffu);
        }
    }
};

// F32 on CUDA cores: (BM/TM) x (BN/TN) threads, each accumulating TM x TN outputs in registers.
// A thread's rows are ty + i*TY and its columns tx + j*TX (interleaved), so the 16-byte shared
// loads of one 8-lane phase read 8 different rows (no bank conflicts with the 16-byte row pad)
// and stores of consecutive lanes go to consecutive channels.
template <int BM_, int BN_, int BK_, int TM, int TN, int STAGES_> struct FmaTile {
    using T = float;
    static constexpr int BM = BM_, BN = BN_, BK = BK_, STAGES = STAGES_;
    static constexpr int TX = BN / TN, TY = BM / TM, THREADS = TX * TY;
    static constexpr int LDS = BK + 4;
    static constexpr int STAGE_ELEMS = (BM + BN) * LDS;
    static constexpr int SMEM_BYTES = STAGES * STAGE_ELEMS * 4;
    static_assert(BK % 4 == 0, "float4 steps over the reduction");

    struct Acc {
        float v[TM][TN];
    };

    static __device__ __forceinline__ void zero(Acc &acc) {
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
            for (int j = 0; j < TN; ++j) acc.v[i][j] = 0.f;
    }

    static __device__ __forceinline__ void compute(Acc &acc, const T *sA, const T *sB) {
        const int tx = threadIdx.x % TX, ty = threadIdx.x / TX;
        // Rolled: unrolled, the compiler hoists every shared load of the tile into registers.
#pragma unroll 1
        for (int kk = 0; kk < BK; kk += 4) {
            float4 a[TM];
#pragma unroll
            for (int i = 0; i < TM; ++i) a[i] = *reinterpret_cast<const float4 *>(sA + (ty + i * TY) * LDS + kk);
#pragma unroll
            for (int j = 0; j < TN; ++j) {
                const float4 b = *reinterpret_cast<const float4 *>(sB + (tx + j * TX) * LDS + kk);
#pragma unroll
                for (int i = 0; i < TM; ++i) {
                    float t = acc.v[i][j];
                    t = fmaf(a[i].x, b.x, t);
                    t = fmaf(a[i].y, b.y, t);
                    t = fmaf(a[i].z, b.z, t);
                    t = fmaf(a[i].w, b.w, t);
                    acc.v[i][j] = t;
                }
            }
        }
    }

    template <class Out>
    static __device__ __forceinline__ void store(Acc &acc, char *, int m0, int n0, const Out &out) {
        const int tx = threadIdx.x % TX, ty = threadIdx.x / TX;
#pragma unroll
        for (int i = 0; i < TM; ++i) {
            const int m = m0 + ty + i * TY;
            if (m >= out.M) continue;
            const typename Out::Px px = out.pixel(m);
#pragma unroll
            for (int j = 0; j < TN; ++j) {
                const int n = n0 + tx + j * TX;
                if (n < out.K) out.put(px, n, acc.v[i][j]);
            }
        }
    }
};

// ---- the pipeline -----------------------------------------------------------------------------

// STAGES-deep software pipeline over k-tiles: fetch(kt, slot) starts the loads of k-tile kt into a
// stage slot (async copies, or global loads into registers), stash(slot) completes them (register
// stores to shared memory), compute(slot) consumes a slot. Slot s of k-tile kt + STAGES - 1 is the
// one computed in iteration kt - 1: the barrier at the top of iteration kt frees it.
template <int STAGES, class Fetch, class Stash, class Compute>
__device__ __forceinline__ void pipeline(int ktiles, Fetch &&fetch, Stash &&stash, Compute &&compute) {
    static_assert(STAGES >= 2, "at least double buffering");
#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < ktiles) {
            fetch(s);
            stash(s);
        }
        gk_cp_async_commit();
    }
    int cs = 0, ns = STAGES - 1;
    for (int kt = 0; kt < ktiles; ++kt) {
        gk_cp_async_wait<STAGES - 2>();
        __syncthreads();
        const bool more = kt + STAGES - 1 < ktiles;
        if (more) fetch(ns);
        gk_cp_async_commit();
        compute(cs);
        if (more) stash(ns);
        cs = cs + 1 == STAGES ? 0 : cs + 1;
        ns = ns + 1 == STAGES ? 0 : ns + 1;
    }
    gk_cp_async_wait_all();
    __syncthreads();
}

// ---- operand loaders --------------------------------------------------------------------------

// A tile, 16-byte async copies: every VEC-channel chunk of a row lies in one tap and one source
// pixel (the input channels are a multiple of VEC and the view is 16-byte aligned; Java checks).
// A thread owns one chunk column and PASSES rows; zero padding, rows past M and the reduction's
// tail are zero-filled by the copy itself. The rows' source pixels (padding and upsample index
// maps) are resolved again only when the thread's chunk moves to another tap, every C/BK k-tiles
// for wide layers.
template <class Taps, int BM, int BK, int THREADS, int LDS> struct AVec {
    using T = typename Taps::T;
    static constexpr int V = vec_of<T>::N, CPR = BK / V, RPP = THREADS / CPR, PASSES = BM / RPP;
    static_assert(THREADS % CPR == 0 && BM % RPP == 0, "A chunks must tile the block evenly");

    const Taps &tp;
    typename Taps::Row rows[PASSES];
    const T *src[PASSES];
    typename Taps::Cur cur;
    int row0, col;
    bool fresh; // src[] belongs to cur's tap

    __device__ __forceinline__ AVec(const Taps &t, int m0) : tp(t) {
        row0 = threadIdx.x / CPR;
        col = (threadIdx.x % CPR) * V;
#pragma unroll
        for (int q = 0; q < PASSES; ++q) rows[q] = tp.row(m0 + row0 + q * RPP);
        cur = tp.cursor(col);
        fresh = false;
    }

    __device__ __forceinline__ void fetch(T *sA) {
        if (!fresh) {
#pragma unroll
            for (int q = 0; q < PASSES; ++q) src[q] = tp.at(rows[q], cur);
            fresh = true;
        }
        const bool cok = tp.chan_ok(cur);
        const int c = tp.chan(cur);
#pragma unroll
        for (int q = 0; q < PASSES; ++q) {
            const bool ok = cok && src[q];
            gk_cp_async_16_zfill(sA + (row0 + q * RPP) * LDS + col, ok ? src[q] + c : tp.any(), ok ? 16 : 0);
        }
        if (tp.advance(cur, BK)) fresh = false;
    }
    __device__ __forceinline__ void stash(T *) {}
};

// A tile, element gathers (any channel count, any alignment): a thread owns EPT consecutive
// reduction indices of one row, loads them into registers in fetch and stores them in stash.
template <class Taps, int BM, int BK, int THREADS, int LDS> struct AGather {
    using T = typename Taps::T;
    static constexpr int EPT = BM * BK / THREADS, TPR = BK / EPT;
    static_assert(BK % EPT == 0 && THREADS / TPR == BM, "one row per thread group");

    const Taps &tp;
    typename Taps::Row row;
    typename Taps::Cur cur;
    int r, col;
    T regs[EPT];

    __device__ __forceinline__ AGather(const Taps &t, int m0) : tp(t) {
        r = threadIdx.x / TPR;
        col = (threadIdx.x % TPR) * EPT;
        row = tp.row(m0 + r);
        cur = tp.cursor(col);
    }

    __device__ __forceinline__ void fetch(T *) {
        typename Taps::Cur c = cur;
        const T *src = tp.at(row, c);
#pragma unroll
        for (int e = 0; e < EPT; ++e) {
            regs[e] = src && tp.chan_ok(c) ? src[tp.chan(c)] : zero<T>();
            if (e + 1 < EPT && tp.step1(c)) src = tp.at(row, c);
        }
        tp.advance(cur, BK);
    }

    __device__ __forceinline__ void stash(T *sA) {
        T *d = sA + r * LDS + col;
        if constexpr ((EPT * sizeof(T)) % 16 == 0) {
#pragma unroll
            for (int e = 0; e < EPT; e += 16 / static_cast<int>(sizeof(T))) {
                uint4 v;
                memcpy(&v, &regs[e], 16);
                *reinterpret_cast<uint4 *>(d + e) = v;
            }
        } else {
#pragma unroll
            for (int e = 0; e < EPT; ++e) d[e] = regs[e];
        }
    }
};

// B tile from prepared weights: row k of the weights holds the reduction at columns Taps::wcol,
// 16-byte aligned rows of ldw elements, so B always uses async copies. A thread owns one chunk
// column (its cursor) and every THREADS/CPR-th row.
template <class Taps, int BN, int BK, int THREADS, int LDS> struct BVec {
    using T = typename Taps::T;
    static constexpr int V = vec_of<T>::N, CPR = BK / V, RPP = THREADS / CPR;
    static constexpr int PASSES = (BN + RPP - 1) / RPP;
    static_assert(THREADS % CPR == 0, "B chunks per row must divide the threads");

    const Taps &tp;
    const T *w;
    int64_t ldw;
    int n0, K, row0, col;
    typename Taps::WCur cur;

    __device__ __forceinline__ BVec(const Taps &t, const T *w_, int64_t ldw_, int n0_) : tp(t), w(w_), ldw(ldw_) {
        n0 = n0_;
        K = tp.N();
        row0 = threadIdx.x / CPR;
        col = (threadIdx.x % CPR) * V;
        cur = tp.wcursor(col);
    }

    __device__ __forceinline__ void fetch(T *sB) {
        const int64_t wc = tp.wcol(cur);
#pragma unroll
        for (int q = 0; q < PASSES; ++q) {
            const int rr = row0 + q * RPP;
            if (BN % RPP == 0 || rr < BN) {
                const int k = n0 + rr;
                const bool ok = wc >= 0 && k < K;
                gk_cp_async_16_zfill(sB + rr * LDS + col, ok ? w + k * ldw + wc : w, ok ? 16 : 0);
            }
        }
        tp.wadvance(cur, BK);
    }
    __device__ __forceinline__ void stash(T *) {}
};

// ---- the store stage ----------------------------------------------------------------------------

// Applies the epilogue of gannet_kernels.h to output pixel m, channels n.. and stores into y. The
// residual is read before y is written, element by element in the same thread, so it may be y.
template <class Taps> struct EpOut {
    using T = typename Taps::T;
    const Taps &tp;
    const gk_tensor &y;
    const gk_epilogue &ep;
    int M, K;

    struct Px {
        int64_t yo, ro;
    };

    __device__ __forceinline__ EpOut(const Taps &t, const gk_tensor &y_, const gk_epilogue &e)
        : tp(t), y(y_), ep(e), M(t.M()), K(t.N()) {}

    __device__ __forceinline__ Px pixel(int m) const {
        int n, oh, ow;
        tp.out_pixel(m, n, oh, ow);
        Px p;
        p.yo = gk::off(y, n, oh, ow, 0);
        p.ro = ep.residual.data ? gk::off(ep.residual, n, oh, ow, 0) : 0;
        return p;
    }

    __device__ __forceinline__ void put(const Px &p, int k, float acc) const {
        const float r = ep.residual.data ? gk::load<T>(ep.residual, p.ro + k) : 0.f;
        gk::store<T>(y, p.yo + k, gk::epilogue(ep, k, acc, r));
    }

    // RUN consecutive channels n .. n+RUN-1 of pixel m (those < K); F16 runs of 8 that are
    // 16-byte aligned in y (and the residual) go through 16-byte loads and stores.
    template <int RUN> __device__ __forceinline__ void run(int m, int n, const float *v) const {
        if (m >= M) return;
        const Px p = pixel(m);
        if constexpr (sizeof(T) == 2 && RUN % 8 == 0) {
            T *yp = static_cast<T *>(y.data) + p.yo + n;
            const T *rp = ep.residual.data ? static_cast<const T *>(ep.residual.data) + p.ro + n : nullptr;
            const bool fast = n + RUN <= K && (reinterpret_cast<uintptr_t>(yp) & 15) == 0 &&
                              (!rp || (reinterpret_cast<uintptr_t>(rp) & 15) == 0);
            if (fast) {
#pragma unroll
                for (int g = 0; g < RUN; g += 8) {
                    __half rv[8], ov[8];
                    if (rp) {
                        const uint4 raw = *reinterpret_cast<const uint4 *>(rp + g);
                        memcpy(static_cast<void *>(rv), &raw, 16);
                    }
#pragma unroll
                    for (int e = 0; e < 8; ++e)
                        ov[e] = __float2half_rn(gk::epilogue(ep, n + g + e, v[g + e], rp ? __half2float(rv[e]) : 0.f));
                    uint4 raw;
                    memcpy(&raw, ov, 16);
                    *reinterpret_cast<uint4 *>(yp + g) = raw;
                }
                return;
            }
        }
#pragma unroll
        for (int q = 0; q < RUN; ++q)
            if (n + q < K) put(p, n + q, v[q]);
    }
};

// ---- one block of the GEMM ----------------------------------------------------------------------

// Runs the pipeline over the k-tiles of the block (m0, n0) and the store stage.
template <class Tile, class AL, class BL, class Out>
__device__ __forceinline__ void block(char *smem, AL &al, BL &bl, int ktiles, const Out &out, int m0, int n0) {
    using T = typename Tile::T;
    T *const base = reinterpret_cast<T *>(smem);
    typename Tile::Acc acc;
    Tile::zero(acc);
    pipeline<Tile::STAGES>(
        ktiles,
        [&](int s) {
            al.fetch(base + s * Tile::STAGE_ELEMS);
            bl.fetch(base + s * Tile::STAGE_ELEMS + Tile::BM * Tile::LDS);
        },
        [&](int s) {
            al.stash(base + s * Tile::STAGE_ELEMS);
            bl.stash(base + s * Tile::STAGE_ELEMS + Tile::BM * Tile::LDS);
        },
        [&](int s) { Tile::compute(acc, base + s * Tile::STAGE_ELEMS, base + s * Tile::STAGE_ELEMS + Tile::BM * Tile::LDS); });
    Tile::store(acc, smem, m0, n0, out);
}

// A whole block of an op whose weights are prepared rows (conv2d, conv_transpose2d; linear with
// aligned W): A by 16-byte copies (VEC) or gathers, B by 16-byte copies from w (rows of ldw).
template <class Tile, bool VEC, class Tp>
__device__ __forceinline__ void gemm(char *smem, const Tp &tp, const typename Tile::T *w, int64_t ldw, int kred,
                                     const gk_tensor &y, const gk_epilogue &ep) {
    using AL = typename pick<VEC, AVec<Tp, Tile::BM, Tile::BK, Tile::THREADS, Tile::LDS>,
                             AGather<Tp, Tile::BM, Tile::BK, Tile::THREADS, Tile::LDS>>::type;
    const int m0 = blockIdx.x * Tile::BM, n0 = blockIdx.y * Tile::BN;
    AL al(tp, m0);
    BVec<Tp, Tile::BN, Tile::BK, Tile::THREADS, Tile::LDS> bl(tp, w, ldw, n0);
    const EpOut<Tp> out(tp, y, ep);
    block<Tile>(smem, al, bl, (kred + Tile::BK - 1) / Tile::BK, out, m0, n0);
}

// The tile configurations every op of the family instantiates (names used by the Java faces).
using TcL = TcTile<128, 128, 32, 2, 4, 3>;   // F16 "128x128": 8 warps of 64x32, 60 KiB (opt-in)
using TcM = TcTile<64, 64, 32, 2, 2, 3>;     // F16 "64x64":   4 warps of 32x32, 30 KiB
using TcN = TcTile<128, 16, 32, 4, 1, 3>;    // F16 "128x16":  4 warps of 32x16, 33.75 KiB
using FmaL = FmaTile<128, 128, 16, 8, 8, 3>; // F32 "128x128": 256 threads of 8x8, 60 KiB (opt-in)
using FmaM = FmaTile<64, 64, 16, 4, 4, 3>;   // F32 "64x64":   256 threads of 4x4, 30 KiB
using FmaN = FmaTile<128, 16, 16, 4, 4, 3>;  // F32 "128x16":  128 threads of 4x4, 33.75 KiB

// Igemm.Tile (runtime/dev/gannet/ops/cuda/Igemm.java) launches with these sizes and thread counts.
static_assert(TcL::SMEM_BYTES == 61440 && TcM::SMEM_BYTES == 30720 && TcN::SMEM_BYTES == 34560, "Igemm.Tile");
static_assert(FmaL::SMEM_BYTES == 61440 && FmaM::SMEM_BYTES == 30720 && FmaN::SMEM_BYTES == 34560, "Igemm.Tile");
static_assert(TcL::THREADS == 256 && TcM::THREADS == 128 && TcN::THREADS == 128, "Igemm.Tile");
static_assert(FmaL::THREADS == 256 && FmaM::THREADS == 256 && FmaN::THREADS == 128, "Igemm.Tile");

} // namespace gk_igemm

#endif // GK_IGEMM_CUH

// Reductions over pixels per channel, shared by batchnorm, instancenorm, pool2d (global average) and
// reduce: the thread layout, the moments of a thread's pixels (mean and M2, robust to a large mean),
// deterministic block merges in shared memory, and the scratch layout of split reductions.
//
// Layout. A block is (bdx, bdy) = 256 threads, bdx a power of two <= 32. Thread (tx, ty) owns the V
// channels [cv*V, cv*V + V) with cv = blockIdx.x*bdx + tx, and the pixels p = blockIdx.y*bdy + ty +
// k*gridDim.y*bdy. So every block reads whole pixel runs (coalesced), every thread keeps its
// channels' state in registers, and a channel's partial results meet in one block, merged along ty
// in a fixed tree: results depend on the launch configuration only, never on timing.
//
// Split reductions (gridDim.y = G > 1) leave one partial per (row, g) in the launch's scratch, with
// row = channel (batchnorm, reduce) or image*C + channel (instancenorm, pool2d); a finalize kernel
// with one block per row merges the G partials in a fixed order. Scratch layout, in bytes:
//   [0, coef_bytes)            3 x R floats of per-row results the apply pass reads (center, scale, shift)
//   [coef_bytes, +256)         header: int G, written by block (0, 0, 0) of the partial pass
//   then                       the partials, R x G each, row-major (finalize reads them coalesced)
#ifndef GK_CHANRED_CUH
#define GK_CHANRED_CUH

#include "gk_vec.cuh"

namespace gk_chanred {

constexpr int THREADS = 256;
constexpr int FINAL_THREADS = 128;
// Pixels per load batch: independent loads in flight per thread before the arithmetic; 8-channel
// threads (f16 vectors) batch fewer pixels to stay within 128 registers (two blocks per SM).
template <int V> struct Tile {
    static constexpr int N = V >= 8 ? 2 : 4;
};
// Pixels summed in fp32 around one shift before they are merged into the fp64 moments.
constexpr int SEGMENT = 16;

__device__ __forceinline__ int64_t coef_bytes(int64_t rows) { return (3 * rows * 4 + 255) / 256 * 256; }

__device__ __forceinline__ int *header(void *scratch, int64_t rows) {
    return reinterpret_cast<int *>(static_cast<char *>(scratch) + coef_bytes(rows));
}

// The partial arrays (element type E), k-th of them, each R x G.
template <typename E> __device__ __forceinline__ E *partials(void *scratch, int64_t rows, int g, int k) {
    return reinterpret_cast<E *>(static_cast<char *>(scratch) + coef_bytes(rows) + 256) + k * rows * g;
}

// Offset of pixel p < H·W inside one image of t (instancenorm, pool2d); plans merge H and W of
// dense images into (N, 1, H·W, C).
__device__ __forceinline__ int64_t img_off(const gk_tensor &t, uint32_t p) {
    if (t.h == 1) return static_cast<int64_t>(p) * t.sw;
    const uint32_t w = p % static_cast<uint32_t>(t.w), h = p / static_cast<uint32_t>(t.w);
    return static_cast<int64_t>(h) * t.sh + static_cast<int64_t>(w) * t.sw;
}

// Offset of pixel p: over all images (per_image false) or inside one (true).
__device__ __forceinline__ int64_t off(const gk_tensor &t, uint32_t p, bool per_image) {
    return per_image ? img_off(t, p) : gk_vec::pix_off(t, p);
}

// Loads the next Tile<V>::N (or fewer, at the end) of the thread's pixels p, p + step, ... < P into v,
// their indices into px, and advances p; returns how many. The loads are independent, so they are
// all in flight before the arithmetic that uses them.
template <typename T, int V>
__device__ __forceinline__ int load_tile(const gk_tensor &x, const T *base, uint32_t P, uint32_t step, bool per_image,
                                         uint32_t &p, float (&v)[Tile<V>::N][V], uint32_t (&px)[Tile<V>::N]) {
    int cnt = 0;
#pragma unroll
    for (int k = 0; k < Tile<V>::N; k++) {
        if (p < P) {
            gk_vec::load<T, V>(base + off(x, p, per_image), v[k]);
            px[k] = p;
            p += step; // p < P < 2^31 and step < 2^31: no wrap
            cnt = k + 1;
        }
    }
    return cnt;
}

// ---- moments ----------------------------------------------------------------------------------
// Each thread's pixels go in segments of up to SEGMENT: fp32 sums of d = x - t and d² around a
// shift t (the thread's mean so far, or for its first tile that tile's own mean), then merged into
// fp64 count/mean/M2 with Chan's formula. A shift near the mean keeps the fp32 sums free of the
// cancellation E[x²] - E[x]² suffers for a mean far from zero (1000 + noise); fp64 moments keep the
// mean exact enough for the normalize pass, which subtracts it before scaling.

template <int V> struct Moments {
    double n;
    double mean[V];
    double m2[V];
};

template <int V> __device__ __forceinline__ void zero(Moments<V> &m) {
    m.n = 0;
#pragma unroll
    for (int i = 0; i < V; i++) m.mean[i] = m.m2[i] = 0;
}

// a += (nb, mb, qb); an empty b changes nothing.
template <int V>
__device__ __forceinline__ void merge(Moments<V> &a, double nb, const double *mb, const double *qb) {
    if (nb == 0) return;
    const double n = a.n + nb, wb = nb / n, wab = a.n * wb;
#pragma unroll
    for (int i = 0; i < V; i++) {
        const double d = mb[i] - a.mean[i];
        a.mean[i] += d * wb;
        a.m2[i] += qb[i] + d * d * wab;
    }
    a.n = n;
}

// Moments of the thread's pixels p0, p0 + step, ... < P of x at base (V channels each).
template <typename T, int V>
__device__ __forceinline__ void moments(const gk_tensor &x, const T *base, uint32_t P, uint32_t p0, uint32_t step,
                                        bool per_image, Moments<V> &m) {
    zero(m);
    uint32_t p = p0;
    while (p < P) {
        float t[V], s[V], q[V];
#pragma unroll
        for (int i = 0; i < V; i++) {
            t[i] = static_cast<float>(m.mean[i]);
            s[i] = q[i] = 0.f;
        }
        int nb = 0;
        constexpr int TILE = Tile<V>::N;
        for (int r = 0; r < SEGMENT / TILE && p < P; r++) {
            float v[TILE][V];
            uint32_t px[TILE];
            const int cnt = load_tile<T, V>(x, base, P, step, per_image, p, v, px);
            if (m.n == 0 && nb == 0) {
#pragma unroll
                for (int i = 0; i < V; i++) {
                    float a = 0.f;
#pragma unroll
                    for (int k = 0; k < TILE; k++) a += k < cnt ? v[k][i] : 0.f;
                    t[i] = a / static_cast<float>(cnt);
                }
            }
#pragma unroll
            for (int k = 0; k < TILE; k++) {
                if (k < cnt) {
#pragma unroll
                    for (int i = 0; i < V; i++) {
                        const float d = v[k][i] - t[i];
                        s[i] += d;
                        q[i] = fmaf(d, d, q[i]);
                    }
                }
            }
            nb += cnt;
        }
        const double nbd = nb;
        double mt[V], qt[V];
#pragma unroll
        for (int i = 0; i < V; i++) {
            const double sd = s[i];
            mt[i] = t[i] + sd / nbd;
            qt[i] = q[i] - sd * sd / nbd;
        }
        merge(m, nbd, mt, qt);
    }
}

// Shared memory of a block merge of Moments<V> (one slot per thread).
template <int V> struct MomentSmem {
    double n[THREADS];
    double mean[THREADS * V];
    double m2[THREADS * V];
};

// Merges the moments of all ty for each tx: a fixed tree over ty, so the result (in the threads with
// ty == 0) depends only on the block shape. Every thread of the block must call it.
template <int V> __device__ __forceinline__ void put(MomentSmem<V> &sm, int slot, const Moments<V> &m) {
    sm.n[slot] = m.n;
#pragma unroll
    for (int i = 0; i < V; i++) {
        sm.mean[slot * V + i] = m.mean[i];
        sm.m2[slot * V + i] = m.m2[i];
    }
}

template <int V> __device__ __forceinline__ void block_merge(MomentSmem<V> &sm, Moments<V> &m) {
    const int tid = threadIdx.y * blockDim.x + threadIdx.x;
    put(sm, tid, m);
    __syncthreads();
    for (int s = blockDim.y / 2; s > 0; s >>= 1) {
        if (static_cast<int>(threadIdx.y) < s) {
            const int o = tid + s * blockDim.x;
            merge(m, sm.n[o], &sm.mean[o * V], &sm.m2[o * V]);
            put(sm, tid, m);
        }
        __syncthreads();
    }
}

// The block's moments of the thread's channels at base (idle threads, active false, contribute
// nothing): pixels p = blockIdx.y*bdy + ty + k*gridDim.y*bdy < P; valid in the threads with ty == 0.
template <typename T, int V>
__device__ __forceinline__ void block_moments(const gk_tensor &x, const T *base, bool active, uint32_t P,
                                              bool per_image, MomentSmem<V> &sm, Moments<V> &m) {
    if (active) {
        moments<T, V>(x, base, P, blockIdx.y * blockDim.y + threadIdx.y, gridDim.y * blockDim.y, per_image, m);
    } else {
        zero(m);
    }
    block_merge(sm, m);
}

// Split pass 1's output: the block's moments of rows row0 .. row0 + V - 1 (of R) as column
// blockIdx.y of G = gridDim.y, and G in the header.
template <int V>
__device__ __forceinline__ void store_partials(void *scratch, int64_t R, int64_t row0, bool writer,
                                               const Moments<V> &m) {
    const int G = gridDim.y;
    if (writer) {
        double *cnt = partials<double>(scratch, R, G, 0), *mean = partials<double>(scratch, R, G, 1);
        double *m2 = partials<double>(scratch, R, G, 2);
#pragma unroll
        for (int i = 0; i < V; i++) {
            const int64_t idx = (row0 + i) * G + blockIdx.y;
            cnt[idx] = m.n;
            mean[idx] = m.mean[i];
            m2[idx] = m.m2[i];
        }
    }
    if (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0 && threadIdx.x == 0 && threadIdx.y == 0) {
        *header(scratch, R) = G;
    }
}

// ---- sums ------------------------------------------------------------------------------------
// Plain per-channel sums (pool2d's global average in fp32, reduce's per-channel mean in fp64):
// each tile of Tile<V>::N pixels is summed in fp32, then added to the accumulator of type A.

template <typename T, int V, typename A>
__device__ __forceinline__ void sums(const gk_tensor &x, const T *base, uint32_t P, uint32_t p0, uint32_t step,
                                     bool per_image, A (&acc)[V]) {
#pragma unroll
    for (int i = 0; i < V; i++) acc[i] = 0;
    uint32_t p = p0;
    constexpr int TILE = Tile<V>::N;
    while (p < P) {
        float v[TILE][V];
        uint32_t px[TILE];
        const int cnt = load_tile<T, V>(x, base, P, step, per_image, p, v, px);
#pragma unroll
        for (int i = 0; i < V; i++) {
            float t = v[0][i];
#pragma unroll
            for (int k = 1; k < TILE; k++) t += k < cnt ? v[k][i] : 0.f;
            acc[i] += static_cast<A>(t);
        }
    }
}

// Sums the values of all ty for each tx in a fixed tree; the result is in the threads with ty == 0.
// sm holds one slot per thread and channel (THREADS * V). Every thread of the block must call it.
template <int V, typename A> __device__ __forceinline__ void block_sum(A *sm, A (&acc)[V]) {
    const int tid = threadIdx.y * blockDim.x + threadIdx.x;
#pragma unroll
    for (int i = 0; i < V; i++) sm[tid * V + i] = acc[i];
    __syncthreads();
    for (int s = blockDim.y / 2; s > 0; s >>= 1) {
        if (static_cast<int>(threadIdx.y) < s) {
            const int o = tid + s * blockDim.x;
#pragma unroll
            for (int i = 0; i < V; i++) {
                acc[i] += sm[o * V + i];
                sm[tid * V + i] = acc[i];
            }
        }
        __syncthreads();
    }
}

// Sum over all threads of the block (any shape) in a fixed tree; the block's total in thread 0 (flat
// index ty*bdx + tx). sm holds one slot per thread. Every thread of the block must call it.
template <typename A> __device__ __forceinline__ A block_sum_flat(A *sm, A v) {
    const int tid = threadIdx.y * blockDim.x + threadIdx.x, n = blockDim.x * blockDim.y;
    sm[tid] = v;
    __syncthreads();
    for (int s = n / 2; s > 0; s >>= 1) {
        if (tid < s) {
            v += sm[tid + s];
            sm[tid] = v;
        }
        __syncthreads();
    }
    return v;
}

// Split pass 2: the merged moments of row blockIdx.x (of R) in thread 0 (blockDim.x =
// FINAL_THREADS): each thread merges g = tid, tid + FINAL_THREADS, ... in order, then a fixed tree.
struct FinalSmem {
    double n[FINAL_THREADS];
    double mean[FINAL_THREADS];
    double m2[FINAL_THREADS];
};

__device__ __forceinline__ Moments<1> final_row(FinalSmem &sm, void *scratch, int64_t R) {
    const int G = *header(scratch, R);
    const int64_t row = static_cast<int64_t>(blockIdx.x) * G;
    const double *cnt = partials<double>(scratch, R, G, 0) + row, *mean = partials<double>(scratch, R, G, 1) + row;
    const double *m2 = partials<double>(scratch, R, G, 2) + row;
    Moments<1> m;
    zero(m);
    for (int g = threadIdx.x; g < G; g += blockDim.x) merge(m, cnt[g], &mean[g], &m2[g]);
    const int tid = threadIdx.x;
    sm.n[tid] = m.n;
    sm.mean[tid] = m.mean[0];
    sm.m2[tid] = m.m2[0];
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) {
            merge(m, sm.n[tid + s], &sm.mean[tid + s], &sm.m2[tid + s]);
            sm.n[tid] = m.n;
            sm.mean[tid] = m.mean[0];
            sm.m2[tid] = m.m2[0];
        }
        __syncthreads();
    }
    return m;
}

// The sum of the G partials (type A) of row blockIdx.x of R, in a fixed order; in thread 0.
template <typename A> __device__ __forceinline__ A final_sum(A *sm, void *scratch, int64_t R) {
    const int G = *header(scratch, R);
    const A *part = partials<A>(scratch, R, G, 0) + static_cast<int64_t>(blockIdx.x) * G;
    A s = 0;
    for (int g = threadIdx.x; g < G; g += blockDim.x) s += part[g];
    return block_sum_flat<A>(sm, s);
}

// Split pass 1 of sums: column blockIdx.y of rows row0 .. row0 + V - 1, and G in the header.
template <int V, typename A>
__device__ __forceinline__ void store_sums(void *scratch, int64_t R, int64_t row0, bool writer, const A (&acc)[V]) {
    const int G = gridDim.y;
    if (writer) {
        A *part = partials<A>(scratch, R, G, 0);
#pragma unroll
        for (int i = 0; i < V; i++) part[(row0 + i) * G + blockIdx.y] = acc[i];
    }
    if (blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0 && threadIdx.x == 0 && threadIdx.y == 0) {
        *header(scratch, R) = G;
    }
}

// ---- normalize -----------------------------------------------------------------------------------

// y = act((x - center) * scale + shift) for the thread's pixels; x may be y (each element is read
// before it is written, by the same thread).
template <typename T, int V>
__device__ __forceinline__ void normalize(const gk_tensor &x, const gk_tensor &y, const T *xb, T *yb, uint32_t P,
                                          uint32_t p0, uint32_t step, bool per_image, const float (&ctr)[V],
                                          const float (&sc)[V], const float (&sh)[V], int act, float alpha) {
    constexpr int TILE = Tile<V>::N;
    uint32_t p = p0;
    while (p < P) {
        float v[TILE][V];
        uint32_t px[TILE];
        const int cnt = load_tile<T, V>(x, xb, P, step, per_image, p, v, px);
#pragma unroll
        for (int k = 0; k < TILE; k++) {
            if (k < cnt) {
#pragma unroll
                for (int i = 0; i < V; i++) v[k][i] = gk::act(act, alpha, fmaf(v[k][i] - ctr[i], sc[i], sh[i]));
                gk_vec::store<T, V>(yb + off(y, px[k], per_image), v[k]);
            }
        }
    }
}

// The normalize coefficients of one channel, as native/cpu/batchnorm.c computes them: center is the
// mean rounded to fp32 and shift absorbs the rounding remainder, so x - center is exact near the mean.
struct Coef {
    float center, scale, shift;
};

__device__ __forceinline__ Coef coef(double mu, double var, double eps, double gamma, double beta) {
    const double a = gamma / sqrt(var + eps);
    const float hi = static_cast<float>(mu);
    return Coef{hi, static_cast<float>(a), static_cast<float>(beta - (mu - hi) * a)};
}

// The apply pass of split reductions: coefficients of rows row0 .. row0 + V - 1 from scratch.
template <int V>
__device__ __forceinline__ void load_coefs(const void *scratch, int64_t R, int64_t row0, float (&ctr)[V],
                                           float (&sc)[V], float (&sh)[V]) {
    const float *cf = static_cast<const float *>(scratch);
#pragma unroll
    for (int i = 0; i < V; i++) {
        ctr[i] = cf[row0 + i];
        sc[i] = cf[R + row0 + i];
        sh[i] = cf[2 * R + row0 + i];
    }
}

// Split pass 2's output: the coefficients of row r.
__device__ __forceinline__ void store_coef(void *scratch, int64_t R, int64_t r, const Coef &k) {
    float *cf = static_cast<float *>(scratch);
    cf[r] = k.center;
    cf[R + r] = k.scale;
    cf[2 * R + r] = k.shift;
}

// The second half of a fused kernel, after block_moments: the threads with ty == 0 turn the
// moments of their channels into coefficients with finish(i, n, mean, m2) (which may also write
// statistics out), share them through cf (3 * THREADS floats), and every active thread normalizes
// its pixels p = ty + k*bdy. Every thread of the block must call it.
template <typename T, int V, typename Finish>
__device__ __forceinline__ void fused_normalize(const gk_tensor &x, const gk_tensor &y, const T *xb, T *yb,
                                                bool active, uint32_t P, bool per_image, const Moments<V> &m,
                                                float *cf, Finish finish, int act, float alpha) {
    if (active && threadIdx.y == 0) {
#pragma unroll
        for (int i = 0; i < V; i++) {
            const Coef k = finish(i, m.n, m.mean[i], m.m2[i]);
            const int s = threadIdx.x * V + i;
            cf[s] = k.center;
            cf[THREADS + s] = k.scale;
            cf[2 * THREADS + s] = k.shift;
        }
    }
    __syncthreads();
    if (!active) return;
    float ctr[V], sc[V], sh[V];
#pragma unroll
    for (int i = 0; i < V; i++) {
        const int s = threadIdx.x * V + i;
        ctr[i] = cf[s];
        sc[i] = cf[THREADS + s];
        sh[i] = cf[2 * THREADS + s];
    }
    normalize<T, V>(x, y, xb, yb, P, threadIdx.y, blockDim.y, per_image, ctr, sc, sh, act, alpha);
}

} // namespace gk_chanred

#endif // GK_CHANRED_CUH

// Test kernels of the SIMT emulator: one per feature of kernels/README.md's list, plus the broken
// kernels the emulator must catch (a racy reduction, divergent barriers, warp collectives with
// missing lanes, a wmma kernel that depends on the fragment mapping, cp.async misuse). Written in
// the kernel contract's dialect so nvcc compiles them too (the Makefile checks that when nvcc
// exists); simt_tests.cpp launches them through the emulated driver API.
#include "gk_device.h"
#include "test_kernels.h"

namespace gk_simt_test {
// Bit casts through a union (memcpy and the __*_as_* intrinsics are not in the kernel contract).
template <typename To, typename From> __device__ __forceinline__ To bitcast(From f) {
    static_assert(sizeof(To) == sizeof(From), "same size");
    union {
        From f;
        To t;
    } v;
    v.f = f;
    return v.t;
}
__device__ __forceinline__ uint32_t fbits(float f) { return bitcast<uint32_t>(f); }
__device__ __forceinline__ float bitsf(uint32_t u) { return bitcast<float>(u); }
__device__ __forceinline__ uint32_t h2bits(__half2 h) { return bitcast<uint32_t>(h); }
__device__ __forceinline__ uint16_t hbits(__half h) { return bitcast<uint16_t>(h); }
} // namespace gk_simt_test

// ---- geometry -----------------------------------------------------------------------------------
extern "C" __global__ void gk_simt_test_geometry(const gk_test_geometry_params p) {
    unsigned bl = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    unsigned tl = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    unsigned *o = p.out + 8 * (bl * blockDim.x * blockDim.y * blockDim.z + tl);
    o[0] = blockIdx.x;
    o[1] = blockIdx.y;
    o[2] = blockIdx.z;
    o[3] = threadIdx.x;
    o[4] = threadIdx.y;
    o[5] = threadIdx.z;
    o[6] = blockDim.x * blockDim.y * blockDim.z;
    o[7] = gridDim.x * gridDim.y * gridDim.z + (unsigned)warpSize * 1000u;
}
GK_KERNEL(gk_simt_test_geometry);

// ---- block reduction: correct, and with the loop's barrier removed (racy) -----------------------
namespace gk_simt_test {
template <bool kRacy> __device__ __forceinline__ void reduce(const gk_test_reduce_params &p) {
    __shared__ int s[1024];
    int t = threadIdx.x;
    s[t] = p.x[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) s[t] += s[t + stride];
        if (!kRacy) __syncthreads();
    }
    if (t == 0) p.out[blockIdx.x] = s[0];
}
} // namespace gk_simt_test

extern "C" __global__ void __launch_bounds__(1024) gk_simt_test_reduce(const gk_test_reduce_params p) {
    gk_simt_test::reduce<false>(p);
}
GK_KERNEL(gk_simt_test_reduce);

extern "C" __global__ void gk_simt_test_reduce_racy(const gk_test_reduce_params p) { gk_simt_test::reduce<true>(p); }
GK_KERNEL(gk_simt_test_reduce_racy);

// ---- dynamic shared memory, and shared memory that starts as garbage ----------------------------
extern "C" __global__ void gk_simt_test_dynsmem(const gk_test_dynsmem_params p) {
    GK_DYNAMIC_SMEM(float, buf);
    __shared__ unsigned st[64];
    int t = threadIdx.x;
    // Nothing wrote these yet in this block: a GPU gives garbage, the emulator 0xff bytes.
    if (gk_simt_test::fbits(buf[t]) == 0xffffffffu) atomicAdd(p.poisoned, 1u);
    if (t < 64 && st[t] == 0xffffffffu) atomicAdd(p.poisoned + 1, 1u);
    __syncthreads();
    if (t < 64) st[t] = (unsigned)t;
    for (int i = t; i < p.n; i += blockDim.x) buf[i] = p.x[blockIdx.x * p.n + i];
    __syncthreads();
    for (int i = t; i < p.n; i += blockDim.x) p.out[blockIdx.x * p.n + i] = buf[p.n - 1 - i];
    if ((reinterpret_cast<uintptr_t>(buf) & 15) != 0) atomicAdd(p.poisoned + 2, 1u);
}
GK_KERNEL(gk_simt_test_dynsmem);

// ---- warp shuffles and votes --------------------------------------------------------------------
namespace gk_simt_test {
template <typename T> __device__ __forceinline__ T shfl(const gk_test_shfl_params &p, T v) {
    switch (p.kind) {
    case 0: return __shfl_sync(0xffffffffu, v, p.arg, p.width);
    case 1: return __shfl_up_sync(0xffffffffu, v, (unsigned)p.arg, p.width);
    case 2: return __shfl_down_sync(0xffffffffu, v, (unsigned)p.arg, p.width);
    default: return __shfl_xor_sync(0xffffffffu, v, p.arg, p.width);
    }
}
} // namespace gk_simt_test

extern "C" __global__ void gk_simt_test_shfl(const gk_test_shfl_params p) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    uint32_t in = p.in[t], r;
    if (p.type == 0) {
        r = (uint32_t)gk_simt_test::shfl<int>(p, (int)in);
    } else if (p.type == 1) {
        r = gk_simt_test::shfl<unsigned>(p, in);
    } else {
        r = gk_simt_test::fbits(gk_simt_test::shfl<float>(p, gk_simt_test::bitsf(in)));
    }
    p.out[t] = r;
}
GK_KERNEL(gk_simt_test_shfl);

extern "C" __global__ void gk_simt_test_vote(const gk_test_vote_params p) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int pred = p.pred[t];
    p.ballot[t] = __ballot_sync(0xffffffffu, pred);
    p.any[t] = __any_sync(0xffffffffu, pred);
    p.all[t] = __all_sync(0xffffffffu, pred);
    __shared__ int s[1024];
    s[threadIdx.x] = 1000 + t;
    __syncwarp(0xffffffffu);
    p.neighbour[t] = s[threadIdx.x ^ 1];
}
GK_KERNEL(gk_simt_test_vote);

// ---- atomics ------------------------------------------------------------------------------------
extern "C" __global__ void gk_simt_test_atomics(const gk_test_atomic_params p) {
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    atomicAdd(p.i_sum, t);
    atomicAdd(p.u_sum, (unsigned)t);
    atomicAdd(p.ull_sum, (unsigned long long)t * 4000000000ull);
    atomicAdd(p.f_sum, (float)(t % 7)); // small integers: the float sum is exact in any order
    atomicMax(p.i_max, (t * 37) % 1001 - 500);
    atomicMin(p.i_min, (t * 37) % 1001 - 500);
    atomicMax(p.u_max, (unsigned)((t * 53) % 4099));
    atomicMin(p.u_min, (unsigned)((t * 53) % 4099) + 3u);
    // A counter built from compare-and-swap.
    int old = *p.cas_counter, assumed;
    do {
        assumed = old;
        old = atomicCAS(p.cas_counter, assumed, assumed + 1);
    } while (old != assumed);
    unsigned long long o2 = *p.cas_ull, a2;
    do {
        a2 = o2;
        o2 = atomicCAS(p.cas_ull, a2, a2 + 3ull);
    } while (o2 != a2);
    unsigned o3 = *p.cas_u, a3;
    do {
        a3 = o3;
        o3 = atomicCAS(p.cas_u, a3, a3 + 2u);
    } while (o3 != a3);
    // Every thread swaps in its id; the values taken out plus the one left form a permutation.
    int prev = atomicExch(p.exch, t);
    atomicAdd(p.exch + 1, prev);
    unsigned pu = atomicExch(p.exch_u, (unsigned)t);
    atomicAdd(p.exch_u + 1, pu);
    float pf = atomicExch(p.exch_f, (float)t);
    atomicAdd(p.exch_f + 1, pf);
    unsigned long long pl = atomicExch(p.exch_ull, (unsigned long long)t);
    atomicAdd(p.exch_ull + 1, pl);
    __threadfence();
}
GK_KERNEL(gk_simt_test_atomics);

// ---- math ---------------------------------------------------------------------------------------
extern "C" __global__ void gk_simt_test_math(const gk_test_math_params p) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= p.n) return;
    float x = p.x[i];
    float *o = p.out + 16 * i;
    o[0] = expf(x);
    o[1] = __expf(x);
    o[2] = tanhf(x);
    o[3] = sqrtf(fabsf(x));
    o[4] = rsqrtf(fabsf(x) + 1.0f);
    o[5] = fabsf(x);
    o[6] = fmaxf(x, 0.25f);
    o[7] = fminf(x, 0.25f);
    o[8] = floorf(x);
    o[9] = ceilf(x);
    o[10] = roundf(x);
    o[11] = fmaf(x, 3.0f, 0.5f);
    o[12] = __fdividef(x, 4.0f);
    o[13] = INFINITY;
    o[14] = x / (x - x); // +-inf (NaN for 0), without a literal division by zero
    o[15] = 0.0f;
    int *io = p.iout + 8 * i;
    io[0] = isnan(o[14]) ? 1 : 0;
    io[1] = isinf(o[14]) ? 1 : 0;
    io[2] = min((int)x, 2);
    io[3] = max((int)x, 2);
    io[4] = (int)min((unsigned)i, 3u);
    io[5] = (int)max((unsigned)i, 3u);
    io[6] = (int)min((long long)x, -1ll);
    io[7] = (int)max((long long)i, 5ll);
}
GK_KERNEL(gk_simt_test_math);

// ---- half precision -----------------------------------------------------------------------------
extern "C" __global__ void gk_simt_test_half(const gk_test_half_params p) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= p.n) return;
    float a = p.x[3 * i], b = p.x[3 * i + 1], c = p.x[3 * i + 2];
    __half ha = __float2half_rn(a);
    __half2 h2a = __floats2half2_rn(a, b);
    __half2 h2b = __floats2half2_rn(b, c);
    __half2 h2c = __floats2half2_rn(c, a);
    __half2 sum = __hadd2(h2a, h2b);
    __half2 prod = __hmul2(h2a, h2b);
    __half2 fma = __hfma2(h2a, h2b, h2c);
    uint16_t *o = p.out + 8 * i;
    uint32_t s2 = gk_simt_test::h2bits(sum), p2 = gk_simt_test::h2bits(prod), f2b = gk_simt_test::h2bits(fma);
    o[0] = gk_simt_test::hbits(ha);
    o[1] = (uint16_t)(s2 & 0xffff); // .x is the low half
    o[2] = (uint16_t)(s2 >> 16);
    o[3] = (uint16_t)(p2 & 0xffff);
    o[4] = (uint16_t)(p2 >> 16);
    o[5] = (uint16_t)(f2b & 0xffff);
    o[6] = (uint16_t)(f2b >> 16);
    o[7] = 0;
    float2 f2 = __half22float2(h2a);
    float *f = p.fout + 6 * i;
    f[0] = __half2float(ha);
    f[1] = f2.x;
    f[2] = f2.y;
    f[3] = __low2float(fma);
    f[4] = __high2float(fma);
    f[5] = 0.0f;
}
GK_KERNEL(gk_simt_test_half);

// ---- vector types and __ldg ---------------------------------------------------------------------
extern "C" __global__ void gk_simt_test_vector(const gk_test_vector_params p) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= p.n) return;
    float4 f = __ldg(&p.f4[i]);
    int4 v = __ldg(&p.i4[i]);
    uint2 u2 = p.u2[i];
    uint4 u4 = p.u4[i];
    p.f4_out[i] = make_float4(f.w, f.z, f.y, f.x);
    p.i4_out[i] = make_int4(v.x + 1, v.y + 2, v.z + 3, v.w + 4);
    p.u2_out[i] = make_uint2(u2.y, u2.x);
    p.u4_out[i] = make_uint4(u4.x ^ 1u, u4.y ^ 2u, u4.z ^ 3u, u4.w ^ 4u);
    p.f2_out[i] = make_float2(f.x + f.y, f.z + f.w);
}
GK_KERNEL(gk_simt_test_vector);

// ---- wmma ---------------------------------------------------------------------------------------
namespace gk_simt_test {
using namespace nvcuda;
template <typename LA, typename LB> __device__ __forceinline__ void wmma_tile(const gk_test_wmma_params &p) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, LA> a;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, LB> b;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> c;
    const __half *pa = p.a;
    // A deliberately broken kernel: one lane computes its own address.
    if (p.divergent_pointer == 1 && threadIdx.x == 5) pa += 16 * p.lda;
    if (p.divergent_pointer == 2) pa += 1; // every lane: 2 bytes off the 32-byte alignment
    wmma::load_matrix_sync(a, pa, p.lda);
    wmma::load_matrix_sync(b, p.b, p.ldb);
    if (p.c) {
        wmma::load_matrix_sync(c, p.c, p.ldc, p.c_col ? wmma::mem_col_major : wmma::mem_row_major);
    } else {
        wmma::fill_fragment(c, 0.0f);
    }
    wmma::mma_sync(c, a, b, c);
    for (int i = 0; i < c.num_elements; i++) c.x[i] *= p.scale;
    if (p.bias_by_index) {
        for (int i = 0; i < c.num_elements; i++) c.x[i] += (float)i; // wrong: assumes a mapping
    }
    wmma::store_matrix_sync(p.d, c, p.ldd, p.d_col ? wmma::mem_col_major : wmma::mem_row_major);
}
} // namespace gk_simt_test

extern "C" __global__ void gk_simt_test_wmma(const gk_test_wmma_params p) {
    using namespace nvcuda;
    if (!p.a_col && !p.b_col) gk_simt_test::wmma_tile<wmma::row_major, wmma::row_major>(p);
    if (!p.a_col && p.b_col) gk_simt_test::wmma_tile<wmma::row_major, wmma::col_major>(p);
    if (p.a_col && !p.b_col) gk_simt_test::wmma_tile<wmma::col_major, wmma::row_major>(p);
    if (p.a_col && p.b_col) gk_simt_test::wmma_tile<wmma::col_major, wmma::col_major>(p);
}
GK_KERNEL(gk_simt_test_wmma);

// ---- asynchronous copies ------------------------------------------------------------------------
// Each thread copies chunk t (4 floats) of a block tile into shared memory in two groups (even
// and odd chunks), then writes out the chunk of its mirror thread (so it reads others' copies).
extern "C" __global__ void gk_simt_test_cp_async(const gk_test_cp_async_params p) {
    __shared__ __align__(16) float tile[2][4 * 256];
    int t = threadIdx.x;
    int chunks = p.n / 4;
    const float *src = p.x + 4 * t;
    bool last = t == chunks - 1;
    if (t < chunks) {
        if (last) {
            gk_cp_async_16_zfill(&tile[0][4 * t], src, p.tail);
        } else {
            gk_cp_async_16(&tile[0][4 * t], src);
        }
    }
    gk_cp_async_commit();
    if (t < chunks) gk_cp_async_16_zfill(&tile[1][4 * t], src, 0); // all zeros
    gk_cp_async_commit();
    if (p.mode == 0) {
        gk_cp_async_wait<1>(); // the first group is complete
        __syncthreads();
    } else if (p.mode == 2) {
        gk_cp_async_wait<1>(); // waits, but without the barrier other threads' copies may be pending
    }
    int m = chunks - 1 - t;
    if (t < chunks) {
        for (int k = 0; k < 4; k++) p.out[4 * t + k] = tile[0][4 * m + k];
    }
    gk_cp_async_wait_all();
    __syncthreads();
    if (t < chunks) {
        for (int k = 0; k < 4; k++) p.out[p.n + 4 * t + k] = tile[1][4 * m + k];
    }
}
GK_KERNEL(gk_simt_test_cp_async);

// ---- schedule observation -----------------------------------------------------------------------
// Records the order in which the threads of each block pass after the start and after each
// barrier (single-threaded per block, so a plain counter in shared memory suffices).
extern "C" __global__ void gk_simt_test_order(const gk_test_order_params p) {
    __shared__ unsigned counter;
    int n = blockDim.x * blockDim.y * blockDim.z;
    int t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    if (t == 0) counter = 0;
    __syncthreads();
    for (int ph = 0; ph < p.phases; ph++) {
        unsigned pos = atomicAdd(&counter, 1u);
        p.order[((size_t)blockIdx.x * p.phases + ph) * n + t] = pos - (unsigned)(ph * n);
        __syncthreads();
    }
    if (t == 0) p.counter[blockIdx.x] = counter;
}
GK_KERNEL(gk_simt_test_order);

// Blocks spin on a flag that the last block to arrive sets: needs blocks to run concurrently.
extern "C" __global__ void gk_simt_test_busy(const gk_test_spin_params p) {
    unsigned long long acc = 0;
    for (int i = 0; i < p.iterations; i++) acc += (unsigned long long)i * (threadIdx.x + 1);
    atomicAdd(p.work, acc);
}
GK_KERNEL(gk_simt_test_busy);

// An empty kernel (launch overhead) and one that only waits at barriers (switch cost).
extern "C" __global__ void gk_simt_test_empty(const gk_test_bad_params p) {}
GK_KERNEL(gk_simt_test_empty);

extern "C" __global__ void gk_simt_test_barriers(const gk_test_bad_params p) {
    for (int i = 0; i < p.mode; i++) __syncthreads();
}
GK_KERNEL(gk_simt_test_barriers);

extern "C" __global__ void gk_simt_test_shuffles(const gk_test_bad_params p) {
    int v = threadIdx.x;
    for (int i = 0; i < p.mode; i++) v += __shfl_xor_sync(0xffffffffu, v, 1);
    if (v == 12345) p.out[0] = v;
}
GK_KERNEL(gk_simt_test_shuffles);

// ---- kernels the emulator must reject -----------------------------------------------------------
// mode 0: threads >= 40 return before a __syncthreads the others wait at
// mode 1: the two halves of the block wait at different __syncthreads
// mode 2: lane 3 of warp 1 exits before a warp shuffle
// mode 3: a shuffle with a partial mask
// mode 4: half of warp 0 at one shuffle, half at another
// mode 5: lane 7 waits at __syncthreads while its warp shuffles
// mode 6, 7: cp.async to a misaligned address, with src_bytes > 16
extern "C" __global__ void gk_simt_test_bad(const gk_test_bad_params p) {
    int t = threadIdx.x;
    switch (p.mode) {
    case 0:
        if (t >= 40) return;
        __syncthreads();
        break;
    case 1:
        if (t < 32) {
            __syncthreads();
        } else {
            __syncthreads();
        }
        break;
    case 2: {
        if (t == 35) return;
        int v = __shfl_xor_sync(0xffffffffu, t, 1);
        p.out[t] = v;
        break;
    }
    case 3: {
        int v = __shfl_xor_sync(0x0000ffffu, t, 1);
        p.out[t] = v;
        break;
    }
    case 4: {
        int v;
        if (t % 32 < 16) {
            v = __shfl_xor_sync(0xffffffffu, t, 1);
        } else {
            v = __shfl_xor_sync(0xffffffffu, t, 2);
        }
        p.out[t] = v;
        break;
    }
    case 5: {
        if (t == 7) {
            __syncthreads();
            return;
        }
        int v = __shfl_xor_sync(0xffffffffu, t, 1);
        p.out[t] = v;
        __syncthreads();
        break;
    }
    case 6: { // an asynchronous copy to a misaligned shared address
        __shared__ __align__(16) float buf[64 * 4 + 4];
        gk_cp_async_16(&buf[4 * t + 1], p.out);
        gk_cp_async_wait_all();
        break;
    }
    case 7: { // more source bytes than the 16 a copy moves
        __shared__ __align__(16) float buf2[64 * 4];
        gk_cp_async_16_zfill(&buf2[4 * t], p.out, 17);
        gk_cp_async_wait_all();
        break;
    }
    default: break;
    }
    p.out[t] = t;
}
GK_KERNEL(gk_simt_test_bad);

// Deep recursion with big frames: must hit the fiber stack's guard page, not someone's memory.
namespace gk_simt_test {
__device__ int recurse(int depth, int *out) {
    volatile char frame[4096];
    frame[0] = (char)depth;
    frame[4095] = (char)depth;
    if (depth == 0) return frame[0] + frame[4095];
    return recurse(depth - 1, out) + frame[0];
}
} // namespace gk_simt_test

extern "C" __global__ void gk_simt_test_recurse(const gk_test_recurse_params p) {
    p.out[threadIdx.x] = gk_simt_test::recurse(p.depth, p.out);
}
GK_KERNEL(gk_simt_test_recurse);

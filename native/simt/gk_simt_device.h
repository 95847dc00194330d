// The SIMT emulator's host twin of the CUDA device language (kernels/README.md, "What kernels may
// use"): with it, g++ -std=c++17 -DGK_SIMT compiles kernels/*.cu into host code that
// libgannet_simt.so runs on CPU fibers. It implements exactly that list; anything else fails to
// compile here, on purpose, so the contract stays the one nvcc and the emulator both honour.
//
// How the pieces map (details in native/simt/README section of the top-level README):
// - threadIdx/blockIdx/blockDim/gridDim read the current fiber's view (gk_simt_cur, per OS thread:
//   the fibers of one block all run on one OS thread, so it is switched with the fiber).
// - __shared__ is `static thread_local`: one copy per OS worker thread, which runs one block at a
//   time, so one copy per block; GK_DYNAMIC_SMEM returns the launch's per-block dynamic buffer.
// - __syncthreads, warp shuffles/votes/__syncwarp, wmma collectives and the cp.async waits call
//   the runtime (gk_simt_*), which switches fibers and checks that every thread (lane) arrives at
//   the same call site; the site is taken from __builtin_FILE/__builtin_LINE default arguments.
// - Atomics are real atomics (blocks run in parallel on OS threads).
#ifndef GK_SIMT_DEVICE_H
#define GK_SIMT_DEVICE_H

#if !defined(__cplusplus) || __cplusplus < 201703L
#error "gk_simt_device.h needs C++17 (g++ -std=c++17)"
#endif

#include <cuda_fp16.h>
#include <vector_functions.h>
#include <vector_types.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <type_traits>

// ---- qualifiers ---------------------------------------------------------------------------------
// host_defines.h leaves these empty for a non-CUDA compiler; make that explicit and add the rest.
#undef __global__
#undef __device__
#undef __host__
#undef __shared__
#undef __launch_bounds__
#define __global__
#define __device__
#define __host__
#define __launch_bounds__(...)
// One copy per OS thread = per block (a worker runs one block at a time). The runtime poisons the
// kernels' static shared storage before each block, as a GPU's shared memory starts undefined.
#define __shared__ static thread_local
#ifndef __forceinline__
#define __forceinline__ inline __attribute__((always_inline))
#endif
// __restrict__ is a g++ keyword already.

#ifdef __cplusplus
extern "C" {
#endif

// ---- the runtime's interface (exported by libgannet_simt.so) ------------------------------------

// What a kernel can see of its thread: the first member of the runtime's fiber record.
typedef struct gk_simt_thread_view {
    uint3 thread_idx;
    uint3 block_idx;
    dim3 block_dim;
    dim3 grid_dim;
    void *dyn_smem;
} gk_simt_thread_view;

// The fiber running on this OS thread (a harmless all-zero view outside of a launch).
extern __thread gk_simt_thread_view *gk_simt_cur;

// Registers an extern "C" kernel by name (GK_KERNEL does this at load time).
void gk_simt_register_kernel(const char *name, void (*thunk)(void **kernel_params), size_t param_size);

void gk_simt_syncthreads(const char *file, int line);

enum gk_simt_warp_kind {
    GK_SIMT_SHFL_IDX = 0,
    GK_SIMT_SHFL_UP = 1,
    GK_SIMT_SHFL_DOWN = 2,
    GK_SIMT_SHFL_XOR = 3,
    GK_SIMT_BALLOT = 4,
    GK_SIMT_ANY = 5,
    GK_SIMT_ALL = 6,
    GK_SIMT_SYNCWARP = 7
};
// One warp collective: every lane of the warp must call it at the same site with the full mask.
uint32_t gk_simt_warp(int kind, unsigned mask, uint32_t value, int arg, int width, const char *file, int line);

// wmma m16n16k16 (see nvcuda::wmma below). `which`: 0 = matrix_a, 1 = matrix_b, 2 = accumulator.
void gk_simt_wmma_load(int which, int col_major, void *frag, const void *p, unsigned ldm, const char *file, int line);
void gk_simt_wmma_store(float *p, const float *frag, unsigned ldm, int col_major, const char *file, int line);
void gk_simt_wmma_mma(float *d, const __half *a, int a_col_major, const __half *b, int b_col_major, const float *c,
                      const char *file, int line);

// Asynchronous copies: issued per thread, performed at the matching wait (destination poisoned
// meanwhile), so a kernel that reads before waiting sees garbage in tests.
void gk_simt_cp_async(void *smem, const void *gmem, int src_bytes, const char *file, int line);
void gk_simt_cp_async_commit(void);
void gk_simt_cp_async_wait(int pending, const char *file, int line);

#ifdef __cplusplus
}
#endif

// ---- thread geometry ----------------------------------------------------------------------------
#define threadIdx (gk_simt_cur->thread_idx)
#define blockIdx (gk_simt_cur->block_idx)
#define blockDim (gk_simt_cur->block_dim)
#define gridDim (gk_simt_cur->grid_dim)
#define warpSize 32

// The launch's dynamic shared memory (16-byte aligned). Use inside a kernel or device function.
#define GK_DYNAMIC_SMEM(type, name) type *const name = static_cast<type *>(gk_simt_cur->dyn_smem)

// ---- kernel registration ------------------------------------------------------------------------
namespace gk_simt {
template <typename F> struct kernel_traits;
template <typename P> struct kernel_traits<void(P)> {
    using param = std::remove_cv_t<std::remove_reference_t<P>>;
};
struct registrar {
    registrar(const char *name, void (*thunk)(void **), size_t size) { gk_simt_register_kernel(name, thunk, size); }
};
} // namespace gk_simt

// Registers kernel `name` (an extern "C" function taking its params struct by value) under its
// name, with a thunk that takes cuLaunchKernel's kernelParams and calls it with *kernelParams[0].
#define GK_KERNEL(name)                                                                                              \
    static void gk_simt_thunk_##name(void **kp) {                                                                  \
        name(*static_cast<const ::gk_simt::kernel_traits<decltype(name)>::param *>(kp[0]));                        \
    }                                                                                                              \
    static const ::gk_simt::registrar gk_simt_registrar_##name(                                                    \
        #name, gk_simt_thunk_##name, sizeof(::gk_simt::kernel_traits<decltype(name)>::param))

// ---- barriers and warp collectives --------------------------------------------------------------
inline void __syncthreads(const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_syncthreads(file, line);
}

inline void __syncwarp(unsigned mask = 0xffffffffu, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_warp(GK_SIMT_SYNCWARP, mask, 0, 0, 32, file, line);
}

namespace gk_simt {
template <typename T> inline uint32_t bits(T v) {
    static_assert(sizeof(T) == 4, "32-bit values only");
    uint32_t u;
    __builtin_memcpy(&u, &v, 4);
    return u;
}
template <typename T> inline T from_bits(uint32_t u) {
    T v;
    __builtin_memcpy(&v, &u, 4);
    return v;
}
} // namespace gk_simt

// Shuffles for int, unsigned and float only (the contract's list); other types do not compile.
#define GK_SIMT_SHFL(T)                                                                                              \
    inline T __shfl_sync(unsigned mask, T var, int src, int width = 32, const char *file = __builtin_FILE(),       \
                         int line = __builtin_LINE()) {                                                            \
        return gk_simt::from_bits<T>(gk_simt_warp(GK_SIMT_SHFL_IDX, mask, gk_simt::bits(var), src, width, file, line)); \
    }                                                                                                              \
    inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = 32, const char *file = __builtin_FILE(), \
                            int line = __builtin_LINE()) {                                                         \
        return gk_simt::from_bits<T>(                                                                              \
            gk_simt_warp(GK_SIMT_SHFL_UP, mask, gk_simt::bits(var), (int)delta, width, file, line));               \
    }                                                                                                              \
    inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32,                                \
                              const char *file = __builtin_FILE(), int line = __builtin_LINE()) {                  \
        return gk_simt::from_bits<T>(                                                                              \
            gk_simt_warp(GK_SIMT_SHFL_DOWN, mask, gk_simt::bits(var), (int)delta, width, file, line));             \
    }                                                                                                              \
    inline T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32, const char *file = __builtin_FILE(), \
                             int line = __builtin_LINE()) {                                                        \
        return gk_simt::from_bits<T>(                                                                              \
            gk_simt_warp(GK_SIMT_SHFL_XOR, mask, gk_simt::bits(var), lane_mask, width, file, line));               \
    }
GK_SIMT_SHFL(int)
GK_SIMT_SHFL(unsigned)
GK_SIMT_SHFL(float)
#undef GK_SIMT_SHFL

inline unsigned __ballot_sync(unsigned mask, int pred, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    return gk_simt_warp(GK_SIMT_BALLOT, mask, pred != 0, 0, 32, file, line);
}
inline int __any_sync(unsigned mask, int pred, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    return (int)gk_simt_warp(GK_SIMT_ANY, mask, pred != 0, 0, 32, file, line);
}
inline int __all_sync(unsigned mask, int pred, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    return (int)gk_simt_warp(GK_SIMT_ALL, mask, pred != 0, 0, 32, file, line);
}

// ---- atomics (relaxed, as CUDA's; blocks run in parallel so these must be real atomics) ---------
inline int atomicAdd(int *a, int v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicAdd(unsigned *a, unsigned v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicAdd(unsigned long long *a, unsigned long long v) {
    return __atomic_fetch_add(a, v, __ATOMIC_RELAXED);
}
inline float atomicAdd(float *a, float v) {
    uint32_t *u = reinterpret_cast<uint32_t *>(a);
    uint32_t old = __atomic_load_n(u, __ATOMIC_RELAXED);
    for (;;) {
        uint32_t want = gk_simt::bits(gk_simt::from_bits<float>(old) + v);
        if (__atomic_compare_exchange_n(u, &old, want, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            return gk_simt::from_bits<float>(old);
        }
    }
}

namespace gk_simt {
template <typename T, typename F> inline T atomic_update(T *a, F f) {
    T old = __atomic_load_n(a, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(a, &old, f(old), true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}
} // namespace gk_simt

inline int atomicMax(int *a, int v) { return gk_simt::atomic_update(a, [v](int o) { return o > v ? o : v; }); }
inline unsigned atomicMax(unsigned *a, unsigned v) {
    return gk_simt::atomic_update(a, [v](unsigned o) { return o > v ? o : v; });
}
inline int atomicMin(int *a, int v) { return gk_simt::atomic_update(a, [v](int o) { return o < v ? o : v; }); }
inline unsigned atomicMin(unsigned *a, unsigned v) {
    return gk_simt::atomic_update(a, [v](unsigned o) { return o < v ? o : v; });
}

#define GK_SIMT_CAS(T)                                                                                               \
    inline T atomicCAS(T *a, T compare, T val) {                                                                   \
        __atomic_compare_exchange_n(a, &compare, val, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);                  \
        return compare;                                                                                            \
    }
GK_SIMT_CAS(int)
GK_SIMT_CAS(unsigned)
GK_SIMT_CAS(unsigned long long)
#undef GK_SIMT_CAS

inline int atomicExch(int *a, int v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }
inline unsigned atomicExch(unsigned *a, unsigned v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }
inline unsigned long long atomicExch(unsigned long long *a, unsigned long long v) {
    return __atomic_exchange_n(a, v, __ATOMIC_RELAXED);
}
inline float atomicExch(float *a, float v) {
    return gk_simt::from_bits<float>(__atomic_exchange_n(reinterpret_cast<uint32_t *>(a), gk_simt::bits(v), __ATOMIC_RELAXED));
}

inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// ---- math ---------------------------------------------------------------------------------------
// expf, tanhf, sqrtf, fabsf, fmaxf, fminf, floorf, ceilf, roundf, fmaf, isnan, isinf and INFINITY
// come from <math.h>; the device-only spellings map to the accurate host functions.
inline float __expf(float x) { return expf(x); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline float __fdividef(float a, float b) { return a / b; }

// Integer min/max with CUDA's overload set (math_functions.hpp): mixed signedness goes unsigned.
#define GK_SIMT_MINMAX(R, A, B)                                                                                      \
    inline R min(const A a, const B b) { return (R)a < (R)b ? (R)a : (R)b; }                                     \
    inline R max(const A a, const B b) { return (R)a > (R)b ? (R)a : (R)b; }
GK_SIMT_MINMAX(int, int, int)
GK_SIMT_MINMAX(unsigned, unsigned, unsigned)
GK_SIMT_MINMAX(unsigned, int, unsigned)
GK_SIMT_MINMAX(unsigned, unsigned, int)
GK_SIMT_MINMAX(long, long, long)
GK_SIMT_MINMAX(unsigned long, unsigned long, unsigned long)
GK_SIMT_MINMAX(unsigned long, long, unsigned long)
GK_SIMT_MINMAX(unsigned long, unsigned long, long)
GK_SIMT_MINMAX(long long, long long, long long)
GK_SIMT_MINMAX(unsigned long long, unsigned long long, unsigned long long)
GK_SIMT_MINMAX(unsigned long long, long long, unsigned long long)
GK_SIMT_MINMAX(unsigned long long, unsigned long long, long long)
#undef GK_SIMT_MINMAX

// ---- half precision -----------------------------------------------------------------------------
// cuda_fp16.h provides the rest of the list on the host; __hfma2 is device-only there. One
// rounding, as the hardware's: the product of two halves is exact in double, the sum rounded once.
inline __half2 __hfma2(const __half2 a, const __half2 b, const __half2 c) {
    float2 fa = __half22float2(a), fb = __half22float2(b), fc = __half22float2(c);
    __half lo = __double2half(fma((double)fa.x, (double)fb.x, (double)fc.x));
    __half hi = __double2half(fma((double)fa.y, (double)fb.y, (double)fc.y));
    return __halves2half2(lo, hi);
}

// ---- loads --------------------------------------------------------------------------------------
template <typename T> inline T __ldg(const T *p) { return *p; }

// ---- asynchronous copies (the twins of gk_device.h's cp.async helpers) --------------------------
inline void gk_cp_async_16(void *smem, const void *gmem, const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_cp_async(smem, gmem, 16, file, line);
}
inline void gk_cp_async_16_zfill(void *smem, const void *gmem, int src_bytes, const char *file = __builtin_FILE(),
                                 int line = __builtin_LINE()) {
    gk_simt_cp_async(smem, gmem, src_bytes, file, line);
}
inline void gk_cp_async_commit() { gk_simt_cp_async_commit(); }
template <int N> inline void gk_cp_async_wait(const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    static_assert(N >= 0, "gk_cp_async_wait<N>: N >= 0");
    gk_simt_cp_async_wait(N, file, line);
}
inline void gk_cp_async_wait_all(const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_cp_async_wait(-1, file, line);
}

// ---- tensor cores: nvcuda::wmma, m16n16k16, __half A/B, float accumulators ----------------------
// Fragments hold as many elements per lane as CUDA's (16 for A/B, each element held by two lanes;
// 8 for the accumulator). Which element sits where is the launch's choice (it changes with the
// thread schedule), so a kernel that assumes a mapping fails the schedule check.
namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };

template <typename T, int size> struct __align__(8) __frag_base {
    enum { num_elements = size };
    enum { num_storage_elements = size };
    typedef T element_type;
    typedef T storage_element_type;
    T x[size];
};

template <typename Use, int m, int n, int k, typename T, typename Layout = void> class fragment;
template <> class fragment<matrix_a, 16, 16, 16, __half, row_major> : public __frag_base<__half, 16> {};
template <> class fragment<matrix_a, 16, 16, 16, __half, col_major> : public __frag_base<__half, 16> {};
template <> class fragment<matrix_b, 16, 16, 16, __half, row_major> : public __frag_base<__half, 16> {};
template <> class fragment<matrix_b, 16, 16, 16, __half, col_major> : public __frag_base<__half, 16> {};
template <> class fragment<accumulator, 16, 16, 16, float> : public __frag_base<float, 8> {};

template <typename T, int size> inline void fill_fragment(__frag_base<T, size> &f, const T &v) {
    for (int i = 0; i < size; i++) f.x[i] = v;
}

template <typename L> struct is_col_major : std::false_type {};
template <> struct is_col_major<col_major> : std::true_type {};

template <typename L>
inline void load_matrix_sync(fragment<matrix_a, 16, 16, 16, __half, L> &a, const __half *p, unsigned ldm,
                             const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_wmma_load(0, is_col_major<L>::value, a.x, p, ldm, file, line);
}
template <typename L>
inline void load_matrix_sync(fragment<matrix_b, 16, 16, 16, __half, L> &b, const __half *p, unsigned ldm,
                             const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_wmma_load(1, is_col_major<L>::value, b.x, p, ldm, file, line);
}
inline void load_matrix_sync(fragment<accumulator, 16, 16, 16, float> &c, const float *p, unsigned ldm, layout_t layout,
                             const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_wmma_load(2, layout == mem_col_major, c.x, p, ldm, file, line);
}
inline void store_matrix_sync(float *p, const fragment<accumulator, 16, 16, 16, float> &d, unsigned ldm, layout_t layout,
                              const char *file = __builtin_FILE(), int line = __builtin_LINE()) {
    gk_simt_wmma_store(p, d.x, ldm, layout == mem_col_major, file, line);
}
template <typename LA, typename LB>
inline void mma_sync(fragment<accumulator, 16, 16, 16, float> &d, const fragment<matrix_a, 16, 16, 16, __half, LA> &a,
                     const fragment<matrix_b, 16, 16, 16, __half, LB> &b,
                     const fragment<accumulator, 16, 16, 16, float> &c, const char *file = __builtin_FILE(),
                     int line = __builtin_LINE()) {
    gk_simt_wmma_mma(d.x, a.x, is_col_major<LA>::value, b.x, is_col_major<LB>::value, c.x, file, line);
}
} // namespace wmma
} // namespace nvcuda

#endif // GK_SIMT_DEVICE_H

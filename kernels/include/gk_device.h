// Portability layer of the kernels (kernels/README.md): on nvcc the CUDA headers plus the few
// helpers that wrap inline PTX (async copies); in the SIMT build (GK_SIMT, g++) the emulator's
// host twin of the same names, from native/simt/gk_simt_device.h.
#ifndef GK_DEVICE_H
#define GK_DEVICE_H

#include <stdint.h>

#if defined(__CUDACC__) && !defined(GK_SIMT)

#include <cuda_fp16.h>
#include <mma.h>

// Registration is only needed by the emulator (it finds kernels by name in its own table).
#define GK_KERNEL(name) static_assert(true, "")

#define GK_DYNAMIC_SMEM(type, name) extern __shared__ __align__(16) type name[]

// cp.async.cg: 16 bytes global -> shared, bypassing L1 (sm_80+).
__device__ __forceinline__ void gk_cp_async_16(void *smem, const void *gmem) {
    unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem) : "memory");
}

// Copies src_bytes (0..16) and zero-fills the rest of the 16 bytes (padding, tails).
__device__ __forceinline__ void gk_cp_async_16_zfill(void *smem, const void *gmem, int src_bytes) {
    unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(src_bytes)
                 : "memory");
}

__device__ __forceinline__ void gk_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int N> __device__ __forceinline__ void gk_cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

__device__ __forceinline__ void gk_cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

#else

// The emulator's host twin: defines __global__/__device__/__shared__, threadIdx & co, barriers,
// warp operations, atomics, wmma fragments, GK_KERNEL, GK_DYNAMIC_SMEM and the gk_cp_async_*
// helpers, and includes cuda_fp16.h for the host.
#include "gk_simt_device.h"

#endif

#endif // GK_DEVICE_H

// Kernels for SimtFaultsTest, compiled by the test with g++ against the emulator's host twin and
// loaded beside libgannet_simt.so (GK_KERNEL registers them there): one whose barrier half the block
// never reaches, and a neighbour exchange with and without its barrier. Not part of any build.
#include "gk_device.h"

struct gk_test_params {
    float *out;
    int n;
    int reserved;
};

extern "C" __global__ void gk_test_divergent_barrier(const gk_test_params p) {
    if (threadIdx.x < 16) __syncthreads(); // the other threads of the block never arrive
    if ((int)threadIdx.x < p.n) p.out[threadIdx.x] = 1.f;
}
GK_KERNEL(gk_test_divergent_barrier);

namespace gk_test {
template <bool kBarrier> __device__ __forceinline__ void neighbour(const gk_test_params &p) {
    __shared__ float s[256];
    int t = threadIdx.x;
    s[t] = -1.f;
    __syncthreads();
    s[t] = (float)t;
    if (kBarrier) __syncthreads();
    // Without the barrier the neighbour's slot holds -1 or its index depending on who ran first.
    p.out[blockIdx.x * blockDim.x + t] = s[(t + 1) % blockDim.x];
}
} // namespace gk_test

extern "C" __global__ void gk_test_neighbour(const gk_test_params p) { gk_test::neighbour<true>(p); }
GK_KERNEL(gk_test_neighbour);

extern "C" __global__ void gk_test_neighbour_racy(const gk_test_params p) { gk_test::neighbour<false>(p); }
GK_KERNEL(gk_test_neighbour_racy);

// pixel_shuffle on the GPU: depth_to_space and space_to_depth (inverse), DCR and CRD channel orders,
// the mappings of native/cpu/pixel_shuffle.c. Pure data movement: elements are copied, never
// converted, so the results are bit-exact.
//
// Versions (memory-bound; each thread writes output elements, so stores are contiguous and reads
// gather through L1/L2):
//   gk_pixel_shuffle_<dt>      one output element per thread, every mode (the mode and direction
//                              are read from the params; the branch is uniform)
//   gk_pixel_shuffle_<dt>_vec  DCR only, both directions: V = 16 / sizeof(T) channels per thread
//                              with 16-byte loads and stores; in DCR the C channels of one (i, j)
//                              block position are contiguous on both sides. Needs C % V == 0 (C the
//                              space side's channels) and every address of both views a multiple
//                              of 16 bytes. CRD interleaves channels with stride b·b and stays scalar.
// Launch (runtime/dev/gannet/ops/cuda/PixelShuffleCuda.java): block (bdx, bdy) = 256 threads with
// bdx the power of two >= y.c / V (at most 32); grid (ceil(y.c / V / bdx), gy), blocks looping over
// output pixels.
#include "include/gk_vec.cuh"

namespace gk_pixel_shuffle {

template <typename T, int V> __device__ __forceinline__ void shuffle(const gk_pixel_shuffle_params &p) {
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    const int b = p.block, bb = b * b;
    const bool crd = p.mode == GK_PS_CRD;
    gk_vec::each_out_pixel<V>(p.y, [&](int n, int oh, int ow, int k0) { // k0: first output channel
        T *dst = y + gk::off(p.y, n, oh, ow, k0);
        if (!p.inverse) {
            // y[n, oh, ow, c] = x[n, oh / b, ow / b, ch(oh % b, ow % b, c)], C = y.c
            const int i = oh % b, j = ow % b, C = p.y.c;
            const T *src = x + gk::off(p.x, n, oh / b, ow / b, 0);
            if (V > 1) { // DCR: ch = (i*b + j)*C + c, contiguous in c
                gk_vec::copy<T, V>(dst, src + (i * b + j) * C + k0);
            } else {
                dst[0] = src[crd ? k0 * bb + i * b + j : (i * b + j) * C + k0];
            }
        } else {
            // y[n, h, w, ch(i, j, c)] = x[n, h*b + i, w*b + j, c], C = x.c
            const int C = p.x.c;
            const int c = crd ? k0 / bb : k0 % C, q = crd ? k0 % bb : k0 / C;
            const T *src = x + gk::off(p.x, n, oh * b + q / b, static_cast<int64_t>(ow) * b + q % b, c);
            if (V > 1) gk_vec::copy<T, V>(dst, src);
            else dst[0] = src[0];
        }
    });
}

} // namespace gk_pixel_shuffle

extern "C" __global__ void __launch_bounds__(256) gk_pixel_shuffle_f32(const gk_pixel_shuffle_params p) {
    gk_pixel_shuffle::shuffle<float, 1>(p);
}
GK_KERNEL(gk_pixel_shuffle_f32);

extern "C" __global__ void __launch_bounds__(256) gk_pixel_shuffle_f32_vec(const gk_pixel_shuffle_params p) {
    gk_pixel_shuffle::shuffle<float, 4>(p);
}
GK_KERNEL(gk_pixel_shuffle_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_pixel_shuffle_f16(const gk_pixel_shuffle_params p) {
    gk_pixel_shuffle::shuffle<__half, 1>(p);
}
GK_KERNEL(gk_pixel_shuffle_f16);

extern "C" __global__ void __launch_bounds__(256) gk_pixel_shuffle_f16_vec(const gk_pixel_shuffle_params p) {
    gk_pixel_shuffle::shuffle<__half, 8>(p);
}
GK_KERNEL(gk_pixel_shuffle_f16_vec);

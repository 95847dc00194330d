// conv2d: y = epilogue(conv(pad(upsample_nearest(x)), w)), NHWC, groups = 1, as an implicit GEMM
// (include/gk_igemm.cuh): M = N*OH*OW output pixels, N = K output channels, reduction = R*S*C with
// the taps flattened into it ((r*S + s)*C + c), so a 3-channel first layer reduces over 27 values
// of a 3x3 kernel, not 9 taps padded to 16 channels each.
//
// Weights: prepared by conv_pack.cu (transposed = 0) as K rows of ldw = roundup(R*S*C, 8) elements
// in the activation dtype, zero past R*S*C, so every 16-byte chunk of a B tile is one async copy.
//
// Versions (kernel gk_conv2d_<dtype>_<tile>_<load>):
//   f16 on tensor cores (wmma m16n16k16, fp32 accumulation), 3-stage cp.async pipeline:
//     128x128  BK 32, 256 threads (8 warps of 64x32), 61440 B dynamic smem   large C and K
//     64x64    BK 32, 128 threads (4 warps of 32x32), 30720 B                 K <= 64 or few tiles
//     128x16   BK 32, 128 threads (4 warps of 32x16), 34560 B                 K <= 16 (RGB outputs)
//   f32 on CUDA cores (register-blocked FMA), 3-stage cp.async pipeline:
//     128x128  BK 16, 256 threads (8x8 outputs each),  61440 B
//     64x64    BK 16, 256 threads (4x4 outputs each),  30720 B
//     128x16   BK 16, 128 threads (4x4 outputs each),  34560 B
//   load "vec": A rows by 16-byte async copies (C a multiple of 8 for f16 / 4 for f32, x 16-byte
//     aligned with such strides: each pixel's source address is computed per tap, padding and the
//     reduction's tail are zero-filled by the copy); "any": A by element gathers
//     into registers, stored to shared memory after the current stage's math (odd C, unaligned
//     slices, the small-C first layer); 64x64 and 128x16 only, since with element gathers the A
//     loads dominate and the 128x128 tile's fewer B reloads buy little. B is always "vec".
// Shape classes (Igemm.choose): 128x128 for K > 64 with at least as many tiles as SMs; 64x64 for
//   K <= 64 (typical GAN and super-resolution layers), small images and every gather launch;
//   128x16 for K <= 16 (RGB and gray outputs). The small-C first layer gathers ("any") over its
//   flattened taps; a 1x1 conv (and wide layers, C >= BK) takes "vec" loads whose source pixel is
//   resolved once per row and tap and then only advanced by BK channels per k-tile.
// Launch (runtime/dev/gannet/ops/cuda/Conv2dCuda.java): grid (ceil(M/BM), ceil(K/BN)), block =
//   threads above, dynamic shared memory as above (more than 48 KiB through the opt-in limit).
//   Requires M + BM < 2^31.
// Epilogue: fragments are staged per warp through shared memory (f16) or applied from registers
//   (f32); bias, scale/shift, activation, out_scale and residual per element, residual read before
//   y is written (it may be y). Reads only the channels of the x/y/residual views.
#include "include/gk_igemm.cuh"

namespace gk_conv2d {

// Source row/column read at coordinate i of the upsampled, padded input, or -1 (zero padding).
__device__ __forceinline__ int src_coord(int i, int n_up, int up, int mode) {
    const int m = gk::pad_index(i, n_up, mode);
    return m < 0 ? -1 : (up == 1 ? m : m / up);
}

template <typename T_> struct Taps {
    using T = T_;
    const gk_conv2d_params &p;
    int mtot, hup, wup, ldw;

    struct Row {
        int64_t base;
        int a, b; // top-left input coordinate of the window (upsampled, padded frame)
        bool ok;
    };
    using Cur = gk_igemm::Cursor3; // c, i = s, o = r
    using WCur = int;

    __device__ __forceinline__ explicit Taps(const gk_conv2d_params &p_) : p(p_) {
        mtot = p.y.n * p.y.h * p.y.w;
        hup = p.x.h * p.upsample;
        wup = p.x.w * p.upsample;
        ldw = (kred() + 7) & ~7;
    }

    __device__ __forceinline__ int M() const { return mtot; }
    __device__ __forceinline__ int N() const { return p.y.c; }
    __device__ __forceinline__ int kred() const { return p.r * p.s * p.x.c; }
    __device__ __forceinline__ int ldw_() const { return ldw; }

    __device__ __forceinline__ void out_pixel(int m, int &n, int &oh, int &ow) const {
        gk_igemm::split_pixel(m, p.y.h, p.y.w, n, oh, ow);
    }

    __device__ __forceinline__ Row row(int m) const {
        Row r;
        r.ok = m < mtot;
        int n = 0, oh = 0, ow = 0;
        if (r.ok) out_pixel(m, n, oh, ow);
        r.base = n * p.x.sn;
        r.a = oh * p.stride_h - p.pad_top;
        r.b = ow * p.stride_w - p.pad_left;
        return r;
    }

    __device__ __forceinline__ Cur cursor(int red) const { return Cur::at(red, p.x.c, p.s); }
    __device__ __forceinline__ bool advance(Cur &c, int step) const {
        c.c += step;
        return c.norm(p.x.c, p.s);
    }
    __device__ __forceinline__ bool step1(Cur &c) const { return c.step1(p.x.c, p.s); }
    __device__ __forceinline__ int chan(const Cur &c) const { return c.c; }
    __device__ __forceinline__ bool chan_ok(const Cur &) const { return true; }
    __device__ __forceinline__ const T *any() const { return static_cast<const T *>(p.x.data); }

    __device__ __forceinline__ const T *at(const Row &row, const Cur &c) const {
        if (!row.ok || c.o >= p.r) return nullptr;
        const int ih = src_coord(row.a + c.o * p.dil_h, hup, p.upsample, p.pad_mode);
        if (ih < 0) return nullptr;
        const int iw = src_coord(row.b + c.i * p.dil_w, wup, p.upsample, p.pad_mode);
        if (iw < 0) return nullptr;
        return any() + row.base + ih * p.x.sh + iw * p.x.sw;
    }

    __device__ __forceinline__ WCur wcursor(int red) const { return red; }
    __device__ __forceinline__ void wadvance(WCur &w, int step) const { w += step; }
    __device__ __forceinline__ int64_t wcol(const WCur &w) const { return w < ldw ? w : -1; }
};

template <class Tile, bool VEC> __device__ __forceinline__ void run(const gk_conv2d_params &p) {
    using T = typename Tile::T;
    GK_DYNAMIC_SMEM(int4, gk_conv2d_smem);
    const Taps<T> tp(p);
    gk_igemm::gemm<Tile, VEC>(reinterpret_cast<char *>(gk_conv2d_smem), tp, static_cast<const T *>(p.w), tp.ldw_(),
                              tp.kred(), p.y, p.ep);
}

} // namespace gk_conv2d

extern "C" __global__ void __launch_bounds__(256) gk_conv2d_f16_128x128_vec(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::TcL, true>(p);
}
GK_KERNEL(gk_conv2d_f16_128x128_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv2d_f16_64x64_vec(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::TcM, true>(p);
}
GK_KERNEL(gk_conv2d_f16_64x64_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv2d_f16_64x64_any(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::TcM, false>(p);
}
GK_KERNEL(gk_conv2d_f16_64x64_any);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv2d_f16_128x16_vec(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::TcN, true>(p);
}
GK_KERNEL(gk_conv2d_f16_128x16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv2d_f16_128x16_any(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::TcN, false>(p);
}
GK_KERNEL(gk_conv2d_f16_128x16_any);

extern "C" __global__ void __launch_bounds__(256) gk_conv2d_f32_128x128_vec(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::FmaL, true>(p);
}
GK_KERNEL(gk_conv2d_f32_128x128_vec);

extern "C" __global__ void __launch_bounds__(256) gk_conv2d_f32_64x64_vec(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::FmaM, true>(p);
}
GK_KERNEL(gk_conv2d_f32_64x64_vec);

extern "C" __global__ void __launch_bounds__(256) gk_conv2d_f32_64x64_any(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::FmaM, false>(p);
}
GK_KERNEL(gk_conv2d_f32_64x64_any);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv2d_f32_128x16_vec(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::FmaN, true>(p);
}
GK_KERNEL(gk_conv2d_f32_128x16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv2d_f32_128x16_any(const gk_conv2d_params p) {
    gk_conv2d::run<gk_igemm::FmaN, false>(p);
}
GK_KERNEL(gk_conv2d_f32_128x16_any);

// conv_transpose2d (PyTorch ConvTranspose2d, groups = 1) as gathers: no output is written twice, so
// no atomics. Output pixels fall into stride classes (oh mod stride_h, ow mod stride_w); along a
// class's sub-grid every output sees the same taps, and the input pixel a tap reads moves by one per
// step, so each class is a stride-1 implicit GEMM (include/gk_igemm.cuh): M = N x class pixels,
// N = K output channels, reduction = (class taps) x roundup(C, 8).
//
//   taps of class q (one dimension): r with (q + pad - r*dil) divisible by stride; they are
//   r0 + j*rstep (rstep = stride / gcd(stride, dil)); output q + i*stride reads input
//   i + (q + pad - r*dil) / stride, zero outside the input.
//
// Weights: prepared by conv_pack.cu (transposed = 1): K rows of R*S*roundup(C, 8), taps padded to
// 8 channels, an fp32 copy then an fp16 copy; f32 kernels read the first, f16 kernels the second.
//
// Versions (kernel gk_conv_transpose2d_<dtype>_<tile>_<load>): the tiles of gk_igemm.cuh —
//   f16 tensor cores 128x128 (256 thr, 61440 B), 64x64 (128 thr, 30720 B), 128x16 (128 thr,
//   34560 B); f32 CUDA cores 128x128 (256 thr, 61440 B), 64x64 (256 thr, 30720 B), 128x16 (128
//   thr, 34560 B); load "vec" (C a multiple of 8 / 4, 16-byte aligned x) or "any" (gathers, not
//   for 128x128: see conv2d.cu).
// Launch (ConvTranspose2dCuda.java): grid (ceil(N*ceil(OH/sh)*ceil(OW/sw) / BM), ceil(K/BN),
//   sh*sw); blockIdx.z is the stride class, blocks past their class's pixels return at once.
#include "include/gk_igemm.cuh"

namespace gk_conv_transpose2d {

// The taps of stride class q in one dimension: first tap r0, step, count (0 if none).
__device__ __forceinline__ void class_taps(int q, int stride, int pad, int dil, int ksize, int &r0, int &step,
                                           int &count) {
    int a = stride, b = dil;
    while (b != 0) {
        const int t = a % b;
        a = b;
        b = t;
    }
    step = stride / a;
    r0 = -1;
    for (int r = 0; r < step && r < ksize; ++r) {
        if ((q + pad - r * dil) % stride == 0) {
            r0 = r;
            break;
        }
    }
    count = r0 < 0 ? 0 : (ksize - 1 - r0) / step + 1;
}

template <typename T_> struct Taps {
    using T = T_;
    const gk_conv_transpose2d_params &p;
    int qh, qw, ch, cw, mtot;
    int r0, rstep, nth, s0, sstep, ntw, cp;

    struct Row {
        int64_t base;
        int a, b; // the pixel's position in the class grid
        bool ok;
    };
    using Cur = gk_igemm::Cursor3; // c, i = jw, o = jh
    using WCur = Cur;

    __device__ __forceinline__ Taps(const gk_conv_transpose2d_params &p_, int cls) : p(p_) {
        qh = cls / p.stride_w;
        qw = cls - qh * p.stride_w;
        ch = qh < p.y.h ? (p.y.h - qh + p.stride_h - 1) / p.stride_h : 0;
        cw = qw < p.y.w ? (p.y.w - qw + p.stride_w - 1) / p.stride_w : 0;
        mtot = p.y.n * ch * cw;
        class_taps(qh, p.stride_h, p.pad_h, p.dil_h, p.r, r0, rstep, nth);
        class_taps(qw, p.stride_w, p.pad_w, p.dil_w, p.s, s0, sstep, ntw);
        cp = (p.x.c + 7) & ~7;
    }

    __device__ __forceinline__ int M() const { return mtot; }
    __device__ __forceinline__ int N() const { return p.y.c; }
    __device__ __forceinline__ int kred() const { return nth * ntw * cp; }
    __device__ __forceinline__ int64_t ldw() const { return static_cast<int64_t>(p.r) * p.s * cp; }

    __device__ __forceinline__ void out_pixel(int m, int &n, int &oh, int &ow) const {
        int i, j;
        gk_igemm::split_pixel(m, ch, cw, n, i, j);
        oh = qh + i * p.stride_h;
        ow = qw + j * p.stride_w;
    }

    __device__ __forceinline__ Row row(int m) const {
        Row r;
        r.ok = m < mtot;
        int n = 0, i = 0, j = 0;
        if (r.ok) gk_igemm::split_pixel(m, ch, cw, n, i, j);
        r.base = n * p.x.sn;
        r.a = i;
        r.b = j;
        return r;
    }

    __device__ __forceinline__ Cur cursor(int red) const { return Cur::at(red, cp, ntw); }
    __device__ __forceinline__ bool advance(Cur &c, int step) const {
        c.c += step;
        return c.norm(cp, ntw);
    }
    __device__ __forceinline__ bool step1(Cur &c) const { return c.step1(cp, ntw); }
    __device__ __forceinline__ int chan(const Cur &c) const { return c.c; }
    __device__ __forceinline__ bool chan_ok(const Cur &c) const { return c.c < p.x.c; }
    __device__ __forceinline__ const T *any() const { return static_cast<const T *>(p.x.data); }

    __device__ __forceinline__ const T *at(const Row &row, const Cur &c) const {
        if (!row.ok || c.o >= nth) return nullptr;
        const int ih = row.a + (qh + p.pad_h - (r0 + c.o * rstep) * p.dil_h) / p.stride_h;
        if (ih < 0 || ih >= p.x.h) return nullptr;
        const int iw = row.b + (qw + p.pad_w - (s0 + c.i * sstep) * p.dil_w) / p.stride_w;
        if (iw < 0 || iw >= p.x.w) return nullptr;
        return any() + row.base + ih * p.x.sh + iw * p.x.sw;
    }

    __device__ __forceinline__ WCur wcursor(int red) const { return cursor(red); }
    __device__ __forceinline__ void wadvance(WCur &w, int step) const { advance(w, step); }
    __device__ __forceinline__ int64_t wcol(const WCur &w) const {
        if (w.o >= nth) return -1;
        return (static_cast<int64_t>(r0 + w.o * rstep) * p.s + (s0 + w.i * sstep)) * cp + w.c;
    }
};

// The copy of the prepared weights of element type T (fp32 first, fp16 after it).
template <typename T> __device__ __forceinline__ const T *weights(const gk_conv_transpose2d_params &p, int64_t total);
template <> __device__ __forceinline__ const float *weights<float>(const gk_conv_transpose2d_params &p, int64_t) {
    return static_cast<const float *>(p.w);
}
template <> __device__ __forceinline__ const __half *weights<__half>(const gk_conv_transpose2d_params &p,
                                                                     int64_t total) {
    return reinterpret_cast<const __half *>(static_cast<const float *>(p.w) + total);
}

template <class Tile, bool VEC> __device__ __forceinline__ void run(const gk_conv_transpose2d_params &p) {
    using T = typename Tile::T;
    GK_DYNAMIC_SMEM(int4, gk_conv_transpose2d_smem);
    const Taps<T> tp(p, blockIdx.z);
    if (static_cast<int>(blockIdx.x) * Tile::BM >= tp.M()) return; // the whole block: a class with fewer pixels
    gk_igemm::gemm<Tile, VEC>(reinterpret_cast<char *>(gk_conv_transpose2d_smem), tp,
                              weights<T>(p, p.y.c * tp.ldw()), tp.ldw(), tp.kred(), p.y, p.ep);
}

} // namespace gk_conv_transpose2d

extern "C" __global__ void __launch_bounds__(256) gk_conv_transpose2d_f16_128x128_vec(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::TcL, true>(p);
}
GK_KERNEL(gk_conv_transpose2d_f16_128x128_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv_transpose2d_f16_64x64_vec(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::TcM, true>(p);
}
GK_KERNEL(gk_conv_transpose2d_f16_64x64_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv_transpose2d_f16_64x64_any(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::TcM, false>(p);
}
GK_KERNEL(gk_conv_transpose2d_f16_64x64_any);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv_transpose2d_f16_128x16_vec(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::TcN, true>(p);
}
GK_KERNEL(gk_conv_transpose2d_f16_128x16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv_transpose2d_f16_128x16_any(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::TcN, false>(p);
}
GK_KERNEL(gk_conv_transpose2d_f16_128x16_any);

extern "C" __global__ void __launch_bounds__(256) gk_conv_transpose2d_f32_128x128_vec(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::FmaL, true>(p);
}
GK_KERNEL(gk_conv_transpose2d_f32_128x128_vec);

extern "C" __global__ void __launch_bounds__(256) gk_conv_transpose2d_f32_64x64_vec(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::FmaM, true>(p);
}
GK_KERNEL(gk_conv_transpose2d_f32_64x64_vec);

extern "C" __global__ void __launch_bounds__(256) gk_conv_transpose2d_f32_64x64_any(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::FmaM, false>(p);
}
GK_KERNEL(gk_conv_transpose2d_f32_64x64_any);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv_transpose2d_f32_128x16_vec(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::FmaN, true>(p);
}
GK_KERNEL(gk_conv_transpose2d_f32_128x16_vec);

extern "C" __global__ void __launch_bounds__(128, 4) gk_conv_transpose2d_f32_128x16_any(const gk_conv_transpose2d_params p) {
    gk_conv_transpose2d::run<gk_igemm::FmaN, false>(p);
}
GK_KERNEL(gk_conv_transpose2d_f32_128x16_any);

// upsample2d on the GPU: nearest (integer factors), bilinear (half-pixel centers, edge clamp) and
// area (exact box integral), the same formulas as native/cpu/upsample2d.c.
//
// Versions (all memory-bound; x is read through L1/L2, each output element written once):
//   gk_upsample2d_<dt>_<mode>      one channel per thread: any channel count, any view
//   gk_upsample2d_<dt>_<mode>_vec  V = 16 / sizeof(T) channels per thread with 16-byte loads and
//                                  stores (4 f32, 8 f16); needs C % V == 0 and every view address a
//                                  multiple of 16 bytes (data pointer and the strides sn, sh, sw)
// Launch (runtime/dev/gannet/ops/cuda/Upsample2dCuda.java): block (bdx, bdy) = 256 threads, bdx
// the power of two >= C / V (at most 32) so that a warp covers whole output pixels' channels and its
// stores are contiguous; grid (ceil(C / V / bdx), gy) with gy filling the GPU (blocks loop over
// output pixels q = blockIdx.y*bdy + ty + k*gridDim.y*bdy).
//
// Bilinear taps are computed from integers: src = ((2o + 1)·in - out) / (2·out), so the floor and
// the fraction are exact (the CPU's double formula gives the same taps). Area weights are exact
// overlaps in units of 1/out divided by in (native/cpu/upsample2d.c: axis_area).
#include "include/gk_vec.cuh"

namespace gk_upsample2d {

// Bilinear taps along one axis: i0, i1 = min(i0 + 1, in - 1) and the weight l of i1.
__device__ __forceinline__ void bilinear_taps(int o, int in, int out, int &i0, int &i1, float &l) {
    const int64_t num = (2 * static_cast<int64_t>(o) + 1) * in - out, den = 2 * static_cast<int64_t>(out);
    if (num <= 0) {
        i0 = 0;
        l = 0.f;
    } else {
        i0 = static_cast<int>(num / den);
        l = static_cast<float>(num % den) / static_cast<float>(den);
    }
    if (i0 >= in - 1) {
        i0 = in - 1;
        l = 0.f;
    }
    i1 = i0 + 1 < in ? i0 + 1 : in - 1;
}

// Source pixels [i0, i1] of output o along one axis in the box integral, and source i's weight.
struct Box {
    int64_t start, end; // [o*in, (o+1)*in) in units of 1/out
    int out, in;
    __device__ __forceinline__ Box(int o, int in_, int out_)
        : start(static_cast<int64_t>(o) * in_), end(static_cast<int64_t>(o + 1) * in_), out(out_), in(in_) {}
    __device__ __forceinline__ int first() const { return static_cast<int>(start / out); }
    __device__ __forceinline__ int last() const { return static_cast<int>((end - 1) / out); }
    // exact overlap / in, rounded once, as the CPU's axis_area
    __device__ __forceinline__ float weight(int i) const {
        const int64_t lo = start > static_cast<int64_t>(i) * out ? start : static_cast<int64_t>(i) * out;
        const int64_t hi = end < static_cast<int64_t>(i + 1) * out ? end : static_cast<int64_t>(i + 1) * out;
        return static_cast<float>(hi - lo) / static_cast<float>(in);
    }
};

template <typename T, int V> __device__ __forceinline__ void nearest(const gk_upsample2d_params &p) {
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    gk_vec::each_out_pixel<V>(p.y, [&](int n, int oh, int ow, int c0) {
        const T *src = x + gk::off(p.x, n, oh / p.factor_h, ow / p.factor_w, c0);
        gk_vec::copy<T, V>(y + gk::off(p.y, n, oh, ow, c0), src);
    });
}

template <typename T, int V> __device__ __forceinline__ void bilinear(const gk_upsample2d_params &p) {
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    gk_vec::each_out_pixel<V>(p.y, [&](int n, int oh, int ow, int c0) {
        int h0, h1, w0, w1;
        float lh, lw;
        bilinear_taps(oh, p.x.h, p.y.h, h0, h1, lh);
        bilinear_taps(ow, p.x.w, p.y.w, w0, w1, lw);
        float a[V], b[V], c[V], d[V], r[V];
        gk_vec::load<T, V>(x + gk::off(p.x, n, h0, w0, c0), a);
        gk_vec::load<T, V>(x + gk::off(p.x, n, h0, w1, c0), b);
        gk_vec::load<T, V>(x + gk::off(p.x, n, h1, w0, c0), c);
        gk_vec::load<T, V>(x + gk::off(p.x, n, h1, w1, c0), d);
        const float uh = 1.f - lh, uw = 1.f - lw;
#pragma unroll
        for (int i = 0; i < V; i++) r[i] = uh * (uw * a[i] + lw * b[i]) + lh * (uw * c[i] + lw * d[i]);
        gk_vec::store<T, V>(y + gk::off(p.y, n, oh, ow, c0), r);
    });
}

template <typename T, int V> __device__ __forceinline__ void area(const gk_upsample2d_params &p) {
    const T *x = static_cast<const T *>(p.x.data);
    T *y = static_cast<T *>(p.y.data);
    gk_vec::each_out_pixel<V>(p.y, [&](int n, int oh, int ow, int c0) {
        const Box bh(oh, p.x.h, p.y.h), bw(ow, p.x.w, p.y.w);
        const int w0 = bw.first(), w1 = bw.last();
        float acc[V];
#pragma unroll
        for (int i = 0; i < V; i++) acc[i] = 0.f;
        for (int ih = bh.first(); ih <= bh.last(); ih++) {
            float row[V];
#pragma unroll
            for (int i = 0; i < V; i++) row[i] = 0.f;
            for (int iw = w0; iw <= w1; iw++) {
                const float ww = bw.weight(iw);
                float v[V];
                gk_vec::load<T, V>(x + gk::off(p.x, n, ih, iw, c0), v);
#pragma unroll
                for (int i = 0; i < V; i++) row[i] = fmaf(ww, v[i], row[i]);
            }
            const float wh = bh.weight(ih);
#pragma unroll
            for (int i = 0; i < V; i++) acc[i] = fmaf(wh, row[i], acc[i]);
        }
        gk_vec::store<T, V>(y + gk::off(p.y, n, oh, ow, c0), acc);
    });
}

} // namespace gk_upsample2d

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f32_nearest(const gk_upsample2d_params p) {
    gk_upsample2d::nearest<float, 1>(p);
}
GK_KERNEL(gk_upsample2d_f32_nearest);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f32_nearest_vec(const gk_upsample2d_params p) {
    gk_upsample2d::nearest<float, 4>(p);
}
GK_KERNEL(gk_upsample2d_f32_nearest_vec);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f16_nearest(const gk_upsample2d_params p) {
    gk_upsample2d::nearest<__half, 1>(p);
}
GK_KERNEL(gk_upsample2d_f16_nearest);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f16_nearest_vec(const gk_upsample2d_params p) {
    gk_upsample2d::nearest<__half, 8>(p);
}
GK_KERNEL(gk_upsample2d_f16_nearest_vec);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f32_bilinear(const gk_upsample2d_params p) {
    gk_upsample2d::bilinear<float, 1>(p);
}
GK_KERNEL(gk_upsample2d_f32_bilinear);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f32_bilinear_vec(const gk_upsample2d_params p) {
    gk_upsample2d::bilinear<float, 4>(p);
}
GK_KERNEL(gk_upsample2d_f32_bilinear_vec);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f16_bilinear(const gk_upsample2d_params p) {
    gk_upsample2d::bilinear<__half, 1>(p);
}
GK_KERNEL(gk_upsample2d_f16_bilinear);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f16_bilinear_vec(const gk_upsample2d_params p) {
    gk_upsample2d::bilinear<__half, 8>(p);
}
GK_KERNEL(gk_upsample2d_f16_bilinear_vec);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f32_area(const gk_upsample2d_params p) {
    gk_upsample2d::area<float, 1>(p);
}
GK_KERNEL(gk_upsample2d_f32_area);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f32_area_vec(const gk_upsample2d_params p) {
    gk_upsample2d::area<float, 4>(p);
}
GK_KERNEL(gk_upsample2d_f32_area_vec);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f16_area(const gk_upsample2d_params p) {
    gk_upsample2d::area<__half, 1>(p);
}
GK_KERNEL(gk_upsample2d_f16_area);

extern "C" __global__ void __launch_bounds__(256) gk_upsample2d_f16_area_vec(const gk_upsample2d_params p) {
    gk_upsample2d::area<__half, 8>(p);
}
GK_KERNEL(gk_upsample2d_f16_area_vec);

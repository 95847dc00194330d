// elementwise on the GPU: add, mul, affine and clamp with a fused activation over views whose zero
// strides broadcast a and b; y may be exactly a or b (in-place residual add and activation). The
// formulas of native/cpu/elementwise.c, in fp32.
//
// The launch plan (runtime/dev/gannet/ops/cuda/ElementwiseCuda.java) first merges every dim that a,
// b and y all lay out contiguously with the next inner one (as the CPU's ew_nest_build does) and
// passes views of shape (n', h', w', run): a dense add becomes one long run, a bias add N·H·W runs
// of C. Kernels treat y as rows (the n'·h'·w' pixels) of `run` elements with element stride sc.
//
// Versions, by dtype: gk_elementwise_f32, gk_elementwise_f16, gk_elementwise_f16_bf32 (f16 a and y
// with an F32 b, ADD and MUL only), each in two forms:
//   (scalar)  one element per thread, any strides
//   _vec      V = 16 / sizeof(T) elements per thread with 16-byte loads and stores; a and b are each
//             either contiguous along the run (sc = 1) or one broadcast value (sc = 0); every row
//             start of every vector-accessed view is a multiple of 16 bytes; a row's tail
//             (run % V elements) is done element by element by the thread owning it.
// Launch: block (bdx, bdy) = 256 threads with bdx the power of two >= ceil(run / V) (at most 256: a
// merged dense tensor is one long row), grid (gx, gy) covering the run and filling the GPU over rows;
// threads loop over both. Every
// element is read before it is written by the same thread, so exact aliasing of y is safe.
#include "include/gk_vec.cuh"

namespace gk_elementwise {

__device__ __forceinline__ float compute(const gk_elementwise_params &p, float a, float b) {
    float r;
    switch (p.op) {
    case GK_EW_ADD: r = fmaf(p.sa, a, p.sb * b); break;
    case GK_EW_MUL: r = p.sa * a * b; break;
    case GK_EW_AFFINE: r = fmaf(p.sa, a, p.sb); break;
    default: return a < p.lo ? p.lo : (a > p.hi ? p.hi : a); // clamp: NaN passes through
    }
    return gk::act(p.act, p.alpha, r);
}

// V elements of t at element offset o: a vector load, or one value repeated when sc == 0.
template <typename T, int V> __device__ __forceinline__ void load_run(const gk_tensor &t, int64_t o, float (&v)[V]) {
    const T *base = static_cast<const T *>(t.data) + o;
    if (t.sc == 0) {
        const float s = gk_vec::to_f(base[0]);
#pragma unroll
        for (int i = 0; i < V; i++) v[i] = s;
    } else {
        gk_vec::load<T, V>(base, v);
    }
}

template <typename T, typename TB, int V> __device__ __forceinline__ void run(const gk_elementwise_params &p) {
    const bool binary = p.op == GK_EW_ADD || p.op == GK_EW_MUL;
    const int run = p.y.c;
    const int chunks = (run + V - 1) / V;
    const uint32_t rows = gk_vec::pixels(p.y);
    T *y = static_cast<T *>(p.y.data);
    const T *a = static_cast<const T *>(p.a.data);
    const TB *b = static_cast<const TB *>(p.b.data);
    for (uint32_t row = blockIdx.y * blockDim.y + threadIdx.y; row < rows; row += gridDim.y * blockDim.y) {
        const int64_t yo = gk_vec::pix_off(p.y, row), ao = gk_vec::pix_off(p.a, row);
        const int64_t bo = binary ? gk_vec::pix_off(p.b, row) : 0;
        for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < chunks; k += gridDim.x * blockDim.x) {
            const int j0 = k * V;
            if (V > 1 && j0 + V <= run) {
                float va[V], vb[V], r[V];
                load_run<T, V>(p.a, ao + j0 * p.a.sc, va);
                if (binary) load_run<TB, V>(p.b, bo + j0 * p.b.sc, vb);
#pragma unroll
                for (int i = 0; i < V; i++) r[i] = compute(p, va[i], binary ? vb[i] : 0.f);
                gk_vec::store<T, V>(y + yo + j0, r);
            } else {
                const int j1 = j0 + V < run ? j0 + V : run;
                for (int j = j0; j < j1; j++) {
                    const float va = gk_vec::to_f(a[ao + j * p.a.sc]);
                    const float vb = binary ? gk_vec::to_f(b[bo + j * p.b.sc]) : 0.f;
                    y[yo + j * p.y.sc] = gk_vec::from_f<T>::cvt(compute(p, va, vb));
                }
            }
        }
    }
}

} // namespace gk_elementwise

extern "C" __global__ void __launch_bounds__(256) gk_elementwise_f32(const gk_elementwise_params p) {
    gk_elementwise::run<float, float, 1>(p);
}
GK_KERNEL(gk_elementwise_f32);

extern "C" __global__ void __launch_bounds__(256) gk_elementwise_f32_vec(const gk_elementwise_params p) {
    gk_elementwise::run<float, float, 4>(p);
}
GK_KERNEL(gk_elementwise_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_elementwise_f16(const gk_elementwise_params p) {
    gk_elementwise::run<__half, __half, 1>(p);
}
GK_KERNEL(gk_elementwise_f16);

extern "C" __global__ void __launch_bounds__(256) gk_elementwise_f16_vec(const gk_elementwise_params p) {
    gk_elementwise::run<__half, __half, 8>(p);
}
GK_KERNEL(gk_elementwise_f16_vec);

extern "C" __global__ void __launch_bounds__(256) gk_elementwise_f16_bf32(const gk_elementwise_params p) {
    gk_elementwise::run<__half, float, 1>(p);
}
GK_KERNEL(gk_elementwise_f16_bf32);

extern "C" __global__ void __launch_bounds__(256) gk_elementwise_f16_bf32_vec(const gk_elementwise_params p) {
    gk_elementwise::run<__half, float, 8>(p);
}
GK_KERNEL(gk_elementwise_f16_bf32_vec);

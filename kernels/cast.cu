// cast on the GPU: F32, F16, U8 or I32 to F32, F16 or U8 with the optional per-channel affine
//   v = (x * scale + offset - mean[c]) * inv_std[c]
// computed in fp32 as one multiply-add x * mul[c] + add[c] (mul = scale·inv_std, add = (offset -
// mean)·inv_std), like native/cpu/cast.c. U8 outputs: NaN -> 0, round half away from zero, saturate;
// F16 outputs round to nearest even.
//
// The launch plan (runtime/dev/gannet/ops/cuda/CastCuda.java) merges the pixel dims N, H, W that x
// and y both lay out contiguously (channels stay the innermost dim, so channel c of element j is
// known), giving views (n', h', w', C).
// Versions gk_cast_<from>_to_<to> for from in f32, f16, u8, i32 and to in f32, f16, u8:
//   (scalar)  rows = the n'·h'·w' pixels, one channel per thread, any strides (x may broadcast
//             with zero strides)
//   _vec      rows = the n'·h' pixel rows whose w'·C elements are contiguous in x and y (sw = C,
//             sc = 1): V = 4 elements per thread with one vector access each side (4..16 bytes),
//             channel = element % C; every row start a multiple of 4 elements and of the pack's
//             alignment; a row's tail is done element by element.
// Launch: block (bdx, bdy) = 256 threads with bdx the power of two >= the chunks per row (at most
// 256: a dense image is one long row), grid (gx, gy) over chunks and rows, threads looping over both.
#include "include/gk_vec.cuh"

namespace gk_cast {

struct Affine {
    const float *mean, *inv_std;
    float scale, offset;
    __device__ __forceinline__ float mul(int c) const { return inv_std ? scale * inv_std[c] : scale; }
    __device__ __forceinline__ float add(int c) const {
        const float m = mean ? offset - mean[c] : offset;
        return inv_std ? m * inv_std[c] : m;
    }
};

template <typename TX, typename TY> __device__ __forceinline__ void scalar(const gk_cast_params &p) {
    const Affine f{p.mean, p.inv_std, p.scale, p.offset};
    const TX *x = static_cast<const TX *>(p.x.data);
    TY *y = static_cast<TY *>(p.y.data);
    const int C = p.y.c;
    const uint32_t rows = gk_vec::pixels(p.y);
    for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < C; c += gridDim.x * blockDim.x) {
        const float mul = f.mul(c), add = f.add(c);
        for (uint32_t row = blockIdx.y * blockDim.y + threadIdx.y; row < rows; row += gridDim.y * blockDim.y) {
            const float v = gk_vec::to_f(x[gk_vec::pix_off(p.x, row) + c * p.x.sc]);
            y[gk_vec::pix_off(p.y, row) + c * p.y.sc] = gk_vec::from_f<TY>::cvt(fmaf(v, mul, add));
        }
    }
}

template <typename TX, typename TY> __device__ __forceinline__ void vec(const gk_cast_params &p) {
    constexpr int V = 4;
    const Affine f{p.mean, p.inv_std, p.scale, p.offset};
    const TX *x = static_cast<const TX *>(p.x.data);
    TY *y = static_cast<TY *>(p.y.data);
    const int C = p.y.c;
    const int64_t run = static_cast<int64_t>(p.y.w) * C;
    const int64_t chunks = (run + V - 1) / V;
    const uint32_t rows = static_cast<uint32_t>(p.y.n) * static_cast<uint32_t>(p.y.h);
    for (uint32_t row = blockIdx.y * blockDim.y + threadIdx.y; row < rows; row += gridDim.y * blockDim.y) {
        const uint32_t h = row % static_cast<uint32_t>(p.y.h), n = row / static_cast<uint32_t>(p.y.h);
        const TX *xr = x + static_cast<int64_t>(n) * p.x.sn + static_cast<int64_t>(h) * p.x.sh;
        TY *yr = y + static_cast<int64_t>(n) * p.y.sn + static_cast<int64_t>(h) * p.y.sh;
        for (int64_t k = blockIdx.x * blockDim.x + threadIdx.x; k < chunks; k += gridDim.x * blockDim.x) {
            const int64_t j0 = k * V;
            int c = static_cast<int>(j0 % C);
            if (j0 + V <= run) {
                float v[V];
                gk_vec::load<TX, V>(xr + j0, v);
#pragma unroll
                for (int i = 0; i < V; i++) {
                    v[i] = fmaf(v[i], f.mul(c), f.add(c));
                    c = c + 1 == C ? 0 : c + 1;
                }
                gk_vec::store<TY, V>(yr + j0, v);
            } else {
                for (int64_t j = j0; j < run; j++) {
                    yr[j] = gk_vec::from_f<TY>::cvt(fmaf(gk_vec::to_f(xr[j]), f.mul(c), f.add(c)));
                    c = c + 1 == C ? 0 : c + 1;
                }
            }
        }
    }
}

} // namespace gk_cast

// ---- entry points ----------------------------------------------------------------------------------

extern "C" __global__ void __launch_bounds__(256) gk_cast_f32_to_f32(const gk_cast_params p) {
    gk_cast::scalar<float, float>(p);
}
GK_KERNEL(gk_cast_f32_to_f32);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f32_to_f32_vec(const gk_cast_params p) {
    gk_cast::vec<float, float>(p);
}
GK_KERNEL(gk_cast_f32_to_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f32_to_f16(const gk_cast_params p) {
    gk_cast::scalar<float, __half>(p);
}
GK_KERNEL(gk_cast_f32_to_f16);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f32_to_f16_vec(const gk_cast_params p) {
    gk_cast::vec<float, __half>(p);
}
GK_KERNEL(gk_cast_f32_to_f16_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f32_to_u8(const gk_cast_params p) {
    gk_cast::scalar<float, uint8_t>(p);
}
GK_KERNEL(gk_cast_f32_to_u8);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f32_to_u8_vec(const gk_cast_params p) {
    gk_cast::vec<float, uint8_t>(p);
}
GK_KERNEL(gk_cast_f32_to_u8_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f16_to_f32(const gk_cast_params p) {
    gk_cast::scalar<__half, float>(p);
}
GK_KERNEL(gk_cast_f16_to_f32);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f16_to_f32_vec(const gk_cast_params p) {
    gk_cast::vec<__half, float>(p);
}
GK_KERNEL(gk_cast_f16_to_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f16_to_f16(const gk_cast_params p) {
    gk_cast::scalar<__half, __half>(p);
}
GK_KERNEL(gk_cast_f16_to_f16);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f16_to_f16_vec(const gk_cast_params p) {
    gk_cast::vec<__half, __half>(p);
}
GK_KERNEL(gk_cast_f16_to_f16_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f16_to_u8(const gk_cast_params p) {
    gk_cast::scalar<__half, uint8_t>(p);
}
GK_KERNEL(gk_cast_f16_to_u8);

extern "C" __global__ void __launch_bounds__(256) gk_cast_f16_to_u8_vec(const gk_cast_params p) {
    gk_cast::vec<__half, uint8_t>(p);
}
GK_KERNEL(gk_cast_f16_to_u8_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_u8_to_f32(const gk_cast_params p) {
    gk_cast::scalar<uint8_t, float>(p);
}
GK_KERNEL(gk_cast_u8_to_f32);

extern "C" __global__ void __launch_bounds__(256) gk_cast_u8_to_f32_vec(const gk_cast_params p) {
    gk_cast::vec<uint8_t, float>(p);
}
GK_KERNEL(gk_cast_u8_to_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_u8_to_f16(const gk_cast_params p) {
    gk_cast::scalar<uint8_t, __half>(p);
}
GK_KERNEL(gk_cast_u8_to_f16);

extern "C" __global__ void __launch_bounds__(256) gk_cast_u8_to_f16_vec(const gk_cast_params p) {
    gk_cast::vec<uint8_t, __half>(p);
}
GK_KERNEL(gk_cast_u8_to_f16_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_u8_to_u8(const gk_cast_params p) {
    gk_cast::scalar<uint8_t, uint8_t>(p);
}
GK_KERNEL(gk_cast_u8_to_u8);

extern "C" __global__ void __launch_bounds__(256) gk_cast_u8_to_u8_vec(const gk_cast_params p) {
    gk_cast::vec<uint8_t, uint8_t>(p);
}
GK_KERNEL(gk_cast_u8_to_u8_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_i32_to_f32(const gk_cast_params p) {
    gk_cast::scalar<int32_t, float>(p);
}
GK_KERNEL(gk_cast_i32_to_f32);

extern "C" __global__ void __launch_bounds__(256) gk_cast_i32_to_f32_vec(const gk_cast_params p) {
    gk_cast::vec<int32_t, float>(p);
}
GK_KERNEL(gk_cast_i32_to_f32_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_i32_to_f16(const gk_cast_params p) {
    gk_cast::scalar<int32_t, __half>(p);
}
GK_KERNEL(gk_cast_i32_to_f16);

extern "C" __global__ void __launch_bounds__(256) gk_cast_i32_to_f16_vec(const gk_cast_params p) {
    gk_cast::vec<int32_t, __half>(p);
}
GK_KERNEL(gk_cast_i32_to_f16_vec);

extern "C" __global__ void __launch_bounds__(256) gk_cast_i32_to_u8(const gk_cast_params p) {
    gk_cast::scalar<int32_t, uint8_t>(p);
}
GK_KERNEL(gk_cast_i32_to_u8);

extern "C" __global__ void __launch_bounds__(256) gk_cast_i32_to_u8_vec(const gk_cast_params p) {
    gk_cast::vec<int32_t, uint8_t>(p);
}
GK_KERNEL(gk_cast_i32_to_u8_vec);

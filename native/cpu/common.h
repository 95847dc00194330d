/* Shared helpers of the CPU backend: element access through gk_tensor views, fp16 conversion,
 * activations, and the run-time ISA switch. Kernels include this and nothing else of gannet's. */
#ifndef GK_CPU_COMMON_H
#define GK_CPU_COMMON_H

#include "gannet_kernels.h"
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define GK_AVX2_TARGET __attribute__((target("avx2,fma,f16c")))

/* 1 when the AVX2/FMA/F16C kernels are in use (chosen once from CPUID, overridable). */
extern int gk_cpu_isa_avx2;

/* Threads every parallel region uses: set once per process (gk_cpu_set_threads), not per OS
 * thread, so kernels called from any stream's worker thread use the same count. */
extern int gk_cpu_nthreads;
static inline int gk_nthreads(void) { return gk_cpu_nthreads; }

static inline float gk_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalize */
            int e = -1;
            do { e++; man <<= 1; } while ((man & 0x400) == 0);
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Round to nearest even, like F16C's vcvtps2ph with rounding mode 0. */
static inline uint16_t gk_float_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffff;
    if (ax >= 0x7f800000u) { /* inf or nan */
        return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 | ((ax >> 13) & 0x3ff) : 0));
    }
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* rounds to >= 65520: inf */
    if (ax < 0x38800000u) { /* subnormal or zero in half */
        if (ax < 0x33000000u) return (uint16_t)sign; /* < 2^-25 rounds to 0 */
        uint32_t e = ax >> 23;
        uint32_t m = (ax & 0x7fffff) | 0x800000;
        int shift = 126 - (int)e; /* 14..24 */
        uint32_t hm = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (hm & 1))) hm++;
        return (uint16_t)(sign | hm);
    }
    uint32_t r = ax + 0xc8000fffu + ((ax >> 13) & 1); /* rebias exponent and round to even */
    return (uint16_t)(sign | (r >> 13));
}

static inline float gk_act_apply(int act, float alpha, float v) {
    switch (act) {
    case GK_ACT_RELU: return v > 0.f ? v : 0.f;
    case GK_ACT_LEAKY: return v < 0.f ? alpha * v : v;
    case GK_ACT_TANH: return tanhf(v);
    case GK_ACT_SIGMOID: return 1.f / (1.f + expf(-v));
    default: return v;
    }
}

static inline int64_t gk_off(const gk_tensor *t, int64_t n, int64_t h, int64_t w, int64_t c) {
    return n * t->sn + h * t->sh + w * t->sw + c * t->sc;
}

/* Load / store one element of any float-like dtype as float. */
static inline float gk_load(const gk_tensor *t, int64_t off) {
    switch (t->dtype) {
    case GK_F32: return ((const float *)t->data)[off];
    case GK_F16: return gk_half_to_float(((const uint16_t *)t->data)[off]);
    case GK_U8: return (float)((const uint8_t *)t->data)[off];
    case GK_I32: return (float)((const int32_t *)t->data)[off];
    default: return 0.f;
    }
}

static inline void gk_store(const gk_tensor *t, int64_t off, float v) {
    switch (t->dtype) {
    case GK_F32: ((float *)t->data)[off] = v; break;
    case GK_F16: ((uint16_t *)t->data)[off] = gk_float_to_half(v); break;
    case GK_U8: {
        float r = isnan(v) ? 0.f : roundf(v);
        ((uint8_t *)t->data)[off] = (uint8_t)(r < 0.f ? 0.f : (r > 255.f ? 255.f : r));
        break;
    }
    case GK_I32: ((int32_t *)t->data)[off] = (int32_t)roundf(v); break;
    default: break;
    }
}

static inline int gk_dtype_size(int dtype) {
    return dtype == GK_F16 ? 2 : dtype == GK_U8 ? 1 : 4;
}

/* Source index for padding modes; returns -1 for a zero-padded position. n >= 1. */
static inline int gk_pad_index(int i, int n, int mode) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case GK_PAD_REFLECT: {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        int m = i % period;
        if (m < 0) m += period;
        return m < n ? m : period - m;
    }
    case GK_PAD_REPLICATE: return i < 0 ? 0 : n - 1;
    default: return -1;
    }
}

/* The epilogue for one value of output channel k; res is the residual value (0 if none). */
static inline float gk_epilogue_apply(const gk_epilogue *ep, int k, float acc, float res) {
    float t = acc;
    if (ep->bias) t += ep->bias[k];
    if (ep->scale) t *= ep->scale[k];
    if (ep->shift) t += ep->shift[k];
    t = gk_act_apply(ep->act, ep->alpha, t);
    t *= ep->out_scale;
    if (ep->residual.data) t += ep->res_scale * res;
    return t;
}

/* Channel runs are often tiny (3 channels = 12 bytes), where a call to memcpy costs more than the
 * data: runs up to 64 bytes are two overlapping fixed-size moves that compile to register loads
 * and stores. */
static inline void gk_copy_run(char *dst, const char *src, size_t bytes) {
    if (bytes > 64) {
        memcpy(dst, src, bytes);
        return;
    }
#define GK_COPY_2X(K)                                                                              \
    do {                                                                                           \
        char a[K], z[K];                                                                           \
        memcpy(a, src, K);                                                                         \
        memcpy(z, src + bytes - K, K);                                                             \
        memcpy(dst, a, K);                                                                         \
        memcpy(dst + bytes - K, z, K);                                                             \
    } while (0)
    if (bytes >= 32) GK_COPY_2X(32);
    else if (bytes >= 16) GK_COPY_2X(16);
    else if (bytes >= 8) GK_COPY_2X(8);
    else if (bytes >= 4) GK_COPY_2X(4);
    else if (bytes >= 2) GK_COPY_2X(2);
    else if (bytes) *dst = *src;
#undef GK_COPY_2X
}

#endif

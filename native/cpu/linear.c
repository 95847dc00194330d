/* linear on the CPU: y = epilogue(x · Wᵀ) over the N·H·W pixel rows of x, a GEMM. W is packed per
 * call into fp32 panels of 16 outputs; threads take blocks of rows (and, when rows are few, groups
 * of panels), pack the rows in 6-row panels and run a 6x16 AVX2/FMA register-blocked kernel over
 * chunks of channels, applying the epilogue as each 16-output strip is finished. */
#include "common.h"
#include <immintrin.h>
#include <stdlib.h>

#define MR 6   /* rows per micro-tile */
#define NR 16  /* outputs per micro-tile = outputs per packed W panel */
#define MB 72  /* rows per block, a multiple of MR: the packed block stays in L2 for C up to ~1500 */
#define KC 256 /* channels per reduction chunk: the 16 KB W chunk in use stays in L1 */

static inline int thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Eight consecutive values of a row as fp32 (F16 through F16C). */
GK_AVX2_TARGET static inline __m256 load8(const void *base, int dtype, int64_t off) {
    if (dtype == GK_F32) return _mm256_loadu_ps((const float *)base + off);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + off)));
}

GK_AVX2_TARGET static inline void store8(void *base, int dtype, int64_t off, __m256 v) {
    if (dtype == GK_F32) _mm256_storeu_ps((float *)base + off, v);
    else _mm_storeu_si128((__m128i *)((uint16_t *)base + off), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

/* Scatters row `src` (C values of dtype) into a packed operand: dst[c * stride] = src[c]. */
static void scatter_row_portable(const void *src, int dtype, int C, float *dst, int stride) {
    if (dtype == GK_F32) {
        const float *s = src;
        for (int c = 0; c < C; c++) dst[(int64_t)c * stride] = s[c];
    } else {
        const uint16_t *s = src;
        for (int c = 0; c < C; c++) dst[(int64_t)c * stride] = gk_half_to_float(s[c]);
    }
}

GK_AVX2_TARGET static void scatter_row_avx2(const void *src, int dtype, int C, float *dst, int stride) {
    int c = 0;
    if (dtype == GK_F16) {
        float t[8];
        for (; c + 8 <= C; c += 8) {
            _mm256_storeu_ps(t, load8(src, dtype, c));
            for (int q = 0; q < 8; q++) dst[(int64_t)(c + q) * stride] = t[q];
        }
        for (; c < C; c++) dst[(int64_t)c * stride] = gk_half_to_float(((const uint16_t *)src)[c]);
    } else {
        const float *s = src;
        for (; c < C; c++) dst[(int64_t)c * stride] = s[c];
    }
}

static void scatter_row(const void *src, int dtype, int C, float *dst, int stride, int avx2) {
    if (avx2) scatter_row_avx2(src, dtype, C, dst, stride);
    else scatter_row_portable(src, dtype, C, dst, stride);
}

/* acc[r*16 + j] += sum_c A[c*6 + r] * B[c*16 + j]; two rows at a time keep the accumulators in
 * SSE registers of a plain x86-64 build. */
static void kernel_portable(const float *A, const float *B, int len, float *acc) {
    for (int r = 0; r < MR; r += 2) {
        float t0[NR] = {0}, t1[NR] = {0};
        for (int c = 0; c < len; c++) {
            const float *b = B + (int64_t)c * NR;
            float a0 = A[(int64_t)c * MR + r], a1 = A[(int64_t)c * MR + r + 1];
            for (int j = 0; j < NR; j++) {
                t0[j] += a0 * b[j];
                t1[j] += a1 * b[j];
            }
        }
        for (int j = 0; j < NR; j++) {
            acc[r * NR + j] += t0[j];
            acc[(r + 1) * NR + j] += t1[j];
        }
    }
}

#define FMA_ROW(r)                                                                                \
    do {                                                                                          \
        __m256 a = _mm256_broadcast_ss(A + r);                                                    \
        c##r##0 = _mm256_fmadd_ps(a, b0, c##r##0);                                                \
        c##r##1 = _mm256_fmadd_ps(a, b1, c##r##1);                                                \
    } while (0)
#define STORE_ROW(r)                                                                              \
    do {                                                                                          \
        float *o = acc + r * NR;                                                                  \
        _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), c##r##0));                          \
        _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), c##r##1));                  \
    } while (0)

/* Twelve accumulators, two W loads and six broadcasts per channel: FMA-bound, not load-bound. */
GK_AVX2_TARGET static void kernel_avx2(const float *A, const float *B, int len, float *acc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
    for (int c = 0; c < len; c++) {
        __m256 b0 = _mm256_loadu_ps(B), b1 = _mm256_loadu_ps(B + 8);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5);
        A += MR;
        B += NR;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5);
}

/* The epilogue of one row's 16 outputs k0..k0+15 (all below K), vectorized. */
GK_AVX2_TARGET static void epilogue16_avx2(const gk_epilogue *ep, const gk_tensor *y, int64_t yoff,
                                           int64_t roff, int k0, const float *acc) {
    for (int h = 0; h < 2; h++) {
        int k = k0 + 8 * h;
        __m256 t = _mm256_loadu_ps(acc + 8 * h);
        if (ep->bias) t = _mm256_add_ps(t, _mm256_loadu_ps(ep->bias + k));
        if (ep->scale) t = _mm256_mul_ps(t, _mm256_loadu_ps(ep->scale + k));
        if (ep->shift) t = _mm256_add_ps(t, _mm256_loadu_ps(ep->shift + k));
        switch (ep->act) {
        case GK_ACT_NONE: break;
        case GK_ACT_RELU: t = _mm256_max_ps(t, _mm256_setzero_ps()); break;
        case GK_ACT_LEAKY: {
            __m256 neg = _mm256_cmp_ps(t, _mm256_setzero_ps(), _CMP_LT_OQ);
            t = _mm256_blendv_ps(t, _mm256_mul_ps(t, _mm256_set1_ps(ep->alpha)), neg);
            break;
        }
        default: { /* tanh and sigmoid: libm per value, as the scalar path does */
            float v[8];
            _mm256_storeu_ps(v, t);
            for (int q = 0; q < 8; q++) v[q] = gk_act_apply(ep->act, ep->alpha, v[q]);
            t = _mm256_loadu_ps(v);
        }
        }
        t = _mm256_mul_ps(t, _mm256_set1_ps(ep->out_scale));
        if (ep->residual.data) {
            __m256 r = load8(ep->residual.data, ep->residual.dtype, roff + k);
            t = _mm256_add_ps(t, _mm256_mul_ps(_mm256_set1_ps(ep->res_scale), r));
        }
        store8(y->data, y->dtype, yoff + k, t);
    }
}

static void epilogue_scalar(const gk_epilogue *ep, const gk_tensor *y, int64_t yoff, int64_t roff, int k0,
                            int count, const float *acc) {
    for (int j = 0; j < count; j++) {
        int k = k0 + j;
        float res = ep->residual.data ? gk_load(&ep->residual, roff + k) : 0.f;
        gk_store(y, yoff + k, gk_epilogue_apply(ep, k, acc[j], res));
    }
}

int gk_cpu_linear(const gk_linear_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const gk_epilogue *ep = &p->ep;
    if ((x->dtype != GK_F32 && x->dtype != GK_F16) || y->dtype != x->dtype) return GK_ERR_UNSUPPORTED;
    const int C = x->c, K = y->c;
    const int64_t M = (int64_t)x->n * x->h * x->w;
    if (M == 0 || K == 0) return GK_OK;
    const int nb = (K + NR - 1) / NR;
    const int avx2 = gk_cpu_isa_avx2 == 1;
    const int T = gk_nthreads();
    const int es = gk_dtype_size(x->dtype);

    const int64_t mblocks = (M + MB - 1) / MB;
    /* Few rows: split the outputs too, so every thread has work. */
    int groups = 1;
    if (mblocks < 2 * (int64_t)T) {
        groups = (int)((2 * T + mblocks - 1) / mblocks);
        if (groups > nb) groups = nb;
    }
    const int64_t units = mblocks * groups;

    const size_t wp_floats = (size_t)nb * C * NR;
    const size_t ap_floats = ((size_t)MB * C + 15) & ~(size_t)15;
    const size_t ct_floats = (size_t)MB * NR;
    float *wp = aligned_alloc(64, wp_floats * sizeof(float));
    float *scratch = aligned_alloc(64, (ap_floats + ct_floats) * T * sizeof(float));
    if (!wp || !scratch) {
        free(wp);
        free(scratch);
        return GK_ERR_OUT_OF_MEMORY;
    }

#pragma omp parallel num_threads(T)
    {
        /* W panels: wp[(jb*C + c)*16 + j] = W[jb*16 + j][c], zero past K. */
#pragma omp for schedule(static)
        for (int jb = 0; jb < nb; jb++) {
            for (int j = 0; j < NR; j++) {
                int k = jb * NR + j;
                float *dst = wp + (size_t)jb * C * NR + j;
                if (k < K) {
                    scatter_row((const char *)p->w + (int64_t)k * C * es, x->dtype, C, dst, NR, avx2);
                } else {
                    for (int c = 0; c < C; c++) dst[(int64_t)c * NR] = 0.f;
                }
            }
        }

        float *ap = scratch + (ap_floats + ct_floats) * thread_id();
        float *ct = ap + ap_floats;
        int64_t xoff[MB], yoff[MB], roff[MB];
        int64_t packed = -1; /* the row block currently in ap */
#pragma omp for schedule(dynamic, 1)
        for (int64_t u = 0; u < units; u++) {
            const int64_t mb = u / groups;
            const int g = (int)(u % groups);
            const int64_t m0 = mb * MB;
            const int rows = (int)(M - m0 < MB ? M - m0 : MB);
            const int tiles = (rows + MR - 1) / MR;
            if (packed != mb) {
                for (int r = 0; r < rows; r++) {
                    int64_t m = m0 + r;
                    int w = (int)(m % x->w), hh = (int)((m / x->w) % x->h), n = (int)(m / ((int64_t)x->w * x->h));
                    xoff[r] = gk_off(x, n, hh, w, 0);
                    yoff[r] = gk_off(y, n, hh, w, 0);
                    roff[r] = ep->residual.data ? gk_off(&ep->residual, n, hh, w, 0) : 0;
                    scatter_row((const char *)x->data + xoff[r] * es, x->dtype, C,
                                ap + (size_t)(r / MR) * C * MR + r % MR, MR, avx2);
                }
                for (int r = rows; r < tiles * MR; r++) { /* rows past M in the last tile */
                    float *dst = ap + (size_t)(r / MR) * C * MR + r % MR;
                    for (int c = 0; c < C; c++) dst[(int64_t)c * MR] = 0.f;
                }
                packed = mb;
            }
            const int jb0 = (int)((int64_t)nb * g / groups), jb1 = (int)((int64_t)nb * (g + 1) / groups);
            for (int jb = jb0; jb < jb1; jb++) {
                memset(ct, 0, (size_t)tiles * MR * NR * sizeof(float));
                const float *bpanel = wp + (size_t)jb * C * NR;
                for (int c0 = 0; c0 < C; c0 += KC) {
                    int len = C - c0 < KC ? C - c0 : KC;
                    for (int t = 0; t < tiles; t++) {
                        const float *A = ap + (size_t)t * C * MR + (size_t)c0 * MR;
                        if (avx2) kernel_avx2(A, bpanel + (size_t)c0 * NR, len, ct + t * MR * NR);
                        else kernel_portable(A, bpanel + (size_t)c0 * NR, len, ct + t * MR * NR);
                    }
                }
                const int k0 = jb * NR, cnt = K - k0 < NR ? K - k0 : NR;
                for (int r = 0; r < rows; r++) {
                    if (avx2 && cnt == NR) epilogue16_avx2(ep, y, yoff[r], roff[r], k0, ct + r * NR);
                    else epilogue_scalar(ep, y, yoff[r], roff[r], k0, cnt, ct + r * NR);
                }
            }
        }
    }
    free(wp);
    free(scratch);
    return GK_OK;
}

/* gram on the CPU: per batch item G = scale * F^T F with F the (H·W) x C pixel matrix, a SYRK.
 * Threads split the pixels (or, for batches of small images, take whole items); each packs blocks
 * of rows into fp32 16-channel panels and runs a register-blocked 6x16 (AVX2/FMA) kernel over the
 * upper panel triangle into its own partial G; the partials are summed, scaled and mirrored into y. */
#include "common.h"
#include <immintrin.h>
#include <stdlib.h>

#define NR 16        /* columns of G per micro-tile = channels per packed panel */
#define MIN_ROWS 64  /* fewer pixels than this per thread are not worth a partial Gram */

/* Copies pixel rows [p0, p0+len) of batch item n into nb panels: buf[(jb*len + r)*16 + j] holds
 * channel jb*16+j of row r (zero past C), so every operand of the kernel is read sequentially. */
static void pack_portable(const gk_tensor *x, int n, int64_t p0, int len, int nb, float *buf) {
    const int C = x->c, W = x->w;
    for (int r = 0; r < len; r++) {
        int64_t pix = p0 + r;
        int64_t off = gk_off(x, n, pix / W, pix % W, 0);
        for (int jb = 0; jb < nb; jb++) {
            float *dst = buf + ((int64_t)jb * len + r) * NR;
            int c0 = jb * NR;
            for (int j = 0; j < NR; j++) dst[j] = c0 + j < C ? gk_load(x, off + c0 + j) : 0.f;
        }
    }
}

GK_AVX2_TARGET static void pack_avx2(const gk_tensor *x, int n, int64_t p0, int len, int nb, float *buf) {
    const int C = x->c, W = x->w;
    const int full = C / NR; /* panels with 16 real channels */
    for (int r = 0; r < len; r++) {
        int64_t pix = p0 + r;
        int64_t off = gk_off(x, n, pix / W, pix % W, 0);
        if (x->dtype == GK_F32) {
            const float *src = (const float *)x->data + off;
            for (int jb = 0; jb < full; jb++) {
                float *dst = buf + ((int64_t)jb * len + r) * NR;
                _mm256_storeu_ps(dst, _mm256_loadu_ps(src + jb * NR));
                _mm256_storeu_ps(dst + 8, _mm256_loadu_ps(src + jb * NR + 8));
            }
        } else {
            const uint16_t *src = (const uint16_t *)x->data + off;
            for (int jb = 0; jb < full; jb++) {
                float *dst = buf + ((int64_t)jb * len + r) * NR;
                _mm256_storeu_ps(dst, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + jb * NR))));
                _mm256_storeu_ps(dst + 8, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + jb * NR + 8))));
            }
        }
        if (full < nb) {
            float *dst = buf + ((int64_t)full * len + r) * NR;
            int c0 = full * NR;
            for (int j = 0; j < NR; j++) dst[j] = c0 + j < C ? gk_load(x, off + c0 + j) : 0.f;
        }
    }
}

/* acc[r*ldc + j] += sum_p A[p*16 + r] * B[p*16 + j] for r < mr (6 or 4), j < 16. Two rows at a
 * time keep the accumulators in SSE registers of a plain x86-64 build. */
static void kernel_portable(int mr, const float *A, const float *B, int len, float *acc, int ldc) {
    for (int r = 0; r < mr; r += 2) {
        float t0[NR] = {0}, t1[NR] = {0};
        for (int p = 0; p < len; p++) {
            const float *b = B + (int64_t)p * NR;
            float a0 = A[(int64_t)p * NR + r], a1 = A[(int64_t)p * NR + r + 1];
            for (int j = 0; j < NR; j++) {
                t0[j] += a0 * b[j];
                t1[j] += a1 * b[j];
            }
        }
        for (int j = 0; j < NR; j++) {
            acc[(int64_t)r * ldc + j] += t0[j];
            acc[(int64_t)(r + 1) * ldc + j] += t1[j];
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
        float *o = acc + (int64_t)r * ldc;                                                        \
        _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), c##r##0));                          \
        _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), c##r##1));                  \
    } while (0)

/* Twelve accumulators, two B loads and six broadcasts per pixel: FMA-bound, not load-bound. */
GK_AVX2_TARGET static void kernel6_avx2(const float *A, const float *B, int len, float *acc, int ldc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
    for (int p = 0; p < len; p++) {
        __m256 b0 = _mm256_loadu_ps(B), b1 = _mm256_loadu_ps(B + 8);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3); FMA_ROW(4); FMA_ROW(5);
        A += NR;
        B += NR;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3); STORE_ROW(4); STORE_ROW(5);
}

GK_AVX2_TARGET static void kernel4_avx2(const float *A, const float *B, int len, float *acc, int ldc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00;
#pragma GCC unroll 4
    for (int p = 0; p < len; p++) {
        __m256 b0 = _mm256_loadu_ps(B), b1 = _mm256_loadu_ps(B + 8);
        FMA_ROW(0); FMA_ROW(1); FMA_ROW(2); FMA_ROW(3);
        A += NR;
        B += NR;
    }
    STORE_ROW(0); STORE_ROW(1); STORE_ROW(2); STORE_ROW(3);
}

/* The rows of a 16-channel panel as micro-tiles: 6 + 6 + 4 keeps every tile inside its panel. */
static const int SUB_R0[3] = {0, 6, 12};
static const int SUB_MR[3] = {6, 6, 4};

/* Adds the pixels' contribution to the upper panel triangle of acc (ldg x ldg, ldg = nb*16). */
static void block(const float *buf, int len, int nb, int C, float *acc, int ldg, int avx2) {
    for (int jb = 0; jb < nb; jb++) {
        const float *B = buf + (int64_t)jb * len * NR;
        for (int ib = 0; ib <= jb; ib++) {
            const float *panel = buf + (int64_t)ib * len * NR;
            for (int s = 0; s < 3; s++) {
                int row = ib * NR + SUB_R0[s];
                if (row >= C) break;
                float *o = acc + (int64_t)row * ldg + jb * NR;
                if (!avx2) kernel_portable(SUB_MR[s], panel + SUB_R0[s], B, len, o, ldg);
                else if (SUB_MR[s] == 6) kernel6_avx2(panel + SUB_R0[s], B, len, o, ldg);
                else kernel4_avx2(panel + SUB_R0[s], B, len, o, ldg);
            }
        }
    }
}

static inline int thread_id(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* acc (ldg x ldg, upper panel triangle) = sum over pixels [lo, hi) of batch item n. */
static void accumulate(const gk_tensor *x, int n, int64_t lo, int64_t hi, int kc, int nb, float *acc, float *buf,
                       int avx2) {
    const int ldg = nb * NR;
    memset(acc, 0, (size_t)ldg * ldg * sizeof(float));
    for (int64_t p0 = lo; p0 < hi; p0 += kc) {
        int len = (int)(hi - p0 < kc ? hi - p0 : kc);
        if (avx2) pack_avx2(x, n, p0, len, nb, buf);
        else pack_portable(x, n, p0, len, nb, buf);
        block(buf, len, nb, x->c, acc, ldg, avx2);
    }
}

/* Row i of G[n]: the sum of the partials' upper triangle in a fixed order, scaled and mirrored. */
static void store_row(const gk_tensor *y, int n, int i, const float *accs, size_t acc_floats, int parts, int ldg,
                      float scale) {
    float *yd = (float *)y->data;
    for (int j = i; j < y->c; j++) {
        float s = 0.f;
        for (int part = 0; part < parts; part++) s += accs[acc_floats * part + (size_t)i * ldg + j];
        float v = scale * s;
        yd[gk_off(y, n, 0, i, j)] = v;
        yd[gk_off(y, n, 0, j, i)] = v;
    }
}

int gk_cpu_gram(const gk_gram_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if ((x->dtype != GK_F32 && x->dtype != GK_F16) || y->dtype != GK_F32) return GK_ERR_UNSUPPORTED;
    const int C = x->c, N = x->n;
    const int64_t HW = (int64_t)x->h * x->w;
    const int nb = (C + NR - 1) / NR, ldg = nb * NR;
    const int avx2 = gk_cpu_isa_avx2 == 1;
    const int T = gk_nthreads();
    /* A block of packed pixels (kc x ldg floats) stays within about half of a 512 KB L2, while
     * the 16-channel B panel in use (kc x 64 B) fits L1. */
    int kc = (int)((256 * 1024) / ((int64_t)nb * NR * 4));
    kc = kc < 32 ? 32 : kc > 512 ? 512 : kc;
    /* Large images: threads split each item's pixels. Small ones: threads take whole items. */
    int64_t want = HW / MIN_ROWS;
    const int parts = want >= T ? T : want < 1 ? 1 : (int)want;
    const int by_item = parts == 1 && N > 1 && T > 1;
    const int sets = by_item ? (N < T ? N : T) : parts;

    const size_t acc_floats = (size_t)ldg * ldg;
    const size_t buf_floats = (size_t)kc * ldg;
    float *mem = aligned_alloc(64, ((acc_floats + buf_floats) * sets * sizeof(float) + 63) & ~(size_t)63);
    if (!mem) return GK_ERR_OUT_OF_MEMORY;
    float *accs = mem, *bufs = mem + acc_floats * sets;

    if (by_item) {
#pragma omp parallel for num_threads(sets) schedule(dynamic, 1)
        for (int n = 0; n < N; n++) {
            int t = thread_id();
            float *acc = accs + acc_floats * t;
            accumulate(x, n, 0, HW, kc, nb, acc, bufs + buf_floats * t, avx2);
            for (int i = 0; i < C; i++) store_row(y, n, i, acc, acc_floats, 1, ldg, p->scale);
        }
    } else {
#pragma omp parallel num_threads(parts)
        for (int n = 0; n < N; n++) {
#pragma omp for schedule(static, 1)
            for (int part = 0; part < parts; part++) {
                accumulate(x, n, HW * part / parts, HW * (part + 1) / parts, kc, nb, accs + acc_floats * part,
                           bufs + buf_floats * part, avx2);
            }
#pragma omp for schedule(dynamic, 4)
            for (int i = 0; i < C; i++) store_row(y, n, i, accs, acc_floats, parts, ldg, p->scale);
        }
    }
    free(mem);
    return GK_OK;
}

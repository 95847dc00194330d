/* pool2d on the CPU: average / max over k_h x k_w windows with stride and zero padding (padded cells
 * count for neither), and the global average. Memory-bound: vectorized over the contiguous
 * channels, threads over output rows (windows) or over pixel ranges with fp32 partial sums (global). */
#include "common.h"
#include <immintrin.h>
#include <stdlib.h>

/* The window of output index o along one axis, clipped to the input [0, n). */
static inline void window(int o, int stride, int pad, int k, int n, int *lo, int *hi) {
    int s = o * stride - pad, e = s + k;
    *lo = s < 0 ? 0 : s;
    *hi = e > n ? n : e;
}

GK_AVX2_TARGET static inline __m256 load8d(const void *data, int dtype, int64_t off) {
    if (dtype == GK_F32) return _mm256_loadu_ps((const float *)data + off);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)data + off)));
}

GK_AVX2_TARGET static inline void store8d(void *data, int dtype, int64_t off, __m256 v) {
    if (dtype == GK_F32) _mm256_storeu_ps((float *)data + off, v);
    else _mm_storeu_si128((__m128i *)((uint16_t *)data + off), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

GK_AVX2_TARGET static inline __m256 load8(const gk_tensor *t, int64_t off) {
    return load8d(t->data, t->dtype, off);
}

/* One output pixel over channels [c0, C): windowed max or average. */
static void pixel_portable(const gk_tensor *x, const gk_tensor *y, int n, int h0, int h1, int w0, int w1,
                           int64_t yoff, int c0, int is_max) {
    const float count = (float)((h1 - h0) * (w1 - w0));
    for (int c = c0; c < x->c; c++) {
        float acc = is_max ? -INFINITY : 0.f;
        for (int ih = h0; ih < h1; ih++) {
            for (int iw = w0; iw < w1; iw++) {
                float v = gk_load(x, gk_off(x, n, ih, iw, c));
                acc = is_max ? (v > acc ? v : acc) : acc + v;
            }
        }
        gk_store(y, yoff + c, is_max ? acc : acc / count);
    }
}

#define POOL_STEP(acc, v) (is_max ? _mm256_max_ps(v, acc) : _mm256_add_ps(acc, v))

/* 32 channels at a time give four independent accumulator chains (add latency, not throughput,
 * would otherwise bound a 2x2 or 3x3 window); then 8 at a time, then the scalar tail. */
GK_AVX2_TARGET static inline __attribute__((always_inline)) void
pixel_avx2_impl(const gk_tensor *x, const gk_tensor *y, int n, int h0, int h1, int w0, int w1, int64_t yoff,
                const int is_max, const int dtype) {
    const __m256 count = _mm256_set1_ps((float)((h1 - h0) * (w1 - w0)));
    const __m256 init = is_max ? _mm256_set1_ps(-INFINITY) : _mm256_setzero_ps();
    const int C = x->c;
    int c = 0;
    for (; c + 32 <= C; c += 32) {
        __m256 a0 = init, a1 = init, a2 = init, a3 = init;
        for (int ih = h0; ih < h1; ih++) {
            int64_t off = gk_off(x, n, ih, w0, c);
            for (int iw = w0; iw < w1; iw++, off += x->sw) {
                a0 = POOL_STEP(a0, load8d(x->data, dtype, off));
                a1 = POOL_STEP(a1, load8d(x->data, dtype, off + 8));
                a2 = POOL_STEP(a2, load8d(x->data, dtype, off + 16));
                a3 = POOL_STEP(a3, load8d(x->data, dtype, off + 24));
            }
        }
        if (!is_max) {
            a0 = _mm256_div_ps(a0, count);
            a1 = _mm256_div_ps(a1, count);
            a2 = _mm256_div_ps(a2, count);
            a3 = _mm256_div_ps(a3, count);
        }
        store8d(y->data, dtype, yoff + c, a0);
        store8d(y->data, dtype, yoff + c + 8, a1);
        store8d(y->data, dtype, yoff + c + 16, a2);
        store8d(y->data, dtype, yoff + c + 24, a3);
    }
    for (; c + 8 <= C; c += 8) {
        __m256 acc = init;
        for (int ih = h0; ih < h1; ih++) {
            int64_t off = gk_off(x, n, ih, w0, c);
            for (int iw = w0; iw < w1; iw++, off += x->sw) acc = POOL_STEP(acc, load8d(x->data, dtype, off));
        }
        store8d(y->data, dtype, yoff + c, is_max ? acc : _mm256_div_ps(acc, count));
    }
    if (c < C) pixel_portable(x, y, n, h0, h1, w0, w1, yoff, c, is_max);
}

/* The mode and dtype as constants in the inner loops. */
GK_AVX2_TARGET static void pixel_avx2(const gk_tensor *x, const gk_tensor *y, int n, int h0, int h1, int w0,
                                      int w1, int64_t yoff, int is_max) {
    if (x->dtype == GK_F32) {
        if (is_max) pixel_avx2_impl(x, y, n, h0, h1, w0, w1, yoff, 1, GK_F32);
        else pixel_avx2_impl(x, y, n, h0, h1, w0, w1, yoff, 0, GK_F32);
    } else {
        if (is_max) pixel_avx2_impl(x, y, n, h0, h1, w0, w1, yoff, 1, GK_F16);
        else pixel_avx2_impl(x, y, n, h0, h1, w0, w1, yoff, 0, GK_F16);
    }
}

static int windowed(const gk_pool2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const int is_max = p->mode == GK_POOL_MAX;
    const int avx2 = gk_cpu_isa_avx2 == 1;
    const int64_t rows = (int64_t)y->n * y->h;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int64_t row = 0; row < rows; row++) {
        int n = (int)(row / y->h), oh = (int)(row % y->h);
        int h0, h1;
        window(oh, p->stride_h, p->pad_top, p->k_h, x->h, &h0, &h1);
        for (int ow = 0; ow < y->w; ow++) {
            int w0, w1;
            window(ow, p->stride_w, p->pad_left, p->k_w, x->w, &w0, &w1);
            int64_t yoff = gk_off(y, n, oh, ow, 0);
            if (avx2) pixel_avx2(x, y, n, h0, h1, w0, w1, yoff, is_max);
            else pixel_portable(x, y, n, h0, h1, w0, w1, yoff, 0, is_max);
        }
    }
    return GK_OK;
}

/* Walks pixels [lo, hi) of batch item n in NHWC order without a division per pixel. */
#define FOR_PIXELS(x, n, lo, hi, c, off)                                                          \
    for (int64_t pix_ = (lo), h_ = (lo) / (x)->w, w_ = (lo) % (x)->w, off = gk_off(x, n, h_, w_, c); \
         pix_ < (hi); pix_++, off = ++w_ < (x)->w ? off + (x)->sw : gk_off(x, n, ++h_, w_ = 0, c))

/* sum[c] += x[pixel, c] for pixels [lo, hi) of batch item n. */
static void sum_portable(const gk_tensor *x, int n, int64_t lo, int64_t hi, float *sum) {
    FOR_PIXELS(x, n, lo, hi, 0, off) {
        for (int c = 0; c < x->c; c++) sum[c] += gk_load(x, off + c);
    }
}

GK_AVX2_TARGET static void sum_avx2(const gk_tensor *x, int n, int64_t lo, int64_t hi, float *sum) {
    const int C = x->c;
    int c = 0;
    for (; c + 32 <= C; c += 32) { /* four independent chains, as in pixel_avx2 */
        __m256 a0 = _mm256_loadu_ps(sum + c), a1 = _mm256_loadu_ps(sum + c + 8);
        __m256 a2 = _mm256_loadu_ps(sum + c + 16), a3 = _mm256_loadu_ps(sum + c + 24);
        FOR_PIXELS(x, n, lo, hi, c, off) {
            a0 = _mm256_add_ps(a0, load8(x, off));
            a1 = _mm256_add_ps(a1, load8(x, off + 8));
            a2 = _mm256_add_ps(a2, load8(x, off + 16));
            a3 = _mm256_add_ps(a3, load8(x, off + 24));
        }
        _mm256_storeu_ps(sum + c, a0);
        _mm256_storeu_ps(sum + c + 8, a1);
        _mm256_storeu_ps(sum + c + 16, a2);
        _mm256_storeu_ps(sum + c + 24, a3);
    }
    for (; c + 8 <= C; c += 8) {
        __m256 acc = _mm256_loadu_ps(sum + c);
        FOR_PIXELS(x, n, lo, hi, c, off) acc = _mm256_add_ps(acc, load8(x, off));
        _mm256_storeu_ps(sum + c, acc);
    }
    if (c < C) {
        FOR_PIXELS(x, n, lo, hi, c, off) {
            for (int k = 0; k < C - c; k++) sum[c + k] += gk_load(x, off + k);
        }
    }
}

/* Pixels per chunk: the chunk's rows (up to 16 KB of channels) stay in L1 while each group of 32
 * channels sweeps them, so x is read from memory once. */
static int64_t chunk_pixels(int C, int es) {
    int64_t px = (16 * 1024) / ((int64_t)C * es);
    return px < 8 ? 8 : px;
}

static int global_avg(const gk_pool2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const int N = x->n, C = x->c;
    const int64_t HW = (int64_t)x->h * x->w;
    const int avx2 = gk_cpu_isa_avx2 == 1;
    /* Each batch item's pixels are split into parts with their own fp32 partial sums, so a
     * single image still uses every thread; the parts are then added in a fixed order. */
    int parts = (gk_nthreads() + N - 1) / N;
    if (parts > HW / 64) parts = HW / 64 > 0 ? (int)(HW / 64) : 1;
    float *partial = calloc((size_t)N * parts * C, sizeof(float));
    if (!partial) return GK_ERR_OUT_OF_MEMORY;
    const int64_t chunk = chunk_pixels(C, gk_dtype_size(x->dtype));
#pragma omp parallel num_threads(gk_nthreads())
    {
#pragma omp for schedule(static)
        for (int64_t u = 0; u < (int64_t)N * parts; u++) {
            int n = (int)(u / parts), part = (int)(u % parts);
            int64_t lo = HW * part / parts, hi = HW * (part + 1) / parts;
            float *sum = partial + (size_t)u * C;
            for (int64_t a = lo; a < hi; a += chunk) {
                int64_t b = hi - a < chunk ? hi : a + chunk;
                if (avx2) sum_avx2(x, n, a, b, sum);
                else sum_portable(x, n, a, b, sum);
            }
        }
#pragma omp for schedule(static)
        for (int n = 0; n < N; n++) {
            int64_t yoff = gk_off(y, n, 0, 0, 0);
            for (int c = 0; c < C; c++) {
                float s = 0.f;
                for (int part = 0; part < parts; part++) s += partial[((size_t)n * parts + part) * C + c];
                gk_store(y, yoff + c, s / (float)HW);
            }
        }
    }
    free(partial);
    return GK_OK;
}

int gk_cpu_pool2d(const gk_pool2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if ((x->dtype != GK_F32 && x->dtype != GK_F16) || y->dtype != x->dtype) return GK_ERR_UNSUPPORTED;
    switch (p->mode) {
    case GK_POOL_AVG:
    case GK_POOL_MAX: return windowed(p);
    case GK_POOL_GLOBAL_AVG: return global_avg(p);
    default: return GK_ERR_UNSUPPORTED;
    }
}

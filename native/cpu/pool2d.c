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

GK_AVX2_TARGET static inline __m256 load8(const gk_tensor *t, int64_t off) {
    if (t->dtype == GK_F32) return _mm256_loadu_ps((const float *)t->data + off);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)t->data + off)));
}

GK_AVX2_TARGET static inline void store8(const gk_tensor *t, int64_t off, __m256 v) {
    if (t->dtype == GK_F32) _mm256_storeu_ps((float *)t->data + off, v);
    else _mm_storeu_si128((__m128i *)((uint16_t *)t->data + off), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
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

GK_AVX2_TARGET static void pixel_avx2(const gk_tensor *x, const gk_tensor *y, int n, int h0, int h1, int w0,
                                      int w1, int64_t yoff, int is_max) {
    const __m256 count = _mm256_set1_ps((float)((h1 - h0) * (w1 - w0)));
    const int C = x->c;
    int c = 0;
    for (; c + 8 <= C; c += 8) {
        __m256 acc = is_max ? _mm256_set1_ps(-INFINITY) : _mm256_setzero_ps();
        for (int ih = h0; ih < h1; ih++) {
            int64_t off = gk_off(x, n, ih, w0, c);
            for (int iw = w0; iw < w1; iw++, off += x->sw) {
                __m256 v = load8(x, off);
                acc = is_max ? _mm256_max_ps(v, acc) : _mm256_add_ps(acc, v);
            }
        }
        store8(y, yoff + c, is_max ? acc : _mm256_div_ps(acc, count));
    }
    if (c < C) pixel_portable(x, y, n, h0, h1, w0, w1, yoff, c, is_max);
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

/* Pixels per chunk: the chunk's rows (up to 64 KB of channels) stay in L2 while each group of 8
 * channels sweeps them, so x is read from memory once. */
static int64_t chunk_pixels(int C, int es) {
    int64_t px = (64 * 1024) / ((int64_t)C * es);
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

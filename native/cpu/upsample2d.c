/* upsample2d on the CPU: nearest (integer factors; pure copies of channel runs), bilinear
 * (half-pixel centers, edge clamp) and area (exact box integral) as one separable resampler. */
#include "common.h"
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_HAVE_X86 1
#endif

/* ---- nearest ------------------------------------------------------------------------------- */


static int nearest(const gk_upsample2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const int es = gk_dtype_size(y->dtype);
    const int C = y->c, fh = p->factor_h, fw = p->factor_w;
    const size_t run = (size_t)C * es;
    const int64_t in_rows = (int64_t)x->n * x->h;
    /* One task per input row: it fills the first of its fh output rows pixel by pixel and then
     * replicates that row, which is one long memcpy when the output rows are dense. */
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int64_t row = 0; row < in_rows; row++) {
        int n = (int)(row / x->h), ih = (int)(row % x->h);
        int oh0 = ih * fh;
        for (int iw = 0; iw < x->w; iw++) {
            const char *src = (const char *)x->data + gk_off(x, n, ih, iw, 0) * es;
            char *dst = (char *)y->data + gk_off(y, n, oh0, (int64_t)iw * fw, 0) * es;
            for (int j = 0; j < fw; j++) gk_copy_run(dst + (int64_t)j * y->sw * es, src, run);
        }
        const char *first = (const char *)y->data + gk_off(y, n, oh0, 0, 0) * es;
        for (int r = 1; r < fh; r++) {
            char *dst = (char *)y->data + gk_off(y, n, oh0 + r, 0, 0) * es;
            if (y->sw == C) {
                memcpy(dst, first, (size_t)y->w * run);
            } else {
                for (int ow = 0; ow < y->w; ow++) gk_copy_run(dst + ow * y->sw * es, first + ow * y->sw * es, run);
            }
        }
    }
    return GK_OK;
}

/* ---- separable weighted resampling (bilinear, area) --------------------------------------- */

/* Output index o of one dimension reads source indices first .. first+count-1 with the weights
 * w[woff .. woff+count-1]. */
typedef struct taps {
    int32_t first, count, woff;
} taps;

typedef struct axis {
    taps *t;
    float *w;
    int max_count;
} axis;

/* PyTorch / ONNX half-pixel bilinear: src = (o + 0.5) * in/out - 0.5, clamped below at 0; the
 * upper neighbour is clamped to the edge. Zero-weight taps are dropped so an identity axis costs
 * one tap. */
static int axis_bilinear(axis *a, int in, int out) {
    a->t = malloc(sizeof(taps) * (size_t)out);
    a->w = malloc(sizeof(float) * 2 * (size_t)out);
    if (!a->t || !a->w) return GK_ERR_OUT_OF_MEMORY;
    a->max_count = 1;
    const double scale = (double)in / out;
    int nw = 0;
    for (int o = 0; o < out; o++) {
        double src = (o + 0.5) * scale - 0.5;
        if (src < 0) src = 0;
        int i0 = (int)src;
        if (i0 > in - 1) i0 = in - 1;
        double l = src - i0;
        a->t[o].first = i0;
        a->t[o].woff = nw;
        if (i0 == in - 1 || l == 0) {
            a->t[o].count = 1;
            a->w[nw++] = 1.f;
        } else {
            a->t[o].count = 2;
            a->w[nw++] = (float)(1 - l);
            a->w[nw++] = (float)l;
            a->max_count = 2;
        }
    }
    return GK_OK;
}

/* Exact box integral: output o covers [o*in/out, (o+1)*in/out) of the source axis. In units of
 * 1/out that is [o*in, (o+1)*in) and source pixel i is [i*out, (i+1)*out), so the overlaps are
 * exact integers and the weights overlap/in sum to 1 up to float rounding. */
static int axis_area(axis *a, int in, int out) {
    int64_t per = ((int64_t)in + out - 1) / out + 1;
    a->t = malloc(sizeof(taps) * (size_t)out);
    a->w = malloc(sizeof(float) * (size_t)(per * out));
    if (!a->t || !a->w) return GK_ERR_OUT_OF_MEMORY;
    a->max_count = 1;
    int nw = 0;
    for (int o = 0; o < out; o++) {
        int64_t start = (int64_t)o * in, end = (int64_t)(o + 1) * in;
        int i0 = (int)(start / out), i1 = (int)((end - 1) / out);
        a->t[o].first = i0;
        a->t[o].count = i1 - i0 + 1;
        a->t[o].woff = nw;
        for (int i = i0; i <= i1; i++) {
            int64_t lo = start > (int64_t)i * out ? start : (int64_t)i * out;
            int64_t hi = end < (int64_t)(i + 1) * out ? end : (int64_t)(i + 1) * out;
            a->w[nw++] = (float)((double)(hi - lo) / in);
        }
        if (a->t[o].count > a->max_count) a->max_count = a->t[o].count;
    }
    return GK_OK;
}

static void axis_free(axis *a) {
    free(a->t);
    free(a->w);
}

/* Vertical pass over one contiguous run of len elements: tmp = sum_t w[t] * src[t][0..len). */
static void vrun_portable(float *tmp, const char *const *src, const float *w, int count, int64_t len, int f16) {
    for (int64_t i = 0; i < len; i++) tmp[i] = 0.f;
    for (int t = 0; t < count; t++) {
        const float wt = w[t];
        if (f16) {
            const uint16_t *s = (const uint16_t *)src[t];
            for (int64_t i = 0; i < len; i++) tmp[i] += wt * gk_half_to_float(s[i]);
        } else {
            const float *s = (const float *)src[t];
            for (int64_t i = 0; i < len; i++) tmp[i] += wt * s[i];
        }
    }
}

/* Horizontal pass for one output row: out[ow*C + c] = sum_t w * tmp[(first+t)*C + c]; dst(ow)
 * is out + ow*ostride. */
static void hrow_portable(float *out, int64_t ostride, const float *tmp, const axis *ax, int ow_count, int C) {
    for (int ow = 0; ow < ow_count; ow++) {
        const taps t = ax->t[ow];
        const float *w = ax->w + t.woff;
        float *d = out + ow * ostride;
        const float *s = tmp + (int64_t)t.first * C;
        for (int c = 0; c < C; c++) d[c] = w[0] * s[c];
        for (int k = 1; k < t.count; k++) {
            const float wk = w[k];
            const float *sk = s + (int64_t)k * C;
            for (int c = 0; c < C; c++) d[c] += wk * sk[c];
        }
    }
}

static void store_f16_portable(uint16_t *dst, const float *src, int64_t len) {
    for (int64_t i = 0; i < len; i++) dst[i] = gk_float_to_half(src[i]);
}

#ifdef GK_HAVE_X86
GK_AVX2_TARGET static inline __m256 load8(const char *p, int64_t i, int f16) {
    return f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i)))
               : _mm256_loadu_ps((const float *)p + i);
}

GK_AVX2_TARGET static inline float load1(const char *p, int64_t i, int f16) {
    return f16 ? _cvtsh_ss(((const uint16_t *)p)[i]) : ((const float *)p)[i];
}

/* Taps go two at a time so the common bilinear case is a single pass over tmp. */
GK_AVX2_TARGET static inline void vrun_avx2_t(float *tmp, const char *const *src, const float *w, int count,
                                              int64_t len, int f16) {
    for (int t0 = 0; t0 < count; t0 += 2) {
        const int two = t0 + 1 < count;
        const char *s0 = src[t0], *s1 = two ? src[t0 + 1] : src[t0];
        const float w0 = w[t0], w1 = two ? w[t0 + 1] : 0.f;
        const __m256 v0 = _mm256_set1_ps(w0), v1 = _mm256_set1_ps(w1);
        int64_t i = 0;
        if (t0 == 0) {
            for (; i + 8 <= len; i += 8) {
                __m256 a = _mm256_mul_ps(v0, load8(s0, i, f16));
                if (two) a = _mm256_fmadd_ps(v1, load8(s1, i, f16), a);
                _mm256_storeu_ps(tmp + i, a);
            }
            for (; i < len; i++) tmp[i] = w0 * load1(s0, i, f16) + (two ? w1 * load1(s1, i, f16) : 0.f);
        } else {
            for (; i + 8 <= len; i += 8) {
                __m256 a = _mm256_fmadd_ps(v0, load8(s0, i, f16), _mm256_loadu_ps(tmp + i));
                if (two) a = _mm256_fmadd_ps(v1, load8(s1, i, f16), a);
                _mm256_storeu_ps(tmp + i, a);
            }
            for (; i < len; i++) tmp[i] += w0 * load1(s0, i, f16) + (two ? w1 * load1(s1, i, f16) : 0.f);
        }
    }
}

GK_AVX2_TARGET static void vrun_avx2(float *tmp, const char *const *src, const float *w, int count, int64_t len,
                                     int f16) {
    if (f16) vrun_avx2_t(tmp, src, w, count, len, 1);
    else vrun_avx2_t(tmp, src, w, count, len, 0);
}

/* C >= 8: each output pixel is whole channel vectors plus a masked tail. */
GK_AVX2_TARGET static void hrow_avx2(float *out, int64_t ostride, const float *tmp, const axis *ax, int ow_count,
                                     int C) {
    const int64_t tail = C & 7;
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)tail), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int ow = 0; ow < ow_count; ow++) {
        const taps t = ax->t[ow];
        const float *w = ax->w + t.woff, *s = tmp + (int64_t)t.first * C;
        float *d = out + ow * ostride;
        int64_t c = 0;
        for (; c + 8 <= C; c += 8) {
            __m256 a = _mm256_mul_ps(_mm256_set1_ps(w[0]), _mm256_loadu_ps(s + c));
            for (int k = 1; k < t.count; k++)
                a = _mm256_fmadd_ps(_mm256_set1_ps(w[k]), _mm256_loadu_ps(s + (int64_t)k * C + c), a);
            _mm256_storeu_ps(d + c, a);
        }
        if (tail) {
            __m256 a = _mm256_mul_ps(_mm256_set1_ps(w[0]), _mm256_maskload_ps(s + c, mask));
            for (int k = 1; k < t.count; k++)
                a = _mm256_fmadd_ps(_mm256_set1_ps(w[k]), _mm256_maskload_ps(s + (int64_t)k * C + c, mask), a);
            _mm256_maskstore_ps(d + c, mask, a);
        }
    }
}

/* Below 8 channels a pixel still fits one vector: each pixel is one unaligned load per tap and one
 * store whose spare lanes spill into the next pixel (rewritten right after) or, for the last pixel,
 * into 8 floats of padding after tmp and out. That turns C scalar chains into one vector chain. */
GK_AVX2_TARGET static void hrow_small_avx2(float *out, const float *tmp, const axis *ax, int ow_count, int C) {
    if (C <= 4) {
        for (int ow = 0; ow < ow_count; ow++) {
            const taps t = ax->t[ow];
            const float *w = ax->w + t.woff, *s = tmp + (int64_t)t.first * C;
            __m128 a = _mm_mul_ps(_mm_set1_ps(w[0]), _mm_loadu_ps(s));
            for (int k = 1; k < t.count; k++) a = _mm_fmadd_ps(_mm_set1_ps(w[k]), _mm_loadu_ps(s + (int64_t)k * C), a);
            _mm_storeu_ps(out + (int64_t)ow * C, a);
        }
    } else {
        for (int ow = 0; ow < ow_count; ow++) {
            const taps t = ax->t[ow];
            const float *w = ax->w + t.woff, *s = tmp + (int64_t)t.first * C;
            __m256 a = _mm256_mul_ps(_mm256_set1_ps(w[0]), _mm256_loadu_ps(s));
            for (int k = 1; k < t.count; k++)
                a = _mm256_fmadd_ps(_mm256_set1_ps(w[k]), _mm256_loadu_ps(s + (int64_t)k * C), a);
            _mm256_storeu_ps(out + (int64_t)ow * C, a);
        }
    }
}

GK_AVX2_TARGET static void store_f16_avx2(uint16_t *dst, const float *src, int64_t len) {
    int64_t i = 0;
    for (; i + 8 <= len; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < len; i++) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}
#endif

/* Copies (F32) or converts (F16) a finished fp32 output row into y, one run if y's rows are dense. */
static void store_row(const gk_tensor *y, char *yrow, const float *orow, int avx2) {
    const int C = y->c, OW = y->w;
    const int64_t runs = y->sw == C ? 1 : OW, len = y->sw == C ? (int64_t)OW * C : C;
    for (int64_t r = 0; r < runs; r++) {
        const float *src = orow + r * len;
        if (y->dtype == GK_F32) {
            memcpy((float *)yrow + r * y->sw, src, sizeof(float) * (size_t)len);
            continue;
        }
        uint16_t *d = (uint16_t *)yrow + r * y->sw;
#ifdef GK_HAVE_X86
        if (avx2) store_f16_avx2(d, src, len);
        else
#endif
            store_f16_portable(d, src, len);
    }
}

/* The per-thread rows of the separable pass. */
typedef struct rowbufs {
    float *tmp;     /* one source row in fp32 (after the vertical pass, or just loaded) */
    float *orow;    /* one output row in fp32 before it is copied or converted into y */
    float *slot[2]; /* horizontally resampled source rows, reused by consecutive output rows */
    int64_t key[2]; /* which (n, source row) each slot holds, -1 for none */
    const char **src;
} rowbufs;

/* Vertical pass into out (len per run) over `runs` runs of x's row(s); see vrun_*. */
static void vertical(float *out, const gk_tensor *x, int n, const taps *th, const float *wh, const char **src,
                     int avx2) {
    const int C = x->c, W = x->w, es = gk_dtype_size(x->dtype), f16 = x->dtype == GK_F16;
    /* Dense source rows are one run of W*C elements; channel slices one run per pixel. */
    const int64_t runs = x->sw == C ? 1 : W, len = x->sw == C ? (int64_t)W * C : C;
    for (int64_t r = 0; r < runs; r++) {
        for (int k = 0; k < th->count; k++) src[k] = (const char *)x->data + gk_off(x, n, th->first + k, r, 0) * es;
#ifdef GK_HAVE_X86
        if (avx2) vrun_avx2(out + r * len, src, wh, th->count, len, f16);
        else
#endif
            vrun_portable(out + r * len, src, wh, th->count, len, f16);
    }
}

/* Horizontal pass of one fp32 row of W*C (tmp, padded) into OW*C; dense output rows get stride C. */
static void horizontal(float *out, int64_t ostride, const float *tmp, const axis *aw, int OW, int C, int avx2) {
#ifdef GK_HAVE_X86
    if (avx2 && C < 8 && ostride == C) hrow_small_avx2(out, tmp, aw, OW, C);
    else if (avx2 && C >= 8) hrow_avx2(out, ostride, tmp, aw, OW, C);
    else
#endif
        hrow_portable(out, ostride, tmp, aw, OW, C);
}

/* Two orders, both parallel over output rows. Vertical first (H >= OH): the taps of an output row
 * are summed over the W*C source elements, then each pixel resamples horizontally. Horizontal first
 * (H < OH, every output row needs at most two source rows): a source row is resampled horizontally
 * once into a slot that the next output rows reuse, and each output row is a two-tap blend of
 * slots over OW*C contiguous elements. Upscaling thus does the per-pixel work H times rather than
 * OH times, which matters most for images with few channels. */
static int separable(const gk_upsample2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const int C = y->c, W = x->w, H = x->h, OW = y->w, OH = y->h;
    const int es = gk_dtype_size(y->dtype), f16 = y->dtype == GK_F16;
    axis ah = {0}, aw = {0};
    int st = p->mode == GK_UPSAMPLE_AREA ? axis_area(&ah, H, OH) : axis_bilinear(&ah, H, OH);
    if (st == GK_OK) st = p->mode == GK_UPSAMPLE_AREA ? axis_area(&aw, W, OW) : axis_bilinear(&aw, W, OW);
    if (st != GK_OK) {
        axis_free(&ah);
        axis_free(&aw);
        return st;
    }
    const int avx2 = gk_cpu_isa_avx2 > 0;
    const int hfirst = OH > H;
    const int64_t rows = (int64_t)y->n * OH;
    const size_t in_row = (size_t)W * C + 8, out_row = (size_t)OW * C + 8;
    int failed = 0;
#pragma omp parallel num_threads(gk_nthreads())
    {
        /* Rows carry 8 floats of padding for the over-reading / spilling small-C vectors, zeroed
         * so they never hold a NaN or a denormal. */
        rowbufs b = {0};
        b.key[0] = b.key[1] = -1;
        b.tmp = calloc(in_row, sizeof(float));
        b.orow = calloc(out_row, sizeof(float));
        b.src = malloc(sizeof(char *) * (size_t)(ah.max_count > 2 ? ah.max_count : 2));
        int ok = b.tmp && b.orow && b.src;
        for (int k = 0; k < 2 && hfirst; k++) ok = ok && (b.slot[k] = calloc(out_row, sizeof(float))) != NULL;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t row = 0; row < rows; row++) {
            if (!ok) continue;
            const int n = (int)(row / OH), oh = (int)(row % OH);
            const taps th = ah.t[oh];
            const float *wh = ah.w + th.woff;
            char *yrow = (char *)y->data + gk_off(y, n, oh, 0, 0) * es;
            /* F32 output with dense rows (or, vertical first, whole channel vectors) is written in
             * place; everything else is finished in orow and copied or converted. */
            int direct;
            if (!hfirst) {
                vertical(b.tmp, x, n, &th, wh, b.src, avx2);
                direct = !f16 && !(avx2 && C < 8);
                horizontal(direct ? (float *)yrow : b.orow, direct ? y->sw : C, b.tmp, &aw, OW, C, avx2);
            } else {
                const char *slots[2];
                for (int k = 0; k < th.count; k++) {
                    const int r = th.first + k, s = r & 1;
                    const int64_t key = (int64_t)n * H + r;
                    if (b.key[s] != key) {
                        const taps one = {r, 1, 0};
                        const float w1 = 1.f;
                        vertical(b.tmp, x, n, &one, &w1, b.src, avx2);
                        horizontal(b.slot[s], C, b.tmp, &aw, OW, C, avx2);
                        b.key[s] = key;
                    }
                    slots[k] = (const char *)b.slot[s];
                }
                direct = !f16 && y->sw == C;
                float *out = direct ? (float *)yrow : b.orow;
#ifdef GK_HAVE_X86
                if (avx2) vrun_avx2(out, slots, wh, th.count, (int64_t)OW * C, 0);
                else
#endif
                    vrun_portable(out, slots, wh, th.count, (int64_t)OW * C, 0);
            }
            if (!direct) store_row(y, yrow, b.orow, avx2);
        }
        free(b.tmp);
        free(b.orow);
        free(b.slot[0]);
        free(b.slot[1]);
        free(b.src);
    }
    axis_free(&ah);
    axis_free(&aw);
    return failed ? GK_ERR_OUT_OF_MEMORY : GK_OK;
}

int gk_cpu_upsample2d(const gk_upsample2d_params *p) {
    if (p->x.dtype != p->y.dtype || (p->y.dtype != GK_F32 && p->y.dtype != GK_F16)) return GK_ERR_UNSUPPORTED;
    switch (p->mode) {
    case GK_UPSAMPLE_NEAREST: return nearest(p);
    case GK_UPSAMPLE_BILINEAR:
    case GK_UPSAMPLE_AREA: return separable(p);
    default: return GK_ERR_UNSUPPORTED;
    }
}

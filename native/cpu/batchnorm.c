/* batchnorm on the CPU, plus the two passes it shares with instancenorm.c: per-channel moments
 * over groups of pixels, and the fused normalize + activation. Both passes are memory-bound. */
#include "norm.h"
#include <immintrin.h>
#include <stdlib.h>


/* ---- moments ---------------------------------------------------------------------------------
 * Each block of pixels yields a count, a mean and M2 = Σ(x - mean)² per channel; blocks combine
 * with Chan's formula in double. Raw sums E[x²] - E[x]² would cancel catastrophically for a mean
 * far from zero (1000 + noise); shifted sums do not:
 * - portable: double sums of x - K with K the block's first pixel. K is a sample, so
 *   Σ(x - K)² <= n·M2 (Samuelson; n the block's pixel count) and double rounding costs at most
 *   about n·1e-16 of M2.
 * - AVX2: fp32 sums of d = x - t and d² over tiles of at most 16 pixels, t the block's mean so
 *   far (for its first tile, the tile's own mean), merged into the block's moments in double (a
 *   blocked Welford update). With t near the mean the fp32 rounding stays near 1e-7 of M2, and fp32
 *   keeps this pass memory-bound where converting every value to double made it compute-bound. */

static float load1(const void *base, int f16, int64_t off) {
    return f16 ? gk_half_to_float(((const uint16_t *)base)[off]) : ((const float *)base)[off];
}

static void seg_stats_portable(const void *base, int f16, int64_t len, int64_t sw, int C,
                               const double *restrict K, double *restrict s, double *restrict q) {
    for (int64_t i = 0; i < len; i++) {
        if (f16) {
            const uint16_t *xp = (const uint16_t *)base + i * sw;
            for (int c = 0; c < C; c++) {
                double d = (double)gk_half_to_float(xp[c]) - K[c];
                s[c] += d;
                q[c] += d * d;
            }
        } else {
            const float *xp = (const float *)base + i * sw;
            for (int c = 0; c < C; c++) {
                double d = (double)xp[c] - K[c];
                s[c] += d;
                q[c] += d * d;
            }
        }
    }
}

GK_AVX2_TARGET static inline __m256 load8(const void *base, int f16, int64_t off) {
    if (f16) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + off)));
    return _mm256_loadu_ps((const float *)base + off);
}

GK_AVX2_TARGET static inline void store8(void *base, int f16, int64_t off, __m256 v) {
    if (f16) {
        _mm_storeu_si128((__m128i *)((uint16_t *)base + off),
                         _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    } else {
        _mm256_storeu_ps((float *)base + off, v);
    }
}

/* Merges a tile's moments (nb values: mean mt = t + s/nb, M2 = q - s²/nb, from fp32 sums s, q around
 * the shift t) into the block's running mean/M2 over na values; inv_nb = 1/nb, wb = nb/(na+nb),
 * wab = na·nb/(na+nb). */
GK_AVX2_TARGET static inline void chan_merge4(double *mean, double *m2, __m128 t, __m128 s, __m128 q,
                                              __m256d inv_nb, __m256d wb, __m256d wab) {
    __m256d sd = _mm256_cvtps_pd(s);
    __m256d mt = _mm256_fmadd_pd(sd, inv_nb, _mm256_cvtps_pd(t));
    __m256d m2t = _mm256_fnmadd_pd(_mm256_mul_pd(sd, sd), inv_nb, _mm256_cvtps_pd(q));
    __m256d ma = _mm256_loadu_pd(mean), delta = _mm256_sub_pd(mt, ma);
    _mm256_storeu_pd(mean, _mm256_fmadd_pd(delta, wb, ma));
    __m256d m2a = _mm256_add_pd(_mm256_loadu_pd(m2), m2t);
    _mm256_storeu_pd(m2, _mm256_fmadd_pd(_mm256_mul_pd(delta, delta), wab, m2a));
}

/* Adds the len pixels at base (stride sw) to the block's moments; *n counts the pixels so far.
 * Pixels are the outer loop so x streams sequentially; per-channel fp32 partial sums live in L1. */
GK_AVX2_TARGET static inline __attribute__((always_inline)) void
stats_avx2(const void *base, const int f16, int64_t len, int64_t sw, int C, int64_t *n, double *mean, double *m2) {
    const int C8 = C & ~7;
    enum { T = 16, CB = 256 };
    float u[CB], sq[2 * CB];
    float *su = sq, *qu = sq + CB;
    for (int64_t t0 = 0; t0 < len; t0 += T) {
        const int64_t t1 = t0 + T < len ? t0 + T : len;
        const double na = (double)*n, nb = (double)(t1 - t0);
        const __m256d inv_nb = _mm256_set1_pd(1.0 / nb), wb = _mm256_set1_pd(nb / (na + nb));
        const __m256d wab = _mm256_set1_pd(na * nb / (na + nb));
        for (int c0 = 0; c0 < C8; c0 += CB) {
            const int cb = C8 - c0 < CB ? C8 - c0 : CB;
            const char *b0 = (const char *)base + (size_t)c0 * (f16 ? 2 : 4);
            /* the shift: the block's mean so far, or for its first tile the tile's own mean */
            if (*n == 0) {
                const __m256 inv_nbf = _mm256_set1_ps((float)(1.0 / nb));
                for (int c = 0; c < cb; c += 8) {
                    __m256 v = _mm256_setzero_ps();
                    for (int64_t i = t0; i < t1; i++) v = _mm256_add_ps(v, load8(b0, f16, i * sw + c));
                    _mm256_storeu_ps(u + c, _mm256_mul_ps(v, inv_nbf));
                }
            } else {
                for (int c = 0; c < cb; c += 4) _mm_storeu_ps(u + c, _mm256_cvtpd_ps(_mm256_loadu_pd(mean + c0 + c)));
            }
            int64_t i;
            /* sums of d = x - u and d² */
            memset(sq, 0, sizeof(float) * 2 * CB);
            for (i = t0; i + 1 < t1; i += 2) {
                for (int c = 0; c < cb; c += 8) {
                    const __m256 t = _mm256_loadu_ps(u + c);
                    __m256 a = _mm256_sub_ps(load8(b0, f16, i * sw + c), t);
                    __m256 b = _mm256_sub_ps(load8(b0, f16, (i + 1) * sw + c), t);
                    _mm256_storeu_ps(su + c, _mm256_add_ps(_mm256_loadu_ps(su + c), _mm256_add_ps(a, b)));
                    _mm256_storeu_ps(qu + c, _mm256_fmadd_ps(a, a, _mm256_fmadd_ps(b, b, _mm256_loadu_ps(qu + c))));
                }
            }
            if (i < t1) {
                for (int c = 0; c < cb; c += 8) {
                    __m256 a = _mm256_sub_ps(load8(b0, f16, i * sw + c), _mm256_loadu_ps(u + c));
                    _mm256_storeu_ps(su + c, _mm256_add_ps(_mm256_loadu_ps(su + c), a));
                    _mm256_storeu_ps(qu + c, _mm256_fmadd_ps(a, a, _mm256_loadu_ps(qu + c)));
                }
            }
            for (int c = 0; c < cb; c += 4) {
                chan_merge4(mean + c0 + c, m2 + c0 + c, _mm_loadu_ps(u + c), _mm_loadu_ps(su + c),
                            _mm_loadu_ps(qu + c), inv_nb, wb, wab);
            }
        }
        for (int c = C8; c < C; c++) {
            double t = mean[c];
            if (*n == 0) {
                t = 0;
                for (int64_t i = t0; i < t1; i++) t += load1(base, f16, i * sw + c);
                t /= nb;
            }
            double sc = 0, q = 0;
            for (int64_t i = t0; i < t1; i++) {
                double d = load1(base, f16, i * sw + c) - t;
                sc += d;
                q += d * d;
            }
            const double mt = t + sc / nb, delta = mt - mean[c];
            mean[c] += delta * (nb / (na + nb));
            m2[c] += q - sc * sc / nb + delta * delta * (na * nb / (na + nb));
        }
        *n += t1 - t0;
    }
}

/* One copy per dtype, so the inner loops carry no branch on it. */
GK_AVX2_TARGET static void seg_stats_avx2(const void *base, int f16, int64_t len, int64_t sw, int C, int64_t *n,
                                          double *mean, double *m2) {
    if (f16) stats_avx2(base, 1, len, sw, C, n, mean, m2);
    else stats_avx2(base, 0, len, sw, C, n, mean, m2);
}

/* Moments of pixels [p0, p1) (flat over N·H·W) into mean and m2, one contiguous row run at a time;
 * scratch holds C doubles. */
static void block_moments(const gk_tensor *x, int64_t p0, int64_t p1, double *mean, double *m2, double *scratch) {
    const int64_t W = x->w, HW = (int64_t)x->h * W;
    const int C = x->c, f16 = x->dtype == GK_F16, es = gk_dtype_size(x->dtype);
    const int avx2 = gk_cpu_isa_avx2;
    double *K = scratch;
    memset(mean, 0, sizeof(double) * (size_t)C);
    memset(m2, 0, sizeof(double) * (size_t)C);
    if (!avx2) {
        int64_t off = gk_off(x, p0 / HW, (p0 % HW) / W, p0 % W, 0);
        for (int c = 0; c < C; c++) K[c] = gk_load(x, off + c);
    }
    int64_t n = 0;
    for (int64_t p = p0; p < p1;) {
        int64_t b = p / HW, r = p % HW, h = r / W, w = r % W;
        int64_t len = W - w < p1 - p ? W - w : p1 - p;
        const char *base = (const char *)x->data + gk_off(x, b, h, w, 0) * es;
        if (avx2) seg_stats_avx2(base, f16, len, x->sw, C, &n, mean, m2);
        else seg_stats_portable(base, f16, len, x->sw, C, K, mean, m2);
        p += len;
    }
    if (!avx2) { /* mean and m2 hold Σd and Σd² so far */
        const double cnt = (double)(p1 - p0);
        for (int c = 0; c < C; c++) {
            double s = mean[c];
            mean[c] = K[c] + s / cnt;
            m2[c] -= s * s / cnt;
        }
    }
}

/* Mean and biased variance per (group, channel), group-major, where group g is the pixels
 * [g·group_pixels, (g+1)·group_pixels) of x. The split into blocks depends on the shape only and
 * blocks combine in a fixed order, so results do not depend on the thread count. */
int gk_norm_moments(const gk_tensor *x, int64_t group_pixels, int64_t groups, double *mean, double *var) {
    const int C = x->c;
    int64_t nb = group_pixels * C / 65536;
    if (nb > 64) nb = 64;
    if (nb > group_pixels) nb = group_pixels;
    if (nb < 1) nb = 1;
    const int64_t nblocks = groups * nb;
    double *part = malloc((size_t)(nblocks * 3 * C) * sizeof(double));
    if (!part) return GK_ERR_OUT_OF_MEMORY;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static) if (nblocks > 1)
    for (int64_t b = 0; b < nblocks; b++) {
        int64_t g = b / nb, j = b % nb;
        int64_t p0 = g * group_pixels + j * group_pixels / nb;
        int64_t p1 = g * group_pixels + (j + 1) * group_pixels / nb;
        double *pm = part + b * 3 * C;
        block_moments(x, p0, p1, pm, pm + C, pm + 2 * C);
    }
    for (int64_t g = 0; g < groups; g++) {
        for (int c = 0; c < C; c++) {
            double na = 0, ma = 0, m2a = 0;
            for (int64_t j = 0; j < nb; j++) {
                const double *pm = part + (g * nb + j) * 3 * C;
                double cnt = (double)((j + 1) * group_pixels / nb - j * group_pixels / nb);
                double delta = pm[c] - ma, n = na + cnt;
                ma += delta * (cnt / n);
                m2a += pm[C + c] + delta * delta * (na * cnt / n);
                na = n;
            }
            mean[g * C + c] = ma;
            var[g * C + c] = m2a > 0 ? m2a / na : 0;
        }
    }
    free(part);
    return GK_OK;
}

/* ---- normalize ---------------------------------------------------------------------------------
 * y = act((x - center) * scale + shift). center is the mean rounded to fp32 and shift absorbs the
 * rounding remainder: x - center is exact for x near the mean, so a large mean offset does not
 * cost the precision the single fused x * scale + shift would lose. */

/* Inlined once per activation so the compiler can vectorize the fp32 loop. */
static inline __attribute__((always_inline)) void
apply_portable(const void *xb, void *yb, int f16, int64_t len, int64_t xsw, int64_t ysw, int C, const float *ctr,
               const float *sc, const float *sh, const int act, float alpha) {
    for (int64_t i = 0; i < len; i++) {
        if (f16) {
            const uint16_t *xp = (const uint16_t *)xb + i * xsw;
            uint16_t *yp = (uint16_t *)yb + i * ysw;
            for (int c = 0; c < C; c++) {
                float v = (gk_half_to_float(xp[c]) - ctr[c]) * sc[c] + sh[c];
                yp[c] = gk_float_to_half(gk_act_apply(act, alpha, v));
            }
        } else {
            const float *xp = (const float *)xb + i * xsw;
            float *yp = (float *)yb + i * ysw;
            for (int c = 0; c < C; c++) yp[c] = gk_act_apply(act, alpha, (xp[c] - ctr[c]) * sc[c] + sh[c]);
        }
    }
}

static void seg_apply_portable(const void *xb, void *yb, int f16, int64_t len, int64_t xsw, int64_t ysw, int C,
                               const float *ctr, const float *sc, const float *sh, int act, float alpha) {
    switch (act) {
    case GK_ACT_RELU: apply_portable(xb, yb, f16, len, xsw, ysw, C, ctr, sc, sh, GK_ACT_RELU, alpha); break;
    case GK_ACT_LEAKY: apply_portable(xb, yb, f16, len, xsw, ysw, C, ctr, sc, sh, GK_ACT_LEAKY, alpha); break;
    case GK_ACT_NONE: apply_portable(xb, yb, f16, len, xsw, ysw, C, ctr, sc, sh, GK_ACT_NONE, alpha); break;
    default: apply_portable(xb, yb, f16, len, xsw, ysw, C, ctr, sc, sh, act, alpha); break;
    }
}

/* Inlined into one copy per (dtype, activation) so the inner loop carries no branches. */
GK_AVX2_TARGET static inline __attribute__((always_inline)) void
apply_avx2(const void *xb, void *yb, const int f16, int64_t len, int64_t xsw, int64_t ysw, int C, const float *ctr,
           const float *sc, const float *sh, const int act, float alpha) {
    const int C8 = C & ~7;
    const __m256 zero = _mm256_setzero_ps(), va = _mm256_set1_ps(alpha);
    for (int64_t i = 0; i < len; i++) {
        const int64_t xo = i * xsw, yo = i * ysw;
        for (int c = 0; c < C8; c += 8) {
            __m256 v = _mm256_sub_ps(load8(xb, f16, xo + c), _mm256_loadu_ps(ctr + c));
            v = _mm256_fmadd_ps(v, _mm256_loadu_ps(sc + c), _mm256_loadu_ps(sh + c));
            if (act == GK_ACT_RELU) {
                v = _mm256_max_ps(v, zero); /* NaN -> 0, as gk_act_apply */
            } else if (act == GK_ACT_LEAKY) {
                v = _mm256_blendv_ps(v, _mm256_mul_ps(v, va), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
            } else if (act != GK_ACT_NONE) {
                /* tanh / sigmoid: libm's scalar functions, for their accuracy */
                float t[8];
                _mm256_storeu_ps(t, v);
                for (int k = 0; k < 8; k++) t[k] = gk_act_apply(act, alpha, t[k]);
                v = _mm256_loadu_ps(t);
            }
            store8(yb, f16, yo + c, v);
        }
        for (int c = C8; c < C; c++) {
            float v = gk_act_apply(act, alpha, fmaf(load1(xb, f16, xo + c) - ctr[c], sc[c], sh[c]));
            if (f16) ((uint16_t *)yb)[yo + c] = gk_float_to_half(v);
            else ((float *)yb)[yo + c] = v;
        }
    }
}

#define GK_APPLY_ACTS(F16)                                                                              \
    switch (act) {                                                                                      \
    case GK_ACT_RELU: apply_avx2(xb, yb, F16, len, xsw, ysw, C, ctr, sc, sh, GK_ACT_RELU, alpha); break;   \
    case GK_ACT_LEAKY: apply_avx2(xb, yb, F16, len, xsw, ysw, C, ctr, sc, sh, GK_ACT_LEAKY, alpha); break; \
    case GK_ACT_NONE: apply_avx2(xb, yb, F16, len, xsw, ysw, C, ctr, sc, sh, GK_ACT_NONE, alpha); break;   \
    default: apply_avx2(xb, yb, F16, len, xsw, ysw, C, ctr, sc, sh, act, alpha); break;                    \
    }

GK_AVX2_TARGET static void seg_apply_avx2(const void *xb, void *yb, int f16, int64_t len, int64_t xsw,
                                          int64_t ysw, int C, const float *ctr, const float *sc, const float *sh,
                                          int act, float alpha) {
    if (f16) {
        GK_APPLY_ACTS(1)
    } else {
        GK_APPLY_ACTS(0)
    }
}

/* per_image: center/scale/shift hold N x C values (instancenorm) instead of C (batchnorm). */
void gk_norm_normalize(const gk_tensor *x, const gk_tensor *y, const float *center, const float *scale,
                       const float *shift, int per_image, int act, float alpha) {
    const int C = x->c, f16 = x->dtype == GK_F16, es = gk_dtype_size(x->dtype);
    const int64_t W = x->w, HW = (int64_t)x->h * W, P = (int64_t)x->n * HW;
    int64_t chunks = P * C / 16384;
    if (chunks > 4 * (int64_t)gk_nthreads()) chunks = 4 * (int64_t)gk_nthreads();
    if (chunks > P) chunks = P;
    if (chunks < 1) chunks = 1;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static) if (chunks > 1)
    for (int64_t k = 0; k < chunks; k++) {
        const int64_t p1 = (k + 1) * P / chunks;
        for (int64_t p = k * P / chunks; p < p1;) {
            int64_t n = p / HW, r = p % HW, h = r / W, w = r % W;
            int64_t len = W - w < p1 - p ? W - w : p1 - p;
            const void *xb = (const char *)x->data + gk_off(x, n, h, w, 0) * es;
            void *yb = (char *)y->data + gk_off(y, n, h, w, 0) * es;
            const int64_t po = per_image ? n * C : 0;
            if (gk_cpu_isa_avx2) {
                seg_apply_avx2(xb, yb, f16, len, x->sw, y->sw, C, center + po, scale + po, shift + po, act, alpha);
            } else {
                seg_apply_portable(xb, yb, f16, len, x->sw, y->sw, C, center + po, scale + po, shift + po, act,
                                   alpha);
            }
            p += len;
        }
    }
}

/* ---- batchnorm ------------------------------------------------------------------------------ */

int gk_cpu_batchnorm(const gk_batchnorm_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if (x->dtype != y->dtype || (x->dtype != GK_F32 && x->dtype != GK_F16)) return GK_ERR_UNSUPPORTED;
    const int C = x->c;
    const int64_t M = (int64_t)x->n * x->h * x->w;
    if (M == 0 || C == 0) return GK_OK;
    float *prm = malloc((size_t)C * 3 * sizeof(float));
    double *mom = p->training ? malloc((size_t)C * 2 * sizeof(double)) : NULL;
    if (!prm || (p->training && !mom)) {
        free(prm);
        free(mom);
        return GK_ERR_OUT_OF_MEMORY;
    }
    if (p->training) {
        int st = gk_norm_moments(x, M, 1, mom, mom + C);
        if (st != GK_OK) {
            free(prm);
            free(mom);
            return st;
        }
    }
    float *center = prm, *scale = prm + C, *shift = prm + 2 * C;
    const double eps = p->eps, m = p->momentum;
    for (int c = 0; c < C; c++) {
        double mu = p->training ? mom[c] : p->running_mean[c];
        double v = p->training ? mom[C + c] : p->running_var[c];
        double inv = 1.0 / sqrt(v + eps);
        double a = (p->gamma ? p->gamma[c] : 1.0) * inv;
        float hi = (float)mu;
        center[c] = hi;
        scale[c] = (float)a;
        shift[c] = (float)((p->beta ? p->beta[c] : 0.0) - (mu - hi) * a);
        if (p->training) {
            if (p->save_mean) p->save_mean[c] = (float)mu;
            if (p->save_invstd) p->save_invstd[c] = (float)inv;
            double unbiased = v * (double)M / (double)(M - 1);
            p->running_mean[c] = (float)((1.0 - m) * p->running_mean[c] + m * mu);
            p->running_var[c] = (float)((1.0 - m) * p->running_var[c] + m * unbiased);
        }
    }
    gk_norm_normalize(x, y, center, scale, shift, 0, p->act, p->alpha);
    free(prm);
    free(mom);
    return GK_OK;
}

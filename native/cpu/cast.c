/* cast on the CPU: conversion between F32, F16, U8 (and from I32) with an optional per-channel
 * affine, the image pre/post-processing op (U8 HWC image <-> normalized float tensor). */
#include "common.h"
#include <immintrin.h>
#include <stdlib.h>

#define CAST_CHUNK 16384 /* elements per work item; a multiple of 8 keeps vectors on the tiling */
#define CAST_PAR_MIN 65536
#define CAST_BLOCK 64

/* The loop nest after merging dims that x and y both lay out contiguously (see elementwise.c).
 * The run always starts at channel 0 and holds the channel dim innermost when C > 1, so element j
 * of a run has channel j % C. */
typedef struct cast_nest {
    int nd;
    int64_t dim[3];
    int64_t st[2][3];
    int64_t len;
    int64_t rs[2];
} cast_nest;

static void cast_nest_build(cast_nest *L, const gk_tensor *x, const gk_tensor *y) {
    const int64_t dims[4] = {y->n, y->h, y->w, y->c};
    const int64_t s4[2][4] = {{x->sn, x->sh, x->sw, x->sc}, {y->sn, y->sh, y->sw, y->sc}};
    int64_t gd[4], gs[2][4];
    int ng = 0;
    for (int i = 3; i >= 0; i--) {
        if (dims[i] == 1) continue;
        if (ng > 0 && s4[0][i] == gs[0][ng - 1] * gd[ng - 1] && s4[1][i] == gs[1][ng - 1] * gd[ng - 1]) {
            gd[ng - 1] *= dims[i];
            continue;
        }
        gd[ng] = dims[i];
        gs[0][ng] = s4[0][i];
        gs[1][ng] = s4[1][i];
        ng++;
    }
    if (ng == 0) {
        gd[0] = 1;
        gs[0][0] = gs[1][0] = 0;
        ng = 1;
    }
    L->len = gd[0];
    L->rs[0] = gs[0][0];
    L->rs[1] = gs[1][0];
    L->nd = ng - 1;
    for (int d = 0; d < L->nd; d++) {
        int g = ng - 1 - d;
        L->dim[d] = gd[g];
        L->st[0][d] = gs[0][g];
        L->st[1][d] = gs[1][g];
    }
}

typedef struct cast_ctx {
    const gk_cast_params *p;
    cast_nest L;
    int es_x, es_y;
    int copy; /* same dtype, no affine, contiguous runs: a plain copy */
    int fast; /* AVX2 over contiguous runs */
    /* v = x * mul[c] + add[c], tiled with period P = lcm(C, 8) so 8-lane loads never wrap mid-vector */
    const float *mul, *add;
    int64_t period, C;
} cast_ctx;

/* ---- scalar conversions (strided and portable paths, vector tails) ------------------------------ */

static void cast_gather(const void *base, int dt, int64_t stride, int n, float *out) {
    switch (dt) {
    case GK_F32: for (int i = 0; i < n; i++) out[i] = ((const float *)base)[i * stride]; break;
    case GK_F16: for (int i = 0; i < n; i++) out[i] = gk_half_to_float(((const uint16_t *)base)[i * stride]); break;
    case GK_U8: for (int i = 0; i < n; i++) out[i] = (float)((const uint8_t *)base)[i * stride]; break;
    default: for (int i = 0; i < n; i++) out[i] = (float)((const int32_t *)base)[i * stride]; break;
    }
}

/* gk_store's U8 rule: NaN -> 0, round half away from zero, saturate to [0, 255]. */
static inline uint8_t cast_u8(float v) {
    float r = isnan(v) ? 0.f : roundf(v);
    return (uint8_t)(r < 0.f ? 0.f : (r > 255.f ? 255.f : r));
}

static void cast_scatter(void *base, int dt, int64_t stride, int n, const float *in) {
    switch (dt) {
    case GK_F32: for (int i = 0; i < n; i++) ((float *)base)[i * stride] = in[i]; break;
    case GK_F16: for (int i = 0; i < n; i++) ((uint16_t *)base)[i * stride] = gk_float_to_half(in[i]); break;
    default: for (int i = 0; i < n; i++) ((uint8_t *)base)[i * stride] = cast_u8(in[i]); break;
    }
}

/* ---- AVX2 ------------------------------------------------------------------------------------ */

GK_AVX2_TARGET static inline __attribute__((always_inline)) __m256 cast_ld8(const void *base, int64_t i, int dt) {
    switch (dt) {
    case GK_F32: return _mm256_loadu_ps((const float *)base + i);
    case GK_F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + i)));
    case GK_U8:
        return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)((const uint8_t *)base + i))));
    default: return _mm256_cvtepi32_ps(_mm256_loadu_si256((const __m256i *)((const int32_t *)base + i)));
    }
}

/* Round half away from zero exactly: truncate, then step away from zero when the dropped part is
 * at least 1/2 (v - trunc(v) is exact). NaN stays NaN here and becomes 0 in the max below. */
GK_AVX2_TARGET static inline __m256i cast_u8_lanes(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.f);
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 away = _mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_sub_ps(v, t)), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    __m256 step = _mm256_or_ps(_mm256_and_ps(sign, v), _mm256_set1_ps(1.f));
    t = _mm256_add_ps(t, _mm256_and_ps(away, step));
    t = _mm256_max_ps(t, _mm256_setzero_ps()); /* returns 0 for NaN: maxps yields its second operand */
    t = _mm256_min_ps(t, _mm256_set1_ps(255.f));
    return _mm256_cvttps_epi32(t);
}

GK_AVX2_TARGET static inline __attribute__((always_inline)) void cast_st8(void *base, int64_t i, int dt, __m256 v) {
    switch (dt) {
    case GK_F32: _mm256_storeu_ps((float *)base + i, v); break;
    case GK_F16:
        _mm_storeu_si128((__m128i *)((uint16_t *)base + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
        break;
    default: {
        __m256i q = cast_u8_lanes(v);
        __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64((__m128i *)((uint8_t *)base + i), _mm_packus_epi16(w, w));
        break;
    }
    }
}

/* 32 U8 outputs per step: four conversions packed into one 256-bit store. */
GK_AVX2_TARGET static inline __m256i cast_pack32(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    __m256i w01 = _mm256_packus_epi32(cast_u8_lanes(v0), cast_u8_lanes(v1));
    __m256i w23 = _mm256_packus_epi32(cast_u8_lanes(v2), cast_u8_lanes(v3));
    /* the in-lane packs leave 4-byte groups ordered 0 2 4 6 | 1 3 5 7 (by source quarter) */
    return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

GK_AVX2_TARGET static inline __attribute__((always_inline)) void
cast_run_avx2(int sd, int dd, void *y, const void *x, int64_t n, const float *mt, const float *at, int64_t P,
              int64_t pos) {
    int64_t i = 0;
    if (dd == GK_U8) {
        for (; i + 32 <= n; i += 32) {
            __m256 v[4];
            for (int q = 0; q < 4; q++) {
                v[q] = _mm256_fmadd_ps(cast_ld8(x, i + 8 * q, sd), _mm256_loadu_ps(mt + pos), _mm256_loadu_ps(at + pos));
                pos += 8;
                if (pos == P) pos = 0;
            }
            _mm256_storeu_si256((__m256i *)((uint8_t *)y + i), cast_pack32(v[0], v[1], v[2], v[3]));
        }
    }
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_fmadd_ps(cast_ld8(x, i, sd), _mm256_loadu_ps(mt + pos), _mm256_loadu_ps(at + pos));
        cast_st8(y, i, dd, v);
        pos += 8;
        if (pos == P) pos = 0;
    }
    if (i < n) { /* the tail takes the same vector arithmetic, so its rounding matches the body */
        float tx[8] = {0}, ty[8];
        int r = (int)(n - i);
        cast_gather((const char *)x + i * gk_dtype_size(sd), sd, 1, r, tx);
        _mm256_storeu_ps(ty, _mm256_fmadd_ps(_mm256_loadu_ps(tx), _mm256_loadu_ps(mt + pos), _mm256_loadu_ps(at + pos)));
        if (dd == GK_U8) {
            uint8_t tb[8];
            cast_st8(tb, 0, GK_U8, _mm256_loadu_ps(ty));
            memcpy((uint8_t *)y + i, tb, (size_t)r);
        } else {
            cast_scatter((char *)y + i * gk_dtype_size(dd), dd, 1, r, ty);
        }
    }
}

#define CAST_DST(SD)                                                                             \
    do {                                                                                         \
        if (dd == GK_F32) cast_run_avx2(SD, GK_F32, y, x, n, mt, at, P, pos);                    \
        else if (dd == GK_F16) cast_run_avx2(SD, GK_F16, y, x, n, mt, at, P, pos);               \
        else cast_run_avx2(SD, GK_U8, y, x, n, mt, at, P, pos);                                  \
    } while (0)

GK_AVX2_TARGET static void cast_run_fast(int sd, int dd, void *y, const void *x, int64_t n, const float *mt,
                                         const float *at, int64_t P, int64_t pos) {
    switch (sd) {
    case GK_F32: CAST_DST(GK_F32); break;
    case GK_F16: CAST_DST(GK_F16); break;
    case GK_U8: CAST_DST(GK_U8); break;
    default: CAST_DST(GK_I32); break;
    }
}

/* ---- the run dispatcher --------------------------------------------------------------------- */

static void cast_run(const cast_ctx *k, const int64_t *off, int64_t j0, int64_t n) {
    const gk_cast_params *p = k->p;
    const cast_nest *L = &k->L;
    const char *x = (const char *)p->x.data + (off[0] + j0 * L->rs[0]) * k->es_x;
    char *y = (char *)p->y.data + (off[1] + j0 * L->rs[1]) * k->es_y;
    if (k->copy) {
        memcpy(y, x, (size_t)(n * k->es_y));
        return;
    }
    if (k->fast) {
        cast_run_fast(p->x.dtype, p->y.dtype, y, x, n, k->mul, k->add, k->period, j0 % k->period);
        return;
    }
    float tx[CAST_BLOCK], ty[CAST_BLOCK];
    int64_t pos = j0 % k->period;
    for (int64_t i = 0; i < n; i += CAST_BLOCK) {
        int m = (int)(n - i < CAST_BLOCK ? n - i : CAST_BLOCK);
        const float *mul = k->mul + pos, *add = k->add + pos; /* the tiling runs one block past P */
        cast_gather(x + i * L->rs[0] * k->es_x, p->x.dtype, L->rs[0], m, tx);
        for (int e = 0; e < m; e++) ty[e] = tx[e] * mul[e] + add[e];
        cast_scatter(y + i * L->rs[1] * k->es_y, p->y.dtype, L->rs[1], m, ty);
        pos = (pos + m) % k->period;
    }
}

static int64_t cast_gcd(int64_t a, int64_t b) {
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int gk_cpu_cast(const gk_cast_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if (x->dtype < GK_F32 || x->dtype > GK_I32) return GK_ERR_UNSUPPORTED;
    if (y->dtype != GK_F32 && y->dtype != GK_F16 && y->dtype != GK_U8) return GK_ERR_UNSUPPORTED;
    if ((int64_t)y->n * y->h * y->w * y->c == 0) return GK_OK;

    cast_ctx k;
    k.p = p;
    cast_nest_build(&k.L, x, y);
    const cast_nest *L = &k.L;
    k.es_x = gk_dtype_size(x->dtype);
    k.es_y = gk_dtype_size(y->dtype);
    const int contiguous = L->rs[0] == 1 && L->rs[1] == 1;
    const int identity = !p->mean && !p->inv_std && p->scale == 1.f && p->offset == 0.f;
    k.copy = contiguous && identity && x->dtype == y->dtype;
    k.fast = contiguous && gk_cpu_isa_avx2;

    /* The affine folded into one multiply-add per element, its coefficients computed in double. */
    k.C = y->c;
    k.period = k.C / cast_gcd(k.C, 8) * 8;
    const int64_t tiled = k.period + CAST_BLOCK; /* a block starting anywhere in [0, P) never wraps */
    float *coef = (float *)malloc((size_t)(2 * tiled) * sizeof(float));
    if (!coef) return GK_ERR_OUT_OF_MEMORY;
    for (int64_t i = 0; i < tiled; i++) {
        int64_t c = i % k.C;
        double m = p->mean ? p->mean[c] : 0.0, s = p->inv_std ? p->inv_std[c] : 1.0;
        coef[i] = (float)((double)p->scale * s);
        coef[tiled + i] = (float)(((double)p->offset - m) * s);
    }
    k.mul = coef;
    k.add = coef + tiled;

    int64_t rows = 1;
    for (int d = 0; d < L->nd; d++) rows *= L->dim[d];
    const int64_t len = L->len, total = rows * len;
    const int64_t cpr = len > CAST_CHUNK ? (len + CAST_CHUNK - 1) / CAST_CHUNK : 1;
    const int64_t rpi = len >= CAST_CHUNK ? 1 : CAST_CHUNK / len;
    const int64_t items = cpr > 1 ? rows * cpr : (rows + rpi - 1) / rpi;
    const int nt = total >= CAST_PAR_MIN ? gk_nthreads() : 1;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t it = 0; it < items; it++) {
        int64_t r0, r1, j0 = 0, n = len;
        if (cpr > 1) {
            r0 = it / cpr;
            r1 = r0 + 1;
            j0 = (it % cpr) * CAST_CHUNK;
            n = len - j0 < CAST_CHUNK ? len - j0 : CAST_CHUNK;
        } else {
            r0 = it * rpi;
            r1 = r0 + rpi < rows ? r0 + rpi : rows;
        }
        int64_t idx[3] = {0, 0, 0}, off[2] = {0, 0}, rem = r0;
        for (int d = L->nd - 1; d >= 0; d--) {
            idx[d] = rem % L->dim[d];
            rem /= L->dim[d];
            off[0] += idx[d] * L->st[0][d];
            off[1] += idx[d] * L->st[1][d];
        }
        for (int64_t r = r0; r < r1; r++) {
            cast_run(&k, off, j0, n);
            for (int d = L->nd - 1; d >= 0; d--) {
                idx[d]++;
                off[0] += L->st[0][d];
                off[1] += L->st[1][d];
                if (idx[d] < L->dim[d]) break;
                off[0] -= L->st[0][d] * L->dim[d];
                off[1] -= L->st[1][d] * L->dim[d];
                idx[d] = 0;
            }
        }
    }
    free(coef);
    return GK_OK;
}

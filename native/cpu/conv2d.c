/* conv2d on the CPU: NHWC direct convolution over packed fp32 weights with a register-blocked
 * AVX2/FMA micro-kernel (6 output pixels x 16 output channels: 12 ymm accumulators, one broadcast
 * input value times two weight vectors) and a portable C twin.
 *
 * Packed weights (transposed = 0): fp32 [ceil(K/16)][R][S][C][16], channels k >= K zero. Every
 * source dtype packs to fp32, so the size query needs no dtype and F16 weights lose nothing.
 *
 * How a call runs. Work items are (n, output row, group of 16-wide K blocks), scheduled over the
 * OpenMP threads. An item first resolves where each tap of each of its output pixels reads: R
 * source rows (upsample, padding mode and stride folded into one index; F16 rows are widened to
 * fp32 in a per-thread buffer) and a shared column table give a pointer per (tap, pixel) into x,
 * or into a zero row for zero padding; channel slices only change the pixel stride. With fewer
 * than 16 input channels a tap is a whole kernel row instead, S*C values that are one run of the
 * source row for interior pixels (copied into a per-pixel patch at borders, under upsample or
 * dilation), so the micro-kernel does not spin over tiny channel loops; the packed layout is the
 * same matrix seen as [K/16][R][S*C][16]. Then, per tile of pixels and per K block, the
 * micro-kernel accumulates over the taps and input channels (split in blocks only when C is so
 * large that the weights would leave L2) and the epilogue (bias, scale/shift, activation,
 * out_scale, residual) turns the tile into y, rounding to F16 on store when y is F16. */
#include "conv_pack.h"
#include <stdlib.h>
#include <immintrin.h>

#define KBLK 16             /* output channels per packed block */
#define MR 6                /* output pixels per micro-kernel tile */
/* Budget for one channel block's weights. Measured on Zen 3: splitting C to keep the block in L1
 * (20 KiB) was slower than streaming it from L2 (3x3, C = 64 and 256), so blocks only keep the
 * weights L2-resident when C is large. */
#define WEIGHT_BLOCK_BYTES 131072
/* Budget for the weights of the K blocks one pixel tile visits in turn (L2 is 512 KiB on Zen 3). */
#ifndef WEIGHT_L2_BYTES
#define WEIGHT_L2_BYTES 196608
#endif

int64_t gk_cpu_conv2d_packed_bytes(int32_t k, int32_t r, int32_t s, int32_t c) {
    if (k <= 0 || r <= 0 || s <= 0 || c <= 0) return -1;
    return (int64_t)((k + KBLK - 1) / KBLK) * KBLK * r * s * c * (int64_t)sizeof(float);
}

int gk_cpu_conv2d_pack(const gk_conv_pack_params *p) {
    const int K = p->k, T = p->r * p->s, C = p->c, kbs = (K + KBLK - 1) / KBLK;
    float *dst = (float *)p->dst;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int kb = 0; kb < kbs; kb++) {
        for (int t = 0; t < T; t++) {
            for (int c = 0; c < C; c++) {
                float *d = dst + (((int64_t)kb * T + t) * C + c) * KBLK;
                for (int j = 0; j < KBLK; j++) {
                    int k = kb * KBLK + j;
                    float v = 0.f;
                    if (k < K) {
                        int64_t i = ((int64_t)k * T + t) * C + c;
                        v = p->src_dtype == GK_F16 ? gk_half_to_float(((const uint16_t *)p->src)[i])
                                                   : ((const float *)p->src)[i];
                    }
                    d[j] = v;
                }
            }
        }
    }
    return GK_OK;
}

/* ---- micro-kernels ---------------------------------------------------------------------------
 * acc[M][16] (=|+=) sum over taps t < T and channels c in [c0, c0+cn) of
 *   pt[t*tstride + i][c] * w[t*wtap + c*16 + j]      (w already offset to the block's c0)
 * NV is the number of 8-wide halves of the 16 channels that are live (1 when <= 8 remain). */

typedef void (*ukr_fn)(const float *const *pt, int64_t tstride, int T, int c0, int cn, const float *w,
                       int64_t wtap, float *acc, int load);

static inline __attribute__((always_inline)) GK_AVX2_TARGET void
ukr_avx2_body(const int M, const int NV, const float *const *pt, int64_t tstride, int T, int c0, int cn,
              const float *w, int64_t wtap, float *acc, int load) {
    __m256 a0[MR], a1[MR];
#pragma GCC unroll 6
    for (int i = 0; i < M; i++) {
        a0[i] = load ? _mm256_loadu_ps(acc + i * KBLK) : _mm256_setzero_ps();
        if (NV == 2) a1[i] = load ? _mm256_loadu_ps(acc + i * KBLK + 8) : _mm256_setzero_ps();
    }
    for (int t = 0; t < T; t++) {
        const float *q[MR];
#pragma GCC unroll 6
        for (int i = 0; i < M; i++) q[i] = pt[t * tstride + i] + c0;
        const float *wp = w + t * wtap;
#pragma GCC unroll 4
        for (int c = 0; c < cn; c++) {
            __m256 w0 = _mm256_loadu_ps(wp + c * KBLK);
            __m256 w1 = NV == 2 ? _mm256_loadu_ps(wp + c * KBLK + 8) : w0;
#pragma GCC unroll 6
            for (int i = 0; i < M; i++) {
                __m256 b = _mm256_broadcast_ss(q[i] + c);
                a0[i] = _mm256_fmadd_ps(b, w0, a0[i]);
                if (NV == 2) a1[i] = _mm256_fmadd_ps(b, w1, a1[i]);
            }
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < M; i++) {
        _mm256_storeu_ps(acc + i * KBLK, a0[i]);
        if (NV == 2) _mm256_storeu_ps(acc + i * KBLK + 8, a1[i]);
    }
}

static inline __attribute__((always_inline)) void
ukr_portable_body(const int M, const int NV, const float *const *pt, int64_t tstride, int T, int c0, int cn,
                  const float *w, int64_t wtap, float *acc, int load) {
    const int J = NV * 8;
    float a[MR][KBLK];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < KBLK; j++) a[i][j] = load ? acc[i * KBLK + j] : 0.f;
    for (int t = 0; t < T; t++) {
        const float *q[MR];
        for (int i = 0; i < M; i++) q[i] = pt[t * tstride + i] + c0;
        const float *wp = w + t * wtap;
        for (int c = 0; c < cn; c++) {
            const float *wc = wp + c * KBLK;
            for (int i = 0; i < M; i++) {
                const float b = q[i][c];
                for (int j = 0; j < J; j++) a[i][j] += b * wc[j];
            }
        }
    }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < J; j++) acc[i * KBLK + j] = a[i][j];
}

#define UKR_ARGS const float *const *pt, int64_t tstride, int T, int c0, int cn, const float *w, int64_t wtap, \
                 float *acc, int load
#define UKR_PASS pt, tstride, T, c0, cn, w, wtap, acc, load
#define UKR_DEF(M, NV)                                                                            \
    static GK_AVX2_TARGET void ukr_avx2_##M##_##NV(UKR_ARGS) { ukr_avx2_body(M, NV, UKR_PASS); } \
    static void ukr_portable_##M##_##NV(UKR_ARGS) { ukr_portable_body(M, NV, UKR_PASS); }
UKR_DEF(1, 1) UKR_DEF(2, 1) UKR_DEF(3, 1) UKR_DEF(4, 1) UKR_DEF(5, 1) UKR_DEF(6, 1)
UKR_DEF(1, 2) UKR_DEF(2, 2) UKR_DEF(3, 2) UKR_DEF(4, 2) UKR_DEF(5, 2) UKR_DEF(6, 2)

static const ukr_fn UKR_AVX2[2][MR] = {
    {ukr_avx2_1_1, ukr_avx2_2_1, ukr_avx2_3_1, ukr_avx2_4_1, ukr_avx2_5_1, ukr_avx2_6_1},
    {ukr_avx2_1_2, ukr_avx2_2_2, ukr_avx2_3_2, ukr_avx2_4_2, ukr_avx2_5_2, ukr_avx2_6_2}};
static const ukr_fn UKR_PORTABLE[2][MR] = {
    {ukr_portable_1_1, ukr_portable_2_1, ukr_portable_3_1, ukr_portable_4_1, ukr_portable_5_1, ukr_portable_6_1},
    {ukr_portable_1_2, ukr_portable_2_2, ukr_portable_3_2, ukr_portable_4_2, ukr_portable_5_2, ukr_portable_6_2}};

/* ---- epilogue ------------------------------------------------------------------------------ */

/* The epilogue's per-channel terms for one K block, padded to 16 so vector loads stay inside. */
typedef struct ep_block {
    float bias[KBLK], scale[KBLK], shift[KBLK];
} ep_block;

static void ep_block_fill(const gk_epilogue *ep, int k0, int kw, ep_block *b) {
    for (int j = 0; j < KBLK; j++) {
        int live = j < kw;
        b->bias[j] = live && ep->bias ? ep->bias[k0 + j] : 0.f;
        b->scale[j] = live && ep->scale ? ep->scale[k0 + j] : 1.f;
        b->shift[j] = live && ep->shift ? ep->shift[k0 + j] : 0.f;
    }
}

/* exp with Cephes' range reduction and polynomial: about 1 ulp over the clamped range. */
static inline __attribute__((always_inline)) GK_AVX2_TARGET __m256 exp_avx2(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static inline __attribute__((always_inline)) GK_AVX2_TARGET __m256 act_avx2(int act, __m256 alpha, __m256 v) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.f);
    switch (act) {
    case GK_ACT_RELU: return _mm256_max_ps(v, zero); /* NaN -> 0, as gk_act_apply */
    case GK_ACT_LEAKY: return _mm256_blendv_ps(v, _mm256_mul_ps(alpha, v), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
    case GK_ACT_SIGMOID: {
        __m256 e = exp_avx2(_mm256_sub_ps(zero, v));
        return _mm256_div_ps(one, _mm256_add_ps(one, e));
    }
    case GK_ACT_TANH: {
        /* Cephes tanhf: an odd polynomial below 0.625, 1 - 2/(exp(2|x|)+1) above. */
        const __m256 signmask = _mm256_set1_ps(-0.f);
        __m256 ax = _mm256_andnot_ps(signmask, v);
        __m256 z = _mm256_mul_ps(v, v);
        __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954E-2f));
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531E-2f));
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036E-1f));
        p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422E-1f));
        __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), v, v);
        __m256 e = exp_avx2(_mm256_add_ps(ax, ax));
        __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(e, one)));
        big = _mm256_or_ps(big, _mm256_and_ps(signmask, v));
        return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
    }
    default: return v;
    }
}

static inline __attribute__((always_inline)) GK_AVX2_TARGET __m256 load8_avx2(const void *p, int f16, int cnt) {
    if (cnt == 8) {
        return f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)) : _mm256_loadu_ps((const float *)p);
    }
    if (f16) {
        uint16_t tmp[8] = {0};
        memcpy(tmp, p, (size_t)cnt * 2);
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)tmp));
    }
    float tmp[8] = {0};
    memcpy(tmp, p, (size_t)cnt * 4);
    return _mm256_loadu_ps(tmp);
}

static inline __attribute__((always_inline)) GK_AVX2_TARGET void store8_avx2(void *p, __m256 v, int f16, int cnt) {
    if (f16) {
        __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        if (cnt == 8) {
            _mm_storeu_si128((__m128i *)p, h);
        } else {
            uint16_t tmp[8];
            _mm_storeu_si128((__m128i *)tmp, h);
            memcpy(p, tmp, (size_t)cnt * 2);
        }
    } else if (cnt == 8) {
        _mm256_storeu_ps((float *)p, v);
    } else {
        float tmp[8];
        _mm256_storeu_ps(tmp, v);
        memcpy(p, tmp, (size_t)cnt * 4);
    }
}

/* y[n, oh, ow0 + i, k0 + j] = epilogue(acc[i][j]) for i < m, j < kw. The residual is read before y
 * is written, element for element, so a residual that is y itself (in-place add) works. */
static GK_AVX2_TARGET void epilogue_avx2(const gk_conv2d_params *p, const ep_block *eb, const float *acc, int n,
                                         int oh, int ow0, int m, int k0, int kw) {
    const gk_tensor *y = &p->y;
    const gk_epilogue *ep = &p->ep;
    const gk_tensor *res = ep->residual.data ? &ep->residual : NULL;
    const int f16 = y->dtype == GK_F16, es = f16 ? 2 : 4;
    const __m256 alpha = _mm256_set1_ps(ep->alpha), os = _mm256_set1_ps(ep->out_scale),
                 rs = _mm256_set1_ps(ep->res_scale);
    for (int i = 0; i < m; i++) {
        const int ow = ow0 + i;
        const float *a = acc + i * KBLK;
        char *yp = (char *)y->data + gk_off(y, n, oh, ow, k0) * es;
        const char *rp = res ? (const char *)res->data + gk_off(res, n, oh, ow, k0) * es : NULL;
        for (int j = 0; j < kw; j += 8) {
            int cnt = kw - j < 8 ? kw - j : 8;
            __m256 v = _mm256_loadu_ps(a + j);
            if (ep->bias) v = _mm256_add_ps(v, _mm256_loadu_ps(eb->bias + j));
            if (ep->scale) v = _mm256_mul_ps(v, _mm256_loadu_ps(eb->scale + j));
            if (ep->shift) v = _mm256_add_ps(v, _mm256_loadu_ps(eb->shift + j));
            v = act_avx2(ep->act, alpha, v);
            v = _mm256_mul_ps(v, os);
            if (rp) v = _mm256_add_ps(v, _mm256_mul_ps(rs, load8_avx2(rp + (int64_t)j * es, f16, cnt)));
            store8_avx2(yp + (int64_t)j * es, v, f16, cnt);
        }
    }
}

static void epilogue_portable(const gk_conv2d_params *p, const ep_block *eb, const float *acc, int n, int oh,
                              int ow0, int m, int k0, int kw) {
    const gk_tensor *y = &p->y;
    const gk_epilogue *ep = &p->ep;
    const gk_tensor *res = ep->residual.data ? &ep->residual : NULL;
    (void)eb; /* gk_epilogue_apply reads the vectors itself */
    for (int i = 0; i < m; i++) {
        const int ow = ow0 + i;
        const float *a = acc + i * KBLK;
        int64_t yo = gk_off(y, n, oh, ow, k0);
        int64_t ro = res ? gk_off(res, n, oh, ow, k0) : 0;
        for (int j = 0; j < kw; j++) {
            float r = res ? gk_load(res, ro + j) : 0.f;
            gk_store(y, yo + j, gk_epilogue_apply(ep, k0 + j, a[j], r));
        }
    }
}

/* ---- input addressing ------------------------------------------------------------------------ */

static GK_AVX2_TARGET void widen_f16_avx2(const uint16_t *src, float *dst, int64_t count) {
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < count; i++) dst[i] = gk_half_to_float(src[i]);
}

static void widen_f16_portable(const uint16_t *src, float *dst, int64_t count) {
    for (int64_t i = 0; i < count; i++) dst[i] = gk_half_to_float(src[i]);
}

/* Index of the source row/column read at position i (in upsampled, padded coordinates) or -1
 * for a zero-padded position. */
static inline int src_index(int i, int up_size, int mode, int upsample) {
    int m = gk_pad_index(i, up_size, mode);
    return m < 0 ? -1 : m / upsample;
}

typedef struct conv_plan {
    const gk_conv2d_params *p;
    int N, Hin, Win, C, Hout, Wout, K, R, S, T, kbs;
    int f16;
    int runs;       /* small C: a tap is a kernel row of S*C values (see run_item) */
    int tk, ck;     /* what the micro-kernel sees: tk taps of ck channels */
    int cblk;       /* channels per weight block */
    int kgroups, kb_per_group;
    int kb_l2;      /* K blocks whose weights share L2 while a tile visits them */
    const int *col; /* [S][Wout] source column or -1 */
    const int *run_col; /* runs: [Wout] first source column when the S columns are consecutive, else -1 */
    const ep_block *eps; /* [kbs] */
    const float *zeros;
    int avx2;
} conv_plan;

typedef struct conv_scratch {
    float *rows;        /* F16: R widened source rows of Win*C */
    const float **ptab; /* [tk][Wout] where each tap of each pixel reads */
    float *patch;       /* runs: [Wout][R][S*C] copied kernel rows */
    float *acc;         /* [MR][16] */
} conv_scratch;

/* The output (and residual) lines the tile's epilogue will write: their misses, read-for-ownership
 * ones included, then overlap the micro-kernel instead of stalling the stores (1x1 convs lost 15%). */
/* always_inline: as a call, gcc deems a function of prefetches alone pure and deletes the call. */
static inline __attribute__((always_inline)) void prefetch_out(const gk_conv2d_params *p, int n, int oh, int ow, int m,
                                                               int k0) {
    const gk_tensor *y = &p->y, *r = &p->ep.residual;
    const int es = gk_dtype_size(y->dtype);
    for (int i = 0; i < m; i++) {
        /* a read prefetch: gcc drops write prefetches for targets without PREFETCHW */
        __builtin_prefetch((const char *)y->data + gk_off(y, n, oh, ow + i, k0) * es, 0, 3);
        if (r->data) __builtin_prefetch((const char *)r->data + gk_off(r, n, oh, ow + i, k0) * es, 0, 3);
    }
}

/* Pixels in the next tile: MR, except that a remainder is shared with the tile before it (8 = 4 + 4
 * rather than 6 + 2), since a narrow tile has too few accumulator chains to hide FMA latency. */
static inline int tile_width(int left) {
    if (left <= MR) return left;
    if (left >= 2 * MR) return MR;
    return (left + 1) / 2;
}

static void run_item(const conv_plan *pl, conv_scratch *sc, int n, int oh, int kg) {
    const gk_conv2d_params *p = pl->p;
    const gk_tensor *x = &p->x;
    const int C = pl->C, Wout = pl->Wout, S = pl->S, R = pl->R;
    const float *rb[R]; /* each tap row's source row (fp32), NULL for a zero-padded row */
    int64_t ps; /* floats between consecutive source pixels */
    if (pl->f16) {
        ps = C;
        for (int r = 0; r < R; r++) {
            int ih = src_index(oh * p->stride_h - p->pad_top + r * p->dil_h, pl->Hin * p->upsample, p->pad_mode,
                               p->upsample);
            if (ih < 0) {
                rb[r] = NULL;
                continue;
            }
            float *dst = sc->rows + (int64_t)r * pl->Win * C;
            const int dense = x->sw == C; /* the whole row is one run */
            for (int iw = 0; iw < (dense ? 1 : pl->Win); iw++) {
                const uint16_t *src = (const uint16_t *)x->data + gk_off(x, n, ih, iw, 0);
                const int64_t cnt = dense ? (int64_t)pl->Win * C : C;
                if (pl->avx2) widen_f16_avx2(src, dst + (int64_t)iw * C, cnt);
                else widen_f16_portable(src, dst + (int64_t)iw * C, cnt);
            }
            rb[r] = dst;
        }
    } else {
        ps = x->sw;
        for (int r = 0; r < R; r++) {
            int ih = src_index(oh * p->stride_h - p->pad_top + r * p->dil_h, pl->Hin * p->upsample, p->pad_mode,
                               p->upsample);
            rb[r] = ih < 0 ? NULL : (const float *)x->data + gk_off(x, n, ih, 0, 0);
        }
    }

    /* Where each (tap, pixel) reads. In run mode a tap is a kernel row: S*C floats that are one run of
     * the source row when the window's columns are consecutive and pixels dense (no copy), else a
     * copy in the pixel's patch. */
    if (pl->runs) {
        const int SC = S * C;
        for (int r = 0; r < R; r++) {
            const float **pt = sc->ptab + (int64_t)r * Wout;
            for (int ow = 0; ow < Wout; ow++) {
                if (!rb[r]) {
                    pt[ow] = pl->zeros;
                } else if (pl->run_col[ow] >= 0 && ps == C) {
                    pt[ow] = rb[r] + (int64_t)pl->run_col[ow] * C;
                } else {
                    float *dst = sc->patch + ((int64_t)ow * R + r) * SC;
                    for (int s2 = 0; s2 < S; s2++) {
                        const int col = pl->col[s2 * Wout + ow];
                        const float *src = col < 0 ? pl->zeros : rb[r] + col * ps;
                        for (int c = 0; c < C; c++) dst[s2 * C + c] = src[c];
                    }
                    pt[ow] = dst;
                }
            }
        }
    } else {
        for (int r = 0; r < R; r++) {
            for (int s2 = 0; s2 < S; s2++) {
                const float **pt = sc->ptab + (int64_t)(r * S + s2) * Wout;
                const int *col = pl->col + s2 * Wout;
                if (!rb[r]) {
                    for (int ow = 0; ow < Wout; ow++) pt[ow] = pl->zeros;
                } else {
                    for (int ow = 0; ow < Wout; ow++) pt[ow] = col[ow] < 0 ? pl->zeros : rb[r] + col[ow] * ps;
                }
            }
        }
    }

    const float *wall = (const float *)p->w;
    const int kb0 = kg * pl->kb_per_group;
    const int kb1 = kb0 + pl->kb_per_group < pl->kbs ? kb0 + pl->kb_per_group : pl->kbs;
    const int64_t wtap = (int64_t)pl->ck * KBLK;
    const ukr_fn(*ukr)[MR] = pl->avx2 ? UKR_AVX2 : UKR_PORTABLE;
    /* Pixel tiles outside, K blocks inside: a tile's input stays in L1 while it meets every K block
     * of a group whose weights stay in L2. */
    for (int g0 = kb0; g0 < kb1; g0 += pl->kb_l2) {
        const int g1 = g0 + pl->kb_l2 < kb1 ? g0 + pl->kb_l2 : kb1;
        for (int ow = 0, m; ow < Wout; ow += m) {
            m = tile_width(Wout - ow);
            if (pl->tk == 1 && ow + m < Wout) { /* 1x1: fetch the next tile's pixels */
                const int mn = tile_width(Wout - ow - m);
                for (int i = 0; i < mn; i++) {
                    const char *q = (const char *)sc->ptab[ow + m + i];
                    for (int64_t b = 0; b < (int64_t)pl->ck * 4; b += 64) __builtin_prefetch(q + b, 0, 3);
                }
            }
            for (int kb = g0; kb < g1; kb++) {
                const int k0 = kb * KBLK, kw = pl->K - k0 < KBLK ? pl->K - k0 : KBLK;
                const float *wk = wall + (int64_t)kb * pl->tk * wtap;
                const ukr_fn f = ukr[kw > 8 ? 1 : 0][m - 1];
                prefetch_out(p, n, oh, ow, m, k0);
                for (int c0 = 0; c0 < pl->ck; c0 += pl->cblk) {
                    const int cn = pl->ck - c0 < pl->cblk ? pl->ck - c0 : pl->cblk;
                    f((const float *const *)sc->ptab + ow, Wout, pl->tk, c0, cn, wk + (int64_t)c0 * KBLK, wtap, sc->acc,
                      c0 > 0);
                }
                if (pl->avx2) epilogue_avx2(p, &pl->eps[kb], sc->acc, n, oh, ow, m, k0, kw);
                else epilogue_portable(p, &pl->eps[kb], sc->acc, n, oh, ow, m, k0, kw);
            }
        }
    }
}

static void *alloc_bytes(int64_t bytes) {
    if (bytes <= 0) bytes = 1;
    return aligned_alloc(64, ((size_t)bytes + 63) & ~(size_t)63);
}

int gk_cpu_conv2d(const gk_conv2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if ((x->dtype != GK_F32 && x->dtype != GK_F16) || y->dtype != x->dtype) return GK_ERR_UNSUPPORTED;
    if (p->ep.residual.data && p->ep.residual.dtype != y->dtype) return GK_ERR_UNSUPPORTED;
    conv_plan pl;
    pl.p = p;
    pl.N = y->n;
    pl.Hin = x->h;
    pl.Win = x->w;
    pl.C = x->c;
    pl.Hout = y->h;
    pl.Wout = y->w;
    pl.K = y->c;
    pl.R = p->r;
    pl.S = p->s;
    pl.T = p->r * p->s;
    pl.kbs = (pl.K + KBLK - 1) / KBLK;
    pl.f16 = x->dtype == GK_F16;
    pl.avx2 = gk_cpu_isa_avx2 == 1;
    if (pl.N <= 0 || pl.Hout <= 0 || pl.Wout <= 0 || pl.K <= 0) return GK_OK;
    pl.runs = pl.C < 16 && pl.S > 1;
    pl.tk = pl.runs ? pl.R : pl.T;
    pl.ck = pl.runs ? pl.S * pl.C : pl.C;
    {
        int64_t wbytes = (int64_t)pl.tk * pl.ck * KBLK * (int64_t)sizeof(float);
        int64_t blocks = (wbytes + WEIGHT_BLOCK_BYTES - 1) / WEIGHT_BLOCK_BYTES;
        if (blocks < 1) blocks = 1;
        if (blocks > pl.ck) blocks = pl.ck;
        pl.cblk = (int)((pl.ck + blocks - 1) / blocks);
    }
    {
        int64_t kbbytes = (int64_t)pl.tk * pl.ck * KBLK * (int64_t)sizeof(float);
        int64_t g = WEIGHT_L2_BYTES / kbbytes;
        pl.kb_l2 = g < 1 ? 1 : g > pl.kbs ? pl.kbs : (int)g;
    }
    const int nth = gk_nthreads();
    const int64_t rows = (int64_t)pl.N * pl.Hout;
    pl.kgroups = 1;
    while (pl.kgroups < pl.kbs && rows * pl.kgroups < 4 * (int64_t)nth) pl.kgroups++;
    pl.kb_per_group = (pl.kbs + pl.kgroups - 1) / pl.kgroups;
    pl.kgroups = (pl.kbs + pl.kb_per_group - 1) / pl.kb_per_group;

    int *col = malloc(sizeof(int) * (size_t)(pl.S + 1) * pl.Wout);
    float *zeros = calloc((size_t)pl.ck, sizeof(float)); /* a zero tap of either kind */
    ep_block *eps = malloc(sizeof(ep_block) * (size_t)pl.kbs);
    if (!col || !zeros || !eps) {
        free(col);
        free(zeros);
        free(eps);
        return GK_ERR_OUT_OF_MEMORY;
    }
    for (int kb = 0; kb < pl.kbs; kb++)
        ep_block_fill(&p->ep, kb * KBLK, pl.K - kb * KBLK < KBLK ? pl.K - kb * KBLK : KBLK, &eps[kb]);
    pl.eps = eps;
    for (int s = 0; s < pl.S; s++)
        for (int ow = 0; ow < pl.Wout; ow++)
            col[s * pl.Wout + ow] = src_index(ow * p->stride_w - p->pad_left + s * p->dil_w, pl.Win * p->upsample,
                                              p->pad_mode, p->upsample);
    int *run_col = col + pl.S * pl.Wout;
    for (int ow = 0; ow < pl.Wout; ow++) {
        int c0 = col[ow];
        for (int s = 1; s < pl.S && c0 >= 0; s++)
            if (col[s * pl.Wout + ow] != c0 + s) c0 = -1;
        run_col[ow] = c0;
    }
    pl.col = col;
    pl.run_col = run_col;
    pl.zeros = zeros;

    int failed = 0;
    const int64_t items = rows * pl.kgroups;
#pragma omp parallel num_threads(nth)
    {
        conv_scratch sc;
        sc.rows = pl.f16 ? alloc_bytes((int64_t)pl.R * pl.Win * pl.C * (int64_t)sizeof(float)) : NULL;
        sc.ptab = alloc_bytes((int64_t)pl.tk * pl.Wout * (int64_t)sizeof(float *));
        sc.patch = pl.runs ? alloc_bytes((int64_t)pl.Wout * pl.T * pl.C * (int64_t)sizeof(float)) : NULL;
        sc.acc = alloc_bytes((int64_t)MR * KBLK * (int64_t)sizeof(float));
        int ok = sc.ptab && sc.acc && (!pl.f16 || sc.rows) && (!pl.runs || sc.patch);
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp barrier
        int stop;
#pragma omp atomic read
        stop = failed;
        if (!stop) {
#pragma omp for schedule(dynamic, 1)
            for (int64_t it = 0; it < items; it++) {
                int64_t row = it / pl.kgroups;
                run_item(&pl, &sc, (int)(row / pl.Hout), (int)(row % pl.Hout), (int)(it % pl.kgroups));
            }
        }
        free(sc.rows);
        free(sc.ptab);
        free(sc.patch);
        free(sc.acc);
    }
    free(col);
    free(zeros);
    free(eps);
    return failed ? GK_ERR_OUT_OF_MEMORY : GK_OK;
}

/* conv_transpose2d on the CPU (PyTorch ConvTranspose2d, groups = 1) in gather form, so no two
 * threads ever add into the same output (a scatter would race or need atomics).
 *
 * Output pixels fall into stride classes (oh mod stride_h, ow mod stride_w). Every pixel of a class
 * sees the same kernel taps, and along the class's sub-grid the input pixel a tap reads moves by
 * exactly one per step, so each class is a stride-1 implicit GEMM: (N x class pixels) x K outputs,
 * reduced over (taps of the class) x C. A micro-kernel keeps a 6-pixel x 16-channel tile in AVX2
 * registers; weights are packed in 16-channel blocks so each (tap, c) step loads 64 contiguous bytes.
 * With at most 4 output channels (an RGB output layer) 16-channel vectors would be mostly idle, so
 * a second AVX2 micro-kernel vectorizes over C instead: dot products of pixels with weight rows.
 * Batch is the fastest-moving pixel index, so the pixels of a tile usually share their tap validity
 * (which is what makes the 1x1-noise first layer of DCGAN's generator dense). */
#include "conv_pack.h"
#include <immintrin.h>
#include <stdlib.h>

#define KB 16 /* output channels per packed weight block (two AVX2 vectors) */
#define MR 6  /* output pixels per micro-tile */
#define MRMAX 8 /* the largest tile (the dot-product kernel's, for K = 1) */
#define CT_DOT_MAXK 4

static const int ct_dot_tile[CT_DOT_MAXK + 1] = {0, 8, 6, 4, 3}; /* 8..12 accumulators */

/* Packed layout: [ceil(K/16)][R][S][C][16] floats, channels k >= K zero; for K <= 4 followed by
 * the dense K x R x S x C weights in fp32 for the dot-product kernel. */
static int64_t ct_blocked_floats(int64_t k, int64_t r, int64_t s, int64_t c) {
    return (k + KB - 1) / KB * KB * r * s * c;
}

int64_t gk_cpu_conv_transpose2d_packed_bytes(int32_t k, int32_t r, int32_t s, int32_t c) {
    int64_t n = ct_blocked_floats(k, r, s, c) + (k <= CT_DOT_MAXK ? (int64_t)k * r * s * c : 0);
    return n * (int64_t)sizeof(float);
}

int gk_cpu_conv_transpose2d_pack(const gk_conv_pack_params *p) {
    const int K = p->k, R = p->r, S = p->s, C = p->c;
    const int nkb = (K + KB - 1) / KB;
    float *dst = (float *)p->dst;
    const int64_t rows = (int64_t)nkb * R * S;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int64_t row = 0; row < rows; row++) {
        int kb = (int)(row / ((int64_t)R * S)), rs = (int)(row % ((int64_t)R * S));
        float *d = dst + row * C * KB;
        for (int c = 0; c < C; c++) {
            for (int kk = 0; kk < KB; kk++) {
                int k = kb * KB + kk;
                float v = 0.f;
                if (k < K) {
                    int64_t si = ((int64_t)k * R * S + rs) * C + c;
                    v = p->src_dtype == GK_F16 ? gk_half_to_float(((const uint16_t *)p->src)[si])
                                               : ((const float *)p->src)[si];
                }
                d[(int64_t)c * KB + kk] = v;
            }
        }
    }
    if (K <= CT_DOT_MAXK) {
        float *dense = dst + ct_blocked_floats(K, R, S, C);
        const int64_t n = (int64_t)K * R * S * C;
        for (int64_t i = 0; i < n; i++) {
            dense[i] = p->src_dtype == GK_F16 ? gk_half_to_float(((const uint16_t *)p->src)[i])
                                              : ((const float *)p->src)[i];
        }
    }
    return GK_OK;
}

/* One dimension of stride class q, the outputs q, q + stride, q + 2*stride, ...: how many there are,
 * and its taps: tap t reads input coordinate i + off[t] for the class's i-th output. */
typedef struct {
    int count;
    int ntaps;
    int *tap; /* r (or s) */
    int *off;
} ct_class1d;

/* Fills the classes of one dimension; taps that no position of the class can use are dropped. */
static void ct_classes(ct_class1d *cls, int *tapbuf, int stride, int pad, int dil, int ksize, int in, int out) {
    for (int q = 0; q < stride; q++) {
        ct_class1d *c = &cls[q];
        c->count = q < out ? (out - q + stride - 1) / stride : 0;
        c->tap = tapbuf + 2 * q * ksize;
        c->off = c->tap + ksize;
        c->ntaps = 0;
        for (int r = 0; r < ksize; r++) {
            int num = q + pad - r * dil; /* out = in*stride - pad + r*dil  =>  in = (out + pad - r*dil) / stride */
            if (num % stride != 0) continue;
            int off = num / stride;
            if (c->count == 0 || off >= in || off + c->count - 1 < 0) continue;
            c->tap[c->ntaps] = r;
            c->off[c->ntaps] = off;
            c->ntaps++;
        }
    }
}

/* A micro-kernel: tb[j*16 + kk] = sum over T taps and C channels of xp[t*MRMAX + j][c] * w[wo[t] + c*16 + kk]. */
typedef void (*ct_mk_fn)(int T, const float *const *xp, const int64_t *wo, const float *w, int C, float *tb);
/* A dot-product micro-kernel: tb[j*16 + k] = sum over T taps and C of xp[t*MRMAX + j][c] * w[k*ks + wo[t] + c]. */
typedef void (*ct_dot_fn)(int T, const float *const *xp, const int64_t *wo, const float *w, int64_t ks, int C,
                          float *tb);
/* Applies the epilogue to kn accumulators and stores them at y element offset yoff (channel k0 first). */
typedef void (*ct_emit_fn)(const float *acc, const gk_tensor *y, int64_t yoff, const gk_epilogue *ep, int64_t roff,
                           int k0, int kn);

/* ---- portable C ----------------------------------------------------------------------------- */

static void ct_mk_portable(int mr, int T, const float *const *xp, const int64_t *wo, const float *w, int C, float *tb) {
    float acc[MR][KB];
    memset(acc, 0, sizeof(acc));
    for (int t = 0; t < T; t++) {
        const float *const *a = xp + t * MRMAX;
        const float *wt = w + wo[t];
        for (int c = 0; c < C; c++) {
            const float *wc = wt + (int64_t)c * KB;
            for (int j = 0; j < mr; j++) {
                float xv = a[j][c];
                for (int kk = 0; kk < KB; kk++) acc[j][kk] += xv * wc[kk];
            }
        }
    }
    memcpy(tb, acc, sizeof(float) * KB * (size_t)mr);
}

#define CT_PORTABLE(M)                                                                                       \
    static void ct_mk_portable_##M(int T, const float *const *xp, const int64_t *wo, const float *w, int C, \
                                   float *tb) {                                                              \
        ct_mk_portable(M, T, xp, wo, w, C, tb);                                                              \
    }
CT_PORTABLE(1)
CT_PORTABLE(2)
CT_PORTABLE(3)
CT_PORTABLE(4)
CT_PORTABLE(5)
CT_PORTABLE(6)

static void ct_emit_portable(const float *acc, const gk_tensor *y, int64_t yoff, const gk_epilogue *ep, int64_t roff,
                             int k0, int kn) {
    const int has_res = ep->residual.data != NULL;
    for (int kk = 0; kk < kn; kk++) {
        float res = has_res ? gk_load(&ep->residual, roff + k0 + kk) : 0.f;
        gk_store(y, yoff + k0 + kk, gk_epilogue_apply(ep, k0 + kk, acc[kk], res));
    }
}

/* ---- AVX2 / FMA / F16C ---------------------------------------------------------------------- */

/* Accumulators are named variables, not an array: GCC keeps an array of vectors on the stack and
 * stores it back on every iteration, which halves the FMA rate. */
#define CT_ROW(J)                                                                            \
    if (mr > J) {                                                                            \
        __m256 xv = _mm256_broadcast_ss(a##J + c);                                           \
        acc##J##0 = _mm256_fmadd_ps(xv, w0, acc##J##0);                                      \
        if (nv > 1) acc##J##1 = _mm256_fmadd_ps(xv, w1, acc##J##1);                          \
    }
#define CT_STORE(J)                                                                          \
    if (mr > J) {                                                                            \
        _mm256_storeu_ps(tb + J * KB, acc##J##0);                                            \
        if (nv > 1) _mm256_storeu_ps(tb + J * KB + 8, acc##J##1);                            \
    }

static inline __attribute__((always_inline)) GK_AVX2_TARGET void
ct_mk_avx2(const int mr, const int nv, int T, const float *const *xp, const int64_t *wo, const float *w, int C,
           float *tb) {
    __m256 acc00 = _mm256_setzero_ps(), acc01 = acc00, acc10 = acc00, acc11 = acc00, acc20 = acc00, acc21 = acc00,
           acc30 = acc00, acc31 = acc00, acc40 = acc00, acc41 = acc00, acc50 = acc00, acc51 = acc00;
    for (int t = 0; t < T; t++) {
        const float *const *ap = xp + t * MRMAX;
        const float *a0 = ap[0], *a1 = mr > 1 ? ap[1] : a0, *a2 = mr > 2 ? ap[2] : a0, *a3 = mr > 3 ? ap[3] : a0,
                    *a4 = mr > 4 ? ap[4] : a0, *a5 = mr > 5 ? ap[5] : a0;
        const float *wc = w + wo[t];
        for (int c = 0; c < C; c++, wc += KB) {
            __m256 w0 = _mm256_loadu_ps(wc);
            __m256 w1 = nv > 1 ? _mm256_loadu_ps(wc + 8) : w0;
            CT_ROW(0) CT_ROW(1) CT_ROW(2) CT_ROW(3) CT_ROW(4) CT_ROW(5)
        }
    }
    CT_STORE(0) CT_STORE(1) CT_STORE(2) CT_STORE(3) CT_STORE(4) CT_STORE(5)
}

#define CT_AVX2(M, V)                                                                                    \
    static GK_AVX2_TARGET void ct_mk_avx2_##M##_##V(int T, const float *const *xp, const int64_t *wo,   \
                                                     const float *w, int C, float *tb) {                 \
        ct_mk_avx2(M, V, T, xp, wo, w, C, tb);                                                           \
    }
CT_AVX2(1, 1)
CT_AVX2(2, 1)
CT_AVX2(3, 1)
CT_AVX2(4, 1)
CT_AVX2(5, 1)
CT_AVX2(6, 1)
CT_AVX2(1, 2)
CT_AVX2(2, 2)
CT_AVX2(3, 2)
CT_AVX2(4, 2)
CT_AVX2(5, 2)
CT_AVX2(6, 2)

/* The dot-product kernel for P pixels x K <= 4 channels. Its loops are unrolled by pragma so GCC turns
 * the accumulator array into registers. */
static inline __attribute__((always_inline)) GK_AVX2_TARGET void
ct_dot_avx2(const int P, const int K, int T, const float *const *xp, const int64_t *wo, const float *w, int64_t ks,
            int C, float *tb) {
    __m256 acc[MRMAX][CT_DOT_MAXK];
#pragma GCC unroll 8
    for (int j = 0; j < P; j++)
#pragma GCC unroll 4
        for (int k = 0; k < K; k++) acc[j][k] = _mm256_setzero_ps();
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(C % 8), lanes);
    for (int t = 0; t < T; t++) {
        const float *a[MRMAX];
#pragma GCC unroll 8
        for (int j = 0; j < P; j++) a[j] = xp[t * MRMAX + j];
        const float *wt = w + wo[t];
        int c = 0;
        for (; c + 8 <= C; c += 8) {
            __m256 wv[CT_DOT_MAXK];
#pragma GCC unroll 4
            for (int k = 0; k < K; k++) wv[k] = _mm256_loadu_ps(wt + k * ks + c);
#pragma GCC unroll 8
            for (int j = 0; j < P; j++) {
                __m256 xv = _mm256_loadu_ps(a[j] + c);
#pragma GCC unroll 4
                for (int k = 0; k < K; k++) acc[j][k] = _mm256_fmadd_ps(xv, wv[k], acc[j][k]);
            }
        }
        if (c < C) {
            __m256 wv[CT_DOT_MAXK];
#pragma GCC unroll 4
            for (int k = 0; k < K; k++) wv[k] = _mm256_maskload_ps(wt + k * ks + c, tail);
#pragma GCC unroll 8
            for (int j = 0; j < P; j++) {
                __m256 xv = _mm256_maskload_ps(a[j] + c, tail);
#pragma GCC unroll 4
                for (int k = 0; k < K; k++) acc[j][k] = _mm256_fmadd_ps(xv, wv[k], acc[j][k]);
            }
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < P; j++)
#pragma GCC unroll 4
        for (int k = 0; k < K; k++) {
            __m128 v = _mm_add_ps(_mm256_castps256_ps128(acc[j][k]), _mm256_extractf128_ps(acc[j][k], 1));
            v = _mm_add_ps(v, _mm_movehl_ps(v, v));
            v = _mm_add_ss(v, _mm_movehdup_ps(v));
            tb[j * KB + k] = _mm_cvtss_f32(v);
        }
}

#define CT_DOT(K)                                                                                              \
    static GK_AVX2_TARGET void ct_dot_avx2_##K(int T, const float *const *xp, const int64_t *wo, const float *w, \
                                               int64_t ks, int C, float *tb) {                                 \
        ct_dot_avx2(ct_dot_tile[K], K, T, xp, wo, w, ks, C, tb);                                                \
    }
CT_DOT(1)
CT_DOT(2)
CT_DOT(3)
CT_DOT(4)

static GK_AVX2_TARGET __m256i ct_mask(int m) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(m), lanes);
}

static GK_AVX2_TARGET void ct_emit_avx2(const float *acc, const gk_tensor *y, int64_t yoff, const gk_epilogue *ep,
                                        int64_t roff, int k0, int kn) {
    const __m256 zero = _mm256_setzero_ps();
    for (int v = 0; v < kn; v += 8) {
        const int m = kn - v < 8 ? kn - v : 8;
        const int k = k0 + v;
        const __m256i mask = ct_mask(m);
        __m256 t = _mm256_loadu_ps(acc + v);
        if (ep->bias) t = _mm256_add_ps(t, _mm256_maskload_ps(ep->bias + k, mask));
        if (ep->scale) t = _mm256_mul_ps(t, _mm256_maskload_ps(ep->scale + k, mask));
        if (ep->shift) t = _mm256_add_ps(t, _mm256_maskload_ps(ep->shift + k, mask));
        switch (ep->act) {
        case GK_ACT_RELU: t = _mm256_max_ps(t, zero); break; /* max(NaN, 0) = 0, like v > 0 ? v : 0 */
        case GK_ACT_LEAKY:
            t = _mm256_blendv_ps(t, _mm256_mul_ps(t, _mm256_set1_ps(ep->alpha)), _mm256_cmp_ps(t, zero, _CMP_LT_OQ));
            break;
        case GK_ACT_TANH:
        case GK_ACT_SIGMOID: { /* libm accuracy; these only end a network, where K is small */
            float tmp[8];
            _mm256_storeu_ps(tmp, t);
            for (int i = 0; i < m; i++) tmp[i] = gk_act_apply(ep->act, ep->alpha, tmp[i]);
            t = _mm256_loadu_ps(tmp);
            break;
        }
        default: break;
        }
        t = _mm256_mul_ps(t, _mm256_set1_ps(ep->out_scale));
        if (ep->residual.data) {
            __m256 r;
            if (ep->residual.dtype == GK_F16) {
                const uint16_t *rp = (const uint16_t *)ep->residual.data + roff + k;
                uint16_t tmp[8] = {0};
                memcpy(tmp, rp, (size_t)m * 2);
                r = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)tmp));
            } else {
                r = _mm256_maskload_ps((const float *)ep->residual.data + roff + k, mask);
            }
            t = _mm256_add_ps(t, _mm256_mul_ps(_mm256_set1_ps(ep->res_scale), r));
        }
        if (y->dtype == GK_F16) {
            __m128i h = _mm256_cvtps_ph(t, _MM_FROUND_TO_NEAREST_INT);
            uint16_t *yp = (uint16_t *)y->data + yoff + k;
            if (m == 8) {
                _mm_storeu_si128((__m128i *)yp, h);
            } else {
                uint16_t tmp[8];
                _mm_storeu_si128((__m128i *)tmp, h);
                memcpy(yp, tmp, (size_t)m * 2);
            }
        } else {
            float *yp = (float *)y->data + yoff + k;
            if (m == 8) _mm256_storeu_ps(yp, t);
            else _mm256_maskstore_ps(yp, mask, t);
        }
    }
}

static GK_AVX2_TARGET void ct_widen_avx2(const uint16_t *src, float *dst, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = gk_half_to_float(src[i]);
}

/* ---- the driver ----------------------------------------------------------------------------- */

/* A unit of parallel work: `ntiles` consecutive micro-tiles of one stride class times the K blocks
 * [kb0, kb0 + nkb). Each K block's weights (taps x C x 16) are reused by all the item's tiles. */
typedef struct {
    int cls;
    int ntiles;
    int64_t tile0;
    int kb0, nkb;
} ct_item;

/* Pixels of a class are ordered (i, j, n). With a batch of at least a tile, a tile never straddles two
 * positions, so all its pixels share the same valid taps (no work on zero-padded reads), and the
 * batch is split evenly (8 = 4 + 4, not 6 + 2: a tile under 4 pixels leaves FMA latency exposed);
 * smaller batches tile the flat order, which keeps tiles full. */
static int64_t ct_ntiles(int64_t positions, int N, int tile) {
    return N >= tile ? positions * ((N + tile - 1) / tile) : (positions * N + tile - 1) / tile;
}

static void ct_tile(int64_t t, int64_t positions, int N, int tile, int64_t *m0, int *mr) {
    if (N >= tile) {
        const int per = (N + tile - 1) / tile, base = N / per, rem = N % per;
        const int part = (int)(t % per);
        *m0 = t / per * N + part * base + (part < rem ? part : rem);
        *mr = base + (part < rem);
    } else {
        const int64_t m = positions * N;
        *m0 = t * tile;
        *mr = m - *m0 < tile ? (int)(m - *m0) : tile;
    }
}

/* At most this many tiles per work item: 48 pixels reuse each weight block from cache while the
 * item's input pixels still fit in L2. */
#define CT_MAX_CHUNK 8

int gk_cpu_conv_transpose2d(const gk_conv_transpose2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if (x->dtype != y->dtype || (x->dtype != GK_F32 && x->dtype != GK_F16)) return GK_ERR_UNSUPPORTED;
    const int N = y->n, H = x->h, W = x->w, C = x->c, K = y->c, OH = y->h, OW = y->w;
    const int R = p->r, S = p->s, sh = p->stride_h, sw = p->stride_w;
    const int avx2 = gk_cpu_isa_avx2 == 1;
    const int nkb = (K + KB - 1) / KB;
    const int dot = avx2 && K <= CT_DOT_MAXK && C >= 8;
    const int tile = dot ? ct_dot_tile[K] : MR;
    int status = GK_OK;

    /* Activations are read C-contiguously by the micro-kernel; fp16 input is widened once. */
    float *xwide = NULL, *zeros = NULL;
    int *tapbuf = NULL;
    ct_class1d *ch = NULL, *cw = NULL;
    ct_item *items = NULL;
    const float *xf;
    int64_t xsn, xsh, xsw;
    if (x->dtype == GK_F16) {
        const int64_t plane = (int64_t)H * W;
        xwide = malloc(sizeof(float) * (size_t)((int64_t)N * plane * C + 1));
        if (!xwide) return GK_ERR_OUT_OF_MEMORY;
        const int64_t pixels = (int64_t)N * plane;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
        for (int64_t px = 0; px < pixels; px++) {
            int n = (int)(px / plane), ih = (int)(px % plane / W), iw = (int)(px % W);
            const uint16_t *src = (const uint16_t *)x->data + gk_off(x, n, ih, iw, 0);
            float *dst = xwide + px * C;
            if (avx2) ct_widen_avx2(src, dst, C);
            else for (int c = 0; c < C; c++) dst[c] = gk_half_to_float(src[c]);
        }
        xf = xwide;
        xsn = plane * C;
        xsh = (int64_t)W * C;
        xsw = C;
    } else {
        xf = (const float *)x->data;
        xsn = x->sn;
        xsh = x->sh;
        xsw = x->sw;
    }

    zeros = calloc((size_t)C + 1, sizeof(float));
    tapbuf = malloc(sizeof(int) * 2 * ((size_t)sh * R + (size_t)sw * S));
    ch = malloc(sizeof(ct_class1d) * (size_t)sh);
    cw = malloc(sizeof(ct_class1d) * (size_t)sw);
    if (!zeros || !tapbuf || !ch || !cw) {
        status = GK_ERR_OUT_OF_MEMORY;
        goto done;
    }
    ct_classes(ch, tapbuf, sh, p->pad_h, p->dil_h, R, H, OH);
    ct_classes(cw, tapbuf + 2 * (size_t)sh * R, sw, p->pad_w, p->dil_w, S, W, OW);

    const int nclass = sh * sw;
    /* Big tile chunks reuse weights; when they leave too few items to keep every thread busy, the K
     * blocks are split between items too, and only if that is not enough either do chunks shrink. */
    int64_t total_tiles = 0, chunked = 0;
    for (int q = 0; q < nclass; q++) {
        int64_t t = ct_ntiles((int64_t)ch[q / sw].count * cw[q % sw].count, N, tile);
        total_tiles += t;
        chunked += (t + CT_MAX_CHUNK - 1) / CT_MAX_CHUNK;
    }
    const int64_t target = 4 * (int64_t)gk_nthreads();
    int chunk = CT_MAX_CHUNK, kbsplit = 1;
    if (chunked < target) {
        kbsplit = (int)((target + chunked - 1) / chunked);
        if (kbsplit >= nkb) {
            kbsplit = nkb;
            int64_t c = total_tiles * nkb / target;
            chunk = c < 1 ? 1 : c > CT_MAX_CHUNK ? CT_MAX_CHUNK : (int)c;
        }
    }
    const int kbper = (nkb + kbsplit - 1) / kbsplit;
    int64_t nitems = 0;
    for (int q = 0; q < nclass; q++) {
        int64_t t = ct_ntiles((int64_t)ch[q / sw].count * cw[q % sw].count, N, tile);
        nitems += (t + chunk - 1) / chunk * ((nkb + kbper - 1) / kbper);
    }
    items = malloc(sizeof(ct_item) * (size_t)(nitems + 1));
    if (!items) {
        status = GK_ERR_OUT_OF_MEMORY;
        goto done;
    }
    {
        int64_t it = 0;
        for (int q = 0; q < nclass; q++) {
            int64_t tiles = ct_ntiles((int64_t)ch[q / sw].count * cw[q % sw].count, N, tile);
            for (int64_t t0 = 0; t0 < tiles; t0 += chunk) {
                for (int kb0 = 0; kb0 < nkb; kb0 += kbper) {
                    items[it].cls = q;
                    items[it].tile0 = t0;
                    items[it].ntiles = tiles - t0 < chunk ? (int)(tiles - t0) : chunk;
                    items[it].kb0 = kb0;
                    items[it].nkb = nkb - kb0 < kbper ? nkb - kb0 : kbper;
                    it++;
                }
            }
        }
    }

    static const ct_dot_fn dot_avx2[CT_DOT_MAXK + 1] = {NULL, ct_dot_avx2_1, ct_dot_avx2_2, ct_dot_avx2_3,
                                                        ct_dot_avx2_4};
    static const ct_mk_fn mk_avx2[2][MR] = {
        {ct_mk_avx2_1_1, ct_mk_avx2_2_1, ct_mk_avx2_3_1, ct_mk_avx2_4_1, ct_mk_avx2_5_1, ct_mk_avx2_6_1},
        {ct_mk_avx2_1_2, ct_mk_avx2_2_2, ct_mk_avx2_3_2, ct_mk_avx2_4_2, ct_mk_avx2_5_2, ct_mk_avx2_6_2}};
    static const ct_mk_fn mk_portable[MR] = {ct_mk_portable_1, ct_mk_portable_2, ct_mk_portable_3,
                                             ct_mk_portable_4, ct_mk_portable_5, ct_mk_portable_6};
    const ct_emit_fn emit = avx2 ? ct_emit_avx2 : ct_emit_portable;
    const float *wpacked = (const float *)p->w;
    const int64_t kb_stride = (int64_t)R * S * C * KB;
    const float *wdense = wpacked + ct_blocked_floats(K, R, S, C);
    const int64_t dense_ks = (int64_t)R * S * C;
    const gk_tensor *res = &p->ep.residual;
    const int taps_max = R * S;

#pragma omp parallel num_threads(gk_nthreads())
    {
        /* Per tile of a chunk: its valid taps' input pointers and weight offsets, its pixels' outputs. */
        const float **xp = malloc(sizeof(float *) * (size_t)CT_MAX_CHUNK * taps_max * MRMAX);
        int64_t *wo = malloc(sizeof(int64_t) * (size_t)CT_MAX_CHUNK * taps_max);
        float tb[MRMAX * KB];
        int nt[CT_MAX_CHUNK], mrs[CT_MAX_CHUNK];
        int64_t yoff[CT_MAX_CHUNK][MRMAX], roff[CT_MAX_CHUNK][MRMAX];
        if (!xp || !wo) {
#pragma omp atomic write
            status = GK_ERR_OUT_OF_MEMORY;
        }
#pragma omp for schedule(dynamic)
        for (int64_t it = 0; it < nitems; it++) {
            if (!xp || !wo) continue;
            const ct_item item = items[it];
            const ct_class1d *cy = &ch[item.cls / sw], *cx = &cw[item.cls % sw];
            const int qh = item.cls / sw, qw = item.cls % sw;
            const int64_t positions = (int64_t)cy->count * cx->count;
            for (int ti = 0; ti < item.ntiles; ti++) {
                int64_t m0;
                int mr;
                ct_tile(item.tile0 + ti, positions, N, tile, &m0, &mr);
                int pn[MRMAX], pi[MRMAX], pj[MRMAX];
                for (int j = 0; j < mr; j++) {
                    int64_t m = m0 + j;
                    pn[j] = (int)(m % N);
                    int64_t rest = m / N;
                    pj[j] = (int)(rest % cx->count);
                    pi[j] = (int)(rest / cx->count);
                    int oh = qh + pi[j] * sh, ow = qw + pj[j] * sw;
                    yoff[ti][j] = gk_off(y, pn[j], oh, ow, 0);
                    roff[ti][j] = res->data ? gk_off(res, pn[j], oh, ow, 0) : 0;
                }
                mrs[ti] = mr;
                int T = 0;
                const float **tp = xp + (size_t)ti * taps_max * MRMAX;
                int64_t *tw = wo + (size_t)ti * taps_max;
                for (int a = 0; a < cy->ntaps; a++) {
                    for (int b = 0; b < cx->ntaps; b++) {
                        int valid = 0;
                        for (int j = 0; j < mr; j++) {
                            int ih = pi[j] + cy->off[a], iw = pj[j] + cx->off[b];
                            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                                tp[T * MRMAX + j] = xf + pn[j] * xsn + ih * xsh + iw * xsw;
                                valid++;
                            } else {
                                tp[T * MRMAX + j] = zeros;
                            }
                        }
                        /* the dot kernel always computes a full tile: surplus pixels read zeros */
                        for (int j = mr; j < tile; j++) tp[T * MRMAX + j] = zeros;
                        if (valid) {
                            tw[T] = ((int64_t)cy->tap[a] * S + cx->tap[b]) * C * (dot ? 1 : KB);
                            T++;
                        }
                    }
                }
                nt[ti] = T;
            }
            for (int kb = item.kb0; kb < item.kb0 + item.nkb; kb++) {
                const int k0 = kb * KB, kn = K - k0 < KB ? K - k0 : KB;
                const float *wk = wpacked + kb * kb_stride;
                for (int ti = 0; ti < item.ntiles; ti++) {
                    const int mr = mrs[ti];
                    const float *const *tp = xp + (size_t)ti * taps_max * MRMAX;
                    const int64_t *tw = wo + (size_t)ti * taps_max;
                    if (dot) {
                        dot_avx2[K](nt[ti], tp, tw, wdense, dense_ks, C, tb);
                    } else {
                        ct_mk_fn mk = avx2 ? mk_avx2[kn > 8][mr - 1] : mk_portable[mr - 1];
                        mk(nt[ti], tp, tw, wk, C, tb);
                    }
                    for (int j = 0; j < mr; j++) emit(tb + j * KB, y, yoff[ti][j], &p->ep, roff[ti][j], k0, kn);
                }
            }
        }
        free(xp);
        free(wo);
    }

done:
    free(items);
    free(cw);
    free(ch);
    free(tapbuf);
    free(zeros);
    free(xwide);
    return status;
}

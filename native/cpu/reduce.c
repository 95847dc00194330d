/* reduce on the CPU: mean of everything, per-channel mean, MSE and L1 into an F32 y. Sums run in
 * double over fixed blocks whose partials are combined in block order, so the result depends on
 * the shape only, never on the thread count or timing. */
#include "common.h"
#include <immintrin.h>
#include <stdlib.h>

#define RED_CHUNK 16384 /* elements per block: the unit of the deterministic partition */
#define RED_PAR_MIN 65536

/* ---- the sum kernels over one run: a contiguous or strided, b likewise or a broadcast value ---- */

static inline float red_ld1(const void *base, int64_t i, int dt) {
    return dt == GK_F32 ? ((const float *)base)[i] : gk_half_to_float(((const uint16_t *)base)[i]);
}

static double red_run_scalar(int op, int dt, const void *a, int64_t ra, const void *b, int64_t rb, int64_t n) {
    double s = 0.0;
    switch (op) {
    case GK_REDUCE_MSE:
        for (int64_t i = 0; i < n; i++) {
            double d = (double)red_ld1(a, i * ra, dt) - (double)red_ld1(b, i * rb, dt);
            s += d * d;
        }
        break;
    case GK_REDUCE_L1:
        for (int64_t i = 0; i < n; i++) s += fabs((double)red_ld1(a, i * ra, dt) - (double)red_ld1(b, i * rb, dt));
        break;
    default:
        for (int64_t i = 0; i < n; i++) s += red_ld1(a, i * ra, dt);
        break;
    }
    return s;
}

GK_AVX2_TARGET static inline __attribute__((always_inline)) __m256 red_ld8(const void *base, int64_t i, int dt) {
    if (dt == GK_F32) return _mm256_loadu_ps((const float *)base + i);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + i)));
}

/* Adds the terms of 8 lanes, widened to double, into two accumulators. */
GK_AVX2_TARGET static inline __attribute__((always_inline)) void
red_acc8(int op, __m256 va, __m256 vb, __m256d *lo, __m256d *hi) {
    __m256d a0 = _mm256_cvtps_pd(_mm256_castps256_ps128(va)), a1 = _mm256_cvtps_pd(_mm256_extractf128_ps(va, 1));
    if (op == GK_REDUCE_MEAN_ALL) {
        *lo = _mm256_add_pd(*lo, a0);
        *hi = _mm256_add_pd(*hi, a1);
        return;
    }
    __m256d d0 = _mm256_sub_pd(a0, _mm256_cvtps_pd(_mm256_castps256_ps128(vb)));
    __m256d d1 = _mm256_sub_pd(a1, _mm256_cvtps_pd(_mm256_extractf128_ps(vb, 1)));
    if (op == GK_REDUCE_MSE) {
        *lo = _mm256_fmadd_pd(d0, d0, *lo);
        *hi = _mm256_fmadd_pd(d1, d1, *hi);
    } else {
        const __m256d sign = _mm256_set1_pd(-0.0);
        *lo = _mm256_add_pd(*lo, _mm256_andnot_pd(sign, d0));
        *hi = _mm256_add_pd(*hi, _mm256_andnot_pd(sign, d1));
    }
}

/* a contiguous; b contiguous (rb = 1) or one broadcast value (rb = 0) */
GK_AVX2_TARGET static inline __attribute__((always_inline)) double
red_run_avx2(int op, int dt, const void *a, const void *b, int64_t rb, int64_t n) {
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
    const int binary = op != GK_REDUCE_MEAN_ALL;
    const __m256 b1 = _mm256_set1_ps(binary && !rb ? red_ld1(b, 0, dt) : 0.f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 vb0 = binary && rb ? red_ld8(b, i, dt) : b1, vb1 = binary && rb ? red_ld8(b, i + 8, dt) : b1;
        red_acc8(op, red_ld8(a, i, dt), vb0, &s0, &s1);
        red_acc8(op, red_ld8(a, i + 8, dt), vb1, &s2, &s3);
    }
    for (; i + 8 <= n; i += 8) red_acc8(op, red_ld8(a, i, dt), binary && rb ? red_ld8(b, i, dt) : b1, &s0, &s1);
    __m256d s = _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3));
    double lanes[4];
    _mm256_storeu_pd(lanes, s);
    double t = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    if (i < n) {
        const char *bt = binary ? (const char *)b + (rb ? i * gk_dtype_size(dt) : 0) : NULL;
        t += red_run_scalar(op, dt, (const char *)a + i * gk_dtype_size(dt), 1, bt, rb, n - i);
    }
    return t;
}

GK_AVX2_TARGET static double red_run_fast(int op, int dt, const void *a, const void *b, int64_t rb, int64_t n) {
    switch (op) {
    case GK_REDUCE_MSE:
        return dt == GK_F32 ? red_run_avx2(GK_REDUCE_MSE, GK_F32, a, b, rb, n)
                            : red_run_avx2(GK_REDUCE_MSE, GK_F16, a, b, rb, n);
    case GK_REDUCE_L1:
        return dt == GK_F32 ? red_run_avx2(GK_REDUCE_L1, GK_F32, a, b, rb, n)
                            : red_run_avx2(GK_REDUCE_L1, GK_F16, a, b, rb, n);
    default:
        return dt == GK_F32 ? red_run_avx2(GK_REDUCE_MEAN_ALL, GK_F32, a, b, rb, n)
                            : red_run_avx2(GK_REDUCE_MEAN_ALL, GK_F16, a, b, rb, n);
    }
}

/* ---- mean-all, mse, l1 ------------------------------------------------------------------------ */

/* The loop nest after merging dims that a and b lay out contiguously (as in elementwise.c). */
typedef struct red_nest {
    int nd;
    int64_t dim[3];
    int64_t st[2][3];
    int64_t len;
    int64_t rs[2];
} red_nest;

static void red_nest_build(red_nest *L, const gk_tensor *a, const gk_tensor *b) {
    const int64_t dims[4] = {a->n, a->h, a->w, a->c};
    const int64_t s4[2][4] = {{a->sn, a->sh, a->sw, a->sc}, {b->sn, b->sh, b->sw, b->sc}};
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

static int red_total(const gk_reduce_params *p, double *out) {
    const int binary = p->op != GK_REDUCE_MEAN_ALL;
    gk_tensor bz = p->b;
    if (!binary) bz.sn = bz.sh = bz.sw = bz.sc = 0;
    red_nest L;
    red_nest_build(&L, &p->a, &bz);
    const int dt = p->a.dtype, es = gk_dtype_size(dt);
    int64_t rows = 1;
    for (int d = 0; d < L.nd; d++) rows *= L.dim[d];
    const int64_t len = L.len, total = rows * len;
    const int64_t cpr = len > RED_CHUNK ? (len + RED_CHUNK - 1) / RED_CHUNK : 1;
    const int64_t rpi = len >= RED_CHUNK ? 1 : RED_CHUNK / len;
    const int64_t items = cpr > 1 ? rows * cpr : (rows + rpi - 1) / rpi;
    double *part = (double *)malloc((size_t)items * sizeof(double));
    if (!part) return GK_ERR_OUT_OF_MEMORY;
    const int fast = gk_cpu_isa_avx2 && L.rs[0] == 1 && (!binary || L.rs[1] <= 1);
    const int nt = total >= RED_PAR_MIN ? gk_nthreads() : 1;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t it = 0; it < items; it++) {
        int64_t r0, r1, j0 = 0, n = len;
        if (cpr > 1) {
            r0 = it / cpr;
            r1 = r0 + 1;
            j0 = (it % cpr) * RED_CHUNK;
            n = len - j0 < RED_CHUNK ? len - j0 : RED_CHUNK;
        } else {
            r0 = it * rpi;
            r1 = r0 + rpi < rows ? r0 + rpi : rows;
        }
        int64_t idx[3] = {0, 0, 0}, off[2] = {0, 0}, rem = r0;
        for (int d = L.nd - 1; d >= 0; d--) {
            idx[d] = rem % L.dim[d];
            rem /= L.dim[d];
            off[0] += idx[d] * L.st[0][d];
            off[1] += idx[d] * L.st[1][d];
        }
        double s = 0.0;
        for (int64_t r = r0; r < r1; r++) {
            const char *a = (const char *)p->a.data + (off[0] + j0 * L.rs[0]) * es;
            const char *b = binary ? (const char *)p->b.data + (off[1] + j0 * L.rs[1]) * es : NULL;
            s += fast ? red_run_fast(p->op, dt, a, b, L.rs[1], n) : red_run_scalar(p->op, dt, a, L.rs[0], b, L.rs[1], n);
            for (int d = L.nd - 1; d >= 0; d--) {
                idx[d]++;
                off[0] += L.st[0][d];
                off[1] += L.st[1][d];
                if (idx[d] < L.dim[d]) break;
                off[0] -= L.st[0][d] * L.dim[d];
                off[1] -= L.st[1][d] * L.dim[d];
                idx[d] = 0;
            }
        }
        part[it] = s;
    }
    double s = 0.0;
    for (int64_t it = 0; it < items; it++) s += part[it];
    free(part);
    *out = s;
    return GK_OK;
}

/* ---- mean-channel ----------------------------------------------------------------------------- */

GK_AVX2_TARGET static void red_channels_avx2(int dt, const void *a, int64_t C, double *acc) {
    int64_t c = 0;
    for (; c + 8 <= C; c += 8) {
        __m256 v = red_ld8(a, c, dt);
        _mm256_storeu_pd(acc + c, _mm256_add_pd(_mm256_loadu_pd(acc + c), _mm256_cvtps_pd(_mm256_castps256_ps128(v))));
        _mm256_storeu_pd(acc + c + 4,
                         _mm256_add_pd(_mm256_loadu_pd(acc + c + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))));
    }
    for (; c < C; c++) acc[c] += red_ld1(a, c, dt);
}

static int red_mean_channel(const gk_reduce_params *p) {
    const gk_tensor *a = &p->a;
    const int dt = a->dtype, es = gk_dtype_size(dt);
    const int64_t C = a->c, rows = (int64_t)a->n * a->h * a->w;
    const int64_t rpb = C >= RED_CHUNK ? 1 : RED_CHUNK / C; /* pixel rows per block */
    const int64_t blocks = (rows + rpb - 1) / rpb;
    double *part = (double *)calloc((size_t)(blocks * C), sizeof(double));
    if (!part) return GK_ERR_OUT_OF_MEMORY;
    const int fast = gk_cpu_isa_avx2 && a->sc == 1;
    const int nt = rows * C >= RED_PAR_MIN ? gk_nthreads() : 1;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t blk = 0; blk < blocks; blk++) {
        double *acc = part + blk * C;
        const int64_t r1 = (blk + 1) * rpb < rows ? (blk + 1) * rpb : rows;
        const int64_t r0 = blk * rpb;
        int64_t w = r0 % a->w, h = (r0 / a->w) % a->h, n = r0 / ((int64_t)a->w * a->h);
        for (int64_t r = r0; r < r1; r++) {
            const char *row = (const char *)a->data + gk_off(a, n, h, w, 0) * es;
            if (fast) {
                red_channels_avx2(dt, row, C, acc);
            } else {
                for (int64_t c = 0; c < C; c++) acc[c] += red_ld1(row, c * a->sc, dt);
            }
            if (++w == a->w) {
                w = 0;
                if (++h == a->h) {
                    h = 0;
                    n++;
                }
            }
        }
    }
    float *y = (float *)p->y.data;
    for (int64_t c = 0; c < C; c++) {
        double s = 0.0;
        for (int64_t blk = 0; blk < blocks; blk++) s += part[blk * C + c];
        y[c * p->y.sc] = (float)(s / (double)rows);
    }
    free(part);
    return GK_OK;
}

int gk_cpu_reduce(const gk_reduce_params *p) {
    const gk_tensor *a = &p->a;
    if (a->dtype != GK_F32 && a->dtype != GK_F16) return GK_ERR_UNSUPPORTED;
    if (p->y.dtype != GK_F32) return GK_ERR_UNSUPPORTED;
    if (p->op < GK_REDUCE_MEAN_ALL || p->op > GK_REDUCE_L1) return GK_ERR_UNSUPPORTED;
    if (p->op != GK_REDUCE_MEAN_ALL && p->op != GK_REDUCE_MEAN_CHANNEL && p->b.dtype != a->dtype) {
        return GK_ERR_UNSUPPORTED;
    }
    const int64_t count = (int64_t)a->n * a->h * a->w * a->c;
    if (count == 0) return GK_ERR_INVALID_ARGUMENT; /* a mean of nothing: Java rejects empty inputs */
    if (p->op == GK_REDUCE_MEAN_CHANNEL) return red_mean_channel(p);
    double s;
    int st = red_total(p, &s);
    if (st != GK_OK) return st;
    ((float *)p->y.data)[0] = (float)(s / (double)count);
    return GK_OK;
}

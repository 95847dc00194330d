/* elementwise on the CPU: add, mul, affine and clamp with a fused activation over views whose zero
 * strides broadcast a and b; y may alias a or b exactly (in-place residual add and activation). */
#include "common.h"
#include <immintrin.h>

/* Elements per work item: big enough to amortize the loop setup, small enough to balance threads. */
#define EW_CHUNK 16384
/* Below this many elements a parallel region costs more than it saves. */
#define EW_PAR_MIN 65536
/* The strided path converts this many elements at a time into fp32 scratch on the stack. */
#define EW_BLOCK 64

/* The loop nest over the 4-D views after merging dims that every tensor lays out contiguously
 * with each other: a dense add becomes one long run, a bias add N*H*W runs of C. */
typedef struct ew_nest {
    int nd;          /* outer dims, outermost first */
    int64_t dim[3];
    int64_t st[3][3]; /* st[tensor][dim] */
    int64_t len;     /* innermost run */
    int64_t rs[3];   /* innermost stride per tensor */
} ew_nest;

/* Tensors t[0..nt) all index the shape dims (n, h, w, c); unit dims are skipped since they add no
 * addresses whatever their stride. */
static void ew_nest_build(ew_nest *L, const int64_t dims[4], const gk_tensor *const *t, int nt) {
    int64_t gd[4], gs[3][4];
    int ng = 0;
    for (int i = 3; i >= 0; i--) {
        if (dims[i] == 1) continue;
        int merge = ng > 0;
        for (int k = 0; k < nt && merge; k++) {
            const int64_t st4[4] = {t[k]->sn, t[k]->sh, t[k]->sw, t[k]->sc};
            if (st4[i] != gs[k][ng - 1] * gd[ng - 1]) merge = 0;
        }
        if (merge) {
            gd[ng - 1] *= dims[i];
            continue;
        }
        gd[ng] = dims[i];
        for (int k = 0; k < nt; k++) {
            const int64_t st4[4] = {t[k]->sn, t[k]->sh, t[k]->sw, t[k]->sc};
            gs[k][ng] = st4[i];
        }
        ng++;
    }
    if (ng == 0) {
        gd[0] = 1;
        for (int k = 0; k < nt; k++) gs[k][0] = 0;
        ng = 1;
    }
    L->len = gd[0];
    for (int k = 0; k < 3; k++) L->rs[k] = k < nt ? gs[k][0] : 0;
    L->nd = ng - 1;
    for (int d = 0; d < L->nd; d++) {
        int g = ng - 1 - d; /* outermost group first */
        L->dim[d] = gd[g];
        for (int k = 0; k < 3; k++) L->st[k][d] = k < nt ? gs[k][g] : 0;
    }
}

typedef struct ew_ctx {
    const gk_elementwise_params *p;
    ew_nest L;
    int es_a, es_b, es_y;
    int fast; /* AVX2 direct loads: y's run contiguous, a's and b's contiguous or one broadcast value */
} ew_ctx;

/* ---- fp32 compute on scratch blocks (strided and portable paths) ------------------------------ */

static void ew_compute_scalar(const gk_elementwise_params *p, float *out, const float *a, const float *b, int n) {
    const float sa = p->sa, sb = p->sb, lo = p->lo, hi = p->hi;
    switch (p->op) {
    case GK_EW_ADD: for (int i = 0; i < n; i++) out[i] = sa * a[i] + sb * b[i]; break;
    case GK_EW_MUL: for (int i = 0; i < n; i++) out[i] = sa * a[i] * b[i]; break;
    case GK_EW_AFFINE: for (int i = 0; i < n; i++) out[i] = sa * a[i] + sb; break;
    default: /* clamp: comparisons are false for NaN, so NaN passes through */
        for (int i = 0; i < n; i++) out[i] = a[i] < lo ? lo : (a[i] > hi ? hi : a[i]);
        return;
    }
    if (p->act != GK_ACT_NONE) {
        for (int i = 0; i < n; i++) out[i] = gk_act_apply(p->act, p->alpha, out[i]);
    }
}

static void ew_gather(const void *base, int dt, int64_t stride, int n, float *out) {
    if (dt == GK_F32) {
        const float *s = (const float *)base;
        for (int i = 0; i < n; i++) out[i] = s[i * stride];
    } else {
        const uint16_t *s = (const uint16_t *)base;
        for (int i = 0; i < n; i++) out[i] = gk_half_to_float(s[i * stride]);
    }
}

static void ew_scatter(void *base, int dt, int64_t stride, int n, const float *in) {
    if (dt == GK_F32) {
        float *d = (float *)base;
        for (int i = 0; i < n; i++) d[i * stride] = in[i];
    } else {
        uint16_t *d = (uint16_t *)base;
        for (int i = 0; i < n; i++) d[i * stride] = gk_float_to_half(in[i]);
    }
}

/* ---- AVX2 ----------------------------------------------------------------------------------- */

/* Cephes expf: |rel err| ~ 1 ulp over the clamped range; NaN propagates. */
GK_AVX2_TARGET static inline __m256 ew_exp8(__m256 x) {
    x = _mm256_max_ps(_mm256_set1_ps(-87.3365f), x);
    x = _mm256_min_ps(_mm256_set1_ps(88.3762626647949f), x);
    __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.f)));
    __m256i e = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
    return _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32(e, 23)));
}

/* Cephes tanhf: an odd polynomial below 0.625 (where 1 - 2/(e^2x + 1) would cancel), else via exp. */
GK_AVX2_TARGET static inline __m256 ew_tanh8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954E-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531E-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036E-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422E-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = ew_exp8(_mm256_add_ps(ax, ax));
    __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.f),
                               _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(e, _mm256_set1_ps(1.f))));
    big = _mm256_or_ps(big, _mm256_and_ps(sign, x));
    return _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

GK_AVX2_TARGET static inline __m256 ew_act8(int act, __m256 alpha, __m256 v) {
    switch (act) {
    case GK_ACT_RELU: return _mm256_max_ps(v, _mm256_setzero_ps()); /* NaN -> 0, as gk_act_apply */
    case GK_ACT_LEAKY:
        return _mm256_blendv_ps(v, _mm256_mul_ps(alpha, v), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
    case GK_ACT_TANH: return ew_tanh8(v);
    case GK_ACT_SIGMOID: {
        __m256 e = ew_exp8(_mm256_xor_ps(v, _mm256_set1_ps(-0.f)));
        return _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_add_ps(_mm256_set1_ps(1.f), e));
    }
    default: return v;
    }
}

/* The op on 8 lanes; `op` is a constant in every inlined copy, so the switch folds away. */
GK_AVX2_TARGET static inline __attribute__((always_inline)) __m256
ew_op8(int op, const gk_elementwise_params *p, __m256 a, __m256 b) {
    __m256 v;
    switch (op) {
    case GK_EW_ADD: v = _mm256_fmadd_ps(_mm256_set1_ps(p->sa), a, _mm256_mul_ps(_mm256_set1_ps(p->sb), b)); break;
    case GK_EW_MUL: v = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(p->sa), a), b); break;
    case GK_EW_AFFINE: v = _mm256_fmadd_ps(_mm256_set1_ps(p->sa), a, _mm256_set1_ps(p->sb)); break;
    default: /* max(lo, a) returns a when a is NaN, so NaN passes through like the scalar path */
        return _mm256_min_ps(_mm256_set1_ps(p->hi), _mm256_max_ps(_mm256_set1_ps(p->lo), a));
    }
    return p->act == GK_ACT_NONE ? v : ew_act8(p->act, _mm256_set1_ps(p->alpha), v);
}

GK_AVX2_TARGET static void ew_compute_avx2(const gk_elementwise_params *p, float *out, const float *a,
                                           const float *b, int n) {
    /* scratch blocks hold EW_BLOCK floats, so the last partial vector reads initialized padding */
    for (int i = 0; i < n; i += 8) {
        __m256 va = _mm256_loadu_ps(a + i), vb = _mm256_loadu_ps(b + i), v;
        switch (p->op) {
        case GK_EW_ADD: v = ew_op8(GK_EW_ADD, p, va, vb); break;
        case GK_EW_MUL: v = ew_op8(GK_EW_MUL, p, va, vb); break;
        case GK_EW_AFFINE: v = ew_op8(GK_EW_AFFINE, p, va, vb); break;
        default: v = ew_op8(GK_EW_CLAMP, p, va, vb); break;
        }
        _mm256_storeu_ps(out + i, v);
    }
}

GK_AVX2_TARGET static inline __attribute__((always_inline)) __m256 ew_ld8(const void *base, int64_t i, int dt) {
    if (dt == GK_F32) return _mm256_loadu_ps((const float *)base + i);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)base + i)));
}

GK_AVX2_TARGET static inline __attribute__((always_inline)) void ew_st8(void *base, int64_t i, int dt, __m256 v) {
    if (dt == GK_F32) _mm256_storeu_ps((float *)base + i, v);
    else _mm_storeu_si128((__m128i *)((uint16_t *)base + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

static inline float ew_ld1(const void *base, int64_t i, int dt) {
    return dt == GK_F32 ? ((const float *)base)[i] : gk_half_to_float(((const uint16_t *)base)[i]);
}

/* One contiguous run: y[0..n) from a and b, each contiguous (stride 1) or one broadcast value
 * (stride 0). Every element is read before it is written, so exact aliasing of y is safe. */
GK_AVX2_TARGET static inline __attribute__((always_inline)) void
ew_run_avx2(int op, int ydt, int bdt, const gk_elementwise_params *p, void *y, const void *a, int64_t ra,
            const void *b, int64_t rb, int64_t n) {
    const int binary = op == GK_EW_ADD || op == GK_EW_MUL;
    const __m256 a1 = _mm256_set1_ps(ra ? 0.f : ew_ld1(a, 0, ydt));
    const __m256 b1 = _mm256_set1_ps(binary && !rb ? ew_ld1(b, 0, bdt) : 0.f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 va = ra ? ew_ld8(a, i, ydt) : a1;
        __m256 vb = binary && rb ? ew_ld8(b, i, bdt) : b1;
        ew_st8(y, i, ydt, ew_op8(op, p, va, vb));
    }
    if (i < n) { /* the tail goes through the same vector math, so results do not depend on position */
        float ta[8] = {0}, tb[8] = {0}, ty[8];
        int r = (int)(n - i);
        for (int k = 0; k < r; k++) {
            ta[k] = ra ? ew_ld1(a, i + k, ydt) : ew_ld1(a, 0, ydt);
            if (binary) tb[k] = rb ? ew_ld1(b, i + k, bdt) : ew_ld1(b, 0, bdt);
        }
        _mm256_storeu_ps(ty, ew_op8(op, p, _mm256_loadu_ps(ta), _mm256_loadu_ps(tb)));
        for (int k = 0; k < r; k++) {
            if (ydt == GK_F32) ((float *)y)[i + k] = ty[k];
            else ((uint16_t *)y)[i + k] = gk_float_to_half(ty[k]);
        }
    }
}

#define EW_RUN_DTYPES(OP)                                                                         \
    do {                                                                                          \
        if (ydt == GK_F32) ew_run_avx2(OP, GK_F32, GK_F32, p, y, a, ra, b, rb, n);                \
        else if (bdt == GK_F32) ew_run_avx2(OP, GK_F16, GK_F32, p, y, a, ra, b, rb, n);           \
        else ew_run_avx2(OP, GK_F16, GK_F16, p, y, a, ra, b, rb, n);                              \
    } while (0)

GK_AVX2_TARGET static void ew_run_fast(const gk_elementwise_params *p, void *y, const void *a, int64_t ra,
                                       const void *b, int64_t rb, int64_t n) {
    const int ydt = p->y.dtype, bdt = p->b.data ? p->b.dtype : ydt;
    switch (p->op) {
    case GK_EW_ADD: EW_RUN_DTYPES(GK_EW_ADD); break;
    case GK_EW_MUL: EW_RUN_DTYPES(GK_EW_MUL); break;
    case GK_EW_AFFINE: EW_RUN_DTYPES(GK_EW_AFFINE); break;
    default: EW_RUN_DTYPES(GK_EW_CLAMP); break;
    }
}

/* ---- the run dispatcher --------------------------------------------------------------------- */

static void ew_run(const ew_ctx *k, const int64_t *off, int64_t j0, int64_t n) {
    const gk_elementwise_params *p = k->p;
    const ew_nest *L = &k->L;
    const int binary = p->op == GK_EW_ADD || p->op == GK_EW_MUL;
    const char *a = (const char *)p->a.data + (off[0] + j0 * L->rs[0]) * k->es_a;
    const char *b = binary ? (const char *)p->b.data + (off[1] + j0 * L->rs[1]) * k->es_b : NULL;
    char *y = (char *)p->y.data + (off[2] + j0 * L->rs[2]) * k->es_y;
    if (k->fast) {
        ew_run_fast(p, y, a, L->rs[0], b, L->rs[1], n);
        return;
    }
    float ta[EW_BLOCK] = {0}, tb[EW_BLOCK] = {0}, ty[EW_BLOCK];
    for (int64_t i = 0; i < n; i += EW_BLOCK) {
        int m = (int)(n - i < EW_BLOCK ? n - i : EW_BLOCK);
        ew_gather(a + i * L->rs[0] * k->es_a, p->a.dtype, L->rs[0], m, ta);
        if (binary) ew_gather(b + i * L->rs[1] * k->es_b, p->b.dtype, L->rs[1], m, tb);
        if (gk_cpu_isa_avx2) ew_compute_avx2(p, ty, ta, tb, m);
        else ew_compute_scalar(p, ty, ta, tb, m);
        ew_scatter(y + i * L->rs[2] * k->es_y, p->y.dtype, L->rs[2], m, ty);
    }
}

int gk_cpu_elementwise(const gk_elementwise_params *p) {
    const gk_tensor *y = &p->y;
    if (y->dtype != GK_F32 && y->dtype != GK_F16) return GK_ERR_UNSUPPORTED;
    if (p->a.dtype != y->dtype) return GK_ERR_UNSUPPORTED;
    const int binary = p->op == GK_EW_ADD || p->op == GK_EW_MUL;
    if (binary && p->b.dtype != y->dtype && p->b.dtype != GK_F32) return GK_ERR_UNSUPPORTED;
    if (p->op < GK_EW_ADD || p->op > GK_EW_CLAMP) return GK_ERR_UNSUPPORTED;
    if ((int64_t)y->n * y->h * y->w * y->c == 0) return GK_OK;

    ew_ctx k;
    k.p = p;
    /* b's strides take part in the merge only when b is read; y's shape drives the nest */
    gk_tensor bz = p->b;
    if (!binary) bz.sn = bz.sh = bz.sw = bz.sc = 0;
    const gk_tensor *ts[3] = {&p->a, &bz, y};
    const int64_t dims[4] = {y->n, y->h, y->w, y->c};
    ew_nest_build(&k.L, dims, ts, 3);
    k.es_a = gk_dtype_size(p->a.dtype);
    k.es_b = binary ? gk_dtype_size(p->b.dtype) : 0;
    k.es_y = gk_dtype_size(y->dtype);
    const ew_nest *L = &k.L;
    k.fast = gk_cpu_isa_avx2 && L->rs[2] == 1 && (L->rs[0] == 0 || L->rs[0] == 1) &&
             (!binary || L->rs[1] == 0 || L->rs[1] == 1);

    int64_t rows = 1;
    for (int d = 0; d < L->nd; d++) rows *= L->dim[d];
    const int64_t len = L->len, total = rows * len;
    const int64_t cpr = len > EW_CHUNK ? (len + EW_CHUNK - 1) / EW_CHUNK : 1; /* chunks per row */
    const int64_t rpi = len >= EW_CHUNK ? 1 : EW_CHUNK / len;                /* rows per item */
    const int64_t items = cpr > 1 ? rows * cpr : (rows + rpi - 1) / rpi;
    const int nt = total >= EW_PAR_MIN ? gk_nthreads() : 1;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t it = 0; it < items; it++) {
        int64_t r0, r1, j0 = 0, n = len;
        if (cpr > 1) {
            r0 = it / cpr;
            r1 = r0 + 1;
            j0 = (it % cpr) * EW_CHUNK;
            n = len - j0 < EW_CHUNK ? len - j0 : EW_CHUNK;
        } else {
            r0 = it * rpi;
            r1 = r0 + rpi < rows ? r0 + rpi : rows;
        }
        int64_t idx[3] = {0, 0, 0}, off[3] = {0, 0, 0}, rem = r0;
        for (int d = L->nd - 1; d >= 0; d--) {
            idx[d] = rem % L->dim[d];
            rem /= L->dim[d];
            for (int t = 0; t < 3; t++) off[t] += idx[d] * L->st[t][d];
        }
        for (int64_t r = r0; r < r1; r++) {
            ew_run(&k, off, j0, n);
            for (int d = L->nd - 1; d >= 0; d--) { /* odometer step to the next row */
                idx[d]++;
                for (int t = 0; t < 3; t++) off[t] += L->st[t][d];
                if (idx[d] < L->dim[d]) break;
                for (int t = 0; t < 3; t++) off[t] -= L->st[t][d] * L->dim[d];
                idx[d] = 0;
            }
        }
    }
    return GK_OK;
}

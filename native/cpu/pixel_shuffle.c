/* pixel_shuffle (depth_to_space) and its inverse (space_to_depth) on the CPU, NHWC, in DCR and CRD
 * channel orders. Pure data movement, so dtypes are handled by element size (F32 and F16 alike). */
#include "common.h"
#include <stdlib.h>

/* Below this many bytes per channel run, DCR space_to_depth gathers through a table too. */
#define GK_S2D_COPY_MIN 32


/* CRD interleaves channels with stride b*b: per block row i it is a transpose between the space
 * side (pixels w*b+j, channels c) and the depth side (channel c*bb + i*b + j). Into dense output
 * rows, element k = (p*b + j)*C + c of the output run of P input pixels reads input offset
 * p*pstride + c*bb + i*b + j; one table per i turns each output row into one long gather loop of
 * one load and one store per element, instead of C-long inner loops per pixel. */
static int64_t *crd_table(int b, int C, int P, int64_t pstride) {
    const int64_t L = (int64_t)P * b * C;
    int64_t *t = malloc(sizeof(int64_t) * (size_t)(L * b));
    if (!t) return NULL;
    for (int i = 0; i < b; i++) {
        for (int64_t k = 0; k < L; k++) {
            int64_t pix = k / ((int64_t)b * C), r = k % ((int64_t)b * C);
            int64_t j = r / C, c = r % C;
            t[i * L + k] = pix * pstride + c * b * b + (int64_t)i * b + j;
        }
    }
    return t;
}

/* space_to_depth into dense output rows is a gather too: element m of a run of P output pixels,
 * m = p*C*bb + ch(i, j, c), reads input offset i*sh + (p*b + j)*sw + c from the block's first row,
 * so each output row is written once, contiguously, whatever the input strides. */
static int64_t *s2d_table(int b, int C, int P, int crd, const gk_tensor *x) {
    const int64_t bb = (int64_t)b * b, L = (int64_t)P * C * bb;
    int64_t *t = malloc(sizeof(int64_t) * (size_t)L);
    if (!t) return NULL;
    for (int64_t m = 0; m < L; m++) {
        int64_t pix = m / (C * bb), r = m % (C * bb), c, q;
        if (crd) {
            c = r / bb;
            q = r % bb;
        } else {
            q = r / C;
            c = r % C;
        }
        t[m] = (q / b) * x->sh + (pix * b + q % b) * x->sw + c;
    }
    return t;
}

/* Pixels per table run: enough for long loops, capped by the row. */
static int table_pixels(int per_pixel, int W) {
    int P = 256 / per_pixel;
    if (P < 1) P = 1;
    return P < W ? P : W;
}

#define MOVE_LOOPS(T)                                                                               \
    static void table_gather_##T(T *dst, const T *src, const int64_t *tab, int W, int P, int64_t run, \
                                 int64_t pstride) {                                                  \
        for (int w0 = 0; w0 < W; w0 += P) {                                                        \
            const int64_t len = (int64_t)(W - w0 < P ? W - w0 : P) * run;                          \
            T *d = dst + (int64_t)w0 * run;                                                        \
            const T *s = src + (int64_t)w0 * pstride;                                              \
            for (int64_t k = 0; k < len; k++) d[k] = s[tab[k]];                                    \
        }                                                                                          \
    }                                                                                              \
    /* CRD without dense output rows, one pixel at a time: block pixel j is at space + j*sstep. */ \
    static void crd_to_space_##T(T *space, int64_t sstep, const T *depth, int b, int C) {           \
        for (int j = 0; j < b; j++)                                                                \
            for (int c = 0; c < C; c++) space[j * sstep + c] = depth[j + (int64_t)c * b * b];      \
    }                                                                                              \
    static void crd_to_depth_##T(T *depth, const T *space, int64_t sstep, int b, int C) {           \
        for (int j = 0; j < b; j++)                                                                \
            for (int c = 0; c < C; c++) depth[j + (int64_t)c * b * b] = space[j * sstep + c];      \
    }
MOVE_LOOPS(uint32_t)
MOVE_LOOPS(uint16_t)

/* depth_to_space: y[n, h*b+i, w*b+j, c] = x[n, h, w, ch(i, j, c)], one task per input row. */
static int forward(const gk_pixel_shuffle_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const int es = gk_dtype_size(y->dtype), b = p->block, C = y->c, W = x->w;
    const int64_t rows = (int64_t)x->n * x->h;
    /* Dense output pixels make the b pixels (w*b .. w*b+b-1) of one output row one run, and in
     * DCR their source channels (i*b .. i*b+b-1)*C are one run too. */
    const int merged = y->sw == C, crd = p->mode == GK_PS_CRD;
    const int P = table_pixels(b * C, W);
    int64_t *tab = NULL;
    if (crd && merged && !(tab = crd_table(b, C, P, x->sw))) return GK_ERR_OUT_OF_MEMORY;
    const int64_t L = (int64_t)P * b * C;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int64_t row = 0; row < rows; row++) {
        const int n = (int)(row / x->h), h = (int)(row % x->h);
        for (int i = 0; i < b; i++) {
            const char *xrow = (const char *)x->data + gk_off(x, n, h, 0, 0) * es;
            char *yrow = (char *)y->data + gk_off(y, n, (int64_t)h * b + i, 0, 0) * es;
            if (tab) {
                const int64_t *t = tab + i * L, run = (int64_t)b * C;
                if (es == 4) table_gather_uint32_t((uint32_t *)yrow, (const uint32_t *)xrow, t, W, P, run, x->sw);
                else table_gather_uint16_t((uint16_t *)yrow, (const uint16_t *)xrow, t, W, P, run, x->sw);
                continue;
            }
            for (int w = 0; w < W; w++) {
                const char *xp = xrow + w * x->sw * es;
                char *yp = yrow + (int64_t)w * b * y->sw * es;
                if (crd) {
                    if (es == 4) crd_to_space_uint32_t((uint32_t *)yp, y->sw, (const uint32_t *)xp + i * b, b, C);
                    else crd_to_space_uint16_t((uint16_t *)yp, y->sw, (const uint16_t *)xp + i * b, b, C);
                } else if (merged) {
                    gk_copy_run(yp, xp + (int64_t)i * b * C * es, (size_t)b * C * es);
                } else {
                    for (int j = 0; j < b; j++)
                        gk_copy_run(yp + j * y->sw * es, xp + ((int64_t)i * b + j) * C * es, (size_t)C * es);
                }
            }
        }
    }
    free(tab);
    return GK_OK;
}

/* space_to_depth: y[n, h, w, ch(i, j, c)] = x[n, h*b+i, w*b+j, c], one task per output row. */
static int inverse(const gk_pixel_shuffle_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    const int es = gk_dtype_size(y->dtype), b = p->block, C = x->c, W = y->w;
    const int64_t rows = (int64_t)y->n * y->h, CB = (int64_t)C * b * b;
    const int crd = p->mode == GK_PS_CRD;
    /* DCR keeps runs of C channels and copies them unless they are tiny; CRD, and DCR with tiny
     * runs, gather through the table when the output rows are dense. */
    const int gather = y->sw == CB && (crd || (int64_t)C * es < GK_S2D_COPY_MIN);
    const int P = table_pixels((int)CB, W);
    int64_t *tab = NULL;
    if (gather && !(tab = s2d_table(b, C, P, crd, x))) return GK_ERR_OUT_OF_MEMORY;
    const int merged = x->sw == C;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int64_t row = 0; row < rows; row++) {
        const int n = (int)(row / y->h), h = (int)(row % y->h);
        char *yrow = (char *)y->data + gk_off(y, n, h, 0, 0) * es;
        if (tab) {
            const char *xrow = (const char *)x->data + gk_off(x, n, (int64_t)h * b, 0, 0) * es;
            const int64_t step = (int64_t)b * x->sw; /* input offset of the next output pixel */
            if (es == 4) table_gather_uint32_t((uint32_t *)yrow, (const uint32_t *)xrow, tab, W, P, CB, step);
            else table_gather_uint16_t((uint16_t *)yrow, (const uint16_t *)xrow, tab, W, P, CB, step);
            continue;
        }
        for (int i = 0; i < b; i++) {
            const char *xrow = (const char *)x->data + gk_off(x, n, (int64_t)h * b + i, 0, 0) * es;
            for (int w = 0; w < W; w++) {
                const char *xp = xrow + (int64_t)w * b * x->sw * es;
                char *yp = yrow + w * y->sw * es;
                if (crd) {
                    if (es == 4) crd_to_depth_uint32_t((uint32_t *)yp + i * b, (const uint32_t *)xp, x->sw, b, C);
                    else crd_to_depth_uint16_t((uint16_t *)yp + i * b, (const uint16_t *)xp, x->sw, b, C);
                } else if (merged) {
                    gk_copy_run(yp + (int64_t)i * b * C * es, xp, (size_t)b * C * es);
                } else {
                    for (int j = 0; j < b; j++)
                        gk_copy_run(yp + ((int64_t)i * b + j) * C * es, xp + j * x->sw * es, (size_t)C * es);
                }
            }
        }
    }
    free(tab);
    return GK_OK;
}

int gk_cpu_pixel_shuffle(const gk_pixel_shuffle_params *p) {
    if (p->x.dtype != p->y.dtype || (p->y.dtype != GK_F32 && p->y.dtype != GK_F16)) return GK_ERR_UNSUPPORTED;
    if (p->mode != GK_PS_DCR && p->mode != GK_PS_CRD) return GK_ERR_UNSUPPORTED;
    return p->inverse ? inverse(p) : forward(p);
}

/* pad2d on the CPU: zero (constant value), reflect and replicate padding, negative amounts crop.
 * Memory-bound: each output row of C channels is one memcpy from its source pixel. */
#include "common.h"

int gk_cpu_pad2d(const gk_pad2d_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if (x->dtype != y->dtype || (x->dtype != GK_F32 && x->dtype != GK_F16)) return GK_ERR_UNSUPPORTED;
    const int es = gk_dtype_size(y->dtype);
    const int C = y->c;
    const uint16_t fill16 = gk_float_to_half(p->value);
    const int64_t rows = (int64_t)y->n * y->h;
#pragma omp parallel for num_threads(gk_nthreads()) schedule(static)
    for (int64_t row = 0; row < rows; row++) {
        int n = (int)(row / y->h), oh = (int)(row % y->h);
        int ih = gk_pad_index(oh - p->top, x->h, p->mode);
        for (int ow = 0; ow < y->w; ow++) {
            char *dst = (char *)y->data + gk_off(y, n, oh, ow, 0) * es;
            int iw = gk_pad_index(ow - p->left, x->w, p->mode);
            if (ih < 0 || iw < 0) {
                if (y->dtype == GK_F32) {
                    for (int c = 0; c < C; c++) ((float *)dst)[c] = p->value;
                } else {
                    for (int c = 0; c < C; c++) ((uint16_t *)dst)[c] = fill16;
                }
            } else {
                memcpy(dst, (const char *)x->data + gk_off(x, n, ih, iw, 0) * es, (size_t)C * es);
            }
        }
    }
    return GK_OK;
}

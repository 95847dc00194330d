/* instancenorm on the CPU: moments per (image, channel) over H·W, then the fused normalize,
 * optional affine and activation; both passes are the ones batchnorm.c defines. */
#include "norm.h"
#include <stdlib.h>


int gk_cpu_instancenorm(const gk_instancenorm_params *p) {
    const gk_tensor *x = &p->x, *y = &p->y;
    if (x->dtype != y->dtype || (x->dtype != GK_F32 && x->dtype != GK_F16)) return GK_ERR_UNSUPPORTED;
    const int64_t N = x->n, HW = (int64_t)x->h * x->w, C = x->c;
    if (N * HW == 0 || C == 0) return GK_OK;
    double *mom = malloc((size_t)(N * C) * 2 * sizeof(double));
    float *prm = malloc((size_t)(N * C) * 3 * sizeof(float));
    if (!mom || !prm) {
        free(mom);
        free(prm);
        return GK_ERR_OUT_OF_MEMORY;
    }
    int st = gk_norm_moments(x, HW, N, mom, mom + N * C);
    if (st == GK_OK) {
        float *center = prm, *scale = prm + N * C, *shift = prm + 2 * N * C;
        const double eps = p->eps;
        for (int64_t n = 0; n < N; n++) {
            for (int64_t c = 0; c < C; c++) {
                int64_t i = n * C + c;
                double mu = mom[i];
                double a = (p->gamma ? p->gamma[c] : 1.0) / sqrt(mom[N * C + i] + eps);
                float hi = (float)mu;
                center[i] = hi;
                scale[i] = (float)a;
                shift[i] = (float)((p->gamma && p->beta ? p->beta[c] : 0.0) - (mu - hi) * a);
            }
        }
        gk_norm_normalize(x, y, center, scale, shift, 1, p->act, p->alpha);
    }
    free(mom);
    free(prm);
    return st;
}

// Reference gram, pool2d and linear (DESIGN §8 layer 1): plain double-precision loops, written to be
// obviously right and independent of how the kernels block, pack or mirror.
package dev.gannet.ref;

import dev.gannet.ops.Activation;
import dev.gannet.runtime.Shape;

public final class RefOpsGramPoolLinear {
    private RefOpsGramPoolLinear() {}

    /** G[n, 0, i, j] = scale · Σ_{h,w} x[n,h,w,i] · x[n,h,w,j], every (i, j) computed on its own. */
    public static HostTensor gram(HostTensor x, double scale) {
        Shape s = x.shape();
        HostTensor g = HostTensor.zeros(new Shape(s.n(), 1, s.c(), s.c()));
        for (int n = 0; n < s.n(); n++) {
            for (int i = 0; i < s.c(); i++) {
                for (int j = 0; j < s.c(); j++) {
                    double sum = 0;
                    for (int h = 0; h < s.h(); h++) {
                        for (int w = 0; w < s.w(); w++) sum += x.get(n, h, w, i) * x.get(n, h, w, j);
                    }
                    g.set(n, 0, i, j, scale * sum);
                }
            }
        }
        return g;
    }

    /** Average (max = false) or max pooling; window cells outside the input are skipped. */
    public static HostTensor pool2d(HostTensor x, boolean max, int kH, int kW, int strideH, int strideW, int padH,
                                    int padW) {
        Shape s = x.shape();
        int oh = (s.h() + 2 * padH - kH) / strideH + 1, ow = (s.w() + 2 * padW - kW) / strideW + 1;
        HostTensor y = HostTensor.zeros(new Shape(s.n(), oh, ow, s.c()));
        for (int n = 0; n < s.n(); n++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int c = 0; c < s.c(); c++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int r = 0; r < kH; r++) {
                            for (int q = 0; q < kW; q++) {
                                int h = i * strideH - padH + r, w = j * strideW - padW + q;
                                if (h < 0 || h >= s.h() || w < 0 || w >= s.w()) continue;
                                double v = x.get(n, h, w, c);
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            }
                        }
                        y.set(n, i, j, c, max ? acc : acc / count);
                    }
                }
            }
        }
        return y;
    }

    /** Mean over H and W, to (N,1,1,C). */
    public static HostTensor globalAvg(HostTensor x) {
        Shape s = x.shape();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), 1, 1, s.c()));
        for (int n = 0; n < s.n(); n++) {
            for (int c = 0; c < s.c(); c++) {
                double sum = 0;
                for (int h = 0; h < s.h(); h++) {
                    for (int w = 0; w < s.w(); w++) sum += x.get(n, h, w, c);
                }
                y.set(n, 0, 0, c, sum / ((double) s.h() * s.w()));
            }
        }
        return y;
    }

    /**
     * y[n,h,w,k] = outScale · act((Σ_c x[n,h,w,c] · W[k,c] + bias[k]) · scale[k] + shift[k]) + resScale · res;
     * W is (1,1,K,C); null bias/scale/shift/residual mean 0/1/0/none.
     */
    public static HostTensor linear(HostTensor x, HostTensor weights, double[] bias, double[] scale, double[] shift,
                                    Activation act, double outScale, HostTensor residual, double resScale) {
        Shape s = x.shape();
        int k = weights.shape().w(), c = s.c();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), s.h(), s.w(), k));
        for (int n = 0; n < s.n(); n++) {
            for (int h = 0; h < s.h(); h++) {
                for (int w = 0; w < s.w(); w++) {
                    for (int o = 0; o < k; o++) {
                        double t = 0;
                        for (int i = 0; i < c; i++) t += x.get(n, h, w, i) * weights.get(0, 0, o, i);
                        if (bias != null) t += bias[o];
                        if (scale != null) t *= scale[o];
                        if (shift != null) t += shift[o];
                        t = outScale * act.apply(t);
                        if (residual != null) t += resScale * residual.get(n, h, w, o);
                        y.set(n, h, w, o, t);
                    }
                }
            }
        }
        return y;
    }
}

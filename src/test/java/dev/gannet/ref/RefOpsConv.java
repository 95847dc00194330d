// Reference conv2d (DESIGN §8 layer 1) in double: materializes the nearest upsample, then the padding,
// then runs the dilated, strided convolution with plain loops, then the epilogue of gannet_kernels.h.
package dev.gannet.ref;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.runtime.Shape;

public final class RefOpsConv {
    private RefOpsConv() {}

    /** The epilogue's parts; null vectors mean 0 (bias, shift) or 1 (scale); null residual means none. */
    public record Ep(float[] bias, float[] scale, float[] shift, Activation act, double outScale,
                     HostTensor residual, double resScale) {
        public static final Ep NONE = new Ep(null, null, null, Activation.NONE, 1, null, 1);

        /** t = acc + bias; t = t*scale + shift; t = act(t); y = outScale*t + resScale*residual. */
        public double apply(int k, double acc, double res) {
            double t = acc;
            if (bias != null) t += bias[k];
            if (scale != null) t *= scale[k];
            if (shift != null) t += shift[k];
            t = act.apply(t);
            t = outScale * t;
            if (residual != null) t += resScale * res;
            return t;
        }
    }

    /** Nearest upsample by an integer factor: y[h, w] = x[h / f, w / f]. */
    public static HostTensor upsampleNearest(HostTensor x, int f) {
        Shape s = x.shape();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), s.h() * f, s.w() * f, s.c()));
        for (int n = 0; n < s.n(); n++)
            for (int h = 0; h < s.h() * f; h++)
                for (int w = 0; w < s.w() * f; w++)
                    for (int c = 0; c < s.c(); c++) y.set(n, h, w, c, x.get(n, h / f, w / f, c));
        return y;
    }

    /** conv2d with weights w of shape K x R x S x C (as a HostTensor with n = K). */
    public static HostTensor conv2d(HostTensor x, HostTensor w, Conv2d.Attrs a, Ep ep) {
        HostTensor up = upsampleNearest(x, a.upsample());
        HostTensor xp = RefOps.pad2d(up, a.padTop(), a.padLeft(), a.padBottom(), a.padRight(), a.padMode(), 0);
        Shape ps = xp.shape(), ws = w.shape();
        int k = ws.n(), r = ws.h(), s = ws.w(), c = ws.c();
        int oh = (ps.h() - a.dilH() * (r - 1) - 1) / a.strideH() + 1;
        int ow = (ps.w() - a.dilW() * (s - 1) - 1) / a.strideW() + 1;
        HostTensor y = HostTensor.zeros(new Shape(ps.n(), oh, ow, k));
        for (int n = 0; n < ps.n(); n++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int kk = 0; kk < k; kk++) {
                        double acc = 0;
                        for (int ri = 0; ri < r; ri++) {
                            for (int si = 0; si < s; si++) {
                                int ih = i * a.strideH() + ri * a.dilH(), iw = j * a.strideW() + si * a.dilW();
                                for (int ci = 0; ci < c; ci++) acc += xp.get(n, ih, iw, ci) * w.get(kk, ri, si, ci);
                            }
                        }
                        double res = ep.residual() != null ? ep.residual().get(n, i, j, kk) : 0;
                        y.set(n, i, j, kk, ep.apply(kk, acc, res));
                    }
                }
            }
        }
        return y;
    }
}

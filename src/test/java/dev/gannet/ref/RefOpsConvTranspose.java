// Reference conv_transpose2d: PyTorch's definition taken literally, every input pixel scattering its
// weighted kernel into the output (double precision), then the epilogue formula of gk_epilogue.
package dev.gannet.ref;

import dev.gannet.ops.Activation;
import dev.gannet.runtime.Shape;

public final class RefOpsConvTranspose {
    private RefOpsConvTranspose() {}

    /** The epilogue's parts as host data; null arrays / residual mean "absent" (0, 1, 0, none). */
    public record Ep(double[] bias, double[] scale, double[] shift, Activation act, double outScale,
                     HostTensor residual, double resScale) {
        public static final Ep NONE = new Ep(null, null, null, Activation.NONE, 1, null, 1);
    }

    /**
     * x is N x H x W x C, w is K x R x S x C (K output channels); returns N x OH x OW x K with
     * OH = (H-1)*strideH - 2*padH + dilH*(R-1) + outPadH + 1 (likewise OW).
     */
    public static HostTensor convTranspose2d(HostTensor x, HostTensor w, int strideH, int strideW, int padH, int padW,
                                             int outPadH, int outPadW, int dilH, int dilW, Ep ep) {
        Shape xs = x.shape(), ws = w.shape();
        int k = ws.n(), r = ws.h(), s = ws.w(), c = ws.c();
        if (c != xs.c()) throw new IllegalArgumentException("weights " + ws + " do not fit input " + xs);
        int oh = (xs.h() - 1) * strideH - 2 * padH + dilH * (r - 1) + outPadH + 1;
        int ow = (xs.w() - 1) * strideW - 2 * padW + dilW * (s - 1) + outPadW + 1;
        HostTensor y = HostTensor.zeros(new Shape(xs.n(), oh, ow, k));
        for (int n = 0; n < xs.n(); n++) {
            for (int ih = 0; ih < xs.h(); ih++) {
                for (int iw = 0; iw < xs.w(); iw++) {
                    for (int kr = 0; kr < r; kr++) {
                        int h = ih * strideH - padH + kr * dilH;
                        if (h < 0 || h >= oh) continue;
                        for (int ks = 0; ks < s; ks++) {
                            int wo = iw * strideW - padW + ks * dilW;
                            if (wo < 0 || wo >= ow) continue;
                            for (int ko = 0; ko < k; ko++) {
                                double acc = 0;
                                for (int ci = 0; ci < c; ci++) acc += x.get(n, ih, iw, ci) * w.get(ko, kr, ks, ci);
                                y.set(n, h, wo, ko, y.get(n, h, wo, ko) + acc);
                            }
                        }
                    }
                }
            }
        }
        return epilogue(y, ep);
    }

    /** t = acc + bias; t = t*scale + shift; t = act(t); y = outScale*t + resScale*residual. */
    public static HostTensor epilogue(HostTensor acc, Ep ep) {
        Shape s = acc.shape();
        HostTensor y = HostTensor.zeros(s);
        for (int i = 0; i < acc.data().length; i++) {
            int k = i % s.c();
            double t = acc.data()[i];
            if (ep.bias() != null) t += ep.bias()[k];
            if (ep.scale() != null) t *= ep.scale()[k];
            if (ep.shift() != null) t += ep.shift()[k];
            t = RefOps.act(ep.act(), t);
            t = ep.outScale() * t;
            if (ep.residual() != null) t += ep.resScale() * ep.residual().data()[i];
            y.data()[i] = t;
        }
        return y;
    }
}

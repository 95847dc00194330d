// References of elementwise, cast and reduce: plain loops in double over dense host tensors, with
// numpy-style broadcasting done by index clamping, independent of how the kernels walk memory.
package dev.gannet.ref;

import dev.gannet.ops.Activation;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;

public final class RefOpsElementwise {
    private RefOpsElementwise() {}

    /** x read at y's index (n, h, w, c), where x's dims of size 1 broadcast. */
    private static double at(HostTensor x, int n, int h, int w, int c) {
        Shape s = x.shape();
        return x.get(s.n() == 1 ? 0 : n, s.h() == 1 ? 0 : h, s.w() == 1 ? 0 : w, s.c() == 1 ? 0 : c);
    }

    /** y = act(sa*a + sb*b) over y's shape {@code ys}. */
    public static HostTensor add(HostTensor a, HostTensor b, Shape ys, double sa, double sb, Activation act) {
        HostTensor y = HostTensor.zeros(ys);
        forEach(ys, (n, h, w, c) -> y.set(n, h, w, c, act.apply(sa * at(a, n, h, w, c) + sb * at(b, n, h, w, c))));
        return y;
    }

    /** y = act(sa*a*b). */
    public static HostTensor mul(HostTensor a, HostTensor b, Shape ys, double sa, Activation act) {
        HostTensor y = HostTensor.zeros(ys);
        forEach(ys, (n, h, w, c) -> y.set(n, h, w, c, act.apply(sa * at(a, n, h, w, c) * at(b, n, h, w, c))));
        return y;
    }

    /** y = act(sa*a + sb). */
    public static HostTensor affine(HostTensor a, Shape ys, double sa, double sb, Activation act) {
        HostTensor y = HostTensor.zeros(ys);
        forEach(ys, (n, h, w, c) -> y.set(n, h, w, c, act.apply(sa * at(a, n, h, w, c) + sb)));
        return y;
    }

    /** y = min(max(a, lo), hi) with NaN passed through. */
    public static HostTensor clamp(HostTensor a, Shape ys, double lo, double hi) {
        HostTensor y = HostTensor.zeros(ys);
        forEach(ys, (n, h, w, c) -> {
            double v = at(a, n, h, w, c);
            y.set(n, h, w, c, Double.isNaN(v) ? v : Math.min(Math.max(v, lo), hi));
        });
        return y;
    }

    /**
     * cast: v = (x*scale + offset - mean[c]) * invStd[c] (null mean/invStd: 0/1), then stored as
     * {@code to}: U8 rounds half away from zero, saturates and maps NaN to 0; F16 rounds to nearest
     * even from the fp32 value; F32 is kept in double (compared with a tolerance).
     */
    public static HostTensor cast(HostTensor x, Shape ys, double scale, double offset, float[] mean, float[] invStd,
                                  DType to) {
        HostTensor y = HostTensor.zeros(ys);
        forEach(ys, (n, h, w, c) -> {
            double m = mean == null ? 0 : mean[c], s = invStd == null ? 1 : invStd[c];
            double v = (at(x, n, h, w, c) * scale + offset - m) * s;
            y.set(n, h, w, c, store(v, to));
        });
        return y;
    }

    /** What an output of dtype {@code to} holds for the exact value v. */
    public static double store(double v, DType to) {
        return switch (to) {
            case F32 -> v;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case U8 -> {
                if (Double.isNaN(v)) yield 0;
                double r = Math.signum(v) * Math.floor(Math.abs(v) + 0.5);
                yield Math.max(0, Math.min(255, r));
            }
            case I32 -> throw new IllegalArgumentException("cast has no I32 output");
        };
    }

    /** t's values as an output of dtype {@code to} would hold them (see {@link #store}). */
    public static HostTensor stored(HostTensor t, DType to) {
        double[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) d[i] = store(d[i], to);
        return new HostTensor(t.shape(), d);
    }

    /** mean of every element: shape 1x1x1x1. */
    public static HostTensor meanAll(HostTensor a) {
        double s = 0;
        for (double v : a.data()) s += v;
        return new HostTensor(new Shape(1, 1, 1, 1), new double[] {s / a.data().length});
    }

    /** mean over N*H*W per channel: shape 1x1x1xC. */
    public static HostTensor meanChannel(HostTensor a) {
        Shape s = a.shape();
        double[] m = new double[s.c()];
        forEach(s, (n, h, w, c) -> m[c] += a.get(n, h, w, c));
        long count = (long) s.n() * s.h() * s.w();
        for (int c = 0; c < m.length; c++) m[c] /= count;
        return new HostTensor(new Shape(1, 1, 1, s.c()), m);
    }

    /** mean((a - b)^2) with b broadcast to a's shape. */
    public static HostTensor mse(HostTensor a, HostTensor b) {
        double[] s = {0};
        forEach(a.shape(), (n, h, w, c) -> {
            double d = a.get(n, h, w, c) - at(b, n, h, w, c);
            s[0] += d * d;
        });
        return new HostTensor(new Shape(1, 1, 1, 1), new double[] {s[0] / a.data().length});
    }

    /** mean(|a - b|) with b broadcast to a's shape. */
    public static HostTensor l1(HostTensor a, HostTensor b) {
        double[] s = {0};
        forEach(a.shape(), (n, h, w, c) -> s[0] += Math.abs(a.get(n, h, w, c) - at(b, n, h, w, c)));
        return new HostTensor(new Shape(1, 1, 1, 1), new double[] {s[0] / a.data().length});
    }

    private interface Index4 {
        void at(int n, int h, int w, int c);
    }

    private static void forEach(Shape s, Index4 f) {
        for (int n = 0; n < s.n(); n++)
            for (int h = 0; h < s.h(); h++)
                for (int w = 0; w < s.w(); w++)
                    for (int c = 0; c < s.c(); c++) f.at(n, h, w, c);
    }
}

// linear cases: features C 1/17/64/300 (300 spans two reduction chunks), outputs K 1/10/33 (partial
// 16-output panels) and 130 (several GPU output tiles), from one row to 256 rows (several row
// blocks), channel slices in and out, and every epilogue element: bias, scale+shift, each activation, out_scale, a residual (also in place).
package dev.gannet.matrix;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Epilogue;
import dev.gannet.ops.Linear;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsGramPoolLinear;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class LinearCases {
    private LinearCases() {}

    /** Residual: NONE, a separate tensor, or y itself holding the residual before the launch. */
    private enum Res { NONE, SEPARATE, IN_PLACE }

    private record Spec(Shape x, int k, boolean bias, boolean scaleShift, Activation act, float outScale, Res res,
                        boolean slice) {}

    public static List<OpCase> cases() {
        List<Spec> specs = List.of(
                new Spec(new Shape(1, 1, 1, 1), 1, false, false, Activation.NONE, 1f, Res.NONE, false),
                new Spec(new Shape(2, 3, 5, 17), 10, true, false, Activation.NONE, 1f, Res.NONE, false),
                new Spec(new Shape(1, 7, 13, 64), 33, true, false, Activation.leaky(0.1f), 1f, Res.NONE, false),
                new Spec(new Shape(2, 1, 1, 300), 10, true, false, Activation.RELU, 1f, Res.NONE, false),
                new Spec(new Shape(1, 3, 5, 300), 33, false, true, Activation.TANH, 1f, Res.NONE, true),
                new Spec(new Shape(1, 13, 7, 17), 33, true, false, Activation.SIGMOID, 0.5f, Res.SEPARATE, false),
                new Spec(new Shape(3, 1, 1, 64), 1, true, false, Activation.RELU, 1f, Res.NONE, false),
                new Spec(new Shape(1, 16, 16, 64), 33, true, true, Activation.leaky(0.2f), 2f, Res.IN_PLACE, false),
                new Spec(new Shape(2, 5, 13, 64), 130, true, false, Activation.RELU, 1f, Res.NONE, false));
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Spec s : specs) {
                Shape xs = s.x();
                int k = s.k(), c = xs.c();
                String desc = String.format("%s -> K=%d%s%s %s%s%s%s", xs, k, s.bias() ? " bias" : "",
                        s.scaleShift() ? " scale/shift" : "", s.act(), s.outScale() != 1f ? " out*" + s.outScale() : "",
                        s.res() == Res.NONE ? "" : " residual(" + s.res().name().toLowerCase() + ")",
                        s.slice() ? " slices" : "");
                l.add(new OpCase(Linear.OP, dt, "default", desc, h -> {
                    Shape ws = new Shape(1, 1, k, c);
                    Shape ys = Linear.outputShape(xs, ws);
                    float[] xv = h.random(xs, -1, 1, dt);
                    float[] wv = h.random(ws, -1, 1, dt);
                    Tensor x = s.slice() ? h.input(dt, xs, xv, 5, 2) : h.input(dt, xs, xv);
                    Tensor w = h.input(dt, ws, wv);
                    Tensor y = s.slice() ? h.output(dt, ys, 3, 1) : h.output(dt, ys);
                    float[] bias = s.bias() ? h.random(k, -1, 1) : null;
                    float[] scale = s.scaleShift() ? h.random(k, 0.5, 1.5) : null;
                    float[] shift = s.scaleShift() ? h.random(k, -0.5, 0.5) : null;
                    Epilogue ep = Epilogue.NONE.withAct(s.act()).withOutScale(s.outScale());
                    if (bias != null) ep = ep.withBias(h.vector(bias));
                    if (scale != null) ep = ep.withScaleShift(h.vector(scale), h.vector(shift));
                    float[] rv = null;
                    if (s.res() != Res.NONE) {
                        rv = h.random(ys, -1, 1, dt);
                        Tensor r;
                        if (s.res() == Res.IN_PLACE) {
                            y.copyFrom(rv);
                            r = y;
                        } else {
                            r = h.input(dt, ys, rv);
                        }
                        ep = ep.withResidual(r, 0.7f);
                    }
                    Linear.launch(h.stream(), x, w, y, ep);
                    HostTensor ref = RefOpsGramPoolLinear.linear(Harness.host(xs, xv), Harness.host(ws, wv),
                            doubles(bias), doubles(scale), doubles(shift), s.act(), s.outScale(),
                            rv == null ? null : Harness.host(ys, rv), 0.7);
                    return h.compare(ref, y, c);
                }));
            }
        }
        return l;
    }

    private static double[] doubles(float[] v) {
        if (v == null) return null;
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}

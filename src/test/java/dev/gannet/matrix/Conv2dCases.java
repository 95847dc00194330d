// conv2d cases: every padding mode in F32 and F16; kernels 1..9 and asymmetric; stride, dilation,
// asymmetric pads, nearest upsample 2 and 3; channels 1/3/17/64/256 in and out, K not a multiple of
// 8 or 16, K = 130 (several GPU channel tiles); 1x1 and odd images, batch 2; channel-slice input and
// output; every epilogue part.
package dev.gannet.matrix;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.Conv2d.Attrs;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Epilogue;
import dev.gannet.ops.PadMode;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsConv;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class Conv2dCases {
    private Conv2dCases() {}

    /** Which epilogue parts a case fuses. */
    private enum Ep {
        NONE, BIAS, SCALE_SHIFT, RELU, LEAKY, TANH, SIGMOID, RESIDUAL, OUT_SCALE_IN_PLACE, RESIDUAL_SLICE, ALL
    }

    private record Geo(Shape x, int k, Attrs a, boolean sliceIn, boolean sliceOut, String note) {}

    private static Geo geo(int n, int h, int w, int c, int k, Attrs a) {
        return new Geo(new Shape(n, h, w, c), k, a, false, false, "");
    }

    public static List<OpCase> cases() {
        PadMode zero = PadMode.ZERO, reflect = PadMode.REFLECT, replicate = PadMode.REPLICATE;
        List<Geo> geos = List.of(
                geo(2, 7, 13, 3, 17, Attrs.same(3)),                               // small C (patch path), batch 2
                geo(1, 7, 13, 17, 20, Attrs.same(3, reflect)),
                geo(1, 5, 6, 64, 64, Attrs.same(3, replicate)),
                geo(1, 3, 5, 64, 24, Attrs.kernel(1, 1)),                          // 1x1 conv
                geo(1, 1, 1, 17, 40, Attrs.kernel(1, 1)),                          // 1x1 image, K split over threads
                geo(1, 1, 1, 3, 8, Attrs.same(3)),
                geo(1, 1, 1, 1, 1, Attrs.same(3, replicate)),
                geo(2, 9, 11, 3, 32, Attrs.same(9, reflect)),                      // style-transfer first layer
                geo(1, 8, 9, 17, 17, Attrs.same(7, reflect)),
                geo(1, 7, 13, 17, 9, Attrs.of(5, 2, 2, zero)),                     // stride 2
                geo(1, 8, 8, 16, 33, Attrs.of(3, 2, 1, reflect)),
                geo(1, 7, 13, 8, 16, Attrs.kernel(3, 1).withPads(1, 0, 1, 0).withPadMode(replicate)),
                geo(1, 6, 7, 17, 12, Attrs.kernel(1, 3).withPads(0, 1, 0, 1).withPadMode(reflect)),
                geo(1, 9, 10, 17, 16, Attrs.of(3, 1, 2, zero).withDilation(2, 2)),
                geo(1, 9, 10, 5, 7, Attrs.of(3, 1, 2, reflect).withDilation(2, 2)),
                geo(1, 6, 7, 17, 10, Attrs.kernel(3, 3).withPads(0, 2, 1, 0)),     // asymmetric pads
                geo(1, 6, 7, 17, 10, Attrs.kernel(3, 3).withPads(2, 0, 0, 1).withPadMode(replicate)),
                geo(1, 4, 5, 17, 17, Attrs.same(3, reflect).withUpsample(2)),     // upsample + conv
                geo(1, 3, 4, 3, 8, Attrs.same(3, replicate).withUpsample(3)),
                geo(2, 5, 4, 17, 19, Attrs.of(3, 2, 1, zero).withUpsample(2)),
                geo(1, 3, 5, 256, 20, Attrs.same(3)),                              // weights split in C blocks
                geo(1, 7, 13, 1, 3, Attrs.same(3, reflect)),
                geo(1, 3, 5, 17, 17, Attrs.kernel(3, 3)),                          // no padding
                geo(1, 5, 7, 64, 1, Attrs.same(3, reflect)),
                geo(1, 3, 31, 17, 16, Attrs.same(3, replicate)),                   // many pixel tiles
                geo(1, 4, 5, 16, 24, Attrs.same(3, replicate).withUpsample(2)),    // 16-byte loads (GPU) under upsample
                geo(1, 9, 10, 8, 16, Attrs.of(3, 1, 2, reflect).withDilation(2, 2)), // ... and dilation
                geo(2, 9, 8, 16, 130, Attrs.same(3)),                              // K over several 64/128-channel tiles
                new Geo(new Shape(1, 7, 13, 17), 17, Attrs.same(3), true, true, " slices"),
                new Geo(new Shape(2, 4, 5, 17), 20, Attrs.same(3, reflect).withUpsample(2), true, true, " slices"),
                new Geo(new Shape(1, 6, 9, 3), 8, Attrs.same(3, replicate), true, false, " slice"));
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Geo g : geos) l.add(conv(dt, g, Ep.NONE));
            for (Ep e : Ep.values()) {
                if (e == Ep.NONE) continue;
                PadMode mode = e.ordinal() % 2 == 0 ? zero : reflect;
                l.add(conv(dt, geo(1, 5, 7, 17, 20, Attrs.same(3, mode)), e));
            }
        }
        return l;
    }

    private static OpCase conv(DType dt, Geo g, Ep e) {
        Shape xs = g.x();
        Attrs a = g.a();
        int c = xs.c(), k = g.k();
        String desc = "x=" + xs + " k=" + k + " " + a.describe() + g.note()
                + (e == Ep.NONE ? "" : " ep=" + e.name().toLowerCase());
        return new OpCase(Conv2d.OP, dt, Conv2d.variant(a.padMode()), desc, h -> {
            Shape ws = new Shape(k, a.r(), a.s(), c);
            Shape ys = Conv2d.outputShape(xs, k, a);
            float[] xv = h.random(xs, -1, 1, dt);
            double wr = Math.sqrt(3.0 / (a.r() * a.s() * c));
            float[] wv = h.random(ws, -wr, wr, dt);
            Tensor x = g.sliceIn() ? h.input(dt, xs, xv, 2, 3) : h.input(dt, xs, xv);
            Tensor wt = h.input(dt, ws, wv);
            ConvWeights w = ConvWeights.prepare(h.arena(), h.stream(), wt, false);
            Tensor y = g.sliceOut() ? h.output(dt, ys, 1, 4) : h.output(dt, ys);

            float[] bias = null, scale = null, shift = null, res = null;
            Activation act = Activation.NONE;
            float outScale = 1f, resScale = 1f;
            Tensor residual = null;
            boolean all = e == Ep.ALL;
            if (e == Ep.BIAS || e == Ep.RELU || all) bias = h.random(k, -0.5, 0.5);
            if (e == Ep.SCALE_SHIFT || all) {
                scale = h.random(k, 0.5, 2);
                shift = h.random(k, -0.5, 0.5);
            }
            act = switch (e) {
                case RELU -> Activation.RELU;
                case LEAKY, ALL -> Activation.leaky(0.2f);
                case TANH -> Activation.TANH;
                case SIGMOID -> Activation.SIGMOID;
                default -> Activation.NONE;
            };
            if (e == Ep.RESIDUAL || e == Ep.RESIDUAL_SLICE || e == Ep.OUT_SCALE_IN_PLACE || all) {
                res = h.random(ys, -1, 1, dt);
                resScale = e == Ep.OUT_SCALE_IN_PLACE ? 1f : 0.5f;
                if (e == Ep.OUT_SCALE_IN_PLACE) {
                    y.copyFrom(res); // y += conv: the residual is y itself
                    residual = y;
                } else if (e == Ep.RESIDUAL_SLICE) {
                    residual = h.input(dt, ys, res, 3, 1);
                } else {
                    residual = h.input(dt, ys, res);
                }
            }
            if (e == Ep.OUT_SCALE_IN_PLACE || all) outScale = 0.75f;

            Epilogue ep = new Epilogue(bias == null ? null : h.vector(bias), scale == null ? null : h.vector(scale),
                    shift == null ? null : h.vector(shift), act, outScale, residual, resScale);
            Conv2d.launch(h.stream(), x, w, y, a, ep);
            var ref = RefOpsConv.conv2d(Harness.host(xs, xv), Harness.host(ws, wv), a,
                    new RefOpsConv.Ep(bias, scale, shift, act, outScale,
                            res == null ? null : HostTensor.of(ys, res), resScale));
            return h.compare(ref, y, a.r() * a.s() * c);
        });
    }
}

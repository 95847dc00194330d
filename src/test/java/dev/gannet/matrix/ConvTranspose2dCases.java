// conv_transpose2d cases: DCGAN's k4 s2 p1 upsampling and its 1x1-noise-to-4x4 first layer, CycleGAN's
// k3 s2 p1 output_padding 1, stride 1 and 3, dilation, asymmetric attributes, odd sizes, channels
// 1/3/17/64 (including K not a multiple of the kernel's 8/16-channel blocks), channel slices, and
// every part of the fused epilogue, in F32 and F16. Channel counts also steer the kernel's paths:
// K = 1..4 with C >= 8 (dot products over C), K <= 8 and K > 8 (one or two vectors of channels).
package dev.gannet.matrix;

import dev.gannet.ops.Activation;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.ConvTranspose2d.Attrs;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Epilogue;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsConvTranspose;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class ConvTranspose2dCases {
    private ConvTranspose2dCases() {}

    /** One configuration: shapes, attributes, slices and which epilogue parts are on. */
    private record Cfg(String name, Shape x, int k, Attrs a, boolean slices, boolean bias, boolean scaleShift,
                       Activation act, float outScale, float resScale, boolean residual, boolean inPlace,
                       boolean f32Weights) {
        static Cfg of(String name, int n, int h, int w, int c, int k, Attrs a) {
            return new Cfg(name, new Shape(n, h, w, c), k, a, false, false, false, Activation.NONE, 1f, 1f, false,
                    false, false);
        }

        Cfg withSlices() {
            return new Cfg(name, x, k, a, true, bias, scaleShift, act, outScale, resScale, residual, inPlace,
                    f32Weights);
        }

        Cfg withBias() {
            return new Cfg(name, x, k, a, slices, true, scaleShift, act, outScale, resScale, residual, inPlace,
                    f32Weights);
        }

        Cfg withScaleShift() {
            return new Cfg(name, x, k, a, slices, bias, true, act, outScale, resScale, residual, inPlace, f32Weights);
        }

        Cfg withAct(Activation ac) {
            return new Cfg(name, x, k, a, slices, bias, scaleShift, ac, outScale, resScale, residual, inPlace,
                    f32Weights);
        }

        Cfg withOutScale(float s) {
            return new Cfg(name, x, k, a, slices, bias, scaleShift, act, s, resScale, residual, inPlace, f32Weights);
        }

        Cfg withResidual(float rs, boolean inPlaceToo) {
            return new Cfg(name, x, k, a, slices, bias, scaleShift, act, outScale, rs, true, inPlaceToo, f32Weights);
        }

        Cfg withF32Weights() {
            return new Cfg(name, x, k, a, slices, bias, scaleShift, act, outScale, resScale, residual, inPlace, true);
        }

        String describe() {
            Shape y = ConvTranspose2d.outputShape(x, k, a);
            StringBuilder b = new StringBuilder(name).append(' ').append(x).append("->").append(y).append(' ')
                    .append(a);
            if (slices) b.append(" slices");
            if (bias) b.append(" +bias");
            if (scaleShift) b.append(" +scale/shift");
            if (act.kind() != Activation.Kind.NONE) b.append(" +").append(act);
            if (outScale != 1f) b.append(" *").append(outScale);
            if (residual) b.append(inPlace ? " +residual(in place)*" : " +residual*").append(resScale);
            if (f32Weights) b.append(" f32-weights");
            return b.toString();
        }
    }

    private static List<Cfg> configs() {
        Attrs dcgan = Attrs.of(4, 2, 1, 0);
        Attrs noise = Attrs.of(4, 1, 0, 0);
        Attrs cycle = Attrs.of(3, 2, 1, 1);
        return List.of(
                Cfg.of("dcgan-up", 2, 4, 4, 17, 16, dcgan),
                Cfg.of("dcgan-up", 1, 3, 5, 64, 17, dcgan).withBias().withAct(Activation.RELU),
                Cfg.of("dcgan-up", 2, 8, 8, 64, 64, dcgan).withBias().withScaleShift().withAct(Activation.RELU),
                Cfg.of("dcgan-noise", 2, 1, 1, 100, 64, noise),
                Cfg.of("dcgan-noise", 7, 1, 1, 3, 33, noise).withBias(),
                Cfg.of("cyclegan-up", 2, 3, 5, 17, 8, cycle).withScaleShift().withAct(Activation.RELU),
                Cfg.of("cyclegan-up", 1, 7, 13, 64, 64, cycle).withResidual(1f, false),
                Cfg.of("stride1", 2, 7, 13, 3, 17, Attrs.of(3, 1, 1, 0)).withAct(Activation.leaky(0.2f)),
                Cfg.of("dilation2", 2, 3, 5, 17, 3, Attrs.of(3, 1, 0, 0).withDilation(2, 2)).withBias()
                        .withAct(Activation.TANH),
                Cfg.of("dilation2-stride2", 1, 7, 13, 3, 1, Attrs.of(3, 2, 1, 1).withDilation(2, 2))
                        .withAct(Activation.SIGMOID),
                Cfg.of("one-pixel", 2, 1, 1, 64, 17, dcgan),
                Cfg.of("one-channel", 2, 7, 13, 1, 1, dcgan).withBias().withOutScale(0.5f),
                Cfg.of("slices", 2, 3, 5, 17, 17, dcgan).withSlices().withBias().withResidual(0.5f, false),
                Cfg.of("asymmetric", 2, 5, 4, 17, 9, new Attrs(3, 5, 3, 2, 2, 1, 1, 0, 1, 2)),
                Cfg.of("stride3-gaps", 2, 3, 5, 3, 8, Attrs.of(2, 3, 0, 2)).withBias(),
                Cfg.of("wide-pad", 2, 5, 4, 17, 16, Attrs.of(4, 2, 2, 0)),
                Cfg.of("full-epilogue", 2, 4, 4, 17, 24, dcgan).withBias().withScaleShift()
                        .withAct(Activation.leaky(0.1f)).withOutScale(0.75f).withResidual(0.7f, false),
                Cfg.of("in-place-residual", 2, 3, 5, 17, 17, cycle).withSlices().withBias().withResidual(1f, true),
                Cfg.of("mixed-weights", 2, 4, 4, 17, 16, dcgan).withF32Weights().withAct(Activation.TANH),
                // K <= 4 with C >= 8 takes the AVX2 dot-product kernel (tiles of 8/6/4/3 pixels)
                Cfg.of("rgb-out", 2, 7, 13, 64, 3, dcgan).withBias().withAct(Activation.TANH),
                Cfg.of("gray-out", 9, 3, 5, 17, 1, cycle).withSlices().withResidual(0.5f, false),
                Cfg.of("two-out", 2, 5, 4, 8, 2, Attrs.of(3, 1, 0, 0).withDilation(1, 2)).withScaleShift(),
                Cfg.of("four-out", 7, 3, 5, 17, 4, Attrs.of(3, 1, 1, 0)).withBias().withAct(Activation.RELU));
    }

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Cfg cfg : configs()) {
                if (cfg.f32Weights() && dt == DType.F32) continue;
                l.add(new OpCase(ConvTranspose2d.OP, dt, "default", cfg.describe(), h -> run(h, dt, cfg)));
            }
        }
        return l;
    }

    private static Result run(Harness h, DType dt, Cfg cfg) {
        Shape xs = cfg.x();
        Attrs a = cfg.a();
        int k = cfg.k();
        Shape ws = new Shape(k, a.r(), a.s(), xs.c());
        Shape ys = ConvTranspose2d.outputShape(xs, k, a);
        DType wdt = cfg.f32Weights() ? DType.F32 : dt;
        double wr = 1.5 / Math.sqrt(a.r() * a.s() * xs.c());
        float[] xv = h.random(xs, -1, 1, dt);
        float[] wv = h.random(ws, -wr, wr, wdt);
        Tensor x = cfg.slices() ? h.input(dt, xs, xv, 2, 3) : h.input(dt, xs, xv);
        ConvWeights w = ConvWeights.prepare(h.arena(), h.stream(), h.input(wdt, ws, wv), true);
        Tensor y = cfg.slices() ? h.output(dt, ys, 1, 4) : h.output(dt, ys);

        Epilogue ep = Epilogue.NONE.withAct(cfg.act()).withOutScale(cfg.outScale());
        double[] bias = null, scale = null, shift = null;
        HostTensor res = null;
        if (cfg.bias()) {
            float[] b = h.random(k, -0.5, 0.5);
            ep = ep.withBias(h.vector(b));
            bias = doubles(b);
        }
        if (cfg.scaleShift()) {
            float[] sc = h.random(k, 0.5, 1.5), sh = h.random(k, -0.5, 0.5);
            ep = ep.withScaleShift(h.vector(sc), h.vector(sh));
            scale = doubles(sc);
            shift = doubles(sh);
        }
        if (cfg.residual()) {
            float[] rv = h.random(ys, -1, 1, dt);
            Tensor r;
            if (cfg.inPlace()) {
                y.copyFrom(rv);
                r = y;
            } else {
                r = cfg.slices() ? h.input(dt, ys, rv, 3, 1) : h.input(dt, ys, rv);
            }
            ep = ep.withResidual(r, cfg.resScale());
            res = Harness.host(ys, rv);
        }
        ConvTranspose2d.launch(h.stream(), x, w, y, a, ep);
        var ref = RefOpsConvTranspose.convTranspose2d(Harness.host(xs, xv), Harness.host(ws, wv), a.strideH(),
                a.strideW(), a.padH(), a.padW(), a.outPadH(), a.outPadW(), a.dilH(), a.dilW(),
                new RefOpsConvTranspose.Ep(bias, scale, shift, cfg.act(), cfg.outScale(), res, cfg.resScale()));
        return h.compare(ref, y, a.r() * a.s() * xs.c());
    }

    private static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}

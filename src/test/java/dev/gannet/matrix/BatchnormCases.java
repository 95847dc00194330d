// batchnorm cases: inference and training in F32 and F16, every activation, odd sizes, 1x1 images
// with batch > 1, channels 1/3/17/24/64/70, channel slices, in-place, gamma/beta present or not, a
// large mean offset (1000 + noise: catches E[x²]-E[x]² cancellation) also with spatial structure,
// and, after training, the running statistics and the saved batch statistics against the reference;
// 16-byte aligned slices (the CUDA vector kernels), one of them with enough pixels per channel that
// the CUDA plan splits the training statistics over several blocks.
package dev.gannet.matrix;

import dev.gannet.ops.Activation;
import dev.gannet.ops.BatchNorm;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsNorm;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class BatchnormCases {
    private BatchnormCases() {}

    /** One configuration; slice puts x and y in wider buffers (aligned: AlignedViews), inPlace makes y = x. */
    record Cfg(Shape shape, Activation act, boolean slice, boolean inPlace, Values values, boolean gamma,
               boolean beta, boolean save, float eps, boolean aligned) {
        Cfg(Shape shape, Activation act, boolean slice, boolean inPlace, Values values, boolean gamma, boolean beta,
            boolean save, float eps) {
            this(shape, act, slice, inPlace, values, gamma, beta, save, eps, false);
        }

        String desc() {
            return shape + " " + act + (slice ? " slices" : "") + (aligned ? " aligned" : "")
                    + (inPlace ? " in-place" : "") + " " + values + (gamma ? " gamma" : "") + (beta ? " beta" : "")
                    + (save ? "" : " no-save") + " eps " + eps;
        }
    }

    /** What x holds: noise around 0; noise around 1000; or, around 1000, flat regions far apart with
     * little noise and an outlier first pixel (tiles of the statistics far from the mean). */
    enum Values {
        CENTERED, OFFSET, STRUCTURED;

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    static final List<Cfg> CONFIGS = List.of(
            new Cfg(new Shape(2, 3, 5, 3), Activation.NONE, false, false, Values.CENTERED, true, true, true, 1e-5f),
            new Cfg(new Shape(1, 7, 13, 17), Activation.leaky(0.2f), true, false, Values.CENTERED, true, true, true,
                    1e-5f),
            new Cfg(new Shape(4, 1, 1, 64), Activation.RELU, false, false, Values.CENTERED, true, true, true, 1e-3f),
            new Cfg(new Shape(2, 1, 1, 3), Activation.leaky(0.1f), false, false, Values.CENTERED, false, false, false,
                    1e-5f),
            new Cfg(new Shape(3, 5, 7, 64), Activation.TANH, false, true, Values.OFFSET, true, true, true, 1e-5f),
            new Cfg(new Shape(2, 4, 6, 1), Activation.SIGMOID, false, false, Values.CENTERED, true, false, true, 1e-5f),
            new Cfg(new Shape(2, 9, 11, 17), Activation.leaky(0.2f), true, true, Values.OFFSET, false, true, true,
                    1e-5f),
            new Cfg(new Shape(2, 6, 40, 24), Activation.NONE, false, false, Values.STRUCTURED, true, true, true, 1e-5f),
            // several statistics blocks whose borders fall inside rows, 8-channel groups plus a tail
            new Cfg(new Shape(3, 23, 37, 70), Activation.leaky(0.1f), false, false, Values.CENTERED, true, true, true,
                    1e-5f),
            // aligned views: vector kernels; 2560 pixels of 16 channels split the CUDA statistics
            new Cfg(new Shape(2, 5, 6, 16), Activation.leaky(0.2f), false, false, Values.CENTERED, true, true, true,
                    1e-5f, true),
            new Cfg(new Shape(2, 4, 5, 16), Activation.RELU, false, true, Values.OFFSET, true, false, true, 1e-5f,
                    true),
            new Cfg(new Shape(2, 32, 40, 16), Activation.NONE, false, false, Values.OFFSET, true, true, true, 1e-5f,
                    true));

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (boolean training : List.of(false, true)) {
                for (Cfg cfg : CONFIGS) {
                    l.add(new OpCase(BatchNorm.OP, dt, training ? "training" : "inference", cfg.desc(),
                            h -> run(h, dt, training, cfg)));
                }
            }
        }
        return l;
    }

    /** fp16 cannot resolve small noise around 1000, so its offset cases use a wider spread. */
    static float[] values(Harness h, Shape s, DType dt, Values kind) {
        if (kind == Values.CENTERED) return h.random(s, -3, 3, dt);
        double noise = dt == DType.F16 ? 24 : 2;
        if (kind == Values.OFFSET) return h.random(s, 1000 - noise, 1000 + noise, dt);
        noise = dt == DType.F16 ? 0.5 : 0.01;
        float[] v = new float[(int) s.numel()];
        int i = 0;
        for (int n = 0; n < s.n(); n++)
            for (int y = 0; y < s.h(); y++)
                for (int x = 0; x < s.w(); x++)
                    for (int c = 0; c < s.c(); c++) {
                        double base = ((x / 8 + y / 3) % 2) * 4 + (x == 0 && y == 0 ? 300 : 0);
                        v[i++] = (float) (1000 + base + noise * (2 * h.random().nextDouble() - 1));
                    }
        return Harness.round(v, dt);
    }

    private static Result run(Harness h, DType dt, boolean training, Cfg cfg) {
        Shape xs = cfg.shape();
        int c = xs.c();
        float[] xv = values(h, xs, dt, cfg.values());
        Tensor[] xy = inputOutput(h, dt, xs, xv, cfg.slice(), cfg.inPlace(), cfg.aligned());
        Tensor x = xy[0], y = xy[1];
        float[] gv = h.random(c, -1.5, 1.5), bv = h.random(c, -0.5, 0.5);
        // inference with an offset: running statistics that match the data, as after training
        double center = cfg.values() == Values.CENTERED ? 0 : 1000;
        float[] rmv = h.random(c, center - 1, center + 1), rvv = h.random(c, 0.5, 2);
        Tensor gamma = cfg.gamma() ? h.vector(gv) : null, beta = cfg.beta() ? h.vector(bv) : null;
        Shape vs = new Shape(1, 1, 1, c);
        Tensor rm, rv, saveMean = null, saveInvstd = null;
        if (training) {
            rm = h.output(DType.F32, vs);
            rv = h.output(DType.F32, vs);
            rm.copyFrom(rmv);
            rv.copyFrom(rvv);
            if (cfg.save()) {
                saveMean = h.output(DType.F32, vs);
                saveInvstd = h.output(DType.F32, vs);
            }
        } else {
            rm = h.vector(rmv);
            rv = h.vector(rvv);
        }
        float momentum = 0.1f;
        BatchNorm.launch(h.stream(), x, y, gamma, beta, rm, rv, saveMean, saveInvstd, training, momentum, cfg.eps(),
                cfg.act());
        var ref = RefOpsNorm.batchnorm(Harness.host(xs, xv), cfg.gamma() ? RefOpsNorm.toDouble(gv) : null,
                cfg.beta() ? RefOpsNorm.toDouble(bv) : null, RefOpsNorm.toDouble(rmv), RefOpsNorm.toDouble(rvv),
                training, momentum, cfg.eps(), cfg.act());
        int m = (int) (xs.n() * (long) xs.h() * xs.w());
        List<Result> results = new ArrayList<>();
        results.add(named("y", h.compare(ref.y(), y, training ? m : 1)));
        if (training) {
            Tolerance stat = Tolerance.of(DType.F32, 1);
            results.add(named("running_mean", h.compare(vector(ref.runningMean()), rm, stat)));
            results.add(named("running_var", h.compare(vector(ref.runningVar()), rv, stat)));
            if (cfg.save()) {
                results.add(named("save_mean", h.compare(vector(ref.saveMean()), saveMean, stat)));
                results.add(named("save_invstd", h.compare(vector(ref.saveInvstd()), saveInvstd, stat)));
            }
        } else {
            // inference must leave the running statistics alone
            results.add(named("running_mean", Compare.check(RefOpsNorm.toDouble(rmv), rm.toFloatArray(),
                    Tolerance.EXACT)));
            results.add(named("running_var", Compare.check(RefOpsNorm.toDouble(rvv), rv.toFloatArray(),
                    Tolerance.EXACT)));
        }
        return all(results);
    }

    /** {x, y} holding xv: dense, channel slices or aligned slices; y == x when in place. */
    static Tensor[] inputOutput(Harness h, DType dt, Shape xs, float[] xv, boolean slice, boolean inPlace,
                                boolean aligned) {
        if (inPlace) {
            Tensor x = aligned ? AlignedViews.output(h, dt, xs) : slice ? h.output(dt, xs, 3, 2) : h.output(dt, xs);
            x.copyFrom(xv);
            return new Tensor[] {x, x};
        }
        if (aligned) return new Tensor[] {AlignedViews.input(h, dt, xs, xv), AlignedViews.output(h, dt, xs)};
        return new Tensor[] {slice ? h.input(dt, xs, xv, 2, 3) : h.input(dt, xs, xv),
                slice ? h.output(dt, xs, 1, 4) : h.output(dt, xs)};
    }

    static HostTensor vector(double[] v) {
        return new HostTensor(new Shape(1, 1, 1, v.length), v);
    }

    static Result named(String what, Result r) {
        return switch (r) {
            case Result.Failed f -> new Result.Failed(what + ": " + f.detail());
            case Result.Passed p -> new Result.Passed(what + ": " + p.detail());
            case Result.Skipped s -> s;
        };
    }

    /** The first failure, else one Passed with every detail. */
    static Result all(List<Result> rs) {
        StringBuilder b = new StringBuilder();
        for (Result r : rs) {
            if (!(r instanceof Result.Passed)) return r;
            b.append(b.isEmpty() ? "" : "; ").append(r.detail());
        }
        return new Result.Passed(b.toString());
    }
}

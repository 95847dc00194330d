// instancenorm cases: affine and plain in F32 and F16, every activation, odd sizes, 1x1 images
// (the output is then act(beta), or act(0) when plain), channels 1/3/17/64/70, batch 1-4, channel
// slices, in-place, a large mean offset (1000 + noise) also with spatial structure, and images big
// enough to split their statistics into blocks; 16-byte aligned slices (the CUDA vector kernels), one
// of them with enough pixels per image that the CUDA plan splits the statistics over several blocks.
package dev.gannet.matrix;

import dev.gannet.ops.Activation;
import dev.gannet.ops.InstanceNorm;
import dev.gannet.ref.RefOpsNorm;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class InstancenormCases {
    private InstancenormCases() {}

    record Cfg(Shape shape, Activation act, boolean slice, boolean inPlace, BatchnormCases.Values values,
               float eps, boolean aligned) {
        Cfg(Shape shape, Activation act, boolean slice, boolean inPlace, BatchnormCases.Values values, float eps) {
            this(shape, act, slice, inPlace, values, eps, false);
        }

        String desc() {
            return shape + " " + act + (slice ? " slices" : "") + (aligned ? " aligned" : "")
                    + (inPlace ? " in-place" : "") + " " + values + " eps " + eps;
        }
    }

    private static final BatchnormCases.Values CENTERED = BatchnormCases.Values.CENTERED;
    private static final BatchnormCases.Values OFFSET = BatchnormCases.Values.OFFSET;

    static final List<Cfg> CONFIGS = List.of(
            new Cfg(new Shape(2, 3, 5, 3), Activation.NONE, false, false, CENTERED, 1e-5f),
            new Cfg(new Shape(1, 7, 13, 17), Activation.leaky(0.2f), true, false, CENTERED, 1e-5f),
            new Cfg(new Shape(3, 1, 1, 64), Activation.SIGMOID, false, false, CENTERED, 1e-5f),
            new Cfg(new Shape(2, 9, 11, 64), Activation.TANH, false, true, OFFSET, 1e-5f),
            new Cfg(new Shape(4, 4, 6, 1), Activation.RELU, false, false, CENTERED, 1e-3f),
            new Cfg(new Shape(2, 8, 9, 17), Activation.leaky(0.1f), true, true, OFFSET, 1e-5f),
            new Cfg(new Shape(2, 12, 40, 19), Activation.NONE, false, false, BatchnormCases.Values.STRUCTURED, 1e-5f),
            // several statistics blocks per image whose borders fall inside rows, plus a channel tail
            new Cfg(new Shape(2, 41, 47, 70), Activation.leaky(0.2f), false, false, CENTERED, 1e-5f),
            // aligned views: vector kernels; 48x48 images of 16 channels split the CUDA statistics
            new Cfg(new Shape(2, 5, 6, 16), Activation.RELU, false, false, CENTERED, 1e-5f, true),
            new Cfg(new Shape(2, 3, 4, 12), Activation.TANH, false, true, OFFSET, 1e-5f, true),
            new Cfg(new Shape(1, 48, 48, 16), Activation.NONE, false, false, OFFSET, 1e-5f, true));

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (boolean affine : List.of(true, false)) {
                for (Cfg cfg : CONFIGS) {
                    l.add(new OpCase(InstanceNorm.OP, dt, affine ? "affine" : "plain", cfg.desc(),
                            h -> run(h, dt, affine, cfg)));
                }
            }
        }
        return l;
    }

    private static Result run(Harness h, DType dt, boolean affine, Cfg cfg) {
        Shape xs = cfg.shape();
        int c = xs.c();
        float[] xv = BatchnormCases.values(h, xs, dt, cfg.values());
        Tensor[] xy = BatchnormCases.inputOutput(h, dt, xs, xv, cfg.slice(), cfg.inPlace(), cfg.aligned());
        Tensor x = xy[0], y = xy[1];
        float[] gv = h.random(c, -1.5, 1.5), bv = h.random(c, -0.5, 0.5);
        Tensor gamma = affine ? h.vector(gv) : null, beta = affine ? h.vector(bv) : null;
        InstanceNorm.launch(h.stream(), x, y, gamma, beta, cfg.eps(), cfg.act());
        var ref = RefOpsNorm.instancenorm(Harness.host(xs, xv), affine ? RefOpsNorm.toDouble(gv) : null,
                affine ? RefOpsNorm.toDouble(bv) : null, cfg.eps(), cfg.act());
        return h.compare(ref, y, xs.h() * xs.w());
    }
}

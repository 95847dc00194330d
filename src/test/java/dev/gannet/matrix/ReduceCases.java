// reduce cases: every sub-op on odd shapes, 1x1 images, channel slices (input and, for per-channel
// means, output), b broadcast over batch and space, values around 1e3 with small differences (what
// fp32 accumulation gets wrong) and shapes big enough for the parallel, chunked path; 16-byte aligned
// inputs (the CUDA vector kernels): channel slices, and dense tensors merged into long runs.
package dev.gannet.matrix;

import dev.gannet.ops.Reduce;
import dev.gannet.ops.Reduce.Kind;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsElementwise;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class ReduceCases {
    private ReduceCases() {}

    /**
     * fp32's own tolerance without the usual sqrt(length) widening: one output value must come within
     * 1e-5 of the exact mean, which double, Kahan or pairwise fp32 sums meet and which catches
     * cancellation (mean(a^2) - 2 mean(ab) + mean(b^2) around 1e3) and accumulators narrower than fp32.
     */
    static final Tolerance ACCUMULATED = new Tolerance(1e-5, 0, 1e-7, 1e-10);

    /** How a and b are placed: guarded buffers as usual, aligned channel slices, dense aligned tensors. */
    enum Align { NONE, SLICES, DENSE }

    /** bs: b's shape (null: a's); offset: both inputs are offset + uniform noise in [-spread, spread). */
    record Spec(Kind kind, Shape as, Shape bs, boolean slices, double offset, double spread, Align align) {
        Spec(Kind kind, Shape as, Shape bs, boolean slices, double offset, double spread) {
            this(kind, as, bs, slices, offset, spread, Align.NONE);
        }
    }

    private static Shape s(int n, int h, int w, int c) {
        return new Shape(n, h, w, c);
    }

    public static List<OpCase> cases() {
        List<Spec> specs = List.of(
                new Spec(Kind.MEAN_ALL, s(2, 5, 7, 3), null, false, 0, 2),
                new Spec(Kind.MEAN_ALL, s(1, 1, 1, 1), null, false, 0, 2),
                new Spec(Kind.MEAN_ALL, s(1, 7, 13, 17), null, true, 1000, 1),
                new Spec(Kind.MEAN_ALL, s(1, 64, 64, 16), null, false, 1000, 1),
                // every addend's fraction rounds the same way once an fp32 running sum passes 2^24:
                // a plain fp32 accumulator drifts by ~2e-4, far outside the tolerance
                new Spec(Kind.MEAN_ALL, s(1, 64, 64, 16), null, false, 1000.375, 0.075),
                new Spec(Kind.MEAN_CHANNEL, s(1, 256, 128, 2), null, false, 1000.375, 0.075),
                new Spec(Kind.MEAN_CHANNEL, s(2, 5, 7, 64), null, false, 0, 2),
                new Spec(Kind.MEAN_CHANNEL, s(1, 1, 1, 1), null, false, 0, 2),
                new Spec(Kind.MEAN_CHANNEL, s(1, 7, 13, 17), null, true, 0, 2),
                new Spec(Kind.MEAN_CHANNEL, s(2, 9, 11, 3), null, false, 1000, 1),
                new Spec(Kind.MEAN_CHANNEL, s(1, 64, 64, 16), null, false, 0, 2),
                new Spec(Kind.MSE, s(2, 5, 7, 3), null, false, 1000, 1),
                new Spec(Kind.MSE, s(1, 33, 31, 17), null, true, 1000, 1),
                new Spec(Kind.MSE, s(2, 5, 7, 17), s(1, 5, 7, 17), false, 0, 2),
                new Spec(Kind.MSE, s(1, 64, 64, 16), null, false, 1000, 1),
                new Spec(Kind.L1, s(2, 5, 7, 3), null, false, 0, 2),
                new Spec(Kind.L1, s(1, 7, 13, 17), null, true, 1000, 1),
                new Spec(Kind.L1, s(2, 5, 7, 17), s(2, 1, 1, 17), false, 0, 2),
                new Spec(Kind.L1, s(1, 1, 1, 1), null, false, 0, 2),
                new Spec(Kind.MEAN_ALL, s(1, 9, 11, 12), null, false, 1000.375, 0.075, Align.DENSE),
                new Spec(Kind.MSE, s(1, 8, 9, 16), null, false, 1000, 1, Align.DENSE),
                new Spec(Kind.MSE, s(2, 3, 5, 16), s(1, 1, 1, 16), false, 0, 2, Align.SLICES),
                new Spec(Kind.L1, s(2, 5, 6, 16), s(2, 1, 1, 16), false, 0, 2, Align.SLICES),
                new Spec(Kind.MEAN_CHANNEL, s(2, 5, 6, 16), null, false, 0, 2, Align.SLICES),
                new Spec(Kind.MEAN_CHANNEL, s(1, 48, 48, 16), null, false, 1000.375, 0.075, Align.SLICES));
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Spec sp : specs) l.add(spec(dt, sp));
        }
        return l;
    }

    private static OpCase spec(DType dt, Spec sp) {
        Shape bs = sp.bs() == null ? sp.as() : sp.bs();
        String desc = sp.as() + (sp.kind().binary() && sp.bs() != null ? " b=" + bs : "")
                + (sp.offset() != 0 ? " ~" + sp.offset() : "") + (sp.slices() ? " slices" : "")
                + (sp.align() != Align.NONE ? " aligned " + sp.align().name().toLowerCase() : "");
        return new OpCase(Reduce.OP, dt, sp.kind().id(), desc, h -> {
            double lo = sp.offset() - sp.spread(), hi = sp.offset() + sp.spread();
            float[] av = h.random(sp.as(), lo, hi, dt);
            Tensor a = input(h, dt, sp, sp.as(), av, 3, 2);
            float[] bv = null;
            Tensor b = null;
            if (sp.kind().binary()) {
                bv = h.random(bs, lo, hi, dt);
                b = input(h, dt, sp, bs, bv, 1, 1);
            }
            Shape ys = Reduce.outputShape(sp.kind(), sp.as());
            Tensor y = sp.slices() && sp.kind() == Kind.MEAN_CHANNEL ? h.output(DType.F32, ys, 2, 5)
                    : h.output(DType.F32, ys);
            Reduce.launch(h.stream(), sp.kind(), a, b, y);
            HostTensor ha = Harness.host(sp.as(), av);
            HostTensor ref = switch (sp.kind()) {
                case MEAN_ALL -> RefOpsElementwise.meanAll(ha);
                case MEAN_CHANNEL -> RefOpsElementwise.meanChannel(ha);
                case MSE -> RefOpsElementwise.mse(ha, Harness.host(bs, bv));
                case L1 -> RefOpsElementwise.l1(ha, Harness.host(bs, bv));
            };
            return h.compare(ref, y, ACCUMULATED);
        });
    }

    private static Tensor input(Harness h, DType dt, Spec sp, Shape s, float[] v, int before, int after) {
        return switch (sp.align()) {
            case SLICES -> AlignedViews.input(h, dt, s, v);
            case DENSE -> AlignedViews.denseInput(h, dt, s, v);
            case NONE -> sp.slices() ? h.input(dt, s, v, before, after) : h.input(dt, s, v);
        };
    }
}

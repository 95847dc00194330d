// elementwise cases: every sub-op and activation, broadcasts over channels, batch, space and to a
// scalar, in-place use (y == a, y == b), channel-slice views, an F32 b on F16 activations, NaN and
// infinities through clamp, odd sizes and one shape big enough for the parallel, chunked path; and
// 16-byte aligned views (the CUDA vector kernels): aligned channel slices, and dense aligned tensors
// whose dims merge into one long run (whole vectors plus a tail), in place too.
package dev.gannet.matrix;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Elementwise;
import dev.gannet.ops.Elementwise.Kind;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsElementwise;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class ElementwiseCases {
    private ElementwiseCases() {}

    /**
     * How the tensors are laid out: dense, channel slices of wider buffers, in place, pre-broadcast b;
     * aligned channel slices, dense aligned views (FLAT; b dense aligned too unless it is one value),
     * and FLAT in place (y == a).
     */
    enum Layout { DENSE, SLICES, IN_PLACE_A, IN_PLACE_B, PRE_BROADCAST, ALIGNED, FLAT, FLAT_IN_PLACE }

    record Spec(Kind kind, Shape ys, Shape as, Shape bs, DType bdt, Layout layout, Activation act, float sa,
                float sb, float lo, float hi, double range) {}

    private static Shape s(int n, int h, int w, int c) {
        return new Shape(n, h, w, c);
    }

    private static Spec binary(Kind k, Shape ys, Shape bs, Layout l, Activation act, float sa, float sb) {
        return new Spec(k, ys, ys, bs, null, l, act, sa, sb, 0, 0, 2);
    }

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        Activation leaky = Activation.leaky(0.2f);
        for (DType dt : List.of(DType.F32, DType.F16)) {
            List<Spec> specs = new ArrayList<>(List.of(
                    // add: residual, bias, scalar, batch / channel / space broadcasts, in place, slices
                    binary(Kind.ADD, s(2, 3, 5, 17), s(2, 3, 5, 17), Layout.DENSE, Activation.NONE, 1, 1),
                    binary(Kind.ADD, s(2, 5, 7, 64), s(1, 1, 1, 64), Layout.DENSE, Activation.RELU, 1, 1),
                    binary(Kind.ADD, s(1, 7, 13, 3), s(1, 1, 1, 1), Layout.DENSE, leaky, 0.5f, -2f),
                    binary(Kind.ADD, s(2, 3, 5, 17), s(1, 3, 5, 17), Layout.PRE_BROADCAST, Activation.NONE, 1, 1),
                    binary(Kind.ADD, s(2, 3, 5, 17), s(2, 3, 5, 1), Layout.DENSE, Activation.TANH, 1, 0.5f),
                    binary(Kind.ADD, s(2, 4, 6, 3), s(2, 1, 1, 3), Layout.DENSE, Activation.SIGMOID, -1, 1),
                    binary(Kind.ADD, s(2, 5, 4, 3), s(2, 5, 4, 3), Layout.IN_PLACE_A, Activation.NONE, 1, 1),
                    binary(Kind.ADD, s(1, 3, 5, 17), s(1, 3, 5, 17), Layout.IN_PLACE_B, Activation.TANH, 1, 1),
                    binary(Kind.ADD, s(1, 7, 13, 17), s(1, 1, 1, 17), Layout.SLICES, Activation.SIGMOID, 1, 1),
                    binary(Kind.ADD, s(1, 1, 1, 1), s(1, 1, 1, 1), Layout.DENSE, Activation.NONE, 1, 1),
                    binary(Kind.ADD, s(1, 32, 32, 64), s(1, 32, 32, 64), Layout.DENSE, Activation.RELU, 1, -1),
                    new Spec(Kind.ADD, s(2, 3, 5, 17), s(1, 1, 1, 17), s(2, 3, 5, 17), null, Layout.DENSE,
                            Activation.NONE, 1, 1, 0, 0, 2),
                    // mul: masks and per-channel scales, in place, slices
                    binary(Kind.MUL, s(2, 3, 5, 17), s(2, 3, 5, 17), Layout.DENSE, Activation.NONE, 1, 0),
                    binary(Kind.MUL, s(2, 5, 7, 64), s(1, 1, 1, 64), Layout.DENSE, Activation.SIGMOID, 2, 0),
                    binary(Kind.MUL, s(1, 7, 13, 3), s(1, 1, 1, 1), Layout.IN_PLACE_A, Activation.TANH, 1, 0),
                    binary(Kind.MUL, s(2, 4, 4, 3), s(2, 4, 4, 3), Layout.IN_PLACE_B, Activation.RELU, -0.5f, 0),
                    binary(Kind.MUL, s(1, 5, 3, 17), s(1, 5, 3, 17), Layout.SLICES, Activation.leaky(0.1f), 1, 0),
                    // affine and the activations alone
                    new Spec(Kind.AFFINE, s(2, 3, 5, 17), s(2, 3, 5, 17), null, null, Layout.DENSE, Activation.TANH,
                            0.5f, 0.25f, 0, 0, 8),
                    new Spec(Kind.AFFINE, s(1, 7, 13, 3), s(1, 7, 13, 3), null, null, Layout.IN_PLACE_A, leaky, 1, 0,
                            0, 0, 2),
                    new Spec(Kind.AFFINE, s(1, 5, 3, 17), s(1, 5, 3, 17), null, null, Layout.SLICES, Activation.RELU,
                            1, 0, 0, 0, 2),
                    new Spec(Kind.AFFINE, s(1, 1, 1, 1), s(1, 1, 1, 1), null, null, Layout.DENSE, Activation.SIGMOID,
                            1, 0, 0, 0, 2),
                    new Spec(Kind.AFFINE, s(1, 32, 32, 64), s(1, 32, 32, 64), null, null, Layout.DENSE,
                            Activation.SIGMOID, 1, 0, 0, 0, 12),
                    new Spec(Kind.AFFINE, s(2, 3, 5, 1), s(1, 1, 1, 1), null, null, Layout.DENSE, Activation.NONE,
                            -1.5f, 3, 0, 0, 2),
                    // clamp: the WGAN weight clip in place, relu6 on slices, a channel broadcast
                    new Spec(Kind.CLAMP, s(2, 3, 5, 17), s(2, 3, 5, 17), null, null, Layout.DENSE, Activation.NONE,
                            0, 0, -0.5f, 0.5f, 2),
                    new Spec(Kind.CLAMP, s(2, 5, 4, 64), s(2, 5, 4, 64), null, null, Layout.IN_PLACE_A,
                            Activation.NONE, 0, 0, -0.01f, 0.01f, 0.05),
                    new Spec(Kind.CLAMP, s(1, 5, 3, 17), s(1, 5, 3, 1), null, null, Layout.SLICES, Activation.NONE,
                            0, 0, 0, 6, 9)));
            specs.addAll(List.of(
                    binary(Kind.ADD, s(2, 3, 4, 16), s(1, 1, 1, 16), Layout.ALIGNED, Activation.RELU, 1, 1),
                    binary(Kind.ADD, s(1, 5, 7, 12), s(1, 5, 7, 12), Layout.FLAT, Activation.NONE, 1, -0.5f),
                    binary(Kind.MUL, s(1, 4, 6, 16), s(1, 1, 1, 1), Layout.FLAT, Activation.SIGMOID, 1.5f, 0),
                    binary(Kind.MUL, s(2, 3, 3, 12), s(2, 3, 3, 12), Layout.ALIGNED, Activation.NONE, 1, 0),
                    new Spec(Kind.AFFINE, s(1, 3, 5, 16), s(1, 3, 5, 16), null, null, Layout.FLAT_IN_PLACE,
                            Activation.TANH, 0.5f, 0.25f, 0, 0, 4),
                    new Spec(Kind.CLAMP, s(2, 3, 3, 12), s(2, 3, 3, 12), null, null, Layout.ALIGNED, Activation.NONE,
                            0, 0, -0.5f, 0.75f, 2)));
            if (dt == DType.F16) {
                specs.add(new Spec(Kind.ADD, s(2, 3, 4, 16), s(2, 3, 4, 16), s(1, 1, 1, 16), DType.F32, Layout.ALIGNED,
                        Activation.leaky(0.2f), 1, 1, 0, 0, 2));
                specs.add(new Spec(Kind.ADD, s(2, 5, 7, 64), s(2, 5, 7, 64), s(1, 1, 1, 64), DType.F32, Layout.DENSE,
                        Activation.RELU, 1, 1, 0, 0, 2));
                specs.add(new Spec(Kind.MUL, s(2, 3, 5, 17), s(2, 3, 5, 17), s(2, 3, 5, 1), DType.F32,
                        Layout.SLICES, Activation.NONE, 1, 0, 0, 0, 2));
            }
            for (Spec sp : specs) l.add(spec(dt, sp));
            l.add(clampSpecials(dt));
        }
        return l;
    }

    private static OpCase spec(DType dt, Spec sp) {
        DType bdt = sp.bdt() == null ? dt : sp.bdt();
        String desc = sp.ys() + " a=" + sp.as() + (sp.bs() == null ? "" : " b=" + sp.bs() + " " + bdt) + " "
                + sp.layout().name().toLowerCase() + " " + sp.act()
                + (sp.kind() == Kind.CLAMP ? " [" + sp.lo() + "," + sp.hi() + "]" : " sa=" + sp.sa() + " sb=" + sp.sb());
        return new OpCase(Elementwise.OP, dt, sp.kind().id(), desc, h -> {
            float[] av = h.random(sp.as(), -sp.range(), sp.range(), dt);
            float[] bv = sp.bs() == null ? null : h.random(sp.bs(), -sp.range(), sp.range(), bdt);
            boolean slices = sp.layout() == Layout.SLICES;
            boolean flat = sp.layout() == Layout.FLAT || sp.layout() == Layout.FLAT_IN_PLACE;
            // yRead: the view compared with the reference (a FLAT output's registered 1x1x1xN view)
            Tensor[] yv = flat ? AlignedViews.denseOutput(h, dt, sp.ys())
                    : sp.layout() == Layout.ALIGNED ? new Tensor[] {AlignedViews.output(h, dt, sp.ys()), null}
                    : new Tensor[] {slices ? h.output(dt, sp.ys(), 3, 2) : h.output(dt, sp.ys()), null};
            Tensor y = yv[0], yRead = flat ? yv[1] : y;
            Tensor a, b = null;
            switch (sp.layout()) {
                case ALIGNED -> {
                    a = AlignedViews.input(h, dt, sp.as(), av);
                    if (bv != null) b = AlignedViews.input(h, bdt, sp.bs(), bv);
                }
                case FLAT -> {
                    a = AlignedViews.denseInput(h, dt, sp.as(), av);
                    if (bv != null) {
                        b = sp.bs().numel() == 1 ? h.input(bdt, sp.bs(), bv) : AlignedViews.denseInput(h, bdt, sp.bs(), bv);
                    }
                }
                case FLAT_IN_PLACE -> {
                    y.copyFrom(av);
                    a = y;
                }
                case IN_PLACE_A -> {
                    y.copyFrom(av);
                    a = y;
                    if (bv != null) b = h.input(bdt, sp.bs(), bv);
                }
                case IN_PLACE_B -> {
                    y.copyFrom(bv);
                    b = y;
                    a = h.input(dt, sp.as(), av);
                }
                case SLICES -> {
                    a = h.input(dt, sp.as(), av, 2, 3);
                    if (bv != null) b = h.input(bdt, sp.bs(), bv, 1, 4);
                }
                case PRE_BROADCAST -> {
                    a = h.input(dt, sp.as(), av);
                    b = h.input(bdt, sp.bs(), bv).broadcastTo(sp.ys());
                }
                default -> {
                    a = h.input(dt, sp.as(), av);
                    if (bv != null) b = h.input(bdt, sp.bs(), bv);
                }
            }
            HostTensor ha = Harness.host(sp.as(), av), hb = bv == null ? null : Harness.host(sp.bs(), bv);
            HostTensor ref = switch (sp.kind()) {
                case ADD -> {
                    Elementwise.add(h.stream(), a, b, y, sp.sa(), sp.sb(), sp.act());
                    yield RefOpsElementwise.add(ha, hb, sp.ys(), sp.sa(), sp.sb(), sp.act());
                }
                case MUL -> {
                    Elementwise.mul(h.stream(), a, b, y, sp.sa(), sp.act());
                    yield RefOpsElementwise.mul(ha, hb, sp.ys(), sp.sa(), sp.act());
                }
                case AFFINE -> {
                    if (sp.sa() == 1 && sp.sb() == 0) Elementwise.activation(h.stream(), a, y, sp.act());
                    else Elementwise.affine(h.stream(), a, y, sp.sa(), sp.sb(), sp.act());
                    yield RefOpsElementwise.affine(ha, sp.ys(), sp.sa(), sp.sb(), sp.act());
                }
                case CLAMP -> {
                    Elementwise.clamp(h.stream(), a, y, sp.lo(), sp.hi());
                    // exact: the bounds, as fp32 clamped and rounded to y's dtype, are what y holds
                    yield RefOpsElementwise.stored(RefOpsElementwise.clamp(ha, sp.ys(), sp.lo(), sp.hi()), dt);
                }
            };
            Tolerance tol = sp.kind() == Kind.CLAMP ? Tolerance.EXACT : Tolerance.of(dt, 1);
            return flat ? h.compare(AlignedViews.flat(ref), yRead, tol) : h.compare(ref, y, tol);
        });
    }

    /** NaN passes through clamp, infinities are clamped, an infinite bound clamps one side only; the
     * length 45 runs the specials through the vector body and the tail. */
    private static OpCase clampSpecials(DType dt) {
        Shape ys = s(1, 1, 1, 45);
        return new OpCase(Elementwise.OP, dt, Kind.CLAMP.id(), ys + " NaN/inf, one-sided [-inf, 1]", h -> {
            float[] v = h.random(ys, -3, 3, dt);
            float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -0f, 65504f};
            for (int i = 0; i < v.length; i += 4) v[i] = specials[(i / 4) % specials.length];
            Tensor x = h.input(dt, ys, v);
            Tensor y = h.output(dt, ys);
            Elementwise.clamp(h.stream(), x, y, Float.NEGATIVE_INFINITY, 1f);
            var ref = RefOpsElementwise.clamp(Harness.host(ys, v), ys, Double.NEGATIVE_INFINITY, 1);
            return h.compare(RefOpsElementwise.stored(ref, dt), y, Tolerance.EXACT);
        });
    }
}

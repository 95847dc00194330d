// upsample2d cases: nearest by integer (also asymmetric) factors, bilinear up and down to odd sizes,
// area down (and mixed up/down) at fractional ratios, channel counts on and off the vector width,
// batch 2, channel slices in and out, and 16-byte aligned slices (the CUDA vector kernels; 12
// channels are whole f32 vectors but not f16 ones).
package dev.gannet.matrix;

import dev.gannet.ops.Upsample2d;
import dev.gannet.ops.Upsample2d.Mode;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsResample;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class Upsample2dCases {
    private Upsample2dCases() {}

    /** Input shape, then (factor_h, factor_w) for nearest or (out_h, out_w) otherwise, then slices. */
    private record Spec(Shape x, int a, int b, boolean slices, boolean aligned) {}

    private static Spec spec(int n, int h, int w, int c, int a, int b, boolean slices) {
        return new Spec(new Shape(n, h, w, c), a, b, slices, false);
    }

    /** x and y as 16-byte aligned channel slices (AlignedViews). */
    private static Spec aligned(int n, int h, int w, int c, int a, int b) {
        return new Spec(new Shape(n, h, w, c), a, b, false, true);
    }

    private static final List<Spec> NEAREST = List.of(
            spec(2, 3, 5, 3, 2, 2, false),
            spec(1, 7, 13, 17, 3, 3, true),
            spec(1, 1, 1, 64, 2, 3, false),
            spec(2, 3, 5, 1, 1, 1, false),
            spec(2, 4, 3, 64, 2, 3, true),
            aligned(1, 3, 4, 16, 2, 2),
            aligned(2, 2, 3, 12, 2, 1));

    private static final List<Spec> BILINEAR = List.of(
            spec(2, 3, 5, 3, 7, 13, false),
            spec(1, 7, 13, 17, 3, 5, true),
            spec(2, 1, 1, 3, 4, 4, false),
            spec(1, 5, 4, 64, 10, 8, false),
            spec(2, 7, 13, 1, 14, 6, false),
            spec(1, 3, 5, 17, 7, 13, true),
            aligned(1, 4, 5, 16, 7, 9),
            aligned(1, 3, 3, 12, 5, 4));

    private static final List<Spec> AREA = List.of(
            spec(2, 13, 7, 3, 3, 5, false),
            spec(1, 8, 8, 64, 4, 4, false),
            spec(2, 9, 9, 17, 2, 2, true),
            spec(1, 9, 9, 1, 2, 2, true),
            spec(2, 5, 7, 3, 9, 4, false),
            spec(1, 7, 13, 64, 1, 1, true),
            aligned(1, 9, 7, 16, 4, 3),
            aligned(1, 6, 6, 12, 4, 5));

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Spec s : NEAREST) {
                Shape ys = Upsample2d.outputShape(s.x(), s.a(), s.b());
                l.add(new OpCase(Upsample2d.OP, dt, Mode.NEAREST.id(), desc(s, "x" + s.a() + "x" + s.b(), ys), h -> {
                    float[] xv = h.random(s.x(), -2, 2, dt);
                    Tensor x = input(h, dt, s, xv);
                    Tensor y = output(h, dt, s, ys);
                    Upsample2d.launch(h.stream(), x, y, s.a(), s.b());
                    return h.compare(RefOpsResample.nearest(Harness.host(s.x(), xv), s.a(), s.b()), y, Tolerance.EXACT);
                }));
            }
            for (Mode mode : List.of(Mode.BILINEAR, Mode.AREA)) {
                for (Spec s : mode == Mode.BILINEAR ? BILINEAR : AREA) {
                    Shape ys = Upsample2d.outputShape(s.x(), mode, s.a(), s.b());
                    // Each output mixes at most 2x2 inputs (bilinear) or the pixels its rectangle touches.
                    int k = mode == Mode.BILINEAR ? 4
                            : (ceilDiv(s.x().h(), s.a()) + 1) * (ceilDiv(s.x().w(), s.b()) + 1);
                    l.add(new OpCase(Upsample2d.OP, dt, mode.id(), desc(s, "->", ys), h -> {
                        float[] xv = h.random(s.x(), -2, 2, dt);
                        Tensor x = input(h, dt, s, xv);
                        Tensor y = output(h, dt, s, ys);
                        Upsample2d.launch(h.stream(), x, y, mode);
                        HostTensor xh = Harness.host(s.x(), xv);
                        HostTensor ref = mode == Mode.BILINEAR ? RefOpsResample.bilinear(xh, s.a(), s.b())
                                : RefOpsResample.area(xh, s.a(), s.b());
                        return h.compare(ref, y, k);
                    }));
                }
            }
        }
        return l;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static String desc(Spec s, String how, Shape ys) {
        return s.x() + " " + how + " " + ys + (s.slices() ? " slices" : "") + (s.aligned() ? " aligned" : "");
    }

    private static Tensor input(Harness h, DType dt, Spec s, float[] xv) {
        if (s.aligned()) return AlignedViews.input(h, dt, s.x(), xv);
        return s.slices() ? h.input(dt, s.x(), xv, 2, 3) : h.input(dt, s.x(), xv);
    }

    private static Tensor output(Harness h, DType dt, Spec s, Shape ys) {
        if (s.aligned()) return AlignedViews.output(h, dt, ys);
        return s.slices() ? h.output(dt, ys, 1, 4) : h.output(dt, ys);
    }
}

// gram cases: channels 1/3/17/40/64 (partial and full 16-channel panels) and 136 (off-diagonal and
// partial 64-channel GPU tiles), 1x1 to 16x16 images, batch 2 (pixels split across threads, and whole
// items per thread), channel-slice inputs, an explicit scale, and fp16 activations of magnitude ~1e3
// whose Gram must stay finite in the F32 output.
package dev.gannet.matrix;

import dev.gannet.ops.Gram;
import dev.gannet.ref.RefOpsGramPoolLinear;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class GramCases {
    private GramCases() {}

    private record Spec(Shape x, boolean slice, Float scale, double range) {}

    public static List<OpCase> cases() {
        List<Spec> specs = List.of(
                new Spec(new Shape(2, 1, 1, 3), false, null, 2),
                new Spec(new Shape(2, 3, 5, 1), false, null, 2),
                new Spec(new Shape(1, 3, 5, 17), true, null, 2),
                new Spec(new Shape(2, 7, 13, 64), false, null, 2),
                new Spec(new Shape(1, 16, 16, 64), true, null, 2),
                new Spec(new Shape(2, 16, 16, 3), false, null, 2),
                new Spec(new Shape(2, 5, 7, 40), false, 0.5f, 2),
                new Spec(new Shape(1, 7, 13, 17), false, null, 1000),
                new Spec(new Shape(2, 9, 11, 136), false, null, 2));
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Spec s : specs) {
                String desc = s.x() + (s.slice() ? " slice" : "") + (s.scale() != null ? " scale=" + s.scale() : "")
                        + (s.range() > 2 ? " |x|<=" + (int) s.range() : "");
                l.add(new OpCase(Gram.OP, dt, "default", desc, h -> {
                    Shape xs = s.x();
                    float[] xv = h.random(xs, -s.range(), s.range(), dt);
                    Tensor x = s.slice() ? h.input(dt, xs, xv, 3, 2) : h.input(dt, xs, xv);
                    Tensor y = h.output(DType.F32, Gram.outputShape(xs));
                    double scale;
                    if (s.scale() == null) {
                        Gram.launch(h.stream(), x, y);
                        scale = 1.0 / ((double) xs.h() * xs.w() * xs.c());
                    } else {
                        Gram.launch(h.stream(), x, y, s.scale());
                        scale = s.scale();
                    }
                    var ref = RefOpsGramPoolLinear.gram(Harness.host(xs, xv), scale);
                    return h.compare(ref, y, xs.h() * xs.w());
                }));
            }
        }
        return l;
    }
}

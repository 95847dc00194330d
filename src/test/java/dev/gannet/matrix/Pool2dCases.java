// pool2d cases: avg and max with windows 1..3 (square and not), strides 1 and 2, padding, odd sizes,
// 1x1 images, batch 2, channel slices in and out; global average over 1x1 to 16x16 images; 16-byte
// aligned slices (the CUDA vector kernels), and a 48x48 global average the CUDA plan splits.
package dev.gannet.matrix;

import dev.gannet.ops.Pool2d;
import dev.gannet.ref.RefOpsGramPoolLinear;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class Pool2dCases {
    private Pool2dCases() {}

    /** Window kH x kW, stride, padding, and whether x and y are channel slices. */
    private record Win(Shape x, int kH, int kW, int sH, int sW, int pH, int pW, boolean slice, boolean aligned) {
        Win(Shape x, int kH, int kW, int sH, int sW, int pH, int pW, boolean slice) {
            this(x, kH, kW, sH, sW, pH, pW, slice, false);
        }
    }

    public static List<OpCase> cases() {
        List<Win> wins = List.of(
                new Win(new Shape(2, 7, 13, 17), 3, 3, 2, 2, 1, 1, true),
                new Win(new Shape(1, 8, 8, 64), 2, 2, 2, 2, 0, 0, false),
                new Win(new Shape(2, 3, 5, 3), 3, 3, 1, 1, 1, 1, false),
                new Win(new Shape(1, 1, 1, 8), 2, 2, 1, 1, 1, 1, false),
                new Win(new Shape(1, 7, 13, 17), 3, 2, 1, 2, 0, 1, true),
                new Win(new Shape(2, 5, 4, 9), 1, 1, 2, 1, 0, 0, false),
                new Win(new Shape(1, 6, 7, 16), 3, 3, 2, 2, 1, 1, false, true),
                new Win(new Shape(2, 4, 4, 12), 2, 2, 2, 2, 0, 0, false, true));
        List<Shape> globals = List.of(new Shape(2, 7, 13, 17), new Shape(1, 16, 16, 64), new Shape(2, 1, 1, 3),
                new Shape(1, 3, 5, 9));
        List<Shape> alignedGlobals = List.of(new Shape(2, 5, 6, 16), new Shape(1, 48, 48, 16), new Shape(2, 3, 3, 12));
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Pool2d.Mode mode : List.of(Pool2d.Mode.AVG, Pool2d.Mode.MAX)) {
                for (Win w : wins) {
                    String desc = String.format("%s k=%dx%d s=%dx%d p=%dx%d%s%s", w.x(), w.kH(), w.kW(), w.sH(),
                            w.sW(), w.pH(), w.pW(), w.slice() ? " slices" : "", w.aligned() ? " aligned" : "");
                    l.add(new OpCase(Pool2d.OP, dt, mode.id(), desc, h -> {
                        float[] xv = h.random(w.x(), -2, 2, dt);
                        Shape ys = Pool2d.outputShape(w.x(), w.kH(), w.kW(), w.sH(), w.sW(), w.pH(), w.pW());
                        Tensor x = w.aligned() ? AlignedViews.input(h, dt, w.x(), xv)
                                : w.slice() ? h.input(dt, w.x(), xv, 2, 3) : h.input(dt, w.x(), xv);
                        Tensor y = w.aligned() ? AlignedViews.output(h, dt, ys)
                                : w.slice() ? h.output(dt, ys, 1, 4) : h.output(dt, ys);
                        Pool2d.launch(h.stream(), x, y, mode, w.kH(), w.kW(), w.sH(), w.sW(), w.pH(), w.pW());
                        var ref = RefOpsGramPoolLinear.pool2d(Harness.host(w.x(), xv), mode == Pool2d.Mode.MAX,
                                w.kH(), w.kW(), w.sH(), w.sW(), w.pH(), w.pW());
                        return mode == Pool2d.Mode.MAX ? h.compare(ref, y, Tolerance.EXACT)
                                : h.compare(ref, y, w.kH() * w.kW());
                    }));
                }
            }
            for (Shape xs : globals) {
                boolean slice = xs.c() == 17;
                l.add(new OpCase(Pool2d.OP, dt, Pool2d.Mode.GLOBAL_AVG.id(), xs + (slice ? " slices" : ""), h -> {
                    float[] xv = h.random(xs, -2, 2, dt);
                    Tensor x = slice ? h.input(dt, xs, xv, 2, 3) : h.input(dt, xs, xv);
                    Shape ys = Pool2d.globalOutputShape(xs);
                    Tensor y = slice ? h.output(dt, ys, 1, 4) : h.output(dt, ys);
                    Pool2d.launchGlobalAvg(h.stream(), x, y);
                    var ref = RefOpsGramPoolLinear.globalAvg(Harness.host(xs, xv));
                    return h.compare(ref, y, xs.h() * xs.w());
                }));
            }
            for (Shape xs : alignedGlobals) {
                l.add(new OpCase(Pool2d.OP, dt, Pool2d.Mode.GLOBAL_AVG.id(), xs + " aligned", h -> {
                    float[] xv = h.random(xs, -2, 2, dt);
                    Tensor x = AlignedViews.input(h, dt, xs, xv);
                    Tensor y = AlignedViews.output(h, dt, Pool2d.globalOutputShape(xs));
                    Pool2d.launchGlobalAvg(h.stream(), x, y);
                    return h.compare(RefOpsGramPoolLinear.globalAvg(Harness.host(xs, xv)), y, xs.h() * xs.w());
                }));
            }
        }
        return l;
    }
}

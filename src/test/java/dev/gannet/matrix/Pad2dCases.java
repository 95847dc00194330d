// pad2d cases: every mode, odd sizes, 1x1 images, channel slices in and out, crops.
package dev.gannet.matrix;

import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ref.RefOps;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class Pad2dCases {
    private Pad2dCases() {}

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        int[][] shapes = {{2, 3, 5, 3}, {1, 7, 13, 17}, {1, 1, 1, 1}, {2, 5, 4, 64}};
        int[][] pads = {{1, 1, 1, 1}, {3, 3, 3, 3}, {0, 2, 1, 0}, {-1, 1, 2, -1}};
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (PadMode mode : PadMode.values()) {
                for (int[] s : shapes) {
                    for (int[] p : pads) {
                        Shape xs = new Shape(s[0], s[1], s[2], s[3]);
                        boolean reflectOk = Math.max(p[0], p[2]) < xs.h() && Math.max(p[1], p[3]) < xs.w();
                        if (mode == PadMode.REFLECT && !reflectOk) continue;
                        if (xs.h() + p[0] + p[2] <= 0 || xs.w() + p[1] + p[3] <= 0) continue;
                        boolean slice = s[3] == 17;
                        l.add(new OpCase(Pad2d.OP, dt, mode.id(),
                                xs + " pad(" + p[0] + "," + p[1] + "," + p[2] + "," + p[3] + ")" + (slice ? " slices" : ""),
                                h -> {
                                    float[] xv = h.random(xs, -2, 2, dt);
                                    Tensor x = slice ? h.input(dt, xs, xv, 2, 3) : h.input(dt, xs, xv);
                                    Shape ys = Pad2d.outputShape(xs, p[0], p[1], p[2], p[3]);
                                    Tensor y = slice ? h.output(dt, ys, 1, 4) : h.output(dt, ys);
                                    float value = mode == PadMode.ZERO && s[0] == 2 ? 0.5f : 0f;
                                    Pad2d.launch(h.stream(), x, y, p[0], p[1], p[2], p[3], mode, value);
                                    var ref = RefOps.pad2d(Harness.host(xs, xv), p[0], p[1], p[2], p[3], mode, value);
                                    return h.compare(ref, y, Tolerance.EXACT);
                                }));
                    }
                }
            }
        }
        return l;
    }
}

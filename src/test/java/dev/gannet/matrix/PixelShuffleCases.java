// pixel_shuffle cases: blocks 2, 3, 4 and 8 (the UpscalerJS PixelShuffle{2,3,4,8}x layers), output
// channels 1, 3 and 5 (16 and 17 for the wide-run copy paths), DCR and CRD orders, depth_to_space
// and its inverse, batch 2, channel slices of x, of y and of both, and 16-byte aligned slices of both
// (the CUDA vector kernels of DCR; 12 channels are whole f32 vectors but not f16 ones).
package dev.gannet.matrix;

import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.PixelShuffle.Mode;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOpsResample;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class PixelShuffleCases {
    private PixelShuffleCases() {}

    /** Which of x and y are channel slices of wider buffers (dense rows take other code paths). */
    private enum Slices { NONE, X, Y, BOTH, ALIGNED }

    /** (n, h, w) of the depth side and the channel count C of the space side. */
    private record Spec(int block, int n, int h, int w, int c, Slices slices) {}

    private static final List<Spec> SPECS = List.of(
            new Spec(2, 2, 7, 13, 3, Slices.NONE),
            new Spec(3, 1, 3, 2, 5, Slices.BOTH),
            new Spec(4, 2, 1, 1, 1, Slices.Y),
            new Spec(8, 1, 2, 3, 3, Slices.X),
            new Spec(2, 1, 2, 3, 17, Slices.X),
            new Spec(4, 2, 2, 1, 16, Slices.NONE),
            new Spec(2, 2, 3, 2, 16, Slices.ALIGNED),
            new Spec(3, 1, 2, 3, 12, Slices.ALIGNED));

    public static List<OpCase> cases() {
        List<OpCase> l = new ArrayList<>();
        for (DType dt : List.of(DType.F32, DType.F16)) {
            for (Mode mode : Mode.values()) {
                for (boolean inverse : List.of(false, true)) {
                    for (Spec s : SPECS) {
                        int b = s.block();
                        Shape depth = new Shape(s.n(), s.h(), s.w(), s.c() * b * b);
                        Shape space = new Shape(s.n(), s.h() * b, s.w() * b, s.c());
                        Shape xs = inverse ? space : depth;
                        Shape ys = PixelShuffle.outputShape(xs, b, inverse);
                        boolean xSlice = s.slices() == Slices.X || s.slices() == Slices.BOTH;
                        boolean ySlice = s.slices() == Slices.Y || s.slices() == Slices.BOTH;
                        boolean aligned = s.slices() == Slices.ALIGNED;
                        String desc = xs + " block " + b + " -> " + ys + (xSlice ? " x-slice" : "")
                                + (ySlice ? " y-slice" : "") + (aligned ? " aligned" : "");
                        l.add(new OpCase(PixelShuffle.OP, dt, mode.id(inverse), desc, h -> {
                            float[] xv = h.random(xs, -2, 2, dt);
                            Tensor x = aligned ? AlignedViews.input(h, dt, xs, xv)
                                    : xSlice ? h.input(dt, xs, xv, 3, 2) : h.input(dt, xs, xv);
                            Tensor y = aligned ? AlignedViews.output(h, dt, ys)
                                    : ySlice ? h.output(dt, ys, 2, 1) : h.output(dt, ys);
                            PixelShuffle.launch(h.stream(), x, y, b, mode, inverse);
                            HostTensor xh = Harness.host(xs, xv);
                            boolean crd = mode == Mode.CRD;
                            HostTensor ref = inverse ? RefOpsResample.pixelUnshuffle(xh, b, crd)
                                    : RefOpsResample.pixelShuffle(xh, b, crd);
                            return h.compare(ref, y, Tolerance.EXACT);
                        }));
                    }
                }
            }
        }
        return l;
    }
}

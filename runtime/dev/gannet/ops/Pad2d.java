// Launcher of pad2d: pads (or, with negative amounts, crops) H and W with zero/constant, reflect or
// replicate padding. Kernels: kernels/pad2d.cu (CUDA), native/cpu/pad2d.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

public final class Pad2d {
    public static final String OP = "pad2d";

    private Pad2d() {}

    public static Shape outputShape(Shape x, int top, int left, int bottom, int right) {
        int h = x.h() + top + bottom, w = x.w() + left + right;
        Check.arg(h > 0 && w > 0, OP, "padding (%d, %d, %d, %d) of %s leaves an empty %dx%d output", top, left,
                bottom, right, x, h, w);
        return new Shape(x.n(), h, w, x.c());
    }

    /** y = pad(x); y must have shape {@link #outputShape}. */
    public static void launch(Stream stream, Tensor x, Tensor y, int top, int left, int bottom, int right,
                              PadMode mode, float value) {
        Launch.common(OP, stream, x, y);
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
        Check.arg(mode != null, OP, "padding mode is null");
        Shape xs = x.shape();
        Check.arg(xs.h() > 0 && xs.w() > 0, OP, "input %s is empty", xs);
        Shape want = outputShape(xs, top, left, bottom, right);
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        if (mode == PadMode.REFLECT) {
            Check.arg(Math.max(top, bottom) < xs.h() && Math.max(left, right) < xs.w(), OP,
                    "reflect padding (%d, %d, %d, %d) must be smaller than the input %dx%d", top, left, bottom,
                    right, xs.h(), xs.w());
        }
        Launch.noOverlap(OP, y, x);
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.PAD2D);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.i32("top", top).i32("left", left).i32("bottom", bottom).i32("right", right).i32("mode", mode.code())
                .f32("value", value);
        Launch.run(stream, OP, x.dtype(), mode.id(), p,
                String.format("%s %s x=%s y=%s pad=(%d,%d,%d,%d) %s", OP, x.dtype(), x.shape(), y.shape(), top,
                        left, bottom, right, mode.id()),
                Launch.list(x, y));
    }

    /** Allocates y in {@code arena} and pads x into it. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, int top, int left, int bottom, int right,
                               PadMode mode) {
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), top, left, bottom, right));
        launch(stream, x, y, top, left, bottom, right, mode, 0f);
        return y;
    }
}

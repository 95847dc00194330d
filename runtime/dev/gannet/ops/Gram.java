// Launcher of gram: per batch item G = scale · FᵀF with F the (H·W) x C pixel matrix, output F32
// (N,1,C,C); the neural-style definition divides by the number of elements, scale = 1/(H·W·C).
// Kernels: kernels/gram.cu (CUDA), native/cpu/gram.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

public final class Gram {
    public static final String OP = "gram";

    private Gram() {}

    public static Shape outputShape(Shape x) {
        checkInput(x);
        return new Shape(x.n(), 1, x.c(), x.c());
    }

    /** 1 / (H·W·C): Gram = F·Fᵀ / number of elements, as the neural-style lesson defines it. */
    public static float defaultScale(Shape x) {
        checkInput(x);
        return (float) (1.0 / ((double) x.h() * x.w() * x.c()));
    }

    private static void checkInput(Shape x) {
        Check.arg(x.h() > 0 && x.w() > 0 && x.c() > 0, OP, "input %s is empty (H, W and C must be positive)", x);
    }

    /** y = FᵀF / (H·W·C) per batch item. */
    public static void launch(Stream stream, Tensor x, Tensor y) {
        Launch.common(OP, stream, x, y);
        launch(stream, x, y, defaultScale(x.shape()));
    }

    /** y = scale · FᵀF per batch item; y is a dense F32 tensor of shape (N,1,C,C). */
    public static void launch(Stream stream, Tensor x, Tensor y, float scale) {
        Launch.common(OP, stream, x, y);
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.arg(y.dtype() == DType.F32, OP, "y must be F32 (a Gram matrix overflows fp16), got %s", y.dtype());
        Check.channelsContiguous(x, OP, "x");
        Check.arg(Float.isFinite(scale), OP, "scale must be finite, got %s", scale);
        Shape want = outputShape(x.shape());
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Check.arg(y.isDense(), OP, "y must be dense, got strides %s", java.util.Arrays.toString(y.strides()));
        Launch.noOverlap(OP, y, x);
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.GRAM);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.f32("scale", scale);
        Launch.run(stream, OP, x.dtype(), "default", p,
                String.format("%s %s x=%s y=%s scale=%s", OP, x.dtype(), x.shape(), y.shape(), scale),
                Launch.list(x, y));
    }

    /** Allocates the F32 Gram matrices in {@code arena}, with the default scale 1/(H·W·C). */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x) {
        return apply(arena, stream, x, defaultScale(x.shape()));
    }

    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, float scale) {
        Tensor y = arena.allocate(DType.F32, outputShape(x.shape()));
        launch(stream, x, y, scale);
        return y;
    }
}

// Launcher of pool2d: average or max over kH x kW windows with stride and symmetric zero padding
// (padded cells count for neither; output size floor((H + 2·pad - k) / stride) + 1), and the global
// average to (N,1,1,C) of Darknet's head. Kernels: kernels/pool2d.cu (CUDA), native/cpu/pool2d.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

public final class Pool2d {
    public static final String OP = "pool2d";

    /** gk_pool_mode; {@code id} is the variant name of the op matrix. */
    public enum Mode {
        AVG(0, "avg"), MAX(1, "max"), GLOBAL_AVG(2, "global-avg");

        private final int code;
        private final String id;

        Mode(int code, String id) {
            this.code = code;
            this.id = id;
        }

        public int code() {
            return code;
        }

        public String id() {
            return id;
        }
    }

    private Pool2d() {}

    /** The windowed output shape; validates the window attributes. */
    public static Shape outputShape(Shape x, int kH, int kW, int strideH, int strideW, int padH, int padW) {
        Check.arg(kH >= 1 && kW >= 1, OP, "kernel size must be at least 1, got %dx%d", kH, kW);
        Check.arg(strideH >= 1 && strideW >= 1, OP, "stride must be at least 1, got %dx%d", strideH, strideW);
        Check.arg(padH >= 0 && padW >= 0, OP, "padding must not be negative, got %dx%d", padH, padW);
        Check.arg(padH < kH && padW < kW, OP,
                "padding %dx%d must be smaller than the kernel %dx%d (a window would cover only padding)", padH,
                padW, kH, kW);
        Check.arg(x.h() > 0 && x.w() > 0, OP, "input %s is empty", x);
        long h = Math.floorDiv((long) x.h() + 2L * padH - kH, strideH) + 1;
        long w = Math.floorDiv((long) x.w() + 2L * padW - kW, strideW) + 1;
        Check.arg(h > 0 && w > 0, OP, "a %dx%d window with padding %dx%d does not fit the input %dx%d", kH, kW,
                padH, padW, x.h(), x.w());
        return new Shape(x.n(), (int) h, (int) w, x.c());
    }

    public static Shape globalOutputShape(Shape x) {
        Check.arg(x.h() > 0 && x.w() > 0, OP, "input %s is empty", x);
        return new Shape(x.n(), 1, 1, x.c());
    }

    /** y = avg/max pool of x; y must have shape {@link #outputShape}. */
    public static void launch(Stream stream, Tensor x, Tensor y, Mode mode, int kH, int kW, int strideH,
                              int strideW, int padH, int padW) {
        Launch.common(OP, stream, x, y);
        Check.arg(mode != null, OP, "pooling mode is null");
        Check.arg(mode != Mode.GLOBAL_AVG, OP, "global-avg has no window; use launchGlobalAvg");
        checkTensors(x, y);
        Shape want = outputShape(x.shape(), kH, kW, strideH, strideW, padH, padW);
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Launch.noOverlap(OP, y, x);
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.POOL2D);
        p.i32("k_h", kH).i32("k_w", kW).i32("stride_h", strideH).i32("stride_w", strideW).i32("pad_top", padH)
                .i32("pad_left", padW);
        run(stream, x, y, mode, p, String.format("%s %s x=%s y=%s k=%dx%d stride=%dx%d pad=%dx%d %s", OP,
                x.dtype(), x.shape(), y.shape(), kH, kW, strideH, strideW, padH, padW, mode.id()));
    }

    /** y (N,1,1,C) = mean of x over H and W. */
    public static void launchGlobalAvg(Stream stream, Tensor x, Tensor y) {
        Launch.common(OP, stream, x, y);
        checkTensors(x, y);
        Shape want = globalOutputShape(x.shape());
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Launch.noOverlap(OP, y, x);
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.POOL2D);
        run(stream, x, y, Mode.GLOBAL_AVG, p, String.format("%s %s x=%s y=%s %s", OP, x.dtype(), x.shape(),
                y.shape(), Mode.GLOBAL_AVG.id()));
    }

    private static void checkTensors(Tensor x, Tensor y) {
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
    }

    private static void run(Stream stream, Tensor x, Tensor y, Mode mode, Params p, String description) {
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.i32("mode", mode.code());
        Launch.run(stream, OP, x.dtype(), mode.id(), p, description, Launch.list(x, y));
    }

    /** Allocates y in {@code arena} and pools x into it (square window, stride and padding). */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, Mode mode, int k, int stride, int pad) {
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), k, k, stride, stride, pad, pad));
        launch(stream, x, y, mode, k, k, stride, stride, pad, pad);
        return y;
    }

    /** Allocates y (N,1,1,C) in {@code arena}: the adaptive average pool to 1x1 of Darknet's head. */
    public static Tensor applyGlobalAvg(DeviceArena arena, Stream stream, Tensor x) {
        Tensor y = arena.allocate(x.dtype(), globalOutputShape(x.shape()));
        launchGlobalAvg(stream, x, y);
        return y;
    }
}

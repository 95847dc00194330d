// Launcher of upsample2d: nearest upsampling by integer factors, and bilinear / area resizing to any
// output size. Kernels: kernels/upsample2d.cu (CUDA), native/cpu/upsample2d.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

/**
 * Resampling of H and W (gk_upsample_mode).
 * <ul>
 * <li>{@link Mode#NEAREST}: integer factors, {@code y[oh, ow] = x[oh / fh, ow / fw]} (PyTorch
 * {@code nearest} with an integer scale factor; ONNX Resize nearest with asymmetric / floor).</li>
 * <li>{@link Mode#BILINEAR}: any output size; {@code align_corners=false}: the source coordinate is
 * {@code (o + 0.5) * in / out - 0.5}, clamped below at 0, neighbours clamped to the edge (PyTorch
 * bilinear without antialias; ONNX Resize linear with {@code half_pixel}). Downscaling by more than
 * 2 aliases, as in PyTorch: use {@link Mode#AREA} for that.</li>
 * <li>{@link Mode#AREA}: any output size, in both directions and independently per axis. Output
 * pixel (oh, ow) is the exact mean of x over the source rectangle
 * {@code [oh*H/OH, (oh+1)*H/OH) x [ow*W/OW, (ow+1)*W/OW)}, partially covered pixels weighted by
 * their covered fraction. That is OpenCV's {@code INTER_AREA} (whose upscaling is this same
 * integral) and, for integer ratios, PIL's BOX filter and adaptive average pooling. Upscaling is
 * allowed on purpose: the integral is well defined, and a preprocessing resize to a fixed size
 * often shrinks one axis while slightly growing the other; it then blends only neighbours that
 * share a boundary (nearest with antialiased edges).</li>
 * </ul>
 */
public final class Upsample2d {
    public static final String OP = "upsample2d";

    public enum Mode {
        NEAREST(0), BILINEAR(1), AREA(2);

        private final int code;

        Mode(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        /** The variant name in {@code Ops}. */
        public String id() {
            return name().toLowerCase();
        }
    }

    private Upsample2d() {}

    /** The output of nearest upsampling by (factorH, factorW). */
    public static Shape outputShape(Shape x, int factorH, int factorW) {
        Check.positive(factorH, OP, "factor_h");
        Check.positive(factorW, OP, "factor_w");
        long h = (long) x.h() * factorH, w = (long) x.w() * factorW;
        Check.arg(h <= Integer.MAX_VALUE && w <= Integer.MAX_VALUE, OP,
                "upsampling %s by %dx%d gives %dx%d, too large", x, factorH, factorW, h, w);
        return new Shape(x.n(), (int) h, (int) w, x.c());
    }

    /** The output of a bilinear or area resize of x to outH x outW. */
    public static Shape outputShape(Shape x, Mode mode, int outH, int outW) {
        Check.arg(mode == Mode.BILINEAR || mode == Mode.AREA, OP,
                "a resize to a size needs mode bilinear or area, got %s (nearest takes integer factors)", mode);
        Check.positive(outH, OP, "output height");
        Check.positive(outW, OP, "output width");
        return new Shape(x.n(), outH, outW, x.c());
    }

    /** Nearest upsampling: each pixel of x repeated factorH x factorW times; y must have shape
     * {@link #outputShape(Shape, int, int)}. */
    public static void launch(Stream stream, Tensor x, Tensor y, int factorH, int factorW) {
        commonChecks(stream, x, y);
        Shape want = outputShape(x.shape(), factorH, factorW);
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Launch.noOverlap(OP, y, x);
        run(stream, x, y, Mode.NEAREST, factorH, factorW);
    }

    /** Bilinear or area resize of x to y's height and width (N and C must match). */
    public static void launch(Stream stream, Tensor x, Tensor y, Mode mode) {
        commonChecks(stream, x, y);
        Check.arg(mode != null, OP, "mode is null");
        Shape ys = y.shape();
        Shape want = outputShape(x.shape(), mode, ys.h(), ys.w());
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Launch.noOverlap(OP, y, x);
        run(stream, x, y, mode, 1, 1);
    }

    private static void commonChecks(Stream stream, Tensor x, Tensor y) {
        Launch.common(OP, stream, x, y);
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
        Shape xs = x.shape();
        Check.arg(xs.h() > 0 && xs.w() > 0, OP, "input %s is empty", xs);
    }

    private static void run(Stream stream, Tensor x, Tensor y, Mode mode, int factorH, int factorW) {
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.UPSAMPLE2D);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.i32("mode", mode.code()).i32("factor_h", factorH).i32("factor_w", factorW);
        String attrs = mode == Mode.NEAREST ? " factor=" + factorH + "x" + factorW : "";
        Launch.run(stream, OP, x.dtype(), mode.id(), p,
                String.format("%s %s %s x=%s y=%s%s", OP, x.dtype(), mode.id(), x.shape(), y.shape(), attrs),
                Launch.list(x, y));
    }

    /** Allocates y in {@code arena} and upsamples x into it (nearest, integer factors). */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, int factorH, int factorW) {
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), factorH, factorW));
        launch(stream, x, y, factorH, factorW);
        return y;
    }

    /** Allocates y in {@code arena} and resizes x into it (bilinear or area). */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, Mode mode, int outH, int outW) {
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), mode, outH, outW));
        launch(stream, x, y, mode);
        return y;
    }
}

// Launcher of pixel_shuffle (depth_to_space) and its inverse (space_to_depth), NHWC, in DCR and CRD
// channel orders. Kernels: kernels/pixel_shuffle.cu (CUDA), native/cpu/pixel_shuffle.c (CPU).
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
 * {@code y[n, h*b+i, w*b+j, c] = x[n, h, w, ch(i, j, c)]} with block b; the inverse is the exact
 * inverse mapping {@code y[n, h, w, ch(i, j, c)] = x[n, h*b+i, w*b+j, c]}. {@link Mode#DCR}:
 * {@code ch = (i*b + j)*C + c} (TF depth_to_space, ONNX DepthToSpace default); {@link Mode#CRD}:
 * {@code ch = c*b*b + i*b + j} (PyTorch pixel_shuffle / pixel_unshuffle, ONNX mode CRD).
 */
public final class PixelShuffle {
    public static final String OP = "pixel_shuffle";

    public enum Mode {
        DCR(0), CRD(1);

        private final int code;

        Mode(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        /** The variant name in {@code Ops}: "dcr", "crd", "dcr-inverse", "crd-inverse". */
        public String id(boolean inverse) {
            return name().toLowerCase() + (inverse ? "-inverse" : "");
        }
    }

    private PixelShuffle() {}

    /** (N, H, W, C*b*b) -> (N, H*b, W*b, C), or the other way round when {@code inverse}. */
    public static Shape outputShape(Shape x, int block, boolean inverse) {
        Check.positive(block, OP, "block");
        long bb = (long) block * block;
        if (inverse) {
            Check.arg(x.h() % block == 0 && x.w() % block == 0, OP,
                    "space_to_depth needs H and W divisible by the block %d, got %dx%d", block, x.h(), x.w());
            long c = x.c() * bb;
            Check.arg(c <= Integer.MAX_VALUE, OP, "space_to_depth of %s by block %d gives %d channels, too many", x,
                    block, c);
            return new Shape(x.n(), x.h() / block, x.w() / block, (int) c);
        }
        Check.arg(x.c() % bb == 0, OP, "depth_to_space needs the channel count %d divisible by block² = %d", x.c(),
                bb);
        long h = (long) x.h() * block, w = (long) x.w() * block;
        Check.arg(h <= Integer.MAX_VALUE && w <= Integer.MAX_VALUE, OP,
                "depth_to_space of %s by block %d gives %dx%d, too large", x, block, h, w);
        return new Shape(x.n(), (int) h, (int) w, (int) (x.c() / bb));
    }

    /** y = pixel_shuffle(x) (or its inverse); y must have shape {@link #outputShape}. */
    public static void launch(Stream stream, Tensor x, Tensor y, int block, Mode mode, boolean inverse) {
        Launch.common(OP, stream, x, y);
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
        Check.arg(mode != null, OP, "mode is null");
        Shape want = outputShape(x.shape(), block, inverse);
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Launch.noOverlap(OP, y, x);
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.PIXEL_SHUFFLE);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.i32("block", block).i32("mode", mode.code()).i32("inverse", inverse ? 1 : 0);
        String variant = mode.id(inverse);
        Launch.run(stream, OP, x.dtype(), variant, p,
                String.format("%s %s %s x=%s y=%s block=%d", OP, x.dtype(), variant, x.shape(), y.shape(), block),
                Launch.list(x, y));
    }

    /** Allocates y in {@code arena} and shuffles x into it. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, int block, Mode mode, boolean inverse) {
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), block, inverse));
        launch(stream, x, y, block, mode, inverse);
        return y;
    }
}

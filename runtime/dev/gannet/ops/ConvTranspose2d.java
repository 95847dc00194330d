// Launcher of conv_transpose2d (PyTorch ConvTranspose2d, groups = 1) with the fused epilogue; the
// weights are prepared by ConvWeights.prepare(..., transposed = true). Kernel: native/cpu/conv_transpose2d.c.
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

public final class ConvTranspose2d {
    public static final String OP = "conv_transpose2d";
    static final String VARIANT = "default";

    private ConvTranspose2d() {}

    /** Kernel size, stride, padding, output padding and dilation, per dimension (PyTorch's meaning). */
    public record Attrs(int r, int s, int strideH, int strideW, int padH, int padW, int outPadH, int outPadW, int dilH,
                        int dilW) {
        /** A square kernel with equal stride/padding/output padding in both dimensions, no dilation. */
        public static Attrs of(int kernel, int stride, int pad, int outPad) {
            return new Attrs(kernel, kernel, stride, stride, pad, pad, outPad, outPad, 1, 1);
        }

        public Attrs withDilation(int dh, int dw) {
            return new Attrs(r, s, strideH, strideW, padH, padW, outPadH, outPadW, dh, dw);
        }

        void validate() {
            Check.positive(r, OP, "kernel height r");
            Check.positive(s, OP, "kernel width s");
            Check.positive(strideH, OP, "stride_h");
            Check.positive(strideW, OP, "stride_w");
            Check.positive(dilH, OP, "dilation_h");
            Check.positive(dilW, OP, "dilation_w");
            Check.nonNegative(padH, OP, "pad_h");
            Check.nonNegative(padW, OP, "pad_w");
            Check.nonNegative(outPadH, OP, "output_padding_h");
            Check.nonNegative(outPadW, OP, "output_padding_w");
            Check.arg(outPadH < Math.max(strideH, dilH), OP,
                    "output_padding_h %d must be smaller than stride_h %d or dilation_h %d", outPadH, strideH, dilH);
            Check.arg(outPadW < Math.max(strideW, dilW), OP,
                    "output_padding_w %d must be smaller than stride_w %d or dilation_w %d", outPadW, strideW, dilW);
        }

        @Override
        public String toString() {
            return String.format("k=%dx%d stride=%dx%d pad=%dx%d out_pad=%dx%d dil=%dx%d", r, s, strideH, strideW, padH,
                    padW, outPadH, outPadW, dilH, dilW);
        }
    }

    /** y's shape for input x, k output channels and attrs: (in-1)*stride - 2*pad + dil*(kernel-1) + out_pad + 1. */
    public static Shape outputShape(Shape x, int k, Attrs a) {
        Check.arg(a != null, OP, "attributes are null");
        a.validate();
        Check.positive(k, OP, "output channels k");
        Check.arg(x.h() > 0 && x.w() > 0 && x.c() > 0, OP, "input %s is empty", x);
        long h = size(x.h(), a.strideH(), a.padH(), a.dilH(), a.r(), a.outPadH());
        long w = size(x.w(), a.strideW(), a.padW(), a.dilW(), a.s(), a.outPadW());
        Check.arg(h > 0 && w > 0, OP, "%s of input %s leaves an empty %dx%d output", a, x, h, w);
        Check.arg(h <= Integer.MAX_VALUE && w <= Integer.MAX_VALUE, OP,
                "%s of input %s gives a %dx%d output, too large", a, x, h, w);
        return new Shape(x.n(), (int) h, (int) w, k);
    }

    private static long size(int in, int stride, int pad, int dil, int kernel, int outPad) {
        return (long) (in - 1) * stride - 2L * pad + (long) dil * (kernel - 1) + outPad + 1;
    }

    /** y = epilogue(conv_transpose(x, w)); y must have shape {@link #outputShape}. */
    public static void launch(Stream stream, Tensor x, ConvWeights w, Tensor y, Attrs a, Epilogue ep) {
        Launch.common(OP, stream, x, y);
        Check.arg(w != null, OP, "weights are null");
        Check.arg(ep != null, OP, "epilogue is null (use Epilogue.NONE)");
        Tensor wt = w.asTensor();
        Launch.common(OP, stream, wt);
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
        Check.arg(w.transposed(), OP, "weights %s were prepared for conv2d; prepare them with transposed = true",
                w.describe());
        Shape xs = x.shape();
        Check.arg(w.c() == xs.c(), OP, "weights %s expect %d input channels but x %s has %d", w.describe(), w.c(), xs,
                xs.c());
        Check.arg(a != null, OP, "attributes are null");
        Check.arg(w.r() == a.r() && w.s() == a.s(), OP, "weights %s have a %dx%d kernel but the attributes say %dx%d",
                w.describe(), w.r(), w.s(), a.r(), a.s());
        Check.arg(w.k() == y.shape().c(), OP, "weights %s produce %d channels but y %s has %d", w.describe(), w.k(),
                y.shape(), y.shape().c());
        Shape want = outputShape(xs, w.k(), a);
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        ep.validate(OP, y);
        Launch.noOverlap(OP, y, x, wt, ep.bias(), ep.scale(), ep.shift());
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.CONV_TRANSPOSE2D);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.ptr("w", w.address()).i32("r", a.r()).i32("s", a.s()).i32("stride_h", a.strideH())
                .i32("stride_w", a.strideW()).i32("pad_h", a.padH()).i32("pad_w", a.padW())
                .i32("out_pad_h", a.outPadH()).i32("out_pad_w", a.outPadW()).i32("dil_h", a.dilH())
                .i32("dil_w", a.dilW());
        Launch.epilogue(p, "ep", ep);
        var retained = Launch.list(x, y, wt);
        retained.addAll(ep.tensors());
        Launch.run(stream, OP, x.dtype(), VARIANT, p,
                String.format("%s %s x=%s y=%s w=%s %s%s", OP, x.dtype(), xs, y.shape(), w.describe(), a,
                        ep.describe()),
                retained);
    }

    /** Without an epilogue. */
    public static void launch(Stream stream, Tensor x, ConvWeights w, Tensor y, Attrs a) {
        launch(stream, x, w, y, a, Epilogue.NONE);
    }

    /** Allocates y (x's dtype) in {@code arena} and runs the transposed convolution into it. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, ConvWeights w, Attrs a, Epilogue ep) {
        Check.arg(x != null && w != null, OP, "x and weights must not be null");
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), w.k(), a));
        launch(stream, x, w, y, a, ep);
        return y;
    }
}

// Launcher of conv2d: y = epilogue(conv(pad(upsample_nearest(x)), w)) over prepared weights, NHWC,
// groups = 1, with channel-slice input and output. Kernels: kernels/conv2d.cu (CUDA), native/cpu/conv2d.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.List;
import java.util.Objects;

public final class Conv2d {
    public static final String OP = "conv2d";

    private Conv2d() {}

    /**
     * Kernel size r x s, stride, dilation, padding (top, left, bottom, right) in upsampled pixels with its
     * mode, and the nearest-upsample factor applied to the input first (1 = none).
     */
    public record Attrs(int r, int s, int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft,
                        int padBottom, int padRight, PadMode padMode, int upsample) {
        /** k x k, stride 1, zero padding that keeps the size ("same"; the odd pixel of even k goes last). */
        public static Attrs same(int k) {
            return same(k, PadMode.ZERO);
        }

        /** k x k, stride 1, size-preserving padding in {@code mode}. */
        public static Attrs same(int k, PadMode mode) {
            int lo = (k - 1) / 2, hi = k - 1 - lo;
            return new Attrs(k, k, 1, 1, 1, 1, lo, lo, hi, hi, mode, 1);
        }

        /** k x k with a stride and the same padding on every side. */
        public static Attrs of(int k, int stride, int pad, PadMode mode) {
            return new Attrs(k, k, stride, stride, 1, 1, pad, pad, pad, pad, mode, 1);
        }

        /** r x s, stride 1, no padding. */
        public static Attrs kernel(int r, int s) {
            return new Attrs(r, s, 1, 1, 1, 1, 0, 0, 0, 0, PadMode.ZERO, 1);
        }

        public Attrs withStride(int h, int w) {
            return new Attrs(r, s, h, w, dilH, dilW, padTop, padLeft, padBottom, padRight, padMode, upsample);
        }

        public Attrs withDilation(int h, int w) {
            return new Attrs(r, s, strideH, strideW, h, w, padTop, padLeft, padBottom, padRight, padMode, upsample);
        }

        public Attrs withPads(int top, int left, int bottom, int right) {
            return new Attrs(r, s, strideH, strideW, dilH, dilW, top, left, bottom, right, padMode, upsample);
        }

        public Attrs withPadMode(PadMode mode) {
            return new Attrs(r, s, strideH, strideW, dilH, dilW, padTop, padLeft, padBottom, padRight, mode, upsample);
        }

        public Attrs withUpsample(int factor) {
            return new Attrs(r, s, strideH, strideW, dilH, dilW, padTop, padLeft, padBottom, padRight, padMode, factor);
        }

        public String describe() {
            StringBuilder b = new StringBuilder().append(r).append('x').append(s);
            if (strideH != 1 || strideW != 1) b.append(" stride=").append(strideH).append(',').append(strideW);
            if (dilH != 1 || dilW != 1) b.append(" dil=").append(dilH).append(',').append(dilW);
            b.append(" pad=(").append(padTop).append(',').append(padLeft).append(',').append(padBottom).append(',')
                    .append(padRight).append(") ").append(padMode == null ? "null" : padMode.id());
            if (upsample != 1) b.append(" up=").append(upsample);
            return b.toString();
        }
    }

    /** The output shape for input x, {@code k} output channels and the attributes; validates them. */
    public static Shape outputShape(Shape x, int k, Attrs a) {
        Objects.requireNonNull(x, OP + ": input shape");
        Check.arg(a != null, OP, "attributes are null");
        Check.arg(a.padMode() != null, OP, "padding mode is null");
        Check.positive(a.r(), OP, "kernel height r");
        Check.positive(a.s(), OP, "kernel width s");
        Check.positive(a.strideH(), OP, "stride_h");
        Check.positive(a.strideW(), OP, "stride_w");
        Check.positive(a.dilH(), OP, "dilation dil_h");
        Check.positive(a.dilW(), OP, "dilation dil_w");
        Check.nonNegative(a.padTop(), OP, "pad_top");
        Check.nonNegative(a.padLeft(), OP, "pad_left");
        Check.nonNegative(a.padBottom(), OP, "pad_bottom");
        Check.nonNegative(a.padRight(), OP, "pad_right");
        Check.positive(a.upsample(), OP, "upsample factor");
        Check.positive(k, OP, "output channels K");
        Check.arg(x.h() > 0 && x.w() > 0 && x.c() > 0, OP, "input %s is empty", x);
        long hUp = (long) x.h() * a.upsample(), wUp = (long) x.w() * a.upsample();
        long hPad = hUp + a.padTop() + a.padBottom(), wPad = wUp + a.padLeft() + a.padRight();
        Check.arg(hPad <= Integer.MAX_VALUE && wPad <= Integer.MAX_VALUE, OP,
                "upsampled and padded input %dx%d is too large", hPad, wPad);
        if (a.padMode() == PadMode.REFLECT) {
            Check.arg(Math.max(a.padTop(), a.padBottom()) < hUp && Math.max(a.padLeft(), a.padRight()) < wUp, OP,
                    "reflect padding (%d, %d, %d, %d) must be smaller than the (upsampled) input %dx%d", a.padTop(),
                    a.padLeft(), a.padBottom(), a.padRight(), hUp, wUp);
        }
        long spanH = (long) a.dilH() * (a.r() - 1) + 1, spanW = (long) a.dilW() * (a.s() - 1) + 1;
        Check.arg(spanH <= hPad && spanW <= wPad, OP,
                "the %dx%d kernel (dilated extent %dx%d) does not fit the padded input %dx%d", a.r(), a.s(), spanH,
                spanW, hPad, wPad);
        long oh = (hPad - spanH) / a.strideH() + 1, ow = (wPad - spanW) / a.strideW() + 1;
        return new Shape(x.n(), (int) oh, (int) ow, k);
    }

    /** y = epilogue(conv2d(x, w)); y must have shape {@link #outputShape}. A null epilogue means none. */
    public static void launch(Stream stream, Tensor x, ConvWeights w, Tensor y, Attrs a, Epilogue ep) {
        Launch.common(OP, stream, x, y);
        Check.arg(w != null && w.packed() != null, OP, "weights are null");
        Tensor wt = w.asTensor();
        Launch.common(OP, stream, wt);
        Epilogue e = ep == null ? Epilogue.NONE : ep;
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
        Check.arg(!w.transposed(), OP, "weights %s were prepared for conv_transpose2d", w.describe());
        Check.arg(w.dtype() == x.dtype(), OP, "weights were prepared from %s but x is %s (they must match)",
                w.dtype(), x.dtype());
        Shape xs = x.shape();
        Check.arg(w.c() == xs.c(), OP, "weights %s expect C = %d input channels but x %s has %d", w.describe(), w.c(),
                xs, xs.c());
        Check.arg(w.k() == y.shape().c(), OP, "weights %s produce K = %d channels but y %s has %d", w.describe(),
                w.k(), y.shape(), y.shape().c());
        Check.arg(w.k() > 0 && w.r() > 0 && w.s() > 0 && w.c() > 0, OP, "weights %s are empty", w.describe());
        Check.arg(a != null, OP, "attributes are null");
        Check.arg(w.r() == a.r() && w.s() == a.s(), OP, "weights %s are %dx%d but the attributes say %dx%d",
                w.describe(), w.r(), w.s(), a.r(), a.s());
        Shape want = outputShape(xs, w.k(), a);
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        e.validate(OP, y);
        Launch.noOverlap(OP, y, x, wt, e.bias(), e.scale(), e.shift());
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.CONV2D);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.ptr("w", w.address()).i32("r", a.r()).i32("s", a.s()).i32("stride_h", a.strideH())
                .i32("stride_w", a.strideW()).i32("dil_h", a.dilH()).i32("dil_w", a.dilW())
                .i32("pad_top", a.padTop()).i32("pad_left", a.padLeft()).i32("pad_bottom", a.padBottom())
                .i32("pad_right", a.padRight()).i32("pad_mode", a.padMode().code()).i32("upsample", a.upsample());
        Launch.epilogue(p, "ep", e);
        List<Tensor> keep = Launch.list(x, y, wt);
        keep.addAll(e.tensors());
        Launch.run(stream, OP, x.dtype(), variant(a.padMode()), p,
                String.format("%s %s x=%s w=%s y=%s %s%s", OP, x.dtype(), xs, w.describe(), y.shape(), a.describe(),
                        e.describe()),
                keep);
    }

    /** The launch variant (Ops.java): the padding mode. */
    public static String variant(PadMode mode) {
        return "pad-" + mode.id();
    }

    /** Allocates y in {@code arena} and runs the convolution into it. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, ConvWeights w, Attrs a, Epilogue ep) {
        Objects.requireNonNull(x, OP + ": x");
        Check.arg(w != null, OP, "weights are null");
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), w.k(), a));
        launch(stream, x, w, y, a, ep);
        return y;
    }
}

// Launcher of linear: y = epilogue(x · Wᵀ) where the rows are the N·H·W pixels of x (C features
// each) and W is a dense K x C matrix (PyTorch's layout) stored as a (1,1,K,C) tensor of x's dtype;
// Darknet's head applies it to the (N,1,1,C) global average. Kernels: kernels/linear.cu (CUDA),
// native/cpu/linear.c (CPU).
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

public final class Linear {
    public static final String OP = "linear";

    private Linear() {}

    /** (N,H,W,K) for x (N,H,W,C) and W (1,1,K,C). */
    public static Shape outputShape(Shape x, Shape w) {
        Check.arg(w.n() == 1 && w.h() == 1, OP, "weights must have shape 1x1xKxC, got %s", w);
        Check.arg(x.c() > 0, OP, "x %s has no features (C must be positive)", x);
        Check.arg(w.c() == x.c(), OP, "weights %s expect %d features but x %s has %d", w, w.c(), x, x.c());
        Check.arg(w.w() > 0, OP, "weights %s have no outputs (K must be positive)", w);
        return new Shape(x.n(), x.h(), x.w(), w.w());
    }

    /** y = epilogue(x · Wᵀ); y must have shape {@link #outputShape}. */
    public static void launch(Stream stream, Tensor x, Tensor w, Tensor y, Epilogue ep) {
        Launch.common(OP, stream, x, w, y);
        Check.arg(ep != null, OP, "epilogue is null (use Epilogue.NONE)");
        Check.dtype(x, OP, "x", DType.F32, DType.F16);
        Check.sameDType(OP, x, "x", w, "w");
        Check.sameDType(OP, x, "x", y, "y");
        Check.channelsContiguous(x, OP, "x");
        Check.channelsContiguous(y, OP, "y");
        Shape want = outputShape(x.shape(), w.shape());
        Check.arg(w.isDense(), OP, "weights must be dense, got strides %s", java.util.Arrays.toString(w.strides()));
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        ep.validate(OP, y);
        Launch.noOverlap(OP, y, x, w, ep.bias(), ep.scale(), ep.shift());
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.LINEAR);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        p.ptr("w", w.address());
        Launch.epilogue(p, "ep", ep);
        List<Tensor> retained = Launch.list(x, w, y);
        retained.addAll(ep.tensors());
        Launch.run(stream, OP, x.dtype(), "default", p,
                String.format("%s %s x=%s w=%s y=%s%s", OP, x.dtype(), x.shape(), w.shape(), y.shape(),
                        ep.describe()),
                retained);
    }

    /** Allocates y in {@code arena} and computes epilogue(x · Wᵀ) into it. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, Tensor w, Epilogue ep) {
        Tensor y = arena.allocate(x.dtype(), outputShape(x.shape(), w.shape()));
        launch(stream, x, w, y, ep);
        return y;
    }
}

// Conv weights in the device's prepared format, made once from dense K x R x S x C (OHWI) weights
// by the conv_pack kernel: plans pack at build time so each inference runs on packed weights.
// For conv_transpose2d (transposed = true) the dense weights are K x R x S x C too, K being the
// output channels (PyTorch's (C, K, R, S) transposed at import).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.DeviceBuffer;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

public record ConvWeights(int k, int r, int s, int c, boolean transposed, DType dtype, DeviceBuffer packed) {
    public static final String OP = "conv_pack";

    /** The dimensions must fit the packed buffer, so a kernel never reads past it. */
    public ConvWeights {
        Check.arg(k > 0 && r > 0 && s > 0 && c > 0, OP, "weights %dx%dx%dx%d must have positive dimensions", k, r, s, c);
        Check.arg(packed != null && dtype != null, OP, "packed buffer and dtype are required");
        long need = packed.device().convPackedBytes(k, r, s, c, transposed, dtype);
        Check.arg(need >= 0 && packed.byteSize() >= need, OP,
                "a packed buffer of %d B cannot hold %dx%dx%dx%d%s weights (%d B needed)", packed.byteSize(), k, r, s,
                c, transposed ? " transposed" : "", need);
    }

    /**
     * Packs dense KRSC weights (F32 or F16) into {@code arena}; asynchronous on {@code stream}, so
     * launches on another stream must wait for it (an event, or {@code stream.synchronize()}).
     */
    public static ConvWeights prepare(DeviceArena arena, Stream stream, Tensor w, boolean transposed) {
        Launch.common(OP, stream, w);
        Check.dtype(w, OP, "weights", DType.F32, DType.F16);
        Check.arg(w.isDense(), OP, "weights %s must be dense K x R x S x C", w);
        Check.arg(arena.device() == stream.device(), OP, "arena and stream live on different devices");
        Shape ws = w.shape();
        Check.arg(ws.numel() > 0, OP, "weights %s are empty", ws);
        long bytes = stream.device().convPackedBytes(ws.n(), ws.h(), ws.w(), ws.c(), transposed, w.dtype());
        if (bytes < 0) {
            throw new dev.gannet.runtime.GannetException(dev.gannet.runtime.ErrorCode.UNSUPPORTED,
                    OP + ": " + stream.device().name() + " has no " + (transposed ? "conv_transpose2d" : "conv2d")
                            + " weight layout");
        }
        DeviceBuffer dst = arena.allocateBytes(bytes);
        Params p = Launch.params(GkAbi.CONV_PACK);
        p.ptr("src", w.address()).ptr("dst", dst.address()).i32("src_dtype", w.dtype().code()).i32("k", ws.n())
                .i32("r", ws.h()).i32("s", ws.w()).i32("c", ws.c()).i32("transposed", transposed ? 1 : 0);
        ConvWeights cw = new ConvWeights(ws.n(), ws.h(), ws.w(), ws.c(), transposed, w.dtype(), dst);
        Launch.run(stream, OP, w.dtype(), transposed ? "transposed" : "default", p,
                OP + " " + w.dtype() + " w=" + ws + (transposed ? " transposed" : ""), Launch.list(w, cw.asTensor()));
        return cw;
    }

    /** Address of the packed weights (throws if their arena is closed). */
    public long address() {
        return packed.address();
    }

    /** A byte view of the packed buffer, so launches can retain it while queued. */
    public Tensor asTensor() {
        long n = Math.max(1, Math.min(packed.byteSize(), Integer.MAX_VALUE));
        return Tensor.of(packed, DType.U8, new Shape(1, 1, 1, (int) n), new long[] {0, 0, 0, 1}, 0);
    }

    public String describe() {
        return k + "x" + r + "x" + s + "x" + c + (transposed ? " (transposed)" : "");
    }
}

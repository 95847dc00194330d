// Launcher of reduce: the mean of a tensor, per-channel means, and the MSE / L1 losses (content and
// style losses, the WGAN critic's mean). Kernels: native/cpu/reduce.c (CPU).
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
 * Reductions into an F32 y, accumulated in double with a result that does not depend on the thread
 * count. a (and b) are F32 or F16 views with contiguous channels and must not be empty.
 *
 * <p>MSE and L1 take b of a's dtype; b may have a's shape or 1 in N, H or W where a is larger (a
 * single target against a batch, say), broadcast here with zero strides; channels must match.
 * y must be a contiguous F32 view of {@link #outputShape} that does not overlap a or b.
 */
public final class Reduce {
    public static final String OP = "reduce";

    private Reduce() {}

    /** The sub-ops of gk_reduce_op; {@code id} is the variant name of the support matrix. */
    public enum Kind {
        MEAN_ALL(0, "mean-all"), MEAN_CHANNEL(1, "mean-channel"), MSE(2, "mse"), L1(3, "l1");

        private final int code;
        private final String id;

        Kind(int code, String id) {
            this.code = code;
            this.id = id;
        }

        public int code() {
            return code;
        }

        public String id() {
            return id;
        }

        /** Whether the sub-op compares a with b. */
        public boolean binary() {
            return this == MSE || this == L1;
        }
    }

    /** 1x1x1xC for MEAN_CHANNEL, 1x1x1x1 otherwise. */
    public static Shape outputShape(Kind kind, Shape a) {
        return kind == Kind.MEAN_CHANNEL ? new Shape(1, 1, 1, a.c()) : new Shape(1, 1, 1, 1);
    }

    /** b must be null for MEAN_ALL and MEAN_CHANNEL. */
    public static void launch(Stream stream, Kind kind, Tensor a, Tensor b, Tensor y) {
        Check.arg(kind != null, OP, "sub-op is null");
        if (kind.binary()) {
            Check.arg(b != null, OP, "%s needs b", kind.id());
            Launch.common(OP, stream, a, b, y);
        } else {
            Check.arg(b == null, OP, "%s takes no b", kind.id());
            Launch.common(OP, stream, a, y);
        }
        Check.dtype(a, OP, "a", DType.F32, DType.F16);
        Check.dtype(y, OP, "y", DType.F32);
        Check.arg(a.numel() > 0, OP, "a %s is empty; its mean is undefined", a.shape());
        Check.channelsContiguous(a, OP, "a");
        Tensor bb = null;
        if (b != null) {
            Check.sameDType(OP, a, "a", b, "b");
            Check.channelsContiguous(b, OP, "b");
            Shape as = a.shape(), bs = b.shape();
            Check.arg(bs.c() == as.c(), OP, "b has %d channels but a has %d (channels are never broadcast)", bs.c(),
                    as.c());
            bb = Elementwise.broadcastInput(OP, b, "b", as);
        }
        Shape want = outputShape(kind, a.shape());
        Check.shape(y, OP, "y", want.n(), want.h(), want.w(), want.c());
        Check.channelsContiguous(y, OP, "y");
        Launch.noOverlap(OP, y, a, b);
        Params p = Launch.params(GkAbi.REDUCE);
        Launch.tensor(p, "a", a);
        Launch.tensor(p, "b", bb);
        Launch.tensor(p, "y", y);
        p.i32("op", kind.code());
        Launch.run(stream, OP, a.dtype(), kind.id(), p,
                String.format("%s %s %s a=%s%s y=%s", OP, kind.id(), a.dtype(), a, b == null ? "" : " b=" + b, y),
                Launch.list(a, b, y));
    }

    // ---- conveniences --------------------------------------------------------------------------

    /** Allocates y of {@link #outputShape} and reduces into it. */
    public static Tensor apply(DeviceArena arena, Stream stream, Kind kind, Tensor a, Tensor b) {
        Check.arg(kind != null && a != null, OP, "sub-op and a must not be null");
        Tensor y = arena.allocate(DType.F32, outputShape(kind, a.shape()));
        launch(stream, kind, a, b, y);
        return y;
    }

    public static Tensor meanAll(DeviceArena arena, Stream stream, Tensor a) {
        return apply(arena, stream, Kind.MEAN_ALL, a, null);
    }

    public static Tensor meanChannel(DeviceArena arena, Stream stream, Tensor a) {
        return apply(arena, stream, Kind.MEAN_CHANNEL, a, null);
    }

    public static Tensor mse(DeviceArena arena, Stream stream, Tensor a, Tensor b) {
        return apply(arena, stream, Kind.MSE, a, b);
    }

    public static Tensor l1(DeviceArena arena, Stream stream, Tensor a, Tensor b) {
        return apply(arena, stream, Kind.L1, a, b);
    }
}

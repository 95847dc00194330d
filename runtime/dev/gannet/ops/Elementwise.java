// Launcher of elementwise: add, mul, affine and clamp with a fused activation, numpy-style
// broadcasting of a and b, and in-place use (DESIGN §6). Kernels: native/cpu/elementwise.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.Arrays;

/**
 * y = act(sa·a + sb·b) (ADD), act(sa·a·b) (MUL), act(sa·a + sb) (AFFINE) or min(max(a, lo), hi) (CLAMP).
 *
 * <p>Broadcasting is done here: a and b may have y's shape, or 1 in any dim (channels too) where y is
 * larger; such dims are broadcast with zero strides. Views that {@link Tensor#broadcastTo} already
 * expanded to y's shape are accepted as they are. Every tensor may be a strided view (channel
 * stride included); y must address each element once. y may be exactly the same view as a or b
 * (in place), but must not otherwise overlap them. a and y share the dtype (F32 or F16); for ADD
 * and MUL, b has that dtype too or is F32 (an fp32 bias or mask on fp16 activations).
 */
public final class Elementwise {
    public static final String OP = "elementwise";

    private Elementwise() {}

    /** The sub-ops of gk_elementwise_op; {@code id} is the variant name of the support matrix. */
    public enum Kind {
        ADD(0, "add"), MUL(1, "mul"), AFFINE(2, "affine"), CLAMP(3, "clamp");

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

        /** Whether the sub-op reads b. */
        public boolean binary() {
            return this == ADD || this == MUL;
        }
    }

    /** The numpy-style broadcast of two shapes: per dim equal, or one of them 1. */
    public static Shape broadcastShape(Shape a, Shape b) {
        int[] d = new int[4];
        for (int i = 0; i < 4; i++) {
            int x = a.dim(i), y = b.dim(i);
            Check.arg(x == y || x == 1 || y == 1, OP, "shapes %s and %s do not broadcast (dim %d: %d vs %d)", a, b,
                    i, x, y);
            d[i] = x == 1 ? y : x;
        }
        return new Shape(d[0], d[1], d[2], d[3]);
    }

    /**
     * The general launch. b must be null for AFFINE and CLAMP; sa and sb are ignored by CLAMP, lo and
     * hi by everything else; CLAMP takes no activation (pass {@link Activation#NONE}).
     */
    public static void launch(Stream stream, Kind kind, Tensor a, Tensor b, Tensor y, float sa, float sb, float lo,
                              float hi, Activation act) {
        Check.arg(kind != null, OP, "sub-op is null");
        Check.arg(act != null, OP, "activation is null");
        if (kind.binary()) {
            Check.arg(b != null, OP, "%s needs b", kind.id());
            Launch.common(OP, stream, a, b, y);
        } else {
            Check.arg(b == null, OP, "%s takes no b", kind.id());
            Launch.common(OP, stream, a, y);
        }
        Check.dtype(y, OP, "y", DType.F32, DType.F16);
        Check.sameDType(OP, a, "a", y, "y");
        if (b != null) {
            Check.arg(b.dtype() == y.dtype() || b.dtype() == DType.F32, OP,
                    "b has dtype %s; it must have y's dtype %s or be F32", b.dtype(), y.dtype());
        }
        Shape ys = y.shape();
        Tensor ab = broadcastInput(OP, a, "a", ys);
        Tensor bb = b == null ? null : broadcastInput(OP, b, "b", ys);
        checkWritable(OP, y);
        checkInPlace(OP, y, ab, "a");
        if (bb != null) checkInPlace(OP, y, bb, "b");
        switch (kind) {
            case CLAMP -> {
                Check.arg(!Float.isNaN(lo) && !Float.isNaN(hi), OP, "clamp bounds must not be NaN, got [%s, %s]", lo,
                        hi);
                Check.arg(lo <= hi, OP, "clamp bounds [%s, %s] are reversed (lo > hi)", lo, hi);
                Check.arg(act.kind() == Activation.Kind.NONE, OP, "clamp takes no activation, got %s", act);
            }
            case ADD, AFFINE -> {
                Check.arg(Float.isFinite(sa), OP, "scale sa must be finite, got %s", sa);
                Check.arg(Float.isFinite(sb), OP, "%s sb must be finite, got %s",
                        kind == Kind.ADD ? "scale" : "shift", sb);
            }
            case MUL -> Check.arg(Float.isFinite(sa), OP, "scale sa must be finite, got %s", sa);
        }
        Check.arg(Float.isFinite(act.alpha()), OP, "activation alpha must be finite, got %s", act.alpha());
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.ELEMENTWISE);
        Launch.tensor(p, "a", ab);
        Launch.tensor(p, "b", bb);
        Launch.tensor(p, "y", y);
        p.i32("op", kind.code()).i32("act", act.code()).f32("alpha", act.alpha()).f32("sa", sa).f32("sb", sb)
                .f32("lo", lo).f32("hi", hi);
        String args = switch (kind) {
            case ADD -> "sa=" + sa + " sb=" + sb;
            case MUL -> "sa=" + sa;
            case AFFINE -> "scale=" + sa + " shift=" + sb;
            case CLAMP -> "[" + lo + ", " + hi + "]";
        };
        Launch.run(stream, OP, y.dtype(), kind.id(), p,
                String.format("%s %s %s a=%s%s y=%s %s act=%s", OP, kind.id(), y.dtype(), a,
                        b == null ? "" : " b=" + b, y, args, act),
                Launch.list(a, b, y));
    }

    // ---- conveniences --------------------------------------------------------------------------

    /** y = act(sa·a + sb·b); y may be a or b itself (in-place residual add). */
    public static void add(Stream stream, Tensor a, Tensor b, Tensor y, float sa, float sb, Activation act) {
        launch(stream, Kind.ADD, a, b, y, sa, sb, 0f, 0f, act);
    }

    /** Allocates y = a + b (broadcast shape, a's dtype). */
    public static Tensor add(DeviceArena arena, Stream stream, Tensor a, Tensor b) {
        Tensor y = allocate(arena, a, b);
        add(stream, a, b, y, 1f, 1f, Activation.NONE);
        return y;
    }

    /** y = act(scale·a·b). */
    public static void mul(Stream stream, Tensor a, Tensor b, Tensor y, float scale, Activation act) {
        launch(stream, Kind.MUL, a, b, y, scale, 0f, 0f, 0f, act);
    }

    /** Allocates y = a·b (broadcast shape, a's dtype). */
    public static Tensor mul(DeviceArena arena, Stream stream, Tensor a, Tensor b) {
        Tensor y = allocate(arena, a, b);
        mul(stream, a, b, y, 1f, Activation.NONE);
        return y;
    }

    /** y = act(scale·x + shift). */
    public static void affine(Stream stream, Tensor x, Tensor y, float scale, float shift, Activation act) {
        launch(stream, Kind.AFFINE, x, null, y, scale, shift, 0f, 0f, act);
    }

    public static Tensor affine(DeviceArena arena, Stream stream, Tensor x, float scale, float shift) {
        Tensor y = arena.allocate(x.dtype(), x.shape());
        affine(stream, x, y, scale, shift, Activation.NONE);
        return y;
    }

    /** y = act(x); y may be x itself (in-place activation). */
    public static void activation(Stream stream, Tensor x, Tensor y, Activation act) {
        affine(stream, x, y, 1f, 0f, act);
    }

    public static Tensor activation(DeviceArena arena, Stream stream, Tensor x, Activation act) {
        Tensor y = arena.allocate(x.dtype(), x.shape());
        activation(stream, x, y, act);
        return y;
    }

    /** y = min(max(x, lo), hi); NaN stays NaN. Infinite bounds clamp one side only. */
    public static void clamp(Stream stream, Tensor x, Tensor y, float lo, float hi) {
        launch(stream, Kind.CLAMP, x, null, y, 0f, 0f, lo, hi, Activation.NONE);
    }

    public static Tensor clamp(DeviceArena arena, Stream stream, Tensor x, float lo, float hi) {
        Tensor y = arena.allocate(x.dtype(), x.shape());
        clamp(stream, x, y, lo, hi);
        return y;
    }

    private static Tensor allocate(DeviceArena arena, Tensor a, Tensor b) {
        Check.arg(a != null && b != null, OP, "a and b must not be null");
        return arena.allocate(a.dtype(), broadcastShape(a.shape(), b.shape()));
    }

    // ---- shared with Cast ------------------------------------------------------------------------

    /** t broadcast to the output shape {@code to}: each dim equal, or 1 (zero stride). */
    static Tensor broadcastInput(String op, Tensor t, String what, Shape to) {
        Shape s = t.shape();
        for (int i = 0; i < 4; i++) {
            Check.arg(s.dim(i) == to.dim(i) || s.dim(i) == 1, op,
                    "%s has shape %s, which does not broadcast to the output shape %s", what, s, to);
        }
        return s.equals(to) ? t : t.broadcastTo(to);
    }

    /** y's view must address every element once: no zero strides over dims > 1, no interleaving. */
    static void checkWritable(String op, Tensor y) {
        long[] st = y.strides();
        Shape s = y.shape();
        Integer[] order = {0, 1, 2, 3};
        Arrays.sort(order, (i, j) -> Long.compare(st[i], st[j]));
        long span = 0; // elements covered by the dims placed so far, from the inner end
        for (int i : order) {
            if (s.dim(i) <= 1) continue;
            Check.arg(st[i] > span, op, "y %s would write some elements more than once (broadcast or overlapping "
                    + "strides %s); outputs must address each element once", y, Arrays.toString(st));
            span = st[i] * (s.dim(i) - 1) + span;
        }
    }

    /** y and an input: the very same view (in place) or disjoint memory. */
    static void checkInPlace(String op, Tensor y, Tensor in, String what) {
        if (sameView(y, in)) return;
        Check.arg(!y.mayOverlap(in), op, "output %s overlaps input %s %s without being the same view (only exact "
                + "in-place use is allowed)", y, what, in);
    }

    /** Same buffer, dtype, offset and strides over every dim that has more than one element. */
    static boolean sameView(Tensor p, Tensor q) {
        if (p.buffer() != q.buffer() || p.dtype() != q.dtype() || p.offset() != q.offset()
                || !p.shape().equals(q.shape())) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            if (p.shape().dim(i) > 1 && p.stride(i) != q.stride(i)) return false;
        }
        return true;
    }
}

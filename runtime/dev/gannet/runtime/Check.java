// Validation helpers used by launchers before any downcall; every failure is INVALID_ARGUMENT
// with a message naming the op and the offending value.
package dev.gannet.runtime;

public final class Check {
    private Check() {}

    public static void arg(boolean ok, String op, String fmt, Object... args) {
        if (!ok) throw new GannetException(ErrorCode.INVALID_ARGUMENT, op + ": " + String.format(fmt, args));
    }

    public static void dtype(Tensor t, String op, String what, DType... allowed) {
        for (DType d : allowed) if (t.dtype() == d) return;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                op + ": " + what + " has dtype " + t.dtype() + ", expected one of " + java.util.Arrays.toString(allowed));
    }

    public static void sameDType(String op, Tensor a, String an, Tensor b, String bn) {
        arg(a.dtype() == b.dtype(), op, "%s is %s but %s is %s (they must match)", an, a.dtype(), bn, b.dtype());
    }

    public static void shape(Tensor t, String op, String what, int n, int h, int w, int c) {
        Shape s = t.shape();
        arg(s.n() == n && s.h() == h && s.w() == w && s.c() == c, op, "%s has shape %s, expected %s", what, s,
                new Shape(n, h, w, c));
    }

    public static void sameDevice(String op, Tensor ref, Tensor... others) {
        for (Tensor t : others) {
            if (t != null) {
                arg(t.device() == ref.device(), op, "tensors live on different devices (%s and %s)",
                        ref.device().name(), t.device().name());
            }
        }
    }

    /** Channels must be contiguous (sc == 1), as every op but elementwise and cast requires. */
    public static void channelsContiguous(Tensor t, String op, String what) {
        arg(t.strides()[3] == 1, op, "%s must have contiguous channels (channel stride 1, got %d)", what,
                t.strides()[3]);
    }

    public static void positive(int v, String op, String what) {
        arg(v > 0, op, "%s must be positive, got %d", what, v);
    }

    public static void nonNegative(int v, String op, String what) {
        arg(v >= 0, op, "%s must not be negative, got %d", what, v);
    }
}

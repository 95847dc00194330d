// How a parameter is laid out in gannet (NHWC / K x R x S x C) and in PyTorch, so a state dict
// (or a safetensors file written from one) loads by name and converts once, at load time.
package dev.gannet.graph;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;

public enum ParamLayout {
    /** Conv2d weight: gannet K x R x S x C (OHWI), PyTorch (K, C, R, S) (OIHW). */
    CONV,
    /** ConvTranspose2d weight: gannet K x R x S x C with K the output channels, PyTorch (C, K, R, S). */
    CONV_TRANSPOSE,
    /** Linear weight: gannet 1 x 1 x K x C, PyTorch (K, C); same element order. */
    MATRIX,
    /** Per-channel vector (bias, norm gamma/beta, running statistics): gannet 1 x 1 x 1 x K, PyTorch (K). */
    VECTOR,
    /** Any other constant: gannet NHWC, PyTorch NCHW. */
    TENSOR;

    /** The shape PyTorch stores for a parameter of gannet shape {@code s}. */
    public long[] torchShape(Shape s) {
        return switch (this) {
            case CONV -> new long[] {s.n(), s.c(), s.h(), s.w()};
            case CONV_TRANSPOSE -> new long[] {s.c(), s.n(), s.h(), s.w()};
            case MATRIX -> new long[] {s.w(), s.c()};
            case VECTOR -> new long[] {s.c()};
            case TENSOR -> new long[] {s.n(), s.c(), s.h(), s.w()};
        };
    }

    /** Checks that {@code s} is a shape this layout can describe (vectors 1x1x1xK, matrices 1x1xKxC). */
    public void check(String name, Shape s) {
        boolean ok = switch (this) {
            case CONV, CONV_TRANSPOSE, TENSOR -> true;
            case MATRIX -> s.n() == 1 && s.h() == 1;
            case VECTOR -> s.n() == 1 && s.h() == 1 && s.w() == 1;
        };
        if (!ok) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "parameter '" + name + "': shape " + s
                    + " is not a " + this + " (" + (this == MATRIX ? "1x1xKxC" : "1x1x1xK") + ")");
        }
    }

    /** Values in PyTorch's element order, reordered to gannet's. */
    public float[] fromTorch(float[] t, Shape s) {
        return reorder(t, s, true);
    }

    /** Values in gannet's element order, reordered to PyTorch's. */
    public float[] toTorch(float[] g, Shape s) {
        return reorder(g, s, false);
    }

    private float[] reorder(float[] src, Shape s, boolean toGannet) {
        if (src.length != s.numel()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, this + " parameter of shape " + s + " needs "
                    + s.numel() + " values, got " + src.length);
        }
        if (this == MATRIX || this == VECTOR) return src.clone();
        float[] out = new float[src.length];
        // gannet index (a, h, w, c) of a dense NHWC-like shape; PyTorch's index per layout.
        int n = s.n(), h = s.h(), w = s.w(), c = s.c();
        int g = 0;
        for (int a = 0; a < n; a++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int k = 0; k < c; k++, g++) {
                        int t = switch (this) {
                            case CONV, TENSOR -> ((a * c + k) * h + y) * w + x;      // (n, c, h, w)
                            case CONV_TRANSPOSE -> ((k * n + a) * h + y) * w + x;    // (c, k=n, r, s)
                            default -> throw new IllegalStateException();
                        };
                        if (toGannet) out[g] = src[t];
                        else out[t] = src[g];
                    }
                }
            }
        }
        return out;
    }
}

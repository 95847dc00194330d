// How close a backend must come to the reference. Per element |got - ref| <= atol + rtol*|ref|,
// with atol relative to the reference's RMS and growing with sqrt(reduction length); plus a
// normalized mean squared error bound (ggml's NMSE). fp16 outputs carry their own rounding
// (2^-11 relative), so their bounds are wider.
package dev.gannet.matrix;

import dev.gannet.runtime.DType;

public record Tolerance(double rtol, double atolPerRms, double atolAbs, double nmse) {
    public static Tolerance of(DType dtype, int reductionLength) {
        double sq = Math.sqrt(Math.max(1, reductionLength));
        return switch (dtype) {
            case F32 -> new Tolerance(1e-5, 2e-6 * sq, 1e-7, 1e-10);
            case F16 -> new Tolerance(1.5e-3, 1e-3 + 2e-6 * sq, 1e-5, 2e-6);
            case U8, I32 -> new Tolerance(0, 0, 0, 0);
        };
    }

    /** Exact equality (for data movement: pad, shuffle, nearest upsample). */
    public static final Tolerance EXACT = new Tolerance(0, 0, 0, 0);
}

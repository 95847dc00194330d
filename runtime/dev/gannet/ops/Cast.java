// Launcher of cast: dtype conversion with an optional per-channel affine, the image pre- and
// post-processing op (U8 HWC image <-> normalized float tensor). Kernels: native/cpu/cast.c (CPU).
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
 * y = convert((x·scale + offset − mean[c]) · invStd[c]), computed in fp32; mean and invStd are
 * optional F32 vectors of C values (absent: 0 and 1).
 *
 * <p>Sources: F32, F16, U8, I32; targets: F32, F16, U8 (the variant is "to-" + target, the dtype the
 * source's). Same-dtype casts are a copy with the affine. U8 outputs round half away from zero,
 * saturate to [0, 255] and turn NaN into 0; F16 outputs round to nearest even (overflow is ±inf).
 *
 * <p>Broadcasting is done here: x may have y's shape or 1 in any dim where y is larger (a gray image
 * to three channels, say); views already expanded by {@link Tensor#broadcastTo} are accepted too.
 * x and y may be strided views; y must address each element once and must not overlap x, mean or
 * invStd (no in-place cast).
 */
public final class Cast {
    public static final String OP = "cast";

    private Cast() {}

    /** The variant name of a cast to {@code to}: "to-f32", "to-f16", "to-u8". */
    public static String variant(DType to) {
        return "to-" + to.name().toLowerCase();
    }

    /** Plain conversion. */
    public static void launch(Stream stream, Tensor x, Tensor y) {
        launch(stream, x, y, 1f, 0f, null, null);
    }

    /** Conversion with the affine; mean and invStd may be null independently. */
    public static void launch(Stream stream, Tensor x, Tensor y, float scale, float offset, Tensor mean,
                              Tensor invStd) {
        Launch.common(OP, stream, x, y);
        if (mean != null) Launch.common(OP, stream, mean);
        if (invStd != null) Launch.common(OP, stream, invStd);
        Check.dtype(x, OP, "x", DType.F32, DType.F16, DType.U8, DType.I32);
        Check.dtype(y, OP, "y", DType.F32, DType.F16, DType.U8);
        Check.arg(Float.isFinite(scale), OP, "scale must be finite, got %s", scale);
        Check.arg(Float.isFinite(offset), OP, "offset must be finite, got %s", offset);
        Shape ys = y.shape();
        Tensor xb = Elementwise.broadcastInput(OP, x, "x", ys);
        vector(mean, "mean", ys.c());
        vector(invStd, "inv_std", ys.c());
        Elementwise.checkWritable(OP, y);
        Launch.noOverlap(OP, y, x, mean, invStd);
        if (y.numel() == 0) return;
        Params p = Launch.params(GkAbi.CAST);
        Launch.tensor(p, "x", xb);
        Launch.tensor(p, "y", y);
        if (mean != null) p.ptr("mean", mean.address());
        if (invStd != null) p.ptr("inv_std", invStd.address());
        p.f32("scale", scale).f32("offset", offset);
        Launch.run(stream, OP, x.dtype(), variant(y.dtype()), p,
                String.format("%s %s->%s x=%s y=%s scale=%s offset=%s%s%s", OP, x.dtype(), y.dtype(), x, y, scale,
                        offset, mean == null ? "" : " mean", invStd == null ? "" : " inv_std"),
                Launch.list(x, y, mean, invStd));
    }

    private static void vector(Tensor t, String name, int c) {
        if (t == null) return;
        Check.arg(t.dtype() == DType.F32, OP, "%s must be F32, got %s", name, t.dtype());
        Check.arg(t.shape().equals(new Shape(1, 1, 1, c)), OP, "%s has shape %s, expected 1x1x1x%d (one value per "
                + "channel of y)", name, t.shape(), c);
        Check.arg(c <= 1 || t.stride(3) == 1, OP, "%s must be contiguous (channel stride 1, got %d)", name,
                t.stride(3));
    }

    // ---- conveniences --------------------------------------------------------------------------

    /** Allocates y of dtype {@code to} holding x converted. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, DType to) {
        Tensor y = arena.allocate(to, x.shape());
        launch(stream, x, y);
        return y;
    }

    /**
     * Allocates y of dtype {@code to} = (x·scale + offset − mean[c])·invStd[c]. For a U8 image and
     * ImageNet statistics: scale 1/255, offset 0, mean (0.485, 0.456, 0.406), invStd 1/(0.229, 0.224,
     * 0.225); back to an image from a tanh output: scale 127.5, offset 127.5, no mean/invStd, to U8.
     */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, DType to, float scale, float offset,
                               Tensor mean, Tensor invStd) {
        Tensor y = arena.allocate(to, x.shape());
        launch(stream, x, y, scale, offset, mean, invStd);
        return y;
    }
}

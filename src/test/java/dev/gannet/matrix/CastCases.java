// cast cases: every source x target the support matrix declares, image normalization (U8 HWC with
// ImageNet statistics) and back to U8, exact ties and specials in U8 outputs, broadcasts (gray to
// RGB, over batch), channel slices, odd sizes and a shape big enough for the parallel path. U8
// outputs compare exactly; random inputs whose result lies near a .5 tie are redrawn so that fp32
// rounding in the kernel cannot flip them, while the ties case checks half-away-from-zero itself.
// Dense 16-byte aligned x and y (flat) run the CUDA vector kernels, rows of w·C elements with tails.
package dev.gannet.matrix;

import dev.gannet.ops.Cast;
import dev.gannet.ref.RefOpsElementwise;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class CastCases {
    private CastCases() {}

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_INV_STD = {1 / 0.229f, 1 / 0.224f, 1 / 0.225f};

    /**
     * One cast case. x has shape xs (broadcast to ys if smaller); values uniform in [lo, hi); mean and
     * invStd are per-channel of ys (null: absent); slices puts x and y inside wider buffers.
     */
    record Spec(DType from, DType to, Shape ys, Shape xs, double lo, double hi, float scale, float offset,
                float[] mean, float[] invStd, boolean slices, boolean preBroadcast, boolean flat) {
        Spec(DType from, DType to, Shape ys, Shape xs, double lo, double hi, float scale, float offset, float[] mean,
             float[] invStd, boolean slices, boolean preBroadcast) {
            this(from, to, ys, xs, lo, hi, scale, offset, mean, invStd, slices, preBroadcast, false);
        }
    }

    /** x and y dense with aligned starts (AlignedViews.denseInput / denseOutput). */
    private static Spec flat(DType from, DType to, Shape ys, double lo, double hi, float scale, float offset,
                             float[] mean, float[] invStd) {
        return new Spec(from, to, ys, ys, lo, hi, scale, offset, mean, invStd, false, false, true);
    }

    private static Shape s(int n, int h, int w, int c) {
        return new Shape(n, h, w, c);
    }

    private static Spec plain(DType from, DType to, Shape ys, double lo, double hi, boolean slices) {
        return new Spec(from, to, ys, ys, lo, hi, 1, 0, null, null, slices, false);
    }

    private static Spec affine(DType from, DType to, Shape ys, double lo, double hi, float scale, float offset,
                               float[] mean, float[] invStd, boolean slices) {
        return new Spec(from, to, ys, ys, lo, hi, scale, offset, mean, invStd, slices, false);
    }

    private static float[] perChannel(int c, double base, double step) {
        float[] v = new float[c];
        for (int i = 0; i < c; i++) v[i] = (float) (base + step * ((i * 7) % 5 - 2));
        return v;
    }

    public static List<OpCase> cases() {
        DType f32 = DType.F32, f16 = DType.F16, u8 = DType.U8, i32 = DType.I32;
        float[] tanhMean = {-1, -1, -1}, tanhInv = {127.5f, 127.5f, 127.5f};
        // normalized float back to an image: 255*(x*std + mean) = (x - (-mean/std)) * (255*std)
        float[] denormMean = new float[3], denormInv = new float[3];
        for (int c = 0; c < 3; c++) {
            denormMean[c] = -IMAGENET_MEAN[c] * IMAGENET_INV_STD[c];
            denormInv[c] = 255f / IMAGENET_INV_STD[c];
        }
        List<Spec> specs = List.of(
                // image preprocessing: U8 HWC -> normalized float
                affine(u8, f32, s(1, 7, 13, 3), 0, 256, 1 / 255f, 0, IMAGENET_MEAN, IMAGENET_INV_STD, false),
                affine(u8, f32, s(2, 33, 17, 3), 0, 256, 1 / 255f, 0, IMAGENET_MEAN, IMAGENET_INV_STD, false),
                affine(u8, f32, s(1, 128, 130, 4), 0, 256, 1 / 255f, 0, perChannel(4, 0.45, 0.02),
                        perChannel(4, 4.4, 0.1), false),
                affine(u8, f32, s(2, 3, 5, 64), 0, 256, 1 / 255f, 0, perChannel(64, 0.5, 0.05),
                        perChannel(64, 3.0, 0.5), false),
                affine(u8, f32, s(1, 7, 13, 1), 0, 256, 2 / 255f, -1, null, null, true),
                new Spec(u8, f32, s(2, 5, 7, 3), s(2, 5, 7, 1), 0, 256, 1 / 255f, 0, IMAGENET_MEAN,
                        IMAGENET_INV_STD, false, false),
                affine(u8, f16, s(1, 16, 16, 3), 0, 256, 1 / 127.5f, -1, null, null, false),
                affine(u8, u8, s(1, 5, 7, 17), 0, 256, -1, 255, null, null, true),
                plain(u8, u8, s(1, 1, 1, 1), 0, 256, false),
                // postprocessing: float -> U8 image, with saturation beyond the range
                affine(f32, u8, s(2, 9, 11, 3), -1.2, 1.2, 127.5f, 127.5f, null, null, false),
                affine(f32, u8, s(1, 7, 13, 3), -1.2, 1.2, 1, 0, tanhMean, tanhInv, false),
                // one run of 66000 values split into chunks that start mid-way through the 24-value tiling
                affine(f32, u8, s(1, 100, 220, 3), -2.5, 2.8, 1, 0, denormMean, denormInv, false),
                affine(f32, u8, s(1, 7, 13, 3), -2.5, 2.8, 1, 0, denormMean, denormInv, true),
                affine(f16, u8, s(2, 9, 11, 3), -1.2, 1.2, 127.5f, 127.5f, null, null, false),
                affine(f16, u8, s(1, 5, 3, 3), -1.1, 1.1, 127.5f, 127.5f, null, null, true),
                // float <-> float
                plain(f32, f16, s(2, 3, 5, 17), -70000, 70000, false),
                affine(f32, f16, s(1, 7, 13, 64), -4, 4, 0.5f, 0.25f, perChannel(64, 0.1, 0.3),
                        perChannel(64, 2, 0.25), false),
                new Spec(f32, f16, s(2, 3, 5, 17), s(1, 3, 5, 17), -4, 4, 1, 0, null, null, false, true),
                affine(f32, f32, s(1, 7, 13, 17), -4, 4, 2, -1, perChannel(17, 0.3, 0.1), null, true),
                plain(f32, f32, s(2, 3, 5, 3), -4, 4, false),
                plain(f16, f32, s(2, 7, 13, 17), -60000, 60000, false),
                affine(f16, f32, s(1, 5, 3, 17), -4, 4, 1, 0, perChannel(17, 0.2, 0.1), perChannel(17, 1.5, 0.2),
                        true),
                affine(f16, f16, s(1, 7, 13, 3), -4, 4, -0.75f, 0.5f, null, perChannel(3, 1, 0.5), false),
                plain(f16, f16, s(1, 1, 1, 1), -4, 4, false),
                // I32 sources
                affine(i32, f32, s(1, 7, 13, 3), -100000, 100000, 0.5f, 3, null, null, false),
                affine(i32, f16, s(1, 5, 7, 17), -1000, 1000, 0.01f, 0, null, null, false),
                plain(i32, u8, s(1, 5, 7, 17), -50, 300, true),
                // aligned dense x and y: vector kernels, runs of 189, 90, 75 elements end in tails
                flat(u8, f32, s(1, 7, 9, 3), 0, 256, 1 / 255f, 0, IMAGENET_MEAN, IMAGENET_INV_STD),
                flat(f32, u8, s(1, 5, 6, 3), -1.2, 1.2, 1, 0, tanhMean, tanhInv),
                flat(f16, f32, s(1, 4, 4, 8), -60000, 60000, 1, 0, null, null),
                flat(i32, f16, s(1, 3, 5, 5), -1000, 1000, 0.01f, 0.5f, null, null),
                flat(f16, u8, s(2, 3, 3, 4), -1.1, 1.1, 127.5f, 127.5f, null, null),
                flat(u8, u8, s(1, 5, 7, 3), 0, 256, -1, 255, null, null),
                flat(f32, f16, s(1, 3, 4, 16), -4, 4, 0.5f, 0.25f, perChannel(16, 0.1, 0.3), perChannel(16, 2, 0.25)),
                flat(i32, f32, s(1, 2, 3, 8), -100000, 100000, 1, 0, null, null));
        List<OpCase> l = new ArrayList<>();
        for (Spec sp : specs) l.add(spec(sp));
        l.add(ties(DType.F32, 1));
        l.add(ties(DType.F32, 3));
        l.add(ties(DType.F16, 1));
        return l;
    }

    private static String describe(Spec sp) {
        StringBuilder b = new StringBuilder(sp.ys().toString());
        if (!sp.xs().equals(sp.ys())) b.append(" x=").append(sp.xs()).append(sp.preBroadcast() ? " pre-broadcast" : "");
        if (sp.scale() != 1 || sp.offset() != 0) b.append(" *").append(sp.scale()).append("+").append(sp.offset());
        if (sp.mean() != null) b.append(" mean");
        if (sp.invStd() != null) b.append(" inv_std");
        if (sp.slices()) b.append(" slices");
        if (sp.flat()) b.append(" aligned");
        return b.toString();
    }

    private static OpCase spec(Spec sp) {
        return new OpCase(Cast.OP, sp.from(), Cast.variant(sp.to()), describe(sp), h -> {
            float[] xv = h.random(sp.xs(), sp.lo(), sp.hi(), sp.from());
            if (sp.to() == DType.U8) avoidTies(h, sp, xv);
            Tensor x = sp.flat() ? AlignedViews.denseInput(h, sp.from(), sp.xs(), xv)
                    : sp.slices() ? h.input(sp.from(), sp.xs(), xv, 2, 1) : h.input(sp.from(), sp.xs(), xv);
            if (sp.preBroadcast()) x = x.broadcastTo(sp.ys());
            Tensor[] yv = sp.flat() ? AlignedViews.denseOutput(h, sp.to(), sp.ys())
                    : new Tensor[] {sp.slices() ? h.output(sp.to(), sp.ys(), 1, 3) : h.output(sp.to(), sp.ys())};
            Tensor y = yv[0];
            Tensor mean = sp.mean() == null ? null : h.vector(sp.mean());
            Tensor inv = sp.invStd() == null ? null : h.vector(sp.invStd());
            boolean plain = sp.scale() == 1 && sp.offset() == 0 && mean == null && inv == null;
            if (plain) Cast.launch(h.stream(), x, y);
            else Cast.launch(h.stream(), x, y, sp.scale(), sp.offset(), mean, inv);
            var ref = RefOpsElementwise.cast(Harness.host(sp.xs(), xv), sp.ys(), sp.scale(), sp.offset(), sp.mean(),
                    sp.invStd(), sp.to());
            // plain conversions are exact (F16 rounding is in the reference); affine float outputs carry
            // the fp32 arithmetic's rounding
            Tolerance tol = sp.to() == DType.U8 || (plain && sp.from() != DType.I32) ? Tolerance.EXACT
                    : Tolerance.of(sp.to(), 1);
            return sp.flat() ? h.compare(AlignedViews.flat(ref), yv[1], tol) : h.compare(ref, y, tol);
        });
    }

    /** Redraws inputs whose exact result lies within 0.01 of a rounding tie of the U8 output. */
    private static void avoidTies(Harness h, Spec sp, float[] xv) {
        int c = sp.xs().c();
        for (int i = 0; i < xv.length; i++) {
            for (int tries = 0; nearTie(sp, xv[i], i % c, sp.ys().c()); tries++) {
                if (tries > 1000) throw new IllegalStateException("cannot draw a value away from ties");
                xv[i] = Harness.round(h.random(1, sp.lo(), sp.hi()), sp.from())[0];
            }
        }
    }

    private static boolean nearTie(Spec sp, float x, int xc, int yc) {
        // a broadcast x channel feeds every y channel: check each
        int channels = sp.xs().c() == yc ? 1 : yc;
        for (int k = 0; k < channels; k++) {
            int c = channels == 1 ? xc : k;
            double m = sp.mean() == null ? 0 : sp.mean()[c], s = sp.invStd() == null ? 1 : sp.invStd()[c];
            double v = ((double) x * sp.scale() + sp.offset() - m) * s;
            if (Math.abs(v - Math.floor(v) - 0.5) < 0.01) return true;
        }
        return false;
    }

    /**
     * Exact ties and specials into U8: half away from zero (2.5 -> 3, -0.5 -> -1 -> 0), saturation,
     * NaN -> 0, infinities. The specials repeat over 45 (or 15x3) values so that the AVX2 kernel's
     * 32-wide, 8-wide and tail paths all see them; with 3 channels a per-channel shift moves them.
     */
    private static OpCase ties(DType from, int channels) {
        Shape ys = s(1, 1, 45 / channels, channels);
        String desc = ys + " ties, saturation, NaN, inf" + (channels > 1 ? " mean" : "");
        return new OpCase(Cast.OP, from, Cast.variant(DType.U8), desc, h -> {
            float[] specials = {2.5f, 3.5f, -0.5f, -1.5f, 0.5f, 1.5f, 254.5f, 255.5f, 300f, -300f, 127.5f, 0.49999997f,
                    Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 65504f, -0f, 128.49f, 100.25f};
            // with a shift of +2, 0.49999997 would become the fp32 tie 2.5 in the kernel but not in double
            if (channels > 1) specials[11] = 0.4999f;
            float[] v = new float[(int) ys.numel()];
            for (int i = 0; i < v.length; i++) v[i] = specials[i % specials.length];
            v = Harness.round(v, from);
            float[] mean = channels > 1 ? new float[] {0, 1, -2} : null;
            Tensor x = h.input(from, ys, v);
            Tensor y = h.output(DType.U8, ys);
            Tensor m = mean == null ? null : h.vector(mean);
            Cast.launch(h.stream(), x, y, 1, 0, m, null);
            return h.compare(RefOpsElementwise.cast(Harness.host(ys, v), ys, 1, 0, mean, null, DType.U8), y,
                    Tolerance.EXACT);
        });
    }
}

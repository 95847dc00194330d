// Launcher of batchnorm: per-channel normalization over N·H·W with running statistics (inference)
// or batch statistics (training, PyTorch's running-stat update), then a fused activation.
// Kernels: kernels/batchnorm.cu (CUDA), native/cpu/batchnorm.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class BatchNorm {
    public static final String OP = "batchnorm";
    /** PyTorch's defaults; the Darknet lesson trains with momentum 0.01. */
    public static final float DEFAULT_MOMENTUM = 0.1f;
    public static final float DEFAULT_EPS = 1e-5f;

    private BatchNorm() {}

    /** A training step's output and its batch statistics (mean, 1/sqrt(var + eps)), for a backward pass. */
    public record Training(Tensor y, Tensor saveMean, Tensor saveInvstd) {}

    /**
     * y = act((x - mean) / sqrt(var + eps) * gamma + beta) per channel.
     *
     * <p>Inference ({@code training} false) takes mean/var from the running statistics and leaves them
     * alone; saveMean/saveInvstd must then be null. Training normalizes with the batch mean and biased
     * variance, then updates {@code running = (1 - momentum) * running + momentum * stat} with the
     * unbiased variance, and writes the batch mean and 1/sqrt(var + eps) into saveMean/saveInvstd when
     * given. gamma/beta may be null (1 and 0). Every vector is F32 1x1x1xC; y may be x itself.
     */
    public static void launch(Stream stream, Tensor x, Tensor y, Tensor gamma, Tensor beta, Tensor runningMean,
                              Tensor runningVar, Tensor saveMean, Tensor saveInvstd, boolean training,
                              float momentum, float eps, Activation act) {
        Launch.common(OP, stream, x, y);
        Launch.common(OP, stream, present(gamma, beta, runningMean, runningVar, saveMean, saveInvstd));
        checkInputOutput(OP, x, y);
        Shape s = x.shape();
        int c = s.c();
        vector(OP, "gamma", gamma, c);
        vector(OP, "beta", beta, c);
        Check.arg(runningMean != null, OP, "running_mean is required (in inference and in training)");
        Check.arg(runningVar != null, OP, "running_var is required (in inference and in training)");
        vector(OP, "running_mean", runningMean, c);
        vector(OP, "running_var", runningVar, c);
        if (training) {
            vector(OP, "save_mean", saveMean, c);
            vector(OP, "save_invstd", saveInvstd, c);
        } else {
            Check.arg(saveMean == null && saveInvstd == null, OP,
                    "save_mean/save_invstd are only written in training; pass null in inference");
        }
        checkEps(OP, eps);
        Check.arg(momentum >= 0f && momentum <= 1f, OP, "momentum must be in [0, 1], got %s", momentum);
        checkAct(OP, act);
        long m = (long) s.n() * s.h() * s.w();
        Check.arg(!training || m > 1, OP,
                "training needs more than one value per channel for the unbiased variance, but N·H·W = %d (x %s)",
                m, s);

        List<Named> written = new ArrayList<>(List.of(new Named("y", y)));
        if (training) {
            written.add(new Named("running_mean", runningMean));
            written.add(new Named("running_var", runningVar));
            if (saveMean != null) written.add(new Named("save_mean", saveMean));
            if (saveInvstd != null) written.add(new Named("save_invstd", saveInvstd));
        }
        List<Named> all = new ArrayList<>(written);
        all.add(new Named("x", x));
        if (gamma != null) all.add(new Named("gamma", gamma));
        if (beta != null) all.add(new Named("beta", beta));
        if (!training) {
            all.add(new Named("running_mean", runningMean));
            all.add(new Named("running_var", runningVar));
        }
        checkOverlaps(OP, written, all);

        if (x.numel() == 0) return;
        Params p = Launch.params(GkAbi.BATCHNORM);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        ptr(p, "gamma", gamma);
        ptr(p, "beta", beta);
        ptr(p, "running_mean", runningMean);
        ptr(p, "running_var", runningVar);
        ptr(p, "save_mean", saveMean);
        ptr(p, "save_invstd", saveInvstd);
        p.i32("training", training ? 1 : 0).f32("momentum", momentum).f32("eps", eps).i32("act", act.code())
                .f32("alpha", act.alpha());
        String variant = training ? "training" : "inference";
        Launch.run(stream, OP, x.dtype(), variant, p,
                String.format("%s %s x=%s y=%s %s%s%s momentum=%s eps=%s act=%s%s", OP, x.dtype(), x.shape(),
                        y.shape(), variant, gamma != null ? " gamma" : "", beta != null ? " beta" : "", momentum,
                        eps, act, sameView(x, y) ? " in-place" : ""),
                Launch.list(x, y, gamma, beta, runningMean, runningVar, saveMean, saveInvstd));
    }

    /** Inference into a new tensor: normalizes x with the running statistics. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, Tensor gamma, Tensor beta,
                               Tensor runningMean, Tensor runningVar, float eps, Activation act) {
        Tensor y = arena.allocate(x.dtype(), x.shape());
        launch(stream, x, y, gamma, beta, runningMean, runningVar, null, null, false, DEFAULT_MOMENTUM, eps, act);
        return y;
    }

    /** Inference in place (y = x). */
    public static void applyInPlace(Stream stream, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
                                    Tensor runningVar, float eps, Activation act) {
        launch(stream, x, x, gamma, beta, runningMean, runningVar, null, null, false, DEFAULT_MOMENTUM, eps, act);
    }

    /** One training step into new tensors: y and the batch statistics; updates the running statistics. */
    public static Training applyTraining(DeviceArena arena, Stream stream, Tensor x, Tensor gamma, Tensor beta,
                                         Tensor runningMean, Tensor runningVar, float momentum, float eps,
                                         Activation act) {
        Shape v = new Shape(1, 1, 1, x.shape().c());
        Training t = new Training(arena.allocate(x.dtype(), x.shape()), arena.allocate(DType.F32, v),
                arena.allocate(DType.F32, v));
        launch(stream, x, t.y(), gamma, beta, runningMean, runningVar, t.saveMean(), t.saveInvstd(), true, momentum,
                eps, act);
        return t;
    }

    // ---- validation shared with InstanceNorm ---------------------------------------------------

    record Named(String name, Tensor t) {}

    /** x and y: F32/F16 of the same dtype and shape, channels contiguous. */
    static void checkInputOutput(String op, Tensor x, Tensor y) {
        Check.dtype(x, op, "x", DType.F32, DType.F16);
        Check.sameDType(op, x, "x", y, "y");
        Check.channelsContiguous(x, op, "x");
        Check.channelsContiguous(y, op, "y");
        Shape s = x.shape();
        Check.shape(y, op, "y", s.n(), s.h(), s.w(), s.c());
    }

    /** A per-channel parameter vector: F32, dense, 1x1x1xC (null passes: it is optional or checked apart). */
    static void vector(String op, String name, Tensor t, int c) {
        if (t == null) return;
        Check.arg(t.dtype() == DType.F32, op, "%s must be F32, got %s", name, t.dtype());
        Check.arg(t.shape().equals(new Shape(1, 1, 1, c)), op, "%s has shape %s, expected 1x1x1x%d", name,
                t.shape(), c);
        Check.arg(t.isDense(), op, "%s must be dense, got %s", name, t);
    }

    static void checkEps(String op, float eps) {
        Check.arg(eps > 0f && Float.isFinite(eps), op, "eps must be positive and finite, got %s", eps);
    }

    static void checkAct(String op, Activation act) {
        Check.arg(act != null, op, "activation is null (use Activation.NONE)");
        Check.arg(Float.isFinite(act.alpha()), op, "activation alpha must be finite, got %s", act.alpha());
    }

    /**
     * Every written tensor must be disjoint from every other tensor, except that y may be exactly x
     * (the kernels read each element before writing it, and read all of x for the statistics first).
     */
    static void checkOverlaps(String op, List<Named> written, List<Named> all) {
        for (Named w : written) {
            for (Named o : all) {
                if (o == w) continue;
                boolean inPlace = w.name().equals("y") && o.name().equals("x") && sameView(w.t(), o.t());
                if (inPlace) continue;
                if (w.name().equals("y") && o.name().equals("x")) {
                    Check.arg(!w.t().mayOverlap(o.t()), op,
                            "y %s overlaps x %s without being the same view (in-place needs y == x exactly)", w.t(),
                            o.t());
                } else {
                    Check.arg(!w.t().mayOverlap(o.t()), op, "%s %s overlaps %s %s", w.name(), w.t(), o.name(),
                            o.t());
                }
            }
        }
    }

    static boolean sameView(Tensor a, Tensor b) {
        return a.buffer() == b.buffer() && a.offset() == b.offset() && a.dtype() == b.dtype()
                && Arrays.equals(a.strides(), b.strides()) && a.shape().equals(b.shape());
    }

    static Tensor[] present(Tensor... ts) {
        return Arrays.stream(ts).filter(t -> t != null).toArray(Tensor[]::new);
    }

    static void ptr(Params p, String field, Tensor t) {
        if (t != null) p.ptr(field, t.address());
    }
}

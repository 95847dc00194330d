// Launcher of instancenorm: normalization per (image, channel) over H·W with the biased variance,
// optional affine (gamma, beta), then a fused activation (CycleGAN, fast style transfer).
// Kernels: kernels/instancenorm.cu (CUDA), native/cpu/instancenorm.c (CPU).
package dev.gannet.ops;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public final class InstanceNorm {
    public static final String OP = "instancenorm";
    /** PyTorch's default. */
    public static final float DEFAULT_EPS = 1e-5f;

    private InstanceNorm() {}

    /**
     * y = act((x - mean) / sqrt(var + eps) * gamma + beta), statistics per (n, c) over H·W. gamma and
     * beta (F32 1x1x1xC) are both given (affine) or both null (plain). y may be x itself.
     */
    public static void launch(Stream stream, Tensor x, Tensor y, Tensor gamma, Tensor beta, float eps,
                              Activation act) {
        Launch.common(OP, stream, x, y);
        Launch.common(OP, stream, BatchNorm.present(gamma, beta));
        BatchNorm.checkInputOutput(OP, x, y);
        Check.arg((gamma == null) == (beta == null), OP,
                "gamma and beta go together: give both (affine) or neither (plain); got %s",
                gamma == null ? "beta only" : "gamma only");
        int c = x.shape().c();
        BatchNorm.vector(OP, "gamma", gamma, c);
        BatchNorm.vector(OP, "beta", beta, c);
        BatchNorm.checkEps(OP, eps);
        BatchNorm.checkAct(OP, act);
        List<BatchNorm.Named> all = new ArrayList<>(List.of(new BatchNorm.Named("y", y), new BatchNorm.Named("x", x)));
        if (gamma != null) {
            all.add(new BatchNorm.Named("gamma", gamma));
            all.add(new BatchNorm.Named("beta", beta));
        }
        BatchNorm.checkOverlaps(OP, List.of(all.get(0)), all);

        if (x.numel() == 0) return;
        Params p = Launch.params(GkAbi.INSTANCENORM);
        Launch.tensor(p, "x", x);
        Launch.tensor(p, "y", y);
        BatchNorm.ptr(p, "gamma", gamma);
        BatchNorm.ptr(p, "beta", beta);
        p.f32("eps", eps).i32("act", act.code()).f32("alpha", act.alpha());
        String variant = gamma != null ? "affine" : "plain";
        Launch.run(stream, OP, x.dtype(), variant, p,
                String.format("%s %s x=%s y=%s %s eps=%s act=%s%s", OP, x.dtype(), x.shape(), y.shape(), variant,
                        eps, act, BatchNorm.sameView(x, y) ? " in-place" : ""),
                Launch.list(x, y, gamma, beta));
    }

    /** Normalizes x into a new tensor. */
    public static Tensor apply(DeviceArena arena, Stream stream, Tensor x, Tensor gamma, Tensor beta, float eps,
                               Activation act) {
        Tensor y = arena.allocate(x.dtype(), x.shape());
        launch(stream, x, y, gamma, beta, eps, act);
        return y;
    }

    /** Normalizes x in place. */
    public static void applyInPlace(Stream stream, Tensor x, Tensor gamma, Tensor beta, float eps, Activation act) {
        launch(stream, x, x, gamma, beta, eps, act);
    }
}

// The operations of the graph IR: one record per kind, holding only attributes; inputs are values
// of the node. Each infers its outputs' shapes and dtypes from its inputs, with the launchers' own
// shape rules, so a graph that infers is a graph the kernels accept.
package dev.gannet.graph;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.Elementwise;
import dev.gannet.ops.Gram;
import dev.gannet.ops.Linear;
import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Pool2d;
import dev.gannet.ops.Reduce;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import java.util.List;

/**
 * Inputs are positional and documented per record; optional inputs are controlled by a flag of the
 * record (for example {@code hasBias}), so a node's input count is fixed by its op.
 */
public sealed interface Op {
    /** A short name for listings and messages ("conv2d", "add", ...). */
    String kind();

    /** The output types for these inputs; throws GannetException naming the op and the shapes. */
    List<TensorType> infer(List<TensorType> in);

    /** A value's type: shape and logical dtype. */
    record TensorType(Shape shape, DType dtype) {
        @Override
        public String toString() {
            return dtype.name().toLowerCase() + "[" + shape + "]";
        }
    }

    // ---- sources ---------------------------------------------------------------------------------

    /** A graph input (no inputs); its type is given when it is declared. */
    record Input(String name, TensorType type) implements Op {
        public String kind() {
            return "input";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 0);
            return List.of(type);
        }
    }

    /** A parameter slot (no inputs): F32 of the parameter's shape; its values are bound by name. */
    record ParamRef(Param param) implements Op {
        public String kind() {
            return "param";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 0);
            return List.of(new TensorType(param.shape(), DType.F32));
        }
    }

    // ---- convolutions ----------------------------------------------------------------------------

    /** Inputs: x (N,H,W,C), w (K,R,S,C), then bias (1,1,1,K) when {@code hasBias}. */
    record Conv(Conv2d.Attrs attrs, boolean hasBias) implements Op {
        public String kind() {
            return "conv2d";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, hasBias ? 3 : 2);
            Shape x = floatInput(this, in, 0, "x"), w = in.get(1).shape();
            Check.arg(w.h() == attrs.r() && w.w() == attrs.s(), kind(), "weights %s are %dx%d but the attributes say %dx%d",
                    w, w.h(), w.w(), attrs.r(), attrs.s());
            Check.arg(w.c() == x.c(), kind(), "weights %s expect C = %d input channels but x %s has %d", w, w.c(), x,
                    x.c());
            if (hasBias) vector(this, in.get(2).shape(), "bias", w.n());
            return List.of(new TensorType(Conv2d.outputShape(x, w.n(), attrs), in.get(0).dtype()));
        }
    }

    /** Inputs: x (N,H,W,C), w (K,R,S,C) with K the output channels, then bias (1,1,1,K) when {@code hasBias}. */
    record ConvTranspose(ConvTranspose2d.Attrs attrs, boolean hasBias) implements Op {
        public String kind() {
            return "conv_transpose2d";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, hasBias ? 3 : 2);
            Shape x = floatInput(this, in, 0, "x"), w = in.get(1).shape();
            Check.arg(w.h() == attrs.r() && w.w() == attrs.s(), kind(), "weights %s are %dx%d but the attributes say %dx%d",
                    w, w.h(), w.w(), attrs.r(), attrs.s());
            Check.arg(w.c() == x.c(), kind(), "weights %s expect %d input channels but x %s has %d", w, w.c(), x, x.c());
            if (hasBias) vector(this, in.get(2).shape(), "bias", w.n());
            return List.of(new TensorType(ConvTranspose2d.outputShape(x, w.n(), attrs), in.get(0).dtype()));
        }
    }

    /** y = x·Wᵀ (+ bias) over the pixels of x. Inputs: x (N,H,W,C), w (1,1,K,C), then bias (1,1,1,K). */
    record LinearOp(boolean hasBias) implements Op {
        public String kind() {
            return "linear";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, hasBias ? 3 : 2);
            Shape x = floatInput(this, in, 0, "x");
            Shape y = Linear.outputShape(x, in.get(1).shape());
            if (hasBias) vector(this, in.get(2).shape(), "bias", y.c());
            return List.of(new TensorType(y, in.get(0).dtype()));
        }
    }

    // ---- normalization ---------------------------------------------------------------------------

    /**
     * Inference BatchNorm with running statistics. Inputs: x, running_mean, running_var, then gamma and
     * beta when {@code affine}. ({@code momentum} is kept for the training form, a later addition.)
     */
    record BatchNormOp(float eps, float momentum, boolean affine) implements Op {
        public String kind() {
            return "batchnorm";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, affine ? 5 : 3);
            Shape x = floatInput(this, in, 0, "x");
            String[] names = {"x", "running_mean", "running_var", "gamma", "beta"};
            for (int i = 1; i < in.size(); i++) vector(this, in.get(i).shape(), names[i], x.c());
            Check.arg(eps > 0 && Float.isFinite(eps), kind(), "eps must be positive and finite, got %s", eps);
            return List.of(in.get(0));
        }
    }

    /** Per (image, channel) normalization over H·W. Inputs: x, then gamma and beta when {@code affine}. */
    record InstanceNormOp(float eps, boolean affine) implements Op {
        public String kind() {
            return "instancenorm";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, affine ? 3 : 1);
            Shape x = floatInput(this, in, 0, "x");
            if (affine) {
                vector(this, in.get(1).shape(), "gamma", x.c());
                vector(this, in.get(2).shape(), "beta", x.c());
            }
            Check.arg(eps > 0 && Float.isFinite(eps), kind(), "eps must be positive and finite, got %s", eps);
            return List.of(in.get(0));
        }
    }

    // ---- element-wise ----------------------------------------------------------------------------

    /** y = act(x). */
    record Act(Activation act) implements Op {
        public String kind() {
            return act.toString();
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            floatInput(this, in, 0, "x");
            return List.of(in.get(0));
        }
    }

    /** y = sa·a + sb·b, numpy broadcasting of a and b. */
    record Add(float sa, float sb) implements Op {
        public String kind() {
            return "add";
        }

        public List<TensorType> infer(List<TensorType> in) {
            return binary(this, in);
        }
    }

    /** y = scale·a·b, numpy broadcasting. */
    record Mul(float scale) implements Op {
        public String kind() {
            return "mul";
        }

        public List<TensorType> infer(List<TensorType> in) {
            return binary(this, in);
        }
    }

    /** y = scale·x + shift (UpscalerJS's MultiplyBeta is scale 0.2, shift 0). */
    record Affine(float scale, float shift) implements Op {
        public String kind() {
            return "affine";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            floatInput(this, in, 0, "x");
            Check.arg(Float.isFinite(scale) && Float.isFinite(shift), kind(), "scale %s and shift %s must be finite",
                    scale, shift);
            return List.of(in.get(0));
        }
    }

    /** y = min(max(x, lo), hi). */
    record Clamp(float lo, float hi) implements Op {
        public String kind() {
            return "clamp";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            floatInput(this, in, 0, "x");
            Check.arg(lo <= hi, kind(), "bounds [%s, %s] are reversed or NaN", lo, hi);
            return List.of(in.get(0));
        }
    }

    // ---- data movement ---------------------------------------------------------------------------

    /** Pads (negative: crops) H and W; {@code value} fills a ZERO-mode pad. */
    record Pad(int top, int left, int bottom, int right, PadMode mode, float value) implements Op {
        public String kind() {
            return "pad2d";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            Shape x = floatInput(this, in, 0, "x");
            Check.arg(mode != null, kind(), "padding mode is null");
            if (mode == PadMode.REFLECT) {
                Check.arg(Math.max(top, bottom) < x.h() && Math.max(left, right) < x.w(), kind(),
                        "reflect padding (%d, %d, %d, %d) must be smaller than the input %dx%d", top, left, bottom,
                        right, x.h(), x.w());
            }
            return List.of(new TensorType(Pad2d.outputShape(x, top, left, bottom, right), in.get(0).dtype()));
        }
    }

    /** Nearest upsampling by integer factors, or a bilinear / area resize to outH x outW. */
    record Resize(Upsample2d.Mode mode, int factorH, int factorW, int outH, int outW) implements Op {
        public String kind() {
            return mode == Upsample2d.Mode.NEAREST ? "upsample_nearest" : "resize_" + mode.id();
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            Shape x = floatInput(this, in, 0, "x");
            Shape y = mode == Upsample2d.Mode.NEAREST ? Upsample2d.outputShape(x, factorH, factorW)
                    : Upsample2d.outputShape(x, mode, outH, outW);
            return List.of(new TensorType(y, in.get(0).dtype()));
        }
    }

    /** depth_to_space (or its inverse) by {@code block}, DCR (TF) or CRD (PyTorch) channel order. */
    record Shuffle(int block, PixelShuffle.Mode mode, boolean inverse) implements Op {
        public String kind() {
            return inverse ? "pixel_unshuffle" : "pixel_shuffle";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            Shape x = floatInput(this, in, 0, "x");
            return List.of(new TensorType(PixelShuffle.outputShape(x, block, inverse), in.get(0).dtype()));
        }
    }

    /** Concatenation along channels; N, H, W and dtype must agree. */
    record Concat() implements Op {
        public String kind() {
            return "concat";
        }

        public List<TensorType> infer(List<TensorType> in) {
            Check.arg(!in.isEmpty(), kind(), "needs at least one input");
            Shape s0 = in.get(0).shape();
            long c = 0;
            for (TensorType t : in) {
                Shape s = t.shape();
                Check.arg(s.n() == s0.n() && s.h() == s0.h() && s.w() == s0.w(), kind(),
                        "inputs differ in N, H or W: %s", in);
                Check.arg(t.dtype() == in.get(0).dtype(), kind(), "inputs differ in dtype: %s", in);
                c += s.c();
            }
            Check.arg(c <= Integer.MAX_VALUE, kind(), "%d channels are too many", c);
            return List.of(new TensorType(new Shape(s0.n(), s0.h(), s0.w(), (int) c), in.get(0).dtype()));
        }
    }

    /** A view with another shape of the same element count, NHWC order (flatten is (N,1,1,H·W·C)). */
    record Reshape(Shape to) implements Op {
        public String kind() {
            return "reshape";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            Check.arg(in.get(0).shape().numel() == to.numel(), kind(), "cannot reshape %s (%d values) to %s (%d)",
                    in.get(0).shape(), in.get(0).shape().numel(), to, to.numel());
            return List.of(new TensorType(to, in.get(0).dtype()));
        }
    }

    /** y = convert(x·scale + offset) to F32 or U8 (images in and out: U8 ↔ float). */
    record CastOp(DType to, float scale, float offset) implements Op {
        public String kind() {
            return "cast";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            // F16 is how a Plan stores floats, not a graph's choice: graphs cast between F32 and U8.
            Check.arg(to == DType.F32 || to == DType.U8, kind(), "target dtype %s is not F32 or U8 (fp16 storage is the "
                    + "plan's precision, PlanOptions.fp16())", to);
            Check.arg(Float.isFinite(scale) && Float.isFinite(offset), kind(), "scale and offset must be finite");
            return List.of(new TensorType(in.get(0).shape(), to));
        }
    }

    // ---- pooling and statistics ------------------------------------------------------------------

    /** Average or max pooling with a k x k window, or the global average to (N,1,1,C). */
    record Pool(Pool2d.Mode mode, int k, int stride, int pad) implements Op {
        public String kind() {
            return "pool2d_" + mode.id();
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            Shape x = floatInput(this, in, 0, "x");
            Shape y = mode == Pool2d.Mode.GLOBAL_AVG ? Pool2d.globalOutputShape(x)
                    : Pool2d.outputShape(x, k, k, stride, stride, pad, pad);
            return List.of(new TensorType(y, in.get(0).dtype()));
        }
    }

    /** Gram matrices (N,1,C,C), F32 whatever the precision (fp16 overflows there, DESIGN §6). */
    record GramOp(float scale) implements Op {
        public String kind() {
            return "gram";
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, 1);
            Shape x = floatInput(this, in, 0, "x");
            Check.arg(Float.isFinite(scale), kind(), "scale must be finite, got %s", scale);
            return List.of(new TensorType(Gram.outputShape(x), DType.F32));
        }
    }

    /** Means and losses, F32: mean-all and mse/l1 give (1,1,1,1), mean-channel (1,1,1,C). */
    record ReduceOp(Reduce.Kind reduction) implements Op {
        public String kind() {
            return reduction.id();
        }

        public List<TensorType> infer(List<TensorType> in) {
            arity(this, in, reduction.binary() ? 2 : 1);
            Shape a = floatInput(this, in, 0, "a");
            Check.arg(a.numel() > 0, kind(), "input %s is empty", a);
            if (reduction.binary()) {
                Shape b = floatInput(this, in, 1, "b");
                Check.arg(b.c() == a.c(), kind(), "b has %d channels but a has %d", b.c(), a.c());
                Elementwise.broadcastShape(a, b);
                for (int i = 0; i < 3; i++) {
                    Check.arg(b.dim(i) == a.dim(i) || b.dim(i) == 1, kind(), "b %s does not broadcast to a %s", b, a);
                }
            }
            return List.of(new TensorType(Reduce.outputShape(reduction, a), DType.F32));
        }
    }

    // ---- shared checks ---------------------------------------------------------------------------

    private static void arity(Op op, List<TensorType> in, int n) {
        Check.arg(in.size() == n, op.kind(), "takes %d inputs, got %d", n, in.size());
    }

    private static Shape floatInput(Op op, List<TensorType> in, int i, String what) {
        Check.arg(in.get(i).dtype().isFloat(), op.kind(), "%s must be a float tensor, got %s", what, in.get(i));
        return in.get(i).shape();
    }

    private static void vector(Op op, Shape s, String what, int k) {
        Check.arg(s.equals(new Shape(1, 1, 1, k)), op.kind(), "%s has shape %s, expected 1x1x1x%d", what, s, k);
    }

    private static List<TensorType> binary(Op op, List<TensorType> in) {
        arity(op, in, 2);
        floatInput(op, in, 0, "a");
        floatInput(op, in, 1, "b");
        Shape y = Elementwise.broadcastShape(in.get(0).shape(), in.get(1).shape());
        return List.of(new TensorType(y, in.get(0).dtype()));
    }
}

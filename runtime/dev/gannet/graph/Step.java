// The steps of a compiled program: one kernel launch each (a concat: one copy per input that is not
// written in place; a reshape: none when it is a view). Mutable while the passes run, frozen in a
// Plan. emit() calls the op's own launcher, which validates everything before a launch is recorded.
package dev.gannet.graph;

import dev.gannet.ops.Activation;
import dev.gannet.ops.BatchNorm;
import dev.gannet.ops.Cast;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Elementwise;
import dev.gannet.ops.Epilogue;
import dev.gannet.ops.Gram;
import dev.gannet.ops.InstanceNorm;
import dev.gannet.ops.Linear;
import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Pool2d;
import dev.gannet.ops.Reduce;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

abstract sealed class Step permits Step.Unary, Step.Binary, Step.Conv, Step.Concat {
    /** The graph node this step computes (the first, when several were fused). */
    final String name;
    /** What was fused or folded into this step, for the plan listing. */
    final List<String> fused = new ArrayList<>();
    Slot out;

    Step(String name, Slot out) {
        this.name = name;
        this.out = out;
    }

    /** Resolves slots and constants to device tensors when an executor records its launches. */
    interface Env {
        Tensor tensor(Slot s);

        /** Conv weights packed for this device in the activation dtype. */
        ConvWeights packed(Const w, boolean transposed, DType dtype);

        /** A dense constant in {@code dtype} (linear weights, parameters used as tensors). */
        Tensor dense(Const c, DType dtype);

        /** An F32 per-channel vector. */
        Tensor vector(Const c);
    }

    /** The kernel op name ("conv2d", ...). */
    abstract String op();

    /** Activation slots this step reads. */
    abstract List<Slot> inputs();

    abstract void replaceInput(Slot from, Slot to);

    /** Constants this step reads: by default, parameters used as tensors among its inputs. */
    List<Const> constants() {
        List<Const> l = new ArrayList<>();
        for (Slot x : inputs()) if (x.isConstant()) l.add(x.constant);
        return l;
    }

    abstract void emit(Stream s, Env env);

    /** Asks {@code env} for every constant emit() will use, so a Plan uploads them once. */
    void prepare(Env env) {
        for (Slot x : inputs()) if (x.isConstant()) env.tensor(x);
    }

    /** How many kernel launches emit() records. */
    int launches() {
        return 1;
    }

    /** Attributes for the listing. */
    abstract String details();

    static Slot swap(Slot s, Slot from, Slot to) {
        return s == from ? to : s;
    }

    /** A step with input a and an optional input b. */
    abstract static sealed class Binary extends Step permits Step.Ew, Step.ReduceStep {
        Slot a, b;

        Binary(String name, Slot out, Slot a, Slot b) {
            super(name, out);
            this.a = a;
            this.b = b;
        }

        final List<Slot> inputs() {
            return b == null ? List.of(a) : List.of(a, b);
        }

        final void replaceInput(Slot from, Slot to) {
            a = swap(a, from, to);
            b = b == null ? null : swap(b, from, to);
        }
    }

    /** A step with one activation input. */
    abstract static sealed class Unary extends Step permits Step.Norm, Step.Pad, Step.Resize, Step.Shuffle,
            Step.Reshape, Step.CastStep, Step.Pool, Step.GramStep {
        Slot x;

        Unary(String name, Slot out, Slot x) {
            super(name, out);
            this.x = x;
        }

        final List<Slot> inputs() {
            return List.of(x);
        }

        final void replaceInput(Slot from, Slot to) {
            x = swap(x, from, to);
        }
    }

    // ---- conv2d, conv_transpose2d, linear: a matrix product with the fused epilogue -------------

    static final class Conv extends Step {
        enum Kind { CONV, CONV_T, LINEAR }

        final Kind kind;
        Slot x;
        Const w;
        Conv2d.Attrs attrs;               // CONV
        final ConvTranspose2d.Attrs tAttrs; // CONV_T
        Const bias, scale, shift;
        Activation act = Activation.NONE;
        float outScale = 1f;
        Slot residual;
        float resScale = 1f;

        Conv(String name, Slot out, Kind kind, Slot x, Const w, Const bias, Conv2d.Attrs attrs,
             ConvTranspose2d.Attrs tAttrs) {
            super(name, out);
            this.kind = kind;
            this.x = x;
            this.w = w;
            this.bias = bias;
            this.attrs = attrs;
            this.tAttrs = tAttrs;
        }

        /** Output channels K: where per-output-channel folds apply. */
        int k() {
            return out.shape.c();
        }

        /** Nothing applied after the matrix product but the bias: a norm or scale can still fold into w. */
        boolean linearTail() {
            return scale == null && shift == null && act.kind() == Activation.Kind.NONE && outScale == 1f
                    && residual == null;
        }

        String op() {
            return switch (kind) {
                case CONV -> "conv2d";
                case CONV_T -> "conv_transpose2d";
                case LINEAR -> "linear";
            };
        }

        List<Slot> inputs() {
            return residual == null ? List.of(x) : List.of(x, residual);
        }

        void replaceInput(Slot from, Slot to) {
            x = swap(x, from, to);
            residual = residual == null ? null : swap(residual, from, to);
        }

        @Override
        List<Const> constants() {
            List<Const> l = new ArrayList<>(List.of(w));
            for (Const c : new Const[] {bias, scale, shift}) if (c != null) l.add(c);
            return l;
        }

        @Override
        void prepare(Env env) {
            super.prepare(env);
            if (kind == Kind.LINEAR) env.dense(w, x.dtype);
            else env.packed(w, kind == Kind.CONV_T, x.dtype);
            for (Const c : new Const[] {bias, scale, shift}) if (c != null) env.vector(c);
        }

        Epilogue epilogue(Env env) {
            return new Epilogue(bias == null ? null : env.vector(bias), scale == null ? null : env.vector(scale),
                    shift == null ? null : env.vector(shift), act, outScale,
                    residual == null ? null : env.tensor(residual), resScale);
        }

        void emit(Stream s, Env env) {
            Tensor xt = env.tensor(x), yt = env.tensor(out);
            switch (kind) {
                case CONV -> Conv2d.launch(s, xt, env.packed(w, false, xt.dtype()), yt, attrs, epilogue(env));
                case CONV_T -> ConvTranspose2d.launch(s, xt, env.packed(w, true, xt.dtype()), yt, tAttrs,
                        epilogue(env));
                case LINEAR -> Linear.launch(s, xt, env.dense(w, xt.dtype()), yt, epilogue(env));
            }
        }

        String details() {
            StringBuilder b = new StringBuilder();
            b.append(switch (kind) {
                case CONV -> attrs.describe();
                case CONV_T -> tAttrs.toString();
                case LINEAR -> "w=" + w.shape;
            });
            if (bias != null) b.append(" +bias");
            if (scale != null || shift != null) b.append(" +scale/shift");
            if (act.kind() != Activation.Kind.NONE) b.append(" +").append(act);
            if (outScale != 1f) b.append(" *").append(outScale);
            if (residual != null) {
                b.append(" +").append(resScale == 1f ? "" : resScale + "*").append("residual(").append(residual.name)
                        .append(')');
            }
            return b.toString();
        }
    }

    // ---- batchnorm (inference) and instancenorm --------------------------------------------------

    static final class Norm extends Unary {
        final boolean instance;
        final Const gamma, beta, mean, var;
        final float eps, momentum;
        Activation act = Activation.NONE;

        Norm(String name, Slot out, boolean instance, Slot x, Const gamma, Const beta, Const mean, Const var,
             float eps, float momentum) {
            super(name, out, x);
            this.instance = instance;
            this.gamma = gamma;
            this.beta = beta;
            this.mean = mean;
            this.var = var;
            this.eps = eps;
            this.momentum = momentum;
        }

        String op() {
            return instance ? "instancenorm" : "batchnorm";
        }



        @Override
        List<Const> constants() {
            List<Const> l = new ArrayList<>();
            for (Const c : new Const[] {gamma, beta, mean, var}) if (c != null) l.add(c);
            return l;
        }

        @Override
        void prepare(Env env) {
            for (Const c : constants()) env.vector(c);
        }

        void emit(Stream s, Env env) {
            Tensor g = gamma == null ? null : env.vector(gamma), b = beta == null ? null : env.vector(beta);
            if (instance) {
                InstanceNorm.launch(s, env.tensor(x), env.tensor(out), g, b, eps, act);
            } else {
                BatchNorm.launch(s, env.tensor(x), env.tensor(out), g, b, env.vector(mean), env.vector(var), null,
                        null, false, momentum, eps, act);
            }
        }

        String details() {
            return (instance ? (gamma != null ? "affine" : "plain") : "inference") + " eps=" + eps
                    + (act.kind() != Activation.Kind.NONE ? " +" + act : "");
        }
    }

    // ---- element-wise: add, mul, affine (activations are affine 1·x + 0 with an act), clamp -----

    static final class Ew extends Binary {
        final Elementwise.Kind kind;
        float sa, sb;
        final float lo, hi;
        Activation act;

        Ew(String name, Slot out, Elementwise.Kind kind, Slot a, Slot b, float sa, float sb, float lo, float hi,
           Activation act) {
            super(name, out, a, b);
            this.kind = kind;
            this.sa = sa;
            this.sb = sb;
            this.lo = lo;
            this.hi = hi;
            this.act = act;
        }

        static Ew copy(String name, Slot from, Slot to) {
            return new Ew(name, to, Elementwise.Kind.AFFINE, from, null, 1f, 0f, 0f, 0f, Activation.NONE);
        }

        /** y = act(x): an affine 1·x + 0 with an activation. */
        boolean isPureActivation() {
            return kind == Elementwise.Kind.AFFINE && sa == 1f && sb == 0f && act.kind() != Activation.Kind.NONE;
        }

        boolean isIdentity() {
            return kind == Elementwise.Kind.AFFINE && sa == 1f && sb == 0f && act.kind() == Activation.Kind.NONE
                    || kind == Elementwise.Kind.CLAMP && lo == Float.NEGATIVE_INFINITY && hi == Float.POSITIVE_INFINITY;
        }

        String op() {
            return "elementwise";
        }



        void emit(Stream s, Env env) {
            Elementwise.launch(s, kind, env.tensor(a), b == null ? null : env.tensor(b), env.tensor(out), sa, sb, lo, hi,
                    act);
        }

        String details() {
            String args = switch (kind) {
                case ADD -> (sa == 1f ? "" : sa + "*") + a.name + " + " + (sb == 1f ? "" : sb + "*") + b.name;
                case MUL -> (sa == 1f ? "" : sa + "*") + a.name + " * " + b.name;
                case AFFINE -> isPureActivation() ? act.toString() : sa + "*x + " + sb;
                case CLAMP -> "[" + lo + ", " + hi + "]";
            };
            return kind.id() + " " + args
                    + (act.kind() != Activation.Kind.NONE && !isPureActivation() ? " +" + act : "");
        }
    }

    // ---- data movement -----------------------------------------------------------------------------

    static final class Pad extends Unary {
        final int top, left, bottom, right;
        final PadMode mode;
        final float value;

        Pad(String name, Slot out, Slot x, int top, int left, int bottom, int right, PadMode mode, float value) {
            super(name, out, x);
            this.top = top;
            this.left = left;
            this.bottom = bottom;
            this.right = right;
            this.mode = mode;
            this.value = value;
        }

        String op() {
            return "pad2d";
        }



        void emit(Stream s, Env env) {
            Pad2d.launch(s, env.tensor(x), env.tensor(out), top, left, bottom, right, mode, value);
        }

        String details() {
            return "(" + top + "," + left + "," + bottom + "," + right + ") " + mode.id();
        }
    }

    static final class Resize extends Unary {
        final Upsample2d.Mode mode;
        final int factorH, factorW;

        Resize(String name, Slot out, Slot x, Upsample2d.Mode mode, int factorH, int factorW) {
            super(name, out, x);
            this.mode = mode;
            this.factorH = factorH;
            this.factorW = factorW;
        }

        String op() {
            return "upsample2d";
        }



        void emit(Stream s, Env env) {
            if (mode == Upsample2d.Mode.NEAREST) Upsample2d.launch(s, env.tensor(x), env.tensor(out), factorH, factorW);
            else Upsample2d.launch(s, env.tensor(x), env.tensor(out), mode);
        }

        String details() {
            return mode.id() + (mode == Upsample2d.Mode.NEAREST ? " x" + factorH + "," + factorW : "");
        }
    }

    static final class Shuffle extends Unary {
        final int block;
        final PixelShuffle.Mode mode;
        final boolean inverse;

        Shuffle(String name, Slot out, Slot x, int block, PixelShuffle.Mode mode, boolean inverse) {
            super(name, out, x);
            this.block = block;
            this.mode = mode;
            this.inverse = inverse;
        }

        String op() {
            return "pixel_shuffle";
        }



        void emit(Stream s, Env env) {
            PixelShuffle.launch(s, env.tensor(x), env.tensor(out), block, mode, inverse);
        }

        String details() {
            return mode.id(inverse) + " block=" + block;
        }
    }

    /** Writes each input into its channel slice of out; inputs whose producer already wrote there are skipped. */
    static final class Concat extends Step {
        final List<Slot> xs;

        Concat(String name, Slot out, List<Slot> xs) {
            super(name, out);
            this.xs = new ArrayList<>(xs);
        }

        /** Whether input i lives in its slice of out already (its producer writes it there). */
        boolean inPlace(int i) {
            Slot x = xs.get(i);
            return x.parent == out && x.relation == Slot.Relation.SLICE && x.channelOffset == offset(i)
                    && xs.indexOf(x) == i;
        }

        int offset(int i) {
            int c = 0;
            for (int j = 0; j < i; j++) c += xs.get(j).shape.c();
            return c;
        }

        String op() {
            return "concat";
        }

        List<Slot> inputs() {
            return List.copyOf(xs);
        }

        void replaceInput(Slot from, Slot to) {
            xs.replaceAll(s -> swap(s, from, to));
        }

        @Override
        List<Const> constants() {
            List<Const> l = new ArrayList<>();
            for (Slot s : xs) if (s.isConstant()) l.add(s.constant);
            return l;
        }

        @Override
        int launches() {
            int n = 0;
            for (int i = 0; i < xs.size(); i++) if (!inPlace(i)) n++;
            return n;
        }

        void emit(Stream s, Env env) {
            Tensor y = env.tensor(out);
            for (int i = 0; i < xs.size(); i++) {
                if (inPlace(i)) continue;
                Tensor x = env.tensor(xs.get(i));
                Tensor slice = y.sliceChannels(offset(i), x.shape().c());
                if (x.dtype() == slice.dtype()) Elementwise.affine(s, x, slice, 1f, 0f, Activation.NONE);
                else Cast.launch(s, x, slice);
            }
        }

        String details() {
            int copies = launches();
            return xs.size() + " inputs, " + (copies == 0 ? "all written in place" : copies + " copied");
        }
    }

    /** A view of x with another shape when x is dense; a copy into out otherwise. */
    static final class Reshape extends Unary {

        Reshape(String name, Slot out, Slot x) {
            super(name, out, x);
        }

        boolean isView() {
            return out.parent == x && out.relation == Slot.Relation.RESHAPE;
        }

        String op() {
            return "reshape";
        }



        @Override
        int launches() {
            return isView() ? 0 : 1;
        }

        void emit(Stream s, Env env) {
            if (isView()) return;
            Tensor xt = env.tensor(x);
            Elementwise.affine(s, xt, env.tensor(out).reshape(xt.shape()), 1f, 0f, Activation.NONE);
        }

        String details() {
            return isView() ? "view" : "copy";
        }
    }

    static final class CastStep extends Unary {
        final float scale, offset;

        CastStep(String name, Slot out, Slot x, float scale, float offset) {
            super(name, out, x);
            this.scale = scale;
            this.offset = offset;
        }

        String op() {
            return "cast";
        }



        void emit(Stream s, Env env) {
            Cast.launch(s, env.tensor(x), env.tensor(out), scale, offset, null, null);
        }

        String details() {
            return x.dtype.name().toLowerCase() + "->" + out.dtype.name().toLowerCase()
                    + (scale != 1f || offset != 0f ? " " + scale + "*x + " + offset : "");
        }
    }

    // ---- pooling and statistics --------------------------------------------------------------------

    static final class Pool extends Unary {
        final Pool2d.Mode mode;
        final int k, stride, pad;

        Pool(String name, Slot out, Slot x, Pool2d.Mode mode, int k, int stride, int pad) {
            super(name, out, x);
            this.mode = mode;
            this.k = k;
            this.stride = stride;
            this.pad = pad;
        }

        String op() {
            return "pool2d";
        }



        void emit(Stream s, Env env) {
            if (mode == Pool2d.Mode.GLOBAL_AVG) Pool2d.launchGlobalAvg(s, env.tensor(x), env.tensor(out));
            else Pool2d.launch(s, env.tensor(x), env.tensor(out), mode, k, k, stride, stride, pad, pad);
        }

        String details() {
            return mode.id() + (mode == Pool2d.Mode.GLOBAL_AVG ? "" : " k=" + k + " stride=" + stride + " pad=" + pad);
        }
    }

    static final class GramStep extends Unary {
        final float scale;

        GramStep(String name, Slot out, Slot x, float scale) {
            super(name, out, x);
            this.scale = scale;
        }

        String op() {
            return "gram";
        }



        void emit(Stream s, Env env) {
            Gram.launch(s, env.tensor(x), env.tensor(out), scale);
        }

        String details() {
            return "scale=" + scale;
        }
    }

    static final class ReduceStep extends Binary {
        final Reduce.Kind kind;

        ReduceStep(String name, Slot out, Reduce.Kind kind, Slot a, Slot b) {
            super(name, out, a, b);
            this.kind = kind;
        }

        String op() {
            return "reduce";
        }



        void emit(Stream s, Env env) {
            Reduce.launch(s, kind, env.tensor(a), b == null ? null : env.tensor(b), env.tensor(out));
        }

        String details() {
            return kind.id();
        }
    }
}

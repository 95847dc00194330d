// Compiles a Graph into a Program for a precision: lowering (one step per node), the passes chosen
// in PlanOptions (Pass), the precision policy (storage dtypes, casts at the edges), placement
// (concat slices, in-place outputs, reshape views) and the memory plan. Device independent: a Plan
// uploads the Program's constants and an Executor binds its slots to an arena.
package dev.gannet.graph;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Elementwise;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

final class Compiler {
    private final Graph graph;
    private final PlanOptions options;
    final List<Step> steps = new ArrayList<>();
    private final Map<Integer, Slot> slotOf = new HashMap<>();
    private final Map<String, Const> params = new HashMap<>();
    private final Map<Integer, Node> producers;
    final Map<String, Slot> inputs = new LinkedHashMap<>();
    final Map<String, Slot> outputs = new LinkedHashMap<>();
    private int nextSlot;

    private Compiler(Graph graph, PlanOptions options) {
        this.graph = graph;
        this.options = options;
        this.producers = graph.producers();
    }

    static Program compile(Graph graph, PlanOptions options) {
        Compiler c = new Compiler(graph, options);
        c.lower();
        if (options.has(Pass.DROP_NO_OPS)) c.dropNoOps();
        if (options.has(Pass.FOLD_NORM_AND_SCALES)) c.foldNormsAndScales();
        if (options.has(Pass.FUSE_EPILOGUE)) c.fuseEpilogues();
        if (options.has(Pass.FOLD_PAD_UPSAMPLE)) c.foldPadUpsample();
        c.applyPrecision();
        if (options.has(Pass.CONCAT_SLICES)) c.concatSlices();
        c.reshapeViews();
        if (options.has(Pass.IN_PLACE)) c.inPlace();
        return new Program(graph, options, c.steps, c.inputs, c.outputs);
    }

    // ---- lowering: one step per graph node ------------------------------------------------------

    private Slot newSlot(String name, dev.gannet.runtime.Shape shape, DType dtype) {
        return new Slot(nextSlot++, name, shape, dtype);
    }

    private Slot slot(Value v) {
        Slot s = slotOf.get(v.id());
        if (s != null) return s;
        Node p = producers.get(v.id());
        if (p != null && p.op() instanceof Op.ParamRef pr) {
            // A parameter read as a tensor (added, multiplied, concatenated): a constant slot.
            s = newSlot(v.name(), v.shape(), v.dtype());
            s.constant = param(pr.param());
            slotOf.put(v.id(), s);
            return s;
        }
        throw new IllegalStateException("value " + v + " has no slot (graph not in topological order?)");
    }

    private Const param(Param p) {
        return params.computeIfAbsent(p.name(), n -> new Const(n, p.shape(), () -> {
            WeightData d = graph.weights().get(n);
            if (d == null) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, graph.name() + ": parameter '" + n
                        + "' has no values (bind them with Graph.withWeights or GraphBuilder.bind)");
            }
            return d.toGannet(p);
        }));
    }

    /** The constant behind a weight input: it must be a parameter slot. */
    private Const constant(Node n, int input, String role) {
        Value v = n.inputs().get(input);
        Node p = producers.get(v.id());
        if (p != null && p.op() instanceof Op.ParamRef pr) return param(pr.param());
        throw new GannetException(ErrorCode.UNSUPPORTED, graph.name() + ": node " + n + ": its " + role
                + " must be a parameter slot, but it is " + v + " computed by node " + p
                + " (computed weights are not supported)");
    }

    private Const optionalConstant(Node n, boolean present, int input, String role) {
        return present ? constant(n, input, role) : null;
    }

    private void lower() {
        for (Node n : graph.nodes()) {
            if (n.op() instanceof Op.ParamRef) continue;
            Value v = n.output();
            if (n.op() instanceof Op.Input in) {
                Slot s = newSlot(v.name(), v.shape(), v.dtype());
                s.inputName = in.name();
                inputs.put(in.name(), s);
                slotOf.put(v.id(), s);
                continue;
            }
            Slot out = newSlot(v.name(), v.shape(), v.dtype());
            List<Value> in = n.inputs();
            Step st = switch (n.op()) {
                case Op.Input _, Op.ParamRef _ -> throw new IllegalStateException();
                case Op.Conv c -> new Step.Conv(n.name(), out, Step.Conv.Kind.CONV, slot(in.get(0)),
                        constant(n, 1, "weight"), optionalConstant(n, c.hasBias(), 2, "bias"), c.attrs(), null);
                case Op.ConvTranspose c -> new Step.Conv(n.name(), out, Step.Conv.Kind.CONV_T, slot(in.get(0)),
                        constant(n, 1, "weight"), optionalConstant(n, c.hasBias(), 2, "bias"), null, c.attrs());
                case Op.LinearOp l -> new Step.Conv(n.name(), out, Step.Conv.Kind.LINEAR, slot(in.get(0)),
                        constant(n, 1, "weight"), optionalConstant(n, l.hasBias(), 2, "bias"), null, null);
                case Op.BatchNormOp b -> new Step.Norm(n.name(), out, false, slot(in.get(0)),
                        optionalConstant(n, b.affine(), 3, "gamma"), optionalConstant(n, b.affine(), 4, "beta"),
                        constant(n, 1, "running_mean"), constant(n, 2, "running_var"), b.eps(), b.momentum());
                case Op.InstanceNormOp i -> new Step.Norm(n.name(), out, true, slot(in.get(0)),
                        optionalConstant(n, i.affine(), 1, "gamma"), optionalConstant(n, i.affine(), 2, "beta"), null,
                        null, i.eps(), 0f);
                case Op.Act a -> new Step.Ew(n.name(), out, Elementwise.Kind.AFFINE, slot(in.get(0)), null, 1f, 0f, 0f,
                        0f, a.act());
                case Op.Add a -> new Step.Ew(n.name(), out, Elementwise.Kind.ADD, slot(in.get(0)), slot(in.get(1)),
                        a.sa(), a.sb(), 0f, 0f, Activation.NONE);
                case Op.Mul m -> new Step.Ew(n.name(), out, Elementwise.Kind.MUL, slot(in.get(0)), slot(in.get(1)),
                        m.scale(), 0f, 0f, 0f, Activation.NONE);
                case Op.Affine a -> new Step.Ew(n.name(), out, Elementwise.Kind.AFFINE, slot(in.get(0)), null,
                        a.scale(), a.shift(), 0f, 0f, Activation.NONE);
                case Op.Clamp c -> new Step.Ew(n.name(), out, Elementwise.Kind.CLAMP, slot(in.get(0)), null, 0f, 0f,
                        c.lo(), c.hi(), Activation.NONE);
                case Op.Pad p -> new Step.Pad(n.name(), out, slot(in.get(0)), p.top(), p.left(), p.bottom(), p.right(),
                        p.mode(), p.value());
                case Op.Resize r -> new Step.Resize(n.name(), out, slot(in.get(0)), r.mode(), r.factorH(), r.factorW());
                case Op.Shuffle s -> new Step.Shuffle(n.name(), out, slot(in.get(0)), s.block(), s.mode(), s.inverse());
                case Op.Concat _ -> new Step.Concat(n.name(), out, in.stream().map(this::slot).toList());
                case Op.Reshape _ -> new Step.Reshape(n.name(), out, slot(in.get(0)));
                case Op.CastOp c -> new Step.CastStep(n.name(), out, slot(in.get(0)), c.scale(), c.offset());
                case Op.Pool p -> new Step.Pool(n.name(), out, slot(in.get(0)), p.mode(), p.k(), p.stride(), p.pad());
                case Op.GramOp g -> new Step.GramStep(n.name(), out, slot(in.get(0)), g.scale());
                case Op.ReduceOp r -> new Step.ReduceStep(n.name(), out, r.reduction(), slot(in.get(0)),
                        r.reduction().binary() ? slot(in.get(1)) : null);
            };
            slotOf.put(v.id(), out);
            steps.add(st);
        }
        for (var e : graph.outputs().entrySet()) {
            Slot s = slot(e.getValue());
            if (s.isInput() || s.isConstant()) {
                // An output must be written by the plan: copy an input or a parameter.
                Slot o = newSlot(e.getKey(), s.shape, s.dtype);
                steps.add(Step.Ew.copy(e.getKey(), s, o));
                s = o;
            }
            s.outputNames.add(e.getKey());
            outputs.put(e.getKey(), s);
        }
    }

    // ---- use-def helpers ---------------------------------------------------------------------------

    private List<Step> consumers(Slot s) {
        List<Step> l = new ArrayList<>();
        for (Step st : steps) if (st.inputs().contains(s)) l.add(st);
        return l;
    }

    /** The one step that reads {@code s}, once, when s is not an output; else null. */
    private Step soleConsumer(Slot s) {
        if (s.isOutput()) return null;
        List<Step> c = consumers(s);
        if (c.size() != 1) return null;
        Step st = c.getFirst();
        int reads = 0;
        for (Slot x : st.inputs()) if (x == s) reads++;
        return reads == 1 ? st : null;
    }

    private void replaceUses(Slot from, Slot to) {
        for (Step st : steps) st.replaceInput(from, to);
    }

    /** Step {@code into} takes over {@code gone}'s output; gone is removed. */
    private void absorb(Step into, Step gone, String what) {
        into.out = gone.out;
        into.fused.add(gone.name + " (" + what + ")");
        into.fused.addAll(gone.fused);
        steps.remove(gone);
    }

    // ---- pass: drop no-ops -------------------------------------------------------------------------

    private void dropNoOps() {
        for (Step st : List.copyOf(steps)) {
            if (!isNoOp(st)) continue;
            Slot src = st.inputs().getFirst();
            if (st.out.isOutput()) {
                // The input can carry the output's names only if the plan writes it (not an input or a parameter).
                if (src.isInput() || src.isConstant()) continue;
                for (String name : st.out.outputNames) {
                    src.outputNames.add(name);
                    outputs.put(name, src);
                }
                st.out.outputNames.clear();
            }
            replaceUses(st.out, src);
            steps.remove(st);
        }
    }

    private static boolean isNoOp(Step st) {
        return switch (st) {
            case Step.Ew e -> e.isIdentity();
            case Step.Pad p -> p.top == 0 && p.left == 0 && p.bottom == 0 && p.right == 0;
            case Step.Resize r -> r.mode == Upsample2d.Mode.NEAREST ? r.factorH == 1 && r.factorW == 1
                    : r.out.shape.equals(r.x.shape);
            case Step.Shuffle s -> s.block == 1;
            case Step.CastStep c -> c.scale == 1f && c.offset == 0f && c.x.dtype == c.out.dtype;
            case Step.Concat c -> c.xs.size() == 1;
            case Step.Reshape r -> r.x.shape.equals(r.out.shape);
            default -> false;
        };
    }

    // ---- pass: fold norms and constant scales into conv weights ------------------------------------

    private void foldNormsAndScales() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Step st : List.copyOf(steps)) {
                if (!steps.contains(st)) continue;
                if (st instanceof Step.Conv c && c.linearTail()) changed |= foldAfter(c);
                else if (st instanceof Step.Ew e) changed |= foldScaleIntoConsumers(e);
            }
        }
    }

    /** conv → inference batchnorm, or conv → affine: scale the weights per output channel, adjust the bias. */
    private boolean foldAfter(Step.Conv c) {
        Step n = soleConsumer(c.out);
        int k = c.k();
        Const bias = c.bias;
        Supplier<float[]> g;
        Supplier<float[]> h;
        Activation act;
        String what;
        if (n instanceof Step.Norm bn && !bn.instance) {
            Supplier<float[]>[] gh = batchNormAffine(bn, k);
            g = gh[0];
            h = gh[1];
            act = bn.act;
            what = "batchnorm folded into weights and bias";
        } else if (n instanceof Step.Ew e && e.kind == Elementwise.Kind.AFFINE && (e.sa != 1f || e.sb != 0f)) {
            // (A plain activation is the epilogue pass's: nothing to fold into the weights.)
            float s = e.sa, t = e.sb;
            g = () -> filled(k, s);
            h = () -> filled(k, t);
            act = e.act;
            what = "scale " + s + (t != 0f ? " shift " + t : "") + " folded into weights and bias";
        } else {
            return false;
        }
        c.w = c.w.scaledPerOutput(c.w.label + "*" + n.name, k, g);
        c.bias = Const.vector((bias == null ? c.name + ".bias" : bias.label) + "*" + n.name, k, () -> {
            float[] gg = g.get(), hh = h.get(), out = new float[k];
            float[] b = bias == null ? null : bias.values();
            for (int i = 0; i < k; i++) out[i] = (float) ((b == null ? 0.0 : (double) b[i]) * gg[i] + hh[i]);
            return out;
        });
        c.act = act;
        absorb(c, n, what);
        return true;
    }

    /** Batchnorm inference as y = g·x + h per channel: g = gamma / sqrt(var + eps), h = beta - mean·g. */
    @SuppressWarnings("unchecked")
    private static Supplier<float[]>[] batchNormAffine(Step.Norm bn, int k) {
        Supplier<double[][]> gh = () -> {
            float[] mean = bn.mean.values(), var = bn.var.values();
            float[] gamma = bn.gamma == null ? null : bn.gamma.values(), beta = bn.beta == null ? null : bn.beta.values();
            double[] g = new double[k], h = new double[k];
            for (int i = 0; i < k; i++) {
                g[i] = (gamma == null ? 1.0 : gamma[i]) / Math.sqrt((double) var[i] + bn.eps);
                h[i] = (beta == null ? 0.0 : beta[i]) - mean[i] * g[i];
            }
            return new double[][] {g, h};
        };
        return new Supplier[] {() -> toFloat(gh.get()[0]), () -> toFloat(gh.get()[1])};
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private static float[] filled(int k, float v) {
        float[] a = new float[k];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /**
     * s·x read only by convs (as their input, not their residual): conv(s·x) = s·conv(x) for every
     * padding mode (a zero pad of s·x is s times the zero pad of x), so the scale goes into the weights.
     */
    private boolean foldScaleIntoConsumers(Step.Ew e) {
        if (e.kind != Elementwise.Kind.AFFINE || e.sb != 0f || e.act.kind() != Activation.Kind.NONE) return false;
        if (e.out.isOutput()) return false;
        List<Step> cs = consumers(e.out);
        if (cs.isEmpty()) return false;
        for (Step st : cs) {
            if (!(st instanceof Step.Conv c) || c.x != e.out || c.residual == e.out) return false;
        }
        for (Step st : cs) {
            Step.Conv c = (Step.Conv) st;
            c.w = c.w.scaled(c.w.label + "*" + e.name, e.sa);
            c.x = e.a;
            c.fused.add(e.name + " (scale " + e.sa + " folded into weights)");
        }
        steps.remove(e);
        return true;
    }

    // ---- pass: fuse activation, residual add and output scale into epilogues -----------------------

    private void fuseEpilogues() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Step st : List.copyOf(steps)) {
                if (!steps.contains(st)) continue;
                if (st instanceof Step.Conv c) changed |= fuseIntoConv(c);
                else if (st instanceof Step.Ew e) changed |= fuseActivation(e);
                else if (st instanceof Step.Norm n) changed |= fuseActivation(n);
            }
        }
    }

    private boolean fuseIntoConv(Step.Conv c) {
        Step n = soleConsumer(c.out);
        if (!(n instanceof Step.Ew e)) return false;
        boolean plain = c.act.kind() == Activation.Kind.NONE && c.residual == null && c.outScale == 1f;
        if (e.isPureActivation() && plain) {
            c.act = e.act;
            absorb(c, e, e.act.toString());
            return true;
        }
        if (e.kind == Elementwise.Kind.AFFINE && e.sb == 0f && e.act.kind() == Activation.Kind.NONE) {
            // After the activation and the residual: y = s·(outScale·act(t) + resScale·r).
            c.outScale *= e.sa;
            c.resScale *= e.sa;
            absorb(c, e, "scale " + e.sa);
            return true;
        }
        if (e.kind == Elementwise.Kind.ADD && e.act.kind() == Activation.Kind.NONE && c.residual == null) {
            boolean convIsA = e.a == c.out;
            Slot other = convIsA ? e.b : e.a;
            if (other == c.out || !other.shape.equals(c.out.shape) || other.dtype != c.out.dtype) return false;
            c.outScale *= convIsA ? e.sa : e.sb;
            c.residual = other;
            c.resScale = convIsA ? e.sb : e.sa;
            // The conv now runs where the add ran: the residual is computed by then.
            steps.remove(c);
            steps.add(steps.indexOf(e), c);
            absorb(c, e, "residual add of " + other.name);
            return true;
        }
        return false;
    }

    /** An activation after an element-wise op or a norm goes into that launch. */
    private boolean fuseActivation(Step st) {
        Activation current = st instanceof Step.Ew e ? e.act : ((Step.Norm) st).act;
        if (current.kind() != Activation.Kind.NONE) return false;
        if (st instanceof Step.Ew e && e.kind == Elementwise.Kind.CLAMP) return false;
        Step n = soleConsumer(st.out);
        if (!(n instanceof Step.Ew a) || !a.isPureActivation()) return false;
        if (st instanceof Step.Ew e) e.act = a.act;
        else ((Step.Norm) st).act = a.act;
        absorb(st, a, a.act.toString());
        return true;
    }

    // ---- pass: fold explicit padding and nearest upsampling into the conv that reads them -----------

    private void foldPadUpsample() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Step st : List.copyOf(steps)) {
                if (!steps.contains(st) || st.out.isOutput()) continue;
                List<Step> cs = consumers(st.out);
                if (cs.isEmpty() || !cs.stream().allMatch(c -> c instanceof Step.Conv cv && cv.kind == Step.Conv.Kind.CONV
                        && cv.x == st.out && cv.residual != st.out && cv.attrs.upsample() == 1)) {
                    continue;
                }
                if (st instanceof Step.Pad p && padFolds(p, cs)) {
                    for (Step s : cs) {
                        Step.Conv c = (Step.Conv) s;
                        var a = c.attrs;
                        boolean convUnpadded = a.padTop() == 0 && a.padLeft() == 0 && a.padBottom() == 0
                                && a.padRight() == 0;
                        c.attrs = a.withPads(a.padTop() + p.top, a.padLeft() + p.left, a.padBottom() + p.bottom,
                                a.padRight() + p.right).withPadMode(convUnpadded ? p.mode : PadMode.ZERO);
                        c.x = p.x;
                        c.fused.add(p.name + " (" + p.mode.id() + " pad)");
                    }
                    steps.remove(p);
                    changed = true;
                } else if (st instanceof Step.Resize r && r.mode == Upsample2d.Mode.NEAREST && r.factorH == r.factorW) {
                    for (Step s : cs) {
                        Step.Conv c = (Step.Conv) s;
                        c.attrs = c.attrs.withUpsample(r.factorH);
                        c.x = r.x;
                        c.fused.add(r.name + " (nearest upsample x" + r.factorH + ")");
                    }
                    steps.remove(r);
                    changed = true;
                }
            }
        }
    }

    /** A pad folds when it only adds (no crop), a zero pad fills 0, and each conv is unpadded or zero-padded like it. */
    private static boolean padFolds(Step.Pad p, List<Step> convs) {
        if (p.top < 0 || p.left < 0 || p.bottom < 0 || p.right < 0) return false;
        if (p.mode == PadMode.ZERO && p.value != 0f) return false;
        for (Step s : convs) {
            var a = ((Step.Conv) s).attrs;
            boolean unpadded = a.padTop() == 0 && a.padLeft() == 0 && a.padBottom() == 0 && a.padRight() == 0;
            if (!unpadded && !(a.padMode() == PadMode.ZERO && p.mode == PadMode.ZERO)) return false;
        }
        return true;
    }

    // ---- precision: storage dtypes and casts ----------------------------------------------------------

    private void applyPrecision() {
        DType exec = options.precision().storage();
        // Storage of what steps write: float activations in the plan's dtype; Gram and reductions F32.
        for (Step st : List.copyOf(steps)) {
            Slot o = st.out;
            DType natural = switch (st) {
                case Step.GramStep _, Step.ReduceStep _ -> DType.F32;
                case Step.CastStep _ -> o.dtype.isFloat() ? exec : o.dtype;
                default -> o.dtype.isFloat() ? exec : o.dtype;
            };
            if (o.isOutput() && natural != o.dtype) {
                if (st instanceof Step.CastStep) continue; // a cast writes the output's dtype directly
                // The edge: the step writes its dtype, a cast converts to the output's logical dtype.
                Slot t = newSlot(o.name + "/" + natural.name().toLowerCase(), o.shape, natural);
                st.out = t;
                for (Step c : consumers(o)) c.replaceInput(o, t);
                steps.add(steps.indexOf(st) + 1, new Step.CastStep(o.name + "/to_" + o.dtype.name().toLowerCase(), o, t,
                        1f, 0f));
            } else {
                o.dtype = natural;
            }
        }
        // Inputs of each step in the dtype it computes in (casting graph inputs at the edge).
        Map<String, Slot> casts = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            for (Slot x : List.copyOf(st.inputs())) {
                DType want = wanted(st, x);
                if (want == null || x.dtype == want) continue;
                Slot y;
                if (x.isConstant()) {
                    // Constants are uploaded in whatever dtype their reader computes in.
                    y = casts.computeIfAbsent(x.id + "/" + want, k -> {
                        Slot c = newSlot(x.name, x.shape, want);
                        c.constant = x.constant;
                        return c;
                    });
                } else {
                    String key = x.id + "/" + want;
                    y = casts.get(key);
                    if (y == null) {
                        y = newSlot(x.name + "/" + want.name().toLowerCase(), x.shape, want);
                        casts.put(key, y);
                        steps.add(i, new Step.CastStep(y.name, y, x, 1f, 0f));
                        i++;
                    }
                }
                st.replaceInput(x, y);
            }
        }
    }

    /** The dtype a step needs input {@code x} in, or null when any float will do. */
    private static DType wanted(Step st, Slot x) {
        return switch (st) {
            case Step.CastStep _, Step.GramStep _, Step.Concat _ -> null;
            case Step.ReduceStep r -> x == r.b ? r.a.dtype : null;
            default -> st.out.dtype;
        };
    }

    // ---- placement: concat slices, reshape views, in place ---------------------------------------------

    /** Producers write their output into the concat's buffer; inputs that cannot be placed there are copied. */
    private void concatSlices() {
        for (Step st : steps) {
            if (!(st instanceof Step.Concat c)) continue;
            for (int i = 0; i < c.xs.size(); i++) {
                Slot x = c.xs.get(i);
                if (c.xs.indexOf(x) != i || x.parent != null || x.dtype != c.out.dtype) continue;
                Step p = producer(x);
                boolean writesSlices = p != null && !(p instanceof Step.GramStep || p instanceof Step.ReduceStep
                        || p instanceof Step.Reshape);
                if (!writesSlices) continue;
                x.parent = c.out;
                x.relation = Slot.Relation.SLICE;
                x.channelOffset = c.offset(i);
            }
        }
    }

    private Step producer(Slot s) {
        for (Step st : steps) if (st.out == s) return st;
        return null;
    }

    /** A reshape of a dense tensor is a view of it; of a slice, a copy. */
    private void reshapeViews() {
        for (Step st : steps) {
            if (st instanceof Step.Reshape r && !r.x.isConstant() && r.x.dtype == r.out.dtype && isDense(r.x)
                    && r.out.parent == null) {
                r.out.parent = r.x;
                r.out.relation = Slot.Relation.RESHAPE;
            }
        }
    }

    private static boolean isDense(Slot s) {
        for (Slot t = s; t.parent != null; t = t.parent) {
            if (t.relation == Slot.Relation.SLICE && t.shape.c() != t.parent.shape.c()) return false;
        }
        return true;
    }

    /** Whether another input of {@code st} lives in x's memory (then writing over x would change what it reads). */
    private static boolean sharesMemoryWithAnotherInput(Step st, Slot x) {
        List<Slot> others = st instanceof Step.Conv c ? List.of(c.x) : st.inputs();
        for (Slot o : others) if (o != x && o.root() == x.root()) return true;
        return false;
    }

    /**
     * An activation, add, norm or conv residual writes over an input that nothing reads afterwards
     * (the kernels read each element before writing it; for a conv, only the residual may be y).
     */
    private void inPlace() {
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            Slot y = st.out;
            if (y.parent != null || y.isInput() || y.isConstant()) continue;
            List<Slot> candidates = switch (st) {
                case Step.Ew e -> e.inputs();
                case Step.Norm n -> List.of(n.x);
                case Step.Conv c -> c.residual == null ? List.of() : List.of(c.residual);
                default -> List.of();
            };
            for (Slot x : candidates) {
                if (x.isInput() || x.isConstant() || x.isOutput() || !x.isWholeRoot()) continue;
                if (!x.shape.equals(y.shape) || x.dtype != y.dtype) continue;
                if (sharesMemoryWithAnotherInput(st, x)) continue;
                if (Program.lastUse(steps, x.root()) != i) continue;
                y.parent = x;
                y.relation = Slot.Relation.SAME;
                break;
            }
        }
    }
}

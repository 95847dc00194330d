// Builds a Graph node by node with shape inference at every step: the API models/ and the importers
// use. Layers that own parameters create named slots with PyTorch's names (prefix + ".weight", ...).
package dev.gannet.graph;

import dev.gannet.ops.Activation;
import dev.gannet.ops.BatchNorm;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.Gram;
import dev.gannet.ops.InstanceNorm;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Pool2d;
import dev.gannet.ops.Reduce;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every method adds one node (parameter slots are nodes too) and returns its output value; a shape
 * or dtype error is a GannetException naming the node, its op and the shapes. Node names are unique:
 * {@link #named} sets the next node's name, otherwise it is the op kind with a counter (layers with
 * parameters are named by their prefix). Not thread-safe; {@link #build} may be called more than
 * once (each graph is a snapshot).
 */
public final class GraphBuilder {
    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Integer, Value> values = new HashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, Value> inputs = new LinkedHashMap<>();
    private final Map<String, Value> outputs = new LinkedHashMap<>();
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final Map<String, Value> paramValues = new HashMap<>();
    private final Map<String, WeightData> weights = new LinkedHashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private int nextValueId;
    private String pendingName;

    public GraphBuilder(String name) {
        this.name = name;
    }

    GraphBuilder(Graph g) {
        this.name = g.name();
        for (Node n : g.nodes()) {
            nodes.add(n);
            names.add(n.name());
            for (Value v : n.outputs()) values.put(v.id(), v);
            if (n.op() instanceof Op.ParamRef p) paramValues.put(p.param().name(), n.output());
        }
        inputs.putAll(g.inputs());
        outputs.putAll(g.outputs());
        params.putAll(g.params());
        weights.putAll(g.weights());
        nextValueId = g.nextValueId();
    }

    /**
     * The name of the next node added (a layer's name in the source model, say). Next means next:
     * in {@code b.named("c").conv2d(x, b.relu(w), ...)} the relu, made while evaluating the
     * arguments, would take it, so make argument values first. Parameter slots and inputs made
     * meanwhile do not take it.
     */
    public GraphBuilder named(String nodeName) {
        if (nodeName == null || nodeName.isEmpty()) throw invalid("a node name must not be empty");
        pendingName = nodeName;
        return this;
    }

    public Graph build() {
        if (outputs.isEmpty()) throw invalid(name + ": the graph has no outputs (call output(name, value))");
        return new Graph(name, nodes, inputs, outputs, params, weights, nextValueId);
    }

    // ---- inputs, outputs, parameters -------------------------------------------------------------

    /** A graph input of the given NHWC shape and dtype (F32 for activations, U8 for images). */
    public Value input(String inputName, Shape shape, DType dtype) {
        if (inputs.containsKey(inputName)) throw invalid(name + ": two inputs are named '" + inputName + "'");
        String saved = pendingName;
        pendingName = inputName;
        Value v;
        try {
            v = node(new Op.Input(inputName, new Op.TensorType(shape, dtype)), List.of());
        } finally {
            pendingName = saved;
        }
        inputs.put(inputName, v);
        return v;
    }

    /** An F32 graph input. */
    public Value input(String inputName, Shape shape) {
        return input(inputName, shape, DType.F32);
    }

    /** Marks {@code v} as an output of the graph under {@code outputName}. */
    public GraphBuilder output(String outputName, Value v) {
        check(v);
        if (outputs.containsKey(outputName)) throw invalid(name + ": two outputs are named '" + outputName + "'");
        outputs.put(outputName, v);
        return this;
    }

    /** A parameter slot without values yet (bind them with {@link #bind} or Graph.withWeights). */
    public Value param(String paramName, Shape shape, ParamLayout layout, boolean trainable) {
        if (params.containsKey(paramName)) throw invalid(name + ": two parameters are named '" + paramName + "'");
        Param p = new Param(paramName, shape, layout, trainable);
        // A slot made while evaluating another node's arguments must not take that node's name.
        String saved = pendingName;
        pendingName = paramName;
        Value v;
        try {
            v = node(new Op.ParamRef(p), List.of());
        } finally {
            pendingName = saved;
        }
        params.put(paramName, p);
        paramValues.put(paramName, v);
        return v;
    }

    /** A parameter slot with its values. */
    public Value param(String paramName, Shape shape, ParamLayout layout, boolean trainable, WeightData data) {
        Value v = param(paramName, shape, layout, trainable);
        bind(paramName, data);
        return v;
    }

    /** Binds values to an existing slot (count checked). */
    public GraphBuilder bind(String paramName, WeightData data) {
        Param p = params.get(paramName);
        if (p == null) throw invalid(name + ": no parameter '" + paramName + "' to bind");
        if (data.count() != p.shape().numel()) {
            throw invalid(name + ": parameter " + p.describe() + " needs " + p.shape().numel() + " values, got "
                    + data.count());
        }
        weights.put(paramName, data);
        return this;
    }

    /** The value of a parameter slot created earlier. */
    public Value paramValue(String paramName) {
        Value v = paramValues.get(paramName);
        if (v == null) throw invalid(name + ": no parameter '" + paramName + "'");
        return v;
    }

    // ---- convolutions and linear layers ----------------------------------------------------------

    /** conv2d over explicit weight (K,R,S,C) and optional bias (1,1,1,K) values. */
    public Value conv2d(Value x, Value w, Value bias, Conv2d.Attrs attrs) {
        return bias == null ? node(new Op.Conv(attrs, false), List.of(x, w))
                : node(new Op.Conv(attrs, true), List.of(x, w, bias));
    }

    /**
     * PyTorch's {@code nn.Conv2d(C, k, kernel, stride, pad, padding_mode=mode, bias=bias)} named
     * {@code prefix}: slots {@code prefix.weight} (k x kernel x kernel x C) and {@code prefix.bias}.
     */
    public Value conv2d(Value x, String prefix, int k, int kernel, int stride, int pad, PadMode mode, boolean bias) {
        return conv2d(x, prefix, k, Conv2d.Attrs.of(kernel, stride, pad, mode), bias);
    }

    /** A named conv2d with any attributes (asymmetric padding, dilation, fused nearest upsample). */
    public Value conv2d(Value x, String prefix, int k, Conv2d.Attrs attrs, boolean bias) {
        check(x);
        Value w = param(prefix + ".weight", Shape.of(k, attrs.r(), attrs.s(), x.shape().c()), ParamLayout.CONV, true);
        Value b = bias ? param(prefix + ".bias", Shape.of(1, 1, 1, k), ParamLayout.VECTOR, true) : null;
        pendingName = prefix;
        return conv2d(x, w, b, attrs);
    }

    /** conv_transpose2d over explicit weight (K,R,S,C; K = output channels) and optional bias values. */
    public Value convTranspose2d(Value x, Value w, Value bias, ConvTranspose2d.Attrs attrs) {
        return bias == null ? node(new Op.ConvTranspose(attrs, false), List.of(x, w))
                : node(new Op.ConvTranspose(attrs, true), List.of(x, w, bias));
    }

    /**
     * PyTorch's {@code nn.ConvTranspose2d(C, k, kernel, stride, pad, output_padding, bias=bias)} named
     * {@code prefix}; the weight slot is stored (C, k, R, S) by PyTorch, k x R x S x C by gannet.
     */
    public Value convTranspose2d(Value x, String prefix, int k, int kernel, int stride, int pad, int outPad,
                                 boolean bias) {
        check(x);
        var attrs = ConvTranspose2d.Attrs.of(kernel, stride, pad, outPad);
        Value w = param(prefix + ".weight", Shape.of(k, kernel, kernel, x.shape().c()), ParamLayout.CONV_TRANSPOSE,
                true);
        Value b = bias ? param(prefix + ".bias", Shape.of(1, 1, 1, k), ParamLayout.VECTOR, true) : null;
        pendingName = prefix;
        return convTranspose2d(x, w, b, attrs);
    }

    /** y = x·Wᵀ + bias over the pixels of x, W a (1,1,K,C) value. */
    public Value linear(Value x, Value w, Value bias) {
        return bias == null ? node(new Op.LinearOp(false), List.of(x, w))
                : node(new Op.LinearOp(true), List.of(x, w, bias));
    }

    /** PyTorch's {@code nn.Linear(C, k, bias)} named {@code prefix}. */
    public Value linear(Value x, String prefix, int k, boolean bias) {
        check(x);
        Value w = param(prefix + ".weight", Shape.of(1, 1, k, x.shape().c()), ParamLayout.MATRIX, true);
        Value b = bias ? param(prefix + ".bias", Shape.of(1, 1, 1, k), ParamLayout.VECTOR, true) : null;
        pendingName = prefix;
        return linear(x, w, b);
    }

    // ---- normalization ---------------------------------------------------------------------------

    /** Inference BatchNorm over explicit values (gamma and beta null for affine = false). */
    public Value batchNorm(Value x, Value runningMean, Value runningVar, Value gamma, Value beta, float eps,
                           float momentum) {
        if ((gamma == null) != (beta == null)) throw invalid(name + ": batchnorm takes gamma and beta together");
        return gamma == null ? node(new Op.BatchNormOp(eps, momentum, false), List.of(x, runningMean, runningVar))
                : node(new Op.BatchNormOp(eps, momentum, true), List.of(x, runningMean, runningVar, gamma, beta));
    }

    /**
     * PyTorch's {@code nn.BatchNorm2d(C, eps, momentum, affine)} named {@code prefix}: slots
     * {@code prefix.weight}, {@code prefix.bias} (when affine), {@code prefix.running_mean},
     * {@code prefix.running_var} (buffers). PyTorch's {@code num_batches_tracked} is not a slot.
     */
    public Value batchNorm(Value x, String prefix, float eps, float momentum, boolean affine) {
        check(x);
        Shape v = Shape.of(1, 1, 1, x.shape().c());
        Value g = affine ? param(prefix + ".weight", v, ParamLayout.VECTOR, true) : null;
        Value b = affine ? param(prefix + ".bias", v, ParamLayout.VECTOR, true) : null;
        Value m = param(prefix + ".running_mean", v, ParamLayout.VECTOR, false);
        Value var = param(prefix + ".running_var", v, ParamLayout.VECTOR, false);
        pendingName = prefix;
        return batchNorm(x, m, var, g, b, eps, momentum);
    }

    /** BatchNorm2d with PyTorch's defaults (eps 1e-5, momentum 0.1, affine). */
    public Value batchNorm(Value x, String prefix) {
        return batchNorm(x, prefix, BatchNorm.DEFAULT_EPS, BatchNorm.DEFAULT_MOMENTUM, true);
    }

    /** InstanceNorm over explicit gamma/beta values (both null: plain). */
    public Value instanceNorm(Value x, Value gamma, Value beta, float eps) {
        if ((gamma == null) != (beta == null)) throw invalid(name + ": instancenorm takes gamma and beta together");
        return gamma == null ? node(new Op.InstanceNormOp(eps, false), List.of(x))
                : node(new Op.InstanceNormOp(eps, true), List.of(x, gamma, beta));
    }

    /**
     * PyTorch's {@code nn.InstanceNorm2d(C, affine=affine)} (eps 1e-5) named {@code prefix}, with slots
     * {@code prefix.weight}, {@code prefix.bias} when affine (running statistics are not used).
     */
    public Value instanceNorm(Value x, String prefix, boolean affine) {
        check(x);
        Shape v = Shape.of(1, 1, 1, x.shape().c());
        Value g = affine ? param(prefix + ".weight", v, ParamLayout.VECTOR, true) : null;
        Value b = affine ? param(prefix + ".bias", v, ParamLayout.VECTOR, true) : null;
        pendingName = prefix;
        return instanceNorm(x, g, b, InstanceNorm.DEFAULT_EPS);
    }

    // ---- element-wise ----------------------------------------------------------------------------

    public Value activation(Value x, Activation act) {
        return node(new Op.Act(act), List.of(x));
    }

    public Value relu(Value x) {
        return activation(x, Activation.RELU);
    }

    public Value leakyRelu(Value x, float alpha) {
        return activation(x, Activation.leaky(alpha));
    }

    public Value tanh(Value x) {
        return activation(x, Activation.TANH);
    }

    public Value sigmoid(Value x) {
        return activation(x, Activation.SIGMOID);
    }

    /** a + b (numpy broadcasting). */
    public Value add(Value a, Value b) {
        return add(a, b, 1f, 1f);
    }

    /** sa·a + sb·b. */
    public Value add(Value a, Value b, float sa, float sb) {
        return node(new Op.Add(sa, sb), List.of(a, b));
    }

    /** a·b (numpy broadcasting). */
    public Value mul(Value a, Value b) {
        return node(new Op.Mul(1f), List.of(a, b));
    }

    /** scale·x (UpscalerJS's MultiplyBeta). */
    public Value scale(Value x, float scale) {
        return affine(x, scale, 0f);
    }

    /** scale·x + shift. */
    public Value affine(Value x, float scale, float shift) {
        return node(new Op.Affine(scale, shift), List.of(x));
    }

    public Value clamp(Value x, float lo, float hi) {
        return node(new Op.Clamp(lo, hi), List.of(x));
    }

    // ---- data movement ---------------------------------------------------------------------------

    /** Pads H and W by (top, left, bottom, right) in {@code mode} (zero fills 0); negative amounts crop. */
    public Value pad(Value x, int top, int left, int bottom, int right, PadMode mode) {
        return node(new Op.Pad(top, left, bottom, right, mode, 0f), List.of(x));
    }

    /** The same amount on every side (PyTorch's ReflectionPad2d(p), ReplicationPad2d(p), ZeroPad2d(p)). */
    public Value pad(Value x, int p, PadMode mode) {
        return pad(x, p, p, p, p, mode);
    }

    /** Nearest upsampling by an integer factor (PyTorch Upsample(scale_factor=f, mode='nearest')). */
    public Value upsampleNearest(Value x, int factor) {
        return upsampleNearest(x, factor, factor);
    }

    public Value upsampleNearest(Value x, int factorH, int factorW) {
        return node(new Op.Resize(Upsample2d.Mode.NEAREST, factorH, factorW, 0, 0), List.of(x));
    }

    /** A bilinear (align_corners false) or area resize to outH x outW. */
    public Value resize(Value x, Upsample2d.Mode mode, int outH, int outW) {
        if (mode == Upsample2d.Mode.NEAREST) throw invalid(name + ": nearest resizing takes factors: upsampleNearest");
        return node(new Op.Resize(mode, 1, 1, outH, outW), List.of(x));
    }

    /** depth_to_space: DCR is TF's (UpscalerJS), CRD PyTorch's nn.PixelShuffle. */
    public Value pixelShuffle(Value x, int block, PixelShuffle.Mode mode) {
        return node(new Op.Shuffle(block, mode, false), List.of(x));
    }

    /** space_to_depth (PyTorch's nn.PixelUnshuffle with CRD). */
    public Value pixelUnshuffle(Value x, int block, PixelShuffle.Mode mode) {
        return node(new Op.Shuffle(block, mode, true), List.of(x));
    }

    /** Concatenation along channels (torch.cat(dim=1) of NCHW tensors). */
    public Value concat(Value... xs) {
        return concat(Arrays.asList(xs));
    }

    public Value concat(List<Value> xs) {
        return node(new Op.Concat(), xs);
    }

    /** A view with another shape of the same count (NHWC element order). */
    public Value reshape(Value x, Shape to) {
        return node(new Op.Reshape(to), List.of(x));
    }

    /**
     * (N, 1, 1, H·W·C). Note the NHWC order: a PyTorch flatten of NCHW orders features C, H, W, so an
     * importer reorders the following linear layer's weights (nothing to do when H = W = 1).
     */
    public Value flatten(Value x) {
        check(x);
        Shape s = x.shape();
        return reshape(x, Shape.of(s.n(), 1, 1, Math.multiplyExact(Math.multiplyExact(s.h(), s.w()), s.c())));
    }

    /** Converts to {@code to}: y = x·scale + offset (U8 outputs round and saturate). */
    public Value cast(Value x, DType to, float scale, float offset) {
        return node(new Op.CastOp(to, scale, offset), List.of(x));
    }

    public Value cast(Value x, DType to) {
        return cast(x, to, 1f, 0f);
    }

    // ---- pooling and statistics ------------------------------------------------------------------

    public Value avgPool(Value x, int k, int stride, int pad) {
        return node(new Op.Pool(Pool2d.Mode.AVG, k, stride, pad), List.of(x));
    }

    public Value maxPool(Value x, int k, int stride, int pad) {
        return node(new Op.Pool(Pool2d.Mode.MAX, k, stride, pad), List.of(x));
    }

    /** The mean over H and W: (N,1,1,C) (PyTorch AdaptiveAvgPool2d(1)). */
    public Value globalAvgPool(Value x) {
        return node(new Op.Pool(Pool2d.Mode.GLOBAL_AVG, 1, 1, 0), List.of(x));
    }

    /** Gram matrices F·Fᵀ / (H·W·C), as the neural-style lesson defines them; F32. */
    public Value gram(Value x) {
        check(x);
        return gram(x, Gram.defaultScale(x.shape()));
    }

    public Value gram(Value x, float scale) {
        return node(new Op.GramOp(scale), List.of(x));
    }

    /** The mean of every element (1,1,1,1), F32: the WGAN critic's output. */
    public Value mean(Value x) {
        return node(new Op.ReduceOp(Reduce.Kind.MEAN_ALL), List.of(x));
    }

    public Value meanChannel(Value x) {
        return node(new Op.ReduceOp(Reduce.Kind.MEAN_CHANNEL), List.of(x));
    }

    /** mean((a - b)²), F32 (content and style losses). */
    public Value mse(Value a, Value b) {
        return node(new Op.ReduceOp(Reduce.Kind.MSE), List.of(a, b));
    }

    public Value l1(Value a, Value b) {
        return node(new Op.ReduceOp(Reduce.Kind.L1), List.of(a, b));
    }

    // ---- the one place nodes are made ------------------------------------------------------------

    /** Adds a node for {@code op} over {@code in}, inferring its outputs; the general form of every method above. */
    public Value node(Op op, List<Value> in) {
        String nodeName = pendingName != null ? pendingName : autoName(op);
        pendingName = null;
        if (!names.add(nodeName)) throw invalid(name + ": two nodes are named '" + nodeName + "'");
        try {
            for (Value v : in) check(v);
            List<Op.TensorType> types = op.infer(in.stream().map(v -> new Op.TensorType(v.shape(), v.dtype())).toList());
            List<Value> outs = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                Op.TensorType t = types.get(i);
                Value v = new Value(nextValueId++, i == 0 ? nodeName : nodeName + "#" + i, t.shape(), t.dtype());
                values.put(v.id(), v);
                outs.add(v);
            }
            nodes.add(new Node(nodes.size(), nodeName, op, in, outs));
            return outs.getFirst();
        } catch (GannetException e) {
            names.remove(nodeName);
            StringBuilder shapes = new StringBuilder();
            for (int i = 0; i < in.size(); i++) {
                if (in.get(i) == null) continue;
                shapes.append(i == 0 ? "" : ", ").append(in.get(i));
            }
            throw new GannetException(e.code(), name + ": node '" + nodeName + "' (" + op.kind() + ") on inputs ["
                    + shapes + "]: " + e.detail(), e);
        }
    }

    private String autoName(Op op) {
        String kind = op.kind();
        int paren = kind.indexOf('(');
        String base = (paren < 0 ? kind : kind.substring(0, paren)).replaceAll("[^A-Za-z0-9_]", "_");
        while (true) {
            int i = counters.merge(base, 1, Integer::sum);
            String n = base + "_" + i;
            if (!names.contains(n)) return n;
        }
    }

    private void check(Value v) {
        if (v == null) throw invalid(name + ": a node input is null");
        if (!v.equals(values.get(v.id()))) {
            throw invalid(name + ": value " + v + " does not belong to this graph builder");
        }
    }

    private static GannetException invalid(String msg) {
        return new GannetException(ErrorCode.INVALID_ARGUMENT, msg);
    }
}

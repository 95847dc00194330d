// Imports an ONNX model (as PyTorch's exporter or gannet's writes them: NCHW, opset 11+) into a gannet
// Graph: NHWC activations, conv weights converted from OIHW/IOHW to K x R x S x C once, here.
package dev.gannet.models.onnx;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Op;
import dev.gannet.graph.ParamLayout;
import dev.gannet.graph.Value;
import dev.gannet.graph.WeightData;
import dev.gannet.models.onnx.OnnxModel.Constant;
import dev.gannet.models.onnx.OnnxModel.Node;
import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Pool2d;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Each ONNX tensor maps to a gannet value in one of three forms: an NCHW activation (the gannet
 * value holds it as NHWC), an NHWC tensor (between gannet's own boundary Transposes: a graph input
 * that feeds only {@code Transpose(0,3,1,2)}, or a {@code Transpose(0,2,3,1)} before an output), or
 * the (N, C) rows of a {@code Flatten} of an (N, C, 1, 1) tensor. Graph inputs and outputs are NHWC
 * whatever the file's layout. Weights must be constants (initializers or Constant nodes); they become
 * parameter slots named like the constant (PyTorch's exporter names them by state-dict name).
 *
 * <p>Imported ops: {@value #SUPPORTED}. Anything else, and attribute values gannet cannot honour
 * (groups, asymmetric transposed-conv padding, ceil-mode pooling, ...), is an error naming the node.
 */
public final class OnnxImporter {
    static final String SUPPORTED = "Conv, ConvTranspose, Relu, LeakyRelu, Tanh, Sigmoid, Clip, Add, Sub, Mul, Div, "
            + "Concat, Resize (nearest with integer factors, linear), DepthToSpace, SpaceToDepth, Pad, "
            + "BatchNormalization, InstanceNormalization, AveragePool, MaxPool, GlobalAveragePool, ReduceMean, Flatten, "
            + "Gemm, MatMul, Reshape, Transpose (NCHW <-> NHWC), Identity, Dropout";

    private enum Form { NCHW, NHWC, FLAT }

    private record Entry(Value value, Form form) {}

    private final OnnxModel model;
    private final GraphBuilder b;
    private final Map<String, Entry> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();
    private final String where;

    private OnnxImporter(OnnxModel model) {
        this.model = model;
        this.where = model.file().toString();
        String name = model.file().getFileName() == null ? "onnx" : model.file().getFileName().toString();
        this.b = new GraphBuilder(name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name);
    }

    /** The graph with the file's fixed input shapes (every input dimension must be a number). */
    public static Graph toGraph(OnnxModel model) {
        return toGraph(model, Map.of());
    }

    /**
     * The graph for the given NHWC input shapes by input name (needed for inputs with symbolic
     * dimensions; others keep the file's shape, which a given shape must then match).
     */
    public static Graph toGraph(OnnxModel model, Map<String, Shape> nhwcInputs) {
        OnnxImporter im = new OnnxImporter(model);
        im.inputs(nhwcInputs);
        for (Node n : model.nodes()) {
            try {
                im.node(n);
            } catch (GannetException e) {
                if (e.detail().contains(n.label())) throw e;
                throw new GannetException(e.code(), im.where + ": " + n.label() + ": " + e.detail(), e);
            }
        }
        for (OnnxModel.ValueInfo o : model.outputs()) {
            Entry e = im.values.get(o.name());
            if (e == null) throw OnnxModel.fail(im.where, "output '" + o.name() + "' is a constant, not computed");
            im.b.output(o.name(), e.value());
        }
        return im.b.build();
    }

    // ---- inputs ---------------------------------------------------------------------------------

    private void inputs(Map<String, Shape> given) {
        for (OnnxModel.ValueInfo in : model.inputs()) {
            List<Object> d = in.dims();
            if (d.size() != 4) {
                throw OnnxModel.fail(where, "input '" + in.name() + "' has " + d.size() + " dimensions; gannet takes "
                        + "4-D images");
            }
            // An input whose only readers turn it from NHWC to NCHW is gannet's own NHWC boundary.
            boolean nhwc = true;
            boolean read = false;
            for (Node n : model.nodes()) {
                if (!n.inputs().contains(in.name())) continue;
                read = true;
                nhwc &= n.opType().equals("Transpose") && Arrays.equals(n.ints("perm", null), new long[] {0, 3, 1, 2});
            }
            nhwc &= read;
            int[] dims = new int[4];
            for (int i = 0; i < 4; i++) dims[i] = d.get(i) instanceof Long l ? Math.toIntExact(l) : -1;
            Shape fromFile = nhwc ? dimsShape(dims[0], dims[1], dims[2], dims[3]) : dimsShape(dims[0], dims[2], dims[3],
                    dims[1]);
            Shape s = given.get(in.name());
            if (s == null) {
                if (fromFile == null) {
                    throw OnnxModel.fail(where, "input '" + in.name() + "' has dimensions " + d + "; give its NHWC shape");
                }
                s = fromFile;
            } else if (fromFile != null && !fromFile.equals(s)) {
                throw OnnxModel.fail(where, "input '" + in.name() + "' is " + fromFile + " (NHWC) in the file, not " + s);
            } else {
                checkCompatible(in, s, nhwc);
            }
            values.put(in.name(), new Entry(b.input(in.name(), s), nhwc ? Form.NHWC : Form.NCHW));
            used.add(in.name());
        }
    }

    private void checkCompatible(OnnxModel.ValueInfo in, Shape s, boolean nhwc) {
        int[] want = nhwc ? new int[] {s.n(), s.h(), s.w(), s.c()} : new int[] {s.n(), s.c(), s.h(), s.w()};
        for (int i = 0; i < 4; i++) {
            if (in.dims().get(i) instanceof Long l && l != want[i]) {
                throw OnnxModel.fail(where, "input '" + in.name() + "' has dimensions " + in.dims() + ", which " + s
                        + " (NHWC) does not fit");
            }
        }
    }

    private static Shape dimsShape(int n, int h, int w, int c) {
        return n > 0 && h > 0 && w > 0 && c > 0 ? Shape.of(n, h, w, c) : null;
    }

    // ---- helpers --------------------------------------------------------------------------------

    private GannetException unsupported(Node n, String why) {
        return new GannetException(ErrorCode.UNSUPPORTED, where + ": " + n.label() + ": " + why);
    }

    private Entry entry(Node n, int i) {
        String name = n.inputs().get(i);
        Entry e = values.get(name);
        if (e == null) {
            throw unsupported(n, "input " + i + " '" + name + "' is " + (model.isConstant(name) ? "a constant where "
                    + "gannet needs a computed tensor" : "missing"));
        }
        return e;
    }

    private Value nchw(Node n, int i) {
        Entry e = entry(n, i);
        if (e.form() != Form.NCHW) {
            throw unsupported(n, "input '" + n.inputs().get(i) + "' is " + (e.form() == Form.FLAT ? "a flattened (N, C) "
                    + "matrix" : "in NHWC order") + ", this op needs an NCHW image tensor");
        }
        return e.value();
    }

    private Constant constant(Node n, int i, String what) {
        if (i >= n.inputs().size() || n.inputs().get(i).isEmpty()) throw unsupported(n, "has no " + what + " input");
        String name = n.inputs().get(i);
        if (!model.isConstant(name)) throw unsupported(n, what + " '" + name + "' must be a constant (an initializer)");
        return model.constant(name);
    }

    private boolean hasInput(Node n, int i) {
        return i < n.inputs().size() && !n.inputs().get(i).isEmpty();
    }

    private float[] floats(Node n, Constant c, String what) {
        if (!c.isFloat()) throw unsupported(n, what + " '" + c.name() + "' must be FLOAT");
        return c.floats();
    }

    private long[] longs(Node n, Constant c, String what) {
        if (c.isFloat()) throw unsupported(n, what + " '" + c.name() + "' must be INT64");
        return c.longs();
    }

    /** A name for the next node: the ONNX node's name, else its output's, made unique. */
    private GraphBuilder named(Node n) {
        String base = !n.name().isEmpty() ? n.name() : n.outputs().getFirst();
        return b.named(unique(base));
    }

    private String unique(String base) {
        String s = base;
        for (int i = 1; used.contains(s); i++) s = base + "_" + i;
        used.add(s);
        return s;
    }

    /** The slot for a constant (one per constant name: a constant read twice shares its slot). */
    private Value param(Constant c, Shape shape, ParamLayout layout, float[] torchOrder, boolean trainable) {
        String name = c.name().isEmpty() ? unique("const") : c.name();
        try {
            Value existing = b.paramValue(name);
            if (existing.shape().equals(shape)) return existing;
            name = unique(name + "_" + layout.name().toLowerCase());
        } catch (GannetException notYet) {
            // first use of this constant
        }
        used.add(name);
        return b.param(name, shape, layout, trainable, WeightData.torch(torchOrder));
    }

    private Value vectorParam(Constant c, float[] values, int k) {
        String name = (c.name().isEmpty() ? "const" : c.name());
        Value v = null;
        try {
            v = b.paramValue(name);
        } catch (GannetException notYet) {
            // created below
        }
        if (v != null) {
            name = unique(name + "_vector");
        }
        used.add(name);
        return b.param(name, Shape.of(1, 1, 1, k), ParamLayout.VECTOR, true, WeightData.torch(values));
    }

    private void put(Node n, Value v, Form f) {
        values.put(n.outputs().getFirst(), new Entry(v, f));
    }

    private static boolean is(long[] a, long... b) {
        return Arrays.equals(a, b);
    }

    // ---- nodes ----------------------------------------------------------------------------------

    private void node(Node n) {
        if (n.outputs().size() != 1 && !n.opType().equals("Dropout")) {
            throw unsupported(n, "has " + n.outputs().size() + " outputs; gannet imports single-output nodes");
        }
        switch (n.opType()) {
            case "Identity", "Dropout" -> values.put(n.outputs().getFirst(), entry(n, 0));
            case "Transpose" -> {
                Entry e = entry(n, 0);
                long[] perm = n.ints("perm", null);
                if (e.form() == Form.NHWC && is(perm, 0, 3, 1, 2)) put(n, e.value(), Form.NCHW);
                else if (e.form() == Form.NCHW && is(perm, 0, 2, 3, 1)) put(n, e.value(), Form.NHWC);
                else throw unsupported(n, "only the NCHW <-> NHWC transposes at a graph's edges are imported (perm "
                        + Arrays.toString(perm) + " on a " + e.form() + " tensor)");
            }
            case "Conv" -> put(n, conv(n), Form.NCHW);
            case "ConvTranspose" -> put(n, convTranspose(n), Form.NCHW);
            case "Relu" -> put(n, named(n).relu(nchwOrAny(n)), formOf(n));
            case "LeakyRelu" -> put(n, named(n).leakyRelu(nchwOrAny(n), n.f("alpha", 0.01f)), formOf(n));
            case "Tanh" -> put(n, named(n).tanh(nchwOrAny(n)), formOf(n));
            case "Sigmoid" -> put(n, named(n).sigmoid(nchwOrAny(n)), formOf(n));
            case "Clip" -> {
                float lo = hasInput(n, 1) ? scalar(n, constant(n, 1, "min")) : -Float.MAX_VALUE;
                float hi = hasInput(n, 2) ? scalar(n, constant(n, 2, "max")) : Float.MAX_VALUE;
                put(n, named(n).clamp(nchwOrAny(n), lo, hi), formOf(n));
            }
            case "Add", "Sub", "Mul", "Div" -> arithmetic(n);
            case "Concat" -> {
                long axis = n.i("axis", 1);
                if (axis != 1 && axis != -3) throw unsupported(n, "concatenates along axis " + axis + "; gannet "
                        + "concatenates channels (axis 1)");
                List<Value> xs = new java.util.ArrayList<>();
                for (int i = 0; i < n.inputs().size(); i++) xs.add(nchw(n, i));
                put(n, named(n).concat(xs), Form.NCHW);
            }
            case "Resize" -> put(n, resize(n), Form.NCHW);
            case "DepthToSpace" -> {
                String mode = n.s("mode", "DCR");
                PixelShuffle.Mode m = switch (mode) {
                    case "DCR" -> PixelShuffle.Mode.DCR;
                    case "CRD" -> PixelShuffle.Mode.CRD;
                    default -> throw unsupported(n, "mode '" + mode + "' is neither DCR nor CRD");
                };
                put(n, named(n).pixelShuffle(nchw(n, 0), (int) n.i("blocksize", 0), m), Form.NCHW);
            }
            case "SpaceToDepth" -> put(n, named(n).pixelUnshuffle(nchw(n, 0), (int) n.i("blocksize", 0),
                    PixelShuffle.Mode.DCR), Form.NCHW);
            case "Pad" -> put(n, pad(n), Form.NCHW);
            case "BatchNormalization" -> {
                if (n.outputs().size() > 1 || n.i("training_mode", 0) != 0) {
                    throw unsupported(n, "training-mode BatchNormalization is not imported (export in eval mode)");
                }
                Value x = nchw(n, 0);
                int c = x.shape().c();
                boolean plain = madeUpIdentity(n);
                Value g = plain ? null : vector(n, 1, "scale", c, true), beta = plain ? null : vector(n, 2, "B", c, true);
                Value mean = vector(n, 3, "mean", c, false), var = vector(n, 4, "var", c, false);
                put(n, named(n).batchNorm(x, mean, var, g, beta, n.f("epsilon", 1e-5f), 1 - n.f("momentum", 0.9f)),
                        Form.NCHW);
            }
            case "InstanceNormalization" -> {
                Value x = nchw(n, 0);
                int c = x.shape().c();
                if (madeUpIdentity(n)) {
                    put(n, named(n).instanceNorm(x, null, null, n.f("epsilon", 1e-5f)), Form.NCHW);
                } else {
                    put(n, named(n).instanceNorm(x, vector(n, 1, "scale", c, true), vector(n, 2, "B", c, true),
                            n.f("epsilon", 1e-5f)), Form.NCHW);
                }
            }
            case "AveragePool", "MaxPool" -> put(n, pool(n), Form.NCHW);
            case "GlobalAveragePool" -> put(n, named(n).globalAvgPool(nchw(n, 0)), Form.NCHW);
            case "ReduceMean" -> put(n, reduceMean(n), Form.NCHW);
            case "Flatten" -> {
                Value x = nchw(n, 0);
                long axis = n.i("axis", 1);
                if (axis != 1 || x.shape().h() != 1 || x.shape().w() != 1) {
                    throw unsupported(n, "only Flatten(axis=1) of an (N, C, 1, 1) tensor is imported, this is "
                            + "axis " + axis + " of (N, C, H, W) = " + nchwDims(x.shape()));
                }
                put(n, x, Form.FLAT);
            }
            case "Gemm" -> put(n, gemm(n), Form.FLAT);
            case "MatMul" -> put(n, matmul(n), Form.FLAT);
            case "Reshape" -> reshape(n);
            default -> throw unsupported(n, "gannet does not import " + n.opType() + " (it imports " + SUPPORTED + ")");
        }
    }

    private static String nchwDims(Shape s) {
        return "[" + s.n() + ", " + s.c() + ", " + s.h() + ", " + s.w() + "]";
    }

    /** Element-wise ops work on any form; their output keeps the input's. */
    private Value nchwOrAny(Node n) {
        return entry(n, 0).value();
    }

    private Form formOf(Node n) {
        return entry(n, 0).form();
    }

    private float scalar(Node n, Constant c) {
        float[] v = floats(n, c, "bound");
        if (v.length != 1) throw unsupported(n, "'" + c.name() + "' must be a scalar, it has dimensions "
                + Arrays.toString(c.dims()));
        return v[0];
    }

    /**
     * A norm whose scale and bias are Constant-node ones and zeros is a non-affine norm as PyTorch's
     * exporter writes one (InstanceNorm2d(affine=False)): it gets no parameter slots. Initializers
     * of ones and zeros stay slots: they are an affine norm's freshly initialized parameters.
     */
    private boolean madeUpIdentity(Node n) {
        if (!hasInput(n, 1) || !hasInput(n, 2)) return false;
        if (!model.isConstant(n.inputs().get(1)) || !model.isConstant(n.inputs().get(2))) return false;
        Constant s = model.constant(n.inputs().get(1)), b0 = model.constant(n.inputs().get(2));
        if (s.initializer() || b0.initializer() || !s.isFloat() || !b0.isFloat()) return false;
        for (float v : s.floats()) if (v != 1f) return false;
        for (float v : b0.floats()) if (v != 0f) return false;
        return true;
    }

    private Value vector(Node n, int i, String what, int c, boolean trainable) {
        Constant k = constant(n, i, what);
        float[] v = floats(n, k, what);
        if (v.length != c) throw unsupported(n, what + " '" + k.name() + "' has " + v.length + " values for " + c
                + " channels");
        return param(k, Shape.of(1, 1, 1, c), ParamLayout.VECTOR, v, trainable);
    }

    private int[] pads(Node n, int rank) {
        long[] p = n.ints("pads", new long[2 * rank]);
        if (p.length != 2 * rank) throw unsupported(n, "pads " + Arrays.toString(p) + " must have " + 2 * rank
                + " entries");
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) out[i] = Math.toIntExact(p[i]);
        return out;
    }

    private int[] pair(Node n, String attr, int absent) {
        long[] v = n.ints(attr, new long[] {absent, absent});
        if (v.length != 2) throw unsupported(n, attr + " " + Arrays.toString(v) + " must have 2 entries");
        return new int[] {Math.toIntExact(v[0]), Math.toIntExact(v[1])};
    }

    private void noAutoPad(Node n) {
        String ap = n.s("auto_pad", "NOTSET");
        if (!ap.equals("NOTSET")) throw unsupported(n, "auto_pad " + ap + " is not imported (export with explicit pads)");
    }

    private Value conv(Node n) {
        noAutoPad(n);
        if (n.i("group", 1) != 1) throw unsupported(n, "group " + n.i("group", 1) + "; gannet convolves with group 1");
        Value x = nchw(n, 0);
        Constant wc = constant(n, 1, "weight");
        long[] wd = wc.dims();
        if (wd.length != 4) throw unsupported(n, "weight dimensions " + Arrays.toString(wd) + " are not 4-D");
        int k = (int) wd[0], c = (int) wd[1], r = (int) wd[2], s = (int) wd[3];
        int[] st = pair(n, "strides", 1), dil = pair(n, "dilations", 1);
        int[] p = pads(n, 2);
        var attrs = new Conv2d.Attrs(r, s, st[0], st[1], dil[0], dil[1], p[0], p[1], p[2], p[3], PadMode.ZERO, 1);
        Value w = param(wc, Shape.of(k, r, s, c), ParamLayout.CONV, floats(n, wc, "weight"), true);
        Value bias = hasInput(n, 2) ? vector(n, 2, "bias", k, true) : null;
        return named(n).conv2d(x, w, bias, attrs);
    }

    private Value convTranspose(Node n) {
        noAutoPad(n);
        if (n.i("group", 1) != 1) throw unsupported(n, "group " + n.i("group", 1) + "; gannet convolves with group 1");
        if (n.has("output_shape")) throw unsupported(n, "output_shape is not imported (export with pads and "
                + "output_padding)");
        Value x = nchw(n, 0);
        Constant wc = constant(n, 1, "weight");
        long[] wd = wc.dims();
        if (wd.length != 4) throw unsupported(n, "weight dimensions " + Arrays.toString(wd) + " are not 4-D");
        int c = (int) wd[0], k = (int) wd[1], r = (int) wd[2], s = (int) wd[3];
        int[] st = pair(n, "strides", 1), dil = pair(n, "dilations", 1), op = pair(n, "output_padding", 0);
        int[] p = pads(n, 2);
        if (p[0] != p[2] || p[1] != p[3]) {
            throw unsupported(n, "pads " + Arrays.toString(p) + " differ at the two ends; gannet's transposed "
                    + "convolution pads symmetrically (PyTorch's padding)");
        }
        var attrs = new ConvTranspose2d.Attrs(r, s, st[0], st[1], p[0], p[1], op[0], op[1], dil[0], dil[1]);
        Value w = param(wc, Shape.of(k, r, s, c), ParamLayout.CONV_TRANSPOSE, floats(n, wc, "weight"), true);
        Value bias = hasInput(n, 2) ? vector(n, 2, "bias", k, true) : null;
        return named(n).convTranspose2d(x, w, bias, attrs);
    }

    private void arithmetic(Node n) {
        String op = n.opType();
        boolean c0 = model.isConstant(n.inputs().get(0)), c1 = model.isConstant(n.inputs().get(1));
        if (c0 && c1) throw unsupported(n, "both inputs are constants (fold them before export)");
        if (!c0 && !c1) {
            Entry a = entry(n, 0), bb = entry(n, 1);
            if (a.form() != bb.form()) throw unsupported(n, "its inputs are in different layouts");
            Value y = switch (op) {
                case "Add" -> named(n).add(a.value(), bb.value());
                case "Sub" -> named(n).add(a.value(), bb.value(), 1f, -1f);
                case "Mul" -> named(n).mul(a.value(), bb.value());
                default -> throw unsupported(n, "division of two computed tensors is not imported");
            };
            put(n, y, a.form());
            return;
        }
        int ti = c0 ? 1 : 0;
        Entry x = entry(n, ti);
        Constant k = model.constant(n.inputs().get(c0 ? 0 : 1));
        float[] v = floats(n, k, "operand");
        if (v.length == 1) {
            float s = v[0];
            // y = scale·x + shift for each form of x (op) c and c (op) x.
            float scale, shift;
            switch (op) {
                case "Add" -> { scale = 1; shift = s; }
                case "Sub" -> { scale = c0 ? -1 : 1; shift = c0 ? s : -s; }
                case "Mul" -> { scale = s; shift = 0; }
                default -> {
                    if (c0) throw unsupported(n, "a constant divided by a tensor is not imported");
                    scale = 1 / s;
                    shift = 0;
                }
            }
            put(n, named(n).affine(x.value(), scale, shift), x.form());
            return;
        }
        int ch = x.value().shape().c();
        long[] d = k.dims();
        boolean perChannel = v.length == ch && x.form() == Form.NCHW
                && (is(d, 1, ch, 1, 1) || is(d, ch, 1, 1));
        if (!perChannel) {
            throw unsupported(n, "the constant operand '" + k.name() + "' has dimensions " + Arrays.toString(d)
                    + "; gannet broadcasts scalars and per-channel (1, C, 1, 1) constants");
        }
        float[] p = v.clone();
        boolean mul = op.equals("Mul") || op.equals("Div");
        if (op.equals("Sub") && !c0) for (int i = 0; i < p.length; i++) p[i] = -p[i];
        if (op.equals("Div")) {
            if (c0) throw unsupported(n, "a constant divided by a tensor is not imported");
            for (int i = 0; i < p.length; i++) p[i] = 1 / p[i];
        }
        Value pv = vectorParam(k, p, ch);
        Value y;
        if (mul) y = named(n).mul(x.value(), pv);
        else if (op.equals("Sub") && c0) y = named(n).add(pv, x.value(), 1f, -1f);
        else y = named(n).add(x.value(), pv);
        put(n, y, Form.NCHW);
    }

    private Value resize(Node n) {
        Value x = nchw(n, 0);
        String mode = n.s("mode", "nearest");
        String coord = n.s("coordinate_transformation_mode", "half_pixel");
        Shape s = x.shape();
        int outH, outW;
        if (hasInput(n, 3)) {
            long[] sizes = longs(n, constant(n, 3, "sizes"), "sizes");
            if (sizes.length != 4 || sizes[0] != s.n() || sizes[1] != s.c()) {
                throw unsupported(n, "sizes " + Arrays.toString(sizes) + " must keep N and C");
            }
            outH = Math.toIntExact(sizes[2]);
            outW = Math.toIntExact(sizes[3]);
        } else {
            float[] sc = floats(n, constant(n, 2, "scales"), "scales");
            if (sc.length != 4 || sc[0] != 1 || sc[1] != 1) {
                throw unsupported(n, "scales " + Arrays.toString(sc) + " must keep N and C");
            }
            outH = (int) Math.floor(s.h() * (double) sc[2]);
            outW = (int) Math.floor(s.w() * (double) sc[3]);
        }
        switch (mode) {
            case "nearest" -> {
                if (outH % s.h() != 0 || outW % s.w() != 0) {
                    throw unsupported(n, "nearest resizing from " + s.h() + "x" + s.w() + " to " + outH + "x" + outW
                            + " is not by integer factors");
                }
                String nm = n.s("nearest_mode", "round_prefer_floor");
                // With integer factors these pickings all take source pixel floor(i / factor); others differ.
                boolean same = coord.equals("asymmetric") ? nm.equals("floor")
                        : (coord.equals("half_pixel") || coord.equals("pytorch_half_pixel"))
                                && (nm.equals("round_prefer_floor") || nm.equals("round_prefer_ceil"));
                if (!same) throw unsupported(n, "nearest resizing with coordinate_transformation_mode '" + coord
                        + "' and nearest_mode '" + nm + "' is not what gannet's nearest upsampling computes");
                return named(n).upsampleNearest(x, outH / s.h(), outW / s.w());
            }
            case "linear" -> {
                if (!coord.equals("half_pixel") && !(coord.equals("pytorch_half_pixel") && outH > 1 && outW > 1)) {
                    throw unsupported(n, "linear resizing with coordinate_transformation_mode '" + coord + "' is not "
                            + "gannet's bilinear (align_corners false, half-pixel centres)");
                }
                return named(n).resize(x, Upsample2d.Mode.BILINEAR, outH, outW);
            }
            default -> throw unsupported(n, "resize mode '" + mode + "' is not imported (nearest, linear)");
        }
    }

    private Value pad(Node n) {
        Value x = nchw(n, 0);
        String mode = n.s("mode", "constant");
        PadMode m = switch (mode) {
            case "constant" -> PadMode.ZERO;
            case "reflect" -> PadMode.REFLECT;
            case "edge" -> PadMode.REPLICATE;
            default -> throw unsupported(n, "pad mode '" + mode + "' is not imported (constant, reflect, edge)");
        };
        long[] p = longs(n, constant(n, 1, "pads"), "pads");
        if (hasInput(n, 3)) throw unsupported(n, "padding selected axes is not imported");
        if (p.length != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0) {
            throw unsupported(n, "pads " + Arrays.toString(p) + " must pad H and W only");
        }
        float value = hasInput(n, 2) ? scalar(n, constant(n, 2, "constant_value")) : 0f;
        return named(n).node(new Op.Pad((int) p[2], (int) p[3], (int) p[6], (int) p[7], m, value), List.of(x));
    }

    private Value pool(Node n) {
        noAutoPad(n);
        Value x = nchw(n, 0);
        int[] k = pair(n, "kernel_shape", 0), st = pair(n, "strides", 1), dil = pair(n, "dilations", 1);
        int[] p = pads(n, 2);
        boolean max = n.opType().equals("MaxPool");
        if (k[0] != k[1] || st[0] != st[1] || p[0] != p[1] || p[0] != p[2] || p[0] != p[3]) {
            throw unsupported(n, "gannet pools square windows with equal strides and padding (kernel "
                    + Arrays.toString(k) + ", strides " + Arrays.toString(st) + ", pads " + Arrays.toString(p) + ")");
        }
        if (n.i("ceil_mode", 0) != 0) throw unsupported(n, "ceil_mode 1 is not imported");
        if (dil[0] != 1 || dil[1] != 1) throw unsupported(n, "dilated pooling is not imported");
        if (!max && p[0] > 0 && n.i("count_include_pad", 0) != 0) {
            throw unsupported(n, "count_include_pad 1 with padding: gannet averages over the window's real pixels");
        }
        return named(n).node(new Op.Pool(max ? Pool2d.Mode.MAX : Pool2d.Mode.AVG, k[0], st[0], p[0]), List.of(x));
    }

    private Value reduceMean(Node n) {
        Value x = nchw(n, 0);
        long[] axes = hasInput(n, 1) ? longs(n, constant(n, 1, "axes"), "axes") : n.ints("axes", null);
        if (n.i("keepdims", 1) != 1) throw unsupported(n, "keepdims 0 is not imported");
        long[] a = axes == null ? new long[] {0, 1, 2, 3} : Arrays.stream(axes).map(v -> v < 0 ? v + 4 : v).sorted()
                .toArray();
        if (is(a, 0, 1, 2, 3)) return named(n).mean(x);
        if (is(a, 2, 3)) return named(n).globalAvgPool(x);
        if (is(a, 0, 2, 3)) return named(n).meanChannel(x);
        throw unsupported(n, "ReduceMean over axes " + Arrays.toString(a) + " is not imported (all, [2, 3], [0, 2, 3])");
    }

    private Value gemm(Node n) {
        Entry a = entry(n, 0);
        if (a.form() != Form.FLAT) throw unsupported(n, "input A must be the (N, C) rows of a Flatten");
        if (n.i("transA", 0) != 0) throw unsupported(n, "transA 1 is not imported");
        Constant wc = constant(n, 1, "B");
        long[] d = wc.dims();
        float alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
        boolean transB = n.i("transB", 0) != 0;
        if (d.length != 2) throw unsupported(n, "B has dimensions " + Arrays.toString(d));
        int k = (int) (transB ? d[0] : d[1]), c = (int) (transB ? d[1] : d[0]);
        float[] w = floats(n, wc, "B");
        float[] kc = new float[w.length];
        for (int i = 0; i < k; i++) for (int j = 0; j < c; j++) kc[i * c + j] = alpha * (transB ? w[i * c + j] : w[j * k + i]);
        Value wv = transB && alpha == 1f ? param(wc, Shape.of(1, 1, k, c), ParamLayout.MATRIX, kc, true)
                : b.param(unique(wc.name() + "_kc"), Shape.of(1, 1, k, c), ParamLayout.MATRIX, true, WeightData.torch(kc));
        Value bias = null;
        if (hasInput(n, 2)) {
            Constant bc = constant(n, 2, "C");
            float[] bv = floats(n, bc, "C");
            if (bv.length != k) throw unsupported(n, "C has " + bv.length + " values for " + k + " outputs");
            if (beta != 1f) {
                bv = bv.clone();
                for (int i = 0; i < k; i++) bv[i] *= beta;
                bias = b.param(unique(bc.name() + "_scaled"), Shape.of(1, 1, 1, k), ParamLayout.VECTOR, true,
                        WeightData.torch(bv));
            } else {
                bias = param(bc, Shape.of(1, 1, 1, k), ParamLayout.VECTOR, bv, true);
            }
        }
        return named(n).linear(a.value(), wv, bias);
    }

    private Value matmul(Node n) {
        Entry a = entry(n, 0);
        if (a.form() != Form.FLAT) throw unsupported(n, "input A must be the (N, C) rows of a Flatten");
        Constant wc = constant(n, 1, "B");
        long[] d = wc.dims();
        if (d.length != 2) throw unsupported(n, "B has dimensions " + Arrays.toString(d));
        int c = (int) d[0], k = (int) d[1];
        float[] w = floats(n, wc, "B");
        float[] kc = new float[w.length];
        for (int i = 0; i < k; i++) for (int j = 0; j < c; j++) kc[i * c + j] = w[j * k + i];
        Value wv = b.param(unique(wc.name() + "_kc"), Shape.of(1, 1, k, c), ParamLayout.MATRIX, true,
                WeightData.torch(kc));
        return named(n).linear(a.value(), wv, null);
    }

    private void reshape(Node n) {
        Entry x = entry(n, 0);
        long[] to = longs(n, constant(n, 1, "shape"), "shape");
        Shape s = x.value().shape();
        long[] t = to.clone();
        long[] cur = x.form() == Form.FLAT ? new long[] {s.n(), s.c()} : new long[] {s.n(), s.c(), s.h(), s.w()};
        for (int i = 0; i < t.length; i++) if (t[i] == 0 && i < cur.length) t[i] = cur[i];
        if (x.form() == Form.FLAT && s.h() == 1 && s.w() == 1 && t.length == 4 && (t[0] == s.n() || t[0] == -1)
                && t[1] == s.c() && t[2] == 1 && t[3] == 1) {
            put(n, x.value(), Form.NCHW);
        } else if (x.form() == Form.NCHW && s.h() == 1 && s.w() == 1 && t.length == 2 && (t[0] == s.n() || t[0] == -1)
                && (t[1] == s.c() || t[1] == -1)) {
            put(n, x.value(), Form.FLAT);
        } else {
            throw unsupported(n, "reshaping " + Arrays.toString(cur) + " to " + Arrays.toString(to) + " is not "
                    + "imported (only (N, C) <-> (N, C, 1, 1))");
        }
    }
}

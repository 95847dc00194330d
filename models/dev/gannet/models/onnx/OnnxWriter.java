// Builds an ONNX model the way PyTorch's exporter writes one: NCHW activations, OIHW weights as
// initializers, opset 17 operators with explicit attributes; written atomically to a .onnx file.
package dev.gannet.models.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.gannet.models.formats.AtomicFiles;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every method appends one node (or initializer) and returns the name of its output. Names are made
 * unique from a readable stem. Shapes are not inferred here: ONNX Runtime infers them, and the
 * exporter that calls this writer knows them. Inputs may have symbolic dimensions (a string such as
 * "H") so one file runs at any image size.
 */
public final class OnnxWriter {
    /** The operator set written: Resize, Pad, Clip take their parameters as inputs; ReduceMean axes as an attribute. */
    public static final int OPSET = 17;
    /** The IR version that goes with opset 17. */
    static final int IR_VERSION = 8;

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private final String producer;
    private int counter;

    public OnnxWriter(String graphName, String producer) {
        graph.setName(graphName);
        this.producer = producer;
    }

    /** A fresh name from a stem: the stem itself if unused, else stem_1, stem_2, ... */
    public String fresh(String stem) {
        String s = stem.replaceAll("[^A-Za-z0-9_.:/-]", "_");
        if (names.add(s)) return s;
        while (true) {
            String n = s + "_" + (++counter);
            if (names.add(n)) return n;
        }
    }

    // ---- graph inputs, outputs, constants ------------------------------------------------------

    /** A float input; each dimension is an Integer (fixed) or a String (symbolic). */
    public String input(String name, Object... dims) {
        String n = fresh(name);
        graph.addInput(valueInfo(n, TensorProto.DataType.FLOAT, dims));
        return n;
    }

    /**
     * Declares {@code value} a graph output named {@code name} (an Identity node renames it if needed);
     * without dims its shape is left for the runtime to infer.
     */
    public String output(String value, String name, Object... dims) {
        String n = value;
        if (!value.equals(name)) {
            n = fresh(name);
            addNode("Identity", List.of(value), n, List.of());
        }
        graph.addOutput(valueInfo(n, TensorProto.DataType.FLOAT, dims));
        return n;
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        var tensorType = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber());
        if (dims.length > 0) tensorType.setShape(shape(name, dims));
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensorType)).build();
    }

    private static OnnxMl.TensorShapeProto shape(String name, Object... dims) {
        var shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            var dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            switch (d) {
                case Integer i -> dim.setDimValue(i);
                case Long l -> dim.setDimValue(l);
                case String s -> dim.setDimParam(s);
                default -> throw new GannetException(ErrorCode.INTERNAL, "onnx: dimension " + d + " of " + name
                        + " is neither a number nor a name");
            }
            shape.addDim(dim);
        }
        return shape.build();
    }

    /** A float32 initializer with the given dimensions (little-endian raw data, as exporters write it). */
    public String floats(String stem, float[] data, long... dims) {
        checkCount(stem, data.length, dims);
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return initializer(stem, TensorProto.DataType.FLOAT, ByteString.copyFrom(b.array()), dims);
    }

    /** An int64 initializer (pads, scales' shapes, axes). */
    public String longs(String stem, long[] data, long... dims) {
        checkCount(stem, data.length, dims);
        ByteBuffer b = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return initializer(stem, TensorProto.DataType.INT64, ByteString.copyFrom(b.array()), dims);
    }

    /**
     * A float tensor made by a Constant node rather than an initializer: what PyTorch's exporter
     * writes for values that are no parameters (the ones and zeros of a non-affine norm).
     */
    public String constantNode(String stem, float[] data, long... dims) {
        checkCount(stem, data.length, dims);
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        var t = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) t.addDims(d);
        AttributeProto value = AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                .setT(t).build();
        return node("Constant", List.of(), stem, List.of(value));
    }

    /** A float scalar initializer (shape []). */
    public String scalar(String stem, float v) {
        return floats(stem, new float[] {v});
    }

    private String initializer(String stem, TensorProto.DataType type, ByteString raw, long... dims) {
        String n = fresh(stem);
        var t = TensorProto.newBuilder().setName(n).setDataType(type.getNumber()).setRawData(raw);
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return n;
    }

    private static void checkCount(String stem, int n, long... dims) {
        long want = 1;
        for (long d : dims) want *= d;
        if (want != n) {
            throw new GannetException(ErrorCode.INTERNAL, "onnx: initializer " + stem + " has " + n + " values for "
                    + "dimensions " + java.util.Arrays.toString(dims));
        }
    }

    // ---- nodes ---------------------------------------------------------------------------------

    /** Any node with one output; attributes made with {@link #attr}. */
    public String node(String op, List<String> inputs, String stem, List<AttributeProto> attrs) {
        String out = fresh(stem);
        addNode(op, inputs, out, attrs);
        return out;
    }

    private void addNode(String op, List<String> inputs, String out, List<AttributeProto> attrs) {
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(fresh(op + "_" + out)).addAllInput(inputs)
                .addOutput(out).addAllAttribute(attrs));
    }

    public static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    public static AttributeProto attr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    public static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    public static AttributeProto attr(String name, long... v) {
        var a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    /**
     * Conv with an OIHW weight initializer (and bias). {@code pads} are top, left, bottom, right
     * (ONNX orders them begin-of-each-axis then end-of-each-axis).
     */
    public String conv(String x, String stem, float[] oihw, float[] bias, int o, int i, int kh, int kw, int strideH,
            int strideW, int dilH, int dilW, int top, int left, int bottom, int right) {
        List<String> in = new ArrayList<>(List.of(x, floats(stem + ".weight", oihw, o, i, kh, kw)));
        if (bias != null) in.add(floats(stem + ".bias", bias, o));
        return node("Conv", in, stem, List.of(attr("kernel_shape", kh, kw), attr("strides", strideH, strideW),
                attr("dilations", dilH, dilW), attr("pads", top, left, bottom, right), attr("group", 1L)));
    }

    /** ConvTranspose with an IOHW weight initializer (PyTorch's and ONNX's layout). */
    public String convTranspose(String x, String stem, float[] iohw, float[] bias, int i, int o, int kh, int kw,
            int strideH, int strideW, int padH, int padW, int outPadH, int outPadW, int dilH, int dilW) {
        List<String> in = new ArrayList<>(List.of(x, floats(stem + ".weight", iohw, i, o, kh, kw)));
        if (bias != null) in.add(floats(stem + ".bias", bias, o));
        return node("ConvTranspose", in, stem, List.of(attr("kernel_shape", kh, kw), attr("strides", strideH, strideW),
                attr("dilations", dilH, dilW), attr("pads", padH, padW, padH, padW),
                attr("output_padding", outPadH, outPadW), attr("group", 1L)));
    }

    public String relu(String x) {
        return node("Relu", List.of(x), x + "_relu", List.of());
    }

    public String leakyRelu(String x, float alpha) {
        return node("LeakyRelu", List.of(x), x + "_leaky", List.of(attr("alpha", alpha)));
    }

    public String tanh(String x) {
        return node("Tanh", List.of(x), x + "_tanh", List.of());
    }

    public String sigmoid(String x) {
        return node("Sigmoid", List.of(x), x + "_sigmoid", List.of());
    }

    public String add(String a, String b) {
        return node("Add", List.of(a, b), a + "_add", List.of());
    }

    public String mul(String a, String b) {
        return node("Mul", List.of(a, b), a + "_mul", List.of());
    }

    /** x · s for a scalar s (as PyTorch exports {@code x * 0.2}). */
    public String mulScalar(String x, float s) {
        return mul(x, scalar(x + "_factor", s));
    }

    /** x + s for a scalar s. */
    public String addScalar(String x, float s) {
        return add(x, scalar(x + "_offset", s));
    }

    public String concat(List<String> xs, int axis) {
        return node("Concat", xs, xs.getFirst() + "_concat", List.of(attr("axis", (long) axis)));
    }

    /** Clip to [lo, hi] (min and max as scalar inputs, opset 11 on). */
    public String clip(String x, float lo, float hi) {
        return node("Clip", List.of(x, scalar(x + "_min", lo), scalar(x + "_max", hi)), x + "_clip", List.of());
    }

    /** Nearest upsampling by integer factors, as PyTorch exports nn.Upsample(mode='nearest') on NCHW. */
    public String resizeNearest(String x, int fh, int fw) {
        String scales = floats(x + "_scales", new float[] {1, 1, fh, fw}, 4);
        return node("Resize", List.of(x, "", scales), x + "_up", List.of(attr("mode", "nearest"),
                attr("coordinate_transformation_mode", "asymmetric"), attr("nearest_mode", "floor")));
    }

    /** DepthToSpace with mode "DCR" (TensorFlow's depth_to_space) or "CRD" (PyTorch's PixelShuffle). */
    public String depthToSpace(String x, int block, String mode) {
        return node("DepthToSpace", List.of(x), x + "_d2s", List.of(attr("blocksize", (long) block), attr("mode", mode)));
    }

    /** SpaceToDepth (ONNX defines it in DCR order only). */
    public String spaceToDepth(String x, int block) {
        return node("SpaceToDepth", List.of(x), x + "_s2d", List.of(attr("blocksize", (long) block)));
    }

    /** Pad on the spatial axes of NCHW; mode "constant", "reflect" or "edge". Negative amounts crop. */
    public String pad(String x, String mode, int top, int left, int bottom, int right, float value) {
        String pads = longs(x + "_pads", new long[] {0, 0, top, left, 0, 0, bottom, right}, 8);
        List<String> in = new ArrayList<>(List.of(x, pads));
        if (mode.equals("constant") && value != 0f) in.add(scalar(x + "_value", value));
        return node("Pad", in, x + "_pad", List.of(attr("mode", mode)));
    }

    public String batchNorm(String x, String stem, float[] scale, float[] bias, float[] mean, float[] var, float eps) {
        int c = scale.length;
        return node("BatchNormalization", List.of(x, floats(stem + ".weight", scale, c), floats(stem + ".bias", bias, c),
                floats(stem + ".running_mean", mean, c), floats(stem + ".running_var", var, c)), stem,
                List.of(attr("epsilon", eps)));
    }

    public String instanceNorm(String x, String stem, float[] scale, float[] bias, float eps) {
        int c = scale.length;
        return node("InstanceNormalization", List.of(x, floats(stem + ".weight", scale, c),
                floats(stem + ".bias", bias, c)), stem, List.of(attr("epsilon", eps)));
    }

    /** x · scale[c] + shift[c] per channel of NCHW (the Mul and Add PyTorch writes for a folded affine). */
    public String channelAffine(String x, String stem, float[] scale, float[] shift) {
        int c = scale.length;
        String y = mul(x, floats(stem + ".scale", scale, 1, c, 1, 1));
        return add(y, floats(stem + ".shift", shift, 1, c, 1, 1));
    }

    public String averagePool(String x, int kh, int kw, int sh, int sw, int top, int left, int bottom, int right,
            boolean countIncludePad) {
        return node("AveragePool", List.of(x), x + "_avgpool", List.of(attr("kernel_shape", kh, kw),
                attr("strides", sh, sw), attr("pads", top, left, bottom, right),
                attr("count_include_pad", countIncludePad ? 1L : 0L)));
    }

    public String maxPool(String x, int kh, int kw, int sh, int sw, int top, int left, int bottom, int right) {
        return node("MaxPool", List.of(x), x + "_maxpool", List.of(attr("kernel_shape", kh, kw),
                attr("strides", sh, sw), attr("pads", top, left, bottom, right)));
    }

    public String globalAveragePool(String x) {
        return node("GlobalAveragePool", List.of(x), x + "_gap", List.of());
    }

    /** Flatten to [N, rest] (axis 1), as PyTorch exports torch.flatten(x, 1). */
    public String flatten(String x) {
        return node("Flatten", List.of(x), x + "_flat", List.of(attr("axis", 1L)));
    }

    /** Gemm y = x·Wᵀ + b with W [out, in] (nn.Linear's export). */
    public String gemm(String x, String stem, float[] w, float[] bias, int out, int in) {
        List<String> ins = new ArrayList<>(List.of(x, floats(stem + ".weight", w, out, in)));
        if (bias != null) ins.add(floats(stem + ".bias", bias, out));
        return node("Gemm", ins, stem, List.of(attr("alpha", 1f), attr("beta", 1f), attr("transB", 1L)));
    }

    /** ReduceMean over {@code axes} (an attribute through opset 17). */
    public String reduceMean(String x, boolean keepDims, long... axes) {
        return node("ReduceMean", List.of(x), x + "_mean", List.of(attr("axes", axes),
                attr("keepdims", keepDims ? 1L : 0L)));
    }

    public String transpose(String x, String stem, long... perm) {
        return node("Transpose", List.of(x), stem, List.of(attr("perm", perm)));
    }

    public String reshape(String x, long... shape) {
        return node("Reshape", List.of(x, longs(x + "_shape", shape, shape.length)), x + "_reshape", List.of());
    }

    // ---- output --------------------------------------------------------------------------------

    public OnnxMl.ModelProto build() {
        return OnnxMl.ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName(producer)
                .setProducerVersion(producerVersion()).addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder()
                        .setDomain("").setVersion(OPSET))
                .setGraph(graph).build();
    }

    public byte[] toBytes() {
        return build().toByteArray();
    }

    /** Writes the model to {@code file} atomically: a temporary file beside it, renamed into place. */
    public void write(Path file) {
        writeAtomically(file, toBytes());
    }

    static String producerVersion() {
        String v = OnnxWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Bytes to a file via a temporary file in the same folder and an atomic rename. */
    public static void writeAtomically(Path file, byte[] bytes) {
        AtomicFiles.write(file, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(bytes)));
    }
}

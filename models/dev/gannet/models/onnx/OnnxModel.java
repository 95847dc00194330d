// Reader of ONNX model files: the graph's nodes with typed attribute access, its inputs and
// outputs, and its constants (initializers and Constant nodes) as float or int64 arrays.
package dev.gannet.models.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loading checks what an importer relies on: the default-domain opset is at least 11 (the
 * attribute-vs-input forms of Pad, Resize and Clip this reader knows), constants are FLOAT or INT64
 * held in the file (external data is refused), their element counts match their dimensions, names
 * are unique, and every node input is a graph input, a constant or an earlier node's output (ONNX
 * requires topological order). Failures are {@link ErrorCode#FORMAT} naming the file and the node.
 */
public final class OnnxModel {
    /** Protobuf's own ceiling for one message; a model beyond it needs external data, refused anyway. */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE;
    public static final int MIN_OPSET = 11;

    /** One node: op type, names of its inputs ("" for an omitted optional input) and outputs, attributes. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs,
            Map<String, AttributeProto> attributes) {
        /** "node 'name' (OpType)" for messages; unnamed nodes are called by their first output. */
        public String label() {
            return "node '" + (name.isEmpty() ? outputs.isEmpty() ? "?" : outputs.getFirst() : name) + "' (" + opType + ")";
        }

        public boolean has(String attr) {
            return attributes.containsKey(attr);
        }

        public long i(String attr, long absent) {
            AttributeProto a = attributes.get(attr);
            if (a == null) return absent;
            if (a.getType() != AttributeProto.AttributeType.INT) throw wrongType(attr, "an integer");
            return a.getI();
        }

        public float f(String attr, float absent) {
            AttributeProto a = attributes.get(attr);
            if (a == null) return absent;
            if (a.getType() != AttributeProto.AttributeType.FLOAT) throw wrongType(attr, "a float");
            return a.getF();
        }

        public String s(String attr, String absent) {
            AttributeProto a = attributes.get(attr);
            if (a == null) return absent;
            if (a.getType() != AttributeProto.AttributeType.STRING) throw wrongType(attr, "a string");
            return a.getS().toStringUtf8();
        }

        /** An INTS attribute, or {@code absent} (may be null). */
        public long[] ints(String attr, long[] absent) {
            AttributeProto a = attributes.get(attr);
            if (a == null) return absent;
            if (a.getType() != AttributeProto.AttributeType.INTS) throw wrongType(attr, "a list of integers");
            return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
        }

        private GannetException wrongType(String attr, String want) {
            return new GannetException(ErrorCode.FORMAT, label() + ": attribute '" + attr + "' must be " + want + ", "
                    + "found " + attributes.get(attr).getType());
        }
    }

    /**
     * A constant: FLOAT values in {@code floats} or INT64 values in {@code longs}, with its dimensions;
     * {@code initializer} tells a graph initializer (weights, by PyTorch's exporter named like the
     * state dict) from the value of a Constant node (what an exporter makes up, e.g. the ones and zeros
     * of a non-affine norm).
     */
    public record Constant(String name, long[] dims, float[] floats, long[] longs, boolean initializer) {
        public boolean isFloat() {
            return floats != null;
        }

        public long numel() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }
    }

    /** A graph input or output: name and dimensions, each a Long or a String (symbolic) or null (unknown). */
    public record ValueInfo(String name, int elemType, List<Object> dims) {}

    private final Path file;
    private final int opset;
    private final String producer;
    private final List<Node> nodes;
    private final Map<String, Constant> constants;
    private final List<ValueInfo> inputs;
    private final List<ValueInfo> outputs;

    private OnnxModel(Path file, int opset, String producer, List<Node> nodes, Map<String, Constant> constants,
            List<ValueInfo> inputs, List<ValueInfo> outputs) {
        this.file = file;
        this.opset = opset;
        this.producer = producer;
        this.nodes = nodes;
        this.constants = constants;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    public static OnnxModel load(Path file) {
        OnnxMl.ModelProto proto;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new GannetException(ErrorCode.FORMAT, file + ": " + size + " bytes; ONNX files above 2 GiB keep "
                        + "their weights as external data, which gannet does not read");
            }
            try (InputStream in = Files.newInputStream(file)) {
                CodedInputStream cis = CodedInputStream.newInstance(in);
                cis.setSizeLimit(Integer.MAX_VALUE);
                proto = OnnxMl.ModelProto.parseFrom(cis);
            }
        } catch (NoSuchFileException e) {
            throw new GannetException(ErrorCode.IO, file + ": no such file", e);
        } catch (InvalidProtocolBufferException e) {
            throw new GannetException(ErrorCode.FORMAT, file + ": not an ONNX model (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, file + ": cannot read: " + e, e);
        }
        return of(file, proto);
    }

    /** Validates a parsed model; {@code file} names it in messages. */
    public static OnnxModel of(Path file, OnnxMl.ModelProto proto) {
        String where = file.toString();
        if (!proto.hasGraph()) throw fail(where, "has no graph");
        int opset = -1;
        for (OnnxMl.OperatorSetIdProto o : proto.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = (int) o.getVersion();
        }
        if (opset < 0) throw fail(where, "imports no version of the default operator set");
        if (opset < MIN_OPSET) {
            throw fail(where, "uses opset " + opset + "; gannet reads opset " + MIN_OPSET + " and newer (re-export "
                    + "with a newer opset_version)");
        }
        OnnxMl.GraphProto g = proto.getGraph();
        Map<String, Constant> constants = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (constants.put(t.getName(), constant(where, "initializer '" + t.getName() + "'", t, true)) != null) {
                throw fail(where, "initializer '" + t.getName() + "' is defined twice");
            }
        }
        Set<String> defined = new HashSet<>(constants.keySet());
        List<ValueInfo> inputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            // Old exporters list initializers among the inputs too; those are constants, not inputs.
            if (constants.containsKey(v.getName())) continue;
            inputs.add(valueInfo(v));
            if (!defined.add(v.getName())) throw fail(where, "input '" + v.getName() + "' is defined twice");
        }
        List<Node> nodes = new ArrayList<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            Map<String, AttributeProto> attrs = new LinkedHashMap<>();
            for (AttributeProto a : n.getAttributeList()) attrs.put(a.getName(), a);
            Node node = new Node(n.getName(), n.getOpType(), List.copyOf(n.getInputList()), List.copyOf(n.getOutputList()),
                    Collections.unmodifiableMap(attrs));
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw fail(where, node.label() + " is from operator domain '" + n.getDomain() + "', gannet reads the "
                        + "default domain only");
            }
            for (String in : node.inputs()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw fail(where, node.label() + " reads '" + in + "', which no input, constant or earlier node "
                            + "defines");
                }
            }
            if (node.opType().equals("Constant")) {
                if (node.outputs().size() != 1) throw fail(where, node.label() + " must have one output");
                AttributeProto value = attrs.get("value");
                if (value == null || value.getType() != AttributeProto.AttributeType.TENSOR) {
                    throw fail(where, node.label() + ": gannet reads Constant nodes with a 'value' tensor only");
                }
                Constant c = constant(where, node.label(), value.getT(), false);
                constants.put(node.outputs().getFirst(), new Constant(node.outputs().getFirst(), c.dims(), c.floats(),
                        c.longs(), false));
            } else {
                nodes.add(node);
            }
            for (String out : node.outputs()) {
                if (!out.isEmpty() && !defined.add(out)) {
                    throw fail(where, node.label() + " writes '" + out + "', which is already defined");
                }
            }
        }
        List<ValueInfo> outputs = new ArrayList<>();
        for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
            if (!defined.contains(v.getName())) throw fail(where, "output '" + v.getName() + "' is never computed");
            outputs.add(valueInfo(v));
        }
        return new OnnxModel(file, opset, proto.getProducerName(), List.copyOf(nodes),
                Collections.unmodifiableMap(constants), List.copyOf(inputs), List.copyOf(outputs));
    }

    private static ValueInfo valueInfo(OnnxMl.ValueInfoProto v) {
        List<Object> dims = new ArrayList<>();
        int elem = 0;
        if (v.hasType() && v.getType().hasTensorType()) {
            var tt = v.getType().getTensorType();
            elem = tt.getElemType();
            if (tt.hasShape()) {
                for (var d : tt.getShape().getDimList()) {
                    dims.add(d.hasDimValue() ? (Object) d.getDimValue() : d.hasDimParam() ? d.getDimParam() : null);
                }
            }
        }
        return new ValueInfo(v.getName(), elem, Collections.unmodifiableList(dims));
    }

    private static Constant constant(String where, String what, TensorProto t, boolean initializer) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw fail(where, what + " keeps its data in an external file, which gannet does not read");
        }
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : dims) {
            if (d < 0) throw fail(where, what + " has a negative dimension " + Arrays.toString(dims));
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException overflow) {
                n = Long.MAX_VALUE;
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw fail(where, what + " with dimensions " + Arrays.toString(dims) + " is too large");
            }
        }
        int count = (int) n;
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE -> {
                float[] v;
                if (hasRaw) {
                    if (raw.remaining() != 4L * count) throw countMismatch(where, what, dims, raw.remaining() / 4);
                    v = new float[count];
                    raw.asFloatBuffer().get(v);
                } else {
                    if (t.getFloatDataCount() != count) throw countMismatch(where, what, dims, t.getFloatDataCount());
                    v = new float[count];
                    for (int i = 0; i < count; i++) v[i] = t.getFloatData(i);
                }
                return new Constant(t.getName(), dims, v, null, initializer);
            }
            case TensorProto.DataType.INT64_VALUE -> {
                long[] v;
                if (hasRaw) {
                    if (raw.remaining() != 8L * count) throw countMismatch(where, what, dims, raw.remaining() / 8);
                    v = new long[count];
                    raw.asLongBuffer().get(v);
                } else {
                    if (t.getInt64DataCount() != count) throw countMismatch(where, what, dims, t.getInt64DataCount());
                    v = new long[count];
                    for (int i = 0; i < count; i++) v[i] = t.getInt64Data(i);
                }
                return new Constant(t.getName(), dims, null, v, initializer);
            }
            default -> throw fail(where, what + " has element type " + dataTypeName(t.getDataType()) + "; gannet reads "
                    + "FLOAT and INT64 constants");
        }
    }

    static String dataTypeName(int type) {
        TensorProto.DataType d = TensorProto.DataType.forNumber(type);
        return d == null ? "#" + type : d.name();
    }

    private static GannetException countMismatch(String where, String what, long[] dims, long found) {
        return fail(where, what + " has dimensions " + Arrays.toString(dims) + " but holds " + found + " values");
    }

    static GannetException fail(String where, String what) {
        return new GannetException(ErrorCode.FORMAT, where + ": " + what);
    }

    public Path file() {
        return file;
    }

    public int opset() {
        return opset;
    }

    public String producer() {
        return producer;
    }

    /** The nodes in file (topological) order, Constant nodes excluded: their values are in {@link #constants()}. */
    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, Constant> constants() {
        return constants;
    }

    public boolean isConstant(String name) {
        return constants.containsKey(name);
    }

    public Constant constant(String name) {
        Constant c = constants.get(name);
        if (c == null) throw fail(file.toString(), "'" + name + "' is not a constant");
        return c;
    }

    public List<ValueInfo> inputs() {
        return inputs;
    }

    public List<ValueInfo> outputs() {
        return outputs;
    }

    @Override
    public String toString() {
        return "OnnxModel[" + file + ", opset " + opset + ", " + nodes.size() + " nodes, " + constants.size()
                + " constants]";
    }
}

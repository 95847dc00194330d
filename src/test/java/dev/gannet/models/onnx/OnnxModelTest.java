// OnnxModel: reads back what OnnxWriter wrote (nodes, attributes, constants, symbolic inputs), reads
// Constant nodes and float_data, and rejects malformed graphs with messages naming the node.
package dev.gannet.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelTest {
    @TempDir
    Path tmp;

    @Test
    void readsBackWhatTheWriterWrote() {
        OnnxWriter w = new OnnxWriter("g", "test");
        String x = w.input("x", "N", 3, "H", "W");
        float[] wt = Ort.random(1, 4 * 3 * 3 * 3, -1, 1);
        String y = w.conv(x, "c1", wt, null, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
        y = w.leakyRelu(w.pad(y, "reflect", 1, 2, 3, 4, 0f), 0.2f);
        w.output(y, "out");
        Path f = tmp.resolve("m.onnx");
        w.write(f);
        OnnxModel m = OnnxModel.load(f);
        assertThat(m.opset()).isEqualTo(OnnxWriter.OPSET);
        assertThat(m.inputs()).hasSize(1);
        assertThat(m.inputs().getFirst().dims()).containsExactly("N", 3L, "H", "W");
        assertThat(m.outputs().getFirst().name()).isEqualTo("out");
        assertThat(m.nodes().stream().map(OnnxModel.Node::opType).toList())
                .containsExactly("Conv", "Pad", "LeakyRelu", "Identity");
        OnnxModel.Node conv = m.nodes().getFirst();
        assertThat(conv.ints("pads", null)).containsExactly(1, 1, 1, 1);
        assertThat(conv.i("group", 0)).isEqualTo(1);
        assertThat(m.constant(conv.inputs().get(1)).floats()).containsExactly(wt);
        assertThat(m.constant(conv.inputs().get(1)).dims()).containsExactly(4, 3, 3, 3);
        OnnxModel.Node pad = m.nodes().get(1);
        assertThat(pad.s("mode", "")).isEqualTo("reflect");
        assertThat(m.constant(pad.inputs().get(1)).longs()).containsExactly(0, 0, 1, 2, 0, 0, 3, 4);
        assertThat(m.nodes().get(2).f("alpha", 0)).isEqualTo(0.2f);
        assertThatThrownBy(() -> conv.f("pads", 0)).isInstanceOf(GannetException.class)
                .hasMessageContaining("attribute 'pads' must be a float");
    }

    static OnnxMl.ModelProto.Builder model(int opset, OnnxMl.GraphProto.Builder g) {
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
    }

    static OnnxMl.ValueInfoProto info(String name) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).build();
    }

    @Test
    void constantNodesAndFloatDataAreConstants() {
        var g = OnnxMl.GraphProto.newBuilder().addInput(info("x"))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Constant").addOutput("k").addAttribute(
                        OnnxMl.AttributeProto.newBuilder().setName("value").setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
                                .setT(TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT_VALUE)
                                        .addDims(2).addFloatData(1.5f).addFloatData(-2f))))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Mul").addInput("x").addInput("k").addOutput("y"))
                .addOutput(info("y"));
        OnnxModel m = OnnxModel.of(tmp.resolve("c.onnx"), model(13, g).build());
        assertThat(m.nodes()).hasSize(1);
        assertThat(m.constant("k").floats()).containsExactly(1.5f, -2f);
    }

    @Test
    void malformedGraphsAreRefusedNamingTheNode() throws IOException {
        var dangling = OnnxMl.GraphProto.newBuilder().addInput(info("x"))
                .addNode(OnnxMl.NodeProto.newBuilder().setName("n1").setOpType("Relu").addInput("nope").addOutput("y"))
                .addOutput(info("y"));
        assertThatThrownBy(() -> OnnxModel.of(tmp.resolve("d.onnx"), model(13, dangling).build()))
                .isInstanceOf(GannetException.class).hasMessageContaining("node 'n1' (Relu) reads 'nope'");
        var relu = OnnxMl.GraphProto.newBuilder().addInput(info("x"))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"))
                .addOutput(info("y"));
        assertThatThrownBy(() -> OnnxModel.of(tmp.resolve("o.onnx"), model(9, relu).build()))
                .isInstanceOf(GannetException.class).hasMessageContaining("opset 9");
        var external = relu.clone().addInitializer(TensorProto.newBuilder().setName("w").setDataType(1).addDims(1)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL));
        assertThatThrownBy(() -> OnnxModel.of(tmp.resolve("e.onnx"), model(13, external).build()))
                .isInstanceOf(GannetException.class).hasMessageContaining("initializer 'w'")
                .hasMessageContaining("external file");
        var shortData = relu.clone().addInitializer(TensorProto.newBuilder().setName("w").setDataType(1).addDims(3)
                .addFloatData(1f));
        assertThatThrownBy(() -> OnnxModel.of(tmp.resolve("s.onnx"), model(13, shortData).build()))
                .isInstanceOf(GannetException.class).hasMessageContaining("dimensions [3] but holds 1 values");
        var doubles = relu.clone().addInitializer(TensorProto.newBuilder().setName("w").setDataType(11).addDims(1)
                .addDoubleData(1));
        assertThatThrownBy(() -> OnnxModel.of(tmp.resolve("t.onnx"), model(13, doubles).build()))
                .isInstanceOf(GannetException.class).hasMessageContaining("DOUBLE");
        var twice = relu.clone().addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"));
        assertThatThrownBy(() -> OnnxModel.of(tmp.resolve("w.onnx"), model(13, twice).build()))
                .isInstanceOf(GannetException.class).hasMessageContaining("writes 'y', which is already defined");
        Path junk = Files.write(tmp.resolve("junk.onnx"), new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3});
        assertThatThrownBy(() -> OnnxModel.load(junk)).isInstanceOf(GannetException.class)
                .hasMessageContaining("not an ONNX model");
    }
}

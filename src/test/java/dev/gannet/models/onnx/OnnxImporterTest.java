// OnnxImporter: every architecture exported, imported and exported again computes the same function
// in ONNX Runtime with the same parameters by name; a hand-written PyTorch-style file (NCHW input,
// Constant nodes, Flatten + Gemm, per-channel Mul/Sub) imports; unsupported nodes are named.
package dev.gannet.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import dev.gannet.graph.Graph;
import dev.gannet.graph.Param;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.models.arch.TestArchitectures;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class OnnxImporterTest {
    @TempDir
    Path tmp;

    static float[] run(byte[] model, float[] x, Shape s) {
        return Ort.run(model, x, s.n(), s.h(), s.w(), s.c()).values();
    }

    @TestFactory
    Stream<DynamicTest> exportImportExportKeepsTheFunction() {
        return TestArchitectures.all().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
                    String name = c.name();
                    Shape in = c.input();
                    Graph g = StateDicts.initialize(c.arch().graph(in), 11);
                    Path f = tmp.resolve(name + ".onnx");
                    OnnxExporter.export(g, f);
                    Graph back = OnnxImporter.toGraph(OnnxModel.load(f));
                    // The same slots by name, with the same values.
                    assertThat(back.params().keySet()).containsExactlyInAnyOrderElementsOf(g.params().keySet());
                    for (Param p : g.params().values()) {
                        assertThat(back.params().get(p.name()).shape()).as(p.name()).isEqualTo(p.shape());
                        float[] want = g.weights().get(p.name()).toGannet(p);
                        float[] got = back.weights().get(p.name()).toGannet(back.params().get(p.name()));
                        // Arrays.mismatch, not containsExactly: AssertJ's diff of large arrays is quadratic.
                        assertThat(java.util.Arrays.mismatch(got, want)).as("%s: first differing index", p.name())
                                .isEqualTo(-1);
                    }
                    assertThat(back.inputs().values().iterator().next().shape()).isEqualTo(in);
                    float[] x = Ort.random(name.hashCode(), (int) in.numel(), -1, 1);
                    float[] a = run(OnnxExporter.export(g).toBytes(), x, in);
                    float[] b = run(OnnxExporter.export(back).toBytes(), x, in);
                    Ort.assertClose(name + " re-exported", b, a, 1e-6);
                }));
    }

    static OnnxMl.AttributeProto tensorAttr(String name, OnnxMl.TensorProto t) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
                .setT(t).build();
    }

    static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        var t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) t.addDims(d);
        for (float f : v) t.addFloatData(f);
        return t.build();
    }

    static OnnxMl.TensorProto longs(String name, long[] v, long... dims) {
        var t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(OnnxMl.TensorProto.DataType.INT64_VALUE);
        for (long d : dims) t.addDims(d);
        for (long f : v) t.addInt64Data(f);
        return t.build();
    }

    static OnnxMl.NodeProto.Builder node(String op, String out, String... in) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName("/" + op + "_" + out).addOutput(out)
                .addAllInput(java.util.List.of(in));
    }

    static OnnxMl.ValueInfoProto info(String name, long... dims) {
        var shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
    }

    /**
     * The shapes of what torch.onnx.export writes for a small classifier on NCHW input: normalization
     * by per-channel Sub and Div constants, Conv with initializer weights, Pad from a Constant node,
     * Resize with a Constant scales tensor, MaxPool, GlobalAveragePool, Flatten, Gemm.
     */
    static OnnxMl.ModelProto pytorchStyle() {
        float[] w = Ort.random(1, 8 * 3 * 3 * 3, -0.3f, 0.3f), bias = Ort.random(2, 8, -0.1f, 0.1f);
        float[] fc = Ort.random(3, 5 * 8, -0.3f, 0.3f), fcb = Ort.random(4, 5, -0.1f, 0.1f);
        var g = OnnxMl.GraphProto.newBuilder().setName("torch_jit").addInput(info("input", 2, 3, 12, 10))
                .addInitializer(floats("conv.weight", w, 8, 3, 3, 3)).addInitializer(floats("conv.bias", bias, 8))
                .addInitializer(floats("fc.weight", fc, 5, 8)).addInitializer(floats("fc.bias", fcb, 5))
                .addInitializer(floats("mean", new float[] {0.485f, 0.456f, 0.406f}, 1, 3, 1, 1))
                .addInitializer(floats("std", new float[] {0.229f, 0.224f, 0.225f}, 1, 3, 1, 1))
                .addNode(node("Sub", "x0", "input", "mean")).addNode(node("Div", "x1", "x0", "std"))
                .addNode(node("Constant", "pads").addAttribute(tensorAttr("value",
                        longs("", new long[] {0, 0, 1, 1, 0, 0, 1, 1}, 8))))
                .addNode(node("Pad", "x2", "x1", "pads").addAttribute(OnnxWriter.attr("mode", "reflect")))
                .addNode(node("Conv", "x3", "x2", "conv.weight", "conv.bias")
                        .addAttribute(OnnxWriter.attr("kernel_shape", 3, 3)).addAttribute(OnnxWriter.attr("pads", 0, 0, 0, 0)))
                .addNode(node("Relu", "x4", "x3"))
                .addNode(node("Constant", "scales").addAttribute(tensorAttr("value",
                        floats("", new float[] {1, 1, 2, 2}, 4))))
                .addNode(node("Resize", "x5", "x4", "", "scales").addAttribute(OnnxWriter.attr("mode", "nearest"))
                        .addAttribute(OnnxWriter.attr("coordinate_transformation_mode", "asymmetric"))
                        .addAttribute(OnnxWriter.attr("nearest_mode", "floor")))
                .addNode(node("MaxPool", "x6", "x5").addAttribute(OnnxWriter.attr("kernel_shape", 2, 2))
                        .addAttribute(OnnxWriter.attr("strides", 2, 2)))
                .addNode(node("GlobalAveragePool", "x7", "x6"))
                .addNode(node("Flatten", "x8", "x7").addAttribute(OnnxWriter.attr("axis", 1L)))
                .addNode(node("Gemm", "logits", "x8", "fc.weight", "fc.bias").addAttribute(OnnxWriter.attr("transB", 1L)))
                .addOutput(info("logits", 2, 5));
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("pytorch").setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
    }

    @Test
    void aPytorchStyleFileImports() {
        OnnxMl.ModelProto proto = pytorchStyle();
        Graph g = OnnxImporter.toGraph(OnnxModel.of(tmp.resolve("classifier.onnx"), proto));
        assertThat(g.input("input").shape()).isEqualTo(Shape.of(2, 12, 10, 3));
        assertThat(g.output("logits").shape()).isEqualTo(Shape.of(2, 1, 1, 5));
        assertThat(g.params()).containsKeys("conv.weight", "conv.bias", "fc.weight", "fc.bias");
        // The original takes NCHW, the import NHWC: feed each its layout of the same image.
        Shape s = Shape.of(2, 12, 10, 3);
        float[] nhwc = Ort.random(5, (int) s.numel(), 0, 1);
        float[] ref = Ort.run(proto.toByteArray(), Ort.toNchw(nhwc, 2, 12, 10, 3), 2, 3, 12, 10).values();
        float[] ours = run(OnnxExporter.export(g).toBytes(), nhwc, s);
        Ort.assertClose("pytorch-style classifier", ours, ref, 1e-5);
    }

    @Test
    void unsupportedNodesAreNamed() {
        var g = OnnxMl.GraphProto.newBuilder().addInput(info("x", 1, 3, 4, 4))
                .addNode(node("Softmax", "y", "x")).addOutput(info("y", 1, 3, 4, 4));
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17)).build();
        assertThatThrownBy(() -> OnnxImporter.toGraph(OnnxModel.of(tmp.resolve("s.onnx"), proto)))
                .isInstanceOf(GannetException.class).hasMessageContaining("node '/Softmax_y' (Softmax)")
                .hasMessageContaining("gannet does not import Softmax").hasMessageContaining("Conv, ConvTranspose");
        var grouped = OnnxMl.GraphProto.newBuilder().addInput(info("x", 1, 4, 4, 4))
                .addInitializer(floats("w", new float[4 * 2 * 9], 4, 2, 3, 3))
                .addNode(node("Conv", "y", "x", "w").addAttribute(OnnxWriter.attr("group", 2L)))
                .addOutput(info("y", 1, 4, 2, 2));
        OnnxMl.ModelProto gp = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(grouped)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17)).build();
        assertThatThrownBy(() -> OnnxImporter.toGraph(OnnxModel.of(tmp.resolve("g.onnx"), gp)))
                .isInstanceOf(GannetException.class).hasMessageContaining("(Conv)").hasMessageContaining("group 2");
        var symbolic = OnnxMl.GraphProto.newBuilder().addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x")
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1)
                        .setShape(OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(3))
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("H"))
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("W"))))))
                .addNode(node("Relu", "y", "x")).addOutput(info("y"));
        OnnxMl.ModelProto sp = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(symbolic)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17)).build();
        OnnxModel sm = OnnxModel.of(tmp.resolve("sym.onnx"), sp);
        assertThatThrownBy(() -> OnnxImporter.toGraph(sm)).isInstanceOf(GannetException.class)
                .hasMessageContaining("give its NHWC shape");
        assertThat(OnnxImporter.toGraph(sm, Map.of("x", Shape.of(2, 5, 6, 3))).output("y").shape())
                .isEqualTo(Shape.of(2, 5, 6, 3));
        assertThatThrownBy(() -> OnnxImporter.toGraph(sm, Map.of("x", Shape.of(2, 5, 6, 4))))
                .isInstanceOf(GannetException.class).hasMessageContaining("does not fit");
    }
}

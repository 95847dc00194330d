// Each operator OnnxWriter writes, run by ONNX Runtime, against the gannet op it stands for on the
// CPU: proves the exporter's conventions (pads order, weight layouts, DCR/CRD, nearest mode, pooling
// padding) mean in ONNX what they mean in gannet.
package dev.gannet.models.onnx;

import dev.gannet.models.formats.WeightLayouts;
import dev.gannet.ops.Activation;
import dev.gannet.ops.BatchNorm;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Elementwise;
import dev.gannet.ops.Epilogue;
import dev.gannet.ops.InstanceNorm;
import dev.gannet.ops.Linear;
import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Pool2d;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxWriterOpsTest {
    static Device cpu;
    static DeviceArena arena;
    static Stream stream;

    @BeforeAll
    static void open() {
        cpu = Devices.open("cpu");
        arena = cpu.newArena("onnx-ops");
        stream = cpu.defaultStream();
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    interface GannetOp {
        Tensor apply(Tensor x);
    }

    /** Runs x (NHWC, n×h×w×c) through the one-op ONNX model and through gannet, and compares. */
    static void check(String what, int n, int h, int w, int c, BiFunction<OnnxWriter, String, String> onnx,
            GannetOp gannet) {
        float[] x = Ort.random(what.hashCode(), n * h * w * c, -1f, 1f);
        OnnxWriter ow = new OnnxWriter(what, "gannet-test");
        String in = ow.input("x", n, h, w, c);
        String nchw = ow.transpose(in, "x_nchw", 0, 3, 1, 2);
        String y = ow.transpose(onnx.apply(ow, nchw), "y_nhwc", 0, 2, 3, 1);
        ow.output(y, "y");
        Ort.Result ref = Ort.run(ow.toBytes(), x, n, h, w, c);
        Tensor out = gannet.apply(arena.of(DType.F32, Shape.of(n, h, w, c), x));
        Shape s = out.shape();
        org.assertj.core.api.Assertions.assertThat(ref.shape()).as(what + " shape")
                .containsExactly(s.n(), s.h(), s.w(), s.c());
        Ort.assertClose(what, out.toFloatArray(), ref.values(), 2e-5);
    }

    static Tensor vec(float[] v) {
        return arena.of(DType.F32, Shape.of(1, 1, 1, v.length), v);
    }

    @Test
    void convWithAsymmetricPadsStrideAndDilation() {
        int c = 5, k = 7, r = 3, s = 2;
        float[] oihw = Ort.random(1, k * c * r * s, -0.5f, 0.5f);
        float[] bias = Ort.random(2, k, -0.5f, 0.5f);
        check("conv", 2, 11, 9, c, (w, x) -> w.conv(x, "conv", oihw, bias, k, c, r, s, 2, 1, 1, 2, 1, 0, 2, 1),
                t -> {
                    Tensor wt = arena.of(DType.F32, Shape.of(k, r, s, c), WeightLayouts.oihwToOhwi(oihw, k, c, r, s));
                    ConvWeights cw = ConvWeights.prepare(arena, stream, wt, false);
                    var a = new Conv2d.Attrs(r, s, 2, 1, 1, 2, 1, 0, 2, 1, PadMode.ZERO, 1);
                    return Conv2d.apply(arena, stream, t, cw, a, Epilogue.bias(vec(bias)));
                });
    }

    @Test
    void convTransposeWithOutputPadding() {
        int c = 6, k = 4, r = 3;
        float[] iohw = Ort.random(3, c * k * r * r, -0.5f, 0.5f);
        float[] bias = Ort.random(4, k, -0.5f, 0.5f);
        check("convT", 1, 5, 7, c, (w, x) -> w.convTranspose(x, "ct", iohw, bias, c, k, r, r, 2, 2, 1, 1, 1, 1, 1, 1),
                t -> {
                    Tensor wt = arena.of(DType.F32, Shape.of(k, r, r, c), WeightLayouts.iohwToOhwi(iohw, c, k, r, r));
                    ConvWeights cw = ConvWeights.prepare(arena, stream, wt, true);
                    return ConvTranspose2d.apply(arena, stream, t, cw, ConvTranspose2d.Attrs.of(r, 2, 1, 1),
                            Epilogue.bias(vec(bias)));
                });
    }

    @Test
    void resizeNearestIsUpsample() {
        check("resize", 1, 4, 5, 3, (w, x) -> w.resizeNearest(x, 2, 3),
                t -> Upsample2d.apply(arena, stream, t, 2, 3));
    }

    @Test
    void depthToSpaceInBothOrders() {
        check("d2s-dcr", 1, 3, 4, 12, (w, x) -> w.depthToSpace(x, 2, "DCR"),
                t -> PixelShuffle.apply(arena, stream, t, 2, PixelShuffle.Mode.DCR, false));
        check("d2s-crd", 1, 3, 4, 18, (w, x) -> w.depthToSpace(x, 3, "CRD"),
                t -> PixelShuffle.apply(arena, stream, t, 3, PixelShuffle.Mode.CRD, false));
        check("s2d", 1, 4, 6, 3, (w, x) -> w.spaceToDepth(x, 2),
                t -> PixelShuffle.apply(arena, stream, t, 2, PixelShuffle.Mode.DCR, true));
    }

    @Test
    void padInEveryMode() {
        check("pad-reflect", 1, 6, 5, 3, (w, x) -> w.pad(x, "reflect", 2, 1, 3, 4, 0f),
                t -> Pad2d.apply(arena, stream, t, 2, 1, 3, 4, PadMode.REFLECT));
        check("pad-edge", 1, 6, 5, 3, (w, x) -> w.pad(x, "edge", 1, 2, 0, 3, 0f),
                t -> Pad2d.apply(arena, stream, t, 1, 2, 0, 3, PadMode.REPLICATE));
        check("pad-constant", 1, 6, 5, 3, (w, x) -> w.pad(x, "constant", 1, 0, 2, 1, 0f),
                t -> Pad2d.apply(arena, stream, t, 1, 0, 2, 1, PadMode.ZERO));
    }

    @Test
    void normalizations() {
        int c = 6;
        float[] g = Ort.random(5, c, 0.5f, 1.5f), b = Ort.random(6, c, -0.5f, 0.5f);
        float[] m = Ort.random(7, c, -0.2f, 0.2f), v = Ort.random(8, c, 0.5f, 2f);
        check("batchnorm", 2, 5, 4, c, (w, x) -> w.batchNorm(x, "bn", g, b, m, v, 1e-5f),
                t -> BatchNorm.apply(arena, stream, t, vec(g), vec(b), vec(m), vec(v), 1e-5f, Activation.NONE));
        check("instancenorm", 2, 5, 4, c, (w, x) -> w.instanceNorm(x, "in", g, b, 1e-5f),
                t -> InstanceNorm.apply(arena, stream, t, vec(g), vec(b), 1e-5f, Activation.NONE));
    }

    @Test
    void pooling() {
        check("avgpool", 1, 7, 6, 3, (w, x) -> w.averagePool(x, 3, 3, 2, 2, 1, 1, 1, 1, false),
                t -> Pool2d.apply(arena, stream, t, Pool2d.Mode.AVG, 3, 2, 1));
        check("maxpool", 1, 7, 6, 3, (w, x) -> w.maxPool(x, 2, 2, 2, 2, 0, 0, 0, 0),
                t -> Pool2d.apply(arena, stream, t, Pool2d.Mode.MAX, 2, 2, 0));
        check("gap", 2, 7, 6, 3, (w, x) -> w.globalAveragePool(x), t -> Pool2d.applyGlobalAvg(arena, stream, t));
    }

    @Test
    void gemmIsLinear() {
        int in = 6, out = 4;
        float[] wt = Ort.random(9, out * in, -0.5f, 0.5f), bias = Ort.random(10, out, -0.5f, 0.5f);
        // [N, C, 1, 1] -> Flatten -> Gemm -> Reshape [N, K, 1, 1], as a classifier head is exported.
        check("gemm", 3, 1, 1, in, (w, x) -> w.reshape(w.gemm(w.flatten(x), "fc", wt, bias, out, in), 3, out, 1, 1),
                t -> Linear.apply(arena, stream, t, arena.of(DType.F32, Shape.of(1, 1, out, in), wt),
                        Epilogue.bias(vec(bias))));
    }

    @Test
    void activationsScalesAndConcat() {
        check("leaky", 1, 3, 4, 5, (w, x) -> w.leakyRelu(x, 0.2f),
                t -> Elementwise.activation(arena, stream, t, Activation.leaky(0.2f)));
        check("tanh", 1, 3, 4, 5, (w, x) -> w.tanh(x), t -> Elementwise.activation(arena, stream, t, Activation.TANH));
        check("sigmoid", 1, 3, 4, 5, (w, x) -> w.sigmoid(x),
                t -> Elementwise.activation(arena, stream, t, Activation.SIGMOID));
        check("relu", 1, 3, 4, 5, (w, x) -> w.relu(x), t -> Elementwise.activation(arena, stream, t, Activation.RELU));
        check("scale-clip", 1, 3, 4, 5, (w, x) -> w.clip(w.addScalar(w.mulScalar(x, 0.7f), 0.1f), 0f, 0.5f),
                t -> Elementwise.clamp(arena, stream, Elementwise.affine(arena, stream, t, 0.7f, 0.1f), 0f, 0.5f));
        check("concat", 1, 3, 4, 5, (w, x) -> w.concat(List.of(x, w.relu(x)), 1), t -> {
            Tensor y = arena.allocate(DType.F32, Shape.of(1, 3, 4, 10));
            Elementwise.affine(stream, t, y.sliceChannels(0, 5), 1f, 0f, Activation.NONE);
            Elementwise.activation(stream, t, y.sliceChannels(5, 5), Activation.RELU);
            return y;
        });
    }
}

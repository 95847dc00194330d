// Invalid calls of conv2d are rejected in Java, naming the problem, and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.ops.Conv2d.Attrs;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Conv2dTest {
    static CpuDevice cpu;
    static DeviceArena arena;
    static Stream stream;
    /** 8 x 3 x 3 x 4 F32 weights. */
    static ConvWeights w;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("conv2d-test");
        stream = cpu.defaultStream();
        w = weights(DType.F32, 8, 3, 3, 4);
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    static ConvWeights weights(DType dt, int k, int r, int s, int c) {
        Tensor t = arena.of(dt, new Shape(k, r, s, c), new float[k * r * s * c]);
        ConvWeights cw = ConvWeights.prepare(arena, stream, t, false);
        cpu.synchronize();
        return cw;
    }

    static Tensor x() {
        return arena.allocate(DType.F32, 1, 6, 6, 4);
    }

    static Tensor y() {
        return arena.allocate(DType.F32, 1, 6, 6, 8);
    }

    static Tensor vec(int k) {
        return arena.allocate(DType.F32, 1, 1, 1, k);
    }

    @Test
    void validCallIsAccepted() {
        long before = cpu.launchCount();
        Conv2d.launch(stream, x(), w, y(), Attrs.same(3), Epilogue.bias(vec(8)));
        cpu.synchronize();
        assertThat(cpu.launchCount()).isEqualTo(before + 1);
    }

    @Test
    void outputShapeFormula() {
        Attrs a = Attrs.of(3, 2, 1, PadMode.ZERO).withDilation(2, 1).withUpsample(2).withPads(1, 0, 2, 3);
        // Hup = 14: (14 + 3 - 4 - 1) / 2 + 1 = 7; Wup = 10: (10 + 3 - 2 - 1) / 2 + 1 = 6
        assertThat(Conv2d.outputShape(new Shape(2, 7, 5, 4), 9, a)).isEqualTo(new Shape(2, 7, 6, 9));
        assertThat(Conv2d.outputShape(new Shape(1, 4, 4, 3), 5, Attrs.same(4))).isEqualTo(new Shape(1, 4, 4, 5));
    }

    @Test
    void wrongOutputShape() {
        Tensor y = arena.allocate(DType.F32, 1, 5, 6, 8);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y, Attrs.same(3), Epilogue.NONE), "conv2d",
                "y has shape 1x5x6x8", "1x6x6x8");
    }

    @Test
    void kernelLargerThanThePaddedInput() {
        rejects(cpu, () -> Conv2d.outputShape(new Shape(1, 2, 2, 4), 8, Attrs.kernel(3, 3)), "does not fit");
    }

    @Test
    void negativeSize() {
        rejects(cpu, () -> new Shape(1, -1, 4, 3), "negative dimension");
    }

    @Test
    void emptyInput() {
        rejects(cpu, () -> Conv2d.outputShape(new Shape(1, 0, 4, 3), 8, Attrs.same(3)), "empty");
    }

    @Test
    void sliceOutOfRange() {
        rejects(cpu, () -> x().sliceChannels(3, 2), "channel slice [3, 5)");
    }

    @Test
    void mismatchedDtypes() {
        Tensor y = arena.allocate(DType.F16, 1, 6, 6, 8);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y, Attrs.same(3), Epilogue.NONE), "must match");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 6, 6, 4);
        Tensor y = arena.allocate(DType.U8, 1, 6, 6, 8);
        rejects(cpu, () -> Conv2d.launch(stream, x, w, y, Attrs.same(3), Epilogue.NONE), "dtype U8");
    }

    @Test
    void weightsOfAnotherDtype() {
        ConvWeights w16 = weights(DType.F16, 8, 3, 3, 4);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w16, y(), Attrs.same(3), Epilogue.NONE),
                "weights were prepared from F16 but x is F32");
    }

    @Test
    void transposedWeights() {
        ConvWeights t = new ConvWeights(8, 3, 3, 4, true, DType.F32, w.packed());
        rejects(cpu, () -> Conv2d.launch(stream, x(), t, y(), Attrs.same(3), Epilogue.NONE), "conv_transpose2d");
    }

    @Test
    void weightsClaimingMoreThanTheirBuffer() {
        rejects(cpu, () -> new ConvWeights(8, 3, 3, 64, false, DType.F32, w.packed()), "cannot hold", "8x3x3x64");
    }

    @Test
    void weightsForOtherChannels() {
        Tensor x5 = arena.allocate(DType.F32, 1, 6, 6, 5);
        rejects(cpu, () -> Conv2d.launch(stream, x5, w, y(), Attrs.same(3), Epilogue.NONE), "C = 4", "has 5");
        Tensor y7 = arena.allocate(DType.F32, 1, 6, 6, 7);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y7, Attrs.same(3), Epilogue.NONE), "K = 8", "has 7");
    }

    @Test
    void weightsOfAnotherKernelSize() {
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), Attrs.same(5), Epilogue.NONE), "are 3x3",
                "attributes say 5x5");
    }

    @Test
    void badAttributeValues() {
        Attrs ok = Attrs.same(3);
        Shape xs = new Shape(1, 6, 6, 4);
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withStride(0, 1)), "stride_h must be positive, got 0");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withStride(1, -2)), "stride_w must be positive, got -2");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withDilation(0, 1)), "dil_h must be positive");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withDilation(1, 0)), "dil_w must be positive");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withPads(-1, 1, 1, 1)), "pad_top must not be negative");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withPads(1, -1, 1, 1)), "pad_left must not be negative");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withPads(1, 1, -1, 1)), "pad_bottom must not be negative");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withPads(1, 1, 1, -1)), "pad_right must not be negative");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withUpsample(0)), "upsample factor must be positive");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, ok.withPadMode(null)), "padding mode is null");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, Attrs.kernel(0, 3)), "kernel height r must be positive");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, Attrs.kernel(3, -1)), "kernel width s must be positive");
        rejects(cpu, () -> Conv2d.outputShape(xs, 0, ok), "output channels K must be positive");
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, null), "attributes are null");
        // and through launch, before anything is packed
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), ok.withStride(0, 0), Epilogue.NONE), "stride_h");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), null, Epilogue.NONE), "attributes are null");
        rejects(cpu, () -> Conv2d.launch(stream, x(), null, y(), ok, Epilogue.NONE), "weights are null");
    }

    @Test
    void reflectPaddingAsLargeAsTheInput() {
        Shape xs = new Shape(1, 3, 3, 4);
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, Attrs.of(3, 1, 3, PadMode.REFLECT)), "reflect padding",
                "smaller than the (upsampled) input 3x3");
        // the rule applies to the upsampled size: pad 3 is fine once 3x3 becomes 6x6
        assertThat(Conv2d.outputShape(xs, 8, Attrs.of(3, 1, 3, PadMode.REFLECT).withUpsample(2)))
                .isEqualTo(new Shape(1, 10, 10, 8));
        rejects(cpu, () -> Conv2d.outputShape(xs, 8, Attrs.of(3, 1, 6, PadMode.REFLECT).withUpsample(2)),
                "reflect padding");
    }

    @Test
    void channelsNotContiguous() {
        Tensor big = arena.allocate(DType.F32, 1, 6, 6, 8);
        Tensor strided = big.view(new Shape(1, 6, 6, 4), new long[] {288, 48, 8, 2}, 0);
        rejects(cpu, () -> Conv2d.launch(stream, strided, w, y(), Attrs.same(3), Epilogue.NONE), "x must have contiguous channels");
        Tensor ybig = arena.allocate(DType.F32, 1, 6, 6, 16);
        Tensor ys = ybig.view(new Shape(1, 6, 6, 8), new long[] {576, 96, 16, 2}, 0);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, ys, Attrs.same(3), Epilogue.NONE), "y must have contiguous channels");
    }

    @Test
    void outputOverlapsInput() {
        Tensor big = arena.allocate(DType.F32, 1, 6, 6, 11);
        Tensor x = big.sliceChannels(0, 4);
        Tensor y = big.sliceChannels(3, 8); // channel 3 is both read and written
        rejects(cpu, () -> Conv2d.launch(stream, x, w, y, Attrs.same(3), Epilogue.NONE), "overlaps");
    }

    @Test
    void outputOverlapsWeights() {
        Tensor y = Tensor.of(w.packed(), DType.F32, new Shape(1, 6, 6, 8), new Shape(1, 6, 6, 8).denseStrides(), 0);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y, Attrs.same(3), Epilogue.NONE), "overlaps");
    }

    @Test
    void badEpilogue() {
        Attrs a = Attrs.same(3);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a, Epilogue.bias(vec(7))), "epilogue bias has shape",
                "1x1x1x8");
        Tensor b16 = arena.allocate(DType.F16, 1, 1, 1, 8);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a, Epilogue.bias(b16)), "epilogue bias must be F32");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a, Epilogue.NONE.withScaleShift(vec(8), vec(9))),
                "epilogue shift");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a, Epilogue.NONE.withOutScale(Float.NaN)),
                "out_scale must be finite");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a,
                Epilogue.NONE.withAct(Activation.leaky(Float.POSITIVE_INFINITY))), "alpha must be finite");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a,
                Epilogue.NONE.withResidual(arena.allocate(DType.F32, 1, 6, 5, 8), 1f)), "residual has shape");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a,
                Epilogue.NONE.withResidual(arena.allocate(DType.F16, 1, 6, 6, 8), 1f)), "residual is F16");
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, y(), a, Epilogue.NONE.withResidual(y(), Float.NaN)),
                "res_scale must be finite");
        Tensor big = arena.allocate(DType.F32, 1, 6, 7, 8);
        Tensor yv = big.crop(0, 0, 6, 6), rv = big.crop(0, 1, 6, 6);
        rejects(cpu, () -> Conv2d.launch(stream, x(), w, yv, a, Epilogue.NONE.withResidual(rv, 1f)),
                "residual overlaps y");
    }

    @Test
    void tensorsOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena oa = other.newArena("other")) {
            Tensor xo = oa.allocate(DType.F32, 1, 6, 6, 4);
            rejects(cpu, () -> Conv2d.launch(stream, xo, w, y(), Attrs.same(3), Epilogue.NONE), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 6, 6, 4);
        Tensor y = a.allocate(DType.F32, 1, 6, 6, 8);
        a.close();
        rejectsClosed(cpu, () -> Conv2d.launch(stream, x, w, y, Attrs.same(3), Epilogue.NONE));
    }

    @Test
    void closedWeightsArena() {
        DeviceArena a = cpu.newArena("short-lived-weights");
        Tensor t = a.of(DType.F32, new Shape(8, 3, 3, 4), new float[8 * 3 * 3 * 4]);
        ConvWeights cw = ConvWeights.prepare(a, stream, t, false);
        cpu.synchronize();
        a.close();
        rejectsClosed(cpu, () -> Conv2d.launch(stream, x(), cw, y(), Attrs.same(3), Epilogue.NONE));
    }
}

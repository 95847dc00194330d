// Invalid calls of conv_transpose2d are rejected in Java, naming the problem, and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.ops.ConvTranspose2d.Attrs;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConvTranspose2dTest {
    static CpuDevice cpu;
    static DeviceArena arena;
    static Stream stream;
    /** DCGAN's k4 s2 p1: 1x4x4x3 -> 1x8x8x5. */
    static final Attrs UP = Attrs.of(4, 2, 1, 0);
    static ConvWeights w;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("conv_transpose2d-test");
        stream = cpu.defaultStream();
        w = weights(arena, 5, 4, 4, 3);
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    static ConvWeights weights(DeviceArena a, int k, int r, int s, int c) {
        Tensor dense = a.of(DType.F32, new Shape(k, r, s, c), new float[k * r * s * c]);
        ConvWeights cw = ConvWeights.prepare(a, stream, dense, true);
        cpu.synchronize();
        return cw;
    }

    static Tensor x() {
        return arena.allocate(DType.F32, 1, 4, 4, 3);
    }

    static Tensor y() {
        return arena.allocate(DType.F32, 1, 8, 8, 5);
    }

    static Tensor vec(int k) {
        return arena.allocate(DType.F32, 1, 1, 1, k);
    }

    @Test
    void theValidCallIsAccepted() {
        long before = cpu.launchCount();
        ConvTranspose2d.launch(stream, x(), w, y(), UP, Epilogue.bias(vec(5)));
        cpu.synchronize();
        assertThat(cpu.launchCount()).isEqualTo(before + 1);
        assertThat(ConvTranspose2d.outputShape(new Shape(2, 64, 64, 256), 128, Attrs.of(3, 2, 1, 1)))
                .isEqualTo(new Shape(2, 128, 128, 128));
        assertThat(ConvTranspose2d.outputShape(new Shape(2, 1, 1, 100), 512, Attrs.of(4, 1, 0, 0)))
                .isEqualTo(new Shape(2, 4, 4, 512));
        // PyTorch allows an output padding below the dilation even when the stride is 1
        assertThat(ConvTranspose2d.outputShape(new Shape(1, 3, 3, 1), 1, Attrs.of(3, 1, 0, 1).withDilation(2, 2)))
                .isEqualTo(new Shape(1, 8, 8, 1));
    }

    @Test
    void wrongOutputShape() {
        Tensor y = arena.allocate(DType.F32, 1, 8, 7, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y, UP), "conv_transpose2d", "y has shape 1x8x7x5",
                "1x8x8x5");
    }

    @Test
    void outputSizeThatIsEmpty() {
        rejects(cpu, () -> ConvTranspose2d.outputShape(new Shape(1, 1, 1, 3), 5, Attrs.of(2, 1, 1, 0)), "empty 0x0");
    }

    @Test
    void emptyInput() {
        rejects(cpu, () -> ConvTranspose2d.outputShape(new Shape(1, 0, 4, 3), 5, UP), "input 1x0x4x3 is empty");
    }

    @Test
    void negativeSize() {
        rejects(cpu, () -> new Shape(1, -4, 4, 3), "negative dimension");
    }

    @Test
    void mismatchedDtypes() {
        Tensor y = arena.allocate(DType.F16, 1, 8, 8, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y, UP), "x is F32 but y is F16");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.U8, 1, 8, 8, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x, w, y, UP), "x has dtype U8");
    }

    @Test
    void nonContiguousChannels() {
        Tensor base = arena.allocate(DType.F32, 1, 4, 4, 6);
        Tensor x = base.view(new Shape(1, 4, 4, 3), new long[] {96, 24, 6, 2}, 0);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x, w, y(), UP), "x must have contiguous channels");
        Tensor ybase = arena.allocate(DType.F32, 1, 8, 8, 10);
        Tensor y = ybase.view(new Shape(1, 8, 8, 5), new long[] {640, 80, 10, 2}, 0);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y, UP), "y must have contiguous channels");
    }

    @Test
    void weightsPreparedForConv2d() {
        ConvWeights plain = new ConvWeights(5, 4, 4, 3, false, DType.F32, w.packed());
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), plain, y(), UP), "prepared for conv2d");
    }

    @Test
    void weightsWithOtherInputChannels() {
        ConvWeights w4 = weights(arena, 5, 4, 4, 4);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w4, y(), UP), "expect 4 input channels", "has 3");
    }

    @Test
    void weightsWithOtherOutputChannels() {
        Tensor y6 = arena.allocate(DType.F32, 1, 8, 8, 6);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y6, UP), "produce 5 channels", "has 6");
    }

    @Test
    void kernelSizeDisagreesWithWeights() {
        Tensor y = arena.allocate(DType.F32, 1, 7, 7, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y, Attrs.of(3, 2, 1, 0)), "4x4 kernel",
                "attributes say 3x3");
    }

    @Test
    void badAttributes() {
        Shape xs = new Shape(1, 4, 4, 3);
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(0, 4, 2, 2, 1, 1, 0, 0, 1, 1)),
                "kernel height r must be positive, got 0");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 0, 2, 1, 1, 0, 0, 1, 1)),
                "stride_h must be positive, got 0");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 2, -1, 1, 1, 0, 0, 1, 1)),
                "stride_w must be positive, got -1");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 2, 2, 1, 1, 0, 0, 0, 1)),
                "dilation_h must be positive, got 0");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 2, 2, -1, 1, 0, 0, 1, 1)),
                "pad_h must not be negative, got -1");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 2, 2, 1, 1, 0, -1, 1, 1)),
                "output_padding_w must not be negative, got -1");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 2, 2, 1, 1, 2, 0, 1, 1)),
                "output_padding_h 2 must be smaller than stride_h 2 or dilation_h 1");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 5, new Attrs(4, 4, 1, 1, 1, 1, 0, 1, 1, 1)),
                "output_padding_w 1 must be smaller than stride_w 1 or dilation_w 1");
        rejects(cpu, () -> ConvTranspose2d.outputShape(xs, 0, UP), "output channels k must be positive");
        // the same checks guard launch itself
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), new Attrs(4, 4, 2, 2, 1, 1, 3, 0, 1, 1)),
                "output_padding_h 3");
    }

    @Test
    void nullArguments() {
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), null), "attributes are null");
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP, null), "epilogue is null");
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), null, y(), UP), "weights are null");
    }

    @Test
    void badEpilogue() {
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP, Epilogue.bias(vec(4))),
                "epilogue bias has shape 1x1x1x4, expected 1x1x1x5");
        Tensor f16 = arena.allocate(DType.F16, 1, 1, 1, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP, Epilogue.NONE.withScaleShift(f16, null)),
                "epilogue scale must be F32");
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP,
                Epilogue.NONE.withScaleShift(null, vec(6))), "epilogue shift has shape");
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP, Epilogue.NONE.withOutScale(Float.NaN)),
                "out_scale must be finite");
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP,
                Epilogue.NONE.withAct(Activation.leaky(Float.POSITIVE_INFINITY))), "alpha must be finite");
        Tensor res = arena.allocate(DType.F32, 1, 8, 8, 4);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP, Epilogue.NONE.withResidual(res, 1f)),
                "residual has shape 1x8x8x4 but y has 1x8x8x5");
        Tensor res16 = arena.allocate(DType.F16, 1, 8, 8, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y(), UP, Epilogue.NONE.withResidual(res16, 1f)),
                "residual is F16 but y is F32");
    }

    @Test
    void residualPartlyOverlappingTheOutput() {
        Tensor big = arena.allocate(DType.F32, 1, 8, 8, 8);
        Tensor y = big.sliceChannels(0, 5);
        Tensor res = big.sliceChannels(2, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y, UP, Epilogue.NONE.withResidual(res, 1f)),
                "residual overlaps y");
    }

    @Test
    void outputOverlapsInput() {
        Tensor big = arena.allocate(DType.F32, 1, 8, 8, 8);
        Tensor x = big.sliceChannels(2, 3).crop(0, 0, 4, 4); // channels 3 and 4 are shared with y
        Tensor y = big.sliceChannels(3, 5);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x, w, y, UP), "output", "overlaps input");
    }

    @Test
    void outputOverlapsBias() {
        Tensor y = y();
        Shape v = new Shape(1, 1, 1, 5);
        Tensor bias = y.view(v, v.denseStrides(), 0);
        rejects(cpu, () -> ConvTranspose2d.launch(stream, x(), w, y, UP, Epilogue.bias(bias)), "bias overlaps the output");
    }

    @Test
    void sliceOutOfRange() {
        rejects(cpu, () -> x().sliceChannels(2, 2), "channel slice [2, 4)");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
            rejects(cpu, () -> ConvTranspose2d.launch(stream, x, w, y(), UP), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 8, 8, 5);
        a.close();
        rejectsClosed(cpu, () -> ConvTranspose2d.launch(stream, x, w, y, UP));
    }

    @Test
    void weightsFromAClosedArena() {
        DeviceArena a = cpu.newArena("short-lived-weights");
        ConvWeights gone = weights(a, 5, 4, 4, 3);
        a.close();
        rejectsClosed(cpu, () -> ConvTranspose2d.launch(stream, x(), gone, y(), UP));
    }
}

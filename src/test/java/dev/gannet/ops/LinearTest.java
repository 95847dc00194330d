// Invalid calls of linear are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LinearTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("linear-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    private static Tensor x() {
        return arena.allocate(DType.F32, 2, 1, 1, 8);
    }

    private static Tensor w() {
        return arena.allocate(DType.F32, 1, 1, 5, 8);
    }

    private static Tensor y() {
        return arena.allocate(DType.F32, 2, 1, 1, 5);
    }

    private static void linear(Tensor x, Tensor w, Tensor y, Epilogue ep) {
        Linear.launch(cpu.defaultStream(), x, w, y, ep);
    }

    @Test
    void wrongOutputShape() {
        Tensor y = arena.allocate(DType.F32, 2, 1, 1, 4);
        rejects(cpu, () -> linear(x(), w(), y, Epilogue.NONE), "linear", "y has shape 2x1x1x4", "2x1x1x5");
    }

    @Test
    void weightsOfWrongRank() {
        Tensor w = arena.allocate(DType.F32, 5, 1, 1, 8);
        rejects(cpu, () -> linear(x(), w, y(), Epilogue.NONE), "linear", "weights must have shape 1x1xKxC", "5x1x1x8");
    }

    @Test
    void weightsForOtherFeatures() {
        Tensor w = arena.allocate(DType.F32, 1, 1, 5, 7);
        rejects(cpu, () -> linear(x(), w, y(), Epilogue.NONE), "linear", "expect 7 features", "has 8");
    }

    @Test
    void noFeaturesOrNoOutputs() {
        rejects(cpu, () -> Linear.outputShape(new Shape(1, 1, 1, 0), new Shape(1, 1, 5, 0)), "linear", "no features");
        rejects(cpu, () -> Linear.outputShape(new Shape(1, 1, 1, 8), new Shape(1, 1, 0, 8)), "linear", "no outputs");
    }

    @Test
    void weightsNotDense() {
        Tensor w = arena.allocate(DType.F32, 1, 1, 5, 10).sliceChannels(0, 8);
        rejects(cpu, () -> linear(x(), w, y(), Epilogue.NONE), "linear", "weights must be dense");
    }

    @Test
    void mismatchedDtypes() {
        Tensor w16 = arena.allocate(DType.F16, 1, 1, 5, 8);
        rejects(cpu, () -> linear(x(), w16, y(), Epilogue.NONE), "linear", "x is F32 but w is F16");
        Tensor y16 = arena.allocate(DType.F16, 2, 1, 1, 5);
        rejects(cpu, () -> linear(x(), w(), y16, Epilogue.NONE), "linear", "x is F32 but y is F16");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.I32, 2, 1, 1, 8);
        Tensor w = arena.allocate(DType.I32, 1, 1, 5, 8);
        Tensor y = arena.allocate(DType.I32, 2, 1, 1, 5);
        rejects(cpu, () -> linear(x, w, y, Epilogue.NONE), "linear", "dtype I32");
    }

    @Test
    void channelsNotContiguous() {
        Tensor base = arena.allocate(DType.F32, 2, 1, 1, 16);
        Tensor x = base.view(new Shape(2, 1, 1, 8), new long[] {16, 16, 16, 2}, 0);
        rejects(cpu, () -> linear(x, w(), y(), Epilogue.NONE), "linear", "x must have contiguous channels");
        Tensor ybase = arena.allocate(DType.F32, 2, 1, 1, 10);
        Tensor y = ybase.view(new Shape(2, 1, 1, 5), new long[] {10, 10, 10, 2}, 0);
        rejects(cpu, () -> linear(x(), w(), y, Epilogue.NONE), "linear", "y must have contiguous channels");
    }

    @Test
    void nullEpilogue() {
        rejects(cpu, () -> linear(x(), w(), y(), null), "linear", "epilogue is null");
    }

    @Test
    void epilogueVectorOfWrongShapeOrDtype() {
        Tensor bias4 = arena.allocate(DType.F32, 1, 1, 1, 4);
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.bias(bias4)), "linear", "epilogue bias has shape 1x1x1x4",
                "1x1x1x5");
        Tensor scale16 = arena.allocate(DType.F16, 1, 1, 1, 5);
        Tensor shift = arena.allocate(DType.F32, 1, 1, 1, 5);
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withScaleShift(scale16, shift)), "linear",
                "epilogue scale must be F32");
        Tensor shiftSlice = arena.allocate(DType.F32, 1, 1, 1, 9).sliceChannels(2, 5);
        Tensor scale = arena.allocate(DType.F32, 1, 1, 1, 5);
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withScaleShift(scale, shiftSlice)), "linear",
                "epilogue shift must be dense");
    }

    @Test
    void nonFiniteEpilogueScalars() {
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withOutScale(Float.NaN)), "linear", "out_scale");
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withAct(Activation.leaky(Float.POSITIVE_INFINITY))),
                "linear", "alpha");
        Tensor r = y();
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withResidual(r, Float.NaN)), "linear", "res_scale");
    }

    @Test
    void residualOfWrongShapeOrDtype() {
        Tensor r = arena.allocate(DType.F32, 1, 1, 1, 5);
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withResidual(r, 1f)), "linear",
                "residual has shape 1x1x1x5");
        Tensor r16 = arena.allocate(DType.F16, 2, 1, 1, 5);
        rejects(cpu, () -> linear(x(), w(), y(), Epilogue.NONE.withResidual(r16, 1f)), "linear",
                "residual is F16 but y is F32");
    }

    @Test
    void residualPartlyOverlappingOutput() {
        Tensor buf = arena.allocate(DType.F32, 1, 1, 1, 12);
        Tensor y = buf.view(new Shape(2, 1, 1, 5), new Shape(2, 1, 1, 5).denseStrides(), 0);
        Tensor r = buf.view(new Shape(2, 1, 1, 5), new Shape(2, 1, 1, 5).denseStrides(), 2);
        rejects(cpu, () -> linear(x(), w(), y, Epilogue.NONE.withResidual(r, 1f)), "linear",
                "residual overlaps y without being the same view");
    }

    @Test
    void outputOverlapsAnInput() {
        Tensor buf = arena.allocate(DType.F32, 1, 1, 1, 64);
        Tensor x = buf.view(new Shape(2, 1, 1, 8), new Shape(2, 1, 1, 8).denseStrides(), 0);
        Tensor w = buf.view(new Shape(1, 1, 5, 8), new Shape(1, 1, 5, 8).denseStrides(), 16);
        Tensor y = buf.view(new Shape(2, 1, 1, 5), new Shape(2, 1, 1, 5).denseStrides(), 10);
        rejects(cpu, () -> linear(x, w(), y, Epilogue.NONE), "linear", "overlaps");
        Tensor y2 = buf.view(new Shape(2, 1, 1, 5), new Shape(2, 1, 1, 5).denseStrides(), 20);
        rejects(cpu, () -> linear(x(), w, y2, Epilogue.NONE), "linear", "overlaps");
        Tensor bias = buf.view(new Shape(1, 1, 1, 5), new Shape(1, 1, 1, 5).denseStrides(), 58);
        Tensor y3 = buf.view(new Shape(2, 1, 1, 5), new Shape(2, 1, 1, 5).denseStrides(), 54);
        rejects(cpu, () -> linear(x(), w(), y3, Epilogue.bias(bias)), "linear", "overlaps");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor w = a.allocate(DType.F32, 1, 1, 5, 8);
            rejects(cpu, () -> linear(x(), w, y(), Epilogue.NONE), "linear", "lives on");
            Tensor bias = a.allocate(DType.F32, 1, 1, 1, 5);
            rejects(cpu, () -> linear(x(), w(), y(), Epilogue.bias(bias)), "linear", "different devices");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 2, 1, 1, 8);
        Tensor w = a.allocate(DType.F32, 1, 1, 5, 8);
        Tensor y = a.allocate(DType.F32, 2, 1, 1, 5);
        a.close();
        rejectsClosed(cpu, () -> linear(x, w, y, Epilogue.NONE));
    }
}

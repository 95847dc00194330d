// Invalid calls of gram are rejected in Java and never reach native code.
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

class GramTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("gram-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    @Test
    void wrongOutputShape() {
        Tensor x = arena.allocate(DType.F32, 2, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 1, 3, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "y has shape 1x1x3x3", "2x1x3x3");
    }

    @Test
    void outputNotF32() {
        Tensor x = arena.allocate(DType.F16, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F16, 1, 1, 3, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "y must be F32", "F16");
    }

    @Test
    void unsupportedInputDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 1, 3, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "x has dtype U8");
    }

    @Test
    void outputNotDense() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 1, 3, 5).sliceChannels(1, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "y must be dense");
    }

    @Test
    void inputChannelsNotContiguous() {
        Tensor base = arena.allocate(DType.F32, 1, 4, 4, 6);
        Tensor x = base.view(new Shape(1, 4, 4, 3), new long[] {96, 24, 6, 2}, 0);
        Tensor y = arena.allocate(DType.F32, 1, 1, 3, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "contiguous channels");
    }

    @Test
    void emptyInput() {
        Tensor x = arena.allocate(DType.F32, 1, 0, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 1, 3, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "empty");
        rejects(cpu, () -> Gram.outputShape(new Shape(1, 4, 4, 0)), "gram", "empty");
    }

    @Test
    void nonFiniteScale() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 1, 3, 3);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y, Float.NaN), "gram", "scale must be finite");
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y, Float.POSITIVE_INFINITY), "scale");
    }

    @Test
    void outputOverlapsInput() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 4);
        Tensor y = x.view(new Shape(1, 1, 4, 4), new Shape(1, 1, 4, 4).denseStrides(), 8);
        rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "overlaps");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
            Tensor y = arena.allocate(DType.F32, 1, 1, 3, 3);
            rejects(cpu, () -> Gram.launch(cpu.defaultStream(), x, y), "gram", "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 1, 3, 3);
        a.close();
        rejectsClosed(cpu, () -> Gram.launch(cpu.defaultStream(), x, y));
    }
}

// Invalid calls of pad2d are rejected in Java and never reach native code.
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

class Pad2dTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("pad2d-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    @Test
    void wrongOutputShape() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 6, 5, 3);
        rejects(cpu, () -> Pad2d.launch(cpu.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0), "pad2d", "y has shape 1x6x5x3", "1x6x6x3");
    }

    @Test
    void negativeSizeThatEmptiesTheOutput() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> Pad2d.outputShape(x.shape(), -2, 0, -2, 0), "empty");
    }

    @Test
    void reflectPaddingAsLargeAsTheInput() {
        Tensor x = arena.allocate(DType.F32, 1, 3, 3, 2);
        Tensor y = arena.allocate(DType.F32, 1, 9, 9, 2);
        rejects(cpu, () -> Pad2d.launch(cpu.defaultStream(), x, y, 3, 3, 3, 3, PadMode.REFLECT, 0), "reflect");
    }

    @Test
    void mismatchedDtypes() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F16, 1, 6, 6, 3);
        rejects(cpu, () -> Pad2d.launch(cpu.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0), "must match");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.U8, 1, 6, 6, 3);
        rejects(cpu, () -> Pad2d.launch(cpu.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0), "dtype U8");
    }

    @Test
    void outputOverlapsInput() {
        Tensor big = arena.allocate(DType.F32, 1, 6, 6, 6);
        Tensor x = big.sliceChannels(0, 3).crop(0, 0, 4, 4);
        Tensor y = big.sliceChannels(2, 3);
        rejects(cpu, () -> Pad2d.launch(cpu.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0), "overlaps");
    }

    @Test
    void sliceOutOfRange() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> x.sliceChannels(2, 2), "channel slice [2, 4)");
    }

    @Test
    void wrongRankShapeString() {
        rejects(cpu, () -> Shape.parse("4x4x3"), "NxHxWxC");
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 6, 6, 3);
        a.close();
        rejectsClosed(cpu, () -> Pad2d.launch(cpu.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0));
    }
}

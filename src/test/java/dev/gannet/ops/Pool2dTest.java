// Invalid calls of pool2d are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.ops.Pool2d.Mode;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Pool2dTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("pool2d-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    private static void pool(Tensor x, Tensor y, Mode mode, int k, int stride, int pad) {
        Pool2d.launch(cpu.defaultStream(), x, y, mode, k, k, stride, stride, pad, pad);
    }

    @Test
    void wrongOutputShape() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 3, 4, 3);
        rejects(cpu, () -> pool(x, y, Mode.MAX, 2, 2, 0), "pool2d", "y has shape 1x3x4x3", "1x4x4x3");
    }

    @Test
    void kernelSmallerThanOne() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
        rejects(cpu, () -> pool(x, y, Mode.AVG, 0, 1, 0), "pool2d", "kernel size must be at least 1", "0x0");
        rejects(cpu, () -> Pool2d.outputShape(x.shape(), 2, -1, 1, 1, 0, 0), "kernel size", "2x-1");
    }

    @Test
    void strideSmallerThanOne() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
        rejects(cpu, () -> pool(x, y, Mode.AVG, 2, 0, 0), "pool2d", "stride must be at least 1");
        rejects(cpu, () -> Pool2d.outputShape(x.shape(), 2, 2, 1, -2, 0, 0), "stride", "1x-2");
    }

    @Test
    void negativePadding() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
        rejects(cpu, () -> pool(x, y, Mode.MAX, 3, 1, -1), "pool2d", "padding must not be negative");
    }

    @Test
    void paddingAsLargeAsTheKernel() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 11, 11, 3);
        rejects(cpu, () -> pool(x, y, Mode.AVG, 2, 1, 2), "pool2d", "padding 2x2 must be smaller than the kernel 2x2");
    }

    @Test
    void windowLargerThanThePaddedInput() {
        Tensor x = arena.allocate(DType.F32, 1, 2, 2, 3);
        rejects(cpu, () -> Pool2d.outputShape(x.shape(), 5, 5, 1, 1, 1, 1), "pool2d", "does not fit the input 2x2");
    }

    @Test
    void emptyInput() {
        rejects(cpu, () -> Pool2d.outputShape(new Shape(1, 0, 4, 3), 1, 1, 1, 1, 0, 0), "pool2d", "empty");
        rejects(cpu, () -> Pool2d.globalOutputShape(new Shape(1, 4, 0, 3)), "pool2d", "empty");
    }

    @Test
    void nullMode() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> pool(x, y, null, 2, 2, 0), "pool2d", "mode is null");
    }

    @Test
    void globalAverageThroughTheWindowedLaunch() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 1, 1, 1, 3);
        rejects(cpu, () -> pool(x, y, Mode.GLOBAL_AVG, 8, 1, 0), "pool2d", "launchGlobalAvg");
    }

    @Test
    void wrongGlobalOutputShape() {
        Tensor x = arena.allocate(DType.F32, 2, 8, 8, 3);
        Tensor y = arena.allocate(DType.F32, 2, 2, 2, 3);
        rejects(cpu, () -> Pool2d.launchGlobalAvg(cpu.defaultStream(), x, y), "pool2d", "y has shape 2x2x2x3",
                "2x1x1x3");
    }

    @Test
    void mismatchedDtypes() {
        Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.F16, 1, 4, 4, 3);
        rejects(cpu, () -> pool(x, y, Mode.AVG, 2, 2, 0), "pool2d", "must match");
        Tensor g = arena.allocate(DType.F16, 1, 1, 1, 3);
        rejects(cpu, () -> Pool2d.launchGlobalAvg(cpu.defaultStream(), x, g), "pool2d", "must match");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 8, 8, 3);
        Tensor y = arena.allocate(DType.U8, 1, 4, 4, 3);
        rejects(cpu, () -> pool(x, y, Mode.MAX, 2, 2, 0), "pool2d", "dtype U8");
    }

    @Test
    void channelsNotContiguous() {
        Tensor base = arena.allocate(DType.F32, 1, 8, 8, 6);
        Tensor x = base.view(new Shape(1, 8, 8, 3), new long[] {384, 48, 6, 2}, 0);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> pool(x, y, Mode.MAX, 2, 2, 0), "pool2d", "x must have contiguous channels");
        Tensor g = arena.allocate(DType.F32, 1, 1, 1, 6).view(new Shape(1, 1, 1, 3), new long[] {6, 6, 6, 2}, 0);
        rejects(cpu, () -> Pool2d.launchGlobalAvg(cpu.defaultStream(), base.sliceChannels(0, 3), g), "pool2d",
                "y must have contiguous channels");
    }

    @Test
    void outputOverlapsInput() {
        Tensor big = arena.allocate(DType.F32, 1, 8, 8, 6);
        Tensor x = big.sliceChannels(0, 3);
        Tensor y = big.sliceChannels(2, 3).crop(0, 0, 4, 4); // shares channel 2 with x
        rejects(cpu, () -> pool(x, y, Mode.AVG, 2, 2, 0), "pool2d", "overlaps");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor x = arena.allocate(DType.F32, 1, 8, 8, 3);
            Tensor y = a.allocate(DType.F32, 1, 1, 1, 3);
            rejects(cpu, () -> Pool2d.launchGlobalAvg(cpu.defaultStream(), x, y), "pool2d", "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 8, 8, 3);
        Tensor y = a.allocate(DType.F32, 1, 4, 4, 3);
        a.close();
        rejectsClosed(cpu, () -> pool(x, y, Mode.MAX, 2, 2, 0));
    }
}

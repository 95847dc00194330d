// Invalid calls of pixel_shuffle are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.ops.PixelShuffle.Mode;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PixelShuffleTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("pixel-shuffle-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    @Test
    void blockBelowOne() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 4);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 4);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 0, Mode.DCR, false),
                "pixel_shuffle", "block must be positive, got 0");
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, -2, Mode.CRD, true),
                "block must be positive, got -2");
    }

    @Test
    void channelsNotDivisibleByBlockSquared() {
        Tensor x = arena.allocate(DType.F32, 1, 2, 2, 6);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false),
                "channel count 6 divisible by block² = 4");
    }

    @Test
    void inverseNeedsDivisibleSpatialSize() {
        Tensor x = arena.allocate(DType.F32, 1, 5, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 2, 2, 12);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.CRD, true),
                "H and W divisible by the block 2, got 5x4");
    }

    @Test
    void wrongOutputShape() {
        Tensor x = arena.allocate(DType.F32, 1, 2, 3, 12);
        Tensor y = arena.allocate(DType.F32, 1, 6, 4, 3);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false),
                "y has shape 1x6x4x3", "1x4x6x3");
        Tensor xi = arena.allocate(DType.F32, 1, 4, 6, 3);
        Tensor yi = arena.allocate(DType.F32, 1, 2, 3, 3);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), xi, yi, 2, Mode.DCR, true),
                "y has shape 1x2x3x3", "1x2x3x12");
    }

    @Test
    void outputTooLarge() {
        rejects(cpu, () -> PixelShuffle.outputShape(new Shape(1, 1_200_000_000, 1, 4), 2, false), "too large");
        rejects(cpu, () -> PixelShuffle.outputShape(new Shape(1, 40000, 40000, 40000), 40000, true), "too many");
    }

    @Test
    void nullMode() {
        Tensor x = arena.allocate(DType.F32, 1, 2, 2, 4);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, null, false), "mode is null");
    }

    @Test
    void mismatchedDtypes() {
        Tensor x = arena.allocate(DType.F16, 1, 2, 2, 4);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false),
                "x is F16 but y is F32", "must match");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 2, 2, 4);
        Tensor y = arena.allocate(DType.U8, 1, 4, 4, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false), "x has dtype U8");
    }

    @Test
    void stridedChannels() {
        Tensor buf = arena.allocate(DType.F32, 1, 2, 2, 8);
        Tensor x = buf.view(new Shape(1, 2, 2, 4), new long[] {32, 16, 8, 2}, 0);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.CRD, false),
                "x must have contiguous channels");
        Tensor xs = arena.allocate(DType.F32, 1, 4, 4, 1);
        Tensor ys = buf.view(new Shape(1, 2, 2, 4), new long[] {32, 16, 8, 2}, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), xs, ys, 2, Mode.CRD, true),
                "y must have contiguous channels");
    }

    @Test
    void outputOverlapsInput() {
        Tensor big = arena.allocate(DType.F32, 1, 4, 4, 8);
        Tensor x = big.crop(0, 0, 2, 2).sliceChannels(0, 4);
        Tensor y = big.sliceChannels(3, 1);
        rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false), "overlaps");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("elsewhere")) {
            Tensor x = a.allocate(DType.F32, 1, 2, 2, 4);
            Tensor y = arena.allocate(DType.F32, 1, 4, 4, 1);
            rejects(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 2, 2, 4);
        Tensor y = a.allocate(DType.F32, 1, 4, 4, 1);
        a.close();
        rejectsClosed(cpu, () -> PixelShuffle.launch(cpu.defaultStream(), x, y, 2, Mode.DCR, false));
    }
}

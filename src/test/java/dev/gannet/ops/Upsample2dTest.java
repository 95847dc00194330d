// Invalid calls of upsample2d are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.ops.Upsample2d.Mode;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Upsample2dTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("upsample2d-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    @Test
    void nearestWrongOutputShape() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 8, 12, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 2, 2), "upsample2d", "y has shape 1x8x12x3",
                "1x8x8x3");
    }

    @Test
    void nearestFactorBelowOne() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 0, 1), "factor_h must be positive, got 0");
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 1, -2), "factor_w must be positive, got -2");
    }

    @Test
    void nearestOutputTooLarge() {
        rejects(cpu, () -> Upsample2d.outputShape(new Shape(1, 70000, 4, 3), 40000, 1), "too large");
    }

    @Test
    void resizeWithNearestMode() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.NEAREST), "bilinear or area",
                "integer factors");
    }

    @Test
    void nullMode() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, null), "mode is null");
    }

    @Test
    void resizeBatchOrChannelsDiffer() {
        Tensor x = arena.allocate(DType.F32, 2, 4, 4, 3);
        Tensor fewerItems = arena.allocate(DType.F32, 1, 7, 5, 3);
        Tensor moreChannels = arena.allocate(DType.F32, 2, 7, 5, 4);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, fewerItems, Mode.BILINEAR), "y has shape 1x7x5x3",
                "2x7x5x3");
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, moreChannels, Mode.AREA), "y has shape 2x7x5x4",
                "2x7x5x3");
    }

    @Test
    void emptyResizeOutput() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 0, 5, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.AREA), "output height must be positive");
        rejects(cpu, () -> Upsample2d.outputShape(x.shape(), Mode.BILINEAR, 3, 0), "output width must be positive");
        rejects(cpu, () -> Upsample2d.outputShape(x.shape(), Mode.AREA, -1, 3),
                "output height must be positive, got -1");
    }

    @Test
    void emptyInput() {
        Tensor x = arena.allocate(DType.F32, 1, 0, 4, 3);
        Tensor y = arena.allocate(DType.F32, 1, 3, 3, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.BILINEAR), "input 1x0x4x3 is empty");
        Tensor yn = arena.allocate(DType.F32, 1, 0, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, yn, 2, 2), "input 1x0x4x3 is empty");
    }

    @Test
    void mismatchedDtypes() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.F16, 1, 8, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 2, 2), "x is F32 but y is F16", "must match");
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.BILINEAR), "must match");
    }

    @Test
    void unsupportedDtype() {
        Tensor x = arena.allocate(DType.U8, 1, 4, 4, 3);
        Tensor y = arena.allocate(DType.U8, 1, 8, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.AREA), "x has dtype U8");
        Tensor xi = arena.allocate(DType.I32, 1, 4, 4, 3);
        Tensor yi = arena.allocate(DType.I32, 1, 8, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), xi, yi, 2, 2), "x has dtype I32");
    }

    @Test
    void stridedChannels() {
        Tensor buf = arena.allocate(DType.F32, 1, 4, 4, 6);
        Tensor x = buf.view(new Shape(1, 4, 4, 3), new long[] {96, 24, 6, 2}, 0);
        Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 2, 2), "x must have contiguous channels");
        Tensor xd = arena.allocate(DType.F32, 1, 2, 2, 3);
        Tensor ybuf = arena.allocate(DType.F32, 1, 4, 4, 6);
        Tensor ys = ybuf.view(new Shape(1, 4, 4, 3), new long[] {96, 24, 6, 2}, 1);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), xd, ys, Mode.BILINEAR),
                "y must have contiguous channels");
    }

    @Test
    void outputOverlapsInput() {
        Tensor big = arena.allocate(DType.F32, 1, 8, 8, 6);
        Tensor x = big.sliceChannels(0, 3).crop(0, 0, 4, 4);
        Tensor y = big.sliceChannels(2, 3);
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 2, 2), "overlaps");
        rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.BILINEAR), "overlaps");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("elsewhere")) {
            Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
            Tensor y = arena.allocate(DType.F32, 1, 8, 8, 3);
            rejects(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 2, 2), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 8, 8, 3);
        a.close();
        rejectsClosed(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, 2, 2));
        rejectsClosed(cpu, () -> Upsample2d.launch(cpu.defaultStream(), x, y, Mode.BILINEAR));
    }
}

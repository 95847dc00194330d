// Invalid calls of cast are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CastTest {
    static CpuDevice cpu;
    static DeviceArena arena;
    static Stream stream;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("cast-test");
        stream = cpu.defaultStream();
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    private static Tensor image() {
        return arena.allocate(DType.U8, 1, 4, 5, 3);
    }

    private static Tensor vec(int c) {
        return arena.allocate(DType.F32, 1, 1, 1, c);
    }

    @Test
    void unsupportedTarget() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 5, 3), y = arena.allocate(DType.I32, 1, 4, 5, 3);
        rejects(cpu, () -> Cast.launch(stream, x, y), "cast", "y has dtype I32");
    }

    @Test
    void shapeThatDoesNotBroadcast() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 5, 4, 3);
        rejects(cpu, () -> Cast.launch(stream, x, y), "x has shape 1x4x5x3", "output shape 1x5x4x3");
    }

    @Test
    void meanOfTheWrongLength() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 5, 3);
        rejects(cpu, () -> Cast.launch(stream, x, y, 1 / 255f, 0, vec(4), null), "mean has shape 1x1x1x4",
                "expected 1x1x1x3");
        rejects(cpu, () -> Cast.launch(stream, x, y, 1 / 255f, 0, null, arena.allocate(DType.F32, 1, 1, 3, 1)),
                "inv_std has shape 1x1x3x1");
    }

    @Test
    void meanOfTheWrongDtype() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 5, 3);
        rejects(cpu, () -> Cast.launch(stream, x, y, 1, 0, arena.allocate(DType.F16, 1, 1, 1, 3), null),
                "mean must be F32", "F16");
    }

    @Test
    void nonContiguousStatistics() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 5, 3);
        Tensor strided = vec(6).view(new Shape(1, 1, 1, 3), new long[] {6, 6, 6, 2}, 0);
        rejects(cpu, () -> Cast.launch(stream, x, y, 1, 0, null, strided), "inv_std must be contiguous");
    }

    @Test
    void nonFiniteScaleOrOffset() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 5, 3);
        rejects(cpu, () -> Cast.launch(stream, x, y, Float.NaN, 0, null, null), "scale must be finite");
        rejects(cpu, () -> Cast.launch(stream, x, y, 1, Float.NEGATIVE_INFINITY, null, null),
                "offset must be finite");
    }

    @Test
    void broadcastOutput() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 1, 3).broadcastTo(new Shape(1, 4, 5, 3));
        rejects(cpu, () -> Cast.launch(stream, x, y), "more than once");
    }

    @Test
    void inPlaceCast() {
        Tensor x = arena.allocate(DType.F32, 1, 4, 5, 3);
        rejects(cpu, () -> Cast.launch(stream, x, x, 2, 0, null, null), "overlaps");
    }

    @Test
    void statisticsInsideTheOutput() {
        Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 5, 3);
        Tensor mean = y.crop(0, 0, 1, 1);
        rejects(cpu, () -> Cast.launch(stream, x, y, 1, 0, mean, null), "overlaps");
    }

    @Test
    void statisticsOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena oa = other.newArena("other")) {
            Tensor x = image(), y = arena.allocate(DType.F32, 1, 4, 5, 3);
            Tensor mean = oa.allocate(DType.F32, 1, 1, 1, 3);
            rejects(cpu, () -> Cast.launch(stream, x, y, 1, 0, mean, null), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.U8, 1, 4, 5, 3);
        Tensor y = a.allocate(DType.F32, 1, 4, 5, 3);
        a.close();
        rejectsClosed(cpu, () -> Cast.launch(stream, x, y));
    }
}

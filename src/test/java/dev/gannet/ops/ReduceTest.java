// Invalid calls of reduce are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.ops.Reduce.Kind;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReduceTest {
    static CpuDevice cpu;
    static DeviceArena arena;
    static Stream stream;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("reduce-test");
        stream = cpu.defaultStream();
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    private static Tensor f32(int n, int h, int w, int c) {
        return arena.allocate(DType.F32, n, h, w, c);
    }

    @Test
    void wrongOutputShape() {
        Tensor a = f32(2, 4, 4, 3);
        rejects(cpu, () -> Reduce.launch(stream, Kind.MEAN_ALL, a, null, f32(1, 1, 1, 3)), "reduce",
                "y has shape 1x1x1x3", "expected 1x1x1x1");
        rejects(cpu, () -> Reduce.launch(stream, Kind.MEAN_CHANNEL, a, null, f32(1, 1, 1, 1)),
                "y has shape 1x1x1x1", "expected 1x1x1x3");
        rejects(cpu, () -> Reduce.launch(stream, Kind.MSE, a, f32(2, 4, 4, 3), f32(2, 1, 1, 1)),
                "y has shape 2x1x1x1");
    }

    @Test
    void outputNotF32() {
        Tensor a = arena.allocate(DType.F16, 2, 4, 4, 3), y = arena.allocate(DType.F16, 1, 1, 1, 1);
        rejects(cpu, () -> Reduce.launch(stream, Kind.MEAN_ALL, a, null, y), "y has dtype F16");
    }

    @Test
    void unsupportedInputDtype() {
        Tensor a = arena.allocate(DType.U8, 2, 4, 4, 3);
        rejects(cpu, () -> Reduce.meanAll(arena, stream, a), "a has dtype U8");
    }

    @Test
    void inputsOfDifferentDtypes() {
        Tensor a = f32(2, 4, 4, 3), b = arena.allocate(DType.F16, 2, 4, 4, 3);
        rejects(cpu, () -> Reduce.mse(arena, stream, a, b), "a is F32 but b is F16");
    }

    @Test
    void bMissingOrSuperfluous() {
        Tensor a = f32(2, 4, 4, 3), y = f32(1, 1, 1, 1);
        rejects(cpu, () -> Reduce.launch(stream, Kind.L1, a, null, y), "l1 needs b");
        rejects(cpu, () -> Reduce.launch(stream, Kind.MEAN_ALL, a, f32(2, 4, 4, 3), y), "mean-all takes no b");
    }

    @Test
    void bOfOtherChannels() {
        Tensor a = f32(2, 4, 4, 3), b = f32(2, 4, 4, 1);
        rejects(cpu, () -> Reduce.mse(arena, stream, a, b), "b has 1 channels but a has 3", "never broadcast");
    }

    @Test
    void bThatDoesNotBroadcast() {
        Tensor a = f32(2, 4, 4, 3), b = f32(3, 4, 4, 3);
        rejects(cpu, () -> Reduce.l1(arena, stream, a, b), "b has shape 3x4x4x3", "does not broadcast");
    }

    @Test
    void emptyInput() {
        Tensor a = f32(2, 0, 4, 3);
        rejects(cpu, () -> Reduce.meanChannel(arena, stream, a), "empty");
    }

    @Test
    void outputOverlapsInput() {
        Tensor a = f32(2, 4, 4, 3);
        Tensor y = a.crop(0, 0, 1, 1).sliceBatch(0, 1).sliceChannels(0, 1);
        rejects(cpu, () -> Reduce.launch(stream, Kind.MEAN_ALL, a, null, y), "overlaps");
    }

    @Test
    void channelsNotContiguous() {
        Tensor a = f32(2, 4, 4, 1).broadcastTo(new Shape(2, 4, 4, 3));
        rejects(cpu, () -> Reduce.meanAll(arena, stream, a), "a must have contiguous channels");
        Tensor y = f32(1, 1, 1, 6).view(new Shape(1, 1, 1, 3), new long[] {6, 6, 6, 2}, 0);
        rejects(cpu, () -> Reduce.launch(stream, Kind.MEAN_CHANNEL, f32(2, 4, 4, 3), null, y),
                "y must have contiguous channels");
    }

    @Test
    void missingSubOp() {
        Tensor a = f32(2, 4, 4, 3);
        rejects(cpu, () -> Reduce.launch(stream, null, a, null, f32(1, 1, 1, 1)), "sub-op is null");
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 1, 1, 1);
        a.close();
        rejectsClosed(cpu, () -> Reduce.launch(stream, Kind.MEAN_ALL, x, null, y));
    }
}

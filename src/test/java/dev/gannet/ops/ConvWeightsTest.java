// Invalid calls of conv_pack (ConvWeights.prepare) are rejected in Java and never reach native code.
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

class ConvWeightsTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("conv-pack-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    @Test
    void integerWeights() {
        Tensor w = arena.allocate(DType.U8, 8, 3, 3, 4);
        rejects(cpu, () -> ConvWeights.prepare(arena, cpu.defaultStream(), w, false), "conv_pack", "dtype U8");
    }

    @Test
    void weightsThatAreAView() {
        Tensor w = arena.allocate(DType.F32, 8, 3, 3, 8).sliceChannels(0, 4);
        rejects(cpu, () -> ConvWeights.prepare(arena, cpu.defaultStream(), w, false), "must be dense");
    }

    @Test
    void emptyWeights() {
        Tensor w = arena.allocate(DType.F32, 0, 3, 3, 4);
        rejects(cpu, () -> ConvWeights.prepare(arena, cpu.defaultStream(), w, true), "empty");
    }

    @Test
    void arenaOfAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor w = arena.allocate(DType.F32, 8, 3, 3, 4);
            rejects(cpu, () -> ConvWeights.prepare(a, cpu.defaultStream(), w, false), "different devices");
        }
    }

    @Test
    void dimensionsLargerThanThePackedBuffer() {
        Tensor w = arena.of(DType.F32, new Shape(2, 1, 1, 2), new float[4]);
        ConvWeights small = ConvWeights.prepare(arena, cpu.defaultStream(), w, false);
        rejects(cpu, () -> new ConvWeights(64, 3, 3, 64, false, DType.F32, small.packed()), "cannot hold");
        rejects(cpu, () -> new ConvWeights(0, 1, 1, 2, false, DType.F32, small.packed()), "positive dimensions");
    }

    @Test
    void closedWeightArena() {
        DeviceArena a = cpu.newArena("closed-weights");
        Tensor w = a.allocate(DType.F32, 8, 3, 3, 4);
        a.close();
        rejectsClosed(cpu, () -> ConvWeights.prepare(arena, cpu.defaultStream(), w, false));
    }
}

// Invalid calls of instancenorm are rejected in Java and never reach native code; the valid
// baseline calls the tests vary do reach it.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InstanceNormTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("instancenorm-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    static Tensor vec(int c) {
        Tensor t = arena.allocate(DType.F32, 1, 1, 1, c);
        t.copyFrom(new float[c]);
        return t;
    }

    static Tensor act(DType dt, int n, int h, int w, int c) {
        Tensor t = arena.allocate(dt, n, h, w, c);
        t.copyFrom(new float[(int) t.numel()]);
        return t;
    }

    static void in(Tensor x, Tensor y, Tensor gamma, Tensor beta, float eps, Activation a) {
        InstanceNorm.launch(cpu.defaultStream(), x, y, gamma, beta, eps, a);
    }

    @Test
    void validCallsReachTheKernel() {
        Tensor x = act(DType.F32, 2, 3, 5, 3);
        long before = cpu.launchCount();
        in(x, act(DType.F32, 2, 3, 5, 3), vec(3), vec(3), 1e-5f, Activation.RELU);
        in(x, act(DType.F32, 2, 3, 5, 3), null, null, 1e-5f, Activation.TANH);
        InstanceNorm.applyInPlace(cpu.defaultStream(), x, null, null, 1e-5f, Activation.leaky(0.2f));
        Tensor y = InstanceNorm.apply(arena, cpu.defaultStream(), act(DType.F16, 1, 1, 1, 3), vec(3), vec(3), 1e-5f,
                Activation.SIGMOID);
        cpu.synchronize();
        assertThat(cpu.launchCount() - before).isEqualTo(4);
        // a 1x1 image normalizes to 0, then beta = 0, then sigmoid
        assertThat(y.toFloatArray()).containsOnly(0.5f);
    }

    @Test
    void mismatchedDtypes() {
        rejects(cpu, () -> in(act(DType.F16, 1, 4, 4, 3), act(DType.F32, 1, 4, 4, 3), null, null, 1e-5f,
                Activation.NONE), "instancenorm", "x is F16 but y is F32");
    }

    @Test
    void unsupportedDtype() {
        rejects(cpu, () -> in(act(DType.I32, 1, 4, 4, 3), act(DType.I32, 1, 4, 4, 3), null, null, 1e-5f,
                Activation.NONE), "instancenorm", "x has dtype I32");
    }

    @Test
    void wrongOutputShape() {
        rejects(cpu, () -> in(act(DType.F32, 2, 4, 4, 3), act(DType.F32, 1, 4, 4, 3), null, null, 1e-5f,
                Activation.NONE), "y has shape 1x4x4x3", "expected 2x4x4x3");
    }

    @Test
    void nonContiguousChannels() {
        Tensor y = act(DType.F32, 1, 4, 4, 1).broadcastTo(new Shape(1, 4, 4, 3));
        rejects(cpu, () -> in(act(DType.F32, 1, 4, 4, 3), y, null, null, 1e-5f, Activation.NONE),
                "y must have contiguous channels");
    }

    @Test
    void gammaAndBetaGoTogether() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> in(x, y, vec(3), null, 1e-5f, Activation.NONE), "go together", "gamma only");
        rejects(cpu, () -> in(x, y, null, vec(3), 1e-5f, Activation.NONE), "go together", "beta only");
    }

    @Test
    void badParameterVectors() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> in(x, y, arena.allocate(DType.F16, 1, 1, 1, 3), vec(3), 1e-5f, Activation.NONE),
                "gamma must be F32, got F16");
        rejects(cpu, () -> in(x, y, vec(3), vec(17), 1e-5f, Activation.NONE),
                "beta has shape 1x1x1x17, expected 1x1x1x3");
        rejects(cpu, () -> in(x, y, vec(3), arena.allocate(DType.F32, 1, 1, 3, 1), 1e-5f, Activation.NONE),
                "beta has shape 1x1x3x1");
        Tensor strided = arena.allocate(DType.F32, 1, 1, 1, 9).sliceChannels(3, 3);
        rejects(cpu, () -> in(x, y, strided, vec(3), 1e-5f, Activation.NONE), "gamma must be dense");
    }

    @Test
    void badEps() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        for (float eps : new float[] {0f, -1f, Float.NaN, Float.NEGATIVE_INFINITY}) {
            rejects(cpu, () -> in(x, y, null, null, eps, Activation.NONE), "eps must be positive and finite");
        }
    }

    @Test
    void outputPartiallyOverlapsInput() {
        Tensor big = act(DType.F32, 1, 4, 4, 3);
        Tensor x = big.crop(0, 0, 3, 4), y = big.crop(1, 0, 3, 4);
        rejects(cpu, () -> in(x, y, null, null, 1e-5f, Activation.NONE), "overlaps x",
                "without being the same view");
    }

    @Test
    void parameterOverlapsOutput() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        Tensor inY = y.view(new Shape(1, 1, 1, 3), new long[] {3, 3, 3, 1}, 45);
        rejects(cpu, () -> in(x, y, vec(3), inY, 1e-5f, Activation.NONE), "overlaps beta");
    }

    @Test
    void badActivation() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> in(x, y, null, null, 1e-5f, null), "activation is null");
        rejects(cpu, () -> in(x, y, null, null, 1e-5f, Activation.leaky(Float.POSITIVE_INFINITY)),
                "alpha must be finite");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
            rejects(cpu, () -> in(x, act(DType.F32, 1, 4, 4, 3), null, null, 1e-5f, Activation.NONE), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor g = a.allocate(DType.F32, 1, 1, 1, 3);
        a.close();
        rejectsClosed(cpu, () -> in(x, act(DType.F32, 1, 4, 4, 3), null, null, 1e-5f, Activation.NONE));
        rejectsClosed(cpu, () -> in(act(DType.F32, 1, 4, 4, 3), act(DType.F32, 1, 4, 4, 3), g, vec(3), 1e-5f,
                Activation.NONE));
    }
}

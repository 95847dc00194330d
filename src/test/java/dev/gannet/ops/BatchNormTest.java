// Invalid calls of batchnorm are rejected in Java and never reach native code; the valid baseline
// call the tests vary does reach it.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchNormTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("batchnorm-test");
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

    static Tensor ones(int c) {
        float[] v = new float[c];
        Arrays.fill(v, 1f);
        return arena.of(DType.F32, new Shape(1, 1, 1, c), v);
    }

    static Tensor act(DType dt, int n, int h, int w, int c) {
        Tensor t = arena.allocate(dt, n, h, w, c);
        t.copyFrom(new float[(int) t.numel()]);
        return t;
    }

    /** Inference with everything valid except what the caller passes. */
    static void inference(Tensor x, Tensor y, Tensor gamma, Tensor beta, Tensor rm, Tensor rv, float eps,
                          Activation a) {
        BatchNorm.launch(cpu.defaultStream(), x, y, gamma, beta, rm, rv, null, null, false, 0.1f, eps, a);
    }

    static void training(Tensor x, Tensor y, Tensor rm, Tensor rv, Tensor sm, Tensor si, float momentum) {
        BatchNorm.launch(cpu.defaultStream(), x, y, null, null, rm, rv, sm, si, true, momentum, 1e-5f,
                Activation.NONE);
    }

    @Test
    void validCallsReachTheKernel() {
        Tensor x = act(DType.F32, 2, 3, 5, 3);
        long before = cpu.launchCount();
        inference(x, act(DType.F32, 2, 3, 5, 3), ones(3), vec(3), vec(3), ones(3), 1e-5f, Activation.RELU);
        training(x, act(DType.F32, 2, 3, 5, 3), vec(3), ones(3), vec(3), vec(3), 0.01f);
        BatchNorm.applyInPlace(cpu.defaultStream(), x, null, null, vec(3), ones(3), 1e-5f, Activation.leaky(0.1f));
        BatchNorm.Training t = BatchNorm.applyTraining(arena, cpu.defaultStream(), act(DType.F16, 2, 1, 1, 3), null,
                null, vec(3), ones(3), 0.1f, 1e-5f, Activation.NONE);
        cpu.synchronize();
        assertThat(cpu.launchCount() - before).isEqualTo(4);
        // zero input: the batch variance is 0, so invstd is 1/sqrt(eps)
        assertThat(t.saveInvstd().toFloatArray()[0]).isCloseTo((float) (1 / Math.sqrt(1e-5f)), within(1e-3f));
    }

    @Test
    void mismatchedDtypes() {
        rejects(cpu, () -> inference(act(DType.F32, 1, 4, 4, 3), act(DType.F16, 1, 4, 4, 3), null, null, vec(3),
                ones(3), 1e-5f, Activation.NONE), "batchnorm", "x is F32 but y is F16");
    }

    @Test
    void unsupportedDtype() {
        rejects(cpu, () -> inference(act(DType.U8, 1, 4, 4, 3), act(DType.U8, 1, 4, 4, 3), null, null, vec(3),
                ones(3), 1e-5f, Activation.NONE), "batchnorm", "x has dtype U8");
    }

    @Test
    void wrongOutputShape() {
        rejects(cpu, () -> inference(act(DType.F32, 2, 4, 4, 3), act(DType.F32, 2, 4, 5, 3), null, null, vec(3),
                ones(3), 1e-5f, Activation.NONE), "y has shape 2x4x5x3", "expected 2x4x4x3");
    }

    @Test
    void nonContiguousChannels() {
        Tensor x = act(DType.F32, 1, 4, 4, 1).broadcastTo(new Shape(1, 4, 4, 3));
        rejects(cpu, () -> inference(x, act(DType.F32, 1, 4, 4, 3), null, null, vec(3), ones(3), 1e-5f,
                Activation.NONE), "x must have contiguous channels");
    }

    @Test
    void parameterVectorWithWrongDtype() {
        Tensor g = arena.allocate(DType.F16, 1, 1, 1, 3);
        rejects(cpu, () -> inference(act(DType.F16, 1, 4, 4, 3), act(DType.F16, 1, 4, 4, 3), g, null, vec(3),
                ones(3), 1e-5f, Activation.NONE), "gamma must be F32, got F16");
    }

    @Test
    void parameterVectorWithWrongShape() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> inference(x, y, null, vec(4), vec(3), ones(3), 1e-5f, Activation.NONE),
                "beta has shape 1x1x1x4, expected 1x1x1x3");
        rejects(cpu, () -> inference(x, y, null, null, vec(3), arena.allocate(DType.F32, 3, 1, 1, 1), 1e-5f,
                Activation.NONE), "running_var has shape 3x1x1x1");
        rejects(cpu, () -> training(x, y, vec(3), ones(3), vec(2), null, 0.1f), "save_mean has shape 1x1x1x2");
    }

    @Test
    void parameterVectorNotDense() {
        Tensor g = arena.allocate(DType.F32, 1, 1, 1, 6).sliceChannels(0, 3);
        rejects(cpu, () -> inference(act(DType.F32, 1, 4, 4, 3), act(DType.F32, 1, 4, 4, 3), g, null, vec(3),
                ones(3), 1e-5f, Activation.NONE), "gamma must be dense");
    }

    @Test
    void runningStatisticsAreRequired() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> inference(x, y, null, null, null, ones(3), 1e-5f, Activation.NONE),
                "running_mean is required");
        rejects(cpu, () -> training(x, y, vec(3), null, null, null, 0.1f), "running_var is required");
    }

    @Test
    void savedStatisticsInInference() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> BatchNorm.launch(cpu.defaultStream(), x, y, null, null, vec(3), ones(3), vec(3), null,
                false, 0.1f, 1e-5f, Activation.NONE), "only written in training");
    }

    @Test
    void badEps() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        for (float eps : new float[] {0f, -1e-5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            rejects(cpu, () -> inference(x, y, null, null, vec(3), ones(3), eps, Activation.NONE),
                    "eps must be positive and finite, got " + eps);
        }
    }

    @Test
    void badMomentum() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        for (float m : new float[] {-0.1f, 1.5f, Float.NaN}) {
            rejects(cpu, () -> training(x, y, vec(3), ones(3), null, null, m), "momentum must be in [0, 1], got " + m);
        }
    }

    @Test
    void trainingWithOneValuePerChannel() {
        rejects(cpu, () -> training(act(DType.F32, 1, 1, 1, 3), act(DType.F32, 1, 1, 1, 3), vec(3), ones(3), null,
                null, 0.1f), "more than one value per channel", "N·H·W = 1");
    }

    @Test
    void outputPartiallyOverlapsInput() {
        Tensor big = act(DType.F32, 1, 4, 4, 6);
        Tensor x = big.sliceChannels(0, 3), y = big.sliceChannels(2, 3);
        rejects(cpu, () -> inference(x, y, null, null, vec(3), ones(3), 1e-5f, Activation.NONE),
                "overlaps x", "without being the same view");
    }

    @Test
    void parameterOverlapsOutput() {
        Tensor y = act(DType.F32, 1, 4, 4, 3);
        Tensor inY = y.view(new Shape(1, 1, 1, 3), new long[] {3, 3, 3, 1}, 6);
        Tensor x = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> inference(x, y, inY, null, vec(3), ones(3), 1e-5f, Activation.NONE),
                "y", "overlaps gamma");
        rejects(cpu, () -> inference(x, y, null, null, vec(3), inY, 1e-5f, Activation.NONE),
                "overlaps running_var");
    }

    @Test
    void trainingOutputsOverlap() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        Tensor rm = vec(3), s = vec(3);
        rejects(cpu, () -> training(x, y, rm, ones(3), rm, null, 0.1f), "running_mean", "overlaps save_mean");
        rejects(cpu, () -> training(x, y, vec(3), ones(3), s, s, 0.1f), "save_mean", "overlaps save_invstd");
        Tensor inX = x.view(new Shape(1, 1, 1, 3), new long[] {3, 3, 3, 1}, 3);
        rejects(cpu, () -> training(x, y, inX, ones(3), null, null, 0.1f), "running_mean", "overlaps x");
    }

    @Test
    void badActivation() {
        Tensor x = act(DType.F32, 1, 4, 4, 3), y = act(DType.F32, 1, 4, 4, 3);
        rejects(cpu, () -> inference(x, y, null, null, vec(3), ones(3), 1e-5f, null), "activation is null");
        rejects(cpu, () -> inference(x, y, null, null, vec(3), ones(3), 1e-5f, Activation.leaky(Float.NaN)),
                "alpha must be finite");
    }

    @Test
    void tensorOnAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena a = other.newArena("other")) {
            Tensor g = a.allocate(DType.F32, 1, 1, 1, 3);
            rejects(cpu, () -> inference(act(DType.F32, 1, 4, 4, 3), act(DType.F32, 1, 4, 4, 3), g, null, vec(3),
                    ones(3), 1e-5f, Activation.NONE), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor rm = vec(3), rv = ones(3);
        a.close();
        rejectsClosed(cpu, () -> inference(x, y, null, null, rm, rv, 1e-5f, Activation.NONE));
        DeviceArena b = cpu.newArena("short-lived-stats");
        Tensor brm = b.allocate(DType.F32, 1, 1, 1, 3);
        b.close();
        rejectsClosed(cpu, () -> training(act(DType.F32, 1, 4, 4, 3), act(DType.F32, 1, 4, 4, 3), brm, rv, null,
                null, 0.1f));
    }
}

// Invalid calls of elementwise are rejected in Java and never reach native code.
package dev.gannet.ops;

import static dev.gannet.matrix.InvalidCalls.rejects;
import static dev.gannet.matrix.InvalidCalls.rejectsClosed;

import dev.gannet.ops.Elementwise.Kind;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ElementwiseTest {
    static CpuDevice cpu;
    static DeviceArena arena;
    static Stream stream;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("elementwise-test");
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
    void bThatDoesNotBroadcast() {
        Tensor a = f32(1, 4, 4, 3), b = f32(1, 4, 4, 2), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, 1, 1, Activation.NONE), "elementwise",
                "b has shape 1x4x4x2", "does not broadcast to the output shape 1x4x4x3");
    }

    @Test
    void inputLargerThanTheOutput() {
        Tensor a = f32(2, 4, 4, 3), b = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, 1, 1, Activation.NONE), "a has shape 2x4x4x3");
    }

    @Test
    void shapesThatDoNotBroadcastForAnAllocatingAdd() {
        Tensor a = f32(2, 4, 4, 3), b = f32(3, 4, 4, 3);
        rejects(cpu, () -> Elementwise.add(arena, stream, a, b), "shapes 2x4x4x3 and 3x4x4x3 do not broadcast");
    }

    @Test
    void unsupportedDtype() {
        Tensor a = arena.allocate(DType.U8, 1, 4, 4, 3), y = arena.allocate(DType.U8, 1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.activation(stream, a, y, Activation.RELU), "y has dtype U8");
    }

    @Test
    void aAndYOfDifferentDtypes() {
        Tensor a = arena.allocate(DType.F16, 1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.affine(stream, a, y, 2, 1, Activation.NONE), "a is F16 but y is F32",
                "must match");
    }

    @Test
    void bOfF16WithF32Activations() {
        Tensor a = f32(1, 4, 4, 3), b = arena.allocate(DType.F16, 1, 1, 1, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, 1, 1, Activation.NONE), "b has dtype F16",
                "y's dtype F32 or be F32");
    }

    @Test
    void bGivenToAUnaryOp() {
        Tensor a = f32(1, 4, 4, 3), b = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.launch(stream, Kind.AFFINE, a, b, y, 1, 0, 0, 0, Activation.NONE),
                "affine takes no b");
        rejects(cpu, () -> Elementwise.launch(stream, Kind.CLAMP, a, b, y, 0, 0, -1, 1, Activation.NONE),
                "clamp takes no b");
    }

    @Test
    void bMissingForABinaryOp() {
        Tensor a = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.launch(stream, Kind.MUL, a, null, y, 1, 0, 0, 0, Activation.NONE),
                "mul needs b");
    }

    @Test
    void outputPartlyOverlapsAnInput() {
        Tensor big = f32(1, 4, 4, 6);
        Tensor a = big.sliceChannels(2, 3), y = big.sliceChannels(0, 3), b = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, 1, 1, Activation.NONE), "overlaps input a",
                "same view");
        rejects(cpu, () -> Elementwise.add(stream, b, a, y, 1, 1, Activation.NONE), "overlaps input b");
    }

    @Test
    void inPlaceOnlyForTheVerySameView() {
        // y's first batch item, broadcast over the batch, is read while y is written
        Tensor y = f32(2, 3, 3, 4), b = f32(2, 3, 3, 4);
        Tensor a = y.sliceBatch(0, 1);
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, 1, 1, Activation.NONE), "overlaps input a");
        Tensor shifted = y.view(new Shape(2, 3, 3, 3), y.strides(), 1);
        Tensor y3 = y.view(new Shape(2, 3, 3, 3), y.strides(), 0);
        rejects(cpu, () -> Elementwise.activation(stream, shifted, y3, Activation.RELU), "overlaps input a");
    }

    @Test
    void broadcastOutput() {
        Tensor a = f32(2, 4, 4, 3), y = f32(1, 4, 4, 3).broadcastTo(new Shape(2, 4, 4, 3));
        rejects(cpu, () -> Elementwise.activation(stream, a, y, Activation.TANH), "more than once");
    }

    @Test
    void outputWithOverlappingStrides() {
        Tensor buf = f32(1, 1, 1, 64);
        Tensor y = buf.view(new Shape(1, 2, 4, 3), new long[] {24, 8, 1, 1}, 0);
        Tensor a = f32(1, 2, 4, 3);
        rejects(cpu, () -> Elementwise.clamp(stream, a, y, -1, 1), "more than once", "[24, 8, 1, 1]");
    }

    @Test
    void nonFiniteScales() {
        Tensor a = f32(1, 4, 4, 3), b = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, Float.NaN, 1, Activation.NONE), "sa must be finite");
        rejects(cpu, () -> Elementwise.add(stream, a, b, y, 1, Float.POSITIVE_INFINITY, Activation.NONE),
                "sb must be finite");
        rejects(cpu, () -> Elementwise.mul(stream, a, b, y, Float.NEGATIVE_INFINITY, Activation.NONE),
                "sa must be finite");
        rejects(cpu, () -> Elementwise.affine(stream, a, y, 1, Float.NaN, Activation.NONE), "shift sb must be finite");
    }

    @Test
    void badClampBounds() {
        Tensor a = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.clamp(stream, a, y, 1, -1), "reversed");
        rejects(cpu, () -> Elementwise.clamp(stream, a, y, Float.NaN, 1), "must not be NaN");
        rejects(cpu, () -> Elementwise.launch(stream, Kind.CLAMP, a, null, y, 0, 0, -1, 1, Activation.RELU),
                "clamp takes no activation");
    }

    @Test
    void nonFiniteLeakyAlpha() {
        Tensor a = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.activation(stream, a, y, Activation.leaky(Float.NaN)),
                "alpha must be finite");
    }

    @Test
    void missingSubOpOrActivation() {
        Tensor a = f32(1, 4, 4, 3), y = f32(1, 4, 4, 3);
        rejects(cpu, () -> Elementwise.launch(stream, null, a, null, y, 1, 0, 0, 0, Activation.NONE), "sub-op is null");
        rejects(cpu, () -> Elementwise.activation(stream, a, y, null), "activation is null");
    }

    @Test
    void tensorOfAnotherDevice() {
        try (CpuDevice other = new CpuDevice(); DeviceArena oa = other.newArena("other")) {
            Tensor a = oa.allocate(DType.F32, 1, 4, 4, 3), y = f32(1, 4, 4, 3);
            rejects(cpu, () -> Elementwise.activation(stream, a, y, Activation.RELU), "lives on");
        }
    }

    @Test
    void closedArena() {
        DeviceArena a = cpu.newArena("short-lived");
        Tensor x = a.allocate(DType.F32, 1, 4, 4, 3);
        Tensor y = a.allocate(DType.F32, 1, 4, 4, 3);
        a.close();
        rejectsClosed(cpu, () -> Elementwise.activation(stream, x, y, Activation.RELU));
    }
}

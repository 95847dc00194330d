// Tensor views: bounds are proven at construction, slices/crops/broadcasts address the right
// elements, and host transfers convert every dtype as documented.
package dev.gannet.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TensorTest {
    static CpuDevice cpu;
    static DeviceArena arena;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("tensor-test");
    }

    @AfterAll
    static void close() {
        arena.close();
        cpu.close();
    }

    static float[] iota(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return v;
    }

    @Test
    void viewOutsideItsBufferIsRejected() {
        Tensor t = arena.allocate(DType.F32, 1, 2, 2, 3);
        assertThatThrownBy(() -> t.view(new Shape(1, 2, 2, 4), new long[] {16, 8, 4, 1}, 0))
                .isInstanceOf(GannetException.class).hasMessageContaining("reaches element 15")
                .hasMessageContaining("holding 12");
        assertThatThrownBy(() -> t.view(new Shape(1, 1, 1, 3), new long[] {3, 3, 3, 1}, 10))
                .isInstanceOf(GannetException.class);
        assertThatThrownBy(() -> t.view(new Shape(1, 1, 1, 3), new long[] {3, 3, -3, 1}, 0))
                .isInstanceOf(GannetException.class).hasMessageContaining("negative stride");
    }

    @Test
    void channelSliceReadsAndWritesOnlyItsChannels() {
        Tensor t = arena.allocate(DType.F32, 2, 2, 3, 5);
        t.copyFrom(iota(60));
        Tensor s = t.sliceChannels(1, 2);
        assertThat(s.shape()).isEqualTo(new Shape(2, 2, 3, 2));
        assertThat(s.isDense()).isFalse();
        float[] v = s.toFloatArray();
        assertThat(v).hasSize(24);
        assertThat(v[0]).isEqualTo(1);
        assertThat(v[1]).isEqualTo(2);
        assertThat(v[2]).isEqualTo(6);
        s.copyFrom(new float[24]);
        float[] all = t.toFloatArray();
        for (int i = 0; i < 60; i++) {
            int c = i % 5;
            assertThat(all[i]).as("element %d", i).isEqualTo(c == 1 || c == 2 ? 0f : i);
        }
    }

    @Test
    void cropAndBatchSlice() {
        Tensor t = arena.allocate(DType.F32, 2, 4, 5, 1);
        t.copyFrom(iota(40));
        float[] crop = t.sliceBatch(1, 1).crop(1, 2, 2, 3).toFloatArray();
        assertThat(crop).containsExactly(27, 28, 29, 32, 33, 34);
        assertThatThrownBy(() -> t.crop(3, 0, 2, 1)).isInstanceOf(GannetException.class).hasMessageContaining("crop");
    }

    @Test
    void broadcastUsesZeroStrides() {
        Tensor b = arena.allocate(DType.F32, 1, 1, 1, 3);
        b.copyFrom(new float[] {1, 2, 3});
        Tensor v = b.broadcastTo(new Shape(2, 2, 1, 3));
        assertThat(v.strides()).containsExactly(0, 0, 3, 1);
        assertThat(v.toFloatArray()).containsExactly(1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3);
        assertThatThrownBy(() -> b.broadcastTo(new Shape(1, 1, 1, 4))).isInstanceOf(GannetException.class);
    }

    @Test
    void hostTransfersConvertEachDtype() {
        Tensor h = arena.of(DType.F16, new Shape(1, 1, 1, 4), new float[] {1.0f, 0.1f, 70000f, -2.5f});
        assertThat(h.toFloatArray()).containsExactly(1.0f, Float.float16ToFloat(Float.floatToFloat16(0.1f)),
                Float.POSITIVE_INFINITY, -2.5f);
        Tensor u = arena.of(DType.U8, new Shape(1, 1, 1, 5), new float[] {-3f, 2.5f, 254.6f, 300f, Float.NaN});
        assertThat(u.toFloatArray()).containsExactly(0f, 3f, 255f, 255f, 0f);
        Tensor i = arena.of(DType.I32, new Shape(1, 1, 1, 3), new float[] {-2.5f, 2.5f, 7f});
        assertThat(i.toFloatArray()).containsExactly(-3f, 3f, 7f);
    }

    @Test
    void wrongHostLengthIsRejected() {
        Tensor t = arena.allocate(DType.F32, 1, 2, 2, 2);
        assertThatThrownBy(() -> t.copyFrom(new float[7])).isInstanceOf(GannetException.class)
                .hasMessageContaining("7 values").hasMessageContaining("holds 8");
    }

    @Test
    void overlapDetection() {
        Tensor t = arena.allocate(DType.F32, 1, 2, 2, 6);
        assertThat(t.sliceChannels(0, 3).mayOverlap(t.sliceChannels(3, 3))).as("disjoint channel slices").isFalse();
        assertThat(t.sliceChannels(0, 4).mayOverlap(t.sliceChannels(3, 3))).as("channel 3 is shared").isTrue();
        assertThat(t.sliceChannels(5, 1).mayOverlap(t.sliceChannels(0, 1))).isFalse();
        assertThat(t.sliceChannels(0, 3).mayOverlap(t.sliceChannels(0, 3).crop(1, 1, 1, 1))).isTrue();
        Tensor flat = t.reshape(new Shape(1, 1, 1, 24));
        assertThat(flat.mayOverlap(t.sliceChannels(3, 3))).as("different pixel strides: conservative").isTrue();
        assertThat(t.crop(0, 0, 1, 2).mayOverlap(t.crop(1, 0, 1, 2))).isFalse();
        Tensor other = arena.allocate(DType.F32, 1, 2, 2, 6);
        assertThat(t.mayOverlap(other)).isFalse();
    }

    @Test
    void shapeParsing() {
        assertThat(Shape.parse("1x128x128x64")).isEqualTo(new Shape(1, 128, 128, 64));
        assertThatThrownBy(() -> Shape.parse("1x2x3")).isInstanceOf(GannetException.class);
        assertThatThrownBy(() -> new Shape(1, -1, 2, 3)).isInstanceOf(GannetException.class)
                .hasMessageContaining("negative");
    }
}

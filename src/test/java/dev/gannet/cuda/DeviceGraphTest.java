// DeviceGraph on cpu and on simt with one test body: a capture records launches without running them,
// replay runs them against the memory as it is at replay time, and the usual resource rules hold.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.Reduce;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOps;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.DeviceGraph;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceGraphTest {
    private static final Shape XS = Shape.of(2, 5, 6, 8);
    private static final float SENTINEL = -777f;

    private static Device open(String kind) {
        Supplier<Device> s = kind.equals("cpu") ? CpuDevice::new : Simt::open;
        return s.get();
    }

    /** y1 = replicate-pad(x), y2 = zero-pad-with-crop(y1) with fill 0.5: the reference of the chain. */
    private static double[] reference(Shape xs, float[] x) {
        HostTensor y1 = RefOps.pad2d(HostTensor.of(xs, x), 2, 1, 0, 3, PadMode.REPLICATE, 0f);
        return RefOps.pad2d(y1, -1, 0, 1, -2, PadMode.ZERO, 0.5f).data();
    }

    private static void chain(Stream s, Tensor x, Tensor y1, Tensor y2) {
        Pad2d.launch(s, x, y1, 2, 1, 0, 3, PadMode.REPLICATE, 0f);
        Pad2d.launch(s, y1, y2, -1, 0, 1, -2, PadMode.ZERO, 0.5f);
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 4 - 2);
        return v;
    }

    private static void assertEquals(float[] got, double[] want) {
        assertThat(got).hasSize(want.length);
        for (int i = 0; i < want.length; i++) assertThat((double) got[i]).as("element %d", i).isEqualTo(want[i]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "simt"})
    void captureRecordsWithoutRunningAndReplayRunsOnCurrentMemory(String kind) {
        try (Device d = open(kind); DeviceArena a = d.newArena("graph")) {
            Stream s = d.newStream();
            Shape s1 = Pad2d.outputShape(XS, 2, 1, 0, 3);
            Shape s2 = Pad2d.outputShape(s1, -1, 0, 1, -2);
            float[] x0 = random((int) XS.numel(), 1);
            Tensor x = a.of(DType.F32, XS, x0);
            Tensor y1 = a.allocate(DType.F32, s1);
            float[] fill = new float[(int) s2.numel()];
            java.util.Arrays.fill(fill, SENTINEL);
            Tensor y2 = a.of(DType.F32, s2, fill);

            DeviceGraph g = s.capture(() -> chain(s, x, y1, y2));
            s.synchronize();
            assertThat(g.launches()).isEqualTo(2);
            assertThat(g.device()).isSameAs(d);
            assertThat(y2.toFloatArray()).as("capturing must not run the kernels").containsOnly(SENTINEL);

            g.replay(s);
            assertEquals(y2.toFloatArray(), reference(XS, x0));

            float[] x1 = random((int) XS.numel(), 2);
            x.copyFrom(x1);
            g.replay(s);
            g.replay(d.defaultStream());
            d.synchronize();
            assertEquals(y2.toFloatArray(), reference(XS, x1));

            g.close();
            g.close();
            assertThatThrownBy(() -> g.replay(s)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            s.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "simt"})
    void onlyLaunchesMayBeIssuedWhileCapturingAndAFailedBodyLeavesTheStreamUsable(String kind) {
        try (Device d = open(kind); DeviceArena a = d.newArena("graph")) {
            Stream s = d.defaultStream();
            Tensor x = a.of(DType.F32, XS, random((int) XS.numel(), 3));
            Tensor y = a.allocate(DType.F32, Pad2d.outputShape(XS, 1, 1, 1, 1));
            assertThatThrownBy(() -> s.capture(s::synchronize)).isInstanceOf(GannetException.class)
                    .hasMessageContaining("capturing").satisfies(e ->
                            assertThat(((GannetException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            assertThatThrownBy(() -> s.capture(s::record)).hasMessageContaining("capturing");
            assertThatThrownBy(() -> s.capture(() -> {
                Pad2d.launch(s, x, y, 1, 1, 1, 1, PadMode.REFLECT, 0f);
                throw new IllegalStateException("body failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("body failed");
            // Not capturing any more: a launch runs.
            Pad2d.launch(s, x, y, 1, 1, 1, 1, PadMode.REFLECT, 0f);
            s.synchronize();
            assertEquals(y.toFloatArray(), RefOps.pad2d(HostTensor.of(XS, x.toFloatArray()), 1, 1, 1, 1,
                    PadMode.REFLECT, 0f).data());
        }
    }

    /**
     * A captured op that needs scratch (a reduction split over blocks on cuda/simt): the capture
     * gives it pool memory the graph owns, so every replay finds it and closing the graph returns it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cpu", "simt"})
    void aCapturedReductionKeepsItsScratchUntilTheGraphCloses(String kind) {
        try (Device d = open(kind); DeviceArena a = d.newArena("graph")) {
            Stream s = d.defaultStream();
            Shape xs = Shape.of(1, 64, 64, 16);
            Tensor x = a.allocate(DType.F32, xs);
            Tensor y = a.allocate(DType.F32, Reduce.outputShape(Reduce.Kind.MEAN_ALL, xs));
            long base = d.poolStats().currentBytes();
            DeviceGraph g = s.capture(() -> Reduce.launch(s, Reduce.Kind.MEAN_ALL, x, null, y));
            long held = d.poolStats().currentBytes() - base;
            // 64*64 pixels of 16 channels are split over several blocks on a GPU: scratch for their partials.
            if (kind.equals("simt")) assertThat(held).as("scratch held by the graph").isPositive();
            for (long seed = 10; seed < 12; seed++) {
                float[] v = random((int) xs.numel(), seed);
                x.copyFrom(v);
                g.replay(s);
                double mean = 0;
                for (float f : v) mean += f;
                mean /= v.length;
                assertThat((double) y.toFloatArray()[0]).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-6));
            }
            g.close();
            assertThat(d.poolStats().currentBytes() - base).as("scratch returned (%d B were held)", held).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "simt"})
    void aGraphKeepsItsBuffersUntilClosedAndReplaysOnlyOnItsDevice(String kind) {
        try (Device d = open(kind); Device cpu = new CpuDevice()) {
            DeviceArena a = d.newArena("graph");
            Stream s = d.defaultStream();
            Tensor x = a.of(DType.F32, XS, random((int) XS.numel(), 4));
            Tensor y = a.allocate(DType.F32, Pad2d.outputShape(XS, 1, 1, 1, 1));
            DeviceGraph g = s.capture(() -> Pad2d.launch(s, x, y, 1, 1, 1, 1, PadMode.ZERO, 0f));
            assertThatThrownBy(() -> g.replay(cpu.defaultStream())).isInstanceOf(RuntimeException.class)
                    .hasMessageContaining("stream");
            long held = d.poolStats().currentBytes();
            a.close(); // the graph still holds x and y
            assertThat(d.poolStats().currentBytes()).isEqualTo(held);
            assertThatThrownBy(() -> g.replay(s)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("arena");
            g.close();
            assertThat(d.poolStats().currentBytes()).isZero();
        }
    }
}

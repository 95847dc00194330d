// CudaDevice on the simt device: host round trips through pinned staging, the caching pool, streams
// and events, retention of launched tensors, errors that name the call, the op and the shapes, and
// the rules for closed objects. Kernel results are checked against the reference ops.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.bindings.GkAbi;
import dev.gannet.ops.Launch;
import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.cuda.CudaLaunchSpec;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOps;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.CudaException;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.Event;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.PoolStats;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CudaDeviceTest {
    private static float[] random(int n, long seed, double lo, double hi) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return v;
    }

    /** Exact equality with the first difference in the message (AssertJ's diff of large arrays is quadratic). */
    static void assertSameValues(float[] got, float[] want, String what) {
        int i = java.util.Arrays.mismatch(got, want);
        if (i >= 0) {
            throw new AssertionError(what + ": element " + i + " of " + want.length + " is "
                    + (i < got.length ? got[i] : "missing") + ", expected " + (i < want.length ? want[i] : "nothing"));
        }
    }

    private static float[] roundTo(DType d, float[] v) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = switch (d) {
                case F32 -> r[i];
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(r[i]));
                case U8, I32 -> Math.round(r[i]);
            };
        }
        return r;
    }

    @Test
    void hostRoundTripsOfEveryDtypeViewAndSize() {
        try (CudaDevice d = Simt.open(); DeviceArena a = d.newArena("io")) {
            for (DType dt : DType.values()) {
                Shape s = Shape.of(2, 3, 5, 7);
                float[] v = roundTo(dt, random((int) s.numel(), dt.ordinal(), 0, 200));
                Tensor t = a.of(dt, s, v);
                assertSameValues(t.toFloatArray(), v, dt.name());
            }
            // A channel slice writes only its channels.
            Shape wide = Shape.of(1, 4, 4, 6);
            Tensor whole = a.of(DType.F32, wide, new float[(int) wide.numel()]);
            Tensor slice = whole.sliceChannels(2, 3);
            float[] sv = random((int) slice.numel(), 7, -1, 1);
            slice.copyFrom(sv);
            assertSameValues(slice.toFloatArray(), sv, "slice");
            float[] all = whole.toFloatArray();
            for (int p = 0; p < 16; p++) {
                for (int c = 0; c < 6; c++) {
                    float want = c >= 2 && c < 5 ? sv[p * 3 + c - 2] : 0f;
                    assertThat(all[p * 6 + c]).as("pixel %d channel %d", p, c).isEqualTo(want);
                }
            }
            // Larger than one pinned staging chunk (8 MiB).
            Shape big = Shape.of(1, 1024, 1024, 3);
            float[] bv = random((int) big.numel(), 9, -5, 5);
            assertSameValues(a.of(DType.F32, big, bv).toFloatArray(), bv, "12 MB");
            long[] mem = d.memoryInfo();
            assertThat(mem[0]).isPositive().isLessThanOrEqualTo(mem[1]);
        }
    }

    @Test
    void thePoolReusesBlocksAndCountsThem() {
        try (CudaDevice d = Simt.open()) {
            PoolStats start = d.poolStats();
            try (DeviceArena a = d.newArena("first")) {
                a.allocate(DType.F32, 1, 10, 10, 10);
                a.allocate(DType.F16, 1, 100, 100, 3);
                PoolStats s = d.poolStats();
                assertThat(s.allocations() - start.allocations()).isEqualTo(2);
                assertThat(s.backingAllocations() - start.backingAllocations()).isEqualTo(2);
                assertThat(s.currentBytes() - start.currentBytes()).isGreaterThanOrEqualTo(4000 + 60000);
            }
            PoolStats afterClose = d.poolStats();
            assertThat(afterClose.currentBytes()).isEqualTo(start.currentBytes());
            assertThat(afterClose.cachedBytes()).isGreaterThanOrEqualTo(64000);
            try (DeviceArena b = d.newArena("second")) {
                b.allocate(DType.F32, 1, 10, 10, 10);
                b.allocate(DType.F16, 1, 100, 100, 3);
            }
            PoolStats again = d.poolStats();
            assertThat(again.backingAllocations()).as("same sizes come from the cache")
                    .isEqualTo(afterClose.backingAllocations());
            assertThat(again.allocations()).isEqualTo(afterClose.allocations() + 2);
            assertThat(again.peakBytes()).isGreaterThanOrEqualTo(64000);
            d.trimPool();
            assertThat(d.poolStats().cachedBytes()).isZero();
        }
    }

    @Test
    void aStreamRunsInOrderAndEventsOrderStreams() {
        try (CudaDevice d = Simt.open(); DeviceArena a = d.newArena("order")) {
            Shape xs = Shape.of(1, 48, 40, 16);
            float[] xv = random((int) xs.numel(), 1, -3, 3);
            Tensor x = a.of(DType.F32, xs, xv);
            // One stream: ten launches that grow and crop back; each reads the previous one's output.
            Stream s = d.newStream();
            Tensor cur = x;
            for (int i = 0; i < 5; i++) {
                Tensor y = a.allocate(DType.F32, Pad2d.outputShape(cur.shape(), 1, 2, 1, 2));
                Pad2d.launch(s, cur, y, 1, 2, 1, 2, PadMode.REFLECT, 0f);
                cur = y;
            }
            for (int i = 0; i < 5; i++) {
                Tensor y = a.allocate(DType.F32, Pad2d.outputShape(cur.shape(), -1, -2, -1, -2));
                Pad2d.launch(s, cur, y, -1, -2, -1, -2, PadMode.ZERO, 0f);
                cur = y;
            }
            s.synchronize();
            assertSameValues(cur.toFloatArray(), xv, "after ten launches");

            // Two streams: the second waits for an event recorded on the first.
            Stream s1 = d.newStream(), s2 = d.newStream();
            Tensor y = a.allocate(DType.F32, Pad2d.outputShape(xs, 5, 5, 5, 5));
            Tensor z = a.allocate(DType.F32, xs);
            Pad2d.launch(s1, x, y, 5, 5, 5, 5, PadMode.REPLICATE, 0f);
            Event done = s1.record();
            s2.waitFor(done);
            Pad2d.launch(s2, y, z, -5, -5, -5, -5, PadMode.ZERO, 0f);
            s2.synchronize();
            assertThat(done.isDone()).isTrue();
            assertSameValues(z.toFloatArray(), xv, "across streams");
            s1.close();
            s2.close();
            s.close();
            s.close();
        }
    }

    @Test
    void eventsTimeTheWorkBetweenThem() {
        try (CudaDevice d = Simt.open(); DeviceArena a = d.newArena("timing"); CpuDevice cpu = new CpuDevice()) {
            Stream s = d.defaultStream();
            Tensor x = a.of(DType.F16, Shape.of(2, 64, 64, 32), random(2 * 64 * 64 * 32, 3, -1, 1));
            Tensor y = a.allocate(DType.F16, Pad2d.outputShape(x.shape(), 3, 3, 3, 3));
            Event start = s.record();
            for (int i = 0; i < 3; i++) Pad2d.launch(s, x, y, 3, 3, 3, 3, PadMode.REFLECT, 0f);
            Event end = s.record();
            end.synchronize();
            assertThat(end.isDone()).isTrue();
            double ms = end.elapsedMillisSince(start);
            assertThat(ms).isGreaterThanOrEqualTo(0).isLessThan(600_000);
            assertThatThrownBy(() -> end.elapsedMillisSince(cpu.defaultStream().record()))
                    .isInstanceOfSatisfying(GannetException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            start.close();
            start.close();
            assertThatThrownBy(start::isDone).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> end.elapsedMillisSince(start)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void launchesHoldTheirTensorsUntilTheStreamHasPassedThem() {
        try (CudaDevice d = Simt.open()) {
            long before = d.poolStats().currentBytes();
            DeviceArena a = d.newArena("held");
            Tensor x = a.of(DType.F32, Shape.of(1, 32, 32, 8), random(32 * 32 * 8, 4, 0, 1));
            Tensor y = a.allocate(DType.F32, Shape.of(1, 34, 34, 8));
            Pad2d.launch(d.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0f);
            a.close();
            assertThat(d.poolStats().currentBytes()).as("the queued kernel still holds x and y").isGreaterThan(before);
            d.synchronize();
            assertThat(d.poolStats().currentBytes()).isEqualTo(before);
        }
    }

    @Test
    void errorsNameTheCallTheOpAndTheShapes() {
        try (CudaDevice d = Simt.open(); DeviceArena a = d.newArena("errors")) {
            Tensor x = a.allocate(DType.F32, Shape.of(1, 4, 4, 4));
            Tensor y = a.allocate(DType.F32, Shape.of(1, 6, 6, 4));
            var p = Launch.params(GkAbi.PAD2D);
            Launch.tensor(p, "x", x);
            Launch.tensor(p, "y", y);
            p.i32("top", 1).i32("left", 1).i32("bottom", 1).i32("right", 1);
            String what = "pad2d F32 x=1x4x4x4 y=1x6x6x4 (test)";
            long launched = d.launchCount();

            assertThatThrownBy(() -> d.launchKernel(d.defaultStream(), new CudaLaunchSpec("gk_no_such_kernel",
                    CudaLaunchSpec.Dim3.of(1), CudaLaunchSpec.Dim3.of(32), 0, p), List.of(x, y), what))
                    .isInstanceOfSatisfying(GannetException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
                        assertThat(e.detail()).contains(what, "gk_no_such_kernel", "not in the loaded module");
                    });
            assertThat(d.hasKernel("gk_no_such_kernel")).isFalse();

            // A grid a GPU cannot have (y above 65535): the driver refuses the launch itself.
            assertThatThrownBy(() -> d.launchKernel(d.defaultStream(), new CudaLaunchSpec("gk_pad2d_f32",
                    CudaLaunchSpec.Dim3.of(1, 70000), CudaLaunchSpec.Dim3.of(32), 0, p), List.of(x, y), what))
                    .isInstanceOfSatisfying(CudaException.class, e -> {
                        assertThat(e.resultName()).isEqualTo("CUDA_ERROR_INVALID_VALUE");
                        assertThat(e.detail()).startsWith("simt: cuLaunchKernel failed").contains(what,
                                "gk_pad2d_f32 grid (1,70000,1) block (32,1,1)", "CUDA_ERROR_INVALID_VALUE (1)");
                    });

            // More dynamic shared memory than the GPU allows: refused in Java, naming the limit.
            assertThatThrownBy(() -> d.launchKernel(d.defaultStream(), new CudaLaunchSpec("gk_pad2d_f32",
                    CudaLaunchSpec.Dim3.of(1), CudaLaunchSpec.Dim3.of(32), 300 * 1024, p), List.of(x, y), what))
                    .isInstanceOfSatisfying(GannetException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.detail()).contains(what, "307200 B of shared memory", "allows");
                    });
            assertThat(d.launchCount()).isEqualTo(launched);
            // Invalid op calls are refused by the launcher before the device sees them.
            assertThatThrownBy(() -> Pad2d.launch(d.defaultStream(), x, x, 1, 1, 1, 1, PadMode.ZERO, 0f))
                    .isInstanceOf(GannetException.class);
            assertThat(d.launchCount()).isEqualTo(launched);
            // The device is still fine: a correct launch runs.
            d.launchKernel(d.defaultStream(), new CudaLaunchSpec("gk_pad2d_f32", CudaLaunchSpec.Dim3.of(1),
                    CudaLaunchSpec.Dim3.of(256), 0, p), List.of(x, y), what);
            d.synchronize();
            assertThat(d.launchCount()).isEqualTo(launched + 1);
        }
    }

    @Test
    void pad2dRunsEveryModeAgainstTheReference() {
        try (CudaDevice d = Simt.open(); DeviceArena a = d.newArena("pad")) {
            for (DType dt : List.of(DType.F32, DType.F16)) {
                for (PadMode m : PadMode.values()) {
                    Shape xs = Shape.of(2, 5, 7, 16);
                    float[] xv = roundTo(dt, random((int) xs.numel(), m.ordinal(), -2, 2));
                    Tensor x = a.of(dt, xs, xv);
                    Tensor y = a.allocate(dt, Pad2d.outputShape(xs, 2, -1, 3, 4));
                    Pad2d.launch(d.defaultStream(), x, y, 2, -1, 3, 4, m, 0.25f);
                    double[] want = RefOps.pad2d(HostTensor.of(xs, xv), 2, -1, 3, 4, m, 0.25f).data();
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertThat((double) got[i]).as("%s %s element %d", dt, m, i).isEqualTo(want[i]);
                    }
                }
            }
            assertThat(d.supports("pad2d", DType.F16, "reflect").supported()).isTrue();
            assertThat(d.supports("pad2d", DType.U8, "zero").reason()).contains("no U8 form");
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseThrows() {
        CudaDevice d = Simt.open();
        DeviceArena a = d.newArena("late");
        Tensor x = a.allocate(DType.F32, Shape.of(1, 2, 2, 4));
        Tensor y = a.allocate(DType.F32, Shape.of(1, 4, 4, 4));
        Stream s = d.newStream();
        Stream def = d.defaultStream();
        Event e = def.record();
        d.close();
        d.close();
        s.close();
        e.close();
        assertThatThrownBy(d::newArena).isInstanceOf(IllegalStateException.class).hasMessageContaining("simt");
        assertThatThrownBy(d::defaultStream).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(d::newStream).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> d.copyToDevice(java.lang.foreign.MemorySegment.ofArray(new byte[4]), 0, x.address(), 4))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Pad2d.launch(def, x, y, 1, 1, 1, 1, PadMode.ZERO, 0f))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> Pad2d.launch(s, x, y, 1, 1, 1, 1, PadMode.ZERO, 0f))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(e::isDone).isInstanceOf(IllegalStateException.class);
        d.synchronize(); // a closed device has nothing to wait for
        a.close();
        a.close();
    }
}

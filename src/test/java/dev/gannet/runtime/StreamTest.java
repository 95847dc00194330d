// Streams and events on the cpu device: in-order execution, cross-stream ordering through events,
// asynchronous failures reported by synchronize() naming the op, and arena closes deferred until
// queued kernels that use the memory have run.
package dev.gannet.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.bindings.GkAbi;
import dev.gannet.ops.Launch;
import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.bindings.Params;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamTest {
    @Test
    void kernelsOnOneStreamRunInOrder() {
        try (CpuDevice cpu = new CpuDevice(); DeviceArena a = cpu.newArena(); Stream s = cpu.newStream()) {
            Tensor x = a.of(DType.F32, new Shape(1, 1, 1, 1), new float[] {7});
            Tensor y = a.allocate(DType.F32, 1, 3, 3, 1);
            Tensor z = a.allocate(DType.F32, 1, 5, 5, 1);
            Pad2d.launch(s, x, y, 1, 1, 1, 1, PadMode.REPLICATE, 0);
            Pad2d.launch(s, y, z, 1, 1, 1, 1, PadMode.REPLICATE, 0);
            s.synchronize();
            for (float v : z.toFloatArray()) assertThat(v).isEqualTo(7f);
        }
    }

    @Test
    void eventsOrderWorkAcrossStreamsAndTimeIt() {
        try (CpuDevice cpu = new CpuDevice(); DeviceArena a = cpu.newArena();
             Stream s1 = cpu.newStream(); Stream s2 = cpu.newStream()) {
            Tensor x = a.of(DType.F32, new Shape(1, 1, 1, 1), new float[] {3});
            Tensor y = a.allocate(DType.F32, 1, 301, 301, 1);
            Tensor z = a.allocate(DType.F32, 1, 303, 303, 1);
            Event start = s1.record();
            Pad2d.launch(s1, x, y, 150, 150, 150, 150, PadMode.REPLICATE, 0);
            Event produced = s1.record();
            s2.waitFor(produced);
            Pad2d.launch(s2, y, z, 1, 1, 1, 1, PadMode.REPLICATE, 0);
            s2.synchronize();
            assertThat(produced.isDone()).isTrue();
            assertThat(produced.elapsedMillisSince(start)).isGreaterThanOrEqualTo(0.0);
            for (float v : z.toFloatArray()) assertThat(v).isEqualTo(3f);
        }
    }

    @Test
    void aFailingKernelIsReportedBySynchronizeWithItsDescription() {
        try (CpuDevice cpu = new CpuDevice(); DeviceArena a = cpu.newArena(); Stream s = cpu.newStream()) {
            Tensor x = a.allocate(DType.U8, 1, 2, 2, 1);
            Tensor y = a.allocate(DType.U8, 1, 2, 2, 1);
            // Bypasses the launcher on purpose: the CPU kernel has no U8 form and must say so.
            Params p = Launch.params(GkAbi.PAD2D);
            Launch.tensor(p, "x", x);
            Launch.tensor(p, "y", y);
            s.launch(new KernelLaunch("pad2d", DType.U8, "zero", p, List.of(x, y), "pad2d u8 probe"));
            assertThatThrownBy(s::synchronize).isInstanceOf(GannetException.class)
                    .hasMessageContaining("pad2d u8 probe").hasMessageContaining("status 2")
                    .satisfies(e -> assertThat(((GannetException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED));
            s.synchronize(); // reported once
        }
    }

    @Test
    void closingAnArenaWhileItsKernelIsQueuedDefersTheRelease() {
        try (CpuDevice cpu = new CpuDevice(); Stream s = cpu.newStream()) {
            DeviceArena a = cpu.newArena("busy");
            Tensor x = a.of(DType.F32, new Shape(1, 1, 1, 8), new float[8]);
            Tensor y = a.allocate(DType.F32, 1, 801, 801, 8);
            for (int i = 0; i < 4; i++) Pad2d.launch(s, x, y, 400, 400, 400, 400, PadMode.REPLICATE, 0);
            a.close();
            s.synchronize();
            assertThat(cpu.poolStats().currentBytes()).isZero();
        }
    }

    @Test
    void launchingOnAnotherDevicesStreamIsRejected() {
        try (CpuDevice c1 = new CpuDevice(); CpuDevice c2 = new CpuDevice(); DeviceArena a = c1.newArena()) {
            Tensor x = a.allocate(DType.F32, 1, 2, 2, 1);
            Tensor y = a.allocate(DType.F32, 1, 4, 4, 1);
            assertThatThrownBy(() -> Pad2d.launch(c2.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 0))
                    .isInstanceOf(GannetException.class).hasMessageContaining("lives on another device than the stream");
        }
    }
}

// Pad2dCuda's launch configuration, checked without a GPU: the 16-byte kernels exactly when channels,
// pixel strides and base addresses allow, a grid of ceil(vectors / 256) blocks capped at 32 per SM.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.cuda.CudaLaunchSpec;
import dev.gannet.ops.cuda.CudaOps;
import dev.gannet.ops.cuda.CudaProps;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.DeviceGraph;
import dev.gannet.runtime.Event;
import dev.gannet.runtime.KernelLaunch;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Pad2dCudaTest {
    private static CpuDevice cpu;
    private static DeviceArena arena;

    /** A stream that only keeps what launchers hand it, so a KernelLaunch can be planned for a GPU. */
    private static final class Recorder implements Stream {
        KernelLaunch last;

        @Override public Device device() { return cpu; }
        @Override public void launch(KernelLaunch launch) { last = launch; }
        @Override public void synchronize() {}
        @Override public Event record() { throw new UnsupportedOperationException(); }
        @Override public void waitFor(Event event) { throw new UnsupportedOperationException(); }
        @Override public DeviceGraph capture(Runnable body) { throw new UnsupportedOperationException(); }
        @Override public void close() {}
    }

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
        arena = cpu.newArena("plans");
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static CudaLaunchSpec plan(Tensor x, Tensor y, int pad) {
        Recorder r = new Recorder();
        Pad2d.launch(r, x, y, pad, pad, pad, pad, PadMode.REFLECT, 0f);
        List<CudaLaunchSpec> specs = CudaOps.find("pad2d").orElseThrow()
                .plan(r.last, CudaProps.h100(), bytes -> { throw new AssertionError("pad2d needs no scratch"); });
        assertThat(specs).hasSize(1);
        assertThat(specs.get(0).params()).isSameAs(r.last.params());
        assertThat(specs.get(0).block()).isEqualTo(CudaLaunchSpec.Dim3.of(256));
        assertThat(specs.get(0).sharedBytes()).isZero();
        return specs.get(0);
    }

    private static Tensor dense(DType d, int n, int h, int w, int c) {
        return arena.allocate(d, Shape.of(n, h, w, c));
    }

    @Test
    void denseChannelsUseSixteenByteVectors() {
        // y = 2x8x6x64 f32: 2*8*6 pixels of 16 float4 each = 1536 vectors = 6 blocks of 256.
        CudaLaunchSpec f32 = plan(dense(DType.F32, 2, 6, 4, 64), dense(DType.F32, 2, 8, 6, 64), 1);
        assertThat(f32.kernel()).isEqualTo("gk_pad2d_f32_v4");
        assertThat(f32.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(6));
        // f16 with 8 channels: one 8-half vector per pixel, 2*8*6 = 96 vectors, one block.
        CudaLaunchSpec f16 = plan(dense(DType.F16, 2, 6, 4, 8), dense(DType.F16, 2, 8, 6, 8), 1);
        assertThat(f16.kernel()).isEqualTo("gk_pad2d_f16_v8");
        assertThat(f16.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(1));
    }

    @Test
    void channelCountsAndSlicesThatBreakAlignmentUseTheScalarKernels() {
        // 12 halves = 24 bytes per pixel: not a whole number of 16-byte vectors.
        CudaLaunchSpec f16 = plan(dense(DType.F16, 1, 3, 3, 12), dense(DType.F16, 1, 5, 5, 12), 1);
        assertThat(f16.kernel()).isEqualTo("gk_pad2d_f16");
        assertThat(f16.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(2)); // 25 * 12 = 300 elements
        // Channels [1, 5) of an 8-channel f32 buffer: 4 channels but every pixel starts 4 bytes late.
        Tensor wide = dense(DType.F32, 1, 4, 4, 8);
        CudaLaunchSpec slice = plan(wide.sliceChannels(1, 4), dense(DType.F32, 1, 6, 6, 4), 1);
        assertThat(slice.kernel()).isEqualTo("gk_pad2d_f32");
        // The same channel count at offset 4 is aligned again.
        CudaLaunchSpec aligned = plan(wide.sliceChannels(4, 4), dense(DType.F32, 1, 6, 6, 4), 1);
        assertThat(aligned.kernel()).isEqualTo("gk_pad2d_f32_v4");
    }

    @Test
    void largeOutputsCapTheGridAtThirtyTwoBlocksPerSm() {
        // 1x514x514x64 f32 = 514*514*16 = 4,227,136 float4 vectors: 16,512 blocks of 256, capped at
        // 4224 (32 x 132 SMs on an H100).
        CudaLaunchSpec big = plan(dense(DType.F32, 1, 512, 512, 64), dense(DType.F32, 1, 514, 514, 64), 1);
        assertThat(big.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(32 * 132));
        // Just under the cap: 1x258x258x64 = 1,065,024 vectors = 4160.25 -> 4161 blocks.
        CudaLaunchSpec under = plan(dense(DType.F32, 1, 256, 256, 64), dense(DType.F32, 1, 258, 258, 64), 1);
        assertThat(under.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(4161));
    }

    @Test
    void everyFloatFormNamesItsKernels() {
        var face = CudaOps.find("pad2d").orElseThrow();
        for (String v : List.of("zero", "reflect", "replicate")) {
            assertThat(face.kernels(DType.F32, v)).containsExactly("gk_pad2d_f32", "gk_pad2d_f32_v4");
            assertThat(face.kernels(DType.F16, v)).containsExactly("gk_pad2d_f16", "gk_pad2d_f16_v8");
        }
        assertThat(face.kernels(DType.U8, "zero")).isEmpty();
    }
}

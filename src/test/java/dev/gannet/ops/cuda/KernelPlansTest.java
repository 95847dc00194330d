// The launch plans of the memory-bound and reduction ops on an H100's properties, without a device:
// which version a view gets (vector only when every pack is aligned and the channels divide), how
// views merge, when reductions split, and that grids cover the work within CUDA's limits.
package dev.gannet.ops.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.KernelLaunch;
import java.lang.foreign.Arena;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KernelPlansTest {
    private static final CudaProps H100 = CudaProps.h100();
    private static final long BASE = 0x7f0000000000L; // a 256-byte aligned device address

    private final List<Long> scratch = new ArrayList<>();
    private final CudaScratch alloc = bytes -> {
        scratch.add(bytes);
        return BASE + (1L << 32);
    };

    @AfterEach
    void reset() {
        CudaPaths.forceVectors = null;
        CudaPaths.forceSplit = null;
    }

    /** A dense NHWC view at address, or with channel stride/extra pixel stride for slices. */
    private static void tensor(Params p, String f, long address, DType dt, int n, int h, int w, int c, int ctot) {
        p.tensor(f, address, dt.code(), n, h, w, c, (long) h * w * ctot, (long) w * ctot, ctot, 1);
    }

    private static KernelLaunch launch(String op, DType dt, String variant, Params p) {
        return new KernelLaunch(op, dt, variant, p, List.of(), op + " test");
    }

    private static Params params(StructLayout l) {
        return Params.allocate(l, Arena.ofAuto());
    }

    @Test
    void upsampleUsesVectorsOnlyWhenEveryPackIsAligned() {
        Params p = params(GkAbi.UPSAMPLE2D);
        tensor(p, "x", BASE, DType.F16, 1, 32, 32, 64, 64);
        tensor(p, "y", BASE + (1 << 20), DType.F16, 1, 64, 64, 64, 64);
        var plan = new Upsample2dCuda().plan(launch("upsample2d", DType.F16, "nearest", p), H100, alloc);
        assertThat(plan).singleElement().satisfies(s -> {
            assertThat(s.kernel()).isEqualTo("gk_upsample2d_f16_nearest_vec");
            // 8 chunks of 8 channels: bdx 8 threads cover a pixel, 32 pixels per block
            assertThat(s.block()).isEqualTo(CudaLaunchSpec.Dim3.of(8, 32));
            assertThat(s.grid().x()).isEqualTo(1);
            assertThat((long) s.grid().y() * 32).isLessThanOrEqualTo(64L * 64 + 31);
        });
        // an address 2 bytes off, or 12 channels (not whole f16 vectors), or a slice stride of 70: scalar
        tensor(p, "x", BASE + 2, DType.F16, 1, 32, 32, 64, 64);
        assertThat(new Upsample2dCuda().plan(launch("upsample2d", DType.F16, "nearest", p), H100, alloc).get(0)
                .kernel()).isEqualTo("gk_upsample2d_f16_nearest");
        tensor(p, "x", BASE, DType.F16, 1, 32, 32, 64, 70);
        assertThat(new Upsample2dCuda().plan(launch("upsample2d", DType.F16, "nearest", p), H100, alloc).get(0)
                .kernel()).isEqualTo("gk_upsample2d_f16_nearest");
        CudaPaths.forceVectors = false;
        tensor(p, "x", BASE, DType.F16, 1, 32, 32, 64, 64);
        assertThat(new Upsample2dCuda().plan(launch("upsample2d", DType.F16, "nearest", p), H100, alloc).get(0)
                .kernel()).isEqualTo("gk_upsample2d_f16_nearest");
    }

    @Test
    void pixelShuffleVectorizesDcrOnly() {
        for (String variant : List.of("dcr", "crd")) {
            Params p = params(GkAbi.PIXEL_SHUFFLE);
            tensor(p, "x", BASE, DType.F32, 1, 8, 8, 64, 64);
            tensor(p, "y", BASE + (1 << 20), DType.F32, 1, 16, 16, 16, 16);
            p.i32("block", 2).i32("mode", variant.equals("crd") ? 1 : 0);
            var plan = new PixelShuffleCuda().plan(launch("pixel_shuffle", DType.F32, variant, p), H100, alloc);
            assertThat(plan.get(0).kernel()).isEqualTo(variant.equals("dcr") ? "gk_pixel_shuffle_f32_vec"
                    : "gk_pixel_shuffle_f32");
        }
    }

    @Test
    void batchnormTrainingSplitsLargeBatchesAndFusesSmallOnes() {
        Params p = params(GkAbi.BATCHNORM);
        tensor(p, "x", BASE, DType.F16, 16, 128, 128, 64, 64);
        tensor(p, "y", BASE + (1L << 30), DType.F16, 16, 128, 128, 64, 64);
        p.i32("training", 1);
        var plan = new BatchnormCuda().plan(launch("batchnorm", DType.F16, "training", p), H100, alloc);
        assertThat(plan).extracting(CudaLaunchSpec::kernel).containsExactly("gk_batchnorm_f16_stats_vec",
                "gk_batchnorm_finalize", "gk_batchnorm_f16_apply_vec");
        // 64 channels = 8 vectors: one block column of (8, 32) threads; G = min(4 blocks per SM = 528,
        // one 16-pixel segment per thread = 262144 / (32 * 16) = 512)
        CudaLaunchSpec stats = plan.get(0);
        assertThat(stats.grid().x()).isEqualTo(1);
        assertThat(stats.grid().y()).isEqualTo(512);
        assertThat(plan.get(1).grid()).isEqualTo(CudaLaunchSpec.Dim3.of(64));
        // scratch: 3 x 64 coefficient floats (768 B), a 256-byte header, 3 fp64 arrays of 64 x G partials
        assertThat(scratch).containsExactly(768L + 256 + 3L * 64 * 512 * 8);
        // the merged view: one pixel index over N·H·W
        GkView x = GkView.read(stats.params(), "x");
        assertThat(x.dims()).containsExactly(1, 1, 16 * 128 * 128, 64);
        // the launcher's params are left as they were
        assertThat(GkView.read(p, "x").dims()).containsExactly(16, 128, 128, 64);

        tensor(p, "x", BASE, DType.F16, 2, 8, 8, 64, 64);
        tensor(p, "y", BASE + (1L << 30), DType.F16, 2, 8, 8, 64, 64);
        assertThat(new BatchnormCuda().plan(launch("batchnorm", DType.F16, "training", p), H100, alloc))
                .extracting(CudaLaunchSpec::kernel).containsExactly("gk_batchnorm_f16_fused_vec");
        CudaPaths.forceSplit = CudaPaths.Split.SPLIT;
        assertThat(new BatchnormCuda().plan(launch("batchnorm", DType.F16, "training", p), H100, alloc).get(0).grid()
                .y()).isGreaterThanOrEqualTo(2);
        p.i32("training", 0);
        assertThat(new BatchnormCuda().plan(launch("batchnorm", DType.F16, "inference", p), H100, alloc))
                .extracting(CudaLaunchSpec::kernel).containsExactly("gk_batchnorm_f16_apply_vec");
    }

    @Test
    void instancenormFusesWhenImagesAndChannelsFillTheGpu() {
        Params p = params(GkAbi.INSTANCENORM);
        // 32 images x 256 channels of f32 = 64 vectors: 2 block columns x 32 images = 64 blocks, 64x64 pixels
        tensor(p, "x", BASE, DType.F32, 32, 64, 64, 256, 256);
        tensor(p, "y", BASE + (1L << 32), DType.F32, 32, 64, 64, 256, 256);
        var plan = new InstancenormCuda().plan(launch("instancenorm", DType.F32, "affine", p), H100, alloc);
        assertThat(plan).extracting(CudaLaunchSpec::kernel).containsExactly("gk_instancenorm_f32_stats_vec",
                "gk_instancenorm_finalize", "gk_instancenorm_f32_apply_vec");
        assertThat(plan.get(0).grid()).isEqualTo(CudaLaunchSpec.Dim3.of(2, 9, 32)); // ceil(528 / 64) = 9
        assertThat(plan.get(1).grid().x()).isEqualTo(32 * 256);
        // an 8x8 image: a fused block reads 64 pixels x 128 channels x 4 B = 32 KB; no split
        tensor(p, "x", BASE, DType.F32, 1, 8, 8, 256, 256);
        tensor(p, "y", BASE + (1L << 32), DType.F32, 1, 8, 8, 256, 256);
        assertThat(new InstancenormCuda().plan(launch("instancenorm", DType.F32, "affine", p), H100, alloc))
                .extracting(CudaLaunchSpec::kernel).containsExactly("gk_instancenorm_f32_fused_vec");
    }

    @Test
    void elementwiseMergesRunsBeforeChoosingVectors() {
        Params p = params(GkAbi.ELEMENTWISE);
        // bias add: y, a dense (2, 5, 7, 64), b a (1, 1, 1, 64) vector broadcast over pixels
        tensor(p, "y", BASE, DType.F16, 2, 5, 7, 64, 64);
        tensor(p, "a", BASE + (1 << 20), DType.F16, 2, 5, 7, 64, 64);
        p.tensor("b", BASE + (2 << 20), DType.F32.code(), 2, 5, 7, 64, 0, 0, 0, 1);
        var plan = new ElementwiseCuda().plan(launch("elementwise", DType.F16, "add", p), H100, alloc);
        CudaLaunchSpec s = plan.get(0);
        assertThat(s.kernel()).isEqualTo("gk_elementwise_f16_bf32_vec");
        assertThat(GkView.read(s.params(), "y").dims()).containsExactly(1, 1, 70, 64);
        assertThat(GkView.read(s.params(), "b").strides()).containsExactly(0, 0, 0, 1);
        // a dense add is one run
        p.tensor("b", BASE + (2 << 20), DType.F16.code(), 2, 5, 7, 64, 5 * 7 * 64, 7 * 64, 64, 1);
        s = new ElementwiseCuda().plan(launch("elementwise", DType.F16, "add", p), H100, alloc).get(0);
        assertThat(s.kernel()).isEqualTo("gk_elementwise_f16_vec");
        assertThat(GkView.read(s.params(), "y").dims()).containsExactly(1, 1, 1, 2 * 5 * 7 * 64);
        // one row of 560 vectors: the block lies along it (not 8 rows of which 7 would be empty)
        assertThat(s.block()).isEqualTo(CudaLaunchSpec.Dim3.of(256, 1));
        assertThat(s.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(3, 1));
    }

    @Test
    void castVectorizesDenseRowsOnly() {
        Params p = params(GkAbi.CAST);
        tensor(p, "x", BASE + 4, DType.U8, 1, 100, 130, 3, 3);
        tensor(p, "y", BASE + (1 << 20), DType.F32, 1, 100, 130, 3, 3);
        var s = new CastCuda().plan(launch("cast", DType.U8, "to-f32", p), H100, alloc).get(0);
        assertThat(s.kernel()).isEqualTo("gk_cast_u8_to_f32_vec");
        assertThat(GkView.read(s.params(), "y").dims()).containsExactly(1, 1, 13000, 3);
        // a gray image broadcast to three channels: scalar
        p.tensor("x", BASE, DType.U8.code(), 1, 100, 130, 3, 130, 1, 1, 0);
        assertThat(new CastCuda().plan(launch("cast", DType.U8, "to-f32", p), H100, alloc).get(0).kernel())
                .isEqualTo("gk_cast_u8_to_f32");
    }

    @Test
    void reduceSplitsLargeInputsIntoOrderedPartials() {
        Params p = params(GkAbi.REDUCE);
        tensor(p, "a", BASE, DType.F32, 4, 256, 256, 32, 32);
        p.tensor("y", BASE + (1L << 30), DType.F32.code(), 1, 1, 1, 1, 1, 1, 1, 1);
        var plan = new ReduceCuda().plan(launch("reduce", DType.F32, "mean-all", p), H100, alloc);
        assertThat(plan).extracting(CudaLaunchSpec::kernel).containsExactly("gk_reduce_f32_total_vec",
                "gk_reduce_finalize_total");
        long blocks = plan.get(0).grid().count();
        assertThat(blocks).isBetween(2L, 16L * 132);
        assertThat(scratch).containsExactly(256L + 256 + blocks * 8);
        // one block is enough for a few thousand elements
        tensor(p, "a", BASE, DType.F32, 1, 8, 8, 32, 32);
        assertThat(new ReduceCuda().plan(launch("reduce", DType.F32, "mean-all", p), H100, alloc))
                .extracting(CudaLaunchSpec::kernel).containsExactly("gk_reduce_f32_total_vec");
    }

    @Test
    void pixelCountsBeyond31BitsAreUnsupported() {
        Params p = params(GkAbi.POOL2D);
        tensor(p, "x", BASE, DType.F16, 1, 65536, 65536, 1, 1);
        tensor(p, "y", BASE, DType.F16, 1, 65536, 65536, 1, 1);
        assertThatThrownBy(() -> new Pool2dCuda().plan(launch("pool2d", DType.F16, "max", p), H100, alloc))
                .isInstanceOf(GannetException.class).hasMessageContaining("32-bit pixel index");
    }

    @Test
    void mergeKeepsDimsOutsideTheRangeAndDropsUnitDims() {
        GkView slice = new GkView(BASE, DType.F32.code(), new int[] {2, 3, 4, 5}, new long[] {96, 32, 8, 1});
        GkView[] m = GkView.merge(GkView.N, GkView.W, slice);
        assertThat(m[0].dims()).containsExactly(1, 1, 24, 5);
        assertThat(m[0].strides()).containsExactly(0, 0, 8, 1);
        m = GkView.merge(GkView.H, GkView.W, slice);
        assertThat(m[0].dims()).containsExactly(2, 1, 12, 5);
        // a crop of width 4 in rows of 6 pixels: h and w do not merge
        GkView crop = new GkView(BASE, DType.F32.code(), new int[] {1, 3, 4, 5}, new long[] {90, 30, 5, 1});
        m = GkView.merge(GkView.N, GkView.C, crop);
        assertThat(m[0].dims()).containsExactly(1, 1, 3, 20);
        assertThat(m[0].strides()).containsExactly(0, 0, 30, 1);
    }
}

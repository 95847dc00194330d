// Launch plans of the compute-heavy CUDA faces, without a device: tile per shape class, 16-byte or
// gather loads by alignment, grids, shared memory against the GPU's limits, Gram's split and its
// scratch, packed weight sizes. The kernels static_assert the same tile sizes (gk_igemm.cuh, gram.cu).
package dev.gannet.ops.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.Params;
import dev.gannet.ops.Launch;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.KernelLaunch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IgemmPlanTest {
    private static final CudaProps H100 = CudaProps.h100();
    /** A GPU without the opt-in beyond 48 KiB, to see the fallback. */
    private static final CudaProps SMALL = new CudaProps("small", 8, 0, 20, 1024, 48 * 1024, 48 * 1024, 64 * 1024, 32, false);
    private static final long ALIGNED = 0x10000, ODD = 0x10000 + 74;

    @AfterEach
    void clearProperties() {
        for (String op : List.of("conv2d", "conv_transpose2d", "linear", "gram")) {
            System.clearProperty(Igemm.tileProperty(op));
            System.clearProperty(Igemm.loadProperty(op));
        }
        System.clearProperty(GramCuda.PARTS_PROPERTY);
    }

    private static void tensor(Params p, String f, long addr, DType dt, int n, int h, int w, int c, int ctot) {
        p.tensor(f, addr, dt.code(), n, h, w, c, (long) h * w * ctot, (long) w * ctot, ctot, 1);
    }

    private static KernelLaunch conv(DType dt, long xaddr, int n, int h, int w, int c, int ctot, int k) {
        Params p = Launch.params(GkAbi.CONV2D);
        tensor(p, "x", xaddr, dt, n, h, w, c, ctot);
        tensor(p, "y", ALIGNED, dt, n, h, w, k, k);
        p.i32("r", 3).i32("s", 3).i32("stride_h", 1).i32("stride_w", 1);
        return new KernelLaunch("conv2d", dt, "pad-zero", p, List.of(), "test");
    }

    private static CudaLaunchSpec one(List<CudaLaunchSpec> l) {
        assertThat(l).hasSize(1);
        return l.get(0);
    }

    @Test
    void tileSizesMatchTheKernels() {
        assertThat(Igemm.Tile.T128x128.sharedBytes(DType.F16)).isEqualTo(61440);
        assertThat(Igemm.Tile.T64x64.sharedBytes(DType.F16)).isEqualTo(30720);
        assertThat(Igemm.Tile.T128x16.sharedBytes(DType.F16)).isEqualTo(34560);
        assertThat(Igemm.Tile.T128x128.sharedBytes(DType.F32)).isEqualTo(61440);
        assertThat(Igemm.Tile.T64x64.sharedBytes(DType.F32)).isEqualTo(30720);
        assertThat(Igemm.Tile.T128x16.sharedBytes(DType.F32)).isEqualTo(34560);
        assertThat(Igemm.Tile.T128x128.threads(DType.F16)).isEqualTo(256);
        assertThat(Igemm.Tile.T64x64.threads(DType.F16)).isEqualTo(128);
        assertThat(Igemm.Tile.T64x64.threads(DType.F32)).isEqualTo(256);
        assertThat(Igemm.Tile.T128x16.threads(DType.F32)).isEqualTo(128);
        assertThat(GramCuda.sharedBytes(DType.F16)).isEqualTo(27648);
        assertThat(GramCuda.sharedBytes(DType.F32)).isEqualTo(26112);
    }

    @Test
    void tilePerShapeClass() {
        Conv2dCuda cuda = new Conv2dCuda();
        // Large C and K on a big image: 128x128, 60 KiB through the opt-in.
        CudaLaunchSpec big = one(cuda.plan(conv(DType.F16, ALIGNED, 1, 128, 128, 256, 256, 256), H100, b -> 0));
        assertThat(big.kernel()).isEqualTo("gk_conv2d_f16_128x128_vec");
        assertThat(big.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(128, 2, 1));
        assertThat(big.block().x()).isEqualTo(256);
        assertThat(big.sharedBytes()).isEqualTo(61440);
        // The same layer from a misaligned view: gathers, which run on 64x64.
        assertThat(one(cuda.plan(conv(DType.F16, ODD, 1, 128, 128, 256, 256, 256), H100, b -> 0)).kernel())
                .isEqualTo("gk_conv2d_f16_64x64_any");
        // The same where the GPU cannot give 60 KiB: 64x64.
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 128, 128, 256, 256, 256), SMALL, b -> 0)).kernel())
                .isEqualTo("gk_conv2d_f16_64x64_vec");
        // K = 64 layers and small images (fewer 128x128 tiles than SMs): 64x64.
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 256, 256, 64, 64, 64), H100, b -> 0)).kernel())
                .isEqualTo("gk_conv2d_f16_64x64_vec");
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 8, 8, 512, 512, 512), H100, b -> 0)).kernel())
                .isEqualTo("gk_conv2d_f16_64x64_vec");
        // An RGB output layer: 128x16; the 3-channel first layer gathers.
        CudaLaunchSpec rgb = one(cuda.plan(conv(DType.F32, ALIGNED, 2, 100, 60, 32, 32, 3), H100, b -> 0));
        assertThat(rgb.kernel()).isEqualTo("gk_conv2d_f32_128x16_vec");
        assertThat(rgb.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(94, 1, 1));
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 256, 256, 3, 3, 32), H100, b -> 0)).kernel())
                .isEqualTo("gk_conv2d_f16_64x64_any");
    }

    @Test
    void vectorLoadsOnlyWhereAligned() {
        Conv2dCuda cuda = new Conv2dCuda();
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 9, 9, 16, 16, 20), H100, b -> 0)).kernel()).endsWith("_vec");
        assertThat(one(cuda.plan(conv(DType.F16, ODD, 1, 9, 9, 16, 16, 20), H100, b -> 0)).kernel()).endsWith("_any");
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 9, 9, 12, 12, 20), H100, b -> 0)).kernel()).endsWith("_any");
        assertThat(one(cuda.plan(conv(DType.F32, ALIGNED, 1, 9, 9, 12, 12, 20), H100, b -> 0)).kernel()).endsWith("_vec");
        // A slice of 16 channels out of 20: pixel strides of 20 halves are not 16-byte multiples.
        assertThat(one(cuda.plan(conv(DType.F16, ALIGNED, 1, 9, 9, 16, 20, 20), H100, b -> 0)).kernel()).endsWith("_any");
        assertThat(one(cuda.plan(conv(DType.F32, ALIGNED, 1, 9, 9, 16, 20, 20), H100, b -> 0)).kernel()).endsWith("_vec");
    }

    @Test
    void propertiesForceTileAndGathers() {
        Conv2dCuda cuda = new Conv2dCuda();
        System.setProperty(Igemm.tileProperty("conv2d"), "128x16");
        System.setProperty(Igemm.loadProperty("conv2d"), "any");
        CudaLaunchSpec s = one(cuda.plan(conv(DType.F16, ALIGNED, 1, 64, 64, 64, 64, 256), H100, b -> 0));
        assertThat(s.kernel()).isEqualTo("gk_conv2d_f16_128x16_any");
        assertThat(s.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(32, 16, 1));
        System.setProperty(Igemm.tileProperty("conv2d"), "96x96");
        assertThatThrownBy(() -> cuda.plan(conv(DType.F16, ALIGNED, 1, 8, 8, 8, 8, 8), H100, b -> 0))
                .isInstanceOf(GannetException.class).hasMessageContaining("gannet.cuda.conv2d.tile");
        System.setProperty(Igemm.tileProperty("conv2d"), "128x128");
        assertThatThrownBy(() -> cuda.plan(conv(DType.F16, ALIGNED, 1, 8, 8, 8, 8, 8), SMALL, b -> 0))
                .isInstanceOf(GannetException.class)
                .satisfies(e -> assertThat(((GannetException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED));
    }

    @Test
    void everyFormListsItsKernels() {
        assertThat(new Conv2dCuda().kernels(DType.F16, "pad-reflect")).containsExactly("gk_conv2d_f16_128x128_vec",
                "gk_conv2d_f16_64x64_vec", "gk_conv2d_f16_64x64_any", "gk_conv2d_f16_128x16_vec",
                "gk_conv2d_f16_128x16_any");
        assertThat(new ConvTranspose2dCuda().kernels(DType.F32, "default")).hasSize(5)
                .contains("gk_conv_transpose2d_f32_128x16_vec");
        assertThat(new LinearCuda().kernels(DType.F16, "default")).contains("gk_linear_f16_128x128_vec");
        assertThat(new GramCuda().kernels(DType.F16, "default")).containsExactly("gk_gram_f16_vec", "gk_gram_f16_any",
                "gk_gram_finalize");
        assertThat(new ConvPackCuda().kernels(DType.F16, "transposed")).containsExactly("gk_conv_pack_f16");
    }

    @Test
    void convTransposeRunsOneClassPerGridZ() {
        Params p = Launch.params(GkAbi.CONV_TRANSPOSE2D);
        tensor(p, "x", ALIGNED, DType.F16, 2, 8, 8, 64, 64);
        tensor(p, "y", ALIGNED, DType.F16, 2, 17, 16, 32, 32);
        p.i32("r", 4).i32("s", 4).i32("stride_h", 2).i32("stride_w", 3);
        CudaLaunchSpec s = one(new ConvTranspose2dCuda().plan(
                new KernelLaunch("conv_transpose2d", DType.F16, "default", p, List.of(), "t"), H100, b -> 0));
        // Class 0 has ceil(17/2) x ceil(16/3) = 9 x 6 pixels per image: 108 rows, one 64x64 tile.
        assertThat(s.kernel()).isEqualTo("gk_conv_transpose2d_f16_64x64_vec");
        assertThat(s.grid()).isEqualTo(CudaLaunchSpec.Dim3.of(2, 1, 6));
    }

    @Test
    void linearNeedsAlignedWeightsForVectorLoads() {
        Params p = Launch.params(GkAbi.LINEAR);
        tensor(p, "x", ALIGNED, DType.F16, 4, 1, 1, 1024, 1024);
        tensor(p, "y", ALIGNED, DType.F16, 4, 1, 1, 10, 10);
        p.ptr("w", ALIGNED);
        LinearCuda cuda = new LinearCuda();
        var l = new KernelLaunch("linear", DType.F16, "default", p, List.of(), "t");
        assertThat(one(cuda.plan(l, H100, b -> 0)).kernel()).isEqualTo("gk_linear_f16_128x16_vec");
        p.ptr("w", ODD);
        assertThat(one(cuda.plan(l, H100, b -> 0)).kernel()).isEqualTo("gk_linear_f16_128x16_any");
    }

    private static KernelLaunch gram(DType dt, int n, int h, int w, int c) {
        Params p = Launch.params(GkAbi.GRAM);
        tensor(p, "x", ALIGNED, dt, n, h, w, c, c);
        tensor(p, "y", ALIGNED, DType.F32, n, 1, c, c, c);
        p.f32("scale", 1f);
        return new KernelLaunch("gram", dt, "default", p, List.of(), "t");
    }

    @Test
    void gramSplitsPixelsThroughScratch() {
        List<Long> asked = new ArrayList<>();
        CudaScratch scratch = b -> {
            asked.add(b);
            return 0x40000;
        };
        // One image of 256x256 pixels and 128 channels: 3 tiles, far fewer blocks than SMs.
        KernelLaunch l = gram(DType.F16, 1, 256, 256, 128);
        List<CudaLaunchSpec> s = new GramCuda().plan(l, H100, scratch);
        assertThat(s).hasSize(2);
        int parts = s.get(0).grid().y();
        assertThat(parts).isEqualTo(88); // ceil(2*132 / 3)
        assertThat(s.get(0).grid()).isEqualTo(CudaLaunchSpec.Dim3.of(3, parts, 1));
        assertThat(s.get(0).kernel()).isEqualTo("gk_gram_f16_vec");
        assertThat(asked).containsExactly(3L * parts * 64 * 64 * 4);
        assertThat(s.get(1).kernel()).isEqualTo("gk_gram_finalize");
        assertThat(s.get(1).grid()).isEqualTo(CudaLaunchSpec.Dim3.of(3 * parts, 1, 1));
        // Both kernels see the scratch; the launcher's own params are left as they were.
        assertThat(Fields.ptr(s.get(0).params(), "scratch")).isEqualTo(0x40000);
        assertThat(s.get(1).params()).isSameAs(s.get(0).params());
        assertThat(Fields.ptr(l.params(), "scratch")).isZero();
        // Few pixels: no split, no scratch, one launch that writes y.
        asked.clear();
        List<CudaLaunchSpec> small = new GramCuda().plan(gram(DType.F32, 2, 3, 5, 17), H100, scratch);
        assertThat(small).hasSize(1);
        assertThat(small.get(0).grid()).isEqualTo(CudaLaunchSpec.Dim3.of(1, 1, 2));
        assertThat(small.get(0).kernel()).isEqualTo("gk_gram_f32_any");
        assertThat(asked).isEmpty();
        System.setProperty(GramCuda.PARTS_PROPERTY, "5");
        assertThat(new GramCuda().plan(gram(DType.F32, 2, 3, 5, 17), H100, scratch).get(0).grid().y()).isEqualTo(5);
    }

    @Test
    void packedWeightSizes() {
        // conv2d: K rows of roundup(R*S*C, 8) in the weight dtype.
        assertThat(ConvPackCuda.packedBytes(16, 3, 3, 3, false, DType.F16)).isEqualTo(16L * 32 * 2);
        assertThat(ConvPackCuda.packedBytes(3, 3, 3, 64, false, DType.F32)).isEqualTo(3L * 576 * 4);
        // conv_transpose2d: K rows of R*S*roundup(C, 8), fp32 then fp16.
        assertThat(ConvPackCuda.packedBytes(17, 4, 4, 3, true, DType.F16)).isEqualTo(17L * 16 * 8 * 6);
        assertThat(ConvPackCuda.packedBytes(17, 4, 4, 3, true, DType.F32)).isEqualTo(17L * 16 * 8 * 6);
        assertThat(ConvPackCuda.packedBytes(0, 1, 1, 1, false, DType.F32)).isEqualTo(-1);
        assertThat(ConvPackCuda.packedBytes(1, 1, 1, 1, false, DType.U8)).isEqualTo(-1);
    }
}

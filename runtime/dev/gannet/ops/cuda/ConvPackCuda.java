// CUDA face of conv_pack (kernels/conv_pack.cu): the prepared weight layouts of the GPU conv
// kernels and their sizes (conv2d: K rows of roundup(R*S*C, 8) in the weight dtype;
// conv_transpose2d: K rows of R*S*roundup(C, 8), an fp32 copy then an fp16 copy).
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class ConvPackCuda implements CudaOp {
    public static final String OP = "conv_pack";
    private static final int THREADS = 256;

    /** Bytes of the prepared weights on a CUDA device; CudaDevice.convPackedBytes answers with this. */
    public static long packedBytes(int k, int r, int s, int c, boolean transposed, DType dtype) {
        if (k <= 0 || r <= 0 || s <= 0 || c <= 0) return -1;
        if (transposed) return elements(k, r, s, c, true) * (4 + 2);
        if (dtype != DType.F32 && dtype != DType.F16) return -1;
        return elements(k, r, s, c, false) * dtype.size();
    }

    /** Elements of one copy of the layout. */
    static long elements(int k, int r, int s, int c, boolean transposed) {
        long ldw = transposed ? (long) r * s * ((c + 7L) / 8 * 8) : ((long) r * s * c + 7) / 8 * 8;
        return k * ldw;
    }

    @Override
    public List<String> kernels(DType dtype, String variant) {
        return switch (dtype) {
            case F32 -> List.of("gk_conv_pack_f32");
            case F16 -> List.of("gk_conv_pack_f16");
            default -> List.of();
        };
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "conv weights are F32 or F16, not " + dtype;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        long total = elements(Fields.i32(p, "k"), Fields.i32(p, "r"), Fields.i32(p, "s"), Fields.i32(p, "c"),
                Fields.i32(p, "transposed") != 0);
        // A grid-stride loop: enough blocks to fill the GPU a few times over, not one per element.
        long blocks = Math.min(Igemm.ceil(total, THREADS), 8L * Math.max(1, props.smCount()) * 4);
        return List.of(new CudaLaunchSpec(kernels(launch.dtype(), launch.variant()).get(0),
                CudaLaunchSpec.Dim3.of((int) Math.max(1, blocks)), CudaLaunchSpec.Dim3.of(THREADS), 0, p));
    }
}

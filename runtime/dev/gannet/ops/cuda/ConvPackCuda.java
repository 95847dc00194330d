// CUDA face of conv_pack (weight preparation for conv2d / conv_transpose2d). Placeholder layout
// until kernels/conv_pack.cu exists: the dense K x R x S x C weights in their own dtype.
package dev.gannet.ops.cuda;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class ConvPackCuda implements CudaOp {
    /** Bytes of the prepared weights on a CUDA device; CudaDevice.convPackedBytes answers with this. */
    public static long packedBytes(int k, int r, int s, int c, boolean transposed, DType dtype) {
        return (long) k * r * s * c * dtype.size();
    }

    @Override
    public List<String> kernels(DType dtype, String variant) {
        return List.of();
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "kernels/conv_pack.cu is not written yet";
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        throw new UnsupportedOperationException("conv_pack has no CUDA kernel yet");
    }
}

// CUDA face of conv_transpose2d (kernels/conv_transpose2d.cu): one implicit GEMM per stride class
// (grid z), over the class's pixels; tiles and loads as for conv2d (Igemm).
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class ConvTranspose2dCuda extends IgemmCuda {
    public static final String OP = "conv_transpose2d";

    public ConvTranspose2dCuda() {
        super(OP);
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        int sh = Fields.i32(p, "stride_h"), sw = Fields.i32(p, "stride_w");
        // The largest class (class 0) has ceil(OH/sh) x ceil(OW/sw) pixels per image.
        long m = Fields.i32(p, "y.n") * Igemm.ceil(Fields.i32(p, "y.h"), sh) * Igemm.ceil(Fields.i32(p, "y.w"), sw);
        return Igemm.plan(OP, launch, props, m, Fields.i32(p, "y.c"), (long) sh * sw,
                Fields.vec16(p, "x", launch.dtype().size()));
    }
}

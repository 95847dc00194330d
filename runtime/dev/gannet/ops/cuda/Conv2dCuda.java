// CUDA face of conv2d (kernels/conv2d.cu): an implicit GEMM over M = N*OH*OW pixels and K channels;
// F16 on tensor cores, F32 on CUDA cores; the tile by shape class (Igemm.choose) and 16-byte loads
// when x allows them, gathers otherwise.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class Conv2dCuda extends IgemmCuda {
    public static final String OP = "conv2d";

    public Conv2dCuda() {
        super(OP);
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        long m = (long) Fields.i32(p, "y.n") * Fields.i32(p, "y.h") * Fields.i32(p, "y.w");
        return Igemm.plan(OP, launch, props, m, Fields.i32(p, "y.c"), 1,
                Fields.vec16(p, "x", launch.dtype().size()));
    }
}

// CUDA face of linear (kernels/linear.cu): a GEMM over the N*H*W pixels with the conv epilogue;
// 16-byte loads when both x and W allow them, gathers otherwise.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class LinearCuda extends IgemmCuda {
    public static final String OP = "linear";

    public LinearCuda() {
        super(OP);
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        long m = (long) Fields.i32(p, "x.n") * Fields.i32(p, "x.h") * Fields.i32(p, "x.w");
        // W is dense K x C: its rows are 16-byte aligned when its address is and C is a multiple of the vector.
        boolean aligned = Fields.vec16(p, "x", launch.dtype().size()) && Fields.ptr(p, "w") % 16 == 0;
        return Igemm.plan(OP, launch, props, m, Fields.i32(p, "y.c"), 1, aligned);
    }
}

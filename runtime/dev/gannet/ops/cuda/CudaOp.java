// The CUDA face of one op on the Java side: which kernels of the fatbin run a launch, with which
// grid, block, dynamic shared memory and scratch. One implementation per op, named
// dev.gannet.ops.cuda.<Op>Cuda (CamelCase of the op name, e.g. ConvTranspose2dCuda), found by
// CudaOps. The device (cuda or simt) runs the returned launches in order on the launch's stream.
package dev.gannet.ops.cuda;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public interface CudaOp {
    /**
     * The kernel names this (dtype, variant) form may use; the device reports the form as
     * unsupported, naming the missing kernel, if one is not in its loaded module. An empty list
     * means the form has no CUDA kernel (say why in {@link #unsupportedReason}).
     */
    List<String> kernels(DType dtype, String variant);

    /** Why a form with no kernels is unsupported (only called when {@link #kernels} is empty). */
    default String unsupportedReason(DType dtype, String variant) {
        return "no CUDA kernel for " + getClass().getSimpleName() + " " + dtype + " " + variant;
    }

    /**
     * The launches that run {@code launch} (validated and packed by its Java launcher) on a GPU
     * described by {@code props}. Params may be the launch's own or modified copies
     * ({@code launch.params().copy()}), e.g. with a scratch address from {@code scratch}.
     */
    List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch);
}

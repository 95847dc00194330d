// The CUDA faces of the implicit-GEMM ops (conv2d, conv_transpose2d, linear): one kernel per tile and
// load of gk_igemm.cuh for each dtype; subclasses say how many pixels and channels a launch has.
package dev.gannet.ops.cuda;

import dev.gannet.runtime.DType;
import java.util.List;

abstract class IgemmCuda implements CudaOp {
    private final String op;

    IgemmCuda(String op) {
        this.op = op;
    }

    @Override
    public final List<String> kernels(DType dtype, String variant) {
        return Igemm.kernels(op, dtype);
    }
}

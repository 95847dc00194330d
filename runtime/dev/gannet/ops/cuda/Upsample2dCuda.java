// CUDA face of upsample2d (kernels/upsample2d.cu): one output pixel's channels per thread, 16-byte
// vectors when the channel count and every address of x and y allow.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class Upsample2dCuda implements CudaOp {
    private static final List<String> MODES = List.of("nearest", "bilinear", "area");

    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat() || !MODES.contains(variant)) return List.of();
        String k = "gk_upsample2d_" + Plans.dt(dtype) + "_" + variant;
        return List.of(k, k + "_vec");
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "upsample2d has CUDA kernels for f32 and f16 in modes " + MODES + ", not " + dtype + " " + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        GkView x = GkView.read(p, "x"), y = GkView.read(p, "y");
        GkView.checkPixels(launch.op(), y);
        int v = Plans.vecElems(launch.dtype());
        boolean vec = CudaPaths.vectors() && y.c() % v == 0
                && x.packAligned(v, GkView.N, GkView.H, GkView.W) && y.packAligned(v, GkView.N, GkView.H, GkView.W);
        String k = kernels(launch.dtype(), launch.variant()).get(vec ? 1 : 0);
        return CudaPaths.record(List.of(Plans.rows(k, y.c() / (vec ? v : 1), y.pixels(), 1, false, props, p)));
    }
}

// CUDA face of pixel_shuffle (kernels/pixel_shuffle.cu): output elements per thread; DCR moves whole
// 16-byte vectors when the space side's channel count and every address of x and y allow.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class PixelShuffleCuda implements CudaOp {
    private static final List<String> VARIANTS = List.of("dcr", "crd", "dcr-inverse", "crd-inverse");

    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat() || !VARIANTS.contains(variant)) return List.of();
        String k = "gk_pixel_shuffle_" + Plans.dt(dtype);
        return variant.startsWith("dcr") ? List.of(k, k + "_vec") : List.of(k);
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "pixel_shuffle has CUDA kernels for f32 and f16 in " + VARIANTS + ", not " + dtype + " " + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        GkView x = GkView.read(p, "x"), y = GkView.read(p, "y");
        GkView.checkPixels(launch.op(), y);
        GkView.checkPixels(launch.op(), x);
        List<String> ks = kernels(launch.dtype(), launch.variant());
        int v = Plans.vecElems(launch.dtype());
        int spaceC = launch.variant().endsWith("inverse") ? x.c() : y.c();
        boolean vec = ks.size() > 1 && CudaPaths.vectors() && spaceC % v == 0
                && x.packAligned(v, GkView.N, GkView.H, GkView.W) && y.packAligned(v, GkView.N, GkView.H, GkView.W);
        return CudaPaths.record(List.of(
                Plans.rows(ks.get(vec ? 1 : 0), y.c() / (vec ? v : 1), y.pixels(), 1, false, props, p)));
    }
}

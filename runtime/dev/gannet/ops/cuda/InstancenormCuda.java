// CUDA face of instancenorm (kernels/instancenorm.cu): one fused launch per (channel group, image)
// when those blocks nearly fill the GPU or images are small, else the split reduction stats ->
// finalize -> apply with fp64 partials per (image, channel) in scratch.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.ops.cuda.CudaLaunchSpec.Dim3;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.ArrayList;
import java.util.List;

public final class InstancenormCuda implements CudaOp {
    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat() || !(variant.equals("affine") || variant.equals("plain"))) return List.of();
        String k = "gk_instancenorm_" + Plans.dt(dtype);
        return List.of(k + "_fused", k + "_fused_vec", k + "_stats", k + "_stats_vec", "gk_instancenorm_finalize",
                k + "_apply", k + "_apply_vec");
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "instancenorm has CUDA kernels for f32 and f16, affine and plain, not " + dtype + " " + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params().copy();
        // statistics per image: merge H and W where both views allow, keep N (grid z)
        GkView[] xy = GkView.merge(GkView.H, GkView.W, GkView.read(p, "x"), GkView.read(p, "y"));
        xy[0].write(p, "x");
        xy[1].write(p, "y");
        GkView x = xy[0];
        GkView.checkPixels(launch.op(), x);
        Plans.checkZ(launch.op(), x.n());
        int c = x.c(), n = x.n(), v = Plans.vecElems(launch.dtype());
        boolean vec = CudaPaths.vectors() && c % v == 0 && x.packAligned(v, GkView.N, GkView.H, GkView.W)
                && xy[1].packAligned(v, GkView.N, GkView.H, GkView.W);
        String k = "gk_instancenorm_" + Plans.dt(launch.dtype()) + "_", sfx = vec ? "_vec" : "";
        long chunks = c / (vec ? v : 1), hw = (long) x.h() * x.w();
        Plans.Block b = Plans.Block.of(chunks);
        int gx = b.gx(chunks);
        int g = Plans.splitG(hw, Plans.blockPixelBytes(b, vec ? v : 1, c, launch.dtype()), b, (long) gx * n, props);
        if (g == 1) {
            return CudaPaths.record(List.of(new CudaLaunchSpec(k + "fused" + sfx, Dim3.of(gx, 1, n), b.dim(), 0, p)));
        }
        long rows = (long) n * c;
        Params ps = Plans.withScratch(p, scratch, Plans.scratchBytes(rows, g, 3, 8));
        List<CudaLaunchSpec> plan = new ArrayList<>();
        plan.add(new CudaLaunchSpec(k + "stats" + sfx, Dim3.of(gx, g, n), b.dim(), 0, ps));
        plan.add(Plans.finalize("gk_instancenorm_finalize", rows, ps));
        plan.add(Plans.rows(k + "apply" + sfx, chunks, hw, n, false, props, ps));
        return CudaPaths.record(plan);
    }
}

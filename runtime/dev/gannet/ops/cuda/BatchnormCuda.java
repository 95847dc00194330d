// CUDA face of batchnorm (kernels/batchnorm.cu): inference is one normalize pass; training is one
// fused launch when the channel groups alone nearly fill the GPU (or the batch is small), else the
// split reduction stats -> finalize -> apply with fp64 partials in scratch.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.ops.cuda.CudaLaunchSpec.Dim3;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.ArrayList;
import java.util.List;

public final class BatchnormCuda implements CudaOp {
    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat()) return List.of();
        String k = "gk_batchnorm_" + Plans.dt(dtype);
        return switch (variant) {
            case "inference" -> List.of(k + "_apply", k + "_apply_vec");
            case "training" -> List.of(k + "_fused", k + "_fused_vec", k + "_stats", k + "_stats_vec",
                    "gk_batchnorm_finalize", k + "_apply", k + "_apply_vec");
            default -> List.of();
        };
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "batchnorm has CUDA kernels for f32 and f16, inference and training, not " + dtype + " " + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params().copy();
        // one flat pixel index over N·H·W: merge the pixel dims both views lay out contiguously
        GkView[] xy = GkView.merge(GkView.N, GkView.W, GkView.read(p, "x"), GkView.read(p, "y"));
        xy[0].write(p, "x");
        xy[1].write(p, "y");
        GkView x = xy[0];
        GkView.checkPixels(launch.op(), x);
        int c = x.c(), v = Plans.vecElems(launch.dtype());
        boolean vec = CudaPaths.vectors() && c % v == 0 && x.packAligned(v, GkView.N, GkView.H, GkView.W)
                && xy[1].packAligned(v, GkView.N, GkView.H, GkView.W);
        String k = "gk_batchnorm_" + Plans.dt(launch.dtype()) + "_", sfx = vec ? "_vec" : "";
        long chunks = c / (vec ? v : 1);
        if (launch.variant().equals("inference")) {
            return CudaPaths.record(List.of(Plans.rows(k + "apply" + sfx, chunks, x.pixels(), 1, false, props, p)));
        }
        Plans.Block b = Plans.Block.of(chunks);
        int gx = b.gx(chunks);
        int g = Plans.splitG(x.pixels(), Plans.blockPixelBytes(b, vec ? v : 1, c, launch.dtype()), b, gx, props);
        if (g == 1) {
            return CudaPaths.record(List.of(new CudaLaunchSpec(k + "fused" + sfx, Dim3.of(gx), b.dim(), 0, p)));
        }
        Params ps = Plans.withScratch(p, scratch, Plans.scratchBytes(c, g, 3, 8));
        List<CudaLaunchSpec> plan = new ArrayList<>();
        plan.add(new CudaLaunchSpec(k + "stats" + sfx, Dim3.of(gx, g), b.dim(), 0, ps));
        plan.add(Plans.finalize("gk_batchnorm_finalize", c, ps));
        plan.add(Plans.rows(k + "apply" + sfx, chunks, x.pixels(), 1, false, props, ps));
        return CudaPaths.record(plan);
    }
}

// CUDA face of pool2d (kernels/pool2d.cu): windows as one pass over output pixels; the global average
// as one fused launch per (channel group, image) or, when those leave the GPU underused, split into
// fp32 partial sums in scratch and a finalize pass.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.ops.cuda.CudaLaunchSpec.Dim3;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class Pool2dCuda implements CudaOp {
    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat()) return List.of();
        String k = "gk_pool2d_" + Plans.dt(dtype);
        return switch (variant) {
            case "avg", "max" -> List.of(k + "_window", k + "_window_vec");
            case "global-avg" -> List.of(k + "_global", k + "_global_vec", k + "_partial", k + "_partial_vec",
                    k + "_finalize");
            default -> List.of();
        };
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "pool2d has CUDA kernels for f32 and f16, avg, max and global-avg, not " + dtype + " " + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        int v = Plans.vecElems(launch.dtype());
        String k = "gk_pool2d_" + Plans.dt(launch.dtype()) + "_";
        if (!launch.variant().equals("global-avg")) {
            GkView x = GkView.read(p, "x"), y = GkView.read(p, "y");
            GkView.checkPixels(launch.op(), y);
            boolean vec = CudaPaths.vectors() && y.c() % v == 0
                    && x.packAligned(v, GkView.N, GkView.H, GkView.W) && y.packAligned(v, GkView.N, GkView.H, GkView.W);
            return CudaPaths.record(List.of(Plans.rows(k + (vec ? "window_vec" : "window"), y.c() / (vec ? v : 1),
                    y.pixels(), 1, false, props, p)));
        }
        p = p.copy();
        GkView x = GkView.merge(GkView.H, GkView.W, GkView.read(p, "x"))[0], y = GkView.read(p, "y");
        x.write(p, "x");
        GkView.checkPixels(launch.op(), x);
        Plans.checkZ(launch.op(), x.n());
        int c = x.c(), n = x.n();
        boolean vec = CudaPaths.vectors() && c % v == 0 && x.packAligned(v, GkView.N, GkView.H, GkView.W)
                && y.packAligned(v, GkView.N);
        String sfx = vec ? "_vec" : "";
        long chunks = c / (vec ? v : 1), hw = (long) x.h() * x.w();
        Plans.Block b = Plans.Block.of(chunks);
        int gx = b.gx(chunks);
        int g = Plans.splitG(hw, Plans.blockPixelBytes(b, vec ? v : 1, c, launch.dtype()), b, (long) gx * n, props);
        if (g == 1) {
            return CudaPaths.record(List.of(new CudaLaunchSpec(k + "global" + sfx, Dim3.of(gx, 1, n), b.dim(), 0, p)));
        }
        long rows = (long) n * c;
        Params ps = Plans.withScratch(p, scratch, Plans.scratchBytes(rows, g, 1, 4));
        return CudaPaths.record(List.of(new CudaLaunchSpec(k + "partial" + sfx, Dim3.of(gx, g, n), b.dim(), 0, ps),
                Plans.finalize(k + "finalize", rows, ps)));
    }
}

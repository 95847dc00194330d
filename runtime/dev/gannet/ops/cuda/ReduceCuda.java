// CUDA face of reduce (kernels/reduce.cu): mean-all, mse and l1 over merged runs of a (and b), and
// per-channel means; fp64 accumulation in one block when the input is small, else fp64 partials per
// block in scratch added in a fixed order by a finalize pass.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.ops.cuda.CudaLaunchSpec.Dim3;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.ArrayList;
import java.util.List;

public final class ReduceCuda implements CudaOp {
    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat()) return List.of();
        String k = "gk_reduce_" + Plans.dt(dtype);
        return switch (variant) {
            case "mean-all", "mse", "l1" -> List.of(k + "_total", k + "_total_vec", "gk_reduce_finalize_total");
            case "mean-channel" -> List.of(k + "_channel", k + "_channel_vec", "gk_reduce_finalize_channel");
            default -> List.of();
        };
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "reduce has CUDA kernels for f32 and f16, mean-all, mean-channel, mse and l1, not " + dtype + " "
                + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params().copy();
        int v = Plans.vecElems(launch.dtype());
        String k = "gk_reduce_" + Plans.dt(launch.dtype()) + "_";
        return CudaPaths.record(launch.variant().equals("mean-channel") ? channel(p, launch, k, v, props, scratch)
                : total(p, launch, k, v, props, scratch));
    }

    private static List<CudaLaunchSpec> total(Params p, KernelLaunch launch, String k, int v, CudaProps props,
                                              CudaScratch scratch) {
        GkView a = GkView.read(p, "a"), b = GkView.read(p, "b");
        boolean binary = !launch.variant().equals("mean-all");
        GkView[] m = binary ? GkView.merge(GkView.N, GkView.C, a, b) : GkView.merge(GkView.N, GkView.C, a);
        a = m[0];
        a.write(p, "a");
        if (binary) {
            b = m[1];
            b.write(p, "b");
        }
        GkView.checkPixels(launch.op(), a);
        long[] as = a.strides(), bs = b.strides();
        boolean vec = CudaPaths.vectors() && as[GkView.C] == 1 && a.packAligned(v, GkView.N, GkView.H, GkView.W)
                && (!binary || bs[GkView.C] == 0
                        || (bs[GkView.C] == 1 && b.packAligned(v, GkView.N, GkView.H, GkView.W)));
        long chunks = Plans.ceilDiv(a.c(), vec ? v : 1), rows = a.pixels();
        Plans.Block blk = Plans.Block.of(chunks, Plans.THREADS);
        int gx, gy;
        switch (CudaPaths.split()) {
            case FUSED -> gx = gy = 1;
            case SPLIT -> {
                gx = chunks > blk.bdx() ? 2 : 1;
                gy = gx == 2 ? 1 : 2;
            }
            default -> {
                // every thread at least 16 chunks, at most what keeps the GPU streaming
                long blocks = Math.min(Plans.streamingBlocks(props),
                        Math.max(1, Plans.ceilDiv(chunks * rows, 16L * Plans.THREADS)));
                gx = (int) Math.max(1, Math.min(blk.gx(chunks), blocks));
                gy = (int) Math.max(1, Math.min(Plans.MAX_YZ, Math.min(Plans.ceilDiv(rows, blk.bdy()), blocks / gx)));
            }
        }
        String kt = k + (vec ? "total_vec" : "total");
        if ((long) gx * gy == 1) return List.of(new CudaLaunchSpec(kt, Dim3.of(1), blk.dim(), 0, p));
        Params ps = Plans.withScratch(p, scratch, Plans.scratchBytes(1, (long) gx * gy, 1, 8));
        return List.of(new CudaLaunchSpec(kt, Dim3.of(gx, gy), blk.dim(), 0, ps),
                Plans.finalize("gk_reduce_finalize_total", 1, ps));
    }

    private static List<CudaLaunchSpec> channel(Params p, KernelLaunch launch, String k, int v, CudaProps props,
                                                CudaScratch scratch) {
        GkView a = GkView.merge(GkView.N, GkView.W, GkView.read(p, "a"))[0];
        a.write(p, "a");
        GkView.checkPixels(launch.op(), a);
        int c = a.c();
        boolean vec = CudaPaths.vectors() && c % v == 0 && a.packAligned(v, GkView.N, GkView.H, GkView.W);
        String kc = k + (vec ? "channel_vec" : "channel");
        long chunks = c / (vec ? v : 1);
        Plans.Block b = Plans.Block.of(chunks);
        int gx = b.gx(chunks);
        int g = Plans.splitG(a.pixels(), Plans.blockPixelBytes(b, vec ? v : 1, c, launch.dtype()), b, gx, props);
        if (g == 1) return List.of(new CudaLaunchSpec(kc, Dim3.of(gx), b.dim(), 0, p));
        Params ps = Plans.withScratch(p, scratch, Plans.scratchBytes(c, g, 1, 8));
        List<CudaLaunchSpec> plan = new ArrayList<>();
        plan.add(new CudaLaunchSpec(kc, Dim3.of(gx, g), b.dim(), 0, ps));
        plan.add(Plans.finalize("gk_reduce_finalize_channel", c, ps));
        return plan;
    }
}

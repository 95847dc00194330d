// CUDA face of cast (kernels/cast.cu): pixel dims that x and y both lay out contiguously are merged;
// rows whose pixels are dense in both (channels back to back) go 4 elements per thread with one
// vector access each side, everything else (broadcasts, channel slices) one element per thread.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class CastCuda implements CudaOp {
    /** Elements per thread of the vector kernels (gk_cast::vec). */
    static final int VEC = 4;

    @Override
    public List<String> kernels(DType dtype, String variant) {
        DType to = target(variant);
        if (to == null) return List.of();
        String k = "gk_cast_" + Plans.dt(dtype) + "_to_" + Plans.dt(to);
        return List.of(k, k + "_vec");
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "cast has CUDA kernels from f32, f16, u8 and i32 to f32, f16 and u8, not " + dtype + " " + variant;
    }

    private static DType target(String variant) {
        return switch (variant) {
            case "to-f32" -> DType.F32;
            case "to-f16" -> DType.F16;
            case "to-u8" -> DType.U8;
            default -> null;
        };
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params().copy();
        GkView[] xy = GkView.merge(GkView.N, GkView.W, GkView.read(p, "x"), GkView.read(p, "y"));
        GkView x = xy[0], y = xy[1];
        x.write(p, "x");
        y.write(p, "y");
        GkView.checkPixels(launch.op(), y);
        List<String> ks = kernels(launch.dtype(), launch.variant());
        if (CudaPaths.vectors() && flat(x) && flat(y) && x.packAligned(VEC, GkView.N, GkView.H)
                && y.packAligned(VEC, GkView.N, GkView.H)) {
            long run = (long) y.w() * y.c();
            return CudaPaths.record(List.of(Plans.rows(ks.get(1), Plans.ceilDiv(run, VEC), (long) y.n() * y.h(), 1,
                    true, props, p)));
        }
        return CudaPaths.record(List.of(Plans.rows(ks.get(0), y.c(), y.pixels(), 1, true, props, p)));
    }

    /** Each (n, h) row of pixels is one contiguous run of w·C elements. */
    private static boolean flat(GkView t) {
        long[] s = t.strides();
        return (t.c() == 1 || s[GkView.C] == 1) && (t.w() == 1 || s[GkView.W] == t.c());
    }
}

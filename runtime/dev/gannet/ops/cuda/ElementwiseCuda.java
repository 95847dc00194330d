// CUDA face of elementwise (kernels/elementwise.cu): the views are first merged into runs that a, b
// and y all lay out contiguously, then one pass of 16-byte vectors (when y's run is contiguous, a
// and b are contiguous or broadcast along it, and every row start is aligned) or of single elements.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class ElementwiseCuda implements CudaOp {
    private static final List<String> KINDS = List.of("add", "mul", "affine", "clamp");

    @Override
    public List<String> kernels(DType dtype, String variant) {
        if (!dtype.isFloat() || !KINDS.contains(variant)) return List.of();
        String k = "gk_elementwise_" + Plans.dt(dtype);
        if (dtype == DType.F16 && (variant.equals("add") || variant.equals("mul"))) {
            return List.of(k, k + "_vec", k + "_bf32", k + "_bf32_vec"); // b may be F32 on f16 activations
        }
        return List.of(k, k + "_vec");
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "elementwise has CUDA kernels for f32 and f16 in " + KINDS + ", not " + dtype + " " + variant;
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params().copy();
        GkView y = GkView.read(p, "y"), a = GkView.read(p, "a"), b = GkView.read(p, "b");
        boolean binary = !b.isNull();
        GkView[] m = binary ? GkView.merge(GkView.N, GkView.C, y, a, b) : GkView.merge(GkView.N, GkView.C, y, a);
        y = m[0];
        a = m[1];
        y.write(p, "y");
        a.write(p, "a");
        if (binary) {
            b = m[2];
            b.write(p, "b");
        }
        GkView.checkPixels(launch.op(), y);
        int v = Plans.vecElems(launch.dtype());
        boolean vec = CudaPaths.vectors() && y.strides()[GkView.C] == 1 && runAligned(y, v) && runAligned(a, v)
                && (!binary || runAligned(b, v));
        boolean bf32 = binary && launch.dtype() == DType.F16 && b.elemSize() == 4;
        String k = "gk_elementwise_" + Plans.dt(launch.dtype()) + (bf32 ? "_bf32" : "") + (vec ? "_vec" : "");
        long chunks = Plans.ceilDiv(y.c(), vec ? v : 1);
        return CudaPaths.record(List.of(Plans.rows(k, chunks, y.pixels(), 1, true, props, p)));
    }

    /** The run is contiguous (whole vectors, aligned rows) or one broadcast value per row. */
    private static boolean runAligned(GkView t, int v) {
        long sc = t.strides()[GkView.C];
        if (sc == 0) return true;
        return sc == 1 && t.packAligned(v, GkView.N, GkView.H, GkView.W);
    }
}

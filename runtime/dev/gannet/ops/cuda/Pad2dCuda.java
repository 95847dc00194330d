// CUDA face of pad2d (kernels/pad2d.cu): one thread per output vector, 16-byte vectors when the
// channels, pixel strides and base addresses allow, one element per thread otherwise (channel slices).
// The complete example of an op's CUDA face: kernel names per form, launch configuration, params as
// the launcher packed them.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class Pad2dCuda implements CudaOp {
    static final int BLOCK = 256;
    /** Grid-stride loops need no more blocks than keep every SM busy a few times over. */
    static final int BLOCKS_PER_SM = 32;

    @Override
    public List<String> kernels(DType dtype, String variant) {
        // The padding mode is a runtime field of the params: every variant runs in the same kernels.
        return switch (dtype) {
            case F32 -> List.of("gk_pad2d_f32", "gk_pad2d_f32_v4");
            case F16 -> List.of("gk_pad2d_f16", "gk_pad2d_f16_v8");
            default -> List.of();
        };
    }

    @Override
    public String unsupportedReason(DType dtype, String variant) {
        return "pad2d has no " + dtype + " kernel (f32 and f16 only)";
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        GkView x = GkView.read(p, "x"), y = GkView.read(p, "y");
        int lanes = 16 / launch.dtype().size();
        // Channels are contiguous (the launcher checks): a pixel is whole 16-byte vectors when C
        // divides and every pixel a thread steps to starts on a 16-byte boundary.
        boolean vector = y.c() % lanes == 0 && x.packAligned(lanes, GkView.N, GkView.H, GkView.W)
                && y.packAligned(lanes, GkView.N, GkView.H, GkView.W);
        String kernel = switch (launch.dtype()) {
            case F32 -> vector ? "gk_pad2d_f32_v4" : "gk_pad2d_f32";
            case F16 -> vector ? "gk_pad2d_f16_v8" : "gk_pad2d_f16";
            default -> throw new IllegalArgumentException("pad2d has no " + launch.dtype() + " kernel");
        };
        long vectors = y.pixels() * (vector ? y.c() / lanes : y.c());
        long blocks = Math.max(1, Math.min((vectors + BLOCK - 1) / BLOCK, (long) BLOCKS_PER_SM * props.smCount()));
        return List.of(new CudaLaunchSpec(kernel, CudaLaunchSpec.Dim3.of((int) blocks), CudaLaunchSpec.Dim3.of(BLOCK),
                0, p));
    }
}

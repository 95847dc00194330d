// CUDA face of gram (kernels/gram.cu): the upper triangle of 64x64 tiles per image; the pixels are
// split into P parts when tiles x images alone would leave SMs idle, the partials summed in a
// fixed order by gk_gram_finalize through scratch (deterministic, no float atomics).
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.KernelLaunch;
import java.util.List;

public final class GramCuda implements CudaOp {
    public static final String OP = "gram";
    static final int TILE = 64;
    /** Forces the number of pixel parts (1 = no split), for tests. */
    public static final String PARTS_PROPERTY = "gannet.cuda.gram.parts";
    private static final int MAX_PARTS = 256;

    @Override
    public List<String> kernels(DType dtype, String variant) {
        return switch (dtype) {
            case F32 -> List.of("gk_gram_f32_vec", "gk_gram_f32_any", "gk_gram_finalize");
            case F16 -> List.of("gk_gram_f16_vec", "gk_gram_f16_any", "gk_gram_finalize");
            default -> List.of();
        };
    }

    /** Pixels per k-tile, threads and shared memory of the partial kernel (gram.cu's Tc / Fma). */
    static int bk(DType dt) {
        return dt == DType.F16 ? 32 : 16;
    }

    static int threads(DType dt) {
        return dt == DType.F16 ? 128 : 256;
    }

    static int sharedBytes(DType dt) {
        int lds = TILE + (dt == DType.F16 ? 8 : 4);
        int pipe = 3 * 2 * bk(dt) * lds * dt.size();
        return dt == DType.F16 ? Math.max(pipe, TILE * (TILE + 4) * 4) : pipe;
    }

    /** Parts of H*W: enough blocks for two per SM, each part at least 4 k-tiles, at most 256. */
    static int parts(long hw, int ntri, int n, DType dt, CudaProps props) {
        long ktiles = Igemm.ceil(hw, bk(dt));
        String forced = System.getProperty(PARTS_PROPERTY);
        if (forced != null && !forced.isEmpty()) {
            int f;
            try {
                f = Integer.parseInt(forced);
            } catch (NumberFormatException e) {
                f = 0;
            }
            if (f < 1 || f > MAX_PARTS) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                        PARTS_PROPERTY + " = '" + forced + "' is not a number of parts in 1.." + MAX_PARTS);
            }
            return f;
        }
        long want = Igemm.ceil(2L * props.smCount(), (long) ntri * n);
        long p = Math.min(want, Math.min(Igemm.ceil(ktiles, 4), MAX_PARTS));
        return (int) Math.max(1, p);
    }

    @Override
    public List<CudaLaunchSpec> plan(KernelLaunch launch, CudaProps props, CudaScratch scratch) {
        Params p = launch.params();
        DType dt = launch.dtype();
        int c = Fields.i32(p, "x.c"), n = Fields.i32(p, "x.n");
        long hw = (long) Fields.i32(p, "x.h") * Fields.i32(p, "x.w");
        long nb = Igemm.ceil(c, TILE), ntri = nb * (nb + 1) / 2;
        int tiles = Igemm.dim(OP, "the Gram tiles", ntri, Integer.MAX_VALUE);
        int items = Igemm.dim(OP, "the batch", n, 65535);
        int parts = parts(hw, tiles, n, dt, props);
        boolean vec = Igemm.vec(OP, Fields.vec16(p, "x", dt.size()));
        String kernel = "gk_gram_" + dt.name().toLowerCase() + (vec ? "_vec" : "_any");
        var block = CudaLaunchSpec.Dim3.of(threads(dt));
        if (parts == 1) {
            return Igemm.record(List.of(
                    new CudaLaunchSpec(kernel, CudaLaunchSpec.Dim3.of(tiles, 1, items), block, sharedBytes(dt), p)));
        }
        long bytes = (long) n * ntri * parts * TILE * TILE * 4;
        Params q = p.copy().ptr("scratch", scratch.allocate(bytes));
        return Igemm.record(List.of(
                new CudaLaunchSpec(kernel, CudaLaunchSpec.Dim3.of(tiles, parts, items), block, sharedBytes(dt), q),
                new CudaLaunchSpec("gk_gram_finalize",
                        CudaLaunchSpec.Dim3.of(Igemm.dim(OP, "the finalize blocks", ntri * parts, Integer.MAX_VALUE), items),
                        CudaLaunchSpec.Dim3.of(256), 0, q)));
    }
}

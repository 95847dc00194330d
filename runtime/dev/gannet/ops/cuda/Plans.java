// Launch-configuration helpers shared by the CUDA faces of the memory-bound and reduction ops
// (kernels/include/gk_vec.cuh and gk_chanred.cuh): the (bdx, bdy) block over channel chunks and
// rows, grids that fill the GPU, split-reduction sizes and the scratch layout of gk_chanred.cuh.
package dev.gannet.ops.cuda;

import dev.gannet.bindings.Params;
import dev.gannet.ops.cuda.CudaLaunchSpec.Dim3;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;

final class Plans {
    /** Threads of the 2-D blocks (gk_chanred::THREADS) and of the finalize blocks (FINAL_THREADS). */
    static final int THREADS = 256, FINAL_THREADS = 128;
    /** Grid dims y and z are limited to 65535 by CUDA. */
    static final int MAX_YZ = 65535;

    private Plans() {}

    /** "f32" / "f16" / "u8" / "i32", as in kernel names. */
    static String dt(DType d) {
        return d.name().toLowerCase();
    }

    /** Elements of one 16-byte vector of d (4 f32, 8 f16). */
    static int vecElems(DType d) {
        return 16 / d.size();
    }

    /**
     * Blocks to keep a GPU streaming: enough resident warps on every SM to cover memory latency; the
     * kernels loop, so more blocks would only add scheduling.
     */
    static long streamingBlocks(CudaProps props) {
        return 16L * props.smCount();
    }

    /**
     * The (bdx, bdy) block for {@code chunks} units along the contiguous dim: bdx the power of two
     * >= chunks, at most 32, so that a warp covers whole rows (pixels) and its accesses are contiguous,
     * and every thread keeps one channel chunk (the reductions' per-thread state).
     */
    record Block(int bdx, int bdy) {
        static Block of(long chunks) {
            return of(chunks, 32);
        }

        /** As {@link #of(long)} with bdx up to {@code maxBdx} (a power of two <= THREADS): long runs. */
        static Block of(long chunks, int maxBdx) {
            int bdx = 1;
            while (bdx < maxBdx && bdx < chunks) bdx *= 2;
            return new Block(bdx, THREADS / bdx);
        }

        Dim3 dim() {
            return Dim3.of(bdx, bdy);
        }

        /** Blocks along x covering the chunks (a kernel that loops over x may get fewer). */
        int gx(long chunks) {
            return (int) Math.min(Integer.MAX_VALUE, ceilDiv(chunks, bdx));
        }
    }

    /**
     * One launch over {@code chunks} x {@code rows} (x {@code z}) with threads looping over rows (and over
     * chunks when {@code loopX}): grid x covers the chunks (capped when the kernel loops over them),
     * grid y covers the rows up to what fills the GPU. Kernels that loop over chunks take runs of any
     * length (a merged dense tensor is one row), so their blocks widen to 256 threads along the run.
     */
    static CudaLaunchSpec rows(String kernel, long chunks, long rows, int z, boolean loopX, CudaProps props,
                               Params params) {
        Block b = loopX ? Block.of(chunks, THREADS) : Block.of(chunks);
        long target = streamingBlocks(props);
        int gx = b.gx(chunks);
        if (loopX) gx = (int) Math.max(1, Math.min(gx, target));
        long gy = Math.max(1, Math.min(ceilDiv(rows, b.bdy()), Math.max(1, target / ((long) gx * z))));
        return new CudaLaunchSpec(kernel, Dim3.of(gx, (int) Math.min(gy, MAX_YZ), z), b.dim(), 0, params);
    }

    /** A fused block reading at most this many bytes finishes within a few microseconds: never split. */
    static final long FUSED_BLOCK_BYTES = 64 * 1024;

    /**
     * How many blocks split the {@code pixels} of each row group of a channel reduction (grid y of the
     * partial pass): 1 means the fused single-pass kernel. Auto splits only when the fused kernel's
     * {@code blocks} (grid x · z) leave the GPU underused, a fused block would read more than
     * FUSED_BLOCK_BYTES ({@code pixelBytes} per pixel), and every thread still gets at least one
     * 16-pixel segment (gk_chanred::SEGMENT). The forced split takes at least 2 (an empty partial is
     * allowed and exercised).
     */
    static int splitG(long pixels, long pixelBytes, Block b, long blocks, CudaProps props) {
        return switch (CudaPaths.split()) {
            case FUSED -> 1;
            case SPLIT -> (int) Math.max(2, Math.min(8, ceilDiv(pixels, b.bdy())));
            case AUTO -> {
                if (pixels * pixelBytes <= FUSED_BLOCK_BYTES) yield 1;
                long byWork = ceilDiv(pixels, (long) b.bdy() * 16);
                long byGpu = ceilDiv(4L * props.smCount(), blocks);
                yield (int) Math.max(1, Math.min(MAX_YZ, Math.min(byWork, byGpu)));
            }
        };
    }

    /** Bytes a fused reduction block reads per pixel: its channels (bdx chunks of v elements, at most c). */
    static long blockPixelBytes(Block b, int v, int c, DType dtype) {
        return (long) Math.min(c, b.bdx() * v) * dtype.size();
    }

    /** Bytes of scratch in the gk_chanred.cuh layout: coefficients, header, {@code arrays} R x G partials. */
    static long scratchBytes(long rows, long g, int arrays, int elemBytes) {
        long coef = (3 * rows * 4 + 255) / 256 * 256;
        return coef + 256 + arrays * rows * g * elemBytes;
    }

    /** A copy of the launch's params with {@code bytes} of scratch from this launch's workspace. */
    static Params withScratch(Params params, CudaScratch scratch, long bytes) {
        return params.copy().ptr("scratch", scratch.allocate(bytes));
    }

    static CudaLaunchSpec finalize(String kernel, long rows, Params params) {
        if (rows > Integer.MAX_VALUE) {
            throw new GannetException(ErrorCode.UNSUPPORTED, kernel + ": " + rows + " rows exceed the grid");
        }
        return new CudaLaunchSpec(kernel, Dim3.of((int) rows), Dim3.of(FINAL_THREADS), 0, params);
    }

    static void checkZ(String op, long z) {
        if (z > MAX_YZ) {
            throw new GannetException(ErrorCode.UNSUPPORTED, op + ": batch " + z
                    + " exceeds the CUDA grid's z limit of " + MAX_YZ + " images per launch");
        }
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}

// Launch planning shared by the implicit-GEMM kernels of kernels/include/gk_igemm.cuh (conv2d,
// conv_transpose2d, linear): the block tiles and their shared memory, the tile chosen per shape
// class, the kernel name, and test hooks that force a tile or the gather loads.
package dev.gannet.ops.cuda;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.KernelLaunch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

public final class Igemm {
    /** Every kernel a plan of these ops (and gram) chose since the last clear: tests check each forced version ran. */
    static final Set<String> PLANNED = ConcurrentHashMap.newKeySet();

    private Igemm() {}

    /**
     * System properties read at every plan, for tests and experiments: {@code gannet.cuda.<op>.tile}
     * = 128x128 | 64x64 | 128x16 forces a tile, {@code gannet.cuda.<op>.load} = any forces the
     * element-gather loads where the 16-byte copies would apply.
     */
    public static String tileProperty(String op) {
        return "gannet.cuda." + op + ".tile";
    }

    public static String loadProperty(String op) {
        return "gannet.cuda." + op + ".load";
    }

    /**
     * A block tile: BM pixels x BN channels, the reduction in steps of BK (32 for F16, 16 for F32), three
     * pipeline stages. Threads and shared memory mirror TcTile / FmaTile of gk_igemm.cuh.
     */
    public enum Tile {
        T128x128("128x128", 128, 128, 2, 4, 8, 8),
        T64x64("64x64", 64, 64, 2, 2, 4, 4),
        T128x16("128x16", 128, 16, 4, 1, 4, 4);

        static final int STAGES = 3;
        private final String id;
        private final int bm, bn, warpsM, warpsN, tm, tn;

        Tile(String id, int bm, int bn, int warpsM, int warpsN, int tm, int tn) {
            this.id = id;
            this.bm = bm;
            this.bn = bn;
            this.warpsM = warpsM;
            this.warpsN = warpsN;
            this.tm = tm;
            this.tn = tn;
        }

        public String id() {
            return id;
        }

        public int bm() {
            return bm;
        }

        public int bn() {
            return bn;
        }

        public int threads(DType dt) {
            return dt == DType.F16 ? 32 * warpsM * warpsN : (bm / tm) * (bn / tn);
        }

        /** Dynamic shared memory: the pipeline's stages, or the F16 epilogue's per-warp staging if larger. */
        public int sharedBytes(DType dt) {
            if (dt == DType.F16) {
                int pipe = STAGES * (bm + bn) * (32 + 8) * 2;
                int staging = warpsM * warpsN * 16 * (bn / warpsN + 4) * 4;
                return Math.max(pipe, staging);
            }
            return STAGES * (bm + bn) * (16 + 4) * 4;
        }

        /**
         * Whether the tile has an element-gather version: with gathered A the loads dominate and the
         * 128x128 tile's fewer B reloads buy little, so gathers run on 64x64 instead.
         */
        public boolean gathers() {
            return this != T128x128;
        }

        public static Tile parse(String s, String property) {
            for (Tile t : values()) if (t.id.equals(s)) return t;
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    property + " = '" + s + "' is not a tile (128x128, 64x64, 128x16)");
        }
    }

    /** Every kernel name of {@code op} for dtype: one per tile and load (gathers have no 128x128 tile). */
    static List<String> kernels(String op, DType dt) {
        if (dt != DType.F32 && dt != DType.F16) return List.of();
        List<String> l = new ArrayList<>();
        for (Tile t : Tile.values()) {
            l.add(name(op, dt, t, true));
            if (t.gathers()) l.add(name(op, dt, t, false));
        }
        return l;
    }

    static String name(String op, DType dt, Tile t, boolean vec) {
        return "gk_" + op + "_" + dt.name().toLowerCase() + "_" + t.id + "_" + (vec ? "vec" : "any");
    }

    /**
     * The tile for m output pixels and k output channels: 128x16 for k <= 16 (RGB and gray outputs),
     * 64x64 for k <= 64 or when the 128x128 tiles would not give every SM a block, else 128x128; a
     * tile whose shared memory the GPU cannot give falls back to 64x64.
     */
    static Tile choose(String op, long m, int k, DType dt, CudaProps props) {
        String forced = System.getProperty(tileProperty(op));
        if (forced != null && !forced.isEmpty()) {
            Tile t = Tile.parse(forced, tileProperty(op));
            if (!fits(t, dt, props)) {
                throw new GannetException(ErrorCode.UNSUPPORTED, op + ": tile " + t.id + " needs "
                        + t.sharedBytes(dt) + " B of shared memory, more than " + props.name() + " allows");
            }
            return t;
        }
        Tile t;
        if (k <= 16) t = Tile.T128x16;
        else if (k <= 64) t = Tile.T64x64;
        else t = ceil(m, 128) * ceil(k, 128) >= props.smCount() ? Tile.T128x128 : Tile.T64x64;
        return fits(t, dt, props) ? t : Tile.T64x64;
    }

    static boolean fits(Tile t, DType dt, CudaProps props) {
        int need = t.sharedBytes(dt);
        return need <= props.sharedPerBlock() || need <= props.sharedPerBlockOptin();
    }

    /** Whether the 16-byte loads may be used: the caller's alignment verdict, unless a test forces gathers. */
    static boolean vec(String op, boolean aligned) {
        String forced = System.getProperty(loadProperty(op));
        if (forced == null || forced.isEmpty() || forced.equals("auto")) return aligned;
        if (forced.equals("any")) return false;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                loadProperty(op) + " = '" + forced + "' is not a load mode (auto, any)");
    }

    static List<CudaLaunchSpec> record(List<CudaLaunchSpec> plan) {
        for (CudaLaunchSpec spec : plan) PLANNED.add(spec.kernel());
        return plan;
    }

    static long ceil(long a, long b) {
        return (a + b - 1) / b;
    }

    /** A grid dimension, or UNSUPPORTED naming the op when the GPU cannot launch that many blocks. */
    static int dim(String op, String what, long blocks, long max) {
        if (blocks > max) {
            throw new GannetException(ErrorCode.UNSUPPORTED,
                    op + ": " + what + " needs " + blocks + " blocks in one grid dimension, more than " + max);
        }
        return (int) Math.max(1, blocks);
    }

    /**
     * The one launch of an implicit GEMM over m output pixels (per grid z) and k channels, z blocks deep
     * (conv_transpose2d's stride classes); {@code aligned}: x (and the weights) allow the 16-byte loads.
     */
    static List<CudaLaunchSpec> plan(String op, KernelLaunch launch, CudaProps props, long m, int k, long z,
                                     boolean aligned) {
        DType dt = launch.dtype();
        Tile t = choose(op, m, k, dt, props);
        boolean vec = vec(op, aligned);
        if (!vec && !t.gathers()) t = Tile.T64x64;
        return record(List.of(launch(op, dt, t, vec, m, k, dim(op, "the stride classes", z, 65535), launch.params())));
    }

    static CudaLaunchSpec launch(String op, DType dt, Tile t, boolean vec, long m, int k, int z,
                                 dev.gannet.bindings.Params p) {
        if (m + t.bm() >= Integer.MAX_VALUE) {
            throw new GannetException(ErrorCode.UNSUPPORTED, op + ": " + m + " output pixels in one launch are more than "
                    + "the CUDA kernels index (2^31 - " + t.bm() + ")");
        }
        CudaLaunchSpec.Dim3 grid = CudaLaunchSpec.Dim3.of(dim(op, "the pixel tiles", ceil(m, t.bm()), Integer.MAX_VALUE),
                dim(op, "the channel tiles", ceil(k, t.bn()), 65535), dim(op, "the stride classes", z, 65535));
        return new CudaLaunchSpec(name(op, dt, t, vec), grid, CudaLaunchSpec.Dim3.of(t.threads(dt)), t.sharedBytes(dt), p);
    }
}

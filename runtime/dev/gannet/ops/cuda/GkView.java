// A gk_tensor member of a packed params struct, read back for launch planning: shapes for grids,
// addresses and strides for the vector-alignment checks, and rewritten views where a plan merges
// dims the kernels may treat as one (the same rule as the CPU's ew_nest_build).
package dev.gannet.ops.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gannet.bindings.Params;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;

/** dims and strides are indexed n, h, w, c (0..3), strides in elements. */
record GkView(long data, int dtype, int[] dims, long[] strides) {
    static final int N = 0, H = 1, W = 2, C = 3;

    static GkView read(Params p, String field) {
        var s = p.segment();
        String f = field + ".";
        int[] d = new int[4];
        long[] st = new long[4];
        String[] dn = {"n", "h", "w", "c"}, sn = {"sn", "sh", "sw", "sc"};
        for (int i = 0; i < 4; i++) {
            d[i] = s.get(JAVA_INT, p.offsetOf(f + dn[i]));
            st[i] = s.get(JAVA_LONG, p.offsetOf(f + sn[i]));
        }
        return new GkView(s.get(ADDRESS, p.offsetOf(f + "data")).address(), s.get(JAVA_INT, p.offsetOf(f + "dtype")),
                d, st);
    }

    void write(Params p, String field) {
        p.tensor(field, data, dtype, dims[N], dims[H], dims[W], dims[C], strides[N], strides[H], strides[W], strides[C]);
    }

    int n() {
        return dims[N];
    }

    int h() {
        return dims[H];
    }

    int w() {
        return dims[W];
    }

    int c() {
        return dims[C];
    }

    boolean isNull() {
        return data == 0;
    }

    int elemSize() {
        for (DType d : DType.values()) if (d.code() == dtype) return d.size();
        throw new GannetException(ErrorCode.INTERNAL, "gk_tensor with unknown dtype code " + dtype);
    }

    long pixels() {
        return (long) dims[N] * dims[H] * dims[W];
    }

    /**
     * Whether every pack of {@code packElems} elements a vector kernel forms is aligned to its size
     * (capped at 16 bytes): the data address, and the strides of {@code stepDims} (the dims the kernel
     * steps over between packs; dims of extent 1 never step), are multiples of it.
     */
    boolean packAligned(int packElems, int... stepDims) {
        int bytes = Math.min(16, packElems * elemSize());
        if (data % bytes != 0) return false;
        for (int i : stepDims) {
            if (dims[i] > 1 && (strides[i] * elemSize()) % bytes != 0) return false;
        }
        return true;
    }

    /**
     * Views of the same extents with the dims in [outer, inner] merged wherever every view lays them
     * out contiguously (stride of dim i = stride × extent of the next inner kept dim); dims of extent 1
     * are dropped first. The merged dims end up innermost in that range; the freed positions get
     * extent 1 and stride 0. Dims outside the range are left as they are.
     */
    static GkView[] merge(int outer, int inner, GkView... views) {
        int[] dims = views[0].dims;
        int[] gd = new int[4];
        long[][] gs = new long[views.length][4];
        int ng = 0;
        for (int i = inner; i >= outer; i--) {
            if (dims[i] == 1) continue;
            boolean join = ng > 0;
            for (int k = 0; k < views.length && join; k++) {
                if (views[k].strides[i] != gs[k][ng - 1] * gd[ng - 1]) join = false;
            }
            if (join && (long) gd[ng - 1] * dims[i] <= Integer.MAX_VALUE) {
                gd[ng - 1] *= dims[i];
                continue;
            }
            gd[ng] = dims[i];
            for (int k = 0; k < views.length; k++) gs[k][ng] = views[k].strides[i];
            ng++;
        }
        GkView[] out = new GkView[views.length];
        for (int k = 0; k < views.length; k++) {
            int[] d = views[k].dims.clone();
            long[] st = views[k].strides.clone();
            for (int pos = inner, g = 0; pos >= outer; pos--, g++) {
                d[pos] = g < ng ? gd[g] : 1;
                st[pos] = g < ng ? gs[k][g] : 0;
            }
            out[k] = new GkView(views[k].data, views[k].dtype, d, st);
        }
        return out;
    }

    /** The CUDA kernels index pixels with 32-bit integers (kernels/include/gk_vec.cuh). */
    static void checkPixels(String op, GkView v) {
        if (v.pixels() > Integer.MAX_VALUE) {
            throw new GannetException(ErrorCode.UNSUPPORTED, op + ": " + v.pixels()
                    + " pixels (N·H·W) exceed the CUDA kernels' 32-bit pixel index (at most 2^31 - 1)");
        }
    }
}

// Writes one kernel params struct into native memory by field name, using the GkAbi layouts, so
// launchers never compute an offset by hand. Nested fields are written with dotted names ("ep.act").
package dev.gannet.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

public final class Params {
    private final StructLayout layout;
    private final MemorySegment seg;

    private Params(StructLayout layout, MemorySegment seg) {
        this.layout = layout;
        this.seg = seg;
    }

    /** A zeroed struct of the given layout allocated in {@code arena}. */
    public static Params allocate(StructLayout layout, Arena arena) {
        MemorySegment s = arena.allocate(layout);
        s.fill((byte) 0);
        return new Params(layout, s);
    }

    /** A copy of this struct in an automatic arena (a CUDA plan may patch fields, e.g. scratch, per launch). */
    public Params copy() {
        MemorySegment s = Arena.ofAuto().allocate(layout);
        s.copyFrom(seg);
        return new Params(layout, s);
    }

    public MemorySegment segment() {
        return seg;
    }

    public StructLayout layout() {
        return layout;
    }

    public long offsetOf(String dotted) {
        String[] parts = dotted.split("\\.");
        PathElement[] path = new PathElement[parts.length];
        for (int i = 0; i < parts.length; i++) path[i] = PathElement.groupElement(parts[i]);
        return layout.byteOffset(path);
    }

    public Params i32(String field, int v) {
        seg.set(JAVA_INT, offsetOf(field), v);
        return this;
    }

    public Params i64(String field, long v) {
        seg.set(JAVA_LONG, offsetOf(field), v);
        return this;
    }

    public Params f32(String field, float v) {
        seg.set(JAVA_FLOAT, offsetOf(field), v);
        return this;
    }

    /** A raw address (device pointer on cuda, host address on cpu); 0 is NULL. */
    public Params ptr(String field, long address) {
        seg.set(ADDRESS, offsetOf(field), MemorySegment.ofAddress(address));
        return this;
    }

    /** Fills a gk_tensor member from its parts. */
    public Params tensor(String field, long address, int dtype, int n, int h, int w, int c,
                         long sn, long sh, long sw, long sc) {
        String p = field + ".";
        return ptr(p + "data", address).i32(p + "dtype", dtype).i32(p + "n", n).i32(p + "h", h).i32(p + "w", w)
                .i32(p + "c", c).i64(p + "sn", sn).i64(p + "sh", sh).i64(p + "sw", sw).i64(p + "sc", sc);
    }

    public static long sizeOf(MemoryLayout l) {
        return l.byteSize();
    }
}

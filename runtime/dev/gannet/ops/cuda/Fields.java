// Reads members of a packed params struct by their dotted names, for launch planning (grids depend
// on shapes, kernel choices on alignment).
package dev.gannet.ops.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gannet.bindings.Params;

final class Fields {
    private Fields() {}

    static int i32(Params p, String field) {
        return p.segment().get(JAVA_INT, p.offsetOf(field));
    }

    static long i64(Params p, String field) {
        return p.segment().get(JAVA_LONG, p.offsetOf(field));
    }

    static long ptr(Params p, String field) {
        return p.segment().get(ADDRESS, p.offsetOf(field)).address();
    }

    /**
     * Whether the 16-byte async-copy loads apply to gk_tensor member {@code t}: its address and its
     * n/h/w strides are multiples of 16 bytes and its channels a multiple of 16 bytes' worth of elements.
     */
    static boolean vec16(Params p, String t, int elementSize) {
        long v = 16 / elementSize;
        return ptr(p, t + ".data") % 16 == 0 && i32(p, t + ".c") % v == 0 && i64(p, t + ".sn") % v == 0
                && i64(p, t + ".sh") % v == 0 && i64(p, t + ".sw") % v == 0;
    }
}

// Element conversion between Java floats and host buffers of any dtype (fp16 via the JDK's
// IEEE binary16 conversion, which rounds to nearest even like the kernels).
package dev.gannet.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class HostConvert {
    private HostConvert() {}

    static void put(MemorySegment s, DType d, long i, float v) {
        switch (d) {
            case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
            case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(v));
            case U8 -> s.set(ValueLayout.JAVA_BYTE, i, (byte) saturate(v, 0, 255));
            case I32 -> s.setAtIndex(ValueLayout.JAVA_INT, i, (int) saturate(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
    }

    static float get(MemorySegment s, DType d, long i) {
        return switch (d) {
            case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case F16 -> Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
            case U8 -> Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, i));
            case I32 -> s.getAtIndex(ValueLayout.JAVA_INT, i);
        };
    }

    private static double saturate(float v, double lo, double hi) {
        if (Float.isNaN(v)) return 0;
        double r = Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5); // half away from zero, as C's roundf
        return Math.max(lo, Math.min(hi, r));
    }
}

// One named tensor of a safetensors file: dtype, shape and its little-endian bytes as a memory
// segment (a zero-copy slice of the mapping when read, any segment when written).
package dev.gannet.models.formats;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A tensor read from a file stays valid while its {@link Safetensors} is open; after close, touching
 * {@link #data()} throws IllegalStateException (the mapping is gone).
 */
public record SafeTensor(String name, SafetensorsDType dtype, List<Long> shape, MemorySegment data) {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public SafeTensor {
        if (name == null || dtype == null || shape == null || data == null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor name, dtype, shape and data "
                    + "are required");
        }
        shape = List.copyOf(shape);
        long bytes = byteSize(dtype, shape);
        if (bytes < 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name + "' shape " + shape
                    + " has a negative dimension or is too large");
        }
        if (data.byteSize() != bytes) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name + "' is " + dtype + " "
                    + shape + " = " + bytes + " bytes, but its data has " + data.byteSize() + " bytes");
        }
    }

    /** Bytes of a dense tensor, or -1 for a negative dimension or a size past 2^63. */
    static long byteSize(SafetensorsDType dtype, List<Long> shape) {
        long n = dtype.size();
        for (long d : shape) {
            if (d < 0) return -1;
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The bytes as a read-only little-endian buffer (tensors up to 2 GiB; use {@link #data()} beyond). */
    public ByteBuffer byteBuffer() {
        if (data.byteSize() > Integer.MAX_VALUE) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name + "' has "
                    + data.byteSize() + " bytes, more than a ByteBuffer holds; use data()");
        }
        return data.asByteBuffer().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The values as floats, for F32, F16 and BF16 tensors (a copy). */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name + "' has " + n
                    + " values, more than a float[] holds");
        }
        float[] out = new float[(int) n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32_LE, 0, out, 0, out.length);
            case F16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(data.getAtIndex(I16_LE, i));
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat(data.getAtIndex(I16_LE, i) << 16);
            }
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name + "' is "
                    + dtype + ", toFloatArray reads F32, F16 and BF16");
        }
        return out;
    }

    /** A tensor of {@code values} stored as F32, F16 (round to nearest even) or BF16 (likewise). */
    public static SafeTensor ofFloats(String name, SafetensorsDType dtype, List<Long> shape, float[] values) {
        long bytes = (long) values.length * dtypeSizeForFloats(dtype, name);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name + "' would have "
                    + bytes + " bytes, more than one Java array holds; build its data as a MemorySegment");
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) bytes]);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> seg.setAtIndex(F32_LE, i, values[i]);
                case F16 -> seg.setAtIndex(I16_LE, i, Float.floatToFloat16(values[i]));
                case BF16 -> seg.setAtIndex(I16_LE, i, toBf16(values[i]));
                default -> throw new IllegalStateException(); // excluded by dtypeSizeForFloats
            }
        }
        return new SafeTensor(name, dtype, shape, seg);
    }

    /** A tensor whose {@code bytes} are already little-endian elements of {@code dtype} (not copied). */
    public static SafeTensor ofBytes(String name, SafetensorsDType dtype, List<Long> shape, byte[] bytes) {
        return new SafeTensor(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    private static int dtypeSizeForFloats(SafetensorsDType dtype, String name) {
        return switch (dtype) {
            case F32, F16, BF16 -> dtype.size();
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT, "safetensors: tensor '" + name
                    + "': ofFloats stores F32, F16 or BF16, not " + dtype);
        };
    }

    /** Round to nearest even on the 16 dropped bits; NaN stays a (quiet) NaN instead of rounding to inf. */
    static short toBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((b >>> 16) | 0x40);
        return (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
    }

    @Override
    public String toString() {
        return "SafeTensor[" + name + " " + dtype + " " + shape + "]";
    }
}

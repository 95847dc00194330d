// The values bound to a parameter slot: host floats or a view of memory (a memory-mapped
// safetensors tensor), in gannet's or PyTorch's element order. Read once, when a Plan uploads them.
package dev.gannet.graph;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

public sealed interface WeightData {
    /** Values in gannet's order for {@code p}; checks the count. */
    float[] toGannet(Param p);

    /** Number of values. */
    long count();

    /** Host floats (not copied: do not change the array afterwards). */
    record Floats(float[] values, boolean torchOrder) implements WeightData {
        @Override
        public float[] toGannet(Param p) {
            checkCount(p, values.length);
            return torchOrder ? p.layout().fromTorch(values, p.shape()) : values;
        }

        @Override
        public long count() {
            return values.length;
        }
    }

    /** Little-endian F32 or F16 elements in memory, e.g. a safetensors tensor (valid while its file is open). */
    record Segment(MemorySegment data, DType dtype, boolean torchOrder) implements WeightData {
        public Segment {
            if (dtype != DType.F32 && dtype != DType.F16) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "weight data must be F32 or F16, got " + dtype);
            }
            if (data.byteSize() % dtype.size() != 0) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "weight data of " + data.byteSize()
                        + " bytes is not a whole number of " + dtype + " elements");
            }
        }

        @Override
        public float[] toGannet(Param p) {
            long n = count();
            checkCount(p, n);
            float[] v = new float[(int) n];
            if (dtype == DType.F32) {
                MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, v, 0,
                        v.length);
            } else {
                var h = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(data.getAtIndex(h, i));
            }
            return torchOrder ? p.layout().fromTorch(v, p.shape()) : v;
        }

        @Override
        public long count() {
            return data.byteSize() / dtype.size();
        }
    }

    /** Values already in gannet's order (K x R x S x C for conv weights). */
    static WeightData of(float[] gannetOrder) {
        return new Floats(gannetOrder, false);
    }

    /** Values in PyTorch's order ((K, C, R, S) for conv weights), reordered when read. */
    static WeightData torch(float[] torchOrder) {
        return new Floats(torchOrder, true);
    }

    private static void checkCount(Param p, long n) {
        if (n != p.shape().numel()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "parameter '" + p.name() + "' has shape "
                    + p.shape() + " (" + p.shape().numel() + " values) but its data has " + n + " values");
        }
    }
}

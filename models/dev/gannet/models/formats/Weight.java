// A named float32 weight of a model held in host memory, with its shape as stored in the file.
package dev.gannet.models.formats;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/** Immutable: {@link #data()} is a read-only view, {@link #toArray()} a copy. */
public final class Weight {
    private final String name;
    private final List<Integer> shape;
    private final float[] data;

    Weight(String name, List<Integer> shape, float[] data) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) {
            throw new GannetException(ErrorCode.INTERNAL,
                    "weight '" + name + "': shape " + shape + " holds " + n + " values, data has " + data.length);
        }
        this.name = name;
        this.shape = List.copyOf(shape);
        this.data = data;
    }

    public String name() {
        return name;
    }

    public List<Integer> shape() {
        return shape;
    }

    public int numel() {
        return data.length;
    }

    /** The values in row-major order of {@link #shape()}, read-only. */
    public FloatBuffer data() {
        return FloatBuffer.wrap(data).asReadOnlyBuffer();
    }

    public float[] toArray() {
        return data.clone();
    }

    /**
     * A Keras Conv2D kernel, stored H x W x Cin x Cout (HWIO), as gannet's K x R x S x C (OHWI)
     * conv weight layout, where K = Cout, R x S the window and C = Cin.
     */
    public float[] toOhwi() {
        if (shape.size() != 4) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "weight '" + name + "' has shape " + shape + ", a conv kernel needs 4 dimensions (H, W, Cin, Cout)");
        }
        return hwioToOhwi(data, shape.get(0), shape.get(1), shape.get(2), shape.get(3));
    }

    /** The kernel as a dense K x R x S x C tensor in {@code dtype}: what {@code ConvWeights.prepare} packs. */
    public Tensor toOhwiTensor(DeviceArena arena, DType dtype) {
        float[] ohwi = toOhwi();
        return arena.of(dtype, Shape.of(shape.get(3), shape.get(0), shape.get(1), shape.get(2)), ohwi);
    }

    /** A 1-D weight (a bias) as an F32 1 x 1 x 1 x K vector: per-channel parameters are always F32. */
    public Tensor toVector(DeviceArena arena) {
        if (shape.size() != 1) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "weight '" + name + "' has shape " + shape + ", a vector needs 1 dimension");
        }
        return arena.of(DType.F32, Shape.of(1, 1, 1, shape.get(0)), data);
    }

    /** {@code ohwi[k][r][s][c] = hwio[r][s][c][k]} for an R x S x C x K source. */
    public static float[] hwioToOhwi(float[] hwio, int r, int s, int c, int k) {
        if (r < 0 || s < 0 || c < 0 || k < 0 || (long) r * s * c * k != hwio.length) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "hwioToOhwi: " + r + "x" + s + "x" + c + "x" + k
                    + " does not describe " + hwio.length + " values");
        }
        float[] out = new float[hwio.length];
        int src = 0;
        // Walk the source sequentially; each Cout row scatters with stride R*S*C in the destination.
        int kStride = r * s * c;
        for (int rs = 0; rs < r * s; rs++) {
            for (int ci = 0; ci < c; ci++) {
                int dst = rs * c + ci;
                for (int ko = 0; ko < k; ko++) out[dst + ko * kStride] = hwio[src++];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + shape;
    }
}

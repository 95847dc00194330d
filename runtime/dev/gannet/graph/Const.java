// A constant of a compiled program: a parameter's values or values derived from parameters by a
// fold (weights times a folded norm's scale, say), computed lazily when a Plan uploads them.
package dev.gannet.graph;

import dev.gannet.runtime.Shape;
import java.util.function.Supplier;

final class Const {
    /** Unique per program: parameters use their name, derived constants name what they came from. */
    final String label;
    final Shape shape;
    private final Supplier<float[]> source;
    private float[] values;

    Const(String label, Shape shape, Supplier<float[]> source) {
        this.label = label;
        this.shape = shape;
        this.source = source;
    }

    /** The values in gannet's order (computed once; callers must not change the array). */
    synchronized float[] values() {
        if (values == null) {
            float[] v = source.get();
            if (v.length != shape.numel()) {
                throw new IllegalStateException(label + ": " + v.length + " values for shape " + shape);
            }
            values = v;
        }
        return values;
    }

    /** Per output channel k (blocks of numel/K consecutive values): w[k, ...] * g[k]. */
    Const scaledPerOutput(String label, int k, Supplier<float[]> scales) {
        return new Const(label, shape, () -> {
            float[] w = values(), out = new float[w.length], g = scales.get();
            int block = w.length / k;
            for (int i = 0; i < w.length; i++) out[i] = (float) ((double) w[i] * g[i / block]);
            return out;
        });
    }

    Const scaled(String label, float s) {
        return new Const(label, shape, () -> {
            float[] w = values(), out = new float[w.length];
            for (int i = 0; i < w.length; i++) out[i] = (float) ((double) w[i] * s);
            return out;
        });
    }

    /** A K-vector computed from others at upload time. */
    static Const vector(String label, int k, Supplier<float[]> f) {
        return new Const(label, Shape.of(1, 1, 1, k), f);
    }

    @Override
    public String toString() {
        return label + " " + shape;
    }
}

// Views whose vector accesses are all 16-byte aligned, for the cases that exercise the CUDA vector
// kernels (ordinary slices start at odd offsets of a guarded buffer, so they take the scalar paths):
// channel slices that start a multiple of 8 elements into a buffer whose pixel stride is a multiple
// of 8 elements, and dense views carved out of such a slice. Sentinels and NaN-poisoned neighbours
// stay in place.
package dev.gannet.matrix;

import dev.gannet.ref.HostTensor;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;

final class AlignedViews {
    /**
     * Channels before a slice so that it starts Harness.GUARD + BEFORE = a multiple of 8 elements into
     * its buffer: 16 bytes for 2- and 4-byte types, 8 for U8 (whose vectors are 4 bytes).
     */
    static final int BEFORE = Math.floorMod(-Harness.GUARD, 8);

    private AlignedViews() {}

    /** Channels after a slice of c so that the buffer's pixel stride is a multiple of 8 elements. */
    static int after(int c) {
        return Math.floorMod(-(c + BEFORE), 8);
    }

    /** The channel slice of an aligned buffer holding v. */
    static Tensor input(Harness h, DType dt, Shape s, float[] v) {
        return h.input(dt, s, v, BEFORE, after(s.c()));
    }

    static Tensor output(Harness h, DType dt, Shape s) {
        return h.output(dt, s, BEFORE, after(s.c()));
    }

    /** A dense tensor of shape s holding v whose first element is aligned. */
    static Tensor denseInput(Harness h, DType dt, Shape s, float[] v) {
        Tensor flat = h.input(dt, flat(s), v, BEFORE, 5);
        return flat.view(s, s.denseStrides(), flat.offset());
    }

    /**
     * A dense output of shape s whose first element is aligned: {the view to write, the registered
     * 1x1x1xN view to compare through (Harness checks the sentinels around it)}.
     */
    static Tensor[] denseOutput(Harness h, DType dt, Shape s) {
        Tensor flat = h.output(dt, flat(s), BEFORE, 5);
        return new Tensor[] {flat.view(s, s.denseStrides(), flat.offset()), flat};
    }

    static Shape flat(Shape s) {
        return new Shape(1, 1, 1, (int) s.numel());
    }

    /** A reference reshaped to 1x1x1xN (same NHWC order), to compare with a denseOutput's flat view. */
    static HostTensor flat(HostTensor t) {
        return new HostTensor(flat(t.shape()), t.data());
    }
}

// Reference ops (DESIGN §8 layer 1): plain loops in double precision, written to be obviously
// right rather than fast. They are the ground truth every backend is compared against. Shared
// helpers live here; op families add their references in RefOps* classes of this package.
package dev.gannet.ref;

import dev.gannet.ops.Activation;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;

public final class RefOps {
    private RefOps() {}

    /** PyTorch's padding index: -1 for a zero-padded position. */
    public static int padIndex(int i, int n, PadMode mode) {
        if (i >= 0 && i < n) return i;
        return switch (mode) {
            case ZERO -> -1;
            case REPLICATE -> i < 0 ? 0 : n - 1;
            case REFLECT -> {
                if (n == 1) yield 0;
                int j = i;
                while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
                yield j;
            }
        };
    }

    public static double act(Activation a, double v) {
        return a.apply(v);
    }

    /** pad2d: out-of-range positions of ZERO mode take {@code value}. */
    public static HostTensor pad2d(HostTensor x, int top, int left, int bottom, int right, PadMode mode,
                                   double value) {
        Shape s = x.shape();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), s.h() + top + bottom, s.w() + left + right, s.c()));
        for (int n = 0; n < s.n(); n++) {
            for (int oh = 0; oh < y.shape().h(); oh++) {
                for (int ow = 0; ow < y.shape().w(); ow++) {
                    int ih = padIndex(oh - top, s.h(), mode), iw = padIndex(ow - left, s.w(), mode);
                    for (int c = 0; c < s.c(); c++) {
                        y.set(n, oh, ow, c, ih < 0 || iw < 0 ? value : x.get(n, ih, iw, c));
                    }
                }
            }
        }
        return y;
    }
}

// Conversions between the weight layouts of the formats gannet reads and writes and its own K x R x S x C
// (OHWI): PyTorch/ONNX conv OIHW, PyTorch/ONNX transposed conv IOHW, Keras HWIO.
package dev.gannet.models.formats;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;

public final class WeightLayouts {
    private WeightLayouts() {}

    private static void check(String what, float[] a, int d0, int d1, int d2, int d3) {
        if (d0 < 0 || d1 < 0 || d2 < 0 || d3 < 0 || (long) d0 * d1 * d2 * d3 != a.length) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, what + ": " + d0 + "x" + d1 + "x" + d2 + "x" + d3
                    + " does not describe " + a.length + " values");
        }
    }

    /** {@code out[o][r][s][i] = in[o][i][r][s]}: a conv weight from OIHW (PyTorch, ONNX) to gannet's OHWI. */
    public static float[] oihwToOhwi(float[] in, int o, int i, int r, int s) {
        check("oihwToOhwi", in, o, i, r, s);
        float[] out = new float[in.length];
        int rs = r * s;
        for (int ko = 0; ko < o; ko++) {
            for (int ci = 0; ci < i; ci++) {
                int src = (ko * i + ci) * rs;
                for (int p = 0; p < rs; p++) out[(ko * rs + p) * i + ci] = in[src + p];
            }
        }
        return out;
    }

    /** The inverse of {@link #oihwToOhwi}: gannet's OHWI (K x R x S x C) to OIHW. */
    public static float[] ohwiToOihw(float[] in, int o, int r, int s, int i) {
        check("ohwiToOihw", in, o, r, s, i);
        float[] out = new float[in.length];
        int rs = r * s;
        for (int ko = 0; ko < o; ko++) {
            for (int p = 0; p < rs; p++) {
                int src = (ko * rs + p) * i;
                for (int ci = 0; ci < i; ci++) out[(ko * i + ci) * rs + p] = in[src + ci];
            }
        }
        return out;
    }

    /**
     * {@code out[k][r][s][c] = in[c][k][r][s]}: a transposed-conv weight from IOHW (PyTorch's
     * ConvTranspose2d and ONNX ConvTranspose, C input and K output channels) to gannet's K x R x S x C.
     */
    public static float[] iohwToOhwi(float[] in, int c, int k, int r, int s) {
        check("iohwToOhwi", in, c, k, r, s);
        float[] out = new float[in.length];
        int rs = r * s;
        for (int ci = 0; ci < c; ci++) {
            for (int ko = 0; ko < k; ko++) {
                int src = (ci * k + ko) * rs;
                for (int p = 0; p < rs; p++) out[(ko * rs + p) * c + ci] = in[src + p];
            }
        }
        return out;
    }

    /** The inverse of {@link #iohwToOhwi}: gannet's K x R x S x C transposed-conv weight to IOHW. */
    public static float[] ohwiToIohw(float[] in, int k, int r, int s, int c) {
        check("ohwiToIohw", in, k, r, s, c);
        float[] out = new float[in.length];
        int rs = r * s;
        for (int ko = 0; ko < k; ko++) {
            for (int p = 0; p < rs; p++) {
                int src = (ko * rs + p) * c;
                for (int ci = 0; ci < c; ci++) out[(ci * k + ko) * rs + p] = in[src + ci];
            }
        }
        return out;
    }
}

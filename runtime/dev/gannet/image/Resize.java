// Plain Java resampling of interleaved float images: nearest and bicubic for `--compare`, bilinear for
// the alpha channel, which the models never see and which is resized apart from the colours.
package dev.gannet.image;

/**
 * Pixel centres are aligned ("half pixel", {@code align_corners=false}): output pixel {@code o} samples
 * the source at {@code (o + 0.5) * in / out - 0.5}, as gannet's upsample2d op, PyTorch and PIL do.
 * Bilinear clamps that coordinate at 0 and the neighbours at the edge (gannet's op exactly, which a test
 * checks); bicubic uses Keys' kernel with a = -0.5 (PIL's and MATLAB's) with edge pixels replicated.
 */
public final class Resize {
    private Resize() {}

    /** Nearest neighbour: output pixel o takes source pixel floor(o * in / out), as upsample2d nearest does. */
    public static float[] nearest(float[] src, int sw, int sh, int c, int dw, int dh) {
        float[] out = new float[dw * dh * c];
        for (int y = 0; y < dh; y++) {
            int sy = (int) ((long) y * sh / dh);
            for (int x = 0; x < dw; x++) {
                int sx = (int) ((long) x * sw / dw);
                System.arraycopy(src, (sy * sw + sx) * c, out, (y * dw + x) * c, c);
            }
        }
        return out;
    }

    /** Bilinear, the whole output. */
    public static float[] bilinear(float[] src, int sw, int sh, int c, int dw, int dh) {
        float[] out = new float[dw * dh * c];
        bilinearRows(src, sw, sh, c, dw, dh, 0, dh, out);
        return out;
    }

    /**
     * Bilinear, output rows [y0, y0 + rows) into {@code out} (rows x dw x c): a large output is made a band
     * at a time.
     */
    public static void bilinearRows(float[] src, int sw, int sh, int c, int dw, int dh, int y0, int rows,
                                    float[] out) {
        int[] x0 = new int[dw], x1 = new int[dw];
        float[] fx = new float[dw];
        for (int x = 0; x < dw; x++) {
            float s = Math.max((x + 0.5f) * sw / dw - 0.5f, 0f);
            x0[x] = Math.min((int) s, sw - 1);
            x1[x] = Math.min(x0[x] + 1, sw - 1);
            fx[x] = s - (int) s;
        }
        for (int j = 0; j < rows; j++) {
            int y = y0 + j;
            float s = Math.max((y + 0.5f) * sh / dh - 0.5f, 0f);
            int ya = Math.min((int) s, sh - 1), yb = Math.min(ya + 1, sh - 1);
            float fy = s - (int) s;
            for (int x = 0; x < dw; x++) {
                for (int k = 0; k < c; k++) {
                    float a = src[(ya * sw + x0[x]) * c + k], b = src[(ya * sw + x1[x]) * c + k];
                    float cc = src[(yb * sw + x0[x]) * c + k], d = src[(yb * sw + x1[x]) * c + k];
                    float top = a + (b - a) * fx[x], bottom = cc + (d - cc) * fx[x];
                    out[(j * dw + x) * c + k] = top + (bottom - top) * fy;
                }
            }
        }
    }

    /** Bicubic (Keys, a = -0.5), separable: rows first, then columns. Values may overshoot [0, 1] a little. */
    public static float[] bicubic(float[] src, int sw, int sh, int c, int dw, int dh) {
        float[] tmp = new float[dw * sh * c];
        Taps tx = Taps.of(sw, dw);
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < dw; x++) {
                for (int k = 0; k < c; k++) {
                    float v = 0;
                    for (int t = 0; t < 4; t++) v += tx.w[x * 4 + t] * src[(y * sw + tx.idx[x * 4 + t]) * c + k];
                    tmp[(y * dw + x) * c + k] = v;
                }
            }
        }
        float[] out = new float[dw * dh * c];
        Taps ty = Taps.of(sh, dh);
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                for (int k = 0; k < c; k++) {
                    float v = 0;
                    for (int t = 0; t < 4; t++) v += ty.w[y * 4 + t] * tmp[(ty.idx[y * 4 + t] * dw + x) * c + k];
                    out[(y * dw + x) * c + k] = v;
                }
            }
        }
        return out;
    }

    /** The four source indices and weights of each output position along one axis. */
    private record Taps(int[] idx, float[] w) {
        static Taps of(int in, int out) {
            int[] idx = new int[out * 4];
            float[] w = new float[out * 4];
            for (int o = 0; o < out; o++) {
                double s = (o + 0.5) * in / out - 0.5;
                int base = (int) Math.floor(s);
                double f = s - base;
                for (int t = 0; t < 4; t++) {
                    idx[o * 4 + t] = Math.clamp(base - 1 + t, 0, in - 1);
                    w[o * 4 + t] = (float) keys(f - (t - 1));
                }
            }
            return new Taps(idx, w);
        }
    }

    /** Keys' cubic convolution kernel with a = -0.5. */
    static double keys(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }
}

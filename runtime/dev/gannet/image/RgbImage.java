// A decoded image in host memory as the models take it: RGB in [0, 1], H x W x 3 row-major, with the
// alpha channel kept apart (models never see it) and whether the source had one colour channel only.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;

/**
 * {@code rgb} holds {@code height * width * 3} values, {@code alpha} null or {@code height * width}. A gray
 * source is stored with its value in all three channels and {@code gray} set, so that the output can be
 * made gray again. Values are those of the file scaled to [0, 1] (an .npy file may hold others).
 */
public record RgbImage(int width, int height, float[] rgb, float[] alpha, boolean gray) {
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "image size " + width + "x" + height + " is empty");
        }
        long n = (long) width * height;
        if (rgb == null || rgb.length != n * 3) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "a " + width + "x" + height + " image needs "
                    + n * 3 + " RGB values, got " + (rgb == null ? "none" : rgb.length));
        }
        if (alpha != null && alpha.length != n) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "a " + width + "x" + height + " image needs " + n
                    + " alpha values, got " + alpha.length);
        }
    }

    public boolean hasAlpha() {
        return alpha != null;
    }

    /** Channels of the image it came from: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
    public int sourceChannels() {
        return (gray ? 1 : 3) + (alpha != null ? 1 : 0);
    }

    /** The RGB values of rows [y0, y0+h) and columns [x0, x0+w), H x W x 3. */
    public float[] crop(int x0, int y0, int w, int h) {
        if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > width || y0 + h > height) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "crop " + w + "x" + h + " at (" + x0 + ", " + y0
                    + ") does not fit a " + width + "x" + height + " image");
        }
        float[] out = new float[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(rgb, ((y0 + y) * width + x0) * 3, out, y * w * 3, w * 3);
        }
        return out;
    }

    @Override
    public String toString() {
        return width + "x" + height + (gray ? " gray" : " RGB") + (alpha != null ? " with alpha" : "");
    }
}

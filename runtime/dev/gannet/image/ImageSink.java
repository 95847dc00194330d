// Where an upscaled image is assembled band by band or tile by tile, then written by extension (.png,
// .jpg/.jpeg, .npy) in one atomic rename; closing without commit() leaves nothing behind.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.nio.file.Path;

/**
 * RGB values arrive as produced by a model (nominally [0, 1]); 8-bit formats clip and round them, .npy
 * keeps them as they are. A gray sink stores the mean of the three channels. A sink holding alpha takes it
 * through {@link #putAlpha}; JPEG has no alpha channel, so a JPEG sink ignores it ({@link #dropsAlpha()}).
 */
public sealed interface ImageSink extends AutoCloseable permits EncodedSink, NpySink {
    /** What to write: size, whether gray, whether with alpha, and the JPEG quality in (0, 1]. */
    record Spec(int width, int height, boolean gray, boolean alpha, float jpegQuality) {
        public Spec {
            if (width <= 0 || height <= 0) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "output size " + width + "x" + height
                        + " is empty");
            }
            if (!(jpegQuality > 0 && jpegQuality <= 1)) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "JPEG quality must be in (0, 1], got "
                        + jpegQuality);
            }
        }

        /** Output channels: 1 gray, 3 RGB, plus one for alpha. */
        public int channels() {
            return (gray ? 1 : 3) + (alpha ? 1 : 0);
        }
    }

    /** The output formats by extension. */
    enum Format { PNG, JPEG, NPY }

    /** The format {@code file}'s extension names, or an error listing the ones gannet writes. */
    static Format formatOf(Path file) {
        return switch (ImageFiles.extension(file)) {
            case "png" -> Format.PNG;
            case "jpg", "jpeg" -> Format.JPEG;
            case "npy" -> Format.NPY;
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT, file + ": gannet writes .png, .jpg "
                    + "(or .jpeg) and .npy files; the extension says which");
        };
    }

    /** A sink for {@code target}; nothing exists under that name until {@link #commit()}. */
    static ImageSink open(Path target, Spec spec) {
        return switch (formatOf(target)) {
            case PNG -> new EncodedSink(target, spec, "png");
            case JPEG -> new EncodedSink(target, spec, "jpeg");
            case NPY -> new NpySink(target, spec);
        };
    }

    /** An 8-bit image assembled in memory, never written: {@link EncodedSink#image()} is the result. */
    static EncodedSink inMemory(Spec spec) {
        return new EncodedSink(null, spec, "png");
    }

    /** The file written on commit (null for an in-memory sink). */
    Path target();

    Spec spec();

    /** True for JPEG, which cannot store alpha: {@link #putAlpha} is then ignored. */
    default boolean dropsAlpha() {
        return false;
    }

    /** RGB values of a {@code w} x {@code h} block (h x w x 3) at ({@code x0}, {@code y0}). */
    void putRgb(int x0, int y0, int w, int h, float[] rgb);

    /** Alpha of full-width rows [y0, y0 + rows) (rows x width values). */
    void putAlpha(int y0, int rows, float[] alpha);

    /** Encodes and renames into place. */
    void commit();

    /** Discards the output unless it was committed; closing twice is harmless. */
    @Override
    void close();

    /** Checks a block against the image, naming the sink. */
    default void checkBlock(int x0, int y0, int w, int h, int len, int channels) {
        Spec s = spec();
        if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > s.width() || y0 + h > s.height()
                || len != w * h * channels) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, target() + ": block " + w + "x" + h + " at (" + x0
                    + ", " + y0 + ") with " + len + " values does not fit a " + s.width() + "x" + s.height()
                    + " image of " + channels + " values per pixel");
        }
    }
}

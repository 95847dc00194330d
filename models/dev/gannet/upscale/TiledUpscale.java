// Runs an upscaling network over an image tile by tile (Tiles) and assembles the kept parts in an
// ImageSink, then resizes the alpha channel apart (bilinear) into it: the memory on the device is that of
// one tile, whatever the image's size.
package dev.gannet.upscale;

import dev.gannet.image.ImageSink;
import dev.gannet.image.Resize;
import dev.gannet.image.RgbImage;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;

public final class TiledUpscale {
    /** Alpha is resized this many output rows at a time, so it never needs a full-size float plane. */
    static final int ALPHA_BAND_ROWS = 256;

    /** A network on one tile: H x W x 3 RGB in, (H*scale) x (W*scale) x 3 out. */
    @FunctionalInterface
    public interface TileFunction {
        float[] apply(float[] rgb, int width, int height);
    }

    /** Called after each tile with (done, total), for progress. */
    @FunctionalInterface
    public interface Progress {
        void tileDone(int done, int total);

        Progress NONE = (d, t) -> {};
    }

    private TiledUpscale() {}

    /** The sink spec for upscaling {@code in} by {@code scale}. */
    public static ImageSink.Spec outputSpec(RgbImage in, int scale, float jpegQuality) {
        long w = (long) in.width() * scale, h = (long) in.height() * scale;
        if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "upscaling " + in.width() + "x" + in.height()
                    + " by " + scale + " is too large");
        }
        return new ImageSink.Spec((int) w, (int) h, in.gray(), in.hasAlpha(), jpegQuality);
    }

    /** Runs the tiles into {@code sink}, and also into the right third of {@code compare} when it is not null. */
    public static void run(RgbImage in, int scale, Tiles tiles, TileFunction net, ImageSink sink, Progress progress) {
        run(in, scale, tiles, net, sink, null, progress);
    }

    public static void run(RgbImage in, int scale, Tiles tiles, TileFunction net, ImageSink sink, Compare compare,
                           Progress progress) {
        ImageSink.Spec s = sink.spec();
        if (s.width() != in.width() * scale || s.height() != in.height() * scale) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "sink " + s.width() + "x" + s.height()
                    + " does not fit " + in + " upscaled by " + scale);
        }
        if (tiles.width() != in.width() || tiles.height() != in.height()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "tiles of " + tiles.width() + "x" + tiles.height()
                    + " do not fit " + in);
        }
        int done = 0;
        for (Tiles.Tile t : tiles.tiles()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new GannetException(ErrorCode.IO, "interrupted after " + done + " of " + tiles.tiles().size()
                        + " tiles");
            }
            float[] x = in.crop(t.x(), t.y(), t.w(), t.h());
            float[] y = net.apply(x, t.w(), t.h());
            int ow = t.w() * scale;
            if (y.length != (long) ow * t.h() * scale * 3) {
                throw new GannetException(ErrorCode.INTERNAL, "the network returned " + y.length + " values for a "
                        + t.w() + "x" + t.h() + " tile, expected " + (long) ow * t.h() * scale * 3);
            }
            int kx = (t.keepX() - t.x()) * scale, ky = (t.keepY() - t.y()) * scale;
            int kw = t.keepW() * scale, kh = t.keepH() * scale;
            float[] kept = kx == 0 && ky == 0 && kw == ow && kh == t.h() * scale ? y : new float[kw * kh * 3];
            if (kept != y) {
                for (int r = 0; r < kh; r++) System.arraycopy(y, ((ky + r) * ow + kx) * 3, kept, r * kw * 3, kw * 3);
            }
            sink.putRgb(t.keepX() * scale, t.keepY() * scale, kw, kh, kept);
            if (compare != null) compare.putModel(t.keepX() * scale, t.keepY() * scale, kw, kh, kept);
            progress.tileDone(++done, tiles.tiles().size());
        }
        if (in.hasAlpha() && !sink.dropsAlpha()) {
            for (int y0 = 0; y0 < s.height(); y0 += ALPHA_BAND_ROWS) {
                int rows = Math.min(ALPHA_BAND_ROWS, s.height() - y0);
                float[] band = new float[rows * s.width()];
                Resize.bilinearRows(in.alpha(), in.width(), in.height(), 1, s.width(), s.height(), y0, rows, band);
                sink.putAlpha(y0, rows, band);
            }
        }
    }
}

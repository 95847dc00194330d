// The `--compare` picture: nearest-neighbour, bicubic and the model's output side by side, each at the
// output size, so a person can see what the model adds over plain interpolation.
package dev.gannet.upscale;

import dev.gannet.image.ImageSink;
import dev.gannet.image.Resize;
import dev.gannet.image.RgbImage;
import java.nio.file.Path;

/**
 * Three panels of W x H in one 3W x H image: nearest (left), bicubic (middle), model (right). Alpha is
 * not shown. The interpolated panels are made from the whole input at once, so a comparison of a very
 * large image costs two full-size float images of memory; the model panel arrives tile by tile.
 */
public final class Compare implements AutoCloseable {
    private final ImageSink sink;
    private final int panelWidth;

    private Compare(ImageSink sink, int panelWidth) {
        this.sink = sink;
        this.panelWidth = panelWidth;
    }

    /** {@code out.png} -> {@code out-compare.png} (JPEG stays JPEG; .npy outputs get a PNG comparison). */
    public static Path pathFor(Path output) {
        String name = output.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? "png" : name.substring(dot + 1);
        if (ext.equalsIgnoreCase("npy")) ext = "png";
        return output.resolveSibling(stem + "-compare." + ext);
    }

    /** Opens the comparison for {@code in} upscaled by {@code scale} and fills its two interpolated panels. */
    public static Compare open(Path target, RgbImage in, int scale, float jpegQuality) {
        int w = in.width() * scale, h = in.height() * scale;
        ImageSink sink = ImageSink.open(target, new ImageSink.Spec(3 * w, h, in.gray(), false, jpegQuality));
        try {
            sink.putRgb(0, 0, w, h, Resize.nearest(in.rgb(), in.width(), in.height(), 3, w, h));
            float[] cubic = Resize.bicubic(in.rgb(), in.width(), in.height(), 3, w, h);
            sink.putRgb(w, 0, w, h, cubic);
            return new Compare(sink, w);
        } catch (RuntimeException e) {
            sink.close();
            throw e;
        }
    }

    public Path target() {
        return sink.target();
    }

    /** A block of the model's output, in output coordinates. */
    public void putModel(int x0, int y0, int w, int h, float[] rgb) {
        sink.putRgb(2 * panelWidth + x0, y0, w, h, rgb);
    }

    public void commit() {
        sink.commit();
    }

    @Override
    public void close() {
        sink.close();
    }
}

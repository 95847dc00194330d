// An 8-bit PNG or JPEG output assembled in a BufferedImage, encoded by javax.imageio on commit.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Values are clipped to [0, 1], scaled to 0..255 and rounded to nearest; NaN becomes 0. */
public final class EncodedSink implements ImageSink {
    private final Path target;
    private final Spec spec;
    private final String format;
    private final BufferedImage image;
    private final WritableRaster raster;
    private final int bands;
    private final boolean alpha;
    private boolean closed;

    EncodedSink(Path target, Spec spec, String format) {
        this.target = target; // null: in memory only
        this.spec = spec;
        this.format = format;
        this.alpha = spec.alpha() && !format.equals("jpeg");
        this.bands = (spec.gray() ? 1 : 3) + (alpha ? 1 : 0);
        long bytes = (long) spec.width() * spec.height() * bands;
        if (bytes > Integer.MAX_VALUE - 64) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, (target == null ? "image" : target) + ": a " + spec.width() + "x" + spec.height()
                    + " " + format.toUpperCase() + " is too large to assemble in memory; write .npy instead");
        }
        this.image = create(spec.width(), spec.height(), spec.gray(), alpha);
        this.raster = image.getRaster();
    }

    private static BufferedImage create(int w, int h, boolean gray, boolean alpha) {
        if (gray && alpha) {
            // No predefined type holds gray + alpha; PNG stores it as colour type 4.
            var cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                    Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
            return new BufferedImage(cm, cm.createCompatibleWritableRaster(w, h), false, null);
        }
        int type = gray ? BufferedImage.TYPE_BYTE_GRAY : alpha ? BufferedImage.TYPE_4BYTE_ABGR
                : BufferedImage.TYPE_3BYTE_BGR;
        return new BufferedImage(w, h, type);
    }

    @Override
    public Path target() {
        return target;
    }

    @Override
    public Spec spec() {
        return spec;
    }

    @Override
    public boolean dropsAlpha() {
        return spec.alpha() && !alpha;
    }

    static int level(float v) {
        if (!(v > 0)) return 0; // NaN and negatives
        if (v >= 1) return 255;
        return (int) (v * 255f + 0.5f);
    }

    @Override
    public synchronized void putRgb(int x0, int y0, int w, int h, float[] rgb) {
        checkOpen();
        checkBlock(x0, y0, w, h, rgb.length, 3);
        boolean gray = spec.gray();
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            if (alpha) raster.getPixels(x0, y0 + y, w, 1, row); // keep alpha already written
            for (int x = 0; x < w; x++) {
                int s = (y * w + x) * 3, d = x * bands;
                if (gray) {
                    row[d] = level((rgb[s] + rgb[s + 1] + rgb[s + 2]) / 3f);
                } else {
                    row[d] = level(rgb[s]);
                    row[d + 1] = level(rgb[s + 1]);
                    row[d + 2] = level(rgb[s + 2]);
                }
            }
            raster.setPixels(x0, y0 + y, w, 1, row);
        }
    }

    @Override
    public synchronized void putAlpha(int y0, int rows, float[] a) {
        checkOpen();
        checkBlock(0, y0, spec.width(), rows, a.length, 1);
        if (!alpha) return;
        int band = bands - 1, w = spec.width();
        int[] row = new int[w];
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < w; x++) row[x] = level(a[y * w + x]);
            raster.setSamples(0, y0 + y, w, 1, band, row);
        }
    }

    /** The assembled image (an in-memory sink's result). */
    public synchronized BufferedImage image() {
        return image;
    }

    @Override
    public synchronized void commit() {
        checkOpen();
        if (target == null) throw new IllegalStateException("an in-memory image sink has no file to commit to");
        AtomicFiles.write(target, tmp -> {
            Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
            if (!it.hasNext()) throw new GannetException(ErrorCode.INTERNAL, "no ImageIO writer for " + format);
            ImageWriter w = it.next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
                ImageWriteParam p = w.getDefaultWriteParam();
                if (format.equals("jpeg")) {
                    p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    p.setCompressionQuality(spec.jpegQuality());
                }
                w.setOutput(out);
                w.write(null, new IIOImage(image, null, null), p);
            } finally {
                w.dispose();
            }
        });
        closed = true;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("image sink for " + target + " is closed");
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}

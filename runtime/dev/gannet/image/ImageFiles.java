// Reading images for the models: PNG and JPEG (and the other formats javax.imageio has a reader for)
// and .npy arrays, into RgbImage; every failure is a GannetException naming the file and why.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * The size in the file's header is checked against {@link #maxPixels()} before any pixel is decoded, so a
 * small file claiming a huge image (a decompression bomb) costs nothing. A decoder warning that means the
 * data ended early or is corrupt (the JPEG decoders report truncation only as a warning, then return a
 * half-grey image) is an error too.
 */
public final class ImageFiles {
    /** Default bound on width x height: 100 megapixels, about 1.2 GB as float RGB. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    /** The extensions a directory run picks up. */
    public static final List<String> INPUT_EXTENSIONS = List.of("png", "jpg", "jpeg", "npy");
    // Only warnings about the image data itself: metadata warnings (an odd ICC profile, say) leave a good image.
    private static final Pattern DAMAGE = Pattern.compile("(?i)premature|corrupt|truncat|end of (file|stream)"
            + "|unexpected end");

    static {
        ImageIO.setUseCache(false); // decode in memory, not through temporary files
    }

    private ImageFiles() {}

    /** The bound on width x height: {@code -Dgannet.image.maxPixels}, else {@link #DEFAULT_MAX_PIXELS}. */
    public static long maxPixels() {
        String p = System.getProperty("gannet.image.maxPixels");
        if (p == null) return DEFAULT_MAX_PIXELS;
        try {
            long v = Long.parseLong(p.strip());
            if (v > 0) return v;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "-Dgannet.image.maxPixels=" + p
                + " is not a positive number of pixels");
    }

    /** The extension of a file name, lower case, without the dot ("" when there is none). */
    public static String extension(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Whether a directory run takes this file (by extension; hidden files and temporaries are skipped). */
    public static boolean isInput(Path file) {
        String n = file.getFileName().toString();
        return !n.startsWith(".") && INPUT_EXTENSIONS.contains(extension(file)) && Files.isRegularFile(file);
    }

    public static RgbImage read(Path file) {
        return read(file, maxPixels());
    }

    /** Decodes a PNG, JPEG or .npy file (recognised by content, not by name). */
    public static RgbImage read(Path file, long maxPixels) {
        byte[] head = new byte[8];
        int got;
        try (InputStream in = Files.newInputStream(file)) {
            got = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new GannetException(ErrorCode.IO, file + ": no such file", e);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, file + ": cannot read: " + e.getMessage(), e);
        }
        if (Files.isDirectory(file)) throw new GannetException(ErrorCode.IO, file + ": is a directory, not an image");
        if (got == 0) throw bad(file, "is empty");
        if (Npy.isNpy(head)) return Npy.read(file, maxPixels);
        return decode(file, maxPixels, head, got);
    }

    private static RgbImage decode(Path file, long maxPixels, byte[] head, int got) {
        try (ImageInputStream iis = ImageIO.createImageInputStream(file.toFile())) {
            if (iis == null) throw new GannetException(ErrorCode.IO, file + ": cannot open");
            Iterator<ImageReader> it = ImageIO.getImageReaders(iis);
            if (!it.hasNext()) {
                throw bad(file, "is not an image gannet can read (PNG, JPEG or .npy); it starts with bytes "
                        + hex(head, got));
            }
            ImageReader reader = it.next();
            try {
                reader.setInput(iis, true, true);
                Npy.checkSize(file, reader.getWidth(0), reader.getHeight(0), maxPixels);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                    @Override
                    public void warningOccurred(ImageReader source, String warning) {
                        warnings.add(warning);
                    }
                });
                BufferedImage im = reader.read(0);
                for (String w : warnings) {
                    if (DAMAGE.matcher(w).find()) throw bad(file, "is damaged: " + w);
                }
                return toRgb(im);
            } finally {
                reader.dispose();
            }
        } catch (GannetException e) {
            throw e;
        } catch (IOException e) {
            throw bad(file, "cannot be decoded (truncated or corrupt): " + message(e));
        } catch (RuntimeException e) {
            // Decoders signal some malformed streams with unchecked exceptions (array bounds, negative sizes).
            throw bad(file, "cannot be decoded (corrupt): " + message(e));
        }
    }

    /** The pixels of a decoded image as RgbImage; 8- and 16-bit gray and sRGB are read exactly. */
    public static RgbImage toRgb(BufferedImage im) {
        int w = im.getWidth(), h = im.getHeight();
        ColorModel cm = im.getColorModel();
        Raster r = im.getRaster();
        int colors = cm.getNumColorComponents();
        boolean alpha = cm.hasAlpha();
        ColorSpace cs = cm.getColorSpace();
        boolean direct = cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied()
                && ((colors == 3 && cs.isCS_sRGB()) || (colors == 1 && cs.getType() == ColorSpace.TYPE_GRAY))
                && r.getNumBands() == colors + (alpha ? 1 : 0);
        float[] rgb = new float[w * h * 3];
        float[] a = alpha ? new float[w * h] : null;
        if (direct) {
            int bands = r.getNumBands();
            float[] max = new float[bands];
            for (int b = 0; b < bands; b++) max[b] = (float) ((1L << cm.getComponentSize(b)) - 1);
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int i = y * w + x, s = x * bands;
                    if (colors == 1) {
                        float v = row[s] / max[0];
                        rgb[i * 3] = v;
                        rgb[i * 3 + 1] = v;
                        rgb[i * 3 + 2] = v;
                    } else {
                        for (int c = 0; c < 3; c++) rgb[i * 3 + c] = row[s + c] / max[c];
                    }
                    if (alpha) a[i] = row[s + colors] / max[colors];
                }
            }
            return new RgbImage(w, h, rgb, a, colors == 1);
        }
        // Palettes, packed ints, other colour spaces (ICC profiles, CMYK converted by the decoder): sRGB via Java2D.
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            im.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0; x < w; x++) {
                int p = argb[x], i = y * w + x;
                int rr = (p >> 16) & 0xff, gg = (p >> 8) & 0xff, bb = p & 0xff;
                rgb[i * 3] = rr / 255f;
                rgb[i * 3 + 1] = gg / 255f;
                rgb[i * 3 + 2] = bb / 255f;
                if (alpha) a[i] = (p >>> 24) / 255f;
            }
        }
        return new RgbImage(w, h, rgb, a, colors == 1);
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(String.format("%02x", b[i] & 0xff));
        return sb.toString();
    }

    static GannetException bad(Path file, String why) {
        return new GannetException(ErrorCode.FORMAT, file + ": " + why);
    }
}

// Image I/O: decoding PNG (8/16-bit, gray, alpha, palette), JPEG (baseline, progressive) and .npy into
// RgbImage; encoding by extension through ImageSink; malformed, truncated and oversized files rejected
// with a FORMAT error naming the file; nothing left behind by an output that was not committed.
package dev.gannet.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFilesTest {
    @TempDir
    Path dir;

    /** A deterministic RGB test pattern as 8-bit levels. */
    static int[] levels(int w, int h, int bands, long seed) {
        Random r = new Random(seed);
        int[] v = new int[w * h * bands];
        for (int i = 0; i < v.length; i++) v[i] = r.nextInt(256);
        return v;
    }

    static Path writeWithImageIo(Path file, BufferedImage im, String format) throws IOException {
        assertThat(ImageIO.write(im, format, file.toFile())).as("ImageIO has a %s writer", format).isTrue();
        return file;
    }

    @Test
    void rgbPngDecodesToExactLevels() throws IOException {
        int w = 7, h = 5;
        int[] px = levels(w, h, 3, 1);
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        im.getRaster().setPixels(0, 0, w, h, px);
        RgbImage r = ImageFiles.read(writeWithImageIo(dir.resolve("a.png"), im, "png"));
        assertThat(r.width()).isEqualTo(w);
        assertThat(r.height()).isEqualTo(h);
        assertThat(r.gray()).isFalse();
        assertThat(r.hasAlpha()).isFalse();
        for (int i = 0; i < px.length; i++) assertThat(r.rgb()[i]).isEqualTo(px[i] / 255f);
    }

    @Test
    void grayPngIsMarkedGrayAndReadWithoutGammaConversion() throws IOException {
        int w = 9, h = 4;
        int[] px = levels(w, h, 1, 2);
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        im.getRaster().setPixels(0, 0, w, h, px);
        RgbImage r = ImageFiles.read(writeWithImageIo(dir.resolve("g.png"), im, "png"));
        assertThat(r.gray()).isTrue();
        assertThat(r.sourceChannels()).isEqualTo(1);
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) assertThat(r.rgb()[i * 3 + c]).isEqualTo(px[i] / 255f);
        }
    }

    @Test
    void sixteenBitGrayIsScaledBy65535() throws IOException {
        int w = 3, h = 2;
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
        int[] px = {0, 1, 256, 32768, 65534, 65535};
        im.getRaster().setPixels(0, 0, w, h, px);
        RgbImage r = ImageFiles.read(writeWithImageIo(dir.resolve("g16.png"), im, "png"));
        for (int i = 0; i < px.length; i++) assertThat(r.rgb()[i * 3]).isEqualTo(px[i] / 65535f);
    }

    @Test
    void alphaIsKeptApart() throws IOException {
        int w = 4, h = 4;
        int[] px = levels(w, h, 4, 3);
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
        im.getRaster().setPixels(0, 0, w, h, px);
        RgbImage r = ImageFiles.read(writeWithImageIo(dir.resolve("rgba.png"), im, "png"));
        assertThat(r.hasAlpha()).isTrue();
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) assertThat(r.rgb()[i * 3 + c]).isEqualTo(px[i * 4 + c] / 255f);
            assertThat(r.alpha()[i]).isEqualTo(px[i * 4 + 3] / 255f);
        }
    }

    @Test
    void palettePngIsReadThroughItsPalette() throws IOException {
        byte[] red = {(byte) 255, 0, 10}, green = {0, (byte) 128, 20}, blue = {0, 0, 30};
        var cm = new IndexColorModel(8, 3, red, green, blue);
        BufferedImage im = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, cm);
        im.getRaster().setPixels(0, 0, 3, 1, new int[] {0, 1, 2});
        RgbImage r = ImageFiles.read(writeWithImageIo(dir.resolve("p.png"), im, "png"));
        assertThat(r.rgb()).containsExactly(1f, 0f, 0f, 0f, 128 / 255f, 0f, 10 / 255f, 20 / 255f, 30 / 255f);
    }

    @Test
    void baselineAndProgressiveJpegDecodeCloseToTheirSource() throws IOException {
        int w = 64, h = 48;
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) im.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 128);
        for (boolean progressive : new boolean[] {false, true}) {
            Path f = dir.resolve(progressive ? "p.jpg" : "b.jpg");
            writeJpeg(im, f, progressive);
            RgbImage r = ImageFiles.read(f);
            assertThat(r.width()).isEqualTo(w);
            double maxErr = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = im.getRGB(x, y);
                    int i = (y * w + x) * 3;
                    maxErr = Math.max(maxErr, Math.abs(r.rgb()[i] * 255 - ((p >> 16) & 0xff)));
                    maxErr = Math.max(maxErr, Math.abs(r.rgb()[i + 2] * 255 - (p & 0xff)));
                }
            }
            assertThat(maxErr).as("JPEG (progressive %s) error in levels on a smooth gradient", progressive)
                    .isLessThan(12);
        }
    }

    static void writeJpeg(BufferedImage im, Path f, boolean progressive) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(f.toFile())) {
            ImageWriteParam p = w.getDefaultWriteParam();
            if (progressive) p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.95f);
            w.setOutput(out);
            w.write(null, new IIOImage(im, null, null), p);
        } finally {
            w.dispose();
        }
    }

    // ---- malformed inputs -----------------------------------------------------------------------

    static void assertFormatError(Path f, String why) {
        assertThatThrownBy(() -> ImageFiles.read(f)).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.FORMAT);
            assertThat(e.detail()).startsWith(f.toString()).containsIgnoringCase(why);
        });
    }

    @Test
    void truncatedPngAndJpegAreFormatErrorsNamingTheFile() throws IOException {
        BufferedImage im = new BufferedImage(200, 150, BufferedImage.TYPE_3BYTE_BGR);
        im.getRaster().setPixels(0, 0, 200, 150, levels(200, 150, 3, 4));
        byte[] png = bytes(im, "png");
        Path p = dir.resolve("cut.png");
        Files.write(p, Arrays.copyOf(png, png.length / 2));
        assertFormatError(p, "truncated");
        Path j = dir.resolve("cut.jpg");
        writeJpeg(im, j, false);
        byte[] jpg = Files.readAllBytes(j);
        Files.write(j, Arrays.copyOf(jpg, jpg.length / 2));
        assertFormatError(j, "");
        Path jp = dir.resolve("cutp.jpg");
        writeJpeg(im, jp, true);
        byte[] jpgp = Files.readAllBytes(jp);
        Files.write(jp, Arrays.copyOf(jpgp, jpgp.length / 3));
        assertFormatError(jp, "");
    }

    @Test
    void notAnImageEmptyMissingAndDirectory() throws IOException {
        Path t = Files.writeString(dir.resolve("notes.png"), "hello, not a picture");
        assertFormatError(t, "not an image gannet can read");
        Path e = Files.write(dir.resolve("empty.png"), new byte[0]);
        assertFormatError(e, "empty");
        assertThatThrownBy(() -> ImageFiles.read(dir.resolve("missing.png")))
                .isInstanceOfSatisfying(GannetException.class, x -> {
                    assertThat(x.code()).isEqualTo(ErrorCode.IO);
                    assertThat(x.detail()).contains("missing.png").contains("no such file");
                });
        assertThatThrownBy(() -> ImageFiles.read(dir)).isInstanceOf(GannetException.class)
                .hasMessageContaining("directory");
    }

    /** A valid PNG signature and IHDR claiming 100000 x 100000, then garbage: rejected from the header alone. */
    @Test
    void decompressionBombIsRejectedFromTheHeader() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + 12).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(b, "IHDR", ByteBuffer.allocate(13).putInt(100_000).putInt(100_000).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(b, "IDAT", new byte[0]);
        chunk(b, "IEND", new byte[0]);
        Path f = Files.write(dir.resolve("bomb.png"), b.array());
        long before = usedHeap();
        assertFormatError(f, "claims 100000x100000 pixels");
        assertThat(usedHeap() - before).as("heap grown while rejecting the bomb").isLessThan(64L << 20);
        // The same size is readable when the limit allows it: the check is the limit, not the format.
        assertThatThrownBy(() -> ImageFiles.read(f, 1L << 40)).isInstanceOf(GannetException.class)
                .hasMessageNotContaining("claims");
    }

    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static void chunk(ByteBuffer b, String type, byte[] data) {
        b.putInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        b.put(t).put(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt((int) crc.getValue());
    }

    static byte[] bytes(BufferedImage im, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, format, out);
        return out.toByteArray();
    }

    // ---- .npy -----------------------------------------------------------------------------------

    /** An .npy file written byte by byte here, independently of Npy.header. */
    static Path npy(Path f, String descr, String shape, byte[] data) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        return Files.write(f, b.array());
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    @Test
    void npyFloatRgbGrayRgbaAndUint8() throws IOException {
        RgbImage rgb = ImageFiles.read(npy(dir.resolve("a.npy"), "<f4", "(1, 2, 3)", f32(0.1f, 0.2f, 0.3f, 1.5f, -1f,
                0f)));
        assertThat(rgb.rgb()).containsExactly(0.1f, 0.2f, 0.3f, 1.5f, -1f, 0f);
        assertThat(rgb.gray()).isFalse();
        RgbImage gray = ImageFiles.read(npy(dir.resolve("g.npy"), "<f4", "(2, 1)", f32(0.25f, 0.75f)));
        assertThat(gray.gray()).isTrue();
        assertThat(gray.rgb()).containsExactly(0.25f, 0.25f, 0.25f, 0.75f, 0.75f, 0.75f);
        RgbImage rgba = ImageFiles.read(npy(dir.resolve("r.npy"), "<f4", "(1, 1, 4)", f32(1, 0, 0.5f, 0.25f)));
        assertThat(rgba.rgb()).containsExactly(1f, 0f, 0.5f);
        assertThat(rgba.alpha()).containsExactly(0.25f);
        RgbImage u8 = ImageFiles.read(npy(dir.resolve("u.npy"), "|u1", "(1, 1, 3)", new byte[] {0, (byte) 255, 51}));
        assertThat(u8.rgb()).containsExactly(0f, 1f, 0.2f);
    }

    @Test
    void malformedNpyFilesNameTheProblem() throws IOException {
        assertFormatError(npy(dir.resolve("t.npy"), "<f4", "(2, 2, 3)", f32(1, 2, 3)), "truncated");
        assertFormatError(npy(dir.resolve("d.npy"), "<f8", "(1, 1, 3)", new byte[24]), "'<f8'");
        assertFormatError(npy(dir.resolve("c.npy"), "<f4", "(1, 1, 5)", f32(1, 2, 3, 4, 5)), "5 channels");
        assertFormatError(npy(dir.resolve("s.npy"), "<f4", "(3,)", f32(1, 2, 3)), "H x W");
        assertFormatError(npy(dir.resolve("z.npy"), "<f4", "(0, 4, 3)", new byte[0]), "empty");
        assertFormatError(npy(dir.resolve("big.npy"), "<f4", "(100000, 100000, 3)", new byte[0]), "claims");
        Path f = npy(dir.resolve("f.npy"), "<f4", "(1, 1, 3)", f32(1, 2, 3));
        byte[] b = Files.readAllBytes(f);
        String s = new String(b, StandardCharsets.ISO_8859_1).replace("'fortran_order': False",
                "'fortran_order': True ");
        Files.write(f, s.getBytes(StandardCharsets.ISO_8859_1));
        assertFormatError(f, "Fortran");
        assertFormatError(Files.write(dir.resolve("h.npy"), Arrays.copyOf(b, 9)), "too short");
    }

    // ---- writing --------------------------------------------------------------------------------

    @Test
    void pngSinkRoundsClipsAndKeepsGrayAndAlpha() {
        Path out = dir.resolve("o.png");
        try (ImageSink s = ImageSink.open(out, new ImageSink.Spec(2, 1, false, true, 0.9f))) {
            s.putRgb(0, 0, 2, 1, new float[] {0.5f, 1.2f, -0.1f, Float.NaN, 0.002f, 0.998f});
            s.putAlpha(0, 1, new float[] {1f, 0.5f});
            assertThat(out).doesNotExist();
            s.commit();
        }
        RgbImage r = ImageFiles.read(out);
        assertThat(r.rgb()).containsExactly(128 / 255f, 1f, 0f, 0f, 1 / 255f, 254 / 255f);
        assertThat(r.alpha()).containsExactly(1f, 128 / 255f);
        Path g = dir.resolve("g.png");
        try (ImageSink s = ImageSink.open(g, new ImageSink.Spec(1, 1, true, true, 0.9f))) {
            s.putRgb(0, 0, 1, 1, new float[] {0.2f, 0.4f, 0.6f});
            s.putAlpha(0, 1, new float[] {0.2f});
            s.commit();
        }
        RgbImage gr = ImageFiles.read(g);
        assertThat(gr.gray()).isTrue();
        assertThat(gr.rgb()[0]).isEqualTo(102 / 255f);
        assertThat(gr.alpha()).containsExactly(51 / 255f);
    }

    @Test
    void jpegSinkDropsAlphaAndHonoursQuality() throws IOException {
        int w = 64, h = 64;
        float[] rgb = new float[w * h * 3];
        Random rnd = new Random(5);
        for (int i = 0; i < rgb.length; i++) rgb[i] = rnd.nextFloat();
        long[] sizes = new long[2];
        float[] qs = {0.3f, 0.95f};
        for (int k = 0; k < 2; k++) {
            Path out = dir.resolve("q" + k + ".jpg");
            try (ImageSink s = ImageSink.open(out, new ImageSink.Spec(w, h, false, true, qs[k]))) {
                assertThat(s.dropsAlpha()).isTrue();
                s.putRgb(0, 0, w, h, rgb);
                s.putAlpha(0, h, new float[w * h]);
                s.commit();
            }
            assertThat(ImageFiles.read(out).hasAlpha()).isFalse();
            sizes[k] = Files.size(out);
        }
        assertThat(sizes[1]).as("quality 0.95 makes a larger file than 0.3").isGreaterThan(sizes[0]);
    }

    @Test
    void npySinkStoresTheValuesAsGiven() throws IOException {
        Path out = dir.resolve("o.npy");
        try (ImageSink s = ImageSink.open(out, new ImageSink.Spec(2, 2, false, true, 0.9f))) {
            s.putRgb(1, 0, 1, 2, new float[] {1.5f, -0.25f, 0.5f, 0.1f, 0.2f, 0.3f});
            s.putRgb(0, 0, 1, 2, new float[] {1, 2, 3, 4, 5, 6});
            s.putAlpha(0, 2, new float[] {0.1f, 0.2f, 0.3f, 0.4f});
            s.commit();
        }
        byte[] b = Files.readAllBytes(out);
        String head = new String(b, 10, 118, StandardCharsets.ISO_8859_1);
        assertThat(head).contains("'descr': '<f4'").contains("'shape': (2, 2, 4)").endsWith("\n");
        assertThat((10 + (b[8] & 0xff) + ((b[9] & 0xff) << 8)) % 64).as("header padded to 64 bytes").isZero();
        ByteBuffer data = ByteBuffer.wrap(b, 128, b.length - 128).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) v[i] = data.getFloat();
        assertThat(v).containsExactly(1, 2, 3, 0.1f, 1.5f, -0.25f, 0.5f, 0.2f, 4, 5, 6, 0.3f, 0.1f, 0.2f, 0.3f, 0.4f);
        RgbImage back = ImageFiles.read(out);
        assertThat(back.alpha()).containsExactly(0.1f, 0.2f, 0.3f, 0.4f);
    }

    @Test
    void unknownOutputExtensionListsTheKnownOnes() {
        assertThatThrownBy(() -> ImageSink.open(dir.resolve("x.tiff"), new ImageSink.Spec(1, 1, false, false, 1f)))
                .isInstanceOf(GannetException.class).hasMessageContaining(".png, .jpg");
    }

    @Test
    void anUncommittedSinkLeavesNoFileNorTemporary() throws IOException {
        for (String name : new String[] {"u.png", "u.npy"}) {
            Path out = dir.resolve(name);
            try (ImageSink s = ImageSink.open(out, new ImageSink.Spec(8, 8, false, false, 0.9f))) {
                s.putRgb(0, 0, 8, 8, new float[8 * 8 * 3]);
            }
            assertThat(out).doesNotExist();
        }
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
        assertThat(AtomicFiles.liveCount()).isZero();
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporary() throws IOException {
        Path out = Files.writeString(dir.resolve("keep.txt"), "old");
        assertThatThrownBy(() -> AtomicFiles.write(out, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        })).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.IO);
            assertThat(e.detail()).contains("keep.txt").contains("disk full");
        });
        assertThat(Files.readString(out)).isEqualTo("old");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("keep.txt");
        }
    }

    @Test
    void rasterWithUnusualLayoutStillReads() {
        // A BufferedImage built by hand (as an embedding app might pass one) goes through toRgb directly.
        BufferedImage im = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        im.setRGB(0, 0, 0x80ff0000);
        im.setRGB(1, 0, 0xff00ff00);
        RgbImage r = ImageFiles.toRgb(im);
        assertThat(r.rgb()).containsExactly(1f, 0f, 0f, 0f, 1f, 0f);
        assertThat(r.alpha()[0]).isCloseTo(128 / 255f, within(1e-6f));
        WritableRaster unused = im.getRaster();
        assertThat(unused.getDataBuffer().getDataType()).isEqualTo(DataBuffer.TYPE_INT);
    }
}

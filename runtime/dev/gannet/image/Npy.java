// NumPy .npy files of images: reads float32 (or uint8) arrays H x W, H x W x 1, 3 or 4; writes float32
// H x W x C little-endian, C order. The header is parsed strictly, and the data size is checked against
// the file size before anything is allocated.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class Npy {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers are a few dozen bytes; numpy itself refuses more than 10,000 when reading. */
    static final int MAX_HEADER_BYTES = 10_000;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /** What the header says: element type, and the dimensions H, W, C (C = 1 for a 2-D array). */
    public record Header(String descr, int height, int width, int channels, long dataOffset) {
        int itemSize() {
            return descr.equals("<f4") ? 4 : 1;
        }
    }

    /** Whether a file starts like an .npy file. */
    static boolean isNpy(byte[] head) {
        if (head.length < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (head[i] != MAGIC[i]) return false;
        return true;
    }

    /** Reads an image array; {@code maxPixels} bounds H x W before the data is read. */
    public static RgbImage read(Path file, long maxPixels) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = header(file, ch, maxPixels);
            long count = (long) h.height() * h.width() * h.channels();
            long need = h.dataOffset() + count * h.itemSize();
            if (ch.size() != need) {
                throw bad(file, "the header's shape " + h.height() + "x" + h.width() + "x" + h.channels() + " of "
                        + h.descr() + " needs " + need + " bytes, the file has " + ch.size()
                        + (ch.size() < need ? " (truncated)" : ""));
            }
            if (count * h.itemSize() > Integer.MAX_VALUE - 16) {
                throw bad(file, "holds " + count + " values, more than one Java array can take");
            }
            ByteBuffer data = ByteBuffer.allocate((int) (count * h.itemSize())).order(ByteOrder.LITTLE_ENDIAN);
            ch.position(h.dataOffset());
            while (data.hasRemaining()) {
                if (ch.read(data) < 0) throw bad(file, "ends before its data does (truncated)");
            }
            data.flip();
            return toImage(h, data);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, file + ": cannot read: " + e.getMessage(), e);
        }
    }

    static Header header(Path file, FileChannel ch, long maxPixels) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        while (pre.hasRemaining() && ch.read(pre) >= 0) {
            // read until the fixed prefix is complete or the file ends
        }
        if (pre.position() < 10) throw bad(file, "is too short for an .npy header (truncated)");
        byte[] magic = new byte[6];
        pre.flip();
        pre.get(magic);
        if (!isNpy(magic)) throw bad(file, "does not start with the .npy magic \\x93NUMPY");
        int major = pre.get() & 0xff;
        pre.get(); // minor version: no meaning for the layout
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort() & 0xffff;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (pre.remaining() < 4) throw bad(file, "is too short for an .npy header (truncated)");
            headerLen = pre.getInt() & 0xffffffffL;
            prefix = 12;
        } else {
            throw bad(file, "has .npy format version " + major + ", gannet reads versions 1 to 3");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw bad(file, "claims an .npy header of " + headerLen + " bytes (more than " + MAX_HEADER_BYTES + ")");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        ch.position(prefix);
        while (hb.hasRemaining()) {
            if (ch.read(hb) < 0) throw bad(file, "ends inside its .npy header (truncated)");
        }
        String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(file, DESCR, text, "descr");
        if (!descr.equals("<f4") && !descr.equals("|u1") && !descr.equals("<u1")) {
            throw bad(file, "holds '" + descr + "' values; gannet reads float32 ('<f4') or uint8 ('|u1') images");
        }
        if (group(file, FORTRAN, text, "fortran_order").equals("True")) {
            throw bad(file, "is in Fortran (column-major) order; save it with numpy's default C order");
        }
        String[] dims = group(file, SHAPE, text, "shape").split(",");
        int n = 0;
        long[] shape = new long[3];
        for (String d : dims) {
            if (d.isBlank()) continue;
            if (n == 3) throw bad(file, "has shape (" + String.join(",", dims) + "); an image is H x W or H x W x C");
            try {
                shape[n++] = Long.parseLong(d.strip());
            } catch (NumberFormatException e) {
                throw bad(file, "has a shape entry '" + d.strip() + "' that is not a number");
            }
        }
        if (n < 2) throw bad(file, "has shape (" + String.join(",", dims) + "); an image is H x W or H x W x C");
        long c = n == 3 ? shape[2] : 1;
        if (c != 1 && c != 3 && c != 4) {
            throw bad(file, "has " + c + " channels; gannet reads 1 (gray), 3 (RGB) or 4 (RGBA)");
        }
        checkSize(file, shape[1], shape[0], maxPixels);
        return new Header(descr.equals("<u1") ? "|u1" : descr, (int) shape[0], (int) shape[1], (int) c,
                prefix + headerLen);
    }

    /** Rejects empty images and more than {@code maxPixels} pixels (a decompression bomb, or a typo). */
    static void checkSize(Path file, long width, long height, long maxPixels) {
        if (width <= 0 || height <= 0) throw bad(file, "is " + width + "x" + height + ", an empty image");
        if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || width * height > maxPixels) {
            throw bad(file, "claims " + width + "x" + height + " pixels, more than the " + maxPixels
                    + " gannet accepts (set -Dgannet.image.maxPixels to allow more)");
        }
    }

    private static RgbImage toImage(Header h, ByteBuffer data) {
        int w = h.width(), hh = h.height(), c = h.channels();
        int n = w * hh;
        float[] rgb = new float[n * 3];
        float[] alpha = c == 4 ? new float[n] : null;
        boolean f32 = h.itemSize() == 4;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                float v = f32 ? data.getFloat() : (data.get() & 0xff) / 255f;
                if (k == 3) alpha[i] = v;
                else if (c == 1) {
                    rgb[i * 3] = v;
                    rgb[i * 3 + 1] = v;
                    rgb[i * 3 + 2] = v;
                } else rgb[i * 3 + k] = v;
            }
        }
        return new RgbImage(w, hh, rgb, alpha, c == 1);
    }

    private static String group(Path file, Pattern p, String text, String key) {
        Matcher m = p.matcher(text);
        if (!m.find()) throw bad(file, "has an .npy header without a valid '" + key + "' entry: " + text.strip());
        return m.group(1);
    }

    /** The complete header (magic, version 1.0, dict, padding to 64 bytes) of a float32 H x W x C array. */
    public static byte[] header(int height, int width, int channels) {
        return header(height + ", " + width + ", " + channels);
    }

    /** The bytes of a whole float32 array of {@code dims} (C order) holding {@code values}. */
    public static byte[] encode(float[] values, int... dims) {
        long n = 1;
        StringBuilder shape = new StringBuilder();
        for (int d : dims) {
            n *= d;
            shape.append(shape.isEmpty() ? "" : ", ").append(d);
        }
        if (dims.length == 1) shape.append(',');
        if (n != values.length) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "an array of shape (" + shape + ") holds " + n
                    + " values, got " + values.length);
        }
        byte[] h = header(shape.toString());
        ByteBuffer b = ByteBuffer.allocate(h.length + values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(h);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    private static byte[] header(String shape) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        StringBuilder sb = new StringBuilder(dict);
        while (10 + sb.length() + 1 < total) sb.append(' ');
        sb.append('\n');
        byte[] text = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return b.array();
    }

    private static GannetException bad(Path file, String why) {
        return new GannetException(ErrorCode.FORMAT, file + ": " + why);
    }
}

// Safetensors: write/read round trips (bytes equal, every dtype gannet uses), a file built by hand
// from the format's description, and malformed files that must each be a FORMAT error.
package dev.gannet.models.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] f16Bits(short... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : bits) b.putShort(s);
        return b.array();
    }

    @Test
    void roundTripKeepsEveryByte() throws IOException {
        // F16 edge cases: +-0, smallest subnormal, largest normal, +-inf, a NaN with payload.
        byte[] half = f16Bits((short) 0x0000, (short) 0x8000, (short) 0x0001, (short) 0x7BFF, (short) 0x7C00,
                (short) 0xFC00, (short) 0x7E01, (short) 0x3C00);
        List<SafeTensor> in = List.of(
                SafeTensor.ofBytes("conv.weight", SafetensorsDType.F32, List.of(4L, 3L, 3L, 2L), randomBytes(288, 1)),
                SafeTensor.ofBytes("h", SafetensorsDType.F16, List.of(2L, 4L), half),
                SafeTensor.ofBytes("b", SafetensorsDType.BF16, List.of(5L), randomBytes(10, 2)),
                SafeTensor.ofBytes("idx", SafetensorsDType.I32, List.of(3L), randomBytes(12, 3)),
                SafeTensor.ofBytes("img", SafetensorsDType.U8, List.of(1L, 3L, 3L, 1L), randomBytes(9, 4)),
                SafeTensor.ofBytes("empty", SafetensorsDType.F32, List.of(0L, 7L), new byte[0]),
                SafeTensor.ofBytes("scalar", SafetensorsDType.F32, List.of(), randomBytes(4, 5)));
        Path f = dir.resolve("model.safetensors");
        Safetensors.write(f, Map.of("format", "pt", "gannet", "test"), in);
        try (Safetensors st = Safetensors.open(f)) {
            assertThat(st.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "gannet", "test"));
            assertThat(st.names()).containsExactlyInAnyOrder("conv.weight", "h", "b", "idx", "img", "empty", "scalar");
            for (SafeTensor t : in) {
                SafeTensor r = st.tensor(t.name());
                assertThat(r.dtype()).isEqualTo(t.dtype());
                assertThat(r.shape()).isEqualTo(t.shape());
                assertThat(r.data().mismatch(t.data())).as(t.name()).isEqualTo(-1L);
                // Zero copy: the data is a slice of the file mapping, aligned to its element size.
                assertThat(r.data().isMapped()).isTrue();
                assertThat(r.data().isReadOnly()).isTrue();
                assertThat(r.data().address() % t.dtype().size()).isZero();
            }
            assertThat(st.tensor("h").toFloatArray()).containsExactly(0f, -0f, 0x1p-24f, 65504f,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("model.safetensors");
        }
    }

    @Test
    void floatsConvertToAndFromF16AndBf16() {
        float[] v = {1f, -2.5f, 0.1f, 65504f, 3.0e-8f};
        assertThat(SafeTensor.ofFloats("a", SafetensorsDType.F32, List.of(5L), v).toFloatArray()).containsExactly(v);
        float[] h = SafeTensor.ofFloats("a", SafetensorsDType.F16, List.of(5L), v).toFloatArray();
        for (int i = 0; i < v.length; i++) assertThat(h[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(v[i])));
        // bf16 keeps the top 16 bits, rounding to nearest even: 0.1f = 0x3DCCCCCD -> 0x3DCD.
        float[] b = SafeTensor.ofFloats("a", SafetensorsDType.BF16, List.of(5L), v).toFloatArray();
        assertThat(b[0]).isEqualTo(1f);
        assertThat(b[1]).isEqualTo(-2.5f);
        assertThat(Float.floatToRawIntBits(b[2])).isEqualTo(0x3DCD0000);
        assertThat(Float.isNaN(SafeTensor.ofFloats("n", SafetensorsDType.BF16, List.of(1L), new float[] {Float.NaN})
                .toFloatArray()[0])).isTrue();
    }

    /** A file assembled from the format description alone: u64 LE header size, JSON, padding, data. */
    static byte[] file(String headerJson, byte[] data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    @Test
    void readsAHandMadeFile() throws IOException {
        byte[] data = new byte[12 + 4];
        ByteBuffer d = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        d.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).putShort((short) 0x3C00).putShort((short) 0xC000);
        // Header out of data order and padded with spaces, as the spec allows.
        String header = "{\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[12,16]},"
                + "\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1,3],\"data_offsets\":[0,12]}}   ";
        Path f = dir.resolve("hand.safetensors");
        Files.write(f, file(header, data));
        try (Safetensors st = Safetensors.open(f)) {
            assertThat(st.names()).containsExactly("a", "b");
            assertThat(st.metadata()).containsExactly(Map.entry("k", "v"));
            assertThat(st.tensor("a").toFloatArray()).containsExactly(1.5f, -2f, 0.25f);
            assertThat(st.tensor("b").toFloatArray()).containsExactly(1f, -2f);
            assertThat(st.tensor("a").byteBuffer().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(st.tensor("a").byteBuffer().getFloat(4)).isEqualTo(-2f);
        }
    }

    @Test
    void writtenFilesFollowTheLayoutRules() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of(), List.of(
                SafeTensor.ofBytes("u", SafetensorsDType.U8, List.of(3L), new byte[] {1, 2, 3}),
                SafeTensor.ofFloats("f", SafetensorsDType.F32, List.of(2L), new float[] {1f, 2f})));
        byte[] b = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat((8 + n) % 8).as("data starts 8-aligned").isZero();
        assertThat(b[8]).isEqualTo((byte) '{');
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header.strip()).isEqualTo("{\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11]}}");
        assertThat(b.length).isEqualTo(8 + n + 11);
        assertThat(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getFloat((int) (8 + n + 4))).isEqualTo(2f);
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTempFiles() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, null, List.of(SafeTensor.ofFloats("x", SafetensorsDType.F32, List.of(1L), new float[] {1})));
        try (Safetensors old = Safetensors.open(f)) {
            // Rewriting while the old file is mapped: the mapping keeps the old bytes, the path gets the new.
            Safetensors.write(f, null, List.of(old.tensor("x"),
                    SafeTensor.ofFloats("y", SafetensorsDType.F32, List.of(1L), new float[] {2})));
            assertThat(old.tensor("x").toFloatArray()).containsExactly(1f);
        }
        try (Safetensors now = Safetensors.open(f)) {
            assertThat(now.names()).containsExactly("x", "y");
        }
        // A rejected write touches nothing.
        byte[] before = Files.readAllBytes(f);
        assertThatThrownBy(() -> Safetensors.write(f, null, List.of(
                SafeTensor.ofFloats("x", SafetensorsDType.F32, List.of(1L), new float[] {1}),
                SafeTensor.ofFloats("x", SafetensorsDType.F32, List.of(1L), new float[] {1}))))
                .isInstanceOfSatisfying(GannetException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("'x'", "twice");
                });
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("m.safetensors");
        }
        assertThat(Files.getPosixFilePermissions(f)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    }

    @Test
    void tensorsRefuseDataOfTheWrongSize() {
        assertThatThrownBy(() -> SafeTensor.ofBytes("t", SafetensorsDType.F32, List.of(2L, 2L), new byte[15]))
                .isInstanceOfSatisfying(GannetException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("'t'", "16 bytes", "15 bytes");
                });
    }

    @Test
    void closedFilesRefuseAccess() throws IOException {
        Path f = dir.resolve("c.safetensors");
        Safetensors.write(f, null, List.of(SafeTensor.ofFloats("x", SafetensorsDType.F32, List.of(1L), new float[] {1})));
        Safetensors st = Safetensors.open(f);
        SafeTensor x = st.tensor("x");
        st.close();
        st.close();
        assertThatThrownBy(() -> st.tensor("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> x.data().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    void rejects(byte[] bytes, String... fragments) throws IOException {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, bytes);
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.FORMAT);
            assertThat(e.getMessage()).contains(f.toString()).contains(fragments);
        });
    }

    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        byte[] b = file("{}", new byte[0]);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        rejects(b, "header length 1000", "larger than the file (10 bytes)");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L); // 2^64 - 1 unsigned
        rejects(b, "header length 18446744073709551615");
        rejects(new byte[5], "too short");
    }

    @Test
    void headerLongerThanTheLimit() throws IOException {
        // A sparse file big enough to hold the claimed header: the limit, not the file size, refuses it.
        Path f = dir.resolve("huge.safetensors");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(Safetensors.MAX_HEADER_BYTES + 64);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(Safetensors.MAX_HEADER_BYTES + 1)
                    .array());
        }
        assertThatThrownBy(() -> Safetensors.open(f)).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.FORMAT);
            assertThat(e.getMessage()).contains(f.toString(), "header length 100000001 exceeds");
        });
    }

    @Test
    void overlappingOffsets() throws IOException {
        rejects(file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", new byte[12]),
                "tensor 'b'", "overlap tensor 'a'");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        rejects(file("{" + entry("a", "F32", "[4]", 0, 16) + "}", new byte[8]), "tensor 'a'", "past the data section",
                "8 bytes");
        rejects(file("{" + entry("a", "F32", "[4]", 8, 4) + "}", new byte[16]), "tensor 'a'", "not a byte range");
        rejects(file("{" + entry("a", "F32", "[4]", -4, 12) + "}", new byte[16]), "tensor 'a'", "not a byte range");
    }

    @Test
    void holesAndLeftoverBytes() throws IOException {
        rejects(file("{" + entry("a", "F32", "[1]", 4, 8) + "}", new byte[8]), "tensor 'a'", "[0, 4)", "no tensor");
        rejects(file("{" + entry("a", "F32", "[1]", 0, 4) + "}", new byte[8]), "[4, 8)", "no tensor");
    }

    @Test
    void sizeNotMatchingDtypeAndShape() throws IOException {
        rejects(file("{" + entry("a", "F16", "[3]", 0, 8) + "}", new byte[8]), "tensor 'a'", "hold 8 bytes",
                "needs 6");
        rejects(file("{" + entry("a", "F32", "[4294967296,4294967296]", 0, 8) + "}", new byte[8]), "tensor 'a'",
                "more than 2^63");
        rejects(file("{" + entry("a", "F32", "[-2]", 0, 8) + "}", new byte[8]), "tensor 'a'", "negative");
    }

    @Test
    void unknownDtype() throws IOException {
        rejects(file("{" + entry("a", "F12", "[1]", 0, 4) + "}", new byte[4]), "tensor 'a'", "unknown dtype 'F12'",
                "known: BOOL");
        rejects(file("{" + entry("a", "f32", "[1]", 0, 4) + "}", new byte[4]), "unknown dtype 'f32'");
    }

    @Test
    void badJson() throws IOException {
        rejects(file("{\"a\":{\"dtype\":\"F32\",", new byte[4]), "not valid JSON");
        rejects(file("[1,2]", new byte[0]), "does not start with '{'");
        rejects(file(" {}", new byte[0]), "does not start with '{'");
        rejects(file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 0, 4) + "}", new byte[4]),
                "Duplicate field 'a'");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":\"[1]\",\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'a': shape: must be a JSON array, found string");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]), "tensor 'a'",
                "data_offsets must be [begin, end]");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]),
                "must be an integer");
        rejects(file("{\"__metadata__\":{\"n\":3}}", new byte[0]), "__metadata__['n']: must be a string");
        rejects(file("{} x", new byte[0]), "not valid JSON");
        byte[] badUtf8 = file("{\"\u00e9\":1}", new byte[0]);
        badUtf8[10] = (byte) 0xFF;
        rejects(badUtf8, "not valid UTF-8");
    }

    @Test
    void randomCorruptionIsAlwaysAFormatErrorOrAValidFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.write(good, Map.of("a", "b"), List.of(
                SafeTensor.ofBytes("w", SafetensorsDType.F16, List.of(3L, 5L), randomBytes(30, 9)),
                SafeTensor.ofBytes("v", SafetensorsDType.I32, List.of(2L), randomBytes(8, 10))));
        byte[] original = Files.readAllBytes(good);
        long headerEnd = 8 + ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Random rnd = new Random(77);
        Path f = dir.resolve("fuzz.safetensors");
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = original.clone();
            int pos = rnd.nextInt((int) headerEnd); // the data bytes are free-form; corrupt the framing
            b[pos] = (byte) rnd.nextInt(256);
            Files.write(f, b);
            try (Safetensors st = Safetensors.open(f)) {
                assertThat(st.names()).isNotNull();
            } catch (GannetException e) {
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.FORMAT);
                rejected++;
            }
        }
        assertThat(rejected).isGreaterThan(150);
    }
}

// Reader (memory-mapped, zero copy) and atomic writer of safetensors files: an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__}, then the data.
package dev.gannet.models.formats;

import static dev.gannet.models.formats.Json.array;
import static dev.gannet.models.formats.Json.longValue;
import static dev.gannet.models.formats.Json.object;
import static dev.gannet.models.formats.Json.string;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gannet.models.formats.Json.Loc;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open safetensors file. The header is validated as the format's reference implementation does:
 * header length within the file and at most {@link #MAX_HEADER_BYTES}, header starting with '{',
 * known dtypes, each tensor's byte range matching its dtype and shape, and the ranges tiling the
 * data section exactly (sorted by offset: no overlap, no hole, nothing left over), so no byte is
 * read through two tensors and no file is two formats at once. Failures are {@link ErrorCode#FORMAT}
 * naming the file and the tensor. Closing unmaps the file; closing twice is harmless. The file must
 * not be truncated while it is open: reading a mapped page past the new end faults (SIGBUS).
 */
public final class Safetensors implements AutoCloseable {
    /** The reference implementation's limit; a header is names and shapes, never data. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA = "__metadata__";
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Arena arena;
    private final Map<String, String> metadata;
    private final Map<String, SafeTensor> tensors;
    private boolean closed;

    private Safetensors(Path file, Arena arena, Map<String, String> metadata, Map<String, SafeTensor> tensors) {
        this.file = file;
        this.arena = arena;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Maps and validates a file; the tensors' data are slices of the mapping. */
    public static Safetensors open(Path file) {
        Loc loc = Loc.of(file.toString());
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw loc.fail("%d bytes, too short for the 8-byte header length", size);
            // Mapping reserves address space, not memory; the mapping outlives the channel.
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Safetensors st = parse(file, loc, arena, map);
            arena = null; // owned by st from here on
            return st;
        } catch (NoSuchFileException e) {
            throw new GannetException(ErrorCode.IO, file + ": no such file", e);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, file + ": cannot read: " + e, e);
        } finally {
            if (arena != null) arena.close();
        }
    }

    private record Span(String name, long begin, long end) {}

    private static Safetensors parse(Path file, Loc loc, Arena arena, MemorySegment map) {
        long size = map.byteSize();
        long n = map.get(U64_LE, 0); // unsigned in the format: past 2^63 it reads negative here
        if (n < 0 || n > size - 8) {
            throw loc.fail("header length %s is larger than the file (%d bytes)", Long.toUnsignedString(n), size);
        }
        if (n > MAX_HEADER_BYTES) throw loc.fail("header length %d exceeds the %d-byte limit", n, MAX_HEADER_BYTES);
        byte[] header = map.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        if (n == 0 || header[0] != '{') throw loc.fail("the header does not start with '{'");
        ObjectNode root = object(Json.parse(header, loc.at("header")), loc.at("header"));
        long dataStart = 8 + n;
        long dataLen = size - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Span> spans = new ArrayList<>();
        Map<String, SafetensorsDType> dtypes = new LinkedHashMap<>();
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        for (var field : root.properties()) {
            String name = field.getKey();
            if (name.equals(METADATA)) {
                Loc ml = loc.at(METADATA);
                for (var e : object(field.getValue(), ml).properties()) {
                    metadata.put(e.getKey(), string(e.getValue(), ml.at("['" + e.getKey() + "']")));
                }
                continue;
            }
            Loc tl = loc.within("tensor '" + name + "'");
            ObjectNode t = object(field.getValue(), tl);
            String dt = string(t, "dtype", tl);
            SafetensorsDType dtype = SafetensorsDType.parse(dt)
                    .orElseThrow(() -> tl.fail("unknown dtype '%s' (known: %s)", dt, SafetensorsDType.known()));
            ArrayNode dims = array(t, "shape", tl);
            List<Long> shape = new ArrayList<>();
            for (int i = 0; i < dims.size(); i++) {
                long d = longValue(dims.get(i), tl.at("shape").at(i));
                if (d < 0) throw tl.fail("shape %s has a negative dimension", dims);
                shape.add(d);
            }
            long bytes = SafeTensor.byteSize(dtype, shape);
            if (bytes < 0) throw tl.fail("shape %s of %s is more than 2^63 bytes", dims, dtype);
            ArrayNode off = array(t, "data_offsets", tl);
            if (off.size() != 2) throw tl.fail("data_offsets must be [begin, end], found %d entries", off.size());
            long begin = longValue(off.get(0), tl.at("data_offsets").at(0));
            long end = longValue(off.get(1), tl.at("data_offsets").at(1));
            if (begin < 0 || end < begin) throw tl.fail("data_offsets [%d, %d] is not a byte range", begin, end);
            if (end > dataLen) {
                throw tl.fail("data_offsets [%d, %d] reach past the data section, which has %d bytes", begin, end, dataLen);
            }
            if (end - begin != bytes) {
                throw tl.fail("data_offsets [%d, %d] hold %d bytes but %s %s needs %d", begin, end, end - begin, dtype,
                        shape, bytes);
            }
            spans.add(new Span(name, begin, end));
            dtypes.put(name, dtype);
            shapes.put(name, shape);
        }
        spans.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        long at = 0;
        String previous = null;
        for (Span s : spans) {
            if (s.begin() < at) {
                throw loc.within("tensor '" + s.name() + "'").fail("data_offsets [%d, %d] overlap tensor '%s', which ends "
                        + "at %d", s.begin(), s.end(), previous, at);
            }
            if (s.begin() > at) {
                throw loc.within("tensor '" + s.name() + "'").fail("bytes [%d, %d) before it belong to no tensor "
                        + "(the data must be contiguous)", at, s.begin());
            }
            at = s.end();
            previous = s.name();
        }
        if (at != dataLen) {
            throw loc.fail("bytes [%d, %d) of the data section belong to no tensor (the data must be contiguous)", at,
                    dataLen);
        }
        Map<String, SafeTensor> tensors = new LinkedHashMap<>();
        for (Span s : spans) {
            MemorySegment slice = map.asSlice(dataStart + s.begin(), s.end() - s.begin()).asReadOnly();
            tensors.put(s.name(), new SafeTensor(s.name(), dtypes.get(s.name()), shapes.get(s.name()), slice));
        }
        return new Safetensors(file, arena, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
    }

    public Path file() {
        return file;
    }

    /** The header's __metadata__ (string to string), empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in data order. */
    public List<String> names() {
        checkOpen();
        return List.copyOf(tensors.keySet());
    }

    /** All tensors in data order. */
    public Collection<SafeTensor> tensors() {
        checkOpen();
        return tensors.values();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public SafeTensor tensor(String name) {
        checkOpen();
        SafeTensor t = tensors.get(name);
        if (t == null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, file + ": no tensor '" + name + "' (the file has "
                    + tensors.size() + ")");
        }
        return t;
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException("safetensors " + file + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }

    /**
     * Writes a safetensors file atomically: a temporary file in the same directory is written,
     * flushed to disk and renamed over {@code file}, so readers see the old file or the new one,
     * never a torn one. Tensors are laid out by descending element size, then name, after a header
     * padded with spaces to 8 bytes, so every tensor starts aligned to its element size (what the
     * reference writer does, and what lets a mapped tensor be read in place).
     */
    public static void write(Path file, Map<String, String> metadata, Collection<SafeTensor> tensors) {
        List<SafeTensor> order = new ArrayList<>(tensors);
        Set<String> names = new HashSet<>();
        for (SafeTensor t : order) {
            if (t.name().equals(METADATA) || !names.add(t.name())) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, file + ": tensor name '" + t.name() + "' is "
                        + (t.name().equals(METADATA) ? "reserved" : "used twice"));
            }
        }
        order.sort(Comparator.comparingInt((SafeTensor t) -> -t.dtype().size()).thenComparing(SafeTensor::name));
        byte[] header = header(metadata, order, file);
        AtomicFiles.write(file, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (SafeTensor t : order) {
                MemorySegment d = t.data();
                for (long o = 0; o < d.byteSize(); o += 1L << 30) {
                    AtomicFiles.writeFully(ch, d.asSlice(o, Math.min(1L << 30, d.byteSize() - o)).asByteBuffer());
                }
            }
        });
    }

    private static byte[] header(Map<String, String> metadata, List<SafeTensor> order, Path file) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(METADATA);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (SafeTensor t : order) {
            ObjectNode o = root.putObject(t.name());
            o.put("dtype", t.dtype().name());
            ArrayNode shape = o.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = offset + t.data().byteSize();
            o.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new GannetException(ErrorCode.INTERNAL, file + ": cannot encode the safetensors header: " + e, e);
        }
        long padded = ((long) json.length + 7) / 8 * 8;
        if (padded > MAX_HEADER_BYTES) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, file + ": the header would have " + padded
                    + " bytes, more than readers accept (" + MAX_HEADER_BYTES + ")");
        }
        byte[] out = new byte[(int) padded];
        System.arraycopy(json, 0, out, 0, json.length);
        java.util.Arrays.fill(out, json.length, out.length, (byte) ' ');
        return out;
    }

    @Override
    public String toString() {
        return "Safetensors[" + file + ", " + tensors.size() + " tensors]";
    }
}

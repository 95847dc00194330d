// The weightsManifest of a TF.js model: groups of shard files whose concatenated bytes hold the
// listed weights back to back. Sizes are proven against the files before anything is allocated.
package dev.gannet.models.formats;

import static dev.gannet.models.formats.Json.array;
import static dev.gannet.models.formats.Json.longValue;
import static dev.gannet.models.formats.Json.object;
import static dev.gannet.models.formats.Json.optional;
import static dev.gannet.models.formats.Json.string;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gannet.models.formats.Json.Loc;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

record TfjsManifest(List<Group> groups, Map<String, Entry> entries) {
    /** Float32 is the only weight dtype gannet reads from TF.js (4 bytes each). */
    static final int FLOAT_BYTES = 4;

    /** A weight: its bytes are [offset, offset + numel*4) of its group's concatenated shards. */
    record Entry(String name, List<Integer> shape, long numel, int group, long offset, String where, Loc loc) {}

    /** {@code bytes} is what the entries need; the shards must hold exactly that. */
    record Group(int index, List<String> paths, List<Path> files, List<Entry> entries, long bytes, Loc loc) {}

    static TfjsManifest parse(ObjectNode root, Path dir, Loc file) {
        ArrayNode groupNodes = array(root, "weightsManifest", file);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<Path, String> shardOwners = new HashMap<>();
        List<Group> groups = new ArrayList<>();
        Path base = dir.toAbsolutePath().normalize();
        for (int g = 0; g < groupNodes.size(); g++) {
            Loc gl = file.at("weightsManifest").at(g);
            ObjectNode group = object(groupNodes.get(g), gl);
            ArrayNode pathNodes = array(group, "paths", gl);
            List<String> paths = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            for (int p = 0; p < pathNodes.size(); p++) {
                Loc pl = gl.at("paths").at(p);
                String name = string(pathNodes.get(p), pl);
                Path shard = shardPath(base, name, pl);
                String owner = shardOwners.putIfAbsent(shard, pl.path());
                if (owner != null) throw pl.fail("shard '%s' is already listed at %s", name, owner);
                paths.add(name);
                files.add(shard);
            }
            ArrayNode weightNodes = array(group, "weights", gl);
            List<Entry> groupEntries = new ArrayList<>();
            long offset = 0;
            for (int w = 0; w < weightNodes.size(); w++) {
                Entry e = entry(weightNodes.get(w), g, offset, gl.at("weights").at(w));
                Entry prior = entries.putIfAbsent(e.name(), e);
                if (prior != null) {
                    throw file.within("weight '" + e.name() + "'").fail("listed twice in weightsManifest (%s and %s)",
                            prior.where(), e.where());
                }
                groupEntries.add(e);
                try {
                    offset = Math.addExact(offset, Math.multiplyExact(e.numel(), FLOAT_BYTES));
                } catch (ArithmeticException ex) {
                    throw gl.fail("the weights' sizes add up past 2^63 bytes");
                }
            }
            if (paths.isEmpty() && offset > 0) throw gl.at("paths").fail("no shard files for %d bytes of weights", offset);
            groups.add(new Group(g, List.copyOf(paths), List.copyOf(files), List.copyOf(groupEntries), offset, gl));
        }
        return new TfjsManifest(List.copyOf(groups), Collections.unmodifiableMap(entries));
    }

    /** Shards must sit inside the model directory: a manifest is data and must not reach other files. */
    private static Path shardPath(Path base, String name, Loc pl) {
        if (name.isEmpty()) throw pl.fail("shard path is empty");
        Path p;
        try {
            p = Path.of(name);
        } catch (InvalidPathException e) {
            throw pl.fail("shard path '%s' is not a valid file name (%s)", name, e.getReason());
        }
        Path resolved = base.resolve(p).normalize();
        if (p.isAbsolute() || !resolved.startsWith(base) || resolved.equals(base)) {
            throw pl.fail("shard path '%s' is outside the model directory", name);
        }
        return resolved;
    }

    private static Entry entry(JsonNode node, int group, long offset, Loc at) {
        ObjectNode o = object(node, at);
        String name = string(o, "name", at);
        if (name.isEmpty()) throw at.at("name").fail("weight name is empty");
        Loc wl = at.within("weight '" + name + "' (" + at.path() + ")");
        // Quantized exports store uint8/uint16/float16 codes plus scale/min; silently reading them as
        // float32 would produce garbage, so they are refused until gannet dequantizes them.
        JsonNode q = optional(o, "quantization");
        if (q != null) {
            String qd = q.isObject() && q.get("dtype") != null ? q.get("dtype").asText() : Json.kind(q);
            throw wl.at("quantization").fail("quantized weights (%s) are not supported; convert the model without "
                    + "quantization", qd);
        }
        String dtype = string(o, "dtype", wl);
        if (!dtype.equals("float32")) throw wl.at("dtype").fail("is '%s', gannet reads float32 weights only", dtype);
        ArrayNode dims = array(o, "shape", wl);
        List<Integer> shape = new ArrayList<>(dims.size());
        long numel = 1;
        for (int i = 0; i < dims.size(); i++) {
            long d = longValue(dims.get(i), wl.at("shape").at(i));
            if (d < 0) throw wl.at("shape").fail("%s has a negative dimension %d", dims, d);
            if (d > Integer.MAX_VALUE) throw wl.at("shape").fail("%s has a dimension %d past 2^31-1", dims, d);
            shape.add((int) d);
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException e) {
                throw wl.at("shape").fail("%s has more than 2^63 elements", dims);
            }
        }
        if (numel > Long.MAX_VALUE / FLOAT_BYTES) throw wl.at("shape").fail("%s is too large to address in bytes", dims);
        return new Entry(name, List.copyOf(shape), numel, group, offset, at.path(), wl);
    }

    /** Every shard exists and each group's shards hold exactly the bytes its weights need. */
    void checkShards() {
        for (Group g : groups) {
            long total = 0;
            for (int i = 0; i < g.files().size(); i++) {
                Path f = g.files().get(i);
                if (!Files.isRegularFile(f)) {
                    throw g.loc().at("paths").at(i).fail("shard file '%s' is missing", g.paths().get(i));
                }
                try {
                    total = Math.addExact(total, Files.size(f));
                } catch (IOException e) {
                    throw new GannetException(ErrorCode.IO, "cannot read the size of shard " + f + ": " + e, e);
                }
            }
            if (total != g.bytes()) {
                throw g.loc().fail("shard files %s hold %d bytes but the %d float32 weights listed need %d bytes (%s)",
                        g.paths(), total, g.entries().size(), g.bytes(),
                        total < g.bytes() ? "a shard is truncated or a shape claims too much" : "a shard has extra bytes");
            }
        }
    }

    /** Reads every weight; call after {@link #checkShards()}, whose size proof bounds every allocation. */
    Map<String, float[]> read() {
        Map<String, float[]> out = new HashMap<>();
        byte[] chunk = new byte[1 << 16];
        for (Group g : groups) {
            List<InputStream> streams = new ArrayList<>();
            try {
                for (Path f : g.files()) streams.add(Files.newInputStream(f));
                // Weights straddle shard boundaries (the converter cuts shards at 4 MiB), so the group
                // is read as one stream.
                InputStream in = new SequenceInputStream(Collections.enumeration(streams));
                for (Entry e : g.entries()) {
                    if (e.numel() > Integer.MAX_VALUE - 8) {
                        throw e.loc().fail("%d values do not fit one host array", e.numel());
                    }
                    float[] values = new float[(int) e.numel()];
                    int filled = 0;
                    while (filled < values.length) {
                        int want = (int) Math.min(chunk.length, (long) (values.length - filled) * FLOAT_BYTES);
                        int got = in.readNBytes(chunk, 0, want);
                        if (got < want) {
                            throw g.loc().fail("shard files %s ended while reading weight '%s' (changed while being read?)",
                                    g.paths(), e.name());
                        }
                        ByteBuffer.wrap(chunk, 0, got).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                                .get(values, filled, got / FLOAT_BYTES);
                        filled += got / FLOAT_BYTES;
                    }
                    out.put(e.name(), values);
                }
            } catch (IOException e) {
                throw new GannetException(ErrorCode.IO,
                        g.loc().prefix() + "reading shards " + g.paths() + " failed: " + e, e);
            } finally {
                for (InputStream s : streams) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // Read-only streams: a failed close loses nothing.
                    }
                }
            }
        }
        return out;
    }
}

// Strict JSON parsing and typed field access for the model formats: every wrong type, missing field
// or out-of-range number becomes a FORMAT GannetException that names the file and the field.
package dev.gannet.models.formats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

final class Json {
    /*
     * Duplicate keys are rejected because "last one wins" would let two readers of the same file
     * disagree about a tensor; trailing tokens because a truncated-then-appended file must not parse.
     * Jackson's default StreamReadConstraints (nesting depth 1000, number length 1000) stay on: they
     * keep hostile nesting from overflowing the stack.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    /** Where a value sits, for messages: the file and a path like "layer 'F_0' (Conv2D): config.filters". */
    record Loc(String file, String path) {
        static Loc of(String file) {
            return new Loc(file, "");
        }

        Loc at(String sub) {
            if (path.isEmpty()) return new Loc(file, sub);
            // A subject such as "layer 'F_0' (Conv2D)" or "tensor 'w'" reads best followed by ": config.filters".
            String sep = path.endsWith(")") || path.endsWith("'") ? ": " : sub.startsWith("[") ? "" : ".";
            return new Loc(file, path + sep + sub);
        }

        Loc at(int index) {
            return at("[" + index + "]");
        }

        /** A new context that replaces the path (a layer or tensor starts its own). */
        Loc within(String what) {
            return new Loc(file, what);
        }

        GannetException fail(String fmt, Object... args) {
            return new GannetException(ErrorCode.FORMAT, prefix() + String.format(fmt, args));
        }

        String prefix() {
            return file + ": " + (path.isEmpty() ? "" : path + ": ");
        }
    }

    /** Parses UTF-8 JSON; invalid UTF-8 is an error rather than silently replaced characters. */
    static JsonNode parse(byte[] bytes, Loc loc) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw loc.fail("not valid UTF-8 text (%s)", e.getMessage());
        }
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) throw loc.fail("empty JSON document");
            return n;
        } catch (JsonProcessingException e) {
            var where = e.getLocation();
            throw new GannetException(ErrorCode.FORMAT, loc.prefix() + "not valid JSON: " + e.getOriginalMessage()
                    + (where == null ? "" : " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")"), e);
        }
    }

    static String kind(JsonNode n) {
        return n == null || n.isMissingNode() ? "nothing" : n.getNodeType().name().toLowerCase();
    }

    static ObjectNode object(JsonNode n, Loc loc) {
        if (n instanceof ObjectNode o) return o;
        throw loc.fail("must be a JSON object, found %s", kind(n));
    }

    static ArrayNode array(JsonNode n, Loc loc) {
        if (n instanceof ArrayNode a) return a;
        throw loc.fail("must be a JSON array, found %s", kind(n));
    }

    static JsonNode required(ObjectNode o, String key, Loc loc) {
        JsonNode n = o.get(key);
        if (n == null) throw loc.fail("missing field '%s'", key);
        return n;
    }

    /** The field, or null when it is absent or JSON null (Keras writes null for "not set"). */
    static JsonNode optional(ObjectNode o, String key) {
        JsonNode n = o.get(key);
        return n == null || n.isNull() ? null : n;
    }

    static ObjectNode object(ObjectNode o, String key, Loc loc) {
        return object(required(o, key, loc), loc.at(key));
    }

    static ArrayNode array(ObjectNode o, String key, Loc loc) {
        return array(required(o, key, loc), loc.at(key));
    }

    static String string(JsonNode n, Loc loc) {
        if (n != null && n.isTextual()) return n.textValue();
        throw loc.fail("must be a string, found %s", kind(n));
    }

    static String string(ObjectNode o, String key, Loc loc) {
        return string(required(o, key, loc), loc.at(key));
    }

    static String string(ObjectNode o, String key, String absent, Loc loc) {
        JsonNode n = optional(o, key);
        return n == null ? absent : string(n, loc.at(key));
    }

    static boolean bool(ObjectNode o, String key, boolean absent, Loc loc) {
        JsonNode n = optional(o, key);
        if (n == null) return absent;
        if (n.isBoolean()) return n.booleanValue();
        throw loc.at(key).fail("must be true or false, found %s", kind(n));
    }

    /** A whole number that fits a long; 3.0 or 1e2 are refused because Keras never writes sizes that way. */
    static long longValue(JsonNode n, Loc loc) {
        if (n == null || !n.isIntegralNumber()) throw loc.fail("must be an integer, found %s", kind(n));
        if (!n.canConvertToLong()) throw loc.fail("integer %s is out of range", n.asText());
        return n.longValue();
    }

    static int intValue(JsonNode n, Loc loc) {
        long v = longValue(n, loc);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw loc.fail("integer %d is out of range", v);
        return (int) v;
    }

    static int positiveInt(JsonNode n, Loc loc) {
        int v = intValue(n, loc);
        if (v <= 0) throw loc.fail("is %d, must be positive", v);
        return v;
    }

    static double finiteNumber(JsonNode n, Loc loc) {
        if (n == null || !n.isNumber()) throw loc.fail("must be a number, found %s", kind(n));
        double v = n.doubleValue();
        if (!Double.isFinite(v)) throw loc.fail("number %s is not finite", n.asText());
        return v;
    }
}

// Corrupts a copy of a real UpscalerJS model in every way the reader must catch and checks that each
// is a FORMAT GannetException naming the problem: never another exception type, never an OOM.
package dev.gannet.models.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfjsMutationTest {
    static final Path X2 = UpscalerJsModelsTest.ROOT.resolve("esrgan-slim/x2");
    static final String SHARD = "group1-shard1of1.bin";
    static final ObjectMapper OM = new ObjectMapper();

    @TempDir
    Path tmp;
    Path dir;
    ObjectNode root;

    @BeforeEach
    void copyModel() throws IOException {
        dir = tmp.resolve("x2");
        Files.createDirectories(dir);
        Files.copy(X2.resolve("model.json"), dir.resolve("model.json"));
        Files.copy(X2.resolve(SHARD), dir.resolve(SHARD));
        root = (ObjectNode) OM.readTree(dir.resolve("model.json").toFile());
    }

    ArrayNode layers() {
        return (ArrayNode) root.at("/modelTopology/model_config/config/layers");
    }

    ObjectNode layer(String name) {
        for (var l : layers()) if (l.get("name").asText().equals(name)) return (ObjectNode) l;
        throw new AssertionError("no layer " + name);
    }

    ObjectNode config(String name) {
        return (ObjectNode) layer(name).get("config");
    }

    ArrayNode weights() {
        return (ArrayNode) root.at("/weightsManifest/0/weights");
    }

    ObjectNode weight(String name) {
        for (var w : weights()) if (w.get("name").asText().equals(name)) return (ObjectNode) w;
        throw new AssertionError("no weight " + name);
    }

    /** Writes the mutated model.json and expects a FORMAT error whose message has every fragment. */
    void rejects(String... fragments) throws IOException {
        OM.writeValue(dir.resolve("model.json").toFile(), root);
        rejectsAsIs(fragments);
    }

    void rejectsAsIs(String... fragments) {
        assertThatThrownBy(() -> TfjsModel.load(dir)).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.FORMAT);
            assertThat(e.getMessage()).contains(dir.resolve("model.json").toString()).contains(fragments);
        });
    }

    @Test
    void unchangedCopyLoads() throws IOException {
        OM.writeValue(dir.resolve("model.json").toFile(), root);
        assertThat(TfjsModel.load(dir).layers()).hasSize(24);
    }

    @Test
    void truncatedShard() throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(SHARD), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        rejectsAsIs(SHARD, "888200 bytes", "888300 bytes", "truncated");
    }

    @Test
    void shardWithExtraBytes() throws IOException {
        Files.write(dir.resolve(SHARD), new byte[4], StandardOpenOption.APPEND);
        rejectsAsIs(SHARD, "888304 bytes", "extra bytes");
    }

    @Test
    void missingShard() throws IOException {
        Files.delete(dir.resolve(SHARD));
        rejectsAsIs(SHARD, "missing");
    }

    @Test
    void shardOutsideTheModelDirectory() throws IOException {
        ((ArrayNode) root.at("/weightsManifest/0/paths")).set(0, "../" + SHARD);
        rejects("outside the model directory");
        ((ArrayNode) root.at("/weightsManifest/0/paths")).set(0, "/etc/passwd");
        rejects("outside the model directory");
    }

    @Test
    void duplicateWeightEntry() throws IOException {
        weights().add(weight("F_0/bias").deepCopy());
        rejects("F_0/bias", "listed twice");
    }

    @Test
    void weightMissing() throws IOException {
        // Drop the last manifest entry and its bytes, so only the name is missing.
        ObjectNode last = (ObjectNode) weights().remove(weights().size() - 1);
        long values = 1;
        for (var d : last.get("shape")) values *= d.asLong();
        try (FileChannel ch = FileChannel.open(dir.resolve(SHARD), StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 4 * values);
        }
        String name = last.get("name").asText();
        rejects("layer '" + name.substring(0, name.indexOf('/')) + "' (Conv2D)", "needs weight '" + name + "'",
                "does not list");
    }

    @Test
    void unusedWeight() throws IOException {
        ObjectNode extra = weights().addObject();
        extra.put("name", "orphan/kernel").put("dtype", "float32").putArray("shape").add(2).add(3);
        Files.write(dir.resolve(SHARD), new byte[24], StandardOpenOption.APPEND);
        rejects("orphan/kernel", "no layer uses");
    }

    @Test
    void biasStoredForAConvWithoutBias() throws IOException {
        config("SR").put("use_bias", false);
        rejects("SR/bias", "no layer uses");
    }

    @Test
    void kernelSizeZero() throws IOException {
        ((ArrayNode) config("F_0").get("kernel_size")).set(0, 0);
        rejects("layer 'F_0' (Conv2D)", "kernel_size[0]", "must be positive");
    }

    @Test
    void kernelSizeNotMatchingTheWeights() throws IOException {
        config("F_0").putArray("kernel_size").add(5).add(5);
        rejects("layer 'F_0' (Conv2D)", "F_0/kernel", "[3, 3, 64, 64]", "[5, 5, 64, 64]");
    }

    @Test
    void filtersNotMatchingTheWeights() throws IOException {
        config("F_0").put("filters", 32);
        rejects("layer 'F_0' (Conv2D)", "F_0/kernel", "filters 32");
    }

    @Test
    void concatenationFeedingTheWrongChannelCount() throws IOException {
        // LFF_1 expects 68 = 64 + 4 channels; concatenating only F_0 gives 64.
        ArrayNode node = (ArrayNode) layer("RDB_Concat_1_1").get("inbound_nodes").get(0);
        node.remove(1);
        rejects("layer 'LFF_1' (Conv2D)", "64 input channels");
    }

    @Test
    void addOfDifferentChannelCounts() throws IOException {
        ((ArrayNode) layer("LRL_1").get("inbound_nodes").get(0).get(1)).set(0, "F_1_1_Relu");
        rejects("layer 'LRL_1' (Add)", "different channel counts", "LFF_1 64", "F_1_1_Relu 4");
    }

    @Test
    void unknownLayerClass() throws IOException {
        layer("F_1_1_Relu").put("class_name", "Dense");
        rejects("layer 'F_1_1_Relu' (Dense)", "'Dense'", "known: InputLayer, Conv2D");
    }

    @Test
    void addedUnknownLayer() throws IOException {
        ObjectNode l = layers().addObject();
        l.put("class_name", "BatchNormalization").put("name", "bn");
        l.putObject("config").put("name", "bn");
        l.putArray("inbound_nodes").addArray().addArray().add("SR").add(0).add(0).addObject();
        rejects("layer 'bn' (BatchNormalization)", "known:");
    }

    @Test
    void danglingInboundNode() throws IOException {
        ((ArrayNode) layer("F_0").get("inbound_nodes").get(0).get(0)).set(0, "nowhere");
        rejects("layer 'F_0' (Conv2D)", "'nowhere'", "does not have");
    }

    @Test
    void inboundNodeToASecondOutput() throws IOException {
        ((ArrayNode) layer("F_0").get("inbound_nodes").get(0).get(0)).set(2, 1);
        rejects("layer 'F_0' (Conv2D)", "output 1 of layer 'F_m1'");
        ((ArrayNode) layer("F_0").get("inbound_nodes").get(0).get(0)).set(2, 0).set(1, 3);
        rejects("layer 'F_0' (Conv2D)", "call 3 of layer 'F_m1'");
    }

    @Test
    void danglingModelOutput() throws IOException {
        ((ArrayNode) root.at("/modelTopology/model_config/config/output_layers/0")).set(0, "SRX");
        rejects("output_layers", "'SRX'");
    }

    @Test
    void cycle() throws IOException {
        // F_m1 <- SR closes a loop through the whole network.
        ((ArrayNode) layer("F_m1").get("inbound_nodes").get(0).get(0)).set(0, "SR");
        rejects("cycle", "SR -> F_m1");
    }

    @Test
    void selfLoop() throws IOException {
        ((ArrayNode) layer("F_1_1_Relu").get("inbound_nodes").get(0).get(0)).set(0, "F_1_1_Relu");
        rejects("cycle", "F_1_1_Relu -> F_1_1_Relu");
    }

    @Test
    void shapeOfTwoToTheFortyElements() throws IOException {
        weight("F_0/kernel").putArray("shape").add(1024).add(1024).add(1024).add(1024);
        long need = 888_300 - 3 * 3 * 64 * 64 * 4 + (1L << 40) * 4;
        rejects(SHARD, "hold 888300 bytes", "need " + need + " bytes");
    }

    @Test
    void shapesThatOverflow() throws IOException {
        weight("F_0/kernel").putArray("shape").add(Integer.MAX_VALUE).add(Integer.MAX_VALUE).add(Integer.MAX_VALUE)
                .add(Integer.MAX_VALUE);
        rejects("weight 'F_0/kernel'", "more than 2^63");
        weight("F_0/kernel").putArray("shape").add(1L << 40);
        rejects("weight 'F_0/kernel'", "past 2^31-1");
        weight("F_0/kernel").putArray("shape").add(3).add(-3).add(64).add(64);
        rejects("weight 'F_0/kernel'", "negative dimension");
        weight("F_0/kernel").putArray("shape").add(new java.math.BigInteger("123456789012345678901234567890"));
        rejects("weight 'F_0/kernel'", "out of range");
    }

    @Test
    void quantizedWeights() throws IOException {
        weight("F_0/kernel").putObject("quantization").put("dtype", "uint8").put("scale", 0.01).put("min", -1.0);
        rejects("weight 'F_0/kernel'", "quantized", "uint8");
    }

    @Test
    void nonFloatWeights() throws IOException {
        weight("F_0/bias").put("dtype", "int32");
        rejects("weight 'F_0/bias'", "'int32'", "float32");
    }

    @Test
    void wrongJsonTypes() throws IOException {
        config("F_0").put("filters", "64");
        rejects("layer 'F_0' (Conv2D)", "config.filters", "must be an integer, found string");
        config("F_0").put("filters", 64.5);
        rejects("config.filters", "must be an integer, found number");
        config("F_0").put("filters", 64);
        layer("F_0").put("inbound_nodes", "F_m1");
        rejects("layer 'F_0' (Conv2D)", "inbound_nodes", "must be a JSON array, found string");
        layer("F_0").putArray("inbound_nodes").addArray().addArray().add("F_m1").add(0).add(0).addObject();
        ((ObjectNode) root.at("/modelTopology/model_config/config")).putObject("layers");
        rejects("layers", "must be a JSON array, found object");
        root.putArray("weightsManifest").add(7);
        rejects("weightsManifest[0]", "must be a JSON object, found number");
    }

    @Test
    void unsupportedConfigValues() throws IOException {
        config("F_0").put("data_format", "channels_first");
        rejects("layer 'F_0' (Conv2D)", "channels_first");
        config("F_0").put("data_format", "channels_last").put("groups", 2);
        rejects("layer 'F_0' (Conv2D)", "groups");
        config("F_0").put("groups", 1).put("padding", "full");
        rejects("layer 'F_0' (Conv2D)", "'full'");
        config("F_0").put("padding", "same").put("activation", "softmax");
        rejects("layer 'F_0' (Conv2D)", "'softmax'");
        config("F_0").put("activation", "linear");
        config("RDB_Concat_1_1").put("axis", 1);
        rejects("layer 'RDB_Concat_1_1' (Concatenate)", "axis", "channels only");
        config("RDB_Concat_1_1").put("axis", -1);
        config("UPsample").put("interpolation", "bilinear");
        rejects("layer 'UPsample' (UpSampling2D)", "'bilinear'");
    }

    @Test
    void notALayersModel() throws IOException {
        root.put("format", "graph-model");
        rejects("'graph-model'", "layers-model");
    }

    @Test
    void duplicateLayerName() throws IOException {
        layer("F_1_1_Relu").put("name", "F_2_1_Relu");
        rejects("layer 'F_2_1_Relu'", "two layers have this name");
    }

    @Test
    void malformedJsonText() throws IOException {
        String text = Files.readString(dir.resolve("model.json"));
        Files.writeString(dir.resolve("model.json"), text.substring(0, text.length() / 2));
        rejectsAsIs("not valid JSON");
        Files.writeString(dir.resolve("model.json"), text.replaceFirst("\\{", "{\"format\": \"layers-model\", "));
        rejectsAsIs("not valid JSON", "Duplicate field 'format'");
        Files.write(dir.resolve("model.json"), new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'});
        rejectsAsIs("not valid UTF-8");
        Files.writeString(dir.resolve("model.json"), "[".repeat(100_000) + "]".repeat(100_000));
        rejectsAsIs("not valid JSON", "nesting depth");
        Files.writeString(dir.resolve("model.json"), "");
        rejectsAsIs("empty JSON document");
        Files.writeString(dir.resolve("model.json"), text + " {}");
        rejectsAsIs("not valid JSON", "Trailing token");
    }

    @Test
    void missingModelJsonIsAnIoError() throws IOException {
        Files.delete(dir.resolve("model.json"));
        assertThatThrownBy(() -> TfjsModel.load(dir)).isInstanceOfSatisfying(GannetException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.IO));
    }

    /**
     * Random byte changes: each variant either still loads (the change hit something the reader does
     * not use, like an initializer's minval) or is a FORMAT error; anything else fails the test.
     */
    @Test
    void randomByteChanges() throws IOException {
        byte[] original = Files.readAllBytes(X2.resolve("model.json"));
        Random rnd = new Random(20240505);
        int rejected = 0, loaded = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = original.clone();
            int changes = 1 + rnd.nextInt(3);
            for (int k = 0; k < changes; k++) {
                int pos = rnd.nextInt(b.length);
                // Half the changes keep to JSON-ish characters so some parse and reach later checks.
                String jsonish = "0123456789[]{}\",:-e. ";
                b[pos] = rnd.nextBoolean() ? (byte) rnd.nextInt(256)
                        : (byte) jsonish.charAt(rnd.nextInt(jsonish.length()));
            }
            Files.write(dir.resolve("model.json"), b);
            try {
                TfjsModel.load(dir);
                loaded++;
            } catch (GannetException e) {
                assertThat(e.code()).as("trial %d: %s", trial, e.getMessage()).isEqualTo(ErrorCode.FORMAT);
                assertThat(e.getMessage()).contains(dir.resolve("model.json").toString());
                rejected++;
            }
        }
        // Both outcomes occur: the reader neither accepts garbage nor refuses harmless edits wholesale.
        assertThat(rejected).isGreaterThan(150);
        assertThat(loaded).isPositive();
    }
}

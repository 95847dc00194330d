// A small RRDN-shaped TF.js model written here in the exact JSON form of @upscalerjs/esrgan-thick
// (MultiplyBeta, PixelShuffleNx, LeakyReLU), with weights split over odd-sized shards.
package dev.gannet.models.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gannet.ops.Activation;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfjsCustomLayersTest {
    static final ObjectMapper OM = new ObjectMapper();

    @TempDir
    Path dir;

    final ArrayNode layers = OM.createArrayNode();
    final Map<String, int[]> weightShapes = new LinkedHashMap<>();

    ObjectNode layer(String cls, String name, String... inputs) {
        ObjectNode l = OM.createObjectNode();
        l.put("class_name", cls);
        ObjectNode c = l.putObject("config");
        c.put("name", name).put("trainable", true).put("dtype", "float32");
        l.put("name", name);
        ArrayNode nodes = l.putArray("inbound_nodes");
        if (inputs.length > 0) {
            ArrayNode node = nodes.addArray();
            for (String in : inputs) node.addArray().add(in).add(0).add(0).addObject();
        }
        layers.add(l);
        return c;
    }

    void input(String name, int channels) {
        ObjectNode c = layer("InputLayer", name);
        c.remove("trainable");
        c.putArray("batch_input_shape").addNull().addNull().addNull().add(channels);
        c.put("sparse", false).put("ragged", false);
    }

    ObjectNode conv(String name, String in, int cin, int filters, int k, boolean bias) {
        ObjectNode c = layer("Conv2D", name, in);
        c.put("filters", filters);
        c.putArray("kernel_size").add(k).add(k);
        c.putArray("strides").add(1).add(1);
        c.put("padding", "same").put("data_format", "channels_last");
        c.putArray("dilation_rate").add(1).add(1);
        c.put("groups", 1).put("activation", "linear").put("use_bias", bias);
        weightShapes.put(name + "/kernel", new int[] {k, k, cin, filters});
        if (bias) weightShapes.put(name + "/bias", new int[] {filters});
        return c;
    }

    void rrdn(int block) {
        input("LR_input", 3);
        conv("Pre_blocks_conv", "LR_input", 3, 8, 3, true);
        conv("F_1_1_1", "Pre_blocks_conv", 8, 4, 3, true);
        layer("Activation", "F_1_1_1_Relu", "F_1_1_1").put("activation", "relu");
        layer("Concatenate", "RDB_Concat_1_1_1", "Pre_blocks_conv", "F_1_1_1_Relu").put("axis", 3);
        conv("LFF_1_1", "RDB_Concat_1_1_1", 12, 8, 1, false);
        layer("MultiplyBeta", "multiply_beta", "LFF_1_1").put("beta", 0.2);
        layer("Add", "LRL_1_1", "Pre_blocks_conv", "multiply_beta");
        conv("PreShuffle", "LRL_1_1", 8, 3 * block * block, 3, true);
        layer("PixelShuffle" + block + "x", "pixel_shuffle", "PreShuffle").put("scale", block);
        layer("LeakyReLU", "leaky", "pixel_shuffle").put("alpha", 0.1);
        conv("SR", "leaky", 3, 3, 3, true).put("activation", "tanh");
    }

    /** Value i of weight w: distinct for every weight and position, exact in float32. */
    static float value(int w, int i) {
        return (w + 1) * 1000 + i * 0.25f;
    }

    /** Writes model.json and the weights in manifest order, cut into shards of the given sizes (rest last). */
    void write(int... shardSizes) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(totalBytes()).order(ByteOrder.LITTLE_ENDIAN);
        int w = 0;
        for (int[] shape : weightShapes.values()) {
            for (int i = 0; i < numel(shape); i++) all.putFloat(value(w, i));
            w++;
        }
        byte[] bytes = all.array();
        List<String> paths = new ArrayList<>();
        int at = 0;
        for (int s = 0; s <= shardSizes.length; s++) {
            int len = s < shardSizes.length ? shardSizes[s] : bytes.length - at;
            String name = "group1-shard" + (s + 1) + "of" + (shardSizes.length + 1) + ".bin";
            Files.write(dir.resolve(name), java.util.Arrays.copyOfRange(bytes, at, at + len));
            paths.add(name);
            at += len;
        }
        ObjectNode root = OM.createObjectNode();
        root.put("format", "layers-model").put("generatedBy", "keras v2.10.0").put("convertedBy", "test");
        ObjectNode topo = root.putObject("modelTopology");
        topo.put("keras_version", "2.10.0").put("backend", "tensorflow");
        ObjectNode mc = topo.putObject("model_config");
        mc.put("class_name", "Functional");
        ObjectNode cfg = mc.putObject("config");
        cfg.put("name", "generator");
        cfg.set("layers", layers);
        cfg.putArray("input_layers").addArray().add("LR_input").add(0).add(0);
        cfg.putArray("output_layers").addArray().add("SR").add(0).add(0);
        ObjectNode group = root.putArray("weightsManifest").addObject();
        ArrayNode p = group.putArray("paths");
        paths.forEach(p::add);
        ArrayNode ws = group.putArray("weights");
        weightShapes.forEach((name, shape) -> {
            ObjectNode e = ws.addObject().put("name", name);
            ArrayNode sh = e.putArray("shape");
            for (int d : shape) sh.add(d);
            e.put("dtype", "float32");
        });
        OM.writeValue(dir.resolve("model.json").toFile(), root);
    }

    int totalBytes() {
        int n = 0;
        for (int[] s : weightShapes.values()) n += 4 * numel(s);
        return n;
    }

    static int numel(int[] s) {
        int n = 1;
        for (int d : s) n *= d;
        return n;
    }

    @Test
    void readsTheCustomLayersAndWeightsAcrossOddShards() throws IOException {
        rrdn(2);
        write(1001, 2002, 7);
        TfjsModel m = TfjsModel.load(dir);
        assertThat(m.layers()).extracting(Layer::name).containsExactly("LR_input", "Pre_blocks_conv", "F_1_1_1",
                "F_1_1_1_Relu", "RDB_Concat_1_1_1", "LFF_1_1", "multiply_beta", "LRL_1_1", "PreShuffle",
                "pixel_shuffle", "leaky", "SR");
        assertThat(m.layer("multiply_beta").config()).isEqualTo(new LayerConfig.MultiplyBeta(0.2f));
        assertThat(m.layer("pixel_shuffle").config()).isEqualTo(new LayerConfig.PixelShuffle(2));
        assertThat(m.layer("leaky").config()).isEqualTo(new LayerConfig.LeakyReLU(0.1f));
        assertThat(((LayerConfig.LeakyReLU) m.layer("leaky").config()).activation()).isEqualTo(Activation.leaky(0.1f));
        assertThat(m.layer("SR").config()).isInstanceOfSatisfying(LayerConfig.Conv2D.class,
                c -> assertThat(c.activation()).isEqualTo(Activation.TANH));
        assertThat(m.channels("RDB_Concat_1_1_1")).isEqualTo(12);
        assertThat(m.channels("PreShuffle")).isEqualTo(12);
        assertThat(m.channels("pixel_shuffle")).isEqualTo(3);
        assertThat(m.bias("LFF_1_1")).isEmpty();
        assertThat(m.weights().keySet()).containsExactlyElementsOf(weightShapes.keySet());
        int w = 0;
        for (var e : weightShapes.entrySet()) {
            float[] got = m.weight(e.getKey()).toArray();
            assertThat(got).hasSize(numel(e.getValue()));
            for (int i = 0; i < got.length; i++) assertThat(got[i]).isEqualTo(value(w, i));
            w++;
        }
        assertThat(m.parameterCount()).isEqualTo(totalBytes() / 4);
    }

    @Test
    void ordersLayersTopologicallyWhateverTheFileOrder() throws IOException {
        rrdn(3);
        List<com.fasterxml.jackson.databind.JsonNode> reversed = new ArrayList<>();
        layers.forEach(reversed::add);
        java.util.Collections.reverse(reversed);
        layers.removeAll();
        layers.addAll(reversed);
        write();
        TfjsModel m = TfjsModel.load(dir);
        List<String> names = m.layers().stream().map(Layer::name).toList();
        for (Layer l : m.layers()) {
            for (NodeRef r : l.inbound()) assertThat(names.indexOf(r.layer())).isLessThan(names.indexOf(l.name()));
        }
        assertThat(m.layer("pixel_shuffle").config()).isEqualTo(new LayerConfig.PixelShuffle(3));
    }

    @Test
    void everyPixelShuffleClass() throws IOException {
        for (int block : new int[] {2, 3, 4, 8}) {
            layers.removeAll();
            weightShapes.clear();
            rrdn(block);
            write();
            assertThat(TfjsModel.load(dir).layer("pixel_shuffle").config()).isEqualTo(new LayerConfig.PixelShuffle(block));
        }
    }

    void rejects(String... fragments) {
        assertThatThrownBy(() -> TfjsModel.load(dir)).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.FORMAT);
            assertThat(e.getMessage()).contains(fragments);
        });
    }

    @Test
    void pixelShuffleNeedsChannelsDivisibleByBlockSquared() throws IOException {
        rrdn(2);
        for (var l : layers) {
            if (l.get("name").asText().equals("PreShuffle")) ((ObjectNode) l.get("config")).put("filters", 10);
        }
        weightShapes.put("PreShuffle/kernel", new int[] {3, 3, 8, 10});
        weightShapes.put("PreShuffle/bias", new int[] {10});
        write();
        rejects("layer 'pixel_shuffle' (PixelShuffle2x)", "10 channels", "block² = 4");
    }

    @Test
    void pixelShuffleScaleMustMatchItsClass() throws IOException {
        rrdn(2);
        for (var l : layers) {
            if (l.get("name").asText().equals("pixel_shuffle")) ((ObjectNode) l.get("config")).put("scale", 4);
        }
        write();
        rejects("layer 'pixel_shuffle' (PixelShuffle2x)", "scale", "shuffles by 2");
    }

    @Test
    void tfjsSavedTopologyAndKeras3Spellings() throws IOException {
        rrdn(2);
        write();
        ObjectNode root = (ObjectNode) OM.readTree(dir.resolve("model.json").toFile());
        // tfjs' own model.save() puts the model directly under modelTopology, without model_config.
        ObjectNode mc = (ObjectNode) root.at("/modelTopology/model_config");
        mc.put("class_name", "Model");
        ((ObjectNode) mc.get("config")).putArray("input_layers").add("LR_input").add(0).add(0);
        root.set("modelTopology", mc);
        for (var l : (ArrayNode) mc.at("/config/layers")) {
            ObjectNode c = (ObjectNode) l.get("config");
            if (l.get("class_name").asText().equals("LeakyReLU")) {
                c.remove("alpha");
                c.put("negative_slope", 0.25);
            }
            if (l.get("class_name").asText().equals("InputLayer")) c.set("batch_shape", c.remove("batch_input_shape"));
        }
        OM.writeValue(dir.resolve("model.json").toFile(), root);
        TfjsModel m = TfjsModel.load(dir);
        assertThat(m.inputs()).containsExactly(new NodeRef("LR_input", 0, 0));
        assertThat(m.layer("leaky").config()).isEqualTo(new LayerConfig.LeakyReLU(0.25f));
    }

    @Test
    void sequentialModelsAreRefusedClearly() throws IOException {
        rrdn(2);
        write();
        ObjectNode root = (ObjectNode) OM.readTree(dir.resolve("model.json").toFile());
        ((ObjectNode) root.at("/modelTopology/model_config")).put("class_name", "Sequential");
        OM.writeValue(dir.resolve("model.json").toFile(), root);
        rejects("'Sequential'", "functional");
    }

    @Test
    void samePaddingFollowsTensorFlow() {
        // pad_total = max((ceil(in/s) - 1) * s + (k-1)*d + 1 - in, 0); the odd pixel goes after.
        assertThat(LayerConfig.Conv2D.samePads(5, 4, 1, 1)).containsExactly(1, 2);
        assertThat(LayerConfig.Conv2D.samePads(7, 3, 2, 1)).containsExactly(1, 1);
        assertThat(LayerConfig.Conv2D.samePads(8, 3, 2, 1)).containsExactly(0, 1);
        assertThat(LayerConfig.Conv2D.samePads(9, 3, 1, 2)).containsExactly(2, 2);
        assertThat(LayerConfig.Conv2D.samePads(1, 1, 1, 1)).containsExactly(0, 0);
    }
}

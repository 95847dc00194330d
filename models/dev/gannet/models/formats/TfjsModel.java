// Reader of TensorFlow.js layers models (model.json + weight shards): an immutable, validated
// description of the Keras graph and its float32 weights in host memory, ready for an importer.
package dev.gannet.models.formats;

import dev.gannet.models.formats.Json.Loc;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loading proves the model is whole before it allocates weights: every layer class and config field
 * is one gannet understands, references resolve and form no cycle, channel counts agree along the
 * graph, each Conv2D's kernel and bias shapes match its config and input channels, every manifest
 * weight is used exactly by one layer, and the shards hold exactly the manifest's bytes. Any failure
 * is a {@link GannetException} with {@link ErrorCode#FORMAT} naming the file and the layer or field
 * ({@link ErrorCode#IO} when a file cannot be read at all).
 */
public final class TfjsModel {
    /** Topologies are a few hundred KiB; a bigger model.json is not a model gannet can run anyway. */
    public static final long MAX_MODEL_JSON_BYTES = 64L << 20;

    private final Path file;
    private final String name;
    private final List<Layer> layers;
    private final Map<String, Layer> byName;
    private final List<NodeRef> inputs;
    private final List<NodeRef> outputs;
    private final Map<String, Weight> weights;
    private final Map<String, Integer> channels;

    private TfjsModel(Path file, TfjsTopology topology, Map<String, Weight> weights, Map<String, Integer> channels) {
        this.file = file;
        this.name = topology.name();
        this.layers = topology.layers();
        Map<String, Layer> m = new LinkedHashMap<>();
        for (Layer l : layers) m.put(l.name(), l);
        this.byName = Collections.unmodifiableMap(m);
        this.inputs = topology.inputs();
        this.outputs = topology.outputs();
        this.weights = Collections.unmodifiableMap(weights);
        this.channels = Collections.unmodifiableMap(channels);
    }

    /** Loads a model from its directory (containing model.json) or from the model.json file itself. */
    public static TfjsModel load(Path path) {
        Path json = Files.isDirectory(path) ? path.resolve("model.json") : path;
        Path dir = json.toAbsolutePath().getParent();
        Loc loc = Loc.of(json.toString());
        byte[] bytes = readModelJson(json);
        var root = Json.object(Json.parse(bytes, loc), loc);
        String format = Json.string(root, "format", "layers-model", loc);
        if (!format.equals("layers-model")) {
            throw loc.at("format").fail("is '%s', gannet reads TF.js layers models ('layers-model')", format);
        }
        TfjsManifest manifest = TfjsManifest.parse(root, dir, loc);
        manifest.checkShards();
        TfjsTopology topology = TfjsTopology.parse(root, loc);
        Map<String, Integer> channels = bind(topology, manifest, loc);
        Map<String, float[]> data = manifest.read();
        Map<String, Weight> weights = new LinkedHashMap<>();
        for (TfjsManifest.Entry e : manifest.entries().values()) {
            weights.put(e.name(), new Weight(e.name(), e.shape(), data.get(e.name())));
        }
        return new TfjsModel(json, topology, weights, channels);
    }

    private static byte[] readModelJson(Path json) {
        try {
            long size = Files.size(json);
            if (size > MAX_MODEL_JSON_BYTES) {
                throw new GannetException(ErrorCode.FORMAT, json + ": " + size + " bytes, more than the "
                        + MAX_MODEL_JSON_BYTES + " a layers-model topology may have");
            }
            return Files.readAllBytes(json);
        } catch (NoSuchFileException e) {
            throw new GannetException(ErrorCode.IO, json + ": no such file (a TF.js layers model is a directory "
                    + "with model.json and its weight shards)", e);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, json + ": cannot read: " + e, e);
        }
    }

    /**
     * Infers each layer's output channel count in topological order and checks the weights each
     * layer needs against the manifest; returns the channel counts.
     */
    private static Map<String, Integer> bind(TfjsTopology topology, TfjsManifest manifest, Loc file) {
        Map<String, Integer> ch = new HashMap<>();
        Map<String, String> usedBy = new HashMap<>();
        for (Layer l : topology.layers()) {
            Loc loc = TfjsTopology.layerLoc(file, l);
            List<Integer> in = new ArrayList<>();
            for (NodeRef r : l.inbound()) in.add(ch.get(r.layer()));
            int out = switch (l.config()) {
                case LayerConfig.InputLayer i -> i.channels();
                case LayerConfig.Conv2D c -> {
                    int cin = in.get(0);
                    need(manifest, l.name() + "/kernel", List.of(c.kernelH(), c.kernelW(), cin, c.filters()), usedBy, l,
                            loc, "kernel_size %dx%d, filters %d and %d input channels".formatted(c.kernelH(),
                                    c.kernelW(), c.filters(), cin));
                    if (c.useBias()) {
                        need(manifest, l.name() + "/bias", List.of(c.filters()), usedBy, l, loc,
                                "filters " + c.filters());
                    }
                    yield c.filters();
                }
                case LayerConfig.Add _ -> {
                    for (int k = 1; k < in.size(); k++) {
                        if (!in.get(k).equals(in.get(0))) {
                            throw loc.fail("adds tensors with different channel counts: %s", describe(l, in));
                        }
                    }
                    yield in.get(0);
                }
                case LayerConfig.Concatenate _ -> {
                    long sum = 0;
                    for (int v : in) sum += v;
                    if (sum > Integer.MAX_VALUE) throw loc.fail("concatenates %d channels, too many", sum);
                    yield (int) sum;
                }
                case LayerConfig.PixelShuffle p -> {
                    int bb = p.block() * p.block();
                    if (in.get(0) % bb != 0) {
                        throw loc.fail("its input '%s' has %d channels, not divisible by block² = %d",
                                l.inbound().get(0).layer(), in.get(0), bb);
                    }
                    yield in.get(0) / bb;
                }
                // Element-wise or spatial only: channels pass through.
                case LayerConfig.ActivationLayer _, LayerConfig.LeakyReLU _, LayerConfig.UpSampling2D _,
                        LayerConfig.MultiplyBeta _ -> in.get(0);
            };
            ch.put(l.name(), out);
        }
        List<String> unused = new ArrayList<>();
        for (String w : manifest.entries().keySet()) if (!usedBy.containsKey(w)) unused.add(w);
        if (!unused.isEmpty()) {
            throw file.within("weightsManifest").fail("weights that no layer uses: %s (a layer was renamed or removed, "
                    + "or a Conv2D has use_bias false but a bias is stored)", String.join(", ", unused));
        }
        return ch;
    }

    private static void need(TfjsManifest manifest, String weight, List<Integer> shape, Map<String, String> usedBy,
            Layer l, Loc loc, String why) {
        TfjsManifest.Entry e = manifest.entries().get(weight);
        if (e == null) throw loc.fail("needs weight '%s', which the weightsManifest does not list", weight);
        if (!e.shape().equals(shape)) {
            throw loc.fail("weight '%s' has shape %s but %s need %s", weight, e.shape(), why, shape);
        }
        usedBy.put(weight, l.name());
    }

    private static String describe(Layer l, List<Integer> channels) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) parts.add(l.inbound().get(i).layer() + " " + channels.get(i));
        return String.join(", ", parts);
    }

    /** The model.json this model was read from. */
    public Path file() {
        return file;
    }

    public String name() {
        return name;
    }

    /** All layers, each after the layers it reads (file order where the file allows it). */
    public List<Layer> layers() {
        return layers;
    }

    public Layer layer(String layerName) {
        Layer l = byName.get(layerName);
        if (l == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, file + ": no layer '" + layerName + "'");
        return l;
    }

    public List<NodeRef> inputs() {
        return inputs;
    }

    public List<NodeRef> outputs() {
        return outputs;
    }

    /** Output channel count of a layer, inferred along the graph from the inputs. */
    public int channels(String layerName) {
        return channels.get(layer(layerName).name());
    }

    /** All weights by name, in manifest order. */
    public Map<String, Weight> weights() {
        return weights;
    }

    public Weight weight(String weightName) {
        Weight w = weights.get(weightName);
        if (w == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, file + ": no weight '" + weightName + "'");
        return w;
    }

    /** The HWIO kernel of a Conv2D layer ({@link Weight#toOhwi()} gives gannet's layout). */
    public Weight kernel(String convLayer) {
        requireConv(convLayer);
        return weight(convLayer + "/kernel");
    }

    /** The bias of a Conv2D layer, empty when it has use_bias false. */
    public Optional<Weight> bias(String convLayer) {
        requireConv(convLayer);
        return Optional.ofNullable(weights.get(convLayer + "/bias"));
    }

    private void requireConv(String layerName) {
        Layer l = layer(layerName);
        if (!(l.config() instanceof LayerConfig.Conv2D)) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    file + ": layer '" + layerName + "' is a " + l.className() + ", not a Conv2D");
        }
    }

    /** Total number of weight values. */
    public long parameterCount() {
        long n = 0;
        for (Weight w : weights.values()) n += w.numel();
        return n;
    }

    @Override
    public String toString() {
        return "TfjsModel[" + name + ", " + layers.size() + " layers, " + parameterCount() + " parameters, " + file + "]";
    }
}

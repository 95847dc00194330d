// Reads the Keras functional topology of a TF.js layers model (modelTopology in model.json): layers
// with typed configs, their inbound references, the model inputs/outputs, in topological order.
package dev.gannet.models.formats;

import static dev.gannet.models.formats.Json.array;
import static dev.gannet.models.formats.Json.bool;
import static dev.gannet.models.formats.Json.finiteNumber;
import static dev.gannet.models.formats.Json.intValue;
import static dev.gannet.models.formats.Json.object;
import static dev.gannet.models.formats.Json.optional;
import static dev.gannet.models.formats.Json.positiveInt;
import static dev.gannet.models.formats.Json.string;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gannet.models.formats.Json.Loc;
import dev.gannet.models.formats.LayerConfig.Padding;
import dev.gannet.ops.Activation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

record TfjsTopology(String name, List<Layer> layers, List<NodeRef> inputs, List<NodeRef> outputs) {

    static TfjsTopology parse(ObjectNode root, Loc file) {
        Loc loc = file.at("modelTopology");
        ObjectNode topology = Json.object(root, "modelTopology", file);
        // The Keras-h5 converter nests the model under model_config; tfjs' own save() does not.
        ObjectNode model = topology.has("model_config") ? object(topology, "model_config", loc) : topology;
        if (topology.has("model_config")) loc = loc.at("model_config");
        String modelClass = string(model, "class_name", loc);
        if (!modelClass.equals("Functional") && !modelClass.equals("Model")) {
            throw loc.at("class_name").fail("model class '%s' is not supported (gannet reads functional models: "
                    + "Functional, Model)", modelClass);
        }
        ObjectNode config = object(model, "config", loc);
        Loc cl = loc.at("config");
        String name = string(config, "name", "model", cl);

        ArrayNode layerNodes = array(config, "layers", cl);
        Map<String, Layer> byName = new LinkedHashMap<>();
        for (int i = 0; i < layerNodes.size(); i++) {
            Layer layer = parseLayer(layerNodes.get(i), cl.at("layers").at(i), file);
            if (byName.putIfAbsent(layer.name(), layer) != null) {
                throw file.within("layer '" + layer.name() + "'").fail("two layers have this name");
            }
        }
        if (byName.isEmpty()) throw cl.at("layers").fail("the model has no layers");
        for (Layer l : byName.values()) {
            for (NodeRef ref : l.inbound()) checkRef(ref, byName, layerLoc(file, l).at("inbound_nodes"));
        }
        List<NodeRef> inputs = refs(config, "input_layers", cl);
        List<NodeRef> outputs = refs(config, "output_layers", cl);
        if (inputs.isEmpty()) throw cl.at("input_layers").fail("the model has no inputs");
        if (outputs.isEmpty()) throw cl.at("output_layers").fail("the model has no outputs");
        for (NodeRef r : inputs) {
            checkRef(r, byName, cl.at("input_layers"));
            if (!(byName.get(r.layer()).config() instanceof LayerConfig.InputLayer)) {
                throw cl.at("input_layers").fail("'%s' is a %s, not an InputLayer", r.layer(),
                        byName.get(r.layer()).className());
            }
        }
        for (NodeRef r : outputs) checkRef(r, byName, cl.at("output_layers"));
        return new TfjsTopology(name, topologicalOrder(byName, file), List.copyOf(inputs), List.copyOf(outputs));
    }

    static Loc layerLoc(Loc file, Layer l) {
        return file.within("layer '" + l.name() + "' (" + l.className() + ")");
    }

    private static Layer parseLayer(JsonNode node, Loc at, Loc file) {
        ObjectNode o = object(node, at);
        String cls = string(o, "class_name", at);
        ObjectNode config = object(o, "config", at);
        // Keras 2 writes the name both beside and inside config; inbound references use the outer one.
        String name = o.has("name") ? string(o, "name", at) : string(config, "name", at.at("config"));
        if (name.isEmpty()) throw at.fail("layer name is empty");
        Loc loc = file.within("layer '" + name + "' (" + cls + ")");
        if (!LayerConfig.KNOWN_CLASSES.contains(cls)) {
            throw loc.fail("layer class '%s' is not one gannet reads (known: %s)", cls,
                    String.join(", ", LayerConfig.KNOWN_CLASSES));
        }
        LayerConfig cfg = parseConfig(cls, config, loc.at("config"));
        List<NodeRef> inbound = inbound(o, cfg, loc);
        return new Layer(cls, name, cfg, inbound);
    }

    private static List<NodeRef> inbound(ObjectNode o, LayerConfig cfg, Loc loc) {
        JsonNode n = optional(o, "inbound_nodes");
        ArrayNode nodes = n == null ? Json.MAPPER.createArrayNode() : array(n, loc.at("inbound_nodes"));
        boolean isInput = cfg instanceof LayerConfig.InputLayer;
        if (isInput) {
            if (!nodes.isEmpty()) throw loc.at("inbound_nodes").fail("an InputLayer takes no inputs");
            return List.of();
        }
        if (nodes.isEmpty()) throw loc.at("inbound_nodes").fail("the layer is never called (no inbound node)");
        if (nodes.size() > 1) {
            throw loc.at("inbound_nodes").fail("the layer is called %d times; shared layers are not supported",
                    nodes.size());
        }
        Loc nl = loc.at("inbound_nodes").at(0);
        ArrayNode call = array(nodes.get(0), nl);
        List<NodeRef> refs = new ArrayList<>();
        for (int i = 0; i < call.size(); i++) {
            ArrayNode entry = array(call.get(i), nl.at(i));
            refs.add(ref(entry, nl.at(i), true));
        }
        boolean merge = cfg instanceof LayerConfig.Add || cfg instanceof LayerConfig.Concatenate;
        if (!merge && refs.size() != 1) {
            throw nl.fail("the layer takes one input, the node lists %d", refs.size());
        }
        if (refs.isEmpty()) throw nl.fail("the layer is called on no inputs");
        return refs;
    }

    /** [name, node, tensor] with an optional kwargs object (inbound nodes carry one, input_layers do not). */
    private static NodeRef ref(ArrayNode entry, Loc at, boolean kwargsAllowed) {
        int max = kwargsAllowed ? 4 : 3;
        if (entry.size() < 3 || entry.size() > max) {
            throw at.fail("a tensor reference is [layer, node, tensor%s], found %d entries",
                    kwargsAllowed ? ", kwargs" : "", entry.size());
        }
        String layer = string(entry.get(0), at.at(0));
        int node = intValue(entry.get(1), at.at(1));
        int tensor = intValue(entry.get(2), at.at(2));
        if (entry.size() == 4) object(entry.get(3), at.at(3));
        return new NodeRef(layer, node, tensor);
    }

    private static List<NodeRef> refs(ObjectNode config, String key, Loc cl) {
        ArrayNode a = array(config, key, cl);
        // Some writers flatten a single reference to [name, node, tensor].
        if (!a.isEmpty() && a.get(0).isTextual()) return List.of(ref(a, cl.at(key), false));
        List<NodeRef> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) out.add(ref(array(a.get(i), cl.at(key).at(i)), cl.at(key).at(i), false));
        return out;
    }

    private static void checkRef(NodeRef ref, Map<String, Layer> byName, Loc loc) {
        if (!byName.containsKey(ref.layer())) {
            throw loc.fail("refers to layer '%s', which the model does not have", ref.layer());
        }
        // Every layer gannet reads is called once and has one output.
        if (ref.nodeIndex() != 0) {
            throw loc.fail("refers to call %d of layer '%s', which is called once", ref.nodeIndex(), ref.layer());
        }
        if (ref.tensorIndex() != 0) {
            throw loc.fail("refers to output %d of layer '%s', which has one output", ref.tensorIndex(), ref.layer());
        }
    }

    private static LayerConfig parseConfig(String cls, ObjectNode c, Loc loc) {
        return switch (cls) {
            case "InputLayer" -> input(c, loc);
            case "Conv2D" -> conv2d(c, loc);
            case "Activation" -> new LayerConfig.ActivationLayer(activation(c, loc, null));
            case "LeakyReLU" -> leaky(c, loc);
            case "Add" -> new LayerConfig.Add();
            case "Concatenate" -> {
                JsonNode axisNode = optional(c, "axis");
                int axis = axisNode == null ? -1 : intValue(axisNode, loc.at("axis"));
                // Activations are rank-4 NHWC, so only the channel axis is a concatenation gannet does with views.
                if (axis != -1 && axis != 3) {
                    throw loc.at("axis").fail("is %d, gannet concatenates channels only (-1 or 3)", axis);
                }
                yield new LayerConfig.Concatenate();
            }
            case "UpSampling2D" -> upsampling(c, loc);
            case "MultiplyBeta" -> {
                JsonNode b = optional(c, "beta");
                // The published UpscalerJS layer hard-codes 0.2 and older exports omit the field.
                yield new LayerConfig.MultiplyBeta(b == null ? 0.2f : (float) finiteNumber(b, loc.at("beta")));
            }
            case "PixelShuffle2x", "PixelShuffle3x", "PixelShuffle4x", "PixelShuffle8x" -> {
                int block = cls.charAt("PixelShuffle".length()) - '0';
                JsonNode s = optional(c, "scale");
                if (s != null && intValue(s, loc.at("scale")) != block) {
                    throw loc.at("scale").fail("is %s but the class %s shuffles by %d", s.asText(), cls, block);
                }
                yield new LayerConfig.PixelShuffle(block);
            }
            default -> throw loc.fail("no reader for layer class '%s'", cls);
        };
    }

    private static LayerConfig.InputLayer input(ObjectNode c, Loc loc) {
        String key = c.has("batch_input_shape") ? "batch_input_shape" : "batch_shape";
        ArrayNode shape = array(c, key, loc);
        if (shape.size() != 4) {
            throw loc.at(key).fail("has %d dimensions, gannet's inputs are NHWC images (4)", shape.size());
        }
        int[] dims = new int[4];
        for (int i = 1; i < 4; i++) {
            JsonNode d = shape.get(i);
            dims[i] = d.isNull() ? -1 : positiveInt(d, loc.at(key).at(i));
        }
        if (!shape.get(0).isNull()) positiveInt(shape.get(0), loc.at(key).at(0));
        if (dims[3] < 0) throw loc.at(key).fail("the channel count must be known, found null");
        String dtype = string(c, "dtype", "float32", loc);
        if (!dtype.equals("float32")) throw loc.at("dtype").fail("is '%s', gannet reads float32 inputs", dtype);
        return new LayerConfig.InputLayer(dims[1], dims[2], dims[3]);
    }

    private static LayerConfig.Conv2D conv2d(ObjectNode c, Loc loc) {
        int filters = positiveInt(Json.required(c, "filters", loc), loc.at("filters"));
        int[] k = pair(c, "kernel_size", null, loc);
        int[] s = pair(c, "strides", new int[] {1, 1}, loc);
        int[] d = pair(c, "dilation_rate", new int[] {1, 1}, loc);
        if ((s[0] > 1 || s[1] > 1) && (d[0] > 1 || d[1] > 1)) {
            throw loc.fail("strides %dx%d with dilation_rate %dx%d: Keras allows only one of them above 1", s[0], s[1],
                    d[0], d[1]);
        }
        String pad = string(c, "padding", "valid", loc);
        Padding padding = switch (pad) {
            case "same" -> Padding.SAME;
            case "valid" -> Padding.VALID;
            default -> throw loc.at("padding").fail("is '%s', expected 'same' or 'valid'", pad);
        };
        channelsLast(c, loc);
        JsonNode g = optional(c, "groups");
        if (g != null && intValue(g, loc.at("groups")) != 1) {
            throw loc.at("groups").fail("is %s, gannet reads ungrouped convolutions only (groups 1)", g.asText());
        }
        Activation act = activation(c, loc, Activation.NONE);
        boolean useBias = bool(c, "use_bias", true, loc);
        return new LayerConfig.Conv2D(filters, k[0], k[1], s[0], s[1], padding, d[0], d[1], act, useBias);
    }

    private static LayerConfig.LeakyReLU leaky(ObjectNode c, Loc loc) {
        // Keras 2 calls the slope alpha (default 0.3), Keras 3 negative_slope.
        String key = c.has("negative_slope") ? "negative_slope" : "alpha";
        JsonNode a = optional(c, key);
        return new LayerConfig.LeakyReLU(a == null ? 0.3f : (float) finiteNumber(a, loc.at(key)));
    }

    private static LayerConfig.UpSampling2D upsampling(ObjectNode c, Loc loc) {
        int[] size = pair(c, "size", new int[] {2, 2}, loc);
        channelsLast(c, loc);
        String interp = string(c, "interpolation", "nearest", loc);
        // Keras' bilinear is tf.image.resize(half_pixel_centers); gannet only promises nearest here.
        if (!interp.equals("nearest")) {
            throw loc.at("interpolation").fail("is '%s', gannet reads nearest-neighbour upsampling only", interp);
        }
        return new LayerConfig.UpSampling2D(size[0], size[1]);
    }

    private static void channelsLast(ObjectNode c, Loc loc) {
        String df = string(c, "data_format", "channels_last", loc);
        if (!df.equals("channels_last")) {
            throw loc.at("data_format").fail("is '%s', gannet's activations are NHWC (channels_last)", df);
        }
    }

    private static Activation activation(ObjectNode c, Loc loc, Activation absent) {
        JsonNode n = optional(c, "activation");
        if (n == null) {
            if (absent == null) throw loc.fail("missing field 'activation'");
            return absent;
        }
        String a = string(n, loc.at("activation"));
        return switch (a) {
            case "linear" -> Activation.NONE;
            case "relu" -> Activation.RELU;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            default -> throw loc.at("activation").fail("'%s' is not supported (known: linear, relu, sigmoid, tanh)", a);
        };
    }

    /** Keras writes 2-D sizes as [h, w]; a bare integer means the same value twice. */
    private static int[] pair(ObjectNode c, String key, int[] absent, Loc loc) {
        JsonNode n = optional(c, key);
        Loc at = loc.at(key);
        if (n == null) {
            if (absent == null) throw loc.fail("missing field '%s'", key);
            return absent;
        }
        if (n.isIntegralNumber()) {
            int v = positiveInt(n, at);
            return new int[] {v, v};
        }
        ArrayNode a = array(n, at);
        if (a.size() != 2) throw at.fail("must have 2 entries, found %d", a.size());
        return new int[] {positiveInt(a.get(0), at.at(0)), positiveInt(a.get(1), at.at(1))};
    }

    /** Kahn's algorithm, taking ready layers in file order so a file already in order keeps it. */
    private static List<Layer> topologicalOrder(Map<String, Layer> byName, Loc file) {
        List<Layer> all = new ArrayList<>(byName.values());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < all.size(); i++) index.put(all.get(i).name(), i);
        int[] pending = new int[all.size()];
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) consumers.add(new ArrayList<>());
        for (int i = 0; i < all.size(); i++) {
            for (NodeRef r : all.get(i).inbound()) {
                pending[i]++;
                consumers.get(index.get(r.layer())).add(i);
            }
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < all.size(); i++) if (pending[i] == 0) ready.add(i);
        List<Layer> order = new ArrayList<>(all.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(all.get(i));
            for (int c : consumers.get(i)) if (--pending[c] == 0) ready.add(c);
        }
        if (order.size() != all.size()) throw cycle(all, index, pending, file);
        return List.copyOf(order);
    }

    /** Walks inputs from a stuck layer until a layer repeats, and names that cycle. */
    private static RuntimeException cycle(List<Layer> all, Map<String, Integer> index, int[] pending, Loc file) {
        int start = 0;
        while (pending[start] == 0) start++;
        List<Integer> path = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        int cur = start;
        while (seen.add(cur)) {
            path.add(cur);
            int next = -1;
            for (NodeRef r : all.get(cur).inbound()) {
                int j = index.get(r.layer());
                if (pending[j] > 0) {
                    next = j;
                    break;
                }
            }
            cur = next; // a stuck layer always has a stuck input, else it would have become ready
        }
        List<String> names = new ArrayList<>();
        for (int i = path.indexOf(cur); i < path.size(); i++) names.add(all.get(path.get(i)).name());
        names.add(all.get(cur).name());
        java.util.Collections.reverse(names);
        return file.within("modelTopology").fail("the layers form a cycle: %s", String.join(" -> ", names));
    }
}

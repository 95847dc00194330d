// A graph's parameters as a PyTorch state dict: PyTorch's default random initialization (seeded),
// strict loading from safetensors by parameter name with one message for every problem, and saving.
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Param;
import dev.gannet.graph.ParamLayout;
import dev.gannet.graph.WeightData;
import dev.gannet.models.formats.SafeTensor;
import dev.gannet.models.formats.Safetensors;
import dev.gannet.models.formats.SafetensorsDType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Parameter slots carry PyTorch's names and layouts ({@link Param#torchShape()}), so a state dict
 * converted to safetensors ({@code safetensors.torch.save_file(model.state_dict(), f)}) loads by
 * name. PyTorch's BatchNorm also stores an int64 {@code num_batches_tracked} counter, which is no
 * slot (inference does not use it): loading accepts it for every BatchNorm, saving writes it (0) so
 * that PyTorch's strict {@code load_state_dict} accepts gannet's files.
 */
public final class StateDicts {
    private static final String COUNTER = ".num_batches_tracked";

    private StateDicts() {}

    /**
     * Binds every slot without values to PyTorch's default initialization, drawn in slot order from
     * {@code seed}: conv, transposed conv and linear weights kaiming-uniform with a = √5 (uniform in
     * ±1/√fan_in) and their biases uniform in ±1/√fan_in, where fan_in is in·k·k for a conv,
     * out·k·k for a transposed conv (PyTorch takes it from the weight's second dimension) and in for
     * a linear layer; norm weights 1 and biases 0; running means 0 and variances 1.
     */
    public static Graph initialize(Graph g, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, WeightData> values = new LinkedHashMap<>();
        for (Param p : g.params().values()) {
            if (g.weights().containsKey(p.name())) continue;
            int n = Math.toIntExact(p.shape().numel());
            float[] v = switch (p.layout()) {
                case CONV, CONV_TRANSPOSE, MATRIX -> uniform(random, n, 1 / Math.sqrt(fanIn(p)));
                case VECTOR -> vector(g, p, random, n);
                case TENSOR -> throw new GannetException(ErrorCode.UNSUPPORTED, g.name() + ": parameter " + p.describe()
                        + " has no PyTorch default initialization (bind its values)");
            };
            values.put(p.name(), WeightData.of(v));
        }
        return g.withWeights(values);
    }

    /** fan_in as torch.nn.init._calculate_fan_in_and_fan_out computes it: weight.size(1) · receptive field. */
    static long fanIn(Param p) {
        long[] t = p.torchShape();
        long receptive = 1;
        for (int i = 2; i < t.length; i++) receptive *= t[i];
        return t[1] * receptive;
    }

    private static float[] vector(Graph g, Param p, SplittableRandom random, int n) {
        String name = p.name();
        int dot = name.lastIndexOf('.');
        String prefix = dot < 0 ? "" : name.substring(0, dot);
        String leaf = name.substring(dot + 1);
        Param owner = g.params().get(prefix + ".weight");
        return switch (leaf) {
            case "running_mean" -> new float[n];
            case "running_var" -> filled(n, 1f);
            case "weight" -> filled(n, 1f); // a vector weight is a norm's gamma
            case "bias" -> {
                if (owner != null && owner.layout() != ParamLayout.VECTOR) {
                    yield uniform(random, n, 1 / Math.sqrt(fanIn(owner)));
                }
                yield new float[n]; // a norm's beta (or a free bias): zeros
            }
            default -> throw new GannetException(ErrorCode.UNSUPPORTED, g.name() + ": parameter " + p.describe()
                    + " is no weight, bias or running statistic; PyTorch has no default for it (bind its values)");
        };
    }

    private static float[] uniform(SplittableRandom random, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return a;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /** The BatchNorm prefixes of a graph: slots named {@code <prefix>.running_mean}. */
    static List<String> batchNormPrefixes(Graph g) {
        List<String> l = new ArrayList<>();
        for (String n : g.params().keySet()) {
            if (n.endsWith(".running_mean")) l.add(n.substring(0, n.length() - ".running_mean".length()));
        }
        return l;
    }

    /**
     * The graph with every slot bound to the file's tensor of the same name (F32, F16 or BF16, in
     * PyTorch's layout). The file must hold exactly the graph's slots with PyTorch's shapes, plus
     * optionally each BatchNorm's {@code num_batches_tracked}; names {@code ignored} accepts are
     * skipped (e.g. the InstanceNorm running statistics old fast-neural-style checkpoints carry).
     * Otherwise ONE {@link ErrorCode#FORMAT} error lists every missing, unexpected, mis-shaped and
     * wrongly typed tensor with its shape.
     */
    public static Graph load(Graph g, Safetensors file, Predicate<String> ignored) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<String> badType = new ArrayList<>();
        Map<String, WeightData> values = new LinkedHashMap<>();
        for (Param p : g.params().values()) {
            List<Long> want = Arrays.stream(p.torchShape()).boxed().toList();
            if (!file.contains(p.name())) {
                missing.add(p.name() + " " + want);
                continue;
            }
            SafeTensor t = file.tensor(p.name());
            if (!t.shape().equals(want)) {
                misShaped.add(p.name() + " is " + t.shape() + " in the file, the model needs " + want);
                continue;
            }
            switch (t.dtype()) {
                case F32, F16, BF16 -> values.put(p.name(), WeightData.torch(t.toFloatArray()));
                default -> badType.add(p.name() + " is " + t.dtype() + " (F32, F16 or BF16 needed)");
            }
        }
        List<String> counters = batchNormPrefixes(g).stream().map(s -> s + COUNTER).toList();
        for (String n : file.names()) {
            if (g.params().containsKey(n) || ignored.test(n)) continue;
            if (counters.contains(n) && file.tensor(n).shape().isEmpty()) continue;
            unexpected.add(n + " " + file.tensor(n).shape());
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty() || !badType.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) parts.add(missing.size() + " missing: " + String.join(", ", missing));
            if (!unexpected.isEmpty()) parts.add(unexpected.size() + " unexpected: " + String.join(", ", unexpected));
            if (!misShaped.isEmpty()) parts.add(misShaped.size() + " mis-shaped: " + String.join("; ", misShaped));
            if (!badType.isEmpty()) parts.add(badType.size() + " of another type: " + String.join("; ", badType));
            throw new GannetException(ErrorCode.FORMAT, file.file() + " does not fit " + g.name() + ": "
                    + String.join("; ", parts));
        }
        return g.withWeights(values);
    }

    /** Loads a safetensors file into the graph (see {@link #load(Graph, Safetensors, Predicate)}). */
    public static Graph load(Graph g, Path file, Predicate<String> ignored) {
        try (Safetensors st = Safetensors.open(file)) {
            return load(g, st, ignored);
        }
    }

    /**
     * Writes every bound slot in PyTorch's layout (F32), plus an int64 {@code num_batches_tracked} of
     * 0 per BatchNorm, as a safetensors file (atomically). Unbound slots are an error naming them.
     */
    public static void save(Graph g, Path file, Map<String, String> metadata) {
        if (!g.unboundParams().isEmpty()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, g.name() + ": parameters without values cannot be "
                    + "saved: " + g.unboundParams());
        }
        var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        try (Arena arena = Arena.ofConfined()) {
            List<SafeTensor> tensors = new ArrayList<>();
            for (Param p : g.params().values()) {
                float[] torch = p.layout().toTorch(g.weights().get(p.name()).toGannet(p), p.shape());
                MemorySegment seg = arena.allocate(4L * torch.length, 4);
                MemorySegment.copy(torch, 0, seg, f32, 0, torch.length);
                tensors.add(new SafeTensor(p.name(), SafetensorsDType.F32, Arrays.stream(p.torchShape()).boxed()
                        .toList(), seg));
            }
            for (String bn : batchNormPrefixes(g)) {
                MemorySegment zero = arena.allocate(8, 8); // allocate zero-fills
                tensors.add(new SafeTensor(bn + COUNTER, SafetensorsDType.I64, List.of(), zero));
            }
            Safetensors.write(file, metadata, tensors);
        }
    }
}

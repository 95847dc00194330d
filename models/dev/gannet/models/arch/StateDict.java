// A model's parameters by PyTorch name, in PyTorch's layouts (conv OIHW, transposed conv IOHW, linear
// OI): declared with PyTorch's default initialization, loaded strictly from safetensors, saved back.
package dev.gannet.models.arch;

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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Entries keep the order they were declared in, which is the order of the module's
 * {@code state_dict()} in PyTorch. Values are float32 in memory; a BatchNorm's
 * {@code num_batches_tracked} is an int64 counter that is written (so PyTorch's strict
 * {@code load_state_dict} accepts the file) and, when loading, may be present or absent.
 *
 * <p>Random initialization follows PyTorch's defaults, from a seeded generator: convolution,
 * transposed convolution and linear weights kaiming-uniform with a = √5, i.e. uniform in
 * ±1/√fan_in, their biases uniform in ±1/√fan_in (fan_in of a transposed conv is out_channels·k·k,
 * as PyTorch computes it from the weight's second dimension); norm weights 1 and biases 0; running
 * means 0 and variances 1.
 */
public final class StateDict {
    /** One parameter or buffer. {@code counter} marks an int64 step counter (num_batches_tracked). */
    public record Entry(String name, List<Integer> shape, float[] data, boolean counter) {
        public int numel() {
            return data.length;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final SplittableRandom random;

    /** An empty state dict whose random initializations draw from {@code seed}. */
    public StateDict(long seed) {
        this.random = new SplittableRandom(seed);
    }

    // ---- declaring parameters ------------------------------------------------------------------

    /** Declares a tensor with the given values (copied). */
    public void put(String name, List<Integer> shape, float[] data) {
        declare(name, shape, data.clone(), false);
    }

    private void declare(String name, List<Integer> shape, float[] data, boolean counter) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) {
            throw new GannetException(ErrorCode.INTERNAL, "state dict: " + name + " " + shape + " holds " + n
                    + " values, given " + data.length);
        }
        if (entries.putIfAbsent(name, new Entry(name, List.copyOf(shape), data, counter)) != null) {
            throw new GannetException(ErrorCode.INTERNAL, "state dict: " + name + " is declared twice");
        }
    }

    private float[] uniform(int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return a;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** nn.Conv2d(in, out, k×k, bias): {@code prefix.weight} [out, in, k, k] (+ {@code prefix.bias} [out]). */
    public void conv(String prefix, int in, int out, int kh, int kw, boolean bias) {
        int fanIn = in * kh * kw;
        double bound = 1 / Math.sqrt(fanIn);
        declare(prefix + ".weight", List.of(out, in, kh, kw), uniform(out * fanIn, bound), false);
        if (bias) declare(prefix + ".bias", List.of(out), uniform(out, bound), false);
    }

    /** nn.ConvTranspose2d(in, out, k×k, bias): {@code prefix.weight} [in, out, k, k] (+ bias [out]). */
    public void convTranspose(String prefix, int in, int out, int kh, int kw, boolean bias) {
        int fanIn = out * kh * kw; // PyTorch takes fan_in from weight.size(1) = out_channels
        double bound = 1 / Math.sqrt(fanIn);
        declare(prefix + ".weight", List.of(in, out, kh, kw), uniform(in * fanIn, bound), false);
        if (bias) declare(prefix + ".bias", List.of(out), uniform(out, bound), false);
    }

    /** nn.Linear(in, out, bias): {@code prefix.weight} [out, in] (+ bias [out]). */
    public void linear(String prefix, int in, int out, boolean bias) {
        double bound = 1 / Math.sqrt(in);
        declare(prefix + ".weight", List.of(out, in), uniform(out * in, bound), false);
        if (bias) declare(prefix + ".bias", List.of(out), uniform(out, bound), false);
    }

    /** nn.BatchNorm2d(c): weight, bias, running_mean, running_var and the num_batches_tracked counter. */
    public void batchNorm(String prefix, int c) {
        declare(prefix + ".weight", List.of(c), filled(c, 1f), false);
        declare(prefix + ".bias", List.of(c), filled(c, 0f), false);
        declare(prefix + ".running_mean", List.of(c), filled(c, 0f), false);
        declare(prefix + ".running_var", List.of(c), filled(c, 1f), false);
        declare(prefix + ".num_batches_tracked", List.of(), new float[1], true);
    }

    /** nn.InstanceNorm2d(c, affine=True): weight 1 and bias 0 (no running statistics). */
    public void instanceNormAffine(String prefix, int c) {
        declare(prefix + ".weight", List.of(c), filled(c, 1f), false);
        declare(prefix + ".bias", List.of(c), filled(c, 0f), false);
    }

    // ---- reading -------------------------------------------------------------------------------

    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The values of a tensor (the state dict's own array: builders read it, nobody writes it). */
    public float[] get(String name) {
        return entry(name).data();
    }

    public List<Integer> shape(String name) {
        return entry(name).shape();
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new GannetException(ErrorCode.INTERNAL, "state dict has no '" + name + "' (it has " + entries.size()
                    + " entries)");
        }
        return e;
    }

    /** Number of values of the float parameters and buffers (counters excluded). */
    public long parameterCount() {
        long n = 0;
        for (Entry e : entries.values()) if (!e.counter()) n += e.numel();
        return n;
    }

    // ---- loading and saving --------------------------------------------------------------------

    /**
     * Replaces every value with the file's, by name. The file must have exactly this state dict's
     * tensors with the same shapes, except that counters may be absent and names {@code ignored}
     * accepts are skipped (the running statistics old fast-neural-style checkpoints carry for
     * InstanceNorm). Otherwise nothing is changed and ONE {@link ErrorCode#FORMAT} error lists every
     * missing, unexpected, mis-shaped and unreadable tensor with its shape.
     */
    public void load(Safetensors file, String model, Predicate<String> ignored) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<String> badType = new ArrayList<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            if (!file.contains(e.name())) {
                if (!e.counter()) missing.add(e.name() + " " + e.shape());
                continue;
            }
            SafeTensor t = file.tensor(e.name());
            List<Long> want = e.shape().stream().map(Long::valueOf).toList();
            if (!t.shape().equals(want)) {
                misShaped.add(e.name() + " is " + t.shape() + " in the file, the model needs " + e.shape());
                continue;
            }
            if (e.counter()) continue; // the count only matters for training with cumulative averages
            switch (t.dtype()) {
                case F32, F16, BF16 -> values.put(e.name(), t.toFloatArray());
                default -> badType.add(e.name() + " is " + t.dtype() + " (F32, F16 or BF16 needed)");
            }
        }
        for (String n : file.names()) {
            if (!entries.containsKey(n) && !ignored.test(n)) {
                unexpected.add(n + " " + file.tensor(n).shape());
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty() || !badType.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) parts.add(missing.size() + " missing: " + String.join(", ", missing));
            if (!unexpected.isEmpty()) parts.add(unexpected.size() + " unexpected: " + String.join(", ", unexpected));
            if (!misShaped.isEmpty()) parts.add(misShaped.size() + " mis-shaped: " + String.join("; ", misShaped));
            if (!badType.isEmpty()) parts.add(badType.size() + " of another type: " + String.join("; ", badType));
            throw new GannetException(ErrorCode.FORMAT, file.file() + " does not fit " + model + ": "
                    + String.join("; ", parts));
        }
        for (var v : values.entrySet()) {
            float[] dst = entries.get(v.getKey()).data();
            System.arraycopy(v.getValue(), 0, dst, 0, dst.length);
        }
    }

    /** Writes every tensor (F32; counters as int64) to a safetensors file, atomically. */
    public void save(Path file, Map<String, String> metadata) {
        try (Arena arena = Arena.ofConfined()) {
            List<SafeTensor> tensors = new ArrayList<>();
            for (Entry e : entries.values()) {
                List<Long> shape = e.shape().stream().map(Long::valueOf).toList();
                MemorySegment seg;
                if (e.counter()) {
                    seg = arena.allocate(8L * e.numel(), 8);
                    for (int i = 0; i < e.numel(); i++) {
                        seg.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                                (long) e.data()[i]);
                    }
                    tensors.add(new SafeTensor(e.name(), SafetensorsDType.I64, shape, seg));
                } else {
                    seg = arena.allocate(4L * e.numel(), 4);
                    MemorySegment.copy(e.data(), 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                            0, e.numel());
                    tensors.add(new SafeTensor(e.name(), SafetensorsDType.F32, shape, seg));
                }
            }
            Safetensors.write(file, metadata, tensors);
        }
    }
}

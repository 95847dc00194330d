// A compiled graph on one device (DESIGN §2): the launch sequence, its constants uploaded and conv
// weights packed, and the activation arena's layout, all decided once per (graph, device, input
// shapes, options). Immutable and shareable between threads: each concurrent run uses an Executor
// of its own (its own activation arena) on its own stream.
package dev.gannet.graph;

import dev.gannet.ops.ConvWeights;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Plan implements AutoCloseable {
    private final Program program;
    private final Device device;
    private final DeviceArena weights;
    private final Map<String, ConvWeights> packed = new HashMap<>();
    private final Map<String, Tensor> dense = new HashMap<>();
    private volatile boolean closed;

    private Plan(Program program, Device device) {
        this.program = program;
        this.device = device;
        this.weights = device.newArena(program.graph.name() + " weights");
    }

    /**
     * Compiles {@code graph} with {@code options} and uploads its constants to {@code device}: conv
     * weights converted to the precision's dtype and packed, vectors as F32. Returns once the
     * uploads are done, so the plan may run on any stream of the device.
     */
    public static Plan build(Graph graph, Device device, PlanOptions options) {
        List<String> unbound = graph.unboundParams();
        if (!unbound.isEmpty()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, graph.name() + ": parameters without values: "
                    + unbound + " (load weights with Graph.withWeights, or bind them when building the graph)");
        }
        Program p = Compiler.compile(graph, options);
        Plan plan = new Plan(p, device);
        try {
            plan.upload();
            return plan;
        } catch (RuntimeException e) {
            plan.close();
            throw e;
        }
    }

    /** The launch list and memory figures without touching a device (what `gannet plan` prints). */
    public static String describe(Graph graph, PlanOptions options) {
        return Compiler.compile(graph, options).describe();
    }

    private void upload() {
        Stream stream = device.defaultStream();
        try (DeviceArena sources = device.newArena(program.graph.name() + " weight sources")) {
            Step.Env env = new Step.Env() {
                public Tensor tensor(Slot s) {
                    if (s.isConstant()) return dense(s.constant, s.dtype);
                    throw new IllegalStateException("no activations while uploading");
                }

                public ConvWeights packed(Const w, boolean transposed, DType dtype) {
                    return packed.computeIfAbsent(key(w, dtype) + (transposed ? "/t" : ""), k -> {
                        Tensor src = sources.of(dtype, w.shape, w.values());
                        return ConvWeights.prepare(weights, stream, src, transposed);
                    });
                }

                public Tensor dense(Const c, DType dtype) {
                    return Plan.this.dense.computeIfAbsent(key(c, dtype), k -> weights.of(dtype, c.shape, c.values()));
                }

                public Tensor vector(Const c) {
                    return dense(c, DType.F32);
                }
            };
            for (Step st : program.steps) st.prepare(env);
            stream.synchronize(); // packing is queued on the stream; sources close after it ran
        }
    }

    private static String key(Const c, DType dtype) {
        return c.label + "@" + dtype;
    }

    // ---- what executors read ------------------------------------------------------------------------

    Program program() {
        return program;
    }

    ConvWeights packedWeights(Const w, boolean transposed, DType dtype) {
        return lookup(packed, key(w, dtype) + (transposed ? "/t" : ""));
    }

    Tensor denseConstant(Const c, DType dtype) {
        return lookup(dense, key(c, dtype));
    }

    private <T> T lookup(Map<String, T> m, String k) {
        checkOpen();
        T t = m.get(k);
        if (t == null) throw new IllegalStateException(program.graph.name() + ": constant " + k + " was not uploaded");
        return t;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("plan of " + program.graph.name() + " is closed");
    }

    // ---- public view ----------------------------------------------------------------------------------

    /**
     * An executor with its own activation arena on this plan's device; runs on any of its streams. Its
     * first run captures the launches into a DeviceGraph and every run replays it.
     */
    public Executor newExecutor() {
        return newExecutor(true);
    }

    /** With {@code capture} false, each run queues the recorded launches one by one (for comparing the two). */
    public Executor newExecutor(boolean capture) {
        checkOpen();
        return new Executor(this, capture);
    }

    public Device device() {
        return device;
    }

    public Graph graph() {
        return program.graph;
    }

    public PlanOptions options() {
        return program.options;
    }

    /** Kernel launches per run. */
    public int launches() {
        return program.launches();
    }

    /** Graph nodes that compute something (inputs and parameter slots not counted). */
    public int graphNodes() {
        return program.graph.computeNodeCount();
    }

    /** Bytes of the activation arena one executor allocates. */
    public long plannedBytes() {
        return program.layout.planned();
    }

    /** Bytes one buffer per tensor would take (the same tensors, no reuse). */
    public long naiveBytes() {
        return program.layout.naive();
    }

    /** Input names with their shapes and dtypes. */
    public Map<String, Op.TensorType> inputs() {
        Map<String, Op.TensorType> m = new LinkedHashMap<>();
        program.inputs.forEach((k, s) -> m.put(k, new Op.TensorType(s.shape, s.dtype)));
        return m;
    }

    public Map<String, Op.TensorType> outputs() {
        Map<String, Op.TensorType> m = new LinkedHashMap<>();
        program.outputs.forEach((k, s) -> m.put(k, new Op.TensorType(s.shape, s.dtype)));
        return m;
    }

    public Shape inputShape(String name) {
        Op.TensorType t = inputs().get(name);
        if (t == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, program.graph.name() + ": no input '" + name
                + "' (inputs: " + program.inputs.keySet() + ")");
        return t.shape();
    }

    /** The launch list with shapes and fusions, and the two summary lines. */
    public String describe() {
        return program.describe();
    }

    /** Frees the uploaded weights; executors of this plan must not run afterwards. Closing twice is harmless. */
    @Override
    public void close() {
        closed = true;
        weights.close();
    }

    @Override
    public String toString() {
        return "Plan[" + program.graph.name() + ", " + device.name() + ", " + program.options.precision() + ", "
                + launches() + " launches]";
    }
}

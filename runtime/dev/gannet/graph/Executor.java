// Runs a Plan: owns one activation arena region laid out by the plan, binds every slot to a view
// of it, and records each step's launch once (params packed, tensors resolved). The first run
// captures that launch sequence into a DeviceGraph (a CUDA graph on cuda and simt); every run
// replays it on the caller's stream. One run at a time per executor; concurrent runs of one plan
// use one executor each.
package dev.gannet.graph;

import dev.gannet.ops.Cast;
import dev.gannet.ops.ConvWeights;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.DeviceBuffer;
import dev.gannet.runtime.DeviceGraph;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.KernelLaunch;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Executor implements AutoCloseable {
    private final Plan plan;
    private final Program program;
    private final DeviceArena arena;
    private final DeviceBuffer region;
    private final Map<Slot, Tensor> views = new IdentityHashMap<>();
    private final List<KernelLaunch> launches;
    private final boolean capture;
    private DeviceGraph graph;

    Executor(Plan plan, boolean capture) {
        this.plan = plan;
        this.capture = capture;
        this.program = plan.program();
        this.arena = plan.device().newArena(program.graph.name() + " activations");
        try {
            this.region = arena.allocateBytes(Math.max(program.layout.planned(), 1));
            RecordingStream rec = new RecordingStream(plan.device());
            Step.Env env = new Step.Env() {
                public Tensor tensor(Slot s) {
                    return view(s);
                }

                public ConvWeights packed(Const w, boolean transposed, DType dtype) {
                    return plan.packedWeights(w, transposed, dtype);
                }

                public Tensor dense(Const c, DType dtype) {
                    return plan.denseConstant(c, dtype);
                }

                public Tensor vector(Const c) {
                    return plan.denseConstant(c, DType.F32);
                }
            };
            for (Step st : program.steps) {
                try {
                    st.emit(rec, env);
                } catch (GannetException e) {
                    throw new GannetException(e.code(), program.graph.name() + ": step '" + st.name + "' (" + st.op()
                            + "): " + e.detail(), e);
                }
            }
            for (KernelLaunch l : rec.launches) {
                var support = plan.device().supports(l.op(), l.dtype(), l.variant());
                if (!support.supported()) {
                    throw new GannetException(ErrorCode.UNSUPPORTED, program.graph.name() + ": " + l.description()
                            + " cannot run on " + plan.device().name() + ": " + support.reason());
                }
            }
            this.launches = List.copyOf(rec.launches);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The view of a slot in this executor's region (constants: the plan's uploaded tensor). */
    private Tensor view(Slot s) {
        if (s.isConstant()) return plan.denseConstant(s.constant, s.dtype);
        Tensor t = views.get(s);
        if (t != null) return t;
        if (s.parent == null) {
            long offset = program.offsets.get(s);
            t = Tensor.of(region, s.dtype, s.shape, s.shape.denseStrides(), offset / s.dtype.size());
        } else {
            Tensor p = view(s.parent);
            t = switch (s.relation) {
                case SLICE -> p.sliceChannels(s.channelOffset, s.shape.c());
                case SAME -> p;
                case RESHAPE -> p.reshape(s.shape);
            };
        }
        views.put(s, t);
        return t;
    }

    /** Where to write input {@code name} before a run (a view of the arena; it is not changed by runs). */
    public Tensor input(String name) {
        Slot s = program.inputs.get(name);
        if (s == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, program.graph.name() + ": no input '"
                + name + "' (inputs: " + program.inputs.keySet() + ")");
        return view(s);
    }

    /** Where output {@code name} is after a run (valid until the next run of this executor). */
    public Tensor output(String name) {
        Slot s = program.outputs.get(name);
        if (s == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, program.graph.name() + ": no output '"
                + name + "' (outputs: " + program.outputs.keySet() + ")");
        return view(s);
    }

    public Map<String, Tensor> outputs() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (String k : program.outputs.keySet()) m.put(k, output(k));
        return m;
    }

    /** Queues the plan's launches on {@code stream} (of the plan's device) over the inputs already written. */
    public void run(Stream stream) {
        plan.checkOpen();
        if (!arena.isOpen()) throw new IllegalStateException("executor of " + program.graph.name() + " is closed");
        if (stream == null || stream.device() != plan.device()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, program.graph.name() + ": the stream must belong to "
                    + "the plan's device " + plan.device().name());
        }
        if (!capture) {
            for (KernelLaunch l : launches) stream.launch(l);
            return;
        }
        DeviceGraph g;
        synchronized (this) {
            if (graph == null) {
                // Captured on the first run's stream; a graph replays on any stream of the device.
                graph = stream.capture(() -> {
                    for (KernelLaunch l : launches) stream.launch(l);
                });
            }
            g = graph;
        }
        g.replay(stream);
    }

    /**
     * Copies (and converts: any dtype the cast op reads) each given tensor into its input, then runs;
     * returns the outputs. Every input must be given, with its input's shape.
     */
    public Map<String, Tensor> run(Stream stream, Map<String, Tensor> given) {
        if (!given.keySet().equals(program.inputs.keySet())) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, program.graph.name() + ": inputs given " + given.keySet()
                    + " but the plan takes " + program.inputs.keySet());
        }
        for (var e : given.entrySet()) {
            Tensor dst = input(e.getKey());
            Tensor src = e.getValue();
            if (src == null || !src.shape().equals(dst.shape())) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, program.graph.name() + ": input '" + e.getKey()
                        + "' must have shape " + dst.shape() + ", got " + (src == null ? "null" : src.shape()));
            }
            Cast.launch(stream, src, dst);
        }
        run(stream);
        return outputs();
    }

    public Plan plan() {
        return plan;
    }

    /** Kernel launches per run. */
    public int launchCount() {
        return launches.size();
    }

    /** Whether runs replay a captured DeviceGraph (true unless the plan was asked not to capture). */
    public boolean captures() {
        return capture;
    }

    /**
     * Frees the captured graph and the activation arena (after the launches queued on it ran).
     * Closing twice is harmless.
     */
    @Override
    public void close() {
        DeviceGraph g;
        synchronized (this) {
            g = graph;
            graph = null;
        }
        try {
            if (g != null) g.close();
        } finally {
            arena.close();
        }
    }
}

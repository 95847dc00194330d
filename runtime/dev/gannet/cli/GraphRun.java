// One run of a Graph on a device for the commands that run a model once (generate, stylize, gram):
// compile a Plan, upload the input, run, and keep the executor open for reading its outputs.
package dev.gannet.cli;

import dev.gannet.graph.Executor;
import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;

/** Outputs are valid until {@link #close()}; the stream is the device's default stream, synchronized. */
final class GraphRun implements AutoCloseable {
    private final Plan plan;
    private final Executor executor;
    final Stream stream;

    private GraphRun(Plan plan, Executor executor, Stream stream) {
        this.plan = plan;
        this.executor = executor;
        this.stream = stream;
    }

    /** Runs {@code graph}, whose only input gets {@code input} (NHWC values), and waits for the result. */
    static GraphRun of(Device device, Graph graph, Precision precision, float[] input) {
        Plan plan = Plan.build(graph, device, PlanOptions.of(precision));
        Executor ex = null;
        try {
            ex = plan.newExecutor();
            if (plan.inputs().size() != 1) {
                throw new GannetException(ErrorCode.INTERNAL, graph.name() + " has inputs " + plan.inputs().keySet()
                        + ", expected one");
            }
            ex.input(plan.inputs().keySet().iterator().next()).copyFrom(input);
            Stream s = device.defaultStream();
            ex.run(s);
            s.synchronize();
            return new GraphRun(plan, ex, s);
        } catch (RuntimeException e) {
            if (ex != null) ex.close();
            plan.close();
            throw e;
        }
    }

    Tensor output(String name) {
        return executor.output(name);
    }

    /** The only output's values. */
    float[] output() {
        if (plan.outputs().size() != 1) {
            throw new GannetException(ErrorCode.INTERNAL, plan + " has outputs " + plan.outputs().keySet());
        }
        return executor.output(plan.outputs().keySet().iterator().next()).toFloatArray();
    }

    @Override
    public void close() {
        try {
            stream.synchronize();
        } finally {
            executor.close();
            plan.close();
        }
    }
}

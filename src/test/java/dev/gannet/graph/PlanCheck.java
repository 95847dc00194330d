// The reusable model-level check of the graph compiler: a graph compiled with every pass and with
// none must compute the same outputs, and both the same as the double-precision reference of the
// graph (GraphReference). Architectures in models/ call fusedMatchesUnfused on their graphs.
package dev.gannet.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.ref.HostTensor;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import org.junit.jupiter.api.Assumptions;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

public final class PlanCheck {
    private PlanCheck() {}

    /** What a check measured, per output: the largest differences relative to the output's largest magnitude. */
    public record Result(String graph, Precision precision, int launchesFused, int launchesUnfused, int graphNodes,
                         long plannedBytes, long naiveBytes, Map<String, double[]> relErrors) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(String.format("%s %s: launches %d fused / %d unfused (graph nodes %d), "
                    + "arena %d / %d B", graph, precision, launchesFused, launchesUnfused, graphNodes, plannedBytes,
                    naiveBytes));
            relErrors.forEach((k, e) -> b.append(String.format("; %s: fused-unfused %.2e, fused-ref %.2e, unfused-ref %.2e",
                    k, e[0], e[1], e[2])));
            return b.toString();
        }
    }

    /** Largest |a - b| allowed relative to max |reference|: fp32 reorders sums and folds; fp16 rounds each stored tensor. */
    public static double tolerance(Precision p) {
        return p == Precision.FP32 ? 2e-5 : 2e-2;
    }

    /**
     * Binds random weights to unbound parameter slots (see {@link #randomWeights}), runs the graph on
     * random inputs (uniform in [-1, 1]; U8 inputs 0..255) with a Plan of every pass and one of none
     * on {@code device}, and asserts that each output agrees between the two and with the reference
     * within {@link #tolerance}. Returns the measurements.
     */
    public static Result fusedMatchesUnfused(Graph graph, Device device, Precision precision, long seed) {
        Graph g = graph.unboundParams().isEmpty() ? graph : randomWeights(graph, seed);
        Map<String, float[]> in = randomInputs(g, seed + 1);
        Map<String, HostTensor> ref = GraphReference.evaluate(g, in);
        try (Plan fused = build(g, device, PlanOptions.of(precision));
                Plan unfused = build(g, device, PlanOptions.unfused(precision))) {
            Map<String, float[]> a = run(fused, in), b = run(unfused, in);
            Map<String, double[]> errors = new LinkedHashMap<>();
            double tol = tolerance(precision);
            for (String k : g.outputs().keySet()) {
                double[] r = ref.get(k).data();
                double scale = 1e-30;
                for (double x : r) scale = Math.max(scale, Math.abs(x));
                double[] e = {maxDiff(a.get(k), b.get(k)) / scale, maxDiff(a.get(k), r) / scale,
                        maxDiff(b.get(k), r) / scale};
                errors.put(k, e);
                String what = g.name() + " " + precision + " output '" + k + "' (max |ref| " + scale + ")";
                assertThat(e[0]).as("%s: fused vs unfused", what).isLessThanOrEqualTo(tol);
                assertThat(e[1]).as("%s: fused vs reference", what).isLessThanOrEqualTo(tol);
                assertThat(e[2]).as("%s: unfused vs reference", what).isLessThanOrEqualTo(tol);
            }
            return new Result(g.name(), precision, fused.launches(), unfused.launches(), g.computeNodeCount(),
                    fused.plannedBytes(), fused.naiveBytes(), errors);
        }
    }

    /**
     * Plan.build, but a launch the device cannot run (no kernel for an op, dtype or variant yet) makes
     * the calling test skipped with the device's reason instead of failed.
     */
    public static Plan build(Graph g, Device device, PlanOptions options) {
        try {
            Plan p = Plan.build(g, device, options);
            try (Executor probe = p.newExecutor(false)) {
                return p; // recording every launch validated it on this device
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
        } catch (GannetException e) {
            if (e.code() == ErrorCode.UNSUPPORTED) Assumptions.abort(device.name() + ": " + e.detail());
            throw e;
        }
    }

    /** Runs a plan once on the device's default stream; inputs and outputs as NHWC floats. */
    public static Map<String, float[]> run(Plan plan, Map<String, float[]> inputs) {
        Stream s = plan.device().defaultStream();
        try (Executor ex = plan.newExecutor()) {
            inputs.forEach((k, v) -> ex.input(k).copyFrom(v));
            ex.run(s);
            Map<String, float[]> out = new LinkedHashMap<>();
            for (var e : ex.outputs().entrySet()) out.put(e.getKey(), e.getValue().toFloatArray());
            return out;
        }
    }

    /** Runs a plan on inputs given as device tensors (copied and converted into the plan's inputs). */
    public static Map<String, float[]> run(Plan plan, DeviceArena arena, Map<String, float[]> inputs, DType dtype) {
        Map<String, Tensor> given = new LinkedHashMap<>();
        inputs.forEach((k, v) -> given.put(k, arena.of(dtype, plan.inputShape(k), v)));
        try (Executor ex = plan.newExecutor()) {
            Map<String, Tensor> outs = ex.run(plan.device().defaultStream(), given);
            Map<String, float[]> out = new LinkedHashMap<>();
            outs.forEach((k, t) -> out.put(k, t.toFloatArray()));
            return out;
        }
    }

    public static Map<String, float[]> randomInputs(Graph g, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        g.inputs().forEach((k, v) -> {
            float[] a = new float[(int) v.shape().numel()];
            for (int i = 0; i < a.length; i++) {
                a[i] = v.dtype() == DType.U8 ? r.nextInt(256) : (float) (r.nextDouble() * 2 - 1);
            }
            m.put(k, a);
        });
        return m;
    }

    /**
     * Random values for every unbound slot, sized so activations stay of order one through deep
     * graphs: conv/linear weights uniform in ±sqrt(3 / fan_in), biases and norm shifts in ±0.1,
     * norm scales in [0.5, 1.5], running means in ±0.2, running variances in [0.5, 1.5].
     */
    public static Graph randomWeights(Graph g, long seed) {
        return randomWeights(g, seed, false);
    }

    /** With {@code all}, bound slots get random values too (a real model's architecture with test weights). */
    public static Graph randomWeights(Graph g, long seed, boolean all) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, WeightData> w = new LinkedHashMap<>();
        for (Param p : g.params().values()) {
            if (!all && g.weights().containsKey(p.name())) continue;
            float[] a = new float[(int) p.shape().numel()];
            String n = p.name();
            for (int i = 0; i < a.length; i++) {
                double u = r.nextDouble();
                a[i] = (float) switch (p.layout()) {
                    case CONV, CONV_TRANSPOSE, MATRIX, TENSOR -> {
                        long fanIn = p.layout() == ParamLayout.MATRIX ? p.shape().c()
                                : (long) p.shape().h() * p.shape().w() * p.shape().c();
                        yield (2 * u - 1) * Math.sqrt(3.0 / Math.max(1, fanIn));
                    }
                    case VECTOR -> n.endsWith("running_var") ? 0.5 + u
                            : n.endsWith("running_mean") ? 0.4 * u - 0.2
                            : n.endsWith(".weight") || n.endsWith("gamma") ? 0.5 + u : 0.2 * u - 0.1;
                };
            }
            w.put(n, WeightData.of(a));
        }
        return g.withWeights(w);
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static double maxDiff(float[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}

// Executors: one Plan run from two threads on two streams gives exactly what one thread gets running
// the same inputs in turn; inputs are kept across runs; misuse fails with a clear exception.
package dev.gannet.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.ops.PadMode;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExecutorTest {
    /** A small ESRGAN-like body: concat slices, a fused residual written in place, instance norm, upsampling conv. */
    static Graph body() {
        GraphBuilder b = new GraphBuilder("body");
        Value x = b.input("x", Shape.of(1, 24, 20, 3));
        Value f = b.conv2d(x, "f", 16, 3, 1, 1, PadMode.ZERO, true);
        Value r = b.relu(b.conv2d(f, "r", 8, 3, 1, 1, PadMode.REFLECT, true));
        Value cat = b.concat(f, r);
        Value y = b.add(b.conv2d(cat, "lff", 16, 1, 1, 0, PadMode.ZERO, true), f);
        y = b.relu(b.instanceNorm(y, "norm", true));
        y = b.conv2d(b.upsampleNearest(y, 2), "up", 3, 3, 1, 1, PadMode.ZERO, true);
        b.output("y", y);
        return PlanCheck.randomWeights(b.build(), 11);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void twoThreadsOnTwoStreamsGetWhatOneThreadGets(Precision precision) throws Exception {
        try (Device cpu = Devices.open("cpu")) {
            assertConcurrentRunsMatchSerial(cpu, body(), precision, 6);
        }
    }

    /**
     * One plan of {@code g}: one thread runs 2·runs random inputs in turn on the default stream with one
     * executor; then two threads, each with its own stream and executor, run the even and the odd
     * inputs at the same time. Every output must be bitwise what the single thread got.
     */
    static void assertConcurrentRunsMatchSerial(Device device, Graph g, Precision precision, int runs)
            throws Exception {
        String input = g.inputs().keySet().iterator().next(), output = g.outputs().keySet().iterator().next();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 2 * runs; i++) inputs.add(PlanCheck.randomInputs(g, 100 + i).get(input));
        try (Plan plan = Plan.build(g, device, PlanOptions.of(precision))) {
            List<float[]> serial = new ArrayList<>();
            try (Executor ex = plan.newExecutor()) {
                for (float[] in : inputs) {
                    ex.input(input).copyFrom(in);
                    ex.run(device.defaultStream());
                    serial.add(ex.output(output).toFloatArray());
                }
            }
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<List<float[]>>> futures = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int first = t;
                    futures.add(pool.submit(() -> {
                        List<float[]> out = new ArrayList<>();
                        try (Stream s = device.newStream(); Executor ex = plan.newExecutor();
                                DeviceArena io = device.newArena("io")) {
                            start.await();
                            for (int i = first; i < inputs.size(); i += 2) {
                                Tensor in = io.of(DType.F32, plan.inputShape(input), inputs.get(i));
                                Map<String, Tensor> y = ex.run(s, Map.of(input, in));
                                s.synchronize();
                                out.add(y.get(output).toFloatArray());
                            }
                        }
                        return out;
                    }));
                }
                for (int t = 0; t < 2; t++) {
                    List<float[]> got = futures.get(t).get();
                    for (int k = 0; k < runs; k++) {
                        assertThat(got.get(k)).as("%s: thread %d, input %d", device.name(), t, t + 2 * k)
                                .containsExactly(serial.get(t + 2 * k));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(serial.get(0)).isNotEqualTo(serial.get(1)); // different inputs, different outputs
        }
    }

    @Test
    void inputsAreKeptAcrossRunsAndRunsRepeat() {
        Graph g = body();
        try (Device cpu = Devices.open("cpu"); Plan plan = Plan.build(g, cpu, PlanOptions.fp32());
                Executor ex = plan.newExecutor()) {
            float[] in = PlanCheck.randomInputs(g, 5).get("x");
            ex.input("x").copyFrom(in);
            ex.run(cpu.defaultStream());
            float[] first = ex.output("y").toFloatArray();
            ex.run(cpu.defaultStream());
            assertThat(ex.input("x").toFloatArray()).containsExactly(in);
            assertThat(ex.output("y").toFloatArray()).containsExactly(first);
        }
    }

    @Test
    void misuseFailsClearly() {
        Graph g = body();
        try (Device cpu = Devices.open("cpu"); Device other = Devices.open("cpu")) {
            Plan plan = Plan.build(g, cpu, PlanOptions.fp32());
            Executor ex = plan.newExecutor();
            assertThatThrownBy(() -> ex.input("nope")).isInstanceOf(GannetException.class)
                    .hasMessageContaining("no input 'nope'").hasMessageContaining("[x]");
            assertThatThrownBy(() -> ex.run(other.defaultStream())).isInstanceOf(GannetException.class)
                    .hasMessageContaining("stream must belong");
            try (DeviceArena io = cpu.newArena("io")) {
                Tensor wrong = io.allocate(DType.F32, Shape.of(1, 8, 8, 3));
                assertThatThrownBy(() -> ex.run(cpu.defaultStream(), Map.of("x", wrong)))
                        .hasMessageContaining("input 'x' must have shape 1x24x20x3, got 1x8x8x3");
                assertThatThrownBy(() -> ex.run(cpu.defaultStream(), Map.of())).hasMessageContaining("inputs given []");
            }
            ex.close();
            ex.close();
            assertThatThrownBy(() -> ex.run(cpu.defaultStream())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("executor of body is closed");
            Executor ex2 = plan.newExecutor();
            plan.close();
            plan.close();
            assertThatThrownBy(() -> ex2.run(cpu.defaultStream())).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("plan of body is closed");
            assertThatThrownBy(plan::newExecutor).isInstanceOf(IllegalStateException.class);
            ex2.close();
        }
    }

    @Test
    void unboundParametersAreNamedBeforeAnythingIsUploaded() {
        GraphBuilder b = new GraphBuilder("unbound");
        Value x = b.input("x", Shape.of(1, 4, 4, 2));
        b.output("y", b.conv2d(x, "c", 2, 3, 1, 1, PadMode.ZERO, true));
        try (Device cpu = Devices.open("cpu")) {
            assertThatThrownBy(() -> Plan.build(b.build(), cpu, PlanOptions.fp32())).isInstanceOf(GannetException.class)
                    .hasMessageContaining("parameters without values: [c.weight, c.bias]");
        }
    }

    @Test
    void computedWeightsAreRejectedNamingTheNode() {
        GraphBuilder b = new GraphBuilder("computed");
        Value x = b.input("x", Shape.of(1, 4, 4, 2));
        Value w = b.input("w", Shape.of(2, 1, 1, 2));
        Value computed = b.relu(w);
        b.output("y", b.named("conv").conv2d(x, computed, null, dev.gannet.ops.Conv2d.Attrs.kernel(1, 1)));
        assertThatThrownBy(() -> Plan.describe(b.build(), PlanOptions.fp32())).isInstanceOf(GannetException.class)
                .hasMessageContaining("node 'conv' (conv2d): its weight must be a parameter slot");
    }
}

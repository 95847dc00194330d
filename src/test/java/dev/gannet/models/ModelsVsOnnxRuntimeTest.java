// Model-level differential tests (DESIGN §8 layer 3): every architecture with PyTorch-default random
// weights, and the UpscalerJS esrgan-slim and default models, compiled into gannet Plans (cpu, fp32)
// and exported to ONNX for ONNX Runtime, run on the same input; plus the compiler's fused-vs-unfused
// check of each architecture against the double-precision graph reference.
package dev.gannet.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanCheck;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.models.arch.TestArchitectures;
import dev.gannet.models.onnx.OnnxExporter;
import dev.gannet.models.onnx.Ort;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelsVsOnnxRuntimeTest {
    /**
     * fp32 in both engines, different summation orders and fusions (gannet folds BatchNorm into conv
     * weights, ONNX Runtime fuses its own way): differences of a few ulps per layer, relative to the
     * output's largest magnitude. 1e-4 leaves room for the deepest graphs; a wrong layout, pad or
     * channel order is off by tens of percent.
     */
    static final double REL = 1e-4;

    static Device cpu;

    @BeforeAll
    static void open() {
        cpu = Devices.open("cpu");
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Runs the graph's single input through a fused fp32 Plan and through ONNX Runtime; asserts and returns the diff. */
    static Ort.Diff compare(String what, Graph g, long seed) {
        assertThat(g.inputs()).hasSize(1);
        String in = g.inputs().keySet().iterator().next();
        Shape s = g.input(in).shape();
        float[] x = Ort.random(seed, (int) s.numel(), -1f, 1f);
        Map<String, float[]> ours;
        try (Plan plan = Plan.build(g, cpu, PlanOptions.of(Precision.FP32))) {
            ours = PlanCheck.run(plan, Map.of(in, x));
        }
        byte[] onnx = OnnxExporter.export(g).toBytes();
        assertThat(g.outputs()).as("%s: one output (ONNX Runtime's first output is compared)", what).hasSize(1);
        String out = g.outputs().keySet().iterator().next();
        Ort.Result ref = Ort.run(onnx, x, s.n(), s.h(), s.w(), s.c());
        Shape os = g.output(out).shape();
        assertThat(ref.shape()).as("%s output shape", what).containsExactly(os.n(), os.h(), os.w(), os.c());
        Ort.Diff d = Ort.assertClose(what, ours.get(out), ref.values(), REL);
        System.out.println(what + ": gannet vs ONNX Runtime " + d);
        return d;
    }

    @TestFactory
    Stream<DynamicTest> everyArchitectureAgreesWithOnnxRuntime() {
        return TestArchitectures.all().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            // PyTorch's default initialization shrinks activations layer by layer (a deep critic's sigmoid
            // then sits at 0.5 whatever the convs compute), so the weights here keep them of order one.
            Graph g = PlanCheck.randomWeights(c.arch().graph(c.input()), 1234);
            compare(c.name(), g, 99);
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyArchitectureFusedMatchesUnfused() {
        return TestArchitectures.all().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            PlanCheck.Result r = PlanCheck.fusedMatchesUnfused(c.arch().graph(c.input()), cpu, Precision.FP32, 5);
            System.out.println(r);
            assertThat(r.launchesFused()).as("%s: the compiler fuses something", c.name())
                    .isLessThan(r.launchesUnfused());
        }));
    }

    @ParameterizedTest(name = "{0} x{1}")
    @CsvSource({"esrgan-slim, 2", "esrgan-slim, 3", "esrgan-slim, 4", "default-model, 2"})
    void upscalerJsModelsAgreeWithOnnxRuntime(String name, int scale) {
        UpscalerJsModel m = UpscalerJsOnnxTest.model(name, scale);
        Graph g = ModelRegistry.upscalerGraph(m, Shape.of(1, 20, 24, 3));
        // [0, 1] in: the graph's contract; x is drawn there.
        String in = g.inputs().keySet().iterator().next();
        float[] x = Ort.random(scale, 20 * 24 * 3, 0f, 1f);
        Map<String, float[]> ours;
        try (Plan plan = Plan.build(g, cpu, PlanOptions.of(Precision.FP32))) {
            ours = PlanCheck.run(plan, Map.of(in, x));
        }
        Ort.Result ref = Ort.run(OnnxExporter.export(g).toBytes(), x, 1, 20, 24, 3);
        assertThat(ref.shape()).containsExactly(1, 20L * scale, 24L * scale, 3);
        Ort.Diff d = Ort.assertClose(name + " x" + scale, ours.values().iterator().next(), ref.values(), REL);
        System.out.println(name + " x" + scale + ": gannet plan vs ONNX Runtime " + d);
    }
}

// Compiled Plans of the UpscalerJS esrgan-slim models (../shared) reproduce the eager, op-by-op run
// of the same kernels (TfjsEagerRunner) and the package author's published samples, fused or not.
package dev.gannet.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.Executor;
import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.models.UpscalerJsSampleTest.Diff;
import dev.gannet.models.UpscalerJsSampleTest.Image;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.models.tfjs.TfjsImporter;
import dev.gannet.graph.PlanCheck;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TfjsPlanTest {
    static Device cpu;

    @BeforeAll
    static void open() {
        cpu = Devices.open("cpu");
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** The issue's numbers: esrgan-slim x4 at 128x128 has fewer launches than graph nodes and half the memory. */
    @Test
    void esrganSlimX4At128HasFewerLaunchesThanNodesAndHalfTheMemory() {
        UpscalerJsSampleTest.assumeSharedData();
        Graph g = TfjsImporter.toGraph(TfjsModel.load(UpscalerJsSampleTest.SLIM.resolve("x4")), Shape.of(1, 128, 128, 3));
        try (Plan fused = Plan.build(g, cpu, PlanOptions.fp32());
                Plan unfused = Plan.build(g, cpu, PlanOptions.unfused(Precision.FP32))) {
            System.out.println(fused.describe());
            System.out.printf("unfused: launches %d, arena planned %d naive %d%n", unfused.launches(),
                    unfused.plannedBytes(), unfused.naiveBytes());
            assertThat(fused.launches()).isLessThan(fused.graphNodes());
            assertThat(fused.plannedBytes()).isLessThanOrEqualTo(fused.naiveBytes() / 2);
            try (Executor ex = fused.newExecutor()) {
                assertThat(ex.launchCount()).isEqualTo(fused.launches());
            }
        }
    }

    /** Runs the eager runner and a plan on the fixture; returns {eager, plan} outputs. */
    private static float[][] eagerAndPlan(int scale, DType dtype, PlanOptions options, Image fixture) {
        TfjsModel model = TfjsModel.load(UpscalerJsSampleTest.SLIM.resolve("x" + scale));
        Shape in = Shape.of(1, fixture.height(), fixture.width(), 3);
        Stream s = cpu.defaultStream();
        float[] eager;
        try (TfjsEagerRunner runner = new TfjsEagerRunner(model, s, dtype); DeviceArena io = cpu.newArena("io")) {
            eager = runner.run(io.of(dtype, in, fixture.rgb()), io).toFloatArray();
        }
        float[] planned;
        try (Plan plan = Plan.build(TfjsImporter.toGraph(model, in), cpu, options); Executor ex = plan.newExecutor()) {
            ex.input("LR").copyFrom(fixture.rgb());
            ex.run(s);
            Tensor y = ex.output("SR");
            assertThat(y.shape()).isEqualTo(Shape.of(1, fixture.height() * scale, fixture.width() * scale, 3));
            planned = y.toFloatArray();
        }
        return new float[][] {eager, planned};
    }

    private static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /**
     * F32, fused and unfused: the plan computes what the eager runner computes (the same kernels; the
     * fused residual adds and concat slices reorder nothing in fp32 sums, so the difference is at
     * most float rounding), and the published sample within one level, as the eager runner does.
     */
    @ParameterizedTest(name = "esrgan-slim x{0} F32")
    @ValueSource(ints = {2, 3, 4})
    void f32PlansReproduceTheEagerRunAndTheSample(int scale) {
        UpscalerJsSampleTest.assumeSharedData();
        Image fixture = Image.read(UpscalerJsSampleTest.FIXTURE);
        Image ref = Image.read(UpscalerJsSampleTest.SLIM.resolve("assets/samples/" + scale + "x/result.png"));
        for (PlanOptions o : new PlanOptions[] {PlanOptions.fp32(), PlanOptions.unfused(Precision.FP32)}) {
            float[][] r = eagerAndPlan(scale, DType.F32, o, fixture);
            double d = maxAbs(r[0], r[1]);
            Diff diff = Diff.of(UpscalerJsSampleTest.toPixels(r[1]), ref);
            System.out.printf("esrgan-slim x%d %s: plan vs eager max |diff| %.3g; plan vs published sample: %s%n", scale,
                    o.passes().isEmpty() ? "unfused" : "fused", d, diff);
            assertThat(d).as("x%d plan vs eager (values 0..255)", scale).isLessThanOrEqualTo(1e-3);
            assertThat(diff.psnr()).isGreaterThanOrEqualTo(UpscalerJsSampleTest.ISSUE_PSNR_DB);
            assertThat(diff.maxAbs()).isLessThanOrEqualTo(1);
            assertThat(diff.offByOne()).isLessThanOrEqualTo(diff.count() / 1000);
        }
    }

    /**
     * FP16 plan (fp16 storage, fp32 accumulation, casts at the edges) against the eager F16 run and
     * the sample, with the eager F16 test's bounds: it rounds every stored tensor to fp16 as the
     * eager run does, but keeps residual sums in the conv's fp32 epilogue.
     */
    @Test
    void fp16PlanStaysCloseToTheEagerRunAndTheSample() {
        UpscalerJsSampleTest.assumeSharedData();
        Image fixture = Image.read(UpscalerJsSampleTest.FIXTURE);
        Image ref = Image.read(UpscalerJsSampleTest.SLIM.resolve("assets/samples/4x/result.png"));
        float[][] r = eagerAndPlan(4, DType.F16, PlanOptions.fp16(), fixture);
        double d = maxAbs(r[0], r[1]);
        Diff diff = Diff.of(UpscalerJsSampleTest.toPixels(r[1]), ref);
        System.out.printf("esrgan-slim x4 FP16 plan vs eager F16 max |diff| %.3g; vs published sample: %s%n", d, diff);
        assertThat(d).as("fp16 plan vs eager fp16 (values 0..255)").isLessThanOrEqualTo(2);
        assertThat(diff.psnr()).isGreaterThanOrEqualTo(55);
        assertThat(diff.maxAbs()).isLessThanOrEqualTo(2);
    }

    /**
     * The same fused F32 plans on the simt device (the CUDA kernels, run by the emulator, replayed from a
     * captured CUDA graph) against the published samples, with the eager runner's bounds.
     */
    @ParameterizedTest(name = "esrgan-slim x{0} F32 on simt")
    @ValueSource(ints = {2, 3, 4})
    void simtPlansReproduceTheSample(int scale) {
        UpscalerJsSampleTest.assumeSharedData();
        var why = Devices.simtUnavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "the simt device cannot be opened: " + why.orElse(""));
        Image fixture = Image.read(UpscalerJsSampleTest.FIXTURE);
        Image ref = Image.read(UpscalerJsSampleTest.SLIM.resolve("assets/samples/" + scale + "x/result.png"));
        Graph g = TfjsImporter.toGraph(TfjsModel.load(UpscalerJsSampleTest.SLIM.resolve("x" + scale)),
                Shape.of(1, fixture.height(), fixture.width(), 3));
        float[] y;
        try (CudaDevice simt = CudaDevice.openSimt(); Plan plan = PlanCheck.build(g, simt, PlanOptions.fp32())) {
            y = PlanCheck.run(plan, Map.of("LR", fixture.rgb())).get("SR");
        }
        Diff diff = Diff.of(UpscalerJsSampleTest.toPixels(y), ref);
        System.out.printf("esrgan-slim x%d on simt: plan vs published sample: %s%n", scale, diff);
        assertThat(diff.psnr()).isGreaterThanOrEqualTo(UpscalerJsSampleTest.ISSUE_PSNR_DB);
        assertThat(diff.maxAbs()).isLessThanOrEqualTo(1);
        assertThat(diff.offByOne()).isLessThanOrEqualTo(diff.count() / 1000);
    }
}

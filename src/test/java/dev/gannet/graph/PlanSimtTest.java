// The graph compiler's checks on the simt device (the CUDA kernels run by the emulator, launches
// replayed from a captured CUDA graph): every pass graph fused vs unfused vs reference, concurrent
// runs on two streams, and an esrgan-slim plan against the same plan on cpu.
package dev.gannet.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.models.formats.TfjsModel;
import dev.gannet.models.tfjs.TfjsImporter;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class PlanSimtTest {
    private static CudaDevice simt;

    @BeforeAll
    static void open() {
        var why = Devices.simtUnavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "the simt device cannot be opened: " + why.orElse(""));
        simt = CudaDevice.openSimt();
    }

    @AfterAll
    static void close() {
        if (simt != null) simt.close();
    }

    @TestFactory
    Stream<DynamicTest> everyPassGraphFusedMatchesUnfusedOnSimt() {
        return PassesTest.GRAPHS.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .flatMap(e -> Stream.of(Precision.values()).map(p -> DynamicTest.dynamicTest(e.getKey() + " " + p,
                        () -> System.out.println("simt " + PlanCheck.fusedMatchesUnfused(e.getValue().get(), simt, p, 7)))));
    }

    @Test
    void twoThreadsOnTwoStreamsGetWhatOneThreadGets() throws Exception {
        ExecutorTest.assertConcurrentRunsMatchSerial(simt, ExecutorTest.body(), Precision.FP16, 2);
    }

    /**
     * esrgan-slim x2 on a 24x20 crop of random pixels in 0..255: the simt plan (tensor-core and FMA
     * CUDA kernels, another summation order) against the cpu plan, both fused, F32.
     */
    @Test
    void esrganSlimPlanOnSimtMatchesTheCpuPlan() {
        Path x2 = Path.of("..", "shared", "data", "models", "upscalerjs", "esrgan-slim", "x2").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(x2.resolve("model.json")), "the UpscalerJS esrgan-slim models are not "
                + "at " + x2 + " (../shared/data beside the project)");
        Graph g = TfjsImporter.toGraph(TfjsModel.load(x2), Shape.of(1, 24, 20, 3));
        float[] in = PlanCheck.randomInputs(g, 9).get("LR");
        for (int i = 0; i < in.length; i++) in[i] = (in[i] + 1) * 127.5f;
        Map<String, float[]> inputs = Map.of("LR", in);
        float[] onCpu, onSimt;
        try (Device cpu = Devices.open("cpu"); Plan p = Plan.build(g, cpu, PlanOptions.fp32())) {
            onCpu = PlanCheck.run(p, inputs).get("SR");
        }
        long before = simt.launchCount();
        try (Plan p = PlanCheck.build(g, simt, PlanOptions.fp32())) {
            onSimt = PlanCheck.run(p, inputs).get("SR");
            // The kernels ran on the emulator (captured once: a conv may be more than one kernel there).
            assertThat(simt.launchCount() - before).as(simt.description()).isGreaterThanOrEqualTo(p.launches());
        }
        double max = PlanCheck.maxDiff(onSimt, onCpu);
        System.out.printf("esrgan-slim x2 24x20 F32: simt vs cpu max |diff| %.3e (values 0..255)%n", max);
        assertThat(max).isLessThanOrEqualTo(0.01);
    }
}

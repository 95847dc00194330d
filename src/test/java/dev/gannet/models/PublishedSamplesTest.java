// Every UpscalerJS package, fetched and verified by the package store, run through gannet's own
// contract (RGB in [0, 1] in and out, ModelRegistry.upscalerGraph) and a compiled fp32 Plan on the
// package's fixture.png, reproduces each sample output the package publishes: the check that each
// package's pixel range (0..255 for RDN, [0, 1] for RRDN) is the one gannet scales by.
package dev.gannet.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanCheck;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.models.UpscalerJsSampleTest.Diff;
import dev.gannet.models.UpscalerJsSampleTest.Image;
import dev.gannet.models.pretrained.PackageSpec;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.models.pretrained.UpscalerJsPackage;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class PublishedSamplesTest {
    static Device cpu;

    @BeforeAll
    static void open() {
        cpu = Devices.open("cpu");
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    @TestFactory
    Stream<DynamicTest> everyPublishedSampleIsReproduced() {
        List<DynamicTest> tests = new ArrayList<>();
        for (UpscalerJsPackage p : UpscalerJsPackage.values()) {
            for (int scale : p.samples()) {
                tests.add(DynamicTest.dynamicTest(p.modelName() + " x" + scale, () -> check(p, scale)));
            }
        }
        return tests.stream();
    }

    static void check(UpscalerJsPackage p, int scale) {
        PackageStore store = PackageStore.standard(PackageStore.Listener.SILENT);
        assumeTrue(store.isPresent(PackageSpec.of(p)) || PackageStore.findOnPath("npm") != null,
                p.npmSpec() + " is not in " + store.root() + " and there is no npm to fetch it");
        UpscalerJsModel m = UpscalerJsModel.load(store, p.modelName(), scale);
        Image fixture = Image.read(m.fixture().orElseThrow());
        Image ref = Image.read(m.sample().orElseThrow());
        assertThat(fixture.opaque()).isTrue();
        assertThat(ref.opaque()).isTrue();
        Shape in = Shape.of(1, fixture.height(), fixture.width(), 3);
        Graph g = ModelRegistry.upscalerGraph(m, in);
        float[] x = fixture.rgb();
        for (int i = 0; i < x.length; i++) x[i] /= 255f; // gannet's contract: [0, 1]
        float[] y;
        try (Plan plan = Plan.build(g, cpu, PlanOptions.of(Precision.FP32))) {
            y = PlanCheck.run(plan, Map.of(g.inputs().keySet().iterator().next(), x)).values().iterator().next();
        }
        assertThat(y).hasSize(ref.width() * ref.height() * 3);
        for (int i = 0; i < y.length; i++) y[i] *= 255f;
        Diff d = Diff.of(UpscalerJsSampleTest.toPixels(y), ref);
        System.out.println(p.modelName() + " x" + scale + " (" + m.architecture() + ") through the Plan vs the "
                + "published sample: " + d);
        assertThat(d.psnr()).as("%s x%d: %s", p.modelName(), scale, d)
                .isGreaterThanOrEqualTo(UpscalerJsSampleTest.ISSUE_PSNR_DB);
    }
}

// The importer and the compiler on an RRDN-shaped TF.js model with UpscalerJS's custom layers
// (MultiplyBeta, PixelShuffle), with random weights: fused and unfused plans agree with the
// double-precision reference of the graph.
package dev.gannet.models.tfjs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanCheck;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.models.formats.TfjsTestModels;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TfjsRrdnPlanTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "block {0} {1}")
    @CsvSource({"2, FP32", "3, FP16", "4, FP32"})
    void rrdnPlansMatchTheReference(int block, Precision precision) {
        TfjsModel m = TfjsModel.load(TfjsTestModels.writeRrdn(dir, block));
        Graph g = PlanCheck.randomWeights(TfjsImporter.toGraph(m, Shape.of(2, 7, 9, 3)), block, true);
        assertThat(g.output("SR").shape()).isEqualTo(Shape.of(2, 7 * block, 9 * block, 3));
        String listing = Plan.describe(g, PlanOptions.of(precision));
        assertThat(listing).contains("multiply_beta (scale 0.2 folded into weights and bias)", "pixel_shuffle",
                "+residual(Pre_blocks_conv)", "+tanh");
        try (Device cpu = Devices.open("cpu")) {
            System.out.println(PlanCheck.fusedMatchesUnfused(g, cpu, precision, 3));
        }
    }
}

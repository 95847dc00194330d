// The TF.js importer on the published UpscalerJS models (../shared): one graph node per layer,
// every manifest weight in a slot of the same name, shapes inferred to the model's output.
package dev.gannet.models.tfjs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Node;
import dev.gannet.graph.Op;
import dev.gannet.graph.WeightData;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TfjsImporterTest {
    static final Path UPSCALERJS = Path.of("..", "shared", "data", "models", "upscalerjs").toAbsolutePath().normalize();

    static TfjsModel slim(int scale) {
        Path dir = UPSCALERJS.resolve("esrgan-slim/x" + scale);
        assumeTrue(Files.isRegularFile(dir.resolve("model.json")), "the UpscalerJS esrgan-slim models are not at "
                + UPSCALERJS + " (../shared/data beside the project)");
        return TfjsModel.load(dir);
    }

    @ParameterizedTest(name = "esrgan-slim x{0}")
    @ValueSource(ints = {2, 3, 4, 8})
    void everyLayerIsANodeAndEveryWeightASlot(int scale) {
        TfjsModel m = slim(scale);
        Graph g = TfjsImporter.toGraph(m, Shape.of(1, 20, 12, 3));
        // 24 layers: the input layer is a graph input, the rest one node each (their convs are linear).
        assertThat(g.computeNodeCount()).isEqualTo(m.layers().size() - 1);
        assertThat(g.params().keySet()).containsExactlyInAnyOrderElementsOf(m.weights().keySet());
        long values = 0;
        for (WeightData w : g.weights().values()) values += w.count();
        assertThat(values).isEqualTo(m.parameterCount());
        assertThat(g.unboundParams()).isEmpty();
        assertThat(g.output("SR").shape()).isEqualTo(Shape.of(1, 20 * scale, 12 * scale, 3));
        // The kernel is stored K x R x S x C: element (k, r, s, c) = Keras' HWIO element (r, s, c, k).
        var kernel = m.kernel("F_1_1");
        float[] g0 = g.weights().get("F_1_1/kernel").toGannet(g.params().get("F_1_1/kernel"));
        var ks = g.params().get("F_1_1/kernel").shape();
        float[] hwio = kernel.toArray();
        int k = 3, r = 2, s = 1, c = 17;
        assertThat(g0[((k * ks.h() + r) * ks.w() + s) * ks.c() + c])
                .isEqualTo(hwio[((r * ks.w() + s) * ks.c() + c) * ks.n() + k]);
    }

    @ParameterizedTest(name = "esrgan-slim x{0} in [0, 1]")
    @ValueSource(ints = {4})
    void unitRangeWrapsTheModelInTwoScales(int scale) {
        Graph g = TfjsImporter.toGraph(slim(scale), Shape.of(1, 8, 8, 3), TfjsImporter.Options.unitRange());
        assertThat(g.computeNodeCount()).isEqualTo(23 + 2);
        Node first = g.nodes().stream().filter(Node::isCompute).findFirst().orElseThrow();
        assertThat(first.op()).isEqualTo(new Op.Affine(255f, 0f));
        assertThat(g.output("SR").name()).isEqualTo("SR/output_scale");
    }

    @ParameterizedTest(name = "esrgan-slim x{0}")
    @ValueSource(ints = {2})
    void inputsTheModelCannotTakeAreRejected(int scale) {
        TfjsModel m = slim(scale);
        assertThatThrownBy(() -> TfjsImporter.toGraph(m, Shape.of(1, 8, 8, 4))).isInstanceOf(GannetException.class)
                .hasMessageContaining("1x8x8x4").hasMessageContaining("'LR'").hasMessageContaining("channels 3");
    }
}

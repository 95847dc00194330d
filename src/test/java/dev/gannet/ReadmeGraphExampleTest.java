// The graph example of README.md: the code between the markers must appear in README.md verbatim,
// and its result must match the double-precision reference of the graph.
package dev.gannet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.Executor;
import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.GraphReference;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Value;
import dev.gannet.graph.WeightData;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadmeGraphExampleTest {
    @Test
    void readmeGraphExampleMatchesTheReference() throws IOException {
        Random rnd = new Random(3);
        float[] pixels = new float[64 * 64 * 3];
        for (int i = 0; i < pixels.length; i++) pixels[i] = rnd.nextFloat();
        Map<String, WeightData> stateDict = Map.of("conv1.weight", WeightData.torch(random(rnd, 16 * 3 * 3 * 3, 0.3)),
                "conv1.bias", WeightData.of(random(rnd, 16, 0.1)), "bn1.weight", WeightData.of(random(rnd, 16, 0.5, 1)),
                "bn1.bias", WeightData.of(random(rnd, 16, 0.1)), "bn1.running_mean", WeightData.of(random(rnd, 16, 0.2)),
                "bn1.running_var", WeightData.of(random(rnd, 16, 0.5, 1)));
        float[] gram;
        // --- README example begins
        GraphBuilder b = new GraphBuilder("block");
        Value x = b.input("x", Shape.of(1, 64, 64, 3));                      // NHWC, F32
        Value y = b.conv2d(x, "conv1", 16, 3, 1, 1, PadMode.REFLECT, true);  // slots conv1.weight (16x3x3x3), conv1.bias
        y = b.leakyRelu(b.batchNorm(y, "bn1"), 0.2f);                        // slots bn1.weight, .bias, .running_mean, .running_var
        b.output("gram", b.gram(y));                                         // 1 x 1 x 16 x 16, F32
        Graph g = b.build().withWeights(stateDict);                          // Map<String, WeightData>, by name
        try (Device cpu = Devices.open("cpu");
                Plan plan = Plan.build(g, cpu, PlanOptions.fp32());          // compile, upload and pack weights: once
                Executor ex = plan.newExecutor()) {                          // one activation arena per concurrent run
            ex.input("x").copyFrom(pixels);
            ex.run(cpu.defaultStream());                                     // 2 launches: conv+bn+leaky, gram
            gram = ex.output("gram").toFloatArray();                         // waits for the stream
        }
        // --- README example ends
        double[] ref = GraphReference.evaluate(g, Map.of("x", pixels)).get("gram").data();
        double max = 0;
        for (double v : ref) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < ref.length; i++) assertThat(Math.abs(gram[i] - ref[i])).isLessThanOrEqualTo(1e-5 * max);
        try (Device cpu = Devices.open("cpu"); Plan plan = Plan.build(g, cpu, PlanOptions.fp32())) {
            assertThat(plan.launches()).isEqualTo(2);
        }
        assertThat(Files.readString(Path.of("README.md"))).contains(exampleText());
    }

    /** The lines between the markers of this file, re-indented as README shows them. */
    private static String exampleText() throws IOException {
        String src = Files.readString(Path.of("src/test/java/dev/gannet/ReadmeGraphExampleTest.java"));
        int a = src.indexOf('\n', src.indexOf("// --- README example begins")) + 1;
        int z = src.lastIndexOf('\n', src.indexOf("// --- README example ends")) + 1;
        StringBuilder out = new StringBuilder();
        for (String line : src.substring(a, z).split("\n")) out.append(line.length() >= 8 ? line.substring(8) : line.strip()).append('\n');
        return out.toString();
    }

    private static float[] random(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    private static float[] random(Random r, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + r.nextDouble() * (hi - lo));
        return a;
    }
}

// StateDicts: PyTorch's default initialization (bounds from PyTorch's own formula, statistics of the
// draws), strict loading with one message naming every problem, and a safetensors round trip.
package dev.gannet.models.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.models.formats.SafeTensor;
import dev.gannet.models.formats.Safetensors;
import dev.gannet.models.formats.SafetensorsDType;
import dev.gannet.models.formats.WeightLayouts;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDictsTest {
    @TempDir
    Path tmp;

    /** conv(3->16, bias) BN ReLU convT(16->8) IN(affine) global-pool linear(8->10): every kind of slot. */
    static Graph small() {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.conv2d(b.input("x", Shape.of(1, 8, 8, 3)), "main.0", 16, 3, 1, 1, PadMode.ZERO, true);
        x = b.relu(b.batchNorm(x, "main.1"));
        x = b.convTranspose2d(x, "main.3", 8, 4, 2, 1, 0, false);
        x = b.instanceNorm(x, "in1", true);
        b.output("y", b.linear(b.globalAvgPool(x), "fc", 10, true));
        return b.build();
    }

    static float[] get(Graph g, String name) {
        return g.weights().get(name).toGannet(g.params().get(name));
    }

    /** torch.nn.init.kaiming_uniform_(a=√5): gain √(2/(1+a²)), std gain/√fan_in, bound √3·std. */
    static double torchBound(int fanIn) {
        double a = Math.sqrt(5);
        double gain = Math.sqrt(2.0 / (1 + a * a));
        return Math.sqrt(3.0) * gain / Math.sqrt(fanIn);
    }

    static void assertUniform(float[] v, double bound) {
        double sum = 0, sq = 0, max = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
            max = Math.max(max, Math.abs(x));
        }
        int n = v.length;
        assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.9 * bound);
        // Uniform on ±b: mean 0 (sd b/√(3n)), mean square b²/3 (sd b²·√(4/45n)); five standard errors.
        assertThat(sum / n).isCloseTo(0, within(5 * bound / Math.sqrt(3.0 * n)));
        assertThat(sq / n).isCloseTo(bound * bound / 3, within(5 * bound * bound * Math.sqrt(4.0 / 45 / n)));
    }

    @Test
    void initializationFollowsPyTorchDefaults() {
        GraphBuilder b = new GraphBuilder("init");
        Value x = b.conv2d(b.input("x", Shape.of(1, 8, 8, 64)), "c", 128, 3, 1, 1, PadMode.ZERO, true);
        x = b.convTranspose2d(x, "t", 64, 4, 2, 1, 0, true);
        b.output("y", b.linear(b.globalAvgPool(x), "l", 256, true));
        Graph g = StateDicts.initialize(b.build(), 7);
        assertThat(g.params().get("c.weight").torchShape()).containsExactly(128, 64, 3, 3);
        assertUniform(get(g, "c.weight"), torchBound(64 * 9));
        assertUniform(get(g, "c.bias"), 1 / Math.sqrt(64 * 9));
        // ConvTranspose2d: weight (in, out, k, k), fan_in from out_channels (64 here, not 128).
        assertThat(g.params().get("t.weight").torchShape()).containsExactly(128, 64, 4, 4);
        assertUniform(get(g, "t.weight"), torchBound(64 * 16));
        assertUniform(get(g, "t.bias"), 1 / Math.sqrt(64 * 16));
        assertUniform(get(g, "l.weight"), torchBound(64));
        assertUniform(get(g, "l.bias"), 1 / Math.sqrt(64));
    }

    @Test
    void normsStartAtIdentityAndSeedsAreReproducible() {
        Graph a = StateDicts.initialize(small(), 1);
        assertThat(get(a, "main.0.weight")).containsExactly(get(StateDicts.initialize(small(), 1), "main.0.weight"));
        assertThat(get(a, "main.0.weight")).isNotEqualTo(get(StateDicts.initialize(small(), 2), "main.0.weight"));
        assertThat(get(a, "main.1.weight")).containsOnly(1f);
        assertThat(get(a, "main.1.bias")).containsOnly(0f);
        assertThat(get(a, "main.1.running_mean")).containsOnly(0f);
        assertThat(get(a, "main.1.running_var")).containsOnly(1f);
        assertThat(get(a, "in1.weight")).containsOnly(1f);
        assertThat(get(a, "in1.bias")).containsOnly(0f);
        assertThat(a.unboundParams()).isEmpty();
    }

    @Test
    void saveThenLoadRestoresEveryValueInPyTorchLayout() {
        Graph a = StateDicts.initialize(small(), 1);
        Path f = tmp.resolve("a.safetensors");
        StateDicts.save(a, f, Map.of("arch", "small"));
        try (Safetensors st = Safetensors.open(f)) {
            assertThat(st.metadata()).containsEntry("arch", "small");
            assertThat(st.names()).containsExactlyInAnyOrder("main.0.weight", "main.0.bias", "main.1.weight",
                    "main.1.bias", "main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked",
                    "main.3.weight", "in1.weight", "in1.bias", "fc.weight", "fc.bias");
            assertThat(st.tensor("main.1.num_batches_tracked").dtype()).isEqualTo(SafetensorsDType.I64);
            assertThat(st.tensor("main.1.num_batches_tracked").shape()).isEmpty();
            assertThat(st.tensor("main.0.weight").shape()).containsExactly(16L, 3L, 3L, 3L);
            // The file holds PyTorch's OIHW: converting gannet's OHWI by hand gives the same values.
            assertThat(st.tensor("main.0.weight").toFloatArray())
                    .containsExactly(WeightLayouts.ohwiToOihw(get(a, "main.0.weight"), 16, 3, 3, 3));
            assertThat(st.tensor("main.3.weight").toFloatArray())
                    .containsExactly(WeightLayouts.ohwiToIohw(get(a, "main.3.weight"), 8, 4, 4, 16));
            Graph b = StateDicts.load(small(), st, n -> false);
            for (String n : a.params().keySet()) assertThat(get(b, n)).as(n).containsExactly(get(a, n));
        }
    }

    /** Writes the given tensors (F32 filled with 0.5, or zeros of the given dtype) as a safetensors file. */
    Path file(String name, List<Object[]> tensors) {
        Path f = tmp.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            List<SafeTensor> ts = new ArrayList<>();
            for (Object[] t : tensors) {
                List<Long> shape = ((List<?>) t[1]).stream().map(x -> ((Number) x).longValue()).toList();
                SafetensorsDType dt = t.length > 2 ? (SafetensorsDType) t[2] : SafetensorsDType.F32;
                long numel = shape.stream().reduce(1L, (x, y) -> x * y);
                MemorySegment seg = arena.allocate(numel * dt.size(), 8);
                if (dt == SafetensorsDType.F32) {
                    for (long i = 0; i < numel; i++) {
                        seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, 0.5f);
                    }
                }
                ts.add(new SafeTensor((String) t[0], dt, shape, seg));
            }
            Safetensors.write(f, Map.of(), ts);
        }
        return f;
    }

    @Test
    void oneMessageNamesEveryMissingExtraAndMisShapedTensor() {
        GraphBuilder b = new GraphBuilder("TestNet");
        Value x = b.conv2d(b.input("x", Shape.of(1, 4, 4, 3)), "conv1", 4, 3, 1, 1, PadMode.ZERO, true);
        x = b.batchNorm(x, "bn1");
        b.output("y", b.linear(x, "fc", 2, true));
        Graph g = b.build();
        Path f = file("bad.safetensors", List.of(
                new Object[] {"conv1.weight", List.of(4, 3, 5, 5)},                 // mis-shaped
                new Object[] {"conv1.bias", List.of(4)},
                new Object[] {"bn1.weight", List.of(4)}, new Object[] {"bn1.bias", List.of(4)},
                new Object[] {"bn1.running_mean", List.of(4)},                        // running_var missing
                new Object[] {"bn1.num_batches_tracked", List.of(), SafetensorsDType.I64}, // PyTorch's counter: fine
                new Object[] {"fc.weight", List.of(2, 4), SafetensorsDType.I32},       // wrong dtype
                new Object[] {"extra.weight", List.of(7, 2)},                          // unexpected
                new Object[] {"in1.running_mean", List.of(4)}));                       // ignored by the predicate
        try (Safetensors st = Safetensors.open(f)) {
            assertThatThrownBy(() -> StateDicts.load(g, st, n -> n.matches("in\\d+\\.running_(mean|var)")))
                    .isInstanceOf(GannetException.class)
                    .satisfies(e -> assertThat(((GannetException) e).code()).isEqualTo(ErrorCode.FORMAT))
                    .hasMessageContaining("does not fit TestNet")
                    .hasMessageContaining("2 missing: bn1.running_var [4], fc.bias [2]")
                    .hasMessageContaining("1 unexpected: extra.weight [7, 2]")
                    .hasMessageContaining("conv1.weight is [4, 3, 5, 5] in the file, the model needs [4, 3, 3, 3]")
                    .hasMessageContaining("fc.weight is I32")
                    .message().doesNotContain("in1.running_mean").doesNotContain("num_batches_tracked");
        }
    }

    @Test
    void layoutConversionsMoveEachValueWhereItsIndicesSay() {
        int o = 3, i = 2, r = 2, s = 3;
        float[] oihw = new float[o * i * r * s];
        for (int a = 0; a < oihw.length; a++) oihw[a] = a;
        float[] ohwi = WeightLayouts.oihwToOhwi(oihw, o, i, r, s);
        for (int ko = 0; ko < o; ko++) for (int ci = 0; ci < i; ci++) for (int y = 0; y < r; y++) {
            for (int x = 0; x < s; x++) {
                assertThat(ohwi[((ko * r + y) * s + x) * i + ci]).isEqualTo(oihw[((ko * i + ci) * r + y) * s + x]);
            }
        }
        assertThat(WeightLayouts.ohwiToOihw(ohwi, o, r, s, i)).containsExactly(oihw);
        // Transposed conv: IOHW (C=o here, K=i) to KRSC.
        float[] krsc = WeightLayouts.iohwToOhwi(oihw, o, i, r, s);
        for (int c = 0; c < o; c++) for (int k = 0; k < i; k++) for (int y = 0; y < r; y++) {
            for (int x = 0; x < s; x++) {
                assertThat(krsc[((k * r + y) * s + x) * o + c]).isEqualTo(oihw[((c * i + k) * r + y) * s + x]);
            }
        }
        assertThat(WeightLayouts.ohwiToIohw(krsc, i, r, s, o)).containsExactly(oihw);
        assertThatThrownBy(() -> WeightLayouts.oihwToOhwi(oihw, 2, 2, 2, 2)).isInstanceOf(GannetException.class);
    }
}

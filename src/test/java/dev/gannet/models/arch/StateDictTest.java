// StateDict: PyTorch's default initialization (bounds from PyTorch's own formula, statistics of the
// draws), strict loading with one message naming every problem, and a safetensors round trip.
package dev.gannet.models.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.gannet.models.formats.SafeTensor;
import dev.gannet.models.formats.Safetensors;
import dev.gannet.models.formats.SafetensorsDType;
import dev.gannet.models.formats.WeightLayouts;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
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

class StateDictTest {
    @TempDir
    Path tmp;

    static StateDict small(long seed) {
        StateDict sd = new StateDict(seed);
        sd.conv("main.0", 3, 16, 3, 3, true);
        sd.batchNorm("main.1", 16);
        sd.convTranspose("main.3", 16, 8, 4, 4, false);
        sd.instanceNormAffine("in1", 8);
        sd.linear("fc", 8, 10, true);
        return sd;
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
        // Uniform on ±b: mean 0 (sd b/√(3n)), variance b²/3; allow five standard errors.
        assertThat(sum / n).isCloseTo(0, within(5 * bound / Math.sqrt(3.0 * n)));
        assertThat(sq / n).isCloseTo(bound * bound / 3, within(5 * bound * bound * Math.sqrt(4.0 / 45 / n)));
    }

    @Test
    void initializationFollowsPyTorchDefaults() {
        StateDict sd = new StateDict(7);
        sd.conv("c", 64, 128, 3, 3, true);
        sd.convTranspose("t", 128, 64, 4, 4, true);
        sd.linear("l", 512, 256, true);
        assertThat(sd.shape("c.weight")).containsExactly(128, 64, 3, 3);
        assertUniform(sd.get("c.weight"), torchBound(64 * 9));
        assertUniform(sd.get("c.bias"), 1 / Math.sqrt(64 * 9));
        // ConvTranspose2d: weight (in, out, k, k) and fan_in from out_channels.
        assertThat(sd.shape("t.weight")).containsExactly(128, 64, 4, 4);
        assertUniform(sd.get("t.weight"), torchBound(64 * 16));
        assertUniform(sd.get("t.bias"), 1 / Math.sqrt(64 * 16));
        assertUniform(sd.get("l.weight"), torchBound(512));
    }

    @Test
    void seedsAreReproducible() {
        assertThat(small(1).get("main.0.weight")).containsExactly(small(1).get("main.0.weight"));
        assertThat(small(1).get("main.0.weight")).isNotEqualTo(small(2).get("main.0.weight"));
        StateDict sd = small(1);
        assertThat(sd.get("main.1.weight")).containsOnly(1f);
        assertThat(sd.get("main.1.bias")).containsOnly(0f);
        assertThat(sd.get("main.1.running_mean")).containsOnly(0f);
        assertThat(sd.get("main.1.running_var")).containsOnly(1f);
        assertThat(sd.get("in1.weight")).containsOnly(1f);
        assertThat(sd.names()).containsExactly("main.0.weight", "main.0.bias", "main.1.weight", "main.1.bias",
                "main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked", "main.3.weight",
                "in1.weight", "in1.bias", "fc.weight", "fc.bias");
    }

    @Test
    void saveThenLoadRestoresEveryValue() {
        StateDict a = small(1);
        Path f = tmp.resolve("a.safetensors");
        a.save(f, Map.of("arch", "small"));
        StateDict b = small(2);
        try (Safetensors st = Safetensors.open(f)) {
            assertThat(st.metadata()).containsEntry("arch", "small");
            assertThat(st.tensor("main.1.num_batches_tracked").dtype()).isEqualTo(SafetensorsDType.I64);
            assertThat(st.tensor("main.1.num_batches_tracked").shape()).isEmpty();
            assertThat(st.tensor("main.0.weight").shape()).containsExactly(16L, 3L, 3L, 3L);
            b.load(st, "small", n -> false);
        }
        for (String n : a.names()) assertThat(b.get(n)).as(n).containsExactly(a.get(n));
    }

    /** Writes the given tensors (F32 with values 0.5, or the given dtype) as a safetensors file. */
    Path file(String name, List<Object[]> tensors) {
        Path f = tmp.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            List<SafeTensor> ts = new ArrayList<>();
            for (Object[] t : tensors) {
                String n = (String) t[0];
                List<Long> shape = ((List<?>) t[1]).stream().map(x -> ((Number) x).longValue()).toList();
                SafetensorsDType dt = t.length > 2 ? (SafetensorsDType) t[2] : SafetensorsDType.F32;
                long numel = shape.stream().reduce(1L, (x, y) -> x * y);
                MemorySegment seg = arena.allocate(numel * dt.size(), 8);
                if (dt == SafetensorsDType.F32) {
                    for (long i = 0; i < numel; i++) {
                        seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, 0.5f);
                    }
                }
                ts.add(new SafeTensor(n, dt, shape, seg));
            }
            Safetensors.write(f, Map.of(), ts);
        }
        return f;
    }

    @Test
    void oneMessageNamesEveryMissingExtraAndMisShapedTensor() {
        StateDict sd = new StateDict(1);
        sd.conv("conv1", 3, 4, 3, 3, true);
        sd.batchNorm("bn1", 4);
        sd.linear("fc", 4, 2, true);
        float[] before = sd.get("conv1.weight").clone();
        Path f = file("bad.safetensors", List.of(
                new Object[] {"conv1.weight", List.of(4, 3, 5, 5)},       // mis-shaped
                new Object[] {"conv1.bias", List.of(4)},
                new Object[] {"bn1.weight", List.of(4)}, new Object[] {"bn1.bias", List.of(4)},
                new Object[] {"bn1.running_mean", List.of(4)},              // running_var missing
                new Object[] {"fc.weight", List.of(2, 4), SafetensorsDType.I32}, // wrong dtype
                new Object[] {"extra.weight", List.of(7, 2)},               // unexpected
                new Object[] {"in1.running_mean", List.of(4)}));            // ignored by the predicate
        try (Safetensors st = Safetensors.open(f)) {
            assertThatThrownBy(() -> sd.load(st, "TestNet", n -> n.matches("in\\d+\\.running_(mean|var)")))
                    .isInstanceOf(GannetException.class)
                    .satisfies(e -> assertThat(((GannetException) e).code()).isEqualTo(ErrorCode.FORMAT))
                    .hasMessageContaining("does not fit TestNet")
                    .hasMessageContaining("2 missing: bn1.running_var [4], fc.bias [2]")
                    .hasMessageContaining("1 unexpected: extra.weight [7, 2]")
                    .hasMessageContaining("conv1.weight is [4, 3, 5, 5] in the file, the model needs [4, 3, 3, 3]")
                    .hasMessageContaining("fc.weight is I32")
                    .message().doesNotContain("in1.running_mean").doesNotContain("num_batches_tracked");
        }
        // Nothing was half-loaded.
        assertThat(sd.get("conv1.bias")).doesNotContain(0.5f);
        assertThat(sd.get("conv1.weight")).containsExactly(before);
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

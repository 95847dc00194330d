// Every tile configuration and load path of the compute-heavy CUDA kernels on simt: the op-matrix
// cases of conv2d, conv_transpose2d and linear under each forced tile (128x128, 64x64, 128x16) with
// the loads the launch would choose (16-byte copies where x is aligned) and with element gathers
// forced; gram with and without the split over H*W. Each group must actually have planned the
// kernels it names. The default choices run in OpMatrixSimtTest.
package dev.gannet.ops.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.matrix.OpCase;
import dev.gannet.matrix.OpMatrix;
import dev.gannet.matrix.Result;
import dev.gannet.matrix.Schedules;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Ops;
import dev.gannet.runtime.SimtSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class IgemmConfigsSimtTest {
    /** One schedule per configuration (OpMatrixSimtTest compares forward and reverse on the defaults). */
    private static final List<SimtSchedule> SCHEDULE = List.of(SimtSchedule.shuffled(7));
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
    Stream<DynamicNode> everyTileAndLoad() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String op : List.of("conv2d", "conv_transpose2d", "linear")) {
            for (Igemm.Tile t : Igemm.Tile.values()) {
                // 128x128 has no gather version: forced gathers there run 64x64's, covered below.
                for (String load : t.gathers() ? List.of("auto", "any") : List.of("auto")) {
                    String tile = "_" + t.id() + "_";
                    nodes.add(config(op, op + " tile " + t.id() + " load " + load,
                            Map.of(Igemm.tileProperty(op), t.id(), Igemm.loadProperty(op), load), planned -> {
                                // Views that do not allow 16-byte loads fall back to 64x64 gathers on 128x128.
                                assertThat(planned).allMatch(k -> k.contains(tile) || k.endsWith("_64x64_any"));
                                assertThat(planned).anyMatch(k -> k.contains(tile));
                                if (load.equals("any")) assertThat(planned).noneMatch(k -> k.endsWith("_vec"));
                                else assertThat(planned).anyMatch(k -> k.endsWith("_vec"));
                            }));
                }
            }
        }
        for (String parts : List.of("1", "3")) {
            for (String load : List.of("auto", "any")) {
                nodes.add(config("gram", "gram parts " + parts + " load " + load,
                        Map.of(GramCuda.PARTS_PROPERTY, parts, Igemm.loadProperty("gram"), load), planned -> {
                            if (parts.equals("1")) assertThat(planned).doesNotContain("gk_gram_finalize");
                            else assertThat(planned).contains("gk_gram_finalize");
                            if (load.equals("any")) assertThat(planned).noneMatch(k -> k.endsWith("_vec"));
                            else assertThat(planned).anyMatch(k -> k.endsWith("_vec"));
                        }));
            }
        }
        return nodes.stream();
    }

    /** The op's cases under the forced properties, then a check of the kernels they planned. */
    private static DynamicContainer config(String op, String label, Map<String, String> properties,
                                           Consumer<Set<String>> check) {
        Set<String> planned = new TreeSet<>();
        List<DynamicNode> tests = new ArrayList<>();
        for (OpCase c : OpMatrix.casesOf(Ops.get(op))) {
            tests.add(DynamicTest.dynamicTest(label + ": " + c.name(), () -> {
                properties.forEach(System::setProperty);
                Igemm.PLANNED.clear();
                Result r;
                try {
                    r = Schedules.run(c, simt, 42, SCHEDULE);
                } finally {
                    properties.keySet().forEach(System::clearProperty);
                    planned.addAll(Igemm.PLANNED);
                }
                switch (r) {
                    case Result.Passed p -> { }
                    case Result.Skipped s -> Assumptions.abort(s.detail());
                    case Result.Failed f -> Assertions.fail(label + ": " + c.name() + ": " + f.detail());
                }
            }));
        }
        tests.add(DynamicTest.dynamicTest(label + ": the planned kernels are the forced ones", () -> {
            Assumptions.assumeTrue(simt != null, "the simt device is not open");
            check.accept(planned);
        }));
        return DynamicContainer.dynamicContainer(label, tests);
    }
}

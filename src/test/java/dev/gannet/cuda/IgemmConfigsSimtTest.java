// Every tile configuration and load path of the compute-heavy CUDA kernels on simt: the op-matrix
// cases of conv2d, conv_transpose2d and linear under each forced tile (128x128, 64x64, 128x16) with
// the loads the launch would choose (16-byte copies where x is aligned) and with element gathers
// forced; gram with and without the split over H*W. The default choices run in OpMatrixSimtTest.
package dev.gannet.cuda;

import dev.gannet.matrix.OpCase;
import dev.gannet.matrix.OpMatrix;
import dev.gannet.matrix.Result;
import dev.gannet.matrix.Schedules;
import dev.gannet.ops.cuda.GramCuda;
import dev.gannet.ops.cuda.Igemm;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Ops;
import dev.gannet.runtime.SimtSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        simt = Simt.open();
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
                for (String load : List.of("auto", "any")) {
                    nodes.add(config(op, op + " tile " + t.id() + " load " + load,
                            Map.of(Igemm.tileProperty(op), t.id(), Igemm.loadProperty(op), load)));
                }
            }
        }
        for (String parts : List.of("1", "3")) {
            for (String load : List.of("auto", "any")) {
                nodes.add(config("gram", "gram parts " + parts + " load " + load,
                        Map.of(GramCuda.PARTS_PROPERTY, parts, Igemm.loadProperty("gram"), load)));
            }
        }
        return nodes.stream();
    }

    private static DynamicContainer config(String op, String label, Map<String, String> properties) {
        List<OpCase> cases = OpMatrix.casesOf(Ops.get(op));
        return DynamicContainer.dynamicContainer(label, cases.stream().map(c -> DynamicTest.dynamicTest(
                label + ": " + c.name(), () -> {
                    properties.forEach(System::setProperty);
                    Result r;
                    try {
                        r = Schedules.run(c, simt, 42, SCHEDULE);
                    } finally {
                        properties.keySet().forEach(System::clearProperty);
                    }
                    switch (r) {
                        case Result.Passed p -> { }
                        case Result.Skipped s -> Assumptions.abort(s.detail());
                        case Result.Failed f -> Assertions.fail(label + ": " + c.name() + ": " + f.detail());
                    }
                })));
    }
}

// Every version of the CUDA kernels of upsample2d, pixel_shuffle, batchnorm, instancenorm, pool2d,
// elementwise, cast and reduce against the reference: each op's matrix cases run on simt with the
// plans forced to scalar kernels, to vector kernels where the views allow, and (for reductions) to
// the fused single pass and to the split reduction; every case under two thread schedules with
// bitwise identical outputs. Each forced group must actually have planned the kernels it names.
package dev.gannet.ops.cuda;

import dev.gannet.matrix.OpCase;
import dev.gannet.matrix.OpMatrix;
import dev.gannet.matrix.Result;
import dev.gannet.matrix.Schedules;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class KernelVersionsSimtTest {
    private static final List<String> STREAMING = List.of("upsample2d", "pixel_shuffle", "elementwise", "cast");
    private static final List<String> REDUCING = List.of("batchnorm", "instancenorm", "pool2d", "reduce");

    private static CudaDevice simt;

    /** One forced configuration of the plans. */
    private record Version(boolean vectors, CudaPaths.Split split) {
        String name() {
            return (vectors ? "vector" : "scalar") + (split == CudaPaths.Split.AUTO ? "" : " " + split.name().toLowerCase());
        }

        /** What the plans of a group of cases must have chosen at least once (or never). */
        String check(Set<String> planned) {
            boolean anyVec = planned.stream().anyMatch(k -> k.endsWith("_vec"));
            if (vectors && !anyVec) return "no vector kernel was planned: " + planned;
            if (!vectors && anyVec) return "a vector kernel was planned although forced off: " + planned;
            boolean anyFinal = planned.stream().anyMatch(k -> k.contains("finalize"));
            if (split == CudaPaths.Split.SPLIT && !anyFinal) return "no split reduction was planned: " + planned;
            if (split == CudaPaths.Split.FUSED && anyFinal) return "a split reduction was planned although forced fused: " + planned;
            return null;
        }
    }

    @BeforeAll
    static void open() {
        var why = Devices.simtUnavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "the simt device cannot be opened: " + why.orElse(""));
        simt = CudaDevice.openSimt();
    }

    @AfterAll
    static void close() {
        CudaPaths.forceVectors = null;
        CudaPaths.forceSplit = null;
        if (simt != null) simt.close();
    }

    @TestFactory
    Stream<DynamicNode> everyVersion() {
        List<DynamicNode> ops = new ArrayList<>();
        for (String op : STREAMING) {
            ops.add(group(op, List.of(new Version(false, CudaPaths.Split.AUTO), new Version(true, CudaPaths.Split.AUTO))));
        }
        for (String op : REDUCING) {
            List<Version> vs = new ArrayList<>();
            for (boolean v : List.of(false, true)) {
                for (CudaPaths.Split s : List.of(CudaPaths.Split.FUSED, CudaPaths.Split.SPLIT)) vs.add(new Version(v, s));
            }
            ops.add(group(op, vs));
        }
        return ops.stream();
    }

    private static DynamicContainer group(String op, List<Version> versions) {
        List<OpCase> cases = OpMatrix.casesOf(Ops.get(op));
        List<DynamicNode> nodes = new ArrayList<>();
        for (Version v : versions) {
            Set<String> planned = new TreeSet<>();
            List<DynamicNode> tests = new ArrayList<>();
            for (OpCase c : cases) {
                tests.add(DynamicTest.dynamicTest(v.name() + " " + c.name(), () -> run(c, v, planned)));
            }
            tests.add(DynamicTest.dynamicTest(v.name() + " planned its kernels", () -> {
                String problem = v.check(planned);
                if (problem != null) Assertions.fail(op + " " + v.name() + ": " + problem);
            }));
            nodes.add(DynamicContainer.dynamicContainer(op + " " + v.name(), tests));
        }
        return DynamicContainer.dynamicContainer(op, nodes);
    }

    private static void run(OpCase c, Version v, Set<String> planned) {
        CudaPaths.forceVectors = v.vectors();
        CudaPaths.forceSplit = v.split();
        CudaPaths.PLANNED.clear();
        try {
            Result r = Schedules.run(c, simt, 42, Schedules.DEFAULT);
            switch (r) {
                case Result.Passed p -> { }
                case Result.Skipped s -> Assumptions.abort(s.detail());
                case Result.Failed f -> Assertions.fail(v.name() + " " + c.name() + ": " + f.detail());
            }
        } finally {
            planned.addAll(CudaPaths.PLANNED);
            CudaPaths.forceVectors = null;
            CudaPaths.forceSplit = null;
        }
    }
}

// Runs the whole op matrix on the cpu device, with the AVX2 kernels and again with the portable C
// kernels, as JUnit dynamic tests; unsupported cases are reported as skipped with their reason.
package dev.gannet.matrix;

import dev.gannet.runtime.CpuDevice;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class OpMatrixTest {
    private static CpuDevice cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuDevice();
    }

    @AfterAll
    static void close() {
        cpu.useAvx2(true);
        cpu.close();
    }

    @TestFactory
    Stream<DynamicTest> cpuAvx2() {
        return tests("cpu/avx2", true);
    }

    @TestFactory
    Stream<DynamicTest> cpuPortable() {
        return tests("cpu/portable", false);
    }

    private Stream<DynamicTest> tests(String label, boolean avx2) {
        List<OpCase> cases = OpMatrix.all();
        return cases.stream().map(c -> DynamicTest.dynamicTest(label + " " + c.name(), () -> {
            boolean inUse = cpu.useAvx2(avx2);
            Assumptions.assumeTrue(inUse == avx2, "this CPU has no AVX2/FMA/F16C, so the AVX2 kernels cannot run");
            Result r = c.run(cpu, 42);
            switch (r) {
                case Result.Passed p -> { }
                case Result.Skipped s -> Assumptions.abort(s.detail());
                case Result.Failed f -> Assertions.fail(label + " " + c.name() + ": " + f.detail());
            }
        }));
    }
}

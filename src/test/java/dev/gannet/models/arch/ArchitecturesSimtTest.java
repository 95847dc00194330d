// Every architecture of models/ compiled into Plans on the simt device (the CUDA kernels run by the
// emulator, launches replayed from a captured graph): fused and unfused Plans agree with each other
// and with the double-precision graph reference, in FP32 and FP16 (issue 4's "cpu and simt").
package dev.gannet.models.arch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.PlanCheck;
import dev.gannet.graph.Precision;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Devices;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class ArchitecturesSimtTest {
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
    Stream<DynamicTest> everyArchitectureFusedMatchesUnfusedOnSimt() {
        return TestArchitectures.all().stream().flatMap(c -> Stream.of(Precision.values())
                .map(p -> DynamicTest.dynamicTest(c + " " + p, () -> {
                    PlanCheck.Result r = PlanCheck.fusedMatchesUnfused(c.arch().graph(c.input()), simt, p, 5);
                    System.out.println("simt " + r);
                    assertThat(r.launchesFused()).as("%s: the compiler fuses something", c.name())
                            .isLessThan(r.launchesUnfused());
                })));
    }
}

// The ptxas report reader against real nvcc 13.0 output (src/test/resources/dev/gannet/cuda/
// ptxas-fixture.txt, compiled from ptxas-fixture.cu for sm_80 and sm_90); expected numbers copied by
// hand from that file.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.runtime.PtxasReport;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PtxasReportTest {
    private static PtxasReport fixture() throws Exception {
        try (InputStream in = PtxasReportTest.class.getResourceAsStream("ptxas-fixture.txt")) {
            return PtxasReport.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "fixture");
        }
    }

    @Test
    void readsEveryEntryFunctionOfEveryTarget() throws Exception {
        PtxasReport r = fixture();
        assertThat(r.kernels()).hasSize(6);
        assertThat(r.kernels()).extracting(PtxasReport.Kernel::arch).containsOnly("sm_80", "sm_90");
    }

    @Test
    void spillsStackRegistersAndSharedMemory() throws Exception {
        PtxasReport r = fixture();
        var spills = r.kernel("spills", "sm_90").orElseThrow();
        assertThat(spills.registers()).isEqualTo(64);
        assertThat(spills.stackBytes()).isEqualTo(1760);
        assertThat(spills.spillStores()).isEqualTo(2308);
        assertThat(spills.spillLoads()).isEqualTo(3124);
        assertThat(spills.spills()).isTrue();
        var smem = r.kernel("with_smem", "sm_90").orElseThrow();
        assertThat(smem.registers()).isEqualTo(10);
        assertThat(smem.barriers()).isEqualTo(1);
        assertThat(smem.sharedBytes()).isEqualTo(4096);
        assertThat(smem.spills()).isFalse();
        var dyn80 = r.kernel("dyn", "sm_80").orElseThrow();
        assertThat(dyn80.sharedBytes()).isZero(); // dynamic shared memory is not in the report
        assertThat(r.kernel("spills", "sm_80").orElseThrow().spillStores()).isEqualTo(2056);
    }

    @Test
    void theBuildsReportHoldsPad2dWithoutSpillsWhenNvccBuiltIt() {
        var report = PtxasReport.ofBuild();
        org.junit.jupiter.api.Assumptions.assumeTrue(report.isPresent(),
                "this build has no " + PtxasReport.FILE + " (nvcc was not found when it was built)");
        for (String k : new String[] {"gk_pad2d_f32", "gk_pad2d_f16", "gk_pad2d_f32_v4", "gk_pad2d_f16_v8"}) {
            var kernel = report.get().kernel(k, "sm_90");
            assertThat(kernel).as(k).isPresent();
            assertThat(kernel.get().spills()).as(k + " spills").isFalse();
        }
    }
}

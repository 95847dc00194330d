// The CLI's CUDA side, run in-process: `info` with the cpu and simt support matrices and why cuda is
// or is not available, `info --kernels` from the ptxas report, `selftest --device simt`.
package dev.gannet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.matrix.OpMatrix;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Ops;
import dev.gannet.runtime.PtxasReport;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CudaCliTest {
    @Test
    void infoPrintsBothSupportMatricesAndWhetherTheyAreEqual() {
        CliTest.Run r = CliTest.gannet("info");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.outLines();
        assertThat(lines).anyMatch(l -> l.startsWith("cpu support "));
        assertThat(lines).anyMatch(l -> l.startsWith("simt "));
        if (Devices.simtUnavailable().isEmpty()) {
            assertThat(lines).anyMatch(l -> l.startsWith("simt support ") && l.contains(" of 74 "));
            assertThat(lines).anyMatch(l -> l.startsWith("cpu vs simt ") && l.matches(".*(equal|not equal).*"));
            assertThat(r.out()).contains("libgannet_simt.so");
        } else {
            assertThat(lines).anyMatch(l -> l.startsWith("simt ") && l.contains("not available: "));
        }
    }

    @Test
    void infoSaysWhyCudaIsNotAvailable() {
        boolean driver;
        try (Arena a = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", a);
            driver = true;
        } catch (IllegalArgumentException e) {
            driver = false;
        }
        Assumptions.assumeFalse(driver, "this machine has a CUDA driver");
        CliTest.Run r = CliTest.gannet("info");
        assertThat(r.outLines()).contains("cuda          not available: the CUDA driver library libcuda.so.1 was not "
                + "found (no NVIDIA driver installed)");
    }

    @Test
    void infoKernelsListsThePtxasReportOrSaysTheBuildHadNoNvcc() {
        CliTest.Run r = CliTest.gannet("info", "--kernels");
        assertThat(r.code()).as(r.err()).isZero();
        var report = PtxasReport.ofBuild();
        if (report.isEmpty()) {
            assertThat(r.outLines()).anyMatch(l -> l.startsWith("kernels ") && l.contains("nvcc was not found"));
            return;
        }
        assertThat(r.outLines()).anyMatch(l -> l.startsWith("kernels ") && l.contains("kernels for sm_90"));
        var pad = report.get().kernel("gk_pad2d_f32_v4", "sm_90").orElseThrow();
        assertThat(r.outLines()).anyMatch(l -> l.matches("\\s*gk_pad2d_f32_v4\\s+" + pad.registers() + "\\s+"
                + pad.spillStores() + "\\s+" + pad.spillLoads() + "\\s+" + pad.sharedBytes()));
    }

    @Test
    void selftestOnSimtRunsTwoSchedulesAndEndsWithTheSummary() {
        Assumptions.assumeTrue(Devices.simtUnavailable().isEmpty(), () -> "simt: " + Devices.simtUnavailable().get());
        CliTest.Run r = CliTest.gannet("selftest", "--device", "simt", "--op", "pad2d");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        int cases = OpMatrix.casesOf(Ops.get("pad2d")).size();
        assertThat(r.outLines().get(r.outLines().size() - 1)).isEqualTo(cases + " passed, 0 failed");
        assertThat(r.out()).contains("simt (schedules forward, reverse)");
    }

    @Test
    void isaDoesNotApplyToSimt() {
        Assumptions.assumeTrue(Devices.simtUnavailable().isEmpty(), () -> "simt: " + Devices.simtUnavailable().get());
        CliTest.Run r = CliTest.gannet("selftest", "--device", "simt", "--isa", "portable");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.errLines()).singleElement().asString().contains("--isa", "simt");
    }
}

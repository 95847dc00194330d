// Opening devices by name: cuda without a driver fails with one sentence, auto falls back to cpu and
// says why (once), simt is the CUDA device code over the emulator.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceKind;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class DevicesTest {
    /** Whether this machine has a CUDA driver, asked of the dynamic loader directly. */
    private static boolean driverInstalled() {
        try (Arena a = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", a);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void cudaWithoutTheDriverLibraryFailsWithOneSentence() {
        assertThatThrownBy(() -> CudaDevice.openCuda("libgannet-test-no-driver.so.1", 0))
                .isInstanceOfSatisfying(GannetException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEVICE_UNAVAILABLE);
                    assertThat(e.detail()).isEqualTo("device cuda: the CUDA driver library "
                            + "libgannet-test-no-driver.so.1 was not found (no NVIDIA driver installed)");
                });
        assertThat(CudaDevice.cudaUnavailableReason("libgannet-test-no-driver.so.1"))
                .contains("the CUDA driver library libgannet-test-no-driver.so.1 was not found (no NVIDIA driver installed)");
    }

    @Test
    void cudaOnThisMachineWithoutADriver() {
        Assumptions.assumeFalse(driverInstalled(), "this machine has libcuda.so.1");
        assertThatThrownBy(() -> Devices.open("cuda")).isInstanceOfSatisfying(GannetException.class, e ->
                assertThat(e.detail()).isEqualTo(
                        "device cuda: the CUDA driver library libcuda.so.1 was not found (no NVIDIA driver installed)"));
        assertThatThrownBy(() -> Devices.open("cuda:1")).hasMessageContaining("libcuda.so.1 was not found");
    }

    @Test
    void autoFallsBackToCpuAndSaysWhyAtMostOnce() {
        Assumptions.assumeFalse(driverInstalled(), "this machine has libcuda.so.1, so auto may pick cuda");
        List<LogRecord> logged = new ArrayList<>();
        Handler h = new Handler() {
            @Override public void publish(LogRecord r) { logged.add(r); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        Logger log = Logger.getLogger("dev.gannet");
        log.addHandler(h);
        try (Device a = Devices.open("auto"); Device b = Devices.auto()) {
            assertThat(a.kind()).isEqualTo(DeviceKind.CPU);
            assertThat(b.kind()).isEqualTo(DeviceKind.CPU);
        } finally {
            log.removeHandler(h);
        }
        assertThat(Devices.autoReason()).contains("libcuda.so.1 was not found");
        assertThat(logged).hasSizeLessThanOrEqualTo(1); // once per process: another test may have been first
        logged.forEach(r -> assertThat(r.getMessage()).startsWith("device auto: using cpu because ")
                .contains("libcuda.so.1"));
    }

    @Test
    void unknownDevicesAreInvalidArguments() {
        assertThatThrownBy(() -> Devices.open("gpu")).isInstanceOfSatisfying(GannetException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.detail()).contains("'gpu'", "cpu", "cuda", "simt");
        });
        assertThatThrownBy(() -> Devices.open("cuda:x")).isInstanceOf(GannetException.class);
    }

    @Test
    void simtIsTheCudaDeviceOverTheEmulator() {
        try (CudaDevice simt = Simt.open(); Device byName = Devices.open("simt")) {
            assertThat(simt.kind()).isEqualTo(DeviceKind.SIMT);
            assertThat(byName).isInstanceOf(CudaDevice.class);
            assertThat(simt.name()).isEqualTo("simt");
            assertThat(simt.props().emulated()).isTrue();
            assertThat(simt.props().warpSize()).isEqualTo(32);
            assertThat(simt.description()).contains("libgannet_simt.so runs the CUDA kernels on the CPU",
                    "sm_" + simt.props().cc(), "thread schedule forward");
        }
    }
}

// Opens the simt device for a test, or skips the test saying why the emulator is not available.
package dev.gannet.cuda;

import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Devices;
import org.junit.jupiter.api.Assumptions;

final class Simt {
    private Simt() {}

    static CudaDevice open() {
        var why = Devices.simtUnavailable();
        Assumptions.assumeTrue(why.isEmpty(), () -> "the simt device cannot be opened: " + why.orElse(""));
        return CudaDevice.openSimt();
    }
}

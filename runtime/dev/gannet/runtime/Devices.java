// Opens devices by name: cpu, cuda (cuda:N), simt, or auto (cuda when a driver and a GPU answer,
// else cpu, saying why in one log line, once per process).
package dev.gannet.runtime;

import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;

public final class Devices {
    private static final Logger LOG = Logger.getLogger("dev.gannet");
    private static String autoReason; // why auto chose cpu, decided once per process (null: not yet)

    private Devices() {}

    public static Device open(String kind) {
        String k = kind == null ? "" : kind.strip().toLowerCase(Locale.ROOT);
        if (k.matches("cuda:\\d{1,4}")) return CudaDevice.openCuda(Integer.parseInt(k.substring(5)));
        return switch (k) {
            case "cpu" -> new CpuDevice();
            case "auto" -> auto();
            case "cuda" -> CudaDevice.openCuda(0);
            case "simt" -> CudaDevice.openSimt();
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "unknown device '" + kind + "' (known: auto, cpu, cuda, cuda:N, simt)");
        };
    }

    /**
     * cuda:0 when a driver and a GPU answer (cuInit succeeds, cuDeviceGetCount > 0) and this build has
     * CUDA kernels; otherwise cpu. The reason for cpu is logged once per process.
     */
    public static Device auto() {
        String reason = autoReason();
        if (reason.isEmpty()) {
            try {
                return CudaDevice.openCuda(0);
            } catch (GannetException e) {
                logOnce("device auto: using cpu because cuda:0 could not be opened: " + e.detail());
                return new CpuDevice();
            }
        }
        logOnce("device auto: using cpu because " + reason);
        return new CpuDevice();
    }

    /** Why auto uses cpu ("" when it uses cuda), decided once per process. */
    public static synchronized String autoReason() {
        if (autoReason == null) autoReason = cudaUnavailable().orElse("");
        return autoReason;
    }

    private static boolean logged;

    private static synchronized void logOnce(String message) {
        if (logged) return;
        logged = true;
        LOG.info(message);
    }

    /** Why cuda:0 cannot be opened on this machine, or empty when it can. */
    public static Optional<String> cudaUnavailable() {
        return CudaDevice.cudaUnavailableReason(CudaLibrary.CUDA_DRIVER);
    }

    /** Why the simt device cannot be opened, or empty when it can (the emulator library loads). */
    public static Optional<String> simtUnavailable() {
        try {
            CudaLibrary.simt();
            return Optional.empty();
        } catch (GannetException e) {
            return Optional.of(e.detail());
        }
    }
}

// Opens devices by name: cpu, cuda, simt, or auto (cuda when a driver and a GPU answer, else cpu,
// saying why in one log line).
package dev.gannet.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.logging.Logger;

public final class Devices {
    private static final Logger LOG = Logger.getLogger("dev.gannet");

    private Devices() {}

    public static Device open(String kind) {
        return switch (kind.toLowerCase()) {
            case "cpu" -> new CpuDevice();
            case "auto" -> auto();
            case "cuda" -> throw new GannetException(ErrorCode.DEVICE_UNAVAILABLE,
                    "device cuda: " + cudaUnavailableReason());
            case "simt" -> throw new GannetException(ErrorCode.DEVICE_UNAVAILABLE,
                    "device simt: " + simtUnavailableReason());
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "unknown device '" + kind + "' (known: auto, cpu, cuda, simt)");
        };
    }

    public static Device auto() {
        LOG.info("device auto: using cpu because " + cudaUnavailableReason());
        return new CpuDevice();
    }

    /** Why the simt device cannot be opened. */
    public static String simtUnavailableReason() {
        return "the SIMT emulator (libgannet_simt.so) is not part of this build yet";
    }

    /** Why the cuda device cannot be opened on this machine. */
    public static String cudaUnavailableReason() {
        try (Arena a = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", a);
        } catch (IllegalArgumentException e) {
            return "the CUDA driver library libcuda.so.1 was not found (no NVIDIA driver installed)";
        }
        return "a CUDA driver is present, but this build of gannet has no CUDA backend yet";
    }
}

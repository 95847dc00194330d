// The memory figures of a run's final line: peak Java heap, the device pool's peak, and the process's
// peak resident set (Linux /proc/self/status VmHWM), which covers native memory of every kind.
package dev.gannet.cli;

import dev.gannet.runtime.Device;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Peak heap is the sum of the heap pools' peak usages since {@link #start()}: an upper bound of the heap
 * in use at any one moment (young-generation peaks count whole, even if collected right after).
 */
final class MemoryReport {
    private MemoryReport() {}

    /** Resets the heap pools' peaks, so that the report covers what follows. */
    static void start() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) p.resetPeakUsage();
        }
    }

    static long peakHeapBytes() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.isValid()) sum += p.getPeakUsage().getUsed();
        }
        return sum;
    }

    /** The peak resident set size of this process, when the OS tells (Linux). */
    static OptionalLong peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).strip().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc not mounted: the report leaves the figure out.
        }
        return OptionalLong.empty();
    }

    /** "peak heap 123 MiB, device pool peak 45 MiB, peak RSS 678 MiB". */
    static String line(Device device) {
        StringBuilder b = new StringBuilder("peak heap ").append(mib(peakHeapBytes()));
        b.append(", ").append(device.name()).append(" pool peak ").append(mib(device.poolStats().peakBytes()));
        peakRssBytes().ifPresent(r -> b.append(", peak RSS ").append(mib(r)));
        return b.toString();
    }

    static String mib(long bytes) {
        return bytes < 10L << 20 ? String.format("%.1f MiB", bytes / 1048576.0)
                : String.format("%d MiB", Math.round(bytes / 1048576.0));
    }
}

// What the host CPU is, for `gannet info` and benchmark reports.
package dev.gannet.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

public final class CpuInfo {
    private CpuInfo() {}

    public static String modelName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc is unreadable: fall through
        }
        return System.getProperty("os.arch");
    }
}

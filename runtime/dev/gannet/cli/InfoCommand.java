// `gannet info`: what this machine offers gannet — JDK, CPU and the features the kernels use, threads,
// where each native library was loaded from, the cpu support matrix, and why cuda/simt are or are not
// available.
package dev.gannet.cli;

import dev.gannet.bindings.GkAbi;
import dev.gannet.bindings.GkCpu;
import dev.gannet.bindings.NativeLibraries;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.CpuInfo;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.OpInfo;
import dev.gannet.runtime.Ops;
import dev.gannet.runtime.Support;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, the CPU and the features its kernels use, threads, where native libraries "
                + "were loaded from, the cpu support matrix, and whether cuda and simt are available.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;
    private PrintWriter out;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        row("gannet", Main.version());
        row("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ") at "
                + System.getProperty("java.home"));
        row("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        row("cpu", CpuInfo.modelName() + ", " + Runtime.getRuntime().availableProcessors() + " logical processors");
        int code = 0;
        try (CpuDevice cpu = new CpuDevice()) {
            int f = GkCpu.features();
            row("cpu features", "avx2 " + yesNo(f, GkCpu.FEATURE_AVX2) + ", fma " + yesNo(f, GkCpu.FEATURE_FMA)
                    + ", f16c " + yesNo(f, GkCpu.FEATURE_F16C));
            row("cpu kernels", cpu.avx2() ? "avx2+fma+f16c (the portable C kernels are built too)"
                    : "portable C (the avx2 kernels need avx2, fma and f16c together)");
            int threads = cpu.threads();
            row("threads", threads + (threads == 1 ? " OpenMP thread" : " OpenMP threads")
                    + " for kernels (set OMP_NUM_THREADS to change)");
            row("kernel ABI", "version " + GkAbi.ABI_VERSION);
            libraries();
            supportMatrix(cpu);
        } catch (RuntimeException e) {
            String why = Main.userError(e);
            if (why == null) throw e;
            row("cpu device", "not available: " + why);
            libraries();
            code = Main.EXIT_ERROR;
        }
        row("cuda", availability("cuda", Devices::cudaUnavailableReason));
        row("simt", availability("simt", Devices::simtUnavailableReason));
        out.flush();
        return code;
    }

    private void libraries() {
        var loaded = NativeLibraries.loaded().values().stream()
                .sorted(Comparator.comparing(NativeLibraries.Loaded::name)).toList();
        if (loaded.isEmpty()) {
            row("native libs", "none loaded");
        }
        for (var l : loaded) {
            row("native lib", "lib" + l.name() + ".so: " + l.path() + " (" + l.origin() + ")");
        }
        row("native cache", NativeLibraries.cacheHome() + " ($GANNET_HOME, else ~/.cache/gannet)");
    }

    /** Supported count, then the unsupported forms grouped by op and reason. */
    private void supportMatrix(Device device) {
        List<Support.Entry> all = device.supportMatrix();
        long yes = all.stream().filter(e -> e.support().supported()).count();
        row("cpu support", yes + " of " + all.size() + " (op, dtype, variant) forms supported");
        Map<String, Map<String, List<Support.Entry>>> missing = all.stream()
                .filter(e -> !e.support().supported())
                .collect(Collectors.groupingBy(Support.Entry::op, LinkedHashMap::new,
                        Collectors.groupingBy(e -> e.support().reason(), LinkedHashMap::new, Collectors.toList())));
        missing.forEach((op, byReason) -> byReason.forEach((reason, entries) -> {
            OpInfo info = Ops.get(op);
            int forms = info.dtypes().size() * info.variants().size();
            String which = entries.size() == forms ? "every form"
                    : entries.stream().map(e -> e.dtype().name().toLowerCase() + " " + e.variant())
                            .collect(Collectors.joining(", "));
            out.println("  unsupported " + op + " (" + which + "): " + shortenPaths(reason));
        }));
    }

    /** Library paths are in the "native lib" rows already; in reasons their file name is enough. */
    private static String shortenPaths(String reason) {
        for (var l : NativeLibraries.loaded().values()) {
            reason = reason.replace(l.path().toString(), l.path().getFileName().toString());
        }
        return reason;
    }

    private static String availability(String kind, java.util.function.Supplier<String> reason) {
        try (Device d = Devices.open(kind)) {
            return "available: " + d.description();
        } catch (GannetException e) {
            if (reason != null) return "not available: " + reason.get();
            String m = Main.userMessage(e);
            String prefix = "device " + kind + ": ";
            return "not available: " + (m.startsWith(prefix) ? m.substring(prefix.length()) : m);
        }
    }

    private static String yesNo(int features, int bit) {
        return (features & bit) != 0 ? "yes" : "no";
    }

    private void row(String key, String value) {
        out.printf("%-13s %s%n", key, value);
    }
}

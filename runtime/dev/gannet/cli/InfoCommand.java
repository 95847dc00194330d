// `gannet info`: what this machine offers gannet — JDK, CPU and the features the kernels use, threads,
// where each native library was loaded from, the cpu and simt support matrices (and whether they are
// equal), why cuda is or is not available; with --kernels, the ptxas report of every CUDA kernel.
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
import dev.gannet.runtime.PtxasReport;
import dev.gannet.runtime.Support;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, the CPU and the features its kernels use, threads, where native libraries "
                + "were loaded from, the cpu and simt support matrices, and whether cuda is available.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;
    private PrintWriter out;

    @Option(names = "--kernels", description = "Also list every CUDA kernel's registers, spill bytes and shared "
            + "memory for sm_90, from the build's ptxas report.")
    private boolean kernels;

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
        List<Support.Entry> cpuMatrix = null;
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
            cpuMatrix = cpu.supportMatrix();
        } catch (RuntimeException e) {
            String why = Main.userError(e);
            if (why == null) throw e;
            row("cpu device", "not available: " + why);
            code = Main.EXIT_ERROR;
        }
        List<Support.Entry> simtMatrix = null;
        String simtRow;
        try (Device simt = Devices.open("simt")) {
            simtRow = "available: " + simt.description();
            simtMatrix = simt.supportMatrix();
        } catch (GannetException e) {
            simtRow = "not available: " + strip("simt", e);
        }
        libraries();
        if (cpuMatrix != null) supportMatrix("cpu", cpuMatrix);
        row("simt", simtRow);
        if (simtMatrix != null) supportMatrix("simt", simtMatrix);
        if (cpuMatrix != null && simtMatrix != null) row("cpu vs simt", compare(cpuMatrix, simtMatrix));
        cuda();
        if (kernels) kernelReport();
        out.flush();
        return code;
    }

    /** Whether cuda:0 opens here; if it does, its description and support matrix. */
    private void cuda() {
        var reason = Devices.cudaUnavailable();
        if (reason.isPresent()) {
            row("cuda", "not available: " + reason.get());
            return;
        }
        try (Device cuda = Devices.open("cuda")) {
            row("cuda", "available: " + cuda.name() + ", " + cuda.description());
            supportMatrix("cuda", cuda.supportMatrix());
        } catch (GannetException e) {
            row("cuda", "not available: " + strip("cuda", e));
        }
    }

    private static String strip(String kind, GannetException e) {
        String m = Main.userMessage(e);
        String prefix = "device " + kind + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** "equal" when both devices support exactly the same forms, else which forms differ. */
    private static String compare(List<Support.Entry> a, List<Support.Entry> b) {
        List<String> onlyA = new ArrayList<>(), onlyB = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Support.Entry x = a.get(i), y = b.get(i);
            String form = x.op() + " " + x.dtype().name().toLowerCase() + " " + x.variant();
            if (x.support().supported() && !y.support().supported()) onlyA.add(form);
            if (!x.support().supported() && y.support().supported()) onlyB.add(form);
        }
        if (onlyA.isEmpty() && onlyB.isEmpty()) return "equal: the same " + a.stream()
                .filter(e -> e.support().supported()).count() + " forms are supported on both";
        StringBuilder s = new StringBuilder("not equal:");
        if (!onlyA.isEmpty()) s.append(" ").append(onlyA.size()).append(" forms only on cpu");
        if (!onlyB.isEmpty()) s.append(onlyA.isEmpty() ? " " : ", ").append(onlyB.size()).append(" only on simt");
        return s.toString();
    }

    /** The ptxas report's kernels for sm_90, or why there is none. */
    private void kernelReport() {
        var report = PtxasReport.ofBuild();
        if (report.isEmpty()) {
            row("kernels", "no ptxas report in this build: nvcc was not found when it was built, so the CUDA "
                    + "kernels were not compiled (" + PtxasReport.FILE + " is missing)");
            return;
        }
        List<PtxasReport.Kernel> ks = report.get().kernels().stream().filter(k -> k.arch().equals("sm_90"))
                .sorted(Comparator.comparing(PtxasReport.Kernel::name)).toList();
        row("kernels", ks.size() + " kernels for sm_90 (ptxas report " + PtxasReport.FILE + ": " + report.get().origin() + ")");
        int w = ks.stream().mapToInt(k -> k.name().length()).max().orElse(6);
        String fmt = "  %-" + w + "s  %9s  %12s  %11s  %11s%n";
        out.printf(fmt, "kernel", "registers", "spill stores", "spill loads", "shared (B)");
        for (PtxasReport.Kernel k : ks) {
            out.printf(fmt, k.name(), k.registers(), k.spillStores(), k.spillLoads(), k.sharedBytes());
        }
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
    private void supportMatrix(String device, List<Support.Entry> all) {
        long yes = all.stream().filter(e -> e.support().supported()).count();
        row(device + " support", yes + " of " + all.size() + " (op, dtype, variant) forms supported");
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

    private static String yesNo(int features, int bit) {
        return (features & bit) != 0 ? "yes" : "no";
    }

    private void row(String key, String value) {
        out.printf("%-13s %s%n", key, value);
    }
}

// `gannet selftest`: runs the op matrix (DESIGN §8 layer 2) on a device from the command line — on
// cpu with the AVX2 kernels and/or the portable ones, as OpMatrixTest does; on simt under two thread
// schedules with bitwise identical outputs, as OpMatrixSimtTest does — and prints one table
// row per op x dtype x variant, the failures with their detail, and the closing line
// `N passed, M failed` (`, K skipped` when some are). Progress goes to stderr.
package dev.gannet.matrix;

import dev.gannet.bindings.NativeLibraries;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceKind;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Ops;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class SelfTest {
    static final String NO_AVX2 = "this CPU has no AVX2/FMA/F16C, so the AVX2 kernels cannot run";

    private SelfTest() {}

    /** One run of the cases: a label and, on cpu, which kernels (null: the device has no such choice). */
    private record Pass(String label, Boolean avx2) {}

    private record Outcome(OpCase c, Result result) {}

    private static final class Counts {
        int passed, failed, skipped;

        void add(Result r) {
            switch (r) {
                case Result.Passed p -> passed++;
                case Result.Failed f -> failed++;
                case Result.Skipped s -> skipped++;
            }
        }
    }

    /**
     * Runs the matrix on {@code device}. {@code isa} is avx2, portable or both (cpu only), {@code ops}
     * the op names to run (empty: all). Returns the number of failed cases.
     */
    public static int run(Device device, String isa, List<String> ops, long seed, boolean verbose,
            PrintWriter out, PrintWriter err) {
        return runCases(device, isa, select(ops), seed, verbose, out, err);
    }

    static int runCases(Device device, String isa, List<OpCase> cases, long seed, boolean verbose,
            PrintWriter out, PrintWriter err) {
        CpuDevice cpu = device instanceof CpuDevice c ? c : null;
        List<Pass> passes = passes(device, cpu, isa);
        boolean avx2Before = cpu != null && cpu.avx2();
        out.println("gannet selftest on " + device.name() + " (" + device.description() + "), seed " + seed);
        NativeLibraries.loaded().values().stream().sorted(Comparator.comparing(NativeLibraries.Loaded::name))
                .forEach(l -> out.println("lib" + l.name() + ".so: " + l.path() + " (" + l.origin() + ")"));
        Counts total = new Counts();
        Map<String, Integer> skipReasons = new LinkedHashMap<>();
        long start = System.nanoTime();
        try {
            for (Pass pass : passes) {
                String skipAll = null;
                if (cpu != null && pass.avx2() != null && cpu.useAvx2(pass.avx2()) != pass.avx2()) {
                    if (!isa.equals("both")) {
                        throw new GannetException(ErrorCode.DEVICE_UNAVAILABLE, "--isa " + isa + ": " + NO_AVX2);
                    }
                    skipAll = NO_AVX2;
                }
                List<Outcome> outcomes = runPass(pass, cases, device, seed, skipAll, err);
                out.println();
                out.println(pass.label());
                printTable(outcomes, verbose, out);
                for (Outcome o : outcomes) {
                    total.add(o.result());
                    if (o.result() instanceof Result.Skipped sk) {
                        skipReasons.merge(o.c().op() + ": " + shortenPaths(sk.detail()), 1, Integer::sum);
                    }
                }
                out.flush();
            }
        } finally {
            if (cpu != null) cpu.useAvx2(avx2Before);
        }
        err.printf("selftest: %d cases in %.1f s%n", cases.size() * passes.size(), (System.nanoTime() - start) / 1e9);
        err.flush();
        if (!skipReasons.isEmpty()) {
            out.println();
            out.println("skipped:");
            skipReasons.forEach((reason, n) -> out.println("  " + reason + " (" + n + (n == 1 ? " case)" : " cases)")));
        }
        out.println();
        out.println(total.passed + " passed, " + total.failed + " failed"
                + (total.skipped > 0 ? ", " + total.skipped + " skipped" : ""));
        out.flush();
        return total.failed;
    }

    /** The loaded libraries' paths are printed in the header; in reasons their file name is enough. */
    private static String shortenPaths(String reason) {
        for (var l : NativeLibraries.loaded().values()) {
            reason = reason.replace(l.path().toString(), l.path().getFileName().toString());
        }
        return reason;
    }

    private static List<OpCase> select(List<String> ops) {
        if (ops.isEmpty()) return OpMatrix.all();
        List<OpCase> cases = new ArrayList<>();
        for (String op : ops) cases.addAll(OpMatrix.casesOf(Ops.get(op)));
        return cases;
    }

    private static List<Pass> passes(Device device, CpuDevice cpu, String isa) {
        if (device.kind() == DeviceKind.SIMT) {
            return List.of(new Pass("simt (schedules " + Schedules.DEFAULT.stream().map(Object::toString)
                    .collect(java.util.stream.Collectors.joining(", ")) + ")", null));
        }
        if (cpu == null) return List.of(new Pass(device.name(), null));
        return switch (isa) {
            case "avx2" -> List.of(new Pass("cpu/avx2", true));
            case "portable" -> List.of(new Pass("cpu/portable", false));
            case "both" -> List.of(new Pass("cpu/avx2", true), new Pass("cpu/portable", false));
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "--isa must be avx2, portable or both, not '" + isa + "'");
        };
    }

    private static List<Outcome> runPass(Pass pass, List<OpCase> cases, Device device, long seed, String skipAll,
            PrintWriter err) {
        List<Outcome> outcomes = new ArrayList<>(cases.size());
        String op = null;
        long opStart = 0;
        Counts opCounts = null;
        for (int i = 0; i <= cases.size(); i++) {
            OpCase c = i < cases.size() ? cases.get(i) : null;
            if (op != null && (c == null || !c.op().equals(op))) {
                err.printf("  %-12s %-18s %4d passed, %d failed, %d skipped  %.2f s%n", pass.label(), op,
                        opCounts.passed, opCounts.failed, opCounts.skipped, (System.nanoTime() - opStart) / 1e9);
                err.flush();
            }
            if (c == null) break;
            if (!c.op().equals(op)) {
                op = c.op();
                opStart = System.nanoTime();
                opCounts = new Counts();
            }
            Result r = skipAll != null ? new Result.Skipped(skipAll)
                    : device.kind() == DeviceKind.SIMT ? Schedules.run(c, (CudaDevice) device, seed, Schedules.DEFAULT)
                    : c.run(device, seed);
            opCounts.add(r);
            outcomes.add(new Outcome(c, r));
        }
        return outcomes;
    }

    private static void printTable(List<Outcome> outcomes, boolean verbose, PrintWriter out) {
        Map<String, List<Outcome>> rows = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            OpCase c = o.c();
            rows.computeIfAbsent(c.op() + "\0" + c.dtype().name().toLowerCase() + "\0" + c.variant(),
                    k -> new ArrayList<>()).add(o);
        }
        int wOp = "op".length(), wVariant = "variant".length();
        for (String key : rows.keySet()) {
            String[] k = key.split("\0");
            wOp = Math.max(wOp, k[0].length());
            wVariant = Math.max(wVariant, k[2].length());
        }
        String fmt = "  %-" + wOp + "s  %-5s  %-" + wVariant + "s  %6s  %6s  %7s%n";
        out.printf(fmt, "op", "dtype", "variant", "passed", "failed", "skipped");
        for (var e : rows.entrySet()) {
            String[] k = e.getKey().split("\0");
            Counts n = new Counts();
            for (Outcome o : e.getValue()) n.add(o.result());
            out.printf(fmt, k[0], k[1], k[2], n.passed, n.failed, n.skipped);
            if (verbose) {
                for (Outcome o : e.getValue()) out.println("      " + describe(o));
            }
        }
        List<Outcome> failed = outcomes.stream().filter(o -> o.result() instanceof Result.Failed).toList();
        if (!failed.isEmpty()) {
            out.println("  failed:");
            for (Outcome o : failed) out.println("    " + o.c().name() + ": " + o.result().detail());
        }
    }

    private static String describe(Outcome o) {
        String status = switch (o.result()) {
            case Result.Passed p -> "passed ";
            case Result.Failed f -> "FAILED ";
            case Result.Skipped s -> "skipped";
        };
        String detail = o.result().detail();
        return status + "  " + o.c().desc() + (detail == null || detail.isEmpty() ? "" : "  " + detail);
    }
}

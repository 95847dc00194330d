// The gannet command line, executed in-process through picocli with captured output: info,
// selftest and the one-line errors (exit code 2, no stack trace) for bad options and devices.
package dev.gannet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.matrix.OpMatrix;
import dev.gannet.runtime.Ops;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.gannet.models.formats.TfjsTestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?");

    record Run(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().filter(l -> !l.isBlank()).toList();
        }

        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static Run gannet(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Asserts a user error: exit code 2, one line on stderr naming the problem, no stack trace. */
    private static void assertOneLineError(Run r, String... fragments) {
        assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.errLines().get(0)).startsWith("gannet: ").contains(fragments)
                .doesNotContain("Exception", "[DEVICE_UNAVAILABLE]", "[INVALID_ARGUMENT]");
    }

    @Test
    void infoReportsCpuFeaturesLibrariesAndCuda() {
        Run r = gannet("info");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("avx2", "fma", "f16c", "threads", "libgannet_cpu.so", "cpu support", "cuda",
                "simt", System.getProperty("java.version"));
        assertThat(r.outLines()).anyMatch(l -> l.startsWith("cuda ") && l.contains("available"));
    }

    @Test
    void versionNamesGannetAndJava() {
        Run r = gannet("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("gannet ").contains("Java " + System.getProperty("java.version"));
    }

    @Test
    void selftestOfOneOpEndsWithTheSummaryLine() {
        Run r = gannet("selftest", "--op", "pad2d");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        List<String> lines = r.outLines();
        Matcher m = SUMMARY.matcher(lines.get(lines.size() - 1));
        assertThat(m.matches()).as(lines.get(lines.size() - 1)).isTrue();
        int cases = OpMatrix.casesOf(Ops.get("pad2d")).size();
        // Both kernel sets by default: every case once with AVX2 (or skipped without it) and once portable.
        int counted = Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2))
                + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
        assertThat(counted).isEqualTo(2 * cases);
        assertThat(m.group(2)).isEqualTo("0");
        assertThat(r.out()).contains("cpu/avx2", "cpu/portable", "pad2d  f16", "reflect");
    }

    @Test
    void selftestWithOneIsaRunsEachCaseOnceAndVerboseListsThem() {
        Run r = gannet("selftest", "--op", "pad2d", "--isa", "portable", "--verbose");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        int cases = OpMatrix.casesOf(Ops.get("pad2d")).size();
        assertThat(r.outLines().get(r.outLines().size() - 1)).isEqualTo(cases + " passed, 0 failed");
        assertThat(r.out()).contains("cpu/portable").doesNotContain("cpu/avx2");
        long listed = r.outLines().stream().filter(l -> l.strip().startsWith("passed ")).count();
        assertThat(listed).isEqualTo(cases);
    }

    @Test
    void unknownOptionIsOneLine() {
        assertOneLineError(gannet("selftest", "--frobnicate"), "--frobnicate");
        assertOneLineError(gannet("--frobnicate"), "--frobnicate");
    }

    @Test
    void unknownCommandIsOneLine() {
        assertOneLineError(gannet("frobnicate"), "unknown command 'frobnicate'", "selftest");
    }

    @Test
    void unknownDeviceIsOneLine() {
        assertOneLineError(gannet("selftest", "--device", "gpu"), "'gpu'", "cpu", "cuda");
    }

    @Test
    void unknownOpIsOneLineListingTheKnownOnes() {
        assertOneLineError(gannet("selftest", "--op", "conv3d"), "'conv3d'", "pad2d");
    }

    @Test
    void badIsaIsOneLine() {
        assertOneLineError(gannet("selftest", "--isa", "sse"), "--isa", "sse");
    }

    @Test
    void cudaThatCannotOpenSaysWhy() {
        Run r = gannet("selftest", "--device", "cuda");
        assertOneLineError(r, "cuda");
        assertThat(r.out()).doesNotContain("passed");
    }

    @Test
    void debugShowsTheStackTrace() {
        Run r = gannet("selftest", "--device", "gpu", "--debug");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err()).startsWith("gannet: ").contains("\tat dev.gannet.runtime.Devices.open");
    }

    private static final Pattern LAUNCHES = Pattern.compile("launches: (\\d+), graph nodes: (\\d+)");
    private static final Pattern ARENA = Pattern.compile("arena bytes: planned (\\d+), naive (\\d+)");

    private static long[] totals(Run r) {
        List<String> lines = r.outLines();
        Matcher l = LAUNCHES.matcher(lines.get(lines.size() - 2)), a = ARENA.matcher(lines.get(lines.size() - 1));
        assertThat(l.matches() && a.matches()).as(r.out()).isTrue();
        return new long[] {Long.parseLong(l.group(1)), Long.parseLong(l.group(2)), Long.parseLong(a.group(1)),
                Long.parseLong(a.group(2))};
    }

    @Test
    void planPrintsTheLaunchListAndTheTotals(@TempDir Path dir) {
        TfjsTestModels.writeRrdn(dir, 2);
        Run fused = gannet("plan", "--model-dir", dir.toString(), "--scale", "2", "--size", "9x7");
        assertThat(fused.code()).as(fused.err()).isZero();
        assertThat(fused.out()).contains("conv2d", "pixel_shuffle", "fused: multiply_beta", "1x7x9x3");
        long[] t = totals(fused);
        assertThat(t[0]).isLessThan(t[1]);
        assertThat(t[2]).isLessThan(t[3]);
        Run unfused = gannet("plan", "--model-dir", dir.toString(), "--scale", "2", "--size", "9x7", "--no-fuse");
        long[] u = totals(unfused);
        assertThat(u[0]).isGreaterThanOrEqualTo(u[1]);
        assertThat(u[2]).isEqualTo(u[3]);
        Run half = gannet("plan", "--model-dir", dir.toString(), "--scale", "2", "--size", "9x7", "--precision", "fp16");
        assertThat(half.out()).contains("f32->f16", "f16->f32");
    }

    @Test
    void planErrorsAreOneLine(@TempDir Path dir) {
        TfjsTestModels.writeRrdn(dir, 2);
        assertOneLineError(gannet("plan", "--model", "no-such-model"), "unknown model 'no-such-model'", "--model-dir");
        assertOneLineError(gannet("plan", "--model-dir", dir.toString(), "--scale", "3"), "not a 3x upscale");
        assertOneLineError(gannet("plan", "--model-dir", dir.toString(), "--scale", "2", "--size", "9by7"),
                "--size '9by7'");
        assertOneLineError(gannet("plan", "--model-dir", dir.toString(), "--precision", "fp8"), "fp8");
        assertOneLineError(gannet("plan", "--model-dir", dir.resolve("absent").toString()), "no model for scale 4");
        assertOneLineError(gannet("plan", "--model", "x", "--model-dir", dir.toString()), "mutually exclusive");
        assertOneLineError(gannet("plan"), "--model");
    }

    @Test
    void noCommandAsksForOne() {
        Run r = gannet();
        assertOneLineError(r, "info", "selftest");
    }
}

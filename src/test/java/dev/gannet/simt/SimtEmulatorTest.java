// Runs the SIMT emulator's own C++ checks (native/simt/tests, built by `make tests`) so that they
// show in Surefire: one JUnit test per named check, each in its own process (a crash or hang in one
// cannot hide the others).
package dev.gannet.simt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class SimtEmulatorTest {
    private static final long TIMEOUT_SECONDS = 300;

    /** Checks the issue asks for by name: they must exist, not merely pass if present. */
    private static final List<String> REQUIRED = List.of("racy_reduction_caught", "divergent_barrier_exit_caught",
            "divergent_barrier_sites_caught", "warp_missing_lane_caught", "barrier_reduction", "warp_shuffles", "wmma",
            "cp_async", "streams", "events", "capture_and_replay", "error_codes", "schedules");

    private static Path nativeOut() {
        String dir = System.getProperty("gannet.native.out");
        Assumptions.assumeTrue(dir != null && !dir.isBlank(),
                "gannet.native.out is not set (Surefire sets it to the build's native folder)");
        return Path.of(dir);
    }

    private record Result(int exit, String output) {}

    private static Result run(Path bin, String... args) throws IOException, InterruptedException {
        var cmd = new java.util.ArrayList<String>();
        cmd.add(bin.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("GK_SIMT_PTXAS_REPORT", bin.getParent().getParent().resolve("ptxas-sm_90.txt").toString());
        Process p = pb.start();
        byte[] out;
        try (var in = p.getInputStream()) {
            // The checks print little; reading to the end also waits for the process.
            out = in.readAllBytes();
        }
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @TestFactory
    Stream<DynamicTest> emulatorChecks() throws Exception {
        Path out = nativeOut();
        Path bin = out.resolve("simt").resolve("gk_simt_tests");
        if (!Files.isExecutable(bin)) {
            Path why = out.resolve("simt").resolve("SKIPPED");
            Assumptions.abort("the SIMT emulator was not built: "
                    + (Files.isRegularFile(why) ? Files.readString(why).trim() : bin + " is missing"));
        }
        Result list = run(bin, "--list");
        assertThat(list.exit()).as("%s --list: %s", bin, list.output()).isZero();
        List<String> names = list.output().lines().filter(l -> !l.isBlank()).toList();
        assertThat(names).as("the emulator's checks").containsAll(REQUIRED);
        return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> check(bin, name)));
    }

    private static void check(Path bin, String name) throws Exception {
        Result r = run(bin, "--run", name);
        String last = r.output().lines().filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ") || l.startsWith("SKIP "))
                .reduce((a, b) -> b).orElse("");
        if (last.startsWith("SKIP " + name)) {
            Assumptions.abort(last.substring(5));
        }
        if (!last.startsWith("PASS " + name) || r.exit() != 0) {
            fail("check " + name + " (exit " + r.exit() + "):\n" + r.output());
        }
        System.out.println(last);
    }
}

// The selftest runner's report: failed cases listed with their detail, skipped ones with their
// reason, and the closing line counting each, with cases whose outcome is known in advance.
package dev.gannet.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfTestTest {
    @Test
    void reportsFailuresWithTheirDetailAndCountsEveryOutcome() {
        List<OpCase> cases = List.of(
                new OpCase("pad2d", DType.F32, "zero", "passes", h -> new Result.Passed("fine")),
                new OpCase("pad2d", DType.F32, "zero", "fails", h -> new Result.Failed("element 7: got 1, expected 2")),
                new OpCase("pad2d", DType.F16, "reflect", "throws", h -> { throw new IllegalStateException("kaput"); }),
                new OpCase("no_such_op", DType.F32, "default", "skipped", h -> new Result.Passed("unreachable")));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int failed;
        try (CpuDevice cpu = new CpuDevice()) {
            failed = SelfTest.runCases(cpu, "portable", cases, 1, false, new PrintWriter(out), new PrintWriter(err));
        }
        assertThat(failed).isEqualTo(2);
        String text = out.toString();
        assertThat(text).contains("pad2d f32 zero fails: element 7: got 1, expected 2", "kaput",
                "no_such_op: unknown op no_such_op (1 case)");
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("1 passed, 2 failed, 1 skipped");
        assertThat(lines).anyMatch(l -> l.matches("\\s*pad2d\\s+f32\\s+zero\\s+1\\s+1\\s+0"));
    }

    @Test
    void restoresTheKernelSetInUse() {
        try (CpuDevice cpu = new CpuDevice()) {
            boolean before = cpu.avx2();
            SelfTest.runCases(cpu, "portable", List.of(), 1, false, new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()));
            assertThat(cpu.avx2()).isEqualTo(before);
        }
    }
}

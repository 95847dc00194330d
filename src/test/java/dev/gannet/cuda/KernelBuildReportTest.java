// Static checks of the nvcc build (DESIGN §7): every conv2d, gram, batchnorm and instancenorm kernel
// has zero spill bytes for sm_90 in the ptxas report, and the fp16 convolutions' PTX holds
// tensor-core mma instructions. Reads target/native/ptxas-sm_90.txt and kernels-compute_90.ptx.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class KernelBuildReportTest {
    /** Kernel families whose sm_90 code must not spill (DESIGN §7: the hot kernels). */
    private static final List<String> NO_SPILL = List.of("conv2d", "gram", "batchnorm", "instancenorm");

    /** One kernel of the ptxas report. */
    record Entry(String name, int registers, int stackFrame, int spillStores, int spillLoads) {}

    private static Path nativeDir() {
        String lib = System.getProperty("gannet.native.dir");
        return lib != null ? Path.of(lib).getParent() : Path.of("target", "native");
    }

    /** nvcc on the PATH, under $CUDA_HOME or /usr/local/cuda, as the native build looks for it. */
    static Optional<Path> nvcc() {
        List<Path> places = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) places.add(Path.of(dir, "nvcc"));
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null) places.add(Path.of(home, "bin", "nvcc"));
        places.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return places.stream().filter(Files::isExecutable).findFirst();
    }

    /** The report file, or the test is skipped (no nvcc) or failed (nvcc present, no report). */
    private static Path built(String file) {
        Path p = nativeDir().resolve(file);
        if (Files.isRegularFile(p)) return p;
        Optional<Path> nvcc = nvcc();
        Assumptions.assumeTrue(nvcc.isPresent(),
                "nvcc was absent when gannet was built, so there is no " + p + " to check (the CUDA build was skipped)");
        return Assertions.fail("nvcc is installed (" + nvcc.get() + ") but the build left no " + p);
    }

    /** The sm_90 entries of a `ptxas -v` report, by kernel name. */
    static Map<String, Entry> parseReport(String text) {
        Map<String, Entry> out = new LinkedHashMap<>();
        Pattern compiling = Pattern.compile("Compiling entry function '(\\w+)' for '(sm_\\d+a?)'");
        Pattern spills = Pattern.compile("(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
        Pattern regs = Pattern.compile("Used (\\d+) registers");
        String name = null;
        int[] frame = null;
        for (String line : text.split("\n")) {
            Matcher m = compiling.matcher(line);
            if (m.find()) {
                name = m.group(2).equals("sm_90") ? m.group(1) : null;
                frame = null;
                continue;
            }
            if (name == null) continue;
            m = spills.matcher(line);
            if (m.find()) {
                frame = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
                continue;
            }
            m = regs.matcher(line);
            if (m.find()) {
                int[] f = frame == null ? new int[3] : frame;
                out.put(name, new Entry(name, Integer.parseInt(m.group(1)), f[0], f[1], f[2]));
                name = null;
            }
        }
        return out;
    }

    /** The PTX body of every .entry, by name. */
    static Map<String, String> parsePtx(String ptx) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(").matcher(ptx);
        List<int[]> starts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (m.find()) {
            starts.add(new int[] {m.start()});
            names.add(m.group(1));
        }
        for (int i = 0; i < names.size(); i++) {
            int end = i + 1 < names.size() ? starts.get(i + 1)[0] : ptx.length();
            out.put(names.get(i), ptx.substring(starts.get(i)[0], end));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> hotKernelsDoNotSpill() {
        return NO_SPILL.stream().map(family -> DynamicTest.dynamicTest(family + " kernels have no sm_90 spills", () -> {
            Path source = Path.of("kernels", family + ".cu");
            Assumptions.assumeTrue(Files.isRegularFile(source),
                    source + " does not exist on this branch yet, so there are no " + family + " kernels to check");
            Map<String, Entry> report = parseReport(Files.readString(built("ptxas-sm_90.txt")));
            List<Entry> kernels = report.values().stream().filter(e -> e.name().startsWith("gk_" + family + "_")).toList();
            assertThat(kernels).as("gk_%s_* kernels in the sm_90 ptxas report (%s exists)", family, source).isNotEmpty();
            for (Entry e : kernels) {
                assertThat(e.spillStores() + e.spillLoads()).as("%s spills (%d B stored, %d B loaded)", e.name(),
                        e.spillStores(), e.spillLoads()).isZero();
            }
        }));
    }

    @Test
    void fp16ConvolutionsUseTensorCores() throws IOException {
        Map<String, String> entries = parsePtx(Files.readString(built("kernels-compute_90.ptx")));
        List<String> f16 = entries.keySet().stream().filter(n -> n.startsWith("gk_conv2d_f16_")).toList();
        assertThat(f16).as("fp16 conv2d kernels in the compute_90 PTX").isNotEmpty();
        for (String name : f16) {
            assertThat(entries.get(name)).as("%s has tensor-core mma instructions", name).containsPattern("\\bw?mma\\.");
        }
    }

    @Test
    void parsersReadNvccOutput() {
        String report = """
                ptxas info    : 0 bytes gmem
                ptxas info    : Compiling entry function 'gk_conv2d_f16_64x64_vec' for 'sm_90'
                ptxas info    : Function properties for gk_conv2d_f16_64x64_vec
                    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
                ptxas info    : Used 78 registers, used 1 barriers
                ptxas info    : Compiling entry function 'gk_gram_f32_any' for 'sm_80'
                ptxas info    : Function properties for gk_gram_f32_any
                    8 bytes stack frame, 12 bytes spill stores, 44 bytes spill loads
                ptxas info    : Used 255 registers, used 1 barriers
                ptxas info    : Compiling entry function 'gk_gram_f32_any' for 'sm_90'
                ptxas info    : Function properties for gk_gram_f32_any
                    8 bytes stack frame, 12 bytes spill stores, 44 bytes spill loads
                ptxas info    : Used 96 registers, used 1 barriers
                """;
        Map<String, Entry> r = parseReport(report);
        assertThat(r).containsOnlyKeys("gk_conv2d_f16_64x64_vec", "gk_gram_f32_any");
        assertThat(r.get("gk_conv2d_f16_64x64_vec")).isEqualTo(new Entry("gk_conv2d_f16_64x64_vec", 78, 0, 0, 0));
        assertThat(r.get("gk_gram_f32_any")).isEqualTo(new Entry("gk_gram_f32_any", 96, 8, 12, 44));
        Map<String, String> ptx = parsePtx("""
                .visible .entry gk_a(
                \t.param .align 8 .b8 gk_a_param_0[8]
                )
                { wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32 ... }
                .visible .entry gk_b(
                )
                { fma.rn.f32 ... }
                """);
        assertThat(ptx.get("gk_a")).containsPattern("\\bw?mma\\.");
        assertThat(ptx.get("gk_b")).doesNotContainPattern("\\bw?mma\\.");
    }
}

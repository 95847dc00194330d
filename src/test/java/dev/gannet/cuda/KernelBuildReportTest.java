// Static checks of the nvcc build (DESIGN §7): every conv2d, gram, batchnorm and instancenorm kernel
// has zero spill bytes for sm_90 in the ptxas report, and the fp16 convolutions' PTX holds
// tensor-core mma instructions. Reads target/native/ptxas-sm_90.txt and kernels-compute_90.ptx.
package dev.gannet.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.runtime.PtxasReport;
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
            Path file = built(PtxasReport.FILE);
            PtxasReport report = PtxasReport.parse(Files.readString(file), file.toString());
            List<PtxasReport.Kernel> kernels = report.kernels().stream()
                    .filter(k -> k.arch().equals("sm_90") && k.name().startsWith("gk_" + family + "_")).toList();
            assertThat(kernels).as("gk_%s_* kernels in the sm_90 ptxas report (%s exists)", family, source).isNotEmpty();
            for (PtxasReport.Kernel k : kernels) {
                assertThat(k.spills()).as("%s spills (%d B stored, %d B loaded)", k.name(), k.spillStores(),
                        k.spillLoads()).isFalse();
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
    void ptxParserSplitsEntries() {
        Map<String, String> ptx = parsePtx("""
                .visible .entry gk_a(
                \t.param .align 8 .b8 gk_a_param_0[8]
                )
                { wmma.mma.sync.aligned.row.col.m16n16k16.f32.f32 ... }
                .visible .entry gk_b(
                )
                { fma.rn.f32 ... }
                """);
        assertThat(ptx).containsOnlyKeys("gk_a", "gk_b");
        assertThat(ptx.get("gk_a")).containsPattern("\\bw?mma\\.");
        assertThat(ptx.get("gk_b")).doesNotContainPattern("\\bw?mma\\.");
    }
}

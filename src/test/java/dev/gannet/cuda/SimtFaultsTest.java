// Faults that only show at run time, through the whole Java path on the simt device: a kernel whose
// barrier half the block never reaches is reported by synchronize() naming the launch, and a kernel
// with a missing barrier fails the schedule check of the op matrix while its correct twin passes.
// The kernels (src/test/resources/dev/gannet/cuda/test_kernels.cu) are compiled here with g++ against
// the emulator's host twin and loaded next to libgannet_simt.so.
package dev.gannet.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.bindings.NativeLibraries;
import dev.gannet.bindings.Params;
import dev.gannet.matrix.Harness;
import dev.gannet.matrix.OpCase;
import dev.gannet.matrix.Result;
import dev.gannet.matrix.Schedules;
import dev.gannet.ops.Pad2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.cuda.CudaLaunchSpec;
import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.CudaException;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimtFaultsTest {
    private static final StructLayout PARAMS = MemoryLayout.structLayout(ADDRESS.withName("out"),
            JAVA_INT.withName("n"), JAVA_INT.withName("reserved")).withName("gk_test_params");
    private static CudaDevice simt;

    @BeforeAll
    static void build(@TempDir Path tmp) throws Exception {
        simt = Simt.open();
        Path root = Path.of(System.getProperty("user.dir"));
        Path cudaInclude = Path.of("/usr/local/cuda/include");
        List<Path> includes = List.of(root.resolve("kernels/include"), root.resolve("native/include"),
                root.resolve("native/simt"));
        for (Path p : includes) Assumptions.assumeTrue(Files.isDirectory(p), p + " is missing (not run from the sources)");
        Assumptions.assumeTrue(Files.isRegularFile(cudaInclude.resolve("cuda_fp16.h")),
                "the CUDA headers the emulator's host twin includes are not in " + cudaInclude);
        Path src = tmp.resolve("test_kernels.cu");
        try (InputStream in = SimtFaultsTest.class.getResourceAsStream("test_kernels.cu")) {
            Files.write(src, in.readAllBytes());
        }
        Path simtLib = NativeLibraries.loaded().get("gannet_simt").path();
        Path lib = tmp.resolve("libgannet_test_kernels.so");
        List<String> cmd = new ArrayList<>(List.of("g++", "-std=c++17", "-O1", "-shared", "-fPIC", "-DGK_SIMT"));
        for (Path p : includes) cmd.add("-I" + p);
        cmd.addAll(List.of("-isystem", cudaInclude.toString(), "-x", "c++", src.toString(), "-x", "none",
                simtLib.toString(), "-o", lib.toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("g++ is not available to compile the test kernels: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("g++ failed:\n" + out).isZero();
        SymbolLookup.libraryLookup(lib, Arena.global()); // its GK_KERNEL registrars run now
        assertThat(simt.hasKernel("gk_test_divergent_barrier")).isTrue();
    }

    @AfterAll
    static void close() {
        if (simt != null) simt.close();
    }

    private static CudaLaunchSpec spec(String kernel, Tensor out, int blocks, int threads) {
        Params p = Params.allocate(PARAMS, Arena.ofAuto());
        p.ptr("out", out.address()).i32("n", (int) out.numel());
        return new CudaLaunchSpec(kernel, CudaLaunchSpec.Dim3.of(blocks), CudaLaunchSpec.Dim3.of(threads), 0, p);
    }

    @Test
    void aFailingKernelIsReportedBySynchronizeNamingTheLaunch() {
        try (DeviceArena a = simt.newArena("faults")) {
            Tensor out = a.allocate(DType.F32, Shape.of(1, 1, 1, 64));
            Stream s = simt.newStream();
            String what = "divergent barrier test y=" + out.shape();
            simt.launchKernel(s, spec("gk_test_divergent_barrier", out, 1, 64), List.of(out), what);
            assertThatThrownBy(s::synchronize).isInstanceOfSatisfying(CudaException.class, e -> {
                assertThat(e.resultName()).isEqualTo("CUDA_ERROR_LAUNCH_FAILED");
                assertThat(e.detail()).startsWith("simt: cuStreamSynchronize failed (a kernel of " + what + " on simt stream")
                        .contains("CUDA_ERROR_LAUNCH_FAILED (719)", "emulator: ", "gk_test_divergent_barrier",
                                "__syncthreads");
            });
            s.synchronize(); // reported once; the failed stream has nothing new to report
            // Other streams are unaffected: the emulator's failures are sticky per stream.
            Tensor x = a.of(DType.F32, Shape.of(1, 2, 2, 4), new float[16]);
            Tensor y = a.allocate(DType.F32, Shape.of(1, 4, 4, 4));
            Pad2d.launch(simt.defaultStream(), x, y, 1, 1, 1, 1, PadMode.ZERO, 2f);
            assertThat(y.toFloatArray()).contains(2f, 0f).doesNotContain(Float.NaN);
        }
    }

    private static OpCase neighbourCase(String kernel) {
        return new OpCase("pad2d", DType.F32, "zero", kernel, (Harness h) -> {
            Tensor out = h.output(DType.F32, Shape.of(1, 2, 1, 128));
            ((CudaDevice) h.device()).launchKernel(h.stream(), spec(kernel, out, 2, 128), List.of(out), kernel);
            float[] v = h.read(out);
            for (int i = 0; i < v.length; i++) {
                // With its barrier every thread reads its neighbour's index.
                if (kernel.equals("gk_test_neighbour") && v[i] != (i % 128 + 1) % 128) {
                    return new Result.Failed("element " + i + " is " + v[i]);
                }
            }
            return new Result.Passed("");
        }, false);
    }

    @Test
    void theScheduleCheckCatchesAMissingBarrierAndPassesItsCorrectTwin() {
        Result good = Schedules.run(neighbourCase("gk_test_neighbour"), simt, 1, Schedules.DEFAULT);
        assertThat(good).isInstanceOf(Result.Passed.class);
        Result racy = Schedules.run(neighbourCase("gk_test_neighbour_racy"), simt, 1, Schedules.DEFAULT);
        assertThat(racy).isInstanceOf(Result.Failed.class);
        assertThat(racy.detail()).contains("outputs differ between schedules forward and reverse", "a race");
    }
}

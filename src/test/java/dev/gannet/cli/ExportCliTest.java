// `gannet export` writes ONNX files ONNX Runtime runs with the shapes the model promises, atomically;
// `gannet plan --model` finds the architectures; user errors are one line naming the problem.
package dev.gannet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.cli.CliTest.Run;
import dev.gannet.graph.Graph;
import dev.gannet.models.ModelRegistry;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.models.formats.SafeTensor;
import dev.gannet.models.formats.Safetensors;
import dev.gannet.models.onnx.Ort;
import dev.gannet.models.pretrained.PackageSpec;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCliTest {
    @TempDir
    Path tmp;

    static void assertOneLineError(Run r, String... fragments) {
        assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.errLines().getFirst()).startsWith("gannet: ").contains(fragments).doesNotContain("Exception");
    }

    List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void exportsAnArchitectureThatOnnxRuntimeRuns() throws IOException {
        Path f = tmp.resolve("g.onnx");
        Run r = CliTest.gannet("export", "--model", "dcgan-lesson", "--seed", "3", "-o", f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + f).contains("input 'z' 1x1x1x100").contains("output 'image' 1x64x64x3");
        assertThat(files()).containsExactly("g.onnx"); // no temporary file left behind
        Ort.Result y = Ort.run(Files.readAllBytes(f), Ort.random(1, 100, -1, 1), 1, 1, 1, 100);
        assertThat(y.shape()).containsExactly(1, 64, 64, 3);
        for (float v : y.values()) assertThat(Math.abs(v)).isLessThanOrEqualTo(1f); // tanh output
    }

    @Test
    void exportsAnUpscalerAtTheRequestedScaleAndSize() throws IOException {
        PackageStore store = PackageStore.standard(PackageStore.Listener.SILENT);
        assumeTrue(store.isPresent(PackageSpec.of(UpscalerJsPackage.ESRGAN_SLIM))
                || PackageStore.findOnPath("npm") != null, "esrgan-slim is not fetched and there is no npm");
        Path f = tmp.resolve("slim.onnx");
        Run r = CliTest.gannet("export", "--model", "esrgan-slim", "--scale", "2", "--size", "32x24", "-o",
                f.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Ort.Result y = Ort.run(Files.readAllBytes(f), Ort.random(2, 24 * 32 * 3, 0, 1), 1, 24, 32, 3);
        assertThat(y.shape()).containsExactly(1, 48, 64, 3);
    }

    @Test
    void userErrorsAreOneLine() throws IOException {
        Path f = tmp.resolve("x.onnx");
        assertOneLineError(CliTest.gannet("export", "--model", "gan9000", "-o", f.toString()),
                "unknown model 'gan9000'", "dcgan-lesson", "esrgan-thick");
        assertOneLineError(CliTest.gannet("export", "--model", "dcgan", "--scale", "2", "-o", f.toString()),
                "dcgan has no scale");
        assertOneLineError(CliTest.gannet("export", "--model", "esrgan-slim", "--scale", "5", "-o", f.toString()),
                "esrgan-slim has no 5x model (scales: 2, 3, 4, 8)");
        assertOneLineError(CliTest.gannet("export", "--model", "dcgan", "-o", tmp.resolve("x.txt").toString()),
                "must end in .onnx");
        assertOneLineError(CliTest.gannet("export", "--model", "dcgan", "--weights", tmp.resolve("none.safetensors")
                .toString(), "-o", f.toString()), "none.safetensors: no such file");
        assertThat(files()).isEmpty();
    }

    @Test
    void weightsThatDoNotFitAreListedInOneLine() throws IOException {
        Path w = tmp.resolve("w.safetensors");
        // The critic's state dict with one tensor renamed: one missing, one unexpected, in one message.
        Run ok = CliTest.gannet("export", "--model", "dcgan-discriminator", "-o", tmp.resolve("d.onnx").toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        Graph g = ModelRegistry.graph(ModelRegistry.Request.of("dcgan-discriminator"),
                PackageStore.standard(PackageStore.Listener.SILENT));
        StateDicts.save(g, w, Map.of());
        try (Safetensors st = Safetensors.open(w)) {
            List<SafeTensor> ts = new ArrayList<>();
            for (SafeTensor t : st.tensors()) {
                String n = t.name().equals("main.11.weight") ? "main.11.kernel" : t.name();
                ts.add(new SafeTensor(n, t.dtype(), t.shape(), t.data()));
            }
            Safetensors.write(tmp.resolve("bad.safetensors"), Map.of(), ts);
        }
        assertOneLineError(CliTest.gannet("export", "--model", "dcgan-discriminator", "--weights",
                tmp.resolve("bad.safetensors").toString(), "-o", tmp.resolve("e.onnx").toString()),
                "1 missing: main.11.weight [1, 512, 4, 4]", "1 unexpected: main.11.kernel [1, 512, 4, 4]");
        Run good = CliTest.gannet("export", "--model", "dcgan-discriminator", "--weights", w.toString(), "-o",
                tmp.resolve("f.onnx").toString());
        assertThat(good.code()).as(good.err()).isZero();
    }

    @Test
    void planFindsTheArchitectures() {
        Run r = CliTest.gannet("plan", "--model", "transformer-net", "--size", "64x64");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("launches: ").contains("arena bytes: planned");
        Run g = CliTest.gannet("plan", "--model", "dcgan-lesson");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).contains("1x1x1x100");
    }
}

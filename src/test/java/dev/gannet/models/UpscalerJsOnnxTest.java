// The UpscalerJS esrgan-slim and default models, exported to ONNX and run in ONNX Runtime, against
// gannet's CPU kernels on the same [0,1] input: the export is the same network with the same contract.
package dev.gannet.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.graph.Graph;
import dev.gannet.models.onnx.OnnxExporter;
import dev.gannet.models.onnx.Ort;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpscalerJsOnnxTest {
    static final Path SHARED = Path.of("..", "shared", "data", "models", "upscalerjs").toAbsolutePath().normalize();

    /** The model from ../shared when it is there, else from the package store (fetched with npm if need be). */
    static UpscalerJsModel model(String name, int scale) {
        Path dir = name.equals("default-model") ? SHARED.resolve("default-model")
                : SHARED.resolve(name).resolve("x" + scale);
        if (Files.isRegularFile(dir.resolve("model.json"))) return UpscalerJsModel.fromDir(dir, name, scale);
        PackageStore store = PackageStore.standard(PackageStore.Listener.SILENT);
        assumeTrue(PackageStore.findOnPath("npm") != null || store.root().toFile().isDirectory(),
                name + " is neither in ../shared nor fetchable (no npm on PATH)");
        return UpscalerJsModel.load(store, name, scale);
    }

    @ParameterizedTest(name = "{0} x{1}")
    @CsvSource({"esrgan-slim, 2", "esrgan-slim, 4", "default-model, 2"})
    void onnxRuntimeAgreesWithGannet(String name, int scale) {
        UpscalerJsModel m = model(name, scale);
        int h = 24, w = 20;
        Shape in = Shape.of(1, h, w, 3);
        Graph g = ModelRegistry.upscalerGraph(m, in);
        float[] x = Ort.random(scale, h * w * 3, 0f, 1f);
        Ort.Result ref = Ort.run(OnnxExporter.export(g).toBytes(), x, 1, h, w, 3);
        assertThat(ref.shape()).containsExactly(1, (long) h * scale, (long) w * scale, 3);

        float[] ours;
        try (Device cpu = Devices.open("cpu"); DeviceArena io = cpu.newArena("io");
                TfjsEagerRunner runner = new TfjsEagerRunner(m.tfjs(), cpu.defaultStream(), DType.F32)) {
            float[] native255 = x.clone();
            for (int i = 0; i < native255.length; i++) native255[i] *= m.range();
            Tensor y = runner.run(io.of(DType.F32, in, native255), io);
            ours = y.toFloatArray();
            for (int i = 0; i < ours.length; i++) ours[i] /= m.range();
        }
        Ort.Diff d = Ort.assertClose(name + " x" + scale, ours, ref.values(), 1e-4);
        System.out.println(name + " x" + scale + " gannet vs ONNX Runtime: " + d);
    }
}

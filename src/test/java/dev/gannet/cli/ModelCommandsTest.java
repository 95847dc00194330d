// `gannet generate`, `stylize` and `gram` against ONNX Runtime: the same graph with the same weights,
// exported to ONNX and run there on the same input, must give what the command wrote.
package dev.gannet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.Graph;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.RgbImage;
import dev.gannet.models.arch.Architecture;
import dev.gannet.models.arch.Dcgan;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.models.arch.TransformerNet;
import dev.gannet.models.arch.Vgg16;
import dev.gannet.models.onnx.OnnxExporter;
import dev.gannet.models.onnx.Ort;
import dev.gannet.runtime.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCommandsTest {
    @TempDir
    Path dir;

    /** Largest difference in 8-bit levels between a [0, 1] reference and what a PNG holds. */
    static int maxLevelDiff(float[] ref01, float[] png) {
        int max = 0;
        for (int i = 0; i < ref01.length; i++) {
            int want = Math.round(Math.min(Math.max(ref01[i], 0f), 1f) * 255);
            max = Math.max(max, Math.abs(want - Math.round(png[i] * 255)));
        }
        return max;
    }

    @Test
    void generateDrawsTheGeneratorsSamplesInAGrid() {
        int n = 5;
        long seed = 11;
        var r = UpscaleCommandTest.gannet("generate", "-o", dir.resolve("grid.png").toString(), "--arch",
                "dcgan-lesson", "--n", "" + n, "--seed", "" + seed, "--device", "cpu");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("random initialization (seed 11").contains("DCGAN_G(64, 100, 3, 64, 1)");
        RgbImage grid = ImageFiles.read(dir.resolve("grid.png"));
        int cols = 3, side = 64, gap = GenerateCommand.GAP;
        assertThat(grid.width()).isEqualTo(cols * side + (cols + 1) * gap);
        assertThat(grid.height()).isEqualTo(2 * side + 3 * gap);
        // ONNX Runtime on the same noise and the same initialization.
        Architecture a = new Dcgan.LessonGenerator(64, 100, 3, 64, 1);
        Graph g = StateDicts.initialize(a.graph(a.defaultInput(n)), seed);
        float[] z = new float[n * 100];
        Random rnd = new Random(seed);
        for (int i = 0; i < z.length; i++) z[i] = (float) rnd.nextGaussian();
        float[] ref = Ort.run(OnnxExporter.export(g).toBytes(), z, n, 1, 1, 100).values();
        for (int k = 0; k < n; k++) {
            int x0 = gap + (k % cols) * (side + gap), y0 = gap + (k / cols) * (side + gap);
            float[] want = new float[side * side * 3];
            for (int i = 0; i < want.length; i++) want[i] = (ref[k * want.length + i] + 1) / 2;
            float[] got = grid.crop(x0, y0, side, side);
            assertThat(maxLevelDiff(want, got)).as("sample %d", k).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void stylizeRunsTransformerNetWithTheGivenWeights() throws IOException {
        TransformerNet net = new TransformerNet();
        Path weights = dir.resolve("style.safetensors");
        int w = 30, h = 22; // not multiples of 4: padded, run, cropped
        Graph init = StateDicts.initialize(net.graph(Shape.of(1, 24, 32, 3)), 5);
        StateDicts.save(init, weights, Map.of());
        Path in = UpscaleCommandTest.png(dir.resolve("in.png"), w, h, BufferedImage.TYPE_3BYTE_BGR, 8);
        var r = UpscaleCommandTest.gannet("stylize", in.toString(), "-o", dir.resolve("out.png").toString(),
                "--weights", weights.toString(), "--device", "cpu");
        assertThat(r.code()).as(r.err()).isZero();
        RgbImage src = ImageFiles.read(in);
        float[] padded = new float[32 * 24 * 3];
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                for (int c = 0; c < 3; c++) {
                    padded[(y * 32 + x) * 3 + c] = src.rgb()[(Math.min(y, h - 1) * w + Math.min(x, w - 1)) * 3 + c]
                            * 255;
                }
            }
        }
        Graph g = StateDicts.load(net.graph(Shape.of(1, 24, 32, 3)), weights, net.ignoredOnLoad());
        float[] ref = Ort.run(OnnxExporter.export(g).toBytes(), padded, 1, 24, 32, 3).values();
        float[] want = new float[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int i = 0; i < w * 3; i++) want[y * w * 3 + i] = ref[y * 32 * 3 + i] / 255;
        }
        RgbImage out = ImageFiles.read(dir.resolve("out.png"));
        assertThat(out.width()).isEqualTo(w);
        assertThat(maxLevelDiff(want, out.rgb())).isLessThanOrEqualTo(1);
        // The same network exported to ONNX, read by gannet's ONNX importer, gives the same image.
        Path onnx = dir.resolve("style.onnx");
        OnnxExporter.export(g, onnx);
        var viaOnnx = UpscaleCommandTest.gannet("stylize", in.toString(), "-o", dir.resolve("onnx.png").toString(),
                "--weights", onnx.toString(), "--device", "cpu");
        assertThat(viaOnnx.code()).as(viaOnnx.err()).isZero();
        assertThat(viaOnnx.out()).contains("ONNX network style.onnx");
        assertThat(maxLevelDiff(want, ImageFiles.read(dir.resolve("onnx.png")).rgb())).isLessThanOrEqualTo(1);
        var bad = UpscaleCommandTest.gannet("stylize", in.toString(), "-o", dir.resolve("o2.png").toString(),
                "--weights", dir.resolve("style.pth").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("style.pth").contains(".safetensors");
    }

    @Test
    void gramMatchesFeaturesFromOnnxRuntime() throws IOException {
        List<Integer> layers = List.of(1, 6);
        Vgg16 vgg = new Vgg16(false, layers);
        int s = 40;
        Path weights = dir.resolve("vgg.safetensors");
        StateDicts.save(StateDicts.initialize(vgg.graph(Shape.of(1, s, s, 3)), 3), weights, Map.of());
        Path in = UpscaleCommandTest.png(dir.resolve("in.png"), s, s, BufferedImage.TYPE_3BYTE_BGR, 9);
        var r = UpscaleCommandTest.gannet("gram", in.toString(), "-o", dir.resolve("g.npz").toString(), "--layers",
                "1,6", "--weights", weights.toString(), "--device", "cpu");
        assertThat(r.code()).as(r.err()).isZero();
        RgbImage im = ImageFiles.read(in);
        float[] x = new float[im.rgb().length];
        for (int i = 0; i < x.length; i++) x[i] = (im.rgb()[i] - GramCommand.MEAN[i % 3]) / GramCommand.STD[i % 3];
        try (ZipFile z = new ZipFile(dir.resolve("g.npz").toFile())) {
            for (int l : layers) {
                Vgg16 one = new Vgg16(false, List.of(l));
                Graph g = StateDicts.load(one.graph(Shape.of(1, s, s, 3)), weights, GramCommand.unusedBy(l));
                Ort.Result f = Ort.run(OnnxExporter.export(g).toBytes(), x, 1, s, s, 3);
                int hw = (int) (f.shape()[1] * f.shape()[2]), c = (int) f.shape()[3];
                float[] want = new float[c * c];
                for (int i = 0; i < c; i++) {
                    for (int j = 0; j < c; j++) {
                        double acc = 0;
                        for (int p = 0; p < hw; p++) acc += (double) f.values()[p * c + i] * f.values()[p * c + j];
                        want[i * c + j] = (float) (acc / ((double) hw * c));
                    }
                }
                ZipEntry e = z.getEntry("features." + l + ".npy");
                assertThat(e).as("features.%d in the archive", l).isNotNull();
                byte[] b = z.getInputStream(e).readAllBytes();
                int header = 10 + (b[8] & 0xff) + ((b[9] & 0xff) << 8);
                assertThat(new String(b, 10, header - 10)).contains("'shape': (" + c + ", " + c + ")");
                ByteBuffer d = ByteBuffer.wrap(b, header, b.length - header).order(ByteOrder.LITTLE_ENDIAN);
                float[] got = new float[c * c];
                for (int i = 0; i < got.length; i++) got[i] = d.getFloat();
                Ort.assertClose("Gram of features." + l, got, want, 1e-4);
            }
        }
    }
}

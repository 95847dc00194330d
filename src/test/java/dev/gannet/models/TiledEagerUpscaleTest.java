// Tiling is exact: esrgan-slim run op by op (TfjsEagerRunner, independent of the upscaler) on a 256x256
// photo crop in 96-pixel tiles, overlapped by the model's receptive field, gives its untiled result.
// (UpscalerTest checks the 512x512 case through the compiled plan.)
package dev.gannet.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.image.ImageFiles;
import dev.gannet.image.ImageSink;
import dev.gannet.image.RgbImage;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import dev.gannet.upscale.ReceptiveField;
import dev.gannet.upscale.TiledUpscale;
import dev.gannet.upscale.Tiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TiledEagerUpscaleTest {
    static final Path ASTRONAUT = Path.of("..", "shared", "data", "images", "astronaut.png").toAbsolutePath()
            .normalize();

    @TempDir
    Path dir;

    @Test
    void receptiveFieldOfEsrganSlimCountsItsConvolutions() {
        UpscalerJsSampleTest.assumeSharedData();
        // 7 3x3 convs and one 5x5 (radius 2) at low resolution, one 3x3 after x4 upsampling: ceil(9.25) + 1.
        assertThat(ReceptiveField.radius(TfjsModel.load(UpscalerJsSampleTest.SLIM.resolve("x4")))).isEqualTo(11);
        assertThat(ReceptiveField.radius(TfjsModel.load(UpscalerJsSampleTest.SLIM.resolve("x2")))).isEqualTo(11);
    }

    @Test
    void tiledEqualsUntiledOn256x256WithTile96() throws Exception {
        UpscalerJsSampleTest.assumeSharedData();
        assumeTrue(Files.isRegularFile(ASTRONAUT), "the test photo is not at " + ASTRONAUT);
        RgbImage photo = ImageFiles.read(ASTRONAUT);
        RgbImage in = new RgbImage(256, 256, photo.crop(128, 64, 256, 256), null, false);
        int scale = 2;
        TfjsModel model = TfjsModel.load(UpscalerJsSampleTest.SLIM.resolve("x" + scale));
        int margin = ReceptiveField.radius(model);
        try (Device cpu = Devices.open("cpu");
                TfjsEagerRunner runner = new TfjsEagerRunner(model, cpu.defaultStream(), DType.F32)) {
            TiledUpscale.TileFunction net = (rgb, w, h) -> {
                float[] x = rgb.clone();
                for (int i = 0; i < x.length; i++) x[i] *= 255f; // the RDN models work in 0..255
                try (DeviceArena a = cpu.newArena("tile")) {
                    Tensor y = runner.run(a.of(DType.F32, Shape.of(1, h, w, 3), x), a);
                    float[] out = y.toFloatArray();
                    for (int i = 0; i < out.length; i++) out[i] /= 255f;
                    return out;
                }
            };
            Tiles tiled = Tiles.plan(256, 256, 96, margin);
            assertThat(tiled.tiles()).hasSize(16); // keeps 85, then 74 each: 85 + 3 x 74 >= 256
            float[] a = run(in, scale, tiled, net, dir.resolve("tiled.npy"));
            float[] b = run(in, scale, Tiles.plan(256, 256, 0, margin), net, dir.resolve("whole.npy"));
            double psnr = psnr(a, b);
            System.out.printf("tiled vs untiled esrgan-slim x%d 256x256, tile 96, margin %d: PSNR %.1f dB%n", scale,
                    margin, psnr);
            assertThat(psnr).isGreaterThanOrEqualTo(50);
            // The comparison sees seams: with too small an overlap the tiles differ from the untiled run.
            float[] seams = run(in, scale, Tiles.plan(256, 256, 96, 2), net, dir.resolve("seams.npy"));
            double bad = psnr(seams, b);
            System.out.printf("with an overlap of 2 instead: PSNR %.1f dB%n", bad);
            assertThat(bad).isLessThan(psnr).isFinite();
        }
    }

    /** PSNR of values in [0, 1]. */
    static double psnr(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            se += d * d;
        }
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(a.length / se);
    }

    static float[] run(RgbImage in, int scale, Tiles tiles, TiledUpscale.TileFunction net, Path out)
            throws Exception {
        try (ImageSink sink = ImageSink.open(out, TiledUpscale.outputSpec(in, scale, 0.9f))) {
            TiledUpscale.run(in, scale, tiles, net, sink, TiledUpscale.Progress.NONE);
            sink.commit();
        }
        byte[] b = Files.readAllBytes(out);
        ByteBuffer d = ByteBuffer.wrap(b, 128, b.length - 128).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[(b.length - 128) / 4];
        for (int i = 0; i < v.length; i++) v[i] = d.getFloat();
        return v;
    }
}

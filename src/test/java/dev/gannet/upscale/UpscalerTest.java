// The embedding API on the pretrained esrgan-slim x4 (../shared): each entry point against the author's
// published sample or against another entry point, tiled against untiled, two threads sharing one model
// against one thread, and the resource rules (close twice, use after close, memory returned).
package dev.gannet.upscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.graph.Precision;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.ImageSink;
import dev.gannet.image.RgbImage;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpscalerTest {
    static final Path SHARED = Path.of("..", "shared", "data").toAbsolutePath().normalize();
    static final Path SLIM = SHARED.resolve("models/upscalerjs/esrgan-slim");
    static final Path FIXTURE = SLIM.resolve("assets/fixture.png");
    static final Path ASTRONAUT = SHARED.resolve("images/astronaut.png");

    @TempDir
    Path dir;

    @BeforeEach
    void sharedData() {
        assumeTrue(Files.isRegularFile(SLIM.resolve("x4/model.json")) && Files.isRegularFile(FIXTURE)
                && Files.isRegularFile(ASTRONAUT), "the esrgan-slim models, their fixture and the test photos are not "
                + "in " + SHARED + " (../shared beside the project)");
    }

    static UpscalerJsModel slim(int scale) {
        return UpscalerJsModel.fromDir(SLIM.resolve("x" + scale), "esrgan-slim", scale);
    }

    /** PSNR in dB of two equally long arrays of values in [0, 1], compared as 8-bit levels when {@code levels}. */
    static double psnr(float[] a, float[] b, boolean levels) {
        assertThat(a).hasSameSizeAs(b);
        double se = 0;
        for (int i = 0; i < a.length; i++) {
            double d = levels ? level(a[i]) - level(b[i]) : (double) a[i] - b[i];
            se += d * d;
        }
        double peak = levels ? 255 : 1;
        return se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(peak * peak * a.length / se);
    }

    static int level(float v) {
        return Math.round(Math.min(Math.max(v, 0f), 1f) * 255f);
    }

    @Test
    void floatArrayApiReproducesThePublishedSample() {
        RgbImage fx = ImageFiles.read(FIXTURE);
        RgbImage want = ImageFiles.read(SLIM.resolve("assets/samples/4x/result.png"));
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(4), Precision.FP32, 1)) {
            assertThat(up.scale()).isEqualTo(4);
            assertThat(up.margin()).isEqualTo(11);
            float[] y = up.upscale(fx.rgb(), fx.width(), fx.height());
            double db = psnr(y, want.rgb(), true);
            System.out.printf("esrgan-slim x4 through Upscaler (plan, fp32) vs the published sample: %.1f dB%n", db);
            assertThat(db).isGreaterThanOrEqualTo(80); // the op-by-op run gets 97 dB: every value within one level
        }
    }

    @Test
    void bufferedImageApiKeepsAlphaAndMatchesTheFloatApi() {
        RgbImage fx = ImageFiles.read(FIXTURE);
        int w = fx.width(), h = fx.height();
        BufferedImage in = new BufferedImage(w, h, BufferedImage.TYPE_4BYTE_ABGR);
        int[] px = new int[w * h * 4];
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) px[i * 4 + c] = Math.round(fx.rgb()[i * 3 + c] * 255);
            px[i * 4 + 3] = (i % w) * 2; // a horizontal alpha ramp
        }
        in.getRaster().setPixels(0, 0, w, h, px);
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(4), Precision.FP32, 1)) {
            BufferedImage out = up.upscale(in, 64); // 4 tiles: the image path tiles like the CLI
            assertThat(out.getWidth()).isEqualTo(4 * w);
            assertThat(out.getColorModel().hasAlpha()).isTrue();
            RgbImage o = ImageFiles.toRgb(out);
            float[] direct = up.upscale(fx.rgb(), w, h);
            int off = 0;
            for (int i = 0; i < direct.length; i++) if (level(direct[i]) != level(o.rgb()[i])) off++;
            assertThat(off).as("8-bit values differing from the untiled float result").isZero();
            // Alpha: bilinear from the ramp 0, 2, 4, ...: output column x sits at source (x + 0.5) / 4 - 0.5.
            for (int x = 8; x < 4 * w - 8; x += 37) {
                float want = Math.max((x + 0.5f) / 4 - 0.5f, 0) * 2 / 255f;
                assertThat(Math.abs(o.alpha()[x] - want)).as("alpha at column %d", x).isLessThanOrEqualTo(0.5f / 255);
            }
        }
    }

    /** The check: a 512x512 image in 128-pixel tiles equals its untiled result (PSNR >= 50 dB). */
    @Test
    void tiledEqualsUntiledOn512x512WithTile128() {
        RgbImage in = ImageFiles.read(ASTRONAUT);
        assertThat(in.width()).isEqualTo(512);
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(4), Precision.FP32, 1)) {
            float[] tiled = run(up, in, 128, dir.resolve("t.npy"));
            long tiledPeak = cpu.poolStats().peakBytes();
            float[] whole = up.upscale(in.rgb(), in.width(), in.height());
            long wholePeak = cpu.poolStats().peakBytes();
            double db = psnr(tiled, whole, false);
            System.out.printf("512x512 x4, tile 128 vs untiled: PSNR %.1f dB; device pool peak %.1f MiB tiled, "
                    + "%.1f MiB untiled%n", db, tiledPeak / 1048576.0, wholePeak / 1048576.0);
            assertThat(db).isGreaterThanOrEqualTo(50);
            assertThat(tiledPeak).as("device memory of the tiled run is a fraction of the untiled one's")
                    .isLessThan(wholePeak / 4);
        }
    }

    static float[] run(Upscaler up, RgbImage in, int tile, Path npy) {
        try (ImageSink sink = ImageSink.open(npy, TiledUpscale.outputSpec(in, up.scale(), 1f))) {
            up.upscale(in, sink, null, tile, TiledUpscale.Progress.NONE);
            sink.commit();
        }
        return ImageFiles.read(npy).rgb();
    }

    /** Device memory is bounded by the tile: a 600x400 photo in 96-pixel tiles peaks as one 96x96 run does. */
    @Test
    void deviceMemoryOfATiledRunIsThatOfOneTile() {
        RgbImage photo = ImageFiles.read(SHARED.resolve("images/coffee.png"));
        float[] one = photo.crop(0, 0, 96, 96);
        long single, tiled;
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(2), Precision.FP32, 1)) {
            up.upscale(one, 96, 96);
            single = cpu.poolStats().peakBytes();
        }
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(2), Precision.FP32, 1)) {
            run(up, photo, 96, dir.resolve("c.npy"));
            tiled = cpu.poolStats().peakBytes();
            assertThat(up.planShapes()).containsExactly(Shape.of(1, 96, 96, 3));
        }
        System.out.printf("600x400 x2 in 96-pixel tiles: device pool peak %.1f MiB (one 96x96 run: %.1f MiB)%n",
                tiled / 1048576.0, single / 1048576.0);
        assertThat(tiled).isEqualTo(single);
    }

    @Test
    void tensorApiOnTwoStreamsMatchesTheFloatApi() {
        Random r = new Random(3);
        float[][] inputs = new float[2][40 * 24 * 3];
        for (float[] a : inputs) for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(2), Precision.FP32, 1);
                DeviceArena io = cpu.newArena("io"); Stream s1 = cpu.newStream(); Stream s2 = cpu.newStream()) {
            Tensor x1 = io.of(DType.F32, Shape.of(1, 24, 40, 3), inputs[0]);
            Tensor x2 = io.of(DType.F16, Shape.of(1, 24, 40, 3), inputs[1]); // any dtype cast reads
            Tensor y1 = up.upscale(s1, x1, io);
            Tensor y2 = up.upscale(s2, x2, io);
            assertThat(y1.shape()).isEqualTo(Shape.of(1, 48, 80, 3));
            float[] a = y1.toFloatArray(), b = y2.toFloatArray();
            assertThat(a).containsExactly(up.upscale(inputs[0], 40, 24));
            float[] halfIn = x2.toFloatArray();
            assertThat(b).containsExactly(up.upscale(halfIn, 40, 24));
        }
    }

    /** Two threads share one loaded model: each gets exactly what a lone thread gets for its input. */
    @Test
    void twoThreadsShareOneModel() throws Exception {
        int n = 6;
        Random r = new Random(9);
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] a = new float[32 * 32 * 3];
            for (int k = 0; k < a.length; k++) a[k] = r.nextFloat();
            inputs.add(a);
        }
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(2), Precision.FP32, 2)) {
            List<float[]> alone = new ArrayList<>();
            for (float[] a : inputs) alone.add(up.upscale(a, 32, 32));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 3; round++) {
                    List<Future<float[]>> got = new ArrayList<>();
                    for (float[] a : inputs) got.add(pool.submit((Callable<float[]>) () -> up.upscale(a, 32, 32)));
                    for (int i = 0; i < n; i++) {
                        assertThat(got.get(i).get()).as("round %d input %d", round, i).containsExactly(alone.get(i));
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void closingFreesItsMemoryAndUseAfterCloseIsAnError() {
        try (Device cpu = Devices.open("cpu")) {
            long before = cpu.poolStats().currentBytes();
            Upscaler up = Upscaler.of(cpu, slim(2), Precision.FP32, 1);
            up.upscale(new float[16 * 16 * 3], 16, 16);
            assertThat(cpu.poolStats().currentBytes()).isGreaterThan(before);
            up.close();
            up.close(); // harmless
            assertThat(cpu.poolStats().currentBytes()).isEqualTo(before);
            assertThatThrownBy(() -> up.upscale(new float[3], 1, 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("esrgan-slim x2").hasMessageContaining("closed");
        }
    }

    @Test
    void invalidCallsAreRejectedBeforeAnyWork() {
        try (Device cpu = Devices.open("cpu"); Upscaler up = Upscaler.of(cpu, slim(2), Precision.FP32, 1);
                DeviceArena io = cpu.newArena("io")) {
            assertThatThrownBy(() -> up.upscale(new float[10], 2, 2)).isInstanceOf(GannetException.class)
                    .hasMessageContaining("2x2 RGB needs 12 values, got 10");
            assertThatThrownBy(() -> up.upscale(cpu.defaultStream(), io.allocate(DType.F32, Shape.of(1, 8, 8, 4)), io))
                    .isInstanceOf(GannetException.class).hasMessageContaining("1 x H x W x 3");
            assertThatThrownBy(() -> up.upscale((BufferedImage) null)).isInstanceOf(GannetException.class);
            RgbImage big = new RgbImage(100, 100, new float[100 * 100 * 3], null, false);
            try (ImageSink sink = ImageSink.open(dir.resolve("x.png"), TiledUpscale.outputSpec(big, 2, 1f))) {
                assertThatThrownBy(() -> up.upscale(big, sink, null, 20, TiledUpscale.Progress.NONE))
                        .isInstanceOf(GannetException.class).hasMessageContaining("--tile 20");
            }
        }
    }

    @Test
    void fp16PlanStaysCloseToFp32() {
        RgbImage fx = ImageFiles.read(FIXTURE);
        try (Device cpu = Devices.open("cpu"); Upscaler a = Upscaler.of(cpu, slim(4), Precision.FP32, 1);
                Upscaler b = Upscaler.of(cpu, slim(4), Precision.FP16, 1)) {
            double db = psnr(a.upscale(fx.rgb(), 128, 128), b.upscale(fx.rgb(), 128, 128), true);
            System.out.printf("esrgan-slim x4 fp16 vs fp32 plan: %.1f dB%n", db);
            assertThat(db).isGreaterThanOrEqualTo(50);
        }
    }
}

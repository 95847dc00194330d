// Model-level check of the CPU kernels (DESIGN §8 layer 3): the pretrained UpscalerJS esrgan-slim
// models, run op by op with gannet, reproduce the package author's published sample outputs.
package dev.gannet.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.models.formats.TfjsModel;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipeline is UpscalerJS's own for these models, read from its source (packages/upscalerjs
 * tensor-utils.ts and the esrgan model definition): the RDN models (esrgan-slim, default-model)
 * declare {@code inputRange [0, 255]} and {@code outputRange [0, 255]}, so the pixels go in as 0..255
 * floats, unscaled, and the output is clipped to [0, 255]; the PNG bytes are then the values rounded
 * to nearest (truncating gives 51 dB against the samples) with alpha set to 255. UpscalerJS runs 3-channel tensors only: alpha is not an input (the fixture's
 * alpha is all 255 anyway, asserted below). Dividing by 255 instead, as for the RRDN models
 * (esrgan-thick, inputRange [0, 1]), gives 43-50 dB here: above the issue's 40 dB, which is why the
 * F32 test also bounds every value's difference, which only the right convention meets.
 */
class UpscalerJsSampleTest {
    static final Path SLIM = Path.of("..", "shared", "data", "models", "upscalerjs", "esrgan-slim").toAbsolutePath()
            .normalize();
    static final Path FIXTURE = SLIM.resolve("assets/fixture.png");

    /** The issue's acceptance threshold. */
    static final double ISSUE_PSNR_DB = 40;

    /** Skips (never passes) a test when the shared data is not beside the project. */
    static void assumeSharedData() {
        boolean present = Files.isRegularFile(FIXTURE);
        for (int s : new int[] {2, 3, 4}) {
            present &= Files.isRegularFile(SLIM.resolve("x" + s + "/model.json"))
                    && Files.isRegularFile(SLIM.resolve("assets/samples/" + s + "x/result.png"));
        }
        assumeTrue(present, "the UpscalerJS esrgan-slim models and samples are not at " + SLIM
                + " (../shared/data beside the project), so there is nothing to compare against");
    }

    /**
     * F32 reproduces TF.js's float32 result up to rounding: only values whose exact result lies within
     * float32 noise of a .5 boundary may round the other way (measured: 1, 5 and 10 values for x2,
     * x3, x4, out of 196,608 to 786,432; about 100 dB). So beyond the issue's 40 dB: no value may be
     * off by more than one level and at most 0.1% by one (that alone keeps PSNR above 78 dB).
     */
    @ParameterizedTest(name = "esrgan-slim x{0} F32")
    @ValueSource(ints = {2, 3, 4})
    void f32ReproducesThePublishedSample(int scale) {
        Run r = upscale(scale, DType.F32, scale == 4 ? 3 : 0);
        System.out.println(r.report());
        Diff d = r.diff();
        assertThat(d.psnr()).as("%s: PSNR against the published %dx result", r.label(), scale)
                .isGreaterThanOrEqualTo(ISSUE_PSNR_DB);
        assertThat(d.maxAbs()).as("%s: largest difference in levels (%s)", r.label(), d).isLessThanOrEqualTo(1);
        assertThat(d.offByOne()).as("%s: values off by one level (%s)", r.label(), d)
                .isLessThanOrEqualTo(d.count() / 1000);
    }

    /**
     * F16 storage: the model works in 0..255 and its activations reach a few hundred (up to ~550 in
     * x4), where half precision keeps steps of up to 1/2 of a level, and every layer rounds its
     * output to that grid (the output itself, up to ~300, to 1/8 or 1/4 of a level). Measured on x4:
     * 64.0 dB, 2.6% of the values off by one level, none by more. The thresholds leave a margin for
     * other kernel orders without hiding a real error: 55 dB allows eight times the measured squared
     * error, and an off-by-two needs an error of more than 1.5 levels in some output value.
     */
    @Test
    void f16StorageStaysCloseToThePublishedSample() {
        Run r = upscale(4, DType.F16, 0);
        System.out.println(r.report());
        Diff d = r.diff();
        assertThat(d.psnr()).as("%s: PSNR against the published 4x result", r.label()).isGreaterThanOrEqualTo(55);
        assertThat(d.maxAbs()).as("%s: largest difference in levels (%s)", r.label(), d).isLessThanOrEqualTo(2);
    }

    /** An 8-bit image as its raw samples, read from the raster so that no colour conversion applies. */
    record Image(int width, int height, int bands, int[] samples) {
        static Image read(Path file) {
            BufferedImage im;
            try {
                im = ImageIO.read(file.toFile());
            } catch (IOException e) {
                throw new AssertionError("cannot read " + file, e);
            }
            assertThat(im).as("%s decodes as an image", file).isNotNull();
            Raster r = im.getRaster();
            int w = im.getWidth(), h = im.getHeight(), nb = r.getNumBands();
            assertThat(nb).as("%s bands (RGBA)", file).isEqualTo(4);
            for (int b = 0; b < nb; b++) {
                assertThat(r.getSampleModel().getSampleSize(b)).as("%s band %d bits", file, b).isEqualTo(8);
            }
            return new Image(w, h, nb, r.getPixels(0, 0, w, h, new int[w * h * nb]));
        }

        int sample(int i, int band) {
            return samples[i * bands + band];
        }

        boolean opaque() {
            for (int i = 0; i < width * height; i++) if (sample(i, 3) != 255) return false;
            return true;
        }

        /** RGB as 0..255 floats, NHWC: UpscalerJS's input for a model with inputRange [0, 255]. */
        float[] rgb() {
            float[] out = new float[width * height * 3];
            for (int i = 0; i < width * height; i++) for (int c = 0; c < 3; c++) out[i * 3 + c] = sample(i, c);
            return out;
        }
    }

    /** Per-value differences in levels between our PNG bytes and the published ones, RGB only. */
    record Diff(double psnr, int maxAbs, long offByOne, long count) {
        static Diff of(byte[] ours, Image ref) {
            long se = 0, one = 0;
            int max = 0;
            long n = (long) ref.width() * ref.height() * 3;
            for (int i = 0; i < ref.width() * ref.height(); i++) {
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs((ours[i * 3 + c] & 0xff) - ref.sample(i, c));
                    se += (long) d * d;
                    max = Math.max(max, d);
                    if (d == 1) one++;
                }
            }
            double psnr = se == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 * n / se);
            return new Diff(psnr, max, one, n);
        }

        @Override
        public String toString() {
            return String.format("PSNR %.2f dB, %d of %d values off by one level, largest difference %d", psnr,
                    offByOne, count, maxAbs);
        }
    }

    record Run(String label, Diff diff, long firstNanos, long bestNanos, long peakBytes) {
        String report() {
            String t = String.format("inference %.1f ms", firstNanos / 1e6);
            if (bestNanos > 0) t += String.format(" (first run; best of 3 more: %.1f ms)", bestNanos / 1e6);
            return String.format("%s: %s; %s; pool peak %.1f MiB", label, diff, t, peakBytes / 1048576.0);
        }
    }

    /** UpscalerJS's post-processing: clip to [0, 255], then the PNG's 8-bit values, rounded. */
    static byte[] toPixels(float[] out) {
        byte[] b = new byte[out.length];
        for (int i = 0; i < out.length; i++) {
            float v = Math.min(Math.max(out[i], 0f), 255f); // NaN would become 0 and fail the comparison
            b[i] = (byte) Math.round(v);
        }
        return b;
    }

    /**
     * Runs esrgan-slim x{scale} on the fixture on a fresh cpu device (so its pool peak is this run's),
     * then {@code timedRepeats} more times to time a warm inference.
     */
    static Run upscale(int scale, DType dtype, int timedRepeats) {
        assumeSharedData();
        String label = "esrgan-slim x" + scale + " " + dtype;
        Image fixture = Image.read(FIXTURE);
        Image ref = Image.read(SLIM.resolve("assets/samples/" + scale + "x/result.png"));
        assertThat(fixture.opaque()).as("the fixture's alpha is 255 everywhere").isTrue();
        assertThat(ref.opaque()).as("the published %dx result's alpha is 255 everywhere", scale).isTrue();
        assertThat(new int[] {ref.width(), ref.height()}).as("published %dx result size", scale)
                .containsExactly(fixture.width() * scale, fixture.height() * scale);
        TfjsModel model = TfjsModel.load(SLIM.resolve("x" + scale));
        try (Device cpu = Devices.open("cpu")) {
            Stream s = cpu.defaultStream();
            try (TfjsEagerRunner runner = new TfjsEagerRunner(model, s, dtype); DeviceArena io = cpu.newArena("io")) {
                Tensor x = io.of(dtype, Shape.of(1, fixture.height(), fixture.width(), 3), fixture.rgb());
                s.synchronize(); // weight packing and the upload are not part of an inference
                long t0 = System.nanoTime();
                Tensor y = runner.run(x, io);
                s.synchronize();
                long first = System.nanoTime() - t0;
                assertThat(y.shape()).isEqualTo(Shape.of(1, ref.height(), ref.width(), 3));
                float[] out = y.toFloatArray();
                long peak = cpu.poolStats().peakBytes();
                long best = Long.MAX_VALUE;
                for (int i = 0; i < timedRepeats; i++) {
                    try (DeviceArena again = cpu.newArena("again")) {
                        long t = System.nanoTime();
                        runner.run(x, again);
                        s.synchronize();
                        best = Math.min(best, System.nanoTime() - t);
                    }
                }
                return new Run(label, Diff.of(toPixels(out), ref), first, timedRepeats > 0 ? best : 0, peak);
            }
        }
    }

    @Test
    void theRunnerRejectsInputsTheModelCannotTake() {
        assumeSharedData();
        TfjsModel model = TfjsModel.load(SLIM.resolve("x2"));
        try (Device cpu = Devices.open("cpu"); DeviceArena io = cpu.newArena("io");
                TfjsEagerRunner runner = new TfjsEagerRunner(model, cpu.defaultStream(), DType.F32)) {
            Tensor rgba = io.allocate(DType.F32, Shape.of(1, 8, 8, 4));
            assertThatThrownBy(() -> runner.run(rgba, io)).isInstanceOf(GannetException.class)
                    .hasMessageContaining("1x8x8x4").hasMessageContaining("'LR'").hasMessageContaining("channels 3");
            Tensor half = io.allocate(DType.F16, Shape.of(1, 8, 8, 3));
            assertThatThrownBy(() -> runner.run(half, io)).isInstanceOf(GannetException.class)
                    .hasMessageContaining("F16").hasMessageContaining("F32");
            assertThatThrownBy(() -> new TfjsEagerRunner(model, cpu.defaultStream(), DType.U8))
                    .isInstanceOf(GannetException.class).hasMessageContaining("U8");
        }
    }

    @Test
    void differencesAreCountedInLevels() {
        Image ref = new Image(1, 2, 4, new int[] {10, 20, 30, 255, 0, 255, 7, 255});
        Diff d = Diff.of(new byte[] {10, 21, 30, 0, (byte) 253, 7}, ref);
        assertThat(d.maxAbs()).isEqualTo(2);
        assertThat(d.offByOne()).isEqualTo(1);
        assertThat(d.count()).isEqualTo(6);
        // MSE = (1 + 4) / 6
        assertThat(d.psnr()).isCloseTo(10 * Math.log10(255.0 * 255.0 * 6 / 5), offset(1e-9));
        assertThat(toPixels(new float[] {-3f, 0.49f, 0.5f, 254.6f, 300f, Float.NaN}))
                .containsExactly(0, 0, 1, (byte) 255, (byte) 255, 0);
    }
}

// `gannet upscale` in-process: a single image (RGB, gray, alpha, .npy out, --compare), a folder, and the
// errors a person can act on, each one line with exit code 2. Uses esrgan-slim x2 from ../shared.
package dev.gannet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.image.AtomicFiles;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpscaleCommandTest {
    static final Path SLIM = Path.of("..", "shared", "data", "models", "upscalerjs", "esrgan-slim").toAbsolutePath()
            .normalize();
    static final String X2 = SLIM.resolve("x2").toString();

    @TempDir
    Path dir;

    @BeforeEach
    void sharedData() {
        assumeTrue(Files.isRegularFile(SLIM.resolve("x2/model.json")), "the esrgan-slim models are not in " + SLIM
                + " (../shared beside the project)");
    }

    record Run(int code, String out, String err) {}

    static Run gannet(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Path png(Path f, int w, int h, int type, long seed) throws IOException {
        BufferedImage im = new BufferedImage(w, h, type);
        Random r = new Random(seed);
        int[] px = new int[w * h * im.getRaster().getNumBands()];
        for (int i = 0; i < px.length; i++) px[i] = r.nextInt(256);
        im.getRaster().setPixels(0, 0, w, h, px);
        ImageIO.write(im, "png", f.toFile());
        return f;
    }

    @Test
    void singleImageWritesTheOutputAndReportsPathAndMemory() throws IOException {
        Path in = png(dir.resolve("cat.png"), 40, 30, BufferedImage.TYPE_3BYTE_BGR, 1);
        Run r = gannet("upscale", in.toString(), "--model-dir", X2, "--device", "cpu");
        assertThat(r.code()).as(r.err()).isZero();
        Path out = dir.resolve("cat-x2.png");
        assertThat(r.out()).contains("gannet: wrote " + out).contains("(80x60, generator x2, cpu fp32")
                .containsPattern("peak heap \\d+(\\.\\d)? MiB, cpu pool peak \\d+(\\.\\d)? MiB, peak RSS \\d+ MiB");
        RgbImage o = ImageFiles.read(out);
        assertThat(o.width()).isEqualTo(80);
        assertThat(o.gray()).isFalse();
    }

    @Test
    void grayStaysGrayAlphaIsKeptAndNpyHoldsTheValues() throws IOException {
        Path gray = png(dir.resolve("g.png"), 20, 16, BufferedImage.TYPE_BYTE_GRAY, 2);
        assertThat(gannet("upscale", gray.toString(), "--model-dir", X2, "-o", dir.resolve("g2.png").toString())
                .code()).isZero();
        RgbImage g = ImageFiles.read(dir.resolve("g2.png"));
        assertThat(g.gray()).isTrue();
        assertThat(g.width()).isEqualTo(40);
        Path rgba = png(dir.resolve("a.png"), 20, 16, BufferedImage.TYPE_4BYTE_ABGR, 3);
        assertThat(gannet("upscale", rgba.toString(), "--model-dir", X2, "-o", dir.resolve("a2.png").toString())
                .code()).isZero();
        assertThat(ImageFiles.read(dir.resolve("a2.png")).hasAlpha()).isTrue();
        Run npy = gannet("upscale", rgba.toString(), "--model-dir", X2, "-o", dir.resolve("a2.npy").toString());
        assertThat(npy.code()).as(npy.err()).isZero();
        RgbImage n = ImageFiles.read(dir.resolve("a2.npy"));
        RgbImage p = ImageFiles.read(dir.resolve("a2.png"));
        for (int i = 0; i < n.rgb().length; i++) {
            float v = Math.min(Math.max(n.rgb()[i], 0f), 1f);
            assertThat(Math.round(v * 255) / 255f).as("value %d: the PNG is the .npy rounded", i)
                    .isEqualTo(p.rgb()[i]);
        }
        Run jpg = gannet("upscale", rgba.toString(), "--model-dir", X2, "-o", dir.resolve("a2.jpg").toString());
        assertThat(jpg.out()).contains("JPEG has no alpha");
    }

    @Test
    void compareWritesThreePanels() throws IOException {
        Path in = png(dir.resolve("c.png"), 24, 20, BufferedImage.TYPE_3BYTE_BGR, 4);
        Run r = gannet("upscale", in.toString(), "--model-dir", X2, "--compare", "-o", dir.resolve("c2.png")
                .toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(dir.resolve("c2-compare.png").toString());
        RgbImage cmp = ImageFiles.read(dir.resolve("c2-compare.png"));
        RgbImage model = ImageFiles.read(dir.resolve("c2.png"));
        assertThat(cmp.width()).isEqualTo(3 * 48);
        assertThat(cmp.height()).isEqualTo(40);
        // The right panel is the model's output; the left is nearest-neighbour of the input.
        RgbImage src = ImageFiles.read(in);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(cmp.rgb()[(y * 144 + 96 + x) * 3 + c]).isEqualTo(model.rgb()[(y * 48 + x) * 3 + c]);
                    assertThat(cmp.rgb()[(y * 144 + x) * 3 + c]).isEqualTo(src.rgb()[((y / 2) * 24 + x / 2) * 3 + c]);
                }
            }
        }
    }

    @Test
    void aFolderRunsThroughThePipeline() throws IOException {
        Path in = Files.createDirectories(dir.resolve("photos"));
        for (int i = 0; i < 12; i++) png(in.resolve("p" + i + ".png"), 16, 12, BufferedImage.TYPE_3BYTE_BGR, 10 + i);
        Files.writeString(in.resolve("broken.png"), "nope");
        Files.writeString(in.resolve("notes.txt"), "not an image, not picked up");
        Run r = gannet("upscale", in.toString(), "--model-dir", X2, "--format", "jpg");
        assertThat(r.code()).as("one image failed: exit 2").isEqualTo(2);
        Path out = dir.resolve("photos-x2");
        assertThat(r.out()).contains("wrote 12 of 13 images into " + out).contains("1 failed").contains("images/s");
        assertThat(r.err()).contains("broken.png").contains("not an image");
        for (int i = 0; i < 12; i++) assertThat(ImageFiles.read(out.resolve("p" + i + ".jpg")).width()).isEqualTo(32);
        assertThat(AtomicFiles.liveCount()).isZero();
    }

    static void assertUserError(Run r, String... fragments) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines().filter(l -> !l.isBlank()).toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("gannet: ").contains(fragments).doesNotContain("Exception", "[FORMAT]");
    }

    @Test
    void errorsSayWhatToDo() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jpg"), "no jpeg here");
        assertUserError(gannet("upscale", bad.toString(), "--model-dir", X2), bad.toString(), "not an image");
        assertUserError(gannet("upscale", dir.resolve("nope.png").toString(), "--model-dir", X2), "nope.png",
                "no such file");
        assertUserError(gannet("upscale", bad.toString(), "--model", "esrgan-huge"), "unknown UpscalerJS model "
                + "'esrgan-huge'", "esrgan-slim, esrgan-medium, esrgan-thick, default-model");
        assertUserError(gannet("upscale", bad.toString(), "--model-dir", X2, "--device", "cuda"), "device cuda");
        Path in = png(dir.resolve("t.png"), 64, 64, BufferedImage.TYPE_3BYTE_BGR, 5);
        assertUserError(gannet("upscale", in.toString(), "--model-dir", X2, "--tile", "20"), "--tile 20",
                "larger than 22");
        assertUserError(gannet("upscale", in.toString(), "--model-dir", X2, "-o", dir.resolve("t.gif").toString()),
                ".png, .jpg");
        assertUserError(gannet("upscale", in.toString(), "--model-dir", X2, "--scale", "3"), "upscales by 2, not 3");
        assertUserError(gannet("upscale", in.toString(), "--model", "esrgan-slim", "--scale", "5"), "no 5x model");
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .as("failed runs leave no output").containsExactlyInAnyOrder("bad.jpg", "t.png");
        }
    }
}

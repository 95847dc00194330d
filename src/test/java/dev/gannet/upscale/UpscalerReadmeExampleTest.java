// README.md's embedding example of the upscaler, run as written: the code between the markers below
// must appear verbatim in README.md (checked here), and its results are checked against the published
// UpscalerJS sample and against the float-array call.
package dev.gannet.upscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.image.ImageFiles;
import dev.gannet.image.RgbImage;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsPackage;
import dev.gannet.models.pretrained.PackageSpec;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpscalerReadmeExampleTest {
    static final Path SOURCE = Path.of("src/test/java/dev/gannet/upscale/UpscalerReadmeExampleTest.java");

    @TempDir
    Path dir;

    @Test
    void readmeExampleRunsAndIsQuotedVerbatim() throws IOException {
        PackageStore store = PackageStore.standard(PackageStore.Listener.SILENT);
        assumeTrue(store.isPresent(PackageSpec.of(UpscalerJsPackage.ESRGAN_SLIM))
                || PackageStore.findOnPath("npm") != null, "esrgan-slim is not in " + store.root()
                + " and there is no npm to fetch it with");
        Path shared = Path.of("..", "shared", "data", "models", "upscalerjs", "esrgan-slim", "assets");
        assumeTrue(Files.isRegularFile(shared.resolve("fixture.png")), "no fixture in " + shared);
        File photo = shared.resolve("fixture.png").toFile();
        File result = dir.resolve("fixture-x4.png").toFile();
        float[] pixels = ImageFiles.read(shared.resolve("fixture.png")).crop(0, 0, 64, 48);
        float[] rgb;
        // --- README example begins
        try (Device device = Devices.open("auto");                         // cuda if a GPU answers, else cpu
             Upscaler upscaler = Upscaler.load(device, "esrgan-slim", 4, null)) { // fetched once; null: fp32 on cpu, fp16 on cuda
            BufferedImage big = upscaler.upscale(ImageIO.read(photo));     // 4x in 512-pixel tiles, alpha kept
            ImageIO.write(big, "png", result);
            rgb = upscaler.upscale(pixels, 64, 48);                        // 48 x 64 x 3 floats in [0, 1] -> 192 x 256 x 3
        }                                                                  // frees the compiled plans
        // --- README example ends
        RgbImage ours = ImageFiles.read(result.toPath());
        RgbImage published = ImageFiles.read(shared.resolve("samples/4x/result.png"));
        assertThat(UpscalerTest.psnr(ours.rgb(), published.rgb(), true)).isGreaterThanOrEqualTo(80);
        assertThat(rgb).hasSize(192 * 256 * 3);

        List<String> example = example();
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).as("README.md quotes the example of %s verbatim", SOURCE)
                .contains(String.join("\n", example));
    }

    /** The lines between the markers, with the indentation they share removed. */
    static List<String> example() throws IOException {
        List<String> lines = Files.readAllLines(SOURCE);
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String l : lines) {
            if (l.contains("// --- README example ends")) break;
            if (in) out.add(l);
            if (l.contains("// --- README example begins")) in = true;
        }
        int indent = out.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return out.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).toList();
    }
}

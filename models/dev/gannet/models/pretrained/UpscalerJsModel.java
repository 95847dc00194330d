// A loaded UpscalerJS super-resolution model: the TF.js layers model, its scale, and the pixel
// range it was trained on, so that gannet can offer every one of them as RGB [0,1] in and out.
package dev.gannet.models.pretrained;

import dev.gannet.models.formats.LayerConfig;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.models.pretrained.UpscalerJsPackage.Architecture;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code range} is the upper end of the network's native pixel range: 255 for the RDN packages, 1
 * for RRDN (UpscalerJS's own model definitions say so). gannet's contract for every model is RGB in
 * [0, 1], NHWC, in and out; the graph built from this model multiplies the input by {@code range}
 * and the output by {@code 1 / range}, then clips to [0, 1] as UpscalerJS clips to its output range.
 *
 * @param pkg the catalog entry, or null for a folder that is not one of the known packages
 * @param packageDir the unpacked package (with assets/), or null when only a model folder was given
 */
public record UpscalerJsModel(String name, UpscalerJsPackage pkg, int scale, Architecture architecture,
        TfjsModel tfjs, Path packageDir) {

    /** The native range's upper end: 255 (RDN) or 1 (RRDN). */
    public float range() {
        return architecture.range();
    }

    /** A known model by name and scale, from the store (fetched on first use). */
    public static UpscalerJsModel load(PackageStore store, String name, int scale) {
        UpscalerJsPackage pkg = UpscalerJsPackage.byName(name);
        pkg.checkScale(scale);
        Path dir = store.resolve(PackageSpec.of(pkg));
        Path json = dir.resolve(pkg.modelPath(scale));
        if (!Files.isRegularFile(json)) {
            throw new GannetException(ErrorCode.IO, json + " is missing from the unpacked package; delete " + dir
                    + " to fetch it again");
        }
        TfjsModel m = TfjsModel.load(json);
        return checked(name + " x" + scale, pkg, scale, m, dir);
    }

    /**
     * A model from a folder holding model.json (a copy made by hand). {@code name} may name the
     * package it came from (checked against what the model is), or be null; {@code scale} may be 0
     * for "whatever the model does". The architecture, and so the pixel range, is recognised from the
     * layers, as UpscalerJS tells its families apart: only RRDN has MultiplyBeta and PixelShuffle.
     */
    public static UpscalerJsModel fromDir(Path dir, String name, int scale) {
        TfjsModel m = TfjsModel.load(dir);
        UpscalerJsPackage pkg = name == null ? null : UpscalerJsPackage.byName(name);
        Architecture arch = architectureOf(m);
        int s = scaleOf(m);
        String label = (name == null ? m.name() : name) + " (" + dir + ")";
        if (scale != 0 && scale != s) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, label + " upscales by " + s + ", not " + scale);
        }
        if (pkg != null && pkg.architecture() != arch) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, label + " is an " + arch + " model, but " + name
                    + " is " + pkg.architecture());
        }
        // A model folder inside an unpacked package (package/models/x4, package/models) finds its assets above.
        Path packageDir = null;
        Path p = m.file().getParent();
        for (int up = 0; up < 3 && p != null && packageDir == null; up++, p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("package.json")) && Files.isDirectory(p.resolve("assets"))) packageDir = p;
        }
        return new UpscalerJsModel(name == null ? m.name() : name, pkg, s, arch, m, packageDir);
    }

    private static UpscalerJsModel checked(String label, UpscalerJsPackage pkg, int scale, TfjsModel m, Path dir) {
        Architecture arch = architectureOf(m);
        if (arch != pkg.architecture() || scaleOf(m) != scale) {
            throw new GannetException(ErrorCode.FORMAT, label + ": " + m.file() + " is an " + arch + " model upscaling "
                    + scaleOf(m) + "x, the package should hold an " + pkg.architecture() + " model upscaling " + scale
                    + "x");
        }
        return new UpscalerJsModel(pkg.modelName(), pkg, scale, arch, m, dir);
    }

    static Architecture architectureOf(TfjsModel m) {
        for (var l : m.layers()) {
            if (l.config() instanceof LayerConfig.MultiplyBeta || l.config() instanceof LayerConfig.PixelShuffle) {
                return Architecture.RRDN;
            }
        }
        return Architecture.RDN;
    }

    /** The product of the model's upsampling factors (UpSampling2D and PixelShuffle), equal in H and W. */
    static int scaleOf(TfjsModel m) {
        int sh = 1, sw = 1;
        for (var l : m.layers()) {
            switch (l.config()) {
                case LayerConfig.UpSampling2D u -> {
                    sh *= u.sizeH();
                    sw *= u.sizeW();
                }
                case LayerConfig.PixelShuffle p -> {
                    sh *= p.block();
                    sw *= p.block();
                }
                case LayerConfig.Conv2D c when c.strideH() != 1 || c.strideW() != 1 -> throw new GannetException(
                        ErrorCode.UNSUPPORTED, m.file() + ": layer '" + l.name() + "' has stride " + c.strideH() + "x"
                                + c.strideW() + "; an upscaler's scale would not be a whole number");
                default -> {}
            }
        }
        if (sh != sw) {
            throw new GannetException(ErrorCode.UNSUPPORTED, m.file() + ": upscales " + sh + "x vertically and " + sw
                    + "x horizontally; gannet's upscalers scale both the same");
        }
        return sh;
    }

    /** The package's sample input (128x128 RGBA), when the package folder is known. */
    public Optional<Path> fixture() {
        return packageDir == null ? Optional.empty()
                : Optional.of(packageDir.resolve("assets/fixture.png")).filter(Files::isRegularFile);
    }

    /** The author's published output for the fixture at this model's scale, when the package has one. */
    public Optional<Path> sample() {
        return packageDir == null ? Optional.empty()
                : Optional.of(packageDir.resolve("assets/samples/" + scale + "x/result.png")).filter(Files::isRegularFile);
    }

    @Override
    public String toString() {
        return name + " x" + scale + " (" + architecture + ", native range [0, " + (int) range() + "], "
                + tfjs.parameterCount() + " parameters)";
    }
}

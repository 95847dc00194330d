// The pretrained UpscalerJS super-resolution packages gannet knows by name: what each npm tarball
// holds (scales, model paths, samples), its pixel range, and the checksum the tarball must match.
package dev.gannet.models.pretrained;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One npm package {@code @upscalerjs/<name>@1.0.0}. The facts below were read from the tarballs
 * themselves (fetched with {@code npm pack}, listed with {@code tar tzv}) and from each package's own
 * model definition ({@code dist/esm/packages/shared/src/esrgan/esrgan.js}, {@code getModelDefinition.js}):
 * <ul>
 * <li>{@code integrity}: the sha512 of the tarball in npm's Subresource-Integrity form; recorded once
 * after fetching, checked equal to the registry's {@code dist.integrity} and to an independent
 * {@code openssl dgst -sha512} of the file.</li>
 * <li>models sit at {@code models/x<scale>/model.json} (default-model: {@code models/model.json});
 * every package carries the same {@code assets/fixture.png} (128x128 RGBA) and the author's outputs
 * for it at {@code assets/samples/<scale>x/result.png} for the scales listed in {@code samples}.</li>
 * <li>the RDN models (slim, medium, default) are defined with {@code inputRange [0, 255]} and
 * {@code outputRange [0, 255]}; the RRDN model (thick) with {@code [0, 1]} and two custom layers,
 * {@code MultiplyBeta} and {@code PixelShuffle<scale>x}.</li>
 * </ul>
 */
public enum UpscalerJsPackage {
    ESRGAN_SLIM("esrgan-slim", Architecture.RDN, List.of(2, 3, 4, 8), List.of(2, 3, 4),
            "sha512-DXtwn5SE71+pZKluN/hGeLaZv6ZylyFQYSvMqU08kKCEA5Y9Q1cIIk4EvPTPZw8VqGi2C6F02c8OjhtId4BK2w==",
            4_357_056L, 4_755_465L),
    ESRGAN_MEDIUM("esrgan-medium", Architecture.RDN, List.of(2, 3, 4, 8), List.of(2, 3, 4),
            "sha512-Z8JnR87sgetPABKevasXST3FdnXhaoTu9zpXnu3KLaHYpYStVt0FD1VZS9c6jhSGMBC0H929gN9RbWl+MeisKA==",
            11_361_705L, 12_388_720L),
    ESRGAN_THICK("esrgan-thick", Architecture.RRDN, List.of(2, 3, 4, 8), List.of(2, 3, 4, 8),
            "sha512-Xt7LAEa1WYVdU8teye1A2J3T2ylb3ihlU/x01x1ieM7zZh5FzTll6fwmeUC82mkztWloGZM65KdSEWOmhlXOdw==",
            110_294_929L, 119_752_985L),
    DEFAULT_MODEL("default-model", Architecture.RDN, List.of(2), List.of(2),
            "sha512-D17cokQBpciTBrlFuY5WtS7TH0WE3h5m44PYiPPCSq1jlWjG9BvH5/rnm9AhQPV6TT3Bqbg5GAPV8/qpR47/hQ==",
            1_013_889L, 1_120_783L);

    /** The version every package is pinned to; the checksums are this version's. */
    public static final String VERSION = "1.0.0";

    /** The two network families of the UpscalerJS ESRGAN packages and the pixel range each was trained on. */
    public enum Architecture {
        /** Residual dense network: RGB in and out as 0..255 floats. */
        RDN(255f),
        /** Residual-in-residual dense network: RGB in and out in [0, 1]. */
        RRDN(1f);

        private final float range;

        Architecture(float range) {
            this.range = range;
        }

        /** The upper end of the model's native pixel range (its lower end is 0). */
        public float range() {
            return range;
        }
    }

    private final String modelName;
    private final Architecture architecture;
    private final List<Integer> scales;
    private final List<Integer> samples;
    private final String integrity;
    private final long tarballBytes;
    private final long unpackedBytes;

    UpscalerJsPackage(String modelName, Architecture architecture, List<Integer> scales, List<Integer> samples,
            String integrity, long tarballBytes, long unpackedBytes) {
        this.modelName = modelName;
        this.architecture = architecture;
        this.scales = scales;
        this.samples = samples;
        this.integrity = integrity;
        this.tarballBytes = tarballBytes;
        this.unpackedBytes = unpackedBytes;
    }

    /** The name users type: {@code esrgan-slim}. */
    public String modelName() {
        return modelName;
    }

    /** {@code @upscalerjs/esrgan-slim@1.0.0}, what {@code npm pack} is given. */
    public String npmSpec() {
        return "@upscalerjs/" + modelName + "@" + VERSION;
    }

    /** The file name {@code npm pack} writes: {@code upscalerjs-esrgan-slim-1.0.0.tgz}. */
    public String tarballName() {
        return "upscalerjs-" + modelName + "-" + VERSION + ".tgz";
    }

    public Architecture architecture() {
        return architecture;
    }

    /** The scales the package has a model for. */
    public List<Integer> scales() {
        return scales;
    }

    /** The scales the package has a published sample output for. */
    public List<Integer> samples() {
        return samples;
    }

    /** npm's integrity string of the tarball: {@code sha512-<base64>}. */
    public String integrity() {
        return integrity;
    }

    public long tarballBytes() {
        return tarballBytes;
    }

    /** The sum of the tarball's file sizes (npm's {@code unpackedSize}). */
    public long unpackedBytes() {
        return unpackedBytes;
    }

    /** The default scale: 4 where the package has it (the upscaler's default), else its only one. */
    public int defaultScale() {
        return scales.contains(4) ? 4 : scales.getFirst();
    }

    /** model.json's path inside the extracted package. */
    public String modelPath(int scale) {
        checkScale(scale);
        return this == DEFAULT_MODEL ? "models/model.json" : "models/x" + scale + "/model.json";
    }

    public String fixturePath() {
        return "assets/fixture.png";
    }

    public String samplePath(int scale) {
        if (!samples.contains(scale)) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, modelName + " publishes no " + scale
                    + "x sample (samples: " + join(samples) + ")");
        }
        return "assets/samples/" + scale + "x/result.png";
    }

    public void checkScale(int scale) {
        if (!scales.contains(scale)) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, modelName + " has no " + scale + "x model (scales: "
                    + join(scales) + ")");
        }
    }

    /** The package a user names, or an error that lists the known names. */
    public static UpscalerJsPackage byName(String name) {
        for (UpscalerJsPackage p : values()) if (p.modelName.equals(name)) return p;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown UpscalerJS model '" + name + "' (known: "
                + names() + ")");
    }

    public static boolean isKnown(String name) {
        return Arrays.stream(values()).anyMatch(p -> p.modelName.equals(name));
    }

    public static String names() {
        return Arrays.stream(values()).map(UpscalerJsPackage::modelName).collect(Collectors.joining(", "));
    }

    private static String join(List<Integer> xs) {
        return xs.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
}

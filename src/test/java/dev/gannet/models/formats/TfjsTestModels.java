// Synthetic TF.js layers models written to a directory, for tests outside this package (the plan
// compiler, the CLI): the small RRDN of TfjsCustomLayersTest with its custom layers.
package dev.gannet.models.formats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

public final class TfjsTestModels {
    private TfjsTestModels() {}

    /**
     * An RRDN-shaped model (conv, relu, concat, 1x1 conv, MultiplyBeta, add, conv, PixelShuffle{block}x,
     * LeakyReLU, conv with tanh) upscaling by {@code block}, written to {@code dir}; returns dir.
     */
    public static Path writeRrdn(Path dir, int block) {
        TfjsCustomLayersTest t = new TfjsCustomLayersTest();
        t.dir = dir;
        t.rrdn(block);
        try {
            t.write();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}

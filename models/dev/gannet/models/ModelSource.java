// A model that can be compiled: what `--model NAME` or `--model-dir DIR` resolves to. It makes a
// graph for an input size; the graph takes and returns RGB in [0, 1], NHWC, F32.
package dev.gannet.models;

import dev.gannet.graph.Graph;
import dev.gannet.runtime.Shape;

public interface ModelSource {
    /** The name a person would type, e.g. "esrgan-slim". */
    String name();

    /** How many times larger the output is than the input (1 for models that do not upscale). */
    int scale();

    /** Where the model comes from (a directory, a package), for messages and listings. */
    String origin();

    /** The graph for an NHWC input of {@code input}'s shape (N images of H x W, 3 channels). */
    Graph graph(Shape input);
}

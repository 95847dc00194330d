// A network architecture with the parameter names of its canonical PyTorch implementation: builds a
// gannet Graph (parameter slots unbound) for one input shape.
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.runtime.Shape;
import java.util.function.Predicate;

public interface Architecture {
    /** A short description with the configuration, e.g. {@code DCGAN_G(64, 100, 3, 64, 1)}. */
    String describe();

    /** The input this architecture is usually run on with batch {@code n} (NHWC). */
    Shape defaultInput(int n);

    /** The graph for an NHWC F32 input of this shape, with one output; parameter slots unbound. */
    Graph graph(Shape input);

    /** The graph with PyTorch's default random initialization from {@code seed}. */
    default Graph randomGraph(Shape input, long seed) {
        return StateDicts.initialize(graph(input), seed);
    }

    /** State-dict entries a checkpoint may carry that this architecture does not use (none by default). */
    default Predicate<String> ignoredOnLoad() {
        return name -> false;
    }
}

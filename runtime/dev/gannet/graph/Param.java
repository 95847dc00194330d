// A named parameter slot of a graph: a weight, bias, norm parameter or running statistic, with the
// PyTorch name of the canonical implementation so a state dict loads by name (DESIGN §9).
package dev.gannet.graph;

import dev.gannet.runtime.Shape;

/**
 * {@code shape} is gannet's layout (see {@link ParamLayout}); parameters are F32 in the graph (a Plan
 * stores them in its precision). {@code trainable} separates learned parameters from buffers such
 * as BatchNorm's running statistics: an optimizer step (a later addition to the IR) updates only
 * trainable ones, in place.
 */
public record Param(String name, Shape shape, ParamLayout layout, boolean trainable) {
    public Param {
        if (name == null || name.isEmpty()) {
            throw new dev.gannet.runtime.GannetException(dev.gannet.runtime.ErrorCode.INVALID_ARGUMENT,
                    "a parameter needs a name");
        }
        layout.check(name, shape);
    }

    /** The shape PyTorch stores, e.g. (K, C, R, S) for a conv weight. */
    public long[] torchShape() {
        return layout.torchShape(shape);
    }

    public String describe() {
        return name + " " + shape + " (torch " + java.util.Arrays.toString(torchShape()) + ")";
    }
}

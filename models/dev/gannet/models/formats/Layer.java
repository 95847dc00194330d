// One layer of a TF.js layers model as read from model.json: Keras class, name, typed config, inputs.
package dev.gannet.models.formats;

import java.util.List;

/** {@code inbound} lists the tensors the layer is called on, in order (empty for an InputLayer). */
public record Layer(String className, String name, LayerConfig config, List<NodeRef> inbound) {
    public Layer {
        inbound = List.copyOf(inbound);
    }
}

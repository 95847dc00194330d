// A reference to one output tensor of a layer in a Keras functional graph: [layer, node, tensor].
package dev.gannet.models.formats;

/**
 * Output {@code tensorIndex} of call {@code nodeIndex} of layer {@code layer}. The layers gannet reads
 * are called once and have one output, so a valid reference has both indices 0; they are kept so
 * that messages and future readers see exactly what the file said.
 */
public record NodeRef(String layer, int nodeIndex, int tensorIndex) {
    @Override
    public String toString() {
        return nodeIndex == 0 && tensorIndex == 0 ? layer : layer + "[" + nodeIndex + "][" + tensorIndex + "]";
    }
}

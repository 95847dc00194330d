// One node of the graph IR: an op applied to input values, producing output values (one for every
// op today; a list so that backward ops with several results are an addition, not a change).
package dev.gannet.graph;

import java.util.List;

public record Node(int id, String name, Op op, List<Value> inputs, List<Value> outputs) {
    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** The first (today: the only) output. */
    public Value output() {
        return outputs.getFirst();
    }

    /** Whether this node computes something (is not a graph input or a parameter slot). */
    public boolean isCompute() {
        return !(op instanceof Op.Input) && !(op instanceof Op.ParamRef);
    }

    @Override
    public String toString() {
        return "'" + name + "' (" + op.kind() + ")";
    }
}

// The graph IR (DESIGN §2): nodes in topological order, SSA values with NHWC shapes and logical
// dtypes, named parameter slots with their bound values, named inputs and outputs. Immutable;
// GraphBuilder makes one, Plan compiles one for a device and a precision.
//
// Room for training (the next milestone) is made by addition, not by rewriting what is here:
// - Gradients are values. A backward pass appends nodes to a graph (toBuilder() continues it):
//   backward ops are new Op records (conv2d data/weight gradients, batchnorm backward, ...) that
//   read forward values and produce gradient values; Node already has a list of outputs for ops
//   with several results (batchnorm's dx, dgamma, dbeta). Value ids stay unique in the extended
//   graph, so a map Value -> gradient Value is all autodiff needs to keep.
// - Parameters are ParamRef nodes: their storage is owned by the Plan (its weights arena), outlives
//   every run and is shared by all executors. An optimizer step is a new Op whose inputs are the
//   parameter and its gradient and which writes the parameter's storage in place (the running
//   statistics of training-mode batchnorm are the same kind of effect); the Plan orders such
//   effects after every reader of the old value. Param.trainable says which slots an optimizer
//   updates; running statistics are buffers.
// - Losses are ordinary values (mse, l1, mean, gram), F32 in every precision.
package dev.gannet.graph;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class Graph {
    private final String name;
    private final List<Node> nodes;
    private final Map<String, Value> inputs;
    private final Map<String, Value> outputs;
    private final Map<String, Param> params;
    private final Map<String, WeightData> weights;
    private final int nextValueId;

    Graph(String name, List<Node> nodes, Map<String, Value> inputs, Map<String, Value> outputs,
          Map<String, Param> params, Map<String, WeightData> weights, int nextValueId) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        this.nextValueId = nextValueId;
    }

    public String name() {
        return name;
    }

    /** Every node, each after the nodes it reads. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The nodes that compute something (not inputs nor parameter slots): the "graph nodes" of a plan listing. */
    public int computeNodeCount() {
        int n = 0;
        for (Node x : nodes) if (x.isCompute()) n++;
        return n;
    }

    public Map<String, Value> inputs() {
        return inputs;
    }

    public Value input(String inputName) {
        Value v = inputs.get(inputName);
        if (v == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, name + ": no input '" + inputName
                + "' (inputs: " + inputs.keySet() + ")");
        return v;
    }

    public Map<String, Value> outputs() {
        return outputs;
    }

    public Value output(String outputName) {
        Value v = outputs.get(outputName);
        if (v == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, name + ": no output '" + outputName
                + "' (outputs: " + outputs.keySet() + ")");
        return v;
    }

    /** Parameter slots by name, in creation order. */
    public Map<String, Param> params() {
        return params;
    }

    /** Values bound to parameter slots (a slot may still be unbound: Plan.build then fails naming it). */
    public Map<String, WeightData> weights() {
        return weights;
    }

    /** Slots without values, in creation order. */
    public List<String> unboundParams() {
        List<String> l = new ArrayList<>();
        for (String p : params.keySet()) if (!weights.containsKey(p)) l.add(p);
        return l;
    }

    /** The producer of each value, by value id. */
    Map<Integer, Node> producers() {
        Map<Integer, Node> m = new java.util.HashMap<>();
        for (Node n : nodes) for (Value v : n.outputs()) m.put(v.id(), n);
        return m;
    }

    /**
     * The same graph with parameter values replaced by name (a state dict). Every name must be a slot
     * and every value's count must match its slot, else one exception lists all that is wrong; slots
     * not named keep what they had.
     */
    public Graph withWeights(Map<String, ? extends WeightData> values) {
        List<String> unknown = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        for (var e : new TreeMap<>(values).entrySet()) {
            Param p = params.get(e.getKey());
            if (p == null) unknown.add(e.getKey());
            else if (e.getValue().count() != p.shape().numel()) {
                misshaped.add(p.describe() + ": " + e.getValue().count() + " values given");
            }
        }
        if (!unknown.isEmpty() || !misshaped.isEmpty()) {
            StringBuilder b = new StringBuilder(name).append(": cannot load weights:");
            if (!unknown.isEmpty()) b.append(" unknown parameters ").append(unknown).append(';');
            if (!misshaped.isEmpty()) b.append(" wrong sizes ").append(misshaped).append(';');
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, b.substring(0, b.length() - 1));
        }
        Map<String, WeightData> w = new LinkedHashMap<>(weights);
        w.putAll(values);
        return new Graph(name, nodes, inputs, outputs, params, w, nextValueId);
    }

    /** A builder that continues this graph (for backward passes and extra heads); the graph is unchanged. */
    public GraphBuilder toBuilder() {
        return new GraphBuilder(this);
    }

    int nextValueId() {
        return nextValueId;
    }

    /** One line per node: name, op, inputs, output type; then the outputs. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append("graph ").append(name).append(": ").append(computeNodeCount()).append(" nodes, ")
                .append(params.size()).append(" parameters\n");
        for (Node n : nodes) {
            if (n.op() instanceof Op.ParamRef) continue;
            b.append("  ").append(n.name()).append(" = ").append(n.op().kind()).append('(');
            for (int i = 0; i < n.inputs().size(); i++) b.append(i > 0 ? ", " : "").append(n.inputs().get(i).name());
            b.append(") -> ").append(n.output().dtype().name().toLowerCase()).append('[').append(n.output().shape())
                    .append("]\n");
        }
        outputs.forEach((k, v) -> b.append("  output ").append(k).append(" = ").append(v.name()).append('\n'));
        return b.toString();
    }

    @Override
    public String toString() {
        return "Graph[" + name + ", " + computeNodeCount() + " nodes, inputs " + inputs.values() + ", outputs "
                + outputs.values() + "]";
    }
}

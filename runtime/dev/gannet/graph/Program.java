// A compiled graph: the ordered steps, the slots they read and write with their placement, the
// constants to upload and the memory layout of the activation arena. Device independent and
// immutable once compiled (Compiler is the only writer); Plan and Executor read it.
package dev.gannet.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

final class Program {
    final Graph graph;
    final PlanOptions options;
    final List<Step> steps;
    final Map<String, Slot> inputs;
    final Map<String, Slot> outputs;
    /** Slots that own memory, in the order of their blocks. */
    final List<Slot> roots;
    final Map<Slot, Long> offsets = new IdentityHashMap<>();
    final MemoryPlanner.Layout layout;

    Program(Graph graph, PlanOptions options, List<Step> steps, Map<String, Slot> inputs, Map<String, Slot> outputs) {
        this.graph = graph;
        this.options = options;
        this.steps = Collections.unmodifiableList(new ArrayList<>(steps));
        this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        Set<Slot> rs = new LinkedHashSet<>();
        for (Slot s : inputs.values()) rs.add(s.root());
        for (Step st : steps) {
            for (Slot x : st.inputs()) if (!x.isConstant()) rs.add(x.root());
            rs.add(st.out.root());
        }
        this.roots = List.copyOf(rs);
        List<MemoryPlanner.Block> blocks = new ArrayList<>();
        for (Slot r : roots) {
            blocks.add(new MemoryPlanner.Block(r.name, r.bytes(), firstUse(r), lastUse(this.steps, r), r.isInput()));
        }
        this.layout = MemoryPlanner.plan(blocks, options.has(Pass.REUSE_MEMORY));
        for (int i = 0; i < roots.size(); i++) offsets.put(roots.get(i), layout.offsets()[i]);
    }

    /** The first step writing any slot stored in {@code root}; -1 for inputs (written before the run). */
    private int firstUse(Slot root) {
        if (root.isInput()) return -1;
        for (int i = 0; i < steps.size(); i++) if (steps.get(i).out.root() == root) return i;
        throw new IllegalStateException("slot " + root + " is never written");
    }

    /** The last step touching any slot stored in {@code root}; steps.size() when an input or output lives there. */
    static int lastUse(List<Step> steps, Slot root) {
        int last = -1;
        boolean pinned = root.isInput();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            for (Slot x : st.inputs()) if (x.root() == root) last = i;
            if (st.out.root() == root) {
                last = Math.max(last, i);
                pinned |= st.out.isOutput();
            }
        }
        return pinned ? steps.size() : last;
    }

    int launches() {
        int n = 0;
        for (Step st : steps) n += st.launches();
        return n;
    }

    /** The launch list: one line per step with its op, shapes and what was fused into it, then the totals. */
    String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("plan %s, %s, passes: %s%n", graph.name(), options.precision().name().toLowerCase(),
                options.passes().isEmpty() ? "none" : options.passes().toString().toLowerCase()));
        inputs.forEach((k, v) -> b.append("  input  ").append(v).append('\n'));
        int i = 0;
        for (Step st : steps) {
            String in = st.inputs().isEmpty() ? "" : st.inputs().getFirst().shape.toString();
            int n = st.launches();
            String idx = n == 0 ? "-" : n == 1 ? String.valueOf(i + 1) : (i + 1) + "-" + (i + n);
            i += n;
            b.append(String.format("  %5s %-17s %-14s %s -> %s%s  %s%n", idx,
                    st.op(), st.name, in, st.out, st.out.placement(), st.details()));
            if (!st.fused.isEmpty()) b.append("          fused: ").append(String.join(", ", st.fused)).append('\n');
        }
        outputs.forEach((k, v) -> b.append("  output ").append(k).append(" = ").append(v).append('\n'));
        b.append(String.format("launches: %d, graph nodes: %d%n", launches(), graph.computeNodeCount()));
        b.append(String.format("arena bytes: planned %d, naive %d%n", layout.planned(), layout.naive()));
        return b.toString();
    }
}

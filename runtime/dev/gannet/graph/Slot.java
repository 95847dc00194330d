// A tensor of a compiled program: where a step writes and others read. After placement a slot is
// either a root (its own block of the arena) or a view of another slot: a channel slice of a concat
// buffer, the same memory as an input it overwrote (in place), or a reshape of a dense tensor.
package dev.gannet.graph;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import java.util.ArrayList;
import java.util.List;

final class Slot {
    enum Relation { SLICE, SAME, RESHAPE }

    final int id;
    final String name;
    final Shape shape;
    DType dtype;
    /** Graph input name, or null. */
    String inputName;
    /** Graph output names (empty for internal slots). */
    final List<String> outputNames = new ArrayList<>();
    /** Non-null for parameters used as tensors (an add of a learned bias map, say). */
    Const constant;

    Slot parent;
    Relation relation;
    int channelOffset;

    Slot(int id, String name, Shape shape, DType dtype) {
        this.id = id;
        this.name = name;
        this.shape = shape;
        this.dtype = dtype;
    }

    boolean isInput() {
        return inputName != null;
    }

    boolean isOutput() {
        return !outputNames.isEmpty();
    }

    boolean isConstant() {
        return constant != null;
    }

    /** The slot that owns the memory this one lives in. */
    Slot root() {
        Slot s = this;
        while (s.parent != null) s = s.parent;
        return s;
    }

    /** Whether this slot's view is its root's whole dense tensor (no slice, no reshape on the way). */
    boolean isWholeRoot() {
        Slot s = this;
        while (s.parent != null) {
            if (s.relation != Relation.SAME) return false;
            s = s.parent;
        }
        return true;
    }

    long bytes() {
        return shape.numel() * dtype.size();
    }

    String placement() {
        if (parent == null) return "";
        return switch (relation) {
            case SLICE -> " [channels " + channelOffset + ".." + (channelOffset + shape.c()) + " of " + parent.name + "]";
            case SAME -> " [in place of " + parent.name + "]";
            case RESHAPE -> " [view of " + parent.name + "]";
        };
    }

    @Override
    public String toString() {
        return name + " " + dtype.name().toLowerCase() + "[" + shape + "]";
    }
}

// A value of the graph IR: one tensor produced by one node (SSA), with its NHWC shape and its
// logical dtype. The precision policy of a Plan decides how it is stored (DESIGN §6).
package dev.gannet.graph;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;

/**
 * {@code id} is unique within its graph (and any graph extended from it); {@code name} is the name
 * of the producing node, with "#i" appended for outputs after the first. Logical dtypes: F32 for
 * activations and parameters whatever the Plan's precision, U8/I32 only at the edges.
 */
public record Value(int id, String name, Shape shape, DType dtype) {
    @Override
    public String toString() {
        return "'" + name + "' " + dtype.name().toLowerCase() + "[" + shape + "]";
    }
}

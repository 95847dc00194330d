// The precision policy of a Plan (DESIGN §6): how activations and weights are stored. Kernels
// accumulate in fp32 either way; norm statistics, Gram matrices and reductions are fp32 always.
package dev.gannet.graph;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;

public enum Precision {
    /** Everything in fp32. */
    FP32(DType.F32),
    /**
     * fp16 activations and conv/linear weights, casts at the graph's edges (inputs and outputs keep
     * their logical dtype); per-channel vectors (bias, scale, norm parameters), Gram matrices and
     * reductions stay fp32.
     */
    FP16(DType.F16);

    private final DType storage;

    Precision(DType storage) {
        this.storage = storage;
    }

    /** The dtype float activations and weights are stored in. */
    public DType storage() {
        return storage;
    }

    public static Precision parse(String s) {
        for (Precision p : values()) if (p.name().equalsIgnoreCase(s)) return p;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown precision '" + s + "' (known: fp32, fp16)");
    }
}

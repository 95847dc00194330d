// Which versions the CUDA plans of the memory-bound and reduction ops pick. By default vector
// kernels wherever the views allow and a split reduction where the single-pass one would leave the
// GPU underused. The system properties gannet.cuda.vector=auto|off and gannet.cuda.split=
// auto|fused|split pin a choice (for measurements); tests force each in turn through the fields.
package dev.gannet.ops.cuda;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

final class CudaPaths {
    enum Split { AUTO, FUSED, SPLIT }

    /** Test hooks: non-null values override the system properties. */
    static volatile Boolean forceVectors;
    static volatile Split forceSplit;

    /** Every kernel name a plan chose since the last clear: tests check that each version ran. */
    static final Set<String> PLANNED = ConcurrentHashMap.newKeySet();

    private CudaPaths() {}

    static boolean vectors() {
        Boolean f = forceVectors;
        if (f != null) return f;
        String v = System.getProperty("gannet.cuda.vector", "auto");
        return switch (v) {
            case "auto" -> true;
            case "off" -> false;
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "system property gannet.cuda.vector must be auto or off, got '" + v + "'");
        };
    }

    static Split split() {
        Split f = forceSplit;
        if (f != null) return f;
        String v = System.getProperty("gannet.cuda.split", "auto");
        return switch (v) {
            case "auto" -> Split.AUTO;
            case "fused" -> Split.FUSED;
            case "split" -> Split.SPLIT;
            default -> throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "system property gannet.cuda.split must be auto, fused or split, got '" + v + "'");
        };
    }

    /** Records the kernels of a plan and returns it. */
    static java.util.List<CudaLaunchSpec> record(java.util.List<CudaLaunchSpec> plan) {
        for (CudaLaunchSpec s : plan) PLANNED.add(s.kernel());
        return plan;
    }
}

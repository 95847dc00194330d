// The compiler's optimizations; each can be switched off (the fused-vs-unfused timing table, tests).
// With none, a Plan runs one launch per graph node (a concat: one copy per input).
package dev.gannet.graph;

public enum Pass {
    /** Removes nodes that compute nothing: x·1 + 0, zero padding, factor-1 resampling, single-input concat. */
    DROP_NO_OPS,
    /**
     * Folds inference BatchNorm and constant scales into conv/linear weights and bias: a norm or
     * scale directly after the linear part (conv → BN → act: fully), and a constant scale before a
     * conv. A per-channel affine after an activation (the lesson's conv → LeakyReLU → BN) does not
     * commute with it, so it stays a launch of its own.
     */
    FOLD_NORM_AND_SCALES,
    /**
     * Fuses conv → activation → residual add → scale into the conv's epilogue, and an activation
     * into the norm or element-wise launch before it.
     */
    FUSE_EPILOGUE,
    /** Folds an explicit pad (zero/reflect/replicate) and a nearest upsample into the following conv's input addressing. */
    FOLD_PAD_UPSAMPLE,
    /** Producers of a concat's inputs write channel slices of its buffer (zero-copy concat). */
    CONCAT_SLICES,
    /** Activations, adds, norms and conv residual outputs overwrite their input when nothing reads it later. */
    IN_PLACE,
    /** A buffer's memory is reused once its last reader has run (off: one region per tensor). */
    REUSE_MEMORY
}

// Device workspace for one launch (split reductions): addresses are stream-ordered, valid for the
// kernels of the plan that asked for them and released after the last of them on the stream.
package dev.gannet.ops.cuda;

@FunctionalInterface
public interface CudaScratch {
    /** A device address of at least {@code bytes} bytes, 256-byte aligned, contents undefined. */
    long allocate(long bytes);
}

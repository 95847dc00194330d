// A place that runs kernels and owns memory (DESIGN §5): cpu now; cuda and simt implement the same
// interface. Launchers validate, pack a params struct and hand a KernelLaunch to a stream.
package dev.gannet.runtime;

import java.lang.foreign.MemorySegment;
import java.util.List;

public interface Device extends AutoCloseable {
    /** "cpu", "cuda:0", "simt". */
    String name();

    DeviceKind kind();

    /** One line on what this device is (CPU model and ISA, GPU name, ...). */
    String description();

    DeviceArena newArena(String label);

    default DeviceArena newArena() {
        return newArena("arena");
    }

    /** The stream used when a caller names none. */
    Stream defaultStream();

    Stream newStream();

    /** Whether this device can run (op, dtype, variant), and if not, why. */
    Support supports(String op, DType dtype, String variant);

    /** The whole matrix of Ops.ALL on this device. */
    default List<Support.Entry> supportMatrix() {
        return Ops.ALL.stream()
                .flatMap(o -> o.dtypes().stream().flatMap(d -> o.variants().stream()
                        .map(v -> new Support.Entry(o.name(), d, v, supports(o.name(), d, v)))))
                .toList();
    }

    PoolStats poolStats();

    /** Returns the pool's cached blocks to the backing allocator. */
    void trimPool();

    /** Bytes of the prepared (packed) form of K x R x S x C conv weights on this device. */
    long convPackedBytes(int k, int r, int s, int c, boolean transposed, DType dtype);

    /** Synchronous copies between host memory and device addresses (callers synchronize first). */
    void copyToDevice(MemorySegment host, long hostOffset, long deviceAddress, long bytes);

    void copyToHost(long deviceAddress, MemorySegment host, long hostOffset, long bytes);

    /** Waits for every stream of this device; rethrows the first kernel failure of any of them. */
    void synchronize();

    /** Runs a launch on a stream of this device (called by Stream.launch). */
    void launch(Stream stream, KernelLaunch launch);

    @Override
    void close();
}

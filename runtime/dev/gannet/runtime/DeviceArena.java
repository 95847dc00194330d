// Owns device memory like java.lang.foreign.Arena owns host memory: everything allocated in it is
// freed (returned to the device's caching pool) when it closes; closing twice is harmless and a
// tensor of a closed arena throws IllegalStateException when used.
package dev.gannet.runtime;

import java.util.ArrayList;
import java.util.List;

public final class DeviceArena implements AutoCloseable {
    private final Device device;
    private final CachingPool pool;
    private final String label;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private boolean closed;

    DeviceArena(Device device, CachingPool pool, String label) {
        this.device = device;
        this.pool = pool;
        this.label = label;
    }

    public Device device() {
        return device;
    }

    public String label() {
        return label;
    }

    public synchronized boolean isOpen() {
        return !closed;
    }

    /** A raw block of at least {@code bytes} (64-byte aligned at least). */
    public synchronized DeviceBuffer allocateBytes(long bytes) {
        if (closed) throw new IllegalStateException("arena '" + label + "' is closed");
        if (bytes < 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "arena '" + label + "': negative size " + bytes);
        }
        long[] cls = new long[1];
        long addr = pool.acquire(bytes, cls);
        DeviceBuffer b = new DeviceBuffer(device, this, pool, addr, bytes, cls[0]);
        buffers.add(b);
        return b;
    }

    /** A dense NHWC tensor (contents undefined). */
    public Tensor allocate(DType dtype, Shape shape) {
        long bytes = Math.multiplyExact(shape.numel(), (long) dtype.size());
        return Tensor.dense(allocateBytes(bytes), dtype, shape);
    }

    public Tensor allocate(DType dtype, int n, int h, int w, int c) {
        return allocate(dtype, new Shape(n, h, w, c));
    }

    /** A dense tensor with the given contents (NHWC order, converted to dtype). */
    public Tensor of(DType dtype, Shape shape, float[] data) {
        Tensor t = allocate(dtype, shape);
        t.copyFrom(data);
        return t;
    }

    @Override
    public void close() {
        List<DeviceBuffer> toClose;
        synchronized (this) {
            if (closed) return;
            closed = true;
            toClose = new ArrayList<>(buffers);
            buffers.clear();
        }
        for (DeviceBuffer b : toClose) b.close();
    }
}

// One block of device memory owned by a DeviceArena. Launches retain the buffers they touch, so
// closing the arena while a kernel still runs defers the release until that kernel is done.
package dev.gannet.runtime;

public final class DeviceBuffer {
    private final Device device;
    private final DeviceArena arena;
    private final long address;
    private final long byteSize;
    private final long sizeClass;
    private final CachingPool pool;
    private int inflight;
    private boolean closed;
    private boolean released;

    DeviceBuffer(Device device, DeviceArena arena, CachingPool pool, long address, long byteSize, long sizeClass) {
        this.device = device;
        this.arena = arena;
        this.pool = pool;
        this.address = address;
        this.byteSize = byteSize;
        this.sizeClass = sizeClass;
    }

    public Device device() {
        return device;
    }

    public long byteSize() {
        return byteSize;
    }

    public DeviceArena arena() {
        return arena;
    }

    public synchronized boolean isAlive() {
        return !closed;
    }

    /** The device address; throws if the owning arena was closed. */
    public synchronized long address() {
        checkAlive();
        return address;
    }

    private void checkAlive() {
        if (closed) {
            throw new IllegalStateException(
                    "device buffer of " + byteSize + " B from arena '" + arena.label() + "' used after the arena was closed");
        }
    }

    /** Marks the buffer in use by a queued kernel. */
    public synchronized void retain() {
        checkAlive();
        inflight++;
    }

    /**
     * Retains the buffers of every tensor a queued launch touches, all or none: if one belongs to a
     * closed arena, the ones already retained are released and the error names {@code what}.
     */
    static void retainAll(java.util.List<Tensor> tensors, String what) {
        int retained = 0;
        try {
            for (Tensor t : tensors) {
                t.buffer().retain();
                retained++;
            }
        } catch (IllegalStateException e) {
            for (int i = 0; i < retained; i++) tensors.get(i).buffer().unretain();
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    static void unretainAll(java.util.List<Tensor> tensors) {
        for (Tensor t : tensors) t.buffer().unretain();
    }

    public void unretain() {
        boolean free;
        synchronized (this) {
            inflight--;
            free = closed && inflight == 0 && !released;
            if (free) released = true;
        }
        if (free) pool.release(address, sizeClass);
    }

    void close() {
        boolean free;
        synchronized (this) {
            if (closed) return;
            closed = true;
            free = inflight == 0;
            if (free) released = true;
        }
        if (free) pool.release(address, sizeClass);
    }
}

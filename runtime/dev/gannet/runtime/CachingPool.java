// A caching allocator under the arenas (DESIGN §6): requests are rounded to size classes and
// freed blocks are kept per class for reuse, so steady-state runs make no backing allocation.
// The backing allocator is the device's (aligned malloc on cpu, cuMemAlloc on cuda).
package dev.gannet.runtime;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

public final class CachingPool {
    /** Raw device memory: allocate returns an address (0 on failure), free takes it back. */
    public interface Backing {
        long allocate(long bytes);

        void free(long address, long bytes);
    }

    private final Backing backing;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long current;
    private long peak;
    private long allocations;
    private long backingAllocations;
    private long cached;

    public CachingPool(Backing backing) {
        this.backing = backing;
    }

    /** Size classes: multiples of 256 B up to 64 KiB, then four steps per power of two. */
    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        if (b <= 65536) return (b + 255) & ~255L;
        int hi = 63 - Long.numberOfLeadingZeros(b - 1); // 2^hi < b <= 2^(hi+1)
        long step = 1L << (hi - 2);
        return ((b + step - 1) / step) * step;
    }

    /** A block of at least {@code bytes}; its size class is what {@link #release} needs back. */
    public synchronized long acquire(long bytes, long[] classOut) {
        long cls = sizeClass(bytes);
        classOut[0] = cls;
        ArrayDeque<Long> q = free.get(cls);
        long addr;
        if (q != null && !q.isEmpty()) {
            addr = q.pop();
            cached -= cls;
        } else {
            addr = backing.allocate(cls);
            if (addr == 0) {
                trimLocked();
                addr = backing.allocate(cls);
            }
            if (addr == 0) {
                throw new GannetException(ErrorCode.OUT_OF_MEMORY,
                        "could not allocate " + cls + " bytes of device memory (in use: " + current + " B)");
            }
            backingAllocations++;
        }
        allocations++;
        current += cls;
        peak = Math.max(peak, current);
        return addr;
    }

    public synchronized void release(long address, long cls) {
        current -= cls;
        free.computeIfAbsent(cls, k -> new ArrayDeque<>()).push(address);
        cached += cls;
    }

    /** Returns every cached block to the backing allocator. */
    public synchronized void trim() {
        trimLocked();
    }

    private void trimLocked() {
        for (var e : free.entrySet()) {
            for (long a : e.getValue()) backing.free(a, e.getKey());
            e.getValue().clear();
        }
        free.clear();
        cached = 0;
    }

    public synchronized PoolStats stats() {
        return new PoolStats(current, peak, allocations, backingAllocations, cached);
    }

    public synchronized void resetPeak() {
        peak = current;
    }
}

// Memory pool statistics of one device: bytes held by open arenas now and at most, how many
// allocations arenas made, how many reached the backing allocator, and what the cache holds.
package dev.gannet.runtime;

public record PoolStats(long currentBytes, long peakBytes, long allocations, long backingAllocations,
                        long cachedBytes) {
    @Override
    public String toString() {
        return String.format("current %d B, peak %d B, allocations %d (backing %d), cached %d B", currentBytes,
                peakBytes, allocations, backingAllocations, cachedBytes);
    }
}

// Lifetime-based placement of a plan's tensors in one arena region (DESIGN §6, after ggml-alloc.c):
// every block knows the first and last step that touch it; inputs are placed first, then the other
// blocks largest first, each at the lowest aligned offset where it overlaps no placed block that is
// alive at the same time. Outputs and inputs are alive to the end, so they are never reused.
package dev.gannet.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

public final class MemoryPlanner {
    /** Offsets (and the arena size) are multiples of this: cache lines on cpu, and more than CUDA's 256-byte alignment needs. */
    public static final long ALIGNMENT = 256;

    private MemoryPlanner() {}

    /**
     * A block of {@code bytes} alive from step {@code first} to step {@code last} inclusive; a block
     * written by step i and one last read by step i are both alive at i, so they never share memory
     * (in-place reuse is expressed by the compiler as one block, not by the planner).
     */
    public record Block(String name, long bytes, int first, int last, boolean pinnedFirst) {
        public Block {
            if (bytes < 0 || first > last) {
                throw new IllegalArgumentException("block " + name + ": " + bytes + " bytes alive " + first + ".." + last);
            }
        }

        boolean overlapsInTime(Block o) {
            return first <= o.last && o.first <= last;
        }
    }

    /** Offsets in the order of the blocks given; {@code planned} is the region's size, {@code naive} the sum of all blocks. */
    public record Layout(long[] offsets, long planned, long naive) {}

    public static long align(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** With {@code reuse} false every block gets a region of its own (the naive layout). */
    public static Layout plan(List<Block> blocks, boolean reuse) {
        long[] offsets = new long[blocks.size()];
        long naive = 0;
        for (Block b : blocks) naive += align(b.bytes());
        if (!reuse) {
            long at = 0;
            for (int i = 0; i < blocks.size(); i++) {
                offsets[i] = at;
                at += align(blocks.get(i).bytes());
            }
            return new Layout(offsets, at, naive);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) order.add(i);
        order.sort(Comparator.<Integer, Boolean>comparing(i -> !blocks.get(i).pinnedFirst())
                .thenComparing(i -> blocks.get(i).pinnedFirst() ? 0L : -align(blocks.get(i).bytes()))
                .thenComparing(i -> blocks.get(i).first()).thenComparing(i -> i));
        List<Integer> placed = new ArrayList<>();
        long total = 0;
        for (int i : order) {
            Block b = blocks.get(i);
            long size = align(b.bytes());
            // Placed blocks alive at the same time, by offset: take the first gap that fits.
            List<Integer> live = new ArrayList<>();
            for (int j : placed) if (blocks.get(j).overlapsInTime(b)) live.add(j);
            live.sort(Comparator.comparingLong(j -> offsets[j]));
            long at = 0;
            for (int j : live) {
                if (offsets[j] - at >= size) break;
                at = Math.max(at, offsets[j] + align(blocks.get(j).bytes()));
            }
            offsets[i] = at;
            placed.add(i);
            total = Math.max(total, at + size);
        }
        return new Layout(offsets, total, naive);
    }
}

// The memory planner alone: blocks alive at the same time never share bytes, memory is reused
// otherwise, inputs come first, offsets are aligned; checked on random lifetimes.
package dev.gannet.graph;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.graph.MemoryPlanner.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MemoryPlannerTest {
    @Test
    void aChainReusesMemory() {
        // a -> b -> c -> d: each block is alive from its writer to its reader.
        List<Block> blocks = List.of(new Block("in", 1000, -1, 4, true), new Block("a", 4096, 0, 1, false),
                new Block("b", 4096, 1, 2, false), new Block("c", 4096, 2, 3, false), new Block("out", 100, 3, 4, false));
        MemoryPlanner.Layout l = MemoryPlanner.plan(blocks, true);
        assertThat(l.offsets()[0]).isZero();
        assertThat(l.offsets()[1]).isEqualTo(l.offsets()[3]); // a is dead when c is written
        assertThat(l.offsets()[4]).isEqualTo(l.offsets()[2]); // out is written after b's last read
        assertThat(l.planned()).isEqualTo(1024 + 4096 * 2);
        assertThat(l.naive()).isEqualTo(1024 + 3 * 4096 + 256);
        assertThat(MemoryPlanner.plan(blocks, false).planned()).isEqualTo(l.naive());
    }

    @Test
    void randomLifetimesNeverOverlapWhileAlive() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            List<Block> blocks = new ArrayList<>();
            int steps = 1 + r.nextInt(40);
            int inputs = r.nextInt(3);
            for (int i = 0; i < inputs; i++) blocks.add(new Block("in" + i, r.nextInt(5000), -1, steps, true));
            int n = r.nextInt(30);
            for (int i = 0; i < n; i++) {
                int first = r.nextInt(steps);
                int last = first + r.nextInt(steps - first + 1);
                blocks.add(new Block("b" + i, r.nextInt(100_000), first, last, false));
            }
            MemoryPlanner.Layout l = MemoryPlanner.plan(blocks, true);
            long[] o = l.offsets();
            long end = 0;
            for (int i = 0; i < blocks.size(); i++) {
                Block a = blocks.get(i);
                assertThat(o[i] % MemoryPlanner.ALIGNMENT).isZero();
                end = Math.max(end, o[i] + MemoryPlanner.align(a.bytes()));
                for (int j = i + 1; j < blocks.size(); j++) {
                    Block b = blocks.get(j);
                    boolean together = a.first() <= b.last() && b.first() <= a.last();
                    boolean share = o[i] < o[j] + b.bytes() && o[j] < o[i] + a.bytes();
                    assertThat(together && share).as("trial %d: %s at %d and %s at %d", trial, a, o[i], b, o[j])
                            .isFalse();
                }
            }
            assertThat(l.planned()).isEqualTo(end).isLessThanOrEqualTo(l.naive());
            long inputEnd = 0;
            for (int i = 0; i < inputs; i++) {
                assertThat(o[i]).isEqualTo(inputEnd);
                inputEnd += MemoryPlanner.align(blocks.get(i).bytes());
            }
        }
    }
}

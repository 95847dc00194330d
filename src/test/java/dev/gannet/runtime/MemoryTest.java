// Arenas and the caching pool: closing returns memory, closing twice is harmless, use after close
// throws naming the arena, freed blocks are reused, and statistics are exact.
package dev.gannet.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryTest {
    @Test
    void sizeClassesRoundUpAndStayWithinAQuarter() {
        assertThat(CachingPool.sizeClass(1)).isEqualTo(256);
        assertThat(CachingPool.sizeClass(256)).isEqualTo(256);
        assertThat(CachingPool.sizeClass(257)).isEqualTo(512);
        assertThat(CachingPool.sizeClass(65536)).isEqualTo(65536);
        for (long b : new long[] {65537, 100_000, 1 << 20, (1 << 20) + 1, 123_456_789L}) {
            long c = CachingPool.sizeClass(b);
            assertThat(c).isGreaterThanOrEqualTo(b);
            assertThat((double) c / b).isLessThanOrEqualTo(1.25);
        }
    }

    @Test
    void closingAnArenaReturnsEverythingAndBlocksAreReused() {
        try (CpuDevice cpu = new CpuDevice()) {
            try (DeviceArena a = cpu.newArena("first")) {
                a.allocate(DType.F32, 1, 64, 64, 16);
                a.allocate(DType.F16, 2, 3, 5, 7);
                assertThat(cpu.poolStats().currentBytes()).isGreaterThan(64 * 64 * 16 * 4);
            }
            PoolStats afterFirst = cpu.poolStats();
            assertThat(afterFirst.currentBytes()).isZero();
            assertThat(afterFirst.allocations()).isEqualTo(2);
            try (DeviceArena b = cpu.newArena("second")) {
                b.allocate(DType.F32, 1, 64, 64, 16);
            }
            PoolStats afterSecond = cpu.poolStats();
            assertThat(afterSecond.backingAllocations()).as("the cached block is reused")
                    .isEqualTo(afterFirst.backingAllocations());
            assertThat(afterSecond.peakBytes()).isEqualTo(afterFirst.peakBytes());
            cpu.trimPool();
            assertThat(cpu.poolStats().cachedBytes()).isZero();
        }
    }

    @Test
    void useAfterCloseThrowsNamingTheArena() {
        try (CpuDevice cpu = new CpuDevice()) {
            DeviceArena a = cpu.newArena("weights");
            Tensor t = a.allocate(DType.F32, 1, 2, 2, 2);
            a.close();
            a.close(); // harmless
            assertThatThrownBy(t::address).isInstanceOf(IllegalStateException.class).hasMessageContaining("'weights'");
            assertThatThrownBy(t::toFloatArray).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> a.allocate(DType.F32, 1, 1, 1, 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'weights' is closed");
        }
    }

    @Test
    void closedDeviceThrows() {
        CpuDevice cpu = new CpuDevice();
        cpu.close();
        cpu.close();
        assertThatThrownBy(cpu::newArena).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void negativeAllocationIsRejected() {
        try (CpuDevice cpu = new CpuDevice(); DeviceArena a = cpu.newArena()) {
            assertThatThrownBy(() -> a.allocateBytes(-1)).isInstanceOf(GannetException.class)
                    .hasMessageContaining("negative");
        }
    }
}

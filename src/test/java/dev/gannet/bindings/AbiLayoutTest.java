// The Java mirrors of the kernel ABI must match the C structs exactly: every field offset and size
// and every struct size in GkAbi is compared with the table libgannet_cpu.so reports about itself.
package dev.gannet.bindings;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AbiLayoutTest {
    @Test
    void everyJavaLayoutMatchesTheCTable() {
        Set<String> seenStructs = new HashSet<>();
        int checked = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment table = GkCpu.abiEntries(count);
            int n = count.get(ValueLayout.JAVA_INT, 0);
            long entrySize = 32;
            table = table.reinterpret(n * entrySize);
            for (int i = 0; i < n; i++) {
                long base = i * entrySize;
                String type = table.get(ValueLayout.ADDRESS, base).reinterpret(256).getString(0);
                String field = table.get(ValueLayout.ADDRESS, base + 8).reinterpret(256).getString(0);
                long offset = table.get(ValueLayout.JAVA_LONG, base + 16);
                long size = table.get(ValueLayout.JAVA_LONG, base + 24);
                StructLayout l = GkAbi.ALL.get(type);
                assertThat(l).as("Java mirror of %s", type).isNotNull();
                if (field.isEmpty()) {
                    assertThat(l.byteSize()).as("sizeof(%s)", type).isEqualTo(size);
                    seenStructs.add(type);
                } else {
                    assertThat(l.byteOffset(MemoryLayout.PathElement.groupElement(field)))
                            .as("offsetof(%s, %s)", type, field).isEqualTo(offset);
                    assertThat(l.select(MemoryLayout.PathElement.groupElement(field)).byteSize())
                            .as("sizeof(%s.%s)", type, field).isEqualTo(size);
                }
                checked++;
            }
        }
        assertThat(seenStructs).as("structs the C library describes").containsExactlyInAnyOrderElementsOf(GkAbi.ALL.keySet());
        assertThat(checked).isGreaterThan(100);
    }

    @Test
    void abiVersionsAgree() {
        assertThat(GkCpu.abiVersion()).isEqualTo(GkAbi.ABI_VERSION);
    }
}

// The SIMT emulator's own exports beside the driver API (native/simt/): the detail of its last
// failure (which kernel, which block, what went wrong) and the thread schedule of each block.
// Looked up in the same library as the driver functions; absent ones report that they are absent.
package dev.gannet.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gannet.bindings.NativeLibraryException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

public final class GkSimt {
    /** gk_simt_schedule: the order a block's threads run in between barriers. */
    public static final int SCHEDULE_FORWARD = 0;
    public static final int SCHEDULE_REVERSE = 1;
    public static final int SCHEDULE_SHUFFLE = 2;

    private static final Linker LINKER = Linker.nativeLinker();

    private final String library;
    private final MethodHandle lastError;
    private final MethodHandle setSchedule;

    private GkSimt(String library, SymbolLookup lookup) {
        this.library = library;
        this.lastError = lookup.find("gk_simt_last_error")
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(ADDRESS))).orElse(null);
        this.setSchedule = lookup.find("gk_simt_set_schedule")
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG))).orElse(null);
    }

    public static GkSimt bind(String library, SymbolLookup lookup) {
        return new GkSimt(library, lookup);
    }

    /** {@code const char *gk_simt_last_error(void)}: the detail of the emulator's last failure, or null. */
    public String lastError() {
        if (lastError == null) return null;
        try {
            MemorySegment p = (MemorySegment) lastError.invokeExact();
            if (p.equals(MemorySegment.NULL)) return null;
            String s = p.reinterpret(Long.MAX_VALUE).getString(0);
            return s.isBlank() ? null : s;
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    /** {@code int gk_simt_set_schedule(int schedule, uint64_t seed)}: 0 on success. */
    public int setSchedule(int schedule, long seed) {
        if (setSchedule == null) throw new NativeLibraryException("gk_simt_set_schedule is not exported by " + library);
        try {
            return (int) setSchedule.invokeExact(schedule, seed);
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    public boolean hasSchedules() {
        return setSchedule != null;
    }
}

// The SIMT emulator's own exports beside the driver API (native/simt/driver.cpp): the detail of its
// last failure and of a failed stream (which kernel, block and thread, what went wrong) and the thread
// schedule of later launches.
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
    /** How far a detail string is read; they name a kernel, a block and a thread, far less than this. */
    private static final long DETAIL_BYTES = 1 << 16;

    private final String library;
    private final MethodHandle lastError;
    private final MethodHandle streamError;
    private final MethodHandle setSchedule;

    private GkSimt(String library, SymbolLookup lookup) {
        this.library = library;
        this.lastError = lookup.find("gk_simt_last_error")
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(ADDRESS))).orElse(null);
        this.streamError = lookup.find("gk_simt_stream_error")
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(ADDRESS, ADDRESS))).orElse(null);
        this.setSchedule = lookup.find("gk_simt_set_schedule")
                .map(s -> LINKER.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG))).orElse(null);
    }

    public static GkSimt bind(String library, SymbolLookup lookup) {
        return new GkSimt(library, lookup);
    }

    /**
     * {@code const char *gk_simt_last_error(void)}: the detail of the emulator's most recent error (a
     * failed launch: kernel, block, thread, what went wrong; or why a call was refused), or null when
     * there is none or the library lacks the function. The text is the calling thread's copy.
     */
    public String lastError() {
        if (lastError == null) return null;
        try {
            return text((MemorySegment) lastError.invokeExact());
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    /** {@code const char *gk_simt_stream_error(CUstream)}: a failed stream's sticky detail, or null. */
    public String streamError(MemorySegment stream) {
        if (streamError == null) return null;
        try {
            return text((MemorySegment) streamError.invokeExact(stream));
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    private static String text(MemorySegment p) {
        if (p.equals(MemorySegment.NULL)) return null;
        String s = p.reinterpret(DETAIL_BYTES).getString(0);
        return s.isEmpty() ? null : s;
    }

    /** {@code CUresult gk_simt_set_schedule(int mode, unsigned long long seed)}: the schedule of later launches. */
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

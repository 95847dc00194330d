// Optional cuDNN bindings for benchmark baselines: the handle and its stream, loaded lazily; absent
// libraries make benchmarks skip with reason(). Prototypes from cudnn_graph.h (cuDNN 9); a baseline
// that needs the convolution API binds those functions beside these.
package dev.gannet.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

public final class CuDnn {
    public static final int CUDNN_STATUS_SUCCESS = 0;

    private static final class Holder {
        static final OptionalLibrary LIB = OptionalLibrary.find("cuDNN", "libcudnn.so.9", "libcudnn.so.8");
        static final CuDnn INSTANCE = LIB.present() ? new CuDnn(LIB) : null;
    }

    private final OptionalLibrary lib;
    private final MethodHandle version, create, destroy, setStream, errorString;

    private CuDnn(OptionalLibrary lib) {
        this.lib = lib;
        version = lib.fn("cudnnGetVersion", FunctionDescriptor.of(JAVA_LONG));
        create = lib.fn("cudnnCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = lib.fn("cudnnDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = lib.fn("cudnnSetStream", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        errorString = lib.fn("cudnnGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    public static Optional<CuDnn> load() {
        return Optional.ofNullable(Holder.INSTANCE);
    }

    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(Holder.LIB.missing());
    }

    public long cudnnGetVersion() {
        try { return (long) lib.require(version, "cudnnGetVersion").invokeExact(); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    public int cudnnCreate(MemorySegment handle) {
        try { return (int) lib.require(create, "cudnnCreate").invokeExact(handle); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    public int cudnnDestroy(MemorySegment handle) {
        try { return (int) lib.require(destroy, "cudnnDestroy").invokeExact(handle); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    public int cudnnSetStream(MemorySegment handle, MemorySegment stream) {
        try { return (int) lib.require(setStream, "cudnnSetStream").invokeExact(handle, stream); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    public String cudnnGetErrorString(int status) {
        try {
            MemorySegment s = (MemorySegment) lib.require(errorString, "cudnnGetErrorString").invokeExact(status);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw OptionalLibrary.wrap(t);
        }
    }
}

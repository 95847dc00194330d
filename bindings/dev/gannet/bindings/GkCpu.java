// Downcalls into libgannet_cpu.so: housekeeping functions and one `int gk_cpu_<op>(const params*)`
// entry per op, looked up by name so a backend without an op reports it as unsupported.
package dev.gannet.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

public final class GkCpu {
    public static final String LIBRARY = "gannet_cpu";
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor OP = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final Map<String, Optional<MethodHandle>> OPS = new ConcurrentHashMap<>();

    private GkCpu() {}

    public static NativeLibraries.Loaded library() {
        return NativeLibraries.load(LIBRARY);
    }

    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        MemorySegment sym = library().lookup().find(name)
                .orElseThrow(() -> new NativeLibraryException(name + " is missing from " + library().path()));
        return LINKER.downcallHandle(sym, fd);
    }

    /** The entry point {@code gk_cpu_<op>}, or empty when this build of the library lacks it. */
    public static Optional<MethodHandle> op(String op) {
        return OPS.computeIfAbsent(op, o -> library().lookup().find("gk_cpu_" + o).map(s -> LINKER.downcallHandle(s, OP)));
    }

    /** Calls {@code gk_cpu_<op>(params)} and returns its gk_status. */
    public static int call(MethodHandle h, MemorySegment params) {
        try {
            return (int) h.invokeExact(params);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private static final class H {
        static final MethodHandle ABI_VERSION = fn("gk_cpu_abi_version", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle ABI_ENTRIES = fn("gk_cpu_abi_entries", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle FEATURES = fn("gk_cpu_features", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle ISA = fn("gk_cpu_isa", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle SET_ISA = fn("gk_cpu_set_isa", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle MAX_THREADS = fn("gk_cpu_max_threads", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle SET_THREADS = fn("gk_cpu_set_threads", FunctionDescriptor.ofVoid(JAVA_INT));
    }

    private static final class Packing {
        static final MethodHandle PACKED_BYTES = fn("gk_cpu_conv_packed_bytes",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Peak {
        static final MethodHandle FMA = fn("gk_cpu_measure_fma_gflops",
                FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_DOUBLE, JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_DOUBLE));
        static final MethodHandle TRIAD = fn("gk_cpu_measure_triad_gbps",
                FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_DOUBLE, JAVA_INT, JAVA_LONG,
                        java.lang.foreign.ValueLayout.JAVA_DOUBLE));
    }

    /** Measured FMA throughput in GFLOP/s with {@code threads} threads. */
    public static double measureFmaGflops(int threads, double seconds) {
        try { return (double) Peak.FMA.invokeExact(threads, seconds); } catch (Throwable t) { throw wrap(t); }
    }

    /** Measured triad bandwidth in GB/s over arrays of {@code bytes} in total. */
    public static double measureTriadGbps(int threads, long bytes, double seconds) {
        try { return (double) Peak.TRIAD.invokeExact(threads, bytes, seconds); } catch (Throwable t) { throw wrap(t); }
    }

    public static final int FEATURE_AVX2 = 1;
    public static final int FEATURE_FMA = 2;
    public static final int FEATURE_F16C = 4;

    public static int abiVersion() {
        try { return (int) H.ABI_VERSION.invokeExact(); } catch (Throwable t) { throw wrap(t); }
    }

    /** The raw gk_abi_entry array and its length. */
    public static MemorySegment abiEntries(MemorySegment countOut) {
        try { return (MemorySegment) H.ABI_ENTRIES.invokeExact(countOut); } catch (Throwable t) { throw wrap(t); }
    }

    public static int features() {
        try { return (int) H.FEATURES.invokeExact(); } catch (Throwable t) { throw wrap(t); }
    }

    public static int isa() {
        try { return (int) H.ISA.invokeExact(); } catch (Throwable t) { throw wrap(t); }
    }

    public static int setIsa(int isa) {
        try { return (int) H.SET_ISA.invokeExact(isa); } catch (Throwable t) { throw wrap(t); }
    }

    public static int maxThreads() {
        try { return (int) H.MAX_THREADS.invokeExact(); } catch (Throwable t) { throw wrap(t); }
    }

    public static void setThreads(int n) {
        try { H.SET_THREADS.invokeExact(n); } catch (Throwable t) { throw wrap(t); }
    }

    public static long convPackedBytes(int k, int r, int s, int c, boolean transposed) {
        try {
            return (long) Packing.PACKED_BYTES.invokeExact(k, r, s, c, transposed ? 1 : 0);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    private static RuntimeException wrap(Throwable t) {
        // A library that fails to load inside a holder's static initializer: surface its own error.
        if (t instanceof ExceptionInInitializerError e && e.getCause() instanceof RuntimeException r) return r;
        if (t instanceof RuntimeException r) return r;
        return new IllegalStateException(t);
    }
}

// One loaded driver library (libcuda.so.1, or the SIMT emulator's libgannet_simt.so) with what is
// per library rather than per device: cuInit, the context current on each thread, and the one
// function every CUresult goes through (check/error), which names the call, the op and the shapes.
package dev.gannet.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gannet.bindings.NativeLibraries;
import dev.gannet.bindings.NativeLibraryException;
import dev.gannet.bindings.cuda.CudaDriver;
import dev.gannet.bindings.cuda.GkSimt;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.HashMap;
import java.util.Map;

final class CudaLibrary {
    static final String CUDA_DRIVER = "libcuda.so.1";
    static final String SIMT_LIBRARY = "gannet_simt";

    private static final Map<String, CudaLibrary> LOADED = new HashMap<>();

    final DeviceKind kind;
    /** The file name, e.g. libcuda.so.1 or libgannet_simt.so. */
    final String file;
    /** Where it was loaded from, for `gannet info`. */
    final String origin;
    final CudaDriver cu;
    /** The emulator's own exports; null on a real driver. */
    final GkSimt simt;
    /** The device (by its unique id) whose context this library last made current on each thread. */
    private final ThreadLocal<Long> current = new ThreadLocal<>();
    private Integer initResult;

    private CudaLibrary(DeviceKind kind, String file, String origin, SymbolLookup lookup) {
        this.kind = kind;
        this.file = file;
        this.origin = origin;
        this.cu = CudaDriver.bind(file, lookup);
        this.simt = kind == DeviceKind.SIMT ? GkSimt.bind(file, lookup) : null;
    }

    /**
     * The CUDA driver library {@code soname} (normally libcuda.so.1), loaded once; DEVICE_UNAVAILABLE
     * with one sentence when the system has none.
     */
    static synchronized CudaLibrary cuda(String soname) {
        CudaLibrary lib = LOADED.get(soname);
        if (lib != null) return lib;
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(soname, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new GannetException(ErrorCode.DEVICE_UNAVAILABLE,
                    "the CUDA driver library " + soname + " was not found (no NVIDIA driver installed)");
        }
        lib = new CudaLibrary(DeviceKind.CUDA, soname, "system library", lookup);
        LOADED.put(soname, lib);
        return lib;
    }

    /** libgannet_simt.so, found like libgannet_cpu.so (NativeLibraries); NATIVE_LIBRARY when missing. */
    static synchronized CudaLibrary simt() {
        CudaLibrary lib = LOADED.get(SIMT_LIBRARY);
        if (lib != null) return lib;
        NativeLibraries.Loaded loaded;
        try {
            loaded = NativeLibraries.load(SIMT_LIBRARY);
        } catch (NativeLibraryException e) {
            throw new GannetException(ErrorCode.NATIVE_LIBRARY, "the SIMT emulator: " + e.getMessage(), e);
        }
        lib = new CudaLibrary(DeviceKind.SIMT, loaded.path().getFileName().toString(),
                loaded.path() + " (" + loaded.origin() + ")", loaded.lookup());
        LOADED.put(SIMT_LIBRARY, lib);
        return lib;
    }

    /** cuInit(0), once per library; throws (naming the device) if it failed. */
    synchronized void init(String device) {
        if (initResult == null) initResult = cu.cuInit(0);
        check(initResult, device, "cuInit", null);
    }

    /** Number of devices the driver sees (after init). */
    int deviceCount(String device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            check(cu.cuDeviceGetCount(n), device, "cuDeviceGetCount", null);
            return n.get(JAVA_INT, 0);
        }
    }

    /**
     * Makes {@code ctx} current on the calling thread unless device {@code id} did so last (CUDA
     * contexts are per thread). Keyed by device, not by context: a context released and retained
     * again may come back at the same address while threads still remember the old one.
     */
    void makeCurrent(MemorySegment ctx, long id, String device) {
        Long last = current.get();
        if (last != null && last == id) return;
        check(cu.cuCtxSetCurrent(ctx), device, "cuCtxSetCurrent", null);
        current.set(id);
    }

    /** Throws unless {@code result} is CUDA_SUCCESS: the one checked path for driver statuses. */
    void check(int result, String device, String call, String context) {
        if (result != CudaDriver.CUDA_SUCCESS) throw error(result, device, call, context, null);
    }

    /**
     * The exception for a failed call: "{device}: {call} failed ({context}): {NAME} ({code}): {text}",
     * plus, on the emulator, its own account of the failure (which kernel, block and thread, what
     * happened): the sticky detail of {@code stream} when given and failed, else its last error.
     */
    CudaException error(int result, String device, String call, String context, MemorySegment stream) {
        String name = errorText(result, true);
        StringBuilder m = new StringBuilder(device).append(": ").append(call).append(" failed");
        if (context != null && !context.isEmpty()) m.append(" (").append(context).append(')');
        m.append(": ").append(name).append(" (").append(result).append("): ").append(errorText(result, false));
        if (simt != null) {
            String detail = stream == null ? null : simt.streamError(stream);
            if (detail == null) detail = simt.lastError();
            if (detail != null) m.append("; emulator: ").append(detail);
        }
        return new CudaException(m.toString(), result, name);
    }

    private String errorText(int result, boolean name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int st = name ? cu.cuGetErrorName(result, p) : cu.cuGetErrorString(result, p);
            String s = st == CudaDriver.CUDA_SUCCESS ? CudaDriver.cString(p) : null;
            if (s != null) return s;
        } catch (NativeLibraryException e) {
            // an emulator without error strings: fall through to the number
        }
        return name ? "CUresult " + result : "no description from " + file;
    }
}

// FFM downcalls for the subset of the CUDA driver API gannet uses, jextract-style: one method per C
// function named by the exact symbol cuda.h maps the API name to (cuMemAlloc -> cuMemAlloc_v2), raw
// CUresult returns, MemorySegment for pointers. One class serves libcuda.so.1 and the SIMT emulator's
// libgannet_simt.so: symbols are looked up in the library it was opened on.
package dev.gannet.bindings.cuda;

import static dev.gannet.bindings.cuda.CType.ENUM;
import static dev.gannet.bindings.cuda.CType.INT32;
import static dev.gannet.bindings.cuda.CType.POINTER;
import static dev.gannet.bindings.cuda.CType.SIZE_T;
import static dev.gannet.bindings.cuda.CType.UINT32;
import static dev.gannet.bindings.cuda.CType.UINT64;
import static dev.gannet.bindings.cuda.CType.UINT8;

import dev.gannet.bindings.NativeLibraryException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

public final class CudaDriver {
    /**
     * One bound function: the name code calls in C ({@code api}), the symbol cuda.h maps it to and
     * that gannet looks up ({@code symbol}), and its parameter kinds. Every function returns CUresult.
     */
    public record Binding(String api, String symbol, List<CType> params, int index) {
        public FunctionDescriptor descriptor() {
            return FunctionDescriptor.of(ENUM.layout(), params.stream().map(CType::layout).toArray(MemoryLayout[]::new));
        }
    }

    private static final List<Binding> ALL = new ArrayList<>();

    private static Binding bind(String api, String symbol, CType... params) {
        Binding b = new Binding(api, symbol, List.of(params), ALL.size());
        ALL.add(b);
        return b;
    }

    private static Binding bind(String name, CType... params) {
        return bind(name, name, params);
    }

    // Initialization, version, errors
    static final Binding CU_INIT = bind("cuInit", UINT32);
    static final Binding CU_DRIVER_GET_VERSION = bind("cuDriverGetVersion", POINTER);
    static final Binding CU_GET_ERROR_NAME = bind("cuGetErrorName", ENUM, POINTER);
    static final Binding CU_GET_ERROR_STRING = bind("cuGetErrorString", ENUM, POINTER);
    // Devices and the primary context
    static final Binding CU_DEVICE_GET = bind("cuDeviceGet", POINTER, INT32);
    static final Binding CU_DEVICE_GET_COUNT = bind("cuDeviceGetCount", POINTER);
    static final Binding CU_DEVICE_GET_NAME = bind("cuDeviceGetName", POINTER, INT32, INT32);
    static final Binding CU_DEVICE_GET_ATTRIBUTE = bind("cuDeviceGetAttribute", POINTER, ENUM, INT32);
    static final Binding CU_DEVICE_TOTAL_MEM = bind("cuDeviceTotalMem", "cuDeviceTotalMem_v2", POINTER, INT32);
    static final Binding CU_DEVICE_PRIMARY_CTX_RETAIN = bind("cuDevicePrimaryCtxRetain", POINTER, INT32);
    static final Binding CU_DEVICE_PRIMARY_CTX_RELEASE =
            bind("cuDevicePrimaryCtxRelease", "cuDevicePrimaryCtxRelease_v2", INT32);
    static final Binding CU_CTX_SET_CURRENT = bind("cuCtxSetCurrent", POINTER);
    static final Binding CU_CTX_SYNCHRONIZE = bind("cuCtxSynchronize");
    // Modules and kernels
    static final Binding CU_MODULE_LOAD_DATA = bind("cuModuleLoadData", POINTER, POINTER);
    static final Binding CU_MODULE_UNLOAD = bind("cuModuleUnload", POINTER);
    static final Binding CU_MODULE_GET_FUNCTION = bind("cuModuleGetFunction", POINTER, POINTER, POINTER);
    static final Binding CU_FUNC_GET_ATTRIBUTE = bind("cuFuncGetAttribute", POINTER, ENUM, POINTER);
    static final Binding CU_FUNC_SET_ATTRIBUTE = bind("cuFuncSetAttribute", POINTER, ENUM, INT32);
    static final Binding CU_LAUNCH_KERNEL = bind("cuLaunchKernel", POINTER, UINT32, UINT32, UINT32, UINT32,
            UINT32, UINT32, UINT32, POINTER, POINTER, POINTER);
    // Memory
    static final Binding CU_MEM_ALLOC = bind("cuMemAlloc", "cuMemAlloc_v2", POINTER, SIZE_T);
    static final Binding CU_MEM_FREE = bind("cuMemFree", "cuMemFree_v2", UINT64);
    static final Binding CU_MEM_ALLOC_ASYNC = bind("cuMemAllocAsync", POINTER, SIZE_T, POINTER);
    static final Binding CU_MEM_FREE_ASYNC = bind("cuMemFreeAsync", UINT64, POINTER);
    static final Binding CU_MEM_ALLOC_HOST = bind("cuMemAllocHost", "cuMemAllocHost_v2", POINTER, SIZE_T);
    static final Binding CU_MEM_FREE_HOST = bind("cuMemFreeHost", POINTER);
    static final Binding CU_MEMCPY_HTOD = bind("cuMemcpyHtoD", "cuMemcpyHtoD_v2", UINT64, POINTER, SIZE_T);
    static final Binding CU_MEMCPY_DTOH = bind("cuMemcpyDtoH", "cuMemcpyDtoH_v2", POINTER, UINT64, SIZE_T);
    static final Binding CU_MEMCPY_HTOD_ASYNC =
            bind("cuMemcpyHtoDAsync", "cuMemcpyHtoDAsync_v2", UINT64, POINTER, SIZE_T, POINTER);
    static final Binding CU_MEMCPY_DTOH_ASYNC =
            bind("cuMemcpyDtoHAsync", "cuMemcpyDtoHAsync_v2", POINTER, UINT64, SIZE_T, POINTER);
    static final Binding CU_MEMCPY_DTOD_ASYNC =
            bind("cuMemcpyDtoDAsync", "cuMemcpyDtoDAsync_v2", UINT64, UINT64, SIZE_T, POINTER);
    static final Binding CU_MEMSET_D8_ASYNC = bind("cuMemsetD8Async", UINT64, UINT8, SIZE_T, POINTER);
    static final Binding CU_MEMSET_D32_ASYNC = bind("cuMemsetD32Async", UINT64, UINT32, SIZE_T, POINTER);
    static final Binding CU_MEM_GET_INFO = bind("cuMemGetInfo", "cuMemGetInfo_v2", POINTER, POINTER);
    // Streams and events
    static final Binding CU_STREAM_CREATE = bind("cuStreamCreate", POINTER, UINT32);
    static final Binding CU_STREAM_DESTROY = bind("cuStreamDestroy", "cuStreamDestroy_v2", POINTER);
    static final Binding CU_STREAM_SYNCHRONIZE = bind("cuStreamSynchronize", POINTER);
    static final Binding CU_STREAM_QUERY = bind("cuStreamQuery", POINTER);
    static final Binding CU_STREAM_WAIT_EVENT = bind("cuStreamWaitEvent", POINTER, POINTER, UINT32);
    static final Binding CU_EVENT_CREATE = bind("cuEventCreate", POINTER, UINT32);
    static final Binding CU_EVENT_DESTROY = bind("cuEventDestroy", "cuEventDestroy_v2", POINTER);
    static final Binding CU_EVENT_RECORD = bind("cuEventRecord", POINTER, POINTER);
    static final Binding CU_EVENT_SYNCHRONIZE = bind("cuEventSynchronize", POINTER);
    static final Binding CU_EVENT_QUERY = bind("cuEventQuery", POINTER);
    static final Binding CU_EVENT_ELAPSED_TIME =
            bind("cuEventElapsedTime", "cuEventElapsedTime_v2", POINTER, POINTER, POINTER);
    // Stream capture and graphs
    static final Binding CU_STREAM_BEGIN_CAPTURE =
            bind("cuStreamBeginCapture", "cuStreamBeginCapture_v2", POINTER, ENUM);
    static final Binding CU_STREAM_END_CAPTURE = bind("cuStreamEndCapture", POINTER, POINTER);
    static final Binding CU_GRAPH_INSTANTIATE =
            bind("cuGraphInstantiate", "cuGraphInstantiateWithFlags", POINTER, POINTER, UINT64);
    static final Binding CU_GRAPH_LAUNCH = bind("cuGraphLaunch", POINTER, POINTER);
    static final Binding CU_GRAPH_EXEC_DESTROY = bind("cuGraphExecDestroy", POINTER);
    static final Binding CU_GRAPH_DESTROY = bind("cuGraphDestroy", POINTER);

    /** Every bound function, for the cuda.h test and for reporting what a library lacks. */
    public static final List<Binding> BINDINGS = List.copyOf(ALL);

    // CUresult values gannet tests for (the rest are named through cuGetErrorName).
    public static final int CUDA_SUCCESS = 0;
    public static final int CUDA_ERROR_INVALID_VALUE = 1;
    public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    public static final int CUDA_ERROR_NOT_INITIALIZED = 3;
    public static final int CUDA_ERROR_DEINITIALIZED = 4;
    public static final int CUDA_ERROR_NO_DEVICE = 100;
    public static final int CUDA_ERROR_INVALID_DEVICE = 101;
    public static final int CUDA_ERROR_INVALID_IMAGE = 200;
    public static final int CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
    public static final int CUDA_ERROR_NOT_FOUND = 500;
    public static final int CUDA_ERROR_NOT_READY = 600;
    public static final int CUDA_ERROR_ILLEGAL_ADDRESS = 700;
    public static final int CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701;
    public static final int CUDA_ERROR_LAUNCH_FAILED = 719;
    public static final int CUDA_ERROR_NOT_SUPPORTED = 801;
    public static final int CUDA_ERROR_STUB_LIBRARY = 34;
    public static final int CUDA_ERROR_UNKNOWN = 999;

    // CUdevice_attribute
    public static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    public static final int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81;
    public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    // CUfunction_attribute
    public static final int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
    public static final int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
    public static final int CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3;
    public static final int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
    public static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    // Flags and modes
    public static final int CU_STREAM_DEFAULT = 0;
    public static final int CU_STREAM_NON_BLOCKING = 1;
    public static final int CU_EVENT_DEFAULT = 0;
    public static final int CU_EVENT_DISABLE_TIMING = 2;
    public static final int CU_STREAM_CAPTURE_MODE_GLOBAL = 0;
    public static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    public static final int CU_STREAM_CAPTURE_MODE_RELAXED = 2;

    /** Every constant above by its C name, for the cuda.h test. */
    public static java.util.Map<String, Integer> constants() {
        java.util.Map<String, Integer> m = new java.util.TreeMap<>();
        for (var f : CudaDriver.class.getFields()) {
            if (f.getType() == int.class && (f.getName().startsWith("CU"))) {
                try {
                    m.put(f.getName(), f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return m;
    }

    private static final Linker LINKER = Linker.nativeLinker();

    private final String library;
    private final MethodHandle[] handles = new MethodHandle[BINDINGS.size()];
    private final List<String> missing = new ArrayList<>();

    private CudaDriver(String library, SymbolLookup lookup) {
        this.library = library;
        for (Binding b : BINDINGS) {
            var sym = lookup.find(b.symbol());
            if (sym.isPresent()) {
                handles[b.index()] = LINKER.downcallHandle(sym.get(), b.descriptor());
            } else {
                missing.add(b.symbol());
            }
        }
    }

    /** Binds every function found in {@code lookup}; {@code library} names it in messages. */
    public static CudaDriver bind(String library, SymbolLookup lookup) {
        return new CudaDriver(library, lookup);
    }

    /** The library the functions come from, e.g. "libcuda.so.1". */
    public String library() {
        return library;
    }

    /** Bound symbols the library does not export (calling one throws NativeLibraryException). */
    public List<String> missing() {
        return List.copyOf(missing);
    }

    private MethodHandle h(Binding b) {
        MethodHandle m = handles[b.index()];
        if (m == null) throw new NativeLibraryException(b.symbol() + " is not exported by " + library);
        return m;
    }

    private static RuntimeException wrap(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Reads the C string a {@code const char **} out-parameter points to. */
    public static String cString(MemorySegment ptrToPtr) {
        MemorySegment p = ptrToPtr.get(ValueLayout.ADDRESS, 0);
        return p.equals(MemorySegment.NULL) ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    public int cuInit(int flags) {
        try { return (int) h(CU_INIT).invokeExact(flags); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDriverGetVersion(MemorySegment version) {
        try { return (int) h(CU_DRIVER_GET_VERSION).invokeExact(version); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuGetErrorName(int error, MemorySegment pStr) {
        try { return (int) h(CU_GET_ERROR_NAME).invokeExact(error, pStr); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuGetErrorString(int error, MemorySegment pStr) {
        try { return (int) h(CU_GET_ERROR_STRING).invokeExact(error, pStr); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDeviceGet(MemorySegment device, int ordinal) {
        try { return (int) h(CU_DEVICE_GET).invokeExact(device, ordinal); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDeviceGetCount(MemorySegment count) {
        try { return (int) h(CU_DEVICE_GET_COUNT).invokeExact(count); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDeviceGetName(MemorySegment name, int len, int dev) {
        try { return (int) h(CU_DEVICE_GET_NAME).invokeExact(name, len, dev); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDeviceGetAttribute(MemorySegment pi, int attrib, int dev) {
        try { return (int) h(CU_DEVICE_GET_ATTRIBUTE).invokeExact(pi, attrib, dev); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDeviceTotalMem_v2(MemorySegment bytes, int dev) {
        try { return (int) h(CU_DEVICE_TOTAL_MEM).invokeExact(bytes, dev); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDevicePrimaryCtxRetain(MemorySegment pctx, int dev) {
        try { return (int) h(CU_DEVICE_PRIMARY_CTX_RETAIN).invokeExact(pctx, dev); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuDevicePrimaryCtxRelease_v2(int dev) {
        try { return (int) h(CU_DEVICE_PRIMARY_CTX_RELEASE).invokeExact(dev); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuCtxSetCurrent(MemorySegment ctx) {
        try { return (int) h(CU_CTX_SET_CURRENT).invokeExact(ctx); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuCtxSynchronize() {
        try { return (int) h(CU_CTX_SYNCHRONIZE).invokeExact(); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuModuleLoadData(MemorySegment module, MemorySegment image) {
        try { return (int) h(CU_MODULE_LOAD_DATA).invokeExact(module, image); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuModuleUnload(MemorySegment hmod) {
        try { return (int) h(CU_MODULE_UNLOAD).invokeExact(hmod); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuModuleGetFunction(MemorySegment hfunc, MemorySegment hmod, MemorySegment name) {
        try { return (int) h(CU_MODULE_GET_FUNCTION).invokeExact(hfunc, hmod, name); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuFuncGetAttribute(MemorySegment pi, int attrib, MemorySegment hfunc) {
        try { return (int) h(CU_FUNC_GET_ATTRIBUTE).invokeExact(pi, attrib, hfunc); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuFuncSetAttribute(MemorySegment hfunc, int attrib, int value) {
        try { return (int) h(CU_FUNC_SET_ATTRIBUTE).invokeExact(hfunc, attrib, value); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuLaunchKernel(MemorySegment f, int gridDimX, int gridDimY, int gridDimZ, int blockDimX, int blockDimY,
                              int blockDimZ, int sharedMemBytes, MemorySegment hStream, MemorySegment kernelParams,
                              MemorySegment extra) {
        try {
            return (int) h(CU_LAUNCH_KERNEL).invokeExact(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                    blockDimZ, sharedMemBytes, hStream, kernelParams, extra);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    public int cuMemAlloc_v2(MemorySegment dptr, long bytesize) {
        try { return (int) h(CU_MEM_ALLOC).invokeExact(dptr, bytesize); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemFree_v2(long dptr) {
        try { return (int) h(CU_MEM_FREE).invokeExact(dptr); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemAllocAsync(MemorySegment dptr, long bytesize, MemorySegment hStream) {
        try { return (int) h(CU_MEM_ALLOC_ASYNC).invokeExact(dptr, bytesize, hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemFreeAsync(long dptr, MemorySegment hStream) {
        try { return (int) h(CU_MEM_FREE_ASYNC).invokeExact(dptr, hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemAllocHost_v2(MemorySegment pp, long bytesize) {
        try { return (int) h(CU_MEM_ALLOC_HOST).invokeExact(pp, bytesize); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemFreeHost(MemorySegment p) {
        try { return (int) h(CU_MEM_FREE_HOST).invokeExact(p); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemcpyHtoD_v2(long dstDevice, MemorySegment srcHost, long byteCount) {
        try { return (int) h(CU_MEMCPY_HTOD).invokeExact(dstDevice, srcHost, byteCount); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemcpyDtoH_v2(MemorySegment dstHost, long srcDevice, long byteCount) {
        try { return (int) h(CU_MEMCPY_DTOH).invokeExact(dstHost, srcDevice, byteCount); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemcpyHtoDAsync_v2(long dstDevice, MemorySegment srcHost, long byteCount, MemorySegment hStream) {
        try {
            return (int) h(CU_MEMCPY_HTOD_ASYNC).invokeExact(dstDevice, srcHost, byteCount, hStream);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    public int cuMemcpyDtoHAsync_v2(MemorySegment dstHost, long srcDevice, long byteCount, MemorySegment hStream) {
        try {
            return (int) h(CU_MEMCPY_DTOH_ASYNC).invokeExact(dstHost, srcDevice, byteCount, hStream);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    public int cuMemcpyDtoDAsync_v2(long dstDevice, long srcDevice, long byteCount, MemorySegment hStream) {
        try {
            return (int) h(CU_MEMCPY_DTOD_ASYNC).invokeExact(dstDevice, srcDevice, byteCount, hStream);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    public int cuMemsetD8Async(long dstDevice, byte uc, long n, MemorySegment hStream) {
        try { return (int) h(CU_MEMSET_D8_ASYNC).invokeExact(dstDevice, uc, n, hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemsetD32Async(long dstDevice, int ui, long n, MemorySegment hStream) {
        try { return (int) h(CU_MEMSET_D32_ASYNC).invokeExact(dstDevice, ui, n, hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuMemGetInfo_v2(MemorySegment free, MemorySegment total) {
        try { return (int) h(CU_MEM_GET_INFO).invokeExact(free, total); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuStreamCreate(MemorySegment phStream, int flags) {
        try { return (int) h(CU_STREAM_CREATE).invokeExact(phStream, flags); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuStreamDestroy_v2(MemorySegment hStream) {
        try { return (int) h(CU_STREAM_DESTROY).invokeExact(hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuStreamSynchronize(MemorySegment hStream) {
        try { return (int) h(CU_STREAM_SYNCHRONIZE).invokeExact(hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuStreamQuery(MemorySegment hStream) {
        try { return (int) h(CU_STREAM_QUERY).invokeExact(hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuStreamWaitEvent(MemorySegment hStream, MemorySegment hEvent, int flags) {
        try { return (int) h(CU_STREAM_WAIT_EVENT).invokeExact(hStream, hEvent, flags); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuEventCreate(MemorySegment phEvent, int flags) {
        try { return (int) h(CU_EVENT_CREATE).invokeExact(phEvent, flags); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuEventDestroy_v2(MemorySegment hEvent) {
        try { return (int) h(CU_EVENT_DESTROY).invokeExact(hEvent); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuEventRecord(MemorySegment hEvent, MemorySegment hStream) {
        try { return (int) h(CU_EVENT_RECORD).invokeExact(hEvent, hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuEventSynchronize(MemorySegment hEvent) {
        try { return (int) h(CU_EVENT_SYNCHRONIZE).invokeExact(hEvent); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuEventQuery(MemorySegment hEvent) {
        try { return (int) h(CU_EVENT_QUERY).invokeExact(hEvent); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuEventElapsedTime_v2(MemorySegment pMilliseconds, MemorySegment hStart, MemorySegment hEnd) {
        try {
            return (int) h(CU_EVENT_ELAPSED_TIME).invokeExact(pMilliseconds, hStart, hEnd);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    public int cuStreamBeginCapture_v2(MemorySegment hStream, int mode) {
        try { return (int) h(CU_STREAM_BEGIN_CAPTURE).invokeExact(hStream, mode); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuStreamEndCapture(MemorySegment hStream, MemorySegment phGraph) {
        try { return (int) h(CU_STREAM_END_CAPTURE).invokeExact(hStream, phGraph); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuGraphInstantiateWithFlags(MemorySegment phGraphExec, MemorySegment hGraph, long flags) {
        try {
            return (int) h(CU_GRAPH_INSTANTIATE).invokeExact(phGraphExec, hGraph, flags);
        } catch (Throwable t) {
            throw wrap(t);
        }
    }

    public int cuGraphLaunch(MemorySegment hGraphExec, MemorySegment hStream) {
        try { return (int) h(CU_GRAPH_LAUNCH).invokeExact(hGraphExec, hStream); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuGraphExecDestroy(MemorySegment hGraphExec) {
        try { return (int) h(CU_GRAPH_EXEC_DESTROY).invokeExact(hGraphExec); } catch (Throwable t) { throw wrap(t); }
    }

    public int cuGraphDestroy(MemorySegment hGraph) {
        try { return (int) h(CU_GRAPH_DESTROY).invokeExact(hGraph); } catch (Throwable t) { throw wrap(t); }
    }
}

// The cuda device (DESIGN §5) over the CUDA driver API, and the simt device: the same code bound to
// the SIMT emulator's libgannet_simt.so. It loads the kernels fatbin as a module, finds each op's
// kernels through its CUDA face (dev.gannet.ops.cuda.<Op>Cuda), owns a caching pool of device memory,
// pinned staging buffers for host copies, streams, events and graphs.
package dev.gannet.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gannet.bindings.NativeLibraries;
import dev.gannet.bindings.cuda.CudaDriver;
import dev.gannet.ops.cuda.ConvPackCuda;
import dev.gannet.ops.cuda.CudaLaunchSpec;
import dev.gannet.ops.cuda.CudaOp;
import dev.gannet.ops.cuda.CudaOps;
import dev.gannet.ops.cuda.CudaProps;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

public final class CudaDevice implements Device {
    /** The kernels of every op, built by nvcc from kernels/gannet.cu (see native/ and kernels/README.md). */
    public static final String FATBIN = "kernels.fatbin";
    /** Dynamic shared memory a kernel may use without opting in (cuFuncSetAttribute). */
    static final int DEFAULT_DYNAMIC_SHARED = 48 * 1024;
    private static final int STAGING_CHUNK = 8 << 20;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong IDS = new AtomicLong();

    /** Unique per opened device: what CudaLibrary remembers as current on a thread. */
    private final long id = IDS.incrementAndGet();
    private final CudaLibrary lib;
    private final CudaDriver cu;
    private final String name;
    private final int ordinal;
    private final int cuDevice;
    private final MemorySegment ctx;
    private final Arena arena = Arena.ofShared(); // module image, long-lived small structs
    private final MemorySegment module;
    private final String moduleOrigin;
    private final CudaProps props;
    private final long totalMemory;
    private final int driverVersion;
    private final Map<String, Optional<MemorySegment>> functions = new ConcurrentHashMap<>();
    private final Map<String, Integer> dynamicSharedSet = new ConcurrentHashMap<>();
    private final CachingPool pool;
    private final List<CudaStream> streams = new ArrayList<>();
    private final Set<EventHandle> events = new HashSet<>();
    private final Set<CudaGraph> graphs = new HashSet<>();
    private final AtomicLong launches = new AtomicLong();
    private final CudaStream defaultStream;
    private final Object stagingLock = new Object();
    private MemorySegment staging = MemorySegment.NULL;
    private MemorySegment transfer; // guarded by stagingLock
    private SimtSchedule schedule = SimtSchedule.FORWARD;
    private volatile boolean closed;
    private boolean primaryRetained;

    /** Opens cuda:{@code ordinal} through the system's CUDA driver (libcuda.so.1). */
    public static CudaDevice openCuda(int ordinal) {
        return openCuda(CudaLibrary.CUDA_DRIVER, ordinal);
    }

    /**
     * Opens cuda:{@code ordinal} through {@code driverLibrary}; tests name a library that does not
     * exist to see the sentence a machine without a driver gives.
     */
    public static CudaDevice openCuda(String driverLibrary, int ordinal) {
        String name = "cuda:" + ordinal;
        CudaLibrary lib;
        try {
            lib = CudaLibrary.cuda(driverLibrary);
        } catch (GannetException e) {
            throw new GannetException(e.code(), "device cuda: " + e.detail(), e);
        }
        NativeLibraries.Resource image = NativeLibraries.resource(FATBIN).orElseThrow(() -> new GannetException(
                ErrorCode.DEVICE_UNAVAILABLE, "device cuda: this build of gannet has no CUDA kernels ("
                        + FATBIN + " is missing: nvcc was not found when it was built)"));
        return new CudaDevice(lib, name, ordinal, image.bytes(), FATBIN + ": " + image.origin());
    }

    /** Opens the SIMT emulator: the same device code over libgannet_simt.so, kernels run on the CPU. */
    public static CudaDevice openSimt() {
        CudaLibrary lib;
        try {
            lib = CudaLibrary.simt();
        } catch (GannetException e) {
            throw new GannetException(e.code(), "device simt: " + e.detail(), e);
        }
        // The emulator finds kernels by name in its own table, so any image loads; the fatbin is used
        // when the build has one, to take the very path a GPU takes.
        var image = NativeLibraries.resource(FATBIN);
        byte[] bytes = image.map(NativeLibraries.Resource::bytes)
                .orElse("gannet: no fatbin in this build\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String origin = lib.file + (image.isPresent() ? " (module image " + FATBIN + ": " + image.get().origin() + ")"
                : " (no " + FATBIN + " in this build)");
        return new CudaDevice(lib, "simt", 0, bytes, origin);
    }

    /**
     * Why cuda:0 cannot be opened on this machine, or empty when a driver and a GPU answer (cuInit
     * succeeds and cuDeviceGetCount is positive) and this build has kernels.
     */
    public static Optional<String> cudaUnavailableReason(String driverLibrary) {
        try {
            CudaLibrary lib = CudaLibrary.cuda(driverLibrary);
            lib.init("cuda");
            int n = lib.deviceCount("cuda");
            if (n <= 0) return Optional.of("the CUDA driver reports no GPU (cuDeviceGetCount = " + n + ")");
            if (NativeLibraries.resource(FATBIN).isEmpty()) {
                return Optional.of("this build of gannet has no CUDA kernels (" + FATBIN
                        + " is missing: nvcc was not found when it was built)");
            }
            return Optional.empty();
        } catch (GannetException e) {
            return Optional.of(e.detail());
        }
    }

    private CudaDevice(CudaLibrary lib, String name, int ordinal, byte[] image, String imageOrigin) {
        this.lib = lib;
        this.cu = lib.cu;
        this.name = name;
        this.ordinal = ordinal;
        List<String> missing = lib.cu.missing();
        if (!missing.isEmpty()) {
            throw new GannetException(lib.kind == DeviceKind.SIMT ? ErrorCode.NATIVE_LIBRARY : ErrorCode.DEVICE_UNAVAILABLE,
                    "device " + name + ": " + lib.file + " does not export " + String.join(", ", missing));
        }
        try {
            lib.init(name);
            int count = lib.deviceCount(name);
            if (ordinal < 0 || ordinal >= count) {
                throw new GannetException(ErrorCode.DEVICE_UNAVAILABLE, "device " + name + ": the driver sees "
                        + count + (count == 1 ? " GPU" : " GPUs") + (count == 0 ? "" : " (ordinals 0.." + (count - 1) + ")"));
            }
            MemorySegment out = arena.allocate(JAVA_LONG);
            check(cu.cuDeviceGet(out, ordinal), "cuDeviceGet", null);
            cuDevice = out.get(JAVA_INT, 0);
            check(cu.cuDevicePrimaryCtxRetain(out, cuDevice), "cuDevicePrimaryCtxRetain", null);
            primaryRetained = true;
            ctx = out.get(ADDRESS, 0);
            current();
            props = readProps();
            check(cu.cuDeviceTotalMem_v2(out, cuDevice), "cuDeviceTotalMem_v2", null);
            totalMemory = out.get(JAVA_LONG, 0);
            check(cu.cuDriverGetVersion(out), "cuDriverGetVersion", null);
            driverVersion = out.get(JAVA_INT, 0);
            MemorySegment img = arena.allocate(image.length + 1L, 16); // zero-terminated, as PTX text needs
            MemorySegment.copy(image, 0, img, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, image.length);
            check(cu.cuModuleLoadData(out, img), "cuModuleLoadData", imageOrigin);
            module = out.get(ADDRESS, 0);
            moduleOrigin = imageOrigin;
            pool = new CachingPool(new Backing());
            defaultStream = new CudaStream(this, "default");
            streams.add(defaultStream);
        } catch (RuntimeException e) {
            try {
                releaseContext();
            } catch (RuntimeException r) {
                e.addSuppressed(r);
            }
            arena.close();
            throw e;
        }
    }

    private CudaProps readProps() {
        MemorySegment buf = arena.allocate(256);
        check(cu.cuDeviceGetName(buf, 256, cuDevice), "cuDeviceGetName", null);
        String gpu = buf.getString(0);
        return new CudaProps(gpu, attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR),
                attribute(CudaDriver.CU_DEVICE_ATTRIBUTE_WARP_SIZE), lib.kind == DeviceKind.SIMT);
    }

    private int attribute(int attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(cu.cuDeviceGetAttribute(v, attr, cuDevice), "cuDeviceGetAttribute", "attribute " + attr);
            return v.get(JAVA_INT, 0);
        }
    }

    // ---- the one error path ------------------------------------------------------------------

    /** Throws a CudaException naming this device, the call and {@code context} (op and shapes) unless success. */
    void check(int result, String call, String context) {
        lib.check(result, name, call, context);
    }

    /** The exception for a failed call on {@code stream} (its own failure detail on the emulator). */
    CudaException error(int result, String call, String context, MemorySegment stream) {
        return lib.error(result, name, call, context, stream);
    }

    /** Makes this device's context current on the calling thread. */
    void current() {
        lib.makeCurrent(ctx, id, name);
    }

    CudaDriver driver() {
        return cu;
    }

    void checkOpen() {
        if (closed) throw new IllegalStateException("device " + name + " is closed");
    }

    // ---- what it is --------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceKind kind() {
        return lib.kind;
    }

    @Override
    public String description() {
        String limits = "sm_" + props.cc() + ", " + props.smCount() + " SMs, "
                + String.format("%.1f GiB", totalMemory / (double) (1L << 30));
        if (lib.kind == DeviceKind.SIMT) {
            return lib.file + " runs the CUDA kernels on the CPU as \"" + props.name() + "\" (" + limits
                    + "), thread schedule " + schedule;
        }
        return props.name() + " (" + limits + "), driver " + driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /** Compute capability, limits and the GPU name, read once when the device opened. */
    public CudaProps props() {
        return props;
    }

    /** Where the driver library and the module image came from, for `gannet info`. */
    public String origin() {
        return lib.origin + "; module " + moduleOrigin;
    }

    /** How many kernels were launched (tests check that invalid calls never reach the device). */
    public long launchCount() {
        return launches.get();
    }

    /** Free and total device memory according to the driver (cuMemGetInfo). */
    public long[] memoryInfo() {
        checkOpen();
        current();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG), total = a.allocate(JAVA_LONG);
            check(cu.cuMemGetInfo_v2(free, total), "cuMemGetInfo_v2", null);
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    // ---- SIMT schedules ----------------------------------------------------------------------

    /** The emulator's thread schedule for the following launches (simt only); waits for queued work first. */
    public void setSimtSchedule(SimtSchedule s) {
        checkOpen();
        if (lib.simt == null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "device " + name + " is a GPU: thread schedules "
                    + "are a feature of the SIMT emulator (device simt)");
        }
        if (!lib.simt.hasSchedules()) {
            throw new GannetException(ErrorCode.UNSUPPORTED, "device simt: " + lib.file
                    + " does not export gk_simt_set_schedule, so it cannot vary thread schedules");
        }
        synchronize();
        int st = lib.simt.setSchedule(s.mode(), s.seed());
        if (st != 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "device simt: gk_simt_set_schedule(" + s
                    + ") returned " + st);
        }
        schedule = s;
    }

    public SimtSchedule simtSchedule() {
        return schedule;
    }

    // ---- kernels -----------------------------------------------------------------------------

    /** The kernel {@code kernel} of the loaded module, or empty when the module lacks it. */
    Optional<MemorySegment> function(String kernel) {
        return functions.computeIfAbsent(kernel, k -> {
            current();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                int st = cu.cuModuleGetFunction(out, module, a.allocateFrom(k));
                if (st == CudaDriver.CUDA_ERROR_NOT_FOUND) return Optional.empty();
                check(st, "cuModuleGetFunction", k);
                return Optional.of(out.get(ADDRESS, 0));
            }
        });
    }

    /** Whether the loaded module has {@code kernel}. */
    public boolean hasKernel(String kernel) {
        checkOpen();
        return function(kernel).isPresent();
    }

    /** A kernel's attribute (registers, local bytes, ...) as the driver reports it. */
    public int kernelAttribute(String kernel, int attribute) {
        checkOpen();
        MemorySegment f = function(kernel).orElseThrow(() -> missingKernel(kernel, "kernel attribute"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(cu.cuFuncGetAttribute(v, attribute, f), "cuFuncGetAttribute", kernel + " attribute " + attribute);
            return v.get(JAVA_INT, 0);
        }
    }

    private GannetException missingKernel(String kernel, String context) {
        return new GannetException(ErrorCode.UNSUPPORTED,
                context + ": kernel " + kernel + " is not in the loaded module (" + moduleOrigin + ")");
    }

    @Override
    public Support supports(String op, DType dtype, String variant) {
        Support declared = Ops.declared(op, dtype, variant);
        if (!declared.supported()) return declared;
        Optional<CudaOp> face = CudaOps.find(op);
        if (face.isEmpty()) return Support.no("no CUDA face: " + CudaOps.className(op) + " does not exist yet");
        List<String> kernels = face.get().kernels(dtype, variant);
        if (kernels.isEmpty()) return Support.no(face.get().unsupportedReason(dtype, variant));
        for (String k : kernels) {
            if (!hasKernel(k)) return Support.no("kernel " + k + " is not in the loaded module (" + moduleOrigin + ")");
        }
        return Support.YES;
    }

    @Override
    public void launch(Stream stream, KernelLaunch launch) {
        checkOpen();
        CudaStream cs = own(stream, launch.description());
        CudaOp face = CudaOps.find(launch.op()).orElseThrow(() -> new GannetException(ErrorCode.UNSUPPORTED,
                launch.description() + ": no CUDA face (" + CudaOps.className(launch.op()) + " does not exist yet)"));
        cs.submit(launch.description(), launch.tensors(), scratch -> face.plan(launch, props, scratch));
    }

    /**
     * Launches one kernel of the module by name with a prepared params struct: the path op launches
     * take after planning, open to tests and tools that run a kernel directly. {@code tensors} are
     * retained until the stream has passed the kernel.
     */
    public void launchKernel(Stream stream, CudaLaunchSpec spec, List<Tensor> tensors, String description) {
        checkOpen();
        own(stream, description).submit(description, List.copyOf(tensors), scratch -> List.of(spec));
    }

    /** One cuLaunchKernel for a planned spec on {@code stream}; {@code keep} receives what must outlive it. */
    void launchSpec(CudaStream stream, CudaLaunchSpec spec, String description, List<Object> keep) {
        MemorySegment f = function(spec.kernel()).orElseThrow(() -> missingKernel(spec.kernel(), description));
        String where = description + ": " + spec.kernel() + " grid " + dims(spec.grid()) + " block "
                + dims(spec.block()) + " shared " + spec.sharedBytes() + " B";
        if (spec.sharedBytes() > DEFAULT_DYNAMIC_SHARED) optInShared(f, spec, where);
        MemorySegment args = Arena.ofAuto().allocate(ADDRESS);
        args.set(ADDRESS, 0, spec.params().segment());
        keep.add(args);
        keep.add(spec.params());
        var g = spec.grid();
        var b = spec.block();
        check(cu.cuLaunchKernel(f, g.x(), g.y(), g.z(), b.x(), b.y(), b.z(), spec.sharedBytes(), stream.handle(), args,
                MemorySegment.NULL), "cuLaunchKernel", where);
        launches.incrementAndGet();
    }

    private void optInShared(MemorySegment f, CudaLaunchSpec spec, String where) {
        if (spec.sharedBytes() > props.sharedPerBlockOptin()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, where + ": needs " + spec.sharedBytes()
                    + " B of shared memory but " + props.name() + " allows " + props.sharedPerBlockOptin() + " B per block");
        }
        Integer set = dynamicSharedSet.get(spec.kernel());
        if (set != null && set >= spec.sharedBytes()) return;
        check(cu.cuFuncSetAttribute(f, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, spec.sharedBytes()),
                "cuFuncSetAttribute", where + ", max dynamic shared memory");
        dynamicSharedSet.merge(spec.kernel(), spec.sharedBytes(), Math::max);
    }

    private static String dims(CudaLaunchSpec.Dim3 d) {
        return "(" + d.x() + "," + d.y() + "," + d.z() + ")";
    }

    /** Stream-ordered scratch for one plan (CudaScratch), 256-byte aligned. */
    long allocAsync(long bytes, CudaStream stream, String description) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check(cu.cuMemAllocAsync(out, Math.max(bytes, 1), stream.handle()), "cuMemAllocAsync",
                    description + ": scratch of " + bytes + " B");
            long p = out.get(JAVA_LONG, 0);
            if ((p & 255) != 0) {
                throw new GannetException(ErrorCode.INTERNAL, name + ": cuMemAllocAsync returned " + Long.toHexString(p)
                        + ", which is not 256-byte aligned as kernels' scratch must be");
            }
            return p;
        }
    }

    void freeAsync(long address, CudaStream stream, String description) {
        check(cu.cuMemFreeAsync(address, stream.handle()), "cuMemFreeAsync", description + ": scratch");
    }

    // ---- streams, events, graphs -------------------------------------------------------------

    CudaStream own(Stream stream, String what) {
        if (stream instanceof CudaStream cs && cs.device() == this) return cs;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, what + ": the stream belongs to "
                + (stream == null ? "nothing (null)" : stream.device().name()) + ", not " + name);
    }

    @Override
    public Stream defaultStream() {
        checkOpen();
        return defaultStream;
    }

    @Override
    public synchronized Stream newStream() {
        checkOpen();
        CudaStream s = new CudaStream(this, "stream-" + streams.size());
        streams.add(s);
        return s;
    }

    synchronized void forget(CudaStream s) {
        streams.remove(s);
    }

    /** A driver event, destroyed by close, by the cleaner when unreachable, or with the device. */
    final class EventHandle implements Runnable {
        final MemorySegment event;
        private boolean destroyed;

        EventHandle(MemorySegment event) {
            this.event = event;
        }

        boolean isDestroyed() {
            synchronized (CudaDevice.this) {
                return destroyed || closed;
            }
        }

        @Override
        public void run() {
            synchronized (CudaDevice.this) {
                if (destroyed) return;
                destroyed = true;
                events.remove(this);
                if (closed) return; // the context and its events are gone
            }
            current();
            check(cu.cuEventDestroy_v2(event), "cuEventDestroy_v2", null);
        }
    }

    /** Creates an event; {@code timing} false makes the cheap kind used to track completion. */
    MemorySegment createEvent(boolean timing) {
        current();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(cu.cuEventCreate(out, timing ? CudaDriver.CU_EVENT_DEFAULT : CudaDriver.CU_EVENT_DISABLE_TIMING),
                    "cuEventCreate", null);
            return out.get(ADDRESS, 0);
        }
    }

    /** A timing event owned by {@code owner}: destroyed when owner closes or becomes unreachable. */
    synchronized EventHandle registerEvent(Object owner, MemorySegment event) {
        EventHandle h = new EventHandle(event);
        events.add(h);
        CLEANER.register(owner, h);
        return h;
    }

    synchronized void registerGraph(CudaGraph g) {
        graphs.add(g);
    }

    synchronized void forgetGraph(CudaGraph g) {
        graphs.remove(g);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void synchronize() {
        List<CudaStream> all;
        synchronized (this) {
            if (closed) return;
            all = new ArrayList<>(streams);
        }
        GannetException first = null;
        for (CudaStream s : all) {
            try {
                s.synchronize();
            } catch (GannetException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    // ---- memory ------------------------------------------------------------------------------

    private final class Backing implements CachingPool.Backing {
        @Override
        public long allocate(long bytes) {
            current();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(JAVA_LONG);
                int st = cu.cuMemAlloc_v2(out, bytes);
                if (st == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) return 0; // the pool trims its cache and retries
                check(st, "cuMemAlloc_v2", bytes + " B");
                return out.get(JAVA_LONG, 0);
            }
        }

        @Override
        public void free(long address, long bytes) {
            current();
            check(cu.cuMemFree_v2(address), "cuMemFree_v2", bytes + " B at 0x" + Long.toHexString(address));
        }
    }

    @Override
    public synchronized DeviceArena newArena(String label) {
        checkOpen();
        return new DeviceArena(this, pool, label);
    }

    CachingPool pool() {
        return pool;
    }

    @Override
    public PoolStats poolStats() {
        return pool.stats();
    }

    @Override
    public void trimPool() {
        checkOpen();
        pool.trim();
    }

    @Override
    public long convPackedBytes(int k, int r, int s, int c, boolean transposed, DType dtype) {
        return ConvPackCuda.packedBytes(k, r, s, c, transposed, dtype);
    }

    /** The pinned staging buffer, grown to {@code bytes} (at most one chunk); callers hold stagingLock. */
    private MemorySegment staging(long bytes) {
        if (staging.byteSize() >= bytes) return staging;
        long size = Math.min(STAGING_CHUNK, Math.max(bytes, 1 << 16));
        freeStaging();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(cu.cuMemAllocHost_v2(out, size), "cuMemAllocHost_v2", "pinned staging buffer of " + size + " B");
            staging = out.get(ADDRESS, 0).reinterpret(size);
        }
        return staging;
    }

    private void freeStaging() {
        if (staging.byteSize() == 0) return;
        MemorySegment old = staging;
        staging = MemorySegment.NULL;
        check(cu.cuMemFreeHost(old), "cuMemFreeHost", "pinned staging buffer");
    }

    /**
     * The stream host copies run on: non-blocking like every gannet stream, so copies never take the
     * legacy NULL stream (which would serialize with blocking streams and, on the emulator, start its
     * thread). Callers have synchronized the device, so nothing queued elsewhere can race the copy.
     */
    private MemorySegment transferStream() {
        if (transfer == null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                check(cu.cuStreamCreate(out, CudaDriver.CU_STREAM_NON_BLOCKING), "cuStreamCreate", "host copies");
                transfer = out.get(ADDRESS, 0);
            }
        }
        return transfer;
    }

    @Override
    public void copyToDevice(MemorySegment host, long hostOffset, long deviceAddress, long bytes) {
        copy(true, host, hostOffset, deviceAddress, bytes);
    }

    @Override
    public void copyToHost(long deviceAddress, MemorySegment host, long hostOffset, long bytes) {
        copy(false, host, hostOffset, deviceAddress, bytes);
    }

    /** A synchronous copy in pinned chunks: each is copied and waited for before the buffer is reused. */
    private void copy(boolean toDevice, MemorySegment host, long hostOffset, long deviceAddress, long bytes) {
        checkOpen();
        current();
        synchronized (stagingLock) {
            MemorySegment stream = transferStream();
            for (long done = 0; done < bytes; ) {
                long n = Math.min(bytes - done, STAGING_CHUNK);
                MemorySegment pinned = staging(n);
                long dev = deviceAddress + done;
                String what = n + " B " + (toDevice ? "to" : "from") + " 0x" + Long.toHexString(dev);
                if (toDevice) {
                    MemorySegment.copy(host, hostOffset + done, pinned, 0, n);
                    check(cu.cuMemcpyHtoDAsync_v2(dev, pinned, n, stream), "cuMemcpyHtoDAsync_v2", what);
                } else {
                    check(cu.cuMemcpyDtoHAsync_v2(pinned, dev, n, stream), "cuMemcpyDtoHAsync_v2", what);
                }
                check(cu.cuStreamSynchronize(stream), "cuStreamSynchronize", what);
                if (!toDevice) MemorySegment.copy(pinned, 0, host, hostOffset + done, n);
                done += n;
            }
        }
    }

    // ---- closing -----------------------------------------------------------------------------

    @Override
    public void close() {
        List<CudaStream> all;
        synchronized (this) {
            if (closed) return;
            all = new ArrayList<>(streams);
        }
        try {
            synchronize();
        } finally {
            List<CudaGraph> gs;
            List<EventHandle> es;
            synchronized (this) {
                gs = new ArrayList<>(graphs);
                es = new ArrayList<>(events);
            }
            for (CudaGraph g : gs) g.close();
            for (EventHandle e : es) e.run();
            for (CudaStream s : all) s.destroy();
            synchronized (this) {
                closed = true;
                streams.clear();
            }
            current();
            pool.trim();
            synchronized (stagingLock) {
                freeStaging();
                if (transfer != null) check(cu.cuStreamDestroy_v2(transfer), "cuStreamDestroy_v2", "host copies");
                transfer = null;
            }
            check(cu.cuModuleUnload(module), "cuModuleUnload", null);
            releaseContext();
            arena.close();
        }
    }

    private void releaseContext() {
        if (!primaryRetained) return;
        primaryRetained = false;
        check(cu.cuDevicePrimaryCtxRelease_v2(cuDevice), "cuDevicePrimaryCtxRelease_v2", null);
    }

    @Override
    public String toString() {
        return name;
    }
}

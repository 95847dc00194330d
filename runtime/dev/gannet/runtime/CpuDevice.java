// The cpu device: libgannet_cpu.so through FFM. Memory is 64-byte aligned host memory behind the
// caching pool; each stream is one worker thread running launches in order; kernels use OpenMP.
package dev.gannet.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gannet.bindings.GkCpu;
import dev.gannet.bindings.NativeLibraryException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

public final class CpuDevice implements Device {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle ALIGNED_ALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("aligned_alloc").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS));

    private final CachingPool pool = new CachingPool(new CachingPool.Backing() {
        @Override
        public long allocate(long bytes) {
            try {
                return ((MemorySegment) ALIGNED_ALLOC.invokeExact(64L, (bytes + 63) & ~63L)).address();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public void free(long address, long bytes) {
            try {
                FREE.invokeExact(MemorySegment.ofAddress(address));
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    });
    private final List<CpuStream> streams = new ArrayList<>();
    private final CpuStream defaultStream;
    private boolean closed;
    private final java.util.concurrent.atomic.AtomicLong launches = new java.util.concurrent.atomic.AtomicLong();

    /** Opens the cpu device; loads libgannet_cpu.so (see NativeLibraries for where from). */
    public CpuDevice() {
        try {
            GkCpu.library(); // a missing library fails here, with where gannet looked
            int abi = GkCpu.abiVersion();
            if (abi != dev.gannet.bindings.GkAbi.ABI_VERSION) {
                throw new GannetException(ErrorCode.NATIVE_LIBRARY, GkCpu.library().path() + " has kernel ABI "
                        + abi + " but this gannet expects " + dev.gannet.bindings.GkAbi.ABI_VERSION
                        + "; rebuild the native library");
            }
        } catch (NativeLibraryException e) {
            throw new GannetException(ErrorCode.NATIVE_LIBRARY, e.getMessage(), e);
        }
        defaultStream = new CpuStream(this, "default");
        streams.add(defaultStream);
    }

    /** How many launches reached this device (tests check that invalid calls never do). */
    public long launchCount() {
        return launches.get();
    }

    /** Sets the number of OpenMP threads kernels use (process-wide). */
    public void setThreads(int n) {
        if (n < 1) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "threads must be >= 1, got " + n);
        GkCpu.setThreads(n);
    }

    public int threads() {
        return GkCpu.maxThreads();
    }

    /** Whether the AVX2/FMA/F16C kernels are in use (false: portable C). */
    public boolean avx2() {
        return GkCpu.isa() == 1;
    }

    /** Forces the portable kernels (false) or asks for AVX2 (true, if the CPU has it); returns what is in use. */
    public boolean useAvx2(boolean on) {
        synchronize();
        return GkCpu.setIsa(on ? 1 : 0) == 1;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public DeviceKind kind() {
        return DeviceKind.CPU;
    }

    @Override
    public String description() {
        return CpuInfo.modelName() + ", " + threads() + " threads, kernels: " + (avx2() ? "avx2+fma+f16c" : "portable");
    }

    @Override
    public synchronized DeviceArena newArena(String label) {
        checkOpen();
        return new DeviceArena(this, pool, label);
    }

    @Override
    public Stream defaultStream() {
        checkOpen();
        return defaultStream;
    }

    @Override
    public synchronized Stream newStream() {
        checkOpen();
        CpuStream s = new CpuStream(this, "stream-" + streams.size());
        streams.add(s);
        return s;
    }

    synchronized void forget(CpuStream s) {
        streams.remove(s);
    }

    @Override
    public Support supports(String op, DType dtype, String variant) {
        Support declared = Ops.declared(op, dtype, variant);
        if (!declared.supported()) return declared;
        if (GkCpu.op(op).isEmpty()) return Support.no("gk_cpu_" + op + " is not in " + GkCpu.library().path());
        return Support.YES;
    }

    @Override
    public PoolStats poolStats() {
        return pool.stats();
    }

    @Override
    public void trimPool() {
        pool.trim();
    }

    @Override
    public long convPackedBytes(int k, int r, int s, int c, boolean transposed, DType dtype) {
        return GkCpu.convPackedBytes(k, r, s, c, transposed);
    }

    @Override
    public void copyToDevice(MemorySegment host, long hostOffset, long deviceAddress, long bytes) {
        MemorySegment.copy(host, hostOffset, MemorySegment.ofAddress(deviceAddress).reinterpret(bytes), 0, bytes);
    }

    @Override
    public void copyToHost(long deviceAddress, MemorySegment host, long hostOffset, long bytes) {
        MemorySegment.copy(MemorySegment.ofAddress(deviceAddress).reinterpret(bytes), 0, host, hostOffset, bytes);
    }

    @Override
    public void synchronize() {
        List<CpuStream> all;
        synchronized (this) {
            all = new ArrayList<>(streams);
        }
        GannetException first = null;
        for (CpuStream s : all) {
            try {
                s.synchronize();
            } catch (GannetException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    @Override
    public void launch(Stream stream, KernelLaunch launch) {
        checkOpen();
        if (!(stream instanceof CpuStream cs) || stream.device() != this) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    launch.description() + ": the stream belongs to " + stream.device().name() + ", not cpu");
        }
        MethodHandle h = GkCpu.op(launch.op()).orElseThrow(() -> new GannetException(ErrorCode.UNSUPPORTED,
                launch.description() + ": gk_cpu_" + launch.op() + " is not in " + GkCpu.library().path()));
        launches.incrementAndGet();
        cs.enqueue(launch, h);
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException("device cpu is closed");
    }

    @Override
    public void close() {
        List<CpuStream> all;
        synchronized (this) {
            if (closed) return;
            all = new ArrayList<>(streams);
        }
        try {
            synchronize();
        } finally {
            for (CpuStream s : all) s.shutdown();
            synchronized (this) {
                closed = true;
                streams.clear();
            }
            pool.trim();
        }
    }
}

// Optional cuBLAS bindings for benchmark baselines (GEMM-based convolution timings): loaded lazily,
// absent on machines without the library, in which case benchmarks report a skip with reason().
// Prototypes from cublas_api.h (CUDA 12/13); cublasStatus_t and the enum arguments are ints.
package dev.gannet.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

public final class CuBlas {
    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_OP_N = 0;
    public static final int CUBLAS_OP_T = 1;

    private static final class Holder {
        static final OptionalLibrary LIB = OptionalLibrary.find("cuBLAS", "libcublas.so.13", "libcublas.so.12");
        static final CuBlas INSTANCE = LIB.present() ? new CuBlas(LIB) : null;
    }

    private final OptionalLibrary lib;
    private final MethodHandle create, destroy, setStream, sgemm;

    private CuBlas(OptionalLibrary lib) {
        this.lib = lib;
        create = lib.fn("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = lib.fn("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = lib.fn("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        sgemm = lib.fn("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    /** cuBLAS if the dynamic loader finds it (looked up once). */
    public static Optional<CuBlas> load() {
        return Optional.ofNullable(Holder.INSTANCE);
    }

    /** Why {@link #load()} is empty, for a benchmark's skip line; empty when it is not. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(Holder.LIB.missing());
    }

    public int cublasCreate_v2(MemorySegment handle) {
        try { return (int) lib.require(create, "cublasCreate_v2").invokeExact(handle); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    public int cublasDestroy_v2(MemorySegment handle) {
        try { return (int) lib.require(destroy, "cublasDestroy_v2").invokeExact(handle); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    public int cublasSetStream_v2(MemorySegment handle, MemorySegment stream) {
        try { return (int) lib.require(setStream, "cublasSetStream_v2").invokeExact(handle, stream); } catch (Throwable t) { throw OptionalLibrary.wrap(t); }
    }

    /** C = alpha op(A) op(B) + beta C, column-major, device pointers; alpha and beta on the host. */
    public int cublasSgemm_v2(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha,
                              MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment beta, MemorySegment c,
                              int ldc) {
        try {
            return (int) lib.require(sgemm, "cublasSgemm_v2").invokeExact(handle, transa, transb, m, n, k, alpha, a, lda, b, ldb,
                    beta, c, ldc);
        } catch (Throwable t) {
            throw OptionalLibrary.wrap(t);
        }
    }
}

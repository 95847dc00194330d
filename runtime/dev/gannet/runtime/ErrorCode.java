// Error codes of gannet: the first ones mirror gk_status of the kernel ABI, the rest are Java-side.
package dev.gannet.runtime;

public enum ErrorCode {
    /** gk_status 1, or a Java validation failure: a shape, stride, option or file is wrong. */
    INVALID_ARGUMENT(1),
    /** gk_status 2: the (op, dtype, variant) is not available on this device. */
    UNSUPPORTED(2),
    /** gk_status 3: device or scratch memory ran out. */
    OUT_OF_MEMORY(3),
    /** gk_status 4, or any status gannet does not know: a bug. */
    INTERNAL(4),
    /** A native library could not be found or loaded. */
    NATIVE_LIBRARY(-1),
    /** A device kind cannot be opened on this machine (for example no CUDA driver). */
    DEVICE_UNAVAILABLE(-2),
    /** A model, weights or image file is malformed. */
    FORMAT(-3),
    /** Reading or writing a file failed. */
    IO(-4),
    /** The CUDA driver (or the SIMT emulator) reported an error, for example a failed kernel. */
    CUDA(-5);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    /** The gk_status value, for codes that mirror one; negative for Java-only codes. */
    public int status() {
        return status;
    }

    public static ErrorCode fromStatus(int status) {
        for (ErrorCode c : values()) if (c.status == status && status > 0) return c;
        return INTERNAL;
    }

    /**
     * The code of a CUresult: out of memory and "not supported" keep their meaning, a driver or GPU
     * that cannot serve (no device, stub library, driver too old, no kernel image for this GPU) is
     * DEVICE_UNAVAILABLE, everything else CUDA.
     */
    public static ErrorCode fromCudaResult(int result) {
        return switch (result) {
            case 2 -> OUT_OF_MEMORY;                      // CUDA_ERROR_OUT_OF_MEMORY
            case 801 -> UNSUPPORTED;                      // CUDA_ERROR_NOT_SUPPORTED
            case 3, 4, 34, 100, 101, 209, 222, 803, 804 -> DEVICE_UNAVAILABLE; // not initialized, deinitialized,
            // stub library, no device, invalid device, no binary for GPU, unsupported PTX version,
            // system driver mismatch, compat not supported
            default -> CUDA;
        };
    }
}

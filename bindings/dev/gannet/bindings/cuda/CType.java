// The kinds of C parameter the bound CUDA driver functions take, each with its FFM layout; the
// cuda.h binding test resolves every prototype's parameter to one of these independently.
package dev.gannet.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;

public enum CType {
    /** Any pointer, including opaque handles (CUstream, CUfunction, ...). */
    POINTER(ADDRESS),
    /** int, CUdevice. */
    INT32(JAVA_INT),
    /** unsigned int. */
    UINT32(JAVA_INT),
    /** An enum (CUresult, CUdevice_attribute, ...): an int on every ABI gannet runs on. */
    ENUM(JAVA_INT),
    /** unsigned char. */
    UINT8(JAVA_BYTE),
    /** unsigned long long, cuuint64_t, CUdeviceptr. */
    UINT64(JAVA_LONG),
    /** size_t (64 bits on LP64). */
    SIZE_T(JAVA_LONG),
    FLOAT(JAVA_FLOAT);

    private final MemoryLayout layout;

    CType(MemoryLayout layout) {
        this.layout = layout;
    }

    public MemoryLayout layout() {
        return layout;
    }
}

// Element types of tensors; `code` is the gk_dtype value of the kernel ABI.
package dev.gannet.runtime;

public enum DType {
    F32(0, 4), F16(1, 2), U8(2, 1), I32(3, 4);

    private final int code;
    private final int size;

    DType(int code, int size) {
        this.code = code;
        this.size = size;
    }

    public int code() {
        return code;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isFloat() {
        return this == F32 || this == F16;
    }

    public static DType parse(String s) {
        for (DType d : values()) if (d.name().equalsIgnoreCase(s)) return d;
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown dtype '" + s + "' (known: f32, f16, u8, i32)");
    }
}

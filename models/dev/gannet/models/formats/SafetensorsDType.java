// Element types of the safetensors format, by the names its headers use, with their sizes and the
// gannet DType each maps to where there is one.
package dev.gannet.models.formats;

import dev.gannet.runtime.DType;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

public enum SafetensorsDType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), F64(8),
    I64(8), U64(8);

    private final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The gannet dtype with the same bytes, if gannet has one. */
    public Optional<DType> gannet() {
        return switch (this) {
            case F32 -> Optional.of(DType.F32);
            case F16 -> Optional.of(DType.F16);
            case U8 -> Optional.of(DType.U8);
            case I32 -> Optional.of(DType.I32);
            default -> Optional.empty();
        };
    }

    public static SafetensorsDType of(DType d) {
        return switch (d) {
            case F32 -> F32;
            case F16 -> F16;
            case U8 -> U8;
            case I32 -> I32;
        };
    }

    /** The dtype a header names (exact, upper-case as the format writes it), or empty. */
    static Optional<SafetensorsDType> parse(String s) {
        for (SafetensorsDType d : values()) if (d.name().equals(s)) return Optional.of(d);
        return Optional.empty();
    }

    static String known() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}

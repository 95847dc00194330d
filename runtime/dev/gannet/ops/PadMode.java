// Padding modes (gk_pad_mode), with PyTorch's meaning: zero (constant), reflect (mirror without
// repeating the edge), replicate (repeat the edge).
package dev.gannet.ops;

public enum PadMode {
    ZERO(0), REFLECT(1), REPLICATE(2);

    private final int code;

    PadMode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public String id() {
        return name().toLowerCase();
    }
}

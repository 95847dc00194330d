// One small case of the op matrix (as in ggml's test-backend-ops): an op, a dtype, a variant, a
// description of the shapes and attributes, and a body that runs the op on a device and compares
// it with the reference through the Harness.
package dev.gannet.matrix;

import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;

public record OpCase(String op, DType dtype, String variant, String desc, Body body, boolean needsSupport) {
    public OpCase(String op, DType dtype, String variant, String desc, Body body) {
        this(op, dtype, variant, desc, body, true);
    }

    /** A case that fails on every device: a gap in the matrix itself (no cases for a declared form). */
    static OpCase gap(String op, DType dtype, String variant, String desc, String why) {
        return new OpCase(op, dtype, variant, desc, h -> new Result.Failed(why), false);
    }

    @FunctionalInterface
    public interface Body {
        Result run(Harness h) throws Exception;
    }

    public String name() {
        return op + " " + dtype.name().toLowerCase() + " " + variant + " " + desc;
    }

    /** Runs the case on a device, reporting unsupported variants as skipped. */
    public Result run(Device device, long seed) {
        return run(device, seed, null);
    }

    /** As {@link #run(Device, long)}, appending every output the case reads to {@code reads} if not null. */
    public Result run(Device device, long seed, java.util.List<float[]> reads) {
        var support = device.supports(op, dtype, variant);
        if (needsSupport && !support.supported()) return new Result.Skipped(support.reason());
        try (Harness h = new Harness(device, seed ^ name().hashCode(), reads)) {
            return body.run(h);
        } catch (Exception | AssertionError e) {
            return new Result.Failed(e.toString());
        }
    }
}

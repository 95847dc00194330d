// What a case body uses: seeded random data, tensors surrounded by sentinels, and the comparison
// with a reference. Inputs can be channel slices of a wider buffer whose other channels are NaN,
// so a kernel that reads outside its view poisons its output; outputs sit in buffers filled with
// a sentinel that must be intact after the kernel (ggml's test-backend-ops does the same).
package dev.gannet.matrix;

import dev.gannet.ref.HostTensor;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.DeviceBuffer;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

public final class Harness implements AutoCloseable {
    /**
     * Elements of guard before and after every buffer: a multiple of 8, so dense views start 16-byte
     * aligned as arena tensors do (the CUDA kernels' 16-byte loads apply to them) while the channel
     * slices below stay misaligned (their element-wise paths).
     */
    static final int GUARD = 40;
    static final float OUT_SENTINEL = -1234.0f; // exact in fp16
    private static final int U8_SENTINEL = 0xA5;

    private final Device device;
    private final DeviceArena arena;
    private final Random random;
    private final List<Guarded> outputs = new ArrayList<>();
    /** Every output read, in order, when the caller records them (the SIMT schedule check); else null. */
    private final List<float[]> reads;

    private record Guarded(Tensor view, Tensor whole, float sentinel) {}

    public Harness(Device device, long seed) {
        this(device, seed, null);
    }

    Harness(Device device, long seed, List<float[]> reads) {
        this.device = device;
        this.arena = device.newArena("op-matrix");
        this.random = new Random(seed);
        this.reads = reads;
    }

    public Device device() {
        return device;
    }

    public DeviceArena arena() {
        return arena;
    }

    public Stream stream() {
        return device.defaultStream();
    }

    public Random random() {
        return random;
    }

    /** Uniform values in [lo, hi), rounded to what dtype can hold. */
    public float[] random(Shape s, double lo, double hi, DType dtype) {
        float[] v = new float[(int) s.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return round(v, dtype);
    }

    public float[] random(int count, double lo, double hi) {
        float[] v = new float[count];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return v;
    }

    /** Values rounded to the dtype's precision (so the reference sees what the device stores). */
    public static float[] round(float[] v, DType dtype) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = switch (dtype) {
                case F32 -> r[i];
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(r[i]));
                case U8 -> (float) Math.max(0, Math.min(255, halfAway(r[i])));
                case I32 -> (float) halfAway(r[i]);
            };
        }
        return r;
    }

    /** Rounds half away from zero, as the kernels and host transfers do. */
    private static double halfAway(float v) {
        return Math.signum(v) * Math.floor(Math.abs((double) v) + 0.5);
    }

    public static HostTensor host(Shape s, float[] v) {
        return HostTensor.of(s, v);
    }

    /** A dense input holding v, inside a guarded buffer. */
    public Tensor input(DType dtype, Shape s, float[] v) {
        return input(dtype, s, v, 0, 0);
    }

    /** An input that is the channel slice [before, before+C) of a buffer with C+before+after channels;
     * the other channels and the guards hold NaN (or 0xA5 for integers). */
    public Tensor input(DType dtype, Shape s, float[] v, int before, int after) {
        Tensor[] t = guarded(dtype, s, before, after, dtype.isFloat() ? Float.NaN : U8_SENTINEL);
        t[0].copyFrom(v);
        return t[0];
    }

    /** A vector (1x1x1xK) of F32 values, dense, e.g. bias or norm parameters. */
    public Tensor vector(float[] v) {
        return input(DType.F32, new Shape(1, 1, 1, v.length), v);
    }

    /** A dense output, prefilled with the sentinel; guards are checked by {@link #read}. */
    public Tensor output(DType dtype, Shape s) {
        return output(dtype, s, 0, 0);
    }

    /** An output that is a channel slice of a wider buffer (the zero-copy concat case). */
    public Tensor output(DType dtype, Shape s, int before, int after) {
        float sentinel = dtype.isFloat() ? OUT_SENTINEL : U8_SENTINEL;
        Tensor[] t = guarded(dtype, s, before, after, sentinel);
        outputs.add(new Guarded(t[0], t[1], sentinel));
        return t[0];
    }

    /** Returns {view, whole-buffer view}. */
    private Tensor[] guarded(DType dtype, Shape s, int before, int after, float fill) {
        int ctot = s.c() + before + after;
        Shape outer = new Shape(s.n(), s.h(), s.w(), ctot);
        long total = outer.numel() + 2L * GUARD;
        DeviceBuffer buf = arena.allocateBytes(total * dtype.size());
        Tensor whole = Tensor.of(buf, dtype, new Shape(1, 1, 1, (int) total), new long[] {total, total, total, 1}, 0);
        float[] f = new float[(int) total];
        java.util.Arrays.fill(f, fill);
        whole.copyFrom(f);
        Tensor full = Tensor.of(buf, dtype, outer, outer.denseStrides(), GUARD);
        return new Tensor[] {full.sliceChannels(before, s.c()), whole};
    }

    /** Reads an output after the device finished, failing if anything outside its view changed. */
    public float[] read(Tensor y) {
        float[] v = y.toFloatArray();
        if (reads != null) reads.add(v.clone());
        for (Guarded g : outputs) {
            if (g.view() != y) continue;
            float[] all = g.whole().toFloatArray();
            boolean[] inside = new boolean[all.length];
            Shape s = y.shape();
            long[] st = y.strides();
            for (int n = 0; n < s.n(); n++)
                for (int h = 0; h < s.h(); h++)
                    for (int w = 0; w < s.w(); w++)
                        for (int c = 0; c < s.c(); c++)
                            inside[(int) (y.offset() + n * st[0] + h * st[1] + w * st[2] + c * st[3])] = true;
            for (int i = 0; i < all.length; i++) {
                if (!inside[i] && Float.compare(all[i], g.sentinel()) != 0) {
                    throw new AssertionError("kernel wrote outside its output view: element " + i + " of the buffer ("
                            + (i < Harness.GUARD ? "guard before" : i >= all.length - GUARD ? "guard after"
                            : "outside the slice") + ") is " + all[i]);
                }
            }
        }
        return v;
    }

    /** Compares y with ref using the default tolerance for y's dtype and reduction length k. */
    public Result compare(HostTensor ref, Tensor y, int reductionLength) {
        return compare(ref, y, Tolerance.of(y.dtype(), reductionLength));
    }

    public Result compare(HostTensor ref, Tensor y, Tolerance tol) {
        if (!ref.shape().equals(y.shape())) {
            return new Result.Failed("reference shape " + ref.shape() + " but output " + y.shape());
        }
        return Compare.check(ref.data(), read(y), tol);
    }

    @Override
    public void close() {
        try {
            device.synchronize();
        } finally {
            arena.close();
        }
    }
}

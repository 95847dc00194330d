// A tensor is a view (DESIGN §3): device, dtype, NHWC shape, element strides, a base buffer and an
// element offset. Slices, crops and broadcasts are views; the constructor proves a view stays
// inside its buffer, so a kernel given a Tensor never addresses memory outside it.
package dev.gannet.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

public final class Tensor {
    private final DeviceBuffer buffer;
    private final DType dtype;
    private final Shape shape;
    private final long[] strides;
    private final long offset;

    private Tensor(DeviceBuffer buffer, DType dtype, Shape shape, long[] strides, long offset) {
        this.buffer = buffer;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides.clone();
        this.offset = offset;
        if (offset < 0) throw invalid("negative offset " + offset);
        long last = offset;
        for (int i = 0; i < 4; i++) {
            if (strides[i] < 0) throw invalid("negative stride " + strides[i] + " in dim " + i);
            if (shape.dim(i) > 0) last += (long) (shape.dim(i) - 1) * strides[i];
        }
        long capacity = buffer.byteSize() / dtype.size();
        if (shape.numel() > 0 && last >= capacity) {
            throw invalid("view " + shape + " strides " + Arrays.toString(strides) + " offset " + offset
                    + " reaches element " + last + " of a buffer holding " + capacity + " " + dtype + " elements");
        }
    }

    private GannetException invalid(String msg) {
        return new GannetException(ErrorCode.INVALID_ARGUMENT, "tensor: " + msg);
    }

    /** A view of any buffer; bounds are checked. */
    public static Tensor of(DeviceBuffer buffer, DType dtype, Shape shape, long[] strides, long offset) {
        if (strides.length != 4) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "tensor: strides need 4 entries, got " + strides.length);
        }
        return new Tensor(buffer, dtype, shape, strides, offset);
    }

    static Tensor dense(DeviceBuffer buffer, DType dtype, Shape shape) {
        return new Tensor(buffer, dtype, shape, shape.denseStrides(), 0);
    }

    /** A general view of the same buffer; bounds are checked. */
    public Tensor view(Shape shape, long[] strides, long offset) {
        if (strides.length != 4) throw invalid("strides need 4 entries, got " + strides.length);
        return new Tensor(buffer, dtype, shape, strides, offset);
    }

    /** Reinterprets a dense tensor with a new shape of the same element count. */
    public Tensor reshape(Shape s) {
        if (!isDense()) throw invalid("reshape of a non-dense view " + this);
        if (s.numel() != shape.numel()) throw invalid("cannot reshape " + shape + " to " + s);
        return new Tensor(buffer, dtype, s, s.denseStrides(), offset);
    }

    /** Channels [start, start+count) as a view: how concat writes into one buffer without copies. */
    public Tensor sliceChannels(int start, int count) {
        if (start < 0 || count < 0 || start + count > shape.c()) {
            throw invalid("channel slice [" + start + ", " + (start + count) + ") out of range for " + shape);
        }
        return new Tensor(buffer, dtype, new Shape(shape.n(), shape.h(), shape.w(), count), strides,
                offset + start * strides[3]);
    }

    /** Batch items [start, start+count). */
    public Tensor sliceBatch(int start, int count) {
        if (start < 0 || count < 0 || start + count > shape.n()) {
            throw invalid("batch slice [" + start + ", " + (start + count) + ") out of range for " + shape);
        }
        return new Tensor(buffer, dtype, new Shape(count, shape.h(), shape.w(), shape.c()), strides,
                offset + start * strides[0]);
    }

    /** Rows [y0, y0+h) and columns [x0, x0+w): a spatial crop (tiles). */
    public Tensor crop(int y0, int x0, int h, int w) {
        if (y0 < 0 || x0 < 0 || h < 0 || w < 0 || y0 + h > shape.h() || x0 + w > shape.w()) {
            throw invalid("crop at (" + y0 + ", " + x0 + ") of " + h + "x" + w + " out of range for " + shape);
        }
        return new Tensor(buffer, dtype, new Shape(shape.n(), h, w, shape.c()), strides,
                offset + y0 * strides[1] + x0 * strides[2]);
    }

    /** Broadcasts dims of size 1 to {@code target} with zero strides (read-only use). */
    public Tensor broadcastTo(Shape target) {
        long[] st = strides.clone();
        for (int i = 0; i < 4; i++) {
            if (shape.dim(i) == target.dim(i)) continue;
            if (shape.dim(i) != 1) throw invalid("cannot broadcast " + shape + " to " + target);
            st[i] = 0;
        }
        return new Tensor(buffer, dtype, target, st, offset);
    }

    public Device device() {
        return buffer.device();
    }

    public DeviceBuffer buffer() {
        return buffer;
    }

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public long[] strides() {
        return strides.clone();
    }

    public long stride(int dim) {
        return strides[dim];
    }

    public long offset() {
        return offset;
    }

    public long numel() {
        return shape.numel();
    }

    public boolean isAlive() {
        return buffer.isAlive();
    }

    /** Address of element (0,0,0,0); throws IllegalStateException if the arena is closed. */
    public long address() {
        return buffer.address() + offset * dtype.size();
    }

    public boolean isDense() {
        return Arrays.equals(strides, shape.denseStrides());
    }

    /**
     * Whether two views may touch the same bytes. Exact for what gannet makes: disjoint channel
     * slices of one NHWC buffer (the zero-copy concat) do not overlap; otherwise conservative (byte
     * ranges that meet count as overlapping).
     */
    public boolean mayOverlap(Tensor o) {
        if (buffer != o.buffer || numel() == 0 || o.numel() == 0) return false;
        long a0 = offset * dtype.size(), a1 = (lastElement() + 1) * dtype.size();
        long b0 = o.offset * o.dtype.size(), b1 = (o.lastElement() + 1) * o.dtype.size();
        if (a0 >= b1 || b0 >= a1) return false;
        return !disjointChannelSlices(o);
    }

    /**
     * Both views step over pixels with the same pixel stride P (channels contiguous, every pixel
     * stride a multiple of P, each view's channels fitting in P): then every element sits at
     * (its view's offset mod P) + channel within a pixel, so views whose channel windows modulo P
     * do not meet share no element.
     */
    private boolean disjointChannelSlices(Tensor o) {
        if (dtype.size() != o.dtype.size() || strides[3] != 1 || o.strides[3] != 1) return false;
        long p = strides[2];
        if (p <= 0 || o.strides[2] != p || shape.c() > p || o.shape.c() > p) return false;
        for (int i = 0; i < 2; i++) {
            if (strides[i] % p != 0 || o.strides[i] % p != 0) return false;
        }
        long a = Math.floorMod(offset, p), b = Math.floorMod(o.offset, p);
        return !inWindow(b, a, shape.c(), p) && !inWindow(a, b, o.shape.c(), p);
    }

    /** Whether x lies in the circular window [start, start + len) modulo p. */
    private static boolean inWindow(long x, long start, long len, long p) {
        return Math.floorMod(x - start, p) < len;
    }

    private long lastElement() {
        long last = offset;
        for (int i = 0; i < 4; i++) if (shape.dim(i) > 0) last += (long) (shape.dim(i) - 1) * strides[i];
        return last;
    }

    // ---- host transfers (synchronous: they wait for the device's queued work first) ----------

    /** Writes NHWC-ordered values, converted to this tensor's dtype (U8/I32 round and saturate). */
    public void copyFrom(float[] data) {
        checkLength(data.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(numel() * dtype.size(), 8);
            for (int i = 0; i < data.length; i++) HostConvert.put(host, dtype, i, data[i]);
            writeDense(host);
        }
    }

    /** Writes raw little-endian elements of this dtype in NHWC order. */
    public void copyFromRaw(MemorySegment host) {
        if (host.byteSize() != numel() * dtype.size()) {
            throw invalid("host data of " + host.byteSize() + " B does not match " + shape + " " + dtype);
        }
        writeDense(host);
    }

    public void copyFrom(byte[] u8) {
        if (dtype != DType.U8) throw invalid("copyFrom(byte[]) needs a U8 tensor, this is " + dtype);
        checkLength(u8.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(u8.length);
            MemorySegment.copy(MemorySegment.ofArray(u8), 0, host, 0, u8.length);
            writeDense(host);
        }
    }

    /** The values in NHWC order as floats (F16 widened, U8/I32 converted). */
    public float[] toFloatArray() {
        checkArraySize();
        float[] out = new float[(int) numel()];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(Math.max(1, numel() * dtype.size()), 8);
            readDense(host);
            for (int i = 0; i < out.length; i++) out[i] = HostConvert.get(host, dtype, i);
        }
        return out;
    }

    /** The raw elements in NHWC order. */
    public byte[] toRawBytes() {
        checkArraySize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(Math.max(1, numel() * dtype.size()), 8);
            readDense(host);
            return host.asSlice(0, numel() * dtype.size()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    private void checkLength(int len) {
        if (len != numel()) throw invalid("host data has " + len + " values but " + shape + " holds " + numel());
    }

    private void checkArraySize() {
        if (numel() * dtype.size() > Integer.MAX_VALUE - 16) throw invalid(shape + " is too large for a Java array");
    }

    private void writeDense(MemorySegment host) {
        Device d = device();
        d.synchronize();
        transfer(host, true, d);
    }

    private void readDense(MemorySegment host) {
        Device d = device();
        d.synchronize();
        transfer(host, false, d);
    }

    /** Copies between a dense host image of this view and the view, one contiguous run at a time. */
    private void transfer(MemorySegment host, boolean toDevice, Device d) {
        if (numel() == 0) return;
        int es = dtype.size();
        long base = address();
        if (isDense()) {
            copy(d, toDevice, host, 0, base, numel() * es);
            return;
        }
        int c = shape.c();
        boolean rowRuns = strides[3] == 1;
        long hostOff = 0;
        for (int n = 0; n < shape.n(); n++) {
            for (int h = 0; h < shape.h(); h++) {
                for (int w = 0; w < shape.w(); w++) {
                    long e = n * strides[0] + h * strides[1] + w * strides[2];
                    if (rowRuns) {
                        copy(d, toDevice, host, hostOff, base + e * es, (long) c * es);
                        hostOff += (long) c * es;
                    } else {
                        for (int k = 0; k < c; k++) {
                            copy(d, toDevice, host, hostOff, base + (e + k * strides[3]) * es, es);
                            hostOff += es;
                        }
                    }
                }
            }
        }
    }

    private static void copy(Device d, boolean toDevice, MemorySegment host, long hostOff, long dev, long bytes) {
        if (toDevice) d.copyToDevice(host, hostOff, dev, bytes);
        else d.copyToHost(dev, host, hostOff, bytes);
    }

    @Override
    public String toString() {
        return dtype.name().toLowerCase() + "[" + shape + (isDense() ? "" : " strides " + Arrays.toString(strides))
                + "]";
    }
}

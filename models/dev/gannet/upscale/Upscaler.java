// The embedding API of the upscaler: one loaded super-resolution model on one device, run on a
// BufferedImage, a float array or a device Tensor, synchronously or queued on a stream; several threads
// may share it. Plans are compiled per input size (tiles make that one size) and kept.
package dev.gannet.upscale;

import dev.gannet.graph.Executor;
import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.image.EncodedSink;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.ImageSink;
import dev.gannet.image.RgbImage;
import dev.gannet.models.ModelRegistry;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.ops.Cast;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.DeviceKind;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Inputs and outputs are RGB in [0, 1], NHWC (whatever range the network itself was trained on). The
 * device is the caller's and stays open after {@link #close()}, which frees the compiled plans and the
 * streams this upscaler made.
 *
 * <p>Threads: the synchronous methods borrow one of {@link #streams()} internal streams for the length of
 * a call, so up to that many calls run at once and more wait. Each (plan, stream) pair has its own
 * executor (activation arena), so runs never share intermediate memory. {@link #upscale(Stream, Tensor,
 * DeviceArena)} queues work on the caller's stream and returns at once.
 */
public final class Upscaler implements AutoCloseable {
    /** Tile size used when a caller gives none: bounds the device memory of one run. */
    public static final int DEFAULT_TILE = 512;
    /** Compiled plans kept for different input sizes (tiles make it one; whole images of a folder vary). */
    static final int MAX_PLANS = 4;

    private final Device device;
    private final UpscalerJsModel model;
    private final Precision precision;
    private final int margin;
    private final int maxStreams;
    private final BlockingQueue<Stream> idle;
    private final List<Stream> owned = new ArrayList<>();
    /** Plans by input shape, least recently used first. */
    private final LinkedHashMap<Shape, Entry> plans = new LinkedHashMap<>(8, 0.75f, true);
    private boolean closed;

    /** A compiled plan with one executor per stream that ran it, and how many runs use it now. */
    private static final class Entry {
        final Plan plan;
        final String input;
        final String output;
        final Map<Stream, Executor> executors = new IdentityHashMap<>();
        int users;

        Entry(Plan plan) {
            this.plan = plan;
            this.input = plan.inputs().keySet().iterator().next();
            this.output = plan.outputs().keySet().iterator().next();
        }

        void close() {
            for (Executor e : executors.values()) e.close();
            plan.close();
        }
    }

    private Upscaler(Device device, UpscalerJsModel model, Precision precision, int streams) {
        if (device == null || model == null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: device and model are required");
        }
        if (streams < 1 || streams > 8) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: streams must be 1..8, got " + streams);
        }
        this.device = device;
        this.model = model;
        this.precision = precision == null ? defaultPrecision(device) : precision;
        this.margin = ReceptiveField.radius(model.tfjs());
        this.maxStreams = streams;
        this.idle = new ArrayBlockingQueue<>(streams);
    }

    /** fp16 on a GPU (tensor cores), fp32 elsewhere (the cpu computes in fp32 anyway). */
    public static Precision defaultPrecision(Device device) {
        return device.kind() == DeviceKind.CPU ? Precision.FP32 : Precision.FP16;
    }

    /** One stream on the cpu (its kernels use every core already), two on a GPU (copies overlap compute). */
    public static int defaultStreams(Device device) {
        return device.kind() == DeviceKind.CPU ? 1 : 2;
    }

    /**
     * A known UpscalerJS model by name ({@code esrgan-slim}, ...) and scale, fetched into the model store
     * ({@code $GANNET_HOME/models}) with npm on first use. {@code precision} null means the device's default.
     */
    public static Upscaler load(Device device, String name, int scale, Precision precision) {
        return load(device, name, scale, precision, PackageStore.standard(PackageStore.Listener.SILENT));
    }

    public static Upscaler load(Device device, String name, int scale, Precision precision, PackageStore store) {
        return of(device, UpscalerJsModel.load(store, name, scale), precision, defaultStreams(device));
    }

    /** A model from a folder holding model.json and its shards; {@code scale} 0 accepts whatever it does. */
    public static Upscaler fromDir(Device device, Path dir, int scale, Precision precision) {
        return of(device, UpscalerJsModel.fromDir(dir, null, scale), precision, defaultStreams(device));
    }

    public static Upscaler of(Device device, UpscalerJsModel model, Precision precision, int streams) {
        return new Upscaler(device, model, precision, streams);
    }

    public Device device() {
        return device;
    }

    public UpscalerJsModel model() {
        return model;
    }

    public String name() {
        return model.name();
    }

    public int scale() {
        return model.scale();
    }

    public Precision precision() {
        return precision;
    }

    /** The overlap of tiles, in input pixels: the model's receptive-field radius. */
    public int margin() {
        return margin;
    }

    public int streams() {
        return maxStreams;
    }

    // ---- images ---------------------------------------------------------------------------------

    /** Upscales an image (RGB, gray or with alpha; alpha is resized bilinearly), in tiles of {@link #DEFAULT_TILE}. */
    public BufferedImage upscale(BufferedImage image) {
        return upscale(image, DEFAULT_TILE);
    }

    /** As {@link #upscale(BufferedImage)} with tiles of {@code tile} pixels (0: the whole image at once). */
    public BufferedImage upscale(BufferedImage image, int tile) {
        if (image == null) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: the image is null");
        RgbImage in = ImageFiles.toRgb(image);
        try (EncodedSink sink = ImageSink.inMemory(TiledUpscale.outputSpec(in, scale(), 1f))) {
            upscale(in, sink, null, tile, TiledUpscale.Progress.NONE);
            return sink.image();
        }
    }

    /** Upscales {@code in} into {@code sink} (and the comparison's model panel), tile by tile. */
    public void upscale(RgbImage in, ImageSink sink, Compare compare, int tile, TiledUpscale.Progress progress) {
        Tiles tiles = Tiles.plan(in.width(), in.height(), tile, margin);
        TiledUpscale.run(in, scale(), tiles, this::upscale, sink, compare, progress);
    }

    /**
     * Upscales {@code height x width x 3} RGB values (row-major, [0, 1]) in one run; returns
     * {@code (height*scale) x (width*scale) x 3} values.
     */
    public float[] upscale(float[] rgb, int width, int height) {
        if (rgb == null || width <= 0 || height <= 0 || rgb.length != (long) width * height * 3) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: " + width + "x" + height + " RGB needs "
                    + (long) Math.max(width, 0) * Math.max(height, 0) * 3 + " values, got "
                    + (rgb == null ? "null" : rgb.length));
        }
        Shape shape = Shape.of(1, height, width, 3);
        Stream stream = borrowStream();
        try {
            Entry e = acquire(shape);
            try {
                Executor ex = executor(e, stream);
                ex.input(e.input).copyFrom(rgb);
                ex.run(stream);
                stream.synchronize();
                return ex.output(e.output).toFloatArray();
            } finally {
                release(e);
            }
        } finally {
            idle.add(stream);
        }
    }

    /**
     * Queues an upscale of {@code x} (1 x H x W x 3, any dtype the cast op reads, values in [0, 1]) on
     * {@code stream} and returns the output, F32 1 x sH x sW x 3, allocated in {@code out}. Nothing is
     * waited for: synchronize the stream (or read the tensor, which does) to use the result.
     */
    public Tensor upscale(Stream stream, Tensor x, DeviceArena out) {
        if (stream == null || x == null || out == null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: stream, input and output arena are "
                    + "required");
        }
        if (stream.device() != device || x.device() != device || out.device() != device) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: the stream, input and output arena "
                    + "must belong to " + device.name() + ", the device the model was loaded on");
        }
        Shape s = x.shape();
        if (s.n() != 1 || s.c() != 3 || s.h() <= 0 || s.w() <= 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "Upscaler: input must be 1 x H x W x 3 RGB, got " + s);
        }
        Entry e = acquire(s);
        try {
            Executor ex = executor(e, stream);
            // The executor belongs to this stream: its next run is queued after this one, never beside it.
            Map<String, Tensor> outs = ex.run(stream, Map.of(e.input, x));
            Tensor y = outs.get(e.output);
            Tensor result = out.allocate(DType.F32, y.shape());
            Cast.launch(stream, y, result);
            return result;
        } finally {
            release(e);
        }
    }

    // ---- plans, executors, streams ----------------------------------------------------------------

    private Stream borrowStream() {
        synchronized (this) {
            checkOpen();
            Stream s = idle.poll();
            if (s != null) return s;
            if (owned.size() < maxStreams) {
                s = device.newStream();
                owned.add(s);
                return s;
            }
        }
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GannetException(ErrorCode.IO, "Upscaler: interrupted while waiting for a free stream", e);
        }
    }

    private synchronized Entry acquire(Shape shape) {
        checkOpen();
        Entry e = plans.get(shape);
        if (e == null) {
            evict();
            Graph g = ModelRegistry.upscalerGraph(model, shape);
            e = new Entry(Plan.build(g, device, PlanOptions.of(precision)));
            plans.put(shape, e);
        }
        e.users++;
        return e;
    }

    private synchronized void release(Entry e) {
        e.users--;
    }

    private synchronized Executor executor(Entry e, Stream stream) {
        return e.executors.computeIfAbsent(stream, s -> e.plan.newExecutor());
    }

    /** Drops the least recently used idle plans beyond the limit (their memory goes back to the pool). */
    private void evict() {
        Iterator<Entry> it = plans.values().iterator();
        while (plans.size() >= MAX_PLANS && it.hasNext()) {
            Entry e = it.next();
            if (e.users == 0) {
                device.synchronize();
                e.close();
                it.remove();
            }
        }
    }

    /** The compiled plans' input shapes, most recently used last (tests, logs). */
    public synchronized List<Shape> planShapes() {
        return List.copyOf(plans.keySet());
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("upscaler " + model.name() + " x" + model.scale() + " is closed");
    }

    /** Waits for queued work, then frees the plans and the streams this upscaler made. Closing twice is harmless. */
    @Override
    public void close() {
        List<Stream> streams;
        synchronized (this) {
            if (closed) return;
            closed = true;
            streams = List.copyOf(owned);
            owned.clear();
        }
        try {
            for (Stream s : streams) s.synchronize();
        } finally {
            synchronized (this) {
                for (Entry e : plans.values()) e.close();
                plans.clear();
            }
            for (Stream s : streams) s.close();
        }
    }

    @Override
    public String toString() {
        return model + ", " + precision + " on " + device.name();
    }
}

// Runs a TF.js layers model eagerly, one gannet op per Keras layer in topological order: the
// model-level check of the kernels (DESIGN §8 layer 3) until the graph compiler exists.
package dev.gannet.models;

import dev.gannet.models.formats.Layer;
import dev.gannet.models.formats.LayerConfig;
import dev.gannet.models.formats.NodeRef;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Elementwise;
import dev.gannet.ops.Epilogue;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Upsample2d;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weights are uploaded in the activation dtype and packed once, in the constructor. Every layer
 * class the reader accepts has a case here; a layer whose shapes an op rejects fails with the op's
 * message prefixed by the model, the layer's name and its class.
 *
 * <p>Each intermediate tensor lives in an arena of its own, closed as soon as the last layer that
 * reads it has run. {@link #run} waits for the stream after each layer: launches retain their
 * buffers until the kernel is done, so without waiting every allocation would come before any
 * release and the peak would be the sum of all tensors (x4 on 128x128 in F32: 105 MiB instead of
 * 53 MiB, for about 10% more time). An element-wise layer that is the only reader of its input
 * writes in place.
 */
final class TfjsEagerRunner implements AutoCloseable {
    private final TfjsModel model;
    private final Stream stream;
    private final DType dtype;
    private final DeviceArena weightsArena;
    private final Map<String, ConvWeights> kernels = new HashMap<>();
    private final Map<String, Tensor> biases = new HashMap<>();
    /** How many times each layer's output is read: by later layers, plus once if it is a model output. */
    private final Map<String, Integer> readers = new HashMap<>();
    private final String inputLayer;
    private final String outputLayer;

    TfjsEagerRunner(TfjsModel model, Stream stream, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F16) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    model.name() + ": activations must be F32 or F16, not " + dtype);
        }
        if (model.inputs().size() != 1 || model.outputs().size() != 1) {
            throw new GannetException(ErrorCode.UNSUPPORTED, model.name() + ": the runner takes models with one "
                    + "input and one output, this one has " + model.inputs() + " -> " + model.outputs());
        }
        this.model = model;
        this.stream = stream;
        this.dtype = dtype;
        this.inputLayer = model.inputs().getFirst().layer();
        this.outputLayer = model.outputs().getFirst().layer();
        for (Layer l : model.layers()) for (NodeRef r : l.inbound()) readers.merge(r.layer(), 1, Integer::sum);
        readers.merge(outputLayer, 1, Integer::sum);
        Device device = stream.device();
        this.weightsArena = device.newArena(model.name() + " weights");
        try {
            for (Layer l : model.layers()) {
                if (!(l.config() instanceof LayerConfig.Conv2D)) continue;
                // The dense OHWI upload is only the packer's source; it lives as long as the weights arena.
                Tensor dense = model.kernel(l.name()).toOhwiTensor(weightsArena, dtype);
                kernels.put(l.name(), ConvWeights.prepare(weightsArena, stream, dense, false));
                model.bias(l.name()).ifPresent(b -> biases.put(l.name(), b.toVector(weightsArena)));
            }
        } catch (RuntimeException e) {
            weightsArena.close();
            throw e;
        }
    }

    /** A layer output: the tensor and, for tensors the runner allocated, the arena to close after the last read. */
    private static final class Value {
        final Tensor tensor;
        DeviceArena owner;
        int pendingReads;

        Value(Tensor tensor, DeviceArena owner, int pendingReads) {
            this.tensor = tensor;
            this.owner = owner;
            this.pendingReads = pendingReads;
        }
    }

    /**
     * Runs the model on {@code input} (NHWC, this runner's dtype) and returns its output, allocated in
     * {@code out}. The input is only read.
     */
    Tensor run(Tensor input, DeviceArena out) {
        if (input.dtype() != dtype) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    model.name() + ": input is " + input.dtype() + ", the runner was built for " + dtype);
        }
        Map<String, Value> values = new HashMap<>();
        try {
            for (Layer l : model.layers()) {
                Value v;
                try {
                    v = l.name().equals(inputLayer) ? bindInput(l, input) : runLayer(l, values, out);
                } catch (GannetException e) {
                    throw new GannetException(e.code(), model.name() + ": layer '" + l.name() + "' ("
                            + l.className() + "): " + e.detail(), e);
                }
                values.put(l.name(), v);
                for (NodeRef r : l.inbound()) release(values.get(r.layer()));
                stream.synchronize();
            }
            return values.get(outputLayer).tensor;
        } finally {
            // On success only the output is left and it lives in `out`; on failure this frees the rest.
            for (Value v : values.values()) if (v.owner != null) v.owner.close();
        }
    }

    private Value bindInput(Layer l, Tensor input) {
        var cfg = (LayerConfig.InputLayer) l.config();
        Shape s = input.shape();
        boolean fits = s.c() == cfg.channels() && (cfg.height() < 0 || cfg.height() == s.h())
                && (cfg.width() < 0 || cfg.width() == s.w());
        if (!fits) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, model.name() + ": input " + s + " does not fit "
                    + "layer '" + l.name() + "' (height " + cfg.height() + ", width " + cfg.width() + ", channels "
                    + cfg.channels() + "; -1 is any)");
        }
        // The caller's tensor: no owner, so it is never closed nor written in place.
        return new Value(input, null, readers.getOrDefault(l.name(), 0));
    }

    private Value runLayer(Layer l, Map<String, Value> values, DeviceArena out) {
        List<Value> in = l.inbound().stream().map(r -> values.get(r.layer())).toList();
        Tensor x = in.getFirst().tensor;
        return switch (l.config()) {
            case LayerConfig.InputLayer _ -> throw new GannetException(ErrorCode.UNSUPPORTED,
                    "a second InputLayer; the runner takes models with one input");
            case LayerConfig.Conv2D c -> {
                Conv2d.Attrs a = c.attrs(x.shape());
                Value y = allocate(l, Conv2d.outputShape(x.shape(), c.filters(), a), out);
                Tensor bias = biases.get(l.name());
                Epilogue ep = (bias == null ? Epilogue.NONE : Epilogue.bias(bias)).withAct(c.activation());
                Conv2d.launch(stream, x, kernels.get(l.name()), y.tensor, a, ep);
                yield y;
            }
            case LayerConfig.ActivationLayer act -> elementwise(l, in.getFirst(), out, act.activation(), 1f);
            case LayerConfig.LeakyReLU lr -> elementwise(l, in.getFirst(), out, lr.activation(), 1f);
            case LayerConfig.MultiplyBeta mb -> elementwise(l, in.getFirst(), out, Activation.NONE, mb.beta());
            case LayerConfig.Add _ -> {
                for (Value v : in) {
                    if (!v.tensor.shape().equals(x.shape())) {
                        throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                                "adds tensors of different shapes " + in.stream().map(t -> t.tensor.shape()).toList());
                    }
                }
                Value y = inPlaceOrNew(l, in.getFirst(), x.shape(), out);
                Elementwise.add(stream, x, in.get(1).tensor, y.tensor, 1f, 1f, Activation.NONE);
                for (int k = 2; k < in.size(); k++) {
                    Elementwise.add(stream, y.tensor, in.get(k).tensor, y.tensor, 1f, 1f, Activation.NONE);
                }
                yield y;
            }
            case LayerConfig.Concatenate _ -> {
                Shape s0 = x.shape();
                int channels = 0;
                for (Value v : in) {
                    Shape s = v.tensor.shape();
                    if (s.n() != s0.n() || s.h() != s0.h() || s.w() != s0.w()) {
                        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "concatenates tensors whose N, H, W "
                                + "differ: " + in.stream().map(t -> t.tensor.shape()).toList());
                    }
                    channels += s.c();
                }
                Value y = allocate(l, new Shape(s0.n(), s0.h(), s0.w(), channels), out);
                // A copy per input (affine 1·x + 0 is exact in fp32 and fp16); writing the producers
                // into the slices directly is the graph compiler's job.
                int at = 0;
                for (Value v : in) {
                    int c = v.tensor.shape().c();
                    Elementwise.affine(stream, v.tensor, y.tensor.sliceChannels(at, c), 1f, 0f, Activation.NONE);
                    at += c;
                }
                yield y;
            }
            case LayerConfig.UpSampling2D u -> {
                Value y = allocate(l, Upsample2d.outputShape(x.shape(), u.sizeH(), u.sizeW()), out);
                Upsample2d.launch(stream, x, y.tensor, u.sizeH(), u.sizeW());
                yield y;
            }
            case LayerConfig.PixelShuffle p -> {
                Value y = allocate(l, PixelShuffle.outputShape(x.shape(), p.block(), false), out);
                PixelShuffle.launch(stream, x, y.tensor, p.block(), PixelShuffle.Mode.DCR, false);
                yield y;
            }
        };
    }

    /** y = act(scale·x), in place when this layer is x's only reader. */
    private Value elementwise(Layer l, Value x, DeviceArena out, Activation act, float scale) {
        Value y = inPlaceOrNew(l, x, x.tensor.shape(), out);
        Elementwise.affine(stream, x.tensor, y.tensor, scale, 0f, act);
        return y;
    }

    /**
     * Reuses x's memory when nothing else reads x and the runner owns it (not the caller's input, not
     * the model output, which must live in the caller's arena).
     */
    private Value inPlaceOrNew(Layer l, Value x, Shape shape, DeviceArena out) {
        boolean inPlace = x.owner != null && x.pendingReads == 1 && !l.name().equals(outputLayer)
                && x.tensor.isDense() && x.tensor.shape().equals(shape);
        if (!inPlace) return allocate(l, shape, out);
        Value y = new Value(x.tensor, x.owner, readers.getOrDefault(l.name(), 0));
        x.owner = null; // ownership moves to y, so releasing x does not free y's memory
        return y;
    }

    private Value allocate(Layer l, Shape shape, DeviceArena out) {
        if (l.name().equals(outputLayer)) return new Value(out.allocate(dtype, shape), null, 1);
        DeviceArena a = stream.device().newArena(l.name());
        try {
            return new Value(a.allocate(dtype, shape), a, readers.getOrDefault(l.name(), 0));
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private static void release(Value v) {
        if (--v.pendingReads == 0 && v.owner != null) {
            v.owner.close();
            v.owner = null;
        }
    }

    @Override
    public void close() {
        weightsArena.close();
    }
}

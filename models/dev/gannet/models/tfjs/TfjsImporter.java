// Turns a TF.js layers model (TfjsModel) into a gannet Graph for one input size: one graph node per
// Keras layer (a Conv2D's own activation becomes a node of its own, which the compiler fuses back).
package dev.gannet.models.tfjs;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.ParamLayout;
import dev.gannet.graph.Value;
import dev.gannet.graph.WeightData;
import dev.gannet.models.formats.Layer;
import dev.gannet.models.formats.LayerConfig;
import dev.gannet.models.formats.NodeRef;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.models.formats.Weight;
import dev.gannet.ops.Activation;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters keep the manifest's names ({@code <layer>/kernel}, {@code <layer>/bias}); kernels are
 * reordered from Keras' H x W x Cin x Cout to gannet's K x R x S x C once, here. The graph's input
 * and output keep the model's layer names. UpscalerJS's RDN models (esrgan-slim, default-model)
 * work on RGB in 0..255; {@link Options#unitRange()} wraps them so the graph takes and returns
 * [0, 1] (the scales fold into the first and last convolutions, so this costs nothing).
 */
public final class TfjsImporter {
    private TfjsImporter() {}

    /** The graph computes {@code outputScale · model(inputScale · x)}. */
    public record Options(float inputScale, float outputScale) {
        public static final Options NATIVE = new Options(1f, 1f);

        /** For a model that works in 0..255: [0, 1] in and out. */
        public static Options unitRange() {
            return new Options(255f, 1f / 255f);
        }
    }

    /** The graph for an NHWC F32 input of {@code input}'s shape, in the model's own value range. */
    public static Graph toGraph(TfjsModel model, Shape input) {
        return toGraph(model, input, Options.NATIVE);
    }

    public static Graph toGraph(TfjsModel model, Shape input, Options options) {
        if (model.inputs().size() != 1 || model.outputs().size() != 1) {
            throw new GannetException(ErrorCode.UNSUPPORTED, model.file() + ": gannet imports models with one input "
                    + "and one output, this one has " + model.inputs() + " -> " + model.outputs());
        }
        GraphBuilder b = new GraphBuilder(model.name());
        Map<String, Value> out = new HashMap<>();
        for (Layer l : model.layers()) {
            try {
                out.put(l.name(), layer(model, b, l, out, input, options));
            } catch (GannetException e) {
                if (e.detail().contains("layer '" + l.name() + "'")) throw e;
                throw new GannetException(e.code(), model.file() + ": layer '" + l.name() + "' (" + l.className()
                        + "): " + e.detail(), e);
            }
        }
        String outName = model.outputs().getFirst().layer();
        Value y = out.get(outName);
        if (options.outputScale() != 1f) y = b.named(outName + "/output_scale").scale(y, options.outputScale());
        b.output(outName, y);
        return b.build();
    }

    private static Value layer(TfjsModel model, GraphBuilder b, Layer l, Map<String, Value> out, Shape input,
                               Options options) {
        List<Value> in = l.inbound().stream().map((NodeRef r) -> out.get(r.layer())).toList();
        return switch (l.config()) {
            case LayerConfig.InputLayer i -> {
                boolean fits = input.c() == i.channels() && (i.height() < 0 || i.height() == input.h())
                        && (i.width() < 0 || i.width() == input.w());
                if (!fits) {
                    throw new GannetException(ErrorCode.INVALID_ARGUMENT, model.file() + ": input " + input
                            + " does not fit layer '" + l.name() + "' (height " + i.height() + ", width " + i.width()
                            + ", channels " + i.channels() + "; -1 is any)");
                }
                Value x = b.input(l.name(), input);
                yield options.inputScale() == 1f ? x : b.named(l.name() + "/input_scale").scale(x, options.inputScale());
            }
            case LayerConfig.Conv2D c -> {
                Value x = in.getFirst();
                Weight k = model.kernel(l.name());
                Shape ks = Shape.of(c.filters(), c.kernelH(), c.kernelW(), x.shape().c());
                Value w = b.param(k.name(), ks, ParamLayout.CONV, true, WeightData.of(k.toOhwi()));
                Value bias = model.bias(l.name()).map(bw -> b.param(bw.name(), Shape.of(1, 1, 1, c.filters()),
                        ParamLayout.VECTOR, true, WeightData.of(bw.toArray()))).orElse(null);
                Value y = b.named(l.name()).conv2d(x, w, bias, c.attrs(x.shape()));
                yield c.activation().kind() == Activation.Kind.NONE ? y
                        : b.named(l.name() + "/" + c.activation()).activation(y, c.activation());
            }
            case LayerConfig.ActivationLayer a -> a.activation().kind() == Activation.Kind.NONE ? in.getFirst()
                    : b.named(l.name()).activation(in.getFirst(), a.activation());
            case LayerConfig.LeakyReLU lr -> b.named(l.name()).activation(in.getFirst(), lr.activation());
            case LayerConfig.MultiplyBeta mb -> b.named(l.name()).scale(in.getFirst(), mb.beta());
            case LayerConfig.Add _ -> {
                Value y = b.named(l.name()).add(in.get(0), in.get(1));
                for (int i = 2; i < in.size(); i++) y = b.named(l.name() + "/add" + i).add(y, in.get(i));
                yield y;
            }
            case LayerConfig.Concatenate _ -> b.named(l.name()).concat(in);
            case LayerConfig.UpSampling2D u -> b.named(l.name()).upsampleNearest(in.getFirst(), u.sizeH(), u.sizeW());
            case LayerConfig.PixelShuffle p -> b.named(l.name()).pixelShuffle(in.getFirst(), p.block(),
                    PixelShuffle.Mode.DCR);
        };
    }
}

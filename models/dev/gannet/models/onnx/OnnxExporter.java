// Exports a gannet Graph to ONNX as PyTorch's exporter would write the same network: NCHW
// activations between one Transpose at each graph input and output (which stay NHWC, like gannet's),
// weights as initializers in PyTorch's layouts named by their parameter names, opset 17.
package dev.gannet.models.onnx;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Node;
import dev.gannet.graph.Op;
import dev.gannet.graph.Param;
import dev.gannet.graph.Value;
import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvTranspose2d;
import dev.gannet.ops.PadMode;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every graph op has an ONNX form: conv2d is Conv (preceded by Pad for reflect/replicate padding
 * and by Resize for a fused nearest upsample), conv_transpose2d ConvTranspose, linear Gemm on
 * (N, C) rows when H = W = 1 (a classifier head) and a 1x1 Conv otherwise, batchnorm
 * BatchNormalization, instancenorm InstanceNormalization, activations Relu / LeakyRelu / Tanh /
 * Sigmoid, add and mul with scalar Mul for their scales, affine Mul + Add, clamp Clip, pad2d Pad,
 * nearest upsampling Resize (asymmetric, floor), bilinear Resize (pytorch_half_pixel), pixel shuffle
 * DepthToSpace (DCR or CRD) and its inverse SpaceToDepth (DCR) or Reshape/Transpose (CRD), concat
 * Concat on axis 1, reshape Transpose/Reshape/Transpose in NHWC order, pooling AveragePool (padding
 * not counted, as gannet averages) / MaxPool / GlobalAveragePool, gram MatMul, mean-all and
 * mean-channel ReduceMean, mse and l1 Sub + Mul/Abs + ReduceMean. An area resize and casts to
 * another dtype have no export and are errors naming the node.
 */
public final class OnnxExporter {
    private final Graph graph;
    private final OnnxWriter w;
    private final Map<Integer, String> names = new HashMap<>();
    private final Map<Integer, Param> paramOf = new HashMap<>();
    private final Map<String, String> torchInit = new HashMap<>();
    private final Map<String, String> broadcastInit = new HashMap<>();

    private OnnxExporter(Graph graph) {
        this.graph = graph;
        this.w = new OnnxWriter(graph.name(), "gannet");
    }

    /** The ONNX model of a graph whose parameters are all bound. */
    public static OnnxWriter export(Graph g) {
        if (!g.unboundParams().isEmpty()) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, g.name() + ": parameters without values cannot be "
                    + "exported: " + g.unboundParams());
        }
        OnnxExporter e = new OnnxExporter(g);
        e.run();
        return e.w;
    }

    /** Exports to a file, atomically. */
    public static void export(Graph g, Path file) {
        export(g).write(file);
    }

    private void run() {
        for (Node n : graph.nodes()) {
            try {
                emit(n);
            } catch (GannetException e) {
                if (e.detail().contains("node '" + n.name() + "'")) throw e;
                throw new GannetException(e.code(), graph.name() + ": node '" + n.name() + "' (" + n.op().kind()
                        + "): " + e.detail(), e);
            }
        }
        for (var out : graph.outputs().entrySet()) {
            Value v = out.getValue();
            String nhwc = w.transpose(in(v), out.getKey() + "_nhwc", 0, 2, 3, 1);
            Shape s = v.shape();
            w.output(nhwc, out.getKey(), s.n(), s.h(), s.w(), s.c());
        }
    }

    private GannetException unsupported(Node n, String why) {
        return new GannetException(ErrorCode.UNSUPPORTED, graph.name() + ": node '" + n.name() + "' (" + n.op().kind()
                + ") has no ONNX export: " + why);
    }

    /** The ONNX name of an activation-position value (a parameter becomes a broadcastable NCHW constant). */
    private String in(Value v) {
        Param p = paramOf.get(v.id());
        if (p != null) return broadcast(p);
        String n = names.get(v.id());
        if (n == null) throw new GannetException(ErrorCode.INTERNAL, graph.name() + ": value " + v + " has no ONNX name");
        return n;
    }

    private float[] gannetValues(Param p) {
        return graph.weights().get(p.name()).toGannet(p);
    }

    private float[] torchValues(Param p) {
        return p.layout().toTorch(gannetValues(p), p.shape());
    }

    /** The parameter as an initializer in PyTorch's shape, named like the parameter (once). */
    private String torch(Value v) {
        Param p = paramOf.get(v.id());
        if (p == null) {
            throw new GannetException(ErrorCode.UNSUPPORTED, "its weights are computed by the graph (value " + v
                    + "), ONNX export needs them to be parameters");
        }
        return torchInit.computeIfAbsent(p.name(), k -> w.floats(p.name(), torchValues(p), p.torchShape()));
    }

    /** The parameter shaped to broadcast against NCHW activations: a vector as (1, K, 1, 1), a tensor as NCHW. */
    private String broadcast(Param p) {
        return broadcastInit.computeIfAbsent(p.name(), k -> {
            Shape s = p.shape();
            return switch (p.layout()) {
                case VECTOR -> w.floats(p.name(), gannetValues(p), 1, s.c(), 1, 1);
                case TENSOR -> w.floats(p.name(), torchValues(p), s.n(), s.c(), s.h(), s.w());
                default -> throw new GannetException(ErrorCode.UNSUPPORTED, "parameter " + p.describe()
                        + " is used as an activation; only vectors and tensors can be");
            };
        });
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private void emit(Node n) {
        List<Value> ins = n.inputs();
        Value out = n.output();
        String y = switch (n.op()) {
            case Op.Input i -> {
                if (i.type().dtype() != DType.F32) throw unsupported(n, "inputs must be F32, this one is " + i.type());
                Shape s = out.shape();
                String x = w.input(i.name(), s.n(), s.h(), s.w(), s.c());
                yield w.transpose(x, i.name() + "_nchw", 0, 3, 1, 2);
            }
            case Op.ParamRef p -> {
                paramOf.put(out.id(), p.param());
                yield null;
            }
            case Op.Conv c -> conv(n, c.attrs(), ins);
            case Op.ConvTranspose c -> {
                ConvTranspose2d.Attrs a = c.attrs();
                Shape ws = ins.get(1).shape();
                String x = in(ins.get(0));
                String wt = torch(ins.get(1));
                List<String> args = new ArrayList<>(List.of(x, wt));
                if (c.hasBias()) args.add(torch(ins.get(2)));
                yield w.node("ConvTranspose", args, n.name(), List.of(OnnxWriter.attr("kernel_shape", ws.h(), ws.w()),
                        OnnxWriter.attr("strides", a.strideH(), a.strideW()),
                        OnnxWriter.attr("dilations", a.dilH(), a.dilW()),
                        OnnxWriter.attr("pads", a.padH(), a.padW(), a.padH(), a.padW()),
                        OnnxWriter.attr("output_padding", a.outPadH(), a.outPadW()), OnnxWriter.attr("group", 1L)));
            }
            case Op.LinearOp l -> linear(n, l, ins);
            case Op.BatchNormOp bn -> {
                int c = out.shape().c();
                String stem = n.name();
                List<String> args = List.of(in(ins.get(0)),
                        bn.affine() ? torch(ins.get(3)) : w.constantNode(stem + "_ones", filled(c, 1f), c),
                        bn.affine() ? torch(ins.get(4)) : w.constantNode(stem + "_zeros", new float[c], c),
                        torch(ins.get(1)), torch(ins.get(2)));
                yield w.node("BatchNormalization", args, stem, List.of(OnnxWriter.attr("epsilon", bn.eps()),
                        OnnxWriter.attr("momentum", 1 - bn.momentum())));
            }
            case Op.InstanceNormOp inorm -> {
                int c = out.shape().c();
                String stem = n.name();
                String g = inorm.affine() ? torch(ins.get(1)) : w.constantNode(stem + "_ones", filled(c, 1f), c);
                String b = inorm.affine() ? torch(ins.get(2)) : w.constantNode(stem + "_zeros", new float[c], c);
                yield w.node("InstanceNormalization", List.of(in(ins.get(0)), g, b), stem,
                        List.of(OnnxWriter.attr("epsilon", inorm.eps())));
            }
            case Op.Act a -> activation(in(ins.get(0)), a.act(), n.name());
            case Op.Add a -> {
                String l = scaled(in(ins.get(0)), a.sa());
                String r = scaled(in(ins.get(1)), a.sb());
                yield w.node("Add", List.of(l, r), n.name(), List.of());
            }
            case Op.Mul m -> scaled(w.node("Mul", List.of(in(ins.get(0)), in(ins.get(1))), n.name(), List.of()),
                    m.scale());
            case Op.Affine a -> {
                String x = scaled(in(ins.get(0)), a.scale());
                yield a.shift() == 0f ? x : w.addScalar(x, a.shift());
            }
            case Op.Clamp c -> w.clip(in(ins.get(0)), c.lo(), c.hi());
            case Op.Pad p -> w.pad(in(ins.get(0)), padMode(p.mode()), p.top(), p.left(), p.bottom(), p.right(),
                    p.value());
            case Op.Resize r -> switch (r.mode()) {
                case NEAREST -> w.resizeNearest(in(ins.get(0)), r.factorH(), r.factorW());
                case BILINEAR -> {
                    Shape s = out.shape();
                    String sizes = w.longs(n.name() + "_sizes", new long[] {s.n(), s.c(), s.h(), s.w()}, 4);
                    yield w.node("Resize", List.of(in(ins.get(0)), "", "", sizes), n.name(),
                            List.of(OnnxWriter.attr("mode", "linear"),
                                    OnnxWriter.attr("coordinate_transformation_mode", "pytorch_half_pixel")));
                }
                case AREA -> throw unsupported(n, "ONNX has no exact box-filter resize");
            };
            case Op.Shuffle s -> shuffle(n, s, in(ins.get(0)), ins.get(0).shape());
            case Op.Concat c -> w.concat(ins.stream().map(this::in).toList(), 1);
            case Op.Reshape r -> {
                Shape t = r.to();
                String nhwc = w.transpose(in(ins.get(0)), n.name() + "_nhwc", 0, 2, 3, 1);
                String re = w.reshape(nhwc, t.n(), t.h(), t.w(), t.c());
                yield w.transpose(re, n.name(), 0, 3, 1, 2);
            }
            case Op.CastOp c -> {
                if (c.to() != DType.F32 || ins.get(0).dtype() != DType.F32) {
                    throw unsupported(n, "casts between dtypes are not exported (inputs and outputs are F32)");
                }
                String x = scaled(in(ins.get(0)), c.scale());
                yield c.offset() == 0f ? x : w.addScalar(x, c.offset());
            }
            case Op.Pool p -> switch (p.mode()) {
                case AVG -> w.averagePool(in(ins.get(0)), p.k(), p.k(), p.stride(), p.stride(), p.pad(), p.pad(), p.pad(),
                        p.pad(), false);
                case MAX -> w.maxPool(in(ins.get(0)), p.k(), p.k(), p.stride(), p.stride(), p.pad(), p.pad(), p.pad(),
                        p.pad());
                case GLOBAL_AVG -> w.globalAveragePool(in(ins.get(0)));
            };
            case Op.GramOp gram -> {
                Shape s = ins.get(0).shape();
                String f = w.reshape(in(ins.get(0)), s.n(), s.c(), (long) s.h() * s.w());
                String ft = w.transpose(f, n.name() + "_ft", 0, 2, 1);
                String g = w.node("MatMul", List.of(f, ft), n.name() + "_ffT", List.of());
                yield w.reshape(scaled(g, gram.scale()), s.n(), s.c(), 1, s.c());
            }
            case Op.ReduceOp r -> switch (r.reduction()) {
                case MEAN_ALL -> w.reduceMean(in(ins.get(0)), true, 0, 1, 2, 3);
                case MEAN_CHANNEL -> w.reduceMean(in(ins.get(0)), true, 0, 2, 3);
                case MSE -> {
                    String d = w.node("Sub", List.of(in(ins.get(0)), in(ins.get(1))), n.name() + "_diff", List.of());
                    yield w.reduceMean(w.mul(d, d), true, 0, 1, 2, 3);
                }
                case L1 -> {
                    String d = w.node("Sub", List.of(in(ins.get(0)), in(ins.get(1))), n.name() + "_diff", List.of());
                    yield w.reduceMean(w.node("Abs", List.of(d), n.name() + "_abs", List.of()), true, 0, 1, 2, 3);
                }
            };
        };
        if (y != null) names.put(out.id(), y);
    }

    private String conv(Node n, Conv2d.Attrs a, List<Value> ins) {
        String x = in(ins.get(0));
        if (a.upsample() > 1) x = w.resizeNearest(x, a.upsample(), a.upsample());
        int top = a.padTop(), left = a.padLeft(), bottom = a.padBottom(), right = a.padRight();
        if (a.padMode() != PadMode.ZERO && (top | left | bottom | right) != 0) {
            // PyTorch writes padding_mode='reflect'/'replicate' as a Pad node before a Conv without padding.
            x = w.pad(x, padMode(a.padMode()), top, left, bottom, right, 0f);
            top = left = bottom = right = 0;
        }
        List<String> args = new ArrayList<>(List.of(x, torch(ins.get(1))));
        if (ins.size() > 2) args.add(torch(ins.get(2)));
        return w.node("Conv", args, n.name(), List.of(OnnxWriter.attr("kernel_shape", a.r(), a.s()),
                OnnxWriter.attr("strides", a.strideH(), a.strideW()), OnnxWriter.attr("dilations", a.dilH(), a.dilW()),
                OnnxWriter.attr("pads", top, left, bottom, right), OnnxWriter.attr("group", 1L)));
    }

    private String linear(Node n, Op.LinearOp l, List<Value> ins) {
        Shape x = ins.get(0).shape();
        Shape ws = ins.get(1).shape(); // 1 x 1 x K x C
        int k = ws.w(), c = ws.c();
        if (x.h() == 1 && x.w() == 1) {
            // A classifier head: PyTorch writes Flatten + Gemm; the result goes back to (N, K, 1, 1).
            List<String> args = new ArrayList<>(List.of(w.flatten(in(ins.get(0))), torch(ins.get(1))));
            if (l.hasBias()) args.add(torch(ins.get(2)));
            String g = w.node("Gemm", args, n.name(), List.of(OnnxWriter.attr("alpha", 1f), OnnxWriter.attr("beta", 1f),
                    OnnxWriter.attr("transB", 1L)));
            return w.reshape(g, x.n(), k, 1, 1);
        }
        // Per pixel: a 1x1 convolution with the matrix as (K, C, 1, 1).
        Param p = paramOf.get(ins.get(1).id());
        if (p == null) throw unsupported(n, "its weights are computed by the graph");
        List<String> args = new ArrayList<>(List.of(in(ins.get(0)), w.floats(p.name() + "_1x1", torchValues(p), k, c,
                1, 1)));
        if (l.hasBias()) args.add(torch(ins.get(2)));
        return w.node("Conv", args, n.name(), List.of(OnnxWriter.attr("kernel_shape", 1, 1)));
    }

    private String shuffle(Node n, Op.Shuffle s, String x, Shape in) {
        if (!s.inverse()) return w.depthToSpace(x, s.block(), s.mode() == PixelShuffle.Mode.DCR ? "DCR" : "CRD");
        if (s.mode() == PixelShuffle.Mode.DCR) return w.spaceToDepth(x, s.block());
        // PyTorch's pixel_unshuffle (CRD) as its exporter writes it: reshape, transpose, reshape.
        int r = s.block();
        String six = w.reshape(x, in.n(), in.c(), in.h() / r, r, in.w() / r, r);
        String t = w.transpose(six, n.name() + "_perm", 0, 1, 3, 5, 2, 4);
        return w.reshape(t, in.n(), (long) in.c() * r * r, in.h() / r, in.w() / r);
    }

    private String activation(String x, Activation a, String stem) {
        return switch (a.kind()) {
            case NONE -> w.node("Identity", List.of(x), stem, List.of());
            case RELU -> w.node("Relu", List.of(x), stem, List.of());
            case LEAKY -> w.node("LeakyRelu", List.of(x), stem, List.of(OnnxWriter.attr("alpha", a.alpha())));
            case TANH -> w.node("Tanh", List.of(x), stem, List.of());
            case SIGMOID -> w.node("Sigmoid", List.of(x), stem, List.of());
        };
    }

    private String scaled(String x, float s) {
        return s == 1f ? x : w.mulScalar(x, s);
    }

    static String padMode(PadMode m) {
        return switch (m) {
            case ZERO -> "constant";
            case REFLECT -> "reflect";
            case REPLICATE -> "edge";
        };
    }
}

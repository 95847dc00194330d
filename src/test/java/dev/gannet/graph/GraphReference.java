// The graph IR evaluated node by node in double precision with the reference ops (DESIGN §8 layer
// 1): the independent check of what a compiled Plan computes, whatever its passes and precision.
package dev.gannet.graph;

import dev.gannet.ops.Activation;
import dev.gannet.ops.PixelShuffle;
import dev.gannet.ops.Pool2d;
import dev.gannet.ref.HostTensor;
import dev.gannet.ref.RefOps;
import dev.gannet.ref.RefOpsConv;
import dev.gannet.ref.RefOpsConvTranspose;
import dev.gannet.ref.RefOpsElementwise;
import dev.gannet.ref.RefOpsGramPoolLinear;
import dev.gannet.ref.RefOpsNorm;
import dev.gannet.ref.RefOpsResample;
import dev.gannet.runtime.Shape;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class GraphReference {
    private GraphReference() {}

    /** Every output of {@code g} for the given inputs (by input name), computed in double. */
    public static Map<String, HostTensor> evaluate(Graph g, Map<String, float[]> inputs) {
        Map<Integer, HostTensor> v = new HashMap<>();
        for (Node n : g.nodes()) {
            List<HostTensor> in = n.inputs().stream().map(x -> v.get(x.id())).toList();
            Value out = n.output();
            HostTensor y = switch (n.op()) {
                case Op.Input i -> {
                    float[] data = inputs.get(i.name());
                    if (data == null) throw new IllegalArgumentException("no data for input " + i.name());
                    yield HostTensor.of(out.shape(), data);
                }
                case Op.ParamRef p -> HostTensor.of(out.shape(), g.weights().get(p.param().name()).toGannet(p.param()));
                case Op.Conv c -> RefOpsConv.conv2d(in.get(0), in.get(1), c.attrs(),
                        new RefOpsConv.Ep(c.hasBias() ? floats(in.get(2)) : null, null, null, Activation.NONE, 1, null, 1));
                case Op.ConvTranspose c -> {
                    var a = c.attrs();
                    yield RefOpsConvTranspose.convTranspose2d(in.get(0), in.get(1), a.strideH(), a.strideW(), a.padH(),
                            a.padW(), a.outPadH(), a.outPadW(), a.dilH(), a.dilW(), new RefOpsConvTranspose.Ep(
                                    c.hasBias() ? in.get(2).data() : null, null, null, Activation.NONE, 1, null, 1));
                }
                case Op.LinearOp l -> RefOpsGramPoolLinear.linear(in.get(0), in.get(1),
                        l.hasBias() ? in.get(2).data() : null, null, null, Activation.NONE, 1, null, 1);
                case Op.BatchNormOp b -> RefOpsNorm.batchnorm(in.get(0), b.affine() ? in.get(3).data() : null,
                        b.affine() ? in.get(4).data() : null, in.get(1).data(), in.get(2).data(), false, b.momentum(),
                        b.eps(), Activation.NONE).y();
                case Op.InstanceNormOp i -> RefOpsNorm.instancenorm(in.get(0), i.affine() ? in.get(1).data() : null,
                        i.affine() ? in.get(2).data() : null, i.eps(), Activation.NONE);
                case Op.Act a -> RefOpsElementwise.affine(in.get(0), out.shape(), 1, 0, a.act());
                case Op.Add a -> RefOpsElementwise.add(in.get(0), in.get(1), out.shape(), a.sa(), a.sb(), Activation.NONE);
                case Op.Mul m -> RefOpsElementwise.mul(in.get(0), in.get(1), out.shape(), m.scale(), Activation.NONE);
                case Op.Affine a -> RefOpsElementwise.affine(in.get(0), out.shape(), a.scale(), a.shift(), Activation.NONE);
                case Op.Clamp c -> RefOpsElementwise.clamp(in.get(0), out.shape(), c.lo(), c.hi());
                case Op.Pad p -> RefOps.pad2d(in.get(0), p.top(), p.left(), p.bottom(), p.right(), p.mode(), p.value());
                case Op.Resize r -> switch (r.mode()) {
                    case NEAREST -> RefOpsResample.nearest(in.get(0), r.factorH(), r.factorW());
                    case BILINEAR -> RefOpsResample.bilinear(in.get(0), r.outH(), r.outW());
                    case AREA -> RefOpsResample.area(in.get(0), r.outH(), r.outW());
                };
                case Op.Shuffle s -> s.inverse()
                        ? RefOpsResample.pixelUnshuffle(in.get(0), s.block(), s.mode() == PixelShuffle.Mode.CRD)
                        : RefOpsResample.pixelShuffle(in.get(0), s.block(), s.mode() == PixelShuffle.Mode.CRD);
                case Op.Concat _ -> concat(in, out.shape());
                case Op.Reshape r -> new HostTensor(r.to(), in.get(0).data().clone());
                case Op.CastOp c -> RefOpsElementwise.cast(in.get(0), out.shape(), c.scale(), c.offset(), null, null,
                        c.to());
                case Op.Pool p -> p.mode() == Pool2d.Mode.GLOBAL_AVG ? RefOpsGramPoolLinear.globalAvg(in.get(0))
                        : RefOpsGramPoolLinear.pool2d(in.get(0), p.mode() == Pool2d.Mode.MAX, p.k(), p.k(), p.stride(),
                                p.stride(), p.pad(), p.pad());
                case Op.GramOp gr -> RefOpsGramPoolLinear.gram(in.get(0), gr.scale());
                case Op.ReduceOp r -> switch (r.reduction()) {
                    case MEAN_ALL -> RefOpsElementwise.meanAll(in.get(0));
                    case MEAN_CHANNEL -> RefOpsElementwise.meanChannel(in.get(0));
                    case MSE -> RefOpsElementwise.mse(in.get(0), in.get(1));
                    case L1 -> RefOpsElementwise.l1(in.get(0), in.get(1));
                };
            };
            if (!y.shape().equals(out.shape())) {
                throw new IllegalStateException(n + ": reference shape " + y.shape() + " but the graph says " + out.shape());
            }
            v.put(out.id(), y);
        }
        Map<String, HostTensor> outs = new LinkedHashMap<>();
        g.outputs().forEach((k, val) -> outs.put(k, v.get(val.id())));
        return outs;
    }

    private static float[] floats(HostTensor t) {
        float[] f = new float[t.data().length];
        for (int i = 0; i < f.length; i++) f[i] = (float) t.data()[i];
        return f;
    }

    private static HostTensor concat(List<HostTensor> in, Shape ys) {
        HostTensor y = HostTensor.zeros(ys);
        int at = 0;
        for (HostTensor x : in) {
            Shape s = x.shape();
            for (int n = 0; n < s.n(); n++)
                for (int h = 0; h < s.h(); h++)
                    for (int w = 0; w < s.w(); w++)
                        for (int c = 0; c < s.c(); c++) y.set(n, h, w, at + c, x.get(n, h, w, c));
            at += s.c();
        }
        return y;
    }

}

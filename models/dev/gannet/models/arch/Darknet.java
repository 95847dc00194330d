// Darknet for CIFAR-10 as the fast.ai lesson builds it (DESIGN §9), with the lesson's module names
// (layers.<i>...), and its wide variant whose residual layers widen (ni*2) instead of narrowing (ni//2).
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;
import java.util.List;

/**
 * {@code conv_layer(ni, nf, ks, stride)} = Conv(bias=False, pad ks//2) -> BatchNorm(momentum 0.01)
 * -> LeakyReLU(0.1) (Sequential indices 0, 1, 2); {@code ResLayer(ni)} = x + conv2(conv1(x)) with
 * conv1 a 1x1 conv_layer to ni//2 (wide: ni*2) and conv2 a 3x3 back to ni. {@code layers} = a 3x3
 * conv_layer(3, nf), then per group a conv_layer doubling channels (stride 1 for the first group, 2
 * for the others) followed by that group's ResLayers, then AdaptiveAvgPool2d(1), Flatten, Linear.
 */
public record Darknet(List<Integer> numBlocks, int numClasses, int nf, boolean wide) implements Architecture {
    public Darknet {
        numBlocks = List.copyOf(numBlocks);
        Dcgan.check(!numBlocks.isEmpty() && numClasses > 0 && nf > 1, "Darknet", "sizes must be positive");
    }

    /** {@code Darknet([1, 2, 4, 6, 3], 10, nf=32)}, the lesson's CIFAR-10 network. */
    public static Darknet cifar10(boolean wide) {
        return new Darknet(List.of(1, 2, 4, 6, 3), 10, 32, wide);
    }

    public String describe() {
        return "Darknet(" + numBlocks + ", " + numClasses + ", nf=" + nf + (wide ? ", wide" : "") + ")";
    }

    public Shape defaultInput(int n) {
        return Shape.of(n, 32, 32, 3);
    }

    public Graph graph(Shape in) {
        Dcgan.check(in.c() == 3, describe(), "takes N x H x W x 3, got " + in);
        GraphBuilder b = new GraphBuilder(wide ? "darknet-wide" : "darknet");
        int i = 0;
        Value x = convLayer(b, b.input("image", in), "layers." + i++, nf, 3, 1);
        int ch = nf;
        for (int g = 0; g < numBlocks.size(); g++) {
            x = convLayer(b, x, "layers." + i++, ch * 2, 3, g == 0 ? 1 : 2);
            ch *= 2;
            for (int r = 0; r < numBlocks.get(g); r++) {
                String p = "layers." + i++;
                int mid = wide ? ch * 2 : ch / 2;
                Value y = convLayer(b, x, p + ".conv1", mid, 1, 1);
                y = convLayer(b, y, p + ".conv2", ch, 3, 1);
                x = b.named(p + ".add").add(x, y);
            }
        }
        x = b.named("layers." + i++).globalAvgPool(x);
        i++; // Flatten: (N, C, 1, 1) -> (N, C) is no node in NHWC, the pooled value already is (N, 1, 1, C)
        b.output("logits", b.linear(x, "layers." + i, numClasses, true));
        return b.build();
    }

    private static Value convLayer(GraphBuilder b, Value x, String prefix, int nf, int ks, int stride) {
        Value y = b.conv2d(x, prefix + ".0", nf, ks, stride, ks / 2, PadMode.ZERO, false);
        y = b.batchNorm(y, prefix + ".1", 1e-5f, 0.01f, true);
        return b.named(prefix + ".2").leakyRelu(y, 0.1f);
    }
}

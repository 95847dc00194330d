// Fast style transfer's TransformerNet (Johnson et al.; pytorch/examples fast_neural_style,
// transformer_net.py) with its module names: reflection-padded convs, affine InstanceNorm, five
// residual blocks, upsample (nearest x2) + conv instead of transposed convs.
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The network as trained by pytorch/examples: its images are RGB in 0..255 in and out (the training
 * script multiplies by 255 and the stylize script clamps the output to 0..255). Old checkpoints carry
 * {@code in<k>.running_mean/var} entries from a PyTorch version whose InstanceNorm tracked them;
 * they are ignored on load, as the examples' own stylize script deletes them.
 */
public record TransformerNet() implements Architecture {
    private static final Pattern OLD_RUNNING_STATS = Pattern.compile("(.*\\.)?in\\d+\\.running_(mean|var)");

    public String describe() {
        return "TransformerNet()";
    }

    public Shape defaultInput(int n) {
        return Shape.of(n, 256, 256, 3);
    }

    public Predicate<String> ignoredOnLoad() {
        return n -> OLD_RUNNING_STATS.matcher(n).matches();
    }

    public Graph graph(Shape in) {
        Dcgan.check(in.c() == 3 && in.h() % 4 == 0 && in.w() % 4 == 0 && in.h() >= 20 && in.w() >= 20, describe(),
                "takes N x H x W x 3 with H and W multiples of 4, at least 20, got " + in);
        GraphBuilder b = new GraphBuilder("transformer-net");
        Value y = b.input("image", in);
        y = normRelu(b, convLayer(b, y, "conv1", 32, 9, 1, 1), "in1");
        y = normRelu(b, convLayer(b, y, "conv2", 64, 3, 2, 1), "in2");
        y = normRelu(b, convLayer(b, y, "conv3", 128, 3, 2, 1), "in3");
        for (int r = 1; r <= 5; r++) {
            String p = "res" + r;
            Value t = normRelu(b, convLayer(b, y, p + ".conv1", 128, 3, 1, 1), p + ".in1");
            t = b.instanceNorm(convLayer(b, t, p + ".conv2", 128, 3, 1, 1), p + ".in2", true);
            y = b.named(p + ".add").add(t, y);
        }
        y = normRelu(b, convLayer(b, y, "deconv1", 64, 3, 1, 2), "in4");
        y = normRelu(b, convLayer(b, y, "deconv2", 32, 3, 1, 2), "in5");
        b.output("image", convLayer(b, y, "deconv3", 3, 9, 1, 1));
        return b.build();
    }

    /** ConvLayer / UpsampleConvLayer: [nearest upsample], ReflectionPad(k//2), Conv2d (named prefix.conv2d). */
    private static Value convLayer(GraphBuilder b, Value x, String prefix, int out, int k, int stride, int upsample) {
        if (upsample > 1) x = b.named(prefix + ".upsample").upsampleNearest(x, upsample);
        x = b.named(prefix + ".reflection_pad").pad(x, k / 2, PadMode.REFLECT);
        return b.conv2d(x, prefix + ".conv2d", out, k, stride, 0, PadMode.ZERO, true);
    }

    private static Value normRelu(GraphBuilder b, Value x, String norm) {
        return b.named(norm + ".relu").relu(b.instanceNorm(x, norm, true));
    }
}

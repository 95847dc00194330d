// VGG16's convolutional part (torchvision vgg16().features, configuration D) with torchvision's
// parameter names (features.<i>.weight/bias), max pooling or, for neural style, average pooling.
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;
import java.util.List;

/**
 * Modules 0..30: 3x3 convs (pad 1, bias) each followed by a ReLU, and 2x2 stride-2 pools at 4, 9,
 * 16, 23, 30. {@code outputs} lists the module indices whose results are graph outputs (named
 * {@code features.<i>}); Gatys' style layers are the ReLUs 1, 6, 11, 18, 25 and the content layer
 * 20 (relu4_2). Inputs are what torchvision's weights expect: RGB normalized with ImageNet's mean
 * and standard deviation.
 */
public record Vgg16(boolean averagePooling, List<Integer> outputs) implements Architecture {
    /** Configuration D: channels of each conv, 0 for a pool. */
    static final int[] CFG = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
    public static final int LAST = 30;

    public Vgg16 {
        outputs = List.copyOf(outputs);
        Dcgan.check(!outputs.isEmpty() && outputs.stream().allMatch(o -> o >= 0 && o <= LAST), "VGG16",
                "output indices must be modules 0.." + LAST + ", got " + outputs);
    }

    public String describe() {
        return "vgg16.features(" + (averagePooling ? "average" : "max") + " pooling, outputs " + outputs + ")";
    }

    public Shape defaultInput(int n) {
        return Shape.of(n, 224, 224, 3);
    }

    public Graph graph(Shape in) {
        Dcgan.check(in.c() == 3 && in.h() >= 32 && in.w() >= 32, describe(), "takes N x H x W x 3 with H, W >= 32, got "
                + in);
        GraphBuilder b = new GraphBuilder(averagePooling ? "vgg16-avg" : "vgg16");
        Value x = b.input("image", in);
        int last = outputs.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int i = 0;
        for (int ch : CFG) {
            if (i > last) break;
            if (ch == 0) {
                x = averagePooling ? b.named("features." + i).avgPool(x, 2, 2, 0)
                        : b.named("features." + i).maxPool(x, 2, 2, 0);
                if (outputs.contains(i)) b.output("features." + i, x);
                i++;
            } else {
                x = b.conv2d(x, "features." + i, ch, 3, 1, 1, PadMode.ZERO, true);
                if (outputs.contains(i)) b.output("features." + i, x);
                x = b.named("features." + (i + 1)).relu(x);
                if (outputs.contains(i + 1)) b.output("features." + (i + 1), x);
                i += 2;
            }
        }
        return b.build();
    }
}

// A small U-Net in the form of the widely used milesial/Pytorch-UNet (bilinear=False), with its module
// names (inc, down1..4, up1..4, outc), the width a parameter (64 there; 16 by default here).
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;

/**
 * DoubleConv = (Conv 3x3 pad 1 no bias, BatchNorm, ReLU) x 2 ({@code double_conv.0, .1, .3, .4});
 * Down = MaxPool 2 then DoubleConv ({@code maxpool_conv.1}); Up = ConvTranspose(in, in/2, 2, stride 2)
 * ({@code up}), concatenation [skip, upsampled], DoubleConv ({@code conv}); OutConv = Conv 1x1
 * ({@code outc.conv}). Height and width must be multiples of 16.
 */
public record UNet(int nChannels, int nClasses, int width) implements Architecture {
    public UNet {
        Dcgan.check(nChannels > 0 && nClasses > 0 && width > 0, "UNet", "sizes must be positive");
    }

    public static UNet small() {
        return new UNet(3, 3, 16);
    }

    public String describe() {
        return "UNet(n_channels=" + nChannels + ", n_classes=" + nClasses + ", width=" + width + ")";
    }

    public Shape defaultInput(int n) {
        return Shape.of(n, 64, 64, nChannels);
    }

    public Graph graph(Shape in) {
        Dcgan.check(in.c() == nChannels && in.h() % 16 == 0 && in.w() % 16 == 0 && in.h() > 0, describe(),
                "takes N x H x W x " + nChannels + " with H and W multiples of 16, got " + in);
        GraphBuilder b = new GraphBuilder("unet");
        Value[] skip = new Value[5];
        skip[0] = doubleConv(b, b.input("image", in), "inc", width);
        for (int d = 1; d <= 4; d++) {
            String p = "down" + d + ".maxpool_conv";
            Value x = b.named(p + ".0").maxPool(skip[d - 1], 2, 2, 0);
            skip[d] = doubleConv(b, x, p + ".1", width << d);
        }
        Value x = skip[4];
        for (int u = 1; u <= 4; u++) {
            int ch = width << (5 - u); // channels into this Up block
            Value up = b.convTranspose2d(x, "up" + u + ".up", ch / 2, 2, 2, 0, 0, true);
            Value cat = b.named("up" + u + ".cat").concat(skip[4 - u], up);
            x = doubleConv(b, cat, "up" + u + ".conv", ch / 2);
        }
        b.output("logits", b.conv2d(x, "outc.conv", nClasses, 1, 1, 0, PadMode.ZERO, true));
        return b.build();
    }

    private static Value doubleConv(GraphBuilder b, Value x, String prefix, int out) {
        String p = prefix + ".double_conv.";
        Value y = b.conv2d(x, p + "0", out, 3, 1, 1, PadMode.ZERO, false);
        y = b.named(p + "2").relu(b.batchNorm(y, p + "1"));
        y = b.conv2d(y, p + "3", out, 3, 1, 1, PadMode.ZERO, false);
        return b.named(p + "5").relu(b.batchNorm(y, p + "4"));
    }
}

// CycleGAN's ResnetGenerator (junyanz/pytorch-CycleGAN-and-pix2pix, networks.py) with its default
// InstanceNorm (affine=False, so convs keep their bias) and its module names (model.<i>...).
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;

/**
 * {@code model} = ReflectionPad(3), Conv 7x7, norm, ReLU (indices 0-3); two Conv 3x3 stride 2 + norm +
 * ReLU (4-9); {@code nBlocks} ResnetBlocks (10...; inside: {@code conv_block.1} and {@code .5} are
 * the convs after ReflectionPad(1)); two ConvTranspose(3, stride 2, pad 1, output_padding 1) + norm
 * + ReLU; ReflectionPad(3), Conv 7x7 to {@code outputNc}, Tanh. Height and width must be multiples of 4.
 */
public record ResnetGenerator(int inputNc, int outputNc, int ngf, int nBlocks) implements Architecture {
    public ResnetGenerator {
        Dcgan.check(inputNc > 0 && outputNc > 0 && ngf > 0 && nBlocks >= 0, "ResnetGenerator", "sizes must be positive");
    }

    /** CycleGAN's default: resnet_9blocks, 3 channels in and out, ngf 64. */
    public static ResnetGenerator cycleGan() {
        return new ResnetGenerator(3, 3, 64, 9);
    }

    public String describe() {
        return "ResnetGenerator(" + inputNc + ", " + outputNc + ", ngf=" + ngf + ", n_blocks=" + nBlocks + ")";
    }

    public Shape defaultInput(int n) {
        return Shape.of(n, 256, 256, inputNc);
    }

    public Graph graph(Shape in) {
        Dcgan.check(in.c() == inputNc && in.h() % 4 == 0 && in.w() % 4 == 0 && in.h() > 12 && in.w() > 12,
                describe(), "takes N x H x W x " + inputNc + " with H and W multiples of 4 above 12, got " + in);
        GraphBuilder b = new GraphBuilder("cyclegan-resnet-generator");
        Value x = b.named("model.0").pad(b.input("image", in), 3, PadMode.REFLECT);
        x = b.conv2d(x, "model.1", ngf, 7, 1, 0, PadMode.ZERO, true);
        x = b.named("model.3").relu(b.instanceNorm(x, "model.2", false));
        int i = 4;
        for (int d = 0; d < 2; d++, i += 3) {
            int mult = 1 << d;
            x = b.conv2d(x, "model." + i, ngf * mult * 2, 3, 2, 1, PadMode.ZERO, true);
            x = b.named("model." + (i + 2)).relu(b.instanceNorm(x, "model." + (i + 1), false));
        }
        int dim = ngf * 4;
        for (int r = 0; r < nBlocks; r++, i++) {
            String p = "model." + i + ".conv_block.";
            Value y = b.named(p + "0").pad(x, 1, PadMode.REFLECT);
            y = b.conv2d(y, p + "1", dim, 3, 1, 0, PadMode.ZERO, true);
            y = b.named(p + "3").relu(b.instanceNorm(y, p + "2", false));
            y = b.named(p + "4").pad(y, 1, PadMode.REFLECT);
            y = b.conv2d(y, p + "5", dim, 3, 1, 0, PadMode.ZERO, true);
            y = b.instanceNorm(y, p + "6", false);
            x = b.named("model." + i + ".add").add(x, y);
        }
        for (int d = 0; d < 2; d++, i += 3) {
            int mult = 1 << (2 - d);
            x = b.convTranspose2d(x, "model." + i, ngf * mult / 2, 3, 2, 1, 1, true);
            x = b.named("model." + (i + 2)).relu(b.instanceNorm(x, "model." + (i + 1), false));
        }
        x = b.named("model." + i).pad(x, 3, PadMode.REFLECT);
        x = b.conv2d(x, "model." + (i + 1), outputNc, 7, 1, 0, PadMode.ZERO, true);
        b.output("image", b.named("model." + (i + 2)).tanh(x));
        return b.build();
    }
}

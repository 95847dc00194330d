// DCGAN generators and critics: the WGAN lesson's DCGAN_G / DCGAN_D (conv -> LeakyReLU -> BN order,
// critic mean output; fast.ai) and pytorch/examples' dcgan Generator / Discriminator (conv -> BN ->
// LeakyReLU), with their PyTorch parameter names.
package dev.gannet.models.arch;

import dev.gannet.graph.Graph;
import dev.gannet.graph.GraphBuilder;
import dev.gannet.graph.Value;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;

public final class Dcgan {
    private Dcgan() {}

    static void check(boolean ok, String what, String why) {
        if (!ok) throw new GannetException(ErrorCode.INVALID_ARGUMENT, what + ": " + why);
    }

    static void input(Shape s, String what, int h, int w, int c) {
        check(s.h() == h && s.w() == w && s.c() == c, what, "takes NHWC input N x " + h + " x " + w + " x " + c
                + ", got " + s);
    }

    /**
     * The lesson's generator: {@code DeconvBlock} = ConvTranspose(bias=False) -> ReLU -> BatchNorm
     * (module names {@code features.<i>.conv}, {@code .bn}); from a 1x1 noise grid to 4x4, stride-2
     * blocks halving channels up to isize/2, {@code nExtra} 3x3 blocks, a final
     * ConvTranspose(cngf, nc, 4, 2, 1) and tanh. Input N x 1 x 1 x nz.
     */
    public record LessonGenerator(int isize, int nz, int nc, int ngf, int nExtra) implements Architecture {
        public LessonGenerator {
            check(isize >= 16 && isize % 16 == 0, "DCGAN_G", "isize has to be a multiple of 16, got " + isize);
            check(nz > 0 && nc > 0 && ngf > 1 && nExtra >= 0, "DCGAN_G", "sizes must be positive");
        }

        public String describe() {
            return "DCGAN_G(" + isize + ", " + nz + ", " + nc + ", " + ngf + ", " + nExtra + ")";
        }

        public Shape defaultInput(int n) {
            return Shape.of(n, 1, 1, nz);
        }

        public Graph graph(Shape in) {
            input(in, describe(), 1, 1, nz);
            GraphBuilder b = new GraphBuilder("dcgan-lesson-generator");
            int cngf = ngf / 2;
            for (int t = 4; t != isize; t *= 2) cngf *= 2;
            int i = 0;
            Value x = deconvBlock(b, b.input("z", in), "features." + i++, cngf, 4, 1, 0);
            for (int csize = 4; csize < isize / 2; csize *= 2) {
                x = deconvBlock(b, x, "features." + i++, cngf / 2, 4, 2, 1);
                cngf /= 2;
            }
            for (int t = 0; t < nExtra; t++) x = deconvBlock(b, x, "features." + i++, cngf, 3, 1, 1);
            x = b.convTranspose2d(x, "features." + i, nc, 4, 2, 1, 0, false);
            b.output("image", b.named("tanh").tanh(x));
            return b.build();
        }

        private static Value deconvBlock(GraphBuilder b, Value x, String prefix, int no, int ks, int stride, int pad) {
            Value y = b.convTranspose2d(x, prefix + ".conv", no, ks, stride, pad, 0, false);
            y = b.named(prefix + ".relu").relu(y);
            return b.batchNorm(y, prefix + ".bn");
        }
    }

    /**
     * The lesson's critic: {@code ConvBlock(ni, no, ks, stride, bn)} = Conv(bias=False, pad ks//2//stride)
     * -> LeakyReLU(0.2) -> BatchNorm; {@code initial} (4x4 stride 2, no BN), {@code extra.<i>} (3x3),
     * {@code pyramid.<i>} (4x4 stride 2 doubling channels until 4x4), {@code final} conv 4x4 to one
     * channel, then the mean over everything: one number per batch (output 1 x 1 x 1 x 1).
     */
    public record LessonCritic(int isize, int nc, int ndf, int nExtra) implements Architecture {
        public LessonCritic {
            check(isize >= 16 && isize % 16 == 0, "DCGAN_D", "isize has to be a multiple of 16, got " + isize);
            check(nc > 0 && ndf > 0 && nExtra >= 0, "DCGAN_D", "sizes must be positive");
        }

        public String describe() {
            return "DCGAN_D(" + isize + ", " + nc + ", " + ndf + ", " + nExtra + ")";
        }

        public Shape defaultInput(int n) {
            return Shape.of(n, isize, isize, nc);
        }

        public Graph graph(Shape in) {
            input(in, describe(), isize, isize, nc);
            GraphBuilder b = new GraphBuilder("dcgan-lesson-critic");
            Value x = convBlock(b, b.input("image", in), "initial", ndf, 4, 2, false);
            int cndf = ndf;
            for (int t = 0; t < nExtra; t++) x = convBlock(b, x, "extra." + t, cndf, 3, 1, true);
            int i = 0;
            for (int csize = isize / 2; csize > 4; csize /= 2) {
                x = convBlock(b, x, "pyramid." + i++, cndf * 2, 4, 2, true);
                cndf *= 2;
            }
            x = b.conv2d(x, "final", 1, 4, 1, 0, PadMode.ZERO, false);
            b.output("score", b.named("mean").mean(x));
            return b.build();
        }

        private static Value convBlock(GraphBuilder b, Value x, String prefix, int no, int ks, int stride, boolean bn) {
            Value y = b.conv2d(x, prefix + ".conv", no, ks, stride, ks / 2 / stride, PadMode.ZERO, false);
            y = b.named(prefix + ".relu").leakyRelu(y, 0.2f);
            return bn ? b.batchNorm(y, prefix + ".bn") : y;
        }
    }

    /**
     * pytorch/examples' dcgan {@code Generator}: {@code main} = ConvT(nz, 8ngf, 4, 1, 0) BN ReLU, three
     * ConvT(4, 2, 1) BN ReLU halving channels, ConvT(ngf, nc, 4, 2, 1), Tanh; 64x64 output.
     */
    public record Generator(int nz, int ngf, int nc) implements Architecture {
        public String describe() {
            return "dcgan.Generator(nz=" + nz + ", ngf=" + ngf + ", nc=" + nc + ")";
        }

        public Shape defaultInput(int n) {
            return Shape.of(n, 1, 1, nz);
        }

        public Graph graph(Shape in) {
            input(in, describe(), 1, 1, nz);
            GraphBuilder b = new GraphBuilder("dcgan-generator");
            Value x = b.input("z", in);
            int[] widths = {ngf * 8, ngf * 4, ngf * 2, ngf};
            for (int l = 0; l < 4; l++) {
                int i = 3 * l;
                x = b.convTranspose2d(x, "main." + i, widths[l], 4, l == 0 ? 1 : 2, l == 0 ? 0 : 1, 0, false);
                x = b.batchNorm(x, "main." + (i + 1));
                x = b.named("main." + (i + 2)).relu(x);
            }
            x = b.convTranspose2d(x, "main.12", nc, 4, 2, 1, 0, false);
            b.output("image", b.named("main.13").tanh(x));
            return b.build();
        }
    }

    /**
     * pytorch/examples' dcgan {@code Discriminator}: {@code main} = Conv(nc, ndf, 4, 2, 1) LeakyReLU(0.2),
     * three Conv(4, 2, 1) BN LeakyReLU doubling channels, Conv(8ndf, 1, 4, 1, 0), Sigmoid; 64x64 input,
     * output N x 1 x 1 x 1.
     */
    public record Discriminator(int nc, int ndf) implements Architecture {
        public String describe() {
            return "dcgan.Discriminator(nc=" + nc + ", ndf=" + ndf + ")";
        }

        public Shape defaultInput(int n) {
            return Shape.of(n, 64, 64, nc);
        }

        public Graph graph(Shape in) {
            input(in, describe(), 64, 64, nc);
            GraphBuilder b = new GraphBuilder("dcgan-discriminator");
            Value x = b.conv2d(b.input("image", in), "main.0", ndf, 4, 2, 1, PadMode.ZERO, false);
            x = b.named("main.1").leakyRelu(x, 0.2f);
            int[] widths = {ndf * 2, ndf * 4, ndf * 8};
            for (int l = 0; l < 3; l++) {
                int i = 2 + 3 * l;
                x = b.conv2d(x, "main." + i, widths[l], 4, 2, 1, PadMode.ZERO, false);
                x = b.batchNorm(x, "main." + (i + 1));
                x = b.named("main." + (i + 2)).leakyRelu(x, 0.2f);
            }
            x = b.conv2d(x, "main.11", 1, 4, 1, 0, PadMode.ZERO, false);
            b.output("probability", b.named("main.12").sigmoid(x));
            return b.build();
        }
    }
}

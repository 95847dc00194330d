// The typed configuration of each Keras layer class gannet reads from a TF.js layers model: only
// the fields that change what the layer computes; parsing and validation live in TfjsTopology.
package dev.gannet.models.formats;

import dev.gannet.ops.Activation;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.PadMode;
import dev.gannet.runtime.Shape;
import java.util.List;

public sealed interface LayerConfig {
    /** The Keras class names gannet reads, as they appear in model.json. */
    List<String> KNOWN_CLASSES = List.of("InputLayer", "Conv2D", "Activation", "LeakyReLU",
            "Add", "Concatenate", "UpSampling2D", "MultiplyBeta", "PixelShuffle2x", "PixelShuffle3x",
            "PixelShuffle4x", "PixelShuffle8x");

    /** An NHWC float32 input; height and width are -1 when the model accepts any size. */
    record InputLayer(int height, int width, int channels) implements LayerConfig {}

    enum Padding { SAME, VALID }

    /**
     * A 2-D convolution, channels_last, groups 1. Weights: {@code <layer>/kernel} stored H x W x Cin x
     * Cout (see {@link Weight#toOhwi()}) and, when {@code useBias}, {@code <layer>/bias} of Cout.
     * TensorFlow's 'same' padding is asymmetric for even windows: {@link #samePads} gives the split.
     */
    record Conv2D(int filters, int kernelH, int kernelW, int strideH, int strideW, Padding padding, int dilationH,
            int dilationW, Activation activation, boolean useBias) implements LayerConfig {
        /**
         * TensorFlow's 'same' padding along one axis as {before, after}: the total makes the output
         * ceil(in / stride) long, and the odd pixel goes after (bottom/right), unlike PyTorch's symmetric pad.
         */
        public static int[] samePads(int in, int kernel, int stride, int dilation) {
            long out = (in + (long) stride - 1) / stride;
            long effective = (long) (kernel - 1) * dilation + 1;
            long total = Math.max((out - 1) * stride + effective - in, 0);
            return new int[] {(int) (total / 2), (int) (total - total / 2)};
        }

        /** gannet's conv2d attributes for an input of shape {@code x} (the 'same' split depends on its size). */
        public Conv2d.Attrs attrs(Shape x) {
            int[] ph = {0, 0}, pw = {0, 0};
            if (padding == Padding.SAME) {
                ph = samePads(x.h(), kernelH, strideH, dilationH);
                pw = samePads(x.w(), kernelW, strideW, dilationW);
            }
            return new Conv2d.Attrs(kernelH, kernelW, strideH, strideW, dilationH, dilationW, ph[0], pw[0], ph[1],
                    pw[1], PadMode.ZERO, 1);
        }
    }

    /** A standalone activation layer (linear, relu, sigmoid, tanh). */
    record ActivationLayer(Activation activation) implements LayerConfig {}

    /** {@code x < 0 ? alpha * x : x}. */
    record LeakyReLU(float alpha) implements LayerConfig {
        public Activation activation() {
            return Activation.leaky(alpha);
        }
    }

    /** Element-wise sum of inputs with equal shapes. */
    record Add() implements LayerConfig {}

    /** Concatenation along the channel axis (Keras axis -1 or 3 of NHWC). */
    record Concatenate() implements LayerConfig {}

    /** Nearest-neighbour upsampling by integer factors. */
    record UpSampling2D(int sizeH, int sizeW) implements LayerConfig {}

    /** UpscalerJS's custom layer: {@code x * beta} (0.2 in the published models), the RRDN residual scaling. */
    record MultiplyBeta(float beta) implements LayerConfig {}

    /**
     * UpscalerJS's custom layers PixelShuffle2x/3x/4x/8x: {@code tf.depthToSpace(x, block)} on NHWC,
     * i.e. gannet's pixel_shuffle in DCR channel order; C must be divisible by block².
     */
    record PixelShuffle(int block) implements LayerConfig {}
}

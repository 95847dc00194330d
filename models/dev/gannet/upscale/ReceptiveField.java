// The receptive-field radius of a TF.js upscaler in input pixels: how far from an output pixel's own
// position the inputs it depends on can lie. Tiles overlap by this much, so the seams are exact.
package dev.gannet.upscale;

import dev.gannet.models.formats.Layer;
import dev.gannet.models.formats.LayerConfig;
import dev.gannet.models.formats.NodeRef;
import dev.gannet.models.formats.TfjsModel;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.util.HashMap;
import java.util.Map;

/**
 * Walks the layers in order keeping, per layer output, the radius so far (in input pixels) and the
 * resolution relative to the input. A 'same' convolution of kernel k and dilation d adds
 * {@code d * ceil((k - 1) / 2)} pixels at its own resolution, i.e. that divided by the upscaling done
 * before it; nearest upsampling and depth-to-space multiply the resolution; merges take the largest radius
 * of their inputs. One pixel is added for the rounding of positions by nearest upsampling. For esrgan-slim
 * that is 7 3x3 and one 5x5 convolutions before the upsampling and one 3x3 after it: 9 + 1/4, so 11.
 */
public final class ReceptiveField {
    private ReceptiveField() {}

    public static int radius(TfjsModel model) {
        Map<String, double[]> at = new HashMap<>(); // layer -> {radius, scale}
        for (Layer l : model.layers()) {
            double r = 0, s = 1;
            for (NodeRef in : l.inbound()) {
                double[] v = at.get(in.layer());
                r = Math.max(r, v[0]);
                s = v[1];
            }
            switch (l.config()) {
                case LayerConfig.Conv2D c -> {
                    boolean pointwise = c.kernelH() == 1 && c.kernelW() == 1; // 'valid' or 'same' alike
                    if ((c.padding() != LayerConfig.Padding.SAME && !pointwise) || c.strideH() != 1
                            || c.strideW() != 1) {
                        throw new GannetException(ErrorCode.UNSUPPORTED, model.file() + ": layer '" + l.name()
                                + "' is not a 'same' stride-1 convolution, so the model cannot run in tiles");
                    }
                    int k = Math.max((c.kernelH() - 1) * c.dilationH(), (c.kernelW() - 1) * c.dilationW());
                    r += Math.ceil(k / 2.0) / s;
                }
                case LayerConfig.UpSampling2D u -> s *= Math.max(u.sizeH(), u.sizeW());
                case LayerConfig.PixelShuffle p -> s *= p.block();
                default -> {}
            }
            at.put(l.name(), new double[] {r, s});
        }
        double[] out = at.get(model.outputs().getFirst().layer());
        return (int) Math.ceil(out[0]) + 1;
    }
}

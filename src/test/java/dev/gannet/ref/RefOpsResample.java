// Reference resampling ops: nearest / bilinear / area upsample2d and pixel_shuffle with its inverse,
// written from their definitions (source coordinates, the box integral, the channel formula).
package dev.gannet.ref;

import dev.gannet.runtime.Shape;

public final class RefOpsResample {
    private RefOpsResample() {}

    /** Nearest: y[oh, ow] = x[floor(oh / fh), floor(ow / fw)]. */
    public static HostTensor nearest(HostTensor x, int fh, int fw) {
        Shape s = x.shape();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), s.h() * fh, s.w() * fw, s.c()));
        Shape ys = y.shape();
        for (int n = 0; n < s.n(); n++)
            for (int oh = 0; oh < ys.h(); oh++)
                for (int ow = 0; ow < ys.w(); ow++)
                    for (int c = 0; c < s.c(); c++)
                        y.set(n, oh, ow, c, x.get(n, Math.floorDiv(oh, fh), Math.floorDiv(ow, fw), c));
        return y;
    }

    /**
     * Bilinear, align_corners=false (PyTorch / ONNX half_pixel): the source coordinate of output o is
     * (o + 0.5) * in / out - 0.5, negative coordinates become 0, and a neighbour past the last pixel
     * is the last pixel.
     */
    public static HostTensor bilinear(HostTensor x, int outH, int outW) {
        Shape s = x.shape();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), outH, outW, s.c()));
        for (int n = 0; n < s.n(); n++) {
            for (int oh = 0; oh < outH; oh++) {
                double sy = Math.max(0, (oh + 0.5) * s.h() / outH - 0.5);
                int y0 = (int) Math.floor(sy), y1 = Math.min(y0 + 1, s.h() - 1);
                double ly = sy - y0;
                for (int ow = 0; ow < outW; ow++) {
                    double sx = Math.max(0, (ow + 0.5) * s.w() / outW - 0.5);
                    int x0 = (int) Math.floor(sx), x1 = Math.min(x0 + 1, s.w() - 1);
                    double lx = sx - x0;
                    for (int c = 0; c < s.c(); c++) {
                        double top = (1 - lx) * x.get(n, y0, x0, c) + lx * x.get(n, y0, x1, c);
                        double bottom = (1 - lx) * x.get(n, y1, x0, c) + lx * x.get(n, y1, x1, c);
                        y.set(n, oh, ow, c, (1 - ly) * top + ly * bottom);
                    }
                }
            }
        }
        return y;
    }

    /**
     * Area: the integral of the piecewise-constant image over the source rectangle
     * [oh*H/OH, (oh+1)*H/OH) x [ow*W/OW, (ow+1)*W/OW), divided by its area. Every source pixel
     * [i, i+1) x [j, j+1) contributes its value times the area of its intersection with the rectangle.
     */
    public static HostTensor area(HostTensor x, int outH, int outW) {
        Shape s = x.shape();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), outH, outW, s.c()));
        for (int n = 0; n < s.n(); n++) {
            for (int oh = 0; oh < outH; oh++) {
                double top = (double) oh * s.h() / outH, bottom = (double) (oh + 1) * s.h() / outH;
                for (int ow = 0; ow < outW; ow++) {
                    double left = (double) ow * s.w() / outW, right = (double) (ow + 1) * s.w() / outW;
                    double areaOfRect = (bottom - top) * (right - left);
                    for (int c = 0; c < s.c(); c++) {
                        double sum = 0;
                        for (int i = 0; i < s.h(); i++) {
                            double oy = Math.min(bottom, i + 1) - Math.max(top, i);
                            if (oy <= 0) continue;
                            for (int j = 0; j < s.w(); j++) {
                                double ox = Math.min(right, j + 1) - Math.max(left, j);
                                if (ox <= 0) continue;
                                sum += oy * ox * x.get(n, i, j, c);
                            }
                        }
                        y.set(n, oh, ow, c, sum / areaOfRect);
                    }
                }
            }
        }
        return y;
    }

    /** The input channel of output (i, j, c) for block b with C output channels. */
    public static int shuffleChannel(boolean crd, int b, int cOut, int i, int j, int c) {
        return crd ? c * b * b + i * b + j : (i * b + j) * cOut + c;
    }

    /** depth_to_space: y[n, h*b+i, w*b+j, c] = x[n, h, w, ch(i, j, c)]. */
    public static HostTensor pixelShuffle(HostTensor x, int b, boolean crd) {
        Shape s = x.shape();
        int cOut = s.c() / (b * b);
        HostTensor y = HostTensor.zeros(new Shape(s.n(), s.h() * b, s.w() * b, cOut));
        for (int n = 0; n < s.n(); n++)
            for (int h = 0; h < s.h(); h++)
                for (int w = 0; w < s.w(); w++)
                    for (int i = 0; i < b; i++)
                        for (int j = 0; j < b; j++)
                            for (int c = 0; c < cOut; c++)
                                y.set(n, h * b + i, w * b + j, c,
                                        x.get(n, h, w, shuffleChannel(crd, b, cOut, i, j, c)));
        return y;
    }

    /** space_to_depth: y[n, h, w, ch(i, j, c)] = x[n, h*b+i, w*b+j, c]. */
    public static HostTensor pixelUnshuffle(HostTensor x, int b, boolean crd) {
        Shape s = x.shape();
        int cIn = s.c();
        HostTensor y = HostTensor.zeros(new Shape(s.n(), s.h() / b, s.w() / b, cIn * b * b));
        for (int n = 0; n < s.n(); n++)
            for (int h = 0; h < s.h() / b; h++)
                for (int w = 0; w < s.w() / b; w++)
                    for (int i = 0; i < b; i++)
                        for (int j = 0; j < b; j++)
                            for (int c = 0; c < cIn; c++)
                                y.set(n, h, w, shuffleChannel(crd, b, cIn, i, j, c), x.get(n, h * b + i, w * b + j, c));
        return y;
    }
}

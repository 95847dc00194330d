// The fused epilogue of conv2d, conv_transpose2d and linear (gk_epilogue), per output channel k:
//   t = acc + bias[k]; t = t*scale[k] + shift[k]; t = act(t); y = outScale*t + resScale*residual
// bias/scale/shift are F32 vectors of K values (shape 1x1x1xK); residual has y's shape and dtype.
package dev.gannet.ops;

import dev.gannet.runtime.Check;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.util.ArrayList;
import java.util.List;

public record Epilogue(Tensor bias, Tensor scale, Tensor shift, Activation act, float outScale, Tensor residual,
                       float resScale) {
    public static final Epilogue NONE = new Epilogue(null, null, null, Activation.NONE, 1f, null, 1f);

    public Epilogue {
        if (act == null) act = Activation.NONE;
    }

    public static Epilogue bias(Tensor bias) {
        return NONE.withBias(bias);
    }

    public Epilogue withBias(Tensor b) {
        return new Epilogue(b, scale, shift, act, outScale, residual, resScale);
    }

    public Epilogue withScaleShift(Tensor sc, Tensor sh) {
        return new Epilogue(bias, sc, sh, act, outScale, residual, resScale);
    }

    public Epilogue withAct(Activation a) {
        return new Epilogue(bias, scale, shift, a, outScale, residual, resScale);
    }

    public Epilogue withOutScale(float s) {
        return new Epilogue(bias, scale, shift, act, s, residual, resScale);
    }

    public Epilogue withResidual(Tensor r, float rs) {
        return new Epilogue(bias, scale, shift, act, outScale, r, rs);
    }

    /** Checks every part against the output y; names the op and the part on failure. */
    public void validate(String op, Tensor y) {
        int k = y.shape().c();
        vector(op, "bias", bias, k, y);
        vector(op, "scale", scale, k, y);
        vector(op, "shift", shift, k, y);
        Check.arg(Float.isFinite(outScale), op, "epilogue out_scale must be finite, got %s", outScale);
        Check.arg(Float.isFinite(resScale), op, "epilogue res_scale must be finite, got %s", resScale);
        Check.arg(Float.isFinite(act.alpha()), op, "activation alpha must be finite, got %s", act.alpha());
        if (residual != null) {
            Check.sameDevice(op, y, residual);
            Check.sameDType(op, residual, "residual", y, "y");
            Check.arg(residual.shape().equals(y.shape()), op, "residual has shape %s but y has %s", residual.shape(),
                    y.shape());
            Check.channelsContiguous(residual, op, "residual");
            Check.arg(!residual.mayOverlap(y) || sameView(residual, y), op,
                    "residual overlaps y without being the same view");
        }
    }

    private static boolean sameView(Tensor a, Tensor b) {
        return a.buffer() == b.buffer() && a.offset() == b.offset()
                && java.util.Arrays.equals(a.strides(), b.strides()) && a.shape().equals(b.shape());
    }

    private static void vector(String op, String name, Tensor t, int k, Tensor y) {
        if (t == null) return;
        Check.sameDevice(op, y, t);
        Check.arg(t.dtype() == DType.F32, op, "epilogue %s must be F32, got %s", name, t.dtype());
        Check.arg(t.shape().equals(new Shape(1, 1, 1, k)), op, "epilogue %s has shape %s, expected 1x1x1x%d", name,
                t.shape(), k);
        Check.arg(t.isDense(), op, "epilogue %s must be dense", name);
        Check.arg(!t.mayOverlap(y), op, "epilogue %s overlaps the output y", name);
    }

    /** The tensors the epilogue reads, to retain while the launch is queued. */
    public List<Tensor> tensors() {
        List<Tensor> l = new ArrayList<>();
        for (Tensor t : new Tensor[] {bias, scale, shift, residual}) if (t != null) l.add(t);
        return l;
    }

    public String describe() {
        StringBuilder b = new StringBuilder();
        if (bias != null) b.append("+bias");
        if (scale != null || shift != null) b.append("+scale/shift");
        if (act.kind() != Activation.Kind.NONE) b.append("+").append(act);
        if (outScale != 1f) b.append("*").append(outScale);
        if (residual != null) b.append("+residual*").append(resScale);
        return b.toString();
    }
}

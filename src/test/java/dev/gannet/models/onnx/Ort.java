// Runs an ONNX model in ONNX Runtime (the independent implementation gannet's exports are checked
// against) on one float input, and compares outputs with a tolerance scaled by their magnitude.
package dev.gannet.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;

public final class Ort {
    private Ort() {}

    /** An output and its shape. */
    public record Result(float[] values, long[] shape) {}

    /** Runs {@code model} on {@code input} of {@code shape} (fed to its only input); returns its first output. */
    public static Result run(byte[] model, float[] input, long... shape) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(2);
            try (OrtSession s = env.createSession(model, opts);
                    OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape)) {
                String name = s.getInputNames().iterator().next();
                try (OrtSession.Result r = s.run(Map.of(name, x))) {
                    OnnxTensor y = (OnnxTensor) r.get(0);
                    FloatBuffer b = y.getFloatBuffer();
                    float[] out = new float[b.remaining()];
                    b.get(out);
                    return new Result(out, y.getInfo().getShape());
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    public static float[] random(long seed, int n, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return a;
    }

    /** Largest |a - b| and largest |b|, for a report. */
    public record Diff(double maxAbs, double refMax, int worst) {
        public double relative() {
            return maxAbs / Math.max(refMax, 1e-30);
        }

        @Override
        public String toString() {
            return String.format("max |diff| %.3g at %d, max |ref| %.3g, relative %.3g", maxAbs, worst, refMax,
                    relative());
        }
    }

    public static Diff diff(float[] ours, float[] ref) {
        assertThat(ours).as("output length").hasSameSizeAs(ref);
        double max = 0, refMax = 0;
        int worst = -1;
        for (int i = 0; i < ours.length; i++) {
            double d = Math.abs((double) ours[i] - ref[i]);
            if (!(d <= max)) { // NaN counts as the worst difference
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                worst = i;
            }
            refMax = Math.max(refMax, Math.abs(ref[i]));
        }
        return new Diff(max, refMax, worst);
    }

    /**
     * Asserts every |ours - ref| ≤ rel · max|ref| (plus a tiny absolute floor for all-zero outputs):
     * fp32 results of the same math in another order differ by rounding that scales with magnitude.
     */
    public static Diff assertClose(String what, float[] ours, float[] ref, double rel) {
        Diff d = diff(ours, ref);
        assertThat(d.maxAbs()).as("%s: %s", what, d).isLessThanOrEqualTo(rel * Math.max(d.refMax(), 1e-6));
        return d;
    }

    /** NHWC to NCHW. */
    public static float[] toNchw(float[] nhwc, int n, int h, int w, int c) {
        float[] out = new float[nhwc.length];
        for (int b = 0; b < n; b++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int k = 0; k < c; k++) {
            out[((b * c + k) * h + y) * w + x] = nhwc[((b * h + y) * w + x) * c + k];
        }
        return out;
    }
}

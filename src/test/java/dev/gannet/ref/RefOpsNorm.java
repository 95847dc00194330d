// Reference batchnorm and instancenorm in double: two-pass mean and variance, PyTorch's semantics
// (biased variance to normalize, unbiased variance in the running-stat update).
package dev.gannet.ref;

import dev.gannet.ops.Activation;
import dev.gannet.runtime.Shape;

public final class RefOpsNorm {
    private RefOpsNorm() {}

    /** y and, in training, the batch statistics and the updated running statistics. */
    public record BatchNormOut(HostTensor y, double[] saveMean, double[] saveInvstd, double[] runningMean,
                               double[] runningVar) {}

    /** gamma/beta null mean 1/0; runningMean/runningVar are not modified (updated copies are returned). */
    public static BatchNormOut batchnorm(HostTensor x, double[] gamma, double[] beta, double[] runningMean,
                                         double[] runningVar, boolean training, double momentum, double eps,
                                         Activation act) {
        Shape s = x.shape();
        int c = s.c();
        long m = (long) s.n() * s.h() * s.w();
        double[] mean = new double[c], var = new double[c];
        double[] rm = runningMean.clone(), rv = runningVar.clone();
        double[] invstd = new double[c];
        for (int k = 0; k < c; k++) {
            if (training) {
                double sum = 0;
                for (int n = 0; n < s.n(); n++)
                    for (int h = 0; h < s.h(); h++)
                        for (int w = 0; w < s.w(); w++) sum += x.get(n, h, w, k);
                mean[k] = sum / m;
                double sq = 0;
                for (int n = 0; n < s.n(); n++)
                    for (int h = 0; h < s.h(); h++)
                        for (int w = 0; w < s.w(); w++) {
                            double d = x.get(n, h, w, k) - mean[k];
                            sq += d * d;
                        }
                var[k] = sq / m;
                rm[k] = (1 - momentum) * runningMean[k] + momentum * mean[k];
                rv[k] = (1 - momentum) * runningVar[k] + momentum * (sq / (m - 1));
            } else {
                mean[k] = runningMean[k];
                var[k] = runningVar[k];
            }
            invstd[k] = 1 / Math.sqrt(var[k] + eps);
        }
        HostTensor y = HostTensor.zeros(s);
        for (int n = 0; n < s.n(); n++)
            for (int h = 0; h < s.h(); h++)
                for (int w = 0; w < s.w(); w++)
                    for (int k = 0; k < c; k++) {
                        double t = (x.get(n, h, w, k) - mean[k]) * invstd[k];
                        t = t * (gamma == null ? 1 : gamma[k]) + (beta == null ? 0 : beta[k]);
                        y.set(n, h, w, k, RefOps.act(act, t));
                    }
        return new BatchNormOut(y, mean, invstd, rm, rv);
    }

    /** gamma == null: plain (no affine). */
    public static HostTensor instancenorm(HostTensor x, double[] gamma, double[] beta, double eps, Activation act) {
        Shape s = x.shape();
        int hw = s.h() * s.w();
        HostTensor y = HostTensor.zeros(s);
        for (int n = 0; n < s.n(); n++) {
            for (int k = 0; k < s.c(); k++) {
                double sum = 0;
                for (int h = 0; h < s.h(); h++)
                    for (int w = 0; w < s.w(); w++) sum += x.get(n, h, w, k);
                double mean = sum / hw;
                double sq = 0;
                for (int h = 0; h < s.h(); h++)
                    for (int w = 0; w < s.w(); w++) {
                        double d = x.get(n, h, w, k) - mean;
                        sq += d * d;
                    }
                double invstd = 1 / Math.sqrt(sq / hw + eps);
                for (int h = 0; h < s.h(); h++)
                    for (int w = 0; w < s.w(); w++) {
                        double t = (x.get(n, h, w, k) - mean) * invstd;
                        if (gamma != null) t = t * gamma[k] + beta[k];
                        y.set(n, h, w, k, RefOps.act(act, t));
                    }
            }
        }
        return y;
    }

    public static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}

// Compares a backend's output with a reference under a Tolerance and says where it failed.
package dev.gannet.matrix;

public final class Compare {
    private Compare() {}

    public static Result check(double[] ref, float[] got, Tolerance tol) {
        if (ref.length != got.length) return new Result.Failed("length " + got.length + " != " + ref.length);
        double sumSq = 0, errSq = 0;
        for (double r : ref) sumSq += r * r;
        double rms = Math.sqrt(sumSq / Math.max(1, ref.length));
        double atol = tol.atolAbs() + tol.atolPerRms() * rms;
        double maxErr = 0;
        int worst = -1;
        for (int i = 0; i < ref.length; i++) {
            double r = ref[i], g = got[i];
            if (Double.isNaN(r) != Double.isNaN(g) || (Double.isInfinite(r) && r != g)) {
                return new Result.Failed("element " + i + ": got " + g + ", expected " + r);
            }
            if (Double.isNaN(r) || Double.isInfinite(r)) continue;
            double e = Math.abs(g - r);
            errSq += e * e;
            if (e > atol + tol.rtol() * Math.abs(r) && (worst < 0 || e > maxErr)) {
                worst = i;
            }
            maxErr = Math.max(maxErr, e);
        }
        double nmse = sumSq > 0 ? errSq / sumSq : errSq;
        String stats = String.format("max|err| %.3g, nmse %.3g, rms(ref) %.3g", maxErr, nmse, rms);
        if (worst >= 0) {
            return new Result.Failed(String.format("element %d: got %s, expected %s (tolerance %.3g); %s", worst,
                    got[worst], ref[worst], atol + tol.rtol() * Math.abs(ref[worst]), stats));
        }
        if (nmse > tol.nmse()) return new Result.Failed("nmse " + nmse + " > " + tol.nmse() + "; " + stats);
        return new Result.Passed(stats);
    }
}

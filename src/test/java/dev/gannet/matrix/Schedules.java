// The SIMT schedule check (DESIGN §7): a case runs once per thread schedule of the emulator and must
// pass against the reference every time with bitwise identical outputs; a difference means the
// kernel's result depends on the order of its threads (a shared-memory race or a missing barrier).
package dev.gannet.matrix;

import dev.gannet.runtime.CudaDevice;
import dev.gannet.runtime.SimtSchedule;
import java.util.ArrayList;
import java.util.List;

public final class Schedules {
    /** The schedules the op matrix runs on simt. */
    public static final List<SimtSchedule> DEFAULT = List.of(SimtSchedule.FORWARD, SimtSchedule.REVERSE);

    private Schedules() {}

    /** Runs {@code c} under each schedule; restores the device's schedule afterwards. */
    public static Result run(OpCase c, CudaDevice simt, long seed, List<SimtSchedule> schedules) {
        SimtSchedule before = simt.simtSchedule();
        try {
            List<float[]> first = null;
            SimtSchedule firstSchedule = null;
            for (SimtSchedule s : schedules) {
                simt.setSimtSchedule(s);
                List<float[]> reads = new ArrayList<>();
                Result r = c.run(simt, seed, reads);
                switch (r) {
                    case Result.Skipped sk -> { return sk; }
                    case Result.Failed f -> { return new Result.Failed("schedule " + s + ": " + f.detail()); }
                    case Result.Passed p -> { }
                }
                if (first == null) {
                    first = reads;
                    firstSchedule = s;
                } else {
                    String diff = difference(first, reads);
                    if (diff != null) {
                        return new Result.Failed("outputs differ between schedules " + firstSchedule + " and " + s
                                + " (a race between threads): " + diff);
                    }
                }
            }
            return new Result.Passed("bitwise identical under " + schedules);
        } finally {
            simt.setSimtSchedule(before);
        }
    }

    /** The first bitwise difference of two runs' outputs, or null when they are identical. */
    static String difference(List<float[]> a, List<float[]> b) {
        if (a.size() != b.size()) return a.size() + " outputs read in one run, " + b.size() + " in the other";
        for (int k = 0; k < a.size(); k++) {
            float[] x = a.get(k), y = b.get(k);
            if (x.length != y.length) return "output " + k + " has " + x.length + " vs " + y.length + " elements";
            int diffs = 0, firstAt = -1;
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                    if (diffs++ == 0) firstAt = i;
                }
            }
            if (diffs > 0) {
                return "output " + k + ": " + diffs + " of " + x.length + " elements differ, first at " + firstAt
                        + " (" + x[firstAt] + " vs " + y[firstAt] + ")";
            }
        }
        return null;
    }
}

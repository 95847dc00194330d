// The order in which the SIMT emulator runs a block's threads between barriers (DESIGN §7): a kernel
// whose result depends on it has a shared-memory race, so tests run cases under several schedules.
package dev.gannet.runtime;

import dev.gannet.bindings.cuda.GkSimt;

public record SimtSchedule(int mode, long seed) {
    public static final SimtSchedule FORWARD = new SimtSchedule(GkSimt.SCHEDULE_FORWARD, 0);
    public static final SimtSchedule REVERSE = new SimtSchedule(GkSimt.SCHEDULE_REVERSE, 0);

    public static SimtSchedule shuffled(long seed) {
        return new SimtSchedule(GkSimt.SCHEDULE_SHUFFLE, seed);
    }

    @Override
    public String toString() {
        return switch (mode) {
            case GkSimt.SCHEDULE_FORWARD -> "forward";
            case GkSimt.SCHEDULE_REVERSE -> "reverse";
            case GkSimt.SCHEDULE_SHUFFLE -> "shuffled(" + seed + ")";
            default -> "schedule " + mode;
        };
    }
}

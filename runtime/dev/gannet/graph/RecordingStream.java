// A stream that records launches instead of running them: an Executor lets every step's launcher
// validate and pack its params once, keeps the KernelLaunch objects, and replays them on real
// streams of the same device.
package dev.gannet.graph;

import dev.gannet.runtime.Device;
import dev.gannet.runtime.Event;
import dev.gannet.runtime.KernelLaunch;
import dev.gannet.runtime.Stream;
import java.util.ArrayList;
import java.util.List;

final class RecordingStream implements Stream {
    private final Device device;
    final List<KernelLaunch> launches = new ArrayList<>();

    RecordingStream(Device device) {
        this.device = device;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public void launch(KernelLaunch launch) {
        launches.add(launch);
    }

    @Override
    public void synchronize() {
        // Nothing runs here.
    }

    @Override
    public Event record() {
        throw new UnsupportedOperationException("a recording stream has no events (launchers do not use them)");
    }

    @Override
    public void waitFor(Event event) {
        throw new UnsupportedOperationException("a recording stream has no events (launchers do not use them)");
    }

    @Override
    public dev.gannet.runtime.DeviceGraph capture(Runnable body) {
        throw new UnsupportedOperationException("a recording stream does not capture (launchers do not capture)");
    }

    @Override
    public void close() {
        // Owns nothing.
    }
}

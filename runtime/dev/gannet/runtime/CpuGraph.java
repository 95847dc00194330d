// The cpu face of DeviceGraph: the launches a capture recorded, re-enqueued in order on replay. It
// holds the buffers of its launches (as a CUDA graph bakes their addresses) until it is closed.
package dev.gannet.runtime;

import java.util.ArrayList;
import java.util.List;

final class CpuGraph implements DeviceGraph {
    private final CpuDevice device;
    private final List<KernelLaunch> launches = new ArrayList<>();
    private boolean closed;

    CpuGraph(CpuDevice device) {
        this.device = device;
    }

    /** Records a launch; its buffers stay retained until close. */
    synchronized void add(KernelLaunch launch) {
        DeviceBuffer.retainAll(launch.tensors(), launch.description());
        launches.add(launch);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public synchronized int launches() {
        return launches.size();
    }

    @Override
    public void replay(Stream stream) {
        List<KernelLaunch> todo;
        synchronized (this) {
            if (closed) throw new IllegalStateException("cpu graph of " + launches.size() + " launches is closed");
            todo = List.copyOf(launches);
        }
        if (stream == null || stream.device() != device) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "graph replay: the stream must belong to the "
                    + "graph's device (cpu)" + (stream == null ? ", got null" : ", got " + stream.device().name()));
        }
        for (KernelLaunch l : todo) stream.launch(l);
    }

    @Override
    public void close() {
        List<KernelLaunch> all;
        synchronized (this) {
            if (closed) return;
            closed = true;
            all = List.copyOf(launches);
        }
        for (KernelLaunch l : all) DeviceBuffer.unretainAll(l.tensors());
    }
}

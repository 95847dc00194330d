// The cuda/simt face of DeviceGraph: a stream capture instantiated once (cuGraphInstantiate) and
// replayed with cuGraphLaunch. The captured kernels' params hold raw addresses, so the graph keeps
// their tensors retained until it is closed.
package dev.gannet.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.gannet.bindings.cuda.CudaDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

final class CudaGraph implements DeviceGraph {
    /** What a capture in progress has recorded: retained tensors, params to keep alive, descriptions. */
    static final class Capture {
        private final List<Tensor> tensors = new ArrayList<>();
        private final List<Object> keep = new ArrayList<>();
        private final List<String> descriptions = new ArrayList<>();
        private final List<long[]> scratch = new ArrayList<>(); // {address, size class} from the pool
        private int kernels;
        private boolean released;

        /** Scratch for a captured plan: a pool block the graph owns until it is closed. */
        synchronized long scratch(CudaDevice device, long bytes) {
            long[] cls = new long[1];
            long address = device.pool().acquire(bytes, cls);
            scratch.add(new long[] {address, cls[0]});
            return address;
        }

        void add(List<Tensor> ts, List<Object> k, String description, int kernelCount) {
            tensors.addAll(ts);
            keep.addAll(k);
            descriptions.add(description);
            kernels += kernelCount;
        }

        synchronized void release(CudaDevice device) {
            if (released) return;
            released = true;
            DeviceBuffer.unretainAll(tensors);
            for (long[] b : scratch) device.pool().release(b[0], b[1]);
        }
    }

    private final CudaDevice device;
    private final MemorySegment graph;
    private final MemorySegment exec;
    private final Capture capture;
    private final String description;
    private boolean closed;

    private CudaGraph(CudaDevice device, MemorySegment graph, MemorySegment exec, Capture capture) {
        this.device = device;
        this.graph = graph;
        this.exec = exec;
        this.capture = capture;
        List<String> d = capture.descriptions;
        this.description = "graph of " + capture.kernels + " kernels"
                + (d.isEmpty() ? "" : " (" + d.get(0) + (d.size() > 1 ? " ... " + d.get(d.size() - 1) : "") + ")");
    }

    /** Instantiates a captured graph; on failure frees it and releases what the capture held. */
    static CudaGraph instantiate(CudaDevice device, MemorySegment graph, Capture capture) {
        CudaDriver cu = device.driver();
        int st;
        MemorySegment exec;
        device.current();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            st = cu.cuGraphInstantiateWithFlags(out, graph, 0);
            exec = out.get(ADDRESS, 0);
        }
        if (st != CudaDriver.CUDA_SUCCESS) {
            cu.cuGraphDestroy(graph);
            capture.release(device);
            device.check(st, "cuGraphInstantiateWithFlags", capture.descriptions.size() + " captured launches");
        }
        CudaGraph g = new CudaGraph(device, graph, exec, capture);
        device.registerGraph(g);
        return g;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public int launches() {
        return capture.kernels;
    }

    @Override
    public void replay(Stream stream) {
        synchronized (this) {
            if (closed) throw new IllegalStateException(description + " is closed");
        }
        device.own(stream, "replay of " + description).replay(this, exec, capture.tensors, description);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        device.forgetGraph(this);
        try {
            if (!device.isClosed()) {
                device.current();
                // An exec graph still running is freed by the driver once it completes.
                device.check(device.driver().cuGraphExecDestroy(exec), "cuGraphExecDestroy", description);
                device.check(device.driver().cuGraphDestroy(graph), "cuGraphDestroy", description);
            }
        } finally {
            capture.release(device);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}

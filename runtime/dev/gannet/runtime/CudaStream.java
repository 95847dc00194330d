// A CUstream of a CudaDevice (non-blocking, so host copies on the legacy stream never serialize with
// it). Each submission retains its tensors until an event recorded after its kernels has passed, as
// CpuStream does until its worker ran them; a failed kernel is reported by synchronize(), naming the
// launch it happened in or after. Capturing turns the submissions into a CUDA graph.
package dev.gannet.runtime;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.gannet.bindings.cuda.CudaDriver;
import dev.gannet.ops.cuda.CudaLaunchSpec;
import dev.gannet.ops.cuda.CudaScratch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

final class CudaStream implements Stream {
    /** What a submission asks of the device: the launches of a plan, given scratch. */
    @FunctionalInterface
    interface Planner {
        List<CudaLaunchSpec> plan(CudaScratch scratch);
    }

    /**
     * Work queued but not yet known to be finished: its completion event (null when the stream had
     * failed before one could be recorded) and what it holds.
     */
    private record Pending(MemorySegment event, List<Tensor> tensors, List<Object> keep, String description) {}

    private final CudaDevice device;
    private final CudaDriver cu;
    private final String name;
    private final MemorySegment handle;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ArrayDeque<MemorySegment> spareEvents = new ArrayDeque<>();
    private CudaGraph.Capture capturing;
    private boolean closed;
    /** Whether synchronize() already reported this stream's (sticky) failure. */
    private boolean reported;

    CudaStream(CudaDevice device, String name) {
        this.device = device;
        this.cu = device.driver();
        this.name = name;
        device.current();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            device.check(cu.cuStreamCreate(out, CudaDriver.CU_STREAM_NON_BLOCKING), "cuStreamCreate", "stream " + name);
            handle = out.get(ADDRESS, 0);
        }
    }

    @Override
    public Device device() {
        return device;
    }

    MemorySegment handle() {
        return handle;
    }

    String label() {
        return device.name() + " stream '" + name + "'";
    }

    @Override
    public void launch(KernelLaunch launch) {
        device.launch(this, launch);
    }

    /**
     * Runs a plan on this stream: retains the tensors, gives the planner stream-ordered scratch,
     * launches its kernels, frees the scratch after them, and holds everything until they are done.
     */
    synchronized void submit(String description, List<Tensor> tensors, Planner planner) {
        checkOpen();
        device.current();
        if (capturing == null) reap();
        DeviceBuffer.retainAll(tensors, description);
        List<Object> keep = new ArrayList<>();
        List<Long> scratch = new ArrayList<>();
        boolean queued = false;
        int kernels = 0;
        RuntimeException failure = null;
        try {
            // Scratch is stream-ordered (cuMemAllocAsync, freed after the plan's kernels); a captured
            // plan's scratch instead comes from the pool and lives as long as its graph, so every
            // replay finds it without allocation nodes in the graph.
            CudaGraph.Capture cap = capturing;
            List<CudaLaunchSpec> specs = planner.plan(bytes -> {
                if (cap != null) return cap.scratch(device, bytes);
                long p = device.allocAsync(bytes, this, description);
                scratch.add(p);
                return p;
            });
            for (CudaLaunchSpec spec : specs) {
                device.launchSpec(this, spec, description, keep);
                queued = true;
                kernels++;
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        for (long p : scratch) {
            try {
                device.freeAsync(p, this, description);
                queued = true;
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (!queued) {
            DeviceBuffer.unretainAll(tensors);
        } else {
            try {
                hold(tensors, keep, description, kernels);
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }

    /** Queues an instantiated graph; its tensors are retained again until this replay has passed. */
    synchronized void replay(CudaGraph graph, MemorySegment exec, List<Tensor> tensors, String description) {
        checkOpen();
        notCapturing("replay a graph");
        device.current();
        reap();
        DeviceBuffer.retainAll(tensors, description);
        try {
            device.check(cu.cuGraphLaunch(exec, handle), "cuGraphLaunch", description + " on " + label());
        } catch (RuntimeException e) {
            DeviceBuffer.unretainAll(tensors);
            throw e;
        }
        hold(tensors, List.of(graph), description, 0);
    }

    /** Keeps queued work's tensors until an event after it has passed (or the capture's graph closes). */
    private void hold(List<Tensor> tensors, List<Object> keep, String description, int kernels) {
        if (capturing != null) {
            capturing.add(tensors, keep, description, kernels);
            return;
        }
        MemorySegment ev = spareEvents.isEmpty() ? device.createEvent(false) : spareEvents.pop();
        int st = cu.cuEventRecord(ev, handle);
        if (st != CudaDriver.CUDA_SUCCESS) {
            spareEvents.push(ev);
            // Without an event nothing says when the kernels are done: wait for the stream here. If it
            // has failed (a kernel of this submission or an earlier one; sticky, as on a GPU), the next
            // synchronize() reports that failure naming this submission; otherwise the record failed.
            int sync = cu.cuStreamSynchronize(handle);
            DeviceBuffer.unretainAll(tensors);
            if (sync == CudaDriver.CUDA_SUCCESS) device.check(st, "cuEventRecord", description + " on " + label());
            pending.add(new Pending(null, List.of(), keep, description));
            return;
        }
        pending.add(new Pending(ev, tensors, keep, description));
    }

    /** Releases the tensors of work that has finished, oldest first; stops at the first unfinished. */
    private void reap() {
        while (!pending.isEmpty()) {
            MemorySegment ev = pending.peek().event();
            if (ev == null) return; // a failed stream: synchronize() reports it
            int st = cu.cuEventQuery(ev);
            if (st != CudaDriver.CUDA_SUCCESS) return; // not ready, or a failure synchronize() will report
            release(pending.poll());
        }
    }

    private void release(Pending p) {
        DeviceBuffer.unretainAll(p.tensors());
        if (p.event() != null) spareEvents.push(p.event());
    }

    @Override
    public void synchronize() {
        int st;
        String culprit = null;
        int after = 0;
        synchronized (this) {
            if (closed) return;
            notCapturing("synchronize");
            device.current();
            st = cu.cuStreamSynchronize(handle);
            // A failed stream stays failed (sticky, as on a GPU); once reported, it has nothing new to
            // say until more work is submitted, which then fails at once, naming the earlier failure.
            if (st != CudaDriver.CUDA_SUCCESS && reported && pending.isEmpty()) return;
            reported = st != CudaDriver.CUDA_SUCCESS;
            if (st != CudaDriver.CUDA_SUCCESS) {
                // The failed kernel belongs to the oldest submission whose completion event did not pass.
                for (Pending p : pending) {
                    if (culprit != null) after++;
                    else if (p.event() == null || cu.cuEventQuery(p.event()) != CudaDriver.CUDA_SUCCESS) {
                        culprit = p.description();
                    }
                }
            }
            while (!pending.isEmpty()) release(pending.poll());
        }
        if (st != CudaDriver.CUDA_SUCCESS) {
            String context = culprit == null ? label()
                    : "a kernel of " + culprit + " on " + label()
                            + (after > 0 ? "; " + after + " later submissions were not run" : "");
            throw device.error(st, "cuStreamSynchronize", context, handle);
        }
    }

    @Override
    public Event record() {
        CudaEvent e;
        synchronized (this) {
            checkOpen();
            notCapturing("record an event");
            e = new CudaEvent(device);
            device.check(cu.cuEventRecord(e.handle(), handle), "cuEventRecord", label());
        }
        return e;
    }

    @Override
    public synchronized void waitFor(Event event) {
        checkOpen();
        notCapturing("wait for an event");
        if (!(event instanceof CudaEvent ce) || ce.device() != device) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, label() + ": can only wait for an event of "
                    + device.name() + (event == null ? ", got null" : ""));
        }
        device.current();
        device.check(cu.cuStreamWaitEvent(handle, ce.handle(), 0), "cuStreamWaitEvent", label());
    }

    @Override
    public DeviceGraph capture(Runnable body) {
        synchronized (this) {
            checkOpen();
            if (capturing != null) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, label() + " is already capturing");
            }
            device.current();
            reap();
            // Relaxed mode: captured plans take scratch from the caching pool, which may call cuMemAlloc
            // (prohibited in the other modes). The stream is non-blocking, so nothing else joins the
            // capture; synchronize, record and host copies on it are refused in Java meanwhile.
            device.check(cu.cuStreamBeginCapture_v2(handle, CudaDriver.CU_STREAM_CAPTURE_MODE_RELAXED),
                    "cuStreamBeginCapture_v2", label());
            capturing = new CudaGraph.Capture();
        }
        RuntimeException failure = null;
        try {
            body.run();
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            endCapture(false);
            throw e;
        }
        return failure == null ? endCapture(true) : throwAfter(failure);
    }

    private DeviceGraph throwAfter(RuntimeException failure) {
        try {
            endCapture(false);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        throw failure;
    }

    /** Ends the capture; instantiates the graph when {@code keep}, else discards it. */
    private DeviceGraph endCapture(boolean keep) {
        CudaGraph.Capture cap;
        MemorySegment graph;
        int st;
        synchronized (this) {
            cap = capturing;
            capturing = null;
            device.current();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                st = cu.cuStreamEndCapture(handle, out);
                graph = out.get(ADDRESS, 0);
            }
        }
        if (!keep || st != CudaDriver.CUDA_SUCCESS) {
            if (st == CudaDriver.CUDA_SUCCESS && !graph.equals(MemorySegment.NULL)) cu.cuGraphDestroy(graph);
            cap.release(device);
            device.check(st, "cuStreamEndCapture", label());
            return null;
        }
        return CudaGraph.instantiate(device, graph, cap);
    }

    private void notCapturing(String what) {
        if (capturing != null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    label() + " is capturing: cannot " + what + " until the capture ends");
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(label() + " is closed");
        device.checkOpen();
    }

    @Override
    public void close() {
        if (device.isClosed()) return;
        if (this == device.defaultStream()) return; // the device closes its default stream
        synchronized (this) {
            if (closed) return;
        }
        try {
            synchronize();
        } finally {
            destroy();
            device.forget(this);
        }
    }

    /** Frees the driver stream and its spare events (the device has synchronized it). */
    synchronized void destroy() {
        if (closed) return;
        closed = true;
        device.current();
        while (!pending.isEmpty()) release(pending.poll());
        RuntimeException failure = null;
        for (MemorySegment ev : spareEvents) {
            int st = cu.cuEventDestroy_v2(ev);
            if (st != CudaDriver.CUDA_SUCCESS && failure == null) failure = device.error(st, "cuEventDestroy_v2", label(), null);
        }
        spareEvents.clear();
        int st = cu.cuStreamDestroy_v2(handle);
        if (st != CudaDriver.CUDA_SUCCESS && failure == null) failure = device.error(st, "cuStreamDestroy_v2", label(), null);
        if (failure != null) throw failure;
    }

    @Override
    public String toString() {
        return label();
    }
}

// A cpu stream: one daemon worker thread that runs launches in order. The first failure is kept
// and reported by synchronize(); later launches on the stream are skipped until then (sticky, as
// CUDA errors are), so no kernel runs on the output of a failed one.
package dev.gannet.runtime;

import dev.gannet.bindings.GkCpu;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

final class CpuStream implements Stream {
    private final CpuDevice device;
    private final String name;
    private final ExecutorService worker;
    private volatile GannetException failure;
    private boolean closed;
    /** The launches of a capture in progress (Stream.capture), or null. */
    private CpuGraph capturing;

    CpuStream(CpuDevice device, String name) {
        this.device = device;
        this.name = name;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gannet-cpu-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public void launch(KernelLaunch launch) {
        device.launch(this, launch);
    }

    void enqueue(KernelLaunch launch, MethodHandle h) {
        checkOpen();
        synchronized (this) {
            if (capturing != null) {
                capturing.add(launch);
                return;
            }
        }
        DeviceBuffer.retainAll(launch.tensors(), launch.description());
        worker.execute(() -> {
            try {
                if (failure != null) return;
                int status = GkCpu.call(h, launch.params().segment());
                if (status != 0) {
                    failure = new GannetException(ErrorCode.fromStatus(status),
                            launch.description() + ": gk_cpu_" + launch.op() + " returned status " + status);
                }
            } catch (RuntimeException e) {
                failure = new GannetException(ErrorCode.INTERNAL, launch.description() + ": " + e, e);
            } finally {
                DeviceBuffer.unretainAll(launch.tensors());
            }
        });
    }

    @Override
    public void synchronize() {
        if (isClosed()) return;
        notCapturing("synchronize");
        await(worker.submit(() -> {}));
        GannetException f = failure;
        if (f != null) {
            failure = null;
            throw f;
        }
    }

    private static void await(Future<?> f) {
        boolean interrupted = false;
        while (true) {
            try {
                f.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                throw new GannetException(ErrorCode.INTERNAL, "stream task failed: " + e.getCause(), e.getCause());
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override
    public Event record() {
        checkOpen();
        notCapturing("record an event");
        CpuEvent e = new CpuEvent();
        worker.execute(e::reach);
        return e;
    }

    @Override
    public void waitFor(Event event) {
        checkOpen();
        notCapturing("wait for an event");
        if (!(event instanceof CpuEvent ce)) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "event of another device kind");
        }
        worker.execute(ce::synchronize);
    }

    @Override
    public DeviceGraph capture(Runnable body) {
        checkOpen();
        CpuGraph graph = new CpuGraph(device);
        synchronized (this) {
            if (capturing != null) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "cpu stream '" + name + "' is already capturing");
            }
            capturing = graph;
        }
        boolean ok = false;
        try {
            body.run();
            ok = true;
        } finally {
            synchronized (this) {
                capturing = null;
            }
            if (!ok) graph.close();
        }
        return graph;
    }

    private synchronized void notCapturing(String what) {
        if (capturing != null) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "cpu stream '" + name + "' is capturing: cannot " + what + " until the capture ends");
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException("cpu stream '" + name + "' is closed");
    }

    @Override
    public void close() {
        if (this == device.defaultStream()) return; // the device closes its default stream
        synchronized (this) {
            if (closed) return;
        }
        try {
            synchronize();
        } finally {
            shutdown();
            device.forget(this);
        }
    }

    void shutdown() {
        synchronized (this) {
            closed = true;
        }
        worker.shutdown();
    }

    static final class CpuEvent implements Event {
        private final CompletableFuture<Long> reached = new CompletableFuture<>();

        void reach() {
            reached.complete(System.nanoTime());
        }

        @Override
        public void synchronize() {
            reached.join();
        }

        @Override
        public boolean isDone() {
            return reached.isDone();
        }

        @Override
        public double elapsedMillisSince(Event start) {
            if (!(start instanceof CpuEvent s)) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "events of different device kinds");
            }
            return (reached.join() - s.reached.join()) / 1e6;
        }
    }
}

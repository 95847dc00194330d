// An in-order queue of work on one device (DESIGN §6). Kernel failures are reported by the next
// synchronize(), naming the op and shapes, as CUDA reports asynchronous errors.
package dev.gannet.runtime;

public interface Stream extends AutoCloseable {
    Device device();

    /** Queues a launch; returns at once. */
    void launch(KernelLaunch launch);

    /** Waits for everything queued so far; throws the first failure since the last synchronize. */
    void synchronize();

    /** Records an event at the current end of this stream. */
    Event record();

    /** Makes later work on this stream wait for the event. */
    void waitFor(Event event);

    /**
     * Runs {@code body} with this stream capturing instead of running: the kernel launches the body
     * issues on this stream are recorded into a graph that {@link DeviceGraph#replay} runs again. Only
     * launches may be issued on the stream while capturing (synchronize, record and waitFor throw), and
     * nothing that synchronizes the device (host copies, allocations on cuda). If the body throws, the
     * capture is discarded and the exception rethrown.
     */
    DeviceGraph capture(Runnable body);

    @Override
    void close();
}

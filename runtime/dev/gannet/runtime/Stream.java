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

    @Override
    void close();
}

// A recorded sequence of launches that replays as one unit (DESIGN §6): a CUDA graph on cuda and simt
// (stream capture, instantiated once), the recorded launches re-enqueued on cpu, so a Plan's executor
// has one code path on every device. Made by Stream.capture; holds its tensors until closed.
package dev.gannet.runtime;

public interface DeviceGraph extends AutoCloseable {
    Device device();

    /** How many kernel launches the capture recorded (an op may be several kernels on cuda). */
    int launches();

    /** Queues the whole graph on {@code stream} (of the same device); returns at once. */
    void replay(Stream stream);

    /** Frees the graph; closing twice is harmless, replay after close throws IllegalStateException. */
    @Override
    void close();
}

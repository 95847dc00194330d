// A point in a stream's work: for ordering across streams and for timing.
package dev.gannet.runtime;

public interface Event extends AutoCloseable {
    /** Blocks until the event has been reached. */
    void synchronize();

    boolean isDone();

    /** Milliseconds between two reached events of the same device. */
    double elapsedMillisSince(Event start);

    /** Frees the event (a driver object on cuda); closing twice is harmless. */
    @Override
    default void close() {}
}

// Thrown when a native library cannot be found or opened; the message says where gannet looked.
package dev.gannet.bindings;

public final class NativeLibraryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativeLibraryException(String message) {
        super(message);
    }
}

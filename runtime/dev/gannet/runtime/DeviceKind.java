// The kinds of device gannet knows (DESIGN §5).
package dev.gannet.runtime;

public enum DeviceKind {
    CPU, CUDA, SIMT;

    public String id() {
        return name().toLowerCase();
    }
}

// An event of a CudaDevice with timing (cuEventElapsedTime); destroyed by close(), by the cleaner
// once unreachable, or with its device.
package dev.gannet.runtime;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.gannet.bindings.cuda.CudaDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

final class CudaEvent implements Event {
    private final CudaDevice device;
    private final CudaDevice.EventHandle handle;

    CudaEvent(CudaDevice device) {
        this.device = device;
        this.handle = device.registerEvent(this, device.createEvent(true));
    }

    CudaDevice device() {
        return device;
    }

    MemorySegment handle() {
        if (handle.isDestroyed()) throw new IllegalStateException("event of " + device.name() + " is closed");
        return handle.event;
    }

    @Override
    public void synchronize() {
        MemorySegment e = handle();
        device.current();
        device.check(device.driver().cuEventSynchronize(e), "cuEventSynchronize", null);
    }

    @Override
    public boolean isDone() {
        MemorySegment e = handle();
        device.current();
        int st = device.driver().cuEventQuery(e);
        if (st == CudaDriver.CUDA_ERROR_NOT_READY) return false;
        device.check(st, "cuEventQuery", null);
        return true;
    }

    @Override
    public double elapsedMillisSince(Event start) {
        if (!(start instanceof CudaEvent s) || s.device != device) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                    "elapsed time: both events must come from " + device.name());
        }
        MemorySegment from = s.handle(), to = handle();
        device.current();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            device.check(device.driver().cuEventElapsedTime_v2(ms, from, to), "cuEventElapsedTime_v2", null);
            return ms.get(JAVA_FLOAT, 0);
        }
    }

    @Override
    public void close() {
        handle.run();
    }
}

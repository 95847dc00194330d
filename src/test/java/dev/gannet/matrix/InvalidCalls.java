// For the invalid-call tests of every op: asserts that a call is rejected in Java with a clear
// exception and that no launch reached the device.
package dev.gannet.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

public final class InvalidCalls {
    private InvalidCalls() {}

    /** The call throws GannetException(INVALID_ARGUMENT) whose message contains every fragment. */
    public static void rejects(CpuDevice cpu, ThrowingCallable call, String... fragments) {
        long before = cpu.launchCount();
        Throwable t = catchThrowable(call);
        assertThat(t).as("expected the call to be rejected").isInstanceOf(GannetException.class);
        assertThat(((GannetException) t).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        for (String f : fragments) assertThat(t.getMessage()).contains(f);
        assertThat(cpu.launchCount()).as("launches that reached native code").isEqualTo(before);
    }

    /** Use of a tensor from a closed arena throws IllegalStateException naming the arena. */
    public static void rejectsClosed(CpuDevice cpu, ThrowingCallable call) {
        long before = cpu.launchCount();
        Throwable t = catchThrowable(call);
        assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(cpu.launchCount()).isEqualTo(before);
    }
}

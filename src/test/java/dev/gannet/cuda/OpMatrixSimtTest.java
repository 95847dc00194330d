// The whole op matrix on the simt device (the CUDA kernels run by the emulator through CudaDevice),
// every case under two thread schedules: each run must pass against the reference and the two runs'
// outputs must be bitwise identical. Forms without a CUDA kernel yet are skipped with the reason.
package dev.gannet.cuda;

import dev.gannet.matrix.OpCase;
import dev.gannet.matrix.OpMatrix;
import dev.gannet.matrix.Result;
import dev.gannet.matrix.Schedules;
import dev.gannet.runtime.CudaDevice;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

class OpMatrixSimtTest {
    private static CudaDevice simt;

    @BeforeAll
    static void open() {
        simt = Simt.open();
    }

    @AfterAll
    static void close() {
        if (simt != null) simt.close();
    }

    @TestFactory
    Stream<DynamicTest> simtForwardAndReverse() {
        return OpMatrix.all().stream().map(c -> DynamicTest.dynamicTest("simt " + c.name(), () -> run(c)));
    }

    private static void run(OpCase c) {
        Result r = Schedules.run(c, simt, 42, Schedules.DEFAULT);
        switch (r) {
            case Result.Passed p -> { }
            case Result.Skipped s -> Assumptions.abort(s.detail());
            case Result.Failed f -> Assertions.fail("simt " + c.name() + ": " + f.detail());
        }
    }
}

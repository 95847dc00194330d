// `gannet selftest`: opens the device and hands it to the op matrix runner, which lives in the test
// jar with the reference ops (dev.gannet.matrix.SelfTest) and is found reflectively.
package dev.gannet.cli;

import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.Devices;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.OpInfo;
import dev.gannet.runtime.Ops;
import java.io.PrintWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = {"Run the op matrix (every op x dtype x variant against the Java reference ops) on a device.",
                "Prints a table and ends with 'N passed, M failed' (', K skipped' when some are); "
                        + "the exit code is 1 when any case failed."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:no case failed", "1:some case failed",
                "2:bad option, or the device or native library cannot be opened", "3:internal error (a bug)"})
final class SelfTestCommand implements Callable<Integer> {
    static final String RUNNER = "dev.gannet.matrix.SelfTest";

    enum Isa { AVX2, PORTABLE, BOTH }

    @Spec
    private CommandSpec spec;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, cuda, simt or auto (default: ${DEFAULT-VALUE}).")
    private String device;

    @Option(names = "--isa", paramLabel = "ISA",
            description = "cpu kernels to test: avx2, portable or both, avx2 first (default: both).")
    private Isa isa;

    @Option(names = "--op", split = ",", paramLabel = "NAME",
            description = "Only this op; repeat or separate with commas (default: every op).")
    private List<String> ops = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = {"-v", "--verbose"}, description = "List every case with its result.")
    private boolean verbose;

    @Override
    public Integer call() {
        MethodHandle run = runner();
        List<String> names = ops.stream().map(String::strip).distinct().toList();
        for (String op : names) {
            if (Ops.ALL.stream().noneMatch(o -> o.name().equals(op))) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown op '" + op + "' (known: "
                        + Ops.ALL.stream().map(OpInfo::name).collect(Collectors.joining(", ")) + ")");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Device d = Devices.open(device)) {
            if (isa != null && !(d instanceof CpuDevice)) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT,
                        "--isa chooses between the cpu kernels; it does not apply to --device " + device);
            }
            String isaName = (isa == null ? Isa.BOTH : isa).name().toLowerCase();
            int failed = (int) run.invoke(d, isaName, names, seed, verbose, out, err);
            return failed == 0 ? 0 : Main.EXIT_FAILED;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** SelfTest.run from the test jar, or a sentence saying how to get that jar on the class path. */
    private static MethodHandle runner() {
        try {
            Class<?> c = Class.forName(RUNNER);
            return MethodHandles.publicLookup().findStatic(c, "run", MethodType.methodType(int.class, Device.class,
                    String.class, List.class, long.class, boolean.class, PrintWriter.class, PrintWriter.class));
        } catch (ClassNotFoundException e) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "selftest runs the op matrix and reference ops "
                    + "from gannet's test jar (target/gannet-*-tests.jar), which is not on the class path; "
                    + "run it through ./gannet, which builds that jar and adds it");
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new GannetException(ErrorCode.INTERNAL, RUNNER + " in the test jar does not match this gannet ("
                    + e.getMessage() + "); rebuild with ./gannet or ./mvnw package");
        }
    }
}

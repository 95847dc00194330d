// conv2d throughput against the machine's measured FMA peak: 3x3, 64 -> 64 channels on a 1x128x128x64
// image (the project's CPU target is >= 75% of peak). Usage: Conv2dPerf [reps] [f32|f16] [threads]
// Besides wall-clock rates it prints the rate per CPU time the process got (times the thread count),
// which is what to compare with the peak when other work shares the cores.
package dev.gannet.bench;

import dev.gannet.bindings.GkCpu;
import dev.gannet.ops.Conv2d;
import dev.gannet.ops.ConvWeights;
import dev.gannet.ops.Epilogue;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.DType;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import dev.gannet.runtime.Tensor;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

public final class Conv2dPerf {
    private Conv2dPerf() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        DType dt = args.length > 1 ? DType.parse(args[1]) : DType.F32;
        try (CpuDevice cpu = new CpuDevice(); DeviceArena arena = cpu.newArena("conv2d-perf")) {
            if (args.length > 2) cpu.setThreads(Integer.parseInt(args[2]));
            int threads = cpu.threads();
            // The other tenants of a shared machine only ever lower a measurement: keep the best of a few.
            double peak = 0;
            for (int i = 0; i < 3; i++) peak = Math.max(peak, GkCpu.measureFmaGflops(threads, 0.5));
            System.out.printf("%s%nFMA peak (%d threads, best of 3): %.1f GFLOP/s%n", cpu.description(), threads, peak);

            int n = 1, h = 128, w = 128, c = 64, k = 64, r = 3;
            Random rnd = new Random(1);
            Tensor x = arena.of(dt, new Shape(n, h, w, c), values(rnd, n * h * w * c, 1));
            Tensor wt = arena.of(dt, new Shape(k, r, r, c), values(rnd, k * r * r * c, (float) Math.sqrt(3.0 / (r * r * c))));
            Stream s = cpu.defaultStream();
            ConvWeights cw = ConvWeights.prepare(arena, s, wt, false);
            Conv2d.Attrs a = Conv2d.Attrs.same(r);
            Tensor y = arena.allocate(dt, Conv2d.outputShape(x.shape(), k, a));
            Epilogue ep = Epilogue.NONE;

            for (int i = 0; i < 5; i++) Conv2d.launch(s, x, cw, y, a, ep);
            cpu.synchronize();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            double[] t = new double[reps];
            long cpu0 = os.getProcessCpuTime();
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                Conv2d.launch(s, x, cw, y, a, ep);
                cpu.synchronize();
                t[i] = (System.nanoTime() - t0) * 1e-9;
            }
            // The process clock ticks coarsely, so CPU time is taken over all repetitions at once.
            double cpuPerRun = (os.getProcessCpuTime() - cpu0) * 1e-9 / reps / threads;
            Arrays.sort(t);
            double flops = 2.0 * n * h * w * k * r * r * c;
            double best = flops / t[0] * 1e-9, median = flops / t[reps / 2] * 1e-9;
            System.out.printf("conv2d %s 3x3 %d->%d on %dx%dx%dx%d: best %.3f ms = %.1f GFLOP/s (%.0f%% of peak), "
                            + "median of %d %.3f ms = %.1f GFLOP/s (%.0f%% of peak)%n", dt, c, k, n, h, w, c,
                    t[0] * 1e3, best, 100 * best / peak, reps, t[reps / 2] * 1e3, median, 100 * median / peak);
            double perCpu = flops / cpuPerRun * 1e-9;
            System.out.printf("per CPU time given (x%d threads, mean of %d): %.1f GFLOP/s (%.0f%% of peak)%n", threads,
                    reps, perCpu, 100 * perCpu / peak);
        }
    }

    private static float[] values(Random rnd, int count, float range) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (rnd.nextFloat() * 2 - 1) * range;
        return v;
    }
}

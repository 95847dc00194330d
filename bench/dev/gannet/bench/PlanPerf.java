// Fused vs unfused Plans of an UpscalerJS model, fp32 and fp16: launches, arena bytes and run time
// (best and median of N runs, after warm-up) on the cpu device, plus the process CPU time per run
// divided by the thread count, which other work on a shared machine disturbs far less.
// Usage: PlanPerf [reps] [model-dir] [scale] [WxH]   (default: 10 ../shared/data/models/upscalerjs/esrgan-slim 4 128x128)
package dev.gannet.bench;

import dev.gannet.graph.Executor;
import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.models.ModelCatalog;
import dev.gannet.runtime.CpuDevice;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Stream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

public final class PlanPerf {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private PlanPerf() {}

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Path dir = Path.of(args.length > 1 ? args[1] : "../shared/data/models/upscalerjs/esrgan-slim");
        int scale = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        String[] wh = (args.length > 3 ? args[3] : "128x128").split("x");
        Shape in = Shape.of(1, Integer.parseInt(wh[1]), Integer.parseInt(wh[0]), 3);
        Graph g = ModelCatalog.fromDirectory(dir, scale).graph(in);
        float[] pixels = new float[(int) in.numel()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) r.nextDouble();
        try (CpuDevice cpu = new CpuDevice()) {
            System.out.printf("%s%n%s x%d, input %s, %d runs each%n", cpu.description(), dir, scale, in, reps);
            for (Precision p : Precision.values()) {
                for (boolean fuse : new boolean[] {true, false}) {
                    PlanOptions o = fuse ? PlanOptions.of(p) : PlanOptions.unfused(p);
                    cpu.trimPool();
                    try (Plan plan = Plan.build(g, cpu, o); Executor ex = plan.newExecutor()) {
                        Stream s = cpu.defaultStream();
                        ex.input(g.inputs().keySet().iterator().next()).copyFrom(pixels);
                        for (int i = 0; i < 2; i++) {
                            ex.run(s);
                            s.synchronize();
                        }
                        double[] t = new double[reps];
                        long cpu0 = OS.getProcessCpuTime();
                        for (int i = 0; i < reps; i++) {
                            long t0 = System.nanoTime();
                            ex.run(s);
                            s.synchronize();
                            t[i] = (System.nanoTime() - t0) / 1e6;
                        }
                        double cpuMs = (OS.getProcessCpuTime() - cpu0) / 1e6 / reps / cpu.threads();
                        Arrays.sort(t);
                        System.out.printf("%-4s %-7s launches %3d, graph nodes %d, arena planned %6.1f MiB (naive %6.1f)"
                                + ", run best %7.1f ms, median %7.1f ms, CPU time %7.1f ms%n", p.name().toLowerCase(),
                                fuse ? "fused" : "unfused", plan.launches(), plan.graphNodes(),
                                plan.plannedBytes() / 1048576.0, plan.naiveBytes() / 1048576.0, t[0], t[reps / 2],
                                cpuMs);
                    }
                }
            }
        }
    }
}

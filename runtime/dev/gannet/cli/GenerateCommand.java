// `gannet generate`: a gallery grid of samples of a DCGAN generator (the lesson's DCGAN_G or the
// classic pytorch/examples one), from trained weights or, without them, PyTorch's random initialization.
package dev.gannet.cli;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Precision;
import dev.gannet.image.ImageSink;
import dev.gannet.models.ModelRegistry;
import dev.gannet.models.arch.Architecture;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample a DCGAN generator into a gallery grid image.",
                "The noise is N(0, 1) from --seed; the generator's tanh output in [-1, 1] is shown as (x + 1) / 2."})
final class GenerateCommand implements Callable<Integer> {
    /** Pixels of background between the samples of the grid. */
    static final int GAP = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "The grid image (.png, .jpg or .npy).")
    private Path output;

    @Option(names = "--arch", required = true, paramLabel = "ARCH", description = "dcgan (pytorch/examples DCGAN, "
            + "nz 100) or dcgan-lesson (the fast.ai lesson's DCGAN_G(64, 100, 3, 64, 1)).")
    private String arch;

    @Option(names = "--weights", paramLabel = "F.safetensors",
            description = "The generator's state dict with PyTorch names (default: random initialization).")
    private Path weights;

    @Option(names = "--n", defaultValue = "64", paramLabel = "N", description = "Samples (default: ${DEFAULT-VALUE}).")
    private int n;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the noise and of the random initialization (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Mixin
    private DeviceOptions deviceOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!arch.equals("dcgan") && !arch.equals("dcgan-lesson")) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "--arch must be dcgan or dcgan-lesson, got '" + arch
                    + "'");
        }
        if (n < 1 || n > 1024) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "--n must be 1..1024, got " + n);
        ImageSink.formatOf(output); // a bad extension fails before any work
        MemoryReport.start();
        long t0 = System.nanoTime();
        Architecture a = ModelRegistry.architecture(arch);
        Shape in = a.defaultInput(n);
        Graph g = a.graph(in);
        g = weights != null ? StateDicts.load(g, weights, a.ignoredOnLoad()) : StateDicts.initialize(g, seed);
        float[] z = new float[(int) in.numel()];
        Random r = new Random(seed);
        for (int i = 0; i < z.length; i++) z[i] = (float) r.nextGaussian();
        try (Device d = deviceOptions.open()) {
            Precision p = deviceOptions.precision(d);
            float[] y;
            try (GraphRun run = GraphRun.of(d, g, p, z)) {
                y = run.output();
            }
            int side = (int) Math.round(Math.sqrt(y.length / 3.0 / n));
            int cols = (int) Math.ceil(Math.sqrt(n)), rows = (n + cols - 1) / cols;
            int w = cols * side + (cols + 1) * GAP, h = rows * side + (rows + 1) * GAP;
            try (ImageSink sink = ImageSink.open(output, new ImageSink.Spec(w, h, false, false, 0.92f))) {
                sink.putRgb(0, 0, w, h, new float[w * h * 3]);
                float[] tile = new float[side * side * 3];
                for (int k = 0; k < n; k++) {
                    for (int i = 0; i < tile.length; i++) tile[i] = (y[k * tile.length + i] + 1f) / 2f;
                    sink.putRgb(GAP + (k % cols) * (side + GAP), GAP + (k / cols) * (side + GAP), side, side, tile);
                }
                sink.commit();
            }
            String init = weights != null ? "weights " + weights
                    : "random initialization (seed " + seed + "; no --weights, so expect noise, not pictures)";
            out.printf(Locale.ROOT, "gannet: wrote %s (%d samples of %dx%d from %s, %s; %s %s) in %.1f s; %s%n",
                    output, n, side, side, a.describe(), init, d.name(), p.name().toLowerCase(Locale.ROOT),
                    (System.nanoTime() - t0) / 1e9, MemoryReport.line(d));
            out.flush();
            return 0;
        }
    }
}

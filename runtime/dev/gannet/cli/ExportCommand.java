// `gannet export`: writes a model as an ONNX file (NHWC input and output, NCHW inside, opset 17),
// exactly what the differential tests hand to ONNX Runtime; the file appears atomically.
package dev.gannet.cli;

import dev.gannet.graph.Graph;
import dev.gannet.models.ModelRegistry;
import dev.gannet.models.onnx.OnnxExporter;
import dev.gannet.models.onnx.OnnxWriter;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model as an ONNX file (opset " + OnnxWriter.OPSET + "): NHWC float input and output "
                + "like gannet's, NCHW inside as PyTorch's exporter writes it, weights named by their PyTorch names.",
                "Models: the architectures (random PyTorch-default weights, or --weights) and the UpscalerJS "
                        + "packages (fetched with npm on first use; RGB in [0, 1] in and out)."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    static final class Source {
        @Option(names = "--model", paramLabel = "NAME", description = "A model by name (see the list in errors).")
        String name;

        @Option(names = "--model-dir", paramLabel = "DIR", description = "An UpscalerJS model folder with model.json.")
        Path dir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    @Option(names = "--scale", defaultValue = "0", paramLabel = "S",
            description = "Upscaling factor of an UpscalerJS model (default: 4, or the package's only one).")
    private int scale;

    @Option(names = "--size", paramLabel = "WxH", description = "Input width x height (default: the model's usual size).")
    private String size;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "Images per run (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--weights", paramLabel = "FILE", description = "A safetensors state dict for an architecture.")
    private Path weights;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Seed of the random weights when no --weights are given (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.onnx", description = "The file to write.")
    private Path output;

    @Override
    public Integer call() {
        if (!output.getFileName().toString().endsWith(".onnx")) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, "-o " + output + ": the file name must end in .onnx");
        }
        if (scale < 0) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "--scale must be positive, got " + scale);
        PrintWriter err = spec.commandLine().getErr();
        PackageStore store = PackageStore.standard(Progress.to(err));
        var r = ModelRegistry.Request.of(source.name != null ? source.name : "model-dir").withScale(scale)
                .withBatch(batch).withSeed(seed).withWeights(weights).withModelDir(source.dir);
        if (size != null) {
            Shape s = PlanCommand.parseSize(size, batch);
            r = r.withSize(s.w(), s.h());
        }
        Graph g = ModelRegistry.graph(r, store);
        OnnxExporter.export(g, output);
        PrintWriter out = spec.commandLine().getOut();
        var in = g.inputs().entrySet().iterator().next();
        var o = g.outputs().entrySet().iterator().next();
        out.printf("wrote %s: %s, %d nodes, %d parameters; input '%s' %s, output '%s' %s (NHWC)%n", output, g.name(),
                g.computeNodeCount(), g.params().size(), in.getKey(), in.getValue().shape(), o.getKey(),
                o.getValue().shape());
        out.flush();
        return 0;
    }

    /** Messages and download progress of the package store on stderr, at most one progress line a second. */
    static final class Progress implements PackageStore.Listener {
        private final PrintWriter err;
        private long last;
        private long lastBytes = -1;

        private Progress(PrintWriter err) {
            this.err = err;
        }

        static Progress to(PrintWriter err) {
            return new Progress(err);
        }

        @Override
        public void message(String line) {
            err.println("gannet: " + line);
            err.flush();
        }

        @Override
        public void progress(String what, long bytes, long total) {
            long now = System.nanoTime();
            if ((now - last < 1_000_000_000L && bytes < total) || bytes == lastBytes) return;
            last = now;
            lastBytes = bytes;
            err.printf("gannet: %s: %.1f of %.1f MB%n", what, Math.min(bytes, total) / 1e6, total / 1e6);
            err.flush();
        }
    }
}

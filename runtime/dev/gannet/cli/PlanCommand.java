// `gannet plan`: compiles a model for an input size and prints the launch list (op, shapes, what was
// fused into each launch) and the totals `launches: L, graph nodes: G` and `arena bytes: planned P,
// naive Q`. Nothing runs; no device is needed.
package dev.gannet.cli;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Plan;
import dev.gannet.graph.PlanOptions;
import dev.gannet.graph.Precision;
import dev.gannet.models.ModelCatalog;
import dev.gannet.models.ModelSource;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Compile a model for an input size and print its launch list: each kernel launch with its "
                + "shapes and what was fused into it, then 'launches: L, graph nodes: G' and "
                + "'arena bytes: planned P, naive Q'. Nothing runs."})
final class PlanCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    static final class Source {
        @Option(names = "--model", paramLabel = "NAME", description = "A model by name (e.g. esrgan-slim).")
        String name;

        @Option(names = "--model-dir", paramLabel = "DIR",
                description = "A model from a directory (model.json, or x2/ x3/ ... subdirectories).")
        Path dir;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    @Option(names = "--scale", defaultValue = "4", paramLabel = "S", description = "Upscaling factor (default: ${DEFAULT-VALUE}).")
    private int scale;

    @Option(names = "--size", defaultValue = "128x128", paramLabel = "WxH",
            description = "Input width x height in pixels (default: ${DEFAULT-VALUE}).")
    private String size;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "Images per run (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P", description = "fp32 or fp16 (default: ${DEFAULT-VALUE}).")
    private String precision;

    @Option(names = "--no-fuse", description = "No compiler pass: one launch per graph node, one buffer per tensor.")
    private boolean noFuse;

    @Override
    public Integer call() {
        Shape input = parseSize(size, batch);
        Precision p = Precision.parse(precision);
        if (scale < 1) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "--scale must be at least 1, got " + scale);
        ModelSource m = source.dir != null ? ModelCatalog.fromDirectory(source.dir, scale)
                : ModelCatalog.find(source.name, scale);
        Graph g = m.graph(input);
        PlanOptions o = noFuse ? PlanOptions.unfused(p) : PlanOptions.of(p);
        var out = spec.commandLine().getOut();
        out.println("model " + m.name() + " x" + m.scale() + " from " + m.origin());
        out.print(Plan.describe(g, o));
        out.flush();
        return 0;
    }

    static Shape parseSize(String s, int batch) {
        String[] p = s.trim().toLowerCase().split("x");
        try {
            if (p.length == 2) {
                int w = Integer.parseInt(p[0]), h = Integer.parseInt(p[1]);
                if (w > 0 && h > 0 && batch > 0) return Shape.of(batch, h, w, 3);
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "--size '" + s + "' is not WIDTHxHEIGHT with positive "
                + "numbers (e.g. 128x128)" + (batch > 0 ? "" : ", and --batch must be positive"));
    }
}

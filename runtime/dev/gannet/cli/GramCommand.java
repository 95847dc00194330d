// `gannet gram`: an image's style statistics, the Gram matrices of VGG16 features (Gatys et al.), as
// float32 .npy (one matrix) or .npz (one entry per layer) files.
package dev.gannet.cli;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Precision;
import dev.gannet.image.AtomicFiles;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.Npy;
import dev.gannet.image.RgbImage;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.models.arch.Vgg16;
import dev.gannet.ops.Gram;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.DeviceArena;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import dev.gannet.runtime.Tensor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The image is normalized as torchvision's VGG weights expect (ImageNet mean and standard deviation) and
 * run through VGG16's convolutional part; each chosen layer's activations F (C channels over H x W
 * positions) give G = F^T F / (H W C), computed by gannet's gram op in fp32.
 */
@Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Gram matrices of an image's VGG16 features: its style statistics (Gatys et al.).")
final class GramCommand implements Callable<Integer> {
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A PNG, JPEG or .npy image, at least 32x32.")
    private Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npy",
            description = "OUT.npy: one C x C matrix per layer (OUT-features.<i>.npy when there are several); "
                    + "OUT.npz: every layer in one archive.")
    private Path output;

    @Option(names = "--weights", paramLabel = "vgg16.safetensors", description = "torchvision's vgg16 state dict "
            + "(features.<i>.weight/bias; the classifier is ignored) (default: random initialization).")
    private Path weights;

    @Option(names = "--layers", split = ",", paramLabel = "I", description = "Module indices of vgg16.features "
            + "(default: 1,6,11,18,25, the ReLUs Gatys' style loss uses).")
    private List<Integer> layers = new ArrayList<>(List.of(1, 6, 11, 18, 25));

    @Option(names = "--avg-pool", description = "Average instead of max pooling, as Gatys' neural style does.")
    private boolean avgPool;

    @Mixin
    private DeviceOptions deviceOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String ext = ImageFiles.extension(output);
        if (!ext.equals("npy") && !ext.equals("npz")) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, output + ": gram writes .npy or .npz files");
        }
        List<Integer> ls = layers.stream().distinct().sorted().toList();
        MemoryReport.start();
        long t0 = System.nanoTime();
        RgbImage im = ImageFiles.read(input);
        float[] x = new float[im.rgb().length];
        for (int i = 0; i < x.length; i++) x[i] = (im.rgb()[i] - MEAN[i % 3]) / STD[i % 3];
        Vgg16 vgg = new Vgg16(avgPool, ls);
        Shape shape = Shape.of(1, im.height(), im.width(), 3);
        Graph g = vgg.graph(shape);
        g = weights != null ? StateDicts.load(g, weights, unusedBy(ls.getLast())) : StateDicts.initialize(g, 0);
        Map<String, float[]> grams = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        try (Device d = deviceOptions.open()) {
            Precision p = deviceOptions.precision(d);
            try (GraphRun run = GraphRun.of(d, g, p, x); DeviceArena a = d.newArena("gram")) {
                for (int l : ls) {
                    String name = "features." + l;
                    Tensor f = run.output(name);
                    Tensor gm = Gram.apply(a, run.stream, f);
                    grams.put(name, gm.toFloatArray());
                    sizes.put(name, f.shape().c());
                }
            }
            List<Path> written = write(grams, sizes);
            String init = weights != null ? "weights " + weights.getFileName()
                    : "random initialization (no --weights: these describe random features, not a style)";
            out.printf(Locale.ROOT, "gannet: wrote %s (Gram matrices of %s, %s; %s %s) in %.1f s; %s%n",
                    String.join(", ", written.stream().map(Path::toString).toList()), String.join(", ",
                            sizes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + "x" + e.getValue())
                                    .toList()), init, d.name(), p.name().toLowerCase(Locale.ROOT),
                    (System.nanoTime() - t0) / 1e9, MemoryReport.line(d));
            out.flush();
            return 0;
        }
    }

    /**
     * torchvision's file holds the classifier and every feature module; the graph stops at the last layer
     * asked for, so the modules after it are not used (anything else missing or extra is still an error).
     */
    static Predicate<String> unusedBy(int lastLayer) {
        Pattern feature = Pattern.compile("features\\.(\\d+)\\..*");
        return n -> {
            if (n.startsWith("classifier.")) return true;
            var m = feature.matcher(n);
            return m.matches() && Integer.parseInt(m.group(1)) > lastLayer;
        };
    }

    private List<Path> write(Map<String, float[]> grams, Map<String, Integer> sizes) {
        if (ImageFiles.extension(output).equals("npz")) {
            AtomicFiles.write(output, tmp -> {
                try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(tmp))) {
                    for (var e : grams.entrySet()) {
                        int c = sizes.get(e.getKey());
                        z.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                        z.write(Npy.encode(e.getValue(), c, c));
                        z.closeEntry();
                    }
                }
            });
            return List.of(output);
        }
        List<Path> files = new ArrayList<>();
        String name = output.getFileName().toString();
        String stem = name.substring(0, name.length() - 4);
        for (var e : grams.entrySet()) {
            Path f = grams.size() == 1 ? output : output.resolveSibling(stem + "-" + e.getKey() + ".npy");
            int c = sizes.get(e.getKey());
            byte[] bytes = Npy.encode(e.getValue(), c, c);
            AtomicFiles.write(f, tmp -> Files.write(tmp, bytes));
            files.add(f);
        }
        return files;
    }
}

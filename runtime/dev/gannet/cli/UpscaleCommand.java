// `gannet upscale`: the main job. Upscales an image, a folder of images, or with no argument the model
// package's own fixture.png, with a pretrained UpscalerJS model fetched by name (or a local copy), in
// tiles that bound device memory; ends with one line saying where the result is and the memory used.
package dev.gannet.cli;

import dev.gannet.graph.Precision;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.ImageSink;
import dev.gannet.image.RgbImage;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.models.pretrained.UpscalerJsPackage;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.upscale.Compare;
import dev.gannet.upscale.Pipeline;
import dev.gannet.upscale.TiledUpscale;
import dev.gannet.upscale.Tiles;
import dev.gannet.upscale.Upscaler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "upscale", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Upscale an image or a folder of images with a pretrained super-resolution model.",
                "With no IMAGE, upscales the model package's own fixture.png and prints where the result is."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every image was written", "2:a user error (bad option, unreadable image, unknown model, "
                + "no npm to fetch a model, not enough memory, no GPU for --device cuda), or some image of a folder "
                + "failed", "3:internal error (a bug)"})
final class UpscaleCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE|DIR",
            description = "A PNG, JPEG or .npy image, or a folder of them (default: the model package's fixture.png).")
    private Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Output file (.png, .jpg or .npy, by extension) or, for a folder, output folder "
                    + "(default: NAME-xS.EXT beside the input, the fixture's in the current folder; for a folder, "
                    + "DIR-xS beside it).")
    private Path output;

    @Option(names = "--model", paramLabel = "NAME", description = "A pretrained UpscalerJS model, fetched on first "
            + "use: esrgan-slim, esrgan-medium, esrgan-thick, default-model (default: esrgan-slim).")
    private String modelName;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "A local TF.js model folder (model.json and shards) instead of --model.")
    private Path modelDir;

    @Option(names = "--scale", paramLabel = "S", description = "2, 3, 4 or 8, as the model offers (default: 4, or "
            + "the model's only scale; with --model-dir: the model's own).")
    private Integer scale;

    @Mixin
    private DeviceOptions deviceOptions;

    @Option(names = "--tile", defaultValue = "512", paramLabel = "PX", description = "Run images larger than PX "
            + "pixels in overlapping PX x PX tiles, so memory is bounded by the tile (0: never; default: "
            + "${DEFAULT-VALUE}).")
    private int tile;

    @Option(names = "--compare", description = "Also write OUT-compare.png: nearest-neighbour, bicubic and the model, "
            + "side by side.")
    private boolean compare;

    @Option(names = "--format", paramLabel = "EXT", description = "For a folder: png, jpg or npy (default: each "
            + "input's own; .npy inputs give .npy).")
    private String format;

    @Option(names = "--quality", defaultValue = "0.92", paramLabel = "Q",
            description = "JPEG quality in (0, 1] (default: ${DEFAULT-VALUE}).")
    private float quality;

    @Option(names = "--streams", paramLabel = "N", description = "Inference streams for a folder (default: 1 on cpu, "
            + "2 on cuda).")
    private Integer streams;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (tile < 0) throw user("--tile must be 0 (no tiling) or a size in pixels, got " + tile);
        if (modelName != null && modelDir != null) throw user("give --model or --model-dir, not both");
        if (streams != null && (streams < 1 || streams > 8)) throw user("--streams must be 1..8, got " + streams);
        MemoryReport.start();
        long t0 = System.nanoTime();
        try (Device d = deviceOptions.open()) {
            Precision p = deviceOptions.precision(d);
            UpscalerJsModel model = loadModel();
            int n = streams != null ? streams : Upscaler.defaultStreams(d);
            try (Upscaler up = Upscaler.of(d, model, p, n)) {
                Path in = input != null ? input : fixture(model);
                if (Files.isDirectory(in)) return folder(up, in, t0);
                return single(up, in, t0);
            }
        } catch (OutOfMemoryError e) {
            throw outOfMemory("the Java heap", e);
        } catch (GannetException e) {
            if (e.code() == ErrorCode.OUT_OF_MEMORY) throw outOfMemory("device memory (" + e.detail() + ")", e);
            throw e;
        }
    }

    private GannetException outOfMemory(String what, Throwable cause) {
        String hint = tile == 0 || tile > 256 ? "try --tile 256 (or smaller)" : "try a smaller --tile";
        return new GannetException(ErrorCode.OUT_OF_MEMORY, "not enough memory: " + what + " ran out; " + hint
                + (what.contains("heap") ? ", or give Java more heap with GANNET_JAVA_OPTS=-Xmx8g" : ""), cause);
    }

    private UpscalerJsModel loadModel() {
        if (modelDir != null) return UpscalerJsModel.fromDir(modelDir, null, scale == null ? 0 : scale);
        String name = modelName == null ? "esrgan-slim" : modelName;
        UpscalerJsPackage pkg = UpscalerJsPackage.byName(name);
        int s = scale == null ? pkg.defaultScale() : scale;
        PackageStore store = PackageStore.standard(new PackageStore.Listener() {
            private final Progress[] bar = new Progress[1];

            @Override
            public void message(String line) {
                err.println("gannet: " + line);
                err.flush();
            }

            @Override
            public void progress(String what, long bytes, long total) {
                if (!Progress.interactive()) return;
                if (bar[0] == null) bar[0] = Progress.of("fetching", Math.max(total, 1) / 1024, "KiB", true);
                bar[0].stepTo(bytes / 1024);
                if (bytes >= total) bar[0].close();
            }
        });
        return UpscalerJsModel.load(store, name, s);
    }

    private static Path fixture(UpscalerJsModel model) {
        return model.fixture().orElseThrow(() -> new GannetException(ErrorCode.INVALID_ARGUMENT, "name an IMAGE: "
                + "the model " + model.name() + " comes from a folder without the package's assets/fixture.png"));
    }

    private String label(Upscaler up) {
        return up.name() + " x" + up.scale() + ", " + up.device().name() + " " + up.precision().name().toLowerCase(
                Locale.ROOT);
    }

    private int single(Upscaler up, Path in, long t0) {
        RgbImage im = ImageFiles.read(in);
        Path target = output != null ? output : defaultOutput(in, up.scale(), input == null);
        if (Files.isDirectory(target)) target = target.resolve(defaultOutput(in, up.scale(), false).getFileName());
        Tiles tiles = Tiles.plan(im.width(), im.height(), tile, up.margin());
        try (ImageSink sink = ImageSink.open(target, TiledUpscale.outputSpec(im, up.scale(), quality));
                Compare cmp = compare ? Compare.open(Compare.pathFor(target), im, up.scale(), quality) : null;
                Progress bar = Progress.of("upscale", tiles.tiles().size(), "tile",
                        tiles.tiled() && Progress.interactive())) {
            up.upscale(im, sink, cmp, tile, (done, total) -> bar.stepTo(done));
            sink.commit();
            if (cmp != null) cmp.commit();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String note = im.hasAlpha() && ImageSink.formatOf(target) == ImageSink.Format.JPEG
                ? " (JPEG has no alpha: the alpha channel was dropped)" : "";
        if (compare) out.println("gannet: comparison (nearest | bicubic | model) in " + Compare.pathFor(target));
        out.printf(Locale.ROOT, "gannet: wrote %s (%dx%d, %s, %s) in %.1f s%s; %s%n", target,
                im.width() * up.scale(), im.height() * up.scale(), label(up), tiles, secs, note,
                MemoryReport.line(up.device()));
        out.flush();
        return 0;
    }

    static Path defaultOutput(Path in, int scale, boolean fixture) {
        String name = in.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot < 0 ? name : name.substring(0, dot);
        String ext = dot < 0 ? "png" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!List.of("png", "jpg", "jpeg", "npy").contains(ext)) ext = "png";
        // The fixture lives in the model cache; its result goes where the user is.
        Path dir = fixture ? Path.of("").toAbsolutePath() : in.toAbsolutePath().getParent();
        return dir.resolve(stem + "-x" + scale + "." + ext);
    }

    private int folder(Upscaler up, Path dir, long t0) {
        if (compare && format != null && format.equalsIgnoreCase("npy")) {
            err.println("gannet: the comparisons are written as .png");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(ImageFiles::isInput).sorted().toList();
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, dir + ": cannot list: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw user(dir + " holds no image (." + String.join(", .", ImageFiles.INPUT_EXTENSIONS) + ")");
        }
        Path outDir = output != null ? output : dir.toAbsolutePath().resolveSibling(dir.getFileName() + "-x"
                + up.scale());
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, outDir + ": cannot create the output folder: " + e.getMessage(), e);
        }
        if (format != null && !List.of("png", "jpg", "jpeg", "npy").contains(format.toLowerCase(Locale.ROOT))) {
            throw user("--format must be png, jpg or npy, got '" + format + "'");
        }
        List<Pipeline.Job> jobs = files.stream().map(f -> {
            String name = f.getFileName().toString();
            String stem = name.substring(0, name.lastIndexOf('.'));
            String ext = format != null ? format.toLowerCase(Locale.ROOT) : ImageFiles.extension(f);
            Path o = outDir.resolve(stem + "." + ext);
            return new Pipeline.Job(f, o, compare ? Compare.pathFor(o) : null);
        }).toList();
        long[] pixels = new long[1];
        try (Progress bar = Progress.of("upscale", jobs.size(), "img", Progress.interactive())) {
            Pipeline.Listener listener = new Pipeline.Listener() {
                @Override
                public void done(Pipeline.Job job, RgbImage in) {
                    synchronized (pixels) {
                        pixels[0] += (long) in.width() * in.height();
                    }
                    bar.step();
                }

                @Override
                public void failed(Pipeline.Job job, String why) {
                    bar.step();
                    synchronized (err) {
                        err.println("gannet: " + why);
                        err.flush();
                    }
                }
            };
            Pipeline.Inference inference = (in, sink, cmp) -> up.upscale(in, sink, cmp, tile,
                    TiledUpscale.Progress.NONE);
            Pipeline p = new Pipeline(jobs, inference, listener, Pipeline.Options.defaults(up.streams(), up.scale(),
                    quality));
            // Ctrl-C: stop the stages; outputs not yet renamed into place are deleted (AtomicFiles' hook).
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                p.cancel();
                main.interrupt();
            }, "gannet-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Pipeline.Result r;
            try {
                r = p.run();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException stopping) {
                    // The JVM is already stopping: the hook is running or has run.
                }
            }
            bar.close();
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf(Locale.ROOT, "gannet: %s %d of %d images into %s (%s) in %.1f s, %.2f images/s%s; %s%n",
                    r.cancelled() ? "stopped after" : "wrote", r.done(), jobs.size(), outDir, label(up), secs,
                    r.done() / secs, r.failed() > 0 ? ", " + r.failed() + " failed (above)" : "",
                    MemoryReport.line(up.device()));
            out.flush();
            return r.failed() > 0 || r.cancelled() ? Main.EXIT_ERROR : 0;
        }
    }

    private static GannetException user(String message) {
        return new GannetException(ErrorCode.INVALID_ARGUMENT, message);
    }
}

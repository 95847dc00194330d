// `gannet stylize`: fast neural style transfer with a trained TransformerNet (pytorch/examples
// fast_neural_style): an image in, the same image in the network's style out.
package dev.gannet.cli;

import dev.gannet.graph.Graph;
import dev.gannet.graph.Precision;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.ImageSink;
import dev.gannet.image.RgbImage;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.models.arch.TransformerNet;
import dev.gannet.models.onnx.OnnxImporter;
import dev.gannet.models.onnx.OnnxModel;
import dev.gannet.runtime.Device;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The network takes and returns RGB in 0..255 (the training script multiplies by 255, the stylize script
 * clamps to 0..255); its strided convolutions need sides that are multiples of 4, so the image is padded
 * by repeating its last row and column, and the output cropped back.
 */
@Command(name = "stylize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Restyle an image with a trained fast-style-transfer network (TransformerNet).")
final class StylizeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A PNG, JPEG or .npy image.")
    private Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "The result (.png, .jpg, .npy).")
    private Path output;

    @Option(names = "--weights", required = true, paramLabel = "F.safetensors|F.onnx",
            description = "The TransformerNet state dict with pytorch/examples' names as safetensors, or the "
                    + "network exported to ONNX.")
    private Path weights;

    @Mixin
    private DeviceOptions deviceOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String ext = ImageFiles.extension(weights);
        if (!ext.equals("safetensors") && !ext.equals("onnx")) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, weights + ": stylize reads a TransformerNet state "
                    + "dict as .safetensors (convert a PyTorch .pth with safetensors.torch.save_file(torch.load(f), "
                    + "...)) or a whole network as .onnx");
        }
        ImageSink.formatOf(output);
        MemoryReport.start();
        long t0 = System.nanoTime();
        RgbImage im = ImageFiles.read(input);
        int w = im.width(), h = im.height();
        int pw = Math.max(20, (w + 3) / 4 * 4), ph = Math.max(20, (h + 3) / 4 * 4);
        float[] x = new float[pw * ph * 3];
        for (int y = 0; y < ph; y++) {
            for (int xx = 0; xx < pw; xx++) {
                int s = (Math.min(y, h - 1) * w + Math.min(xx, w - 1)) * 3, d = (y * pw + xx) * 3;
                for (int c = 0; c < 3; c++) x[d + c] = im.rgb()[s + c] * 255f;
            }
        }
        Shape shape = Shape.of(1, ph, pw, 3);
        Graph g;
        if (ext.equals("onnx")) {
            // A network exported from PyTorch: its own graph; an input of fixed size must match the image's.
            OnnxModel m = OnnxModel.load(weights);
            g = OnnxImporter.toGraph(m, Map.of(m.inputs().getFirst().name(), shape));
        } else {
            TransformerNet net = new TransformerNet();
            g = StateDicts.load(net.graph(shape), weights, net.ignoredOnLoad());
        }
        try (Device d = deviceOptions.open()) {
            Precision p = deviceOptions.precision(d);
            float[] y;
            try (GraphRun run = GraphRun.of(d, g, p, x)) {
                y = run.output();
            }
            float[] crop = new float[w * h * 3];
            for (int r = 0; r < h; r++) {
                for (int i = 0; i < w * 3; i++) {
                    crop[r * w * 3 + i] = Math.min(Math.max(y[r * pw * 3 + i], 0f), 255f) / 255f;
                }
            }
            try (ImageSink sink = ImageSink.open(output, new ImageSink.Spec(w, h, false, false, 0.92f))) {
                sink.putRgb(0, 0, w, h, crop);
                sink.commit();
            }
            out.printf(Locale.ROOT, "gannet: wrote %s (%dx%d, %s %s, %s %s) in %.1f s; %s%n", output, w, h,
                    ext.equals("onnx") ? "ONNX network" : "TransformerNet", weights.getFileName(), d.name(), p.name().toLowerCase(Locale.ROOT), (System.nanoTime() - t0) / 1e9,
                    MemoryReport.line(d));
            out.flush();
            return 0;
        }
    }
}

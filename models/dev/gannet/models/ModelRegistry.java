// The models gannet knows by name — the seed architectures and the pretrained UpscalerJS family —
// and how each becomes a Graph for a given input size: what `gannet plan` and `gannet export` use.
package dev.gannet.models;

import dev.gannet.graph.Graph;
import dev.gannet.models.arch.Architecture;
import dev.gannet.models.arch.Darknet;
import dev.gannet.models.arch.Dcgan;
import dev.gannet.models.arch.ResnetGenerator;
import dev.gannet.models.arch.StateDicts;
import dev.gannet.models.arch.TransformerNet;
import dev.gannet.models.arch.UNet;
import dev.gannet.models.arch.Vgg16;
import dev.gannet.models.pretrained.PackageStore;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.models.pretrained.UpscalerJsPackage;
import dev.gannet.models.tfjs.TfjsImporter;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

public final class ModelRegistry {
    private ModelRegistry() {}

    /** The architectures by name, in the order `gannet` lists them. */
    static final Map<String, Supplier<Architecture>> ARCHITECTURES = new LinkedHashMap<>();

    static {
        ARCHITECTURES.put("dcgan-lesson", () -> new Dcgan.LessonGenerator(64, 100, 3, 64, 1));
        ARCHITECTURES.put("dcgan-lesson-critic", () -> new Dcgan.LessonCritic(64, 3, 64, 1));
        ARCHITECTURES.put("dcgan", () -> new Dcgan.Generator(100, 64, 3));
        ARCHITECTURES.put("dcgan-discriminator", () -> new Dcgan.Discriminator(3, 64));
        ARCHITECTURES.put("cyclegan", ResnetGenerator::cycleGan);
        ARCHITECTURES.put("transformer-net", TransformerNet::new);
        ARCHITECTURES.put("darknet", () -> Darknet.cifar10(false));
        ARCHITECTURES.put("darknet-wide", () -> Darknet.cifar10(true));
        ARCHITECTURES.put("vgg16", () -> new Vgg16(false, List.of(Vgg16.LAST)));
        ARCHITECTURES.put("vgg16-avg", () -> new Vgg16(true, List.of(Vgg16.LAST)));
        ARCHITECTURES.put("unet", UNet::small);
    }

    /**
     * What to build. {@code scale} 0 is the model's default (UpscalerJS: 4 where it exists);
     * {@code width}/{@code height} 0 are the model's usual input size; {@code weights} (a safetensors
     * state dict, architectures only) replaces the random initialization drawn from {@code seed};
     * {@code modelDir} is a local copy of an UpscalerJS model (a folder with model.json).
     */
    public record Request(String name, int scale, int width, int height, int batch, long seed, Path weights,
            Path modelDir) {
        public static Request of(String name) {
            return new Request(name, 0, 0, 0, 1, 0, null, null);
        }

        public Request withSize(int w, int h) {
            return new Request(name, scale, w, h, batch, seed, weights, modelDir);
        }

        public Request withScale(int s) {
            return new Request(name, s, width, height, batch, seed, weights, modelDir);
        }

        public Request withSeed(long s) {
            return new Request(name, scale, width, height, batch, s, weights, modelDir);
        }

        public Request withWeights(Path w) {
            return new Request(name, scale, width, height, batch, seed, w, modelDir);
        }

        public Request withModelDir(Path d) {
            return new Request(name, scale, width, height, batch, seed, weights, d);
        }

        public Request withBatch(int n) {
            return new Request(name, scale, width, height, n, seed, weights, modelDir);
        }
    }

    /** Every name, architectures first, then the UpscalerJS models. */
    public static List<String> names() {
        List<String> l = new ArrayList<>(ARCHITECTURES.keySet());
        for (UpscalerJsPackage p : UpscalerJsPackage.values()) l.add(p.modelName());
        return l;
    }

    public static boolean isArchitecture(String name) {
        return ARCHITECTURES.containsKey(name);
    }

    /** The architecture of that name, or an error listing every known model. */
    public static Architecture architecture(String name) {
        Supplier<Architecture> a = ARCHITECTURES.get(name);
        if (a == null) throw unknown(name);
        return a.get();
    }

    static GannetException unknown(String name) {
        return new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "' (known: "
                + String.join(", ", names()) + ")");
    }

    /** The graph a request names, with every parameter bound; UpscalerJS packages come from {@code store}. */
    public static Graph graph(Request r, PackageStore store) {
        if (r.batch() < 1) throw new GannetException(ErrorCode.INVALID_ARGUMENT, "batch must be at least 1, got "
                + r.batch());
        if (r.modelDir() != null || UpscalerJsPackage.isKnown(r.name())) {
            if (r.weights() != null) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, r.name() + " is a pretrained UpscalerJS model; "
                        + "--weights applies to the architectures (" + String.join(", ", ARCHITECTURES.keySet()) + ")");
            }
            UpscalerJsModel m = r.modelDir() != null
                    ? UpscalerJsModel.fromDir(r.modelDir(), UpscalerJsPackage.isKnown(r.name()) ? r.name() : null,
                            r.scale())
                    : UpscalerJsModel.load(store, r.name(), r.scale() == 0
                            ? UpscalerJsPackage.byName(r.name()).defaultScale() : r.scale());
            int w = r.width() == 0 ? 128 : r.width(), h = r.height() == 0 ? 128 : r.height();
            return upscalerGraph(m, Shape.of(r.batch(), h, w, 3));
        }
        Architecture a = architecture(r.name());
        if (r.scale() != 0) {
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, r.name() + " has no scale (--scale applies to the "
                    + "UpscalerJS models)");
        }
        Shape d = a.defaultInput(r.batch());
        Shape in = r.width() == 0 && r.height() == 0 ? d
                : Shape.of(r.batch(), r.height() == 0 ? d.h() : r.height(), r.width() == 0 ? d.w() : r.width(), d.c());
        Graph g = a.graph(in);
        return r.weights() != null ? StateDicts.load(g, r.weights(), a.ignoredOnLoad()) : StateDicts.initialize(g, r.seed());
    }

    /**
     * An UpscalerJS model as a graph with gannet's contract, RGB in [0, 1] in and out: the 0..255 RDN
     * models get an input scale of 255 and an output scale of 1/255 (folded into the first and last
     * convolutions by the compiler). Outputs are not clipped; converting them to an image clips.
     */
    public static Graph upscalerGraph(UpscalerJsModel m, Shape input) {
        TfjsImporter.Options o = m.range() == 1f ? TfjsImporter.Options.NATIVE
                : new TfjsImporter.Options(m.range(), 1f / m.range());
        return TfjsImporter.toGraph(m.tfjs(), input, o);
    }
}

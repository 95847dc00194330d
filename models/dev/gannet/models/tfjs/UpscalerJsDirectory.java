// UpscalerJS models in a directory laid out as the npm packages are: <root>/<name>/x<S>/model.json
// (esrgan-slim, -medium, -thick) or <root>/<name>/model.json (default-model, 2x).
package dev.gannet.models.tfjs;

import dev.gannet.graph.Graph;
import dev.gannet.models.ModelCatalog;
import dev.gannet.models.ModelSource;
import dev.gannet.models.ModelRegistry;
import dev.gannet.models.pretrained.UpscalerJsModel;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import dev.gannet.runtime.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

public final class UpscalerJsDirectory implements ModelCatalog.Provider {
    private final Path root;

    public UpscalerJsDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public Optional<ModelSource> find(String name, int scale) {
        Path dir = root.resolve(name);
        if (name.contains("/") || name.contains("\\") || name.startsWith(".") || !Files.isDirectory(dir)) {
            return Optional.empty();
        }
        return Optional.of(model(dir, scale));
    }

    @Override
    public List<String> names() {
        if (!Files.isDirectory(root)) return List.of();
        List<String> l = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isRegularFile(p.resolve("model.json")) || !scales(p).isEmpty())
                    .forEach(p -> l.add(p.getFileName().toString()));
        } catch (IOException e) {
            return List.of();
        }
        return l;
    }

    @Override
    public String describe() {
        return root + (Files.isDirectory(root) ? "" : " (absent)");
    }

    private static List<Integer> scales(Path dir) {
        List<Integer> l = new ArrayList<>();
        for (int s = 2; s <= 8; s++) if (Files.isRegularFile(dir.resolve("x" + s).resolve("model.json"))) l.add(s);
        return l;
    }

    /** The model in {@code dir} (model.json there, or in dir/x{scale}); its scale is checked on the graph. */
    public static ModelSource model(Path dir, int scale) {
        Path d = dir.toAbsolutePath().normalize();
        String name = d.getFileName() == null ? d.toString() : d.getFileName().toString();
        Path json;
        if (Files.isRegularFile(d.resolve("x" + scale).resolve("model.json"))) {
            json = d.resolve("x" + scale).resolve("model.json");
        } else if (Files.isRegularFile(d.resolve("model.json"))) {
            json = d.resolve("model.json");
            if (name.matches("x\\d")) name = d.getParent().getFileName().toString();
        } else {
            List<Integer> have = scales(d);
            throw new GannetException(ErrorCode.INVALID_ARGUMENT, d + ": no model for scale " + scale
                    + (have.isEmpty() ? " (no model.json there, nor x2/model.json, x3/model.json, ...)"
                            : " (scales there: " + have + ")"));
        }
        String modelName = name;
        return new ModelSource() {
            public String name() {
                return modelName;
            }

            public int scale() {
                return scale;
            }

            public String origin() {
                return json.toString();
            }

            public Graph graph(Shape input) {
                // The pixel range (0..255 for RDN, [0, 1] for RRDN) is recognised from the layers, as
                // UpscalerJS tells its families apart; the graph takes and returns [0, 1] either way.
                Graph g = ModelRegistry.upscalerGraph(UpscalerJsModel.fromDir(json.getParent(), null, 0), input);
                Shape out = g.outputs().values().iterator().next().shape();
                if (out.h() != input.h() * scale || out.w() != input.w() * scale) {
                    throw new GannetException(ErrorCode.INVALID_ARGUMENT, json + " turns " + input.h() + "x"
                            + input.w() + " into " + out.h() + "x" + out.w() + ", not a " + scale + "x upscale");
                }
                return g;
            }

            @Override
            public String toString() {
                return modelName + " x" + scale + " (" + json + ")";
            }
        };
    }
}

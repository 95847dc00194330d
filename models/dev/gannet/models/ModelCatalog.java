// Finds models by name for `gannet plan`: registered providers are asked in order (the CLI registers
// the architectures and the fetched UpscalerJS packages; tests may add the copies in ../shared).
package dev.gannet.models;

import dev.gannet.models.tfjs.UpscalerJsDirectory;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

public final class ModelCatalog {
    /** One place models come from. */
    public interface Provider {
        /** The model {@code name} at {@code scale}, if this provider has it (an error if it has the name but not the scale). */
        Optional<ModelSource> find(String name, int scale);

        /** The names this provider knows, for the message about an unknown model. */
        List<String> names();

        /** Where it looks, for that message. */
        String describe();
    }

    private static final List<Provider> PROVIDERS = new CopyOnWriteArrayList<>();

    private ModelCatalog() {}

    /** Adds a provider, asked before the built-in ones. */
    public static void register(Provider p) {
        PROVIDERS.addFirst(p);
    }

    public static List<Provider> providers() {
        return List.copyOf(PROVIDERS);
    }

    /** The model {@code name} at {@code scale}; an unknown name lists the known ones and where they were looked for. */
    public static ModelSource find(String name, int scale) {
        for (Provider p : PROVIDERS) {
            Optional<ModelSource> m = p.find(name, scale);
            if (m.isPresent()) return m.get();
        }
        TreeSet<String> known = new TreeSet<>();
        List<String> where = new ArrayList<>();
        for (Provider p : PROVIDERS) {
            known.addAll(p.names());
            where.add(p.describe());
        }
        throw new GannetException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "' (known: "
                + (known.isEmpty() ? "none" : String.join(", ", known)) + "; looked in " + String.join("; ", where)
                + "; --model-dir DIR takes a local copy)");
    }

    /** A model from a directory: a TF.js layers model (model.json), or one with x2/, x3/... subdirectories. */
    public static ModelSource fromDirectory(Path dir, int scale) {
        return UpscalerJsDirectory.model(dir, scale);
    }
}

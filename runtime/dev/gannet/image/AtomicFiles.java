// Output files appear whole or not at all: each is written to a hidden temporary file in the target's
// folder and renamed into place. Temporaries still open when the JVM stops (Ctrl-C, SIGTERM) are deleted
// by one shutdown hook, so an interrupted run leaves neither a partial output nor a stray temporary.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;

/**
 * Creating a temporary, renaming it and the shutdown hook's cleanup all hold one lock, so a temporary
 * is either renamed to its final name (complete) or deleted, never both and never neither. Once the
 * hook has run no new temporary can be created: a writer still running then fails instead of leaving
 * one behind.
 */
public final class AtomicFiles {
    /** Temporaries start with this; a directory listing can tell them from outputs. */
    public static final String TMP_PREFIX = ".gannet-tmp-";

    /** Writes the content of one file, given the temporary path to write it to. */
    @FunctionalInterface
    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    private static final Object LOCK = new Object();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<Path> LIVE = new HashSet<>();
    private static boolean stopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::deleteAll, "gannet-tmp-cleanup"));
    }

    private AtomicFiles() {}

    /**
     * Writes {@code target} through {@code writer} into a temporary beside it, then renames it into place
     * (atomically where the file system can). On any failure the temporary is deleted and the target left
     * as it was.
     */
    public static void write(Path target, Writer writer) {
        Path tmp = create(target);
        boolean done = false;
        try {
            writer.write(tmp);
            if (Thread.currentThread().isInterrupted()) {
                throw new GannetException(ErrorCode.IO, target + ": interrupted before it was complete; not written");
            }
            commit(tmp, target);
            done = true;
        } catch (ClosedByInterruptException | InterruptedIOException e) {
            throw new GannetException(ErrorCode.IO, target + ": interrupted while writing; not written", e);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (!done) discard(tmp);
        }
    }

    /** A new empty temporary beside {@code target}, registered for deletion if the JVM stops. */
    public static Path create(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        synchronized (LOCK) {
            if (stopping) {
                throw new GannetException(ErrorCode.IO, target + ": gannet is stopping; not written");
            }
            try {
                // Not Files.createTempFile: its files are private (0600); an output gets the umask's usual mode.
                Path tmp;
                while (true) {
                    tmp = dir.resolve(TMP_PREFIX + abs.getFileName() + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36)
                            + ".part");
                    try {
                        Files.createFile(tmp);
                        break;
                    } catch (FileAlreadyExistsException taken) {
                        // another writer drew the same name: draw again
                    }
                }
                LIVE.add(tmp);
                return tmp;
            } catch (IOException e) {
                throw new GannetException(ErrorCode.IO, target + ": cannot create a file in " + dir + ": " + e, e);
            }
        }
    }

    /** Renames a finished temporary from {@link #create} onto its target. */
    public static void commit(Path tmp, Path target) throws IOException {
        synchronized (LOCK) {
            if (stopping || !LIVE.contains(tmp)) {
                throw new IOException("gannet is stopping; " + target + " not written");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            LIVE.remove(tmp);
        }
    }

    /** Deletes a temporary that will not be committed; harmless if it is gone already. */
    public static void discard(Path tmp) {
        synchronized (LOCK) {
            LIVE.remove(tmp);
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Best effort: the name starts with TMP_PREFIX, so it is recognisable as debris.
            }
        }
    }

    /** How many temporaries are open now (tests). */
    public static int liveCount() {
        synchronized (LOCK) {
            return LIVE.size();
        }
    }

    private static void deleteAll() {
        synchronized (LOCK) {
            stopping = true;
            for (Path p : LIVE) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // The JVM is stopping; nothing else can be done about it.
                }
            }
            LIVE.clear();
        }
    }
}

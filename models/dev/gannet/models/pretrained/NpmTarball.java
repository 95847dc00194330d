// Checks an npm package tarball against its integrity string and extracts it safely: regular
// files and folders under package/ only, no path leaving the destination, bounded sizes.
package dev.gannet.models.pretrained;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

public final class NpmTarball {
    /**
     * Bounds on what one package may unpack to. A tarball is only extracted after its checksum
     * matched, so these guard against a wrong checksum table rather than against the registry;
     * they still keep a hostile archive from filling the disk or the inode table.
     */
    public record Limits(long maxTotalBytes, long maxEntryBytes, int maxEntries) {
        /** Ten times the largest known package (esrgan-thick unpacks to 120 MB). */
        public static final Limits DEFAULT = new Limits(1L << 30, 512L << 20, 10_000);
    }

    private static final String PREFIX = "package/";

    private NpmTarball() {}

    /** npm's integrity string of a file: {@code sha512-} and the base64 of its SHA-512. */
    public static String integrity(Path file) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new GannetException(ErrorCode.INTERNAL, "this JVM has no SHA-512: " + e, e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (NoSuchFileException e) {
            throw new GannetException(ErrorCode.IO, file + ": no such file", e);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, file + ": cannot read: " + e, e);
        }
        return "sha512-" + Base64.getEncoder().encodeToString(md.digest());
    }

    /**
     * Fails with {@link ErrorCode#FORMAT} unless {@code file} has exactly {@code expectedBytes} bytes
     * and the integrity {@code expected}; {@code what} names the package in the message.
     */
    public static void verify(Path file, String what, String expected, long expectedBytes) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, file + ": cannot read: " + e, e);
        }
        if (size != expectedBytes) {
            throw new GannetException(ErrorCode.FORMAT, what + ": " + file + " has " + size + " bytes, the recorded "
                    + "package has " + expectedBytes + " (a different or truncated file)");
        }
        String actual = integrity(file);
        if (!actual.equals(expected)) {
            throw new GannetException(ErrorCode.FORMAT, what + ": " + file + " does not match the recorded checksum "
                    + "(expected " + expected + ", got " + actual + "); refusing to use it");
        }
    }

    /**
     * Extracts the tarball's {@code package/} tree into {@code dest}, which must not exist yet and is
     * created. Entries other than regular files and folders (links, devices, fifos), names that are
     * absolute, contain {@code ..}, {@code \} or NUL, lie outside {@code package/}, or appear twice,
     * and sizes beyond {@code limits} are {@link ErrorCode#FORMAT} errors naming the entry. On failure
     * {@code dest} may hold part of the tree: callers extract into a temporary folder.
     */
    public static void extract(Path tgz, Path dest, Limits limits) {
        String where = tgz.toString();
        try {
            Files.createDirectory(dest);
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, dest + ": cannot create the folder to extract " + where + " into: "
                    + e, e);
        }
        Path root = dest.toAbsolutePath().normalize();
        long total = 0;
        int entries = 0;
        Set<String> seen = new HashSet<>();
        try (InputStream raw = Files.newInputStream(tgz);
                TarArchiveInputStream tar = new TarArchiveInputStream(
                        new GZIPInputStream(new BufferedInputStream(raw, 1 << 16), 1 << 16))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = e.getName();
                if (++entries > limits.maxEntries()) {
                    throw fail(where, name, "more than " + limits.maxEntries() + " entries");
                }
                // By type flag, not isFile(): commons-compress calls any non-folder entry a file, devices included.
                byte type = e.getLinkFlag();
                boolean isDir = type == TarConstants.LF_DIR;
                boolean isFile = type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM
                        || type == TarConstants.LF_CONTIG;
                if (!isDir && !isFile) {
                    throw fail(where, name, "is a " + kind(e) + "; packages hold regular files and folders only");
                }
                String rel = relative(where, name);
                if (rel.isEmpty()) continue; // "package/" itself
                if (!seen.add(rel)) throw fail(where, name, "appears twice");
                Path target = root.resolve(rel).normalize();
                if (!target.startsWith(root) || target.equals(root)) {
                    throw fail(where, name, "resolves outside the destination folder");
                }
                if (isDir) {
                    Files.createDirectories(target);
                    continue;
                }
                long size = e.getSize();
                if (size < 0 || size > limits.maxEntryBytes()) {
                    throw fail(where, name, "has " + size + " bytes, more than the " + limits.maxEntryBytes()
                            + "-byte limit for one file");
                }
                total += size;
                if (total > limits.maxTotalBytes()) {
                    throw fail(where, name, "takes the package past " + limits.maxTotalBytes() + " bytes unpacked");
                }
                Files.createDirectories(target.getParent());
                // CREATE_NEW: a name that only differs by normalization from an earlier one fails here.
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    long copied = tar.transferTo(out);
                    if (copied != size) {
                        throw fail(where, name, "holds " + copied + " bytes but its header says " + size);
                    }
                }
            }
        } catch (GannetException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            // commons-compress reports malformed headers as IOException or IllegalArgumentException.
            throw new GannetException(ErrorCode.FORMAT, where + ": not a readable .tgz package: " + e, e);
        }
        if (!Files.isDirectory(root)) {
            throw new GannetException(ErrorCode.FORMAT, where + ": the archive holds no package/ folder");
        }
    }

    /** The entry's path below {@code package/}, checked to be a plain relative path. */
    private static String relative(String where, String name) {
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw fail(where, name, "contains a NUL or backslash");
        }
        if (!name.startsWith(PREFIX) && !name.equals("package")) {
            throw fail(where, name, "lies outside the package/ folder");
        }
        String rel = name.equals("package") ? "" : name.substring(PREFIX.length());
        while (rel.endsWith("/")) rel = rel.substring(0, rel.length() - 1);
        if (rel.startsWith("/")) throw fail(where, name, "is an absolute path");
        if (rel.isEmpty()) return rel;
        for (String part : rel.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw fail(where, name, "has an empty, '.' or '..' path component");
            }
        }
        return rel;
    }

    private static String kind(TarArchiveEntry e) {
        if (e.isSymbolicLink()) return "symbolic link to '" + e.getLinkName() + "'";
        if (e.isLink()) return "hard link to '" + e.getLinkName() + "'";
        if (e.isCharacterDevice() || e.isBlockDevice()) return "device";
        if (e.isFIFO()) return "fifo";
        return "special entry (type '" + (char) e.getLinkFlag() + "')";
    }

    private static GannetException fail(String where, String entry, String why) {
        return new GannetException(ErrorCode.FORMAT, where + ": entry '" + entry + "' " + why);
    }
}

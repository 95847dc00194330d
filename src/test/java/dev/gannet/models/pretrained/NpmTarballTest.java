// NpmTarball: integrity strings against a published SHA-512 test vector, and extraction that
// refuses every way an archive can reach outside its folder or grow without bound.
package dev.gannet.models.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmTarballTest {
    @TempDir
    Path tmp;

    /** One tar entry as a test writes it: a file with content, a folder, or a link. */
    record Entry(String name, byte[] content, byte type, String link) {
        static Entry file(String name, String content) {
            return new Entry(name, content.getBytes(StandardCharsets.UTF_8), TarConstants.LF_NORMAL, null);
        }

        static Entry dir(String name) {
            return new Entry(name, new byte[0], TarConstants.LF_DIR, null);
        }

        static Entry link(String name, byte type, String target) {
            return new Entry(name, new byte[0], type, target);
        }
    }

    /** Writes a .tgz with exactly these entries (no normalization of names). */
    static Path tgz(Path file, List<Entry> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); GZIPOutputStream gz = new GZIPOutputStream(out);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry te = new TarArchiveEntry(e.name(), e.type(), true);
                if (e.link() != null) te.setLinkName(e.link());
                te.setSize(e.type() == TarConstants.LF_NORMAL ? e.content().length : 0);
                tar.putArchiveEntry(te);
                if (e.type() == TarConstants.LF_NORMAL) tar.write(e.content());
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    @Test
    void integrityIsSha512InBase64() throws IOException {
        // FIPS 180-2 test vector: SHA-512("abc").
        byte[] expected = HexFormat.of().parseHex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
        Path f = Files.writeString(tmp.resolve("abc"), "abc");
        assertThat(NpmTarball.integrity(f)).isEqualTo("sha512-" + Base64.getEncoder().encodeToString(expected));
    }

    @Test
    void verifyRejectsAnotherSizeOrChecksum() throws IOException {
        Path f = Files.writeString(tmp.resolve("abc"), "abc");
        String good = NpmTarball.integrity(f);
        NpmTarball.verify(f, "pkg", good, 3);
        assertThatThrownBy(() -> NpmTarball.verify(f, "pkg", good, 4)).isInstanceOf(GannetException.class)
                .hasMessageContaining("pkg").hasMessageContaining("3 bytes").hasMessageContaining("4");
        Path g = Files.writeString(tmp.resolve("abd"), "abd");
        assertThatThrownBy(() -> NpmTarball.verify(g, "pkg", good, 3)).isInstanceOf(GannetException.class)
                .hasMessageContaining("does not match the recorded checksum").hasMessageContaining(good)
                .satisfies(e -> assertThat(((GannetException) e).code()).isEqualTo(ErrorCode.FORMAT));
    }

    @Test
    void extractsThePackageTree() throws IOException {
        Path t = tgz(tmp.resolve("ok.tgz"), List.of(Entry.dir("package/"), Entry.file("package/package.json", "{}"),
                Entry.file("package/models/x2/model.json", "{\"a\":1}"), Entry.dir("package/assets/")));
        Path dest = tmp.resolve("out");
        NpmTarball.extract(t, dest, NpmTarball.Limits.DEFAULT);
        assertThat(Files.readString(dest.resolve("package.json"))).isEqualTo("{}");
        assertThat(Files.readString(dest.resolve("models/x2/model.json"))).isEqualTo("{\"a\":1}");
        assertThat(dest.resolve("assets")).isDirectory();
    }

    void assertRefused(List<Entry> entries, NpmTarball.Limits limits, String... messageParts) throws IOException {
        Path t = tgz(Files.createTempFile(tmp, "bad", ".tgz"), entries);
        Path dest = tmp.resolve("out-" + t.getFileName());
        var thrown = assertThatThrownBy(() -> NpmTarball.extract(t, dest, limits)).isInstanceOf(GannetException.class);
        for (String p : messageParts) thrown.hasMessageContaining(p);
        // Nothing was written outside the destination.
        assertThat(tmp.getParent().resolve("evil")).doesNotExist();
        assertThat(tmp.resolve("evil")).doesNotExist();
    }

    @Test
    void refusesPathsThatLeaveTheFolder() throws IOException {
        var d = NpmTarball.Limits.DEFAULT;
        assertRefused(List.of(Entry.file("package/../evil", "x")), d, "package/../evil", "'..'");
        assertRefused(List.of(Entry.file("package/../../evil", "x")), d, "'..'");
        assertRefused(List.of(Entry.file("/etc/evil", "x")), d, "/etc/evil", "outside the package/ folder");
        assertRefused(List.of(Entry.file("other/evil", "x")), d, "outside the package/ folder");
        assertRefused(List.of(Entry.file("package//evil", "x")), d, "absolute path");
        assertRefused(List.of(Entry.file("package/a//evil", "x")), d, "empty");
        assertRefused(List.of(Entry.file("package/a\\..\\evil", "x")), d, "backslash");
    }

    @Test
    void refusesLinksDevicesAndDuplicates() throws IOException {
        var d = NpmTarball.Limits.DEFAULT;
        assertRefused(List.of(Entry.link("package/evil", TarConstants.LF_SYMLINK, "/etc/passwd")), d,
                "symbolic link to '/etc/passwd'");
        assertRefused(List.of(Entry.link("package/evil", TarConstants.LF_LINK, "/etc/passwd")), d, "hard link");
        assertRefused(List.of(Entry.link("package/dev", TarConstants.LF_CHR, null)), d, "device");
        assertRefused(List.of(Entry.link("package/fifo", TarConstants.LF_FIFO, null)), d, "fifo");
        assertRefused(List.of(Entry.file("package/a", "1"), Entry.file("package/a", "2")), d, "appears twice");
        assertRefused(List.of(Entry.file("package/a", "1"), Entry.file("package/./a", "2")), d, "'.'");
    }

    @Test
    void refusesArchivesBeyondTheLimits() throws IOException {
        assertRefused(List.of(Entry.file("package/big", "0123456789")), new NpmTarball.Limits(100, 9, 10), "package/big",
                "10 bytes", "9-byte limit");
        assertRefused(List.of(Entry.file("package/a", "012345"), Entry.file("package/b", "012345")),
                new NpmTarball.Limits(10, 9, 10), "package/b", "past 10 bytes");
        assertRefused(List.of(Entry.file("package/a", "1"), Entry.file("package/b", "2"), Entry.file("package/c", "3")),
                new NpmTarball.Limits(100, 10, 2), "more than 2 entries");
    }

    @Test
    void refusesFilesThatAreNotArchives() throws IOException {
        Path notGz = Files.writeString(tmp.resolve("x.tgz"), "not gzip");
        assertThatThrownBy(() -> NpmTarball.extract(notGz, tmp.resolve("o"), NpmTarball.Limits.DEFAULT))
                .isInstanceOf(GannetException.class).hasMessageContaining("not a readable .tgz package");
    }
}

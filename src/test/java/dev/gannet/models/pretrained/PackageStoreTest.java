// PackageStore with a stand-in npm (a shell script that writes a tarball this test built): fetch,
// verify, atomic unpack, offline reuse, and the errors of a failing or missing npm.
package dev.gannet.models.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gannet.models.pretrained.NpmTarballTest.Entry;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageStoreTest {
    @TempDir
    Path tmp;
    Path tarball;
    PackageSpec spec;
    final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    final List<long[]> progress = Collections.synchronizedList(new ArrayList<>());
    final PackageStore.Listener listener = new PackageStore.Listener() {
        @Override
        public void message(String line) {
            messages.add(line);
        }

        @Override
        public void progress(String what, long bytes, long total) {
            progress.add(new long[] {bytes, total});
        }
    };

    @BeforeEach
    void buildPackage() throws IOException {
        tarball = NpmTarballTest.tgz(tmp.resolve("src.tgz"), List.of(Entry.file("package/package.json", "{}"),
                Entry.file("package/models/x2/model.json", "model")));
        spec = new PackageSpec("@test/pkg@1.0.0", "test-pkg-1.0.0.tgz", NpmTarball.integrity(tarball),
                Files.size(tarball), "test-pkg-1.0.0");
    }

    /** A stand-in npm that logs its arguments, sleeps, then copies the tarball where `npm pack` would put it. */
    Path fakeNpm(String body) throws IOException {
        Path script = tmp.resolve("npm-" + System.nanoTime());
        Files.writeString(script, "#!/bin/bash\necho \"$@\" >> " + tmp.resolve("npm.log") + "\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    Path copyingNpm() throws IOException {
        // $4 is the --pack-destination value (pack SPEC --pack-destination DIR ...).
        return fakeNpm("sleep 1.2\ncp " + tarball + " \"$4/" + spec.tarballName() + "\"\necho '[{}]'");
    }

    PackageStore store(Path npm) {
        return new PackageStore(tmp.resolve("home/models"), tmp.resolve("home/downloads"),
                npm == null ? null : List.of(npm.toString()), listener, NpmTarball.Limits.DEFAULT);
    }

    long npmCalls() throws IOException {
        Path log = tmp.resolve("npm.log");
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    List<String> storeEntries(PackageStore s) throws IOException {
        try (Stream<Path> st = Files.list(s.root())) {
            return st.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void fetchesOnceThenWorksOffline() throws IOException {
        PackageStore s = store(copyingNpm());
        Path dir = s.resolve(spec);
        assertThat(dir).isEqualTo(s.root().resolve("test-pkg-1.0.0"));
        assertThat(Files.readString(dir.resolve("models/x2/model.json"))).isEqualTo("model");
        assertThat(npmCalls()).isEqualTo(1);
        assertThat(Files.readString(tmp.resolve("npm.log"))).startsWith("pack @test/pkg@1.0.0 --pack-destination ")
                .contains("--ignore-scripts");
        // The one-second download was watched at least once, and the end reported as complete.
        assertThat(progress).isNotEmpty();
        assertThat(progress.getLast()).containsExactly(spec.bytes(), spec.bytes());
        assertThat(messages).anyMatch(m -> m.contains("fetching @test/pkg@1.0.0"))
                .anyMatch(m -> m.contains("verified"));
        // Nothing but the package is left in the store: the temporary folder is gone.
        assertThat(storeEntries(s)).containsExactly("test-pkg-1.0.0");

        // Offline from now on: even without npm the package resolves, and npm is not run again.
        assertThat(store(null).resolve(spec)).isEqualTo(dir);
        assertThat(s.resolve(spec)).isEqualTo(dir);
        assertThat(npmCalls()).isEqualTo(1);
    }

    @Test
    void aTarballThatDoesNotMatchIsRefusedAndLeavesNothing() throws IOException {
        PackageSpec wrong = new PackageSpec(spec.npmSpec(), spec.tarballName(),
                "sha512-" + "A".repeat(86) + "==", spec.bytes(), spec.dirName());
        PackageStore s = store(copyingNpm());
        assertThatThrownBy(() -> s.resolve(wrong)).isInstanceOf(GannetException.class)
                .hasMessageContaining("@test/pkg@1.0.0").hasMessageContaining("does not match the recorded checksum");
        assertThat(storeEntries(s)).isEmpty();
        assertThat(s.isPresent(wrong)).isFalse();
    }

    @Test
    void aFailingNpmIsReportedWithItsOutputAndTheWayByHand() throws IOException {
        PackageStore s = store(fakeNpm("echo 'npm error code E404' >&2\necho 'npm error 404 Not Found' >&2\nexit 1"));
        assertThatThrownBy(() -> s.resolve(spec)).isInstanceOf(GannetException.class)
                .hasMessageContaining("npm pack @test/pkg@1.0.0 failed with exit code 1")
                .hasMessageContaining("npm error 404 Not Found")
                .hasMessageContaining("To get it by hand").hasMessageContaining("--model-dir");
        assertThat(storeEntries(s)).isEmpty();
    }

    @Test
    void withoutNpmTheErrorSaysHowToGetThePackage() {
        PackageStore s = store(null);
        assertThatThrownBy(() -> s.resolve(spec)).isInstanceOf(GannetException.class)
                .hasMessageContaining("npm, which gannet fetches it with, is not on PATH")
                .hasMessageContaining("npm pack @test/pkg@1.0.0").hasMessageContaining("npm view @test/pkg@1.0.0 "
                        + "dist.tarball")
                .hasMessageContaining(s.downloads().toString()).hasMessageContaining("--model-dir");
    }

    @Test
    void aTarballDroppedIntoDownloadsIsVerifiedAndUsed() throws IOException {
        PackageStore s = store(null);
        Files.createDirectories(s.downloads());
        Files.copy(tarball, s.downloads().resolve(spec.tarballName()));
        Path dir = s.resolve(spec);
        assertThat(dir.resolve("package.json")).hasContent("{}");
        assertThat(messages).anyMatch(m -> m.contains("using " + s.downloads().resolve(spec.tarballName())));

        // A dropped file with other bytes is refused, not unpacked.
        PackageSpec other = new PackageSpec("@test/other@1.0.0", "test-other-1.0.0.tgz", spec.integrity(),
                spec.bytes(), "test-other-1.0.0");
        Path bad = NpmTarballTest.tgz(s.downloads().resolve(other.tarballName()),
                List.of(Entry.file("package/package.json", "{\"x\":1}")));
        assertThat(Files.size(bad)).isNotEqualTo(0);
        assertThatThrownBy(() -> s.resolve(other)).isInstanceOf(GannetException.class)
                .hasMessageContaining("@test/other@1.0.0");
        assertThat(s.isPresent(other)).isFalse();
    }

    @Test
    void specsAreCheckedToBePlainNames() {
        assertThatThrownBy(() -> new PackageSpec("@a/b@1", "../x.tgz", spec.integrity(), 1, "d"))
                .isInstanceOf(GannetException.class);
        assertThatThrownBy(() -> new PackageSpec("@a/b@1", "x.tgz", spec.integrity(), 1, "../d"))
                .isInstanceOf(GannetException.class);
        assertThatThrownBy(() -> new PackageSpec("--registry=x", "x.tgz", spec.integrity(), 1, "d"))
                .isInstanceOf(GannetException.class);
    }
}

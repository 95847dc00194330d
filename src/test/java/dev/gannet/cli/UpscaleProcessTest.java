// `gannet upscale` as a separate process, for what only a process shows: Ctrl-C (SIGINT) midway through
// 200 images leaves only complete, readable outputs and no temporaries; a model to fetch without npm, and
// a Java heap too small, are one-line errors with exit code 2 and no output file.
package dev.gannet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gannet.image.AtomicFiles;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpscaleProcessTest {
    @TempDir
    Path dir;

    /** This JVM's class path, unwrapped from Surefire's manifest-only booter jar when it uses one. */
    static String classPath() throws IOException {
        String cp = System.getProperty("java.class.path");
        String[] parts = cp.split(File.pathSeparator);
        if (parts.length == 1 && parts[0].contains("surefirebooter")) {
            try (JarFile jar = new JarFile(parts[0])) {
                List<String> entries = new ArrayList<>();
                for (String u : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                    if (!u.isBlank()) entries.add(Path.of(URI.create(u)).toString());
                }
                return String.join(File.pathSeparator, entries);
            }
        }
        return cp;
    }

    /** The java command running gannet's CLI with this test's class path and native library. */
    static List<String> gannetCommand(String... jvmOptions) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(jvmOptions));
        String nativeDir = System.getProperty("gannet.native.dir");
        if (nativeDir != null) cmd.add("-Dgannet.native.dir=" + nativeDir);
        cmd.addAll(List.of("-cp", classPath(), "dev.gannet.cli.Main"));
        return cmd;
    }

    record Exit(int code, String out, String err) {}

    static Exit run(ProcessBuilder pb, Path dir) throws Exception {
        Path out = dir.resolve("stdout.txt"), err = dir.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("gannet finishes").isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Exit(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aModelToFetchWithoutNpmSaysHowToGetIt() throws Exception {
        Path emptyPath = Files.createDirectories(dir.resolve("bin"));
        Path img = UpscaleCommandTest.png(dir.resolve("in.png"), 8, 8, BufferedImage.TYPE_3BYTE_BGR, 1);
        List<String> cmd = gannetCommand();
        cmd.addAll(List.of("upscale", img.toString(), "--device", "cpu"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PATH", emptyPath.toString());
        pb.environment().put("GANNET_HOME", Files.createDirectories(dir.resolve("home")).toString());
        Exit e = run(pb, dir);
        assertThat(e.code()).as(e.err()).isEqualTo(2);
        assertThat(e.err()).contains("gannet: @upscalerjs/esrgan-slim@1.0.0").contains("npm")
                .contains("npm pack @upscalerjs/esrgan-slim@1.0.0").doesNotContain("Exception");
        assertThat(dir.resolve("in-x4.png")).doesNotExist();
    }

    @Test
    void tooLittleHeapIsAnErrorThatSuggestsWhatToTry() throws Exception {
        assumeTrue(Files.isRegularFile(UpscaleCommandTest.SLIM.resolve("x2/model.json")),
                "the esrgan-slim models are not in " + UpscaleCommandTest.SLIM + " (../shared beside the project)");
        Path img = UpscaleCommandTest.png(dir.resolve("big.png"), 2000, 1500, BufferedImage.TYPE_3BYTE_BGR, 2);
        List<String> cmd = gannetCommand("-Xmx40m");
        cmd.addAll(List.of("upscale", img.toString(), "-o", dir.resolve("out.png").toString(), "--model-dir",
                UpscaleCommandTest.X2, "--device", "cpu", "--tile", "256"));
        Exit e = run(new ProcessBuilder(cmd), dir);
        assertThat(e.code()).as(e.out() + e.err()).isEqualTo(2);
        assertThat(e.err()).contains("gannet: not enough memory: the Java heap ran out")
                .contains("GANNET_JAVA_OPTS=-Xmx").doesNotContain("Exception");
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).as("no output, no temporary")
                    .containsExactlyInAnyOrder("big.png", "stdout.txt", "stderr.txt");
        }
    }

    @Test
    void sigintMidwayLeavesOnlyCompleteOutputs() throws Exception {
        assumeTrue(Files.isRegularFile(UpscaleCommandTest.SLIM.resolve("x2/model.json")),
                "the esrgan-slim models are not in " + UpscaleCommandTest.SLIM + " (../shared beside the project)");
        assumeTrue(new File("/bin/kill").canExecute() || new File("/usr/bin/kill").canExecute(),
                "no kill command to send SIGINT with");
        Path in = Files.createDirectories(dir.resolve("in"));
        for (int i = 0; i < 200; i++) {
            UpscaleCommandTest.png(in.resolve(String.format("i%03d.png", i)), 48, 40, BufferedImage.TYPE_3BYTE_BGR, i);
        }
        Path out = dir.resolve("out");
        List<String> cmd = gannetCommand();
        cmd.addAll(List.of("upscale", in.toString(), "-o", out.toString(), "--model-dir", UpscaleCommandTest.X2,
                "--device", "cpu"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (countOutputs(out) < 10 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(p.isAlive()).as("still running after 10 outputs: %s", Files.readString(dir.resolve("log.txt")))
                    .isTrue();
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the process stops after SIGINT").isTrue();
        } finally {
            p.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("log.txt"));
        List<Path> left;
        try (var files = Files.list(out)) {
            left = files.toList();
        }
        assertThat(left).as("no temporaries left (log: %s)", log)
                .noneMatch(f -> f.getFileName().toString().startsWith(AtomicFiles.TMP_PREFIX));
        assertThat(left.size()).as("stopped midway (log: %s)", log).isBetween(10, 199);
        for (Path f : left) {
            RgbImage im = ImageFiles.read(f); // a partial PNG would fail to decode
            assertThat(im.width()).as("%s", f).isEqualTo(96);
            assertThat(im.height()).as("%s", f).isEqualTo(80);
        }
    }

    private static long countOutputs(Path out) throws IOException {
        if (!Files.isDirectory(out)) return 0;
        try (var files = Files.list(out)) {
            return files.filter(f -> !f.getFileName().toString().startsWith(".")).count();
        }
    }
}

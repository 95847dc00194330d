// The directory pipeline on 200 small images: every readable image is written, an unreadable one is
// reported by name and skipped, and interrupting the run midway leaves only complete outputs (no partial
// file, no temporary). The model here is nearest-neighbour resizing, so outputs are checked exactly.
package dev.gannet.upscale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gannet.image.AtomicFiles;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.Resize;
import dev.gannet.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineTest {
    static final int SCALE = 3;

    @TempDir
    Path dir;

    static List<Path> makeImages(Path in, int n) throws IOException {
        Files.createDirectories(in);
        Random r = new Random(7);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int w = 12 + r.nextInt(12), h = 10 + r.nextInt(12);
            int type = i % 10 == 3 ? BufferedImage.TYPE_BYTE_GRAY
                    : i % 10 == 7 ? BufferedImage.TYPE_4BYTE_ABGR : BufferedImage.TYPE_3BYTE_BGR;
            BufferedImage im = new BufferedImage(w, h, type);
            int bands = im.getRaster().getNumBands();
            int[] px = new int[w * h * bands];
            for (int k = 0; k < px.length; k++) px[k] = r.nextInt(256);
            im.getRaster().setPixels(0, 0, w, h, px);
            Path f = in.resolve(String.format("img%03d.png", i));
            ImageIO.write(im, "png", f.toFile());
            files.add(f);
        }
        return files;
    }

    /** Nearest-neighbour "model": exact, cheap, and slow enough (a pause per image) to be interrupted midway. */
    static Pipeline.Inference nearest(long pauseMillis, AtomicInteger calls) {
        return (in, sink, compare) -> {
            calls.incrementAndGet();
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new dev.gannet.runtime.GannetException(dev.gannet.runtime.ErrorCode.IO, "interrupted");
                }
            }
            Tiles tiles = Tiles.plan(in.width(), in.height(), 8, 2);
            TiledUpscale.run(in, SCALE, tiles, (rgb, w, h) -> Resize.nearest(rgb, w, h, 3, w * SCALE, h * SCALE),
                    sink, compare, TiledUpscale.Progress.NONE);
        };
    }

    static void assertIsTheUpscaleOf(Path out, Path in) {
        RgbImage a = ImageFiles.read(in), b = ImageFiles.read(out);
        assertThat(b.width()).as("%s width", out).isEqualTo(a.width() * SCALE);
        assertThat(b.gray()).as("%s gray", out).isEqualTo(a.gray());
        assertThat(b.hasAlpha()).as("%s alpha", out).isEqualTo(a.hasAlpha());
        float[] want = Resize.nearest(a.rgb(), a.width(), a.height(), 3, b.width(), b.height());
        assertThat(b.rgb()).as("%s pixels", out).containsExactly(want);
    }

    @Test
    void twoHundredImagesOneUnreadable() throws IOException {
        List<Path> inputs = makeImages(dir.resolve("in"), 200);
        Files.writeString(inputs.get(42), "not a png");
        Path outDir = Files.createDirectories(dir.resolve("out"));
        List<Pipeline.Job> jobs = inputs.stream()
                .map(p -> new Pipeline.Job(p, outDir.resolve(p.getFileName()), null)).toList();
        Map<Path, String> failures = new ConcurrentHashMap<>();
        AtomicInteger doneCalls = new AtomicInteger();
        Pipeline.Listener l = new Pipeline.Listener() {
            @Override
            public void done(Pipeline.Job job, RgbImage in) {
                doneCalls.incrementAndGet();
            }

            @Override
            public void failed(Pipeline.Job job, String why) {
                failures.put(job.input(), why);
            }
        };
        Pipeline.Result r = new Pipeline(jobs, nearest(0, new AtomicInteger()), l,
                new Pipeline.Options(2, 2, 2, 2, SCALE, 0.9f)).run();
        assertThat(r).isEqualTo(new Pipeline.Result(199, 1, false));
        assertThat(doneCalls).hasValue(199);
        assertThat(failures).containsOnlyKeys(inputs.get(42));
        assertThat(failures.get(inputs.get(42))).contains("img042.png").contains("not an image");
        for (int i = 0; i < inputs.size(); i++) {
            Path out = outDir.resolve(inputs.get(i).getFileName());
            if (i == 42) assertThat(out).doesNotExist();
            else assertIsTheUpscaleOf(out, inputs.get(i));
        }
        assertThat(AtomicFiles.liveCount()).isZero();
    }

    @Test
    void interruptingMidwayLeavesOnlyCompleteOutputs() throws Exception {
        List<Path> inputs = makeImages(dir.resolve("in"), 200);
        Path outDir = Files.createDirectories(dir.resolve("out"));
        List<Pipeline.Job> jobs = inputs.stream().map(p -> new Pipeline.Job(p, outDir.resolve(p.getFileName()),
                outDir.resolve(p.getFileName().toString().replace(".png", "-compare.png")))).toList();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        Pipeline p = new Pipeline(jobs, nearest(15, calls), new Pipeline.Listener() {
            @Override
            public void done(Pipeline.Job job, RgbImage in) {
                written.incrementAndGet();
            }
        }, new Pipeline.Options(1, 2, 1, 2, SCALE, 0.9f));
        Pipeline.Result[] result = new Pipeline.Result[1];
        Thread runner = new Thread(() -> result[0] = p.run(), "pipeline-under-test");
        runner.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (written.get() < 30 && System.nanoTime() < deadline) Thread.sleep(5);
        runner.interrupt(); // what Ctrl-C does to the CLI's pipeline thread
        runner.join(30_000);
        assertThat(runner.isAlive()).as("the pipeline stops after an interrupt").isFalse();
        assertThat(result[0].cancelled()).isTrue();
        assertThat(result[0].done()).isBetween(30, 199);
        try (var files = Files.list(outDir)) {
            List<Path> left = files.toList();
            assertThat(left).as("no temporaries").noneMatch(f -> f.getFileName().toString()
                    .startsWith(AtomicFiles.TMP_PREFIX));
            long outputs = left.stream().filter(f -> !f.toString().endsWith("-compare.png")).count();
            assertThat(outputs).as("outputs written: as many as reported done").isEqualTo(result[0].done());
            for (Path f : left) {
                if (f.toString().endsWith("-compare.png")) {
                    assertThat(ImageFiles.read(f).width()).isPositive(); // decodes whole
                    continue;
                }
                assertIsTheUpscaleOf(f, dir.resolve("in").resolve(f.getFileName()));
            }
        }
        assertThat(AtomicFiles.liveCount()).isZero();
        assertThat(calls.get()).as("images reached the model before the stop").isLessThan(200);
    }
}

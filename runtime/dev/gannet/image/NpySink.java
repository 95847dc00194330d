// A float32 .npy output written straight into a memory-mapped temporary file, so a large result never
// sits in the Java heap; renamed into place on commit.
package dev.gannet.image;

import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** H x W x C float32, C = 1 (gray), 3 (RGB), plus one for alpha; values are stored as given. */
final class NpySink implements ImageSink {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final Path target;
    private final Spec spec;
    private final Path tmp;
    private final Arena arena;
    private final MemorySegment data;
    private final int channels;
    private boolean closed;

    NpySink(Path target, Spec spec) {
        this.target = target;
        this.spec = spec;
        this.channels = spec.channels();
        byte[] header = Npy.header(spec.height(), spec.width(), channels);
        long bytes = header.length + (long) spec.width() * spec.height() * channels * 4;
        this.tmp = AtomicFiles.create(target);
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            MemorySegment.copy(MemorySegment.ofArray(header), 0, all, 0, header.length);
            this.data = all.asSlice(header.length);
        } catch (IOException | RuntimeException e) {
            arena.close();
            AtomicFiles.discard(tmp);
            throw new GannetException(ErrorCode.IO, target + ": cannot create " + bytes + " bytes of .npy output: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Path target() {
        return target;
    }

    @Override
    public Spec spec() {
        return spec;
    }

    @Override
    public synchronized void putRgb(int x0, int y0, int w, int h, float[] rgb) {
        checkOpen();
        checkBlock(x0, y0, w, h, rgb.length, 3);
        for (int y = 0; y < h; y++) {
            long at = ((long) (y0 + y) * spec.width() + x0) * channels;
            for (int x = 0; x < w; x++, at += channels) {
                int s = (y * w + x) * 3;
                if (spec.gray()) {
                    data.setAtIndex(F32, at, (rgb[s] + rgb[s + 1] + rgb[s + 2]) / 3f);
                } else {
                    data.setAtIndex(F32, at, rgb[s]);
                    data.setAtIndex(F32, at + 1, rgb[s + 1]);
                    data.setAtIndex(F32, at + 2, rgb[s + 2]);
                }
            }
        }
    }

    @Override
    public synchronized void putAlpha(int y0, int rows, float[] a) {
        checkOpen();
        checkBlock(0, y0, spec.width(), rows, a.length, 1);
        if (!spec.alpha()) return;
        int w = spec.width();
        for (int i = 0; i < rows * w; i++) {
            data.setAtIndex(F32, ((long) y0 * w + i) * channels + channels - 1, a[i]);
        }
    }

    @Override
    public synchronized void commit() {
        checkOpen();
        closed = true;
        boolean done = false;
        try {
            data.force();
            arena.close();
            AtomicFiles.commit(tmp, target);
            done = true;
        } catch (IOException e) {
            throw new GannetException(ErrorCode.IO, target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (!done) {
                if (arena.scope().isAlive()) arena.close();
                AtomicFiles.discard(tmp);
            }
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("image sink for " + target + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
        AtomicFiles.discard(tmp);
    }
}

// The directory pipeline: images are decoded on worker threads, run through the model on one or two
// inference threads (each with its own stream of the one loaded model), and encoded and renamed into
// place on worker threads. Bounded queues between the stages bound the images in memory.
package dev.gannet.upscale;

import dev.gannet.image.AtomicFiles;
import dev.gannet.image.ImageFiles;
import dev.gannet.image.ImageSink;
import dev.gannet.image.RgbImage;
import dev.gannet.runtime.ErrorCode;
import dev.gannet.runtime.GannetException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An image that cannot be read or written is reported to the {@link Listener} and skipped; the others go
 * on. An unexpected exception (a bug) stops the whole run and is rethrown by {@link #run}. Interrupting the
 * thread in {@link #run} (or calling {@link #cancel}) stops every stage: outputs not yet renamed into
 * place are discarded, so the output folder holds only complete files.
 */
public final class Pipeline {
    /** One image to make: input, output, and the comparison picture (null for none). */
    public record Job(Path input, Path output, Path compare) {}

    /** The model part for one image; called from several inference threads at once. */
    @FunctionalInterface
    public interface Inference {
        void run(RgbImage in, ImageSink sink, Compare compare);
    }

    /** What happens, for progress and the final summary; called from the pipeline's threads. */
    public interface Listener {
        default void done(Job job, RgbImage in) {}

        default void failed(Job job, String why) {}
    }

    /**
     * Threads per stage, images that may wait between stages (per queue), the scale and the JPEG quality.
     */
    public record Options(int decodeThreads, int inferenceThreads, int encodeThreads, int queueDepth, int scale,
                          float jpegQuality) {
        public Options {
            if (decodeThreads < 1 || inferenceThreads < 1 || encodeThreads < 1 || queueDepth < 1 || scale < 1) {
                throw new GannetException(ErrorCode.INVALID_ARGUMENT, "pipeline options must be positive: " + this);
            }
        }

        /** One inference thread per stream; decoding and encoding share the remaining cores. */
        public static Options defaults(int streams, int scale, float jpegQuality) {
            int workers = Math.clamp(Runtime.getRuntime().availableProcessors() / 2, 1, 4);
            return new Options(workers, streams, workers, 2, scale, jpegQuality);
        }
    }

    /** How the run ended. */
    public record Result(int done, int failed, boolean cancelled) {}

    private record Item(Job job, RgbImage image, ImageSink sink, Compare compare) {
        static final Item END = new Item(null, null, null, null);

        void discard() {
            if (sink != null) sink.close();
            if (compare != null) compare.close();
        }
    }

    private final List<Job> jobs;
    private final Inference inference;
    private final Listener listener;
    private final Options options;
    private final BlockingQueue<Item> decoded;
    private final BlockingQueue<Item> inferred;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean cancelled;

    public Pipeline(List<Job> jobs, Inference inference, Listener listener, Options options) {
        this.jobs = List.copyOf(jobs);
        this.inference = inference;
        this.listener = listener;
        this.options = options;
        this.decoded = new ArrayBlockingQueue<>(options.queueDepth() + options.inferenceThreads());
        this.inferred = new ArrayBlockingQueue<>(options.queueDepth() + options.encodeThreads());
    }

    /** Runs every job; returns when all are done or failed, or the run was cancelled. */
    public Result run() {
        AtomicInteger decoders = new AtomicInteger(options.decodeThreads());
        AtomicInteger inferrers = new AtomicInteger(options.inferenceThreads());
        for (int i = 0; i < options.decodeThreads(); i++) {
            start("gannet-decode-" + i, () -> decodeLoop(), () -> {
                if (decoders.decrementAndGet() == 0) ends(decoded, options.inferenceThreads());
            });
        }
        for (int i = 0; i < options.inferenceThreads(); i++) {
            start("gannet-infer-" + i, () -> inferLoop(), () -> {
                if (inferrers.decrementAndGet() == 0) ends(inferred, options.encodeThreads());
            });
        }
        for (int i = 0; i < options.encodeThreads(); i++) start("gannet-encode-" + i, () -> encodeLoop(), () -> {});
        try {
            for (Thread t : List.copyOf(threads)) t.join();
        } catch (InterruptedException e) {
            cancel();
            joinQuietly();
            Thread.currentThread().interrupt();
        }
        drain();
        Throwable f = fatal.get();
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error err) throw err;
        return new Result(done.get(), failed.get(), cancelled);
    }

    /** Stops every stage; outputs not yet renamed into place are discarded. */
    public void cancel() {
        cancelled = true;
        for (Thread t : List.copyOf(threads)) t.interrupt();
    }

    private void start(String name, Runnable body, Runnable onExit) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                if (!cancelled && fatal.compareAndSet(null, e)) cancel();
            } finally {
                onExit.run();
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void ends(BlockingQueue<Item> q, int count) {
        for (int i = 0; i < count; i++) {
            // The consumers may all be gone (cancelled); then nobody needs the marker.
            if (!q.offer(Item.END)) {
                if (cancelled) return;
                try {
                    q.put(Item.END);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void decodeLoop() {
        for (int i; !cancelled && (i = next.getAndIncrement()) < jobs.size(); ) {
            Job job = jobs.get(i);
            RgbImage im;
            try {
                im = ImageFiles.read(job.input());
            } catch (GannetException e) {
                fail(job, e);
                continue;
            }
            if (!put(decoded, new Item(job, im, null, null))) return;
        }
    }

    private void inferLoop() {
        while (!cancelled) {
            Item item = take(decoded);
            if (item == null || item == Item.END) return;
            ImageSink sink = null;
            Compare compare = null;
            try {
                Job job = item.job();
                sink = ImageSink.open(job.output(), TiledUpscale.outputSpec(item.image(), options.scale(),
                        options.jpegQuality()));
                if (job.compare() != null) {
                    compare = Compare.open(job.compare(), item.image(), options.scale(), options.jpegQuality());
                }
                inference.run(item.image(), sink, compare);
            } catch (GannetException e) {
                if (sink != null) sink.close();
                if (compare != null) compare.close();
                if (cancelled || Thread.currentThread().isInterrupted()) return;
                fail(item.job(), e);
                continue;
            } catch (RuntimeException | Error e) {
                if (sink != null) sink.close();
                if (compare != null) compare.close();
                throw e;
            }
            Item out = new Item(item.job(), item.image(), sink, compare);
            if (!put(inferred, out)) {
                out.discard();
                return;
            }
        }
    }

    private void encodeLoop() {
        while (!cancelled) {
            Item item = take(inferred);
            if (item == null || item == Item.END) return;
            try {
                item.sink().commit();
                if (item.compare() != null) item.compare().commit();
                done.incrementAndGet();
                listener.done(item.job(), item.image());
            } catch (GannetException e) {
                if (cancelled || Thread.currentThread().isInterrupted()) return;
                fail(item.job(), e);
            } finally {
                item.discard();
            }
        }
    }

    private void fail(Job job, GannetException e) {
        failed.incrementAndGet();
        listener.failed(job, e.detail());
    }

    private boolean put(BlockingQueue<Item> q, Item item) {
        try {
            q.put(item);
            return true;
        } catch (InterruptedException e) {
            item.discard();
            return false;
        }
    }

    private static Item take(BlockingQueue<Item> q) {
        try {
            return q.take();
        } catch (InterruptedException e) {
            return null;
        }
    }

    private void joinQuietly() {
        for (Thread t : List.copyOf(threads)) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Closes whatever a cancelled run left between stages. */
    private void drain() {
        for (BlockingQueue<Item> q : List.of(decoded, inferred)) {
            for (Item i; (i = q.poll()) != null; ) i.discard();
        }
    }

    /** For tests: how many temporaries are open (they all should be gone after run returns). */
    static int openTemporaries() {
        return AtomicFiles.liveCount();
    }
}

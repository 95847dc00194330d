// Progress on stderr for long runs: a progress bar (me.tongfei:progressbar) with the rate and the time
// left when stderr is a terminal, nothing otherwise (logs and pipes get only the final line).
package dev.gannet.cli;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Thread-safe; closing twice is harmless. */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private boolean closed;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** Whether stderr looks like a terminal a person watches. */
    static boolean interactive() {
        var c = System.console();
        return c != null && c.isTerminal() && System.getenv("CI") == null;
    }

    /** A bar of {@code total} steps counted in {@code unit} ("img", "tile"), or a silent one. */
    static Progress of(String task, long total, String unit, boolean show) {
        if (!show) return new Progress(null);
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" " + unit, 1).showSpeed().setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true))).build();
        return new Progress(bar);
    }

    synchronized void step() {
        if (bar != null && !closed) bar.step();
    }

    synchronized void stepTo(long n) {
        if (bar != null && !closed) bar.stepTo(n);
    }

    @Override
    public synchronized void close() {
        if (closed) return; // the library draws the bar once more on every close
        closed = true;
        if (bar != null) bar.close();
    }
}

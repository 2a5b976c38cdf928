package org.cortado.util;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress line on standard error: {@code label  done/total (pct)  rate unit/s  ETA m:ss}.
 *
 * <p>On a terminal the line is redrawn in place (carriage return), at most {@link #REDRAW_NANOS} apart; elsewhere
 * (a log file, CI) a new line is printed every {@code logEveryNanos} and at the end, so that logs carry no
 * carriage-return spam. Quiet mode prints nothing. Thread-safe.
 */
public final class Progress implements AutoCloseable {
    /** Terminal redraws at 10 Hz: fast enough to look live, slow enough to cost nothing. */
    static final long REDRAW_NANOS = 100_000_000L;
    /** Default interval of plain log lines when standard error is not a terminal. */
    public static final long LOG_EVERY_NANOS = 5_000_000_000L;

    /** Where and how a progress line is shown. */
    public enum Mode {
        /** Redraw one line in place. */
        TERMINAL,
        /** A new line every few seconds. */
        LOG,
        /** Nothing. */
        QUIET
    }

    private final String label;
    private final String unit;
    private final long total;
    private final PrintStream out;
    private final Mode mode;
    private final LongSupplier clock;
    private final long logEveryNanos;
    private final double divisor;
    private final long start;
    private long done;
    private long lastShown;
    private int lastWidth;
    private boolean finished;

    /**
     * @param label         what is counted ("codes", "download")
     * @param unit          unit of the rate ("img", "MB")
     * @param total         the expected count, or a negative value when unknown
     * @param out           the stream (standard error)
     * @param mode          how to show progress
     * @param clock         nanosecond clock ({@code System::nanoTime}; tests pass their own)
     * @param logEveryNanos interval of lines in {@link Mode#LOG}
     */
    public Progress(String label, String unit, long total, PrintStream out, Mode mode, LongSupplier clock,
            long logEveryNanos) {
        this(label, unit, 1, total, out, mode, clock, logEveryNanos);
    }

    /** As the main constructor, with counts shown divided by {@code divisor} (bytes as MB: "MB", 1e6). */
    public Progress(String label, String unit, double divisor, long total, PrintStream out, Mode mode,
            LongSupplier clock, long logEveryNanos) {
        this.divisor = divisor;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.out = out;
        this.mode = mode;
        this.clock = clock;
        this.logEveryNanos = logEveryNanos;
        this.start = clock.getAsLong();
        this.lastShown = start;
    }

    /** Progress on standard error, in the mode that suits it ({@link #detectMode}) unless {@code quiet}. */
    public static Progress onStderr(String label, String unit, long total, boolean quiet) {
        return new Progress(label, unit, total, System.err, quiet ? Mode.QUIET : detectMode(), System::nanoTime,
                LOG_EVERY_NANOS);
    }

    /** Progress of a transfer of {@code totalBytes} (negative when unknown), shown in MB, on standard error. */
    public static Progress bytesOnStderr(String label, long totalBytes, boolean quiet) {
        return new Progress(label, "MB", 1e6, totalBytes, System.err, quiet ? Mode.QUIET : detectMode(),
                System::nanoTime, LOG_EVERY_NANOS);
    }

    /**
     * {@link Mode#TERMINAL} when the JVM has a console and {@code TERM} is set and not "dumb", else {@link Mode#LOG}.
     * Java cannot ask whether standard error alone is a terminal; a console means stdin and stdout are, which is
     * what an interactive run looks like.
     */
    public static Mode detectMode() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb") ? Mode.TERMINAL : Mode.LOG;
    }

    /** Counts {@code n} more units done and shows the line when it is due. */
    public synchronized void advance(long n) {
        done += n;
        long now = clock.getAsLong();
        long every = mode == Mode.TERMINAL ? REDRAW_NANOS : logEveryNanos;
        if (now - lastShown >= every) {
            show(now, false);
        }
    }

    /** The count so far. */
    public synchronized long done() {
        return done;
    }

    /** Shows the final line (a newline ends the terminal line). Idempotent. */
    @Override
    public synchronized void close() {
        if (!finished) {
            finished = true;
            show(clock.getAsLong(), true);
        }
    }

    private void show(long now, boolean last) {
        lastShown = now;
        if (mode == Mode.QUIET) {
            return;
        }
        String line = line(now);
        if (mode == Mode.TERMINAL) {
            // Pad over a longer previous line so no stale characters remain.
            String padded = line + " ".repeat(Math.max(0, lastWidth - line.length()));
            lastWidth = line.length();
            out.print("\r" + padded + (last ? System.lineSeparator() : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** The text of the progress line at time {@code now}. */
    String line(long now) {
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        StringBuilder sb = new StringBuilder(label).append("  ").append(amount(done));
        if (total >= 0) {
            sb.append('/').append(amount(total));
            if (total > 0) {
                sb.append(String.format(Locale.ROOT, " (%d%%)", 100 * done / total));
            }
        }
        sb.append(String.format(Locale.ROOT, "  %.1f %s/s", rate / divisor, unit));
        if (total >= 0 && rate > 0 && done < total) {
            sb.append("  ETA ").append(clockTime((total - done) / rate));
        } else {
            sb.append("  elapsed ").append(clockTime(seconds));
        }
        return sb.toString();
    }

    private String amount(long n) {
        return divisor == 1 ? Long.toString(n) : String.format(Locale.ROOT, "%.1f", n / divisor);
    }

    /** {@code h:mm:ss} or {@code m:ss}. */
    static String clockTime(double seconds) {
        long s = Math.round(seconds);
        long h = s / 3600;
        long m = s / 60 % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", m, s % 60);
    }
}

package org.cortado.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private final AtomicLong now = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private Progress progress(Progress.Mode mode) {
        return new Progress("codes", "img", 100, new PrintStream(bytes, true, StandardCharsets.UTF_8), mode, now::get,
                5_000_000_000L);
    }

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void lineShowsCountRateAndEta() {
        Progress p = progress(Progress.Mode.LOG);
        now.set(2_000_000_000L);
        p.advance(20);
        assertEquals("codes  20/100 (20%)  10.0 img/s  ETA 0:08", p.line(now.get()));
    }

    @Test
    void logModePrintsPlainLinesEveryFewSeconds() {
        Progress p = progress(Progress.Mode.LOG);
        for (int i = 1; i <= 100; i++) {
            now.addAndGet(200_000_000L); // 0.2 s per image, 20 s in all
            p.advance(1);
        }
        p.close();
        String out = text();
        assertFalse(out.contains("\r"), out);
        long lines = out.lines().count();
        assertEquals(5, lines, out); // at 5, 10, 15, 20 s, and the final line
        assertTrue(out.lines().reduce((a, b) -> b).orElseThrow().startsWith("codes  100/100 (100%)  5.0 img/s"),
                out);
    }

    @Test
    void terminalModeRedrawsOneLineAndEndsIt() {
        Progress p = progress(Progress.Mode.TERMINAL);
        for (int i = 1; i <= 10; i++) {
            now.addAndGet(150_000_000L);
            p.advance(10);
        }
        p.close();
        p.close();
        String out = text();
        assertEquals(11, out.chars().filter(c -> c == '\r').count(), out);
        assertTrue(out.endsWith(System.lineSeparator()));
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), out);
    }

    @Test
    void quietModePrintsNothing() {
        Progress p = progress(Progress.Mode.QUIET);
        now.set(10_000_000_000L);
        p.advance(100);
        p.close();
        assertEquals("", text());
        assertEquals(100, p.done());
    }

    @Test
    void bytesAreShownInMegabytes() {
        Progress p = new Progress("bvlc_alexnet", "MB", 1e6, 243_862_414, new PrintStream(bytes, true,
                StandardCharsets.UTF_8), Progress.Mode.LOG, now::get, 5_000_000_000L);
        now.set(4_000_000_000L);
        p.advance(20_000_000);
        assertEquals("bvlc_alexnet  20.0/243.9 (8%)  5.0 MB/s  ETA 0:45", p.line(now.get()));
    }

    @Test
    void clockTimeFormats() {
        assertEquals("0:05", Progress.clockTime(4.6));
        assertEquals("2:03", Progress.clockTime(123));
        assertEquals("1:00:01", Progress.clockTime(3601));
    }
}

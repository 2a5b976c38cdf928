package org.cortado.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much resident memory one call adds to the process at its peak, native allocations included (a decoder's
 * buffers live outside the Java heap, which {@code -Xmx} does not bound). Linux only: it resets the kernel's
 * high-water mark ({@code VmHWM}) through {@code /proc/self/clear_refs} before the call and reads it after; elsewhere,
 * or where the kernel refuses the reset, {@link #available()} is false and libFuzzer's {@code -rss_limit_mb} is the
 * only bound.
 */
final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final boolean AVAILABLE = probe();

    private ResidentMemory() {
    }

    static boolean available() {
        return AVAILABLE;
    }

    /** Resets the peak to the current resident size and returns that size in MB (-1 where unavailable). */
    static long resetPeakMb() {
        if (!AVAILABLE) {
            return -1;
        }
        try {
            // "5" resets the peak resident set size to the current one (Linux 4.0 and later).
            Files.writeString(CLEAR_REFS, "5");
            return field("VmRSS:");
        } catch (IOException e) {
            return -1;
        }
    }

    /** The peak resident size since the last reset, in MB (-1 where unavailable). */
    static long peakMb() {
        try {
            return AVAILABLE ? field("VmHWM:") : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static long field(String name) throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith(name)) {
                // "VmHWM:    123456 kB"
                return Long.parseLong(line.substring(name.length()).replace("kB", "").strip()) / 1024;
            }
        }
        throw new IOException(STATUS + " has no " + name);
    }

    private static boolean probe() {
        if (!Files.isWritable(CLEAR_REFS) || !Files.isReadable(STATUS)) {
            return false;
        }
        try {
            Files.writeString(CLEAR_REFS, "5");
            field("VmHWM:");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}

package org.cortado.tensor;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Float arrays on the host, allocated only after checking that they can exist, so that a size read from a file or a
 * prototxt ends in a message naming it instead of an {@link OutOfMemoryError} somewhere later.
 *
 * <p>An array larger than the heap's maximum is refused without trying. Otherwise the allocation is tried: the JVM
 * collects garbage before it gives up, so its answer is the only exact one, and a failed allocation of one large
 * array leaves the rest of the heap as it was, which is what makes catching that one error safe.
 */
public final class HostMemory {
    /** The longest array HotSpot allocates for certain (its exact limit is a few elements below 2^31-1). */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private HostMemory() {
    }

    /**
     * A zero-filled array of {@code count} floats.
     *
     * @param what names the array in an error ("a tensor of shape (4096, 9216)"), built only then
     * @throws InsufficientMemoryException when the heap cannot hold it
     * @throws IllegalArgumentException     when no Java array can be that long
     */
    public static float[] floats(long count, Supplier<String> what) {
        if (count < 0) {
            throw new IllegalArgumentException(what.get() + ": negative size " + count);
        }
        if (count > MAX_ARRAY_LENGTH) {
            // Not a matter of heap: no setting makes such an array.
            throw new IllegalArgumentException(what.get() + ": " + count + " floats, more than one Java array holds ("
                    + MAX_ARRAY_LENGTH + ")");
        }
        long bytes = count * Float.BYTES;
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw new InsufficientMemoryException(what.get(), count, bytes,
                    "more than the " + size(max) + " of heap this JVM may use");
        }
        try {
            return new float[(int) count];
        } catch (OutOfMemoryError e) {
            // The failure concerns this one array only; the heap is as it was before the attempt.
            // Free bytes are not the measure: one array needs them contiguous, in a region of the right kind.
            Runtime rt = Runtime.getRuntime();
            throw new InsufficientMemoryException(what.get(), count, bytes, "more than the heap (at most "
                    + size(rt.maxMemory()) + ", " + size(rt.totalMemory() - rt.freeMemory()) + " in use) could give");
        }
    }

    /** A byte count for people: "812 bytes", "3.2 MB", "68.7 GB" (decimal units, as the rest of the output). */
    public static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " bytes";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}

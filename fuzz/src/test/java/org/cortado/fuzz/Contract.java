package org.cortado.fuzz;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;

/**
 * What every fuzz target asserts of the reader it drives: given any bytes, the reader returns a value or throws one
 * of its documented exceptions, whose message names the file (the command line prints it as one line, new lines
 * folded, so line breaks that a file's own text brings into a message are not held against it). Anything else
 * reaches Jazzer as a finding: an undocumented exception or error ({@code StackOverflowError}, {@code
 * OutOfMemoryError} in the bounded heap) as itself; a documented one without the file in its message, or a decoder
 * over its pixel or memory bound, as a {@link ContractViolation}.
 */
final class Contract {
    /**
     * The most pixels a decoded image may have: issue 24's documented default limit, which decoders must enforce
     * before they allocate (a few hundred bytes of JPEG header can claim 65500 x 65500).
     */
    static final long MAX_PIXELS = Long.getLong("cortado.fuzz.maxPixels", 100_000_000L);
    /** The most resident memory one decode may add at its peak, native buffers included. */
    static final long INPUT_MEMORY_MB = Long.getLong("cortado.fuzz.inputMemoryMb", 1024);

    private Contract() {
    }

    /** A documented exception whose message does not name the file, or a decoder over its bounds. */
    static final class ContractViolation extends AssertionError {
        ContractViolation(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs {@code read}; returns its value, or null where it threw one of {@code documented} with a message that,
     * when {@code file} is not null, contains it.
     */
    static <T> T readOrRefuse(Path file, List<Class<? extends Throwable>> documented, Callable<T> read)
            throws Exception {
        try {
            return read.call();
        } catch (Throwable t) {
            if (documented.stream().noneMatch(c -> c.isInstance(t))) {
                throw t;
            }
            checkMessage(file, t);
            return null;
        }
    }

    /**
     * As {@link #readOrRefuse} for an image decoder, which must also stay within {@link #MAX_PIXELS} and
     * {@link #INPUT_MEMORY_MB}, refusing or not: a clean error after 2 GB of native buffers is still a finding.
     */
    static BgrImage decodeOrRefuse(Path file, Callable<BgrImage> decode) throws Exception {
        long before = ResidentMemory.resetPeakMb();
        BgrImage image = readOrRefuse(file, List.of(ImageDecodeException.class), decode);
        long grew = ResidentMemory.peakMb() - before;
        if (before >= 0 && grew > INPUT_MEMORY_MB) {
            throw new ContractViolation(file + ": decoding added " + grew + " MB of resident memory at its peak,"
                    + " over the bound of " + INPUT_MEMORY_MB + " MB"
                    + (image == null ? " (then refused the file)" : ""), null);
        }
        if (image != null && (long) image.height() * image.width() > MAX_PIXELS) {
            throw new ContractViolation(file + ": decoded to " + image.width() + " x " + image.height()
                    + " pixels, over the limit of " + MAX_PIXELS, null);
        }
        return image;
    }

    /** Throws {@link ContractViolation} unless {@code t} has a message, naming {@code file} if given. */
    static void checkMessage(Path file, Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            throw new ContractViolation(t.getClass().getSimpleName() + " without a message", t);
        }
        if (file != null && !m.contains(file.toString())) {
            throw new ContractViolation(t.getClass().getSimpleName() + " whose message does not name the file "
                    + file + ": " + m, t);
        }
    }
}

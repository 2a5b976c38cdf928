package org.cortado.fuzz;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What every fuzz target asserts of the reader it drives: given any bytes, the reader returns a value or throws one
 * of its documented exceptions, whose message names the file (the command line prints it as one line, new lines
 * folded, so line breaks that a file's own text brings into a message are not held against it). Anything else reaches
 * Jazzer as a finding:
 * an undocumented exception or error ({@code StackOverflowError}, {@code OutOfMemoryError} in the bounded heap) as
 * itself, a documented one with a bad message as a {@link ContractViolation}.
 */
final class Contract {
    private Contract() {
    }

    /** A documented exception whose message is empty or does not name the file. */
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

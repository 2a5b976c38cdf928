package org.cortado.cli;

import org.cortado.tensor.HostMemory;
import org.cortado.tensor.InsufficientMemoryException;

/** Turns any throwable into the one line a user sees. */
final class Errors {
    /** What the launcher reads its JVM options from (see ./cortado). */
    static final String JAVA_OPTS = "CORTADO_JAVA_OPTS";
    private static final String MORE_HEAP = "give Java more with " + JAVA_OPTS + "=-Xmx<size> (e.g. -Xmx16g),"
            + " or ask for less (a smaller --batch, fewer --threads)";

    private Errors() {
    }

    /**
     * The message of {@code ex}, or of its first cause that has one; exceptions that carry no message are named by
     * type so that the line still says something. Running out of heap, wherever it happened, ends with how to give
     * Java more; other {@link Error}s (the JVM's, or cortado's own bugs) are called internal errors.
     */
    static String oneLine(Throwable ex) {
        String line = message(ex);
        if (find(ex, InsufficientMemoryException.class) != null) {
            line += "; " + MORE_HEAP;
        } else if (find(ex, OutOfMemoryError.class) != null) {
            line += " with a heap of at most " + HostMemory.size(Runtime.getRuntime().maxMemory()) + "; " + MORE_HEAP;
        }
        return line.replace('\r', ' ').replace('\n', ' ');
    }

    private static String message(Throwable ex) {
        if (ex instanceof StackOverflowError) {
            return "stack overflow: an input nests too deeply for a check that missed it (an error in cortado;"
                    + " run with --verbose for the stack trace)";
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + ex.getMessage() + ")";
        }
        String line = firstMessage(ex);
        if (ex instanceof Error) {
            return "internal error: " + ex.getClass().getSimpleName() + (line == null ? "" : ": " + line)
                    + " (run with --verbose for the stack trace)";
        }
        return line != null ? line : ex.getClass().getSimpleName() + " (run with --verbose for the stack trace)";
    }

    private static String firstMessage(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank()) {
                String line = m.strip();
                return t instanceof java.io.IOException && !(t instanceof java.nio.file.FileSystemException)
                        ? "I/O error: " + line : fileSystemMessage(t, line);
            }
        }
        return null;
    }

    /** The first throwable of type {@code type} in {@code ex}'s cause chain, or null. */
    private static <T extends Throwable> T find(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String fileSystemMessage(Throwable t, String message) {
        if (t instanceof java.nio.file.NoSuchFileException e) {
            return e.getFile() + ": no such file";
        }
        if (t instanceof java.nio.file.AccessDeniedException e) {
            return e.getFile() + ": permission denied";
        }
        return message;
    }

    /** The engine's version, from the jar manifest when packaged. */
    static String engineVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}

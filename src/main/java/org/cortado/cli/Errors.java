package org.cortado.cli;

/** Turns an exception into the one line a user sees. */
final class Errors {
    private Errors() {
    }

    /**
     * The message of {@code ex}, or of its first cause that has one; exceptions that carry no message are named by
     * type so that the line still says something.
     */
    static String oneLine(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank()) {
                String line = m.strip().replace('\n', ' ');
                return t instanceof java.io.IOException && !(t instanceof java.nio.file.FileSystemException)
                        ? "I/O error: " + line : fileSystemMessage(t, line);
            }
        }
        return ex.getClass().getSimpleName() + " (run with --verbose for the stack trace)";
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

package org.cortado.util;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The one-line reason a file could not be read, worded for a user rather than as the JDK's exception. */
public final class ReadFailure {
    private ReadFailure() {
    }

    /** {@code FILE: no such file}, {@code FILE: permission denied} or {@code FILE: cannot read: why}. */
    public static String describe(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return file + ": no such file";
        }
        if (e instanceof AccessDeniedException) {
            return file + ": permission denied";
        }
        return file + ": cannot read: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
}

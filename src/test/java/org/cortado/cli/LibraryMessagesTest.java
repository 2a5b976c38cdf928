package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The engine's System.Logger messages reach the command's error stream as its own lines, and only while it runs. */
class LibraryMessagesTest {
    private static final System.Logger ENGINE = System.getLogger("org.cortado.backend.Backends");

    @Test
    void warningsAlwaysAndDebugLinesOnlyWhenVerbose() {
        StringWriter quiet = new StringWriter();
        try (LibraryMessages m = LibraryMessages.to(new PrintWriter(quiet, true), false)) {
            ENGINE.log(System.Logger.Level.WARNING, "no usable GPU");
            ENGINE.log(System.Logger.Level.DEBUG, "JPEG decoder: libjpeg-turbo");
        }
        assertEquals("cortado: no usable GPU" + System.lineSeparator(), quiet.toString());

        StringWriter verbose = new StringWriter();
        try (LibraryMessages m = LibraryMessages.to(new PrintWriter(verbose, true), true)) {
            ENGINE.log(System.Logger.Level.DEBUG, "JPEG decoder: {0}", "libjpeg-turbo");
        }
        assertEquals("cortado: JPEG decoder: libjpeg-turbo" + System.lineSeparator(), verbose.toString());
    }

    @Test
    void closingRestoresTheLoggerAsItWas() {
        Logger root = Logger.getLogger(LibraryMessages.ROOT);
        Handler[] before = root.getHandlers();
        boolean parent = root.getUseParentHandlers();
        StringWriter err = new StringWriter();
        try (LibraryMessages m = LibraryMessages.to(new PrintWriter(err, true), true)) {
            assertFalse(root.getUseParentHandlers());
        }
        ENGINE.log(System.Logger.Level.DEBUG, "after the command");
        assertEquals("", err.toString());
        assertEquals(before.length, root.getHandlers().length);
        assertEquals(parent, root.getUseParentHandlers());
    }
}

package org.cortado.cli;

import java.io.PrintWriter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * What the engine's libraries say through {@link System.Logger} (loggers under {@code org.cortado}), printed on the
 * command's error stream as the command line's own lines are ("cortado: ..."): warnings and notices always, debug
 * lines with {@code --verbose}. Closing restores the logger as it was, for the tests that run many command lines in
 * one JVM.
 */
final class LibraryMessages implements AutoCloseable {
    /** The parent of every engine logger (System.Logger names are class names). */
    static final String ROOT = "org.cortado";

    private final Logger logger = Logger.getLogger(ROOT);
    private final Handler[] handlersBefore;
    private final Level levelBefore;
    private final boolean parentBefore;
    private final Handler handler;

    private LibraryMessages(PrintWriter err, boolean verbose) {
        handlersBefore = logger.getHandlers();
        levelBefore = logger.getLevel();
        parentBefore = logger.getUseParentHandlers();
        handler = new LineHandler(err);
        Level level = verbose ? Level.FINE : Level.INFO;
        handler.setLevel(level);
        for (Handler h : handlersBefore) {
            logger.removeHandler(h);
        }
        logger.addHandler(handler);
        logger.setLevel(level);
        logger.setUseParentHandlers(false);
    }

    /** Routes the engine's messages to {@code err} until closed. */
    static LibraryMessages to(PrintWriter err, boolean verbose) {
        return new LibraryMessages(err, verbose);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        for (Handler h : handlersBefore) {
            logger.addHandler(h);
        }
        logger.setLevel(levelBefore);
        logger.setUseParentHandlers(parentBefore);
    }

    /** One line per message, as the command line prints its own. */
    private static final class LineHandler extends Handler {
        private final PrintWriter err;
        private final SimpleFormatter formatter = new SimpleFormatter();

        LineHandler(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void publish(LogRecord record) {
            if (isLoggable(record)) {
                err.println("cortado: " + formatter.formatMessage(record));
                err.flush();
            }
        }

        @Override
        public void flush() {
            err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}

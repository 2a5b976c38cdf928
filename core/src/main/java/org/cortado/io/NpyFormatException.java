package org.cortado.io;

/** A {@code .npy} file cannot be read as asked: the message names the file and what was found there. */
public final class NpyFormatException extends RuntimeException {
    public NpyFormatException(String message) {
        super(message);
    }

    public NpyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

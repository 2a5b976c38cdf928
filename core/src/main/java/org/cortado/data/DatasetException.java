package org.cortado.data;

/** A data set on disk is unusable (missing folder, empty class, classes that do not match); the message names it. */
public final class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }
}

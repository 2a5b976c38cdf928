package org.cortado.caffe;

/**
 * A Caffe file cannot be read: the message names the file and where (line and column of a prototxt, byte offset of
 * a caffemodel) and what was wrong there.
 */
public final class CaffeFormatException extends RuntimeException {
    public CaffeFormatException(String message) {
        super(message);
    }

    public CaffeFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

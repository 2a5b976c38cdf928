package org.cortado.image;

import java.nio.file.Path;

/** An image file cannot be decoded; {@link #reason()} says why in a few words, without the file name. */
public final class ImageDecodeException extends Exception {
    private final Path file;
    private final String reason;

    public ImageDecodeException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public String reason() {
        return reason;
    }
}

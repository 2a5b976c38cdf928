package org.cortado.weights;

import java.io.IOException;

/** A download completed but its digest is not the published one; the message names the URL and both digests. */
public final class ChecksumMismatchException extends IOException {
    public ChecksumMismatchException(String message) {
        super(message);
    }
}

package org.cortado.data;

import java.nio.file.Path;

/**
 * An image used despite damage that its decoder got past (a truncated JPEG, whose missing rows libjpeg filled in, as
 * OpenCV's {@code imread} does), with the decoder's warning: reported beside the results, since its pixels may be
 * partly made up.
 */
public record DecodeWarning(Path file, String reason) implements FileNote {
    @Override
    public String toString() {
        return file + ": " + reason;
    }
}

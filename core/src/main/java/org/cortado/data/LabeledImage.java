package org.cortado.data;

import java.nio.file.Path;

/** An image file and its class label (an index into the data set's class names). */
public record LabeledImage(Path file, int label) {
    public LabeledImage {
        if (label < 0) {
            throw new IllegalArgumentException("negative label " + label + " for " + file);
        }
    }
}

package org.cortado.data;

import java.nio.file.Path;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.PixelLimit;

/**
 * An image and its class label (an index into the data set's class names): a file of its own, or a record of a
 * database ({@code stored}), which {@code file} then only names (the database's folder and the record's key).
 *
 * @param file   the image file, or the name of a stored image in reports and errors
 * @param label  the class index, non-negative
 * @param stored where a stored image's bytes come from; null for a file
 */
public record LabeledImage(Path file, int label, StoredImage stored) {
    public LabeledImage {
        if (label < 0) {
            throw new IllegalArgumentException("negative label " + label + " for " + file);
        }
    }

    /** An image file and its label. */
    public LabeledImage(Path file, int label) {
        this(file, label, null);
    }

    /** Decodes the image under the pixel limit in force, with what its decoder warned of. */
    public DecodedImage decode() throws ImageDecodeException {
        return stored == null ? ImageDecoder.decodeWithWarnings(file) : stored.decode(file, PixelLimit.current());
    }
}

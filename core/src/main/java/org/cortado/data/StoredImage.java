package org.cortado.data;

import java.nio.file.Path;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;

/**
 * An image that is not a file of its own but a record of a database (an LMDB of Caffe {@code Datum}s): read and
 * decoded when a loader needs it, so that a data set holds only the records' keys. Implementations are safe to call
 * from several loader threads at once.
 */
public interface StoredImage {
    /**
     * Reads and decodes the image, refusing one of more than {@code maxPixels} pixels before its pixels are
     * allocated; {@code name} names it in the exception.
     */
    DecodedImage decode(Path name, long maxPixels) throws ImageDecodeException;
}

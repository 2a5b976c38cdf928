package org.cortado.data;

import java.nio.file.Path;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;

/**
 * A sample that is no image but the net's input itself, already transformed (a row of an HDF5Data layer's
 * {@code data} dataset): a loader reads its floats and puts them in the batch as they are, without the transform.
 * Implementations are safe to call from several loader threads at once.
 */
public interface StoredBlob extends StoredImage {
    /** The sample's shape, (C, H, W). */
    int[] shape();

    /** Reads the sample's C*H*W floats; {@code name} names it in the exception. */
    float[] read(Path name) throws ImageDecodeException;

    /** A blob has no pixels to decode: the code that asks for them is not meant to meet one. */
    @Override
    default DecodedImage decode(Path name, long maxPixels) throws ImageDecodeException {
        throw new ImageDecodeException(name, "an HDF5 row holds the net's input itself, not an image to decode and "
                + "transform", null);
    }
}

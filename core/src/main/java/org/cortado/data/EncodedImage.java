package org.cortado.data;

import java.nio.file.Path;
import org.cortado.image.DecodedImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;

/**
 * An image file's bytes held in memory (a row of Spark's {@code binaryFile} source, a blob from object storage), for a
 * {@link LabeledImage} that a {@link BatchLoader} decodes as it decodes files: the same decoders
 * ({@link ImageDecoder#decodeWithWarnings(Path, byte[], long)}), the same pixel limit, the same reasons.
 */
public record EncodedImage(byte[] bytes) implements StoredImage {
    public EncodedImage {
        if (bytes == null) {
            throw new IllegalArgumentException("no bytes");
        }
    }

    @Override
    public DecodedImage decode(Path name, long maxPixels) throws ImageDecodeException {
        if (bytes.length == 0) {
            throw new ImageDecodeException(name, "empty file", null);
        }
        return ImageDecoder.decodeWithWarnings(name, bytes, maxPixels);
    }
}

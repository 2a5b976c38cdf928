package org.cortado.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.cortado.image.ImageDecoder;
import org.cortado.image.PixelLimit;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;

/** An image file's bytes in memory decode as the file does, and bad bytes give the decoder's reason. */
class EncodedImageTest {
    @Test
    void bytesDecodeToTheFilesPixels() throws IOException, ImageDecodeException {
        Path dir = SharedData.require("data/hymenoptera/val/bees");
        Path jpeg;
        try (var files = Files.list(dir)) {
            jpeg = files.sorted().findFirst().orElseThrow();
        }
        BgrImage fromFile = ImageDecoder.decode(jpeg);
        BgrImage fromBytes = new EncodedImage(Files.readAllBytes(jpeg)).decode(jpeg, PixelLimit.DEFAULT).image();
        assertEquals(fromFile.height(), fromBytes.height());
        assertEquals(fromFile.width(), fromBytes.width());
        assertArrayEquals(fromFile.pixels(), fromBytes.pixels());
    }

    @Test
    void badBytesAreSkippedWithTheirReasonByTheLoader() {
        Path name = Path.of("made/up.jpg");
        ImageDecodeException empty = assertThrows(ImageDecodeException.class,
                () -> new EncodedImage(new byte[0]).decode(name, PixelLimit.DEFAULT));
        assertEquals("empty file", empty.reason());
        List<LabeledImage> images = List.of(new LabeledImage(name, 0, new EncodedImage("not an image".getBytes())));
        try (BatchLoader loader = new BatchLoader(images, new org.cortado.image.ImageTransformer(
                org.cortado.image.TransformSpec.of(new org.cortado.image.ResizeMode.Fixed(8, 8), 0)), LoaderOptions.of(1, 1))) {
            Batch b = loader.next();
            assertEquals(0, b.size());
            assertEquals(1, b.skipped().size());
            assertTrue(!b.skipped().get(0).reason().isBlank());
        }
    }
}

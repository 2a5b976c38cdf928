package org.cortado.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecodeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThumbnailsTest {
    @TempDir
    Path dir;

    @Test
    void shrinkingAveragesEachOutputPixelsArea() {
        // A 4x4 image of 2x2 blocks 0, 40, 80, 120 halves to those four values.
        byte[] px = new byte[4 * 4 * 3];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * 4 + x) * 3 + c] = (byte) (40 * ((y / 2) * 2 + x / 2) + c);
                }
            }
        }
        BgrImage small = Thumbnails.shrink(new BgrImage(4, 4, px), 2);
        assertEquals(2, small.height());
        assertEquals(2, small.width());
        assertEquals(0, small.get(0, 0, 0));
        assertEquals(41, small.get(0, 1, 1));
        assertEquals(122, small.get(1, 1, 2));
        BgrImage tiny = new BgrImage(1, 1, new byte[3]);
        assertTrue(Thumbnails.shrink(tiny, 160) == tiny, "small images stay as they are");
    }

    @Test
    void thumbnailIsAJpegDataUriOfBoundedSize() throws Exception {
        BufferedImage img = new BufferedImage(640, 320, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 320; y++) {
            for (int x = 0; x < 640; x++) {
                img.setRGB(x, y, (x * 255 / 640) << 16 | (y * 255 / 320) << 8 | 90);
            }
        }
        Path png = dir.resolve("wide.png");
        ImageIO.write(img, "png", png.toFile());
        String uri = Thumbnails.dataUri(png);
        assertTrue(uri.startsWith("data:image/jpeg;base64,"));
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                uri.substring(uri.indexOf(',') + 1))));
        assertEquals(Thumbnails.SIDE, back.getWidth());
        assertEquals(Thumbnails.SIDE / 2, back.getHeight());
        Files.writeString(dir.resolve("broken.jpg"), "not an image");
        assertThrows(ImageDecodeException.class, () -> Thumbnails.dataUri(dir.resolve("broken.jpg")));
    }
}

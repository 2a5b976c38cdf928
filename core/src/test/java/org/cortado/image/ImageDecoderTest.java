package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
    /** JPEG is lossy even for flat colour at quality 1.0: one grey level either way. */
    private static final int JPEG_TOL = 1;

    @TempDir
    Path dir;

    private Path write(BufferedImage img, String format, String name) throws IOException {
        Path f = dir.resolve(name);
        assertTrue(ImageIO.write(img, format, f.toFile()), "no writer for " + format);
        return f;
    }

    private static void assertPixel(BgrImage img, int y, int x, int b, int g, int r, int tol) {
        int[] got = {img.get(y, x, 0), img.get(y, x, 1), img.get(y, x, 2)};
        for (int c = 0; c < 3; c++) {
            int want = new int[] {b, g, r}[c];
            assertTrue(Math.abs(got[c] - want) <= tol,
                    "pixel (" + y + ", " + x + "): expected BGR " + Arrays.toString(new int[] {b, g, r}) + " got "
                            + Arrays.toString(got));
        }
    }

    @Test
    void rgbPngComesOutAsBgr() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x102030);
        img.setRGB(2, 1, 0xFF0080);
        BgrImage out = ImageDecoder.decode(write(img, "png", "a.png"));
        assertEquals(2, out.height());
        assertEquals(3, out.width());
        assertPixel(out, 0, 0, 0x30, 0x20, 0x10, 0);
        assertPixel(out, 1, 2, 0x80, 0x00, 0xFF, 0);
    }

    @Test
    void greyIsReplicatedWithoutGammaConversion() throws Exception {
        // BufferedImage.getRGB would map linear grey 100 through a gamma curve; OpenCV copies the byte.
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(0, 0, 0, 100);
        img.getRaster().setSample(1, 0, 0, 7);
        for (String format : new String[] {"png", "bmp"}) {
            BgrImage out = ImageDecoder.decode(write(img, format, "g." + format));
            assertPixel(out, 0, 0, 100, 100, 100, 0);
            assertPixel(out, 0, 1, 7, 7, 7, 0);
        }
    }

    @Test
    void sixteenBitGreyKeepsTheHighByte() throws Exception {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 0xAB12);
        assertPixel(ImageDecoder.decode(write(img, "png", "g16.png")), 0, 0, 0xAB, 0xAB, 0xAB, 0);
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0x20C08040); // alpha 0x20
        assertPixel(ImageDecoder.decode(write(img, "png", "a.png")), 0, 0, 0x40, 0x80, 0xC0, 0);
    }

    @Test
    void palettedGifAndBmpUseTheirPalette() throws Exception {
        byte[] r = {0, (byte) 200};
        byte[] g = {0, 50};
        byte[] b = {0, 25};
        IndexColorModel cm = new IndexColorModel(1, 2, r, g, b);
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, cm);
        img.getRaster().setSample(1, 0, 0, 1);
        for (String format : new String[] {"gif", "bmp", "png"}) {
            BgrImage out = ImageDecoder.decode(write(img, format, "p." + format));
            assertPixel(out, 0, 0, 0, 0, 0, 0);
            assertPixel(out, 0, 1, 25, 50, 200, 0);
        }
    }

    @Test
    void jpegDecodesToBgr() throws Exception {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, 0xC86432);
            }
        }
        BgrImage out = ImageDecoder.decode(writeJpeg(new IIOImage(img, null, null), "c.jpg"));
        assertPixel(out, 5, 5, 0x32, 0x64, 0xC8, JPEG_TOL);
    }

    @Test
    void cmykJpegFollowsOpenCvsInvertedCmykFormula() throws Exception {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                raster.setPixel(x, y, new int[] {200, 100, 50, 220});
            }
        }
        // A bare 4-band raster is written as a four-component JPEG without colour conversion.
        BgrImage out = ImageDecoder.decode(writeJpeg(new IIOImage(raster, null, null), "cmyk.jpg"));
        // R = K - ((255 - C) * K >> 8) = 220 - (55 * 220 >> 8) = 173; G from M: 87; B from Y: 44.
        assertPixel(out, 3, 7, 44, 87, 173, JPEG_TOL);
    }

    private Path writeJpeg(IIOImage image, String name) throws IOException {
        return Files.write(dir.resolve(name), Jpegs.encode(image, 1f, false));
    }

    @Test
    void embeddedColourProfileIsIgnoredAsOpenCvIgnoresIt() throws Exception {
        // Random samples written plainly, then the same file claiming to be linear RGB: ImageIO's default read would
        // convert the second to sRGB (by tens of levels); OpenCV, and this decoder, hand out the samples as coded.
        BufferedImage img = Jpegs.photo(48, 32, BufferedImage.TYPE_3BYTE_BGR, 3);
        byte[] plain = Jpegs.encode(new IIOImage(img, null, null), 0.9f, false);
        byte[] tagged = Jpegs.withIccProfile(plain, ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData());
        Path a = Files.write(dir.resolve("plain.jpg"), plain);
        Path b = Files.write(dir.resolve("linear.jpg"), tagged);
        assertArrayEquals(ImageDecoder.decodeWithImageIO(a).pixels(), ImageDecoder.decodeWithImageIO(b).pixels());
        assertArrayEquals(ImageDecoder.decode(a).pixels(), ImageDecoder.decode(b).pixels());
    }

    @Test
    void undecodableFilesThrowWithFileAndReason() throws Exception {
        Path garbage = dir.resolve("x.jpg");
        Files.write(garbage, "this is not an image".getBytes());
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(garbage));
        assertEquals(garbage, e.file());
        assertTrue(e.reason().contains("no image reader"), e.reason());

        Path empty = Files.createFile(dir.resolve("empty.png"));
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(empty));

        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        byte[] png = Files.readAllBytes(write(img, "png", "full.png"));
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, Arrays.copyOf(png, png.length / 2));
        ImageDecodeException t = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(truncated));
        assertTrue(t.getMessage().startsWith(truncated.toString()), t.getMessage());

        Path missing = dir.resolve("missing.jpg");
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(missing));
    }
}

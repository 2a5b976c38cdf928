package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cortado.testing.HostileImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pixel limit and the native decoder's own bounds against small files that claim huge images: each is refused
 * from its header with one reason that names the size and the limit, before the image's memory is allocated.
 */
class PixelLimitTest {
    private static final String LIMIT_100M = "exceeds the limit of 100 megapixels (--max-pixels, or the property "
            + PixelLimit.PROPERTY + ")";

    @TempDir
    Path dir;

    @Test
    void progressiveJpegClaiming26800SquaredIsRefusedFromItsHeaderByBothDecoders() throws Exception {
        Path file = HostileImages.progressiveJpegClaiming(dir.resolve("huge.jpg"), 26800, 26800);
        assertTrue(Files.size(file) < 64 * 1024, "a small file: " + Files.size(file));
        String reason = "26800 x 26800 = 718 megapixels " + LIMIT_100M;
        // ImageIO's JPEG reader: its header size, before the raster.
        assertRefused(file, reason, () -> ImageDecoder.decodeWithImageIO(file));
        if (NativeJpeg.available()) {
            assertRefused(file, reason, () -> ImageDecoder.decode(file));
        }
    }

    @Test
    void pngClaiming27000SquaredIsRefusedFromItsHeader() throws Exception {
        Path file = HostileImages.pngClaiming(dir.resolve("huge.png"), 27000, 27000, 64 * 1024);
        assertTrue(Files.size(file) < 4096, "a small file: " + Files.size(file));
        assertRefused(file, "27000 x 27000 = 729 megapixels " + LIMIT_100M, () -> ImageDecoder.decode(file));
    }

    /** Refused with {@code reason}, the file named first, and without allocating anything image-sized in Java. */
    private static void assertRefused(Path file, String reason, Executable decode) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        ImageDecodeException e = assertThrows(ImageDecodeException.class, decode);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(reason, e.reason());
        assertEquals(file + ": " + reason, e.getMessage());
        assertTrue(allocated < 16L << 20, "allocated " + allocated + " bytes before refusing");
    }

    @Test
    void theLimitComesFromThePropertyAndAnExplicitArgument() throws Exception {
        Path file = HostileImages.jpeg(dir.resolve("small.jpg"), 30, 40);
        assertEquals(30, ImageDecoder.decode(file).height());
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(file, 1199));
        assertEquals("30 x 40 = 1200 pixels exceeds the limit of 1199 pixels (--max-pixels, or the property "
                + PixelLimit.PROPERTY + ")", e.reason());
        assertEquals(30, ImageDecoder.decode(file, 1200).height());
        String before = System.getProperty(PixelLimit.PROPERTY);
        try {
            System.setProperty(PixelLimit.PROPERTY, "0.001M");
            assertEquals(1000, PixelLimit.current());
            assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(file));
            assertThrows(ImageDecodeException.class, () -> ImageDecoder.decodeWithImageIO(file));
        } finally {
            if (before == null) {
                System.clearProperty(PixelLimit.PROPERTY);
            } else {
                System.setProperty(PixelLimit.PROPERTY, before);
            }
        }
        assertEquals(PixelLimit.DEFAULT, PixelLimit.current());
    }

    @Test
    void limitsParseAsCountsOrMegapixelsWithinWhatAnArrayHolds() {
        assertEquals(100_000_000L, PixelLimit.parse("100M", "x"));
        assertEquals(2_500_000L, PixelLimit.parse(" 2.5m ", "x"));
        assertEquals(1234L, PixelLimit.parse("1234", "x"));
        assertEquals(PixelLimit.LARGEST, PixelLimit.parse(Long.toString(PixelLimit.LARGEST), "x"));
        for (String bad : new String[] {"", "abc", "0", "-5", "1e9", "716M", "99999999999999999999"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PixelLimit.parse(bad, "--max-pixels"), bad);
            assertTrue(e.getMessage().startsWith("--max-pixels ") && e.getMessage().contains("'" + bad + "'"),
                    e.getMessage());
        }
        assertEquals("100M", PixelLimit.format(PixelLimit.DEFAULT));
        assertEquals("0.0655 megapixels", PixelLimit.megapixels(65500));
    }

    @Test
    void sizeProductsDoNotOverflow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BgrImage.byteCount(27000, 27000));
        assertTrue(e.getMessage().contains("27000x27000") && e.getMessage().contains("too large"), e.getMessage());
        assertEquals(3 * 65500, BgrImage.byteCount(1, 65500));
        assertThrows(IllegalArgumentException.class, () -> new BgrImage(65536, 65536, new byte[3]));
        // torchvision's arithmetic for a thin strip, in long: 227 * 65500 / 1.
        assertArrayEquals(new int[] {227, 14_868_500}, new ResizeMode.ShorterSide(227).targetSize(1, 65500));
        assertArrayEquals(new int[] {14_868_500, 227}, new ResizeMode.ShorterSide(227).targetSize(65500, 1));
        e = assertThrows(IllegalArgumentException.class,
                () -> new ResizeMode.ShorterSide(40000).targetSize(1, 65500));
        assertTrue(e.getMessage().contains("2620000000"), e.getMessage());
    }

    @Test
    void aThinImageResizedByItsShorterSideIsRejectedByTheLimitNotByAnOverflow() throws Exception {
        Path file = HostileImages.jpeg(dir.resolve("strip.jpg"), 1, 65500);
        BgrImage strip = ImageDecoder.decode(file);
        assertEquals(65500, strip.width());
        ImageTransformer t = new ImageTransformer(TransformSpec.of(new ResizeMode.ShorterSide(227), 227));
        String why = t.rejection(strip);
        assertEquals("a 1x65500 image resized (shorter-side 227) to 227 x 14868500 = 3380 megapixels " + LIMIT_100M,
                why);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.apply(strip, 0));
        assertEquals(why, e.getMessage());
        // A strip that resizes to less than the limit goes through.
        ImageTransformer small = new ImageTransformer(TransformSpec.of(new ResizeMode.ShorterSide(2), 2));
        assertNull(small.rejection(strip));
        assertEquals(3 * 2 * 2, small.apply(strip, 0).length);
    }

    @Test
    void libjpegsMemoryCapAndScanLimitEndTheDecodeWithTheirReason() throws Exception {
        assumeTrue(NativeJpeg.available(), () -> "native JPEG decoder not tested: " + NativeJpeg.status());
        byte[] progressive = HostileImages.encodeJpeg(HostileImages.noise(96, 96, 1), true);
        Path file = Files.write(dir.resolve("p.jpg"), progressive);
        NativeJpeg.Decoded ok = NativeJpeg.decodeWithInfo(file, progressive, PixelLimit.DEFAULT);
        assertEquals(96, ok.image().width());
        assertNull(ok.warning());
        // The whole-image coefficient buffer of a progressive file is the allocation the cap stops.
        ImageDecodeException memory = assertThrows(ImageDecodeException.class,
                () -> NativeJpeg.decodeWithInfo(file, progressive, PixelLimit.DEFAULT, 4096, NativeJpeg.MAX_SCANS));
        assertEquals("libjpeg-turbo: Backing store not supported", memory.reason());
        // ImageIO writes libjpeg's simple progression: ten scans for YCbCr.
        ImageDecodeException scans = assertThrows(ImageDecodeException.class,
                () -> NativeJpeg.decodeWithInfo(file, progressive, PixelLimit.DEFAULT,
                        NativeJpeg.memoryBudget(PixelLimit.DEFAULT), 3));
        assertEquals("libjpeg-turbo: progressive JPEG with more than 3 scans", scans.reason());
        assertNotNull(NativeJpeg.decodeWithInfo(file, progressive, PixelLimit.DEFAULT,
                NativeJpeg.memoryBudget(PixelLimit.DEFAULT), 10).image());
    }

    @Test
    void aTruncatedJpegDecodesWithItsWarningNamed() throws Exception {
        byte[] whole = HostileImages.encodeJpeg(HostileImages.noise(64, 48, 2), false);
        Path cut = Files.write(dir.resolve("cut.jpg"), HostileImages.truncated(whole, 0.5));
        DecodedImage d = ImageDecoder.decodeWithWarnings(cut);
        assertEquals(48, d.image().height());
        assertNotNull(d.warning(), "a file cut in half decodes with a warning");
        if (NativeJpeg.available()) {
            assertTrue(d.warning().startsWith("libjpeg-turbo: ") && d.warning().contains("Premature end of JPEG file"),
                    d.warning());
        }
        Path whole2 = Files.write(dir.resolve("whole.jpg"), whole);
        assertNull(ImageDecoder.decodeWithWarnings(whole2).warning());
    }
}

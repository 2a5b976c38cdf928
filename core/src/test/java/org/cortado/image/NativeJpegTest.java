package org.cortado.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import org.cortado.testing.SharedData;
import org.cortado.util.NativeLibraries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native JPEG path against the ImageIO path, which ReferenceInputTest ties to OpenCV's own pixels. The checks of
 * the native decoder skip, saying why, where its library is not available (a build without gcc or libjpeg-turbo's
 * headers, or {@code -Dcortado.jpeg.native=false}).
 */
class NativeJpegTest {
    @TempDir
    Path dir;

    /** Skips the calling test, saying why, where the native decoder is unavailable. */
    private static void requireNative() {
        assumeTrue(NativeJpeg.available(), () -> "native JPEG decoder not tested: " + NativeJpeg.status());
    }

    @Test
    void libraryThatTheBuildMadeLoads() {
        // A build that made the library must load it here, or every JPEG would silently take the slow path.
        String resource = "org/cortado/image/native/" + NativeLibraries.platform() + "/" + NativeJpeg.LIBRARY;
        assumeTrue(NativeJpeg.class.getClassLoader().getResource(resource) != null,
                () -> "this build made no " + resource + " (see the [cortado-core] line of the build's output)");
        assumeTrue(Boolean.parseBoolean(System.getProperty(NativeJpeg.PROPERTY, "true")),
                () -> "disabled by -D" + NativeJpeg.PROPERTY);
        assertTrue(NativeJpeg.available(), NativeJpeg.status());
        assertTrue(NativeJpeg.status().startsWith("libjpeg-turbo through JNI"), NativeJpeg.status());
        assertEquals(NativeJpeg.status(), ImageDecoder.jpegDecoder());
    }

    @Test
    void libraryIsBuiltHardened() throws Exception {
        String resource = "org/cortado/image/native/" + NativeLibraries.platform() + "/" + NativeJpeg.LIBRARY;
        var url = NativeJpeg.class.getClassLoader().getResource(resource);
        assumeTrue(url != null && "file".equals(url.getProtocol()), () -> "no " + resource + " in the build's classes");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/readelf")), "no readelf in /usr/bin");
        String lib = Path.of(url.toURI()).toString();
        // Full RELRO: relocations done at load (BIND_NOW), then read-only (GNU_RELRO).
        assertTrue(run("readelf", "-d", lib).contains("BIND_NOW"), "no BIND_NOW (-z now)");
        assertTrue(run("readelf", "-lW", lib).contains("GNU_RELRO"), "no GNU_RELRO (-z relro)");
        String symbols = run("readelf", "--dyn-syms", "-W", lib);
        assertTrue(symbols.contains("__stack_chk_fail"), "no stack canaries (-fstack-protector-strong)");
        assertTrue(symbols.contains("__snprintf_chk"), "no fortified calls (-D_FORTIFY_SOURCE=2)");
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ":\n" + out);
        return out;
    }

    @Test
    void photographsDecodeAsWithImageIO() throws Exception {
        requireNative();
        List<Path> files = new ArrayList<>();
        files.add(SharedData.require("images/cat.jpg"));
        try (Stream<Path> s = Files.walk(SharedData.require("data/hymenoptera"))) {
            s.filter(Files::isRegularFile).filter(NativeJpegTest::isJpeg).sorted().forEach(files::add);
        }
        List<String> differ = new ArrayList<>();
        for (Path f : files) {
            BgrImage ours = NativeJpeg.decode(f, Files.readAllBytes(f));
            BgrImage io = ImageDecoder.decodeWithImageIO(f);
            if (ours.height() != io.height() || ours.width() != io.width()
                    || !Arrays.equals(ours.pixels(), io.pixels())) {
                differ.add(f.getFileName().toString());
            }
        }
        // 398 files: cat.jpg and the 397 JPEGs of hymenoptera (whose 36 files with an embedded ICC profile ImageIO
        // would convert to sRGB by default).
        assertTrue(files.size() > 1, "no JPEG found");
        assertEquals(List.of(), differ, differ.size() + " of " + files.size() + " JPEGs decode differently");
    }

    private static boolean isJpeg(Path f) {
        try {
            return NativeJpeg.isJpeg(Files.readAllBytes(f));
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void codingVariantsDecodeAsWithImageIO() throws Exception {
        requireNative();
        // Odd sizes leave partial MCUs at the right and bottom edges, where upsampling has to replicate samples.
        BufferedImage rgb = Jpegs.photo(37, 23, BufferedImage.TYPE_INT_RGB, 1);
        BufferedImage grey = Jpegs.photo(37, 23, BufferedImage.TYPE_BYTE_GRAY, 2);
        byte[] cmyk = Jpegs.encode(new IIOImage(Jpegs.fourBands(40, 24, 3), null, null), 0.9f, false);
        assertSame("baseline 4:2:0", Jpegs.encode(new IIOImage(rgb, null, null), 0.75f, false));
        assertSame("progressive", Jpegs.encode(new IIOImage(rgb, null, null), 0.75f, true));
        assertSame("one pixel", Jpegs.encode(new IIOImage(Jpegs.photo(1, 1, BufferedImage.TYPE_INT_RGB, 4), null,
                null), 0.75f, false));
        assertSame("grey", Jpegs.encode(new IIOImage(grey, null, null), 0.9f, false));
        assertSame("CMYK without Adobe marker", cmyk);
        assertSame("Adobe CMYK", Jpegs.withAdobeMarker(cmyk, 0));
        // libjpeg converts YCCK in fixed point; the ImageIO path (Cmyk) reproduces that arithmetic.
        assertSame("Adobe YCCK", Jpegs.withAdobeMarker(cmyk, 2));
    }

    private void assertSame(String what, byte[] jpeg) throws Exception {
        Path f = Files.write(dir.resolve(what.replace(' ', '_') + ".jpg"), jpeg);
        BgrImage ours = NativeJpeg.decode(f, jpeg);
        BgrImage io = ImageDecoder.decodeWithImageIO(f);
        assertEquals(io.height() + "x" + io.width(), ours.height() + "x" + ours.width(), what);
        assertArrayEquals(io.pixels(), ours.pixels(), what);
    }

    @Test
    void truncatedFileDecodesWhatItCanAsOpenCvDoes() throws Exception {
        requireNative();
        Path cat = SharedData.require("images/cat.jpg");
        byte[] whole = Files.readAllBytes(cat);
        BgrImage full = NativeJpeg.decode(cat, whole);
        Path cut = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(whole, whole.length / 2));
        NativeJpeg.Decoded half = NativeJpeg.decodeWithInfo(cut, Files.readAllBytes(cut), PixelLimit.DEFAULT);
        // libjpeg warns (premature end of data) and fills the missing rows; OpenCV returns that image.
        assertTrue(half.warnings() > 0, "no warning for a file cut in half");
        assertEquals(full.height(), half.image().height());
        assertEquals(full.width(), half.image().width());
        int topRows = 16 * full.width() * BgrImage.CHANNELS;
        assertArrayEquals(Arrays.copyOf(full.pixels(), topRows), Arrays.copyOf(half.image().pixels(), topRows),
                "the rows before the cut");
        assertEquals(3, half.components());
        // Through the public entry point too: a damaged photograph is not a failure.
        assertEquals(full.height(), ImageDecoder.decode(cut).height());
    }

    @Test
    void corruptDataThrowsWithFileAndLibjpegsMessage() throws Exception {
        requireNative();
        Path cat = SharedData.require("images/cat.jpg");
        byte[] whole = Files.readAllBytes(cat);
        List<byte[]> broken = List.of(
                // SOI and the start of a marker, then nothing.
                new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF},
                // SOI followed by text.
                "\u00ff\u00d8\u00ffthis is not a JPEG stream at all".getBytes(StandardCharsets.ISO_8859_1),
                // Cut inside the headers, before any image data.
                Arrays.copyOf(whole, 100));
        for (int i = 0; i < broken.size(); i++) {
            Path f = Files.write(dir.resolve("broken" + i + ".jpg"), broken.get(i));
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(f),
                    "case " + i);
            assertEquals(f, e.file());
            assertTrue(e.reason().startsWith("libjpeg-turbo: ") && e.reason().length() > 20, e.reason());
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
    }

    @Test
    void concurrentDecodesAgree() throws Exception {
        requireNative();
        Path cat = SharedData.require("images/cat.jpg");
        byte[] data = Files.readAllBytes(cat);
        byte[] expected = NativeJpeg.decode(cat, data).pixels();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> NativeJpeg.decode(cat, data).pixels()));
            }
            for (Future<byte[]> r : results) {
                assertArrayEquals(expected, r.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

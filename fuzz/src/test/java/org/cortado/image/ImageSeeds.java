package org.cortado.image;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The image seeds of the fuzz targets, written with core's test helpers for synthetic JPEGs ({@link Jpegs}, whose
 * package this class shares): one small file per variant the decoders tell apart. {@code SeedFiles} calls it.
 */
public final class ImageSeeds {
    private ImageSeeds() {
    }

    /** JPEG variants: baseline, progressive, grey, CMYK, YCCK, an embedded profile, cut short, libjpeg-only ones. */
    public static void jpegs(Path dir) throws Exception {
        BufferedImage colour = Jpegs.photo(16, 12, BufferedImage.TYPE_3BYTE_BGR, 1);
        byte[] baseline = Jpegs.encode(new IIOImage(colour, null, null), 0.5f, false);
        Path baselineFile = Files.write(dir.resolve("seed-baseline.jpg"), baseline);
        Files.write(dir.resolve("seed-progressive.jpg"), Jpegs.encode(new IIOImage(colour, null, null), 0.5f, true));
        byte[] grey = Jpegs.encode(
                new IIOImage(Jpegs.photo(9, 7, BufferedImage.TYPE_BYTE_GRAY, 2), null, null), 0.5f, false);
        Files.write(dir.resolve("seed-grey.jpg"), grey);
        byte[] cmyk = Jpegs.encode(new IIOImage(Jpegs.fourBands(8, 8, 3), null, null), 0.5f, false);
        Files.write(dir.resolve("seed-cmyk.jpg"), cmyk);
        Files.write(dir.resolve("seed-ycck.jpg"), Jpegs.withAdobeMarker(cmyk, 2));
        Files.write(dir.resolve("seed-grey-icc.jpg"),
                Jpegs.withIccProfile(grey, ICC_Profile.getInstance(ColorSpace.CS_GRAY).getData()));
        // A file cut short: libjpeg warns and fills the rest, the path where warnings are counted.
        Files.write(dir.resolve("seed-truncated.jpg"), Arrays.copyOf(baseline, baseline.length * 2 / 3));
        jpegtran(baselineFile, dir.resolve("seed-arithmetic.jpg"), "-arithmetic");
        jpegtran(baselineFile, dir.resolve("seed-restart.jpg"), "-restart", "1B");
        jpegtran(baselineFile, dir.resolve("seed-progressive-arithmetic.jpg"), "-progressive", "-arithmetic");
    }

    /** The other formats ImageIO reads, in the colour models the decoder converts from. */
    public static void otherFormats(Path dir) throws IOException {
        BufferedImage rgb = Jpegs.photo(6, 5, BufferedImage.TYPE_INT_RGB, 4);
        write(dir.resolve("seed-rgb.png"), "png", rgb);
        write(dir.resolve("seed-rgba.png"), "png", Jpegs.photo(5, 4, BufferedImage.TYPE_INT_ARGB, 5));
        write(dir.resolve("seed-grey16.png"), "png", Jpegs.photo(4, 4, BufferedImage.TYPE_USHORT_GRAY, 6));
        write(dir.resolve("seed-palette.png"), "png", Jpegs.photo(5, 3, BufferedImage.TYPE_BYTE_INDEXED, 7));
        write(dir.resolve("seed-binary.png"), "png", Jpegs.photo(9, 3, BufferedImage.TYPE_BYTE_BINARY, 8));
        write(dir.resolve("seed.gif"), "gif", Jpegs.photo(5, 4, BufferedImage.TYPE_BYTE_INDEXED, 9));
        write(dir.resolve("seed.bmp"), "bmp", rgb);
        write(dir.resolve("seed.tif"), "tiff", rgb);
        write(dir.resolve("seed.wbmp"), "wbmp", Jpegs.photo(8, 2, BufferedImage.TYPE_BYTE_BINARY, 10));
    }

    private static void write(Path file, String format, BufferedImage image) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(os);
            w.write(image);
        } finally {
            w.dispose();
        }
        Files.write(file, bytes.toByteArray());
    }

    /** Runs libjpeg-turbo's lossless {@code jpegtran} on {@code in}; without it the seed is left as it is. */
    private static void jpegtran(Path in, Path out, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("jpegtran"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-outfile", out.toString(), in.toString()));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed");
            }
        } catch (IOException e) {
            System.err.println("seed files: " + out.getFileName() + " not written: " + e.getMessage());
        }
    }
}

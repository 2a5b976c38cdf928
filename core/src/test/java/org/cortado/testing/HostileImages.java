package org.cortado.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Small image files whose headers claim huge images, made in the test itself: a few kilobytes that a careless
 * decoder turns into gigabytes (a progressive JPEG's whole-image coefficient buffer, a PNG's raster). Their
 * structure is valid up to the size claim, so that nothing but the size stops a decoder.
 */
public final class HostileImages {
    private HostileImages() {
    }

    /**
     * A progressive JPEG of a small noisy photograph whose frame header (SOF2) is patched to claim
     * {@code height x width}: the file stays a few kilobytes, its scans cover only the real picture.
     */
    public static Path progressiveJpegClaiming(Path file, int height, int width) {
        byte[] jpeg = encodeJpeg(noise(96, 96, 7), true);
        return write(file, patchFrameSize(jpeg, height, width));
    }

    /** A baseline JPEG of {@code height x width} real pixels (for example 1 x 65500, a thin strip). */
    public static Path jpeg(Path file, int height, int width) {
        return write(file, encodeJpeg(noise(width, height, 3), false));
    }

    /**
     * {@code jpeg} with the height and width of its first frame header (SOF0, SOF1 or SOF2) replaced.
     *
     * @throws IllegalArgumentException when there is no frame header before the first scan
     */
    public static byte[] patchFrameSize(byte[] jpeg, int height, int width) {
        byte[] out = jpeg.clone();
        int i = 2;
        while (i + 4 <= out.length && (out[i] & 0xFF) == 0xFF) {
            int marker = out[i + 1] & 0xFF;
            int length = (out[i + 2] & 0xFF) << 8 | (out[i + 3] & 0xFF);
            if (marker >= 0xC0 && marker <= 0xC2) {
                // FF Cn, length (2), precision (1), height (2), width (2).
                out[i + 5] = (byte) (height >> 8);
                out[i + 6] = (byte) height;
                out[i + 7] = (byte) (width >> 8);
                out[i + 8] = (byte) width;
                return out;
            }
            if (marker == 0xDA) {
                break;
            }
            i += 2 + length;
        }
        throw new IllegalArgumentException("no frame header before the first scan");
    }

    /**
     * A PNG whose header (IHDR) claims {@code height x width} 8-bit RGB pixels, with a valid stream after it: one
     * IDAT chunk of {@code zeroBytes} deflated zeros (the first rows' filter bytes and pixels) and IEND, every CRC
     * right. {@code zeroBytes} of 64 KiB deflate to about a hundred bytes.
     */
    public static Path pngClaiming(Path file, int height, int width, int zeroBytes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[] {8, 2, 0, 0, 0}); // 8 bits, RGB, deflate, adaptive filtering, no interlace
            chunk(out, "IHDR", ihdr.toByteArray());
            Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
            deflater.setInput(new byte[zeroBytes]);
            deflater.finish();
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!deflater.finished()) {
                idat.write(buf, 0, deflater.deflate(buf));
            }
            deflater.end();
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return write(file, bytes.toByteArray());
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }

    /** {@code jpeg} cut to {@code fraction} of its length: libjpeg warns of the premature end and fills the rest. */
    public static byte[] truncated(byte[] jpeg, double fraction) {
        return Arrays.copyOf(jpeg, (int) (jpeg.length * fraction));
    }

    /** A noisy {@code w x h} RGB photograph-like image, so that every scan of a progressive file carries data. */
    public static BufferedImage noise(int w, int h, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 7 + rnd.nextInt(64)) & 0xFF;
                int g = (y * 5 + rnd.nextInt(64)) & 0xFF;
                img.setRGB(x, y, r << 16 | g << 8 | rnd.nextInt(256));
            }
        }
        return img;
    }

    /** {@code image} as JPEG bytes written by ImageIO, baseline at quality 0.9 or progressive. */
    public static byte[] encodeJpeg(BufferedImage image, boolean progressive) {
        return encodeJpeg(new IIOImage(image, null, null), 0.9f, progressive);
    }

    /**
     * {@code image} as JPEG bytes written by ImageIO: baseline at {@code quality} (0..1), or progressive (libjpeg's
     * simple progression, ten scans for YCbCr) at the writer's default quality.
     */
    public static byte[] encodeJpeg(IIOImage image, float quality, boolean progressive) {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(os);
            ImageWriteParam p = w.getDefaultWriteParam();
            if (progressive) {
                p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            } else {
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(quality);
            }
            w.write(null, image, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }

    private static Path write(Path file, byte[] data) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

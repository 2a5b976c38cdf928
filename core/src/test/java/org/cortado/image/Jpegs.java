package org.cortado.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import javax.imageio.IIOImage;
import org.cortado.testing.HostileImages;

/** Synthetic JPEG files for decoder tests, written by ImageIO's encoder. */
final class Jpegs {
    private Jpegs() {
    }

    /** {@code image} as JPEG bytes at {@code quality} (0..1), baseline or progressive. */
    static byte[] encode(IIOImage image, float quality, boolean progressive) throws IOException {
        return HostileImages.encodeJpeg(image, quality, progressive);
    }

    /**
     * A {@code w x h} image of {@code type} (an RGB or grey BufferedImage type) with smooth gradients and noise, so that
     * every DCT coefficient, the chroma upsampling and the colour conversion have work to do.
     */
    static BufferedImage photo(int w, int h, int type, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = clamp(x * 255 / Math.max(1, w - 1) + rnd.nextInt(41) - 20);
                int g = clamp(y * 255 / Math.max(1, h - 1) + rnd.nextInt(41) - 20);
                int b = clamp(128 + (int) (100 * Math.sin((x + y) / 5.0)) + rnd.nextInt(21) - 10);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** A {@code w x h} four-band raster of random samples: written as a four-component (CMYK) JPEG. */
    static WritableRaster fourBands(int w, int h, long seed) {
        Random rnd = new Random(seed);
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setPixel(x, y, new int[] {rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256),
                        rnd.nextInt(256)});
            }
        }
        return raster;
    }

    /**
     * {@code jpeg} with an Adobe APP14 marker after SOI carrying {@code transform} (0: CMYK, 2: YCCK), the marker by
     * which decoders tell the two apart. ImageIO writes four-band rasters without one, so the same coefficients read
     * as CMYK or, with transform 2, as YCCK.
     */
    static byte[] withAdobeMarker(byte[] jpeg, int transform) {
        byte[] marker = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0,
                (byte) transform};
        byte[] out = new byte[jpeg.length + marker.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(marker, 0, out, 2, marker.length);
        System.arraycopy(jpeg, 2, out, 2 + marker.length, jpeg.length - 2);
        return out;
    }

    /**
     * {@code jpeg} (as ImageIO writes it: SOI, then a JFIF APP0 segment) with {@code profile} embedded in one
     * APP2 ICC_PROFILE segment after the APP0 segment, where readers look for it.
     */
    static byte[] withIccProfile(byte[] jpeg, byte[] profile) {
        if ((jpeg[2] & 0xFF) != 0xFF || (jpeg[3] & 0xFF) != 0xE0) {
            throw new IllegalArgumentException("no APP0 segment after SOI");
        }
        int app0End = 4 + ((jpeg[4] & 0xFF) << 8 | (jpeg[5] & 0xFF));
        byte[] id = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
        int length = 2 + id.length + 2 + profile.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, app0End);
        out.write(0xFF);
        out.write(0xE2);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.write(id, 0, id.length);
        out.write(1); // chunk 1 of 1
        out.write(1);
        out.write(profile, 0, profile.length);
        out.write(jpeg, app0End, jpeg.length - app0End);
        return out.toByteArray();
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}

package org.cortado.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files (whatever javax.imageio reads: JPEG, PNG, GIF, BMP) into 8-bit BGR as OpenCV's
 * {@code imread(IMREAD_COLOR)} would: grey replicated to three channels, alpha dropped (not composited), 16-bit
 * samples cut to their high byte, embedded colour profiles ignored (raw samples, as OpenCV does), the first frame of an
 * animation. CMYK and YCCK JPEGs, which ImageIO's {@code read} rejects, are converted from their raw samples with
 * OpenCV's inverted-CMYK formula.
 *
 * <p>Stateless and safe to call from many threads (each call opens its own reader).
 */
public final class ImageDecoder {
    private ImageDecoder() {
    }

    /** Decodes {@code file}; a file that is not an image or is damaged beyond decoding throws with the reason. */
    public static BgrImage decode(Path file) throws ImageDecodeException {
        if (!Files.isRegularFile(file)) {
            throw new ImageDecodeException(file, "not a readable file", null);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new ImageDecodeException(file, "cannot open the file", null);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(file, "no image reader recognises its format", null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return decode(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // ImageIO signals damaged data with IIOException but also with IndexOutOfBounds, IllegalArgument and
            // NullPointer exceptions from deep inside its codecs: all of them mean "this file does not decode".
            throw new ImageDecodeException(file, describe(e), e);
        }
    }

    private static BgrImage decode(ImageReader reader) throws IOException {
        if ("jpeg".equalsIgnoreCase(reader.getFormatName()) && Cmyk.isFourChannelJpeg(reader)) {
            // ImageIO converts four-channel JPEGs through a colour profile (or refuses them); OpenCV applies a plain
            // formula to libjpeg's raw CMYK, which readRaster hands out.
            return Cmyk.toBgr(reader.readRaster(0, null), Cmyk.isYcck(reader));
        }
        return toBgr(reader.read(0));
    }

    /** {@code img} as 8-bit BGR, by the rules in the class comment. */
    public static BgrImage toBgr(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[h * w * 3];
        if (copyInterleavedBgr(img, out)) {
            return new BgrImage(h, w, out);
        }
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        int csType = cm.getColorSpace().getType();
        if (cm instanceof ComponentColorModel && (csType == ColorSpace.TYPE_GRAY || csType == ColorSpace.TYPE_RGB)) {
            rawComponents(raster, csType == ColorSpace.TYPE_GRAY ? 1 : 3, out);
        } else {
            // Palette (GIF, 8-bit PNG/BMP) and packed-int models (BMP): getRGB only unpacks, it converts no colours.
            int[] argb = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, argb, 0, w);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    out[o] = (byte) argb[x];
                    out[o + 1] = (byte) (argb[x] >> 8);
                    out[o + 2] = (byte) (argb[x] >> 16);
                }
            }
        }
        return new BgrImage(h, w, out);
    }

    /** The common JPEG case: bytes already B,G,R interleaved without padding. */
    private static boolean copyInterleavedBgr(BufferedImage img, byte[] out) {
        if (img.getType() != BufferedImage.TYPE_3BYTE_BGR
                || !(img.getRaster().getSampleModel() instanceof PixelInterleavedSampleModel sm)
                || !(img.getRaster().getDataBuffer() instanceof DataBufferByte db)) {
            return false;
        }
        int[] offsets = sm.getBandOffsets();
        boolean plain = sm.getPixelStride() == 3 && sm.getScanlineStride() == 3 * img.getWidth()
                && offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0 && db.getOffset() == 0
                && img.getRaster().getSampleModelTranslateX() == 0 && img.getRaster().getSampleModelTranslateY() == 0
                && db.getData().length >= out.length;
        if (plain) {
            System.arraycopy(db.getData(), 0, out, 0, out.length);
        }
        return plain;
    }

    /** Raw samples of the first {@code colours} bands (R,G,B or grey), scaled to 8 bits; later bands (alpha) dropped. */
    private static void rawComponents(Raster raster, int colours, byte[] out) {
        int h = raster.getHeight();
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        int shift = bitsShift(raster);
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                int s = x * bands;
                if (colours == 1) {
                    byte g = (byte) (row[s] >> shift);
                    out[o] = g;
                    out[o + 1] = g;
                    out[o + 2] = g;
                } else {
                    out[o] = (byte) (row[s + 2] >> shift);
                    out[o + 1] = (byte) (row[s + 1] >> shift);
                    out[o + 2] = (byte) (row[s] >> shift);
                }
            }
        }
    }

    /** How far to shift samples right to keep their high 8 bits (16-bit PNGs, as OpenCV does). */
    private static int bitsShift(Raster raster) {
        int bits = raster.getSampleModel().getSampleSize(0);
        if (raster.getDataBuffer().getDataType() == DataBuffer.TYPE_FLOAT
                || raster.getDataBuffer().getDataType() == DataBuffer.TYPE_DOUBLE) {
            throw new IllegalArgumentException("floating-point images are not supported");
        }
        return Math.max(0, bits - 8);
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage();
        String kind = e.getClass().getSimpleName();
        return msg == null || msg.isBlank() ? "decoder failed (" + kind + ")" : msg + " (" + kind + ")";
    }
}

package org.cortado.image;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
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
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files (whatever javax.imageio reads: JPEG, PNG, GIF, BMP) into 8-bit BGR as OpenCV's
 * {@code imread(IMREAD_COLOR)} would: grey replicated to three channels, alpha dropped (not composited), 16-bit
 * samples cut to their high byte, embedded colour profiles ignored (raw samples, as OpenCV does; ImageIO's JPEG
 * reader would convert them to sRGB), the first frame of an animation. CMYK and YCCK JPEGs, which ImageIO's
 * {@code read} rejects, are converted from their raw samples with OpenCV's inverted-CMYK formula.
 *
 * <p>JPEG files (recognised by their first bytes, as OpenCV does, whatever their name) go to libjpeg-turbo through
 * {@link NativeJpeg} where its library loads, which is several times faster than ImageIO and gives the same pixels;
 * elsewhere to ImageIO. Which one serves this process is logged once, at DEBUG on this class's {@link System.Logger},
 * on the first decode while that level is on (the command line's {@code --verbose} turns it on).
 *
 * <p>Every decode is bounded by a pixel limit ({@link PixelLimit}: 100 megapixels unless set otherwise): the size a
 * file's header claims is checked before any pixel memory is allocated, so a small file claiming a huge image is
 * refused at once, with its size and the limit in the reason. Damage that the decoder gets past (a truncated JPEG,
 * whose missing rows libjpeg fills) is not a failure: {@link #decodeWithWarnings} says what the decoder warned of.
 *
 * <p>Stateless and safe to call from many threads (each call opens its own reader).
 */
public final class ImageDecoder {
    private static final System.Logger LOG = System.getLogger(ImageDecoder.class.getName());
    private static final AtomicBoolean TOLD = new AtomicBoolean();

    private ImageDecoder() {
    }

    /**
     * Decodes {@code file} under the pixel limit in force ({@link PixelLimit#current()}); a file that is not an
     * image, is damaged beyond decoding or is larger than the limit throws with the reason.
     */
    public static BgrImage decode(Path file) throws ImageDecodeException {
        return decodeWithWarnings(file, PixelLimit.current()).image();
    }

    /** Decodes {@code file}, refusing an image of more than {@code maxPixels} pixels from its header. */
    public static BgrImage decode(Path file, long maxPixels) throws ImageDecodeException {
        return decodeWithWarnings(file, maxPixels).image();
    }

    /** As {@link #decode(Path)}, with what the decoder warned of (damage it got past). */
    public static DecodedImage decodeWithWarnings(Path file) throws ImageDecodeException {
        return decodeWithWarnings(file, PixelLimit.current());
    }

    /** As {@link #decode(Path, long)}, with what the decoder warned of (damage it got past). */
    public static DecodedImage decodeWithWarnings(Path file, long maxPixels) throws ImageDecodeException {
        if (!Files.isRegularFile(file)) {
            throw new ImageDecodeException(file, "not a readable file", null);
        }
        if (!TOLD.get() && LOG.isLoggable(System.Logger.Level.DEBUG) && TOLD.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "JPEG decoder: " + jpegDecoder());
        }
        if (NativeJpeg.available() && fitsAnArray(file)) {
            byte[] data;
            try {
                data = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new ImageDecodeException(file, "cannot read the file: " + describe(e), e);
            }
            if (NativeJpeg.isJpeg(data)) {
                NativeJpeg.Decoded d = NativeJpeg.decodeWithInfo(file, data, maxPixels);
                return new DecodedImage(d.image(), d.warning());
            }
        }
        return decodeWithImageIO(file, maxPixels);
    }

    /**
     * Decodes an image held in memory ({@code encoded}: a JPEG, PNG, GIF or BMP file's bytes, such as an encoded
     * Caffe {@code Datum}) under {@code maxPixels}, as {@link #decodeWithWarnings(Path, long)} decodes a file;
     * {@code name} names it in errors.
     */
    public static DecodedImage decodeWithWarnings(Path name, byte[] encoded, long maxPixels)
            throws ImageDecodeException {
        if (NativeJpeg.available() && NativeJpeg.isJpeg(encoded)) {
            NativeJpeg.Decoded d = NativeJpeg.decodeWithInfo(name, encoded, maxPixels);
            return new DecodedImage(d.image(), d.warning());
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(encoded))) {
            return decodeWithImageIO(name, in, maxPixels);
        } catch (IOException e) {
            throw new ImageDecodeException(name, describe(e), e);
        }
    }

    /** Whether the whole file can be read into one array for the native decoder (ImageIO streams larger ones). */
    private static boolean fitsAnArray(Path file) {
        try {
            return Files.size(file) <= Integer.MAX_VALUE - 8;
        } catch (IOException e) {
            return true; // reading it then says why it cannot be read
        }
    }

    /** Which decoder serves JPEG files in this process, and why ImageIO where it is ImageIO, in one line. */
    public static String jpegDecoder() {
        return NativeJpeg.status();
    }

    /**
     * Decodes {@code file} with ImageIO whatever its format, under the pixel limit in force: the portable path,
     * which {@link #decode} takes for JPEGs only where the native decoder is unavailable (public for comparisons and
     * benchmarks).
     */
    public static BgrImage decodeWithImageIO(Path file) throws ImageDecodeException {
        return decodeWithImageIO(file, PixelLimit.current()).image();
    }

    private static DecodedImage decodeWithImageIO(Path file, long maxPixels) throws ImageDecodeException {
        if (!Files.isRegularFile(file)) {
            throw new ImageDecodeException(file, "not a readable file", null);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decodeWithImageIO(file, in, maxPixels);
        } catch (IOException e) {
            throw new ImageDecodeException(file, describe(e), e);
        }
    }

    /** Decodes the image of {@code in} (null: it could not be opened); {@code file} names it in errors. */
    private static DecodedImage decodeWithImageIO(Path file, ImageInputStream in, long maxPixels)
            throws ImageDecodeException {
        try {
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
                // The header's size, checked before the reader allocates the image.
                String refused = PixelLimit.refusal(reader.getHeight(0), reader.getWidth(0), maxPixels, "");
                if (refused != null) {
                    throw new ImageDecodeException(file, refused, null);
                }
                Warnings warnings = new Warnings();
                reader.addIIOReadWarningListener(warnings);
                BgrImage image = decode(reader);
                return new DecodedImage(image, warnings.describe());
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
        ImageReadParam param = reader.getDefaultReadParam();
        if ("jpeg".equalsIgnoreCase(reader.getFormatName())) {
            if (Cmyk.isFourChannelJpeg(reader)) {
                // ImageIO converts four-channel JPEGs through a colour profile (or refuses them); OpenCV applies a
                // plain formula to libjpeg's raw CMYK, which readRaster hands out.
                return Cmyk.toBgr(reader.readRaster(0, null), Cmyk.isYcck(reader));
            }
            ImageTypeSpecifier embedded = embeddedProfileType(reader);
            if (embedded != null) {
                // A destination image rather than setDestinationType: ImageIO matches a destination type against
                // the reader's types by identity of their colour spaces, which the reader may have made anew.
                param.setDestination(embedded.createBufferedImage(reader.getWidth(0), reader.getHeight(0)));
            }
        }
        return toBgr(reader.read(0, param));
    }

    /**
     * The destination type in the JPEG's embedded ICC colour space, or null when it has none. ImageIO's default
     * destination is sRGB, into which it converts the samples through the profile (by up to 85 levels on photographs
     * of hymenoptera); in the embedded space it hands the samples out as libjpeg decoded them, which is what OpenCV
     * gives. The embedded space is the one that is none of the JDK's built-in spaces.
     */
    private static ImageTypeSpecifier embeddedProfileType(ImageReader reader) throws IOException {
        ColorSpace srgb = ColorSpace.getInstance(ColorSpace.CS_sRGB);
        ColorSpace gray = ColorSpace.getInstance(ColorSpace.CS_GRAY);
        for (Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0); types.hasNext();) {
            ImageTypeSpecifier t = types.next();
            ColorSpace cs = t.getColorModel().getColorSpace();
            if (cs instanceof ICC_ColorSpace && cs != srgb && cs != gray) {
                return t;
            }
        }
        return null;
    }

    /** What ImageIO's reader warned of: the count and the first message. */
    private static final class Warnings implements IIOReadWarningListener {
        private int count;
        private String first;

        @Override
        public synchronized void warningOccurred(ImageReader source, String warning) {
            if (count++ == 0) {
                first = warning;
            }
        }

        synchronized String describe() {
            return count == 0 ? null : "ImageIO: " + (count == 1 ? "" : count + " warnings, the first: ") + first;
        }
    }

    /**
     * {@code img} as 8-bit BGR, by the rules in the class comment.
     *
     * @throws IllegalArgumentException when the image has more pixels than one Java array holds as BGR
     */
    public static BgrImage toBgr(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[BgrImage.byteCount(h, w)];
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
        int[] row = new int[Math.multiplyExact(w, bands)];
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

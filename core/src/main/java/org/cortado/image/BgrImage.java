package org.cortado.image;

/**
 * A decoded 8-bit colour image in OpenCV's layout: rows of interleaved {@code B, G, R} bytes (HWC), the form Caffe's
 * data layers hand to {@code cv::resize} and its DataTransformer.
 *
 * @param height rows, at least 1
 * @param width  columns, at least 1
 * @param pixels {@code height * width * 3} unsigned bytes, {@code pixels[(y * width + x) * 3 + c]}, c = 0 blue,
 *               1 green, 2 red (not copied)
 */
public record BgrImage(int height, int width, byte[] pixels) {
    public static final int CHANNELS = 3;

    public BgrImage {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        if (pixels.length != (long) height * width * CHANNELS) {
            throw new IllegalArgumentException(pixels.length + " bytes do not fill a " + height + "x" + width
                    + " BGR image (" + (long) height * width * CHANNELS + ")");
        }
    }

    /**
     * The bytes of a {@code height x width} BGR image, computed without overflow.
     *
     * @throws IllegalArgumentException when they are more than one Java array holds (over
     *                                  {@link PixelLimit#LARGEST} pixels)
     */
    public static int byteCount(long height, long width) {
        if (height < 0 || width < 0 || height > PixelLimit.LARGEST || width > PixelLimit.LARGEST
                || height * width > PixelLimit.LARGEST) {
            throw new IllegalArgumentException("an image of " + height + "x" + width + " pixels is too large for one"
                    + " Java array (at most " + PixelLimit.megapixels(PixelLimit.LARGEST) + " as 8-bit BGR)");
        }
        return (int) (height * width * CHANNELS);
    }

    /** The value (0..255) of channel {@code c} (0 = B) at row {@code y}, column {@code x}. */
    public int get(int y, int x, int c) {
        return pixels[(y * width + x) * CHANNELS + c] & 0xFF;
    }

    /** Channel-planar floats (C, H, W) with values 0..255, the layout of a net's input blob. */
    public float[] toChw() {
        // The constructor checked that height * width * 3 is the length of an array, so these products fit an int.
        int plane = height * width;
        float[] out = new float[pixels.length];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < CHANNELS; c++) {
                out[c * plane + i] = pixels[i * CHANNELS + c] & 0xFF;
            }
        }
        return out;
    }
}

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
        if (pixels.length != height * width * CHANNELS) {
            throw new IllegalArgumentException(pixels.length + " bytes do not fill a " + height + "x" + width
                    + " BGR image (" + height * width * CHANNELS + ")");
        }
    }

    /** The value (0..255) of channel {@code c} (0 = B) at row {@code y}, column {@code x}. */
    public int get(int y, int x, int c) {
        return pixels[(y * width + x) * CHANNELS + c] & 0xFF;
    }

    /** Channel-planar floats (C, H, W) with values 0..255, the layout of a net's input blob. */
    public float[] toChw() {
        int plane = height * width;
        float[] out = new float[CHANNELS * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < CHANNELS; c++) {
                out[c * plane + i] = pixels[i * CHANNELS + c] & 0xFF;
            }
        }
        return out;
    }
}

package org.cortado.image;

/**
 * Bilinear resizing with the geometry of OpenCV's {@code cv::resize(..., INTER_LINEAR)}, which Caffe's image data
 * layers call: pixel centres at half-integers ({@code src = (dst + 0.5) * scale - 0.5}), edge pixels repeated, no
 * antialiasing when shrinking (each output pixel reads a 2x2 neighbourhood whatever the scale).
 *
 * <p>{@link #linear(BgrImage, int, int)} reproduces OpenCV's 8-bit arithmetic: weights quantised to 11 bits, the
 * horizontal pass in exact integers, the vertical pass with OpenCV's own rounding (see {@link #vertical}). {@link #linear(float[], int, int, int, int, int)} is OpenCV's float32 path, used for mean
 * images.
 */
public final class Resize {
    /** OpenCV's INTER_RESIZE_COEF_BITS: interpolation weights are multiples of 1/2048 on the 8-bit path. */
    static final int COEF_BITS = 11;
    static final int COEF_SCALE = 1 << COEF_BITS;
    private Resize() {
    }

    /** The two source indices and weights that make one output coordinate. */
    record Taps(int[] index0, int[] index1, float[] weight0, float[] weight1) {
    }

    /**
     * OpenCV's linear taps for resizing {@code srcSize} samples to {@code dstSize}: weights {@code 1 - f} and
     * {@code f} in float, as {@code cv::resize} computes them (including its {@code 1 / (dst / src)} scale).
     */
    static Taps taps(int srcSize, int dstSize) {
        double scale = 1.0 / ((double) dstSize / srcSize);
        int[] i0 = new int[dstSize];
        int[] i1 = new int[dstSize];
        float[] w0 = new float[dstSize];
        float[] w1 = new float[dstSize];
        for (int d = 0; d < dstSize; d++) {
            float f = (float) ((d + 0.5) * scale - 0.5);
            int s = (int) Math.floor(f);
            f -= s;
            if (s < 0) {
                f = 0;
                s = 0;
            }
            if (s >= srcSize - 1) {
                f = 0;
                s = srcSize - 1;
            }
            i0[d] = s;
            i1[d] = Math.min(s + 1, srcSize - 1);
            w0[d] = 1.0f - f;
            w1[d] = f;
        }
        return new Taps(i0, i1, w0, w1);
    }

    /** OpenCV's {@code saturate_cast<short>(w * INTER_RESIZE_COEF_SCALE)}: round half to even. */
    static int fixedWeight(float w) {
        return (int) Math.rint(w * COEF_SCALE);
    }

    /** {@code src} resized to {@code height x width} exactly as {@code cv2.resize} does for a uint8 BGR image. */
    public static BgrImage linear(BgrImage src, int height, int width) {
        requirePositive(height, width);
        if (height == src.height() && width == src.width()) {
            return new BgrImage(height, width, src.pixels().clone());
        }
        int cn = BgrImage.CHANNELS;
        Taps tx = taps(src.width(), width);
        Taps ty = taps(src.height(), height);
        int[] ax0 = new int[width];
        int[] ax1 = new int[width];
        for (int x = 0; x < width; x++) {
            ax0[x] = fixedWeight(tx.weight0()[x]);
            ax1[x] = fixedWeight(tx.weight1()[x]);
        }
        byte[] out = new byte[BgrImage.byteCount(height, width)];
        int rowLen = width * cn;
        byte[] in = src.pixels();
        int[] row0 = new int[rowLen];
        int[] row1 = new int[rowLen];
        for (int y = 0; y < height; y++) {
            horizontal(in, ty.index0()[y] * src.width() * cn, tx, ax0, ax1, row0);
            horizontal(in, ty.index1()[y] * src.width() * cn, tx, ax0, ax1, row1);
            int b0 = fixedWeight(ty.weight0()[y]);
            int b1 = fixedWeight(ty.weight1()[y]);
            int o = y * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = vertical(row0[i], row1[i], b0, b1);
            }
        }
        return new BgrImage(height, width, out);
    }

    /**
     * OpenCV's 8-bit vertical step on two horizontal sums (scaled by 2^11) and weights b0 + b1 = 2^11: its SIMD
     * kernel drops 4 bits to fit 16-bit lanes, keeps the high halves of the products and rounds with a shift by 2;
     * the scalar loop over a row's tail uses the same formula, so every byte of a row rounds alike (checked against
     * OpenCV 4.6's own output in ReferenceInputTest). It can differ by one from exact rounding of the true value.
     */
    static byte vertical(int s0, int s1, int b0, int b1) {
        int v = ((((s0 >> 4) * b0) >> 16) + (((s1 >> 4) * b1) >> 16) + 2) >> 2;
        return (byte) Math.max(0, Math.min(255, v));
    }

    private static void horizontal(byte[] in, int rowStart, Taps tx, int[] a0, int[] a1, int[] dst) {
        int cn = BgrImage.CHANNELS;
        for (int x = 0; x < a0.length; x++) {
            int p0 = rowStart + tx.index0()[x] * cn;
            int p1 = rowStart + tx.index1()[x] * cn;
            for (int c = 0; c < cn; c++) {
                dst[x * cn + c] = (in[p0 + c] & 0xFF) * a0[x] + (in[p1 + c] & 0xFF) * a1[x];
            }
        }
    }

    /**
     * A planar float image {@code (channels, srcHeight, srcWidth)} resized to {@code (channels, height, width)} as
     * {@code cv2.resize} does for float32 data: the same taps, float arithmetic, horizontal pass first.
     */
    public static float[] linear(float[] chw, int channels, int srcHeight, int srcWidth, int height, int width) {
        requirePositive(height, width);
        if (chw.length != (long) channels * srcHeight * srcWidth) {
            throw new IllegalArgumentException(chw.length + " floats do not fill a (" + channels + ", " + srcHeight
                    + ", " + srcWidth + ") image");
        }
        if (height == srcHeight && width == srcWidth) {
            return chw.clone();
        }
        Taps tx = taps(srcWidth, width);
        Taps ty = taps(srcHeight, height);
        long count = (long) channels * height * width;
        if (count > PixelLimit.LARGEST * BgrImage.CHANNELS) {
            throw new IllegalArgumentException("a (" + channels + ", " + height + ", " + width + ") image is too large"
                    + " for one Java array");
        }
        float[] out = new float[(int) count];
        float[] row0 = new float[width];
        float[] row1 = new float[width];
        for (int c = 0; c < channels; c++) {
            int plane = c * srcHeight * srcWidth;
            for (int y = 0; y < height; y++) {
                horizontal(chw, plane + ty.index0()[y] * srcWidth, tx, row0);
                horizontal(chw, plane + ty.index1()[y] * srcWidth, tx, row1);
                float b0 = ty.weight0()[y];
                float b1 = ty.weight1()[y];
                int o = (c * height + y) * width;
                for (int x = 0; x < width; x++) {
                    out[o + x] = row0[x] * b0 + row1[x] * b1;
                }
            }
        }
        return out;
    }

    private static void horizontal(float[] in, int rowStart, Taps tx, float[] dst) {
        for (int x = 0; x < dst.length; x++) {
            dst[x] = in[rowStart + tx.index0()[x]] * tx.weight0()[x] + in[rowStart + tx.index1()[x]] * tx.weight1()[x];
        }
    }

    private static void requirePositive(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("resize target must be positive, got " + height + "x" + width);
        }
    }
}

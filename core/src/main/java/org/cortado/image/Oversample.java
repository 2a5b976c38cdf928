package org.cortado.image;

import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Caffe's test-time oversampling ({@code python/caffe/io.py oversample}, which {@code classify.py} applies by
 * default): from each resized image, the crops at the four corners (top-left, top-right, bottom-left, bottom-right)
 * and at the centre, then the same five mirrored left to right, in that order.
 *
 * <p>Crops are cut from images that are already transformed (mean subtracted, scaled). That equals cropping first:
 * per-channel means do not depend on the position, and Caffe subtracts a mean image at the crop's source position,
 * which is where the uncropped transform subtracted it too.
 */
public final class Oversample {
    /** Crops per image. */
    public static final int VIEWS = 10;
    /** Distinct crop positions; the other five views mirror them. */
    private static final int POSITIONS = 5;

    private Oversample() {
    }

    /**
     * The five crop positions as {row, column} of the top-left corner: the corners, then the centre at
     * {@code ((H - h) / 2, (W - w) / 2)} rounded down, as io.py's integer crop indices come out.
     */
    public static int[][] offsets(int height, int width, int cropHeight, int cropWidth) {
        if (cropHeight < 1 || cropWidth < 1 || cropHeight > height || cropWidth > width) {
            throw new IllegalArgumentException("a " + cropHeight + "x" + cropWidth + " crop does not fit an image of "
                    + height + "x" + width);
        }
        int bottom = height - cropHeight;
        int right = width - cropWidth;
        return new int[][] {{0, 0}, {0, right}, {bottom, 0}, {bottom, right}, {bottom / 2, right / 2}};
    }

    /**
     * The ten crops of each image.
     *
     * @param images host tensor (N, C, H, W). Not modified.
     * @return a new host tensor (10 N, C, cropHeight, cropWidth): image {@code i}'s views are rows
     *         {@code 10 i .. 10 i + 9}
     */
    public static Tensor crops(Tensor images, int cropHeight, int cropWidth) {
        Shape s = images.shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("oversampling takes images (N, C, H, W), got " + s);
        }
        int n = s.dim(0);
        int c = s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        int[][] at = offsets(h, w, cropHeight, cropWidth);
        float[] src = images.hostData();
        int plane = cropHeight * cropWidth;
        // Shape checks that the element count fits an int (the crop lies within an image, so plane does).
        Shape outShape = Shape.of(Math.multiplyExact(n, VIEWS), c, cropHeight, cropWidth);
        float[] dst = new float[outShape.count()];
        for (int i = 0; i < n; i++) {
            for (int v = 0; v < VIEWS; v++) {
                int y0 = at[v % POSITIONS][0];
                int x0 = at[v % POSITIONS][1];
                boolean mirror = v >= POSITIONS;
                for (int ch = 0; ch < c; ch++) {
                    int srcPlane = (i * c + ch) * h * w;
                    int dstPlane = ((i * VIEWS + v) * c + ch) * plane;
                    for (int y = 0; y < cropHeight; y++) {
                        int srcRow = srcPlane + (y0 + y) * w + x0;
                        int dstRow = dstPlane + y * cropWidth;
                        if (mirror) {
                            for (int x = 0; x < cropWidth; x++) {
                                dst[dstRow + x] = src[srcRow + cropWidth - 1 - x];
                            }
                        } else {
                            System.arraycopy(src, srcRow, dst, dstRow, cropWidth);
                        }
                    }
                }
            }
        }
        return Tensor.wrap(outShape, dst);
    }
}

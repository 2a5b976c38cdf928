package org.cortado.image;

import java.util.Arrays;
import org.cortado.tensor.Shape;

/**
 * Resized images before Caffe's DataTransformer arithmetic, with where each one's crop lies: the raw 8-bit BGR pixels
 * and everything needed to turn them into the (N, 3, cropH, cropW) float input of a net. This form is a quarter of
 * the floats' size, and it lets a GPU backend do the crop, mirror, mean and scale itself
 * ({@link org.cortado.backend.Backend#transformPixels}); {@link #transformInto} is the reference arithmetic, which
 * {@link ImageTransformer} runs for every image on the host.
 *
 * <p>For image {@code i}: {@code out[i, c, y, x'] = (pixel(top + y, left + x, c) - mean(c, top + y, left + x)) *
 * scale}, {@code x' = mirrored ? cropW - 1 - x : x}: the mean is taken at the source position and the mirroring is
 * applied on output, as Caffe does.
 *
 * <p>The arrays are shared, not copied: they must not change once the batch is made (a GPU backend keeps the mean
 * image it uploaded by identity).
 *
 * @param pixels     the images' HWC BGR bytes, one after another
 * @param layout     {@value #LAYOUT_INTS} ints per image: byte offset into {@code pixels}, height, width, crop top,
 *                   crop left, mirrored (0 or 1)
 * @param cropHeight output height (each image's crop)
 * @param cropWidth  output width
 * @param meanValues per-channel means: none, one for all channels, or three (B, G, R)
 * @param meanImage  a (3, H, W) mean image at every image's size (H x W), or null; exclusive with mean values
 * @param scale      multiplier applied after the mean subtraction
 */
public record PixelBatch(byte[] pixels, int[] layout, int cropHeight, int cropWidth, float[] meanValues,
        float[] meanImage, float scale) {
    /** Ints per image in {@link #layout}. */
    public static final int LAYOUT_INTS = 6;

    public PixelBatch {
        if (layout.length % LAYOUT_INTS != 0) {
            throw new IllegalArgumentException("layout holds " + LAYOUT_INTS + " ints per image, got " + layout.length);
        }
        if (cropHeight < 1 || cropWidth < 1) {
            throw new IllegalArgumentException("crop must be positive, got " + cropHeight + "x" + cropWidth);
        }
        if (meanValues.length != 0 && meanValues.length != 1 && meanValues.length != BgrImage.CHANNELS) {
            throw new IllegalArgumentException("need 0, 1 or 3 mean values, got " + Arrays.toString(meanValues));
        }
        if (meanImage != null && meanValues.length > 0) {
            throw new IllegalArgumentException("mean values and a mean image are exclusive");
        }
        for (int i = 0; i < layout.length / LAYOUT_INTS; i++) {
            Image im = image(layout, i);
            if (im.height() < 1 || im.width() < 1 || im.offset() < 0
                    || (long) im.offset() + (long) im.height() * im.width() * BgrImage.CHANNELS > pixels.length) {
                throw new IllegalArgumentException("image " + i + " (" + im.height() + "x" + im.width() + " at byte "
                        + im.offset() + ") does not lie within the " + pixels.length + " pixel bytes");
            }
            if (im.top() < 0 || im.left() < 0 || (long) im.top() + cropHeight > im.height()
                    || (long) im.left() + cropWidth > im.width()) {
                throw new IllegalArgumentException("image " + i + ": the " + cropHeight + "x" + cropWidth
                        + " crop at (" + im.top() + ", " + im.left() + ") leaves its " + im.height() + "x"
                        + im.width() + " pixels");
            }
            if (layout[i * LAYOUT_INTS + 5] != 0 && layout[i * LAYOUT_INTS + 5] != 1) {
                throw new IllegalArgumentException("image " + i + ": mirrored must be 0 or 1, got "
                        + layout[i * LAYOUT_INTS + 5]);
            }
            if (meanImage != null && meanImage.length != (long) BgrImage.CHANNELS * im.height() * im.width()) {
                throw new IllegalArgumentException("image " + i + " is " + im.height() + "x" + im.width()
                        + " but the mean image holds " + meanImage.length + " values, not 3x" + im.height() + "x"
                        + im.width());
            }
        }
    }

    /** One image's entry of the layout. */
    public record Image(int offset, int height, int width, int top, int left, boolean mirrored) {
    }

    /** Image {@code i}'s entry of the layout. */
    public Image image(int i) {
        return image(layout, i);
    }

    private static Image image(int[] layout, int i) {
        int o = i * LAYOUT_INTS;
        return new Image(layout[o], layout[o + 1], layout[o + 2], layout[o + 3], layout[o + 4], layout[o + 5] != 0);
    }

    /** The number of images. */
    public int count() {
        return layout.length / LAYOUT_INTS;
    }

    /** The shape of the transformed batch: (N, 3, cropH, cropW). */
    public Shape outputShape() {
        return Shape.of(count(), BgrImage.CHANNELS, cropHeight, cropWidth);
    }

    /** Writes the transformed batch into {@code dst} from {@code offset} ({@code outputShape().count()} floats). */
    public void transformInto(float[] dst, int offset) {
        int per = BgrImage.CHANNELS * cropHeight * cropWidth;
        for (int i = 0; i < count(); i++) {
            transformImage(i, dst, offset + i * per);
        }
    }

    private void transformImage(int i, float[] dst, int offset) {
        Image im = image(i);
        int base = im.offset();
        int h = im.height();
        int w = im.width();
        int top = im.top();
        int left = im.left();
        boolean flip = im.mirrored();
        int ch = cropHeight;
        int cw = cropWidth;
        for (int c = 0; c < BgrImage.CHANNELS; c++) {
            float mv = meanValues.length == 0 ? 0f : meanValues[meanValues.length == 1 ? 0 : c];
            for (int y = 0; y < ch; y++) {
                int srcRow = (y + top) * w + left;
                int dstRow = offset + (c * ch + y) * cw;
                int meanRow = (c * h + y + top) * w + left;
                for (int x = 0; x < cw; x++) {
                    float m = meanImage == null ? mv : meanImage[meanRow + x];
                    dst[dstRow + (flip ? cw - 1 - x : x)] = ((pixels[base + (srcRow + x) * 3 + c] & 0xFF) - m) * scale;
                }
            }
        }
    }
}

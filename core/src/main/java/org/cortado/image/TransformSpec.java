package org.cortado.image;

import java.util.Arrays;
import org.cortado.tensor.Tensor;

/**
 * The settings of Caffe's DataTransformer plus the resize step that precedes it: resize, crop (centre or random),
 * random mirror, mean subtraction (per-channel values or a mean image), then {@code scale}, in Caffe's order
 * {@code out = (pixel - mean) * scale}. Channels are BGR, pixel values 0..255.
 *
 * @param resize      the resize applied to the decoded image
 * @param cropHeight  crop height, 0 for no crop
 * @param cropWidth   crop width, 0 for no crop
 * @param randomCrop  a random crop position (training) instead of the centre
 * @param mirror      flip horizontally with probability 1/2 (Caffe's {@code mirror: true})
 * @param meanValues  per-channel means in BGR order: none, one for all channels, or three
 * @param meanImage   a (3, H, W) mean image or null; subtracted at the crop's own position (resized first when its
 *                    size differs from the resized image's)
 * @param scale       multiplier applied after mean subtraction
 */
public record TransformSpec(ResizeMode resize, int cropHeight, int cropWidth, boolean randomCrop, boolean mirror,
        float[] meanValues, Tensor meanImage, float scale) {

    public TransformSpec {
        if (cropHeight < 0 || cropWidth < 0 || (cropHeight == 0) != (cropWidth == 0)) {
            throw new IllegalArgumentException("crop must be 0x0 (none) or positive, got " + cropHeight + "x" + cropWidth);
        }
        meanValues = meanValues.clone();
        if (meanValues.length != 0 && meanValues.length != 1 && meanValues.length != BgrImage.CHANNELS) {
            throw new IllegalArgumentException("need 0, 1 or 3 mean values (B, G, R), got " + meanValues.length
                    + ": " + Arrays.toString(meanValues));
        }
        if (meanImage != null && meanValues.length > 0) {
            throw new IllegalArgumentException("give mean values or a mean image, not both (as Caffe requires)");
        }
        if (meanImage != null && (meanImage.shape().rank() != 3 || meanImage.shape().dim(0) != BgrImage.CHANNELS)) {
            throw new IllegalArgumentException("mean image must have shape (3, H, W), got " + meanImage.shape());
        }
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
    }

    /** A deterministic transform: {@code resize}, optional centre crop, per-channel means, scale 1. */
    public static TransformSpec of(ResizeMode resize, int crop, float... meanValues) {
        return new TransformSpec(resize, crop, crop, false, false, meanValues, null, 1f);
    }

    /** Whether the output depends on the per-sample seed. */
    public boolean isRandom() {
        return mirror || (randomCrop && cropHeight > 0);
    }

    /** This transform without randomness: centre crop, no mirror (Caffe's TEST phase). */
    public TransformSpec deterministic() {
        return new TransformSpec(resize, cropHeight, cropWidth, false, false, meanValues, meanImage, scale);
    }

    /** This transform with random crops and mirroring (Caffe's TRAIN phase with {@code mirror: true}). */
    public TransformSpec augmented() {
        return new TransformSpec(resize, cropHeight, cropWidth, true, true, meanValues, meanImage, scale);
    }

    /**
     * The output height and width for a decoded {@code height x width} image: the crop, or the resized size when
     * there is no crop.
     */
    public int[] outputSize(int height, int width) {
        return cropHeight > 0 ? new int[] {cropHeight, cropWidth} : resize.targetSize(height, width);
    }

    /** The fixed output size of every image, or null when it depends on the image (no crop, no fixed resize). */
    public int[] fixedOutputSize() {
        if (cropHeight > 0) {
            return new int[] {cropHeight, cropWidth};
        }
        return resize instanceof ResizeMode.Fixed f ? new int[] {f.height(), f.width()} : null;
    }

    /** A one-line description for reports and provenance records. */
    public String describe() {
        StringBuilder sb = new StringBuilder("resize ").append(resize);
        if (cropHeight > 0) {
            sb.append(", ").append(randomCrop ? "random" : "centre").append(" crop ")
                    .append(cropHeight).append('x').append(cropWidth);
        }
        if (mirror) {
            sb.append(", random mirror");
        }
        sb.append(", BGR 0..255");
        if (meanValues.length > 0) {
            sb.append(", minus mean ").append(Arrays.toString(meanValues));
        } else if (meanImage != null) {
            sb.append(", minus mean image ").append(meanImage.shape());
        }
        if (scale != 1f) {
            sb.append(", times ").append(scale);
        }
        return sb.toString();
    }

    @Override
    public float[] meanValues() {
        return meanValues.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransformSpec t && resize.equals(t.resize) && cropHeight == t.cropHeight
                && cropWidth == t.cropWidth && randomCrop == t.randomCrop && mirror == t.mirror
                && Arrays.equals(meanValues, t.meanValues) && meanImage == t.meanImage && scale == t.scale;
    }

    @Override
    public int hashCode() {
        return ((resize.hashCode() * 31 + cropHeight) * 31 + cropWidth) * 31 + Arrays.hashCode(meanValues);
    }

    @Override
    public String toString() {
        return describe();
    }
}

package org.cortado.transfer;

import org.cortado.image.Oversample;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.tensor.Tensor;

/**
 * How an image becomes what the net sees: Caffe's deterministic transform and, with {@code oversample}, Caffe's ten
 * crops ({@link Oversample}) whose codes are averaged into one.
 *
 * @param transform  the transform of one view: resize, centre crop, mean, scale (no random crop, no mirror)
 * @param oversample whether each image gives ten views at the transform's crop size (four corners, centre, and
 *                   their mirrors) instead of the centre crop alone
 */
public record InputRecipe(TransformSpec transform, boolean oversample) {
    public InputRecipe {
        if (transform.isRandom()) {
            throw new IllegalArgumentException("codes need a deterministic transform (centre crop, no mirror), got "
                    + transform.describe());
        }
        if (oversample && (transform.cropHeight() == 0 || !(transform.resize() instanceof ResizeMode.Fixed))) {
            throw new IllegalArgumentException("oversampling takes ten crops of a fixed-size image: it needs a crop"
                    + " and a fixed resize (HxW), got " + transform.describe());
        }
    }

    /** The centre crop of each image (Caffe's TEST-phase transform) with {@code transform}. */
    public static InputRecipe centre(TransformSpec transform) {
        return new InputRecipe(transform, false);
    }

    /** Views per image: 10 when oversampling, else 1. */
    public int views() {
        return oversample ? Oversample.VIEWS : 1;
    }

    /** The transform the image loader applies: without the crop when the crops are cut later, by oversampling. */
    public TransformSpec loaderTransform() {
        if (!oversample) {
            return transform;
        }
        return new TransformSpec(transform.resize(), 0, 0, false, false, transform.meanValues(), transform.meanImage(),
                transform.scale());
    }

    /** The height and width of one view, or null when it depends on the image (no crop, no fixed resize). */
    public int[] viewSize() {
        return transform.fixedOutputSize();
    }

    /**
     * What the net is fed for a batch of images transformed by {@link #loaderTransform()}: the batch itself, or its
     * ten crops per image (a new tensor of 10 N images) when oversampling.
     */
    public Tensor netInput(Tensor images) {
        if (!oversample) {
            return images;
        }
        int[] view = viewSize();
        return Oversample.crops(images, view[0], view[1]);
    }

    /** One line for reports and provenance records. */
    public String describe() {
        String base = transform.describe();
        if (!oversample) {
            return base;
        }
        return base.replace("centre crop", "10 crops (4 corners + centre, and their mirrors; Caffe's oversample) of")
                + ", codes averaged over the crops";
    }
}

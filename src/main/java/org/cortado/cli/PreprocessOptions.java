package org.cortado.cli;

import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.MeanFile;
import org.cortado.layers.Phase;
import org.cortado.data.CaffeTransforms;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.tensor.Shape;
import org.cortado.transfer.InputRecipe;
import picocli.CommandLine.Option;

/**
 * Caffe-style preprocessing of images for a net: resize, optional centre crop, BGR 0..255, mean subtraction (values
 * or a mean file), scale; or the TEST-phase {@code transform_param} of a train_val prototxt; and Caffe's ten-crop
 * oversampling. Options not given take the defaults of the command: for classify, the net's input size without crop
 * or mean; for codes and transfer, a known model's test-time preprocessing (weights/manifest.json) when there is one.
 */
final class PreprocessOptions {
    /** Caffe's ImageNet images are 256x256 (convert_imageset, imagenet_mean.binaryproto); crops come from those. */
    static final int CAFFE_RESIZE = 256;

    @Option(names = "--resize", paramLabel = "HxW",
            description = "Resize every image to HxW (default: the net's input size, or 256x256 when there is a crop).")
    String resize;

    @Option(names = "--resize-shorter", paramLabel = "S",
            description = "Resize so that the shorter side is S, keeping the aspect ratio (instead of --resize).")
    Integer resizeShorter;

    @Option(names = "--crop", paramLabel = "N|HxW", description = "Centre crop after resizing (0: none).")
    String crop;

    @Option(names = "--mean-values", split = ",", paramLabel = "B,G,R",
            description = "Per-channel means to subtract, BGR order (one value for all channels, or three).")
    List<Float> meanValues;

    @Option(names = "--mean-file", paramLabel = "FILE", description = "Mean image to subtract (Caffe .binaryproto).")
    Path meanFile;

    @Option(names = "--scale", paramLabel = "F",
            description = "Multiply after mean subtraction (Caffe's transform_param.scale). Default: 1.")
    Float scale;

    @Option(names = "--transform-from", paramLabel = "TRAIN_VAL.prototxt",
            description = "Take crop, mean and scale from the TEST-phase data layer's transform_param of this prototxt"
                    + " (its mean_file may be replaced by --mean-file; the resize comes from an ImageData layer's"
                    + " new_height/new_width, else --resize, else 256x256 when it crops).")
    Path transformFrom;

    @Option(names = "--oversample",
            description = "Caffe's ten crops per image (4 corners + centre, and their mirrors; classify.py's default) at"
                    + " the crop size, averaged: codes (codes, transfer) or outputs (classify). Needs a crop and a fixed"
                    + " resize; ten times the work. Default: the centre crop alone (Caffe's TEST phase).")
    boolean oversample;

    /** Whether any option that shapes the transform was given. */
    boolean anyTransformOption() {
        return resize != null || resizeShorter != null || crop != null || meanValues != null || meanFile != null
                || scale != null || transformFrom != null;
    }

    /**
     * The transform for a net whose input is {@code (N, 3, H, W)} = {@code input}, from the options alone: resize to
     * the net's input size (256x256 with a crop), no mean.
     */
    TransformSpec toSpec(Shape input) {
        return toSpec(input, null);
    }

    /**
     * The transform for a net with input {@code input}; options not given take {@code known}'s values (a known
     * model's preprocessing), or the option defaults when {@code known} is null.
     */
    TransformSpec toSpec(Shape input, TransformSpec known) {
        if (resize != null && resizeShorter != null) {
            throw new IllegalArgumentException("give --resize or --resize-shorter, not both");
        }
        if (meanValues != null && meanFile != null) {
            throw new IllegalArgumentException("give --mean-values or --mean-file, not both");
        }
        ResizeMode givenResize = givenResize();
        if (transformFrom != null) {
            if (crop != null || meanValues != null || scale != null) {
                throw new IllegalArgumentException("--transform-from sets crop, mean and scale; give --crop,"
                        + " --mean-values and --scale without it (--resize and --mean-file may go with it)");
            }
            ResizeMode resizeIfUnset = givenResize != null ? givenResize
                    : known != null ? known.resize() : new ResizeMode.Fixed(CAFFE_RESIZE, CAFFE_RESIZE);
            TransformSpec fromFile = CaffeTransforms.fromTrainVal(transformFrom, Phase.TEST, resizeIfUnset, meanFile);
            if (fromFile.cropHeight() == 0 && givenResize == null && known == null) {
                // No crop and no resize given: feed the net its declared size.
                return new TransformSpec(new ResizeMode.Fixed(input.dim(2), input.dim(3)), 0, 0, false, false,
                        fromFile.meanValues(), fromFile.meanImage(), fromFile.scale());
            }
            return fromFile;
        }
        int[] cropSize;
        if (crop != null) {
            cropSize = "0".equals(crop.strip()) ? new int[] {0, 0} : size("--crop", crop);
        } else if (known != null) {
            cropSize = new int[] {known.cropHeight(), known.cropWidth()};
        } else {
            cropSize = new int[] {0, 0};
        }
        ResizeMode mode;
        if (givenResize != null) {
            mode = givenResize;
        } else if (known != null) {
            mode = known.resize();
        } else if (cropSize[0] > 0) {
            mode = new ResizeMode.Fixed(CAFFE_RESIZE, CAFFE_RESIZE);
        } else {
            mode = new ResizeMode.Fixed(input.dim(2), input.dim(3));
        }
        float[] means;
        org.cortado.tensor.Tensor meanImage = null;
        if (meanValues != null) {
            means = new float[meanValues.size()];
            for (int i = 0; i < means.length; i++) {
                means[i] = meanValues.get(i);
            }
        } else if (meanFile != null) {
            means = new float[0];
            meanImage = MeanFile.read(meanFile);
        } else if (known != null) {
            means = known.meanValues();
            meanImage = known.meanImage();
        } else {
            means = new float[0];
        }
        float s = scale != null ? scale : known != null ? known.scale() : 1f;
        return new TransformSpec(mode, cropSize[0], cropSize[1], false, false, means, meanImage, s);
    }

    /** The transform and the oversampling choice. */
    InputRecipe toRecipe(Shape input, TransformSpec known) {
        TransformSpec spec = toSpec(input, known);
        if (oversample && !(spec.cropHeight() > 0 && spec.resize() instanceof ResizeMode.Fixed)) {
            throw new IllegalArgumentException("--oversample takes ten crops of a fixed-size image; it needs --crop and"
                    + " --resize HxW, got " + spec.describe());
        }
        return new InputRecipe(spec, oversample);
    }

    private ResizeMode givenResize() {
        if (resizeShorter != null) {
            if (resizeShorter < 1) {
                throw new IllegalArgumentException("--resize-shorter must be positive, got " + resizeShorter);
            }
            return new ResizeMode.ShorterSide(resizeShorter);
        }
        if (resize != null) {
            int[] s = size("--resize", resize);
            return new ResizeMode.Fixed(s[0], s[1]);
        }
        return null;
    }

    /** "227" or "227x227" as {height, width}. */
    static int[] size(String option, String text) {
        String[] parts = text.toLowerCase().split("x");
        try {
            int h = Integer.parseInt(parts[0].strip());
            int w = parts.length == 2 ? Integer.parseInt(parts[1].strip()) : h;
            if (parts.length > 2 || h < 1 || w < 1) {
                throw new NumberFormatException();
            }
            return new int[] {h, w};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes N or HxW with positive integers, got '" + text + "'");
        }
    }
}

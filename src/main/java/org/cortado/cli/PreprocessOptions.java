package org.cortado.cli;

import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.MeanFile;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.tensor.Shape;
import picocli.CommandLine.Option;

/**
 * Caffe-style preprocessing of images for a net: resize, optional centre crop, BGR 0..255, mean subtraction (values
 * or a mean file), scale. Defaults fit the net: resize to its input size, no crop, no mean.
 */
final class PreprocessOptions {
    @Option(names = "--resize", paramLabel = "HxW",
            description = "Resize every image to HxW (default: the net's input size, or 256x256 when --crop is given).")
    String resize;

    @Option(names = "--resize-shorter", paramLabel = "S",
            description = "Resize so that the shorter side is S, keeping the aspect ratio (instead of --resize).")
    Integer resizeShorter;

    @Option(names = "--crop", paramLabel = "N|HxW", description = "Centre crop after resizing.")
    String crop;

    @Option(names = "--mean-values", split = ",", paramLabel = "B,G,R",
            description = "Per-channel means to subtract, BGR order (one value for all channels, or three).")
    List<Float> meanValues;

    @Option(names = "--mean-file", paramLabel = "FILE", description = "Mean image to subtract (Caffe .binaryproto).")
    Path meanFile;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "F",
            description = "Multiply after mean subtraction (Caffe's transform_param.scale). Default: ${DEFAULT-VALUE}.")
    float scale;

    /** The transform for a net whose input is {@code (N, 3, H, W)} = {@code input}. */
    TransformSpec toSpec(Shape input) {
        if (resize != null && resizeShorter != null) {
            throw new IllegalArgumentException("give --resize or --resize-shorter, not both");
        }
        int[] cropSize = crop == null ? new int[] {0, 0} : size("--crop", crop);
        ResizeMode mode;
        if (resizeShorter != null) {
            if (resizeShorter < 1) {
                throw new IllegalArgumentException("--resize-shorter must be positive, got " + resizeShorter);
            }
            mode = new ResizeMode.ShorterSide(resizeShorter);
        } else if (resize != null) {
            int[] s = size("--resize", resize);
            mode = new ResizeMode.Fixed(s[0], s[1]);
        } else if (crop != null) {
            mode = new ResizeMode.Fixed(256, 256);
        } else {
            mode = new ResizeMode.Fixed(input.dim(2), input.dim(3));
        }
        if (meanValues != null && meanFile != null) {
            throw new IllegalArgumentException("give --mean-values or --mean-file, not both");
        }
        float[] means = new float[meanValues == null ? 0 : meanValues.size()];
        for (int i = 0; i < means.length; i++) {
            means[i] = meanValues.get(i);
        }
        return new TransformSpec(mode, cropSize[0], cropSize[1], false, false, means,
                meanFile == null ? null : MeanFile.read(meanFile), scale);
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

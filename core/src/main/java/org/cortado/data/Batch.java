package org.cortado.data;

import java.nio.file.Path;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.image.PixelBatch;
import org.cortado.tensor.Tensor;

/**
 * One batch of images in input order, without the images that could not be used: transformed on the host
 * ({@code data}), or resized only, for the net's backend to transform on its device ({@code pixels}; see
 * {@link BatchLoader}'s pixel mode). {@link #input} gives the net's input either way.
 *
 * @param index         the batch number, from 0
 * @param data          host tensor (n, 3, H, W), n = number of usable images (may be 0); null in pixel mode
 * @param pixels        the n resized images and their crops, in pixel mode; else null
 * @param labels        the n labels
 * @param files         the n files
 * @param sampleIndices the n positions of these images in the loader's input list
 * @param skipped       the images of this batch that were left out, with reasons, in input order
 * @param warnings      the images of this batch that are in it despite damage their decoder got past, in input order
 */
public record Batch(int index, Tensor data, PixelBatch pixels, int[] labels, List<Path> files, int[] sampleIndices,
        List<Skipped> skipped, List<DecodeWarning> warnings) {
    public Batch {
        if ((data == null) == (pixels == null)) {
            throw new IllegalArgumentException("a batch holds either transformed data or pixels");
        }
        files = List.copyOf(files);
        skipped = List.copyOf(skipped);
        warnings = List.copyOf(warnings);
    }

    /** The number of usable images in the batch. */
    public int size() {
        return labels.length;
    }

    /**
     * The transformed images (n, 3, H, W) for a net on {@code backend}: the host data as it is (the net uploads it),
     * or, in pixel mode, a tensor on the backend's device that the backend transformed the pixels into.
     */
    public Tensor input(Backend backend) {
        if (data != null) {
            return data;
        }
        Tensor t = backend.allocate(pixels.outputShape());
        backend.transformPixels(pixels, t);
        return t;
    }
}

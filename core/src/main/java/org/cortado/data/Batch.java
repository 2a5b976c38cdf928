package org.cortado.data;

import java.nio.file.Path;
import java.util.List;
import org.cortado.tensor.Tensor;

/**
 * One batch of transformed images in input order, without the images that could not be used.
 *
 * @param index         the batch number, from 0
 * @param data          host tensor (n, 3, H, W), n = number of usable images (may be 0)
 * @param labels        the n labels
 * @param files         the n files
 * @param sampleIndices the n positions of these images in the loader's input list
 * @param skipped       the images of this batch that were left out, with reasons, in input order
 */
public record Batch(int index, Tensor data, int[] labels, List<Path> files, int[] sampleIndices,
        List<Skipped> skipped) {
    public Batch {
        files = List.copyOf(files);
        skipped = List.copyOf(skipped);
    }

    /** The number of usable images in the batch. */
    public int size() {
        return labels.length;
    }
}

package org.cortado.features;

import org.cortado.data.Batch;
import org.cortado.tensor.Tensor;

/**
 * Turns a batch of transformed images into CNN codes: a truncated net's forward pass, pooled and flattened. The
 * extractor calls it from one thread, batch after batch.
 */
@FunctionalInterface
public interface CodeFunction {
    /**
     * @param batch host tensor (N, 3, H, W), N >= 1
     * @return N codes of one common length D
     */
    float[][] codes(Tensor batch);

    /**
     * Whether this function takes batches of resized pixels, whose transform its backend runs on its device
     * ({@link org.cortado.data.BatchLoader}'s pixel mode); otherwise the loader transforms on the host.
     */
    default boolean takesPixels() {
        return false;
    }

    /** The codes of a loader's batch (N >= 1): of its host data, unless {@link #takesPixels}. */
    default float[][] codes(Batch batch) {
        return codes(batch.data());
    }
}

package org.cortado.features;

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
}

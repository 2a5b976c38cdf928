package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Silence: any number of bottoms, no tops; it consumes blobs that nothing else reads (so that Caffe does not print
 * them). Forward does nothing; backward, where a net asks, gives zero gradients.
 */
public final class SilenceLayer extends Layer {
    public SilenceLayer(LayerConfig config) {
        super(config, 1, Integer.MAX_VALUE, 0, 0);
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        return List.of();
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        for (int i = 0; i < bottomDiffs.size(); i++) {
            if (wants(bottomDiffs, i)) {
                backend.fill(bottomDiffs.get(i), 0f);
            }
        }
    }
}

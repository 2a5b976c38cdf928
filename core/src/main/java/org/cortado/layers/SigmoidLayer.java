package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/** Sigmoid: top = 1 / (1 + exp(-bottom)), any shape. */
public final class SigmoidLayer extends Layer {
    public SigmoidLayer(LayerConfig config) {
        super(config, 1, 1, 1, 1);
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        return List.of(bottomShapes.get(0));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.sigmoidForward(bottoms.get(0), tops.get(0));
    }

    /** {@code dinp = dout * top * (1 - top)}. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.sigmoidBackward(tops.get(0), topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}

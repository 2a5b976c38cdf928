package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/** TanH: top = tanh(bottom), any shape. */
public final class TanHLayer extends Layer {
    public TanHLayer(LayerConfig config) {
        super(config, 1, 1, 1, 1);
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        return List.of(bottomShapes.get(0));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        backend.tanhForward(bottoms.get(0), tops.get(0));
    }

    /** {@code dinp = dout * (1 - top^2)}. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            backend.tanhBackward(tops.get(0), topDiffs.get(0), bottomDiffs.get(0));
        }
    }
}

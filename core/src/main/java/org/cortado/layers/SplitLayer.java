package org.cortado.layers;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/** Split: every top is the bottom (views of one memory); in backward the top gradients add up. */
public final class SplitLayer extends Layer {
    public SplitLayer(LayerConfig config) {
        super(config, 1, 1, 1, Integer.MAX_VALUE);
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        List<Shape> tops = new ArrayList<>();
        for (int i = 0; i < config.tops().size(); i++) {
            tops.add(bottomShapes.get(0));
        }
        return tops;
    }

    @Override
    public List<Tensor> topViews(List<Tensor> bottoms, List<Shape> topShapes) {
        List<Tensor> tops = new ArrayList<>();
        for (int i = 0; i < topShapes.size(); i++) {
            tops.add(bottoms.get(0));
        }
        return tops;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        // The tops are the bottom.
    }

    /** {@code dinp = sum of the top gradients}. */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        Tensor dinp = bottomDiffs.get(0);
        backend.copy(topDiffs.get(0), dinp);
        for (int i = 1; i < topDiffs.size(); i++) {
            backend.axpby(1f, topDiffs.get(i), 1f, dinp);
        }
    }
}

package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * EuclideanLoss: bottoms {@code a, b (N, ...)} of the same count per sample; top the scalar
 * {@code sum((a - b)^2) / (2N)}. Both bottoms get a gradient, {@code ±w (a - b) / N} with {@code w} the loss weight
 * (Caffe lets the second bottom learn too, for Siamese-style regressions).
 */
public final class EuclideanLossLayer extends LossLayer {
    private int num;

    public EuclideanLossLayer(LayerConfig config) {
        super(config, 1);
    }

    @Override
    public boolean canPropagateTo(int index) {
        return true;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape a = bottomShapes.get(0);
        Shape b = bottomShapes.get(1);
        requireSameNum(a, b);
        if (a.count() != b.count()) {
            throw error("bottom 0 " + a + " and bottom 1 " + b + " must hold the same number of values per sample");
        }
        num = a.dim(0);
        return List.of(Shape.of());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor diff = scratch(backend, "diff", bottoms.get(0).shape());
        backend.copy(bottoms.get(0), diff);
        backend.axpby(-1f, bottoms.get(1), 1f, diff);
        writeScalar(backend, backend.sumOfSquares(diff) / num / 2, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        float weight = lossWeight(backend, topDiffs.get(0));
        for (int i = 0; i < 2; i++) {
            if (wants(bottomDiffs, i)) {
                float alpha = (i == 0 ? 1 : -1) * weight / num;
                backend.fill(bottomDiffs.get(i), 0f);
                backend.axpby(alpha, existingScratch("diff"), 1f, bottomDiffs.get(i));
            }
        }
    }
}

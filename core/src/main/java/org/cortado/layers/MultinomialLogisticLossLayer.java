package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * MultinomialLogisticLoss: bottoms probabilities {@code (N, D...)} (D = count / N classes, already normalised, e.g.
 * by a Softmax layer) and labels {@code (N)}; top the scalar {@code -sum log(max(prob[n, label_n], 1e-20)) / N}.
 * {@code dinp[n, label_n] = -w / (N max(prob[n, label_n], 1e-20))}, 0 elsewhere.
 */
public final class MultinomialLogisticLossLayer extends LossLayer {
    private int num;
    private int dim;

    public MultinomialLogisticLossLayer(LayerConfig config) {
        super(config, 1);
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape prob = bottomShapes.get(0);
        Shape labels = bottomShapes.get(1);
        requireSameNum(prob, labels);
        if (labels.count() != labels.dim(0)) {
            throw error("labels " + labels + " must hold one value per sample of " + prob);
        }
        num = prob.dim(0);
        dim = num == 0 ? 0 : prob.count() / num;
        return List.of(Shape.of());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        double loss;
        try {
            loss = backend.layerOps().multinomialLogisticLossForward(bottoms.get(0), bottoms.get(1), num, dim);
        } catch (InvalidLabelException e) {
            throw error(e.getMessage());
        }
        writeScalar(backend, loss / num, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            float scale = -lossWeight(backend, topDiffs.get(0)) / num;
            backend.layerOps().multinomialLogisticLossBackward(bottoms.get(0), bottoms.get(1), bottomDiffs.get(0), num,
                    dim, scale);
        }
    }
}

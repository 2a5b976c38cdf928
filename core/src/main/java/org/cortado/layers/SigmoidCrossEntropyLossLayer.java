package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.LabelledSum;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.LossParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * SigmoidCrossEntropyLoss: bottoms scores {@code x (N, ...)} and targets {@code t} in [0, 1] of the same count (a
 * multi-label loss); top the scalar {@code -sum(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) / normaliser}, in
 * Caffe's overflow-free form. Targets equal to {@code ignore_label} after a cast to int are left out. Normalisation as
 * Caffe's: {@code normalization} if given, else the legacy {@code normalize}, else BATCH_SIZE (N).
 * {@code dinp = (sigmoid(x) - t) w / normaliser}.
 */
public final class SigmoidCrossEntropyLossLayer extends LossLayer {
    public record Params(Integer ignoreLabel, Normalization normalization) {
        public static Params from(LayerParameter layer) {
            LossParameter lp = layer.getLossParam();
            return new Params(lp.hasIgnoreLabel() ? lp.getIgnoreLabel() : null,
                    LossLayer.normalization(lp, Normalization.BATCH_SIZE));
        }
    }

    private final Params p;
    private int outer;
    private int inner;
    private double normaliser;

    public SigmoidCrossEntropyLossLayer(LayerConfig config, Params params) {
        super(config, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape x = bottomShapes.get(0);
        Shape t = bottomShapes.get(1);
        requireSameNum(x, t);
        if (x.count() != t.count()) {
            throw error("scores " + x + " and targets " + t + " must have the same count");
        }
        outer = x.dim(0);
        inner = x.countFrom(1);
        return List.of(Shape.of());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor sigmoid = scratch(backend, "sigmoid", bottoms.get(0).shape());
        backend.sigmoidForward(bottoms.get(0), sigmoid);
        LabelledSum loss = backend.layerOps().sigmoidCrossEntropyLossForward(bottoms.get(0), bottoms.get(1),
                p.ignoreLabel());
        normaliser = normaliser(p.normalization(), outer, inner, loss.labelled());
        writeScalar(backend, loss.sum() / normaliser, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (wants(bottomDiffs, 0)) {
            float scale = (float) (lossWeight(backend, topDiffs.get(0)) / normaliser);
            backend.layerOps().sigmoidCrossEntropyLossBackward(existingScratch("sigmoid"), bottoms.get(1),
                    bottomDiffs.get(0), p.ignoreLabel(), scale);
        }
    }
}

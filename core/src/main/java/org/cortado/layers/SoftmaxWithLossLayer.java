package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.LossParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * SoftmaxWithLoss: bottoms are scores {@code (N, C, ...)} and labels with one integer value per position of the
 * other axes ({@code (N)} for classification); top 0 is the scalar loss
 * {@code -sum over labelled positions of log(max(prob[label], FLT_MIN)) / normaliser}, optional top 1 the
 * softmax probabilities. The gradient is {@code (prob - onehot(label)) * loss_weight / normaliser}, 0 at positions
 * whose label is {@code ignore_label}. Normalisers (Caffe's LossParameter): FULL = positions, VALID = labelled
 * positions (the default), BATCH_SIZE = N (outer count), NONE = 1, each at least 1; the legacy {@code normalize}
 * flag, when {@code normalization} is not given, means VALID (true) or BATCH_SIZE (false).
 */
public final class SoftmaxWithLossLayer extends LossLayer {
    /** {@code ignoreLabel} null when none is set. */
    public record Params(int axis, Integer ignoreLabel, Normalization normalization) {
        public static Params from(LayerParameter layer) {
            LossParameter lp = layer.getLossParam();
            return new Params(layer.getSoftmaxParam().getAxis(), lp.hasIgnoreLabel() ? lp.getIgnoreLabel() : null,
                    LossLayer.normalization(lp, Normalization.VALID));
        }
    }

    private final Params p;
    private AxisSplit split;
    private double normaliser;

    public SoftmaxWithLossLayer(LayerConfig config, Params params) {
        super(config, 2);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        split = splitAt(in, p.axis());
        requireOneLabelPerPosition(bottomShapes.get(1), in, split);
        return config.tops().size() == 2 ? List.of(Shape.of(), in) : List.of(Shape.of());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor prob = tops.size() == 2 ? tops.get(1) : scratch(backend, "prob", bottoms.get(0).shape());
        int outer = split.outer();
        int channels = split.channels();
        int inner = split.inner();
        backend.softmaxForward(bottoms.get(0), prob, outer, channels, inner);
        LabelledSum loss;
        try {
            loss = backend.softmaxLossForward(prob, bottoms.get(1), outer, channels, inner, p.ignoreLabel());
        } catch (InvalidLabelException e) {
            throw error(e.getMessage());
        }
        normaliser = normaliser(p.normalization(), outer, inner, loss.labelled());
        writeScalar(backend, loss.sum() / normaliser, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        if (!wants(bottomDiffs, 0)) {
            return;
        }
        Tensor prob = tops.size() == 2 ? tops.get(1) : existingScratch("prob");
        float scale = (float) (lossWeight(backend, topDiffs.get(0)) / normaliser);
        backend.softmaxLossBackward(prob, bottoms.get(1), bottomDiffs.get(0), split.outer(), split.channels(),
                split.inner(), p.ignoreLabel(), scale);
    }
}

package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
import org.cortado.backend.LabelledSum;
import org.cortado.caffe.proto.Caffe.AccuracyParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Accuracy: bottoms are scores {@code (N, C, ...)} (classes along {@code axis}) and labels, one per position of the
 * other axes; top is the scalar fraction of labelled positions whose label is among the {@code top_k} best scores.
 * As in Caffe, a score equal to the label's counts as better, so ties go against the label; positions labelled
 * {@code ignore_label} are left out. No gradient.
 */
public final class AccuracyLayer extends Layer {
    public record Params(int topK, int axis, Integer ignoreLabel) {
        public static Params from(LayerParameter layer) {
            AccuracyParameter p = layer.getAccuracyParam();
            if (p.getTopK() < 1) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Accuracy): top_k must be positive");
            }
            return new Params(p.getTopK(), p.getAxis(), p.hasIgnoreLabel() ? p.getIgnoreLabel() : null);
        }
    }

    private final Params p;
    private AxisSplit split;

    public AccuracyLayer(LayerConfig config, Params params) {
        super(config, 2, 2, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public boolean canPropagateTo(int index) {
        return false;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        split = splitAt(in, p.axis());
        if (p.topK() > split.channels()) {
            throw error("top_k " + p.topK() + " exceeds the " + split.channels() + " classes of " + in);
        }
        requireOneLabelPerPosition(bottomShapes.get(1), in, split);
        return List.of(Shape.of());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        LabelledSum hits;
        try {
            hits = backend.accuracy(bottoms.get(0), bottoms.get(1), split.outer(), split.channels(), split.inner(),
                    p.topK(), p.ignoreLabel());
        } catch (InvalidLabelException e) {
            throw error(e.getMessage());
        }
        long correct = (long) hits.sum();
        long count = hits.labelled();
        float accuracy = count == 0 ? 0f : (float) correct / count;
        backend.copy(backend.upload(Tensor.wrap(Shape.of(), new float[] {accuracy})), tops.get(0));
    }
}

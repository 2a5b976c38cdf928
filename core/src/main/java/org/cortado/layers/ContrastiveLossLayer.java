package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.ContrastiveLossParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * ContrastiveLoss (Hadsell, Chopra and LeCun, for Siamese nets): bottoms features {@code a, b (N, C)} (or
 * {@code (N, C, 1, 1)}) and similarity labels {@code y (N)}; with {@code d = |a_n - b_n|}, top the scalar
 * {@code sum over n of (y_n ? d^2 : max(margin - d, 0)^2) / 2N}, or with {@code legacy_version}
 * {@code max(margin - d^2, 0)} for dissimilar pairs. Both feature bottoms get Caffe's gradient (whose divisor for
 * dissimilar pairs is {@code d + 1e-4}); the labels none.
 */
public final class ContrastiveLossLayer extends LossLayer {
    public record Params(float margin, boolean legacy) {
        public static Params from(LayerParameter layer) {
            ContrastiveLossParameter p = layer.getContrastiveLossParam();
            return new Params(p.getMargin(), p.getLegacyVersion());
        }
    }

    private final Params p;
    private int num;
    private int channels;

    public ContrastiveLossLayer(LayerConfig config, Params params) {
        super(config, 3, 3, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public boolean canPropagateTo(int index) {
        return index < 2;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape a = bottomShapes.get(0);
        Shape b = bottomShapes.get(1);
        Shape y = bottomShapes.get(2);
        requireSameNum(a, b);
        if (a.rank() < 2 || b.rank() < 2 || a.count(0, 2) != b.count(0, 2) || a.dim(1) != b.dim(1)
                || a.countFrom(2) != 1 || b.countFrom(2) != 1) {
            throw error("features " + a + " and " + b + " must both be (N, C) or (N, C, 1, 1)");
        }
        if (y.rank() < 1 || y.dim(0) != a.dim(0) || y.count() != a.dim(0)) {
            throw error("labels " + y + " must hold one value per pair of " + a);
        }
        num = a.dim(0);
        channels = a.dim(1);
        return List.of(Shape.of());
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor distSq = scratch(backend, "distSq", Shape.of(num));
        double loss = backend.layerOps().contrastiveLossForward(bottoms.get(0), bottoms.get(1), bottoms.get(2), distSq,
                num, channels, p.margin(), p.legacy());
        writeScalar(backend, loss / num / 2, tops.get(0));
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        float weight = lossWeight(backend, topDiffs.get(0));
        for (int i = 0; i < 2; i++) {
            if (wants(bottomDiffs, i)) {
                float alpha = (i == 0 ? 1 : -1) * weight / num;
                backend.layerOps().contrastiveLossBackward(bottoms.get(0), bottoms.get(1), bottoms.get(2),
                        existingScratch("distSq"), bottomDiffs.get(i), num, channels, p.margin(), p.legacy(), alpha);
            }
        }
    }
}
